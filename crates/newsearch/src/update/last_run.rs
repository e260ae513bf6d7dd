//! The record of the last indexing run, kept beside the index.
//!
//! "When was this index last brought up to date, and what did that run skip?" is not
//! something the index's own columns can answer: skipped files never become documents.
//! So [`Index::update`] ends each run by writing what it did to [`LAST_RUN_FILE`] in the
//! index folder, atomically (a temporary file, then a rename), the way the index marker is
//! written. [`Index::stats`](crate::Index::stats) reads it back as a [`LastRun`]. Indexes
//! built with the writer API alone, or by a newsearch that did not keep the record yet,
//! simply have none.
//!
//! Folder walks never read the record as an article: it lives in the index folder, and
//! walks skip any folder holding the index marker.

use std::path::{Path, PathBuf};

use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

use crate::article::ArticleId;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::index::files::{LAST_RUN_FILE, write_atomically};
use crate::parse::walk::{SkipReason, Skipped};
use crate::update::{Collision, UpdateReport};

/// Version of the record's layout, written as its `format` key.
const FORMAT: u32 = 1;

/// What the last completed [`Index::update`] run did, as recorded in [`LAST_RUN_FILE`].
///
/// Serializes as `finished`, `rebuild`, the keys of its [`UpdateReport`], and `error`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LastRun {
    /// When the run finished, to the second.
    pub finished: DateTime<Utc>,
    /// Whether the run rebuilt the index from scratch.
    pub rebuild: bool,
    /// What the run returned; `elapsed` is kept to the microsecond. For a run that failed,
    /// what it had done until then.
    #[serde(flatten)]
    pub report: UpdateReport,
    /// Why the run stopped before completing, if it did (it then made no final commit; the
    /// index is as of its last commit).
    pub error: Option<String>,
}

impl LastRun {
    /// Paths the run saw: indexed (added, updated, unchanged) or skipped.
    pub fn files_seen(&self) -> usize {
        self.report.files_seen()
    }
}

