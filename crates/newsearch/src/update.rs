//! Bringing an index up to date with folders of article files.
//!
//! Re-indexing an archive must cost what changed, not what exists. Each file's size and
//! modification time are compared with what the index recorded; only when they differ is the
//! file read, and only when its content hash differs too is it parsed and its articles
//! replaced. Files that vanished from a folder being indexed lose their articles. A file that
//! can no longer be read keeps its old articles: nothing already indexed is lost to a bad run.

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use tantivy::columnar::StrColumn;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, Searcher, TERMINATED};

use crate::article::{Article, ArticleId};
use crate::error::{Error, Result, Warning};
use crate::index::{Index, RecordedRun, outermost};
use crate::parse::stream::{Layout, RecordStream, hash_file, layout_of};
use crate::parse::{ParseOptions, Parsed, SourceFile, parse_bytes, read_limited};
use crate::schema::{FileStamp, names};
use crate::walk::{SkipReason, Skipped, WalkOptions, ordered_par_map, walk_under};
use crate::writer::{CommitStats, IndexWriter, WriterOptions};

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

enum Outcome {
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
enum Batches<'a> {
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
struct FileRun {
    stamp: FileStamp,
    /// The index held articles of this file before the run.
    existed: bool,
    /// The file is unchanged and read again only for records left out before.
    recheck: bool,
}

impl FileRun {
    /// Replaces the file's articles that changed (or, rechecking, adds those left out before)
    /// batch by batch, reports problems and collisions, and counts the file. Returns the
    /// articles added.
    #[allow(clippy::too_many_arguments)]
    fn index(
        &self,
        writer: &mut IndexWriter<'_>,
        ids: &mut IdClaims<'_>,
        mut batches: Batches<'_>,
        file: &SourceFile,
        key: &Arc<str>,
        report: &mut UpdateReport,
        on_event: &mut dyn FnMut(UpdateEvent<'_>),
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
                    report.articles_indexed -= added as u64;
                    report.failed += 1;
                    report.skipped.push(failed(&file.path, &e));
                    on_event(UpdateEvent::Error(&e));
                    return Ok(0);
                }
            };
            if let Some(before) = &mut before {
                let (same, changed): (Vec<_>, Vec<_>) = std::mem::take(&mut batch.articles)
                    .into_iter()
                    .map(|a| (crate::schema::content_hash(&a), a))
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
                            on_event(UpdateEvent::Collision(&c));
                            lost.get_or_insert_with(|| c.clone());
                            report.collisions.push(c);
                        }
                        // Not held by its own article after all (not expected): written again.
                        Claim::Free | Claim::Wins { .. } => {
                            before.remove(&hash);
                            written.push(hash);
                            writer.add_with(&article, self.stamp, true)?;
                            added += 1;
                            report.articles_indexed += 1;
                        }
                    }
                }
            }
            let placed = ids.place(writer, &batch.articles, self.stamp, key, &file.path, self.recheck)?;
            placed.collisions.iter().for_each(|c| on_event(UpdateEvent::Collision(c)));
            if lost.is_none() {
                lost = placed.collisions.iter().find(|c| c.dropped == file.path).cloned();
            }
            report.collisions.extend(placed.collisions);
            added += placed.added;
            report.articles_indexed += placed.added as u64;
            // An unchanged file read again has had its problems reported before.
            if !self.recheck {
                report.failed_records += batch.errors.len();
                report.warnings += batch.warnings.len();
                batch.errors.iter().for_each(|e| on_event(UpdateEvent::Error(e)));
                batch.warnings.iter().for_each(|w| on_event(UpdateEvent::Warning(w)));
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
            _ if self.recheck && added == 0 => report.unchanged += 1,
            _ if self.recheck => report.updated += 1,
            // Nothing of the file made it in: not added, and seen again next run.
            Some(c) if added == 0 && !self.existed => {
                let reason = SkipReason::IdTaken { id: c.id.as_str().to_owned(), by: c.kept };
                report.skipped.push(Skipped { path: file.path.clone(), reason });
            }
            _ if self.existed => report.updated += 1,
            _ => report.added += 1,
        }
        Ok(added)
    }
}

