//! `newsearch completions` and `newsearch man`: shell completion scripts and man pages,
//! generated from the same definitions that parse the arguments, so they can't drift from
//! the real flags.

use std::fs;
use std::io::{self, Write};

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_mangen::Man;

use crate::args::{Cli, CompletionsArgs, ManArgs};
use crate::exit::Exit;
use crate::output::{count, say};

const BIN_NAME: &str = "newsearch";

pub(crate) fn completions(args: &CompletionsArgs) -> Result<Exit> {
    // The generator panics when its writer fails (`| head`): render into memory first.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), BIN_NAME, &mut script);
    write_stdout(&script)?;
    Ok(Exit::Success)
}

pub(crate) fn man(args: &ManArgs) -> Result<Exit> {
    let pages = man_pages();
    let Some(dir) = &args.output else {
        write_stdout(&render(&pages[0])?)?;
        return Ok(Exit::Success);
    };
    fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    for page in &pages {
        let path = dir.join(page.get_filename());
        fs::write(&path, render(page)?).with_context(|| path.display().to_string())?;
    }
    say(&format!("wrote {} to {}", count(pages.len(), "man page"), dir.display()));
    Ok(Exit::Success)
}

/// `newsearch.1` first, then a page per command (`newsearch-query.1`, …).
fn man_pages() -> Vec<Man> {
    let mut cli = Cli::command().disable_help_subcommand(true);
    // Building names each command's page after its parent (`newsearch-query`).
    cli.build();
    let source = format!("{BIN_NAME} {}", env!("CARGO_PKG_VERSION"));
    let commands = cli.get_subcommands().filter(|c| !c.is_hide_set()).cloned().collect::<Vec<_>>();
    std::iter::once(cli).chain(commands).map(|command| Man::new(command).source(source.clone())).collect()
}

fn render(page: &Man) -> io::Result<Vec<u8>> {
    let mut text = Vec::new();
    page.render(&mut text)?;
    Ok(text)
}

fn write_stdout(bytes: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}
