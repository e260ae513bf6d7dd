//! `newsearch show` and `newsearch stats`, end to end, checked against the parsed files.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::SecondsFormat;
use newsearch::{Article, Index, ParseOptions, WalkOptions, parse_files, walk};
use serde_json::{Value, json};

use crate::{Examples as Env, json_lines};

impl Env {
    /// `newsearch index --json articles`: the exit code and the JSON Lines it printed.
    fn index_json(&self) -> (i32, Vec<Value>) {
        let out = self.cmd().args(["index", "--json", "articles"]).output().unwrap();
        (out.status.code().unwrap(), json_lines(&out.stdout))
    }

    fn stats(&self) -> Value {
        let out = self.cmd().args(["stats", "--json"]).assert().success();
        let rows = json_lines(&out.get_output().stdout);
        assert_eq!(rows.len(), 1, "one object");
        rows.into_iter().next().unwrap()
    }

    /// `newsearch show ARGS`: exit code, stdout, stderr.
    fn show(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().arg("show").args(args).output().unwrap();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
    }

    /// Every article in `articles/`, parsed here, by id (the last one read wins, as in the index).
    fn parsed(&self) -> BTreeMap<String, Article> {
        let root = self.path("articles").canonicalize().unwrap();
        let found = walk(&[root], &WalkOptions::new());
        let options = ParseOptions::new();
        let mut by_id = BTreeMap::new();
        for (_, parsed) in parse_files(&found.files, &options) {
            for a in parsed.map(|p| p.articles).unwrap_or_default() {
                by_id.insert(a.id.to_string(), a);
            }
        }
        by_id
    }
}

/// The counts `stats --json` reports, computed by brute force over `articles`.
fn expected_counts(articles: &BTreeMap<String, Article>) -> Value {
    let mut sections: BTreeMap<String, u64> = BTreeMap::new();
    let mut tags: BTreeMap<String, u64> = BTreeMap::new();
    let (mut without_section, mut untagged) = (0u64, 0u64);
    for a in articles.values() {
        match &a.section {
            Some(s) => *sections.entry(newsearch::Tag::normalize(s)).or_default() += 1,
            None => without_section += 1,
        }
        for t in &a.tags {
            *tags.entry(t.normalized().to_owned()).or_default() += 1;
        }
        untagged += u64::from(a.tags.is_empty());
    }
    // The index keeps dates to the second.
    let dates: Vec<String> = articles
        .values()
        .filter_map(|a| a.date)
        .map(|d| {
            chrono::DateTime::from_timestamp(d.timestamp(), 0)
                .unwrap()
                .to_rfc3339_opts(SecondsFormat::AutoSi, true)
        })
        .collect();
    json!({
        "articles": articles.len(),
        "dated": dates.len(),
        "undated": articles.len() - dates.len(),
        "oldest": dates.iter().min(),
        "newest": dates.iter().max(),
        "sections": sections,
        "without_section": without_section,
        "tags": tags,
        "untagged": untagged,
    })
}

/// The same keys from `stats --json`, with the `[{value, count}]` lists as maps.
fn reported_counts(stats: &Value) -> Value {
    let as_map = |list: &Value| -> BTreeMap<String, u64> {
        list.as_array()
            .unwrap()
            .iter()
            // Shown in their most common spelling; compared as filters match them.
            .map(|c| (newsearch::Tag::normalize(c["value"].as_str().unwrap()), c["count"].as_u64().unwrap()))
            .collect()
    };
    let keys = ["articles", "dated", "undated", "oldest", "newest", "without_section", "untagged"];
    let mut out: serde_json::Map<String, Value> =
        keys.iter().map(|k| (k.to_string(), stats[k].clone())).collect();
    out.insert("sections".into(), json!(as_map(&stats["sections"])));
    out.insert("tags".into(), json!(as_map(&stats["tags"])));
    Value::Object(out)
}

/// Bytes of every file under `dir`.
fn bytes_under(dir: &Path) -> u64 {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            if e.file_type().unwrap().is_dir() { bytes_under(&e.path()) } else { e.metadata().unwrap().len() }
        })
        .sum()
}

