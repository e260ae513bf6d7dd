//! What every page shares: the document around it, the search form, and the small pieces
//! (highlighted text, numbers, dates, article links) the pages are built of.

use std::ops::Range;

use maud::{DOCTYPE, Markup, html};
use newsearch::chrono::{DateTime, SecondsFormat, Utc};
use newsearch::{ArticleId, MatchMode, Sort};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::options::ServerOptions;
use crate::params::Params;
use crate::problem::Problem;

/// What an id's path segment leaves as it is: letters, digits and `-._~`. `/`, `#`, `?`, `%`
/// and everything else are encoded, so an id is always one segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// The article page's URL for `id`.
pub(super) fn article_href(base: &str, id: &ArticleId) -> String {
    format!("{base}/article/{}", utf8_percent_encode(id.as_str(), SEGMENT))
}

/// The site's home page.
pub(super) fn home(base: &str) -> String {
    if base.is_empty() { "/".to_owned() } else { base.to_owned() }
}

/// A whole page: `title` in the tab, the search form at the top, `main` below.
pub(super) fn document(options: &ServerOptions, title: &str, params: &Params, main: Markup) -> Markup {
    let base = options.get_base_path();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                // No icon to fetch: a browser would otherwise ask for /favicon.ico.
                link rel="icon" href="data:,";
                link rel="stylesheet" href={ (base) "/static/app.css" };
                script src={ (base) "/static/app.js" } defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href=(home(base)) { "newsearch" }
                    (search_form(base, params))
                }
                main #main { (main) }
            }
        }
    }
}

/// The sort orders offered, with what each means.
const SORTS: [(Sort, &str); 5] = [
    (Sort::Relevance, "Best match"),
    (Sort::Date, "Newest first"),
    (Sort::DateAsc, "Oldest first"),
    (Sort::Views, "Most viewed"),
    (Sort::ViewsAsc, "Least viewed"),
];

const MODES: [(MatchMode, &str); 3] =
    [(MatchMode::Auto, "Auto"), (MatchMode::All, "All words"), (MatchMode::Any, "Any word")];

/// The search form: text, order, match mode, dates and grouping; the filters it does not show
/// (tags, section, views) ride along hidden, so a new search keeps them.
fn search_form(base: &str, params: &Params) -> Markup {
    let date = |d: &Option<crate::params::DateParam>| d.as_ref().map(|d| d.text.clone()).unwrap_or_default();
    html! {
        form #search role="search" action={ (base) "/search" } method="get" {
            div.searchbar {
                label for="q" { "Search the archive" }
                div.box {
                    input #q name="q" type="search" value=(params.q) autocomplete="off" spellcheck="false"
                        aria-describedby="q-hint";
                    button #go type="submit" { "Search" }
                }
                p #q-hint .hint { "Press " kbd { "/" } " to come back here. Words, \"phrases\", -exclusions, tag:… — see the syntax below." }
            }
            div.controls {
                div.control {
                    label for="sort" { "Order" }
                    select #sort name="sort" {
                        option value="" selected[params.sort.is_none()] { "Default" }
                        @for (sort, label) in SORTS {
                            option value=(sort) selected[params.sort == Some(sort)] { (label) }
                        }
                    }
                }
                div.control {
                    label for="mode" { "Words" }
                    select #mode name="mode" {
                        @for (mode, label) in MODES {
                            option value=(mode) selected[params.mode.unwrap_or_default() == mode] { (label) }
                        }
                    }
                }
                div.control {
                    label for="since" { "From" }
                    input #since name="since" type="text" value=(date(&params.since)) placeholder="YYYY-MM-DD" size="10";
                }
                div.control {
                    label for="until" { "To" }
                    input #until name="until" type="text" value=(date(&params.until)) placeholder="YYYY-MM-DD" size="10";
                }
                div.control.check {
                    input #collapse name="collapse" type="checkbox" value="1" checked[params.collapse];
                    label for="collapse" { "Group near-duplicates" }
                }
            }
            @for tag in &params.tags { input type="hidden" name="tag" value=(tag); }
            @for tag in &params.any_tags { input type="hidden" name="any_tag" value=(tag); }
            @if let Some(section) = &params.section { input type="hidden" name="section" value=(section); }
            @if let Some(n) = params.min_views { input type="hidden" name="min_views" value=(n); }
            @if let Some(n) = params.max_views { input type="hidden" name="max_views" value=(n); }
            @if let Some(recent) = params.recent_text() { input type="hidden" name="recent" value=(recent); }
            @if params.popular { input type="hidden" name="popular" value="1"; }
            @if params.fuzzy { input type="hidden" name="fuzzy" value="1"; }
            (syntax_help())
        }
    }
}

