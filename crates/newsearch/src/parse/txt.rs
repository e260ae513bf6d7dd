//! The scraped-page layout (`.txt`).
//!
//! ```text
//! Title
//!
//! Section | February 21, 2025, Friday // 08:37|<NBSP> 1,523 views
//!
//! Paragraph…
//!
//! Sources:
//!
//!   • Reuters
//!
//! Tags: Zelensky, China
//!
//! Back <NBSP>
//! » Related Articles:
//! Search
//! ```
//!
//! Real pages drift from this: no header line, no date, an empty view count, no sources or
//! tags, CRLF, stray blank lines and trailing spaces. The page's navigation (`Back`,
//! `» Related Articles:`, `Search`) is cut off so it never reaches the index.

use chrono::{DateTime, Datelike, Utc};

use super::Parsed;
use super::date::parse_date;
use super::record::{Source, parse_count};
use crate::article::{Article, Tag};
use crate::error::WarningKind;

pub(super) fn parse(text: &str, src: &Source<'_>, out: &mut Parsed) {
    let lines = numbered(text);
    let mut rest = lines.as_slice();
    skip_blank(&mut rest);
    let Some(&(_, title)) = rest.first() else {
        return; // all blank: reported as an empty file by the caller
    };
    rest = &rest[1..];
    let mut article = Article::new(src.id(None), src.path, title);

    skip_blank(&mut rest);
    if let Some(&(line_no, line)) = rest.first()
        && let Some(header) = Header::parse(line)
    {
        rest = &rest[1..];
        header.apply(Some(line_no), &mut article, src, out);
    }
    close(rest, &mut article, Bullets::Required);
    out.articles.push(article);
}

/// The layout's pieces in the text of a page in another format (an HTML page of the same
/// site): the header line among the first lines of text, then the page's navigation, `Tags:`
/// and `Sources:` at its end, as [`parse`] reads them. What the article already has (from the
/// page's own metadata) is kept; views come only from the header line. The rest becomes the
/// body. Lines are not the file's, so warnings name no line. A page's list loses its bullets
/// on the way to text, so the lines after `Sources:` are its items, bullets or not. Returns
/// whether the header line was there.
pub(super) fn read_pieces(text: &str, src: &Source<'_>, article: &mut Article, out: &mut Parsed) -> bool {
    /// Lines of text (blank ones aside) in which the header line is looked for.
    const HEADER_WITHIN: usize = 8;
    let mut lines = numbered(text);
    let header = lines
        .iter()
        .enumerate()
        .filter(|(_, (_, l))| !l.is_empty())
        .take(HEADER_WITHIN)
        .find_map(|(i, (_, l))| Header::parse(l).map(|h| (i, h)));
    let found_header = header.is_some();
    if let Some((at, header)) = header {
        lines.remove(at);
        header.fill(article, src, out);
    }
    let mut found = Article::new(article.id.clone(), article.path.clone(), "");
    close(&lines, &mut found, Bullets::Optional);
    if article.tags.is_empty() {
        article.tags = found.tags;
    }
    article.sources = found.sources;
    article.body = found.body;
    found_header
}

/// The layout's header line anywhere in a page's text (a page may print it apart from the
/// block that holds the article), with its view count: fills the article as [`read_pieces`]
/// does. Whether one was found.
pub(super) fn header_anywhere(text: &str, src: &Source<'_>, article: &mut Article, out: &mut Parsed) -> bool {
    /// Longer lines are prose, not the header.
    const LONGEST: usize = 200;
    // Away from the article, only a line with the view count is taken for the header: a
    // breadcrumb with a date ("News | 29 November 2018") is not one.
    let header = text
        .lines()
        .map(str::trim)
        .filter(|l| l.len() <= LONGEST)
        .filter_map(Header::parse)
        .find(|h| h.views.is_some());
    header.map(|h| h.fill(article, src, out)).is_some()
}

/// (1-based line number, trimmed text). `str::lines` also strips the `\r` of CRLF.
fn numbered(text: &str) -> Vec<(usize, &str)> {
    text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())).collect()
}

