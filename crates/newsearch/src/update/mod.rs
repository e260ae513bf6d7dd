//! Bringing an index up to date with folders of article files.
//!
//! Re-indexing an archive must cost what changed, not what exists. Each file's size and
//! modification time are compared with what the index recorded; only when they differ is the
//! file read, and only when its content hash differs too is it parsed and its articles
//! replaced. Files that vanished from a folder being indexed lose their articles. A file that
//! can no longer be read keeps its old articles: nothing already indexed is lost to a bad run.

mod claimed;
mod claims;
mod file_run;
pub(crate) mod last_run;
mod manifest;
mod merges;
mod queue;
pub(crate) mod watch;
pub(crate) mod writer;

use rustc_hash::FxHashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::article::ArticleId;
use crate::error::{Error, Result, Warning};
use crate::index::Index;
use crate::index::files::{RecordedRun, outermost};
use crate::parse::stream::RecordStream;
use crate::parse::walk::{
    FileList, SkipReason, Skipped, Walk, WalkOptions, ordered_par_map_owned, walk_under,
};
use crate::parse::{Format, ParseOptions, SourceFile};
use crate::update::claims::IdClaims;
use crate::update::file_run::{Batches, FileRun, Outcome, consider};
use crate::update::manifest::Manifest;
use crate::update::writer::{CommitStats, IndexWriter, WriterOptions};

/// How [`Index::update`] finds, reads and writes.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    walk: WalkOptions,
    parse: ParseOptions,
    /// Whether `walk` and `parse` were set, or a bare run may use the recorded ones.
    walk_given: bool,
    parse_given: bool,
    writer: WriterOptions,
    rebuild: bool,
    commit_every: Option<usize>,
    commit_interval: Option<Duration>,
    merge: MergeAfter,
    cancel: Option<CancelToken>,
}

/// Stops an update from another thread or task: [`UpdateOptions::cancel`] gives a run one,
/// [`CancelToken::cancel`] on any clone stops it.
///
/// ```
/// use newsearch::{CancelToken, Error, Index, IndexOptions, UpdateOptions};
/// # fn main() -> Result<(), Error> {
/// # let folder = tempfile::tempdir().unwrap();
/// # std::fs::write(folder.path().join("a.md"), "# A title\n\nA body.\n").unwrap();
/// let index = Index::in_memory(&IndexOptions::new())?;
/// let token = CancelToken::new();
/// let options = UpdateOptions::new().cancel(&token);
/// token.cancel(); // as a shutdown handler would, while the run goes on
/// let run = index.update(&[folder.path()], &options, &mut |_| {});
/// assert!(matches!(run, Err(Error::Cancelled)));
/// assert_eq!(index.len()?, 0, "the index is as of its last commit");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<std::sync::atomic::AtomicBool>);

impl CancelToken {
    /// A token not cancelled yet.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Asks every run holding this token (or a clone) to stop. It stops before its next
    /// file (or its next batch of records in a streamed export), rolls its writer back to its
    /// last commit, and fails with [`Error::Cancelled`]. What it committed before stays:
    /// incremental runs commit every [`UpdateOptions::commit_every`] articles or
    /// [`UpdateOptions::commit_interval`], and the next run picks up the files left.
    pub fn cancel(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// Articles per file, on average, from which a bulk run's files are exports and the run merges
/// segments as it goes.
const ARTICLES_PER_EXPORT: u64 = 10;

/// The sizes of a run's files, to tell from the articles of the files read so far how many
/// all of them hold: by their bytes, not their number, so that a few large exports first do
/// not promise twice the articles there are (merges along the way take up to 48 % of what is
/// expected, and the disk a merge needs must stay under half the final index).
struct FileSizes {
    /// Bytes of the files before each one, and of all of them last.
    before: Vec<u64>,
}

impl FileSizes {
    /// One `stat` a file: only runs of exports (few files for their articles) ask.
    fn of(files: &FileList) -> FileSizes {
        let mut before = Vec::with_capacity(files.len() + 1);
        let mut sum = 0u64;
        before.push(0);
        for path in files.paths() {
            let size = std::fs::metadata(path).map_or(0, |m| m.len());
            sum = sum.saturating_add(size);
            before.push(sum);
        }
        FileSizes { before }
    }

    /// The articles to expect when the first `read` files held `articles`.
    fn expected(&self, articles: u64, read: usize) -> u64 {
        let files = self.before.len() - 1;
        let (done, all) = (self.before[read.min(files)], self.before[files]);
        let expected = if done == 0 {
            u128::from(articles) * files as u128 / read.max(1) as u128
        } else {
            u128::from(articles) * u128::from(all) / u128::from(done)
        };
        u64::try_from(expected).unwrap_or(u64::MAX)
    }
}

/// When and how an update merges the index's segments at its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MergeAfter {
    /// Never: fastest indexing, searches look terms up in every segment.
    Never,
    /// When the run added or replaced at least this many articles (a bulk run), as
    /// [`IndexWriter::compact`](crate::IndexWriter::compact) does: into two or three segments,
    /// with the disk in use at most 1.5× the index. Merging costs about a tenth of the
    /// indexing time and makes searches about a third faster.
    Articles(u64),
    /// After every run, into one segment, as
    /// [`IndexWriter::merge_all`](crate::IndexWriter::merge_all) does (the disk in use
    /// reaches twice the index while it is written).
    OneSegment,
}

impl Default for MergeAfter {
    fn default() -> Self {
        MergeAfter::Articles(UpdateOptions::DEFAULT_MERGE_AFTER)
    }
}

impl UpdateOptions {
    pub(crate) fn walk_given(&self) -> bool {
        self.walk_given
    }

