//! Saved web pages (`.html`, `.htm`).
//!
//! **Text.** The page is read into a DOM (html5ever, through `dom_query`); figures, captions
//! and small blocks of site chrome (bylines, photo credits, share bars, related links,
//! newsletter boxes) are removed; then Readability's scoring (`dom_smoothie`) picks the block
//! that holds the article, whose text, paragraph by paragraph, becomes the body. Measured on
//! 181 real news pages with their article text marked by hand (`benches/html-extraction`):
//! shingle F1 0.951 with `dom_smoothie` alone, 0.969 with the chrome removed first, 0.970 once
//! the datelines that open many texts are dropped.
//!
//! **Metadata, best source first:** JSON-LD (`NewsArticle`, `Article` and their kin:
//! `headline`, `datePublished`, `articleSection`, `keywords` as a list or a comma string,
//! `url`); OpenGraph and `article:*` meta (`og:title`, `article:published_time`,
//! `article:section`, each `article:tag`); `<meta name=news_keywords|keywords>`; `<link
//! rel=canonical>`; `<title>` without the site name (" | Site", " - Site"), else the first
//! `<h1>`. A page of the scraped-page site carries that layout's pieces in its text (the
//! `Section | date // time| N views` line, `Sources:`, `Tags:`): they are read as the `.txt`
//! parser reads them, and the view count comes only from there.
//!
//! **Hostile markup.** HTML parsers keep a stack of open elements, and both the tree builder
//! and Readability's scoring walk it, so cost grows with nesting depth: 10,000 nested `<div>`s
//! took 19 s. Elements nested deeper than [`MAX_DEPTH`] (real pages stay under 60) are
//! flattened first, in one linear scan that keeps their text, so any page costs time linear
//! in its size and no recursion can run out of stack.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use dom_query::Document;
use dom_smoothie::{Config, Readability, TextMode};
use rustc_hash::FxHashMap;
use serde_json::Value;

use super::Parsed;
use super::date::parse_date;
use super::record::Source;
use super::txt;
use crate::article::{Article, Tag};
use crate::error::{Error, Result, WarningKind};

/// Deepest element nesting kept; deeper start and end tags are dropped, their text kept.
pub(crate) const MAX_DEPTH: usize = 256;

/// Elements removed before the article is looked for: never article text.
const NEVER_TEXT: &str = "figure, figcaption";

/// Site chrome by the words its class or id contains: such an element is removed when it
/// holds less than [`CHROME_CHARS`] of text (a large block with such a class can be the
/// article's own wrapper). `nav` elements are chrome whatever their class.
const CHROME_CLASSES: [&str; 13] = [
    "caption",
    "byline",
    "timestamp",
    "author",
    "image",
    "credit",
    "share",
    "newsletter",
    "promo",
    "related",
    "social",
    "tags",
    "photo",
];

/// Words of [`CHROME_CLASSES`] that mark chrome in an `id` too.
const CHROME_IDS: [&str; 3] = ["caption", "related", "share"];

/// Characters of text under which a block of site chrome ([`CHROME_CLASSES`]) is removed.
const CHROME_CHARS: usize = 400;

