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

use std::io;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Exit status when a command succeeded (for queries: found something).
pub(crate) const EXIT_OK: u8 = 0;
/// Exit status when something failed: bad input, bad arguments, a broken index.
pub(crate) const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if let Some(word) = excluded_word_taken_as_option(&e) {
                print::say(&format!(
                    "`{word}` was read as an option; to exclude a word, put the query after `--`, as in: newsearch query [OPTIONS] -- kyiv {word}"
                ));
                return ExitCode::from(EXIT_ERROR);
            }
            e.exit()
        }
    };
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
            print::say(&format!("{e:#}"));
            ExitCode::from(EXIT_ERROR)
        }
    }
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

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().filter_map(|c| c.downcast_ref::<io::Error>()).any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}
