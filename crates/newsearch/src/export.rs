//! Exporting an index: every stored article, as documents another search engine can load.
//!
//! An archive outgrows one machine, or has to be searched next to other data in a cluster.
//! Re-parsing the original files is not always possible (they moved, or were deleted after
//! indexing), but the index stores every article whole. [`Index::articles`] visits them all
//! from one commit, in constant memory; [`Exporter`] writes each one as JSON Lines for
//! Quickwit, or as an Elasticsearch/OpenSearch `_bulk` body.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};
use std::iter::FusedIterator;
use std::str::FromStr;

use chrono::SecondsFormat;
use serde::Serialize;
use tantivy::{DocAddress, DocId, Searcher, TantivyDocument};

use crate::article::Article;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::index::schema::names;

impl Index {
    /// Every article in the index, as of the latest commit.
    ///
    /// The articles come from one snapshot: commits made while iterating (by this process or
    /// another) are neither seen nor disturbed. Only live articles are visited, each once:
    /// replaced and deleted versions are skipped. Memory use does not grow with the index.
    ///
    /// **Order**: storage order, segment by segment as the commit lists them, and within a
    /// segment in the order the articles were added. The same commit always gives the same
    /// order; a later update or merge may change it. It is not sorted by id.
    ///
    /// An article that can't be read (a damaged index) is an `Err` item; iteration goes on
    /// with the next one, so the iterator always yields [`len`](ExactSizeIterator::len) items.
    ///
    /// ```
    /// use newsearch::{Article, Index, IndexOptions};
    ///
    /// # fn main() -> Result<(), newsearch::Error> {
    /// let index = Index::in_memory(&IndexOptions::new())?;
    /// let mut writer = index.writer()?;
    /// writer.add(&Article::new("kyiv.txt", "kyiv.txt", "Kellogg meets Zelensky in Kyiv"))?;
    /// writer.add(&Article::new("sofia.txt", "sofia.txt", "Planned power cuts in Sofia"))?;
    /// writer.commit()?;
    ///
    /// let articles = index.articles()?;
    /// assert_eq!(articles.len(), 2);
    /// let mut titles = articles.map(|a| a.map(|a| a.title)).collect::<Result<Vec<_>, _>>()?;
    /// titles.sort();
    /// assert_eq!(titles, ["Kellogg meets Zelensky in Kyiv", "Planned power cuts in Sofia"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn articles(&self) -> Result<Articles> {
        self.refresh()?;
        let searcher = self.reader.searcher();
        let remaining = searcher.num_docs();
        Ok(Articles { index: self.clone(), searcher, segment: 0, doc: 0, remaining, only: None })
    }
}

/// Iterator over the stored articles of one commit; see [`Index::articles`].
///
/// Owns what it reads (`'static + Send`): it can move to another thread, and it keeps reading
/// the commit it started from while later commits land.
pub struct Articles {
    index: Index,
    searcher: Searcher,
    /// Position of the next document to look at.
    segment: u32,
    doc: DocId,
    /// Live documents not yet yielded.
    remaining: u64,
    /// When restricted by [`Articles::only`]: the documents to visit, in storage order, and
    /// the position of the next one.
    only: Option<(Vec<(DocAddress, u64)>, usize)>,
}

impl fmt::Debug for Articles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Articles").field("index", &self.index).field("remaining", &self.remaining).finish()
    }
}

impl Iterator for Articles {
    type Item = Result<Article>;

