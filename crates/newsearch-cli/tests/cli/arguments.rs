//! Requests that can't mean what they say are refused or explained, never silently changed.

use crate::Examples as Env;

impl Env {
    /// `newsearch ARGS`: exit code, stdout, stderr.
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().unwrap();
        let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
        (out.status.code().unwrap(), text(out.stdout), text(out.stderr))
    }

    fn indexed() -> Env {
        let env = Env::new();
        env.cmd().args(["index", "articles"]).assert().success();
        env
    }
}

#[test]
fn commit_every_0_and_threads_0_are_refused() {
    let env = Env::new();
    for flag in ["--commit-every", "--threads"] {
        let (code, _, stderr) = env.run(&["index", flag, "0", "articles"]);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!("invalid value '0' for '{flag} <N>': must be at least 1")),
            "{stderr}"
        );
    }
    assert!(!env.path(".newsearch").exists(), "nothing was indexed");
}

#[test]
fn another_stemming_on_an_existing_index_needs_rebuild() {
    let env = Env::indexed();
    let (code, _, stderr) = env.run(&["index", "--stemming", "french", "articles"]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        stderr,
        "newsearch: index at .newsearch uses porter stemming; to use french, rebuild it: \
         newsearch index --rebuild --stemming french\n"
    );
    // Naming the stemming the index has is fine; a rebuild switches, and a later rebuild
    // without --stemming keeps what the index has.
    env.cmd().args(["index", "--stemming", "porter", "articles"]).assert().success();
    env.cmd().args(["index", "--rebuild", "--stemming", "french", "articles"]).assert().success();
    env.cmd().args(["index", "--rebuild", "articles"]).assert().success();
    let (_, stats, _) = env.run(&["stats", "--json"]);
    assert!(stats.contains(r#""stemming":"french""#), "{stats}");
}

#[test]
fn empty_ranges_are_refused_by_query_and_related() {
    let env = Env::indexed();
    let seed = "2025/02/zelensky-pushes-for-us-security-deal.txt";
    for command in [vec!["query", "Ukraine"], vec!["related", seed]] {
        let run = |extra: &[&str]| env.run(&[command.clone(), extra.to_vec()].concat());
        let (code, _, stderr) = run(&["--min-views", "100", "--max-views", "50"]);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(stderr, "newsearch: the views range is empty: at least 100 and at most 50 views\n");
        let (code, _, stderr) = run(&["--since", "2025-03", "--until", "2025-02"]);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(
            stderr,
            "newsearch: the date range is empty: from 2025-03-01T00:00:00Z until 2025-02-28T23:59:59Z\n"
        );
    }
}

#[test]
fn a_page_past_the_last_match_says_so() {
    let env = Env::indexed();
    let (code, stdout, _) = env.run(&["query", "Ukraine", "--offset", "100"]);
    assert_eq!(code, 0, "matches exist, only the page is empty");
    assert_eq!(stdout, "4 matches, none at offset 100\n");
    let (code, stdout, stderr) = env.run(&["query", "Ukraine", "--offset", "100", "--json"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(stderr, "newsearch: 4 matches, none at offset 100\n");
    // Counting only (-n 0) is not an empty page.
    let (code, stdout, _) = env.run(&["query", "Ukraine", "-n", "0"]);
    assert_eq!((code, stdout.as_str()), (0, "4 matches\n"));
}

#[test]
fn popular_without_text_orders_by_views() {
    let env = Env::indexed();
    let rows = |args: &[&str]| {
        let out = env.cmd().args(["query", "--json"]).args(args).output().unwrap();
        crate::json_lines(&out.stdout)
    };
    let popular = rows(&["--popular"]);
    let by_views = rows(&["--sort", "views"]);
    assert_eq!(popular.len(), 10);
    let with_views = |rows: &[serde_json::Value]| -> Vec<(String, u64)> {
        rows.iter().filter_map(|r| Some((r["id"].as_str()?.to_owned(), r["views"].as_u64()?))).collect()
    };
    assert_eq!(with_views(&popular), with_views(&by_views));
    assert_eq!(popular[0]["id"], "ecb-cuts-rates-december-2024.json", "the most viewed first");
    // Scores are the popularity multiplier: 2 for the most viewed, 1 for none.
    assert_eq!(popular[0]["score"], 2.0);
    assert_eq!(popular[9]["score"], 1.0);
}

#[test]
fn an_index_path_naming_a_file_says_so_once() {
    let env = Env::new();
    std::fs::write(env.path("afile"), "").unwrap();
    for args in [&["query", "x"][..], &["stats"], &["index", "articles"], &["index", "--rebuild", "articles"]]
    {
        let out = env.cmd().env("NEWSEARCH_INDEX", "afile").args(args).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr, "newsearch: afile is not a folder, so it can't hold an index\n", "{args:?}");
    }
    assert_eq!(std::fs::read(env.path("afile")).unwrap(), b"", "the file is left alone");
}

#[test]
fn an_empty_newsearch_index_counts_as_unset() {
    let env = Env::indexed();
    let out = env.cmd().env("NEWSEARCH_INDEX", "").args(["stats", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stats = &crate::json_lines(&out.stdout)[0];
    assert_eq!((stats["index"].as_str(), stats["articles"].as_u64()), (Some(".newsearch"), Some(11)));
    // Typed on the command line, an empty --index is still an error.
    env.cmd().env("NEWSEARCH_INDEX", "").args(["stats", "--index", ""]).assert().code(2);
}

#[test]
fn since_and_until_take_article_date_forms() {
    let env = Env::indexed();
    let ids = |since: &str, until: &str| {
        let out = env.cmd().args(["query", "--json", "--since", since, "--until", until]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{since}: {}", String::from_utf8_lossy(&out.stderr));
        crate::json_lines(&out.stdout)
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let seed = ["2025/02/zelensky-pushes-for-us-security-deal.txt"];
    // The seed is dated 2025-02-21 08:37 UTC.
    assert_eq!(ids("2025-02-21 08:37", "2025-02-21 08:37"), seed);
    assert_eq!(ids("2025-02-21 08:00", "February 21, 2025 09:00"), seed);
    assert_eq!(ids("21 February 2025", "21 February 2025"), ids("2025-02-21", "2025-02-21"));
    // A minute later, nothing: the time counts.
    let later = ["query", "--since", "2025-02-21 08:38", "--until", "2025-02-21 23:00"];
    env.cmd().args(later).assert().code(1);
}