#[test]
fn stats_match_a_brute_force_count_and_drop_when_a_file_is_deleted() {
    let env = Env::new();
    let (code, rows) = env.index_json();
    assert_eq!(code, 0);
    let summary = &rows.last().unwrap()["summary"];
    let parsed = env.parsed();
    let stats = env.stats();
    assert_eq!(reported_counts(&stats), expected_counts(&parsed));
    assert_eq!(stats["articles"].as_u64().unwrap() as usize, parsed.len());
    assert_eq!(stats["index"], ".newsearch");
    assert_eq!(stats["roots"], json!([env.path("articles").canonicalize().unwrap()]));
    assert_eq!(stats["stemming"], "porter");
    let marker: Value =
        serde_json::from_str(&fs::read_to_string(env.path(".newsearch/newsearch-index.json")).unwrap())
            .unwrap();
    assert_eq!(stats["schema_version"], marker["schema_version"]);
    assert_eq!(stats["size_bytes"].as_u64().unwrap(), bytes_under(&env.path(".newsearch")));
    assert!(stats["segments"].as_u64().unwrap() >= 1);
    assert!(stats["last_commit"].is_string());
    // The last run is the one `index --json` summarized.
    let run = &stats["last_run"];
    for key in ["files_seen", "added", "updated", "unchanged", "removed", "skipped", "articles_indexed"] {
        assert_eq!(run[key], summary[key], "{key}");
    }
    assert_eq!(run["skipped_paths"], json!([]));
    assert_eq!(run["rebuild"], false);

    // Delete the file holding the oldest article; the index keeps its deleted documents
    // until a merge, and they must not be counted.
    let oldest = parsed.values().filter(|a| a.date.is_some()).min_by_key(|a| a.date).unwrap();
    let gone: Vec<&Article> = parsed.values().filter(|a| a.path == oldest.path).collect();
    assert!(gone.iter().any(|a| !a.tags.is_empty() && a.section.is_some()), "the deletion changes counts");
    fs::remove_file(&oldest.path).unwrap();
    let (code, rows) = env.index_json();
    assert_eq!(code, 0);
    assert_eq!(rows.last().unwrap()["summary"]["removed"], 1);
    let after = env.parsed();
    assert_eq!(after.len(), parsed.len() - gone.len());
    let stats = env.stats();
    assert_eq!(reported_counts(&stats), expected_counts(&after));
    assert_ne!(stats["oldest"], json!(oldest.date.map(|d| d.to_rfc3339_opts(SecondsFormat::AutoSi, true))));
    assert_eq!(stats["last_run"]["removed"], 1);
}

