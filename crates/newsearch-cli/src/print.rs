//! How results look: articles on stdout, problems and summaries on stderr.

use std::io::{self, Write};

use std::path::Path;

use newsearch::{Article, Error, Hit, Parsed};

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

/// Terminal styling: ANSI codes only on a terminal and when `NO_COLOR` is unset.
pub(crate) struct Style {
    color: bool,
}

impl Style {
    pub(crate) fn detect(is_terminal: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style { color: is_terminal && !no_color }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
}

/// One search hit: rank and title, then date · section · tags · views · score, path, snippet.
pub(crate) fn print_hit(
    out: &mut impl Write,
    rank: usize,
    hit: &Hit,
    style: &Style,
    cwd: Option<&Path>,
) -> io::Result<()> {
    let a = &hit.article;
    writeln!(out, "{rank:>3}. {}", style.paint("1", &a.title))?;
    let mut meta = vec![a.date.map_or_else(|| "undated".to_owned(), |d| d.format("%Y-%m-%d").to_string())];
    meta.extend(a.section.clone());
    if !a.tags.is_empty() {
        let tags: Vec<&str> = a.tags.iter().map(|t| t.as_str()).collect();
        meta.push(format!("tags: {}", tags.join(", ")));
    }
    if let Some(v) = a.views {
        meta.push(format!("{} views", thousands(v)));
    }
    if let Some(s) = hit.score {
        meta.push(format!("score {s:.2}"));
    }
    writeln!(out, "     {}", style.paint("2", &meta.join(" · ")))?;
    let path = match cwd.and_then(|c| a.path.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => a.path.display().to_string(),
    };
    writeln!(out, "     {}", style.paint("36", &path))?;
    if !hit.snippet.text.is_empty() {
        let (before, after) = if style.color { ("\x1b[1;33m", "\x1b[0m") } else { ("", "") };
        writeln!(out, "     {}", hit.snippet.marked(before, after))?;
    }
    writeln!(out)
}

/// 1523 → "1,523".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1523), "1,523");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn preview_cuts_on_characters() {
        assert_eq!(preview("Київ  is\n\nlovely", 6), "Київ i…");
        assert_eq!(preview("short", 10), "short");
    }
}
