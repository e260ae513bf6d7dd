//! How results look: articles on stdout, problems and summaries on stderr.

use std::io::{self, Write};

use std::path::Path;

use newsearch::{Article, Error, Hit, Parsed};

use crate::wrap::{Cell, hanging, plain};

/// Text from articles made safe for a terminal: control characters (which could move the
/// cursor, clear the screen or fake colours) become `�`, and bidirectional overrides (which
/// can make text read differently from what it is) are dropped. Line breaks become spaces.
pub(crate) fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() || is_bidi_control(c);
    if !text.contains(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_bidi_control(c) => {}
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Shows an article for a person: title, the metadata, and the start of the body.
pub(crate) fn print_article(out: &mut impl Write, a: &Article) -> io::Result<()> {
    let dash = || "-".to_owned();
    let list = |items: Vec<&str>| if items.is_empty() { dash() } else { items.join(", ") };
    writeln!(out, "{}", clean(&a.title))?;
    writeln!(out, "  id       {}", clean(a.id.as_str()))?;
    writeln!(out, "  path     {}", clean(&a.path.display().to_string()))?;
    writeln!(out, "  section  {}", clean(&a.section.clone().unwrap_or_else(dash)))?;
    let date = a.date.map(rfc3339);
    writeln!(out, "  date     {}", date.unwrap_or_else(dash))?;
    writeln!(out, "  views    {}", a.views.map(thousands).unwrap_or_else(dash))?;
    writeln!(out, "  tags     {}", clean(&list(a.tags.iter().map(|t| t.as_str()).collect())))?;
    writeln!(out, "  sources  {}", clean(&list(a.sources.iter().map(String::as_str).collect())))?;
    if let Some(url) = &a.url {
        writeln!(out, "  url      {}", clean(url))?;
    }
    let paragraphs = a.body.split("\n\n").filter(|p| !p.trim().is_empty()).count();
    let words = a.body.split_whitespace().count();
    writeln!(out, "  body     {}, {}", count(paragraphs, "paragraph"), count(words, "word"))?;
    if !a.body.is_empty() {
        writeln!(out, "           {}", clean(&preview(&a.body, 100)))?;
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

    pub(crate) fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
}

/// Where a hit's lines after its rank start.
const HIT_INDENT: usize = 5;

/// One search hit: rank and title, then date · section · tags · views · score, path, snippet;
/// text wrapped to `width` columns under the title (paths are never cut, so they can be copied).
pub(crate) fn print_hit(
    out: &mut impl Write,
    rank: usize,
    hit: &Hit,
    style: &Style,
    cwd: Option<&Path>,
    width: usize,
) -> io::Result<()> {
    let a = &hit.article;
    let indent = " ".repeat(HIT_INDENT);
    let painted = |code: &'static str, text: &str, head: &str| {
        let cells: Vec<Cell<()>> = clean(text).chars().map(|c| (c, ())).collect();
        hanging(head, &cells, HIT_INDENT, width, |line| style.paint(code, &plain(line)))
    };
    for line in painted("1", &a.title, &format!("{rank:>3}. ")) {
        writeln!(out, "{line}")?;
    }
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
    for line in painted("2", &meta.join(" · "), &indent) {
        writeln!(out, "{line}")?;
    }
    let path = shown_path(&a.path, cwd);
    // `show` and `related` need the id; most ids are the end of the path, but a record of a
    // JSON or JSON Lines file has `#N` or its own id, which the path alone does not give.
    let id = if Path::new(&path).ends_with(a.id.as_str()) {
        String::new()
    } else {
        style.paint("2", &format!(" · id {}", clean(a.id.as_str())))
    };
    writeln!(out, "     {}{id}", style.paint("36", &clean(&path)))?;
    if !hit.snippet.text.is_empty() {
        let render = |line: &[Cell<bool>]| {
            let runs = crate::wrap::runs(line).into_iter();
            runs.map(|(text, marked)| if marked { style.paint("1;33", &text) } else { text })
                .collect::<String>()
        };
        for line in hanging(&indent, &marked_cells(&hit.snippet), HIT_INDENT, width, render) {
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out)
}

/// `path` relative to the working directory when it is under it, else as it is.
pub(crate) fn shown_path(path: &Path, cwd: Option<&Path>) -> String {
    match cwd.and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    }
}

/// The snippet's characters cleaned for the terminal, each marked when it is highlighted.
fn marked_cells(snippet: &newsearch::Snippet) -> Vec<Cell<bool>> {
    let text = &snippet.text;
    let mut cells = Vec::with_capacity(text.len());
    let mut last = 0;
    let mut push = |piece: &str, marked: bool| cells.extend(clean(piece).chars().map(|c| (c, marked)));
    for r in &snippet.highlights {
        push(&text[last..r.start], false);
        push(&text[r.clone()], true);
        last = r.end;
    }
    push(&text[last..], false);
    cells
}

/// `1 article`, `1,523 articles`, `2 matches`: every count the CLI prints with a noun goes
/// through here, so none reads "1 articles" or "3801" beside "4,000".
pub(crate) fn count(n: impl TryInto<u64>, noun: &str) -> String {
    let n = n.try_into().unwrap_or(u64::MAX);
    if n == 1 { format!("1 {noun}") } else { format!("{} {}", thousands(n), plural(noun)) }
}

/// The English plural of the nouns the CLI counts: `match` → `matches`, `entry` → `entries`.
fn plural(noun: &str) -> String {
    let (head, last) = noun.rsplit_once(' ').map_or(("", noun), |(h, l)| (h, l));
    let last = if ["s", "x", "z", "ch", "sh"].iter().any(|end| last.ends_with(end)) {
        format!("{last}es")
    } else if let Some(stem) = last.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'o', 'u'])) {
        format!("{stem}ies")
    } else {
        format!("{last}s")
    };
    if head.is_empty() { last } else { format!("{head} {last}") }
}

