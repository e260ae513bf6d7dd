//! Adding, replacing and deleting articles.
//!
//! Articles are keyed by id: adding an article whose id is already indexed replaces it
//! (tantivy has no upsert, so the writer deletes the id first; a delete only applies to
//! documents added before it, so the new copy survives). Nothing is visible to searches
//! until [`IndexWriter::commit`], and a commit is all-or-nothing.

use std::path::Path;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::TantivyError;

use crate::article::{Article, ArticleId};
use crate::error::{Error, Result};
use crate::index::schema::FileStamp;
use crate::index::{Index, WriterHere};
use crate::update::merges::BulkMerges;
use crate::update::queue::{InFlight, Queued};

impl Index {
    /// A writer with default options. Only one writer can exist per index, across processes:
    /// a second one fails at once with [`Error::Locked`].
    ///
    /// The writer holds a clone of the index, so it can live in an app's state or move to
    /// another thread or task; searches through any clone see its commits.
    pub fn writer(&self) -> Result<IndexWriter> {
        self.writer_with(&WriterOptions::new())
    }

    /// A writer with the given memory budget and threads.
    ///
    /// On Linux with the GNU C library, the first writer of the process also has the C
    /// allocator give allocations of 1 MiB or more their own memory maps, returned to the
    /// system when freed, unless `MALLOC_MMAP_THRESHOLD_` says otherwise: the engine frees its
    /// indexing buffers after each segment, and the allocator would otherwise keep them.
    pub fn writer_with(&self, options: &WriterOptions) -> Result<IndexWriter> {
        bound_allocator_retention();
        let inner = self
            .inner
            .writer_with_num_threads::<Queued>(options.threads_or_default(), options.budget_bytes())
            .map_err(|e| self.error(e))?;
        // Holding the lock, nobody else commits: the count now is what the first commit starts from.
        self.refresh()?;
        let before = self.reader.searcher().num_docs();
        let here = WriterHere::register(self);
        Ok(IndexWriter {
            index: self.clone(),
            inner,
            bulk: None,
            in_flight: Arc::default(),
            added: 0,
            superseded: 0,
            before,
            pending: Pending::default(),
            _here: here,
        })
    }
}

/// Allocations from which the C allocator serves a request with its own memory map.
const OWN_MAP_BYTES: i32 = 1 << 20;

/// Keeps freed indexing buffers from staying in the process.
///
/// The engine's indexing threads fill buffers of 1 MiB pages up to the writer's budget, free
/// them when a segment is written, and start again. The GNU C allocator serves a first large
/// request with its own memory map, but once one is freed it raises that threshold to the
/// freed size, so later pages come from its heaps, which keep freed memory for reuse instead of
/// returning it. Each segment then left its buffers behind: the peak RSS of a bulk run grew
/// with the archive (547 MB for 258,322 articles where 400 MB did with a fixed threshold;
/// 607 MB for 516,644 against 388 MB for 129,161). A fixed threshold of [`OWN_MAP_BYTES`]
/// keeps those pages in their own maps, for about 2 % more time (the kernel zeroes each fresh
/// page). Once per process, and not when the user set the threshold (`MALLOC_MMAP_THRESHOLD_`).
fn bound_allocator_retention() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
                set_mmap_threshold(OWN_MAP_BYTES);
            }
        });
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn set_mmap_threshold(bytes: i32) {
    // SAFETY: `mallopt` only changes a tuning parameter of the C allocator; it takes the
    // allocator's own lock, touches no memory of ours, and any value is valid (a failure is
    // reported by its return value, which changes nothing).
    let _ = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, bytes) };
}

/// Memory and threads for indexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterOptions {
    budget_bytes: usize,
    threads: Option<usize>,
}

impl WriterOptions {
    /// The default memory budget: 256 MiB, shared by the indexing threads.
    pub const DEFAULT_BUDGET_BYTES: usize = 256 << 20;
    /// The smallest budget one indexing thread accepts.
    pub const MIN_BUDGET_PER_THREAD: usize = 15 << 20;

    /// Defaults: 256 MiB, one indexing thread per core (at most 8).
    pub fn new() -> Self {
        WriterOptions { budget_bytes: Self::DEFAULT_BUDGET_BYTES, threads: None }
    }