    fn next(&mut self) -> Option<Result<Article>> {
        if self.only.is_some() {
            return self.next_listed().map(|(_, article)| article);
        }
        loop {
            let reader = self.searcher.segment_readers().get(self.segment as usize)?;
            if self.doc >= reader.max_doc() {
                self.segment += 1;
                self.doc = 0;
                continue;
            }
            let doc = self.doc;
            self.doc += 1;
            if reader.is_deleted(doc) {
                continue;
            }
            self.remaining = self.remaining.saturating_sub(1);
            return Some(self.read(DocAddress::new(self.segment, doc)));
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Articles {}

impl Articles {
    /// Reads one stored article. Documents are read in storage order, so each compressed block
    /// of the store is decompressed once (the store keeps the last blocks it read).
    fn read(&self, address: DocAddress) -> Result<Article> {
        match self.searcher.doc::<TantivyDocument>(address) {
            Ok(stored) => Ok(self.index.fields.article(&stored)),
            Err(e) => Err(self.index.error(e)),
        }
    }

    /// Visits the live documents of the snapshot in storage order with their fingerprints,
    /// read from a column: no stored article is decompressed.
    fn each_fingerprint(&self, mut visit: impl FnMut(u64, DocAddress)) -> Result<()> {
        for (ord, segment) in self.searcher.segment_readers().iter().enumerate() {
            let column = segment.fast_fields().u64(names::CONTENT_HASH).map_err(|e| self.index.error(e))?;
            for doc in 0..segment.max_doc() {
                if segment.is_deleted(doc) {
                    continue;
                }
                if let Some(hash) = column.first(doc) {
                    visit(hash, DocAddress::new(ord as u32, doc));
                }
            }
        }
        Ok(())
    }

    /// The fingerprints of every article in this iterator's snapshot (all of them, however
    /// far the iteration has gone), in storage order.
    ///
    /// An article's fingerprint is a 64-bit hash of everything it holds, id and path
    /// included, recorded in the index when the article was added: two articles with the same
    /// fingerprint are the same article (but for a 2^-64 chance), and an edit to any field
    /// changes it. The fingerprints come from a column of the index, not from the stored
    /// articles, so this is fast even for a large archive: with a record of the fingerprints a
    /// copy elsewhere holds, it tells what changed since, without reading a single article.
    pub fn fingerprints(&self) -> Result<Vec<u64>> {
        let mut out = Vec::with_capacity(usize::try_from(self.searcher.num_docs()).unwrap_or(0));
        self.each_fingerprint(|hash, _| out.push(hash))?;
        Ok(out)
    }

    /// Restricts the iteration to the articles whose [fingerprint](Articles::fingerprints)
    /// `keep` accepts, from the same snapshot and in the same order, starting again from the
    /// first article. Only the kept articles are read from the store, so sending what changed
    /// since a known state costs in proportion to the change, not to the archive.
    ///
    /// ```
    /// use newsearch::{Article, Index, IndexOptions};
    ///
    /// # fn main() -> Result<(), newsearch::Error> {
    /// let index = Index::in_memory(&IndexOptions::new())?;
    /// let mut writer = index.writer()?;
    /// writer.add(&Article::new("kyiv.txt", "kyiv.txt", "Kellogg meets Zelensky in Kyiv"))?;
    /// writer.commit()?;
    /// // A copy elsewhere receives every article, and keeps their fingerprints.
    /// let sent: Vec<u64> = index.articles()?.fingerprinted()?.map(|a| a.map(|(f, _)| f)).collect::<Result<_, _>>()?;
    ///
    /// writer.add(&Article::new("sofia.txt", "sofia.txt", "Planned power cuts in Sofia"))?;
    /// writer.commit()?;
    /// let changed = index.articles()?.only(|f| !sent.contains(&f))?;
    /// assert_eq!(changed.len(), 1);
    /// let ids = changed.map(|a| a.map(|a| a.id.to_string())).collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(ids, ["sofia.txt"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn only(mut self, mut keep: impl FnMut(u64) -> bool) -> Result<Articles> {
        let mut listed = Vec::new();
        self.each_fingerprint(|hash, address| {
            if keep(hash) {
                listed.push((address, hash));
            }
        })?;
        self.remaining = listed.len() as u64;
        self.only = Some((listed, 0));
        Ok(self)
    }

    /// Whether this iterator's snapshot holds a live article with the id `id` (a lookup in the
    /// index, not a read of stored articles). With [`fingerprints`](Articles::fingerprints), it
    /// tells an article that changed (its id is still here) from one that was removed.
    pub fn contains(&self, id: &str) -> Result<bool> {
        Ok(self.index.address_of(&self.searcher, id)?.is_some())
    }

    /// The same articles (all of them from the first, or those [`only`](Articles::only)
    /// kept), each with its [fingerprint](Articles::fingerprints) as the index recorded it.
    pub fn fingerprinted(self) -> Result<Fingerprinted> {
        let articles = if self.only.is_some() { self } else { self.only(|_| true)? };
        Ok(Fingerprinted(articles))
    }

    /// The next listed article with its fingerprint (after [`only`](Articles::only)).
    fn next_listed(&mut self) -> Option<(u64, Result<Article>)> {
        let (listed, next) = self.only.as_mut()?;
        let (address, hash) = *listed.get(*next)?;
        *next += 1;
        self.remaining = self.remaining.saturating_sub(1);
        Some((hash, self.read(address)))
    }
}

/// Iterator over stored articles with their fingerprints; see [`Articles::fingerprinted`].
#[derive(Debug)]
pub struct Fingerprinted(Articles);

impl Fingerprinted {
    /// Whether the snapshot holds a live article with this id; see [`Articles::contains`].
    pub fn contains(&self, id: &str) -> Result<bool> {
        self.0.contains(id)
    }
}

impl Iterator for Fingerprinted {
    type Item = Result<(u64, Article)>;

    fn next(&mut self) -> Option<Self::Item> {
        let (hash, article) = self.0.next_listed()?;
        Some(article.map(|a| (hash, a)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl ExactSizeIterator for Fingerprinted {}

impl FusedIterator for Fingerprinted {}

impl FusedIterator for Articles {}

/// The document formats [`Exporter`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExportFormat {
    /// One JSON object per article per line (JSON Lines), for `quickwit index ingest` or any
    /// JSON Lines reader.
    #[default]
    Ndjson,
    /// The body of an Elasticsearch or OpenSearch `_bulk` request: per article an `index`
    /// action line naming the target index and the article id as `_id`, then the document.
    Bulk,
}

impl FromStr for ExportFormat {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ndjson" => Ok(ExportFormat::Ndjson),
            "bulk" => Ok(ExportFormat::Bulk),
            _ => Err(Error::UnknownExportFormat { name: text.to_owned() }),
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Bulk => "bulk",
        })
    }
}

/// Writes articles as JSON documents for other search engines.
///
/// Each document has the keys `id`, `title`, `body`, `tags` (array of strings), `section`,
/// `date` (RFC 3339 in UTC, e.g. `2025-02-21T08:37:00Z`), `views` (number), `sources` (array
/// of strings), `url` and `path`; `section`, `date`, `views` and `url` are left out when the
/// article has none. No key starts with `_`: in the bulk format the id is repeated as `_id`
/// in the action line, where Elasticsearch and OpenSearch expect it.
///
/// ```
/// use newsearch::{Article, ExportFormat, Exporter, Index, IndexOptions};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let index = Index::in_memory(&IndexOptions::new())?;
/// let mut writer = index.writer()?;
/// let mut article = Article::new("kyiv.txt", "kyiv.txt", "Kellogg meets Zelensky in Kyiv");
/// article.date = Some("2025-02-20T10:00:00Z".parse()?);
/// writer.add(&article)?;
/// writer.commit()?;
///
/// let exporter = Exporter::new(ExportFormat::Bulk).bulk_index("news")?;
/// let mut out = Vec::new(); // a file or stdout in practice
/// for article in index.articles()? {
///     exporter.write(&mut out, &article?)?;
/// }
/// assert_eq!(
///     String::from_utf8(out)?,
///     concat!(
///         r#"{"index":{"_index":"news","_id":"kyiv.txt"}}"#, "\n",
///         r#"{"id":"kyiv.txt","title":"Kellogg meets Zelensky in Kyiv","body":"","tags":[],"#,
///         r#""date":"2025-02-20T10:00:00Z","sources":[],"path":"kyiv.txt"}"#, "\n",
///     )
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exporter {
    format: ExportFormat,
    bulk_index: String,
}

impl Exporter {
    /// The index the bulk format names when none is given.
    pub const DEFAULT_BULK_INDEX: &'static str = "newsearch";

    /// An exporter writing `format`.
    pub fn new(format: ExportFormat) -> Self {
        Exporter { format, bulk_index: Self::DEFAULT_BULK_INDEX.to_owned() }
    }

    /// The format this exporter writes.
    pub fn format(&self) -> ExportFormat {
        self.format
    }

    /// The Elasticsearch/OpenSearch index the bulk format's action lines name (default
    /// [`Exporter::DEFAULT_BULK_INDEX`]).
    ///
    /// Fails with [`Error::InvalidIndexName`] for a name those engines would refuse: empty,
    /// `.` or `..`, longer than 255 bytes, with uppercase letters, starting with `-`, `_` or
    /// `+`, or holding a space, `,`, `#`, `:`, `"`, `*`, `?`, `<`, `>`, `|`, `/` or `\`.
    pub fn bulk_index(mut self, name: &str) -> Result<Self> {
        check_bulk_index(name)?;
        self.bulk_index = name.to_owned();
        Ok(self)
    }

    /// Writes `article` (one line, or two for the bulk format), each line ending in `\n`.
    ///
    /// Only `out` can fail, so errors are its I/O errors; the output is not flushed.
    pub fn write(&self, out: &mut impl Write, article: &Article) -> io::Result<()> {
        if self.format == ExportFormat::Bulk {
            let action = Action { index: Target { index: &self.bulk_index, id: article.id.as_str() } };
            serde_json::to_writer(&mut *out, &action)?;
            out.write_all(b"\n")?;
        }
        serde_json::to_writer(&mut *out, &Document::from(article))?;
        out.write_all(b"\n")
    }
}

/// A bulk `index` action.
#[derive(Serialize)]
struct Action<'a> {
    index: Target<'a>,
}

#[derive(Serialize)]
struct Target<'a> {
    #[serde(rename = "_index")]
    index: &'a str,
    #[serde(rename = "_id")]
    id: &'a str,
}

