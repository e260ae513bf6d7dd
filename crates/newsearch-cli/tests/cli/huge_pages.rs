//! Issue #10, item 6: page sizes and offsets far beyond the index once made the engine
//! allocate for them and abort (exit 134). Each case runs the binary in its own process.

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

#[test]
fn huge_limits_return_every_hit() {
    let env = Examples::new();
    env.cmd().args(["index", "--quiet", "articles"]).assert().success();
    let huge = "10000000000";
    let (code, exact, _) = run(&env, &["query", "--json", "the", "-n", "100"]);
    assert_eq!(code, 0);
    assert!(exact.len() > 2, "the test needs several hits");
    let ids = |rows: &[serde_json::Value]| rows.iter().map(|r| r["id"].clone()).collect::<Vec<_>>();
    for extra in
        [&[][..], &["--facets"], &["--sort", "date"], &["--sort", "views"], &["--collapse"], &["--popular"]]
    {
        for n in [huge, "1000000000", "18446744073709551615"] {
            let mut args = vec!["query", "--json", "the", "-n", n];
            args.extend_from_slice(extra);
            let (code, rows, stderr) = run(&env, &args);
            assert_eq!(code, 0, "{args:?}: {stderr}");
            let hits: Vec<_> = rows.iter().filter(|r| r.get("id").is_some()).cloned().collect();
            assert_eq!(hits.len(), exact.len(), "{args:?}");
            if extra.is_empty() {
                assert_eq!(ids(&hits), ids(&exact));
            }
        }
    }
    let (code, rows, _) = run(&env, &["query", "--json", "-n", huge]);
    assert_eq!((code, rows.len()), (0, ARTICLES), "listing without text");
    let (code, rows, _) = run(&env, &["query", "--json", "the", "-n", huge, "--offset", "1"]);
    assert_eq!(code, 0);
    assert_eq!(ids(&rows), ids(&exact[1..]));
    let (code, _, stderr) = run(&env, &["query", "the", "-n", huge]);
    assert_eq!(code, 0, "{stderr}");

    let id = exact[0]["id"].as_str().unwrap();
    let (code, rows, stderr) = run(&env, &["related", "--json", id, "-n", huge]);
    assert!(code == 0 || code == 1, "{stderr}");
    assert!(rows.len() < ARTICLES);
}

#[test]
fn huge_offsets_show_nothing_and_say_why() {
    let env = Examples::new();
    env.cmd().args(["index", "--quiet", "articles"]).assert().success();
    // Just past the last article, and far past it.
    let past_the_end = ARTICLES.to_string();
    for offset in ["10000000000", "18446744073709551615", past_the_end.as_str()] {
        for n in ["10", "10000000000", "18446744073709551615"] {
            let (code, rows, stderr) = run(&env, &["query", "--json", "-n", n, "--offset", offset]);
            // Something matched, so the status is 0; the line says why the page is empty.
            assert_eq!(code, 0, "--offset {offset} -n {n}: {stderr}");
            assert!(rows.is_empty());
            assert!(stderr.contains(&format!("{ARTICLES} matches, none at offset ")), "{stderr}");
            let (code, _, stderr) = run(
                &env,
                &["query", "--json", "the", "--facets", "--sort", "date", "-n", n, "--offset", offset],
            );
            assert_eq!(code, 0, "{stderr}");
            assert!(stderr.contains("none at offset"), "{stderr}");
        }
    }
    let (code, _, stderr) =
        run(&env, &["query", "--json", "the", "--collapse", "--offset", "18446744073709551615"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("none at offset 18,446,744,073,709,551,615"), "{stderr}");
}
