//! `query --facets/--timeline/--explain/--collapse/--recent/--popular` and `related`, end to
//! end on the library's archive fixture (`crates/newsearch/tests/fixtures/explore`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::{json_lines, newsearch, repo_path};

struct Archive {
    _dir: tempfile::TempDir,
    index: PathBuf,
    articles: Vec<Value>,
}

/// The fixture indexed into a fresh folder, and its records read directly.
fn archive() -> Archive {
    let fixture = repo_path("crates/newsearch/tests/fixtures/explore/archive.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("idx");
    newsearch().args(["index", "-q", "--index"]).arg(&index).arg(&fixture).assert().success();
    let articles = std::fs::read_to_string(&fixture)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Archive { _dir: dir, index, articles }
}

impl Archive {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out =
            newsearch().args(args).arg("--index").arg(&self.index).env("COLUMNS", "60").output().unwrap();
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
    }

    fn json(&self, args: &[&str]) -> Vec<Value> {
        let (code, stdout, stderr) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        json_lines(stdout.as_bytes())
    }
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter().filter_map(|r| r["id"].as_str().map(str::to_owned)).collect()
}

#[test]
fn facets_in_json_match_a_count_over_the_fixture() {
    let a = archive();
    let rows = a.json(&["query", "--tag", "Ukraine", "--facets", "--json", "-n", "1"]);
    assert_eq!(ids(&rows).len(), 1, "the page is one hit; facets cover all matches");
    let facets = &rows.last().unwrap()["facets"];
    let matching: Vec<&Value> = a
        .articles
        .iter()
        .filter(|r| {
            r["tags"].as_array().unwrap().iter().any(|t| t.as_str().unwrap().eq_ignore_ascii_case("ukraine"))
        })
        .collect();
    let mut tags: BTreeMap<String, u64> = BTreeMap::new();
    let mut sections: BTreeMap<String, u64> = BTreeMap::new();
    let mut days: BTreeMap<String, u64> = BTreeMap::new();
    let mut undated = 0;
    for r in &matching {
        for t in r["tags"].as_array().unwrap() {
            *tags.entry(t.as_str().unwrap().to_lowercase()).or_default() += 1;
        }
        *sections.entry(r["section"].as_str().unwrap().to_lowercase()).or_default() += 1;
        match r["date"].as_str() {
            Some(d) => *days.entry(d[..10].to_owned()).or_default() += 1,
            None => undated += 1,
        }
    }
    let counts = |v: &Value| -> BTreeMap<String, u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| (f["value"].as_str().unwrap().to_lowercase(), f["count"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(counts(&facets["tags"]), tags);
    assert_eq!(counts(&facets["sections"]), sections);
    let timeline = &facets["timeline"];
    assert_eq!(timeline["granularity"], "day", "the dated Ukraine articles span 10 days");
    let periods: BTreeMap<String, u64> = timeline["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["count"].as_u64().unwrap() > 0)
        .map(|b| (b["period"].as_str().unwrap().to_owned(), b["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(periods, days);
    assert_eq!(timeline["undated"].as_u64().unwrap(), undated);
}

#[test]
fn timeline_is_a_bar_chart_that_fits_the_terminal() {
    let a = archive();
    let (code, stdout, _) = a.run(&["query", "truce OR ceasefire OR rate", "--timeline", "-n", "1"]);
    assert_eq!(code, 0);
    let chart: Vec<&str> = stdout.lines().skip_while(|l| !l.starts_with("Matches by")).skip(1).collect();
    assert!(!chart.is_empty(), "{stdout}");
    for line in &chart {
        assert!(line.chars().count() <= 60, "wider than COLUMNS=60: {line:?}");
    }
    // One line per month from the first to the last dated match: 2024-06 … 2025-03.
    assert_eq!(chart.first().unwrap().split(' ').next(), Some("2024-06"));
    assert_eq!(chart.last().unwrap().split(' ').next(), Some("2025-03"));
    assert_eq!(chart.len(), 10);
    // The busiest month has the longest bar, an empty month none.
    let bar = |l: &str| l.chars().filter(|c| ('▏'..='█').contains(c)).count();
    let busiest = chart.iter().max_by_key(|l| bar(l)).unwrap();
    assert!(busiest.starts_with("2025-03"), "{busiest}");
    assert_eq!(bar(chart.iter().find(|l| l.starts_with("2024-07")).unwrap()), 0);
    assert!(!stdout.contains('\x1b'), "no colour when not on a terminal");
}

#[test]
fn explain_collapse_and_reweighting() {
    let a = archive();
    let rows = a.json(&["query", "black sea truce", "--explain", "--json"]);
    for r in &rows {
        let e = &r["explanation"];
        let parts: f64 = e["parts"].as_array().unwrap().iter().map(|p| p["score"].as_f64().unwrap()).sum();
        assert!((parts - e["text_score"].as_f64().unwrap()).abs() < 1e-3);
        assert!((e["score"].as_f64().unwrap() - r["score"].as_f64().unwrap()).abs() < 1e-3);
    }
    let (_, human, _) = a.run(&["query", "truce", "--explain", "-n", "1"]);
    assert!(human.contains("score ") && human.contains("title ") && human.contains("idf"), "{human}");

    let collapsed = a.json(&["query", "geneva truce", "--collapse", "--json"]);
    let copies: Vec<&Value> =
        collapsed.iter().filter(|r| r["id"].as_str().is_some_and(|i| i.starts_with("truce-1"))).collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0]["similar"].as_array().unwrap().len(), 1);
    let (_, human, _) = a.run(&["query", "geneva truce", "--collapse"]);
    assert!(human.contains("+1 similar: truce-1"), "{human}");

    let plain = ids(&a.json(&["query", "ceasefire plan", "--json"]));
    let recent = ids(&a.json(&["query", "ceasefire plan", "--recent", "30d", "--json"]));
    let popular = ids(&a.json(&["query", "ceasefire plan", "--popular", "--json"]));
    assert_eq!(plain, ["envoy-old", "envoy-new"]);
    assert_eq!(recent, ["envoy-new", "envoy-old"]);
    assert_eq!(popular, ["envoy-new", "envoy-old"]);
    let (code, _, stderr) = a.run(&["query", "x", "--recent", "soon"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("invalid length of time"), "{stderr}");
}

#[test]
fn related_lists_the_same_story_without_copies() {
    let a = archive();
    let rows = a.json(&["related", "truce-1", "-n", "2", "--json"]);
    let mut top = ids(&rows);
    top.sort();
    assert_eq!(top, ["truce-2", "truce-3"]);
    let filtered = ids(&a.json(&["related", "truce-1", "--section", "Economy", "--json"]));
    assert_eq!(filtered.first().map(String::as_str), Some("truce-3"));
    assert!(!filtered.iter().any(|id| id.starts_with("truce-1")));
    let (code, stdout, stderr) = a.run(&["related", "no-such-id"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1);
    assert!(stderr.contains("no article with id or path \"no-such-id\""), "{stderr}");
}
