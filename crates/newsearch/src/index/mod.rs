//! Opening and creating indexes.
//!
//! An index is a folder holding tantivy's files plus `newsearch-index.json`, which records
//! the schema version, the stemming the analyzer uses (queries must analyze the same way)
//! and the folders indexed so far. The marker is what makes a folder a newsearch index: an
//! index from another schema version is refused with a clear "rebuild" message instead of
//! being misread, and folder walks skip any folder holding it.

pub(crate) mod check;
pub(crate) mod damage;
pub(crate) mod directory;
pub(crate) mod files;
pub(crate) mod lookup;
pub(crate) mod schema;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tantivy::directory::error::LockError;
use tantivy::directory::{Directory, INDEX_WRITER_LOCK};
use tantivy::{IndexReader, ReloadPolicy, TantivyError};

use crate::analyzer::Stemming;
use crate::error::{Error, Result};
use crate::index::directory::{IndexDirectory, ReadMode, is_write_refusal};
use files::{INDEX_MARKER_FILE, Marker, check_marker, read_marker, wipe, write_marker};
use schema::{Fields, SCHEMA_VERSION};

/// How a new index analyzes text. Fixed for the index's life: changing it needs a rebuild.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexOptions {
    stemming: Stemming,
}

impl IndexOptions {
    /// Defaults: English stemming with the original Porter algorithm ([`Stemming::Porter`]).
    pub fn new() -> Self {
        IndexOptions::default()
    }

    /// The stemmer for titles, bodies and queries ([`Stemming::None`] to match words exactly).
    pub fn stemming(mut self, stemming: Stemming) -> Self {
        self.stemming = stemming;
        self
    }
}

/// A searchable collection of articles, on disk or in memory.
///
/// Cheap to clone: clones share the engine, the reader and the caches, so an app keeps one in
/// its state and hands a clone to each thread or task. Searches from many threads at once are
/// safe; one [`IndexWriter`](crate::IndexWriter) at a time writes (it holds a clone of its own).
#[derive(Clone)]
pub struct Index {
    pub(crate) inner: tantivy::Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) stemming: Stemming,
    dir: Option<Arc<Path>>,
    /// How its files are read (none in memory); merges read through windows.
    pub(crate) reads: Option<ReadMode>,
    /// What the reader had seen when it last reloaded (see [`Index::refresh`]).
    seen: Arc<Mutex<Seen>>,
    /// Commits made through this index's writers (any clone's): in memory, the only ones.
    commits: Arc<AtomicU64>,
    /// Per-segment facet data (tags, sections, days), built on first use.
    pub(crate) facet_values: Arc<crate::search::facets::FacetCache>,
}

/// When the reader last reloaded.
#[derive(Debug, Default)]
struct Seen {
    /// `meta.json`'s (modified, length): a commit by anyone rewrites it, so an unchanged stamp
    /// means there is nothing new to see on disk.
    stamp: Option<(SystemTime, u64)>,
    /// [`Index::commits`] then: in memory nobody else commits.
    commits: u64,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("dir", &self.dir).field("stemming", &self.stemming).finish()
    }
}

impl Index {
    /// Opens the index in `dir`.
    ///
    /// Fails with [`Error::NotAFolder`] if `dir` is a file, [`Error::NoIndex`] if there is
    /// none, [`Error::NotAnIndex`] if the folder holds something else, [`Error::IndexVersion`]
    /// if it was built with another schema, and [`Error::Damaged`] if one of its files is
    /// missing, cut short or overwritten.
    ///
    /// Opening and searching need no write access: an index on a read-only volume works.
    pub fn open(dir: impl AsRef<Path>) -> Result<Index> {
        let dir = dir.as_ref();
        let marker = read_marker(dir)?;
        if !dir.join("meta.json").exists() {
            // A creation that was interrupted: there is nothing to open yet.
            return Err(Error::NoIndex { path: dir.to_owned() });
        }
        let stemming = check_marker(dir, &marker)?;
        let (inner, reads) = damage::open_engine(dir)?;
        Index::wrap(inner, stemming, Some((dir.to_owned(), reads)))
    }

