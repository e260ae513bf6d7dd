//! The typed article every input format is parsed into.
//!
//! Whatever a user's archive looks like (scraped pages, JSON exports, Markdown notes), the
//! rest of newsearch only ever sees [`Article`]. Values with rules get their own types:
//! [`ArticleId`] is the stable key an index upserts by, and [`Tag`] keeps the text a user
//! wrote while offering the normalized form tag filters and counts compare on.

use std::fmt;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One news article, whatever file format it came from.
///
/// `date` is an instant in UTC. Sources that give a time without a zone (the scraped-page
/// layout, `2025-02-21T08:37:00`, a bare `2025-02-21`) are read as UTC; sources with an
/// offset are converted to UTC.
///
/// Articles that do not come from a file (rows of an app's database, messages from a feed)
/// have an empty `path`: build them with [`Article::builder`] or `..Default::default()`.
/// An empty path names no file, so [`Index::get_by_path`](crate::Index::get_by_path) and
/// [`IndexWriter::delete_path`](crate::IndexWriter::delete_path) never match them.
///
/// Serializes with every field; when deserializing, only `id` and `title` are required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Stable identifier: the record's own `id` field when it has one, else the file path
    /// relative to the indexed root, plus `#N` for the Nth record of a multi-record file.
    pub id: ArticleId,
    /// The file the article was read from, as it was reached (root joined with the relative
    /// path); empty for an article that did not come from a file.
    #[serde(with = "path_as_string", default)]
    pub path: PathBuf,
    /// Headline.
    pub title: String,
    /// Plain-text body: paragraphs separated by one blank line.
    #[serde(default)]
    pub body: String,
    /// Section or category ("Ukraine", "Business"), when known.
    #[serde(default)]
    pub section: Option<String>,
    /// Publication instant, when known.
    #[serde(with = "date_rfc3339", default)]
    pub date: Option<DateTime<Utc>>,
    /// View count, when the source gives one.
    #[serde(default)]
    pub views: Option<u64>,
    /// Tags in the source's order and spelling, without duplicates (compared normalized).
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Named sources ("Reuters", "ISW"), in the source's order.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Canonical URL, when known.
    #[serde(default)]
    pub url: Option<String>,
}

impl Article {
    /// An article with the given id, path and title and every other field empty.
    pub fn new(id: impl Into<ArticleId>, path: impl Into<PathBuf>, title: impl Into<String>) -> Self {
        Article {
            id: id.into(),
            path: path.into(),
            title: title.into(),
            body: String::new(),
            section: None,
            date: None,
            views: None,
            tags: Vec::new(),
            sources: Vec::new(),
            url: None,
        }
    }

    /// Starts an article with the given id and title that did not come from a file.
    ///
    /// ```
    /// use newsearch::Article;
    /// use newsearch::chrono::{TimeZone, Utc};
    /// let article = Article::builder("row-17", "Cable repaired")
    ///     .body("Service is back in the old town.")
    ///     .tag("Sofia")
    ///     .date(Utc.with_ymd_and_hms(2025, 3, 4, 9, 30, 0).unwrap())
    ///     .views(120)
    ///     .build();
    /// assert!(article.path.as_os_str().is_empty());
    /// assert_eq!(article.tags[0].as_str(), "Sofia");
    /// ```
    pub fn builder(id: impl Into<ArticleId>, title: impl Into<String>) -> ArticleBuilder {
        ArticleBuilder { article: Article { id: id.into(), title: title.into(), ..Article::default() } }
    }

    /// Adds `tag` unless a tag with the same normalized form is already present.
    pub fn push_tag(&mut self, tag: Tag) {
        if !tag.is_empty() && !self.tags.iter().any(|t| t.normalized() == tag.normalized()) {
            self.tags.push(tag);
        }
    }

