//! What a search asks for: text, filters, order and page, as one cheap value.
//!
//! ```
//! use newsearch::{Period, Query, Sort};
//! let since = "2025-02".parse::<Period>().unwrap().start();
//! let q = Query::new("Zelensky Kellogg").tag("Ukraine").since(since).sort(Sort::Date).limit(5);
//! assert_eq!(q.text(), "Zelensky Kellogg");
//! ```

mod cursor;
mod json;
mod names;
pub(crate) mod syntax;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Days, Months, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::analyzer::is_stop_word;
use crate::error::Error;
use syntax::Node;

pub use cursor::Cursor;
pub(crate) use cursor::{EVERY_WORD, Position};

/// Result order. Each has a name ([`Display`](fmt::Display), [`FromStr`], and so in JSON):
/// `relevance`, `date`, `date-asc`, `views`, `views-asc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Sort {
    /// Best match first (BM25 over title and body, title boosted).
    #[default]
    Relevance,
    /// Newest first; undated articles last.
    Date,
    /// Oldest first; undated articles last. Also read from `oldest` and `date:asc`.
    DateAsc,
    /// Most viewed first; articles without a count last.
    Views,
    /// Least viewed first; articles without a count last. Also read from `least-viewed` and
    /// `views:asc`.
    ViewsAsc,
}

impl Sort {
    /// Every order, in the order of [`Sort::NAMES`].
    pub const ALL: [Sort; 5] = [Sort::Relevance, Sort::Date, Sort::DateAsc, Sort::Views, Sort::ViewsAsc];

    /// Each order's name, as it displays and as cursors carry it.
    pub const NAMES: [&'static str; 5] = ["relevance", "date", "date-asc", "views", "views-asc"];

    /// Whether smaller values come first (ties and missing values aside).
    pub fn is_ascending(self) -> bool {
        matches!(self, Sort::DateAsc | Sort::ViewsAsc)
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = Sort::ALL.iter().position(|s| s == self).unwrap_or(0);
        f.write_str(Sort::NAMES[i])
    }
}

impl FromStr for Sort {
    type Err = Error;

    /// A name of [`Sort::NAMES`] or an alias, case-insensitive: `score`; `newest`,
    /// `date:desc`; `oldest`, `date:asc`; `popular`, `views:desc`; `least-viewed`, `views:asc`.
    fn from_str(s: &str) -> Result<Sort, Error> {
        match s.to_ascii_lowercase().as_str() {
            "relevance" | "score" => Ok(Sort::Relevance),
            "date" | "newest" | "date:desc" | "date-desc" => Ok(Sort::Date),
            "date-asc" | "oldest" | "date:asc" => Ok(Sort::DateAsc),
            "views" | "popular" | "views:desc" | "views-desc" => Ok(Sort::Views),
            "views-asc" | "least-viewed" | "views:asc" => Ok(Sort::ViewsAsc),
            _ => Err(Error::UnknownSort { name: s.to_owned() }),
        }
    }
}

/// Serializes as its name.
impl serde::Serialize for Sort {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads any name [`FromStr`] reads.
impl<'de> serde::Deserialize<'de> for Sort {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Sort, D::Error> {
        from_name(d)
    }
}

/// A value read from its name.
fn from_name<'de, T, D>(d: D) -> Result<T, D::Error>
where
    T: FromStr<Err = Error>,
    D: serde::Deserializer<'de>,
{
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

/// Weight of a title match, on top of the title counting as article text, when all words
/// must match. On known-item search (three rare title words) it lifts MRR from 0.65 (no
/// boost) to 0.93.
pub const TITLE_BOOST: f32 = 2.0;

/// Weight of a title match for any-word queries: on SciFact's long claims a title hit is
/// weak evidence, and 0.25 gives the best nDCG@10 (0.694, against 0.619 at 2).
pub const ANY_TITLE_BOOST: f32 = 0.25;

/// Content words from which a plain query is descriptive (see [`MatchMode::Auto`]).
pub(crate) const DESCRIPTIVE_WORDS: usize = 4;

/// The words and phrases a query requires, function words aside, an `OR` group as its longest
/// alternative: what [`MatchMode::Auto`] counts. A query that can't be parsed counts 0 (it
/// fails later with its message).
pub(crate) fn content_words(text: &str) -> usize {
    fn count(node: &Node) -> usize {
        match node {
            Node::Word { field: None, text, prefix: false, .. } => usize::from(!is_stop_word(text)),
            Node::Word { .. } | Node::Phrase { .. } | Node::Same(_) => 1,
            Node::Boost { node, .. } => count(node),
            Node::And(parts) => parts.iter().map(count).sum(),
            // Alternatives: as long as the longest.
            Node::Or(parts) => parts.iter().map(count).max().unwrap_or(0),
            Node::All | Node::Not(_) => 0,
        }
    }
    syntax::parse(text).map_or(0, |node| count(&node))
}

/// How the words of a query combine when no `OR` says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MatchMode {
    /// Every word must match.
    All,
    /// Any word may match; articles matching more words rank higher (for long,
    /// natural-language queries).
    Any,
    /// The default: [`MatchMode::All`] for a query of up to three words (function words
    /// aside; phrases, fielded words, `OR` groups, acronyms typed letter by letter and names
    /// written in full, such as `United Nations`, count one each), relaxed when too few articles have them all (none for one or two words; fewer
    /// than [`ENOUGH_EVERY_WORD`](crate::ENOUGH_EVERY_WORD) for three, then those with all
    /// but one follow: see [`SearchResults::relaxed`](crate::SearchResults::relaxed));
    /// [`MatchMode::Any`] for a longer, descriptive one, such as a sentence pasted from a story.
    #[default]
    Auto,
}

impl fmt::Display for MatchMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MatchMode::All => "all",
            MatchMode::Any => "any",
            MatchMode::Auto => "auto",
        })
    }
}

