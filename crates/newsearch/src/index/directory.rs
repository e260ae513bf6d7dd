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
//!
//! While [`ReadMode::windowed`] is held, segment files are read through [`WindowedFile`]
//! instead of one memory map per file; see there.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use fs4::fs_std::FileExt;
use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, FileSlice, Lock, META_LOCK, MmapDirectory, OwnedBytes,
    WatchCallback, WatchHandle, WritePtr,
};

/// An index folder on disk whose readers work without write access; see the module docs.
#[derive(Debug, Clone)]
pub(crate) struct IndexDirectory {
    inner: MmapDirectory,
    root: PathBuf,
    reads: ReadMode,
}

impl IndexDirectory {
    pub(crate) fn open(root: &Path) -> Result<IndexDirectory, OpenDirectoryError> {
        Ok(IndexDirectory {
            inner: MmapDirectory::open(root)?,
            root: root.to_owned(),
            reads: ReadMode::default(),
        })
    }

    /// Switches this folder's reads (and its clones') between whole-file maps and windows.
    pub(crate) fn read_mode(&self) -> ReadMode {
        self.reads.clone()
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
        if self.reads.is_windowed() {
            Ok(Arc::new(WindowedFile::open(&self.root.join(path), Arc::clone(&self.reads.long_reads))?))
        } else {
            self.inner.get_file_handle(path)
        }
    }

    fn open_read(&self, path: &Path) -> Result<FileSlice, OpenReadError> {
        if self.reads.is_windowed() {
            Ok(FileSlice::new(self.get_file_handle(path)?))
        } else {
            self.inner.open_read(path)
        }
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

/// Whether files opened now are read through windows ([`WindowedFile`]) or mapped whole, and
/// the long reads' maps while they are held.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReadMode {
    windowed: Arc<AtomicUsize>,
    long_reads: LongReads,
}

/// The maps of reads longer than a window, while anyone holds them.
type LongReads = Arc<Mutex<Vec<Weak<memmap2::Mmap>>>>;

/// How often the pages of long reads are dropped from the process while windowed: a merge
/// copies a store at one or two gigabytes a second, so 10 ms leaves a few tens of megabytes
/// resident between two releases (at 50 ms the ×4 peak still held 140 MB of them).
const RELEASE_EVERY: Duration = Duration::from_millis(10);

impl ReadMode {
    /// Windowed reads until the returned guard is dropped (guards nest). Meanwhile a thread
    /// drops the pages of long reads from the process every [`RELEASE_EVERY`].
    pub(crate) fn windowed(&self) -> WindowedReads {
        if self.windowed.fetch_add(1, Ordering::SeqCst) == 0 {
            let (windowed, long_reads) = (Arc::clone(&self.windowed), Arc::clone(&self.long_reads));
            // Ends on its own within one period once no guard is left.
            let _ = std::thread::Builder::new().name("newsearch-pages".into()).spawn(move || {
                while windowed.load(Ordering::SeqCst) > 0 {
                    std::thread::sleep(RELEASE_EVERY);
                    release_pages(&long_reads);
                }
            });
        }
        WindowedReads(self.clone())
    }

    fn is_windowed(&self) -> bool {
        self.windowed.load(Ordering::SeqCst) > 0
    }
}

/// Keeps reads windowed while alive; see [`ReadMode::windowed`].
#[must_use = "reads are windowed only while the guard lives"]
pub(crate) struct WindowedReads(ReadMode);

impl Drop for WindowedReads {
    fn drop(&mut self) {
        self.0.windowed.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Drops the pages of the long reads still held from this process's memory.
///
/// The engine reads some things in one piece: a segment's whole document store when a merge
/// copies it, its whole term dictionary. Each page touched stays resident while the read is
/// held, so copying the store of a segment of half a gigabyte added half a gigabyte to the
/// peak RSS. The copy touches each page once, front to back; dropping the pages behind it
/// costs nothing, and a page touched again is mapped again from the page cache.
#[allow(unsafe_code)]
fn release_pages(long_reads: &Mutex<Vec<Weak<memmap2::Mmap>>>) {
    let live: Vec<Arc<memmap2::Mmap>> = {
        let mut maps = long_reads.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        maps.retain(|m| m.strong_count() > 0);
        maps.iter().filter_map(Weak::upgrade).collect()
    };
    for map in live {
        // SAFETY: a shared, read-only map of a file that is never written in place (see
        // `WindowedFile::map`). MADV_DONTNEED only removes its pages from this process's page
        // tables; the next access maps the same page of the file's page cache again, so every
        // reader sees the same bytes before and after. No private (copy-on-write) page exists
        // to be lost, since nothing writes through the map.
        #[cfg(unix)]
        let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        #[cfg(not(unix))]
        let _ = map;
    }
}

/// A long read's map, shared with [`release_pages`].
struct SharedMap(Arc<memmap2::Mmap>);

impl std::ops::Deref for SharedMap {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0[..]
    }
}

// SAFETY: the bytes are the map's, at an address fixed for as long as the map lives, which
// the `Arc` extends to the last clone: moving a `SharedMap` never moves them.
#[allow(unsafe_code)]
unsafe impl stable_deref_trait::StableDeref for SharedMap {}

/// A segment file read through memory-mapped windows that are unmapped once no reader holds
/// their bytes.
///
/// The engine's folder maps each file whole and keeps the map while any part of it is in use.
/// Memory maps count in the process's resident memory for every page touched, so a merge that
/// reads a whole index (the end of a bulk run) showed the whole index in its peak RSS: 3.0 GB
/// of a 3.6 GB peak for a million articles. A merge reads each file front to back, so a window
/// of [`WINDOW`] bytes, replaced by the next one as the reads move on, holds the same pages a
/// moment at a time; reads that cross a window's end, or are longer than one, get a map of
/// their own for as long as they are held (the engine reads a segment's whole term dictionary
/// and document store in one piece when it copies them).
///
/// Searching keeps whole-file maps: windows cost a map per window and fresh page-table entries.
#[derive(Debug)]
pub(crate) struct WindowedFile {
    file: File,
    len: usize,
    /// Bytes per window ([`WINDOW`] but in tests).
    window_len: usize,
    /// The window last read from, kept until a read needs another one.
    window: Mutex<Option<(usize, OwnedBytes)>>,
    /// Where maps of reads longer than a window are registered.
    long_reads: LongReads,
}

/// Bytes per window. A merge has a window open in every file of every segment it reads (six
/// files a segment), and a bulk run merges while its indexing fills the writer's memory budget,
/// so the windows add to the run's peak: at ×4 with 8 MiB windows, up to 439 MiB against 350
/// without merges during the run; at ×8 (nine segments a merge) with 2 MiB windows, 483 MiB,
/// and with 512 KiB, 368. A merge then maps about 2,000 windows per gigabyte it reads, which costs
/// far less than holding the pages.
const WINDOW: usize = 512 << 10;

impl WindowedFile {
    fn open(path: &Path, long_reads: LongReads) -> Result<WindowedFile, OpenReadError> {
        let err = |e: io::Error| match e.kind() {
            io::ErrorKind::NotFound => OpenReadError::FileDoesNotExist(path.to_owned()),
            _ => OpenReadError::wrap_io_error(e, path.to_owned()),
        };
        let file = File::open(path).map_err(err)?;
        let len = file.metadata().map_err(err)?.len();
        let len = usize::try_from(len).map_err(|_| err(io::Error::other("file too large to map")))?;
        Ok(WindowedFile { file, len, window_len: WINDOW, window: Mutex::new(None), long_reads })
    }

