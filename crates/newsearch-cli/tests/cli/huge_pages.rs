//! Issue #10, item 6: page sizes and offsets far beyond the index once made the engine
//! allocate for them and abort (exit 134). Issue #19: pages reach the first
//! `Query::MAX_WINDOW` results, deeper ones are an error that names `--after`, and cursors
//! reach everything. Each case runs the binary in its own process.

use crate::{Examples, json_lines};

/// The examples hold 11 articles; `the` matches several of them.
const ARTICLES: usize = 11;

fn run(env: &Examples, args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let out = env.cmd().args(args).output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_ne!(code, 134, "{args:?} aborted: {stderr}");
    assert!(!stderr.contains("memory allocation"), "{args:?}: {stderr}");
    let rows = if args.contains(&"--json") { json_lines(&out.stdout) } else { Vec::new() };
    (code, rows, stderr)
}

fn ids(rows: &[serde_json::Value]) -> Vec<serde_json::Value> {
    rows.iter().map(|r| r["id"].clone()).collect()
}

#[test]
fn pages_up_to_the_window_return_every_hit() {
    let env = Examples::new();
    env.cmd().args(["index", "--quiet", "articles"]).assert().success();
    let window = newsearch::Query::MAX_WINDOW.to_string();
    let (code, exact, _) = run(&env, &["query", "--json", "the", "-n", "100"]);
    assert_eq!(code, 0);
    assert!(exact.len() > 2, "the test needs several hits");
    for extra in [
        &[][..],
        &["--facets"],
        &["--sort", "date"],
        &["--sort", "oldest"],
        &["--sort", "views"],
        &["--collapse"],
        &["--popular"],
    ] {
        let mut args = vec!["query", "--json", "the", "-n", &window];
        args.extend_from_slice(extra);
        let (code, rows, stderr) = run(&env, &args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        let hits: Vec<_> = rows.iter().filter(|r| r.get("id").is_some()).cloned().collect();
        assert_eq!(hits.len(), exact.len(), "{args:?}");
        assert!(hits.iter().all(|h| h.get("next").is_none()), "one page holds them all");
        if extra.is_empty() {
            assert_eq!(ids(&hits), ids(&exact));
        }
    }
    let (code, rows, _) = run(&env, &["query", "--json", "-n", &window]);
    assert_eq!((code, rows.len()), (0, ARTICLES), "listing without text");
    let (code, rows, _) = run(&env, &["query", "--json", "the", "-n", "9999", "--offset", "1"]);
    assert_eq!(code, 0);
    assert_eq!(ids(&rows), ids(&exact[1..]));

    let id = exact[0]["id"].as_str().unwrap();
    let (code, rows, stderr) = run(&env, &["related", "--json", id, "-n", &window]);
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(rows.len() < ARTICLES);
}

#[test]
fn deeper_pages_are_refused_with_a_hint_naming_after() {
    let env = Examples::new();
    env.cmd().args(["index", "--quiet", "articles"]).assert().success();
    for (n, offset) in [
        ("10001", "0"),
        ("10000000000", "0"),
        ("18446744073709551615", "0"),
        ("10", "9991"),
        ("0", "18446744073709551615"),
        ("18446744073709551615", "18446744073709551615"),
    ] {
        for command in
            [&["query", "the"][..], &["query", "--json"], &["related", "ecb-cuts-rates-december-2024.json"]]
        {
            let mut args = command.to_vec();
            args.extend(["-n", n, "--offset", offset]);
            let (code, rows, stderr) = run(&env, &args);
            assert_eq!(code, 2, "{args:?}: {stderr}");
            assert!(rows.is_empty());
            assert!(stderr.starts_with("newsearch: page too deep: "), "{stderr}");
            assert!(stderr.contains("--after CURSOR"), "{stderr}");
            assert!(stderr.contains("`newsearch export`"), "{stderr}");
        }
    }
}

#[test]
fn offsets_past_the_last_match_show_nothing_and_say_why() {
    let env = Examples::new();
    env.cmd().args(["index", "--quiet", "articles"]).assert().success();
    // Just past the last article, and far past it (but within the window).
    let past_the_end = ARTICLES.to_string();
    for offset in ["9000", "10000", past_the_end.as_str()] {
        for n in ["0", "10"] {
            if offset == "10000" && n == "10" {
                continue;
            }
            let (code, rows, stderr) = run(&env, &["query", "--json", "-n", n, "--offset", offset]);
            // Something matched, so the status is 0; the line says why the page is empty.
            assert_eq!(code, 0, "--offset {offset} -n {n}: {stderr}");
            assert!(rows.is_empty());
            let expected = if n == "0" {
                format!("{ARTICLES} matches")
            } else {
                format!("{ARTICLES} matches, none at offset ")
            };
            assert!(stderr.contains(&expected), "{stderr}");
        }
    }
    let (code, _, stderr) = run(&env, &["query", "--json", "the", "--collapse", "--offset", "9990"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("none at offset 9,990"), "{stderr}");
}
