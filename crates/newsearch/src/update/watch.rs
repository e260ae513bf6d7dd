//! Following folders: after an ordinary incremental run, file events (create, edit, rename,
//! delete) are gathered and applied in batches, each one incremental update and one commit.
//!
//! Events come from the operating system through `notify`'s debouncer, which waits until a
//! path has been quiet for a moment, pairs renames and drops duplicates. A batch names only
//! what changed: files that exist (read if their stamp changed) and, for paths that are gone,
//! the nearest folder still there, whose walk drops the articles of files no longer in it. A
//! queue overflow, a watch error or the polling fallback reconcile whole roots instead.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant, SystemTime};

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};

use crate::error::{Error, Result};
use crate::index::files::outermost;
use crate::parse::Format;
use crate::update::writer::IndexWriter;
use crate::update::{CancelToken, UpdateEvent, UpdateOptions, UpdateReport};

/// How [`IndexWriter::watch`] follows folders.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    update: UpdateOptions,
    quiet: Duration,
    every: Duration,
    poll: Option<Duration>,
}

impl Default for WatchOptions {
    fn default() -> Self {
        WatchOptions {
            update: UpdateOptions::new(),
            quiet: Self::DEFAULT_QUIET,
            every: Self::DEFAULT_EVERY,
            poll: None,
        }
    }
}

impl WatchOptions {
    /// How long a path must be quiet before its change is applied: a file being written in
    /// chunks is read once it stops changing.
    pub const DEFAULT_QUIET: Duration = Duration::from_millis(300);

    /// The shortest time between two batches: a steady trickle of files is committed twice a
    /// second rather than once per file (each commit writes a segment for merges to fold).
    pub const DEFAULT_EVERY: Duration = Duration::from_millis(500);

    /// Defaults: follow file events, apply a change once its file has been quiet 300 ms, at
    /// most one batch every 500 ms.
    pub fn new() -> Self {
        WatchOptions::default()
    }

    /// How each run reads and writes (walk, parse, commit cadence of the first run).
    pub fn update(mut self, update: UpdateOptions) -> Self {
        self.update = update;
        self
    }

    /// How long a file must be quiet (no event, unchanged modification time) before it is read.
    pub fn quiet(mut self, quiet: Duration) -> Self {
        self.quiet = quiet;
        self
    }

    /// The shortest time between two batches (see [`WatchOptions::DEFAULT_EVERY`]).
    pub fn every(mut self, every: Duration) -> Self {
        self.every = every;
        self
    }

    /// Also reconcile every root this often, for file systems that send no events (network
    /// mounts); events are still followed where they come.
    pub fn poll(mut self, every: Option<Duration>) -> Self {
        self.poll = every;
        self
    }
}

/// What [`IndexWriter::watch`] tells while it runs.
#[derive(Debug)]
#[non_exhaustive]
pub enum WatchEvent<'a> {
    /// Something from a run (its progress, a file that failed, a commit).
    Update(UpdateEvent<'a>),
    /// The first run is done: changes under these roots are followed from now on.
    Watching {
        /// The roots followed.
        roots: &'a [PathBuf],
        /// What the first run did.
        report: &'a UpdateReport,
    },
    /// A batch of changes was applied and committed.
    Applied {
        /// What the batch's run did.
        report: &'a UpdateReport,
        /// Paths that changed in the batch.
        changed: usize,
        /// Whether whole roots were reconciled (a queue overflow, a watch error, polling).
        rescan: bool,
    },
    /// A problem with following (a root gone, an event error); the watch goes on.
    Problem(&'a Error),
}

/// Whether an event can change what a path holds. Opening and reading (this watch's own runs
/// read every file they index) and metadata changes do not; a write being closed does.
fn changes_content(kind: &notify::EventKind) -> bool {
    use notify::EventKind;
    use notify::event::{AccessKind, AccessMode, ModifyKind};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Any
        | EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Remove(_)
        | EventKind::Other => true,
    }
}

