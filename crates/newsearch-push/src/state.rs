//! The push state: what a target holds, as far as this archive knows, kept beside the index.
//!
//! One file per target in `INDEX/push/`, named after the target
//! ([`Target::state_name`]): the target index's UUID and, per article id, the fingerprint of
//! the version the cluster acknowledged. A push sends the articles whose fingerprint is not
//! recorded and deletes the recorded ids the archive no longer has; each acknowledgement
//! updates the record, which is written (atomically: a temporary file, then a rename) every
//! few seconds and at the end. A push that is interrupted therefore leaves a record of what
//! did arrive, and the next one sends the rest; re-sending is harmless because the article id
//! is the document's `_id`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::error::{PushError, Result};
use crate::target::Target;

/// Version of the file's layout; a file of another version is ignored (everything is sent).
const FORMAT: u32 = 1;

/// The folder of push states inside an index folder.
pub const STATE_DIR: &str = "push";

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    format: u32,
    target: String,
    /// The target index's UUID when the record was written.
    index_uuid: String,
    /// Article id → fingerprint (16 hex digits) of the version the target holds.
    articles: FxHashMap<String, String>,
}

/// What a target holds, per article id, and where that is recorded.
#[derive(Debug)]
pub(crate) struct PushState {
    /// The state file; `None` for an index in memory (nothing is recorded).
    path: Option<PathBuf>,
    target: String,
    pub(crate) index_uuid: Option<String>,
    pub(crate) articles: FxHashMap<String, u64>,
}

/// Why a recorded state was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fresh {
    /// There is a record and it applies.
    No,
    /// No push to this target was recorded.
    NeverPushed,
    /// The record could not be read or is of another version.
    Unreadable(String),
}

impl PushState {
    /// The state for `target` beside the index in `dir` (or none for an index in memory).
    pub(crate) fn load(dir: Option<&Path>, target: &Target) -> (PushState, Fresh) {
        let path = dir.map(|d| d.join(STATE_DIR).join(target.state_name()));
        let mut state = PushState {
            path: path.clone(),
            target: target.to_string(),
            index_uuid: None,
            articles: FxHashMap::default(),
        };
        let Some(path) = path else { return (state, Fresh::NeverPushed) };
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (state, Fresh::NeverPushed),
            Err(e) => return (state, Fresh::Unreadable(format!("{}: {e}", path.display()))),
        };
        let record: Record = match serde_json::from_slice(&bytes) {
            Ok(record) => record,
            Err(e) => return (state, Fresh::Unreadable(format!("{}: {e}", path.display()))),
        };
        if record.format != FORMAT {
            return (
                state,
                Fresh::Unreadable(format!("{}: format {} is not {FORMAT}", path.display(), record.format)),
            );
        }
        let mut articles = FxHashMap::default();
        articles.reserve(record.articles.len());
        for (id, hex) in record.articles {
            match u64::from_str_radix(&hex, 16) {
                Ok(hash) => articles.insert(id, hash),
                Err(_) => {
                    return (
                        state,
                        Fresh::Unreadable(format!("{}: {hex:?} is not a fingerprint", path.display())),
                    );
                }
            };
        }
        state.index_uuid = Some(record.index_uuid);
        state.articles = articles;
        (state, Fresh::No)
    }

    /// Forgets everything recorded (the target is new, or was recreated).
    pub(crate) fn clear(&mut self, index_uuid: String) {
        self.index_uuid = Some(index_uuid);
        self.articles.clear();
    }

    /// The file.
    #[cfg(test)]
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Writes the record, atomically. Nothing to do for an index in memory.
    pub(crate) fn save(&self) -> Result<()> {
        let Some(path) = &self.path else { return Ok(()) };
        let record = Record {
            format: FORMAT,
            target: self.target.clone(),
            index_uuid: self.index_uuid.clone().unwrap_or_default(),
            articles: self.articles.iter().map(|(id, hash)| (id.clone(), format!("{hash:016x}"))).collect(),
        };
        let io = |e| PushError::State { path: path.clone(), source: e };
        let dir = path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(io)?;
        let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("state")));
        let bytes = serde_json::to_vec(&record).map_err(|e| io(e.into()))?;
        let mut file = fs::File::create(&tmp).map_err(io)?;
        file.write_all(&bytes).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        fs::rename(&tmp, path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_state_loads_back_and_a_damaged_one_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let target: Target = "http://127.0.0.1:9200/news".parse().unwrap();
        let (mut state, fresh) = PushState::load(Some(dir.path()), &target);
        assert_eq!(fresh, Fresh::NeverPushed);
        state.clear("uuid-1".into());
        state.articles.insert("a.txt".into(), u64::MAX);
        state.articles.insert("b.txt".into(), 7);
        state.save().unwrap();

        let (loaded, fresh) = PushState::load(Some(dir.path()), &target);
        assert_eq!(fresh, Fresh::No);
        assert_eq!(loaded.index_uuid.as_deref(), Some("uuid-1"));
        assert_eq!(loaded.articles, state.articles);
        let names: Vec<_> =
            fs::read_dir(dir.path().join(STATE_DIR)).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");

        let other: Target = "http://127.0.0.1:9201/news".parse().unwrap();
        assert_eq!(PushState::load(Some(dir.path()), &other).1, Fresh::NeverPushed, "states are per target");

        fs::write(state.path().unwrap(), b"{\"format\":1,").unwrap();
        let (loaded, fresh) = PushState::load(Some(dir.path()), &target);
        assert!(matches!(fresh, Fresh::Unreadable(_)), "{fresh:?}");
        assert!(loaded.articles.is_empty());
    }
}
