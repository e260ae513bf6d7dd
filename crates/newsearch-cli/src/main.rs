//! The `newsearch` command: argument parsing, printing and exit codes on top of the library.
//!
//! A walk through: [`args`] defines every flag and turns flags into library values; [`cmd`] has
//! one module per subcommand, which asks the library and hands what it got to [`output`]
//! (`output::human` for people, `output::json` for scripts); [`exit`] names the exit statuses.
//! This file parses the command line, runs the command and turns its outcome into a status.

mod args;
mod choices;
mod cmd;
mod exit;
mod lookup;
mod output;

use std::ffi::OsString;
use std::io;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use args::Cli;
use exit::Exit;

fn main() -> ExitCode {
    let cli = parse_args();
    match cmd::run(cli.command) {
        Ok(exit) => exit.into(),
        // A reader that went away (`newsearch parse … | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => Exit::Success.into(),
        Err(e) => {
            output::say(&output::error_chain(&e));
            Exit::Error.into()
        }
    }
}

/// The arguments, with an empty `NEWSEARCH_INDEX` counted as unset (as shells leave a variable
/// that was cleared with `NEWSEARCH_INDEX=`): clap would take it as an `--index` without a value.
fn parse_args() -> Cli {
    let mut command = Cli::command();
    if std::env::var_os(args::INDEX_ENV).is_some_and(|v| v.is_empty()) {
        let with_index: Vec<String> = command
            .get_subcommands()
            .filter(|c| c.get_arguments().any(|a| a.get_id() == args::INDEX_ARG))
            .map(|c| c.get_name().to_owned())
            .collect();
        for name in with_index {
            command = command.mut_subcommand(name, |c| c.mut_arg(args::INDEX_ARG, |a| a.env(None::<&str>)));
        }
    }
    let args = exclusions_as_words(&command, std::env::args_os().collect());
    command.try_get_matches_from(args).and_then(|m| Cli::from_arg_matches(&m)).unwrap_or_else(|e| e.exit())
}

/// `newsearch query oil -opec`: the query language's exclusion looks like an option to the
/// shell and to clap (which reads `-opec` as `-o -p -e -c`, or `-nato` as `-n ato`). In `query`,
/// a `-word` that is not one of its options becomes `NOT word`, which means the same; the
/// value of an option (`--tag -x`) and everything after `--` are left alone.
fn exclusions_as_words(command: &clap::Command, args: Vec<OsString>) -> Vec<OsString> {
    let Some(at) = args.iter().skip(1).position(|a| a == "query").map(|i| i + 1) else { return args };
    // Only when `query` is the subcommand, not a word after it.
    if args[1..at].iter().any(|a| !a.to_string_lossy().starts_with('-')) {
        return args;
    }
    let Some(query) = command.find_subcommand("query") else { return args };
    let mut takes_value: Vec<String> = Vec::new();
    for arg in query.get_arguments().filter(|a| !a.is_positional() && a.get_action().takes_values()) {
        takes_value
            .extend(arg.get_long_and_visible_aliases().into_iter().flatten().map(|l| format!("--{l}")));
        takes_value
            .extend(arg.get_short_and_visible_aliases().into_iter().flatten().map(|c| format!("-{c}")));
    }
    let mut out: Vec<OsString> = args[..=at].to_vec();
    let mut rest = args[at + 1..].iter();
    let mut value_next = false;
    for arg in rest.by_ref() {
        let text = arg.to_string_lossy();
        if text == "--" {
            out.push(arg.clone());
            break;
        }
        let is_value = std::mem::replace(&mut value_next, takes_value.iter().any(|o| *o == text));
        let word = text.strip_prefix('-').filter(|w| {
            let mut chars = w.chars();
            let first = chars.next();
            let short_with_value = first.is_some_and(|c| takes_value.contains(&format!("-{c}")))
                && chars.clone().all(|c| c.is_ascii_digit());
            !is_value && w.chars().count() >= 2 && first.is_some_and(char::is_alphabetic) && !short_with_value
        });
        match word {
            Some(word) => out.extend([OsString::from("NOT"), OsString::from(word)]),
            None => out.push(arg.clone()),
        }
    }
    out.extend(rest.cloned());
    out
}

/// Whether a write to a reader that went away caused `e`, wherever the `io::Error` sits: bare,
/// under context, or inside a serde_json error (whose `source()` skips the `io::Error` itself
/// and names that error's own source, so walking the chain alone never finds it).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| io_kind(cause) == Some(io::ErrorKind::BrokenPipe))
}

fn io_kind(cause: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    if let Some(io) = cause.downcast_ref::<io::Error>() {
        return Some(io.kind());
    }
    if let Some(json) = cause.downcast_ref::<serde_json::Error>() {
        return json.io_error_kind();
    }
    None
}
