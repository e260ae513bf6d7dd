//! `newsearch serve`, end to end: a real process on a loopback port, asked over HTTP with a
//! minimal client, fed by `newsearch index` in another process, and stopped by SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Examples, json_lines};

/// How long the server may take to say it listens, to answer, or to stop.
const PATIENCE: Duration = Duration::from_secs(30);

/// A running `newsearch serve`, killed when dropped if it is still running (a failed
/// assertion must not leave it behind).
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    /// Starts `newsearch serve --addr 127.0.0.1:0` in `env`'s folder and waits for its line.
    fn start(env: &Examples) -> Server {
        Server::start_with(env, &[])
    }

    /// The same, with more arguments.
    fn start_with(env: &Examples, more: &[&str]) -> Server {
        let child = Command::new(assert_cmd::cargo::cargo_bin("newsearch"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(more)
            .current_dir(env.dir.path())
            .env_remove("NEWSEARCH_INDEX")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("newsearch starts");
        let mut server = Server { child, addr: String::new() };
        let stdout = server.child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Reading blocks; a thread lets the wait be bounded.
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(PATIENCE).expect("the server says where it listens");
        let addr = line
            .strip_prefix("listening on http://")
            .and_then(|rest| rest.strip_suffix("/\n"))
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        assert!(addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"), "{addr}");
        server.addr = addr.to_owned();
        server
    }

    /// `GET path` over HTTP/1.1: the status and the body.
    fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("the server accepts connections");
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("a whole response");
        let (head, body) = response.split_once("\r\n\r\n").expect("headers, then a body");
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
        assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
        (status, body.to_owned())
    }

    fn get_json(&self, path: &str) -> Value {
        let (status, body) = self.get(path);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    /// Sends SIGTERM and waits for the exit status.
    fn stop(mut self) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        assert!(sent.success());
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "the server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut stderr);
        }
        (status.code(), stderr)
    }
}

#[test]
fn serve_answers_over_http_sees_new_articles_and_stops_cleanly_on_sigterm() {
    let env = Examples::new();
    env.cmd().args(["index", "-q", "articles"]).assert().success();
    let server = Server::start(&env);

    // Hits exactly as `query --json` prints them.
    let page = server.get_json("/api/search?q=kyiv&limit=3");
    let out = env.cmd().args(["query", "--json", "-n", "3", "kyiv"]).assert().success();
    let lines = json_lines(&out.get_output().stdout);
    assert_eq!(page["hits"], Value::Array(lines));
    let before = page["total"].as_u64().unwrap();
    let (status, html) = server.get("/search?q=kyiv");
    assert_eq!(status, 200);
    assert!(html.contains(&format!("<p id=\"count\" aria-live=\"polite\">{before} articles</p>")), "{html}");
    assert_eq!(server.get("/api/articles/no-such-id").0, 404);

    // `newsearch index`, another process, adds an article; the server sees it at once.
    std::fs::write(
        env.path("articles/kyiv-late-edition.md"),
        "---\ntitle: Late edition from Kyiv\ndate: 2025-04-30\n---\n\nA late report from Kyiv.\n",
    )
    .unwrap();
    env.cmd().args(["index", "-q"]).assert().success();
    let page = server.get_json("/api/search?q=kyiv");
    assert_eq!(page["total"].as_u64().unwrap(), before + 1);
    let late = server.get_json("/api/articles/kyiv-late-edition.md");
    assert_eq!(late["title"], "Late edition from Kyiv");

    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "", "a loopback server warns of nothing");
}

#[test]
fn serve_watch_indexes_follows_and_serves_in_one_process() {
    let env = Examples::new();
    // No index yet: `serve --watch` creates it, indexes the folder and follows it.
    let server = Server::start_with(&env, &["--watch", "articles"]);
    let total =
        |server: &Server, q: &str| server.get_json(&format!("/api/search?q={q}"))["total"].as_u64().unwrap();
    let deadline = Instant::now() + PATIENCE;
    while total(&server, "kyiv") == 0 {
        assert!(Instant::now() < deadline, "the first run was never served");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::write(
        env.path("articles/harbour-cranes.md"),
        "# Harbour cranes idle

No ship was unloaded.
",
    )
    .unwrap();
    let written = Instant::now();
    while total(&server, "cranes") == 0 {
        assert!(written.elapsed() < Duration::from_secs(10), "the new file was never served");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Written just before the stop: committed on the way out.
    std::fs::write(
        env.path("articles/late-tide.md"),
        "# Late tide

The tide came late.
",
    )
    .unwrap();
    let (code, stderr) = server.stop();
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let out = env.cmd().args(["query", "--json", "tide"]).assert().success();
    assert_eq!(json_lines(&out.get_output().stdout).len(), 1, "the pending file was committed");
}

#[test]
fn serve_without_an_index_fails_at_once() {
    let env = Examples::new();
    let out = env.cmd().args(["serve", "--addr", "127.0.0.1:0"]).timeout(PATIENCE).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("no index at .newsearch; create one with `newsearch index PATH`"), "{stderr}");
    assert!(out.get_output().stdout.is_empty());
}

#[test]
fn serve_on_an_address_it_cannot_use_fails_clearly() {
    let env = Examples::new();
    env.cmd().args(["index", "-q", "articles"]).assert().success();
    let out = env.cmd().args(["serve", "--addr", "127.0.0.1:notaport"]).timeout(PATIENCE).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with("newsearch: can't listen on 127.0.0.1:notaport"), "{stderr}");
}