/// `newsearch-last-run.json`, field by field.
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    format: u32,
    finished: DateTime<Utc>,
    elapsed_s: f64,
    rebuild: bool,
    added: usize,
    updated: usize,
    unchanged: usize,
    removed: usize,
    failed: usize,
    failed_records: usize,
    warnings: usize,
    skipped_unknown_extension: usize,
    skipped_symlinks: usize,
    #[serde(default)]
    skipped_special: usize,
    #[serde(default)]
    collisions: Vec<CollisionRecord>,
    articles_indexed: u64,
    articles_total: u64,
    skipped: Vec<SkippedRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CollisionRecord {
    id: String,
    kept: String,
    dropped: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct SkippedRecord {
    /// Shown lossily when it is not UTF-8 (JSON has no other way to hold it).
    path: String,
    /// `unknown_extension`, `symbolic_link`, `special_file`, `id_taken` or `failed`.
    kind: String,
    /// The reason as `newsearch index` prints it.
    reason: String,
    /// For `id_taken`: the id and the file holding it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    by: Option<String>,
}

impl SkippedRecord {
    fn new(s: &Skipped) -> SkippedRecord {
        let (mut id, mut by) = (None, None);
        let kind = match &s.reason {
            SkipReason::UnknownExtension => "unknown_extension",
            SkipReason::SymbolicLink => "symbolic_link",
            SkipReason::NotARegularFile(_) => "special_file",
            SkipReason::IdTaken { id: taken, by: holder } => {
                id = Some(taken.clone());
                by = Some(holder.to_string_lossy().into_owned());
                "id_taken"
            }
            _ => "failed",
        };
        SkippedRecord {
            path: s.path.to_string_lossy().into_owned(),
            kind: kind.to_owned(),
            reason: s.reason.to_string(),
            id,
            by,
        }
    }

    fn skipped(self) -> Skipped {
        let reason = match self.kind.as_str() {
            "unknown_extension" => SkipReason::UnknownExtension,
            "symbolic_link" => SkipReason::SymbolicLink,
            "special_file" => {
                let kind = self.reason.strip_suffix(", not a regular file").unwrap_or(&self.reason);
                SkipReason::NotARegularFile(kind.to_owned())
            }
            "id_taken" if self.id.is_some() && self.by.is_some() => SkipReason::IdTaken {
                id: self.id.unwrap_or_default(),
                by: PathBuf::from(self.by.unwrap_or_default()),
            },
            _ => SkipReason::Failed(self.reason),
        };
        Skipped { path: PathBuf::from(self.path), reason }
    }
}

impl Index {
    /// Records `report` as the last run; a no-op for an index in memory.
    pub(crate) fn record_run(
        &self,
        report: &UpdateReport,
        rebuild: bool,
        error: Option<&Error>,
    ) -> Result<()> {
        let Some(dir) = self.dir() else { return Ok(()) };
        let r = report;
        let record = Record {
            format: FORMAT,
            finished: Utc::now().trunc_subsecs(0),
            // Microseconds: readable, and the value survives the round trip.
            elapsed_s: r.elapsed.as_micros() as f64 / 1e6,
            rebuild,
            added: r.added,
            updated: r.updated,
            unchanged: r.unchanged,
            removed: r.removed,
            failed: r.failed,
            failed_records: r.failed_records,
            warnings: r.warnings,
            skipped_unknown_extension: r.skipped_unknown_extension,
            skipped_symlinks: r.skipped_symlinks,
            skipped_special: r.skipped_special,
            collisions: r
                .collisions
                .iter()
                .map(|c| CollisionRecord {
                    id: c.id.as_str().to_owned(),
                    kept: c.kept.to_string_lossy().into_owned(),
                    dropped: c.dropped.to_string_lossy().into_owned(),
                })
                .collect(),
            articles_indexed: r.articles_indexed,
            articles_total: r.articles_total,
            skipped: r.skipped.iter().map(SkippedRecord::new).collect(),
            error: error.map(ToString::to_string),
        };
        let mut bytes = serde_json::to_vec_pretty(&record).map_err(|e| Error::engine(Some(dir), e))?;
        bytes.push(b'\n');
        write_atomically(dir, LAST_RUN_FILE, &bytes)
    }

    /// The last recorded run, or `None` when there is no record (in memory, never updated
    /// with [`Index::update`], or built before runs were recorded).
    pub(crate) fn last_run(&self) -> Result<Option<LastRun>> {
        let Some(dir) = self.dir() else { return Ok(None) };
        read(&dir.join(LAST_RUN_FILE))
    }
}

fn read(path: &Path) -> Result<Option<LastRun>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let unreadable = |why: String, line: Option<usize>| {
        Error::malformed(
            path,
            line,
            format!("unreadable record of the last run: {why}; the next `newsearch index` run rewrites it"),
        )
    };
    let record: Record =
        serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string(), Some(e.line())))?;
    if record.format != FORMAT {
        return Err(unreadable(format!("format {} (this newsearch writes {FORMAT})", record.format), None));
    }
    let elapsed = std::time::Duration::try_from_secs_f64(record.elapsed_s)
        .map_err(|e| unreadable(format!("elapsed_s: {e}"), None))?;
    let report = UpdateReport {
        added: record.added,
        updated: record.updated,
        unchanged: record.unchanged,
        removed: record.removed,
        failed: record.failed,
        failed_records: record.failed_records,
        skipped_unknown_extension: record.skipped_unknown_extension,
        skipped_symlinks: record.skipped_symlinks,
        skipped_special: record.skipped_special,
        collisions: record
            .collisions
            .into_iter()
            .map(|c| Collision { id: ArticleId::new(c.id), kept: c.kept.into(), dropped: c.dropped.into() })
            .collect(),
        skipped: record.skipped.into_iter().map(SkippedRecord::skipped).collect(),
        articles_indexed: record.articles_indexed,
        articles_total: record.articles_total,
        warnings: record.warnings,
        elapsed,
    };
    Ok(Some(LastRun { finished: record.finished, rebuild: record.rebuild, report, error: record.error }))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::IndexOptions;

    #[test]
    fn a_recorded_run_reads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::create(dir.path(), &IndexOptions::new()).unwrap();
        assert_eq!(index.last_run().unwrap(), None, "no run yet");
        let report = UpdateReport {
            added: 3,
            unchanged: 1,
            failed: 1,
            skipped_unknown_extension: 1,
            skipped_symlinks: 1,
            skipped: vec![
                Skipped { path: "a/photo.jpg".into(), reason: SkipReason::UnknownExtension },
                Skipped { path: "a/link".into(), reason: SkipReason::SymbolicLink },
                Skipped {
                    path: "a/b.json".into(),
                    reason: SkipReason::Failed("line 1: malformed JSON".into()),
                },
            ],
            articles_indexed: 4,
            articles_total: 5,
            elapsed: Duration::from_micros(1_234_567),
            ..UpdateReport::default()
        };
        let before = Utc::now().trunc_subsecs(0);
        index.record_run(&report, true, None).unwrap();
        let run = index.last_run().unwrap().unwrap();
        assert_eq!(run.report, report);
        assert!(run.rebuild);
        assert!(run.finished >= before && run.finished <= Utc::now());
        assert_eq!(run.files_seen(), 7);
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(LAST_RUN_FILE)).unwrap()).unwrap();
        assert_eq!(json["skipped"][2]["reason"], "line 1: malformed JSON");
        assert_eq!(json["skipped"][0]["kind"], "unknown_extension");
    }

    #[test]
    fn a_damaged_record_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::create(dir.path(), &IndexOptions::new()).unwrap();
        std::fs::write(dir.path().join(LAST_RUN_FILE), "{\"format\": 1,").unwrap();
        let err = index.last_run().unwrap_err();
        assert!(err.to_string().contains("the next `newsearch index` run rewrites it"), "{err}");
    }
}
