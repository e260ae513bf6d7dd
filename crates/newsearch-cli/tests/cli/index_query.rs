//! `newsearch index` and `newsearch query`, end to end in a temp dir.

use std::fs;

use serde_json::Value;

use crate::{Examples as Env, json_lines};

impl Env {
    fn index(&self) -> assert_cmd::assert::Assert {
        self.cmd().args(["index", "articles"]).assert()
    }

    fn query(&self, args: &[&str]) -> (i32, Vec<Value>, String) {
        let out = self.cmd().arg("query").arg("--json").args(args).output().unwrap();
        let rows = json_lines(&out.stdout);
        (out.status.code().unwrap(), rows, String::from_utf8(out.stderr).unwrap())
    }

    fn ids(&self, args: &[&str]) -> Vec<String> {
        let (_, rows, stderr) = self.query(args);
        assert!(!stderr.contains("error"), "{stderr}");
        rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
    }
}

const SEED_ID: &str = "2025/02/zelensky-pushes-for-us-security-deal.txt";

#[test]
fn the_mission_example_finds_the_seed_first() {
    let env = Env::new();
    let out = env.index().success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("9 added, 0 updated, 0 unchanged, 0 removed, 0 skipped"), "{stderr}");
    assert!(stderr.contains("11 articles indexed"), "{stderr}");
    let (code, rows, stderr) = env.query(&["Zelensky Kellogg", "--tag", "Ukraine"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(rows[0]["id"], SEED_ID);
    assert_eq!(rows[0]["rank"], 1);
    let hit = rows[0].as_object().unwrap();
    let mut keys: Vec<&str> = hit.keys().map(String::as_str).collect();
    keys.sort_unstable();
    // The article's keys are those of `show --json` (`body`, `sources` and `url` too).
    assert_eq!(
        keys,
        [
            "body",
            "date",
            "highlights",
            "id",
            "path",
            "rank",
            "score",
            "section",
            "snippet",
            "sources",
            "tags",
            "title",
            "title_highlights",
            "url",
            "views"
        ]
    );
    // The seed's title names both: each is marked where it stands in the title.
    let title = hit["title"].as_str().unwrap();
    let marked: Vec<&str> = hit["title_highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &title[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize])
        .collect();
    assert!(
        !marked.is_empty() && marked.iter().all(|w| ["Zelensky", "Kellogg"].contains(w)),
        "{title}: {marked:?}"
    );
    assert_eq!(hit["date"], "2025-02-21T08:37:00Z");
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    let snippet = hit["snippet"].as_str().unwrap();
    for range in hit["highlights"].as_array().unwrap() {
        let (s, e) = (range[0].as_u64().unwrap() as usize, range[1].as_u64().unwrap() as usize);
        assert!(["Zelensky", "Kellogg"].contains(&&snippet[s..e]), "{}", &snippet[s..e]);
    }
    assert!(stderr.contains("1 match"), "{stderr}");
}

#[test]
fn the_default_mode_relaxes_short_queries_only_when_nothing_has_every_word() {
    let env = Env::new();
    env.index().success();
    // Every hit has both words while some article has them.
    let (code, rows, stderr) = env.query(&["Zelensky Kellogg"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!rows.is_empty() && !stderr.contains("every word"), "{stderr}");
    assert_eq!(env.ids(&["Zelensky Kellogg"]), env.ids(&["Zelensky Kellogg", "--mode", "all"]));
    // No article has both: those with one of them, said on the count line.
    let (code, rows, stderr) = env.query(&["Zelensky Hogwarts"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!rows.is_empty());
    assert!(stderr.contains("no article has every word; "), "{stderr}");
    assert!(stderr.contains("with some of them"), "{stderr}");
    // --mode all keeps the old strictness.
    let (code, rows, _) = env.query(&["Zelensky Hogwarts", "--mode", "all"]);
    assert_eq!((code, rows.len()), (1, 0));
    // A sentence ranks by any of its words, as --mode any does.
    let sentence = "what did Kellogg say to Zelensky about security guarantees";
    assert_eq!(env.ids(&[sentence]), env.ids(&[sentence, "--mode", "any"]));
}

#[test]
fn a_three_word_query_with_few_every_word_matches_says_how_many_come_first() {
    let env = Env::new();
    let lines = [
        r#"{"id": "hot-line-1", "title": "Hot line proposal", "body": "Moscow and Washington weigh a direct line."}"#,
        r#"{"id": "hot-line-2", "title": "A hot line", "body": "A direct telephone line between capitals."}"#,
        r#"{"id": "hot-line-3", "title": "Trade proposal", "body": "A proposal on tariffs."}"#,
    ];
    fs::write(env.path("articles/hot-line.jsonl"), lines.join("\n") + "\n").unwrap();
    env.index().success();
    let (code, rows, stderr) = env.query(&["hot line proposal"]);
    assert_eq!(code, 0, "{stderr}");
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["hot-line-1", "hot-line-2"]);
    assert!(stderr.contains("2 matches: 1 with every word, first, then 1 with some of them"), "{stderr}");
    // Human output ends with the same line.
    let out = env.cmd().args(["query", "hot line proposal"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.trim_end().ends_with("2 matches: 1 with every word, first, then 1 with some of them"),
        "{stdout}"
    );
    // --mode all keeps to every word.
    let (_, rows, stderr) = env.query(&["hot line proposal", "--mode", "all"]);
    assert_eq!(rows.len(), 1, "{stderr}");
}

#[test]
fn human_output_and_exit_codes() {
    let env = Env::new();
    env.index().success();
    let out = env.cmd().args(["query", "Kellogg"]).assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.starts_with("  1. "), "{stdout}");
    assert!(stdout.contains("articles/"), "paths relative to the working directory: {stdout}");
    assert!(!stdout.contains('\x1b'), "no colour when not a terminal");
    assert!(stdout.trim_end().ends_with("matches"), "{stdout}");
    env.cmd().args(["query", "nonexistentword"]).assert().code(1);
    let out = env.cmd().args(["query", "Kellogg \"security deal"]).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr, "newsearch: query syntax error at column 9: unclosed `\"`: add the closing quote\n");
    let out = env.cmd().args(["query", "--since", "last tuesday", "x"]).assert().code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("can't read date"));
}

#[test]
fn missing_index_says_how_to_create_one() {
    let env = Env::new();
    let out = env.cmd().args(["query", "Kellogg"]).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr, "newsearch: no index at .newsearch; create one with `newsearch index PATH`\n");
}