#[test]
fn skipped_files_of_the_last_run_are_listed_with_their_reasons() {
    let env = Env::new();
    fs::write(env.path("articles/broken.json"), "{\"title\": ").unwrap();
    fs::write(env.path("articles/notes.xyz"), "not an article").unwrap();
    let (code, rows) = env.index_json();
    assert_eq!(code, 2, "broken.json fails");
    let from_index: Vec<Value> = rows
        .iter()
        .filter(|r| r.get("skipped").is_some())
        .map(|r| json!({ "path": r["skipped"], "reason": r["reason"] }))
        .collect();
    assert_eq!(from_index.len(), 2);
    let stats = env.stats();
    assert_eq!(stats["last_run"]["skipped_paths"], json!(from_index));
    assert_eq!(stats["last_run"]["skipped"], 2);
    assert_eq!(stats["last_run"]["failed"], 1);

    let out = env.cmd().arg("stats").assert().success();
    let human = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(human.contains("\nSkipped at the last run (2)\n"), "{human}");
    assert!(human.contains("  articles/broken.json: line 1: malformed JSON"), "{human}");
    assert!(human.contains("  articles/notes.xyz: unknown extension\n"), "{human}");

    // Once fixed, the next run no longer lists it.
    fs::write(env.path("articles/broken.json"), "{\"title\": \"Fixed\", \"body\": \"x\"}").unwrap();
    assert_eq!(env.index_json().0, 0);
    let stats = env.stats();
    let skipped = stats["last_run"]["skipped_paths"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(skipped[0]["path"].as_str().unwrap().ends_with("notes.xyz"), "{skipped:?}");
}

#[test]
fn an_index_built_without_runs_reports_the_last_run_unknown() {
    let env = Env::new();
    let index = Index::create(env.path(".newsearch"), &newsearch::IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    writer.add(&Article::new("a", "a.txt", "Written with the library")).unwrap();
    writer.commit().unwrap();
    drop(writer);
    let stats = env.stats();
    assert_eq!(stats["last_run"], Value::Null);
    assert_eq!((stats["articles"].as_u64(), stats["undated"].as_u64()), (Some(1), Some(1)));
    let out = env.cmd().arg("stats").assert().success();
    let human = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(human.contains("  last run     unknown"), "{human}");
    assert!(human.starts_with(".newsearch: 1 article in 1 segment"), "{human}");
}

#[test]
fn show_prints_every_field_and_the_whole_body() {
    let env = Env::new();
    assert_eq!(env.index_json().0, 0);
    let index = Index::open(env.path(".newsearch")).unwrap();
    let parsed = env.parsed();
    for id in parsed.keys() {
        let stored = index.get(&id.as_str().into()).unwrap().unwrap();

        let (code, stdout, stderr) = env.show(&["--json", id]);
        assert_eq!(code, 0, "{stderr}");
        let rows = json_lines(stdout.as_bytes());
        assert_eq!(rows, [serde_json::to_value(&stored).unwrap()], "{id}");

        let (code, stdout, _) = env.show(&[id]);
        assert_eq!(code, 0);
        let lines: Vec<&str> = stdout.lines().collect();
        let relative = stored.path.strip_prefix(env.dir.path().canonicalize().unwrap()).unwrap();
        let relative = relative.to_str().unwrap();
        let path_line = lines.iter().position(|l| *l == relative);
        let path_line = path_line.unwrap_or_else(|| panic!("{id}: path relative to the working directory"));
        let whole = |l: &str| l == relative || Some(l) == stored.url.as_deref();
        assert!(
            lines.iter().filter(|l| !whole(l)).all(|l| l.chars().count() <= 80),
            "text wrapped to 80 columns off a terminal (path and URL whole): {stdout}"
        );
        assert!(!stdout.contains('\x1b'), "no colour off a terminal");
        let words = |t: &str| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>().join(" ");
        let shown = words(&stdout);
        assert!(shown.starts_with(&words(&stored.title)), "{id}: {stdout}");
        for paragraph in stored.body.split("\n\n") {
            assert!(shown.contains(&words(paragraph)), "{id}: paragraph missing: {paragraph}");
        }
        let paragraphs = stored.body.split("\n\n").filter(|p| !p.trim().is_empty()).count();
        let blank_lines = lines.iter().filter(|l| l.is_empty()).count();
        let sources_block = usize::from(!stored.sources.is_empty());
        assert_eq!(blank_lines, paragraphs + sources_block, "{id}: one blank line before each paragraph");
        for source in &stored.sources {
            assert!(lines.contains(&format!("  • {source}").as_str()), "{id}: {source}");
        }
        if let Some(url) = &stored.url {
            assert!(lines.contains(&url.as_str()), "{id}");
        }
        // Title and metadata come before the path.
        let head = words(&lines[..path_line].join("\n"));
        let mut meta: Vec<String> = stored.section.iter().cloned().collect();
        meta.extend(stored.date.map(|d| d.format("%Y-%m-%d").to_string()));
        meta.extend(stored.tags.iter().map(|t| words(t.as_str())));
        for value in meta {
            assert!(head.contains(&value), "{id}: {value} not in {head}");
        }
    }
}

#[test]
fn show_falls_back_to_the_path_of_an_indexed_file() {
    let env = Env::new();
    assert_eq!(env.index_json().0, 0);
    let parsed = env.parsed();
    let digest = env.path("articles/digest-2025-04.jsonl").canonicalize().unwrap();
    let mut want: Vec<String> =
        parsed.values().filter(|a| a.path == digest).map(|a| a.id.to_string()).collect();
    assert!(want.len() > 1, "a multi-record file");

    let (code, stdout, stderr) = env.show(&["--json", "articles/digest-2025-04.jsonl"]);
    assert_eq!(code, 0, "{stderr}");
    let got: Vec<String> =
        json_lines(stdout.as_bytes()).iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    let (one, three) =
        (got.iter().position(|i| i.ends_with("#1")), got.iter().position(|i| i.ends_with("#3")));
    assert!(one.is_some() && one < three, "numbered records in order: {got:?}");
    let mut sorted = got.clone();
    sorted.sort();
    want.sort();
    assert_eq!(sorted, want, "every article of the file, once");

    let (code, stdout, _) = env.show(&["articles/digest-2025-04.jsonl"]);
    assert_eq!(code, 0);
    for (i, id) in got.iter().enumerate() {
        assert!(stdout.contains(&format!("[{}/{}] {id}\n", i + 1, got.len())), "{stdout}");
    }
}

#[test]
fn show_an_unknown_id_exits_1_and_a_missing_index_exits_2() {
    let env = Env::new();
    let (code, stdout, stderr) = env.show(&["2025/02/kyiv.txt"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr, "newsearch: no index at .newsearch; create one with `newsearch index PATH`\n");
    let out = env.cmd().arg("stats").assert().code(2);
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "newsearch: no index at .newsearch; create one with `newsearch index PATH`\n"
    );

    assert_eq!(env.index_json().0, 0);
    let (code, stdout, stderr) = env.show(&["no/such/article.txt"]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert_eq!(stderr, "newsearch: no article with id \"no/such/article.txt\" in .newsearch\n");
    let (code, _, _) = env.show(&["--json", "articles"]);
    assert_eq!(code, 1, "a folder is not an indexed file");
}

#[test]
fn show_keeps_control_characters_off_the_terminal() {
    let env = Env::new();
    let evil = "Evil \u{1b}[2J\u{202e}title\n\nBody with \u{7} a bell and \u{2066}isolate\u{2069}.\n\n\
                Sources: Wire\u{1b}[31m, Other\n\nTags: Tag\u{202e}One\n";
    fs::write(env.path("articles/evil.txt"), evil).unwrap();
    assert_eq!(env.index_json().0, 0);
    let (code, stdout, stderr) = env.show(&["evil.txt"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}'), "{stdout:?}");
    assert!(!stdout.contains(['\u{202e}', '\u{2066}', '\u{2069}']), "{stdout:?}");
    assert!(stdout.starts_with("Evil \u{fffd}[2Jtitle\n"), "{stdout:?}");
    assert!(stdout.contains("Body with \u{fffd} a bell and isolate."), "{stdout:?}");
}

#[test]
fn a_hit_carries_its_article_as_show_prints_it() {
    let env = Env::new();
    assert_eq!(env.index_json().0, 0);
    let out = env.cmd().args(["query", "--json", "Kellogg"]).assert().success();
    let hits = json_lines(&out.get_output().stdout);
    assert!(hits.len() >= 2, "{hits:?}");
    for hit in hits {
        let id = hit["id"].as_str().unwrap();
        let (code, stdout, stderr) = env.show(&["--json", id]);
        assert_eq!(code, 0, "{stderr}");
        let mut hit = hit.as_object().unwrap().clone();
        for key in ["rank", "score", "snippet", "highlights", "title_highlights"] {
            assert!(hit.remove(key).is_some(), "{id}: {key}");
        }
        assert_eq!(Value::Object(hit), json_lines(stdout.as_bytes())[0], "{id}");
    }
}

#[test]
fn a_skip_reason_reads_the_same_in_every_output() {
    let env = Env::new();
    #[cfg(unix)]
    std::os::unix::fs::symlink(env.path("articles/2025"), env.path("articles/linked")).unwrap();
    fs::write(env.path("articles/notes.xyz"), "not an article").unwrap();
    let (_, rows) = env.index_json();
    let reasons: Vec<(String, String)> = rows
        .iter()
        .filter_map(|r| Some((r["skipped"].as_str()?.to_owned(), r["reason"].as_str()?.to_owned())))
        .map(|(path, reason)| (Path::new(&path).file_name().unwrap().to_string_lossy().into_owned(), reason))
        .collect();
    let expected: Vec<(String, String)> = [
        #[cfg(unix)]
        ("linked", "symbolic link"),
        ("notes.xyz", "unknown extension"),
    ]
    .iter()
    .map(|(p, r)| (p.to_string(), r.to_string()))
    .collect();
    let mut sorted = reasons.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    // The same words in `stats --json`, `stats` and the lines a second `index` prints.
    let stats = env.stats();
    let listed: Vec<&str> = stats["last_run"]["skipped_paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert_eq!(listed, reasons.iter().map(|(_, r)| r.as_str()).collect::<Vec<_>>());
    let out = env.cmd().arg("stats").assert().success();
    let human = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let out = env.cmd().args(["index", "articles"]).assert().success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    for (path, reason) in &expected {
        assert!(human.contains(&format!("articles/{path}: {reason}\n")), "{human}");
        assert!(stderr.contains(&format!("articles/{path}: {reason}\n")), "{stderr}");
    }
}