impl FromStr for MatchMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<MatchMode, Error> {
        match s.to_ascii_lowercase().as_str() {
            "all" | "and" => Ok(MatchMode::All),
            "any" | "or" => Ok(MatchMode::Any),
            "auto" => Ok(MatchMode::Auto),
            _ => Err(Error::UnknownMatchMode { name: s.to_owned() }),
        }
    }
}

/// Serializes as its name: `all`, `any` or `auto`.
impl serde::Serialize for MatchMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads any name [`FromStr`] reads.
impl<'de> serde::Deserialize<'de> for MatchMode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<MatchMode, D::Error> {
        from_name(d)
    }
}

/// A search request. Build it with chained setters; every part is optional.
///
/// Text syntax: words match in title, body or tags, combined as [`MatchMode`] says (by default
/// a short query needs every word, a long one ranks by any); `"exact phrase"`; `a OR b`;
/// `-word` excludes; `title:`, `body:`, `tag:`, `section:`, `source:` limit a word or phrase to
/// one field; `word*` matches a prefix; `word~` or `word~2` tolerates typos (2 edits at most);
/// `word^2` or `"a phrase"^0.5` weighs a part more or less; parentheses group. Empty text
/// matches every article.
///
/// # As JSON
///
/// A query (de)serializes as an object whose keys are the setters' names, every key optional
/// with the default of [`Query::new("")`](Query::new); a key newsearch does not know is an
/// error, so a misspelt filter is never ignored. `tags` holds the tags all required
/// ([`Query::tag`]), `any_tags` those of which one is ([`Query::any_tag`]). `since`, `until` and
/// `as_of` take what [`Period`] reads (`"2025-02"`, `"2025-02-21"`, an RFC 3339 instant, `"7d"`):
/// `since` from the period's start, `until` and `as_of` to its end; they serialize as RFC 3339
/// instants. `recent` is a length of time as [`parse_span`] reads it (`"30d"`). `sort`, `mode`
/// and `after` are names and cursors as text. Nothing is checked while reading: the values are
/// checked when searching, or by [`Query::check`].
///
/// ```
/// use newsearch::{MatchMode, Query, Sort};
///
/// // As a web service might receive it:
/// let body = r#"{
///     "text": "ceasefire talks",
///     "tags": ["Ukraine"],
///     "since": "2025-02",
///     "sort": "date-asc",
///     "mode": "all",
///     "limit": 20,
///     "facets": true
/// }"#;
/// let query: Query = serde_json::from_str(body).unwrap();
/// assert_eq!(query.text(), "ceasefire talks");
/// assert_eq!(query.effective_sort(), Sort::DateAsc);
/// assert_eq!(query.get_limit(), 20);
/// assert_eq!(query, Query::new("ceasefire talks").mode(MatchMode::All).sort(Sort::DateAsc).limit(20)
///     .tag("Ukraine").since("2025-02".parse::<newsearch::Period>().unwrap().start()).facets(true));
/// query.check().unwrap();
///
/// // Serialized, it reads back the same.
/// let json = serde_json::to_string(&query).unwrap();
/// assert_eq!(serde_json::from_str::<Query>(&json).unwrap(), query);
/// // Keys left out take their defaults; unknown keys are refused.
/// assert_eq!(serde_json::from_str::<Query>("{}").unwrap(), Query::all());
/// assert!(serde_json::from_str::<Query>(r#"{"tag": "Ukraine"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Query {
    pub(crate) text: String,
    #[serde(rename = "tags", skip_serializing_if = "Vec::is_empty")]
    pub(crate) all_tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) any_tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) section: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "json::period_start")]
    pub(crate) since: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "json::period_end")]
    pub(crate) until: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) min_views: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_views: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sort: Option<Sort>,
    pub(crate) limit: usize,
    pub(crate) offset: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) after: Option<Cursor>,
    pub(crate) fuzzy: bool,
    pub(crate) mode: MatchMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title_boost: Option<f32>,
    pub(crate) snippets: bool,
    pub(crate) snippet_chars: usize,
    pub(crate) facets: bool,
    pub(crate) facet_size: usize,
    #[serde(skip_serializing_if = "Option::is_none", with = "json::span")]
    pub(crate) recent: Option<TimeDelta>,
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "json::period_end")]
    pub(crate) as_of: Option<DateTime<Utc>>,
    pub(crate) popular: bool,
    pub(crate) explain: bool,
    pub(crate) collapse: bool,
    pub(crate) count_up_to: usize,
}

/// The library guide (`docs/library.md`), whose examples run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/library.md")]
pub struct LibraryGuide;

/// [`Query::new("")`](Query::new): every article, newest first, first 10.
impl Default for Query {
    fn default() -> Query {
        Query::new("")
    }
}

impl Query {
    /// The default page size.
    pub const DEFAULT_LIMIT: usize = 10;