/// Reads one page into `out`; fails when the page holds no article text.
pub(super) fn parse(text: &str, src: &Source<'_>, out: &mut Parsed) -> Result<()> {
    let html = flatten_deep(text, MAX_DEPTH);
    let doc = Document::from(html.as_ref());
    let mut meta = Metadata::read(&doc);
    // The scraped-page site's header line ("… | N views") may sit outside the article's block:
    // the page's whole text is kept to look for it there, on pages that could have one.
    let could_have_header = [&b"views<"[..], b"views\n", b"views\r"]
        .iter()
        .any(|end| memchr::memmem::find(html.as_bytes(), end).is_some());
    let page_text = could_have_header.then(|| doc.select("body").formatted_text());
    strip_chrome(&doc);
    let config = Config { text_mode: TextMode::Formatted, ..Config::default() };
    let found = Readability::with_document(doc, None, Some(config)).and_then(|mut r| r.parse()).ok();
    // A text made of nothing but link texts is a menu or an index of other pages, not an
    // article. Menu items and headlines are short, so only a text of short lines is looked at
    // (a long line is prose, even inside a link left open).
    const LONGEST_LINK: usize = 120;
    let only_links = |found: &dom_smoothie::Article| {
        let lines: Vec<String> = found.text_content.lines().filter_map(cleaned).collect();
        if lines.iter().any(|l| l.chars().count() > LONGEST_LINK) {
            return false;
        }
        let block = Document::from(found.content.as_ref());
        let links: rustc_hash::FxHashSet<String> =
            block.select("a").iter().filter_map(|a| cleaned(&a.text())).collect();
        lines.iter().all(|line| links.contains(line))
    };
    let Some(found) = found.filter(|a| !only_links(a)) else {
        return Err(Error::NoArticleText { path: src.path.to_owned() });
    };
    let title = meta.title.take().or_else(|| cleaned(&found.title)).unwrap_or_default();
    let mut article = Article::new(src.id(None), src.path, title);
    meta.apply(&mut article, src, out);
    if !txt::read_pieces(&found.text_content, src, &mut article, out)
        && let Some(page_text) = page_text
    {
        txt::header_anywhere(&page_text, src, &mut article, out);
    }
    // A page without any title: its first paragraph is the title, as in a `.txt` page.
    if article.title.is_empty() {
        let (first, rest) = article.body.split_once("\n\n").unwrap_or((&article.body, ""));
        let (first, rest) = (first.trim().to_owned(), rest.to_owned());
        article.title = first;
        article.body = rest;
    }
    drop_leading_datelines(&mut article.body);
    // The heading that repeats the title is not body text.
    if let Some((first, rest)) = article.body.split_once("\n\n")
        && same_text(first, &article.title)
    {
        article.body = rest.to_owned();
    }
    out.articles.push(article);
    Ok(())
}

/// Removes the lines that open many articles' text with when and by whom ("Published 9:41 AM
/// EST Nov 20, 2019 | Updated …", "By Jane Doe - 11/18/19 11:04 PM EST"): the article has
/// its date already, and they are not its text.
fn drop_leading_datelines(body: &mut String) {
    /// Paragraphs at the start looked at, and the longest a dateline is.
    const LOOK_AT: usize = 3;
    const LONGEST: usize = 120;
    const OPENERS: [&str; 5] = ["published", "updated", "posted", "last updated", "modified"];
    let mut cut = 0;
    for paragraph in body.split("\n\n").take(LOOK_AT) {
        let line = paragraph.trim();
        let lower = line.to_lowercase();
        // "By the time the polls closed, …" opens articles too: a byline is short, or dated.
        let byline = lower.starts_with("by ")
            && (line.split_whitespace().count() <= 6 || line.bytes().any(|b| b.is_ascii_digit()));
        let dateline = line.chars().count() <= LONGEST
            && (byline || OPENERS.iter().any(|o| lower.starts_with(o)) || parse_date(line).is_some());
        if !dateline {
            break;
        }
        cut += paragraph.len() + 2;
    }
    if cut > 0 && cut < body.len() {
        body.drain(..cut);
    }
}

/// What the page declares about its article, each field from its best source.
#[derive(Debug, Default, PartialEq)]
struct Metadata {
    title: Option<String>,
    /// Dates as written, best source first: the first one that reads as a date an index can
    /// hold is the article's (pages put placeholders like `0001-01-01` in some fields).
    dates: Vec<String>,
    section: Option<String>,
    tags: Vec<String>,
    url: Option<String>,
    /// The site's name (JSON-LD `publisher`), to cut from titles.
    site: Option<String>,
}

