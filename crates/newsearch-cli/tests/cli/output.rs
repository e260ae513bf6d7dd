//! What output looks like and where it goes: closed pipes, wrapping, counts.

use std::process::{Output, Stdio};

use assert_cmd::cargo::CommandCargoExt;

use crate::Examples as Env;

/// `newsearch ARGS` in `env` with stdout a pipe whose reading end was closed before the
/// command started, so its first write to stdout fails with EPIPE (as under `| head -0`, and
/// as under `| head -1` once the reader has gone), whatever the timing.
fn into_closed_pipe(env: &Env, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    std::process::Command::cargo_bin("newsearch")
        .unwrap()
        .current_dir(env.dir.path())
        .env_remove("NEWSEARCH_INDEX")
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn every_output_into_a_closed_pipe_exits_0_quietly() {
    let env = Env::new();
    // `index --json` first, so it runs on a fresh folder and builds the index the others read.
    let runs: [&[&str]; 11] = [
        &["index", "--json", "articles"],
        &["query", "--json", "Ukraine"],
        &["query", "--json", "--facets", "-n", "0", "Ukraine"],
        &["query", "Ukraine"],
        &["stats", "--json"],
        &["stats"],
        &["show", "--json", "2025/02/zelensky-pushes-for-us-security-deal.txt"],
        &["related", "--json", "2025/02/zelensky-pushes-for-us-security-deal.txt"],
        &["export"],
        &["export", "--format", "bulk"],
        &["parse", "--json", "articles"],
    ];
    for args in runs {
        let out = into_closed_pipe(&env, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "newsearch {}: {stderr}", args.join(" "));
        assert_eq!(stderr, "", "newsearch {}", args.join(" "));
    }
}

#[test]
fn one_of_a_thing_is_singular_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("one")).unwrap();
    std::fs::write(dir.path().join("one/a.txt"), "Lone article\n\nA single story about the harbour.\n")
        .unwrap();
    let run = |args: &[&str]| {
        let out = crate::newsearch().current_dir(dir.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (_, stderr) = run(&["parse", "--json", "one"]);
    assert_eq!(stderr, "newsearch: parsed 1 article from 1 file\n");
    let (_, stderr) = run(&["index", "one"]);
    assert!(
        stderr.starts_with(
            "newsearch: 1 added, 0 updated, 0 unchanged, 0 removed, 0 skipped; 1 article indexed in "
        ),
        "{stderr}"
    );
    assert!(stderr.ends_with("; 1 article in .newsearch\n"), "{stderr}");
    let (_, stderr) = run(&["export"]);
    assert_eq!(stderr, "newsearch: exported 1 article (1 without a date)\n");
    let (stdout, _) = run(&["query", "harbour"]);
    assert!(stdout.ends_with("\n1 match\n"), "{stdout}");
    let (stdout, _) = run(&["stats"]);
    assert!(stdout.starts_with(".newsearch: 1 article in 1 segment, "), "{stdout}");
}

#[test]
fn human_stats_list_the_top_ten_sections_and_tags_and_count_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("many")).unwrap();
    // Section N and tag N on N + 1 articles, so the order is fixed: 13 of each.
    let mut lines = String::new();
    for n in 0..13 {
        for copy in 0..=n {
            lines.push_str(&format!(
                "{{\"id\": \"a{n}-{copy}\", \"title\": \"Story {n}\", \"body\": \"Text.\", \"section\": \"Section {n:02}\", \"tags\": [\"Tag {n:02}\"]}}\n"
            ));
        }
    }
    std::fs::write(dir.path().join("many/all.jsonl"), lines).unwrap();
    crate::newsearch().current_dir(dir.path()).args(["index", "many"]).assert().success();
    let out = crate::newsearch().current_dir(dir.path()).arg("stats").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    for title in ["Sections", "Tags"] {
        let block: Vec<&str> = stdout
            .split(&format!("\n{title}\n"))
            .nth(1)
            .unwrap()
            .lines()
            .take_while(|l| !l.is_empty())
            .collect();
        let word = &title[..title.len() - 1];
        assert_eq!(block.len(), 11, "{stdout}");
        assert_eq!(block[0], format!("  13  {word} 12"));
        assert_eq!(block[9], format!("   4  {word} 03"));
        assert_eq!(block[10], "  … and 3 more (--json lists all)");
    }
    // --json keeps them all.
    let out = crate::newsearch().current_dir(dir.path()).args(["stats", "--json"]).output().unwrap();
    let stats = &crate::json_lines(&out.stdout)[0];
    assert_eq!(stats["sections"].as_array().unwrap().len(), 13);
    assert_eq!(stats["tags"].as_array().unwrap().len(), 13);
}