    /// Creates a new, empty index in `dir` (created if missing; it must not hold an index).
    ///
    /// The marker is written before the engine's files, so a process killed halfway leaves
    /// a folder that the next `open_or_create` finishes creating instead of refusing.
    pub fn create(dir: impl AsRef<Path>, options: &IndexOptions) -> Result<Index> {
        let dir = dir.as_ref();
        if dir.join("meta.json").exists() {
            return Err(Error::IndexExists { path: dir.to_owned() });
        }
        fs::create_dir_all(dir).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory => {
                Error::NotAFolder { path: dir.to_owned() }
            }
            _ => Error::io(dir, e),
        })?;
        let marker = Marker {
            schema_version: SCHEMA_VERSION.into(),
            stemming: options.stemming.to_string(),
            roots: Vec::new(),
            run: None,
        };
        write_marker(dir, &marker)?;
        let directory = IndexDirectory::open(dir).map_err(|e| Error::engine(Some(dir), e))?;
        let reads = directory.read_mode();
        let inner = tantivy::Index::builder()
            .schema(schema::build_schema())
            .settings(schema::index_settings())
            .open_or_create(directory)
            .map_err(|e| Error::engine(Some(dir), e))?;
        Index::wrap(inner, options.stemming, Some((dir.to_owned(), reads)))
    }

    /// Opens the index in `dir`, creating it with `options` if there is none.
    pub fn open_or_create(dir: impl AsRef<Path>, options: &IndexOptions) -> Result<Index> {
        match Index::open(dir.as_ref()) {
            Err(Error::NoIndex { .. }) => Index::create(dir, options),
            other => other,
        }
    }

    /// Opens the index in `dir` to be rebuilt with `options` (see [`UpdateOptions::rebuild`]).
    ///
    /// A compatible index is opened as it is, so searches keep seeing the old contents until
    /// the rebuild commits. An index that can't be reused (another schema version, another
    /// stemming) is deleted and created anew, unless a writer is using it.
    ///
    /// [`UpdateOptions::rebuild`]: crate::UpdateOptions::rebuild
    pub fn open_to_rebuild(dir: impl AsRef<Path>, options: &IndexOptions) -> Result<Index> {
        let dir = dir.as_ref();
        match Index::open(dir) {
            Ok(index) if index.stemming == options.stemming => Ok(index),
            Ok(_) | Err(Error::IndexVersion { .. } | Error::Damaged { .. }) => {
                // Refuse to delete what another process is writing. The writer's lock is taken
                // straight from the folder: a damaged index can't be opened to ask for a writer.
                let directory = IndexDirectory::open(dir).map_err(|e| Error::engine(Some(dir), e))?;
                match directory.acquire_lock(&INDEX_WRITER_LOCK) {
                    Ok(_released_at_once) => {}
                    Err(LockError::LockBusy) => {
                        return Err(Error::Locked {
                            path: Some(dir.to_owned()),
                            in_this_process: has_writer_here(dir),
                        });
                    }
                    Err(LockError::IoError(e)) if is_write_refusal(&e) => {
                        return Err(Error::IndexNotWritable { path: dir.to_owned(), reason: e.to_string() });
                    }
                    Err(e) => return Err(Error::engine(Some(dir), e)),
                }
                // The folders indexed so far are the rebuild's input when it names none.
                let kept = read_marker(dir).ok();
                wipe(dir)?;
                let index = Index::create(dir, options)?;
                if let Some(old) = kept {
                    let mut marker = read_marker(dir)?;
                    marker.roots = old.roots;
                    marker.run = old.run;
                    write_marker(dir, &marker)?;
                }
                Ok(index)
            }
            Err(Error::NoIndex { .. }) => Index::create(dir, options),
            Err(e) => Err(e),
        }
    }

    /// Opens the index in `dir` for an [`Index::update`] of `paths`, creating it only when
    /// the update has something to read: with no paths, the index must exist (its recorded
    /// folders are the input); with paths, at least one must exist. A mistyped path or a
    /// bare run in the wrong folder never leaves an empty index behind.
    ///
    /// `rebuild` opens as [`Index::open_to_rebuild`] does.
    pub fn open_for_update<P: AsRef<Path>>(
        dir: impl AsRef<Path>,
        options: &IndexOptions,
        paths: &[P],
        rebuild: bool,
    ) -> Result<Index> {
        let dir = dir.as_ref();
        if paths.is_empty() {
            // A bare run reads the recorded folders: without an index there are none.
            if !dir.join(INDEX_MARKER_FILE).exists() {
                return Err(Error::NoIndex { path: dir.to_owned() });
            }
        } else if paths.iter().all(|p| !p.as_ref().exists()) {
            let source = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder");
            return Err(Error::io(paths[0].as_ref(), source));
        }
        if rebuild { Index::open_to_rebuild(dir, options) } else { Index::open_or_create(dir, options) }
    }

    /// A new index held in memory, gone when dropped: for tests and short-lived tools.
    pub fn in_memory(options: &IndexOptions) -> Result<Index> {
        let inner = tantivy::Index::builder()
            .schema(schema::build_schema())
            .settings(schema::index_settings())
            .create_in_ram()
            .map_err(|e| Error::engine(None, e))?;
        Index::wrap(inner, options.stemming, None)
    }

    fn wrap(
        inner: tantivy::Index,
        stemming: Stemming,
        on_disk: Option<(PathBuf, ReadMode)>,
    ) -> Result<Index> {
        let (dir, reads) = on_disk.unzip();
        schema::register_analyzers(inner.tokenizers(), stemming);
        schema::register_analyzers(inner.fast_field_tokenizer(), stemming);
        let path = dir.as_deref();
        let fields = Fields::resolve(&inner.schema()).map_err(|_| match path {
            Some(p) => Error::IndexVersion {
                path: p.to_owned(),
                found: "unknown (fields differ)".into(),
                expected: SCHEMA_VERSION,
            },
            None => Error::engine(None, "schema mismatch"),
        })?;
        // Manual reloads: a search right after our own commit must see it.
        let reader = inner
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| damage::classify(path, Some(&inner), e))?;
        Ok(Index {
            inner,
            reader,
            fields,
            stemming,
            dir: dir.map(Arc::from),
            reads,
            seen: Default::default(),
            commits: Default::default(),
            facet_values: Default::default(),
        })
    }

    /// The folder the index lives in, or `None` in memory.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The stemming this index analyzes with.
    pub fn stemming(&self) -> Stemming {
        self.stemming
    }

    /// The number of articles, as of the last commit seen.
    pub fn len(&self) -> Result<u64> {
        self.refresh()?;
        Ok(self.reader.searcher().num_docs())
    }

    /// True when the index holds no article.
    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    /// Folders indexed so far with [`Index::update`](crate::Index::update), as given then
    /// (absolute).
    pub fn roots(&self) -> Result<Vec<PathBuf>> {
        match &self.dir {
            Some(dir) => Ok(read_marker(dir)?.roots),
            None => Ok(Vec::new()),
        }
    }

    /// Makes the reader see the latest commit (ours or another process's). Costs one `stat`
    /// when nothing was committed since the last call (in memory, one atomic load).
    pub(crate) fn refresh(&self) -> Result<()> {
        let commits = self.commits.load(Ordering::Acquire);
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Some(dir) = &self.dir else {
            if seen.commits == commits {
                return Ok(());
            }
            self.reader.reload().map_err(|e| self.error(e))?;
            seen.commits = commits;
            return Ok(());
        };
        let stamp =
            std::fs::metadata(dir.join("meta.json")).ok().and_then(|m| Some((m.modified().ok()?, m.len())));
        if stamp.is_some() && seen.stamp == stamp {
            return Ok(());
        }
        self.reader.reload().map_err(|e| self.error(e))?;
        seen.stamp = stamp;
        Ok(())
    }

    /// Tells the readers of every clone that a writer of this index committed.
    pub(crate) fn committed(&self) {
        self.commits.fetch_add(1, Ordering::Release);
    }

    /// Maps an engine error, recognising a busy writer lock, a full disk, a read-only folder
    /// and damaged files.
    pub(crate) fn error(&self, e: TantivyError) -> Error {
        if let TantivyError::LockFailure(LockError::LockBusy, _) = &e {
            let in_this_process = self.dir.as_deref().is_none_or(has_writer_here);
            return Error::Locked { path: self.dir.as_deref().map(Path::to_owned), in_this_process };
        }
        let path = self.dir.as_deref().map_or_else(|| PathBuf::from("<memory>"), Path::to_owned);
        match &e {
            // The writer's lock file can't be created: the folder is read-only.
            TantivyError::LockFailure(LockError::IoError(io), _) if is_write_refusal(io) => {
                return Error::IndexNotWritable { path, reason: io.to_string() };
            }
            _ => {}
        }
        match io_cause(&e) {
            Some(io) if io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(28) => {
                Error::DiskFull { path }
            }
            Some(io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                Error::IndexNotWritable { path, reason: io.to_string() }
            }
            // Some engine paths report the OS error only as text.
            _ => {
                let text = e.to_string();
                if text.contains("os error 28") {
                    Error::DiskFull { path }
                } else if text.contains("os error 30") || text.contains("os error 13") {
                    Error::IndexNotWritable { path, reason: text }
                } else {
                    damage::classify(self.dir.as_deref(), Some(&self.inner), e)
                }
            }
        }
    }
}