/// The file beside the index listing files with records left out for ids other files held.
///
/// Such a file is otherwise indexed and unchanged, so nothing would read it again when the
/// holder of such an id goes away; listed here, it is read again by every run until all its
/// records are in. Written before each commit as a superset (a killed run can only list too
/// much, which costs a re-read) and exactly after the last one.
pub(crate) const PARTIAL_FILE: &str = "newsearch-collisions.json";

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct PartialRecord {
    files: Vec<String>,
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
        let started = Instant::now();
        let mut report = UpdateReport::default();
        let mut begun = None;
        match self.run_update(paths, options, on_event, &mut report, &mut begun) {
            Ok(rebuild) => {
                report.elapsed = started.elapsed();
                self.record_run(&report, rebuild, None)?;
                Ok(report)
            }
            Err(e) => {
                // A run that started writing and then failed (a full disk, a damaged file) is
                // recorded too, with its error, so `stats` does not describe an older run as the
                // last one. A run refused before it began (locked, nothing to index) is not.
                if let Some(rebuild) = begun {
                    report.elapsed = started.elapsed();
                    let _ = self.record_run(&report, rebuild, Some(&e));
                }
                Err(e)
            }
        }
    }

    /// The run itself: fills `report`, sets `begun` (to whether it rebuilds) once it has
    /// recorded itself in the marker, and returns whether it rebuilt.
    fn run_update<P: AsRef<Path>>(
        &self,
        paths: &[P],
        options: &UpdateOptions,
        on_event: &mut dyn FnMut(UpdateEvent<'_>),
        report: &mut UpdateReport,
        begun: &mut Option<bool>,
    ) -> Result<bool> {
        let mut writer = self.writer_with(&options.writer)?;

        let (recorded_roots, recorded) = self.recorded()?;
        let bare = paths.is_empty();
        let requested: Vec<PathBuf> =
            if bare { recorded_roots.clone() } else { paths.iter().map(|p| p.as_ref().to_owned()).collect() };
        if requested.is_empty() {
            return Err(Error::InvalidArgument("nothing to index: name files or folders".into()));
        }
        // A bare run repeats the recorded job: its options, and a rebuild left unfinished.
        let rebuild = options.rebuild || (bare && recorded.as_ref().is_some_and(|r| r.rebuild_pending));
        let (walk_options, parse_options) = match (&recorded, bare) {
            (Some(run), true) => run.options(options),
            _ => (options.walk.clone(), options.parse.clone()),
        };

        let mut roots = Vec::new();
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
        // Sorted, and a root inside another is left to it: walking both would read its files
        // twice under two ids. Walking roots in sorted order visits paths in sorted order.
        let roots = outermost(roots);
        self.begin_run(&roots, rebuild && !bare, RecordedRun::new(rebuild, &walk_options, &parse_options))?;
        *begun = Some(rebuild);
        // Ids are relative to the outermost indexed folder holding a file, so naming a
        // subfolder of an indexed folder keeps the ids its files already have.
        let known_roots = if rebuild && !bare { Vec::new() } else { recorded_roots };
        let walk_roots: Vec<(PathBuf, PathBuf)> = roots
            .iter()
            .map(|r| {
                let base =
                    known_roots.iter().filter(|k| r.starts_with(k)).min_by_key(|k| k.components().count());
                (r.clone(), base.unwrap_or(r).clone())
            })
            .collect();

        let manifest = if rebuild { FxHashMap::default() } else { self.manifest()? };
        // The index as the run found it: who holds each id, for collisions with earlier runs.
        let snapshot = self.reader.searcher();
        if rebuild {
            writer.delete_all()?;
        }
        let fresh = rebuild || (manifest.is_empty() && snapshot.num_docs() == 0);
        // A bulk run into an empty index ends by merging its segments, so the engine's own
        // merges along the way would only write the same articles again (about twice the final
        // index on disk at ×4). Off for such runs; incremental runs keep them.
        if fresh && matches!(options.merge, MergeAfter::Articles(_) | MergeAfter::OneSegment) {
            writer.pause_merges();
        }
        let found = walk_under(&walk_roots, &walk_options);
        report.skipped_unknown_extension = found.unknown_extension;
        report.skipped_symlinks = found.symlinks_skipped;
        report.skipped_special = found.special_skipped;
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

        // Files gone from the folders walked.
        // Borrowed, and only when there is something to look up: a fresh run of a million files
        // needs no second copy of every path.
        let walked_paths: FxHashSet<std::borrow::Cow<'_, str>> =
            if manifest.is_empty() && !self.dir().is_some_and(|d| d.join(PARTIAL_FILE).exists()) {
                FxHashSet::default()
            } else {
                found.files.iter().map(|f| f.path.to_string_lossy()).collect()
            };
        let vanished: Vec<String> = manifest
            .keys()
            .filter(|p| !walked_paths.contains(p.as_str()))
            .filter(|p| {
                let p = Path::new(p.as_str());
                roots.iter().any(|r| p.starts_with(r)) && !unsure.iter().any(|u| p.starts_with(u))
            })
            .cloned()
            .collect();
        // Gone files lose their articles first, so their ids are free for this run's files.
        for path in &vanished {
            writer.delete_path(path);
            report.removed += 1;
        }
        let mut ids = IdClaims::new(self, snapshot, fresh, &found.files, vanished.into_iter())?;

        let (commit_every, commit_interval) = if rebuild {
            (usize::MAX, Duration::MAX)
        } else {
            (
                options.commit_every.unwrap_or(UpdateOptions::DEFAULT_COMMIT_EVERY),
                options.commit_interval.unwrap_or(UpdateOptions::DEFAULT_COMMIT_INTERVAL),
            )
        };
        let mut since_commit = 0usize;
        let mut last_commit = Instant::now();
        let total = found.files.len();
        // Files with records left out last time are read again; the list is rebuilt by this run
        // for the files it walks, and kept for the others.
        let recheck = if rebuild { FxHashSet::default() } else { self.read_partial() };
        ids.partial = recheck
            .iter()
            .filter(|p| !ids.released.contains(*p) && !walked_paths.contains(p.as_str()))
            .cloned()
            .collect();
        let outcomes =
            ordered_par_map(&found.files, |file| consider(file, &manifest, &parse_options, &recheck));
        for (done, (file, outcome)) in outcomes.enumerate() {
            let key: Arc<str> = file.path.to_string_lossy().into();
            ids.begin_file(done);
            match outcome {
                Outcome::Unchanged => report.unchanged += 1,
                Outcome::Failed(e) => {
                    report.failed += 1;
                    report.skipped.push(failed(&file.path, &e));
                    on_event(UpdateEvent::Error(&e));
                }
                Outcome::Recheck { parsed, stamp } => {
                    let file_run = FileRun { stamp, existed: true, recheck: true };
                    let batches = Batches::Whole(Some(parsed));
                    since_commit +=
                        file_run.index(&mut writer, &mut ids, batches, file, &key, report, on_event)?;
                }
                Outcome::Changed { stamp, parsed, existed } => {
                    let file_run = FileRun { stamp, existed, recheck: false };
                    let batches = Batches::Whole(Some(parsed));
                    since_commit +=
                        file_run.index(&mut writer, &mut ids, batches, file, &key, report, on_event)?;
                }
                // Opened before anything is deleted: a file that can't be read keeps its articles.
                Outcome::Stream { layout, stamp, existed, recheck } => {
                    let limit = parse_options.get_max_file_size();
                    match RecordStream::open(&file.path, &file.id_base, layout, limit) {
                        Ok(stream) => {
                            let file_run = FileRun { stamp, existed, recheck };
                            let batches = Batches::Stream(stream);
                            since_commit += file_run.index(
                                &mut writer,
                                &mut ids,
                                batches,
                                file,
                                &key,
                                report,
                                on_event,
                            )?;
                        }
                        Err(e) => {
                            report.failed += 1;
                            report.skipped.push(failed(&file.path, &e));
                            on_event(UpdateEvent::Error(&e));
                        }
                    }
                }
            }
            on_event(UpdateEvent::Progress { done: done + 1, total });
            if since_commit >= commit_every || (since_commit > 0 && last_commit.elapsed() >= commit_interval)
            {
                self.write_partial(recheck.iter().chain(&ids.partial))?;
                on_event(UpdateEvent::Committed(writer.commit()?));
                since_commit = 0;
                last_commit = Instant::now();
            }
        }

        self.write_partial(recheck.iter().chain(&ids.partial))?;
        let stats = writer.commit()?;
        self.write_partial(ids.partial.iter())?;
        on_event(UpdateEvent::Committed(stats));
        // The claims' snapshot of the index as the run found it would keep the segments it
        // holds on disk through the merges below.
        drop(ids);
        match options.merge {
            MergeAfter::Articles(n) if report.articles_indexed >= n => writer.compact()?,
            MergeAfter::OneSegment => writer.merge_all()?,
            MergeAfter::Articles(_) | MergeAfter::Never => {}
        }
        writer.finish()?;
        self.end_run()?;
        report.articles_total = stats.articles;
        Ok(rebuild)
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
                // A file partly re-indexed has articles with older stamps: its newest is its own.
                let newest = by_ord.get(&ord).is_none_or(|had| had.mtime <= stamp.mtime);
                if newest {
                    by_ord.insert(ord, stamp);
                }
            }
            let mut terms = paths.dictionary().stream().map_err(|e| Error::engine(self.dir(), e))?;
            while terms.advance() {
                if let Some(stamp) = by_ord.get(&terms.term_ord()) {
                    let path = String::from_utf8_lossy(terms.key()).into_owned();
                    if out.get(&path).is_none_or(|had: &FileStamp| had.mtime <= stamp.mtime) {
                        out.insert(path, *stamp);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// The answer to "may this article have its id?".
enum Claim {
    /// Nobody else holds it.
    Free,
    /// An article from a later path held it: this one replaces it.
    Wins { over: PathBuf },
    /// An article from an earlier path (or an earlier record of this file) holds it.
    Loses { to: PathBuf },
    /// Rechecking an unchanged file: this file's article already holds it.
    Held,
}

/// Who holds each id during a run, so that one id never names two articles.
struct IdClaims<'a> {
    index: &'a Index,
    /// The index as the run found it (nothing to consult when it started empty).
    snapshot: Option<(Searcher, Vec<Option<StrColumn>>)>,
    /// Ids claimed by this run (by [`id_key`]), with the claiming file's number in `files`.
    this_run: FxHashMap<(u64, u64), u32>,
    /// The files this run reads, in order, and the number of the one being placed.
    files: &'a [SourceFile],
    file: u32,
    /// Files whose earlier articles this run deletes: the ids they held are free.
    released: FxHashSet<String>,
    /// Indexed files with a record left out for an id another file holds ([`PARTIAL_FILE`]).
    partial: FxHashSet<String>,
}

/// What [`IdClaims::place`] did with a file's articles.
struct Placed {
    /// Articles added.
    added: usize,
    /// Ids held by two articles, and which one has it now.
    collisions: Vec<Collision>,
}

impl<'a> IdClaims<'a> {
    fn new(
        index: &'a Index,
        snapshot: Searcher,
        fresh: bool,
        files: &'a [SourceFile],
        released: impl Iterator<Item = String>,
    ) -> Result<IdClaims<'a>> {
        let snapshot = if fresh {
            None
        } else {
            let columns = snapshot
                .segment_readers()
                .iter()
                .map(|s| s.fast_fields().str(names::PATH).map_err(|e| index.error(e)))
                .collect::<Result<Vec<_>>>()?;
            Some((snapshot, columns))
        };
        Ok(IdClaims {
            index,
            snapshot,
            this_run: FxHashMap::default(),
            files,
            file: 0,
            released: released.collect(),
            partial: FxHashSet::default(),
        })
    }

    /// Adds each of a file's articles whose id it may have, and reports the others.
    ///
    /// `recheck`: the file is unchanged and its articles that hold their ids stay as they are;
    /// only those left out before are tried again.
    fn place(
        &mut self,
        writer: &mut IndexWriter<'_>,
        articles: &[Article],
        stamp: FileStamp,
        key: &Arc<str>,
        path: &Path,
        recheck: bool,
    ) -> Result<Placed> {
        let mut placed = Placed { added: 0, collisions: Vec::new() };
        let mut lost = false;
        for article in articles {
            let id = article.id.clone();
            match self.claim(&article.id, key, recheck)? {
                Claim::Held => continue,
                Claim::Free => writer.add_with(article, stamp, false)?,
                Claim::Wins { over } => {
                    writer.add_with(article, stamp, true)?;
                    // The file that held the id keeps its other articles: like any file with a
                    // record left out, it is read again until the id is free.
                    self.partial.insert(over.to_string_lossy().into_owned());
                    placed.collisions.push(Collision { id, kept: path.to_owned(), dropped: over });
                }
                Claim::Loses { to } => {
                    lost = true;
                    placed.collisions.push(Collision { id, kept: to, dropped: path.to_owned() });
                    continue;
                }
            }
            placed.added += 1;
        }
        if lost && (placed.added > 0 || recheck) {
            self.partial.insert(key.to_string());
        }
        Ok(placed)
    }

    /// The claims that follow are made by the `number`th file of the run.
    fn begin_file(&mut self, number: usize) {
        // More than 4 billion files can't be held in memory anyway.
        self.file = u32::try_from(number).unwrap_or(u32::MAX);
    }

    fn release(&mut self, path: &str) {
        self.released.insert(path.to_owned());
    }

    /// Who gets `id`: the file at `path` or the one holding it. `recheck`: the file is
    /// unchanged, so an article of its own that holds the id stays ([`Claim::Held`]); otherwise
    /// its own old articles are being replaced and the id is free.
    fn claim(&mut self, id: &ArticleId, path: &Arc<str>, recheck: bool) -> Result<Claim> {
        let key = id_key(id);
        if let Some(&holder) = self.this_run.get(&key) {
            let holder = self.files.get(holder as usize).map(|f| f.path.clone()).unwrap_or_default();
            return Ok(Claim::Loses { to: holder });
        }
        let claim = match self.holder(id)? {
            None => Claim::Free,
            Some(h) if *h == **path && recheck => Claim::Held,
            Some(h) if *h == **path || self.released.contains(&h) => Claim::Free,
            // Component order, the order folders are walked in.
            Some(h) if Path::new(path.as_ref()) < Path::new(&h) => Claim::Wins { over: PathBuf::from(h) },
            Some(h) => return Ok(Claim::Loses { to: PathBuf::from(h) }),
        };
        self.this_run.insert(key, self.file);
        Ok(claim)
    }

    /// The content hashes of the articles read from the file at `path`, as now indexed.
    fn content_hashes(&self, path: &str) -> Result<FxHashSet<u64>> {
        let searcher = self.index.reader.searcher();
        let term = self.index.fields.path_term(path);
        let err = |e| self.index.error(e);
        let mut out = FxHashSet::default();
        for segment in searcher.segment_readers() {
            let inverted = segment.inverted_index(self.index.fields.path).map_err(err)?;
            let Some(mut postings) =
                inverted.read_postings(&term, IndexRecordOption::Basic).map_err(|e| err(e.into()))?
            else {
                continue;
            };
            let hashes = segment.fast_fields().u64(names::CONTENT_HASH).map_err(err)?;
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if !segment.is_deleted(doc) {
                    out.extend(hashes.first(doc));
                }
                doc = postings.advance();
            }
        }
        Ok(out)
    }

    /// The file of the article holding `id` when the run started.
    fn holder(&self, id: &ArticleId) -> Result<Option<String>> {
        let Some((searcher, paths)) = &self.snapshot else { return Ok(None) };
        let term = self.index.fields.id_term(id.as_str());
        let err = |e| self.index.error(e);
        for (segment, paths) in searcher.segment_readers().iter().zip(paths) {
            let inverted = segment.inverted_index(self.index.fields.id).map_err(err)?;
            let postings = inverted.read_postings(&term, IndexRecordOption::Basic);
            let Some(mut postings) = postings.map_err(|e| err(e.into()))? else { continue };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if !segment.is_deleted(doc) {
                    let mut path = String::new();
                    if let (Some(paths), Some(ord)) =
                        (paths, paths.as_ref().and_then(|p| p.term_ords(doc).next()))
                    {
                        paths.ord_to_str(ord, &mut path).map_err(|e| err(e.into()))?;
                    }
                    return Ok(Some(path));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }
}

/// An id as the run's claims remember it: its 128-bit hash, 24 bytes per article with the
/// claiming file instead of about 110 for the id's text (a million articles: 24 MB, not 110).
/// Two ids of one archive sharing a hash is about as likely as a random 128-bit collision
/// (below 10^-20 for a billion ids).
fn id_key(id: &ArticleId) -> (u64, u64) {
    let hash = xxhash_rust::xxh3::xxh3_128(id.as_str().as_bytes());
    ((hash >> 64) as u64, hash as u64)
}

impl Index {
    /// The files listed in [`PARTIAL_FILE`]; none when there is no list or it can't be read
    /// (the run then rewrites it).
    fn read_partial(&self) -> FxHashSet<String> {
        let Some(dir) = self.dir() else { return FxHashSet::default() };
        std::fs::read(dir.join(PARTIAL_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<PartialRecord>(&b).ok())
            .map(|r| r.files.into_iter().collect())
            .unwrap_or_default()
    }

    fn write_partial<'s>(&self, files: impl Iterator<Item = &'s String>) -> Result<()> {
        let Some(dir) = self.dir() else { return Ok(()) };
        let mut files: Vec<String> = files.cloned().collect();
        files.sort();
        files.dedup();
        if files.is_empty() && !dir.join(PARTIAL_FILE).exists() {
            return Ok(());
        }
        let bytes =
            serde_json::to_vec_pretty(&PartialRecord { files }).map_err(|e| Error::engine(Some(dir), e))?;
        crate::index::write_atomically(dir, PARTIAL_FILE, &bytes)
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
fn consider(
    file: &SourceFile,
    manifest: &FxHashMap<String, FileStamp>,
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
            Some(k) if same => *k,
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
        Some(k) if same => *k,
        _ => FileStamp { size: bytes.len() as u64, mtime, hash },
    };
    match parse_bytes(&bytes, file.format, &file.path, &file.id_base) {
        Ok(parsed) if same => Outcome::Recheck { parsed, stamp },
        Ok(parsed) => Outcome::Changed { stamp, parsed, existed: known.is_some() },
        Err(e) => Outcome::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IndexOptions, Query};

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
            problems[0].ends_with("x.jsonl: line 2: record is 100043 bytes, over the 1000-byte limit (raise it with --max-file-size)"),
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
