//! Who holds each article id: the first file to claim an id keeps it, later claimants are
//! collisions, and files with records left out for ids held elsewhere are listed in
//! [`PARTIAL_FILE`] to be read again once those ids are freed.

use crate::article::{Article, ArticleId};
use crate::error::{Error, Result};
use crate::index::Index;
use crate::index::files::PARTIAL_FILE;
use crate::index::schema::{FileStamp, names};
use crate::parse::walk::FileList;
use crate::update::Collision;
use crate::update::claimed::Claimed;
use crate::update::writer::IndexWriter;
use rustc_hash::FxHashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::columnar::StrColumn;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Searcher, TERMINATED};

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct PartialRecord {
    files: Vec<String>,
}

/// The answer to "may this article have its id?".
pub(super) enum Claim {
    /// Nobody else holds it.
    Free,
    /// An article from a later path held it: this one replaces it.
    Wins { over: PathBuf },
    /// An article from an earlier path (or an earlier record of this file) holds it.
    Loses { to: PathBuf },
    /// Rechecking an unchanged file: this file's article already holds it.
    Held,
}

/// Who holds each id during a run, so that one id never names two articles.
pub(super) struct IdClaims<'a> {
    index: &'a Index,
    /// The index as the run found it (nothing to consult when it started empty).
    snapshot: Option<(Searcher, Vec<Option<StrColumn>>)>,
    /// Ids claimed by this run (by [`id_key`]), with the claiming file's number in `files`.
    this_run: Claimed,
    /// The files this run reads, in order, and the number of the one being placed.
    files: &'a FileList,
    file: u32,
    /// Files whose earlier articles this run deletes: the ids they held are free.
    pub(super) released: FxHashSet<String>,
    /// Indexed files with a record left out for an id another file holds ([`PARTIAL_FILE`]).
    pub(super) partial: FxHashSet<String>,
}

/// What [`IdClaims::place`] did with a file's articles.
pub(super) struct Placed {
    /// Articles added.
    pub(super) added: usize,
    /// Ids held by two articles, and which one has it now.
    pub(super) collisions: Vec<Collision>,
}

