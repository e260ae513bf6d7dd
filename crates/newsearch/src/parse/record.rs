//! Structured records (JSON objects, front matter) to articles.
//!
//! Exports name their fields differently (`body`, `text`, `content`; `section`, `category`)
//! and type them loosely (tags as a list or a comma-separated string, views as `1523` or
//! `"1,523"`). One mapping serves every structured format so they all agree.

use std::path::Path;

use serde_json::{Map, Value};

use super::date::parse_date;
use crate::article::{Article, ArticleId, Tag};
use crate::error::{Error, Result, Warning, WarningKind};

/// Where a record came from: for ids, messages and `Article::path`.
#[derive(Clone, Copy)]
pub(crate) struct Source<'a> {
    pub(crate) path: &'a Path,
    pub(crate) id_base: &'a str,
    /// Where each key is written, when the format tells (front matter): warnings about a
    /// field then name its line.
    pub(crate) key_lines: Option<&'a rustc_hash::FxHashMap<String, usize>>,
}

impl Source<'_> {
    /// The id of the `ordinal`th record, or of the file's only record.
    pub(crate) fn id(&self, ordinal: Option<usize>) -> ArticleId {
        match ordinal {
            Some(n) => ArticleId::new(format!("{}#{n}", self.id_base)),
            None => ArticleId::new(self.id_base),
        }
    }

    /// The line of field `key`, else `fallback` (the record's line).
    pub(crate) fn line_of(&self, key: &str, fallback: Option<usize>) -> Option<usize> {
        self.key_lines.and_then(|k| k.get(key).copied()).or(fallback)
    }

    pub(crate) fn warn(&self, line: Option<usize>, kind: WarningKind) -> Warning {
        Warning { path: self.path.to_owned(), line, kind }
    }
}

/// Field names each article field accepts, first match wins.
const TITLE: &[&str] = &["title", "headline"];
const BODY: &[&str] = &["body", "text", "content"];
const SECTION: &[&str] = &["section", "category"];
const DATE: &[&str] = &["date", "published", "published_at"];
const TAGS: &[&str] = &["tags", "keywords"];
const SOURCES: &[&str] = &["sources", "source"];
const URL: &[&str] = &["url", "link"];

/// Builds an article from `obj`. `body` overrides the object's own body (Markdown's text).
pub(crate) fn article_from_object(
    obj: &Map<String, Value>,
    src: &Source<'_>,
    ordinal: Option<usize>,
    line: Option<usize>,
    body: Option<String>,
    warnings: &mut Vec<Warning>,
) -> Result<Article> {
    let mut fields = Fields { obj, src, line, warnings };
    let id = match fields.get(&["id"]) {
        Some(Value::String(s)) if !s.trim().is_empty() => ArticleId::new(s.trim()),
        Some(Value::Number(n)) => ArticleId::new(n.to_string()),
        Some(other) => {
            fields.ignore("id", other, "expected a string or a number");
            src.id(ordinal)
        }
        None => src.id(ordinal),
    };
    let mut article = Article::new(id, src.path, fields.text(TITLE).unwrap_or_default());
    article.body = match body {
        Some(b) => b,
        None => fields.text(BODY).unwrap_or_default(),
    };
    if article.title.is_empty() && article.body.trim().is_empty() {
        return Err(Error::malformed(src.path, line, record_label(ordinal, "has no title and no body")));
    }
    article.section = fields.text(SECTION).filter(|s| !s.is_empty());
    article.url = fields.text(URL).filter(|s| !s.is_empty());
    article.date = fields.date();
    article.views = fields.views();
    let tags = fields.list(TAGS);
    let dropped = article.extend_tags(tags.iter().map(|t| Tag::new(t)));
    if dropped > 0 {
        fields.too_many("tags", dropped);
    }
    article.sources = fields.list(SOURCES);
    if article.sources.len() > Article::MAX_TAGS {
        fields.too_many("sources", article.sources.len() - Article::MAX_TAGS);
        article.sources.truncate(Article::MAX_TAGS);
    }
    Ok(article)
}

/// "record 3 has no title…" for multi-record files, "record has no title…" otherwise.
pub(crate) fn record_label(ordinal: Option<usize>, what: &str) -> String {
    match ordinal {
        Some(n) => format!("record {n} {what}"),
        None => format!("record {what}"),
    }
}

struct Fields<'a, 'w> {
    obj: &'a Map<String, Value>,
    src: &'a Source<'a>,
    line: Option<usize>,
    warnings: &'w mut Vec<Warning>,
}

