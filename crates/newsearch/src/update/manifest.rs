//! What an index knows of its source files at the start of a run: each file's stamp, by a
//! 128-bit hash of its path, in one sorted array (40 bytes a file; a hash table of the paths
//! took about 170 with their strings, and a table of the hashes about 100 with its free slots
//! and twice that while it grew), and which of them the run's walk found (a bit each). The
//! paths of the files it did not find are read back from the index's own list of paths, once.

use std::path::{Path, PathBuf};

use rustc_hash::FxHashSet;
use tantivy::Searcher;

use crate::error::{Error, Result};
use crate::index::Index;
use crate::index::schema::{FileStamp, names};

pub(super) struct Manifest {
    /// One stamp per path key, sorted by key.
    known: Vec<(u128, FileStamp)>,
    /// For each key's top [`Manifest::bits`] bits, where its keys start in `known` (and the
    /// end last): a look-up searches a handful of neighbours.
    starts: Vec<u32>,
    bits: u32,
    /// One bit per entry of `known`: the run's walk found the file.
    walked: Vec<u64>,
    /// Where the paths are listed: the index as the manifest read it.
    paths: Paths,
}

enum Paths {
    None,
    Index(Box<Searcher>, Option<PathBuf>),
    #[cfg(test)]
    List(Vec<String>),
}

/// The top `bits` bits of `k`.
fn bucket(k: u128, bits: u32) -> u128 {
    k.checked_shr(128 - bits).unwrap_or(0)
}

/// A path as the manifest keys it (the text the index holds for it).
fn key(path: &[u8]) -> u128 {
    xxhash_rust::xxh3::xxh3_128(path)
}

impl Manifest {
    /// Nothing known (a rebuild).
    pub(super) fn empty() -> Manifest {
        Manifest { known: Vec::new(), starts: Vec::new(), bits: 0, walked: Vec::new(), paths: Paths::None }
    }

    /// From stamps by key, in any order and with repeats: the newest stamp of a key is kept (a
    /// file partly re-indexed has articles with older stamps, and its newest is its own).
    fn of(mut known: Vec<(u128, FileStamp)>, paths: Paths) -> Manifest {
        known.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.mtime.cmp(&a.1.mtime)));
        known.dedup_by_key(|e| e.0);
        known.shrink_to_fit();
        // About four keys a bucket (at most 2^24 buckets, 64 MB of starts for 67 million files).
        let bits = (known.len() / 4).max(1).ilog2().min(24);
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        let mut at = 0;
        for bucket in 0..=(1u128 << bits) {
            while at < known.len() && self::bucket(known[at].0, bits) < bucket {
                at += 1;
            }
            starts.push(u32::try_from(at).unwrap_or(u32::MAX));
        }
        let walked = vec![0; known.len().div_ceil(64)];
        Manifest { known, starts, bits, walked, paths }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    fn find(&self, k: u128) -> Option<usize> {
        if self.known.is_empty() {
            return None;
        }
        let bucket = bucket(k, self.bits) as usize;
        let (from, to) = (self.starts[bucket] as usize, self.starts[bucket + 1] as usize);
        self.known[from..to].binary_search_by_key(&k, |e| e.0).ok().map(|i| from + i)
    }

    /// The stamp of the file at `path` (as the index keys it), if the index holds it.
    pub(super) fn get(&self, path: &str) -> Option<FileStamp> {
        self.find(key(path.as_bytes())).map(|i| self.known[i].1)
    }

    #[cfg(test)]
    pub(super) fn of_paths(paths: &[&str], stamp: FileStamp) -> Manifest {
        let known = paths.iter().map(|p| (key(p.as_bytes()), stamp)).collect();
        Manifest::of(known, Paths::List(paths.iter().map(|p| (*p).to_owned()).collect()))
    }

    /// Indexed files under `roots` that `walked` does not name, except under `unsure` folders
    /// (that could not be read whole). Lets go of the index it read the paths from: a searcher
    /// kept through the run would keep the segments merged away at its end on disk.
    pub(super) fn vanished(
        &mut self,
        walked: impl IntoIterator<Item = PathBuf>,
        roots: &[PathBuf],
        unsure: &[PathBuf],
    ) -> Result<Vec<String>> {
        let paths = std::mem::replace(&mut self.paths, Paths::None);
        if self.known.is_empty() {
            return Ok(Vec::new());
        }
        for path in walked {
            let hit = match path.to_str() {
                Some(p) => self.find(key(p.as_bytes())),
                None => self.find(key(path.to_string_lossy().as_bytes())),
            };
            if let Some(i) = hit {
                self.walked[i / 64] |= 1 << (i % 64);
            }
        }
        let unwalked = |i: usize| self.walked[i / 64] & (1 << (i % 64)) == 0;
        if !(0..self.known.len()).any(unwalked) {
            return Ok(Vec::new());
        }
        let mut named = FxHashSet::default();
        let mut out = Vec::new();
        each_path(&paths, &mut |path: &[u8]| {
            let k = key(path);
            if self.find(k).is_some_and(unwalked) && named.insert(k) {
                let path = String::from_utf8_lossy(path);
                let p = Path::new(path.as_ref());
                if roots.iter().any(|r| p.starts_with(r)) && !unsure.iter().any(|u| p.starts_with(u)) {
                    out.push(path.into_owned());
                }
            }
        })?;
        Ok(out)
    }
}

