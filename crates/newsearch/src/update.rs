//! Bringing an index up to date with folders of article files.
//!
//! Re-indexing an archive must cost what changed, not what exists. Each file's size and
//! modification time are compared with what the index recorded; only when they differ is the
//! file read, and only when its content hash differs too is it parsed and its articles
//! replaced. Files that vanished from a folder being indexed lose their articles. A file that
//! can no longer be read keeps its old articles: nothing already indexed is lost to a bad run.

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use crate::error::{Error, Result, Warning};
use crate::index::Index;
use crate::parse::{ParseOptions, Parsed, SourceFile, parse_bytes, read_limited};
use crate::schema::{FileStamp, names};
use crate::walk::{SkipReason, Skipped, WalkOptions, ordered_par_map, walk};
use crate::writer::{CommitStats, WriterOptions};

/// How [`Index::update`] finds, reads and writes.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    walk: WalkOptions,
    parse: ParseOptions,
    writer: WriterOptions,
    rebuild: bool,
    commit_every: Option<usize>,
    commit_interval: Option<Duration>,
    merge: MergeAfter,
}

/// When an update merges the index into one segment at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MergeAfter {
    /// Never: fastest indexing, searches look terms up in every segment.
    Never,
    /// When the run added or replaced at least this many articles (a bulk run). Merging
    /// costs about a third of the indexing time and makes searches about a third faster.
    Articles(u64),
}

impl Default for MergeAfter {
    fn default() -> Self {
        MergeAfter::Articles(UpdateOptions::DEFAULT_MERGE_AFTER)
    }
}

impl UpdateOptions {
    /// Articles between intermediate commits, so searches see a long run progress and a
    /// killed run keeps what it committed.
    pub const DEFAULT_COMMIT_EVERY: usize = 50_000;
    /// Longest time between intermediate commits.
    pub const DEFAULT_COMMIT_INTERVAL: Duration = Duration::from_secs(30);

    /// Defaults: incremental, formats by extension, default writer.
    pub fn new() -> Self {
        UpdateOptions::default()
    }

    /// How folders are walked.
    pub fn walk(mut self, walk: WalkOptions) -> Self {
        self.walk = walk;
        self
    }

    /// How files are read.
    pub fn parse(mut self, parse: ParseOptions) -> Self {
        self.parse = parse;
        self
    }

    /// Writer memory and threads.
    pub fn writer(mut self, writer: WriterOptions) -> Self {
        self.writer = writer;
        self
    }

    /// Start over: replace the whole index with what the paths hold, in one commit.
    pub fn rebuild(mut self, yes: bool) -> Self {
        self.rebuild = yes;
        self
    }

    /// Commit after this many added articles (default 50,000; a rebuild commits once).
    pub fn commit_every(mut self, articles: usize) -> Self {
        self.commit_every = Some(articles.max(1));
        self
    }

    /// Articles a run must add before it merges the index into one segment by default.
    pub const DEFAULT_MERGE_AFTER: u64 = 10_000;

    /// When to merge the index into one segment after the last commit (default: after runs
    /// that added 10,000 articles or more).
    pub fn merge(mut self, when: MergeAfter) -> Self {
        self.merge = when;
        self
    }

    /// Commit at least this often while articles are being added (default 30 s; a rebuild
    /// commits once). With [`UpdateOptions::commit_every`] this bounds what a killed run loses.
    pub fn commit_interval(mut self, interval: Duration) -> Self {
        self.commit_interval = Some(interval);
        self
    }
}

/// Something worth telling the user while [`Index::update`] runs.
#[derive(Debug)]
#[non_exhaustive]
pub enum UpdateEvent<'a> {
    /// Walking finished: this many article files will be considered.
    Found {
        /// Article files found.
        files: usize,
    },
    /// Files considered so far.
    Progress {
        /// Files done.
        done: usize,
        /// Files in all.
        total: usize,
    },
    /// A file, record or folder that could not be read.
    Error(&'a Error),
    /// An article kept with a problem.
    Warning(&'a Warning),
    /// A commit made progress visible to searches.
    Committed(CommitStats),
}

/// What an update did. File counts, except where it says articles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateReport {
    /// Files indexed for the first time.
    pub added: usize,
    /// Files whose content changed and whose articles were replaced.
    pub updated: usize,
    /// Files skipped because they did not change.
    pub unchanged: usize,
    /// Files gone from an indexed folder whose articles were removed.
    pub removed: usize,
    /// Files that could not be read (their old articles, if any, are kept).
    pub failed: usize,
    /// Records that could not be read inside files that were otherwise indexed.
    pub failed_records: usize,
    /// Files skipped because their extension names no article format.
    pub skipped_unknown_extension: usize,
    /// Symbolic links skipped because following them was not asked for.
    pub skipped_symlinks: usize,
    /// Every path seen and not indexed, with the reason: unknown extensions, symbolic links,
    /// and files or folders that failed. `added + updated + unchanged + skipped.len()` is the
    /// number of paths seen.
    pub skipped: Vec<Skipped>,
    /// Articles added or replaced.
    pub articles_indexed: u64,
    /// Articles in the index afterwards.
    pub articles_total: u64,
    /// Warnings reported.
    pub warnings: usize,
    /// Wall time.
    pub elapsed: Duration,
}