/// 1523 → "1,523".
pub(crate) fn thousands(n: u64) -> String {
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

/// The first `max` characters of `text` on one line, with an ellipsis if cut.
fn preview(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", flat[..cut].trim_end()),
        None => flat,
    }
}

/// An instant as JSON output writes it: RFC 3339 in UTC, `Z`, no fraction unless there is one.
pub(crate) fn rfc3339(d: chrono::DateTime<chrono::Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The narrowest layout: every output fits this many columns or more.
pub(crate) const MIN_WIDTH: usize = 12;

/// Columns to lay text out in: the terminal's width when stdout is one, else `COLUMNS`, else 80
/// (at least [`MIN_WIDTH`]).
pub(crate) fn output_width() -> usize {
    let terminal = terminal_size::terminal_size_of(io::stdout()).map(|(w, _)| usize::from(w.0));
    let columns = || std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok());
    terminal.or_else(columns).unwrap_or(80).max(MIN_WIDTH)
}

/// One line on stderr, prefixed and cleaned for the terminal. A closed stderr is no reason
/// to fail the run.
pub(crate) fn say(line: &str) {
    let _ = writeln!(io::stderr(), "newsearch: {}", clean(line));
}

/// An error and its causes on one line, each cause once: library errors already end with the
/// operating system's message that their `source()` gives again, and printing both doubled it.
pub(crate) fn error_chain(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

pub(crate) fn report_error(e: &Error) {
    say(&e.to_string());
}

/// A file's record errors and warnings, in line order.
pub(crate) fn report_problems(parsed: &Parsed) {
    let errors = parsed.errors.iter().map(|e| (e.line(), e.to_string()));
    let warnings = parsed.warnings.iter().map(|w| (w.line, format!("warning: {w}")));
    let mut lines: Vec<_> = errors.chain(warnings).collect();
    lines.sort_by_key(|(line, _)| *line);
    for (_, text) in lines {
        say(&text);
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
        let mut line =
            format!("parsed {} from {}", count(self.articles, "article"), count(self.files, "file"));
        let extras = [
            (self.failed_files, "file", " failed"),
            (self.failed_records, "record", " failed"),
            (self.warnings, "warning", ""),
            (self.unknown_extension, "file", " ignored (unknown extension)"),
        ];
        for (n, noun, what) in extras {
            if n > 0 {
                line.push_str(&format!(", {}{what}", count(n, noun)));
            }
        }
        say(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_output_is_sanitized() {
        assert_eq!(clean("plain title"), "plain title");
        assert_eq!(clean("evil\x1b[2J title\u{7}"), "evil\u{fffd}[2J title\u{fffd}");
        assert_eq!(clean("abc\u{202e}fed\u{202c}"), "abcfed");
        assert_eq!(clean("two\nlines"), "two lines");
    }

    #[test]
    fn an_error_chain_names_each_cause_once() {
        let os = std::io::Error::from(std::io::ErrorKind::NotFound);
        let os_text = os.to_string();
        let e = anyhow::Error::new(Error::Io { path: "a/b".into(), source: os }).context("reading");
        assert_eq!(error_chain(&e), format!("reading: a/b: {os_text}"));
        let e = anyhow::anyhow!("outer").context("context");
        assert_eq!(error_chain(&e), "context: outer");
    }

    #[test]
    fn counts_have_separators_and_the_right_number() {
        assert_eq!(count(1u64, "article"), "1 article");
        assert_eq!(count(0usize, "article"), "0 articles");
        assert_eq!(count(3801usize, "file"), "3,801 files");
        assert_eq!(count(2u64, "match"), "2 matches");
        assert_eq!(count(2u64, "entry"), "2 entries");
        assert_eq!(count(2u64, "day"), "2 days");
        assert_eq!(count(1_000_000u64, "man page"), "1,000,000 man pages");
    }

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