    pub(crate) fn parse_given(&self) -> bool {
        self.parse_given
    }

    pub(crate) fn walk_options(&self) -> &WalkOptions {
        &self.walk
    }

    pub(crate) fn parse_options(&self) -> &ParseOptions {
        &self.parse
    }

    /// Articles between intermediate commits, so searches see a long run progress and a
    /// killed run keeps what it committed. Most runs commit by time first
    /// ([`UpdateOptions::DEFAULT_COMMIT_INTERVAL`]): each commit ends the segments being
    /// written, and a run of many small segments pays for merging them afterwards (a first run
    /// of 129,162 articles took 1.17× as long with a commit every 50,000).
    pub const DEFAULT_COMMIT_EVERY: usize = 250_000;
    /// Longest time between intermediate commits.
    pub const DEFAULT_COMMIT_INTERVAL: Duration = Duration::from_secs(30);

    /// Defaults: incremental, formats by extension, default writer.
    pub fn new() -> Self {
        UpdateOptions::default()
    }

    /// How folders are walked.
    pub fn walk(mut self, walk: WalkOptions) -> Self {
        self.walk = walk;
        self.walk_given = true;
        self
    }

    /// How files are read.
    pub fn parse(mut self, parse: ParseOptions) -> Self {
        self.parse = parse;
        self.parse_given = true;
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

    /// Commit after this many added articles (default 250,000; a rebuild commits once).
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

    /// Lets `token` stop the run (see [`CancelToken::cancel`]).
    pub fn cancel(mut self, token: &CancelToken) -> Self {
        self.cancel = Some(token.clone());
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
    /// Two articles carry the same id; one was left out.
    Collision(&'a Collision),
}

/// Two articles with one id: which file keeps the id and which article was left out.
///
/// The first path in sorted order keeps an id (within a file, the first record), so the
/// outcome does not depend on the order files are indexed in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Collision {
    /// The id both carry.
    pub id: ArticleId,
    /// The file whose article holds the id.
    #[serde(serialize_with = "crate::article::path_as_string::serialize")]
    pub kept: PathBuf,
    /// The file whose article was left out (the same file for a repeated record id).
    #[serde(serialize_with = "crate::article::path_as_string::serialize")]
    pub dropped: PathBuf,
}

impl std::fmt::Display for Collision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kept == self.dropped {
            write!(
                f,
                "{}: id {:?} is used by more than one record; the first keeps it",
                self.kept.display(),
                self.id.as_str()
            )
        } else {
            write!(
                f,
                "{}: id {:?} is already used by {}; that article is kept and this one left out",
                self.dropped.display(),
                self.id.as_str(),
                self.kept.display()
            )
        }
    }
}

/// What an update did. File counts, except where it says articles.
///
/// Serializes with its counts first (`files_seen`, `added`, `updated`, `unchanged`, `removed`,
/// `skipped` and `collisions` as numbers, `failed`, `failed_records`, `warnings`,
/// `articles_indexed`, `articles_total`, `elapsed_s` in seconds, the `skipped_*` counts), then the
/// lists: `skipped_paths` (`[{"path", "reason"}]`) and `collision_list`.
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
    /// Named pipes, sockets and devices skipped because they are not regular files.
    pub skipped_special: usize,
    /// Articles left out because another article holds their id.
    pub collisions: Vec<Collision>,
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

/// Counts that are computed (`files_seen`) or whose lists follow under other names
/// (`skipped`, `collisions`) need a hand-written shape.
impl serde::Serialize for UpdateReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("UpdateReport", 18)?;
        out.serialize_field("files_seen", &self.files_seen())?;
        out.serialize_field("added", &self.added)?;
        out.serialize_field("updated", &self.updated)?;
        out.serialize_field("unchanged", &self.unchanged)?;
        out.serialize_field("removed", &self.removed)?;
        out.serialize_field("skipped", &self.skipped.len())?;
        out.serialize_field("failed", &self.failed)?;
        out.serialize_field("failed_records", &self.failed_records)?;
        out.serialize_field("collisions", &self.collisions.len())?;
        out.serialize_field("warnings", &self.warnings)?;
        out.serialize_field("articles_indexed", &self.articles_indexed)?;
        out.serialize_field("articles_total", &self.articles_total)?;
        out.serialize_field("elapsed_s", &self.elapsed.as_secs_f64())?;
        out.serialize_field("skipped_unknown_extension", &self.skipped_unknown_extension)?;
        out.serialize_field("skipped_symlinks", &self.skipped_symlinks)?;
        out.serialize_field("skipped_special", &self.skipped_special)?;
        out.serialize_field("skipped_paths", &self.skipped)?;
        out.serialize_field("collision_list", &self.collisions)?;
        out.end()
    }
}