/// Names that are never articles: editor swap and backup files, download temporaries.
pub(crate) fn is_transient(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swx", ".part", ".crdownload", ".tmp", ".partial"].iter().any(|s| lower.ends_with(s))
}

impl IndexWriter {
    /// Brings the index up to date with `roots` (as [`IndexWriter::update`] does), then follows
    /// them: every file created, edited, renamed or deleted is applied in batches, each one
    /// incremental update and one commit, once its file has been quiet for
    /// [`WatchOptions::quiet`]. A burst of thousands of files is one batch. Returns `Ok` when
    /// `stop` is cancelled, after applying and committing what was pending.
    ///
    /// Fails at start when a root can't be followed (with [`Error::Watch`], which says how to
    /// raise the system's limit of watched folders when that is the reason); problems while
    /// following are told as [`WatchEvent::Problem`] and the watch goes on.
    pub fn watch<P: AsRef<Path>>(
        &mut self,
        roots: &[P],
        options: &WatchOptions,
        stop: &CancelToken,
        on_event: &mut dyn FnMut(WatchEvent<'_>),
    ) -> Result<()> {
        let roots: Vec<PathBuf> = roots
            .iter()
            .map(|r| {
                std::path::absolute(r.as_ref())
                    .and_then(|p| p.canonicalize())
                    .map_err(|e| Error::io(r.as_ref(), e))
            })
            .collect::<Result<_>>()?;
        let roots = outermost(roots);
        let (events, received) = channel::<DebounceEventResult>();
        let mut debouncer = new_debouncer(options.quiet, None, events).map_err(|e| watch_error(None, e))?;
        for root in &roots {
            debouncer.watch(root, RecursiveMode::Recursive).map_err(|e| watch_error(Some(root), e))?;
        }
        let first = self.update(&roots, &options.update, &mut |e| on_event(WatchEvent::Update(e)))?;
        on_event(WatchEvent::Watching { roots: &roots, report: &first });

        let mut pending: BTreeSet<PathBuf> = BTreeSet::new();
        let mut rescan = false;
        let mut last_poll = Instant::now();
        let mut gone: Vec<PathBuf> = Vec::new();
        // Once asked to stop, events already in the debouncer (which holds each one until its
        // path has been quiet) are waited for, so nothing written before the stop is lost.
        let mut stopping_at: Option<Instant> = None;
        // Each file as a batch read it: (modified, length).
        let mut applied: HashMap<PathBuf, (SystemTime, u64)> = HashMap::new();
        let mut last_batch: Option<Instant> = None;
        loop {
            if stop.is_cancelled() && stopping_at.is_none() {
                stopping_at = Some(Instant::now() + options.quiet * 2 + Duration::from_millis(100));
            }
            let stopping = stopping_at.is_some_and(|at| Instant::now() >= at);
            match received.recv_timeout(Duration::from_millis(50)) {
                Ok(result) => take(result, &mut pending, &mut rescan, on_event),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Error::Watch { path: None, reason: "the file watcher stopped".into() });
                }
            }
            // Events queue up while a batch runs: take what is there before applying.
            while let Ok(result) = received.try_recv() {
                take(result, &mut pending, &mut rescan, on_event);
            }
            for root in &roots {
                let there = root.is_dir();
                if !there && !gone.contains(root) {
                    let e = Error::Watch { path: Some(root.clone()), reason: "the folder is gone".into() };
                    on_event(WatchEvent::Problem(&e));
                    gone.push(root.clone());
                } else if there && gone.contains(root) {
                    // Back (a remount, a restore): followed again, and reconciled.
                    gone.retain(|g| g != root);
                    if let Err(e) = debouncer.watch(root, RecursiveMode::Recursive) {
                        on_event(WatchEvent::Problem(&watch_error(Some(root), e)));
                    }
                    rescan = true;
                }
            }
            if options.poll.is_some_and(|every| last_poll.elapsed() >= every) {
                rescan = true;
                last_poll = Instant::now();
            }
            // A file still being written (modified within the quiet time) waits, unless stopping.
            let settled = |p: &PathBuf| {
                stopping
                    || std::fs::metadata(p).and_then(|m| m.modified()).map_or(true, |t| {
                        SystemTime::now().duration_since(t).map_or(true, |age| age >= options.quiet)
                    })
            };
            // Not before `every` since the last batch (unless stopping): what settles meanwhile
            // joins the next one.
            if !stopping && last_batch.is_some_and(|at| at.elapsed() < options.every) {
                continue;
            }
            let (mut ready, waiting): (BTreeSet<PathBuf>, BTreeSet<PathBuf>) =
                std::mem::take(&mut pending).into_iter().partition(settled);
            pending = waiting;
            // Late events for a file already read as it is now (a close after the last write)
            // change nothing.
            ready.retain(|p| stamp_of(p).is_none_or(|now| applied.get(p) != Some(&now)));
            if !ready.is_empty() || rescan {
                let targets: Vec<PathBuf> = if rescan {
                    roots.iter().filter(|r| r.is_dir()).cloned().collect()
                } else {
                    targets_of(&ready, &roots)
                };
                if !targets.is_empty() {
                    if applied.len() > 100_000 {
                        applied.clear();
                    }
                    applied.extend(ready.iter().filter_map(|p| Some((p.clone(), stamp_of(p)?))));
                    let report =
                        self.update(&targets, &options.update, &mut |e| on_event(WatchEvent::Update(e)))?;
                    last_batch = Some(Instant::now());
                    on_event(WatchEvent::Applied { report: &report, changed: ready.len(), rescan });
                }
                rescan = false;
            }
            if stopping {
                return Ok(());
            }
        }
    }
}