impl UpdateReport {
    /// Paths the run saw: indexed (added, updated, unchanged) or skipped.
    pub fn files_seen(&self) -> usize {
        self.added + self.updated + self.unchanged + self.skipped.len()
    }
}

enum Outcome {
    Unchanged,
    Changed { stamp: FileStamp, parsed: Parsed, existed: bool },
    Failed(Error),
}

impl Index {
    /// Indexes the article files under `paths` (files or folders), incrementally.
    ///
    /// With no paths, the folders indexed before are updated. `on_event` hears about
    /// progress, problems and commits as they happen. A run that completes records its
    /// report in [`LAST_RUN_FILE`](crate::LAST_RUN_FILE) in the index folder, for
    /// [`Index::stats`].
    pub fn update<P: AsRef<Path>>(
        &self,
        paths: &[P],
        options: &UpdateOptions,
        on_event: &mut dyn FnMut(UpdateEvent<'_>),
    ) -> Result<UpdateReport> {
        let started = Instant::now();
        let mut writer = self.writer_with(&options.writer)?;
        let mut report = UpdateReport::default();

        let mut roots = Vec::new();
        let requested: Vec<PathBuf> = if paths.is_empty() {
            self.roots()?
        } else {
            paths.iter().map(|p| p.as_ref().to_owned()).collect()
        };
        if requested.is_empty() {
            return Err(Error::InvalidArgument("nothing to index: name files or folders".into()));
        }
        for path in &requested {
            match std::path::absolute(path).and_then(|p| p.canonicalize()) {
                Ok(p) => roots.push(p),
                Err(e) => {
                    let e = Error::io(path, e);
                    report.failed += 1;
                    report.skipped.push(failed(path, &e));
                    on_event(UpdateEvent::Error(&e));
                }
            }
        }

        let manifest = if options.rebuild { FxHashMap::default() } else { self.manifest()? };
        if options.rebuild {
            writer.delete_all()?;
        }
        // Starting from nothing, an id only needs replacing if this run already added it.
        let fresh = options.rebuild || (manifest.is_empty() && self.reader.searcher().num_docs() == 0);
        let mut ids_this_run: FxHashSet<crate::ArticleId> = FxHashSet::default();
        let found = walk(&roots, &options.walk);
        report.skipped_unknown_extension = found.unknown_extension;
        report.skipped_symlinks = found.symlinks_skipped;
        report.skipped.extend(found.skipped.iter().cloned());
        // Never remove articles under a folder that could not be fully read.
        let mut unsure: Vec<PathBuf> = Vec::new();
        for e in &found.errors {
            report.failed += 1;
            let path = e.path().map_or_else(PathBuf::new, Path::to_owned);
            report.skipped.push(failed(&path, e));
            unsure.push(path);
            on_event(UpdateEvent::Error(e));
        }
        on_event(UpdateEvent::Found { files: found.files.len() });

        let (commit_every, commit_interval) = if options.rebuild {
            (usize::MAX, Duration::MAX)
        } else {
            (
                options.commit_every.unwrap_or(UpdateOptions::DEFAULT_COMMIT_EVERY),
                options.commit_interval.unwrap_or(UpdateOptions::DEFAULT_COMMIT_INTERVAL),
            )
        };
        let mut since_commit = 0usize;
        let mut last_commit = Instant::now();
        let mut seen: FxHashSet<String> = FxHashSet::default();
        seen.reserve(found.files.len());
        let total = found.files.len();
        let outcomes = ordered_par_map(&found.files, |file| consider(file, &manifest, &options.parse));
        for (done, (file, outcome)) in outcomes.enumerate() {
            let key = file.path.to_string_lossy().into_owned();
            match outcome {
                Outcome::Unchanged => report.unchanged += 1,
                Outcome::Failed(e) => {
                    report.failed += 1;
                    report.skipped.push(failed(&file.path, &e));
                    on_event(UpdateEvent::Error(&e));
                }
                Outcome::Changed { stamp, parsed, existed } => {
                    if existed {
                        writer.delete_path(&key);
                        report.updated += 1;
                    } else {
                        report.added += 1;
                    }
                    for article in &parsed.articles {
                        let replace = !fresh || !ids_this_run.insert(article.id.clone());
                        writer.add_with(article, stamp, replace)?;
                    }
                    report.articles_indexed += parsed.articles.len() as u64;
                    since_commit += parsed.articles.len();
                    report.failed_records += parsed.errors.len();
                    report.warnings += parsed.warnings.len();
                    parsed.errors.iter().for_each(|e| on_event(UpdateEvent::Error(e)));
                    parsed.warnings.iter().for_each(|w| on_event(UpdateEvent::Warning(w)));
                }
            }
            seen.insert(key);
            on_event(UpdateEvent::Progress { done: done + 1, total });
            if since_commit >= commit_every || (since_commit > 0 && last_commit.elapsed() >= commit_interval)
            {
                on_event(UpdateEvent::Committed(writer.commit()?));
                since_commit = 0;
                last_commit = Instant::now();
            }
        }

        for path in manifest.keys().filter(|p| !seen.contains(*p)) {
            let p = Path::new(path);
            let under_root = roots.iter().any(|r| p.starts_with(r));
            let under_unsure = unsure.iter().any(|u| p.starts_with(u));
            if under_root && !under_unsure {
                writer.delete_path(path);
                report.removed += 1;
            }
        }

        let stats = writer.commit()?;
        on_event(UpdateEvent::Committed(stats));
        if matches!(options.merge, MergeAfter::Articles(n) if report.articles_indexed >= n) {
            writer.merge_all()?;
        }
        writer.finish()?;
        self.add_roots(&roots)?;
        report.articles_total = stats.articles;
        report.elapsed = started.elapsed();
        self.record_run(&report, options.rebuild)?;
        Ok(report)
    }

    /// What the index knows of each source file: path → stamp.
    fn manifest(&self) -> Result<FxHashMap<String, FileStamp>> {
        self.refresh()?;
        let searcher = self.reader.searcher();
        let mut out = FxHashMap::default();
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
            // Stamps by path ordinal first, then one pass over the path dictionary: looking
            // ordinals up one by one decompresses a dictionary block per document.
            let mut by_ord: FxHashMap<u64, FileStamp> = FxHashMap::default();
            for doc in segment.doc_ids_alive() {
                let Some(ord) = paths.term_ords(doc).next() else { continue };
                let stamp = FileStamp {
                    size: size.first(doc).unwrap_or(0),
                    mtime: mtime.first(doc).unwrap_or(0),
                    hash: hash.first(doc).unwrap_or(0),
                };
                by_ord.insert(ord, stamp);
            }
            let mut terms = paths.dictionary().stream().map_err(|e| Error::engine(self.dir(), e))?;
            while terms.advance() {
                if let Some(stamp) = by_ord.get(&terms.term_ord()) {
                    out.insert(String::from_utf8_lossy(terms.key()).into_owned(), *stamp);
                }
            }
        }
        Ok(out)
    }
}

