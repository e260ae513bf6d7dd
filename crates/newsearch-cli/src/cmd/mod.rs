//! One module per subcommand, each a `run` from its parsed arguments to an exit status: it
//! opens the index or reads the files, asks the library, and hands the result to
//! [`output`](crate::output). No command uses another's module; what several share lives in
//! `output` (printing) or [`lookup`](crate::lookup) (finding an article by id or path).

mod check;
mod export;
mod index;
mod parse;
mod query;
mod related;
mod serve;
mod shell;
mod show;
mod stats;

use anyhow::Result;

use crate::args::Command;
use crate::exit::Exit;

/// Runs `command`.
pub(crate) fn run(command: Command) -> Result<Exit> {
    match command {
        Command::Index(args) => index::run(&args),
        Command::Query(args) => query::run(&args),
        Command::Parse(args) => parse::run(&args),
        Command::Related(args) => related::run(&args),
        Command::Show(args) => show::run(&args),
        Command::Stats(args) => stats::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => shell::man(&args),
    }
}