    /// How many matches a query counts before it may stop counting (see [`Query::exact_total`]).
    pub const COUNTED_UP_TO: usize = 10_000;

    /// How deep a page may reach: `offset + limit` at most. A page further down is refused
    /// with [`Error::WindowTooLarge`]; results beyond are reached with a cursor
    /// ([`Query::after`]), whose pages cost the same at any depth.
    ///
    /// The engine ranks and holds every result up to the end of the page to answer it, and each
    /// hit carries its whole article (a news article is 2–20 KB of text): 10,000 is about the
    /// most one request should hold, tens of megabytes at worst, and the same bound as
    /// Elasticsearch's `max_result_window`, which scripts against search services already know.
    /// People page through a few hundred results; a script that wants every match pages with
    /// cursors, and `newsearch export` (or [`Index::articles`](crate::Index::articles)) gives
    /// the whole index.
    pub const MAX_WINDOW: usize = 10_000;

    /// The shortest snippet, in characters: [`Query::snippet_chars`] asks for at least this.
    pub const MIN_SNIPPET_CHARS: usize = 20;

    /// A query for `text` (may be empty), first 10 hits, with snippets.
    pub fn new(text: impl Into<String>) -> Self {
        Query {
            text: text.into(),
            all_tags: Vec::new(),
            any_tags: Vec::new(),
            section: None,
            since: None,
            until: None,
            min_views: None,
            max_views: None,
            sort: None,
            limit: Self::DEFAULT_LIMIT,
            offset: 0,
            after: None,
            fuzzy: false,
            mode: MatchMode::Auto,
            title_boost: None,
            snippets: true,
            snippet_chars: 200,
            facets: false,
            facet_size: 10,
            recent: None,
            as_of: None,
            popular: false,
            explain: false,
            collapse: false,
            count_up_to: Query::COUNTED_UP_TO,
        }
    }

    /// Every article: for listing with filters.
    pub fn all() -> Self {
        Query::new("")
    }