#[test]
fn hits_show_the_id_a_path_does_not_give_and_related_takes_a_path() {
    let env = Env::new();
    env.cmd().args(["index", "articles"]).assert().success();
    let out = env.cmd().args(["query", "Kellogg"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    // A record with its own id: the id follows the path.
    assert!(
        stdout.contains("\n     articles/digest-2025-04.jsonl · id digest-2025-04-kellogg-london\n"),
        "{stdout}"
    );
    // A file's id is the end of its path: nothing added.
    assert!(stdout.contains("\n     articles/2025/02/kellogg-wraps-up-kyiv-visit.txt\n"), "{stdout}");

    let related = |what: &str| {
        let out = env.cmd().args(["related", "--json", what]).output().unwrap();
        (out.status.code().unwrap(), crate::json_lines(&out.stdout), String::from_utf8(out.stderr).unwrap())
    };
    let (code, by_id, _) = related("2025/02/kellogg-wraps-up-kyiv-visit.txt");
    assert_eq!(code, 0);
    let (code, by_path, stderr) = related("articles/2025/02/kellogg-wraps-up-kyiv-visit.txt");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(by_path, by_id);
    let (code, _, stderr) = related("articles/digest-2025-04.jsonl");
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "newsearch: articles/digest-2025-04.jsonl holds 3 articles; name one by its id: \
         digest-2025-04-kellogg-london, digest-2025-04.jsonl#1, digest-2025-04.jsonl#3\n"
    );
    let (code, _, stderr) = related("articles/none.txt");
    assert_eq!(code, 2);
    assert_eq!(stderr, "newsearch: no article with id or path \"articles/none.txt\" in .newsearch\n");
}

#[test]
fn the_readme_show_examples_name_articles_that_exist() {
    let env = Env::new();
    env.cmd().args(["index", "articles"]).assert().success();
    // The README (its Searching examples) and the show page, docs/cli.md.
    let readme = ["README.md", "docs/cli.md"]
        .map(|p| std::fs::read_to_string(crate::repo_path(p)).unwrap())
        .join("\n");
    let ids: Vec<&str> = readme
        .lines()
        .filter_map(|l| l.trim_start_matches("$ ").strip_prefix("newsearch show "))
        .filter_map(|rest| rest.split_whitespace().next())
        .filter(|id| !id.starts_with(['-', '[']) && *id != "ID")
        .collect();
    assert!(ids.len() >= 2, "{ids:?}");
    for id in ids {
        env.cmd().args(["show", id]).assert().success();
    }
}

#[test]
fn hits_facets_and_the_timeline_fit_the_width() {
    use unicode_width::UnicodeWidthStr;
    let env = Env::new();
    env.cmd().args(["index", "articles"]).assert().success();
    for columns in [12, 40, 80] {
        let out = env
            .cmd()
            .env("COLUMNS", columns.to_string())
            .args(["query", "Ukraine", "--facets", "--timeline"])
            .output()
            .unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        for line in stdout.lines() {
            // Paths are never cut, so they can be copied.
            if line.trim_start().starts_with("articles/") {
                continue;
            }
            assert!(line.width() <= columns, "{line:?} is wider than {columns}:\n{stdout}");
        }
        // Wrapping breaks between words, and continuation lines hang under the first.
        let words = |text: &str| text.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let top_tags: Vec<&str> = stdout
            .lines()
            .skip_while(|l| !l.starts_with("Top tags:"))
            .take_while(|l| !l.starts_with("Sections:"))
            .collect();
        let indent = " ".repeat(10.min(columns / 3));
        assert!(top_tags[1..].iter().all(|l| l.starts_with(&indent)), "{top_tags:?}");
        assert_eq!(
            words(&top_tags.join(" ")),
            words(
                "Top tags: Ukraine (4), Russia (3), Zelensky (2), China (1), Energy (1), European Union (1), Kellogg (1), US (1)"
            )
        );
    }
    // The snippet of the first hit at 40 columns: whole words, each continuation indented.
    let out = env.cmd().env("COLUMNS", "40").args(["query", "Kellogg", "-n", "1"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "  1. Kellogg Wraps Up Kyiv Visit,");
    assert_eq!(lines[1], "     Promises to Brief Washington on");
    let path = lines.iter().position(|l| l.trim_start().starts_with("articles/")).unwrap();
    let snippet: Vec<&str> = lines[path + 1..].iter().copied().take_while(|l| !l.is_empty()).collect();
    assert!(snippet.len() >= 4, "{stdout}");
    assert!(snippet.iter().all(|l| l.starts_with("     ") && l.width() <= 40), "{stdout}");
}