impl Index {
    /// Indexes the article files under `paths` (files or folders), incrementally.
    ///
    /// With no paths, the folders indexed before are updated, with the walk and parse
    /// options of the last run that named paths (unless `options` sets them), and a rebuild
    /// that did not complete is done again. The roots and options are recorded before the
    /// first article is written, so a bare run after a killed one finishes its job.
    /// `on_event` hears about progress, problems and commits as they happen. A run that
    /// completes records its report in [`LAST_RUN_FILE`](crate::LAST_RUN_FILE) in the index
    /// folder, for [`Index::stats`].
    ///
    /// Ids are unique: when two articles carry the same id (two folders holding the same
    /// relative path, or two records with the same `"id"`), the one from the first path in
    /// sorted order (and the first record within a file) keeps it, and every other one is
    /// left out and reported in [`UpdateReport::collisions`], whichever order runs see them in.
    pub fn update<P: AsRef<Path>>(
        &self,
        paths: &[P],
        options: &UpdateOptions,
        on_event: &mut dyn FnMut(UpdateEvent<'_>),
    ) -> Result<UpdateReport> {
        let mut writer = self.writer_with(&options.writer)?;
        let report = self.update_through(&mut writer, paths, options, on_event)?;
        // Background merges end before the lock is released.
        writer.finish()?;
        Ok(report)
    }

    /// [`Index::update`] through `writer`. A run that fails or is cancelled leaves the index
    /// as of its last commit: the writer's uncommitted work is dropped. Either way the writer
    /// merges as usual afterwards.
    pub(crate) fn update_through<P: AsRef<Path>>(
        &self,
        writer: &mut IndexWriter,
        paths: &[P],
        options: &UpdateOptions,
        on_event: &mut dyn FnMut(UpdateEvent<'_>),
    ) -> Result<UpdateReport> {
        let started = Instant::now();
        let mut report = UpdateReport::default();
        let mut begun = None;
        let run = self.run_update(writer, paths, options, on_event, &mut report, &mut begun);
        writer.resume_merges();
        match run.and_then(|rebuild| self.end_run().map(|()| rebuild)) {
            Ok(rebuild) => {
                report.elapsed = started.elapsed();
                self.record_run(&report, rebuild, None)?;
                Ok(report)
            }
            Err(e) => {
                // Nothing half-done stays pending in the writer, whoever holds it next.
                let _ = writer.rollback();
                // A run that started writing and then failed (a full disk, a damaged file) is
                // recorded too, with its error, so `stats` does not describe an older run as the
                // last one. A run refused before it began (nothing to index) is not.
                if let Some(rebuild) = begun {
                    report.elapsed = started.elapsed();
                    let _ = self.record_run(&report, rebuild, Some(&e));
                }
                Err(e)
            }
        }
    }

    /// The run itself, phase by phase: plan (which roots, which options), record the run in
    /// the marker, walk, drop the articles of files gone, index each file (committing on the
    /// way), then the last commit and compaction. Fills `report`, sets `begun` (to whether it
    /// rebuilds) once the run is recorded, and returns whether it rebuilt.
    fn run_update<P: AsRef<Path>>(
        &self,
        writer: &mut IndexWriter,
        paths: &[P],
        options: &UpdateOptions,
        on_event: &mut dyn FnMut(UpdateEvent<'_>),
        report: &mut UpdateReport,
        begun: &mut Option<bool>,
    ) -> Result<bool> {
        let mut out = Reporter { report, on_event, cancel: options.cancel.as_ref() };
        let plan = self.plan(paths, options, &mut out)?;
        let replace_roots = plan.rebuild && !plan.bare;
        self.begin_run(&plan.roots, replace_roots, RecordedRun::new(plan.rebuild, &plan.walk, &plan.parse))?;
        *begun = Some(plan.rebuild);

        let mut manifest = if plan.rebuild { Manifest::empty() } else { self.manifest()? };
        // The index as the run found it: who holds each id, for collisions with earlier runs.
        let snapshot = self.reader.searcher();
        if plan.rebuild {
            writer.delete_all()?;
        }
        let fresh = plan.rebuild || (manifest.is_empty() && snapshot.num_docs() == 0);
        // A bulk run into an empty index ends by merging its segments, so the engine's own
        // merges along the way would only write the same articles again (about twice the final
        // index on disk at ×4). Off for such runs; incremental runs keep them. A run of exports
        // that ends compacted merges as it goes instead, each article once (see `merges`).
        let bulk = fresh && matches!(options.merge, MergeAfter::Articles(_));
        if bulk {
            writer.begin_bulk_merges();
        } else if fresh && options.merge == MergeAfter::OneSegment {
            writer.pause_merges();
        }

        let (found, unsure) = walk_roots(&plan, &mut out);
        out.check_cancelled()?;
        let vanished = manifest.vanished(found.files.paths(), &plan.roots, &unsure)?;
        // Gone files lose their articles first, so their ids are free for this run's files.
        for path in &vanished {
            writer.delete_path(path);
            out.report.removed += 1;
        }
        let mut ids = IdClaims::new(self, snapshot, fresh, &found.files, vanished.into_iter())?;
        // Files with records left out last time are read again; the list is rebuilt by this run
        // for the files it walks, and kept for the others.
        let recheck = if plan.rebuild { FxHashSet::default() } else { self.read_partial() };
        if !recheck.is_empty() {
            let walked: FxHashSet<String> = found.files.paths().map(lossy_string).collect();
            ids.partial = recheck
                .iter()
                .filter(|p| !ids.released.contains(*p) && !walked.contains(p.as_str()))
                .cloned()
                .collect();
        }

        let mut cadence = Cadence::of(options, plan.rebuild);
        let total = found.files.len();
        // The files' sizes, once a bulk run's exports start telling how many articles to expect.
        let mut sizes: Option<FileSizes> = None;
        // Each file made whole again (path, id) as it is read: the list holds less.
        let outcomes = ordered_par_map_owned(found.files.files(), |file| {
            consider(file, &manifest, &plan.parse, &recheck)
        });
        for (done, (file, outcome)) in outcomes.enumerate() {
            out.check_cancelled()?;
            ids.begin_file(done);
            cadence.added += self.index_file(writer, &mut ids, &file, outcome, &plan.parse, &mut out)?;
            (out.on_event)(UpdateEvent::Progress { done: done + 1, total });
            if bulk {
                // How many articles the run will have, once a tenth of its files tell. Only for
                // exports: a folder of one-article files keeps the second core busy reading them,
                // and merging beside that saved no time (516,648 files: 53.1 against 53.5 s) and
                // raised the peak memory (449 against 397 MiB).
                let read = done + 1;
                let articles = out.report.articles_indexed;
                if read * 10 >= total && articles >= ARTICLES_PER_EXPORT * read as u64 {
                    let sizes = sizes.get_or_insert_with(|| FileSizes::of(&found.files));
                    writer.expect_articles(sizes.expected(articles, read));
                }
            }
            if cadence.due() {
                self.write_partial(recheck.iter().chain(&ids.partial))?;
                (out.on_event)(UpdateEvent::Committed(writer.commit()?));
                cadence.committed();
            }
        }

        self.write_partial(recheck.iter().chain(&ids.partial))?;
        // Before the commit: the searcher it opens must not read through the merge's windows.
        writer.end_bulk_merges();
        let stats = writer.commit()?;
        self.write_partial(ids.partial.iter())?;
        (out.on_event)(UpdateEvent::Committed(stats));
        // The claims' snapshot of the index as the run found it would keep the segments it
        // holds on disk through the merges below.
        drop(ids);
        match options.merge {
            MergeAfter::Articles(n) if out.report.articles_indexed >= n => writer.compact()?,
            MergeAfter::OneSegment => writer.merge_all()?,
            MergeAfter::Articles(_) | MergeAfter::Never => {}
        }
        out.report.articles_total = stats.articles;
        Ok(plan.rebuild)
    }

    /// What the run will do: the roots asked for (or recorded, for a bare run) made absolute,
    /// canonical and outermost, each with the root its ids are relative to, and the options
    /// (a bare run repeats the recorded ones, and a rebuild left unfinished).
    fn plan<P: AsRef<Path>>(
        &self,
        paths: &[P],
        options: &UpdateOptions,
        out: &mut Reporter<'_>,
    ) -> Result<Plan> {
        let (recorded_roots, recorded) = self.recorded()?;
        let bare = paths.is_empty();
        let requested: Vec<PathBuf> =
            if bare { recorded_roots.clone() } else { paths.iter().map(|p| p.as_ref().to_owned()).collect() };
        if requested.is_empty() {
            return Err(Error::NothingToIndex);
        }
        let rebuild = options.rebuild || (bare && recorded.as_ref().is_some_and(|r| r.rebuild_pending));
        let (walk, parse) = match (&recorded, bare) {
            (Some(run), true) => run.options(options),
            _ => (options.walk.clone(), options.parse.clone()),
        };
        let mut roots = Vec::new();
        for path in &requested {
            match std::path::absolute(path).and_then(|p| p.canonicalize()) {
                Ok(p) => roots.push(p),
                Err(e) => out.failed(path, &Error::io(path, e)),
            }
        }
        // Sorted, and a root inside another is left to it: walking both would read its files
        // twice under two ids. Walking roots in sorted order visits paths in sorted order.
        let roots = outermost(roots);
        // Ids are relative to the outermost indexed folder holding a file, so naming a
        // subfolder of an indexed folder keeps the ids its files already have.
        let known_roots = if rebuild && !bare { Vec::new() } else { recorded_roots };
        let id_roots = roots
            .iter()
            .map(|r| {
                let base =
                    known_roots.iter().filter(|k| r.starts_with(k)).min_by_key(|k| k.components().count());
                (r.clone(), base.unwrap_or(r).clone())
            })
            .collect();
        Ok(Plan { bare, rebuild, roots, id_roots, walk, parse })
    }

    /// One file's outcome into the index; returns the articles added.
    fn index_file(
        &self,
        writer: &mut IndexWriter,
        ids: &mut IdClaims<'_>,
        file: &SourceFile,
        outcome: Outcome,
        parse: &ParseOptions,
        out: &mut Reporter<'_>,
    ) -> Result<usize> {
        let key: Arc<str> = file.path.to_string_lossy().into();
        let (file_run, batches) = match outcome {
            Outcome::Unchanged => {
                out.report.unchanged += 1;
                return Ok(0);
            }
            Outcome::Failed(e) => {
                out.failed(&file.path, &e);
                return Ok(0);
            }
            Outcome::Recheck { parsed, stamp } => {
                (FileRun { stamp, existed: true, recheck: true }, Batches::Whole(Some(parsed)))
            }
            Outcome::Changed { stamp, parsed, existed } => {
                (FileRun { stamp, existed, recheck: false }, Batches::Whole(Some(parsed)))
            }
            // Opened before anything is deleted: a file that can't be read keeps its articles.
            Outcome::Stream { layout, stamp, existed, recheck } => {
                let limit = parse.get_max_file_size();
                match RecordStream::open(&file.path, &file.id_base, layout, limit) {
                    Ok(stream) => (FileRun { stamp, existed, recheck }, Batches::Stream(stream)),
                    Err(e) => {
                        out.failed(&file.path, &e);
                        return Ok(0);
                    }
                }
            }
        };
        file_run.index(writer, ids, batches, file, &key, out)
    }
}

/// A failure as a skip record: the message without the path (the record has the path).
pub(super) fn failed(path: &Path, e: &Error) -> Skipped {
    let full = e.to_string();
    let shown = path.display().to_string();
    let reason = full.strip_prefix(&shown).and_then(|r| r.strip_prefix(": ")).unwrap_or(&full);
    Skipped { path: path.to_owned(), reason: SkipReason::Failed(reason.to_owned()) }
}

/// What a run will do, decided before it writes anything.
struct Plan {
    /// No paths were named: the recorded roots and options are used.
    bare: bool,
    rebuild: bool,
    /// Absolute, canonical, sorted, none inside another.
    roots: Vec<PathBuf>,
    /// Each root with the root its files' ids are relative to.
    id_roots: Vec<(PathBuf, PathBuf)>,
    walk: WalkOptions,
    parse: ParseOptions,
}

/// Where a run reports: its report, and the caller's event handler.
pub(super) struct Reporter<'r> {
    report: &'r mut UpdateReport,
    on_event: &'r mut dyn FnMut(UpdateEvent<'_>),
    cancel: Option<&'r CancelToken>,
}

impl Reporter<'_> {
    /// Fails the run with [`Error::Cancelled`] once its token is cancelled.
    pub(super) fn check_cancelled(&self) -> Result<()> {
        match self.cancel {
            Some(token) if token.is_cancelled() => Err(Error::Cancelled),
            _ => Ok(()),
        }
    }

