//! Verifying a whole index on request: every file of every segment against its checksum,
//! and every stored article read back, since a block of the document store can be unreadable
//! with a sound footer. What each kind of damage looks like is told in [`damage`](super::damage).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::index::Index;
use crate::index::damage::{CheckReport, Damage, META_FILE, inspect, open_engine};

impl Index {
    /// Verifies the index: its metadata parses, every file of every segment is present and
    /// matches its checksum, and every stored article can be read back. Reads the whole index,
    /// so it takes as long as reading it from disk.
    ///
    /// Damage is reported in the [`CheckReport`], not as an error; errors are for failing to
    /// look at all. To check a folder whose index does not even open, use
    /// [`Index::check_at`].
    pub fn check(&self) -> Result<CheckReport> {
        Ok(inspect(&self.inner, true))
    }

    /// Verifies the index in `dir` like [`Index::check`], also when it is too damaged to open.
    ///
    /// Fails with [`Error::NoIndex`] or [`Error::NotAnIndex`] when `dir` holds no newsearch
    /// index, as [`Index::open`] does.
    pub fn check_at(dir: impl AsRef<Path>) -> Result<CheckReport> {
        let dir = dir.as_ref();
        match crate::index::files::read_checked_marker(dir) {
            Ok(_) => {}
            Err(Error::Damaged { file: Some(file), reason, .. }) => {
                return Ok(CheckReport { damaged: vec![Damage { file, reason }], ..CheckReport::default() });
            }
            Err(e) => return Err(e),
        }
        if !dir.join(META_FILE).exists() {
            return Err(Error::NoIndex { path: dir.to_owned() });
        }
        match open_engine(dir) {
            Ok((engine, _)) => Ok(inspect(&engine, true)),
            Err(Error::Damaged { file, reason, .. }) => {
                let file = file.unwrap_or_else(|| PathBuf::from(META_FILE));
                Ok(CheckReport { damaged: vec![Damage { file, reason }], ..CheckReport::default() })
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Article, IndexOptions};

    fn filled(index: &Index) {
        let mut writer = index.writer().unwrap();
        for i in 0..3 {
            let mut a = Article::new(format!("a{i}"), format!("a{i}.txt"), format!("Story {i}"));
            a.body = format!("Body of story {i}.");
            writer.add(&a).unwrap();
        }
        writer.commit().unwrap();
    }

    #[test]
    fn a_sound_index_checks_whole() {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        filled(&index);
        let report = index.check().unwrap();
        assert!(report.is_sound(), "{report:?}");
        assert_eq!(report.articles, 3);
        // Indexing threads may each write a segment; every segment has six files.
        assert!(report.segments >= 1);
        assert_eq!(report.files, report.segments * 6);
    }

    #[test]
    fn a_cut_short_store_is_named_at_open_and_by_check_and_rebuild_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::create(dir.path(), &IndexOptions::new()).unwrap();
        filled(&index);
        drop(index);
        let store = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "store"))
            .unwrap();
        let file = std::fs::OpenOptions::new().write(true).open(&store).unwrap();
        file.set_len(file.metadata().unwrap().len() / 2).unwrap();
        let name = PathBuf::from(store.file_name().unwrap());

        match Index::open(dir.path()) {
            Err(Error::Damaged { path, file, .. }) => {
                assert_eq!((path.as_path(), file), (dir.path(), Some(name.clone())));
            }
            other => panic!("{other:?}"),
        }
        let report = Index::check_at(dir.path()).unwrap();
        assert_eq!(report.damaged.len(), 1, "{report:?}");
        assert_eq!(report.damaged[0].file, name);

        let rebuilt = Index::open_to_rebuild(dir.path(), &IndexOptions::new()).unwrap();
        assert!(rebuilt.is_empty().unwrap());
        assert!(rebuilt.check().unwrap().is_sound());
    }
}
