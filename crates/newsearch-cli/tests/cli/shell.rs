//! `newsearch completions` and `newsearch man`.

use std::fs;
use std::process::Command;

use crate::newsearch;

/// The commands `newsearch --help` lists (without `help`), so that commands added later are
/// checked too.
fn commands() -> Vec<String> {
    let out = newsearch().arg("--help").assert().success();
    let help = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let listed: Vec<String> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // Descriptions that wrap continue on lines indented further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    for expected in ["index", "query", "parse", "export", "completions", "man"] {
        assert!(listed.iter().any(|c| c == expected), "{expected} missing from {listed:?}");
    }
    listed
}

fn stdout_of(args: &[&str]) -> String {
    let out = newsearch().args(args).assert().success();
    assert!(out.get_output().stderr.is_empty());
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

#[test]
fn completions_for_every_shell_know_every_command() {
    let commands = commands();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("newsearch"), "{shell}");
        for command in &commands {
            assert!(script.contains(command.as_str()), "{shell} completion lacks {command}");
        }
        // Flags of a command, with the values clap knows.
        assert!(script.contains("es-index") && script.contains("ndjson"), "{shell}");
    }
    newsearch().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn bash_completion_script_is_valid_bash() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newsearch.bash");
    fs::write(&path, stdout_of(&["completions", "bash"])).unwrap();
    let out = Command::new("bash").arg("-n").arg(&path).output().expect("bash is installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Loading it registers the completion function for the command.
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p newsearch", path.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("newsearch"));
}

#[test]
fn man_prints_the_main_page_listing_every_command() {
    let page = stdout_of(&["man"]);
    assert!(page.lines().any(|l| l.starts_with(".TH newsearch 1 ")), "{page}");
    assert!(page.contains(".SH SYNOPSIS") && page.contains(".SH SUBCOMMANDS"));
    for command in commands() {
        // roff escapes the hyphen.
        assert!(page.contains(&format!("newsearch\\-{command}(1)")), "{command} not listed");
    }
}

#[test]
fn man_with_a_folder_writes_a_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("share/man/man1");
    let out = newsearch().arg("man").arg("-o").arg(&pages).assert().success();
    assert!(out.get_output().stdout.is_empty());
    let commands = commands();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr, format!("newsearch: wrote {} man pages to {}\n", commands.len() + 1, pages.display()));

    let mut expected: Vec<String> = commands.iter().map(|c| format!("newsearch-{c}.1")).collect();
    expected.push("newsearch.1".into());
    expected.sort();
    let mut written: Vec<String> = fs::read_dir(&pages)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected);

    let main_page = fs::read_to_string(pages.join("newsearch.1")).unwrap();
    assert_eq!(main_page, stdout_of(&["man"]));
    let export = fs::read_to_string(pages.join("newsearch-export.1")).unwrap();
    assert!(export.lines().any(|l| l.starts_with(".TH newsearch-export 1 ")), "{export}");
    assert!(export.contains("\\-\\-es\\-index") && export.contains("NEWSEARCH_INDEX"), "{export}");
}

#[test]
fn help_lists_every_value_of_sort_and_mode() {
    let long = stdout_of(&["query", "--help"]);
    let sorts = &["relevance", "date", "date-asc", "views", "views-asc"][..];
    for (flag, values) in [("--sort", sorts), ("--mode", &["auto", "all", "any"][..])] {
        let section: String = long
            .lines()
            .skip_while(|l| !l.trim_start().starts_with(flag))
            .skip(1)
            .take_while(|l| !l.trim_start().starts_with("--") && !l.trim_start().starts_with("-n,"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(section.contains("Possible values:"), "{flag}: {section}");
        for value in values {
            assert!(section.contains(&format!("- {value}:")), "{flag} lacks {value}: {section}");
        }
    }
    let short = stdout_of(&["query", "-h"]);
    let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words(&short).contains("[possible values: relevance, date, date-asc, views, views-asc]"),
        "{short}"
    );
    assert!(words(&short).contains("[possible values: auto, all, any]"), "{short}");
    // The other choices too.
    let index = words(&stdout_of(&["index", "-h"]));
    assert!(index.contains("[possible values: porter, english, none, french,"), "{index}");
    assert!(index.contains("[possible values: txt, json, jsonl, md, html]"), "{index}");
}

#[test]
fn completions_offer_the_values_of_choices() {
    let bash = stdout_of(&["completions", "bash"]);
    for values in
        ["relevance date date-asc views views-asc", "auto all any", "txt json jsonl md html", "ndjson bulk"]
    {
        assert!(bash.contains(&format!("compgen -W \"{values}\"")), "bash lacks {values}");
    }
    assert!(bash.contains("porter english none french"), "bash lacks the stemmings");
    for shell in ["zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        for value in ["relevance", "views", "auto", "jsonl", "html", "porter", "russian", "bulk"] {
            assert!(script.contains(value), "{shell} lacks {value}");
        }
    }
}