/// The query syntax, one click away.
fn syntax_help() -> Markup {
    const SYNTAX: [(&str, &str); 13] = [
        ("ceasefire talks", "articles with every word (up to three words; four or more rank by any of them)"),
        ("\"security guarantees\"", "the exact phrase"),
        ("oil OR gas", "either word"),
        ("-opec", "leaves out articles with the word"),
        ("title:kyiv", "the word in the title; also body:, tag:, section:, source:"),
        ("zelen*", "words starting so"),
        ("zelenski~", "tolerates a typo (zelenski~2: two)"),
        ("kyiv^2 talks", "weighs a word more (or less: ^0.5)"),
        ("(oil OR gas) prices", "parentheses group"),
        ("From / To", "YYYY, YYYY-MM, YYYY-MM-DD, or back from now: 12h, 7d, 2w, 3m, 1y; both ends included"),
        ("Empty search", "every article, newest first, narrowed by the filters"),
        ("Order: Default", "best match first; newest first when listing without words"),
        ("Words: Auto", "every word of a query of up to three words, any word of a longer one"),
    ];
    html! {
        details #syntax-help {
            summary { "Search syntax" }
            dl {
                @for (example, meaning) in SYNTAX {
                    dt { code { (example) } }
                    dd { (meaning) }
                }
            }
        }
    }
}

/// A page that only says what went wrong.
pub(super) fn problem(options: &ServerOptions, problem: &Problem) -> Markup {
    let title = match problem.status.as_u16() {
        404 => "Not found",
        400..=499 => "Can't do that",
        _ => "Something went wrong",
    };
    document(
        options,
        &format!("{title} · newsearch"),
        &Params::default(),
        html! {
            h1 { (title) }
            p #error role="alert" { (problem.message) }
            p { a href=(home(options.get_base_path())) { "Back to the archive" } }
        },
    )
}

/// `text` with the byte `ranges` in `<mark>`. Ranges that are out of order or not on
/// character boundaries end the marking; the rest is plain text.
pub(super) fn marked(text: &str, ranges: &[Range<usize>]) -> Markup {
    let mut pieces: Vec<(bool, &str)> = Vec::with_capacity(ranges.len() * 2 + 1);
    let mut at = 0;
    for range in ranges {
        let (Some(before), Some(hit)) = (text.get(at..range.start), text.get(range.clone())) else { break };
        pieces.push((false, before));
        pieces.push((true, hit));
        at = range.end;
    }
    pieces.push((false, text.get(at..).unwrap_or_default()));
    html! {
        @for (is_match, piece) in pieces {
            @if is_match { mark { (piece) } } @else { (piece) }
        }
    }
}

/// `n` with thousands separated: `12,345`.
pub(super) fn thousands(n: u64) -> String {
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

/// `n thing` or `n things`.
pub(super) fn count(n: u64, thing: &str) -> String {
    if n == 1 { format!("1 {thing}") } else { format!("{} {thing}s", thousands(n)) }
}

/// A date as a `<time>`: readable text, the instant in `datetime`.
pub(super) fn time(date: &DateTime<Utc>) -> Markup {
    html! {
        time datetime=(date.to_rfc3339_opts(SecondsFormat::Secs, true)) { (date.format("%-d %b %Y")) }
    }
}

/// Whether `url` may be a link: http or https only, so that a `javascript:` or `data:` URL
/// in an archive never becomes one.
pub(super) fn is_web_url(url: &str) -> bool {
    let url = url.trim_start();
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    matches!(scheme.as_deref(), Some("http" | "https")) && !url.contains(['\n', '\r', '\t'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_escape_their_text() {
        let text = "<b>Kyiv</b> & talks";
        let html = marked(text, &[3..7, 14..19]).into_string();
        assert_eq!(html, "&lt;b&gt;<mark>Kyiv</mark>&lt;/b&gt; &amp; <mark>talks</mark>");
    }

    #[test]
    fn bad_ranges_end_the_marking_without_a_panic() {
        // Byte 2 is inside the ü.
        let inside_a_character = [Range { start: 0, end: 2 }];
        assert_eq!(marked("Zürich", &inside_a_character).into_string(), "Zürich");
        assert_eq!(marked("abc def", &[4..7, 0..3]).into_string(), "abc <mark>def</mark>");
        let past_the_end = [Range { start: 2, end: 9 }];
        assert_eq!(marked("abc", &past_the_end).into_string(), "abc");
    }

    #[test]
    fn ids_are_one_encoded_segment() {
        let id = ArticleId::new("2025/02/kyiv visit.txt#2?x=%");
        assert_eq!(article_href("", &id), "/article/2025%2F02%2Fkyiv%20visit.txt%232%3Fx%3D%25");
        assert_eq!(article_href("/news", &ArticleId::new("a")), "/news/article/a");
    }

    #[test]
    fn only_web_urls_are_links() {
        for url in ["https://example.org/a", "HTTP://example.org", "  http://x"] {
            assert!(is_web_url(url), "{url}");
        }
        for url in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,x",
            "//evil",
            "ftp://x",
            "java\nscript:x",
            "http\n://x",
        ] {
            assert!(!is_web_url(url), "{url}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(count(1, "article"), "1 article");
        assert_eq!(count(1200, "article"), "1,200 articles");
    }
}