    /// The query text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Requires this tag (case-insensitive). Repeat to require several.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.all_tags.push(tag.into());
        self
    }

    /// Requires at least one of the tags given this way.
    pub fn any_tag(mut self, tag: impl Into<String>) -> Self {
        self.any_tags.push(tag.into());
        self
    }

    /// Requires this section (case-insensitive).
    pub fn section(mut self, section: impl Into<String>) -> Self {
        self.section = Some(section.into());
        self
    }

    /// Only articles dated at or after `instant` (undated articles never pass).
    pub fn since(mut self, instant: DateTime<Utc>) -> Self {
        self.since = Some(instant);
        self
    }

    /// Only articles dated at or before `instant` (undated articles never pass).
    pub fn until(mut self, instant: DateTime<Utc>) -> Self {
        self.until = Some(instant);
        self
    }

    /// Only articles with at least `n` views.
    pub fn min_views(mut self, n: u64) -> Self {
        self.min_views = Some(n);
        self
    }

    /// Only articles with at most `n` views.
    pub fn max_views(mut self, n: u64) -> Self {
        self.max_views = Some(n);
        self
    }

    /// Result order (default: relevance with text, newest first without; without text but
    /// with [`Query::popular`] or [`Query::recent`], by those multipliers alone).
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = Some(sort);
        self
    }

    /// The order that will be used.
    pub fn effective_sort(&self) -> Sort {
        // Without text every match scores the same, so a reweighted relevance order is the
        // order of the multipliers: most viewed first for `popular`, what was asked for.
        let listing = self.text.trim().is_empty() && !self.reweighted();
        self.sort.unwrap_or(if listing { Sort::Date } else { Sort::Relevance })
    }

    /// At most `n` hits (0 counts matches without returning any).
    pub fn limit(mut self, n: usize) -> Self {
        self.limit = n;
        self
    }

    /// Skips the first `n` hits (for paging; after [`Query::after`]'s cursor when there is one).
    /// `offset + limit` may be at most [`Query::MAX_WINDOW`].
    pub fn offset(mut self, n: usize) -> Self {
        self.offset = n;
        self
    }

    /// Continues results after `cursor`: the page holds the hits that come after it in the
    /// query's order (then `offset` and `limit` apply as usual). The cursor comes from
    /// [`SearchResults::next`](crate::SearchResults::next) of a search with the same text,
    /// filters and order; `total` and facets still count every match. See [`Cursor`].
    pub fn after(mut self, cursor: Cursor) -> Self {
        self.after = Some(cursor);
        self
    }

    /// The cursor the page starts after (see [`Query::after`]).
    pub fn get_after(&self) -> Option<Cursor> {
        self.after
    }

    /// The most hits a page holds (see [`Query::limit`]).
    pub fn get_limit(&self) -> usize {
        self.limit
    }

    /// The hits skipped before the page (see [`Query::offset`]).
    pub fn get_offset(&self) -> usize {
        self.offset
    }

    /// Tolerates typos: words of 4–7 letters may be one edit off, longer words two.
    pub fn fuzzy(mut self, yes: bool) -> Self {
        self.fuzzy = yes;
        self
    }

    /// How words combine (default [`MatchMode::Auto`]: every word of a short query, any word of
    /// a long one).
    pub fn mode(mut self, mode: MatchMode) -> Self {
        self.mode = mode;
        self
    }

    /// Weight of a title match added on top of the article's text score, which already
    /// counts the title as text; 0 scores title and body as one text. Default:
    /// [`TITLE_BOOST`] when all words must match (short queries, where a title hit is strong
    /// evidence), [`ANY_TITLE_BOOST`] in [`MatchMode::Any`] (long, descriptive queries).
    /// Both were chosen on the evaluation in `benches/eval.rs`. A negative, infinite or NaN
    /// boost is refused when searching ([`Error::InvalidTitleBoost`]).
    ///
    /// [`TITLE_BOOST`]: crate::TITLE_BOOST
    /// [`ANY_TITLE_BOOST`]: crate::ANY_TITLE_BOOST
    pub fn title_boost(mut self, boost: f32) -> Self {
        self.title_boost = Some(boost);
        self
    }

    /// The title boost that will be used.
    pub fn effective_title_boost(&self) -> f32 {
        self.title_boost_in(self.mode)
    }

    /// The title boost the query's words get when combined as `mode` says.
    pub(crate) fn title_boost_in(&self, mode: MatchMode) -> f32 {
        self.title_boost.unwrap_or(match mode {
            MatchMode::Any => ANY_TITLE_BOOST,
            MatchMode::All | MatchMode::Auto => TITLE_BOOST,
        })
    }

    /// Whether hits carry a snippet (default yes). Without, searches skip that work.
    pub fn snippets(mut self, yes: bool) -> Self {
        self.snippets = yes;
        self
    }

    /// Snippet length in characters (default 200, at least [`Query::MIN_SNIPPET_CHARS`]). A
    /// snippet is never longer than its article's body, so any length is safe: `usize::MAX`
    /// gives the whole body.
    pub fn snippet_chars(mut self, n: usize) -> Self {
        self.snippet_chars = n.max(Self::MIN_SNIPPET_CHARS);
        self
    }

    /// The snippet length used (a deserialized query may hold a shorter one).
    pub(crate) fn snippet_length(&self) -> usize {
        self.snippet_chars.max(Self::MIN_SNIPPET_CHARS)
    }

    /// Whether results carry [`Facets`](crate::Facets): top tags, sections and matches per
    /// day, month or year, counted over every match (not only the page). Default no.
    pub fn facets(mut self, yes: bool) -> Self {
        self.facets = yes;
        self
    }

    /// How many of the most frequent tags and sections facets list (default 10). Lists are
    /// cut to this size, never allocated by it, so any size is safe: `usize::MAX` lists every
    /// value.
    pub fn facet_size(mut self, n: usize) -> Self {
        self.facet_size = n;
        self
    }

    /// Favours recent articles: a relevance score is multiplied by `1 + 0.5^(age / half_life)`,
    /// where age is how long before the newest article in the index (or [`Query::as_of`]) the
    /// article is dated. The newest articles count up to twice as much; the extra weight
    /// halves every `half_life`; undated articles get none. A zero or negative half-life is
    /// ignored.
    ///
    /// ```
    /// use newsearch::{Article, Index, IndexOptions, Query};
    ///
    /// # fn main() -> Result<(), newsearch::Error> {
    /// let index = Index::in_memory(&IndexOptions::new())?;
    /// let mut writer = index.writer()?;
    /// for (id, date, body) in [("old", "2024-01-10", "Ceasefire plan. Ceasefire plan."), ("new", "2025-03-01", "Ceasefire plan.")] {
    ///     let mut a = Article::new(id, id, "");
    ///     a.body = body.into();
    ///     a.date = Some(format!("{date}T00:00:00Z").parse().unwrap());
    ///     writer.add(&a)?;
    /// }
    /// writer.commit()?;
    /// let first = |q: Query| index.search(&q).map(|r| r.hits[0].article.id.to_string());
    /// assert_eq!(first(Query::new("ceasefire"))?, "old");
    /// assert_eq!(first(Query::new("ceasefire").recent(newsearch::parse_span("30d")?))?, "new");
    /// # Ok(())
    /// # }
    /// ```
    pub fn recent(mut self, half_life: TimeDelta) -> Self {
        self.recent = (half_life > TimeDelta::zero()).then_some(half_life);
        self
    }

    /// The instant [`Query::recent`] measures age from (default: the newest article's date).
    /// Articles dated after it count as new.
    pub fn as_of(mut self, instant: DateTime<Utc>) -> Self {
        self.as_of = Some(instant);
        self
    }

    /// Favours popular articles: a relevance score is multiplied by
    /// `1 + ln(1 + views) / ln(1 + most views in the index)`, from 1 (no views) to 2 (the
    /// most viewed article).
    pub fn popular(mut self, yes: bool) -> Self {
        self.popular = yes;
        self
    }

    /// Whether each hit carries an [`Explanation`](crate::Explanation) of its score.
    pub fn explain(mut self, yes: bool) -> Self {
        self.explain = yes;
        self
    }

    /// Counts every match, however many: [`SearchResults::total`](crate::SearchResults::total)
    /// is then always exact. By default a query ranked by relevance counts up to
    /// [`Query::COUNTED_UP_TO`] matches and from there on only looks at those that could still
    /// make the page, so that a common word costs about what a rare one does; past that many,
    /// `total` says "at least" ([`SearchResults::total_exact`](crate::SearchResults::total_exact)
    /// is `false`). Queries with facets, and those sorted by date or views, count every match.
    pub fn exact_total(self, yes: bool) -> Self {
        self.count_up_to(if yes { usize::MAX } else { Query::COUNTED_UP_TO })
    }

    /// How many matches to count before counting may stop (see [`Query::exact_total`]): at
    /// least one.
    pub fn count_up_to(mut self, matches: usize) -> Self {
        self.count_up_to = matches.max(1);
        self
    }

    /// Groups near-identical articles (the same story syndicated under several files): each
    /// page shows the best of a group, with the others in [`Hit::similar`](crate::Hit::similar).
    /// `total` counts every match, not only the groups' leaders (up to [`Query::count_up_to`]).
    pub fn collapse(mut self, yes: bool) -> Self {
        self.collapse = yes;
        self
    }

    /// Refuses `since`/`until` instants that no stored date can reach.
    fn check_dates(&self) -> Result<(), Error> {
        let range = crate::storable_dates();
        let outside = |d: &DateTime<Utc>| Error::DateOutOfRange { text: d.to_rfc3339() };
        if let Some(since) = self.since.filter(|d| d > range.end()) {
            return Err(outside(&since));
        }
        if let Some(until) = self.until.filter(|d| d < range.start()) {
            return Err(outside(&until));
        }
        Ok(())
    }

    /// Whether relevance scores are reweighted by recency or popularity.
    pub(crate) fn reweighted(&self) -> bool {
        self.recent.is_some() || self.popular
    }

    /// Checks what can be checked without an index; [`Index::search`](crate::Index::search)
    /// does so first. A service can call it on a request it has just read, to refuse a bad
    /// one before queueing it.
    ///
    /// Refused: text that does not parse ([`Error::QuerySyntax`]); a page past
    /// [`Query::MAX_WINDOW`] ([`Error::WindowTooLarge`]); a cursor made in another order than
    /// the query's ([`Error::CursorOrder`]); filters no article can pass, so that an empty
    /// result always means that nothing matched rather than that the request contradicted
    /// itself ([`Error::EmptyViewsRange`], [`Error::EmptyDateRange`],
    /// [`Error::DateOutOfRange`]); a title boost that is no weight
    /// ([`Error::InvalidTitleBoost`]).
    ///
    /// ```
    /// use newsearch::{Error, Query};
    ///
    /// assert!(Query::new("oil").limit(100).check().is_ok());
    /// let deep = Query::new("oil").offset(usize::MAX).limit(usize::MAX);
    /// assert!(matches!(deep.check(), Err(Error::WindowTooLarge { .. })));
    /// assert!(matches!(Query::new("(oil").check(), Err(Error::QuerySyntax { column: 1, .. })));
    /// ```
    pub fn check(&self) -> Result<(), Error> {
        syntax::parse(&self.text)?;
        self.check_request()
    }

    /// [`Query::check`] but for the text, which searching parses anyway (once is enough).
    pub(crate) fn check_request(&self) -> Result<(), Error> {
        let window = self.offset.checked_add(self.limit);
        if window.is_none_or(|w| w > Self::MAX_WINDOW) {
            return Err(Error::WindowTooLarge {
                offset: self.offset,
                limit: self.limit,
                max: Self::MAX_WINDOW,
            });
        }
        if let Some(cursor) = self.after
            && cursor.sort() != self.effective_sort()
        {
            return Err(Error::CursorOrder { cursor: cursor.sort(), query: self.effective_sort() });
        }
        if let Some(boost) = self.title_boost.filter(|b| !(b.is_finite() && *b >= 0.0)) {
            return Err(Error::InvalidTitleBoost { boost });
        }
        self.check_dates()?;
        if let (Some(min), Some(max)) = (self.min_views, self.max_views)
            && min > max
        {
            return Err(Error::EmptyViewsRange { min, max });
        }
        if let (Some(since), Some(until)) = (self.since, self.until)
            && since > until
        {
            return Err(Error::EmptyDateRange { since, until });
        }
        Ok(())
    }
}

