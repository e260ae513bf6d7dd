//! `newsearch export`, end to end: checked against a fresh parse of the fixtures.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use newsearch::{Article, ParseOptions, WalkOptions, parse_files, walk};
use serde_json::{Map, Value, json};

use crate::{json_lines, newsearch, repo_path};

/// The folders indexed: every shipped example and the library's fixtures (bad files included:
/// what could be read is indexed).
const ROOTS: [&str; 2] = ["examples/articles", "crates/newsearch/tests/fixtures"];

/// A temp dir with an index of [`ROOTS`] in `idx/`.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env { dir: tempfile::tempdir().unwrap() };
        let mut cmd = env.cmd();
        cmd.arg("index").arg("-q");
        for root in ROOTS {
            cmd.arg(repo_path(root));
        }
        let out = cmd.output().unwrap();
        // Exit 2 is expected: the bad fixtures are reported; everything readable is indexed.
        assert!(matches!(out.status.code(), Some(0 | 2)), "{}", String::from_utf8_lossy(&out.stderr));
        env
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = newsearch();
        cmd.current_dir(self.dir.path()).env("NEWSEARCH_INDEX", self.path("idx"));
        cmd
    }

    fn export(&self, args: &[&str]) -> (Vec<u8>, String) {
        let out = self.cmd().arg("export").args(args).assert().success();
        let output = out.get_output();
        (output.stdout.clone(), String::from_utf8(output.stderr.clone()).unwrap())
    }
}

/// Every article in [`ROOTS`], parsed directly, by id: what the index should hold.
fn parsed_articles() -> BTreeMap<String, Article> {
    let roots: Vec<PathBuf> = ROOTS.iter().map(|r| repo_path(r).canonicalize().unwrap()).collect();
    let found = walk(&roots, &WalkOptions::new());
    let mut articles = BTreeMap::new();
    for (_, parsed) in parse_files(&found.files, &ParseOptions::new()) {
        let Ok(parsed) = parsed else { continue };
        for a in parsed.articles {
            let id = a.id.to_string();
            assert!(articles.insert(id.clone(), a).is_none(), "the fixtures repeat the id {id}");
        }
    }
    assert!(articles.len() >= 10, "{} articles", articles.len());
    articles
}

/// The document `a` should become, written out from the README's field list.
fn expected_document(a: &Article) -> Value {
    let mut doc = Map::new();
    doc.insert("id".into(), json!(a.id.as_str()));
    doc.insert("title".into(), json!(a.title));
    doc.insert("body".into(), json!(a.body));
    doc.insert("tags".into(), json!(a.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>()));
    if let Some(section) = &a.section {
        doc.insert("section".into(), json!(section));
    }
    if let Some(date) = a.date {
        doc.insert("date".into(), json!(date.format("%Y-%m-%dT%H:%M:%SZ").to_string()));
    }
    if let Some(views) = a.views {
        doc.insert("views".into(), json!(views));
    }
    doc.insert("sources".into(), json!(a.sources));
    if let Some(url) = &a.url {
        doc.insert("url".into(), json!(url));
    }
    doc.insert("path".into(), json!(a.path.to_str().unwrap()));
    Value::Object(doc)
}