/// The end of a page: navigation cut off, then `Tags:` and `Sources:` (in either order) taken
/// into `article`, and the rest as its body.
fn close(mut rest: &[(usize, &str)], article: &mut Article, bullets: Bullets) {
    // Everything from the first navigation marker on is page chrome.
    if let Some(end) = rest.iter().position(|(_, l)| is_navigation(l)) {
        rest = &rest[..end];
    }
    trim_tail(&mut rest);
    // Tags and Sources close the article, in either order.
    for _ in 0..2 {
        if article.tags.is_empty()
            && let Some(tags) = take_tags(&mut rest)
        {
            tags.split(',').for_each(|t| article.push_tag(Tag::new(t)));
        }
        if article.sources.is_empty()
            && let Some(sources) = take_sources(&mut rest, bullets)
        {
            article.sources = sources;
        }
    }
    article.body = paragraphs(rest);
}

fn skip_blank(rest: &mut &[(usize, &str)]) {
    while let Some(((_, l), tail)) = rest.split_first() {
        if !l.is_empty() {
            break;
        }
        *rest = tail;
    }
}

fn trim_tail(rest: &mut &[(usize, &str)]) {
    while let Some(((_, l), head)) = rest.split_last() {
        if !(l.is_empty() || *l == "Search") {
            break;
        }
        *rest = head;
    }
}

fn is_navigation(line: &str) -> bool {
    line == "Back" || line.starts_with("» Related Articles") || line == "Related Articles:"
}

/// The last line, if it is `Tags: …`: its list, with the line removed from `rest`.
fn take_tags<'a>(rest: &mut &[(usize, &'a str)]) -> Option<&'a str> {
    let ((_, last), head) = rest.split_last()?;
    let list = strip_label(last, "tags:")?;
    *rest = head;
    trim_tail(rest);
    Some(list)
}

/// Whether the lines of a `Sources:` list must be bulleted to be one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bullets {
    /// In a text page: a line without a bullet means the label was prose.
    Required,
    /// In text taken from a web page, whose lists lose their bullets.
    Optional,
}

/// A closing `Sources:` block: bullet lines after it, or an inline comma list.
fn take_sources(rest: &mut &[(usize, &str)], bullets: Bullets) -> Option<Vec<String>> {
    let start = rest.iter().rposition(|(_, l)| strip_label(l, "sources:").is_some())?;
    let inline = strip_label(rest[start].1, "sources:")?;
    let mut sources: Vec<String> =
        inline.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
    for (_, line) in &rest[start + 1..] {
        if line.is_empty() {
            continue;
        }
        let item = match strip_bullet(line) {
            Some(item) => item,
            None if bullets == Bullets::Optional => line,
            None => return None, // a non-bullet line means this was not the sources block
        };
        if !item.is_empty() {
            sources.push(item.to_owned());
        }
    }
    *rest = &rest[..start];
    trim_tail(rest);
    Some(sources)
}

fn strip_label<'a>(line: &'a str, label: &str) -> Option<&'a str> {
    let head = line.get(..label.len())?;
    head.eq_ignore_ascii_case(label).then(|| line[label.len()..].trim())
}

fn strip_bullet(line: &str) -> Option<&str> {
    let rest = line.strip_prefix(['•', '-', '*', '·', '–', '—', '▪'])?;
    Some(rest.trim())
}

fn paragraphs(lines: &[(usize, &str)]) -> String {
    let mut body = String::new();
    let mut in_paragraph = false;
    for (_, line) in lines {
        if line.is_empty() {
            in_paragraph = false;
            continue;
        }
        if !body.is_empty() {
            body.push_str(if in_paragraph { "\n" } else { "\n\n" });
        }
        body.push_str(line);
        in_paragraph = true;
    }
    body
}

enum DateField {
    Absent,
    Parsed(DateTime<Utc>),
    Unreadable(String),
}

/// `Section | February 21, 2025, Friday // 08:37|<NBSP> 1,523 views`
struct Header {
    section: Option<String>,
    date: DateField,
    /// The date as written, for messages.
    date_text: String,
    views: Option<ViewsField>,
}