/// A span of time a user names: `2025`, `2025-02`, `2025-02-21`, an RFC 3339 instant, or a
/// span back from now (`7d`, `2w`, `3m`, `1y`, `12h`); also any form an article's date may
/// take ([`parse_date`](crate::parse_date)): `2008-09-15 10:00` is that instant (UTC),
/// `21 February 2025` that day.
///
/// `--since P` means from [`Period::start`], `--until P` up to [`Period::end`], so
/// `--since 2025-02 --until 2025-02` is all of February. Calendar periods are UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Period {
    /// Parses `text`, with relative spans counted back from `now`.
    pub fn parse(text: &str, now: DateTime<Utc>) -> Result<Period, Error> {
        let t = text.trim();
        let invalid = || Error::InvalidDate { text: text.to_owned() };
        if let Some(instant) = relative(t, now) {
            let instant = instant.ok_or_else(invalid)?;
            return Period { start: instant, end: instant }.storable(text);
        }
        if let Ok(d) = DateTime::parse_from_rfc3339(t) {
            let d = d.with_timezone(&Utc);
            return Period { start: d, end: d }.storable(text);
        }
        let parts: Vec<&str> = t.split('-').collect();
        let num = |s: &str, len: usize| (s.len() == len).then(|| s.parse::<u32>().ok()).flatten();
        let calendar = || match parts.as_slice() {
            [y] => {
                let y = num(y, 4).ok_or_else(invalid)? as i32;
                let start = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(invalid)?;
                Ok((start, start.checked_add_months(Months::new(12))))
            }
            [y, m] => {
                let (y, m) = (num(y, 4).ok_or_else(invalid)? as i32, num(m, 2).ok_or_else(invalid)?);
                let start = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(invalid)?;
                Ok((start, start.checked_add_months(Months::new(1))))
            }
            [y, m, d] => {
                let (y, m) = (num(y, 4).ok_or_else(invalid)? as i32, num(m, 2).ok_or_else(invalid)?);
                let d = num(d, 2).or_else(|| num(d, 1)).ok_or_else(invalid)?;
                let start = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(invalid)?;
                Ok((start, start.checked_add_days(Days::new(1))))
            }
            _ => Err(invalid()),
        };
        let calendar_form = t.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        let (start, next) = match calendar() {
            Ok(found) => found,
            // A calendar form's own error stands (`25-02-01` is no year 25).
            Err(e) if calendar_form => return Err(e),
            // Any other form an article's date may take: with a time (`2008-09-15 10:00`,
            // `Feb 21, 2025 08:37`) it names that instant, without one (`21 February 2025`)
            // the whole day, as `2025-02-21` does.
            Err(e) => match crate::parse::parse_date(t) {
                Some(d) if t.contains(':') => return Period { start: d, end: d }.storable(text),
                Some(d) => (d.date_naive(), d.date_naive().checked_add_days(Days::new(1))),
                None => return Err(e),
            },
        };
        let next = next.ok_or_else(invalid)?;
        let start = start.and_time(NaiveTime::MIN).and_utc();
        // Inclusive end: the last second of the period (the index keeps dates in seconds).
        let end = next.and_time(NaiveTime::MIN).and_utc() - TimeDelta::seconds(1);
        Period { start, end }.storable(text)
    }

    /// Refuses a period that lies wholly outside [`crate::storable_dates`]: no article can be
    /// dated there, and saying so beats an empty answer that looks like "no news".
    fn storable(self, text: &str) -> Result<Period, Error> {
        let range = crate::storable_dates();
        if self.start > *range.end() || self.end < *range.start() {
            return Err(Error::DateOutOfRange { text: text.to_owned() });
        }
        Ok(self)
    }

    /// The first instant of the period.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The last instant of the period (inclusive, to the second).
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }
}

