//! How results look: articles on stdout, problems and summaries on stderr.

use std::io::{self, Write};

use newsearch::{Article, Error, Parsed};

/// Shows an article for a person: title, the metadata, and the start of the body.
pub(crate) fn print_article(out: &mut impl Write, a: &Article) -> io::Result<()> {
    let dash = || "-".to_owned();
    let list = |items: Vec<&str>| if items.is_empty() { dash() } else { items.join(", ") };
    writeln!(out, "{}", a.title)?;
    writeln!(out, "  id       {}", a.id)?;
    writeln!(out, "  path     {}", a.path.display())?;
    writeln!(out, "  section  {}", a.section.clone().unwrap_or_else(dash))?;
    let date = a.date.map(|d| d.to_rfc3339_opts(chrono_secs(), true));
    writeln!(out, "  date     {}", date.unwrap_or_else(dash))?;
    writeln!(out, "  views    {}", a.views.map(|v| v.to_string()).unwrap_or_else(dash))?;
    writeln!(out, "  tags     {}", list(a.tags.iter().map(|t| t.as_str()).collect()))?;
    writeln!(out, "  sources  {}", list(a.sources.iter().map(String::as_str).collect()))?;
    if let Some(url) = &a.url {
        writeln!(out, "  url      {url}")?;
    }
    let paragraphs = a.body.split("\n\n").filter(|p| !p.trim().is_empty()).count();
    let words = a.body.split_whitespace().count();
    writeln!(out, "  body     {paragraphs} paragraphs, {words} words")?;
    if !a.body.is_empty() {
        writeln!(out, "           {}", preview(&a.body, 100))?;
    }
    writeln!(out)
}

fn chrono_secs() -> chrono::SecondsFormat {
    chrono::SecondsFormat::AutoSi
}

/// The first `max` characters of `text` on one line, with an ellipsis if cut.
fn preview(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", flat[..cut].trim_end()),
        None => flat,
    }
}

pub(crate) fn report_error(e: &Error) {
    let _ = writeln!(io::stderr(), "newsearch: {e}");
}

/// A file's record errors and warnings, in line order.
pub(crate) fn report_problems(parsed: &Parsed) {
    let errors = parsed.errors.iter().map(|e| (e.line(), format!("newsearch: {e}")));
    let warnings = parsed.warnings.iter().map(|w| (w.line, format!("newsearch: warning: {w}")));
    let mut lines: Vec<_> = errors.chain(warnings).collect();
    lines.sort_by_key(|(line, _)| *line);
    let mut err = io::stderr().lock();
    for (_, text) in lines {
        let _ = writeln!(err, "{text}");
    }
}

/// Totals for the closing line of a run.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    pub(crate) files: usize,
    pub(crate) articles: usize,
    pub(crate) failed_files: usize,
    pub(crate) failed_records: usize,
    pub(crate) warnings: usize,
    pub(crate) unknown_extension: usize,
}

impl Summary {
    pub(crate) fn report(&self) {
        let mut line = format!("parsed {} articles from {} files", self.articles, self.files);
        let extras = [
            (self.failed_files, "files failed"),
            (self.failed_records, "records failed"),
            (self.warnings, "warnings"),
            (self.unknown_extension, "files ignored (unknown extension)"),
        ];
        for (n, what) in extras {
            if n > 0 {
                line.push_str(&format!(", {n} {what}"));
            }
        }
        let _ = writeln!(io::stderr(), "newsearch: {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_cuts_on_characters() {
        assert_eq!(preview("Київ  is\n\nlovely", 6), "Київ i…");
        assert_eq!(preview("short", 10), "short");
    }
}
