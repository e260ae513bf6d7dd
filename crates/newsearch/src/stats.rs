//! What an index holds: how many articles, from when to when, under which sections and
//! tags, how big it is, and what the last indexing run did.
//!
//! These are the questions a user asks of an archive before searching it, so they must be
//! cheap at any size. No article is read: counts come from the columns the index keeps for
//! filters and sorting (fast fields), per segment, over the documents still alive (deleted
//! articles linger in their segment until a merge and must not be counted). Facts about the
//! last indexing run come from its record beside the index (see `last_run`).

use std::path::PathBuf;

use chrono::{DateTime, SubsecRound, Utc};
use rustc_hash::FxHashMap;
use tantivy::SegmentReader;
use tantivy::columnar::{ColumnIndex, ColumnValues};

use crate::analyzer::Stemming;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::index::schema::{SCHEMA_VERSION, from_tantivy_date, names};
use crate::update::last_run::LastRun;

/// What an index holds, from [`Index::stats`]. Dates serialize as RFC 3339 in UTC.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct IndexStats {
    /// Articles in the index (as of the last commit).
    pub articles: u64,
    /// Articles with a date.
    pub dated: u64,
    /// Articles without a date.
    pub undated: u64,
    /// The earliest article date, if any article is dated.
    pub oldest: Option<DateTime<Utc>>,
    /// The latest article date, if any article is dated.
    pub newest: Option<DateTime<Utc>>,
    /// Articles per section, most first (ties by normalized name). Sections differing only in
    /// case or spacing count as one, shown in their most common spelling.
    pub sections: Vec<ValueCount>,
    /// Articles without a section.
    pub without_section: u64,
    /// Articles per tag, most first (ties by normalized name), every tag. Tags that normalize
    /// alike (case, spacing; see [`Tag::normalized`]) count as one, shown in their most common
    /// spelling.
    ///
    /// [`Tag::normalized`]: crate::Tag::normalized
    pub tags: Vec<ValueCount>,
    /// Articles without any tag.
    pub untagged: u64,
    /// Segments the index is split into (a search looks each word up once per segment).
    pub segments: usize,
    /// Bytes the index folder takes on disk; `None` in memory.
    pub size_bytes: Option<u64>,
    /// The schema version the index was built with.
    pub schema_version: u32,
    /// The stemming the index analyzes with.
    pub stemming: Stemming,
    /// Folders indexed so far with [`Index::update`] (see [`Index::roots`]).
    pub roots: Vec<PathBuf>,
    /// When the last commit was written (by a run or any writer), to the second; `None` in
    /// memory.
    pub last_commit: Option<DateTime<Utc>>,
    /// What the last completed [`Index::update`] run did; `None` when unknown (in memory,
    /// only ever written with [`Index::writer`], or built before runs were recorded).
    pub last_run: Option<LastRun>,
}

/// How many articles have one value of a field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValueCount {
    /// The value, in its most common spelling (filters match it in any case).
    pub value: String,
    /// Articles that have it.
    pub count: u64,
}

impl Index {
    /// Counts what the index holds: articles, date range, sections and tags, segments and
    /// size, plus what the last [`Index::update`] run did.
    ///
    /// Reads only the columns kept for filters and sorting, never the articles, so it is
    /// cheap on large indexes.
    ///
    /// ```
    /// use newsearch::{Article, Index, IndexOptions, Tag};
    ///
    /// # fn main() -> Result<(), newsearch::Error> {
    /// let index = Index::in_memory(&IndexOptions::new())?;
    /// let mut writer = index.writer()?;
    /// let mut kyiv = Article::new("kyiv.txt", "kyiv.txt", "Kellogg meets Zelensky in Kyiv");
    /// kyiv.section = Some("Ukraine".into());
    /// kyiv.date = Some("2025-02-20T10:00:00Z".parse().unwrap());
    /// kyiv.tags = vec![Tag::new("Ukraine"), Tag::new("US")];
    /// let mut ecb = Article::new("ecb.txt", "ecb.txt", "ECB cuts rates");
    /// ecb.tags = vec![Tag::new("ECB")];
    /// writer.add(&kyiv)?;
    /// writer.add(&ecb)?;
    /// writer.commit()?;
    ///
    /// let stats = index.stats()?;
    /// assert_eq!((stats.articles, stats.dated, stats.undated), (2, 1, 1));
    /// assert_eq!(stats.oldest, kyiv.date);
    /// assert_eq!(stats.sections[0].value, "Ukraine");
    /// assert_eq!(stats.without_section, 1);
    /// let tags: Vec<(&str, u64)> = stats.tags.iter().map(|t| (t.value.as_str(), t.count)).collect();
    /// assert_eq!(tags, [("ECB", 1), ("Ukraine", 1), ("US", 1)]);
    /// assert!(stats.last_run.is_none(), "only Index::update records runs");
    /// # Ok(())
    /// # }
    /// ```
    pub fn stats(&self) -> Result<IndexStats> {
        self.refresh()?;
        let searcher = self.reader.searcher();
        let mut dates = Dates::default();
        let mut sections = Counts::default();
        let mut tags = Counts::default();
        for segment in searcher.segment_readers() {
            let err = |e| self.error(e);
            dates.add(segment).map_err(err)?;
            sections.add(segment, names::SECTION).map_err(err)?;
            tags.add(segment, names::TAG).map_err(err)?;
        }
        let articles = searcher.num_docs();
        Ok(IndexStats {
            articles,
            dated: dates.dated,
            undated: articles.saturating_sub(dates.dated),
            oldest: dates.oldest.and_then(from_tantivy_date),
            newest: dates.newest.and_then(from_tantivy_date),
            without_section: sections.without,
            sections: sections.sorted(),
            untagged: tags.without,
            tags: tags.sorted(),
            segments: searcher.segment_readers().len(),
            size_bytes: self.size_on_disk()?,
            schema_version: SCHEMA_VERSION,
            stemming: self.stemming(),
            roots: self.roots()?,
            last_commit: self.last_commit()?,
            last_run: self.last_run()?,
        })
    }

