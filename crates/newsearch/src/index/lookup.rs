//! Finding stored articles by id and by the file they were read from.
//!
//! A user who saw a hit, or knows a file, wants its articles without composing a query.
//! [`Index::get`] answers for an id; files are answered here. [`Index::update`] records each
//! file's path as it reached it: the folder named, made absolute and canonical, joined with
//! the path inside it. A user types paths relative to where they stand, so a path is tried
//! as given and then in that recorded form.

use std::path::Path;

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocSet, Searcher, TERMINATED, TantivyDocument};

use crate::article::{Article, ArticleId};
use crate::error::Result;
use crate::index::Index;

impl Index {
    /// The stored article with this id, if indexed.
    pub fn get(&self, id: &ArticleId) -> Result<Option<Article>> {
        self.refresh()?;
        let searcher = self.reader.searcher();
        match self.address_of(&searcher, id.as_str())? {
            Some(address) => Ok(Some(self.article_at(&searcher, address)?)),
            None => Ok(None),
        }
    }

    /// Where the article with this id is stored, if indexed: the id's postings read directly,
    /// with no query or collector (a push looks up every id of a cluster this way).
    pub(crate) fn address_of(&self, searcher: &Searcher, id: &str) -> Result<Option<DocAddress>> {
        let term = self.fields.id_term(id);
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let inverted = segment.inverted_index(self.fields.id).map_err(|e| self.error(e))?;
            let postings =
                inverted.read_postings(&term, IndexRecordOption::Basic).map_err(|e| self.error(e.into()))?;
            let Some(mut postings) = postings else { continue };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if !segment.is_deleted(doc) {
                    return Ok(Some(DocAddress::new(ord as u32, doc)));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }

    /// The stored article at `address`.
    pub(crate) fn article_at(&self, searcher: &Searcher, address: DocAddress) -> Result<Article> {
        let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
        Ok(self.fields.article(&doc))
    }

    /// Every stored article read from the file at `path` (one for most files; one per record
    /// for JSON arrays and JSON Lines), ordered by id with `#N` record numbers in numeric
    /// order. Empty if none is indexed.
    ///
    /// `path` is compared with [`Article::path`] as given, then made absolute (against the
    /// working directory) and canonical, the form [`Index::update`] records.
    ///
    /// ```
    /// # use newsearch::{Article, Index, IndexOptions};
    /// # fn main() -> Result<(), newsearch::Error> {
    /// let index = Index::in_memory(&IndexOptions::new())?;
    /// let mut writer = index.writer()?;
    /// writer.add(&Article::new("digest.jsonl#1", "digest.jsonl", "First"))?;
    /// writer.add(&Article::new("digest.jsonl#2", "digest.jsonl", "Second"))?;
    /// writer.commit()?;
    /// let titles: Vec<String> = index.get_by_path("digest.jsonl")?.into_iter().map(|a| a.title).collect();
    /// assert_eq!(titles, ["First", "Second"]);
    /// assert!(index.get_by_path("other.txt")?.is_empty());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// An empty path names no file and finds nothing (articles that did not come from a file
    /// have an empty [`Article::path`]; an index built by an earlier newsearch may hold them under it).
    pub fn get_by_path(&self, path: impl AsRef<Path>) -> Result<Vec<Article>> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Ok(Vec::new());
        }
        self.refresh()?;
        let searcher = self.reader.searcher();
        let mut tried: Vec<String> = Vec::with_capacity(3);
        let absolute = std::path::absolute(path).ok();
        let canonical = absolute.as_ref().and_then(|p| p.canonicalize().ok());
        let candidates = [Some(path), canonical.as_deref(), absolute.as_deref()];
        for candidate in candidates.into_iter().flatten() {
            let key = candidate.to_string_lossy().into_owned();
            if tried.contains(&key) {
                continue;
            }
            let found = self.articles_at(&searcher, &key)?;
            if !found.is_empty() {
                return Ok(found);
            }
            tried.push(key);
        }
        Ok(Vec::new())
    }

    fn articles_at(&self, searcher: &Searcher, path: &str) -> Result<Vec<Article>> {
        let query = TermQuery::new(self.fields.path_term(path), IndexRecordOption::Basic);
        let found = searcher.search(&query, &DocSetCollector).map_err(|e| self.error(e))?;
        let mut articles = found
            .into_iter()
            .map(|address: DocAddress| self.article_at(searcher, address))
            .collect::<Result<Vec<Article>>>()?;
        // The index does not keep a record's place in its file (indexing threads spread one
        // file's records over segments), so the order is by id: stable, and `#2` before `#10`.
        articles.sort_by(|a, b| id_order(a.id.as_str()).cmp(&id_order(b.id.as_str())));
        Ok(articles)
    }
}

/// `digest.jsonl#10` → (`digest.jsonl`, Some(10)); ids without a record number → (id, None).
fn id_order(id: &str) -> (&str, Option<u64>) {
    match id.rsplit_once('#') {
        Some((base, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (base, n.parse().ok()),
        _ => (id, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IndexOptions;

    #[test]
    fn relative_paths_find_files_recorded_in_canonical_form() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("articles");
        std::fs::create_dir_all(root.join("2025")).unwrap();
        std::fs::write(root.join("2025/kyiv.txt"), "Kyiv\n\nBody.").unwrap();
        let index = Index::create(dir.path().join("idx"), &IndexOptions::new()).unwrap();
        index.update(&[&root], &crate::UpdateOptions::new(), &mut |_| {}).unwrap();
        let stored = index.get(&"2025/kyiv.txt".into()).unwrap().unwrap();
        // A path with `..` in it is not what was recorded, but names the same file.
        let roundabout = root.join("2025/../2025/kyiv.txt");
        let found = index.get_by_path(&roundabout).unwrap();
        assert_eq!(found, index.get_by_path(&stored.path).unwrap());
        assert_eq!(found, [stored]);
        assert!(index.get_by_path(root.join("2025")).unwrap().is_empty());
    }

    #[test]
    fn records_come_in_numeric_order() {
        let mut ids = ["d.jsonl#10", "d.jsonl#2", "own-id", "d.jsonl#1", "d.jsonl#x"];
        ids.sort_by_key(|id| id_order(id));
        assert_eq!(ids, ["d.jsonl#1", "d.jsonl#2", "d.jsonl#10", "d.jsonl#x", "own-id"]);
    }
}
