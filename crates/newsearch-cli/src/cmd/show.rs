//! `newsearch show`: one indexed article in full, so a hit can be read without opening its file.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Timelike, Utc};
use newsearch::{Article, Index};

use crate::args::ShowArgs;
use crate::print::{Style, clean, say, shown_path, thousands};
use crate::wrap::wrap;

/// Exit status when no article has the id and no indexed file has that path.
const EXIT_NOT_FOUND: u8 = 1;

pub(crate) fn run(args: &ShowArgs) -> Result<u8> {
    let dir = &args.location.dir;
    let index = Index::open(dir)?;
    let articles = find(&index, &args.id)?;
    if articles.is_empty() {
        say(&format!("no article with id {:?} in {}", args.id, dir.display()));
        return Ok(EXIT_NOT_FOUND);
    }
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    let style = Style::detect(terminal);
    let width = crate::print::output_width();
    let cwd = std::env::current_dir().ok();
    let mut out = BufWriter::new(stdout.lock());
    for (i, article) in articles.iter().enumerate() {
        if args.json {
            serde_json::to_writer(&mut out, article)?;
            out.write_all(b"\n")?;
            continue;
        }
        if articles.len() > 1 {
            // Several records of one file: say which is which.
            if i > 0 {
                writeln!(out)?;
            }
            let header = format!("[{}/{}] {}", i + 1, articles.len(), clean(article.id.as_str()));
            writeln!(out, "{}", style.paint("2", &header))?;
        }
        print_full(&mut out, article, &style, width, cwd.as_deref())?;
    }
    out.flush()?;
    Ok(crate::EXIT_OK)
}

/// What a user names an article by, as `show` and `related` take it: the article with the id
/// `id_or_path`, else every article read from the indexed file at that path. Empty if neither.
pub(crate) fn find(index: &Index, id_or_path: &str) -> newsearch::Result<Vec<Article>> {
    match index.get(&id_or_path.into())? {
        Some(article) => Ok(vec![article]),
        None => index.get_by_path(id_or_path),
    }
}

/// Title, section · date · views · tags, path, URL, the body with its paragraphs, and the
/// sources; text is wrapped to `width` columns. Every piece of article text is cleaned for the terminal.
fn print_full(
    out: &mut impl Write,
    a: &Article,
    style: &Style,
    width: usize,
    cwd: Option<&Path>,
) -> io::Result<()> {
    for line in wrap(&clean(&a.title), width) {
        writeln!(out, "{}", style.paint("1", &line))?;
    }
    let mut meta: Vec<String> = a.section.iter().cloned().collect();
    meta.push(a.date.map_or_else(|| "undated".to_owned(), when));
    if let Some(v) = a.views {
        meta.push(format!("{} views", thousands(v)));
    }
    if !a.tags.is_empty() {
        let tags: Vec<&str> = a.tags.iter().map(|t| t.as_str()).collect();
        meta.push(format!("tags: {}", tags.join(", ")));
    }
    for line in wrap(&clean(&meta.join(" · ")), width) {
        writeln!(out, "{}", style.paint("2", &line))?;
    }
    // Paths and URLs stay whole, so they can be copied.
    writeln!(out, "{}", style.paint("36", &clean(&shown_path(&a.path, cwd))))?;
    if let Some(url) = &a.url {
        writeln!(out, "{}", clean(url))?;
    }
    for paragraph in a.body.split("\n\n").filter(|p| !p.trim().is_empty()) {
        writeln!(out)?;
        for line in wrap(&clean(paragraph), width) {
            writeln!(out, "{line}")?;
        }
    }
    if !a.sources.is_empty() {
        writeln!(out)?;
        writeln!(out, "Sources:")?;
        for source in &a.sources {
            writeln!(out, "  • {}", clean(source))?;
        }
    }
    Ok(())
}

/// A date with as much of its time as it has: `2025-02-21`, `2025-02-21 08:37 UTC`.
fn when(d: DateTime<Utc>) -> String {
    match (d.hour(), d.minute(), d.second()) {
        (0, 0, 0) => d.format("%Y-%m-%d").to_string(),
        (_, _, 0) => d.format("%Y-%m-%d %H:%M UTC").to_string(),
        _ => d.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_show_the_time_they_have() {
        let d = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(when(d("2025-02-21T00:00:00Z")), "2025-02-21");
        assert_eq!(when(d("2025-02-21T08:37:00Z")), "2025-02-21 08:37 UTC");
        assert_eq!(when(d("2025-02-21T08:37:05Z")), "2025-02-21 08:37:05 UTC");
    }
}