impl Header {
    /// Sets the article's section, views and date from the header, warning (at `line`, when
    /// the text has lines of its own) about a view count or date that can't be used.
    fn apply(self, line: Option<usize>, article: &mut Article, src: &Source<'_>, out: &mut Parsed) {
        article.section = self.section;
        match self.views {
            Some(ViewsField::Count(n)) => article.views = Some(n),
            Some(ViewsField::Unreadable(count)) => {
                let reason = format!(
                    "{count:?} is not a view count (a whole number from 0 to {}); article kept without views",
                    u64::MAX
                );
                let kind = WarningKind::IgnoredValue { field: "views".into(), reason };
                out.warnings.push(src.warn(line, kind));
            }
            Some(ViewsField::Empty) | None => {}
        }
        match self.date {
            DateField::Absent => {}
            DateField::Parsed(d) if crate::storable_dates().contains(&d) => article.date = Some(d),
            DateField::Parsed(_) => {
                let value = self.date_text;
                out.warnings.push(src.warn(line, WarningKind::DateOutOfRange { value }));
            }
            DateField::Unreadable(value) => {
                out.warnings.push(src.warn(line, WarningKind::UnreadableDate { value }));
            }
        }
    }

    /// [`Header::apply`] for an article that has metadata of its own: the view count comes from
    /// the header, section and date only where the article has none.
    fn fill(self, article: &mut Article, src: &Source<'_>, out: &mut Parsed) {
        let mut found = Article::new(article.id.clone(), article.path.clone(), "");
        self.apply(None, &mut found, src, out);
        article.views = found.views;
        article.section = article.section.take().or(found.section);
        article.date = article.date.or(found.date);
    }

    fn parse(line: &str) -> Option<Header> {
        let (section, rest) = line.split_once('|')?;
        let (date_text, views_text) = rest.rsplit_once('|').unwrap_or((rest, ""));
        let views = parse_views(views_text);
        let date_text = date_text.trim();
        let date = if date_text.is_empty() || date_text == "//" {
            DateField::Absent
        } else {
            match parse_date(date_text) {
                Some(d) => DateField::Parsed(d),
                None => DateField::Unreadable(date_text.to_owned()),
            }
        };
        // Only a line that looks like the header is one: a views field, a date, or `//`.
        let looks_like_header =
            views.is_some() || matches!(date, DateField::Parsed(_)) || date_text.contains("//");
        if !looks_like_header {
            return None;
        }
        let section = section.trim();
        Some(Header {
            section: (!section.is_empty()).then(|| section.to_owned()),
            date,
            date_text: date_text.to_owned(),
            views,
        })
    }
}

/// The views field of the header line.
#[derive(Debug, PartialEq, Eq)]
enum ViewsField {
    /// `1,523 views`.
    Count(u64),
    /// `views` with no number, as pages print before anyone has read them.
    Empty,
    /// Ends in "views" but the count can't be read (`-5 views`, a 23-digit number).
    Unreadable(String),
}

/// The views field of `text`, or `None` if it is not one.
fn parse_views(text: &str) -> Option<ViewsField> {
    let text = text.trim();
    let lower = text.to_lowercase();
    let count = lower.strip_suffix("views").or_else(|| lower.strip_suffix("view"))?.trim();
    if count.is_empty() {
        return Some(ViewsField::Empty);
    }
    match parse_count(count) {
        Some(n) => Some(ViewsField::Count(n)),
        // Numeric but not a count: a view count gone wrong, worth a warning. Words before
        // "views" are prose, not this field.
        None if count.chars().all(|c| c.is_ascii_digit() || "+-.,' \u{a0}\u{202f}".contains(c)) => {
            Some(ViewsField::Unreadable(count.to_owned()))
        }
        None => None,
    }
}

