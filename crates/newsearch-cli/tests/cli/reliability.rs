//! The reliability promises, each with a test that could fail: killed runs, concurrent
//! processes, a full or read-only disk, and hostile files.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::Duration;

use newsearch::{Error, Index, Query};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("newsearch")
}

/// `n` one-article txt files named so walk order is numeric order, each with `body_words`
/// distinct extra words (so the index can't compress them away).
fn articles(dir: &Path, n: usize, body_words: usize) {
    fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        let filler: String = (0..body_words).map(|j| format!("w{i}x{j} ")).collect();
        fs::write(dir.join(format!("{i:05}.txt")), format!("Story {i}\n\nBody word{i} common {filler}\n"))
            .unwrap();
    }
}

fn spawn_index(index: &Path, articles: &Path, commit_every: usize) -> Child {
    Command::new(bin())
        .args(["index", "--quiet", "--commit-every", &commit_every.to_string(), "--index"])
        .arg(index)
        .arg(articles)
        .env_remove("NEWSEARCH_INDEX")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Every indexed id, asserting none is duplicated.
fn indexed_ids(index: &Index) -> Vec<String> {
    // Page by cursor: however many there are, each page holds a bounded number.
    let query = Query::all().limit(Query::MAX_WINDOW).snippets(false);
    let mut ids: Vec<String> = Vec::new();
    let mut page = index.search(&query).unwrap();
    loop {
        ids.extend(page.hits.iter().map(|h| h.article.id.to_string()));
        let Some(next) = page.next else { break };
        page = index.search(&query.clone().after(next)).unwrap();
    }
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an article is indexed twice");
    assert_eq!(page.total, ids.len());
    ids
}

/// Waits until `meta.json` in `dir` has changed `n` times (about `n` commits), or the child ends.
fn wait_for_commits(dir: &Path, n: usize, child: &mut Child) {
    let meta = dir.join("meta.json");
    let mut last = None;
    let mut seen = 0;
    while seen < n && child.try_wait().unwrap().is_none() {
        let stamp = fs::metadata(&meta).and_then(|m| m.modified()).ok();
        if stamp.is_some() && stamp != last {
            seen += 1;
            last = stamp;
        }
        sleep(Duration::from_micros(500));
    }
}

#[test]
fn killed_runs_leave_a_committed_state_and_rerunning_converges() {
    const N: usize = 3000;
    const BATCH: usize = 100;
    const KILLS: usize = 28;
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("articles");
    articles(&src, N, 0);

    // Kills are spread by progress, not by the clock (which other tests make unsteady):
    // kill k waits for about k/KILLS of the run's commits, then a few milliseconds more, so
    // some land inside a commit and some between.
    let commits = N / BATCH;

    let mut killed_mid_run = 0;
    for k in 0..KILLS {
        let dir = tmp.path().join(format!("idx{k}"));
        let mut child = spawn_index(&dir, &src, BATCH);
        wait_for_commits(&dir, k * commits / KILLS, &mut child);
        sleep(Duration::from_millis((k % 5) as u64 * 4));
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        // The index opens (or was never created) and holds exactly a committed prefix.
        match Index::open(&dir) {
            Ok(index) => {
                let mut ids = indexed_ids(&index);
                ids.sort();
                let want: Vec<String> = (0..ids.len()).map(|i| format!("{i:05}.txt")).collect();
                assert_eq!(ids, want, "kill {k}: not a prefix of the run");
                assert!(
                    ids.len().is_multiple_of(BATCH) || ids.len() == N,
                    "kill {k}: {} is not a commit boundary",
                    ids.len()
                );
            }
            Err(Error::NoIndex { .. }) => {}
            Err(e) => panic!("kill {k}: index does not open: {e}"),
        }

        // Running again finishes the job: every article exactly once.
        let rerun = spawn_index(&dir, &src, BATCH).wait_with_output().unwrap();
        assert!(rerun.status.success(), "kill {k}: {}", String::from_utf8_lossy(&rerun.stderr));
        let index = Index::open(&dir).unwrap();
        assert_eq!(indexed_ids(&index).len(), N, "kill {k}: re-run did not converge");
    }
    assert!(killed_mid_run >= 20, "only {killed_mid_run} of {KILLS} kills landed during a run");
}

#[test]
fn readers_in_other_processes_never_fail_while_indexing_and_a_second_writer_is_refused() {
    const N: usize = 3000;
    const BATCH: usize = 50;
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("articles");
    articles(&src, N, 0);
    let dir = tmp.path().join("idx");
    let mut writer = spawn_index(&dir, &src, BATCH);
    while Index::open(&dir).is_err() {
        assert!(writer.try_wait().unwrap().is_none(), "indexing ended before the index existed");
        sleep(Duration::from_millis(5));
    }

    let mut totals = Vec::new();
    let mut second_refused = false;
    while writer.try_wait().unwrap().is_none() {
        let out = Command::new(bin())
            .args(["query", "--json", "-n", "0", "common", "--index"])
            .arg(&dir)
            .env_remove("NEWSEARCH_INDEX")
            .output()
            .unwrap();
        let code = out.status.code().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(code == 0 || code == 1, "a reader failed during indexing: {stderr}");
        let total: usize = if code == 1 {
            0
        } else {
            // "newsearch: 1,050 matches": counts carry thousands separators.
            let count = stderr.trim().trim_start_matches("newsearch: ").split(' ').next().unwrap();
            count.replace(',', "").parse().unwrap()
        };
        assert!(total.is_multiple_of(BATCH) || total == N, "a reader saw a half-committed state: {total}");
        totals.push(total);

        if !second_refused && total > 0 {
            let second = Command::new(bin())
                .args(["index", "--index"])
                .arg(&dir)
                .arg(&src)
                .env_remove("NEWSEARCH_INDEX")
                .output()
                .unwrap();
            if writer.try_wait().unwrap().is_none() {
                assert_eq!(second.status.code(), Some(2));
                let msg = String::from_utf8_lossy(&second.stderr);
                assert!(msg.ends_with("is locked by another newsearch process\n"), "{msg}");
                second_refused = true;
            }
        }
    }
    let first = writer.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "the first writer was disturbed: {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(totals.windows(2).all(|w| w[0] <= w[1]), "commits went backwards: {totals:?}");
    assert!(totals.len() >= 3, "too few reads during the run to mean anything: {totals:?}");
    assert!(second_refused, "the second writer was never tried while the first ran");
    assert_eq!(indexed_ids(&Index::open(&dir).unwrap()).len(), N);
}

/// A size-limited tmpfs, unmounted on drop. `None` when mounting is not allowed here.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(at.to_owned()))
    }

    fn remount(&self, mode: &str) {
        let status =
            Command::new("mount").args(["-o", &format!("remount,{mode}")]).arg(&self.0).status().unwrap();
        assert!(status.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
#[ignore = "mounts a 2 MB tmpfs, which needs root: .ci/run runs it with --ignored where mounting works"]
fn a_full_or_read_only_disk_is_reported_and_the_last_commit_survives() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&tmp.path().join("disk"), "2m") else {
        panic!("can't mount a tmpfs here (needs root): run this test only where mounting works");
    };
    let small = tmp.path().join("small");
    articles(&small, 10, 0);
    let big = tmp.path().join("big");
    articles(&big, 400, 1500); // about 6 MB of distinct words
    let dir = disk.0.join("idx");
    let run = |src: &Path| {
        Command::new(bin())
            .args(["index", "--index"])
            .arg(&dir)
            .arg(src)
            .env_remove("NEWSEARCH_INDEX")
            .output()
            .unwrap()
    };
    assert!(run(&small).status.success());

    let full = run(&big);
    assert_eq!(full.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&full.stderr);
    assert!(msg.contains("disk full while writing; the index is as of its last commit"), "{msg}");
    assert_eq!(indexed_ids(&Index::open(&dir).unwrap()).len(), 10);

    disk.remount("ro");
    let read_only = run(&tmp.path().join("small"));
    assert_eq!(read_only.status.code(), Some(2));
    let msg = String::from_utf8_lossy(&read_only.stderr);
    assert!(msg.contains("Read-only file system") || msg.contains("can't be written"), "{msg}");
    disk.remount("rw");
    assert_eq!(indexed_ids(&Index::open(&dir).unwrap()).len(), 10, "the committed index is intact");
}