/// A file's (modified, length), if it is a file.
fn stamp_of(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    Some((m.modified().ok()?, m.len()))
}

/// Paths whose content an event may have changed go to `pending`; a rescan is asked for when
/// events were lost or could not be read.
fn take(
    result: DebounceEventResult,
    pending: &mut BTreeSet<PathBuf>,
    rescan: &mut bool,
    on_event: &mut dyn FnMut(WatchEvent<'_>),
) {
    match result {
        Ok(events) => {
            for event in events {
                *rescan |= event.need_rescan();
                if changes_content(&event.kind) {
                    pending.extend(event.paths.iter().filter(|p| !is_transient(p)).cloned());
                }
            }
        }
        Err(errors) => {
            // Events may have been lost: reconcile.
            *rescan = true;
            for e in errors {
                on_event(WatchEvent::Problem(&watch_error(None, e)));
            }
        }
    }
}

/// What a batch's run names for the changed `paths`: article files that exist, folders that
/// exist (a folder moved in), and for a path that is gone the nearest folder still there
/// within a root (its walk drops what is no longer in it). Nested targets are left to the
/// outermost.
fn targets_of(paths: &BTreeSet<PathBuf>, roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut targets = Vec::new();
    for path in paths {
        if !roots.iter().any(|r| path.starts_with(r)) {
            continue;
        }
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => targets.push(path.clone()),
            Ok(m) if m.is_file() => {
                if Format::from_path(path).is_some() {
                    targets.push(path.clone());
                }
            }
            Ok(_) => {}
            Err(_) => {
                let mut folder = path.parent();
                while let Some(f) = folder {
                    if !roots.iter().any(|r| f.starts_with(r)) {
                        break;
                    }
                    if f.is_dir() {
                        targets.push(f.to_owned());
                        break;
                    }
                    folder = f.parent();
                }
            }
        }
    }
    outermost(targets)
}