    /// A file (or folder) that could not be read: counted, listed and told.
    fn failed(&mut self, path: &Path, e: &Error) {
        self.report.failed += 1;
        self.report.skipped.push(failed(path, e));
        (self.on_event)(UpdateEvent::Error(e));
    }
}

/// When a run commits on the way: after so many articles or so much time, whichever comes
/// first; a rebuild commits only at the end, so a killed rebuild leaves the old index whole.
struct Cadence {
    every: usize,
    interval: Duration,
    /// Articles added since the last commit.
    added: usize,
    last: Instant,
}

impl Cadence {
    fn of(options: &UpdateOptions, rebuild: bool) -> Cadence {
        let (every, interval) = if rebuild {
            (usize::MAX, Duration::MAX)
        } else {
            (
                options.commit_every.unwrap_or(UpdateOptions::DEFAULT_COMMIT_EVERY),
                options.commit_interval.unwrap_or(UpdateOptions::DEFAULT_COMMIT_INTERVAL),
            )
        };
        Cadence { every, interval, added: 0, last: Instant::now() }
    }

    fn due(&self) -> bool {
        self.added >= self.every || (self.added > 0 && self.last.elapsed() >= self.interval)
    }

    fn committed(&mut self) {
        self.added = 0;
        self.last = Instant::now();
    }
}