/// A disk that fills up under the indexing threads stops them; the writer's next add then
/// fails, and must say why (the disk is full), not only that the engine's threads are gone.
#[test]
#[ignore = "mounts a 2 MB tmpfs, which needs root: .ci/run runs it with --ignored where mounting works"]
fn adds_after_the_disk_filled_up_under_the_indexing_threads_say_the_disk_is_full() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&tmp.path().join("disk"), "2m") else {
        panic!("can't mount a tmpfs here (needs root): run this test only where mounting works");
    };
    let index = Index::create(disk.0.join("idx"), &newsearch::IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    let mut failure = None;
    for i in 0..20_000 {
        let mut article = newsearch::Article::new(format!("a{i}"), "", format!("Story {i}"));
        // Distinct words compress badly: the article store grows on disk as articles come.
        article.body = (0..300).map(|j| format!("w{i}x{j} ")).collect();
        if let Err(e) = writer.add(&article) {
            failure = Some(e);
            break;
        }
    }
    let failure = failure.or_else(|| writer.commit().err()).expect("2 MB can't hold 20,000 articles");
    assert!(matches!(failure, Error::DiskFull { .. }), "{failure}");
}

#[test]
#[ignore = "mounts a 2 MB tmpfs, which needs root: .ci/run runs it with --ignored where mounting works"]
fn a_full_disk_while_watching_is_reported_with_exit_2_and_the_last_commit_survives() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(disk) = Tmpfs::mount(&tmp.path().join("disk"), "2m") else {
        panic!("can't mount a tmpfs here (needs root): run this test only where mounting works");
    };
    let live = tmp.path().join("live");
    articles(&live, 10, 0);
    let dir = disk.0.join("idx");
    let mut watcher = Command::new(bin())
        .args(["index", "--watch", "-q", "--index"])
        .arg(&dir)
        .arg(&live)
        .env_remove("NEWSEARCH_INDEX")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Killed if an assertion below fails.
    struct Guard<'a>(&'a mut std::process::Child);
    impl Drop for Guard<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let guard = Guard(&mut watcher);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while Index::open(&dir).map(|i| indexed_ids(&i).len()).unwrap_or(0) < 10 {
        assert!(std::time::Instant::now() < deadline, "the first run never committed");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // About 6 MB of distinct words arrive: the index's disk fills up.
    articles(&live.join("big"), 400, 1500);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = guard.0.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "the watcher did not stop on a full disk");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(guard.0.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    drop(guard);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("disk full while writing; the index is as of its last commit"), "{stderr}");
    let index = Index::open(&dir).expect("the committed index opens");
    assert!(indexed_ids(&index).len() >= 10, "the first run's articles survive");
}