impl FromStr for Period {
    type Err = Error;

    /// Parses with relative spans counted back from the current time.
    fn from_str(s: &str) -> Result<Period, Error> {
        Period::parse(s, Utc::now())
    }
}

/// A length of time as users type it: `12h`, `30d`, `2w`, `3m` (30 days each), `1y` (365
/// days), or `90s` in seconds. Used for [`Query::recent`]'s half-life. Anything else, zero or
/// negative, is [`Error::InvalidSpan`].
///
/// ```
/// use chrono::TimeDelta;
/// assert_eq!(newsearch::parse_span("2w").unwrap(), TimeDelta::days(14));
/// assert!(newsearch::parse_span("soon").is_err());
/// ```
pub fn parse_span(text: &str) -> Result<TimeDelta, Error> {
    let t = text.trim();
    let invalid = || Error::InvalidSpan { text: text.to_owned() };
    let last = t.chars().last().ok_or_else(invalid)?;
    let n: i64 = t[..t.len() - last.len_utf8()].parse().map_err(|_| invalid())?;
    let seconds = match last.to_ascii_lowercase() {
        's' => 1,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 86_400 * 7,
        'm' => 86_400 * 30,
        'y' => 86_400 * 365,
        _ => return Err(invalid()),
    };
    let span = n.checked_mul(seconds).and_then(TimeDelta::try_seconds).ok_or_else(invalid)?;
    if span <= TimeDelta::zero() {
        return Err(invalid());
    }
    Ok(span)
}

