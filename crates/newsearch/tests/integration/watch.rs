//! Following a live folder: each kind of change reaches searches within about a second, in
//! batches, and a stop commits what was pending.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use newsearch::{CancelToken, Index, IndexOptions, Query, WatchEvent, WatchOptions, WriterOptions};

/// A watch running on its own thread over `folder`, stopped (and joined) when dropped.
struct Watching {
    index: Index,
    stop: CancelToken,
    /// Per applied batch: (paths changed, whether it rescanned).
    batches: Arc<Mutex<Vec<(usize, bool)>>>,
    thread: Option<JoinHandle<newsearch::Result<()>>>,
}

impl Watching {
    fn start(folder: &Path, index_dir: &Path) -> Watching {
        let index = Index::create(index_dir, &IndexOptions::new()).unwrap();
        let mut writer = index.writer_with(&WriterOptions::new().memory_budget(32 << 20).threads(1)).unwrap();
        let stop = CancelToken::new();
        let batches = Arc::new(Mutex::new(Vec::new()));
        let (ready, started) = std::sync::mpsc::channel();
        let (folder, token, seen) = (folder.to_owned(), stop.clone(), Arc::clone(&batches));
        let options = WatchOptions::new().quiet(Duration::from_millis(150));
        let thread = std::thread::spawn(move || {
            writer.watch(&[folder], &options, &token, &mut |event| match event {
                WatchEvent::Watching { .. } => drop(ready.send(())),
                WatchEvent::Applied { changed, rescan, .. } => seen.lock().unwrap().push((changed, rescan)),
                _ => {}
            })
        });
        started.recv_timeout(Duration::from_secs(20)).expect("the watch starts");
        Watching { index, stop, batches, thread: Some(thread) }
    }

