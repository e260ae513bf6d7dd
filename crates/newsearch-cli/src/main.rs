//! The `newsearch` command: argument parsing, printing and exit codes on top of the library.

mod args;
mod check_cmd;
mod explore;
mod export_cmd;
mod index_cmd;
mod parse_cmd;
mod print;
mod query_cmd;
mod shell_cmd;
mod show_cmd;
mod stats_cmd;
mod wrap;

use std::io;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use args::{Cli, Command};

/// Exit status when a command succeeded (for queries: found something).
pub(crate) const EXIT_OK: u8 = 0;
/// Exit status when something failed: bad input, bad arguments, a broken index.
pub(crate) const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = parse_args();
    let result = match cli.command {
        Command::Index(args) => index_cmd::run(&args),
        Command::Query(args) => query_cmd::run(&args),
        Command::Parse(args) => parse_cmd::run(&args),
        Command::Related(args) => query_cmd::run_related(&args),
        Command::Show(args) => show_cmd::run(&args),
        Command::Stats(args) => stats_cmd::run(&args),
        Command::Export(args) => export_cmd::run(&args),
        Command::Check(args) => check_cmd::run(&args),
        Command::Completions(args) => shell_cmd::completions(&args),
        Command::Man(args) => shell_cmd::man(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // A reader that went away (`newsearch parse … | head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_OK),
        Err(e) => {
            print::say(&print::error_chain(&e));
            ExitCode::from(EXIT_ERROR)
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
    let matches = command.try_get_matches().and_then(|m| Cli::from_arg_matches(&m));
    matches.unwrap_or_else(|e| {
        if let Some(word) = excluded_word_taken_as_option(&e) {
            print::say(&format!(
                "`{word}` was read as an option; to exclude a word, put the query after `--`, as in: newsearch query [OPTIONS] -- kyiv {word}"
            ));
            std::process::exit(EXIT_ERROR.into());
        }
        e.exit()
    })
}

/// A query word with a leading `-` (an exclusion, `-opec`) that clap took for short options:
/// the word, so the error can say what to do instead of naming an option that does not exist.
fn excluded_word_taken_as_option(e: &clap::Error) -> Option<String> {
    use clap::error::ErrorKind;
    if !matches!(e.kind(), ErrorKind::UnknownArgument | ErrorKind::InvalidValue | ErrorKind::ValueValidation)
    {
        return None;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.iter().position(|a| !a.starts_with('-'))?;
    if !matches!(args[command].as_str(), "query" | "related") {
        return None;
    }
    args[command + 1..].iter().take_while(|a| *a != "--").find_map(|a| {
        let rest = a.strip_prefix('-')?;
        let is_word = rest.chars().count() >= 2
            && rest.chars().next().is_some_and(char::is_alphabetic)
            && rest.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '*')
            && !(rest.starts_with('n') && rest[1..].bytes().all(|b| b.is_ascii_digit()));
        is_word.then(|| a.clone())
    })
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