impl<'a> IdClaims<'a> {
    pub(super) fn new(
        index: &'a Index,
        snapshot: Searcher,
        fresh: bool,
        files: &'a FileList,
        released: impl Iterator<Item = String>,
    ) -> Result<IdClaims<'a>> {
        let snapshot = if fresh {
            None
        } else {
            let columns = snapshot
                .segment_readers()
                .iter()
                .map(|s| s.fast_fields().str(names::PATH).map_err(|e| index.error(e)))
                .collect::<Result<Vec<_>>>()?;
            Some((snapshot, columns))
        };
        Ok(IdClaims {
            index,
            snapshot,
            this_run: Claimed::new(index.dir()),
            files,
            file: 0,
            released: released.collect(),
            partial: FxHashSet::default(),
        })
    }

    /// Adds each of a file's articles whose id it may have, and reports the others.
    ///
    /// `recheck`: the file is unchanged and its articles that hold their ids stay as they are;
    /// only those left out before are tried again.
    pub(super) fn place(
        &mut self,
        writer: &mut IndexWriter,
        articles: &[Article],
        stamp: FileStamp,
        key: &Arc<str>,
        path: &Path,
        recheck: bool,
    ) -> Result<Placed> {
        let mut placed = Placed { added: 0, collisions: Vec::new() };
        let mut lost = false;
        for article in articles {
            let id = article.id.clone();
            match self.claim(&article.id, key, recheck)? {
                Claim::Held => continue,
                Claim::Free => writer.add_with(article, stamp, false)?,
                Claim::Wins { over } => {
                    writer.add_with(article, stamp, true)?;
                    // The file that held the id keeps its other articles: like any file with a
                    // record left out, it is read again until the id is free.
                    self.partial.insert(over.to_string_lossy().into_owned());
                    placed.collisions.push(Collision { id, kept: path.to_owned(), dropped: over });
                }
                Claim::Loses { to } => {
                    lost = true;
                    placed.collisions.push(Collision { id, kept: to, dropped: path.to_owned() });
                    continue;
                }
            }
            placed.added += 1;
        }
        if lost && (placed.added > 0 || recheck) {
            self.partial.insert(key.to_string());
        }
        Ok(placed)
    }

    /// The claims that follow are made by the `number`th file of the run.
    pub(super) fn begin_file(&mut self, number: usize) {
        // More than 4 billion files can't be held in memory anyway.
        self.file = u32::try_from(number).unwrap_or(u32::MAX);
    }

    pub(super) fn release(&mut self, path: &str) {
        self.released.insert(path.to_owned());
    }

    /// Who gets `id`: the file at `path` or the one holding it. `recheck`: the file is
    /// unchanged, so an article of its own that holds the id stays ([`Claim::Held`]); otherwise
    /// its own old articles are being replaced and the id is free.
    pub(super) fn claim(&mut self, id: &ArticleId, path: &Arc<str>, recheck: bool) -> Result<Claim> {
        let key = id_key(id);
        if let Some(holder) = self.this_run.get(key)? {
            let holder = self.files.path(holder as usize).unwrap_or_default();
            return Ok(Claim::Loses { to: holder });
        }
        let claim = match self.holder(id)? {
            None => Claim::Free,
            Some(h) if *h == **path && recheck => Claim::Held,
            Some(h) if *h == **path || self.released.contains(&h) => Claim::Free,
            // Component order, the order folders are walked in.
            Some(h) if Path::new(path.as_ref()) < Path::new(&h) => Claim::Wins { over: PathBuf::from(h) },
            Some(h) => return Ok(Claim::Loses { to: PathBuf::from(h) }),
        };
        self.this_run.insert(key, self.file)?;
        Ok(claim)
    }

    /// The content hashes of the articles read from the file at `path`, as now indexed.
    pub(super) fn content_hashes(&self, path: &str) -> Result<FxHashSet<u64>> {
        let searcher = self.index.reader.searcher();
        let term = self.index.fields.path_term(path);
        let err = |e| self.index.error(e);
        let mut out = FxHashSet::default();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.index.fields.path).map_err(err)?;
            let Some(mut postings) =
                inverted.read_postings(&term, IndexRecordOption::Basic).map_err(|e| err(e.into()))?
            else {
                continue;
            };
            let hashes = segment.fast_fields().u64(names::CONTENT_HASH).map_err(err)?;
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if !segment.is_deleted(doc) {
                    out.extend(hashes.first(doc));
                }
                doc = postings.advance();
            }
        }
        Ok(out)
    }

    /// The file of the article holding `id` when the run started.
    fn holder(&self, id: &ArticleId) -> Result<Option<String>> {
        let Some((searcher, paths)) = &self.snapshot else { return Ok(None) };
        let term = self.index.fields.id_term(id.as_str());
        let err = |e| self.index.error(e);
        for (segment, paths) in searcher.segment_readers().iter().zip(paths) {
            let inverted = segment.inverted_index(self.index.fields.id).map_err(err)?;
            let postings = inverted.read_postings(&term, IndexRecordOption::Basic);
            let Some(mut postings) = postings.map_err(|e| err(e.into()))? else { continue };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if !segment.is_deleted(doc) {
                    let mut path = String::new();
                    if let (Some(paths), Some(ord)) =
                        (paths, paths.as_ref().and_then(|p| p.term_ords(doc).next()))
                    {
                        paths.ord_to_str(ord, &mut path).map_err(|e| err(e.into()))?;
                    }
                    return Ok(Some(path));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }
}

/// An id as the run's claims remember it: its 128-bit hash (20 bytes a claim with the claiming
/// file, on disk past the most recent ones: see [`Claimed`]). Two ids of one archive sharing a
/// hash is about as likely as a random 128-bit collision (below 10^-20 for a billion ids).
pub(super) fn id_key(id: &ArticleId) -> u128 {
    xxhash_rust::xxh3::xxh3_128(id.as_str().as_bytes())
}

impl Index {
    /// The files listed in [`PARTIAL_FILE`]; none when there is no list or it can't be read
    /// (the run then rewrites it).
    pub(super) fn read_partial(&self) -> FxHashSet<String> {
        let Some(dir) = self.dir() else { return FxHashSet::default() };
        std::fs::read(dir.join(PARTIAL_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<PartialRecord>(&b).ok())
            .map(|r| r.files.into_iter().collect())
            .unwrap_or_default()
    }

    pub(super) fn write_partial<'s>(&self, files: impl Iterator<Item = &'s String>) -> Result<()> {
        let Some(dir) = self.dir() else { return Ok(()) };
        let mut files: Vec<String> = files.cloned().collect();
        files.sort();
        files.dedup();
        if files.is_empty() && !dir.join(PARTIAL_FILE).exists() {
            return Ok(());
        }
        let bytes =
            serde_json::to_vec_pretty(&PartialRecord { files }).map_err(|e| Error::engine(Some(dir), e))?;
        crate::index::files::write_atomically(dir, PARTIAL_FILE, &bytes)
    }
}