/// An exported document. Spelled out here, not derived from [`Article`]'s serialization, so
/// that the contract with the mappings in docs/export.md changes only on purpose.
#[derive(Serialize)]
struct Document<'a> {
    id: &'a str,
    title: &'a str,
    body: &'a str,
    tags: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    section: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    views: Option<u64>,
    sources: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    path: Cow<'a, str>,
}

impl<'a> From<&'a Article> for Document<'a> {
    fn from(a: &'a Article) -> Self {
        Document {
            id: a.id.as_str(),
            title: &a.title,
            body: &a.body,
            tags: a.tags.iter().map(|t| t.as_str()).collect(),
            section: a.section.as_deref(),
            date: a.date.map(|d| d.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            views: a.views,
            sources: &a.sources,
            url: a.url.as_deref(),
            path: a.path.to_string_lossy(),
        }
    }
}

fn check_bulk_index(name: &str) -> Result<()> {
    let problem = if name.is_empty() {
        Some("is empty".to_owned())
    } else if name == "." || name == ".." {
        Some("can't be `.` or `..`".to_owned())
    } else if name.len() > 255 {
        Some("is longer than 255 bytes".to_owned())
    } else if name.starts_with(['-', '_', '+']) {
        Some("can't start with `-`, `_` or `+`".to_owned())
    } else if name.chars().any(char::is_uppercase) {
        Some("must be lowercase".to_owned())
    } else {
        name.chars()
            .find(|c| matches!(c, ' ' | ',' | '#' | ':' | '"' | '*' | '?' | '<' | '>' | '|' | '/' | '\\'))
            .map(|c| format!("can't contain {c:?}"))
    };
    match problem {
        Some(problem) => Err(Error::InvalidIndexName { name: name.to_owned(), problem }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::Tag;

    fn lines(exporter: &Exporter, article: &Article) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        exporter.write(&mut out, article).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with('\n'));
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    #[test]
    fn documents_have_the_mapped_keys_and_leave_out_unknown_values() {
        let mut a = Article::new("2025/a.txt", "/news/2025/a.txt", "Title");
        a.body = "Body.\n\nSecond.".into();
        a.tags = vec![Tag::new("European Union"), Tag::new("G20")];
        a.sources = vec!["Reuters".into()];
        let doc = &lines(&Exporter::new(ExportFormat::Ndjson), &a)[0];
        let mut keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["body", "id", "path", "sources", "tags", "title"]);
        assert_eq!(doc["tags"], serde_json::json!(["European Union", "G20"]));
        assert_eq!(doc["body"], "Body.\n\nSecond.");

        a.section = Some("Ukraine".into());
        a.date = Some("2025-02-21T08:37:00+02:00".parse().unwrap());
        a.views = Some(1523);
        a.url = Some("https://example.org/a".into());
        let doc = &lines(&Exporter::new(ExportFormat::Ndjson), &a)[0];
        assert_eq!(doc["date"], "2025-02-21T06:37:00Z", "RFC 3339 in UTC");
        assert_eq!(doc["views"], 1523);
        assert_eq!(doc["section"], "Ukraine");
        assert_eq!(doc["url"], "https://example.org/a");
        assert_eq!(doc.as_object().unwrap().len(), 10);
    }

    #[test]
    fn bulk_writes_an_action_line_then_the_document() {
        let a = Article::new("digest.jsonl#3", "digest.jsonl", "Quoted \"title\"");
        let exporter = Exporter::new(ExportFormat::Bulk).bulk_index("news-2025").unwrap();
        let rows = lines(&exporter, &a);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], serde_json::json!({"index": {"_index": "news-2025", "_id": "digest.jsonl#3"}}));
        assert_eq!(rows[1], lines(&Exporter::new(ExportFormat::Ndjson), &a)[0]);
        assert_eq!(Exporter::new(ExportFormat::Bulk).bulk_index, Exporter::DEFAULT_BULK_INDEX);
    }

    #[test]
    fn bulk_index_names_the_engines_refuse_are_errors() {
        for bad in ["", ".", "News", "_news", "-news", "a b", "a,b", "a/b", "a*", &"x".repeat(256)] {
            let err = Exporter::new(ExportFormat::Bulk).bulk_index(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidIndexName { .. }), "{bad:?}: {err}");
        }
        for good in ["newsearch", "news-2025.02", "новини"] {
            assert!(Exporter::new(ExportFormat::Bulk).bulk_index(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn formats_round_trip_through_text() {
        for f in [ExportFormat::Ndjson, ExportFormat::Bulk] {
            assert_eq!(f.to_string().parse::<ExportFormat>().unwrap(), f);
        }
        assert!("csv".parse::<ExportFormat>().is_err());
    }
}
