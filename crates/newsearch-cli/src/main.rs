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
    let cli = Cli::parse();
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

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().filter_map(|c| c.downcast_ref::<io::Error>()).any(|io| io.kind() == io::ErrorKind::BrokenPipe)
}