/// Walks the plan's roots, reporting what was skipped and what could not be read. Returns the
/// files, and the folders that could not be read whole (nothing under them is removed).
fn walk_roots(plan: &Plan, out: &mut Reporter<'_>) -> (Walk<FileList>, Vec<PathBuf>) {
    let found = walk_under(&plan.id_roots, &plan.walk);
    out.report.skipped_unknown_extension = found.unknown_extension;
    out.report.skipped_symlinks = found.symlinks_skipped;
    out.report.skipped_special = found.special_skipped;
    out.report.skipped.extend(found.skipped.iter().cloned());
    let mut unsure: Vec<PathBuf> = Vec::new();
    for e in &found.errors {
        let path = e.path().map_or_else(PathBuf::new, Path::to_owned);
        out.failed(&path, e);
        unsure.push(path);
    }
    (out.on_event)(UpdateEvent::Found { files: found.files.len() });
    (found, unsure)
}

/// A path as the index's list of files keys it.
fn lossy_string(path: PathBuf) -> String {
    path.into_os_string().into_string().unwrap_or_else(|raw| raw.to_string_lossy().into_owned())
}

impl RecordedRun {
    pub(crate) fn new(rebuild: bool, walk: &WalkOptions, parse: &ParseOptions) -> RecordedRun {
        RecordedRun {
            rebuild_pending: rebuild,
            format: walk.get_format().map(|f| f.to_string()),
            follow_symlinks: walk.get_follow_symlinks(),
            max_file_size: Some(parse.get_max_file_size()),
        }
    }

