//! `newsearch parse`.

use std::fs;

use serde_json::json;

use crate::{json_lines, newsearch, repo_path};

#[test]
fn seed_as_json_has_every_key_typed() {
    let out = newsearch()
        .args(["parse", "--json"])
        .arg(repo_path("crates/newsearch/tests/fixtures/seed-article.txt"))
        .assert()
        .success();
    let rows = json_lines(&out.get_output().stdout);
    assert_eq!(rows.len(), 1);
    let a = &rows[0];
    let mut keys: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["body", "date", "id", "path", "section", "sources", "tags", "title", "url", "views"]);
    assert_eq!(a["id"], "seed-article.txt");
    assert_eq!(a["date"], "2025-02-21T08:37:00Z");
    assert_eq!(a["views"], json!(null));
    assert_eq!(a["tags"], json!(["Zelensky", "China", "Russia", "Ukraine"]));
    assert_eq!(a["sources"], json!(["Ukrainska Pravda", "ISW", "Reuters", "\"X\""]));
    assert_eq!(a["section"], "Ukraine");
}

#[test]
fn human_output_shows_title_and_metadata() {
    let out = newsearch()
        .arg("parse")
        .arg(repo_path("crates/newsearch/tests/fixtures/seed-article.txt"))
        .assert()
        .success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.starts_with(
            "Zelensky Pushes for US Security Deal While Russia Seeks to Align China on Ukraine\n"
        )
    );
    assert!(stdout.contains("  section  Ukraine\n"));
    assert!(stdout.contains("  tags     Zelensky, China, Russia, Ukraine\n"));
    assert!(stdout.contains("  body     6 paragraphs"));
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr, "newsearch: parsed 1 article from 1 file\n");
}

#[test]
fn shipped_examples_cover_every_format_and_parse_cleanly() {
    let out = newsearch().args(["parse", "--json"]).arg(repo_path("examples/articles")).assert().success();
    let rows = json_lines(&out.get_output().stdout);
    assert!(rows.len() >= 11, "{} articles", rows.len());
    for ext in [".txt", ".json", ".jsonl", ".md", ".html"] {
        assert!(rows.iter().any(|r| r["path"].as_str().unwrap().ends_with(ext)), "no {ext} example");
    }
    assert!(
        rows.iter().any(|r| r["title"].as_str().unwrap().starts_with("Zelensky Pushes for US Security Deal"))
    );
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn bad_files_are_reported_one_line_each_and_exit_2() {
    let bad = repo_path("crates/newsearch/tests/fixtures/bad");
    let out = newsearch().args(["parse", "--json"]).arg(&bad).assert().code(2);
    let rows = json_lines(&out.get_output().stdout);
    let titles: Vec<&str> = rows.iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Café owners protest rent rises", "First record", "Third record"]);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    let bad = bad.display().to_string();
    for (i, name) in ["bad-toml.md", "bad-yaml.md", "binary.txt"].iter().enumerate() {
        assert!(lines[i].starts_with(&format!("newsearch: {bad}/{name}: ")), "{}", lines[i]);
    }
    assert!(stderr.contains(&format!("newsearch: {bad}/empty.txt: empty file\n")), "{stderr}");
    assert!(
        stderr.contains(&format!("newsearch: {bad}/one-bad-line.jsonl: line 2: malformed JSON")),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("newsearch: warning: {bad}/cp1252.txt: not valid UTF-8")), "{stderr}");
    assert!(lines.last().unwrap().contains("5 files failed, 1 record failed, 2 warnings"), "{stderr}");
}

#[test]
fn missing_path_and_unknown_format() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let out = newsearch().arg("parse").arg(&missing).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with(&format!("newsearch: {}: No such file or directory", missing.display())),
        "{stderr}"
    );

    let odd = dir.path().join("export.data");
    fs::write(&odd, r#"{"title": "Forced", "body": "JSON in a .data file"}"#).unwrap();
    let out = newsearch().arg("parse").arg(&odd).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("unknown article format"), "{stderr}");
    assert!(stderr.contains(".html or .htm); pass --format to read it as one of them\n"), "{stderr}");

    let out = newsearch().args(["parse", "--json", "--format", "json"]).arg(&odd).assert().success();
    assert_eq!(json_lines(&out.get_output().stdout)[0]["title"], "Forced");

    newsearch().args(["parse", "--format", "yaml"]).arg(&odd).assert().code(2);
}

#[test]
fn size_limit_flag() {
    let seed = repo_path("crates/newsearch/tests/fixtures/seed-article.txt");
    let out = newsearch().args(["parse", "--max-file-size", "1K"]).arg(&seed).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("over the 1024-byte limit"), "{stderr}");
    // The library states the limit; the command adds the flag that raises it.
    assert!(stderr.contains("over the 1024-byte limit (raise it with --max-file-size)\n"), "{stderr}");
}

#[test]
fn exports_over_the_size_limit_are_read_as_streams_with_a_limit_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    let mut items = Vec::new();
    for i in 1..=200 {
        lines.push_str(&format!("{{\"id\": \"r{i}\", \"title\": \"Record {i}\"}}\n"));
        items.push(format!("{{\"id\": \"a{i}\", \"title\": \"Item {i}\"}}"));
    }
    lines.push_str(&format!("{{\"id\": \"huge\", \"title\": \"{}\"}}\n", "x".repeat(3000)));
    fs::write(dir.path().join("big.jsonl"), lines).unwrap();
    fs::write(dir.path().join("big.json"), format!("[{}]", items.join(",\n"))).unwrap();
    fs::write(dir.path().join("big.md"), format!("# Big\n\n{}", "word ".repeat(1000))).unwrap();
    let out =
        newsearch().args(["parse", "--json", "--max-file-size", "2000"]).arg(dir.path()).assert().code(2);
    let rows = json_lines(&out.get_output().stdout);
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 400, "every record but the huge one, from both exports");
    assert_eq!((ids[0], ids[199], ids[200], ids[399]), ("a1", "a200", "r1", "r200"));
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("big.jsonl: line 201: record is 3027 bytes, over the 2000-byte limit (raise it with --max-file-size)"),
        "{stderr}"
    );
    // Not an export: the size limit stands.
    assert!(stderr.contains("big.md"), "{stderr}");
}
