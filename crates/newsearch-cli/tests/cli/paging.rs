//! Issue #19 on the command line: `--after` cursors, ascending sorts, title highlights in
//! `--json`, and the query syntax that used to search for something else.

use serde_json::Value;

use crate::{Examples, json_lines};

fn indexed() -> Examples {
    let env = Examples::new();
    env.cmd().args(["index", "--quiet", "articles"]).assert().success();
    env
}

/// `newsearch ARGS`: exit code, stdout, stderr.
fn run(env: &Examples, args: &[&str]) -> (i32, String, String) {
    let out = env.cmd().args(args).output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

fn ids(rows: &[Value]) -> Vec<String> {
    rows.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn json_pages_follow_the_next_cursor_to_the_end() {
    let env = indexed();
    for sort in ["relevance", "date", "oldest", "views", "views-asc"] {
        let (_, all, _) = run(&env, &["query", "--json", "the", "--sort", sort, "-n", "100"]);
        let all = json_lines(all.as_bytes());
        assert!(all.len() > 4, "the test needs several hits");
        assert!(all.iter().all(|r| r.get("next").is_none()));
        let mut seen = Vec::new();
        let mut args = vec!["query".to_owned(), "--json".into(), "the".into(), "--sort".into(), sort.into()];
        args.extend(["-n".into(), "2".into()]);
        let mut cursor: Option<String> = None;
        loop {
            let mut page_args = args.clone();
            if let Some(c) = &cursor {
                page_args.extend(["--after".into(), c.clone()]);
            }
            let refs: Vec<&str> = page_args.iter().map(String::as_str).collect();
            let (code, stdout, stderr) = run(&env, &refs);
            assert_eq!(code, 0, "{stderr}");
            let rows = json_lines(stdout.as_bytes());
            // Ranks count from the cursor.
            let ranks: Vec<u64> = rows.iter().map(|r| r["rank"].as_u64().unwrap()).collect();
            assert_eq!(ranks, (1..=rows.len() as u64).collect::<Vec<_>>());
            seen.extend(ids(&rows));
            // Only the last hit says where the next page starts.
            assert!(rows[..rows.len() - 1].iter().all(|r| r.get("next").is_none()));
            match rows.last().and_then(|r| r.get("next")) {
                Some(next) => cursor = Some(next.as_str().unwrap().to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, ids(&all), "--sort {sort}");
    }
}

#[test]
fn human_pages_end_with_the_next_page_s_flag() {
    let env = indexed();
    let (code, first, _) = run(&env, &["query", "--sort", "oldest", "-n", "3"]);
    assert_eq!(code, 0);
    let last = first.lines().last().unwrap();
    let cursor = last.strip_prefix("next page: --after ").unwrap_or_else(|| panic!("{first}"));
    let (code, second, stderr) = run(&env, &["query", "--sort", "oldest", "-n", "3", "--after", cursor]);
    assert_eq!(code, 0, "{stderr}");
    assert!(second.contains(&format!("{} matches, showing 1–3 after the cursor", 11)), "{second}");
    assert!(second.starts_with("  1. "), "{second}");
    // The whole list on one page has no next page.
    let (_, all, _) = run(&env, &["query", "-n", "20"]);
    assert!(!all.contains("next page"), "{all}");
    let (_, rest, _) = run(&env, &["query", "--sort", "oldest", "-n", "20", "--after", cursor]);
    assert!(rest.contains("11 matches, showing 1–8 after the cursor"), "{rest}");
    assert!(!rest.contains("next page"), "{rest}");
}

#[test]
fn oldest_and_least_viewed_first() {
    let env = indexed();
    let dates = |sort: &str| -> Vec<Value> {
        let (_, out, _) = run(&env, &["query", "--json", "--sort", sort, "-n", "20"]);
        json_lines(out.as_bytes()).iter().map(|r| r["date"].clone()).collect()
    };
    let oldest = dates("oldest");
    let newest = dates("date");
    let dated = |v: &[Value]| v.iter().filter(|d| !d.is_null()).cloned().collect::<Vec<_>>();
    let mut reversed = dated(&newest);
    reversed.reverse();
    let mut oldest_dated = dated(&oldest);
    // Ties on a date may come in another order; the dates themselves are the reverse.
    oldest_dated.dedup();
    reversed.dedup();
    assert_eq!(oldest_dated, reversed);
    assert!(oldest.iter().skip_while(|d| !d.is_null()).all(Value::is_null), "undated last: {oldest:?}");
    for alias in ["date-asc", "date:asc", "OLDEST"] {
        assert_eq!(dates(alias), oldest, "{alias}");
    }
    let (_, out, _) = run(&env, &["query", "--json", "--sort", "least-viewed", "-n", "20"]);
    let views: Vec<Option<u64>> = json_lines(out.as_bytes()).iter().map(|r| r["views"].as_u64()).collect();
    let counted = views.iter().take_while(|v| v.is_some()).count();
    assert!(counted > 1 && views[..counted].windows(2).all(|w| w[0] <= w[1]), "{views:?}");
    assert!(views[counted..].iter().all(Option::is_none), "{views:?}");
}

#[test]
fn cursors_that_are_not_cursors_or_belong_to_another_order_are_refused() {
    let env = indexed();
    let (code, _, stderr) = run(&env, &["query", "the", "--after", "page-two"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("invalid value 'page-two' for '--after <CURSOR>': not a valid cursor"),
        "{stderr}"
    );
    let (_, out, _) = run(&env, &["query", "--json", "-n", "1"]);
    let cursor = json_lines(out.as_bytes())[0]["next"].as_str().unwrap().to_owned();
    let (code, _, stderr) = run(&env, &["query", "the", "--after", &cursor]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "newsearch: the cursor continues results sorted by date, and the query sorts by relevance; \
         --after takes the cursor a page printed, with the same text, filters and --sort\n"
    );
}

#[test]
fn typo_weight_and_misplaced_star_syntax_mean_what_they_say() {
    let env = indexed();
    let count = |text: &str| -> (i32, usize, String) {
        let (code, out, stderr) = run(&env, &["query", "--json", "-n", "20", text]);
        (code, json_lines(out.as_bytes()).len(), stderr)
    };
    // "Kelogg" is one letter off; `~1` finds what the exact word does not.
    assert_eq!(count("Kelogg").0, 1);
    let (code, n, stderr) = count("Kelogg~1");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(n, count("Kellogg").1);
    // A weight changes the order, not the matches.
    let order = |text: &str| {
        let (_, out, _) = run(&env, &["query", "--json", "-n", "20", "--mode", "any", text]);
        ids(&json_lines(out.as_bytes()))
    };
    let plain = order("Kellogg rates");
    let weighted = order("Kellogg rates^50");
    let mut a = plain.clone();
    let mut b = weighted.clone();
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_ne!(plain, weighted, "rates^50 puts the rate stories first");
    for (text, column) in [("oil~3", 5), ("oil^", 4), ("title:", 1), ("o*l", 2), ("tag:*", 5), ("\"\"", 1)] {
        let (code, _, stderr) = count(text);
        assert_eq!(code, 2, "{text}");
        assert!(
            stderr.starts_with(&format!("newsearch: query syntax error at column {column}: ")),
            "{text}: {stderr}"
        );
    }
}

#[test]
fn nothing_searchable_and_broad_prefixes_add_the_flags_that_help() {
    let env = indexed();
    let (code, _, stderr) = run(&env, &["query", "--mode", "any", "the of"]);
    assert_eq!(code, 2);
    assert!(stderr.ends_with("(put them in quotes, or use --mode all, to search for them)\n"), "{stderr}");
    let (code, _, stderr) = run(&env, &["query", "£"]);
    assert_eq!(code, 2);
    assert!(!stderr.contains("--mode"), "{stderr}");
}