impl Metadata {
    fn read(doc: &Document) -> Metadata {
        let mut m = Metadata::default();
        for script in doc.select("script[type]").iter() {
            let kind = script.attr("type").unwrap_or_default();
            if kind.trim().eq_ignore_ascii_case("application/ld+json")
                && let Some(value) = lenient_json(script.text().trim())
            {
                m.json_ld(&value, 0);
            }
        }
        // Every `<meta>` read once: (name, property or itemprop, lowercased) → contents in
        // page order. One walk over the page instead of one per key.
        let mut metas: FxHashMap<String, Vec<String>> = FxHashMap::default();
        for tag in doc.select("meta[content]").iter() {
            let Some(content) = tag.attr("content").and_then(|c| cleaned(&c)) else { continue };
            for attr in ["property", "name", "itemprop"] {
                // `itemprop` may name several properties: "datePublished dateCreated".
                for key in tag.attr(attr).iter().flat_map(|v| v.split_whitespace()) {
                    metas.entry(key.to_ascii_lowercase()).or_default().push(content.clone());
                }
            }
        }
        let meta = |keys: &[&str]| -> Option<String> {
            keys.iter().find_map(|key| metas.get(&key.to_ascii_lowercase()).and_then(|v| v.first().cloned()))
        };
        let site = meta(&["og:site_name", "application-name"]).or(m.site.take());
        // A headline names its site only by mistake: cut it when it is the site's name. Social
        // titles often carry it: cut what looks like one.
        m.title = m.title.take().map(|t| without_named_site(&t, site.as_deref()));
        m.title = m.title.take().or_else(|| {
            meta(&["og:title", "twitter:title"]).map(|t| without_site_name(&t, site.as_deref()).to_owned())
        });
        const DATES: [&str; 12] = [
            "article:published_time",
            "article:published",
            "og:published_time",
            "datePublished",
            "pubdate",
            "publishdate",
            "publish-date",
            "date",
            "dc.date",
            "DC.date.issued",
            "parsely-pub-date",
            "sailthru.date",
        ];
        m.dates.extend(DATES.iter().filter_map(|key| meta(&[key])));
        let time = doc.select("time[itemprop=datePublished]").attr("datetime");
        m.dates.extend(time.and_then(|d| cleaned(&d)));
        // Last: the first machine-readable time in the article itself.
        let time = doc.select("article time[datetime]").attr("datetime");
        m.dates.extend(time.and_then(|d| cleaned(&d)));
        m.section = m.section.take().or_else(|| meta(&["article:section", "og:section", "section"]));
        if m.tags.is_empty() {
            m.tags = metas.get("article:tag").cloned().unwrap_or_default();
        }
        if m.tags.is_empty()
            && let Some(list) = meta(&["news_keywords", "keywords"])
        {
            m.tags = split_list(&list);
        }
        let canonical = doc.select("link[rel=canonical]").attr("href").and_then(|h| cleaned(&h));
        m.url = canonical.or(m.url.take()).or_else(|| meta(&["og:url"]));
        if m.title.is_none() {
            let title = doc.select("head title").text();
            m.title = cleaned(&title)
                .map(|t| without_site_name(&t, site.as_deref()).to_owned())
                .or_else(|| cleaned(&doc.select("h1").first().text()));
        }
        m
    }

    /// Fills what is not yet known from a JSON-LD value: an article object, a list of them,
    /// or a `@graph`.
    fn json_ld(&mut self, value: &Value, depth: usize) {
        /// How deep article objects are looked for (pages nest them in `@graph` and lists).
        const DEEPEST: usize = 6;
        if depth > DEEPEST {
            return;
        }
        match value {
            Value::Array(items) => items.iter().for_each(|v| self.json_ld(v, depth + 1)),
            Value::Object(object) => {
                if let Some(graph) = object.get("@graph") {
                    self.json_ld(graph, depth + 1);
                }
                if !is_article_type(object.get("@type")) {
                    return;
                }
                let text = |key: &str| object.get(key).and_then(first_text);
                self.title = self.title.take().or_else(|| text("headline")).or_else(|| text("name"));
                self.dates.extend(text("datePublished").or_else(|| text("dateCreated")));
                self.section = self.section.take().or_else(|| text("articleSection"));
                if self.tags.is_empty() {
                    self.tags = match object.get("keywords") {
                        Some(Value::String(list)) => split_list(list),
                        Some(Value::Array(items)) => items.iter().filter_map(first_text).collect(),
                        _ => Vec::new(),
                    };
                }
                let page = object.get("mainEntityOfPage").and_then(|p| match p {
                    Value::Object(o) => o.get("@id").and_then(first_text),
                    other => first_text(other),
                });
                self.url = self.url.take().or_else(|| text("url")).or(page);
                let publisher = object.get("publisher").and_then(|p| p.get("name")).and_then(first_text);
                self.site = self.site.take().or(publisher);
            }
            _ => {}
        }
    }