fn watch_error(path: Option<&Path>, e: notify::Error) -> Error {
    let reason = match &e.kind {
        notify::ErrorKind::MaxFilesWatch => "the system's limit of watched folders is reached (raise it: sysctl fs.inotify.max_user_watches=524288)".to_owned(),
        _ => e.to_string(),
    };
    let path = path.map(Path::to_owned).or_else(|| e.paths.first().cloned());
    Error::Watch { path, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_and_download_temporaries_are_never_articles() {
        for name in
            [".a.txt.swp", "a.txt~", ".#a.txt", "4913", "a.json.part", "a.md.crdownload", "a.tmp", "x.SWX"]
        {
            assert!(is_transient(Path::new(name)), "{name}");
        }
        for name in ["a.txt", "notes.md", "2025-03.jsonl", "index.html"] {
            assert!(!is_transient(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn lost_events_ask_for_a_rescan_and_reads_are_no_changes() {
        use notify::event::{AccessKind, AccessMode, CreateKind, Flag};
        use notify::{Event, EventKind};
        use notify_debouncer_full::DebouncedEvent;
        let at = std::time::Instant::now();
        let event = |kind, path: &str| DebouncedEvent::new(Event::new(kind).add_path(path.into()), at);
        let (mut pending, mut rescan, mut problems) = (BTreeSet::new(), false, 0);
        let mut count = |e: WatchEvent<'_>| {
            if let WatchEvent::Problem(_) = e {
                problems += 1;
            }
        };
        // This watch's own reads (opens, closes without writing) change nothing.
        let reads = vec![
            event(EventKind::Access(AccessKind::Open(AccessMode::Any)), "/r/a.md"),
            event(EventKind::Access(AccessKind::Close(AccessMode::Read)), "/r/a.md"),
        ];
        take(Ok(reads), &mut pending, &mut rescan, &mut count);
        assert!(pending.is_empty() && !rescan);
        // A write, and a temporary that is never an article.
        let writes = vec![
            event(EventKind::Create(CreateKind::File), "/r/b.md"),
            event(EventKind::Access(AccessKind::Close(AccessMode::Write)), "/r/.b.md.swp"),
        ];
        take(Ok(writes), &mut pending, &mut rescan, &mut count);
        assert_eq!(pending.iter().collect::<Vec<_>>(), [Path::new("/r/b.md")]);
        // The system's queue overflowed: the whole roots are reconciled.
        let overflow = DebouncedEvent::new(Event::new(EventKind::Other).set_flag(Flag::Rescan), at);
        take(Ok(vec![overflow]), &mut pending, &mut rescan, &mut count);
        assert!(rescan);
        // An error from the watcher: events may be lost, so a rescan too, and a problem told.
        rescan = false;
        take(Err(vec![notify::Error::generic("queue broken")]), &mut pending, &mut rescan, &mut count);
        assert!(rescan);
        assert_eq!(problems, 1);
    }

    #[test]
    fn the_system_watch_limit_is_reported_with_how_to_raise_it() {
        let limit = notify::Error::new(notify::ErrorKind::MaxFilesWatch);
        let e = watch_error(Some(Path::new("/archive")), limit);
        assert!(matches!(&e, Error::Watch { path: Some(p), .. } if p == Path::new("/archive")));
        assert_eq!(
            e.to_string(),
            "can't follow /archive: the system's limit of watched folders is reached (raise it: sysctl fs.inotify.max_user_watches=524288)"
        );
        let other = watch_error(None, notify::Error::path_not_found().add_path("/gone".into()));
        assert!(matches!(&other, Error::Watch { path: Some(p), .. } if p == Path::new("/gone")), "{other}");
    }

    #[test]
    fn a_gone_path_is_looked_for_from_its_nearest_folder_still_there() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/new.md"), "# T\n").unwrap();
        std::fs::write(root.join("a/skip.png"), "x").unwrap();
        let paths: BTreeSet<PathBuf> = [
            root.join("a/b/new.md"),
            root.join("a/gone/deep/x.txt"),
            root.join("a/skip.png"),
            PathBuf::from("/elsewhere/y.txt"),
        ]
        .into_iter()
        .collect();
        // The gone file's nearest folder `a` holds the new file too: one target.
        assert_eq!(targets_of(&paths, std::slice::from_ref(&root)), [root.join("a")]);
    }
}