/// Calls `f` with every path the index holds (some more than once when in several segments).
fn each_path(paths: &Paths, f: &mut dyn FnMut(&[u8])) -> Result<()> {
    match paths {
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

impl Index {
    /// What the index knows of each source file.
    pub(super) fn manifest(&self) -> Result<Manifest> {
        self.refresh()?;
        let searcher = self.reader.searcher();
        let mut known = Vec::new();
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
            let mut stamps: Vec<Option<FileStamp>> = vec![None; files];
            for doc in segment.doc_ids_alive() {
                let Some(ord) = paths.term_ords(doc).next() else { continue };
                let Some(had) = usize::try_from(ord).ok().and_then(|o| stamps.get_mut(o)) else { continue };
                let stamp = FileStamp {
                    size: size.first(doc).unwrap_or(0),
                    mtime: mtime.first(doc).unwrap_or(0),
                    hash: hash.first(doc).unwrap_or(0),
                };
                // A file partly re-indexed has articles with older stamps: its newest is its own.
                if had.is_none_or(|h| h.mtime <= stamp.mtime) {
                    *had = Some(stamp);
                }
            }
            known.extend(keys.into_iter().zip(stamps).filter_map(|(k, stamp)| Some((k, stamp?))));
        }
        let paths = Paths::Index(Box::new(searcher), self.dir().map(Path::to_owned));
        Ok(Manifest::of(known, paths))
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
        // The index the paths came from is let go (a searcher kept through the run would keep
        // the segments merged away at its end on disk).
        assert!(matches!(manifest.paths, Paths::None));
        let mut gone = Manifest::of_paths(&paths, stamp).vanished(walked(), &roots, &[]).unwrap();
        gone.sort();
        assert_eq!(gone, ["/a/gone.txt", "/a/locked/x.txt"]);
        assert!(Manifest::empty().vanished(walked(), &roots, &[]).unwrap().is_empty());
        assert_eq!(manifest.get("/a/kept.txt"), Some(stamp));
        assert_eq!(manifest.get("/a/new.txt"), None);
    }

    #[test]
    fn a_file_partly_re_indexed_has_its_newest_stamp() {
        let k = key(b"/a/x.jsonl");
        let stamp = |n: u64| FileStamp { size: n, mtime: n as i64 * 10, hash: n };
        let manifest =
            Manifest::of(vec![(k, stamp(2)), (k, stamp(1)), (k, stamp(3)), (k, stamp(2))], Paths::None);
        assert_eq!(manifest.get("/a/x.jsonl"), Some(stamp(3)));
        assert_eq!(manifest.known.len(), 1);
    }

    #[test]
    fn every_key_is_found_whatever_the_size() {
        for n in [0usize, 1, 3, 7, 8, 9, 100, 5_000] {
            let paths: Vec<String> = (0..n).map(|i| format!("/f/{i}.txt")).collect();
            let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
            let manifest = Manifest::of_paths(&refs, FileStamp::default());
            assert!(paths.iter().all(|p| manifest.get(p).is_some()), "{n}");
            assert!((n..n + 100).all(|i| manifest.get(&format!("/f/{i}.txt")).is_none()), "{n}");
        }
    }
}
