//! Opening and creating indexes.
//!
//! An index is a folder holding tantivy's files plus `newsearch-index.json`, which records
//! the schema version, the stemming the analyzer uses (queries must analyze the same way)
//! and the folders indexed so far. The marker is what makes a folder a newsearch index: an
//! index from another schema version is refused with a clear "rebuild" message instead of
//! being misread, and folder walks skip any folder holding it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use tantivy::directory::error::LockError;
use tantivy::{IndexReader, ReloadPolicy, TantivyError};

use crate::analyzer::Stemming;
use crate::error::{Error, Result};
use crate::schema::{self, Fields, SCHEMA_VERSION};
use crate::walk::INDEX_MARKER_FILE;
use crate::writer::{IndexWriter, WriterOptions};

/// How a new index analyzes text. Fixed for the index's life: changing it needs a rebuild.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexOptions {
    stemming: Stemming,
}

impl IndexOptions {
    /// Defaults: English stemming.
    pub fn new() -> Self {
        IndexOptions::default()
    }

    /// The stemmer for titles, bodies and queries ([`Stemming::None`] to match words exactly).
    pub fn stemming(mut self, stemming: Stemming) -> Self {
        self.stemming = stemming;
        self
    }
}

/// What `newsearch-index.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Marker {
    schema_version: serde_json::Value,
    stemming: String,
    #[serde(default)]
    roots: Vec<PathBuf>,
}

/// A searchable collection of articles, on disk or in memory.
pub struct Index {
    pub(crate) inner: tantivy::Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    pub(crate) stemming: Stemming,
    dir: Option<PathBuf>,
    /// `meta.json`'s (modified, length) when the reader last reloaded: a commit by anyone
    /// rewrites it, so an unchanged stamp means there is nothing new to see.
    seen_commit: Mutex<Option<(SystemTime, u64)>>,
    /// Per-segment facet data (tags, sections, days), built on first use.
    pub(crate) facet_values: std::sync::Arc<crate::facets::FacetCache>,
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
    /// none, [`Error::NotAnIndex`] if the folder holds something else, and
    /// [`Error::IndexVersion`] if it was built with another schema.
    pub fn open(dir: impl AsRef<Path>) -> Result<Index> {
        let dir = dir.as_ref();
        let marker = read_marker(dir)?;
        if !dir.join("meta.json").exists() {
            // A creation that was interrupted: there is nothing to open yet.
            return Err(Error::NoIndex { path: dir.to_owned() });
        }
        let stemming = check_marker(dir, &marker)?;
        let inner = tantivy::Index::open_in_dir(dir).map_err(|e| Error::engine(Some(dir), e))?;
        Index::wrap(inner, stemming, Some(dir.to_owned()))
    }

    /// Creates a new, empty index in `dir` (created if missing; it must not hold an index).
    ///
    /// The marker is written before the engine's files, so a process killed halfway leaves
    /// a folder that the next `open_or_create` finishes creating instead of refusing.
    pub fn create(dir: impl AsRef<Path>, options: &IndexOptions) -> Result<Index> {
        let dir = dir.as_ref();
        if dir.join("meta.json").exists() {
            return Err(Error::InvalidArgument(format!("an index already exists at {}", dir.display())));
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
        };
        write_marker(dir, &marker)?;
        let inner = tantivy::Index::builder()
            .schema(schema::build_schema())
            .settings(schema::index_settings())
            .create_in_dir(dir)
            .map_err(|e| Error::engine(Some(dir), e))?;
        Index::wrap(inner, options.stemming, Some(dir.to_owned()))
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
            Ok(_) | Err(Error::IndexVersion { .. }) => {
                // Refuse to delete what another process is writing.
                if let Ok(engine) = tantivy::Index::open_in_dir(dir)
                    && let Err(TantivyError::LockFailure(LockError::LockBusy, _)) =
                        engine.writer::<tantivy::TantivyDocument>(WriterOptions::MIN_BUDGET_PER_THREAD)
                {
                    return Err(Error::Locked { path: dir.to_owned() });
                }
                wipe(dir)?;
                Index::create(dir, options)
            }
            Err(Error::NoIndex { .. }) => Index::create(dir, options),
            Err(e) => Err(e),
        }
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

    fn wrap(inner: tantivy::Index, stemming: Stemming, dir: Option<PathBuf>) -> Result<Index> {
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
            .map_err(|e| Error::engine(path, e))?;
        let seen_commit = Mutex::new(None);
        Ok(Index { inner, reader, fields, stemming, dir, seen_commit, facet_values: Default::default() })
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

    /// A writer with default options. Only one writer can exist per index, across processes:
    /// a second one fails at once with [`Error::Locked`].
    pub fn writer(&self) -> Result<IndexWriter<'_>> {
        self.writer_with(&WriterOptions::new())
    }