    /// Adds each tag not already present (compared normalized), keeping at most
    /// [`Article::MAX_TAGS`]; returns how many were left out for being over that limit.
    /// Linear in the number of tags, unlike repeated [`Article::push_tag`].
    pub fn extend_tags<I: IntoIterator<Item = Tag>>(&mut self, tags: I) -> usize {
        let mut seen: std::collections::HashSet<String> =
            self.tags.iter().map(|t| t.normalized().to_owned()).collect();
        let mut dropped = 0;
        for tag in tags {
            if tag.is_empty() || !seen.insert(tag.normalized().to_owned()) {
                continue;
            }
            if self.tags.len() >= Self::MAX_TAGS {
                dropped += 1;
                continue;
            }
            self.tags.push(tag);
        }
        dropped
    }

    /// Tags kept per article: more is never a real article, and would bloat the index.
    pub const MAX_TAGS: usize = 1000;

    /// True when the article has a tag equal to `name` under normalization.
    pub fn has_tag(&self, name: &str) -> bool {
        let wanted = Tag::normalize(name);
        self.tags.iter().any(|t| t.normalized() == wanted)
    }
}

/// Builds an [`Article`] field by field; see [`Article::builder`]. Values are taken as given:
/// [`IndexWriter::add`](crate::IndexWriter::add) checks what an index can hold (dates).
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the article"]
pub struct ArticleBuilder {
    article: Article,
}

impl ArticleBuilder {
    /// The plain-text body (paragraphs separated by one blank line).
    pub fn body(mut self, body: impl Into<String>) -> Self {
        self.article.body = body.into();
        self
    }

    /// The section or category.
    pub fn section(mut self, section: impl Into<String>) -> Self {
        self.article.section = Some(section.into());
        self
    }

    /// The publication instant.
    pub fn date(mut self, date: DateTime<Utc>) -> Self {
        self.article.date = Some(date);
        self
    }

    /// The view count.
    pub fn views(mut self, views: u64) -> Self {
        self.article.views = Some(views);
        self
    }

    /// Adds a tag, unless one with the same normalized form is there ([`Article::push_tag`]).
    pub fn tag(mut self, tag: impl Into<Tag>) -> Self {
        self.article.push_tag(tag.into());
        self
    }

    /// Adds a named source.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.article.sources.push(source.into());
        self
    }

    /// The canonical URL.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.article.url = Some(url.into());
        self
    }

    /// The file the article was read from, when it was read from one.
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.article.path = path.into();
        self
    }

    /// The article.
    pub fn build(self) -> Article {
        self.article
    }
}

/// The stable key of an article in an index.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArticleId(String);

impl ArticleId {
    /// Wraps `id` as an article id.
    pub fn new(id: impl Into<String>) -> Self {
        ArticleId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for ArticleId {
    fn from(s: String) -> Self {
        ArticleId(s)
    }
}

impl From<&str> for ArticleId {
    fn from(s: &str) -> Self {
        ArticleId(s.to_owned())
    }
}

/// A tag as the source spelled it, with a normalized form for matching.
///
/// Display text keeps its case and inner punctuation ("European Union", "G20"); the
/// normalized form lowercases it and collapses runs of whitespace, so `--tag "european  union"`
/// matches. Leading and trailing whitespace is never part of a tag.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct Tag {
    display: String,
    normalized: String,
}

impl Tag {
    /// A tag from its display text (trimmed, inner whitespace collapsed to one space).
    pub fn new(text: &str) -> Self {
        let display = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let normalized = display.to_lowercase();
        Tag { display, normalized }
    }

    /// The text to show users.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The form tag comparisons use: lowercase, single spaces.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The normalized form of arbitrary user input, for comparing against [`Tag::normalized`].
    pub fn normalize(text: &str) -> String {
        Tag::new(text).normalized
    }