/// Renders an article in the scraped-page layout, the inverse of parsing it.
///
/// The date is written in UTC at minute precision; an empty section is written empty.
pub fn render(article: &Article) -> String {
    const NBSP: char = '\u{a0}';
    let mut out = String::with_capacity(article.body.len() + 256);
    out.push_str(&article.title);
    out.push_str("\n\n");
    out.push_str(article.section.as_deref().unwrap_or(""));
    out.push_str(" | ");
    match article.date {
        Some(d) => {
            let month = d.format("%B");
            let weekday = d.format("%A");
            out.push_str(&format!("{month} {}, {}, {weekday} // {}", d.day(), d.year(), d.format("%H:%M")));
        }
        None => out.push_str(" // "),
    }
    out.push('|');
    out.push(NBSP);
    match article.views {
        Some(v) => out.push_str(&format!(" {v} views\n\n")),
        None => out.push_str(" views\n\n"),
    }
    if !article.body.is_empty() {
        out.push_str(&article.body);
        out.push_str("\n\n");
    }
    if !article.sources.is_empty() {
        out.push_str("Sources:\n\n");
        for s in &article.sources {
            out.push_str("  • ");
            out.push_str(s);
            out.push('\n');
        }
        out.push('\n');
    }
    if !article.tags.is_empty() {
        let tags: Vec<&str> = article.tags.iter().map(Tag::as_str).collect();
        out.push_str("Tags: ");
        out.push_str(&tags.join(", "));
        out.push_str("\n\n");
    }
    out.push_str("Back \u{a0}\n\n» Related Articles:\n\nSearch\n\nSearch");
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::parse::{Format, parse_bytes};

    fn parse_one(text: &str) -> (Article, Vec<crate::Warning>) {
        let mut p = parse_bytes(text.as_bytes(), Format::Txt, Path::new("a.txt"), "a.txt").unwrap();
        (p.articles.remove(0), p.warnings)
    }

    #[test]
    fn views_counts() {
        use ViewsField::*;
        assert_eq!(parse_views("\u{a0} views"), Some(Empty));
        assert_eq!(parse_views("\u{a0} 1523 views"), Some(Count(1523)));
        assert_eq!(parse_views(" 1,523 Views "), Some(Count(1523)));
        assert_eq!(parse_views(" 1 view"), Some(Count(1)));
        assert_eq!(parse_views(" -5 views"), Some(Unreadable("-5".into())));
        assert_eq!(
            parse_views(" 12345678901234567890123 views"),
            Some(Unreadable("12345678901234567890123".into()))
        );
        assert_eq!(parse_views(" lots of views"), None);
        assert_eq!(parse_views(""), None);
    }

    #[test]
    fn header_with_count_one_digit_day_and_crlf() {
        let text = "T\r\n\r\nWorld | March 3, 2024, Sunday // 17:05|\u{a0} 1,523 views  \r\n\r\nP1\r\n";
        let (a, w) = parse_one(text);
        assert!(w.is_empty());
        assert_eq!(a.section.as_deref(), Some("World"));
        assert_eq!(a.views, Some(1523));
        assert_eq!(a.date.unwrap().to_rfc3339(), "2024-03-03T17:05:00+00:00");
        assert_eq!(a.body, "P1");
    }

    #[test]
    fn header_without_date() {
        let (a, w) = parse_one("T\n\nBusiness |  // |\u{a0} 12 views\n\nBody");
        assert!(w.is_empty());
        assert_eq!((a.section.as_deref(), a.date, a.views), (Some("Business"), None, Some(12)));
    }

    #[test]
    fn unreadable_header_date_warns_with_line() {
        let (a, w) = parse_one("T\n\nUkraine | Smarch 3, 2025 // 08:00|\u{a0} views\n\nBody");
        assert_eq!(a.date, None);
        assert_eq!(a.section.as_deref(), Some("Ukraine"));
        assert_eq!(w[0].line, Some(3));
        assert_eq!(a.body, "Body");
    }

    #[test]
    fn a_pipe_in_the_first_paragraph_is_not_a_header() {
        let (a, _) = parse_one("T\n\nRevenue | profit rose\n\nMore");
        assert_eq!(a.section, None);
        assert_eq!(a.body, "Revenue | profit rose\n\nMore");
    }

    #[test]
    fn sources_inline_and_tags_before_sources() {
        let (a, _) = parse_one("T\n\nBody\n\nTags: A, B\n\nSources: AP, Reuters\n\nBack\nSearch");
        assert_eq!(a.sources, vec!["AP", "Reuters"]);
        assert_eq!(a.tags, vec![Tag::new("A"), Tag::new("B")]);
        assert_eq!(a.body, "Body");
    }

    #[test]
    fn a_sources_line_followed_by_prose_stays_in_the_body() {
        let (a, _) = parse_one("T\n\nSources: say the talks failed.\nAnd then more text.");
        assert!(a.sources.is_empty());
        assert_eq!(a.body, "Sources: say the talks failed.\nAnd then more text.");
    }

    #[test]
    fn render_then_parse_is_identity() {
        let mut a = Article::new("a.txt", "a.txt", "Title");
        a.body = "One.\n\nTwo\nlines.".into();
        a.section = Some("World".into());
        a.date = Some("2025-02-21T08:37:00Z".parse().unwrap());
        a.views = Some(1_234_567);
        a.tags = vec![Tag::new("European Union"), Tag::new("G20")];
        a.sources = vec!["Reuters".into(), "\"X\"".into()];
        assert_eq!(parse_one(&render(&a)).0, a);
    }
}
