//! Trust end to end: collisions reported by both paths, nothing created in vain, special
//! files skipped with a reason, and an exclusion typed first gets a way out.

use std::fs;

use crate::{json_lines, newsearch};

#[test]
fn a_bare_run_or_a_missing_path_creates_no_index() {
    let tmp = tempfile::tempdir().unwrap();
    let out = newsearch().current_dir(tmp.path()).arg("index").assert().code(2).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("newsearch: no index at .newsearch"), "{stderr}");
    assert!(!tmp.path().join(".newsearch").exists());

    let out = newsearch()
        .current_dir(tmp.path())
        .args(["index", "--index", "e3", "nonexistent"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim_end(), "newsearch: nonexistent: no such file or folder");
    assert!(!tmp.path().join("e3").exists());
    // A later query still says there is no index, not "0 matches".
    newsearch().current_dir(tmp.path()).args(["query", "--index", "e3", "kyiv"]).assert().code(2);
}

#[test]
fn collisions_are_reported_by_both_paths_and_a_rerun_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    for (root, title) in [("a", "From a"), ("b", "From b")] {
        fs::create_dir_all(tmp.path().join(root).join("x")).unwrap();
        fs::write(tmp.path().join(root).join("x/story.txt"), format!("{title}\n\nBody.")).unwrap();
    }
    let run = || {
        newsearch()
            .current_dir(tmp.path())
            .args(["index", "b", "a", "--json"])
            .assert()
            .success()
            .get_output()
            .clone()
    };
    for attempt in 0..2 {
        let lines = json_lines(&run().stdout);
        let collision = lines.iter().find_map(|l| l.get("collision")).expect("a collision line");
        assert_eq!(collision["id"], "x/story.txt");
        assert!(collision["kept"].as_str().unwrap().ends_with("/a/x/story.txt"), "{collision}");
        assert!(collision["dropped"].as_str().unwrap().ends_with("/b/x/story.txt"), "{collision}");
        let summary = &lines.last().unwrap()["summary"];
        assert_eq!(summary["collisions"], 1);
        assert_eq!(summary["added"], if attempt == 0 { 1 } else { 0 }, "run {attempt}: {summary}");
    }
    let human =
        newsearch().current_dir(tmp.path()).args(["index", "a", "b"]).assert().success().get_output().clone();
    let stderr = String::from_utf8_lossy(&human.stderr);
    assert!(stderr.contains("id \"x/story.txt\" is already used by"), "{stderr}");
    // stats keeps the last run's collisions, for people and for scripts.
    let stats = newsearch().current_dir(tmp.path()).arg("stats").assert().success().get_output().clone();
    let stats = String::from_utf8_lossy(&stats.stdout);
    assert!(
        stats.contains(
            "Ids used twice at the last run (1)\n  x/story.txt: kept a/x/story.txt, left out b/x/story.txt"
        ),
        "{stats}"
    );
    let stats =
        newsearch().current_dir(tmp.path()).args(["stats", "--json"]).assert().success().get_output().clone();
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["last_run"]["collision_list"][0]["id"], "x/story.txt", "{stats}");
    let hits =
        newsearch().current_dir(tmp.path()).args(["query", "--json"]).assert().success().get_output().clone();
    let titles: Vec<_> =
        json_lines(&hits.stdout).into_iter().filter_map(|l| l["title"].as_str().map(str::to_owned)).collect();
    assert_eq!(titles, ["From a"]);
}

#[cfg(unix)]
#[test]
fn a_fifo_named_or_found_is_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("news");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("real.txt"), "Real\n\nBody.").unwrap();
    let fifo = dir.join("pipe.txt");
    if !std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success()) {
        eprintln!("skipping: mkfifo is not available");
        return;
    }
    let out = newsearch()
        .current_dir(tmp.path())
        .args(["parse", "news/pipe.txt"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("news/pipe.txt: a named pipe (FIFO), not a regular file"), "{stderr}");
    let out = newsearch()
        .current_dir(tmp.path())
        .args(["index", "news", "--json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let lines = json_lines(&out.stdout);
    assert!(lines.iter().any(|l| l["reason"] == "a named pipe (FIFO), not a regular file"), "{lines:?}");
    assert_eq!(lines.last().unwrap()["summary"]["files_seen"], 2);
}

#[test]
fn an_exclusion_typed_as_its_own_word_excludes() {
    let env = crate::Examples::new();
    env.cmd().args(["index", "--quiet", "articles"]).assert().success();
    let ids = |args: &[&str]| -> Vec<String> {
        let out = env.cmd().arg("query").arg("--json").args(args).output().unwrap();
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        json_lines(&out.stdout).into_iter().filter_map(|l| l["id"].as_str().map(str::to_owned)).collect()
    };
    let quoted = ids(&["ukraine -kellogg"]);
    assert!(!quoted.is_empty() && quoted.len() < ids(&["ukraine"]).len(), "{quoted:?}");
    // Not read as options (`-k…`, `-n ato`), wherever it stands; options around it still work.
    assert_eq!(ids(&["ukraine", "-kellogg"]), quoted);
    assert_eq!(ids(&["-kellogg", "ukraine"]), quoted);
    assert_eq!(ids(&["-n", "50", "ukraine", "-kellogg", "--sort", "relevance"]), quoted);
    assert_eq!(ids(&["ukraine", "--", "-kellogg"]), quoted);
    assert_eq!(ids(&["ukraine", "-nato"]), ids(&["ukraine -nato"]));
    assert_eq!(ids(&["ukraine", "-n1"]).len(), 1, "-n1 is still the page size");
}