#[test]
fn each_filter_and_sort() {
    let env = Env::new();
    env.index().success();
    assert_eq!(env.ids(&["--tag", "ECB", "--tag", "european union"]).len(), 2);
    assert_eq!(env.ids(&["--any-tag", "G20", "--any-tag", "Bulgaria"]).len(), 3);
    assert_eq!(env.ids(&["--section", "ukraine"]).len(), 3);
    let march = env.ids(&["--since", "2025-03", "--until", "2025-03"]);
    assert_eq!(
        march,
        [
            "2025/03/sofia-cable-upgrade-fewer-outages.html",
            "2025/03/europe-weighs-security-guarantees.txt",
            "2025/03/g20-digital-services-tax.md"
        ]
    );
    assert_eq!(env.ids(&["--since", "2025-04-17", "--until", "2025-04-17"]), ["digest-2025-04.jsonl#3"]);
    let popular = env.ids(&["--min-views", "1500", "--sort", "views"]);
    let (_, rows, _) = env.query(&["--min-views", "1500", "--sort", "views"]);
    let views: Vec<u64> = rows.iter().map(|r| r["views"].as_u64().unwrap()).collect();
    assert!(views.windows(2).all(|w| w[0] >= w[1]) && views.iter().all(|v| *v >= 1500), "{views:?}");
    assert!(!popular.is_empty());
    assert!(env.ids(&["--max-views", "10"]).is_empty());
    let newest = env.ids(&["-n", "2"]);
    assert_eq!(newest, ["digest-2025-04-kellogg-london", "digest-2025-04.jsonl#3"]);
    let (_, rows, _) = env.query(&["-n", "2", "--offset", "1"]);
    assert_eq!(rows[0]["id"], "digest-2025-04.jsonl#3");
    assert_eq!(rows[0]["rank"], 2);
    let by_date = env.ids(&["security", "--sort", "date"]);
    assert!(by_date.len() >= 2);
    let fuzzy = env.ids(&["Zelenksy", "--fuzzy"]);
    assert!(fuzzy.contains(&SEED_ID.to_owned()), "{fuzzy:?}");
    assert!(env.ids(&["Zelenksy"]).is_empty());
}

