//! The index folder as the engine sees it: readable even where it can't be written.
//!
//! An archive published on a read-only volume (a CD, a shared mount, a folder without write
//! permission) must still be searchable. The engine takes its meta lock
//! (`.tantivy-meta.lock`) each time a reader opens segments, so that a writer's garbage
//! collection can't delete segment files while they are being opened; its folder type takes
//! that lock by opening the lock file *for writing*, creating it if missing, and on a
//! read-only folder that fails: every search failed with `ReadOnlyFilesystem`.
//!
//! [`IndexDirectory`] keeps the engine's lock wherever the folder can be written, so nothing
//! changes for the normal case. Only when opening the meta lock for writing is refused does it
//! fall back: the existing lock file is opened for reading and locked shared (advisory locks
//! need no write access), which still excludes a writer collecting garbage through another,
//! writable path to the same files (its lock is exclusive). With no lock file at all, no
//! writer has ever collected garbage here, and none can start through this read-only path,
//! so there is nothing to exclude and the lock is a no-op. Nothing else in reading writes:
//! the engine's managed-file list (`.managed.json`) is only read when an index opens, and
//! garbage is only collected by writers.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fs4::fs_std::FileExt;
use tantivy::directory::error::{DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, FileSlice, Lock, META_LOCK, MmapDirectory, WatchCallback,
    WatchHandle, WritePtr,
};

/// An index folder on disk whose readers work without write access; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct IndexDirectory {
    inner: MmapDirectory,
    root: PathBuf,
}

impl IndexDirectory {
    pub(crate) fn open(root: &Path) -> Result<IndexDirectory, OpenDirectoryError> {
        Ok(IndexDirectory { inner: MmapDirectory::open(root)?, root: root.to_owned() })
    }

    /// The meta lock of a folder we can't write: shared, through a read-only handle.
    fn read_only_meta_lock(&self, lock: &Lock, refused: Arc<io::Error>) -> Result<DirectoryLock, LockError> {
        match File::open(self.root.join(&lock.filepath)) {
            Ok(file) => {
                // Blocking, like the engine's own meta lock: a garbage collection is short.
                FileExt::lock_shared(&file).map_err(LockError::wrap_io_error)?;
                // Dropping the handle releases the lock.
                Ok(DirectoryLock::from(Box::new(file)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(DirectoryLock::from(Box::new(()))),
            Err(_) => Err(LockError::IoError(refused)),
        }
    }
}

/// True when an error means the folder (or file) can't be written, as opposed to failing.
pub(crate) fn is_write_refusal(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::ReadOnlyFilesystem | io::ErrorKind::PermissionDenied)
}

impl Directory for IndexDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn open_read(&self, path: &Path) -> Result<FileSlice, OpenReadError> {
        self.inner.open_read(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.inner.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        match self.inner.acquire_lock(lock) {
            // Only the readers' lock falls back; the writer's lock must fail on a read-only
            // folder, which is how `index` learns that it can't write.
            Err(LockError::IoError(e)) if lock.filepath == META_LOCK.filepath && is_write_refusal(&e) => {
                self.read_only_meta_lock(lock, e)
            }
            other => other,
        }
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}
