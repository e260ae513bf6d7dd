//! The files newsearch keeps in an index folder beside the engine's, each replaced atomically
//! (a crash leaves the old file or the new one, never half): the marker that makes a folder an
//! index ([`INDEX_MARKER_FILE`]: schema version, stemming, the folders indexed and the run in
//! progress), the last run's report ([`LAST_RUN_FILE`]) and the files left partly indexed
//! ([`PARTIAL_FILE`]).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analyzer::Stemming;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::index::schema::SCHEMA_VERSION;

/// The file an index folder is recognised by, so walking never indexes an index.
pub const INDEX_MARKER_FILE: &str = "newsearch-index.json";

/// The file in an index folder that records the last completed [`Index::update`] run.
pub const LAST_RUN_FILE: &str = "newsearch-last-run.json";

/// The file beside the index listing files with records left out for ids other files held.
///
/// Such a file is otherwise indexed and unchanged, so nothing would read it again when the
/// holder of such an id goes away; listed here, it is read again by every run until all its
/// records are in. Written before each commit as a superset (a killed run can only list too
/// much, which costs a re-read) and exactly after the last one.
pub(crate) const PARTIAL_FILE: &str = "newsearch-collisions.json";

/// What `newsearch-index.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Marker {
    pub(crate) schema_version: serde_json::Value,
    pub(crate) stemming: String,
    #[serde(default)]
    pub(crate) roots: Vec<PathBuf>,
    /// The run in progress or last begun, written before its first article so that a bare
    /// `newsearch index` after a killed run finishes the same job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) run: Option<RecordedRun>,
}

/// What a run was asked to do, as far as a later bare run needs to repeat it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RecordedRun {
    /// A rebuild that has not completed: the next bare run rebuilds too.
    #[serde(default)]
    pub(crate) rebuild_pending: bool,
    /// `--format`, when one was forced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) format: Option<String>,
    #[serde(default)]
    pub(crate) follow_symlinks: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_file_size: Option<u64>,
}

impl Index {
    /// Records a run's roots and options before it writes anything. A rebuild that names
    /// paths replaces the roots (what it does not name leaves the index); other runs add
    /// theirs. A root inside another is not recorded: walking the outer one covers it.
    pub(crate) fn begin_run(&self, roots: &[PathBuf], replace_roots: bool, run: RecordedRun) -> Result<()> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let mut marker = read_marker(dir)?;
        if replace_roots {
            marker.roots.clear();
        }
        marker.roots.extend(roots.iter().cloned());
        marker.roots = outermost(marker.roots);
        marker.run = Some(run);
        write_marker(dir, &marker)
    }

    /// Marks the run recorded by [`Index::begin_run`] as completed.
    pub(crate) fn end_run(&self) -> Result<()> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let mut marker = read_marker(dir)?;
        match &mut marker.run {
            Some(run) if run.rebuild_pending => run.rebuild_pending = false,
            _ => return Ok(()),
        }
        write_marker(dir, &marker)
    }

    /// The recorded roots and the run recorded last, from one read of the marker.
    pub(crate) fn recorded(&self) -> Result<(Vec<PathBuf>, Option<RecordedRun>)> {
        match &self.dir {
            Some(dir) => read_marker(dir).map(|m| (m.roots, m.run)),
            None => Ok((Vec::new(), None)),
        }
    }
}

/// `paths` sorted, without duplicates and without any path inside another one.
pub(crate) fn outermost(mut paths: Vec<PathBuf>) -> Vec<PathBuf> {
    paths.sort();
    paths.dedup();
    // Sorted component by component, a path's ancestors come before it and its descendants
    // right after it: only the last path kept can hold the next one (linear, not quadratic:
    // a watch batch can name a hundred thousand files).
    let mut out: Vec<PathBuf> = Vec::with_capacity(paths.len());
    for p in paths {
        if out.last().is_none_or(|o| !p.starts_with(o)) {
            out.push(p);
        }
    }
    out
}

/// The marker, checked against this build: the index's stemming.
pub(crate) fn read_checked_marker(dir: &Path) -> Result<Stemming> {
    check_marker(dir, &read_marker(dir)?)
}

pub(crate) fn read_marker(dir: &Path) -> Result<Marker> {
    let path = dir.join(INDEX_MARKER_FILE);
    match fs::read(&path) {
        // A marker that is there but unreadable still says the folder is an index: a damaged
        // one, which `--rebuild` may replace.
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Damaged {
            path: dir.to_owned(),
            file: Some(INDEX_MARKER_FILE.into()),
            reason: format!("not a valid index marker ({e})"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // A creation killed while writing the marker leaves only its temporary file: that
            // folder is ours and empty, not someone else's (the cause of a rare "index does not
            // open" after a kill in the reliability test, and of every later run refusing).
            let is_empty_or_missing = fs::read_dir(dir)
                .map(|mut d| d.all(|e| e.is_ok_and(|e| is_temporary(&e.file_name().to_string_lossy()))))
                .unwrap_or(true);
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

pub(crate) fn check_marker(dir: &Path, marker: &Marker) -> Result<Stemming> {
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
pub(crate) fn write_marker(dir: &Path, marker: &Marker) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(marker).map_err(|e| Error::engine(Some(dir), e))?;
    bytes.push(b'\n');
    write_atomically(dir, INDEX_MARKER_FILE, &bytes)
}

/// Replaces `dir/name` with `bytes` through a hidden temporary file and a rename, so a crash
/// leaves the old file or the new one, never half of one.
pub(crate) fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let path = dir.join(name);
    let tmp = dir.join(temporary_name(name));
    fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}

/// The temporary file [`write_atomically`] writes `name` through.
pub(crate) fn temporary_name(name: &str) -> String {
    format!(".{name}.tmp")
}

/// True for the temporary files of [`write_atomically`].
fn is_temporary(file_name: &str) -> bool {
    [INDEX_MARKER_FILE, LAST_RUN_FILE, PARTIAL_FILE].iter().any(|name| file_name == temporary_name(name))
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
    fn outermost_roots_are_sorted_without_duplicates_or_nested_ones() {
        let paths = ["/n/b", "/n/a/x", "/n/a", "/n/b", "/n/ab"].map(PathBuf::from).to_vec();
        assert_eq!(outermost(paths), ["/n/a", "/n/ab", "/n/b"].map(PathBuf::from));
    }

    #[test]
    fn only_our_own_temporary_files_count_as_temporary() {
        assert!(is_temporary(&temporary_name(INDEX_MARKER_FILE)));
        assert!(is_temporary(&temporary_name(PARTIAL_FILE)));
        assert!(!is_temporary(INDEX_MARKER_FILE));
        assert!(!is_temporary(".notes.txt.tmp"));
    }

    #[test]
    fn not_an_index_names_the_marker_it_looked_for() {
        let e = Error::NotAnIndex { path: "photos".into() };
        assert_eq!(e.to_string(), format!("photos is not a newsearch index (no {INDEX_MARKER_FILE})"));
    }
}