    /// Sets the article's date, section, tags and url, warning about a date that can't be used.
    fn apply(self, article: &mut Article, src: &Source<'_>, out: &mut Parsed) {
        let storable = |d: &DateTime<Utc>| crate::storable_dates().contains(d);
        article.date = self.dates.iter().filter_map(|d| parse_date(d)).find(storable);
        if article.date.is_none()
            && let Some(value) = self.dates.into_iter().next()
        {
            let kind = match parse_date(&value) {
                Some(_) => WarningKind::DateOutOfRange { value },
                None => WarningKind::UnreadableDate { value },
            };
            out.warnings.push(src.warn(None, kind));
        }
        article.section = self.section;
        article.extend_tags(self.tags.iter().map(|t| Tag::new(t)));
        article.url = self.url;
    }
}

/// JSON as pages write it in their JSON-LD: raw line breaks and tabs inside strings (which
/// JSON forbids) are read as spaces, and commas before a closing bracket are ignored.
fn lenient_json(text: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str(text) {
        return Some(value);
    }
    let mut fixed = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut pending_comma = false;
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                c if c.is_control() => {
                    fixed.push(' ');
                    continue;
                }
                _ => {}
            }
            fixed.push(c);
            continue;
        }
        match c {
            ',' => {
                if pending_comma {
                    fixed.push(',');
                }
                pending_comma = true;
                continue;
            }
            c if c.is_whitespace() => {
                fixed.push(c);
                continue;
            }
            '}' | ']' => pending_comma = false,
            _ => {
                if pending_comma {
                    fixed.push(',');
                    pending_comma = false;
                }
                if c == '"' {
                    in_string = true;
                }
            }
        }
        fixed.push(c);
    }
    serde_json::from_str(&fixed).ok()
}

/// Whether JSON-LD `@type` (a name or a list of names) names a kind of article.
fn is_article_type(kind: Option<&Value>) -> bool {
    const ARTICLES: [&str; 12] = [
        "NewsArticle",
        "Article",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "TechArticle",
        "Report",
    ];
    let is = |name: &str| ARTICLES.iter().any(|a| a.eq_ignore_ascii_case(name.trim_start_matches("schema:")));
    match kind {
        Some(Value::String(name)) => is(name),
        Some(Value::Array(names)) => names.iter().any(|n| n.as_str().is_some_and(is)),
        _ => false,
    }
}

/// A JSON-LD value as text: a string, or the first string of a list.
fn first_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => cleaned(s),
        Value::Array(items) => items.iter().find_map(first_text),
        _ => None,
    }
}

/// Whitespace collapsed and entities already decoded; `None` when nothing is left.
fn cleaned(text: &str) -> Option<String> {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// A comma-separated list (keywords), trimmed, without empty items.
fn split_list(list: &str) -> Vec<String> {
    list.split([',', ';']).filter_map(cleaned).collect()
}

/// What separates a title from the site's name.
const SEPARATORS: [&str; 5] = [" | ", " - ", " – ", " — ", " :: "];

/// A `<title>` without the site's name after a separator ("Story - Site", "Story | Site"):
/// the part that names the site (or, not knowing it, the shorter last part) is cut.
fn without_site_name<'a>(title: &'a str, site: Option<&str>) -> &'a str {
    let Some((head, tail)) =
        SEPARATORS.iter().filter_map(|s| title.rsplit_once(s)).max_by_key(|(h, _)| h.len())
    else {
        return title;
    };
    let names_site = site.is_some_and(|s| same_text(tail, s));
    let looks_like_site = tail.split_whitespace().count() <= 4 && head.split_whitespace().count() >= 3;
    if names_site || looks_like_site { head.trim() } else { title }
}