#[test]
fn ndjson_has_every_article_once_with_the_parsed_fields() {
    let env = Env::new();
    let expected = parsed_articles();
    let (stdout, stderr) = env.export(&[]);
    let docs = json_lines(&stdout);
    let mut seen = BTreeMap::new();
    for doc in &docs {
        let id = doc["id"].as_str().expect("every document has an id");
        assert!(seen.insert(id.to_owned(), doc).is_none(), "{id} exported twice");
        assert!(doc.as_object().unwrap().keys().all(|k| !k.starts_with('_')), "{doc}");
    }
    assert_eq!(seen.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (id, article) in &expected {
        assert_eq!(seen[id], &expected_document(article), "{id}");
    }
    let undated = expected.values().filter(|a| a.date.is_none()).count();
    assert!(undated > 0, "the fixtures have undated articles");
    assert_eq!(
        stderr,
        format!("newsearch: exported {} articles ({undated} without a date)\n", expected.len())
    );
}

#[test]
fn bulk_alternates_actions_and_documents_with_matching_ids() {
    let env = Env::new();
    let (ndjson, _) = env.export(&["--format", "ndjson"]);
    let (bulk, stderr) = env.export(&["--format", "bulk", "--es-index", "news-archive"]);
    let docs = json_lines(&ndjson);
    let lines = json_lines(&bulk);
    assert_eq!(lines.len(), 2 * docs.len());
    for (pair, doc) in lines.chunks(2).zip(&docs) {
        let (action, document) = (&pair[0], &pair[1]);
        assert_eq!(action, &json!({"index": {"_index": "news-archive", "_id": doc["id"]}}));
        assert_eq!(document, doc, "bulk documents are the ndjson documents, in the same order");
    }
    assert!(stderr.starts_with(&format!("newsearch: exported {} articles", docs.len())), "{stderr}");

    let (bulk, _) = env.export(&["--format", "bulk"]);
    assert_eq!(json_lines(&bulk)[0]["index"]["_index"], "newsearch");
}

#[test]
fn output_file_is_complete_and_never_half_written() {
    let env = Env::new();
    let (stdout, _) = env.export(&[]);
    fs::create_dir(env.path("out")).unwrap();
    fs::write(env.path("out/articles.ndjson"), "yesterday's export\n").unwrap();
    let out = env.cmd().args(["export", "-o", "out/articles.ndjson"]).assert().success();
    assert!(out.get_output().stdout.is_empty());
    assert_eq!(fs::read(env.path("out/articles.ndjson")).unwrap(), stdout);
    assert_eq!(entries(&env.path("out")), ["articles.ndjson"]);

    // A rename that fails at the end (the target is a folder) leaves no temporary file behind.
    fs::create_dir(env.path("out/taken")).unwrap();
    let out = env.cmd().args(["export", "-o", "out/taken"]).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with("newsearch: out/taken: ") && stderr.lines().count() == 1, "{stderr}");
    assert_eq!(entries(&env.path("out")), ["articles.ndjson", "taken"]);
    assert!(entries(&env.path("out/taken")).is_empty());

    // An export that can't start leaves an existing file as it was.
    let out = env.cmd().args(["export", "--index", "missing", "-o", "out/articles.ndjson"]).assert().code(2);
    assert!(!out.get_output().stderr.is_empty());
    assert_eq!(fs::read(env.path("out/articles.ndjson")).unwrap(), stdout);
    assert_eq!(entries(&env.path("out")), ["articles.ndjson", "taken"]);
}