    /// True when the tag has no text.
    pub fn is_empty(&self) -> bool {
        self.display.is_empty()
    }
}

impl PartialEq for Tag {
    fn eq(&self, other: &Self) -> bool {
        self.display == other.display
    }
}

impl Eq for Tag {}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl From<String> for Tag {
    fn from(s: String) -> Self {
        Tag::new(&s)
    }
}

impl From<&str> for Tag {
    fn from(s: &str) -> Self {
        Tag::new(s)
    }
}

impl From<Tag> for String {
    fn from(t: Tag) -> Self {
        t.display
    }
}

/// Paths as JSON strings, shown lossily when not UTF-8 (shared by every serialized path).
pub(crate) mod path_as_string {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
        // Paths that are not UTF-8 are shown lossily rather than failing the whole record.
        s.serialize_str(&path.to_string_lossy())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
        String::deserialize(d).map(PathBuf::from)
    }
}

mod date_rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(date: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_str(&d.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|t| {
            DateTime::parse_from_rfc3339(&t).map(|d| d.with_timezone(&Utc)).map_err(serde::de::Error::custom)
        })
        .transpose()
    }
}

/// Seconds since 1970 of the first and last instants an index can hold: the engine counts
/// nanoseconds in 64 bits, so a date outside them would wrap around to another century.
pub(crate) const STORABLE_SECONDS: RangeInclusive<i64> = -9_223_372_036..=9_223_372_036;

/// The instants an index can hold a date for: 1677-09-21T00:12:44Z to 2262-04-11T23:47:16Z.
///
/// A parsed article date outside them is dropped with a warning
/// ([`WarningKind::DateOutOfRange`](crate::WarningKind::DateOutOfRange)), never shifted;
/// [`IndexWriter::add`](crate::IndexWriter::add) refuses an article dated outside them and a
/// search refuses a `since`/`until` outside them.
///
/// ```
/// use newsearch::{parse_date, storable_dates};
/// assert!(storable_dates().contains(&parse_date("2025-02-21").unwrap()));
/// assert!(!storable_dates().contains(&parse_date("0001-01-01").unwrap()));
/// ```
pub fn storable_dates() -> RangeInclusive<DateTime<Utc>> {
    let at = |secs| DateTime::from_timestamp(secs, 0).unwrap_or_default();
    at(*STORABLE_SECONDS.start())..=at(*STORABLE_SECONDS.end())
}

/// "… is outside the dates an index can hold (…)": the one wording for every such problem.
pub(crate) fn out_of_range_note() -> String {
    let range = storable_dates();
    format!(
        "outside the dates an index can hold ({} to {})",
        range.start().format("%Y-%m-%d"),
        range.end().format("%Y-%m-%d")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_keeps_display_and_normalizes_for_matching() {
        let t = Tag::new("  European   Union ");
        assert_eq!(t.as_str(), "European Union");
        assert_eq!(t.normalized(), "european union");
        assert_eq!(Tag::normalize("EUROPEAN union"), t.normalized());
    }

    #[test]
    fn push_tag_skips_duplicates_under_normalization() {
        let mut a = Article::new("a", "a.txt", "T");
        a.push_tag(Tag::new("Ukraine"));
        a.push_tag(Tag::new("ukraine"));
        a.push_tag(Tag::new(" "));
        assert_eq!(a.tags, vec![Tag::new("Ukraine")]);
        assert!(a.has_tag("UKRAINE"));
    }

    #[test]
    fn extend_tags_dedupes_and_caps() {
        let mut a = Article::new("a", "a.txt", "T");
        let dropped = a.extend_tags((0..5000).map(|i| Tag::new(&format!("t{}", i % 2000))));
        assert_eq!(a.tags.len(), Article::MAX_TAGS);
        assert_eq!(dropped, 1000, "2000 distinct, 1000 kept");
    }

    #[test]
    fn serializes_with_rfc3339_date_and_string_tags() {
        let mut a = Article::new("x", "dir/x.txt", "Title");
        a.date = Some("2025-02-21T08:37:00Z".parse().unwrap());
        a.push_tag(Tag::new("G20"));
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["date"], "2025-02-21T08:37:00Z");
        assert_eq!(json["tags"], serde_json::json!(["G20"]));
        assert_eq!(json["views"], serde_json::Value::Null);
        let back: Article = serde_json::from_value(json).unwrap();
        assert_eq!(back, a);
    }
}
