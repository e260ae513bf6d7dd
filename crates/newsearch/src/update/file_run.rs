//! One file into the index: what to do with it ([`consider`]: unchanged by stamp or hash,
//! parsed anew, read again for records left out, or streamed), and doing it ([`FileRun`]):
//! articles that did not change stay, changed ones are written, gone ones deleted.

use crate::article::Article;
use crate::error::{Error, Result};
use crate::index::schema::FileStamp;
use crate::parse::stream::{Layout, RecordStream, hash_file, layout_of};
use crate::parse::walk::{SkipReason, Skipped};
use crate::parse::{ParseOptions, Parsed, SourceFile, parse_bytes, read_limited};
use crate::update::claims::{Claim, IdClaims};
use crate::update::manifest::Manifest;
use crate::update::writer::IndexWriter;
use crate::update::{Collision, Reporter, UpdateEvent};
use rustc_hash::FxHashSet;
use std::sync::Arc;
use std::time::UNIX_EPOCH;

pub(super) enum Outcome {
    Unchanged,
    Changed {
        stamp: FileStamp,
        parsed: Parsed,
        existed: bool,
    },
    /// Unchanged, but some of its records were left out for ids other files held: read again
    /// so that a record whose id was freed since gets in.
    Recheck {
        parsed: Parsed,
        stamp: FileStamp,
    },
    /// An export too big to read whole (JSON Lines, or a JSON array): indexed as a stream of
    /// records (`recheck` as for [`Outcome::Recheck`]).
    Stream {
        layout: Layout,
        stamp: FileStamp,
        existed: bool,
        recheck: bool,
    },
    Failed(Error),
}

/// A file's articles, whole or as a stream of batches.
pub(super) enum Batches<'a> {
    Whole(Option<Parsed>),
    Stream(RecordStream<'a>),
}

impl Batches<'_> {
    fn next(&mut self) -> Result<Option<Parsed>> {
        match self {
            Batches::Whole(parsed) => Ok(parsed.take()),
            Batches::Stream(stream) => stream.next_batch(),
        }
    }
}

/// How one file's articles go into the index.
pub(super) struct FileRun {
    pub(super) stamp: FileStamp,
    /// The index held articles of this file before the run.
    pub(super) existed: bool,
    /// The file is unchanged and read again only for records left out before.
    pub(super) recheck: bool,
}