    /// Waits (at most 10 s) until `text` matches `n` articles; returns how long it took.
    fn until(&self, text: &str, n: usize) -> Duration {
        let started = Instant::now();
        loop {
            let total = self.index.search(&Query::new(text).mode(newsearch::MatchMode::All)).unwrap().total;
            if total == n {
                return started.elapsed();
            }
            assert!(started.elapsed() < Duration::from_secs(10), "{text:?}: {total} articles, expected {n}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(mut self) -> Index {
        self.stop.stop();
        self.thread.take().unwrap().join().unwrap().unwrap();
        self.index.clone()
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

trait Stop {
    fn stop(&self);
}

impl Stop for CancelToken {
    fn stop(&self) {
        self.cancel();
    }
}

fn md(title: &str, body: &str) -> String {
    format!("# {title}\n\n{body}\n")
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("live");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("old.md"), md("Harbour report", "The old harbour crane.")).unwrap();
    (tmp, folder)
}

#[test]
fn creates_edits_atomic_saves_renames_and_deletes_reach_searches_within_a_second() {
    let (tmp, folder) = setup();
    let w = Watching::start(&folder, &tmp.path().join("idx"));
    w.until("harbour", 1);

    std::fs::write(folder.join("new.md"), md("Ferry strike", "Ferries stopped at dawn.")).unwrap();
    let created = w.until("ferry", 1);
    std::fs::write(folder.join("new.md"), md("Ferry strike ends", "Ferries sail again; tugboats too."))
        .unwrap();
    let edited = w.until("tugboats", 1);
    // An atomic save: a temporary written, then renamed over the article.
    std::fs::write(folder.join(".new.md.tmp"), md("Ferry strike over", "Lighthouse keepers cheered."))
        .unwrap();
    std::fs::rename(folder.join(".new.md.tmp"), folder.join("new.md")).unwrap();
    let saved = w.until("lighthouse", 1);
    w.until("tugboats", 0);
    std::fs::rename(folder.join("new.md"), folder.join("renamed.md")).unwrap();
    let renamed = folder.canonicalize().unwrap().join("renamed.md");
    let started = Instant::now();
    while w.index.get_by_path(&renamed).unwrap().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the article never moved to its new name");
        std::thread::sleep(Duration::from_millis(20));
    }
    w.until("lighthouse", 1);
    std::fs::remove_file(folder.join("renamed.md")).unwrap();
    let deleted = w.until("lighthouse", 0);
    // Swap and backup files, and download temporaries, are never articles.
    for name in [".old.md.swp", "old.md~", "4913", "grab.md.part", "grab.md.crdownload"] {
        std::fs::write(folder.join(name), md("Swap", "Swapfile words.")).unwrap();
    }
    std::fs::write(folder.join("after.md"), md("After", "Swapfile check done.")).unwrap();
    w.until("check", 1);
    assert_eq!(w.index.search(&Query::new("swapfile")).unwrap().total, 1, "only after.md");
    for (what, took) in [("create", created), ("edit", edited), ("atomic save", saved), ("delete", deleted)] {
        assert!(took < Duration::from_secs(3), "{what} took {took:?}");
    }
    w.stop();
}

#[test]
fn a_burst_of_files_is_a_few_batches_and_a_slow_writer_is_read_whole() {
    let (tmp, folder) = setup();
    let w = Watching::start(&folder, &tmp.path().join("idx"));
    for i in 0..500 {
        std::fs::write(
            folder.join(format!("burst-{i:03}.md")),
            md(&format!("Burst {i}"), "Grain shipments."),
        )
        .unwrap();
    }
    w.until("grain", 500);
    // The last batch is recorded just after its commit is seen.
    std::thread::sleep(Duration::from_millis(300));
    let batches = w.batches.lock().unwrap().clone();
    assert!(batches.len() <= 10, "500 files in {} batches: {batches:?}", batches.len());

    // Written in three chunks 100 ms apart: read once it has been quiet, so whole.
    let before = w.batches.lock().unwrap().len();
    let path = folder.join("slow.md");
    let mut file = std::fs::File::create(&path).unwrap();
    for chunk in ["# Slow dispatch\n\n", "Reservoir levels fell ", "below the summer mark.\n"] {
        use std::io::Write;
        file.write_all(chunk.as_bytes()).unwrap();
        file.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(file);
    w.until("reservoir summer", 1);
    // Its batch is recorded just after its commit is seen; a second one would follow soon.
    std::thread::sleep(Duration::from_millis(500));
    let batches = w.batches.lock().unwrap().clone();
    assert_eq!(batches.len() - before, 1, "one batch for the slow file: {:?}", &batches[before..]);
    w.stop();
}

#[test]
fn a_stop_commits_what_is_pending() {
    let (tmp, folder) = setup();
    let w = Watching::start(&folder, &tmp.path().join("idx"));
    std::fs::write(folder.join("late.md"), md("Late edition", "Printed after midnight.")).unwrap();
    // Stopped right away: the change may not have been applied yet, but it is not lost.
    std::thread::sleep(Duration::from_millis(400));
    let index = w.stop();
    assert_eq!(index.search(&Query::new("midnight")).unwrap().total, 1);
}

#[test]
fn a_followed_folder_that_disappears_is_reported_and_followed_again_when_it_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("live");
    let inner = root.join("desk");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(inner.join("a.md"), md("Desk note", "Quarry blasting schedule.")).unwrap();
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    let mut writer = index.writer_with(&WriterOptions::new().memory_budget(32 << 20).threads(1)).unwrap();
    let stop = CancelToken::new();
    let problems = Arc::new(Mutex::new(Vec::new()));
    let (token, seen, folder) = (stop.clone(), Arc::clone(&problems), root.clone());
    let thread = std::thread::spawn(move || {
        let options = WatchOptions::new().quiet(Duration::from_millis(150));
        writer.watch(&[folder], &options, &token, &mut |event| {
            if let WatchEvent::Problem(e) = event {
                seen.lock().unwrap().push(e.to_string());
            }
        })
    });
    let wait = |what: &str, done: &dyn Fn() -> bool| {
        let started = Instant::now();
        while !done() {
            assert!(started.elapsed() < Duration::from_secs(10), "{what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let total = |text: &str| index.search(&Query::new(text)).unwrap().total;
    wait("the first run", &|| total("quarry") == 1);
    // The root goes away (an unmounted share, a moved folder): reported, and the watch goes on.
    let aside = tmp.path().join("aside");
    std::fs::rename(&root, &aside).unwrap();
    wait("the loss reported", &|| problems.lock().unwrap().iter().any(|p| p.contains("the folder is gone")));
    assert!(!thread.is_finished(), "the watch goes on");
    // It comes back with a change made meanwhile: reconciled, and followed again.
    std::fs::write(aside.join("desk/b.md"), md("Desk note 2", "Quarry closed on Friday.")).unwrap();
    std::fs::rename(&aside, &root).unwrap();
    wait("the return reconciled", &|| total("quarry") == 2);
    std::fs::write(root.join("desk/c.md"), md("Desk note 3", "Quarry reopens Monday.")).unwrap();
    wait("followed again", &|| total("quarry") == 3);
    stop.cancel();
    thread.join().unwrap().unwrap();
}
