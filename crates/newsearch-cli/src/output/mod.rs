//! Everything the CLI prints. Results go to stdout, in one of two printers: [`human`] lays them
//! out for a person (wrapped to the terminal, coloured on one), [`json`] writes them as JSON
//! Lines for scripts, in the shapes the library's types serialize to. Problems and summaries go
//! to stderr, one `newsearch: …` line each ([`say`]). What both printers share lives here:
//! counts as people read them, terminal-safe text, the page of results asked for.

pub(crate) mod human;
pub(crate) mod json;
pub(crate) mod wrap;

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};
use std::path::{Path, PathBuf};

use newsearch::{ArticleId, Error, Parsed, SearchResults};

/// stdout, locked and buffered: every command writes its results through one of these and
/// flushes it at the end.
pub(crate) fn stdout() -> BufWriter<StdoutLock<'static>> {
    BufWriter::new(io::stdout().lock())
}

/// What human output needs to know about where it goes.
pub(crate) struct Terminal {
    /// Colours, if stdout is a terminal that may have them.
    pub(crate) style: Style,
    /// Columns to lay text out in.
    pub(crate) width: usize,
    /// The working directory, so paths under it can be shown relative to it.
    pub(crate) cwd: Option<PathBuf>,
}

impl Terminal {
    /// stdout as it is now.
    pub(crate) fn stdout() -> Terminal {
        Terminal {
            style: Style::detect(io::stdout().is_terminal()),
            width: output_width(),
            cwd: std::env::current_dir().ok(),
        }
    }

    /// `path` as shown here: relative to the working directory when it is under it.
    pub(crate) fn path(&self, path: &Path) -> String {
        shown_path(path, self.cwd.as_deref())
    }
}

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

/// `path` relative to the working directory when it is under it, else as it is.
pub(crate) fn shown_path(path: &Path, cwd: Option<&Path>) -> String {
    match cwd.and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => path.display().to_string(),
    }
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

/// "a.txt, b.txt" (the first five, then "…").
pub(crate) fn ids(ids: &[ArticleId]) -> String {
    let mut shown: Vec<&str> = ids.iter().take(5).map(ArticleId::as_str).collect();
    if ids.len() > 5 {
        shown.push("…");
    }
    shown.join(", ")
}

/// Which part of the matches was asked for (`--offset`, `-n`, `--after`).
#[derive(Clone, Copy)]
pub(crate) struct Page {
    pub(crate) offset: usize,
    pub(crate) limit: usize,
    /// Whether the page continues after a cursor: ranks then count from it.
    pub(crate) after: bool,
}

impl Page {
    /// The rank of the `i`th hit of the page (from 0): ranks count from 1 over all matches, or
    /// from the cursor.
    pub(crate) fn rank(self, i: usize) -> usize {
        self.offset.saturating_add(i + 1)
    }
}

/// The closing line of `query` and `related`: how many matched and which of them the page
/// showed, or why it showed none. `relaxed`: `Some(n)` when few articles (`n`) had every word
/// and those with some of them follow; `exact`: whether `total` counts every match (else more
/// than that many match). On stdout after the hits, or on stderr with `--json`.
pub(crate) fn count_line(
    total: usize,
    exact: bool,
    shown: usize,
    page: Page,
    relaxed: Option<usize>,
) -> String {
    let matches = match relaxed {
        Some(0) => format!("no article has every word; {} with some of them", count(total, "match")),
        Some(every) => format!(
            "{}: {} with every word, first, then {} with some of them",
            count(total, "match"),
            thousands(every as u64),
            thousands(total.saturating_sub(every) as u64)
        ),
        None if !exact => format!("{}+ matches", thousands(total as u64)),
        None => count(total, "match"),
    };
    let n = |n: usize| thousands(n as u64);
    let after = if page.after { " after the cursor" } else { "" };
    if shown == 0 && total > 0 && page.limit > 0 {
        if page.after && page.offset == 0 {
            format!("{matches}, none after the cursor")
        } else {
            format!("{matches}, none at offset {}{after}", n(page.offset))
        }
    } else if page.after && shown > 0 {
        format!("{matches}, showing {}–{}{after}", n(page.offset + 1), n(page.offset + shown))
    } else if shown == 0 || shown == total {
        matches
    } else {
        format!("{matches}, showing {}–{}", n(page.offset + 1), n(page.offset + shown))
    }
}