#[test]
fn missing_index_and_bad_flags_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = newsearch().current_dir(dir.path()).arg("export").assert().code(2);
    assert!(out.get_output().stdout.is_empty());
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr, "newsearch: no index at .newsearch; create one with `newsearch index PATH`\n");

    let env = Env::new();
    for (args, message) in [
        (&["--es-index", "news"][..], "newsearch: --es-index only applies to --format bulk\n"),
        (
            &["--format", "bulk", "--es-index", "News"][..],
            "newsearch: bulk index name \"News\" must be lowercase (Elasticsearch and OpenSearch would refuse it)\n",
        ),
    ] {
        let out = env.cmd().arg("export").args(args).assert().code(2);
        assert!(out.get_output().stdout.is_empty());
        assert_eq!(String::from_utf8(out.get_output().stderr.clone()).unwrap(), message);
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_export_quietly() {
    let dir = tempfile::tempdir().unwrap();
    // Far more output than a pipe buffers, so the export is still writing when the reader goes.
    let record = |i: usize| {
        json!({"title": format!("Record {i}"), "body": "word ".repeat(200), "tags": ["Bulk"]}).to_string()
    };
    let lines: Vec<String> = (0..3000).map(record).collect();
    fs::write(dir.path().join("many.jsonl"), lines.join("\n")).unwrap();
    newsearch().current_dir(dir.path()).args(["index", "-q", "many.jsonl"]).assert().success();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_newsearch"))
        .current_dir(dir.path())
        .env_remove("NEWSEARCH_INDEX")
        .arg("export")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("{\"id\":\"many.jsonl#"), "{first}");
    // The reader is dropped here, closing the pipe.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// `--to`: what is refused before anything is sent, each as one line naming the problem.
#[test]
fn push_targets_and_credentials_are_checked_before_anything_is_sent() {
    let env = Env::new();
    let refused = |args: &[&str], envs: &[(&str, &str)], needle: &str| {
        let mut cmd = env.cmd();
        cmd.arg("export").args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        stderr.into_owned()
    };
    let stderr = refused(&["--to", "http://ana:hunter2@127.0.0.1:9/news"], &[], "NEWSEARCH_ES_USER");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    refused(&["--to", "http://127.0.0.1:9"], &[], "names no index");
    refused(&["--to", "http://127.0.0.1:9/News"], &[], "lowercase");
    refused(&["--to", "http://127.0.0.1:9/news", "-o", "x.ndjson"], &[], "cannot be used with");
    refused(&["--to", "http://127.0.0.1:9/news", "--format", "bulk"], &[], "cannot be used with");
    refused(&["--shards", "2"], &[], "--to");
    refused(&["--to", "http://127.0.0.1:9/news", "--parallel", "0"], &[], "at least 1");
    let stderr = refused(
        &["--to", "http://127.0.0.1:9/news"],
        &[("NEWSEARCH_ES_USER", "ana")],
        "NEWSEARCH_ES_USER is set but NEWSEARCH_ES_PASSWORD is not",
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // Nothing listens on port 9 (discard) here: the first contact fails fast, naming the URL.
    let started = std::time::Instant::now();
    let stderr = refused(&["--to", "http://127.0.0.1:9/news", "-q"], &[], "connection refused");
    assert!(stderr.contains("http://127.0.0.1:9/"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(!env.path("idx/push").exists(), "nothing is recorded for a push that never started");
}

/// A one-connection-at-a-time stand-in for a cluster that refuses every document it is sent
/// (a mapping conflict, say): enough to see what the command does with refusals.
fn refusing_cluster() -> (u16, std::thread::JoinHandle<usize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut refused, mut created) = (0, false);
        // GET /, GET settings (404), PUT index, GET settings, bulk requests, the refresh.
        for stream in listener.incoming().take(16) {
            let mut stream = stream.unwrap();
            stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut length = 0;
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                if let Some(v) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let (status, answer) = if line.starts_with("GET / ") {
                (200, json!({"version": {"distribution": "opensearch", "number": "2.19.6"}}))
            } else if line.starts_with("GET ") && created {
                (200, json!({"news": {"settings": {"index": {"uuid": "u-1"}}}}))
            } else if line.starts_with("GET ") {
                (404, json!({"error": {"type": "index_not_found_exception", "reason": "no such index"}}))
            } else if line.starts_with("PUT ") {
                created = true;
                (200, json!({"acknowledged": true}))
            } else if line.contains("_bulk") {
                let actions = String::from_utf8(body).unwrap().lines().count() / 2;
                refused += actions;
                let item = json!({"index": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "failed to parse field [date]"}}});
                (200, json!({"errors": true, "items": vec![item; actions]}))
            } else {
                (200, json!({}))
            };
            let answer = answer.to_string();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            if line.contains("_refresh") {
                break;
            }
        }
        refused
    });
    (port, server)
}

#[test]
fn refused_documents_are_named_by_id_none_is_counted_as_sent_and_the_exit_status_is_2() {
    let env = Env::new();
    let (port, server) = refusing_cluster();
    let out = env
        .cmd()
        .arg("export")
        .args(["--to", &format!("http://127.0.0.1:{port}/news"), "--json"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let failed = report["failed"].as_array().unwrap();
    let total = parsed_articles().len();
    assert_eq!(failed.len(), total, "{report}");
    assert_eq!((report["created"].as_u64(), report["updated"].as_u64()), (Some(0), Some(0)));
    assert!(
        failed
            .iter()
            .all(|f| f["status"] == 400 && f["reason"].as_str().unwrap().contains("failed to parse"))
    );
    let named = stderr.lines().filter(|l| l.starts_with("newsearch: refused index ")).count();
    assert_eq!(named, total.min(20), "{stderr}");
    assert!(stderr.contains("0 sent") && stderr.contains(&format!("{total} failed")), "{stderr}");
    assert_eq!(server.join().unwrap(), total);
    // Nothing arrived, so the next push sends everything again.
    let record = std::fs::read_dir(env.path("idx/push")).unwrap().next().unwrap().unwrap().path();
    let record: Value = serde_json::from_slice(&std::fs::read(record).unwrap()).unwrap();
    assert_eq!(record["articles"].as_object().map(|a| a.len()), Some(0));
}