    /// Bytes of every file in the index folder.
    fn size_on_disk(&self) -> Result<Option<u64>> {
        let Some(dir) = self.dir() else { return Ok(None) };
        let mut total = 0;
        for entry in walkdir::WalkDir::new(dir) {
            let entry = match entry {
                Ok(e) => e,
                // A merge that finishes meanwhile deletes the files it replaced.
                Err(e) if e.io_error().is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound) => {
                    continue;
                }
                Err(e) => {
                    let path = e.path().unwrap_or(dir).to_owned();
                    let io = e.into_io_error().unwrap_or_else(|| std::io::Error::other("unreadable"));
                    return Err(Error::io(&path, io));
                }
            };
            if entry.file_type().is_file() {
                match entry.metadata() {
                    Ok(m) => total += m.len(),
                    Err(e) if e.io_error().is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound) => {}
                    Err(e) => {
                        let io = e.into_io_error().unwrap_or_else(|| std::io::Error::other("unreadable"));
                        return Err(Error::io(entry.path(), io));
                    }
                }
            }
        }
        Ok(Some(total))
    }

    /// When `meta.json`, which every commit rewrites, was last written.
    fn last_commit(&self) -> Result<Option<DateTime<Utc>>> {
        let Some(dir) = self.dir() else { return Ok(None) };
        let meta = dir.join("meta.json");
        let modified =
            std::fs::metadata(&meta).and_then(|m| m.modified()).map_err(|e| Error::io(&meta, e))?;
        Ok(Some(DateTime::<Utc>::from(modified).trunc_subsecs(0)))
    }
}

/// Date range and dated articles over alive documents.
#[derive(Default)]
struct Dates {
    dated: u64,
    oldest: Option<tantivy::DateTime>,
    newest: Option<tantivy::DateTime>,
}

impl Dates {
    fn add(&mut self, segment: &SegmentReader) -> tantivy::Result<()> {
        // A segment where no article is dated has no date column at all.
        let Some(column) = segment.fast_fields().column_opt::<tantivy::DateTime>(names::DATE)? else {
            return Ok(());
        };
        let single_valued = !matches!(column.index, ColumnIndex::Multivalued(_));
        if !segment.has_deletes() && single_valued {
            // The column's own statistics: no document visited.
            let values = column.values.num_vals();
            if values > 0 {
                self.see(column.min_value());
                self.see(column.max_value());
            }
            self.dated += u64::from(values);
            return Ok(());
        }
        // Deleted articles still count in the column's statistics: visit the alive ones.
        for doc in segment.doc_ids_alive() {
            let mut any = false;
            for date in column.values_for_doc(doc) {
                self.see(date);
                any = true;
            }
            self.dated += u64::from(any);
        }
        Ok(())
    }

    fn see(&mut self, date: tantivy::DateTime) {
        self.oldest = Some(self.oldest.map_or(date, |d| d.min(date)));
        self.newest = Some(self.newest.map_or(date, |d| d.max(date)));
    }
}

/// Articles per value of a keyword field (tag, section), merged across segments and across
/// spellings that normalize alike: normalized value → (articles, articles per spelling).
#[derive(Default)]
struct Counts {
    by_value: FxHashMap<String, (u64, FxHashMap<String, u64>)>,
    /// Alive articles without any value.
    without: u64,
}