#[test]
fn reindex_after_editing_deleting_and_adding() {
    let env = Env::new();
    env.index().success();
    fs::remove_file(env.path("articles/ecb-cuts-rates-december-2024.json")).unwrap();
    let seed = env.path("articles/2025/02/zelensky-pushes-for-us-security-deal.txt");
    let text = fs::read_to_string(&seed).unwrap().replace("restores hope", "restores hope and zanzibar");
    fs::write(&seed, text).unwrap();
    fs::write(env.path("articles/new.md"), "---\ntitle: Quokka census\n---\nQuokkas counted.").unwrap();
    let out = env.index().success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("1 added, 1 updated, 7 unchanged, 1 removed"), "{stderr}");
    assert_eq!(env.ids(&["zanzibar"]), [SEED_ID]);
    assert_eq!(env.ids(&["quokka"]), ["new.md"]);
    assert!(env.ids(&["--tag", "ECB", "--until", "2024-12"]).is_empty());
}

#[test]
fn bad_files_are_reported_and_the_rest_indexed() {
    let env = Env::new();
    fs::write(env.path("articles/broken.json"), "{\"title\": ").unwrap();
    fs::write(env.path("articles/notes.xyz"), "not an article").unwrap();
    let out = env.index().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("articles/broken.json: line 1: malformed JSON"), "{stderr}");
    assert!(
        stderr.contains("9 added") && stderr.contains("2 skipped (1 failed, 1 unknown extension)"),
        "{stderr}"
    );
    assert_eq!(env.ids(&["Kellogg", "--tag", "Ukraine"]).len(), 2);
}

#[test]
fn a_second_writer_is_refused_while_queries_work() {
    let env = Env::new();
    env.index().success();
    let index = newsearch::Index::open(env.path(".newsearch")).unwrap();
    let writer = index.writer().unwrap();
    let out = env.index().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr, "newsearch: index at .newsearch is locked by another newsearch process\n");
    assert_eq!(env.ids(&["Zelensky", "Kellogg"]), [SEED_ID]);
    drop(writer);
    env.index().success();
}

#[test]
fn index_location_from_flag_env_and_default() {
    let env = Env::new();
    env.cmd().args(["index", "--index", "flag-idx", "articles"]).assert().success();
    env.cmd().env("NEWSEARCH_INDEX", "env-idx").args(["index", "articles"]).assert().success();
    assert!(env.path("flag-idx/newsearch-index.json").exists());
    assert!(env.path("env-idx/newsearch-index.json").exists());
    assert!(!env.path(".newsearch").exists());
    let out =
        env.cmd().env("NEWSEARCH_INDEX", "env-idx").args(["query", "--json", "Kellogg"]).assert().success();
    assert!(!json_lines(&out.get_output().stdout).is_empty());
    // A folder that is not an index is never touched.
    fs::create_dir_all(env.path("photos")).unwrap();
    fs::write(env.path("photos/cat.jpg"), "x").unwrap();
    let out = env.cmd().args(["index", "--rebuild", "--index", "photos", "articles"]).assert().code(2);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("is not a newsearch index"));
    assert!(env.path("photos/cat.jpg").exists());
}

#[test]
fn rebuild_and_schema_version_errors() {
    let env = Env::new();
    env.index().success();
    let marker = env.path(".newsearch/newsearch-index.json");
    let mut json: Value = serde_json::from_str(&fs::read_to_string(&marker).unwrap()).unwrap();
    json["schema_version"] = 0.into();
    fs::write(&marker, json.to_string()).unwrap();
    let out = env.cmd().args(["query", "Kellogg"]).assert().code(2);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("rebuild it with `newsearch index --rebuild`"), "{stderr}");
    env.cmd().args(["index", "--rebuild", "articles"]).assert().success();
    assert_eq!(env.ids(&["Zelensky", "Kellogg"]), [SEED_ID]);
}