    /// Maps `range` of the file, read-only.
    #[allow(unsafe_code)]
    fn map(&self, range: Range<usize>) -> io::Result<memmap2::Mmap> {
        // SAFETY: index files are written once, then only read or deleted, never changed in
        // place, and deleting a mapped file keeps its pages until the map is dropped. This is
        // the assumption the engine's own folder type makes for its whole-file maps.
        unsafe { memmap2::MmapOptions::new().offset(range.start as u64).len(range.len()).map(&self.file) }
    }

    /// Maps a read that a window doesn't hold; a long one is registered for [`release_pages`].
    fn map_read(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        let long = range.len() >= self.window_len;
        let map = self.map(range)?;
        if !long {
            return Ok(OwnedBytes::new(map));
        }
        let map = Arc::new(map);
        self.long_reads.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(Arc::downgrade(&map));
        Ok(OwnedBytes::new(SharedMap(map)))
    }
}

impl HasLen for WindowedFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for WindowedFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.start > range.end || range.end > self.len {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("read of bytes {range:?} in a file of {} bytes", self.len),
            ));
        }
        if range.is_empty() {
            return Ok(OwnedBytes::empty());
        }
        let index = range.start / self.window_len;
        let start = index * self.window_len;
        let end = (start + self.window_len).min(self.len);
        if range.end > end {
            return self.map_read(range);
        }
        let mut window = self.window.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let bytes = match &*window {
            Some((held, bytes)) if *held == index => bytes.clone(),
            _ => {
                let bytes = OwnedBytes::new(self.map(start..end)?);
                *window = Some((index, bytes.clone()));
                bytes
            }
        };
        Ok(bytes.slice(range.start - start..range.end - start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_what_the_file_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes: Vec<u8> = (0..40_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let mut file = WindowedFile::open(&path, LongReads::default()).unwrap();
        file.window_len = 4096;
        assert_eq!(file.len(), bytes.len());
        // Inside one window, across a window's end, longer than a window, the whole file, the
        // last byte, back to an earlier window, and nothing.
        for range in
            [10..20, 4000..4200, 100..20_000, 0..40_000, 39_999..40_000, 5..4096, 0..0, 40_000..40_000]
        {
            let read = file.read_bytes(range.clone()).unwrap();
            assert_eq!(read.as_slice(), &bytes[range.clone()], "{range:?}");
        }
        // Slices of a window outlive the window's replacement.
        let held = file.read_bytes(0..100).unwrap();
        file.read_bytes(20_000..20_100).unwrap();
        assert_eq!(held.as_slice(), &bytes[0..100]);
        // A long read's pages dropped from the process read the same afterwards, and its map
        // is forgotten once no one holds it.
        let long_reads = LongReads::default();
        let mut file = WindowedFile::open(&path, Arc::clone(&long_reads)).unwrap();
        file.window_len = 4096;
        let long = file.read_bytes(100..30_000).unwrap();
        assert_eq!(long_reads.lock().unwrap().len(), 1);
        release_pages(&long_reads);
        assert_eq!(long.as_slice(), &bytes[100..30_000]);
        drop(long);
        release_pages(&long_reads);
        assert!(long_reads.lock().unwrap().is_empty());
        // Past the end is an error, not a panic.
        assert!(file.read_bytes(39_990..40_001).is_err());
        let missing = WindowedFile::open(&dir.path().join("gone"), LongReads::default());
        assert!(matches!(missing, Err(OpenReadError::FileDoesNotExist(_))));
    }
}