    /// Total memory for in-progress segments. Each thread needs at least 15 MiB, so a small
    /// budget lowers the number of threads. A bulk run's peak memory is this plus about 65 MB
    /// (the program, at most 8 MiB of documents waiting for the indexing threads, segments
    /// being written), which does not grow with the archive.
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.budget_bytes = bytes;
        self
    }

    /// Indexing threads (default: cores, at most 8).
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n.max(1));
        self
    }

    pub(crate) fn budget_bytes(&self) -> usize {
        self.budget_bytes.max(Self::MIN_BUDGET_PER_THREAD)
    }

    /// Threads, fitted to the budget.
    pub(crate) fn threads_or_default(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let wanted = self.threads.unwrap_or(cores);
        wanted.min(self.budget_bytes() / Self::MIN_BUDGET_PER_THREAD).max(1)
    }
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions::new()
    }
}

/// What a commit made visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
///
/// `articles` is the previous commit's count plus `added` minus `removed`.
pub struct CommitStats {
    /// Articles added since the previous commit and in the index now, new or replacing one
    /// with the same id (an article added twice, or added then deleted, counts once or not).
    pub added: u64,
    /// Articles that were in the index at the previous commit and are gone: deleted, or
    /// replaced by an added article with the same id.
    pub removed: u64,
    /// Articles in the index after the commit.
    pub articles: u64,
}

/// Adds and deletes articles; one per index at a time, across processes.
///
/// Owns what it needs (`'static + Send`): keep it in an app's state behind a mutex, or move
/// it into a writer thread or task. [`IndexWriter::update`] indexes folders through it.
pub struct IndexWriter {
    pub(crate) index: Index,
    pub(super) inner: tantivy::IndexWriter<Queued>,
    /// A bulk run's merging, while one goes on.
    pub(super) bulk: Option<BulkMerges>,
    /// Bytes of documents sent to the engine and not yet indexed.
    in_flight: Arc<InFlight>,
    /// Articles written since the last commit.
    added: u64,
    /// Of those, the ones replaced or deleted again before the commit.
    superseded: u64,
    /// Articles in the index at the last commit.
    before: u64,
    pending: Pending,
    /// Dropped last: the lock is the engine writer's, released before this.
    _here: WriterHere,
}

/// What [`IndexWriter::add`] and [`IndexWriter::delete`] did since the last commit, so they
/// can tell whether an id is in the index before that commit makes it visible. Hashes, not
/// text: a bulk load of a million articles keeps 16 bytes each.
#[derive(Debug, Default)]
struct Pending {
    /// Id → the file of the article added under it (0 for none), or `None` once deleted.
    ids: FxHashMap<u64, Option<u64>>,
    /// Files whose articles were deleted.
    paths: FxHashSet<u64>,
    /// Whether every article was deleted.
    all: bool,
}

impl Pending {
    fn clear(&mut self) {
        *self = Pending::default();
    }
}

fn hashed(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

impl std::fmt::Debug for IndexWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexWriter").field("index", &self.index).field("pending_adds", &self.added).finish()
    }
}

