//! `newsearch show`: one indexed article in full, so a hit can be read without opening its file.

use std::io::Write;

use anyhow::Result;
use newsearch::Index;

use crate::args::ShowArgs;
use crate::exit::Exit;
use crate::output::{self, Terminal, clean, human, json, say};

pub(crate) fn run(args: &ShowArgs) -> Result<Exit> {
    let dir = &args.location.dir;
    let index = Index::open(dir)?;
    let articles = crate::lookup::find(&index, &args.id)?;
    if articles.is_empty() {
        say(&format!("no article with id {:?} in {}", args.id, dir.display()));
        return Ok(Exit::NotFound);
    }
    let term = Terminal::stdout();
    let mut out = output::stdout();
    for (i, article) in articles.iter().enumerate() {
        if args.json {
            json::article(&mut out, article)?;
            continue;
        }
        if articles.len() > 1 {
            // Several records of one file: say which is which.
            if i > 0 {
                writeln!(out)?;
            }
            let header = format!("[{}/{}] {}", i + 1, articles.len(), clean(article.id.as_str()));
            writeln!(out, "{}", term.style.paint("2", &header))?;
        }
        human::print_full_article(&mut out, &term, article)?;
    }
    out.flush()?;
    Ok(Exit::Success)
}