    /// A writer with the given memory budget and threads.
    pub fn writer_with(&self, options: &WriterOptions) -> Result<IndexWriter<'_>> {
        let inner = self
            .inner
            .writer_with_num_threads(options.threads_or_default(), options.budget_bytes())
            .map_err(|e| self.error(e))?;
        Ok(IndexWriter::new(self, inner))
    }

    /// Folders indexed so far with [`Index::update`](crate::Index::update), as given then
    /// (absolute).
    pub fn roots(&self) -> Result<Vec<PathBuf>> {
        match &self.dir {
            Some(dir) => Ok(read_marker(dir)?.roots),
            None => Ok(Vec::new()),
        }
    }

    pub(crate) fn add_roots(&self, roots: &[PathBuf]) -> Result<()> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let mut marker = read_marker(dir)?;
        for root in roots {
            if !marker.roots.contains(root) {
                marker.roots.push(root.clone());
            }
        }
        marker.roots.sort();
        write_marker(dir, &marker)
    }

    /// Makes the reader see the latest commit (ours or another process's). Costs one `stat`
    /// when nothing was committed since the last call.
    pub(crate) fn refresh(&self) -> Result<()> {
        let Some(dir) = &self.dir else {
            return self.reader.reload().map_err(|e| self.error(e));
        };
        let stamp =
            std::fs::metadata(dir.join("meta.json")).ok().and_then(|m| Some((m.modified().ok()?, m.len())));
        let mut seen = self.seen_commit.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if stamp.is_some() && *seen == stamp {
            return Ok(());
        }
        self.reader.reload().map_err(|e| self.error(e))?;
        *seen = stamp;
        Ok(())
    }

    /// Maps an engine error, recognising a busy writer lock, a full disk and a read-only folder.
    pub(crate) fn error(&self, e: TantivyError) -> Error {
        let path = self.dir.clone().unwrap_or_else(|| PathBuf::from("<memory>"));
        if let TantivyError::LockFailure(LockError::LockBusy, _) = e {
            return Error::Locked { path };
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
                    Error::engine(self.dir.as_deref(), e)
                }
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

fn read_marker(dir: &Path) -> Result<Marker> {
    let path = dir.join(INDEX_MARKER_FILE);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| Error::malformed(&path, Some(e.line()), format!("unreadable index marker: {e}"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let is_empty_or_missing = fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(true);
            if is_empty_or_missing {
                Err(Error::NoIndex { path: dir.to_owned() })
            } else {
                Err(Error::NotAnIndex { path: dir.to_owned() })
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            Err(Error::NotAFolder { path: dir.to_owned() })
        }
        Err(e) => Err(Error::io(&path, e)),
    }
}

fn check_marker(dir: &Path, marker: &Marker) -> Result<Stemming> {
    let version_error = || Error::IndexVersion {
        path: dir.to_owned(),
        found: marker.schema_version.to_string(),
        expected: SCHEMA_VERSION,
    };
    if marker.schema_version.as_u64() != Some(u64::from(SCHEMA_VERSION)) {
        return Err(version_error());
    }
    marker.stemming.parse().map_err(|_| version_error())
}

/// Writes the marker atomically: a crash leaves the old one or the new one, never half.
fn write_marker(dir: &Path, marker: &Marker) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(marker).map_err(|e| Error::engine(Some(dir), e))?;
    bytes.push(b'\n');
    write_atomically(dir, INDEX_MARKER_FILE, &bytes)
}

/// Replaces `dir/name` with `bytes` through a hidden temporary file and a rename, so a crash
/// leaves the old file or the new one, never half of one.
pub(crate) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}

/// Removes an index folder's contents so it can be created anew. Refuses folders that are
/// not newsearch indexes, so a mistyped `--index` never deletes a user's files.
pub(crate) fn wipe(dir: &Path) -> Result<()> {
    if !dir.join(INDEX_MARKER_FILE).exists() {
        return Err(Error::NotAnIndex { path: dir.to_owned() });
    }
    fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(err.to_string().contains("rebuild it with `newsearch index --rebuild`"), "{err}");
    }

    #[test]
    fn a_creation_killed_after_the_marker_is_finished_by_the_next_run() {
        let dir = tempfile::tempdir().unwrap();
        let marker =
            Marker { schema_version: SCHEMA_VERSION.into(), stemming: "english".into(), roots: Vec::new() };
        write_marker(dir.path(), &marker).unwrap();
        assert!(matches!(Index::open(dir.path()), Err(Error::NoIndex { .. })));
        let index = Index::open_or_create(dir.path(), &IndexOptions::new()).unwrap();
        assert!(index.is_empty().unwrap());
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
        assert!(matches!(err, Error::Locked { .. }), "{err}");
        assert!(err.to_string().ends_with("is locked by another newsearch process"));
    }
}