/// A failure as a skip record: the message without the path (the record has the path).
fn failed(path: &Path, e: &Error) -> Skipped {
    let full = e.to_string();
    let shown = path.display().to_string();
    let reason = full.strip_prefix(&shown).and_then(|r| r.strip_prefix(": ")).unwrap_or(&full);
    Skipped { path: path.to_owned(), reason: SkipReason::Failed(reason.to_owned()) }
}

/// Decides one file's fate: unchanged by stamp, unchanged by hash, or parsed anew.
fn consider(file: &SourceFile, manifest: &FxHashMap<String, FileStamp>, options: &ParseOptions) -> Outcome {
    let key = file.path.to_string_lossy();
    let known = manifest.get(key.as_ref());
    let meta = match std::fs::metadata(&file.path) {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(Error::io(&file.path, e)),
    };
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    if known.is_some_and(|k| k.size == meta.len() && k.mtime == mtime) {
        return Outcome::Unchanged;
    }
    let bytes = match read_limited(&file.path, options.get_max_file_size()) {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(e),
    };
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
    if known.is_some_and(|k| k.hash == hash) {
        return Outcome::Unchanged;
    }
    let stamp = FileStamp { size: bytes.len() as u64, mtime, hash };
    match parse_bytes(&bytes, file.format, &file.path, &file.id_base) {
        Ok(parsed) => Outcome::Changed { stamp, parsed, existed: known.is_some() },
        Err(e) => Outcome::Failed(e),
    }
}