    /// The recorded walk and parse options, where `given` does not set its own.
    pub(crate) fn options(&self, given: &crate::UpdateOptions) -> (WalkOptions, ParseOptions) {
        let walk = if given.walk_given() {
            given.walk_options().clone()
        } else {
            let format = self.format.as_deref().and_then(|f| f.parse::<Format>().ok());
            WalkOptions::new().format(format).follow_symlinks(self.follow_symlinks)
        };
        let parse = match self.max_file_size {
            Some(limit) if !given.parse_given() => ParseOptions::new().max_file_size(limit),
            _ => given.parse_options().clone(),
        };
        (walk, parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IndexOptions, Query};

    #[test]
    fn the_commit_cadence_counts_articles_and_a_rebuild_commits_only_at_the_end() {
        let options = UpdateOptions::new().commit_every(3).commit_interval(Duration::from_secs(3600));
        let mut cadence = Cadence::of(&options, false);
        assert!(!cadence.due());
        cadence.added = 3;
        assert!(cadence.due());
        cadence.committed();
        assert!(!cadence.due());
        // Time alone commits only when something was added.
        let mut timed = Cadence::of(&UpdateOptions::new().commit_interval(Duration::ZERO), false);
        assert!(!timed.due());
        timed.added = 1;
        assert!(timed.due());
        let mut rebuild = Cadence::of(&options, true);
        rebuild.added = 1_000_000;
        assert!(!rebuild.due());
    }

    /// Every stored article as (id, title), sorted.
    fn contents(index: &Index) -> Vec<(String, String)> {
        contents_with_paths(index).into_iter().map(|(id, title, _)| (id, title)).collect()
    }

    fn run(index: &Index, root: &Path, parse: ParseOptions) -> (UpdateReport, Vec<String>) {
        let mut problems = Vec::new();
        let report = index
            .update(&[root], &UpdateOptions::new().parse(parse), &mut |e| match e {
                UpdateEvent::Error(e) => problems.push(e.to_string()),
                UpdateEvent::Warning(w) => problems.push(format!("warning: {w}")),
                _ => {}
            })
            .unwrap();
        (report, problems)
    }

    fn export(lines: usize, bad_line: usize) -> String {
        let mut text = String::new();
        for i in 1..=lines {
            if i == bad_line {
                text.push_str("{not json\n");
            } else if i % 7 == 0 {
                text.push_str(&format!("{{\"title\": \"Record {i}\", \"body\": \"caf\u{e9} {i}\"}}\r\n"));
            } else {
                text.push_str(&format!("{{\"id\": \"r{i}\", \"title\": \"Record {i}\", \"views\": -1}}\n"));
            }
        }
        text
    }

    #[test]
    fn a_streamed_export_indexes_exactly_what_a_whole_read_does() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("exports");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("big.jsonl"), export(3000, 1234)).unwrap();

        let whole = Index::create(tmp.path().join("whole"), &IndexOptions::new()).unwrap();
        let (whole_report, whole_problems) = run(&whole, &root, ParseOptions::new());
        let streamed = Index::create(tmp.path().join("streamed"), &IndexOptions::new()).unwrap();
        // Streamed above 1 KiB, and the file is over the size limit: the limit is per record.
        let small = ParseOptions::new().max_file_size(4096).streaming_above(1024);
        let (stream_report, stream_problems) = run(&streamed, &root, small.clone());
        assert_eq!(contents(&streamed), contents(&whole));
        assert_eq!(stream_problems, whole_problems, "the same errors and warnings, with line numbers");
        assert!(
            stream_problems.iter().any(|p| p.contains("big.jsonl: line 1234: malformed JSON")),
            "{stream_problems:?}"
        );
        assert_eq!(
            (stream_report.added, stream_report.failed_records, stream_report.articles_indexed),
            (1, 1, 2999)
        );
        assert_eq!(whole_report.articles_indexed, 2999);

