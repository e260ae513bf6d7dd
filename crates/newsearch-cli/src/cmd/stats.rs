//! `newsearch stats`: what the index holds, and what the last indexing run did.

use std::io::Write;

use anyhow::Result;
use newsearch::Index;

use crate::args::StatsArgs;
use crate::exit::Exit;
use crate::output::{self, Terminal, human, json};

pub(crate) fn run(args: &StatsArgs) -> Result<Exit> {
    let dir = &args.location.dir;
    let stats = Index::open(dir)?.stats()?;
    let index = dir.display().to_string();
    let mut out = output::stdout();
    if args.json {
        json::stats(&mut out, &stats, &index)?;
    } else {
        human::print_stats(&mut out, &Terminal::stdout(), &stats, &index)?;
    }
    out.flush()?;
    Ok(Exit::Success)
}