impl IndexWriter {
    /// The index this writer writes to.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Adds `article`, replacing the article with the same id if there is one; returns whether
    /// it replaced one (indexed at the last commit, or added by this writer since).
    ///
    /// Fails with [`Error::UnstorableDate`] for a date outside [`storable_dates`](crate::storable_dates).
    ///
    /// ```
    /// # use newsearch::{Article, Index, IndexOptions};
    /// # fn main() -> Result<(), newsearch::Error> {
    /// let index = Index::in_memory(&IndexOptions::new())?;
    /// let mut writer = index.writer()?;
    /// let article = Article::builder("row-17", "Cable repaired").body("Service is back.").build();
    /// assert!(!writer.add(&article)?, "new");
    /// assert!(writer.add(&article)?, "replaces the copy added above");
    /// assert_eq!(writer.commit()?.articles, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn add(&mut self, article: &Article) -> Result<bool> {
        let replaced = self.present(&article.id)?;
        self.add_stamped(article, FileStamp::default())?;
        let path = article.path.to_string_lossy();
        let file = if path.is_empty() { 0 } else { hashed(&path) };
        if let Some(Some(_)) = self.pending.ids.insert(hashed(article.id.as_str()), Some(file)) {
            self.superseded += 1;
        }
        Ok(replaced)
    }

    /// Whether an article with this id is in the index as this writer's next commit would
    /// leave it.
    fn present(&self, id: &ArticleId) -> Result<bool> {
        if let Some(state) = self.pending.ids.get(&hashed(id.as_str())) {
            return Ok(state.is_some());
        }
        if self.pending.all {
            return Ok(false);
        }
        let searcher = self.index.reader.searcher();
        let Some(address) = self.index.address_of(&searcher, id.as_str())? else { return Ok(false) };
        if self.pending.paths.is_empty() {
            return Ok(true);
        }
        let path = self.index.article_at(&searcher, address)?.path;
        Ok(!self.pending.paths.contains(&hashed(&path.to_string_lossy())))
    }

    pub(crate) fn add_stamped(&mut self, article: &Article, stamp: FileStamp) -> Result<()> {
        self.add_with(article, stamp, true)
    }

    /// Adds without first deleting the id when the caller knows it is not indexed yet (a
    /// fresh or rebuilt index): a delete per article is measurable work at every flush.
    pub(crate) fn add_with(&mut self, article: &Article, stamp: FileStamp, replace: bool) -> Result<()> {
        let fields = &self.index.fields;
        if let Some(date) = article.date.filter(|d| !crate::storable_dates().contains(d)) {
            return Err(Error::UnstorableDate { id: article.id.clone(), path: article.path.clone(), date });
        }
        if replace {
            self.inner.delete_term(fields.id_term(article.id.as_str()));
        }
        // About what the document holds: the body, the title twice (title and body text), and
        // room for the short fields.
        let bytes = article.body.len() + 2 * article.title.len() + 256;
        self.in_flight.acquire(bytes);
        let doc = Queued::new(fields.document(article, stamp), bytes, self.in_flight.clone());
        if let Err(e) = self.inner.add_document(doc) {
            return Err(self.worker_error(e));
        }
        self.added += 1;
        self.added_in_bulk();
        Ok(())
    }

    /// The error behind a failed add. When an indexing thread has stopped (its disk filled up,
    /// say), the engine only says "an index writer was killed"; the thread's own error, the
    /// one worth reporting, comes out when its threads are joined, as a commit does first. The
    /// commit is never completed: it fails there, or is abandoned.
    fn worker_error(&mut self, e: TantivyError) -> Error {
        if !matches!(e, TantivyError::ErrorInThread(_)) {
            return self.index.error(e);
        }
        match self.inner.prepare_commit() {
            Err(cause) => self.index.error(cause),
            Ok(prepared) => {
                let _ = prepared.abort();
                self.index.error(e)
            }
        }
    }

    /// Deletes the article with this id; returns whether there was one (indexed at the last
    /// commit, or added by this writer since).
    pub fn delete(&mut self, id: &ArticleId) -> Result<bool> {
        let present = self.present(id)?;
        self.inner.delete_term(self.index.fields.id_term(id.as_str()));
        if let Some(Some(_)) = self.pending.ids.insert(hashed(id.as_str()), None) {
            self.superseded += 1;
        }
        Ok(present)
    }

    /// The last `n` articles written were deleted again before the commit (by content or by
    /// path): the commit's counts leave them out.
    pub(crate) fn forget_added(&mut self, n: u64) {
        self.superseded += n;
    }

    /// Deletes the article with this content hash ([`crate::index::schema::content_hash`]).
    pub(crate) fn delete_content(&mut self, hash: u64) {
        self.inner.delete_term(self.index.fields.content_hash_term(hash));
    }

    /// Deletes every article read from the file at `path` (as stored in [`Article::path`]).
    /// An empty path names no file: articles that did not come from a file have none, and
    /// are deleted by id.
    pub fn delete_path(&mut self, path: &str) {
        if path.is_empty() {
            return;
        }
        self.inner.delete_term(self.index.fields.path_term(path));
        let file = hashed(path);
        self.pending.paths.insert(file);
        for state in self.pending.ids.values_mut() {
            if *state == Some(file) {
                *state = None;
                self.superseded += 1;
            }
        }
    }

    /// Deletes every article (visible at the next commit; until then searches see them all).
    pub fn delete_all(&mut self) -> Result<()> {
        // The engine's delete-all drops the committed segments only: articles still in its
        // indexing buffers would survive it. Rolled back first, they go too.
        self.inner.rollback().map_err(|e| self.index.error(e))?;
        self.inner.delete_all_documents().map_err(|e| self.index.error(e))?;
        self.superseded = self.added;
        self.pending.clear();
        self.pending.all = true;
        Ok(())
    }

    /// Makes everything added and deleted so far visible, atomically and durably.
    pub fn commit(&mut self) -> Result<CommitStats> {
        self.inner.commit().map_err(|e| self.index.error(e))?;
        self.index.committed();
        self.index.refresh()?;
        let articles = self.index.reader.searcher().num_docs();
        let added = self.added - self.superseded;
        let removed = (self.before + added).saturating_sub(articles);
        let stats = CommitStats { added, removed, articles };
        self.added = 0;
        self.superseded = 0;
        self.before = articles;
        self.pending.clear();
        Ok(stats)
    }

    /// Indexes the article files under `paths` through this writer, as [`Index::update`]
    /// does with a writer of its own (see there); for an app that keeps its writer. Anything
    /// the writer had not committed is committed with the run's first commit (a rebuild
    /// deletes it with the rest). A run that fails or is cancelled
    /// ([`UpdateOptions::cancel`](crate::UpdateOptions::cancel)) rolls the writer back to its
    /// last commit. The writer's own memory and threads are used, not `options.writer`.
    pub fn update<P: AsRef<Path>>(
        &mut self,
        paths: &[P],
        options: &crate::UpdateOptions,
        on_event: &mut dyn FnMut(crate::UpdateEvent<'_>),
    ) -> Result<crate::UpdateReport> {
        let index = self.index.clone();
        index.update_through(self, paths, options, on_event)
    }

    /// Drops everything since the last commit.
    pub fn rollback(&mut self) -> Result<()> {
        self.bulk = None;
        self.inner.rollback().map_err(|e| self.index.error(e))?;
        self.added = 0;
        self.superseded = 0;
        self.pending.clear();
        Ok(())
    }

    /// Waits for background merges to finish, then releases the index for other writers.
    pub fn finish(self) -> Result<()> {
        let IndexWriter { index, inner, .. } = self;
        inner.wait_merging_threads().map_err(|e| index.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::IndexOptions;

    #[test]
    fn add_replaces_by_id_and_commit_counts() {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        let mut w = index.writer_with(&WriterOptions::new().memory_budget(20 << 20)).unwrap();
        w.add(&Article::new("a", "a.txt", "First")).unwrap();
        w.add(&Article::new("b", "b.txt", "Second")).unwrap();
        assert_eq!(index.len().unwrap(), 0, "nothing visible before commit");
        let stats = w.commit().unwrap();
        assert_eq!((stats.added, stats.articles), (2, 2));
        w.add(&Article::new("a", "a.txt", "First, revised")).unwrap();
        assert!(w.delete(&ArticleId::new("b")).unwrap());
        assert!(!w.delete(&ArticleId::new("never")).unwrap());
        let stats = w.commit().unwrap();
        // "a" replaced, "b" deleted; the id that never existed removed nothing.
        assert_eq!((stats.added, stats.removed, stats.articles), (1, 2, 1));
        w.delete_path("a.txt");
        w.rollback().unwrap();
        assert_eq!(index.len().unwrap(), 1);
    }

    #[test]
    fn budget_limits_threads() {
        assert_eq!(WriterOptions::new().memory_budget(20 << 20).threads(4).threads_or_default(), 1);
        assert_eq!(WriterOptions::new().memory_budget(1 << 30).threads(3).threads_or_default(), 3);
        assert!(WriterOptions::new().memory_budget(1).budget_bytes() >= WriterOptions::MIN_BUDGET_PER_THREAD);
    }
}