impl FileRun {
    /// Replaces the file's articles that changed (or, rechecking, adds those left out before)
    /// batch by batch, reports problems and collisions, and counts the file. Returns the
    /// articles added.
    pub(super) fn index(
        &self,
        writer: &mut IndexWriter,
        ids: &mut IdClaims<'_>,
        mut batches: Batches<'_>,
        file: &SourceFile,
        key: &Arc<str>,
        out: &mut Reporter<'_>,
    ) -> Result<usize> {
        // A changed file that was indexed before: its articles that are the same as before
        // (by content hash) stay as they are, the others are added, and those no longer in
        // the file deleted at the end. One edited line of a big export writes one article.
        let mut before = if self.existed && !self.recheck { Some(ids.content_hashes(key)?) } else { None };
        let mut kept: Option<Article> = None;
        // With `before`: the content hashes of the articles this run writes for the file.
        let mut written: Vec<u64> = Vec::new();
        let mut added = 0usize;
        let mut lost: Option<Collision> = None;
        loop {
            out.check_cancelled()?;
            let mut batch = match batches.next() {
                Ok(Some(batch)) => batch,
                Ok(None) => break,
                // A stream that breaks off: what it added goes again (its stamp would say the
                // file is indexed whole), and the file is reported as failed. A file indexed
                // before keeps its articles as they were: nothing of theirs was deleted yet.
                Err(e) => {
                    match &before {
                        Some(_) => written.iter().for_each(|&hash| writer.delete_content(hash)),
                        None => writer.delete_path(key),
                    }
                    writer.forget_added(added as u64);
                    out.report.articles_indexed -= added as u64;
                    out.failed(&file.path, &e);
                    return Ok(0);
                }
            };
            if let Some(before) = &mut before {
                let (same, changed): (Vec<_>, Vec<_>) = std::mem::take(&mut batch.articles)
                    .into_iter()
                    .map(|a| (crate::index::schema::content_hash(&a), a))
                    .partition(|(hash, _)| before.contains(hash));
                written.extend(changed.iter().map(|(hash, _)| *hash));
                batch.articles = changed.into_iter().map(|(_, a)| a).collect();
                for (hash, article) in same {
                    match ids.claim(&article.id, key, true)? {
                        Claim::Held => {
                            before.remove(&hash);
                            kept.get_or_insert(article);
                        }
                        // An earlier file or record claimed the id this run: the article is
                        // deleted with those gone from the file.
                        Claim::Loses { to } => {
                            let c =
                                Collision { id: article.id.clone(), kept: to, dropped: file.path.clone() };
                            (out.on_event)(UpdateEvent::Collision(&c));
                            lost.get_or_insert_with(|| c.clone());
                            out.report.collisions.push(c);
                        }
                        // Not held by its own article after all (not expected): written again.
                        Claim::Free | Claim::Wins { .. } => {
                            before.remove(&hash);
                            written.push(hash);
                            writer.add_with(&article, self.stamp, true)?;
                            added += 1;
                            out.report.articles_indexed += 1;
                        }
                    }
                }
            }
            let placed = ids.place(writer, &batch.articles, self.stamp, key, &file.path, self.recheck)?;
            placed.collisions.iter().for_each(|c| (out.on_event)(UpdateEvent::Collision(c)));
            if lost.is_none() {
                lost = placed.collisions.iter().find(|c| c.dropped == file.path).cloned();
            }
            out.report.collisions.extend(placed.collisions);
            added += placed.added;
            out.report.articles_indexed += placed.added as u64;
            // An unchanged file read again has had its problems reported before.
            if !self.recheck {
                out.report.failed_records += batch.errors.len();
                out.report.warnings += batch.warnings.len();
                batch.errors.iter().for_each(|e| (out.on_event)(UpdateEvent::Error(e)));
                batch.warnings.iter().for_each(|w| (out.on_event)(UpdateEvent::Warning(w)));
            }
        }
        if let Some(before) = before {
            for gone in before {
                writer.delete_content(gone);
            }
            // The index knows a file's state by the stamp its articles carry (the newest one):
            // with nothing else written, one unchanged article carries the new stamp.
            if let Some(article) = kept.filter(|_| added == 0) {
                writer.add_with(&article, self.stamp, true)?;
            }
            // Every id the file still holds is claimed by now: the others are free for the
            // files after it.
            ids.release(key);
        }
        match lost {
            _ if self.recheck && added == 0 => out.report.unchanged += 1,
            _ if self.recheck => out.report.updated += 1,
            // Nothing of the file made it in: not added, and seen again next run.
            Some(c) if added == 0 && !self.existed => {
                let reason = SkipReason::IdTaken { id: c.id.as_str().to_owned(), by: c.kept };
                out.report.skipped.push(Skipped { path: file.path.clone(), reason });
            }
            _ if self.existed => out.report.updated += 1,
            _ => out.report.added += 1,
        }
        Ok(added)
    }
}

/// Decides one file's fate: unchanged by stamp, unchanged by hash, or parsed anew.
pub(super) fn consider(
    file: &SourceFile,
    manifest: &Manifest,
    options: &ParseOptions,
    recheck: &FxHashSet<String>,
) -> Outcome {
    let key = file.path.to_string_lossy();
    let known = manifest.get(key.as_ref());
    let recheck = known.is_some() && recheck.contains(key.as_ref());
    let meta = match std::fs::metadata(&file.path) {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(Error::io(&file.path, e)),
    };
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    if !recheck && known.is_some_and(|k| k.size == meta.len() && k.mtime == mtime) {
        return Outcome::Unchanged;
    }
    // An export over the size limit, or too big to hold comfortably, is read as a stream;
    // the limit then applies to each record. A JSON file holding one object is read whole.
    let big = meta.len() > options.get_max_file_size() || meta.len() > options.stream_above();
    let layout = match big.then(|| layout_of(file)).transpose() {
        Ok(layout) => layout.flatten(),
        Err(e) => return Outcome::Failed(e),
    };
    if let Some(layout) = layout {
        let (hash, size) = match hash_file(&file.path) {
            Ok(h) => h,
            Err(e) => return Outcome::Failed(e),
        };
        let same = known.is_some_and(|k| k.hash == hash);
        if same && !recheck {
            return Outcome::Unchanged;
        }
        let stamp = match known {
            Some(k) if same => k,
            _ => FileStamp { size, mtime, hash },
        };
        return Outcome::Stream { layout, stamp, existed: known.is_some(), recheck: same };
    }
    let bytes = match read_limited(&file.path, options.get_max_file_size()) {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(e),
    };
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
    let same = known.is_some_and(|k| k.hash == hash);
    if same && !recheck {
        return Outcome::Unchanged;
    }
    let stamp = match known {
        // Rechecked as it is: keep the stamp its indexed articles carry.
        Some(k) if same => k,
        _ => FileStamp { size: bytes.len() as u64, mtime, hash },
    };
    match parse_bytes(&bytes, file.format, &file.path, &file.id_base) {
        Ok(parsed) if same => Outcome::Recheck { parsed, stamp },
        Ok(parsed) => Outcome::Changed { stamp, parsed, existed: known.is_some() },
        Err(e) => Outcome::Failed(e),
    }
}