impl<'a> Fields<'a, '_> {
    /// The first present, non-null value among `names`, with the name it was found under.
    fn get_named(&self, names: &[&'static str]) -> Option<(&'static str, &'a Value)> {
        names.iter().find_map(|n| match self.obj.get(*n) {
            None | Some(Value::Null) => None,
            Some(v) => Some((*n, v)),
        })
    }

    fn get(&self, names: &[&'static str]) -> Option<&'a Value> {
        self.get_named(names).map(|(_, v)| v)
    }

    fn ignore(&mut self, field: &str, value: &Value, expected: &str) {
        let reason = format!("{expected}, found {}", kind_of(value));
        let kind = WarningKind::IgnoredValue { field: field.to_owned(), reason };
        self.warnings.push(self.src.warn(self.src.line_of(field, self.line), kind));
    }

    fn too_many(&mut self, field: &str, dropped: usize) {
        let reason = format!("{dropped} beyond the first {} left out", Article::MAX_TAGS);
        let kind = WarningKind::IgnoredValue { field: field.to_owned(), reason };
        self.warnings.push(self.src.warn(self.src.line_of(field, self.line), kind));
    }

    fn text(&mut self, names: &[&'static str]) -> Option<String> {
        match self.get_named(names)? {
            (_, Value::String(s)) => Some(s.trim().to_owned()),
            (_, Value::Number(n)) => Some(n.to_string()),
            (name, other) => {
                self.ignore(name, other, "expected text");
                None
            }
        }
    }

    fn date(&mut self) -> Option<chrono::DateTime<chrono::Utc>> {
        match self.get_named(DATE)? {
            (name, Value::String(s)) => match parse_date(s) {
                Some(d) => self.storable(d, s, name),
                None => {
                    let kind = WarningKind::UnreadableDate { value: s.clone() };
                    self.warnings.push(self.src.warn(self.src.line_of(name, self.line), kind));
                    None
                }
            },
            // A bare number is a Unix time: seconds, or milli-, micro- or nanoseconds when it has
            // the 13, 16 or 19 digits those take for dates an index can hold.
            (name, Value::Number(n)) => match n.as_i64().and_then(unix_time) {
                Some(d) => self.storable(d, &n.to_string(), name),
                None => {
                    self.ignore(name, &Value::Number(n.clone()), "expected a Unix time in seconds");
                    None
                }
            },
            (name, other) => {
                self.ignore(name, other, "expected a date");
                None
            }
        }
    }

    /// `date`, unless an index can't hold it (then a warning and no date, never a shifted one).
    fn storable(
        &mut self,
        date: chrono::DateTime<chrono::Utc>,
        written: &str,
        field: &str,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        if crate::storable_dates().contains(&date) {
            return Some(date);
        }
        let kind = WarningKind::DateOutOfRange { value: written.to_owned() };
        self.warnings.push(self.src.warn(self.src.line_of(field, self.line), kind));
        None
    }

    fn views(&mut self) -> Option<u64> {
        let value = self.get(&["views"])?;
        let parsed = match value {
            Value::Number(n) => n.as_u64().or_else(|| {
                n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e19).map(|f| f as u64)
            }),
            Value::String(s) => parse_count(s),
            _ => None,
        };
        if parsed.is_none() {
            self.ignore("views", value, "expected a non-negative whole number");
        }
        parsed
    }

    /// A list of strings: a JSON array, or one comma-separated string.
    fn list(&mut self, names: &[&'static str]) -> Vec<String> {
        let Some((name, value)) = self.get_named(names) else {
            return Vec::new();
        };
        let items: Vec<String> = match value {
            Value::String(s) => s.split(',').map(|p| p.trim().to_owned()).collect(),
            Value::Array(values) => {
                let mut items = Vec::with_capacity(values.len());
                for v in values {
                    match v {
                        Value::String(s) => items.push(s.trim().to_owned()),
                        Value::Number(n) => items.push(n.to_string()),
                        Value::Null => {}
                        other => self.ignore(name, other, "expected a list of text items"),
                    }
                }
                items
            }
            other => {
                self.ignore(name, other, "expected a list or a comma-separated string");
                Vec::new()
            }
        };
        items.into_iter().filter(|s| !s.is_empty()).collect()
    }
}

/// A Unix time in seconds, or in milli-, micro- or nanoseconds (what JavaScript's `Date.now()`,
/// Elasticsearch's `epoch_millis` and Go's `UnixNano` write) when it is at least 10¹², 10¹⁵ or
/// 10¹⁸: as seconds such a number is tens of thousands of years away. Numbers between (such as
/// 32503680000, the year 3000 in seconds) are seconds, and dates an index can't hold are
/// refused by the caller, never guessed at.
fn unix_time(n: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    let magnitude = n.unsigned_abs();
    let (secs, nanos_per_unit) = match magnitude {
        0..1_000_000_000_000 => (n, 0),
        1_000_000_000_000..1_000_000_000_000_000 => (n.div_euclid(1_000), 1_000_000),
        1_000_000_000_000_000..1_000_000_000_000_000_000 => (n.div_euclid(1_000_000), 1_000),
        _ => (n.div_euclid(1_000_000_000), 1),
    };
    let units_per_sec = if nanos_per_unit == 0 { 1 } else { 1_000_000_000 / nanos_per_unit };
    let nanos = if nanos_per_unit == 0 { 0 } else { n.rem_euclid(units_per_sec) * nanos_per_unit };
    chrono::DateTime::from_timestamp(secs, u32::try_from(nanos).ok()?)
}

/// `1523`, `1,523`, `1 523`, `1.523` (thousands separators), but not `12.5`.
pub(crate) fn parse_count(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut digits = String::with_capacity(text.len());
    let mut group = 0usize;
    let mut grouped = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            group += 1;
        } else if matches!(c, ',' | '.' | '\'' | ' ' | '\u{a0}' | '\u{202f}') {
            // A separator must follow 1–3 digits at first and exactly 3 after that.
            if group == 0 || group > 3 || (grouped && group != 3) {
                return None;
            }
            grouped = true;
            group = 0;
        } else {
            return None;
        }
    }
    if grouped && group != 3 {
        return None;
    }
    digits.parse().ok()
}

pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn build(value: Value) -> (Result<Article>, Vec<Warning>) {
        let src = Source { path: Path::new("a.json"), id_base: "a.json", key_lines: None };
        let mut warnings = Vec::new();
        let obj = value.as_object().unwrap().clone();
        (article_from_object(&obj, &src, Some(2), Some(7), None, &mut warnings), warnings)
    }

    #[test]
    fn counts_with_thousands_separators() {
        assert_eq!(parse_count("1523"), Some(1523));
        assert_eq!(parse_count("1,523"), Some(1523));
        assert_eq!(parse_count("12 345 678"), Some(12_345_678));
        assert_eq!(parse_count("12.5"), None);
        assert_eq!(parse_count("1,52"), None);
        assert_eq!(parse_count("many"), None);
        assert_eq!(parse_count("-4"), None);
    }

    #[test]
    fn aliases_and_loose_types() {
        let (a, w) = build(json!({
            "headline": "H", "content": "C", "category": "Biz", "published": "2025-02-21",
            "keywords": "a, b ,, A", "views": "1,523", "source": "Reuters", "link": "http://x"
        }));
        let a = a.unwrap();
        assert!(w.is_empty(), "{w:?}");
        assert_eq!((a.title.as_str(), a.body.as_str()), ("H", "C"));
        assert_eq!(a.section.as_deref(), Some("Biz"));
        assert_eq!(a.id.as_str(), "a.json#2");
        assert_eq!(a.tags, vec![Tag::new("a"), Tag::new("b")]);
        assert_eq!(a.views, Some(1523));
        assert_eq!(a.sources, vec!["Reuters"]);
        assert_eq!(a.url.as_deref(), Some("http://x"));
    }

    #[test]
    fn own_id_wins_and_bad_values_warn() {
        let (a, w) = build(json!({"id": 42, "title": "T", "views": -3, "date": "soon", "tags": {"x": 1}}));
        let a = a.unwrap();
        assert_eq!(a.id.as_str(), "42");
        assert_eq!((a.views, a.date), (None, None));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w.iter().all(|w| w.line == Some(7)));
        assert!(w.iter().any(|w| w.kind == WarningKind::UnreadableDate { value: "soon".into() }));
    }

    #[test]
    fn unix_times_in_seconds_or_finer_units() {
        let at = |n: i64| unix_time(n).map(|d| d.to_rfc3339());
        let want = Some("2025-02-21T08:37:00+00:00".to_owned());
        assert_eq!(at(1_740_127_020), want);
        assert_eq!(at(1_740_127_020_000), want);
        assert_eq!(at(1_740_127_020_000_000), want);
        assert_eq!(at(1_740_127_020_000_000_000), want);
        assert_eq!(at(1_740_127_020_500).unwrap(), "2025-02-21T08:37:00.500+00:00");
        assert_eq!(at(-1_000_000_000_000).as_deref(), Some("1938-04-24T22:13:20+00:00"));
        // The year 3000 in seconds stays the year 3000 (refused later, not read as milliseconds).
        assert_eq!(at(32_503_680_000).as_deref(), Some("3000-01-01T00:00:00+00:00"));
        assert!(at(i64::MIN).is_some());
    }

    #[test]
    fn a_record_without_title_or_body_is_an_error() {
        let (a, _) = build(json!({"tags": ["x"]}));
        assert_eq!(a.unwrap_err().to_string(), "a.json: line 7: record 2 has no title and no body");
    }
}