/// `title` without a last part that is the site's name, however long.
fn without_named_site(title: &str, site: Option<&str>) -> String {
    let Some(site) = site else { return title.to_owned() };
    SEPARATORS
        .iter()
        .filter_map(|s| title.rsplit_once(s))
        .find(|(head, tail)| same_text(tail, site) && !head.trim().is_empty())
        .map_or_else(|| title.to_owned(), |(head, _)| head.trim().to_owned())
}

/// Equal after case folding and whitespace collapsing.
fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    norm(a) == norm(b)
}

/// Removes figures, captions and small blocks of site chrome.
fn strip_chrome(doc: &Document) {
    doc.select(NEVER_TEXT).remove();
    let is_chrome = |node: &dom_query::NodeRef<'_>| {
        let has =
            |attr: &str, words: &[&str]| node.attr(attr).is_some_and(|v| words.iter().any(|w| v.contains(w)));
        node.has_name("nav") || has("class", &CHROME_CLASSES) || has("id", &CHROME_IDS)
    };
    for node in doc.select("nav, [class], [id]").nodes().iter().filter(|n| is_chrome(n)) {
        let text = node.text();
        let text = text.trim();
        // The scraped-page layout's closing lines are the article's, whatever their class.
        let closing = ["tags:", "sources:"]
            .iter()
            .any(|l| text.get(..l.len()).is_some_and(|h| h.eq_ignore_ascii_case(l)));
        if text.chars().count() < CHROME_CHARS && !closing {
            node.remove_from_parent();
        }
    }
}