/// Index folders whose writer lives in this process (canonical where possible), so a busy lock
/// can say whose writer holds it.
static WRITERS_HERE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn writer_key(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap_or_else(|_| dir.to_owned())
}

fn has_writer_here(dir: &Path) -> bool {
    let key = writer_key(dir);
    WRITERS_HERE.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&key)
}

/// A writer of this process holds the index in its folder while this lives.
#[derive(Debug)]
pub(crate) struct WriterHere(Option<PathBuf>);

impl WriterHere {
    pub(crate) fn register(index: &Index) -> WriterHere {
        let key = index.dir().map(writer_key);
        if let Some(key) = &key {
            WRITERS_HERE.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(key.clone());
        }
        WriterHere(key)
    }
}

impl Drop for WriterHere {
    fn drop(&mut self) {
        if let Some(key) = &self.0 {
            let mut writers = WRITERS_HERE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(i) = writers.iter().position(|k| k == key) {
                writers.swap_remove(i);
            }
        }
    }
}

/// The operating-system error behind an engine error, if there is one.
fn io_cause(e: &TantivyError) -> Option<&std::io::Error> {
    if let TantivyError::IoError(io) = e {
        return Some(io);
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io);
        }
        source = s.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::files::temporary_name;

    #[test]
    fn open_reports_missing_foreign_and_old_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("idx");
        assert!(matches!(Index::open(&missing), Err(Error::NoIndex { .. })));

        let foreign = dir.path().join("photos");
        fs::create_dir_all(&foreign).unwrap();
        fs::write(foreign.join("cat.jpg"), "x").unwrap();
        let err = Index::open(&foreign).unwrap_err();
        assert!(matches!(err, Error::NotAnIndex { .. }), "{err}");
        assert!(wipe(&foreign).is_err(), "never wipe a folder that is not an index");
        assert!(foreign.join("cat.jpg").exists());

        let index = Index::create(&missing, &IndexOptions::new()).unwrap();
        assert_eq!(index.len().unwrap(), 0);
        drop(index);
        let mut marker = read_marker(&missing).unwrap();
        marker.schema_version = 0.into();
        write_marker(&missing, &marker).unwrap();
        let err = Index::open(&missing).unwrap_err();
        assert!(matches!(err, Error::IndexVersion { expected: SCHEMA_VERSION, .. }), "{err}");
        assert!(
            err.to_string().ends_with(&format!("has schema version 0, this newsearch uses {SCHEMA_VERSION}")),
            "{err}"
        );
    }

    #[test]
    fn a_creation_killed_after_the_marker_is_finished_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let marker = Marker {
            schema_version: SCHEMA_VERSION.into(),
            stemming: "english".into(),
            roots: Vec::new(),
            run: None,
        };
        write_marker(dir.path(), &marker).unwrap();
        assert!(matches!(Index::open(dir.path()), Err(Error::NoIndex { .. })));
        let index = Index::open_or_create(dir.path(), &IndexOptions::new()).unwrap();
        assert!(index.is_empty().unwrap());
    }

    #[test]
    fn a_creation_killed_while_writing_the_marker_is_finished_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(temporary_name(INDEX_MARKER_FILE)), "{\"schema_ver").unwrap();
        assert!(matches!(Index::open(dir.path()), Err(Error::NoIndex { .. })));
        let index = Index::open_or_create(dir.path(), &IndexOptions::new()).unwrap();
        assert!(index.is_empty().unwrap());
        // Anything else in the folder still makes it someone else's.
        let other = tempfile::tempdir().unwrap();
        fs::write(other.path().join(".notes.tmp"), "x").unwrap();
        assert!(matches!(Index::open(other.path()), Err(Error::NotAnIndex { .. })));
    }

    #[test]
    fn stemming_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        Index::create(dir.path(), &IndexOptions::new().stemming(Stemming::None)).unwrap();
        assert_eq!(Index::open(dir.path()).unwrap().stemming(), Stemming::None);
        assert!(Index::create(dir.path(), &IndexOptions::new()).is_err());
    }

    #[test]
    fn a_second_writer_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::create(dir.path(), &IndexOptions::new()).unwrap();
        let _first = index.writer().unwrap();
        let other = Index::open(dir.path()).unwrap();
        let err = other.writer().unwrap_err();
        assert!(matches!(err, Error::Locked { in_this_process: true, .. }), "{err}");
        assert!(err.to_string().ends_with("already has a writer in this process"), "{err}");
        drop(_first);
        assert!(other.writer().is_ok(), "free once the first writer is gone");

        let memory = Index::in_memory(&IndexOptions::new()).unwrap();
        let _held = memory.writer().unwrap();
        let err = memory.clone().writer().unwrap_err();
        assert!(matches!(err, Error::Locked { path: None, in_this_process: true }), "{err}");
        assert_eq!(err.to_string(), "the in-memory index already has a writer");
    }
}
