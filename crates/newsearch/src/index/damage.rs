//! Damaged indexes: telling which file is wrong.
//!
//! A disk error, a copy cut short or an editor that saved over a file leaves an index the
//! engine can't read, and its errors name neither the index nor what to do ("Please use
//! tantivy 0.15 or above…" is what a garbled file footer looks like). Every engine error that
//! means damage becomes [`Error::Damaged`], naming the file where it can be told: from the
//! error itself, else by looking (the metadata files parse, each segment file is there and its
//! checksum matches). [`Index::check`](crate::Index::check) does the full look on purpose.

use std::path::{Path, PathBuf};

use tantivy::TantivyError;
use tantivy::directory::Directory;
use tantivy::directory::error::OpenReadError;
use tantivy::index::SegmentComponent;
use tantivy::{DocAddress, ReloadPolicy, TantivyDocument};

use crate::error::{Error, Result};
use crate::index::directory::{IndexDirectory, ReadMode};

/// One damaged file of an index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Damage {
    /// The file, relative to the index folder.
    #[serde(serialize_with = "crate::article::path_as_string::serialize")]
    pub file: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

/// What [`Index::check`](crate::Index::check) found.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct CheckReport {
    /// Segments listed by the last commit.
    pub segments: usize,
    /// Segment files verified (checksum over their whole contents).
    pub files: usize,
    /// Their size in bytes.
    pub bytes: u64,
    /// Stored articles read back.
    pub articles: u64,
    /// Every damaged file found; empty when the index is sound.
    pub damaged: Vec<Damage>,
}

impl CheckReport {
    /// True when nothing is damaged.
    pub fn is_sound(&self) -> bool {
        self.damaged.is_empty()
    }
}

/// The engine's metadata file, which lists the segments of the last commit.
pub(crate) const META_FILE: &str = "meta.json";
/// The engine's list of the files it manages (for garbage collection).
const MANAGED_FILE: &str = ".managed.json";

/// A segment's files, as the engine names them.
pub(crate) const COMPONENTS: [SegmentComponent; 6] = [
    SegmentComponent::Postings,
    SegmentComponent::Positions,
    SegmentComponent::Terms,
    SegmentComponent::FieldNorms,
    SegmentComponent::FastFields,
    SegmentComponent::Store,
];

/// Opens the engine's index in `dir` through [`IndexDirectory`], telling damage apart.
pub(crate) fn open_engine(dir: &Path) -> Result<(tantivy::Index, ReadMode)> {
    let directory = IndexDirectory::open(dir).map_err(|e| Error::engine(Some(dir), e))?;
    let reads = directory.read_mode();
    let index = tantivy::Index::open(directory).map_err(|e| classify(Some(dir), None, e))?;
    Ok((index, reads))
}

/// An engine error as newsearch reports it: [`Error::Damaged`] when it means a damaged file
/// (naming the file when it can be told), else [`Error::Index`].
pub(crate) fn classify(dir: Option<&Path>, engine: Option<&tantivy::Index>, e: TantivyError) -> Error {
    let Some(dir) = dir else {
        // An index in memory can't be damaged on disk: whatever failed is the engine's.
        return Error::engine(None, e);
    };
    let damaged =
        |file: Option<PathBuf>, reason: String| Error::Damaged { path: dir.to_owned(), file, reason };
    let named = match &e {
        TantivyError::OpenReadError(OpenReadError::FileDoesNotExist(file)) => {
            Some((file.clone(), "missing".to_owned()))
        }
        TantivyError::OpenReadError(OpenReadError::IoError { io_error, filepath })
            if is_damage(io_error.kind()) =>
        {
            Some((filepath.clone(), footer_reason(io_error)))
        }
        _ => None,
    };
    if let Some((file, reason)) = named {
        return damaged(Some(relative(dir, &file)), reason);
    }
    let means_damage = match &e {
        TantivyError::DataCorruption(_)
        | TantivyError::IncompatibleIndex(_)
        | TantivyError::DeserializeError(_)
        | TantivyError::OpenReadError(OpenReadError::IncompatibleIndex(_)) => true,
        TantivyError::IoError(io) => is_damage(io.kind()),
        _ => false,
    };
    if !means_damage {
        return Error::engine(Some(dir), e);
    }
    // The engine did not say which file: look, cheapest first.
    let found = metadata_damage(dir).or_else(|| {
        let opened;
        let engine = match engine {
            Some(engine) => engine,
            None => {
                opened = tantivy::Index::open(IndexDirectory::open(dir).ok()?).ok()?;
                &opened
            }
        };
        inspect(engine, false).damaged.into_iter().next()
    });
    match found {
        Some(d) => damaged(Some(d.file), d.reason),
        None => damaged(None, plain_reason(&e)),
    }
}

