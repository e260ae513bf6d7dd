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