/// `html` with elements nested deeper than `max` flattened: their start and end tags are
/// dropped, their text and children kept. One pass, linear in the length; pages within the
/// limits come back borrowed.
///
/// Only elements that stay open until closed count: void elements and those whose end tag is
/// optional (`p`, `li`, `td`…, which the parser closes by itself) do not, and `/>` closes an
/// element only inside SVG and MathML, as in the parser (`<div/>` opens a `div`). The text of
/// `script`, `style` and the like is skipped as the parser skips it (not inside SVG, where
/// `<title>` holds markup). Formatting elements (`b`, `i`, `font`…) left open are reopened by
/// the parser in every block that follows, so at most [`MAX_FORMATTING`] of them may be open
/// (left unclosed) at once; further ones are dropped too.
pub(crate) fn flatten_deep(html: &str, max: usize) -> Cow<'_, str> {
    const VOID: [&str; 14] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
        "track", "wbr",
    ];
    const OPTIONAL_END: [&str; 18] = [
        "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "colgroup",
        "caption", "rb", "rt", "rp", "body",
    ];
    const RAW_TEXT: [&str; 6] = ["script", "style", "textarea", "title", "xmp", "noembed"];
    const FORMATTING: [&str; 13] =
        ["a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt"];
    const FOREIGN: [&str; 2] = ["svg", "math"];
    let bytes = html.as_bytes();
    let mut out: Option<String> = None;
    // Bytes of `html` up to which `out` has been written.
    let mut copied = 0;
    let mut open: Vec<String> = Vec::new();
    let mut open_count: FxHashMap<String, usize> = FxHashMap::default();
    let mut dropped: FxHashMap<String, usize> = FxHashMap::default();
    // Formatting elements opened and not closed by their own end tag, by name.
    let mut formatting: FxHashMap<String, usize> = FxHashMap::default();
    let mut formatting_total = 0usize;
    // Leaves `html[start..end]` (a tag) out of the copy.
    let drop_range = |out: &mut Option<String>, copied: &mut usize, start: usize, end: usize| {
        let s = out.get_or_insert_with(|| String::with_capacity(html.len()));
        s.push_str(&html[*copied..start]);
        *copied = end;
    };
    let mut name_buf = String::new();
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + offset;
        let rest = &bytes[start..];
        if rest.starts_with(b"<!--") {
            i = comment_end(bytes, start);
            continue;
        }
        let closing = rest.get(1) == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b':' || **b == b'_')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            // `<!DOCTYPE`, `<?xml`, or a `<` in text.
            i = start + 1;
            continue;
        }
        // Lowercased into one buffer: a name is allocated only when an element is kept open.
        name_buf.clear();
        name_buf.push_str(&html[name_start..name_start + name_len]);
        name_buf.make_ascii_lowercase();
        let name = name_buf.as_str();
        let end = tag_end(bytes, name_start + name_len);
        let self_closed = end > 0 && bytes.get(end - 1) == Some(&b'/');
        i = (end + 1).min(bytes.len());
        let foreign = FOREIGN.iter().any(|f| open_count.get(*f).is_some_and(|n| *n > 0));
        if closing {
            if let Some(n) = formatting.get_mut(name).filter(|n| **n > 0) {
                *n -= 1;
                formatting_total -= 1;
            }
            if let Some(n) = dropped.get_mut(name).filter(|n| **n > 0) {
                *n -= 1;
                drop_range(&mut out, &mut copied, start, i);
            } else if open_count.get(name).is_some_and(|n| *n > 0)
                && let Some(at) = open.iter().rposition(|n| *n == name)
            {
                for closed in open.drain(at..) {
                    if let Some(n) = open_count.get_mut(&closed) {
                        *n -= 1;
                    }
                }
            }
            continue;
        }
        if !foreign && RAW_TEXT.contains(&name) {
            // Its text is not markup: go to its end tag (which changes nothing above).
            i = find_end_tag(bytes, name, i).unwrap_or(bytes.len());
            continue;
        }
        if (foreign && self_closed) || VOID.contains(&name) || OPTIONAL_END.contains(&name) {
            continue;
        }
        let is_formatting = FORMATTING.contains(&name);
        if open.len() < max && !(is_formatting && formatting_total >= MAX_FORMATTING) {
            if is_formatting {
                *formatting.entry(name.to_owned()).or_default() += 1;
                formatting_total += 1;
            }
            *open_count.entry(name.to_owned()).or_default() += 1;
            open.push(name.to_owned());
        } else {
            *dropped.entry(name.to_owned()).or_default() += 1;
            drop_range(&mut out, &mut copied, start, i);
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut s) => {
            s.push_str(&html[copied..]);
            Cow::Owned(s)
        }
    }
}

/// Formatting elements open at once, at most, before more are dropped (real pages nest a few).
pub(crate) const MAX_FORMATTING: usize = 12;

/// Where the comment starting at `start` (`<!--`) ends, as the parser ends it: `<!-->` and
/// `<!--->` are whole empty comments; else at the next `-->` or `--!>`, or the end of the text.
fn comment_end(bytes: &[u8], start: usize) -> usize {
    let rest = &bytes[start..];
    if rest.starts_with(b"<!-->") {
        return start + 5;
    }
    if rest.starts_with(b"<!--->") {
        return start + 6;
    }
    let close = find(bytes, b"-->", start + 4).map(|e| e + 3);
    let bang = find(bytes, b"--!>", start + 4).map(|e| e + 4);
    match (close, bang) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(bytes.len()),
    }
}

/// The index of the `>` that ends the tag whose attributes start at `from`, or the end of the
/// text. A quote opens a quoted value only right after `=` (spaces aside): in `a=b"c` it is
/// part of the value, and a quoted value may hold `>`.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    let mut after_equals = false;
    for (i, &b) in bytes.iter().enumerate().skip(from) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') if after_equals => quote = Some(b),
            (None, b'>') => return i,
            (None, b'=') => after_equals = true,
            (None, b) if b.is_ascii_whitespace() => {}
            (None, _) => after_equals = false,
        }
    }
    bytes.len()
}