/// What [`count_line`] says of a relaxed result: how many have every word.
pub(crate) fn relaxed(results: &SearchResults) -> Option<usize> {
    results.relaxed.then(|| results.every_word.unwrap_or(0))
}

/// The line that says how to get the page after this one, when there is one.
pub(crate) fn next_line(results: &SearchResults) -> Option<String> {
    results.next.map(|cursor| format!("next page: --after {cursor}"))
}

/// `query` and `related`: a JSON line per hit (with the count line on stderr), or the hits for
/// a person followed by the count line, facets and timeline as `extras` asks.
pub(crate) fn search_results(
    results: &SearchResults,
    page: Page,
    as_json: bool,
    extras: &human::Extras,
) -> io::Result<()> {
    let mut out = stdout();
    if as_json {
        json::search_results(&mut out, results, page)?;
        out.flush()?;
        say(&count_line(results.total, results.total_exact, results.hits.len(), page, relaxed(results)));
    } else {
        human::search_results(&mut out, &Terminal::stdout(), results, page, extras)?;
        out.flush()?;
    }
    Ok(())
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
        let text = match cause.downcast_ref::<Error>() {
            Some(e) => described(e),
            None => cause.to_string(),
        };
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
    say(&described(e));
}

/// A library error as this command's users read it: the library states the fact, and the CLI
/// adds what to do with its own flags and commands.
pub(crate) fn described(e: &Error) -> String {
    let hint = match e {
        Error::TooLarge { .. } | Error::RecordTooLarge { .. } => " (raise it with --max-file-size)",
        Error::UnknownFormat { .. } => "; pass --format to read it as one of them",
        Error::NoIndex { .. } => "; create one with `newsearch index PATH`",
        Error::NothingToIndex => " (name them: `newsearch index PATH`)",
        Error::NotAnIndex { .. } => "; choose another --index folder",
        Error::IndexVersion { .. } | Error::Damaged { .. } => "; rebuild it with `newsearch index --rebuild`",
        Error::WindowTooLarge { .. } => {
            " (--after CURSOR: a page with more results after it prints the cursor of the next one; `newsearch export` lists every article)"
        }
        Error::NothingSearchable { function_words, .. } if !function_words.is_empty() => {
            " (put them in quotes, or use --mode all, to search for them)"
        }
        Error::PrefixTooBroad { .. } => "; make the prefix longer",
        Error::InvalidCursor { .. } | Error::CursorOrder { .. } => {
            "; --after takes the cursor a page printed, with the same text, filters and --sort"
        }
        _ => "",
    };
    format!("{e}{hint}")
}

/// A file's record errors and warnings, in line order.
pub(crate) fn report_problems(parsed: &Parsed) {
    let errors = parsed.errors.iter().map(|e| (e.line(), described(e)));
    let warnings = parsed.warnings.iter().map(|w| (w.line, format!("warning: {w}")));
    let mut lines: Vec<_> = errors.chain(warnings).collect();
    lines.sort_by_key(|(line, _)| *line);
    for (_, text) in lines {
        say(&text);
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
    fn the_count_line_says_how_a_result_was_relaxed() {
        let page = Page { offset: 0, limit: 10, after: false };
        assert_eq!(count_line(3, true, 3, page, None), "3 matches");
        assert_eq!(count_line(10_000, false, 10, page, None), "10,000+ matches, showing 1–10");
        assert_eq!(
            count_line(12, true, 10, page, Some(0)),
            "no article has every word; 12 matches with some of them, showing 1–10"
        );
        assert_eq!(
            count_line(1_043, true, 10, page, Some(3)),
            "1,043 matches: 3 with every word, first, then 1,040 with some of them, showing 1–10"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1523), "1,523");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