impl Counts {
    fn add(&mut self, segment: &SegmentReader, field: &str) -> tantivy::Result<()> {
        // No column: no article in this segment has a value.
        let Some(column) = segment.fast_fields().str(field)? else {
            self.without += u64::from(segment.num_docs());
            return Ok(());
        };
        // Ordinals are a segment's own numbering of its values: count by ordinal, then name
        // them in one pass over the segment's dictionary (looking ordinals up one by one
        // decompresses a dictionary block each time).
        let mut per_ord = vec![0u64; column.num_terms()];
        for doc in segment.doc_ids_alive() {
            let mut any = false;
            for ord in column.term_ords(doc) {
                if let Some(n) = usize::try_from(ord).ok().and_then(|i| per_ord.get_mut(i)) {
                    *n += 1;
                }
                any = true;
            }
            self.without += u64::from(!any);
        }
        let mut terms = column.dictionary().stream()?;
        while terms.advance() {
            let n = usize::try_from(terms.term_ord()).ok().and_then(|i| per_ord.get(i)).copied().unwrap_or(0);
            if n > 0 {
                let spelling = String::from_utf8_lossy(terms.key()).into_owned();
                let entry = self.by_value.entry(crate::Tag::normalize(&spelling)).or_default();
                entry.0 += n;
                *entry.1.entry(spelling).or_default() += n;
            }
        }
        Ok(())
    }

    /// Most articles first, ties by normalized value; each in its most common spelling.
    fn sorted(self) -> Vec<ValueCount> {
        let mut out: Vec<(String, ValueCount)> = self
            .by_value
            .into_iter()
            .map(|(normalized, (count, spellings))| {
                let value =
                    crate::search::facets::most_common(spellings).unwrap_or_else(|| normalized.clone());
                (normalized, ValueCount { value, count })
            })
            .collect();
        out.sort_unstable_by(|a, b| b.1.count.cmp(&a.1.count).then_with(|| a.0.cmp(&b.0)));
        out.into_iter().map(|(_, v)| v).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Article, ArticleId, IndexOptions, Tag, WriterOptions};

    fn dated(id: &str, day: u32, section: Option<&str>, tags: &[&str]) -> Article {
        let mut a = Article::new(id, format!("{id}.txt"), id);
        a.date = Some(format!("2025-02-{day:02}T08:00:00Z").parse().unwrap());
        a.section = section.map(str::to_owned);
        a.tags = tags.iter().map(|t| Tag::new(t)).collect();
        a
    }

    #[test]
    fn deleted_articles_are_not_counted_even_before_a_merge() {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        // One indexing thread: one segment.
        let mut w = index.writer_with(&WriterOptions::new().memory_budget(20 << 20).threads(1)).unwrap();
        w.add(&dated("old", 1, Some("World"), &["Ukraine", "US"])).unwrap();
        w.add(&dated("mid", 10, Some("world"), &["ukraine"])).unwrap();
        w.add(&dated("new", 20, None, &[])).unwrap();
        w.add(&Article::new("undated", "undated.txt", "No date")).unwrap();
        w.commit().unwrap();
        let s = index.stats().unwrap();
        assert_eq!((s.articles, s.dated, s.undated, s.segments), (4, 3, 1, 1));
        assert_eq!(s.oldest.unwrap().to_rfc3339(), "2025-02-01T08:00:00+00:00");
        assert_eq!(s.newest.unwrap().to_rfc3339(), "2025-02-20T08:00:00+00:00");
        // Spellings merge; a tie between spellings shows the first alphabetically.
        assert_eq!(s.sections, [ValueCount { value: "World".into(), count: 2 }]);
        assert_eq!((s.without_section, s.untagged), (2, 2));
        assert_eq!(s.tags[0], ValueCount { value: "Ukraine".into(), count: 2 });

        assert!(w.delete(&ArticleId::new("old")).unwrap());
        assert!(w.delete(&ArticleId::new("new")).unwrap());
        w.commit().unwrap();
        let s = index.stats().unwrap();
        assert_eq!((s.articles, s.dated, s.undated), (2, 1, 1));
        assert_eq!(s.oldest, s.newest, "only `mid` is dated now");
        assert_eq!(s.oldest.unwrap().to_rfc3339(), "2025-02-10T08:00:00+00:00");
        assert_eq!(s.tags, [ValueCount { value: "ukraine".into(), count: 1 }]);
        assert_eq!(s.sections, [ValueCount { value: "world".into(), count: 1 }]);
        assert_eq!((s.without_section, s.untagged), (1, 1));
    }

    #[test]
    fn an_empty_index_has_no_dates_and_no_counts() {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        let s = index.stats().unwrap();
        assert_eq!((s.articles, s.dated, s.undated, s.segments), (0, 0, 0, 0));
        assert_eq!((s.oldest, s.newest, s.size_bytes, s.last_commit), (None, None, None, None));
        assert!(s.tags.is_empty() && s.sections.is_empty());
    }
}