/// Where `needle` first occurs at or after `from`.
fn find(bytes: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(bytes.get(from..)?, needle).map(|p| p + from)
}

/// Where `</name` (any case) first occurs at or after `from`.
fn find_end_tag(bytes: &[u8], name: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(p) = find(bytes, b"</", at) {
        let candidate = bytes.get(p + 2..p + 2 + name.len())?;
        if candidate.eq_ignore_ascii_case(name.as_bytes()) {
            return Some(p);
        }
        at = p + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_flattened_and_shallow_pages_are_left_alone() {
        let page = "<html><body><div class=a><p>One<p>Two</div><!-- <div> --><script>if (a<b) {}</script></body></html>";
        assert!(matches!(flatten_deep(page, 4), Cow::Borrowed(_)));

        let deep = format!("{}text{}", "<div>".repeat(10), "</div>".repeat(10));
        let flat = flatten_deep(&deep, 3);
        assert_eq!(flat, format!("{}text{}", "<div>".repeat(3), "</div>".repeat(3)));
        // Unclosed ones too, and tags the parser closes by itself never count.
        let unclosed = format!("{}<p>a<p>b<li>c<br>", "<b x=\">\">".repeat(5));
        assert_eq!(flatten_deep(&unclosed, 2), format!("{}<p>a<p>b<li>c<br>", "<b x=\">\">".repeat(2)));
    }

    #[test]
    fn titles_lose_the_site_name() {
        assert_eq!(
            without_site_name("Kellogg meets Zelensky in Kyiv | The Daily", None),
            "Kellogg meets Zelensky in Kyiv"
        );
        assert_eq!(
            without_site_name("Kellogg meets Zelensky - Daily News Online", None),
            "Kellogg meets Zelensky"
        );
        assert_eq!(without_site_name("Ukraine - Kellogg", Some("Kellogg")), "Ukraine");
        // A dash inside the headline itself stays.
        assert_eq!(without_site_name("Left - right", None), "Left - right");
        assert_eq!(without_site_name("No separator here", None), "No separator here");
    }

    #[test]
    fn datelines_at_the_start_of_the_text_are_dropped_and_prose_is_not() {
        let mut body = "Published 9:41 AM EST Nov 20, 2019\n\nBy Jane Doe\n\nThe envoy arrived.".to_owned();
        drop_leading_datelines(&mut body);
        assert_eq!(body, "The envoy arrived.");
        let mut prose = "By the time the polls closed, turnout had doubled.\n\nMore.".to_owned();
        drop_leading_datelines(&mut prose);
        assert!(prose.starts_with("By the time"));
        // A text that is nothing but a dateline stays as it is.
        let mut only = "Updated Nov 19, 2019".to_owned();
        drop_leading_datelines(&mut only);
        assert_eq!(only, "Updated Nov 19, 2019");
    }

    #[test]
    fn json_ld_with_raw_line_breaks_and_trailing_commas_is_read() {
        let text =
            "{\"@type\": \"NewsArticle\", \"headline\": \"Two\nlines\", \"keywords\": [\"a\", \"b\",],}";
        let value = lenient_json(text).unwrap();
        assert_eq!(value["headline"], "Two lines");
        assert_eq!(value["keywords"].as_array().unwrap().len(), 2);
        // A comma inside a string is text, and broken JSON stays unread.
        assert_eq!(lenient_json("{\"a\": \"x,}\"}").unwrap()["a"], "x,}");
        assert!(lenient_json("{\"a\": ").is_none());
    }

    #[test]
    fn a_headline_loses_only_the_site_it_names() {
        assert_eq!(without_named_site("Esper in Hanoi | TheHill", Some("TheHill")), "Esper in Hanoi");
        assert_eq!(without_named_site("Trump - live updates", Some("TheHill")), "Trump - live updates");
        assert_eq!(without_named_site("Trump - live updates", None), "Trump - live updates");
    }
}