        // Unchanged: nothing read again. One line changed: the file's articles are replaced.
        let (again, _) = run(&streamed, &root, small.clone());
        assert_eq!((again.unchanged, again.articles_indexed), (1, 0));
        let changed = export(3000, 1234).replace("\"Record 10\"", "\"Record ten\"");
        std::fs::write(root.join("big.jsonl"), changed).unwrap();
        let (edit, _) = run(&streamed, &root, small);
        // Only the changed record is written again.
        assert_eq!((edit.updated, edit.articles_indexed, edit.articles_total), (1, 1, 2999));
        assert!(contents(&streamed).contains(&("r10".to_owned(), "Record ten".to_owned())));
    }

    #[test]
    fn a_record_over_the_limit_is_skipped_with_its_line_and_never_held() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("exports");
        std::fs::create_dir_all(&root).unwrap();
        let huge =
            format!("{{\"id\": \"huge\", \"title\": \"Huge\", \"body\": \"{}\"}}", "x".repeat(100_000));
        let text =
            format!("{{\"id\": \"a\", \"title\": \"A\"}}\n{huge}\n{{\"id\": \"b\", \"title\": \"B\"}}");
        std::fs::write(root.join("x.jsonl"), text).unwrap();
        let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
        let (report, problems) = run(&index, &root, ParseOptions::new().max_file_size(1000));
        assert_eq!(contents(&index), [("a".to_owned(), "A".to_owned()), ("b".to_owned(), "B".to_owned())]);
        assert_eq!(report.failed_records, 1);
        assert!(
            problems[0].ends_with("x.jsonl: line 2: record is 100043 bytes, over the 1000-byte limit"),
            "{problems:?}"
        );
    }

    /// Every stored article as (id, title, path), sorted.
    fn contents_with_paths(index: &Index) -> Vec<(String, String, String)> {
        let hits = index.search(&Query::all().limit(10_000)).unwrap().hits;
        let mut out: Vec<_> = hits
            .into_iter()
            .map(|h| {
                (h.article.id.as_str().to_owned(), h.article.title, h.article.path.display().to_string())
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_changed_export_writes_only_the_records_that_changed() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("exports");
        std::fs::create_dir_all(&root).unwrap();
        let record = |id: &str, title: &str| format!("{{\"id\": \"{id}\", \"title\": \"{title}\"}}\n");
        let export = |edit: &dyn Fn(usize) -> Option<String>| -> String {
            (1..=300).filter_map(edit).collect::<String>()
        };
        // Line 50 holds id "x", which b.jsonl (a later path) also has: a.jsonl keeps it.
        let original = |i: usize| match i {
            50 => Some(record("x", "X in a")),
            // One record without an id: its id comes from its line.
            20 => Some("{\"title\": \"No id\"}\n".to_owned()),
            _ => Some(record(&format!("r{i}"), &format!("Record {i}"))),
        };
        std::fs::write(root.join("a.jsonl"), export(&original)).unwrap();
        std::fs::write(root.join("b.jsonl"), record("x", "X in b")).unwrap();
        let options = ParseOptions::new().streaming_above(1024);
        let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
        let (first, _) = run(&index, &root, options.clone());
        assert_eq!(first.articles_indexed, 300);

        // What a fresh index of the same files holds.
        let fresh = |n: usize| {
            let index = Index::create(tmp.path().join(format!("fresh{n}")), &IndexOptions::new()).unwrap();
            run(&index, &root, options.clone());
            contents_with_paths(&index)
        };

        // One title edited, the "x" line removed (b.jsonl's "x" gets in), one record added, and
        // the id-less record moved down a line (a new id: written anew, the old one deleted).
        let edited = |i: usize| match i {
            10 => Some(record("r10", "Record ten")),
            19 => Some(record("r19", "Record 19") + &record("r19b", "Record 19b")),
            50 => None,
            300 => Some(record("r300", "Record 300") + &record("r999", "Record new")),
            _ => original(i),
        };
        std::fs::write(root.join("a.jsonl"), export(&edited)).unwrap();
        let (second, _) = run(&index, &root, options.clone());
        // r10, r19b, the id-less record, r999, and "x" from b.jsonl; the rest stays as it was.
        assert_eq!(second.articles_indexed, 5, "{second:?}");
        assert_eq!(second.articles_total, 302);
        assert_eq!(contents_with_paths(&index), fresh(1));
        assert!(contents(&index).contains(&("x".to_owned(), "X in b".to_owned())));

        // Nothing changed: nothing read again.
        let (third, _) = run(&index, &root, options.clone());
        assert_eq!((third.unchanged, third.articles_indexed), (2, 0));

        // Only a line removed: nothing written, the record gone, and the next run still finds
        // the file unchanged (an unchanged article carries its new stamp).
        let removed = |i: usize| if i == 200 { None } else { edited(i) };
        std::fs::write(root.join("a.jsonl"), export(&removed)).unwrap();
        let (fourth, _) = run(&index, &root, options.clone());
        assert_eq!((fourth.updated, fourth.articles_indexed, fourth.articles_total), (1, 0, 301));
        assert_eq!(contents_with_paths(&index), fresh(2));
        let (fifth, _) = run(&index, &root, options.clone());
        assert_eq!((fifth.unchanged, fifth.articles_indexed), (2, 0));

        // Files read whole (under the streaming size) work the same way.
        let (whole, _) = run(&index, &root, ParseOptions::new());
        assert_eq!(whole.articles_indexed, 0);
        std::fs::write(root.join("a.jsonl"), export(&original)).unwrap();
        let (back, _) = run(&index, &root, ParseOptions::new());
        assert_eq!(back.articles_indexed, 4, "r10, r200, the id-less record and x from a.jsonl again");
        assert_eq!(contents_with_paths(&index), fresh(3));
    }

    /// A JSON array of `n` records: mostly objects with ids, some without (ids by number),
    /// strings with brackets, quotes and line breaks, one bare value, pretty-printed in part.
    fn json_array(n: usize) -> String {
        let mut items = Vec::new();
        for i in 1..=n {
            items.push(match i % 9 {
                0 => format!("{{\"title\": \"No id {i}\", \"body\": \"a ] b }} c \\\" d\"}}"),
                4 => format!(
                    "{{\n  \"id\": \"r{i}\",\n  \"title\": \"Pretty [{i}]\",\n  \"tags\": [\"x\", \"y\"]\n}}"
                ),
                7 if i == 7 => "42".to_owned(),
                _ => format!("{{\"id\": \"r{i}\", \"title\": \"Record {i}\", \"body\": \"line\\nbreak\"}}"),
            });
        }
        format!("\u{feff}[\n{}\n]\n", items.join(",\n"))
    }

    #[test]
    fn a_streamed_json_array_indexes_exactly_what_a_whole_read_does() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("exports");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("big.json"), json_array(2000)).unwrap();
        let whole = Index::create(tmp.path().join("whole"), &IndexOptions::new()).unwrap();
        let (whole_report, whole_problems) = run(&whole, &root, ParseOptions::new());
        let streamed = Index::create(tmp.path().join("streamed"), &IndexOptions::new()).unwrap();
        let small = ParseOptions::new().max_file_size(4096).streaming_above(1024);
        let (stream_report, stream_problems) = run(&streamed, &root, small.clone());
        assert_eq!(contents(&streamed), contents(&whole));
        assert_eq!(stream_problems, whole_problems);
        assert_eq!(
            stream_problems,
            ["big.json: record 7 is not a JSON object"].map(|p| format!("{}", root.join(p).display()))
        );
        assert_eq!((stream_report.articles_indexed, whole_report.articles_indexed), (1999, 1999));
        assert!(contents(&streamed).contains(&("big.json#9".to_owned(), "No id 9".to_owned())));

        // One record edited: one article written.
        std::fs::write(root.join("big.json"), json_array(2000).replace("Record 10\"", "Record ten\""))
            .unwrap();
        let (edit, _) = run(&streamed, &root, small);
        assert_eq!((edit.updated, edit.articles_indexed, edit.articles_total), (1, 1, 1999));
    }

    #[test]
    fn a_broken_json_array_fails_its_file_and_an_oversized_record_only_itself() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("exports");
        std::fs::create_dir_all(&root).unwrap();
        let streamed = ParseOptions::new().max_file_size(200).streaming_above(10);
        let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
        let good = "{\"id\": \"a\", \"title\": \"A\"}";
        let huge = format!("{{\"id\": \"h\", \"title\": \"{}\"}}", "x".repeat(300));
        let cases = [
            (
                format!("[{good},\n{huge},\n{good}]"),
                Ok("line 2: record 2 is 324 bytes, over the 200-byte limit"),
            ),
            (format!("[{good},\n{good}"), Err("line 2: malformed JSON: the array is not closed")),
            (format!("[{good}]\nmore"), Err("line 2: malformed JSON: trailing characters after the array")),
            (
                format!("[{good},\n  {{\"id\": oops}}]"),
                Err("line 2: malformed JSON: expected value at column 10"),
            ),
            (format!("[{good} {good}]"), Err("line 1: malformed JSON: expected , or ] after record 1")),
            // Nothing in it, as a file read whole.
            (format!("[{}]", " ".repeat(20)), Err("empty file")),
        ];
        for (i, (text, expected)) in cases.iter().enumerate() {
            let file = root.join(format!("f{i}.json"));
            std::fs::write(&file, text).unwrap();
            let (report, problems) = run(&index, &root, streamed.clone());
            let shown = format!("{}: {}", file.display(), expected.unwrap_or_else(|e| e));
            assert!(problems.iter().any(|p| p.starts_with(&shown)), "case {i}: {problems:?}");
            if expected.is_err() {
                assert_eq!(report.failed, 1, "case {i}");
                let paths: Vec<String> = contents_with_paths(&index).into_iter().map(|(_, _, p)| p).collect();
                assert!(
                    !paths.contains(&file.display().to_string()),
                    "case {i}: nothing of a broken file stays"
                );
            }
            std::fs::remove_file(&file).unwrap();
        }

        // An indexed export that breaks: its articles stay as they were until it is fixed.
        let file = root.join("kept.json");
        std::fs::write(&file, format!("[{good},\n{{\"id\": \"b\", \"title\": \"B\"}}]")).unwrap();
        run(&index, &root, streamed.clone());
        let before = contents(&index);
        std::fs::write(&file, format!("[{{\"id\": \"c\", \"title\": \"C\"}},\n{good},\n{{\"id\": ")).unwrap();
        let (report, problems) = run(&index, &root, streamed.clone());
        assert_eq!(report.failed, 1, "{problems:?}");
        assert_eq!(contents(&index), before);
    }
}