/// I/O errors that mean a file's contents are wrong, as opposed to the disk failing or
/// refusing access.
fn is_damage(kind: std::io::ErrorKind) -> bool {
    matches!(kind, std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof)
}

/// Every segment file ends with a footer (length, checksum, engine version): when it can't be
/// read, the file was cut short or overwritten.
fn footer_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "cut short: shorter than its footer".to_owned(),
        _ => "cut short or overwritten: its footer is unreadable".to_owned(),
    }
}

/// The engine's message without its advice about engine versions, which does not apply.
fn plain_reason(e: &TantivyError) -> String {
    let text = e.to_string();
    if text.contains("Please use tantivy") {
        "a file's footer is unreadable (cut short or overwritten)".to_owned()
    } else {
        text
    }
}

/// The name of an index file as the engine reported it (sometimes absolute, through the
/// resolved folder): the index folder is flat, so its name within the folder.
fn relative(dir: &Path, file: &Path) -> PathBuf {
    match file.strip_prefix(dir) {
        Ok(rel) => rel.to_owned(),
        Err(_) => file.file_name().map_or_else(|| file.to_owned(), PathBuf::from),
    }
}

/// `meta.json` or `.managed.json` not being JSON.
fn metadata_damage(dir: &Path) -> Option<Damage> {
    for name in [META_FILE, MANAGED_FILE] {
        let Ok(bytes) = std::fs::read(dir.join(name)) else { continue };
        if let Err(e) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            return Some(Damage { file: name.into(), reason: format!("not valid JSON ({e})") });
        }
    }
    None
}

/// Verifies every segment file of the last commit; with `read_docs`, also reads every stored
/// document of the segments whose files are sound.
pub(crate) fn inspect(engine: &tantivy::Index, read_docs: bool) -> CheckReport {
    let mut report = CheckReport::default();
    let metas = match engine.load_metas() {
        Ok(metas) => metas,
        Err(e) => {
            let reason = format!("can't be read as index metadata ({})", plain_reason(&e));
            report.damaged.push(Damage { file: META_FILE.into(), reason });
            return report;
        }
    };
    report.segments = metas.segments.len();
    let directory = engine.directory();
    for segment in &metas.segments {
        let mut files: Vec<PathBuf> = COMPONENTS.iter().map(|c| segment.relative_path(c.clone())).collect();
        if segment.has_deletes() {
            files.push(segment.relative_path(SegmentComponent::Delete));
        }
        for file in files {
            let problem = match directory.validate_checksum(&file) {
                Ok(true) => None,
                Ok(false) => {
                    Some("checksum mismatch: its contents changed after they were written".to_owned())
                }
                Err(OpenReadError::FileDoesNotExist(_)) => Some("missing".to_owned()),
                Err(OpenReadError::IoError { io_error, .. }) if is_damage(io_error.kind()) => {
                    Some(footer_reason(&io_error))
                }
                Err(e) => Some(e.to_string()),
            };
            match problem {
                Some(reason) => report.damaged.push(Damage { file, reason }),
                None => {
                    report.files += 1;
                    report.bytes += directory.open_read(&file).map_or(0, |f| f.num_bytes().get_bytes());
                }
            }
        }
    }
    if read_docs && report.damaged.is_empty() {
        read_every_document(engine, &mut report);
    }
    report
}

/// Reads back every alive stored document, reporting the first unreadable one per segment.
fn read_every_document(engine: &tantivy::Index, report: &mut CheckReport) {
    let reader = match engine.reader_builder().reload_policy(ReloadPolicy::Manual).try_into() {
        Ok(reader) => reader,
        Err(e) => {
            report.damaged.push(Damage { file: META_FILE.into(), reason: plain_reason(&e) });
            return;
        }
    };
    let searcher = reader.searcher();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let Ok(ord) = u32::try_from(ord) else { break };
        for doc in 0..segment.max_doc() {
            if segment.is_deleted(doc) {
                continue;
            }
            match searcher.doc::<TantivyDocument>(DocAddress::new(ord, doc)) {
                Ok(_) => report.articles += 1,
                Err(e) => {
                    let file = segment.segment_id().uuid_string() + ".store";
                    let reason = format!("stored article {doc} can't be read ({})", plain_reason(&e));
                    report.damaged.push(Damage { file: file.into(), reason });
                    break;
                }
            }
        }
    }
}