#[cfg(unix)]
#[test]
fn nothing_is_dropped_silently_from_a_hostile_folder() {
    use std::os::unix::ffi::OsStrExt;

    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("articles");
    articles(&src, 3, 0);
    fs::write(src.join("photo.jpg"), [0xff, 0xd8, 0xff]).unwrap();
    fs::write(src.join("binary.txt"), b"Title\n\0\0\0").unwrap();
    fs::create_dir_all(src.join("folder.txt")).unwrap(); // a folder named like an article
    fs::write(src.join("folder.txt/inside.json"), r#"{"title": "Inside", "body": "x"}"#).unwrap();
    std::os::unix::fs::symlink(&src, src.join("loop")).unwrap();
    let odd_name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    fs::write(src.join(odd_name), "Non-UTF-8 name\n\nIt still gets indexed.").unwrap();
    let evil_title = "Evil \u{1b}[2J\u{202e}title";
    fs::write(src.join("evil.txt"), format!("{evil_title}\n\nBody.")).unwrap();
    fs::write(src.join("dates.json"), r#"{"title": "Bad date", "date": "2025-02-30", "views": -5}"#).unwrap();
    let many_tags: Vec<String> = (0..1_000_000).map(|i| format!("t{i}")).collect();
    fs::write(src.join("tags.json"), format!(r#"{{"title": "Tags", "tags": {:?}}}"#, many_tags)).unwrap();
    fs::write(src.join("nested.json"), format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))).unwrap();
    fs::write(src.join("long-word.txt"), format!("Long\n\n{} end", "x".repeat(100_000))).unwrap();

    let dir = tmp.path().join("idx");
    let out = Command::new(bin())
        .args(["index", "--json", "--index"])
        .arg(&dir)
        .arg(&src)
        .env_remove("NEWSEARCH_INDEX")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "binary.txt and nested.json fail");
    let rows: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let summary = &rows.last().unwrap()["summary"];
    let skipped: Vec<(String, String)> = rows[..rows.len() - 1]
        .iter()
        .map(|r| (r["skipped"].as_str().unwrap().to_owned(), r["reason"].as_str().unwrap().to_owned()))
        .collect();
    let n = |k: &str| summary[k].as_u64().unwrap() as usize;
    assert_eq!(n("files_seen"), n("added") + n("updated") + n("unchanged") + n("skipped"));
    assert_eq!(n("skipped"), skipped.len());
    let reason_of = |name: &str| {
        skipped.iter().find(|(p, _)| p.ends_with(name)).map(|(_, r)| r.as_str()).unwrap_or("(not listed)")
    };
    assert_eq!(reason_of("photo.jpg"), "unknown extension");
    assert_eq!(reason_of("loop"), "symbolic link");
    assert!(reason_of("binary.txt").starts_with("binary file"), "{skipped:?}");
    assert!(reason_of("nested.json").contains("recursion limit"), "{skipped:?}");
    // Articles seen: 3 + folder/inside.json + café + evil + dates + tags + long-word = 9.
    assert_eq!(n("added"), 9, "{summary}");
    assert_eq!(n("files_seen"), 13, "{summary}");

    let index = Index::open(&dir).unwrap();
    let get = |id: &str| index.get(&id.into()).unwrap().unwrap();
    assert_eq!(get("tags.json").tags.len(), newsearch::Article::MAX_TAGS);
    assert_eq!(get("dates.json").date, None);
    assert_eq!(get("dates.json").views, None);
    assert_eq!(get("caf\u{fffd}.txt").title, "Non-UTF-8 name");
    assert_eq!(
        index.search(&Query::new("end")).unwrap().total,
        1,
        "the 100,000-letter word is skipped, not the article"
    );

    // Control and bidi characters never reach a terminal.
    let shown = Command::new(bin()).args(["query", "Evil", "--index"]).arg(&dir).output().unwrap();
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(text.contains("Evil \u{fffd}[2Jtitle"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}'));
}