/// `7d` → `Some(Some(now - 7 days))`; not a span → `None`; a span out of range → `Some(None)`.
fn relative(text: &str, now: DateTime<Utc>) -> Option<Option<DateTime<Utc>>> {
    let last = text.chars().last()?;
    let n: u32 = text[..text.len() - last.len_utf8()].parse().ok()?;
    let unit = last.to_ascii_lowercase();
    Some(match unit {
        'h' => now.checked_sub_signed(TimeDelta::try_hours(i64::from(n))?),
        'd' => now.checked_sub_days(Days::new(u64::from(n))),
        'w' => now.checked_sub_days(Days::new(u64::from(n) * 7)),
        'm' => now.checked_sub_months(Months::new(n)),
        'y' => now.checked_sub_months(Months::new(n.checked_mul(12)?)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> (String, String) {
        let now = "2025-03-15T12:00:00Z".parse().unwrap();
        let period = Period::parse(text, now).unwrap();
        (period.start().to_rfc3339(), period.end().to_rfc3339())
    }

    #[test]
    fn calendar_periods_cover_whole_units() {
        assert_eq!(p("2025"), ("2025-01-01T00:00:00+00:00".into(), "2025-12-31T23:59:59+00:00".into()));
        assert_eq!(p("2024-02"), ("2024-02-01T00:00:00+00:00".into(), "2024-02-29T23:59:59+00:00".into()));
        assert_eq!(p("2025-02-21"), ("2025-02-21T00:00:00+00:00".into(), "2025-02-21T23:59:59+00:00".into()));
        assert_eq!(p("2025-12"), ("2025-12-01T00:00:00+00:00".into(), "2025-12-31T23:59:59+00:00".into()));
    }

    #[test]
    fn instants_and_relative_spans() {
        let t = "2025-02-21T08:37:00+00:00".to_owned();
        assert_eq!(p("2025-02-21T10:37:00+02:00"), (t.clone(), t));
        assert_eq!(p("7d").0, "2025-03-08T12:00:00+00:00");
        assert_eq!(p("2w").0, "2025-03-01T12:00:00+00:00");
        assert_eq!(p("3m").0, "2024-12-15T12:00:00+00:00");
        assert_eq!(p("1y").0, "2024-03-15T12:00:00+00:00");
        assert_eq!(p("12h").0, "2025-03-15T00:00:00+00:00");
    }

    #[test]
    fn article_date_forms_are_periods_too() {
        let at = |t: &str| (format!("{t}+00:00"), format!("{t}+00:00"));
        assert_eq!(p("2008-09-15 10:00"), at("2008-09-15T10:00:00"));
        assert_eq!(p("2008-09-15T10:00"), at("2008-09-15T10:00:00"));
        assert_eq!(p("2008-09-15 10:00:30"), at("2008-09-15T10:00:30"));
        assert_eq!(p("2008-09-15 10:00:00Z"), at("2008-09-15T10:00:00"));
        assert_eq!(p("Feb 21, 2025 08:37"), at("2025-02-21T08:37:00"));
        // Without a time, a month-name date is its whole day, as YYYY-MM-DD is.
        assert_eq!(p("21 February 2025"), p("2025-02-21"));
    }

    #[test]
    fn periods_in_article_date_forms_outside_the_storable_range_are_refused() {
        // Found by the `dates` fuzz target: the instant form skipped the range check.
        let now = "2025-03-15T12:00:00Z".parse().unwrap();
        for text in ["0001-01-01 10:00", "9999-12-31 23:59", "1 January 0001"] {
            let err = Period::parse(text, now).unwrap_err();
            assert!(matches!(err, Error::DateOutOfRange { .. }), "{text}: {err}");
        }
    }

    #[test]
    fn bad_periods_say_what_is_accepted() {
        let now = Utc::now();
        for bad in
            ["", "yesterday", "2025-13", "2025-02-30", "25-02-01", "7x", "2025/02", "99999999999y", "7é"]
        {
            let err = Period::parse(bad, now).unwrap_err();
            assert!(err.to_string().contains("expected YYYY, YYYY-MM"), "{bad}: {err}");
        }
    }

    #[test]
    fn sort_names_round_trip_and_default_depends_on_text() {
        for s in [Sort::Relevance, Sort::Date, Sort::Views] {
            assert_eq!(s.to_string().parse::<Sort>().unwrap(), s);
        }
        assert!(matches!("size".parse::<Sort>(), Err(Error::UnknownSort { name }) if name == "size"));
        for (name, sort) in [
            ("oldest", Sort::DateAsc),
            ("date:asc", Sort::DateAsc),
            ("Date-Asc", Sort::DateAsc),
            ("newest", Sort::Date),
            ("date:desc", Sort::Date),
            ("least-viewed", Sort::ViewsAsc),
            ("views:asc", Sort::ViewsAsc),
            ("popular", Sort::Views),
        ] {
            assert_eq!(name.parse::<Sort>().unwrap(), sort, "{name}");
        }
        assert_eq!(Sort::ALL.map(|s| s.to_string()), Sort::NAMES);
        assert!(Sort::DateAsc.is_ascending() && !Sort::Views.is_ascending());
        assert_eq!(Query::new("x").effective_sort(), Sort::Relevance);
        assert_eq!(Query::all().effective_sort(), Sort::Date);
        assert_eq!(Query::all().sort(Sort::Views).effective_sort(), Sort::Views);
    }

    #[test]
    fn without_text_popular_and_recent_order_by_their_multipliers() {
        assert_eq!(Query::all().popular(true).effective_sort(), Sort::Relevance);
        assert_eq!(Query::all().recent(TimeDelta::days(30)).effective_sort(), Sort::Relevance);
        assert_eq!(Query::all().popular(true).sort(Sort::Date).effective_sort(), Sort::Date);
    }

    #[test]
    fn empty_ranges_are_refused() {
        let err = Query::all().min_views(100).max_views(50).check().unwrap_err();
        assert!(matches!(err, Error::EmptyViewsRange { min: 100, max: 50 }), "{err}");
        assert_eq!(err.to_string(), "the views range is empty: at least 100 and at most 50 views");
        assert!(Query::all().min_views(50).max_views(50).check().is_ok());
        let day = |s: &str| Period::parse(s, Utc::now()).unwrap();
        let err = Query::all().since(day("2025-03").start()).until(day("2025-02").end()).check().unwrap_err();
        assert!(matches!(err, Error::EmptyDateRange { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            "the date range is empty: from 2025-03-01T00:00:00Z until 2025-02-28T23:59:59Z"
        );
        assert!(Query::all().since(day("2025-02").start()).until(day("2025-02").end()).check().is_ok());
    }

    #[test]
    fn content_words_count_what_a_query_requires() {
        for (text, n) in [
            ("Zelensky Kellogg", 2),
            ("ceasefire talks between Russia and Ukraine in Saudi Arabia", 6),
            // An acronym typed letter by letter is one word.
            ("U S policy", 2),
            ("J P Morgan", 2),
            ("the and of", 0),
            // A retyped possessive leaves a lone `s`.
            ("KENNEDY S policy toward Cuba", 4),
            ("\"security guarantees\" Kyiv title:envoy", 3),
            ("Kellogg -Zelensky", 1),
            ("EFFECTS OF THE DISPUTE ON AFRICA OR ON THE NEW NATIONS OF ASIA", 3),
            ("tag:Ukraine Zel*", 2),
            ("(unbalanced", 0),
        ] {
            assert_eq!(content_words(text), n, "{text}");
        }
    }

    #[test]
    fn the_page_asked_for_can_be_read_back() {
        let query = Query::new("kellogg").limit(25).offset(50);
        assert_eq!((query.get_limit(), query.get_offset()), (25, 50));
    }

    #[test]
    fn the_window_is_bounded_without_overflow() {
        let max = Query::MAX_WINDOW;
        assert!(Query::all().offset(max - 10).limit(10).check().is_ok());
        assert!(Query::all().offset(max).limit(0).check().is_ok());
        for (offset, limit) in
            [(max - 9, 10), (0, max + 1), (usize::MAX, 1), (1, usize::MAX), (usize::MAX, usize::MAX)]
        {
            let err = Query::all().offset(offset).limit(limit).check().unwrap_err();
            assert!(
                matches!(err, Error::WindowTooLarge { offset: o, limit: l, max: m } if (o, l, m) == (offset, limit, max)),
                "{err}"
            );
            assert!(err.to_string().contains("continue from a cursor"), "{err}");
        }
    }

    #[test]
    fn title_boosts_that_are_no_weight_are_refused() {
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.5] {
            let err = Query::new("x").title_boost(bad).check().unwrap_err();
            assert!(matches!(err, Error::InvalidTitleBoost { .. }), "{bad}: {err}");
        }
        assert!(Query::new("x").title_boost(0.0).check().is_ok());
        assert!(Query::new("x").title_boost(f32::MAX).check().is_ok());
    }

    #[test]
    fn a_cursor_only_continues_its_own_order() {
        let cursor = Cursor::new(Sort::Date, Position::date(Some(0), false, 0));
        assert!(Query::all().after(cursor).check().is_ok(), "no text: newest first");
        let err = Query::new("oil").after(cursor).check().unwrap_err();
        assert!(matches!(err, Error::CursorOrder { cursor: Sort::Date, query: Sort::Relevance }), "{err}");
        assert_eq!(
            err.to_string(),
            "the cursor continues results sorted by date, and the query sorts by relevance"
        );
    }

    #[test]
    fn spans_in_seconds_and_bad_spans() {
        assert_eq!(parse_span("90s").unwrap(), TimeDelta::seconds(90));
        for bad in ["", "0d", "-1d", "7", "d", "7x", "99999999999999999y"] {
            assert!(matches!(parse_span(bad), Err(Error::InvalidSpan { .. })), "{bad}");
        }
    }

    #[test]
    fn queries_read_from_json_with_defaults_and_people_s_date_forms() {
        let q: Query = serde_json::from_str(
            r#"{"text": "oil", "tags": ["Ukraine", "US"], "any_tags": ["EU"], "section": "World",
                "since": "2025-02", "until": "2025-02", "min_views": 1, "max_views": 9,
                "sort": "oldest", "limit": 5, "offset": 2, "fuzzy": true, "mode": "any",
                "title_boost": 1.5, "snippets": false, "snippet_chars": 80, "facets": true,
                "facet_size": 3, "recent": "2w", "as_of": "2025-03-01", "popular": true,
                "explain": true, "collapse": true}"#,
        )
        .unwrap();
        let day = |s: &str| Period::parse(s, Utc::now()).unwrap();
        let built = Query::new("oil")
            .tag("Ukraine")
            .tag("US")
            .any_tag("EU")
            .section("World")
            .since(day("2025-02").start())
            .until(day("2025-02").end())
            .min_views(1)
            .max_views(9)
            .sort(Sort::DateAsc)
            .limit(5)
            .offset(2)
            .fuzzy(true)
            .mode(MatchMode::Any)
            .title_boost(1.5)
            .snippets(false)
            .snippet_chars(80)
            .facets(true)
            .facet_size(3)
            .recent(TimeDelta::weeks(2))
            .as_of(day("2025-03-01").end())
            .popular(true)
            .explain(true)
            .collapse(true);
        assert_eq!(q, built);
        let json = serde_json::to_value(&q).unwrap();
        assert_eq!(json["sort"], "date-asc");
        assert_eq!(json["mode"], "any");
        assert_eq!(json["recent"], "14d");
        assert_eq!(json["since"], "2025-02-01T00:00:00Z");
        assert_eq!(serde_json::from_value::<Query>(json).unwrap(), q);
        for bad in [r#"{"limt": 5}"#, r#"{"sort": "size"}"#, r#"{"since": "soon"}"#, r#"{"after": "x"}"#] {
            assert!(serde_json::from_str::<Query>(bad).is_err(), "{bad}");
        }
        // Checked when searching, not when read.
        let deep: Query = serde_json::from_str(r#"{"offset": 18446744073709551615}"#).unwrap();
        assert!(matches!(deep.check(), Err(Error::WindowTooLarge { .. })));
        let short: Query = serde_json::from_str(r#"{"snippet_chars": 0}"#).unwrap();
        assert_eq!(short.snippet_length(), Query::MIN_SNIPPET_CHARS);
    }
}
