//! `newsearch index --watch`: a file written while it runs is found by `newsearch query`, each
//! batch is one JSON line, and SIGTERM commits what is pending and exits 0.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::{json_lines, newsearch};

/// The watching process, killed if a test fails before it stops it.
struct Watcher {
    child: Child,
    lines: Receiver<String>,
}

impl Watcher {
    /// The next stdout line that holds `key`, within 15 s.
    fn line_with(&self, key: &str) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| panic!("no {key:?} line in time"));
            let value: serde_json::Value = serde_json::from_str(&line).expect("JSON line");
            if value.get(key).is_some() {
                return value;
            }
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Hits `newsearch query --json` prints for `text`, from another process.
fn query_total(dir: &std::path::Path, text: &str) -> usize {
    let out = newsearch().current_dir(dir).args(["query", "--json", text]).output().unwrap();
    json_lines(&out.stdout).iter().filter(|l| l.get("id").is_some()).count()
}

#[test]
fn a_watched_folder_is_searchable_as_files_arrive_and_sigterm_commits_what_is_pending() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("live");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("first.md"), "# Dock workers vote\n\nThe union voted at noon.\n").unwrap();

    let binary = newsearch().get_program().to_owned();
    let mut child = Command::new(binary)
        .current_dir(tmp.path())
        .args(["index", "live", "--watch", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let watcher = Watcher { child, lines };
    let summary = watcher.line_with("summary");
    assert_eq!(summary["summary"]["articles_total"], 1);

    std::fs::write(folder.join("second.md"), "# Cranes idle\n\nNo ship was unloaded.\n").unwrap();
    let batch = watcher.line_with("batch");
    assert_eq!(
        (batch["batch"]["added"].as_u64(), batch["batch"]["articles_total"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(query_total(tmp.path(), "cranes"), 1, "searchable from another process");

    // Written just before the stop: committed on the way out.
    std::fs::write(folder.join("third.md"), "# Strike called off\n\nWork resumes tomorrow.\n").unwrap();
    let mut watcher = watcher;
    let pid = watcher.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = watcher.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the watcher did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(query_total(tmp.path(), "strike"), 1, "the pending file was committed");
}
