//! What an index knows of its source files at the start of a run: each file's stamp, by a
//! 128-bit hash of its path (48 bytes a file in the table, where the paths themselves took
//! about 170 with their strings), and which of them the run's walk found. The paths of the
//! files it did not find are read back from the index's own list of paths, once.

use std::path::{Path, PathBuf};

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::Searcher;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::index::schema::{FileStamp, names};

pub(super) struct Manifest {
    known: FxHashMap<u128, Known>,
    /// Where the paths are listed: the index as the manifest read it.
    paths: Paths,
}

#[derive(Clone, Copy)]
struct Known {
    stamp: FileStamp,
    /// The run's walk found the file.
    walked: bool,
}

enum Paths {
    None,
    Index(Box<Searcher>, Option<PathBuf>),
    #[cfg(test)]
    List(Vec<String>),
}

/// A path as the manifest keys it (the text the index holds for it).
fn key(path: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(path)
}

impl Manifest {
    /// Nothing known (a rebuild).
    pub(super) fn empty() -> Manifest {
        Manifest { known: FxHashMap::default(), paths: Paths::None }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// The stamp of the file at `path` (as the index keys it), if the index holds it.
    pub(super) fn get(&self, path: &str) -> Option<FileStamp> {
        self.known.get(&key(path.as_bytes())).map(|k| k.stamp)
    }

    /// Notes `stamp` for `path` unless a newer one is there: a file partly re-indexed has
    /// articles with older stamps, and its newest is its own.
    fn note(&mut self, path_key: u128, stamp: FileStamp) {
        let entry = self.known.entry(path_key).or_insert(Known { stamp, walked: false });
        if entry.stamp.mtime <= stamp.mtime {
            entry.stamp = stamp;
        }
    }

    #[cfg(test)]
    pub(super) fn of_paths(paths: &[&str], stamp: FileStamp) -> Manifest {
        let mut m = Manifest { known: FxHashMap::default(), paths: Paths::List(Vec::new()) };
        for p in paths {
            m.note(key(p.as_bytes()), stamp);
        }
        m.paths = Paths::List(paths.iter().map(|p| (*p).to_owned()).collect());
        m
    }

    /// Indexed files under `roots` that `walked` does not name, except under `unsure` folders
    /// (that could not be read whole).
    pub(super) fn vanished(
        &mut self,
        walked: impl IntoIterator<Item = PathBuf>,
        roots: &[PathBuf],
        unsure: &[PathBuf],
    ) -> Result<Vec<String>> {
        if self.known.is_empty() {
            return Ok(Vec::new());
        }
        for path in walked {
            let hit = match path.to_str() {
                Some(p) => self.known.get_mut(&key(p.as_bytes())),
                None => self.known.get_mut(&key(path.to_string_lossy().as_bytes())),
            };
            if let Some(known) = hit {
                known.walked = true;
            }
        }
        let unwalked: FxHashSet<u128> =
            self.known.iter().filter(|(_, k)| !k.walked).map(|(&key, _)| key).collect();
        if unwalked.is_empty() {
            return Ok(Vec::new());
        }
        let mut named = FxHashSet::default();
        let mut out = Vec::new();
        self.each_path(&mut |path: &[u8]| {
            let k = key(path);
            if unwalked.contains(&k) && named.insert(k) {
                let path = String::from_utf8_lossy(path);
                let p = Path::new(path.as_ref());
                if roots.iter().any(|r| p.starts_with(r)) && !unsure.iter().any(|u| p.starts_with(u)) {
                    out.push(path.into_owned());
                }
            }
        })?;
        Ok(out)
    }

    /// Calls `f` with every path the index holds (some more than once when in several segments).
    fn each_path(&self, f: &mut dyn FnMut(&[u8])) -> Result<()> {
        match &self.paths {
            Paths::None => Ok(()),
            Paths::Index(searcher, dir) => {
                for segment in searcher.segment_readers() {
                    let dir = dir.as_deref();
                    let column = segment.fast_fields().str(names::PATH).map_err(|e| Error::engine(dir, e))?;
                    let Some(paths) = column else { continue };
                    let mut terms = paths.dictionary().stream().map_err(|e| Error::engine(dir, e))?;
                    while terms.advance() {
                        f(terms.key());
                    }
                }
                Ok(())
            }
            #[cfg(test)]
            Paths::List(list) => {
                list.iter().for_each(|p| f(p.as_bytes()));
                Ok(())
            }
        }
    }
}

impl Index {
    /// What the index knows of each source file.
    pub(super) fn manifest(&self) -> Result<Manifest> {
        self.refresh()?;
        let searcher = self.reader.searcher();
        let mut out = Manifest::empty();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let err = |e| self.error(e);
            let paths = fast.str(names::PATH).map_err(err)?;
            let (Some(paths), size, mtime, hash) = (
                paths,
                fast.u64(names::FILE_SIZE).map_err(err)?,
                fast.i64(names::FILE_MTIME).map_err(err)?,
                fast.u64(names::FILE_HASH).map_err(err)?,
            ) else {
                continue;
            };
            // The key of each path ordinal first, in one pass over the path dictionary
            // (looking ordinals up one by one decompresses a dictionary block per document),
            // then each document's stamp under its path's key.
            let files = paths.dictionary().num_terms();
            let mut keys: Vec<u128> = Vec::with_capacity(files);
            let mut terms = paths.dictionary().stream().map_err(|e| Error::engine(self.dir(), e))?;
            while terms.advance() {
                keys.push(key(terms.key()));
            }
            out.known.reserve(files);
            for doc in segment.doc_ids_alive() {
                let Some(ord) = paths.term_ords(doc).next() else { continue };
                let Some(&path_key) = usize::try_from(ord).ok().and_then(|o| keys.get(o)) else { continue };
                let stamp = FileStamp {
                    size: size.first(doc).unwrap_or(0),
                    mtime: mtime.first(doc).unwrap_or(0),
                    hash: hash.first(doc).unwrap_or(0),
                };
                out.note(path_key, stamp);
            }
        }
        out.paths = Paths::Index(Box::new(searcher), self.dir().map(Path::to_owned));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vanished_files_are_those_under_walked_roots_not_found_and_not_under_unreadable_folders() {
        let stamp = FileStamp { size: 1, mtime: 1, hash: 1 };
        let paths = ["/a/kept.txt", "/a/gone.txt", "/a/locked/x.txt", "/b/other.txt"];
        let walked = || [PathBuf::from("/a/kept.txt"), PathBuf::from("/a/new.txt")];
        let roots = [PathBuf::from("/a")];
        let unsure = [PathBuf::from("/a/locked")];
        // `/b` was not walked this run: its files stay.
        let mut manifest = Manifest::of_paths(&paths, stamp);
        assert_eq!(manifest.vanished(walked(), &roots, &unsure).unwrap(), ["/a/gone.txt"]);
        let mut gone = Manifest::of_paths(&paths, stamp).vanished(walked(), &roots, &[]).unwrap();
        gone.sort();
        assert_eq!(gone, ["/a/gone.txt", "/a/locked/x.txt"]);
        assert!(Manifest::empty().vanished(walked(), &roots, &[]).unwrap().is_empty());
        assert_eq!(manifest.get("/a/kept.txt"), Some(stamp));
        assert_eq!(manifest.get("/a/new.txt"), None);
    }

    #[test]
    fn a_file_partly_re_indexed_has_its_newest_stamp() {
        let mut manifest = Manifest::empty();
        let k = key(b"/a/x.jsonl");
        manifest.note(k, FileStamp { size: 2, mtime: 20, hash: 2 });
        manifest.note(k, FileStamp { size: 1, mtime: 10, hash: 1 });
        assert_eq!(manifest.get("/a/x.jsonl"), Some(FileStamp { size: 2, mtime: 20, hash: 2 }));
        manifest.note(k, FileStamp { size: 3, mtime: 30, hash: 3 });
        assert_eq!(manifest.get("/a/x.jsonl").map(|s| s.hash), Some(3));
    }
}
