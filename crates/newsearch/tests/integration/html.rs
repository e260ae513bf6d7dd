//! Saved web pages (`tests/fixtures/html`): the article without the site around it, metadata
//! from each source a page may carry, declared encodings, and hostile markup.

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use newsearch::{Article, Error, Format, ParseOptions, Parsed, Tag, WalkOptions, WarningKind, parse_bytes};

use crate::fixture;

fn page(name: &str) -> PathBuf {
    fixture("html").join(name)
}

/// Parses `bytes` as a web page at `path`.
fn parse_page(bytes: &[u8], path: &Path) -> newsearch::Result<Parsed> {
    let name = path.file_name().unwrap().to_str().unwrap();
    parse_bytes(bytes, Format::Html, path, name)
}

/// Parses the fixture `name`, which must give one article and no warning.
fn parse_fixture(name: &str) -> Article {
    let path = page(name);
    let mut parsed = parse_page(&std::fs::read(&path).unwrap(), &path).expect("parses");
    assert!(parsed.errors.is_empty() && parsed.warnings.is_empty(), "{name}: {parsed:?}");
    assert_eq!(parsed.articles.len(), 1, "{name}");
    parsed.articles.remove(0)
}

/// The text of each `<p>` between the first `from` and the next `to` of `html` (the fixtures'
/// paragraphs hold no markup or entities).
fn paragraphs(html: &str, from: &str, to: &str) -> Vec<String> {
    let start = html.find(from).unwrap_or_else(|| panic!("no {from:?}")) + from.len();
    let end = start + html[start..].find(to).unwrap_or_else(|| panic!("no {to:?}"));
    html[start..end]
        .split("<p>")
        .skip(1)
        .map(|p| p.split_once("</p>").expect("closed paragraph").0.trim().to_owned())
        .collect()
}

/// Asserts the body is `expected`, paragraph by paragraph, and holds none of `chrome`.
fn assert_body(article: &Article, expected: &[String], chrome: &[&str]) {
    let got: Vec<&str> = article.body.split("\n\n").collect();
    for (i, p) in expected.iter().enumerate() {
        assert!(article.body.contains(p.as_str()), "paragraph {i} missing from {:?}", article.body);
    }
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for c in chrome {
        assert!(!article.body.contains(c), "site chrome {c:?} in the body: {:?}", article.body);
    }
}

fn tags(article: &Article) -> Vec<&str> {
    article.tags.iter().map(Tag::as_str).collect()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Option<DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap())
}

/// Chrome of `jsonld.html`: menu, byline, share bar, "Most read", newsletter box, footer.
const JSONLD_CHROME: [&str; 14] = [
    "Business",
    "Weather",
    "Mira Stoyanova",
    "Share on",
    "Copy link",
    "Most read",
    "Storks return early",
    "flour prices",
    "morning briefing",
    "newsletter",
    "Subscribe",
    "All rights reserved",
    "Privacy policy",
    "dataLayer",
];

#[test]
fn json_ld_page_gives_every_field_and_only_the_article_text() {
    let a = parse_fixture("jsonld.html");
    // The JSON-LD headline, not `og:title` nor the `<title>` with the site's name.
    assert_eq!(a.title, "Plovdiv Opens Airport Tram Line Two Months Early");
    assert_eq!(a.date, utc(2025, 3, 11, 7, 20), "09:20 at +02:00 is 07:20 UTC");
    assert_eq!(a.section.as_deref(), Some("Transport"));
    assert_eq!(tags(&a), ["Plovdiv", "Public transport", "Bulgaria"]);
    assert_eq!(a.url.as_deref(), Some("https://courier.example/transport/2025/03/plovdiv-airport-tram"));
    assert_eq!((a.views, a.sources.len()), (None, 0), "a page states neither");
    assert_eq!(a.id.as_str(), "jsonld.html");

    let html = std::fs::read_to_string(page("jsonld.html")).unwrap();
    let expected = paragraphs(&html, "<div class=\"story-body\">", "</div>");
    assert_eq!(expected.len(), 6);
    assert_body(&a, &expected, &JSONLD_CHROME);
    assert!(!a.body.starts_with(&a.title), "the <h1> repeating the title is not body text");
}

#[test]
fn json_ld_in_a_graph_with_keywords_as_one_string_gives_the_same_fields() {
    let html = std::fs::read_to_string(page("jsonld.html")).unwrap();
    let open = "<script type=\"application/ld+json\">";
    let start = html.find(open).unwrap() + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    let mut article: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    let object = article.as_object_mut().unwrap();
    object.remove("@context");
    object.insert("keywords".into(), "Plovdiv, Public transport, Bulgaria".into());
    // As content management systems write it: the site and the breadcrumbs first, each with a
    // name that is not the headline.
    let graph = serde_json::json!({
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "The Thracian Courier", "url": "https://courier.example/"},
            {"@type": "BreadcrumbList", "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "Transport", "item": "https://courier.example/transport"}
            ]},
            {"@type": "WebPage", "name": "Airport tram | The Thracian Courier", "url": "https://courier.example/x"},
            article,
        ]
    });
    let variant = format!("{}{}{}", &html[..start], graph, &html[end..]);
    let path = page("jsonld-graph.html");
    let parsed = parse_page(variant.as_bytes(), &path).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let (a, original) = (&parsed.articles[0], parse_fixture("jsonld.html"));
    assert_eq!(a.title, "Plovdiv Opens Airport Tram Line Two Months Early");
    assert_eq!(a.date, utc(2025, 3, 11, 7, 20));
    assert_eq!(a.section.as_deref(), Some("Transport"));
    assert_eq!(tags(a), ["Plovdiv", "Public transport", "Bulgaria"]);
    assert_eq!(a.url, original.url);
    assert_eq!(a.body, original.body);
}

#[test]
fn opengraph_page_reads_article_meta_and_the_canonical_link() {
    let a = parse_fixture("opengraph.html");
    assert_eq!(a.title, "Lake Survey Finds Rare Freshwater Sponge Near Ohrid");
    assert_eq!(a.date, utc(2025, 1, 14, 23, 5), "18:05 at -05:00 is 23:05 UTC");
    assert_eq!(a.section.as_deref(), Some("Science"));
    assert_eq!(tags(&a), ["Lake Ohrid", "Biodiversity", "North Macedonia"], "each article:tag, in order");
    // The canonical link, not the shared `og:url` with its tracking parameter.
    assert_eq!(a.url.as_deref(), Some("https://science-weekly.example/environment/ohrid-sponge"));
    let html = std::fs::read_to_string(page("opengraph.html")).unwrap();
    let expected = paragraphs(&html, "<div class=\"content\">", "</div>");
    assert_eq!(expected.len(), 4);
    assert_body(&a, &expected, &["Balkan Science Weekly", "Log in", "Lake Survey Finds"]);
}

#[test]
fn bare_page_has_its_title_without_the_site_name_and_no_metadata() {
    let a = parse_fixture("bare.html");
    assert_eq!(a.title, "Village Choir Wins Regional Folk Song Contest", "\" - Valley Gazette\" is cut");
    assert_eq!((a.date, a.section.as_deref(), a.views, a.url.as_deref()), (None, None, None, None));
    assert!(a.tags.is_empty() && a.sources.is_empty());
    let html = std::fs::read_to_string(page("bare.html")).unwrap();
    let expected = paragraphs(&html, "<body>", "</body>");
    assert_eq!(expected.len(), 3);
    assert_body(&a, &expected, &["Valley Gazette", "Village Choir Wins"]);
}

const RUSSIAN_TITLE: &str = "В Новосибирске открылся первый зимний книжный рынок";

/// Checks the article read from `windows-1251.html` or a variant of it.
fn assert_russian_page(a: &Article, html: &str) {
    assert_eq!(a.title, RUSSIAN_TITLE);
    assert_eq!(a.section.as_deref(), Some("Культура"));
    assert_eq!(a.date, utc(2025, 2, 3, 4, 30), "11:30 at +07:00");
    assert_eq!(tags(a), ["Новосибирск", "книги", "ярмарка"]);
    let expected = paragraphs(html, "<article>", "</article>");
    assert_eq!(expected.len(), 4);
    assert!(expected[0].starts_with("В субботу в фойе городского театра"));
    assert_body(a, &expected, &["Главная", "Городские вести"]);
}

#[test]
fn windows_1251_page_declared_by_meta_charset_decodes_without_a_warning() {
    let bytes = std::fs::read(page("windows-1251.html")).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "the fixture is saved in windows-1251 bytes");
    let (html, _, bad) = encoding_rs::WINDOWS_1251.decode(&bytes);
    assert!(!bad && html.contains("<meta charset=\"windows-1251\">"));
    // parse_fixture asserts there is no warning at all (so none about Windows-1252).
    assert_russian_page(&parse_fixture("windows-1251.html"), &html);
}

#[test]
fn windows_1251_declared_by_http_equiv_content_type_decodes_too() {
    let bytes = std::fs::read(page("windows-1251.html")).unwrap();
    let (html, _, _) = encoding_rs::WINDOWS_1251.decode(&bytes);
    let variant = html.replace(
        "<meta charset=\"windows-1251\">",
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1251\">",
    );
    assert_ne!(variant, html);
    let (encoded, _, unmappable) = encoding_rs::WINDOWS_1251.encode(&variant);
    assert!(!unmappable);
    let path = page("http-equiv.html");
    let parsed = parse_page(&encoded, &path).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_russian_page(&parsed.articles[0], &variant);
}

#[test]
fn undeclared_or_mislabelled_encodings() {
    let bytes = std::fs::read(page("windows-1251.html")).unwrap();
    let (html, _, _) = encoding_rs::WINDOWS_1251.decode(&bytes);

    // No declaration: the bytes are not UTF-8, so Windows-1252 with a warning, as for any file.
    let undeclared = html.replace("<meta charset=\"windows-1251\">", "");
    let (encoded, _, _) = encoding_rs::WINDOWS_1251.encode(&undeclared);
    let path = page("undeclared.html");
    let parsed = parse_page(&encoded, &path).unwrap();
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].kind, WarningKind::DecodedAsWindows1252);
    assert_eq!(parsed.warnings[0].path, path);
    assert_ne!(parsed.articles[0].title, RUSSIAN_TITLE);

    // Saved again as UTF-8 but still declaring windows-1251: valid UTF-8 is read as UTF-8.
    let path = page("resaved.html");
    let parsed = parse_page(html.as_bytes(), &path).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_russian_page(&parsed.articles[0], &html);
}

#[test]
fn chrome_heavy_page_keeps_only_the_short_article() {
    let a = parse_fixture("chrome-heavy.html");
    assert_eq!(a.title, "Ferry Service to Thassos Resumes After Storm Repairs");
    assert_eq!(a.date, utc(2025, 2, 18, 5, 45));
    assert_eq!(a.section.as_deref(), Some("Greece"));
    let html = std::fs::read_to_string(page("chrome-heavy.html")).unwrap();
    let expected = paragraphs(&html, "<div class=\"article-text\">", "</div>");
    assert_eq!(expected.len(), 3);
    let chrome = [
        "cookies",
        "Accept all",
        "Manage preferences",
        "Subscribe",
        "E-paper",
        "Cyclades",
        "Sport",
        "Home",
        "Advertisement",
        "Nikos Pappas",
        "18.02.2025",
        "Email this article",
        "Keramoti harbour. Photo",
        "Harbour Authority archive",
        "Share this story",
        "WhatsApp",
        "Tags:",
        "Related articles",
        "Kavala port",
        "More from Islands",
        "Olive harvest",
        "Comments",
        "island_grandma",
        "rusting",
        "evening boat",
        "Post comment",
        "About us",
        "Reproduction",
        "acceptAll",
        "position: fixed",
    ];
    assert_body(&a, &expected, &chrome);
}

/// `seed-site.html` up to its `Sources:` line.
fn seed_page_paragraphs() -> Vec<String> {
    let html = std::fs::read_to_string(page("seed-site.html")).unwrap();
    let mut expected = paragraphs(&html, "<div id=\"content\">", "<ul>");
    assert_eq!(expected.pop().as_deref(), Some("Sources:"));
    assert_eq!(expected.len(), 3);
    expected
}

#[test]
fn seed_site_page_reads_the_layouts_header_and_tags_from_its_text() {
    let a = parse_fixture("seed-site.html");
    assert_eq!(a.title, "Sofia Metro Extends Night Service on Weekends");
    assert_eq!(a.views, Some(1523), "from `|\u{a0}1,523 views`");
    assert_eq!(a.section.as_deref(), Some("Bulgaria"));
    assert_eq!(a.date, utc(2025, 2, 21, 8, 37));
    assert_eq!(tags(&a), ["Sofia", "Transport", "Bulgaria"]);
    for p in seed_page_paragraphs() {
        assert!(a.body.contains(&p), "{p:?} missing from {:?}", a.body);
    }
    for chrome in ["views", "February 21", "Tags:", "Back", "Related Articles", "Search", "Home", "rights"] {
        assert!(!a.body.contains(chrome), "{chrome:?} in the body: {:?}", a.body);
    }
}

/// The `Sources:` list of a seed-site page is an HTML list: its items are the sources, and
/// neither they nor their label are body text.
#[test]
fn seed_site_page_reads_a_sources_list() {
    let a = parse_fixture("seed-site.html");
    assert_eq!(a.sources, ["Sofia Urban Mobility Centre", "BTA"]);
    assert_body(&a, &seed_page_paragraphs(), &["Sources:", "BTA", "Mobility Centre"]);
}

#[test]
fn a_sources_list_with_bullets_in_its_text_is_read() {
    let html = std::fs::read_to_string(page("seed-site.html")).unwrap();
    let list = "<ul>\n    <li>Sofia Urban Mobility Centre</li>\n    <li>BTA</li>\n  </ul>";
    assert!(html.contains(list));
    let variant = html.replace(list, "<p>• Sofia Urban Mobility Centre</p>\n  <p>• BTA</p>");
    let parsed = parse_page(variant.as_bytes(), &page("bullets.html")).unwrap();
    let a = &parsed.articles[0];
    assert_eq!(a.sources, ["Sofia Urban Mobility Centre", "BTA"]);
    assert_eq!(a.views, Some(1523));
    assert_body(a, &seed_page_paragraphs(), &["Sources:", "•", "BTA", "Tags:"]);
}

#[test]
fn the_walk_finds_every_fixture_page_as_html() {
    let found = newsearch::walk(&[fixture("html")], &WalkOptions::new());
    let mut names: Vec<(&str, Format)> = found.files.iter().map(|f| (f.id_base.as_str(), f.format)).collect();
    names.sort_unstable_by_key(|(n, _)| *n);
    let want = [
        "bare.html",
        "chrome-heavy.html",
        "jsonld.html",
        "opengraph.html",
        "seed-site.html",
        "windows-1251.html",
    ];
    assert_eq!(names, want.map(|n| (n, Format::Html)));
    for (file, parsed) in newsearch::parse_files(&found.files, &ParseOptions::new()) {
        let parsed = parsed.unwrap_or_else(|e| panic!("{}: {e}", file.id_base));
        assert_eq!(parsed.articles.len(), 1);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    }
}

// Hostile pages: each returns its article or the error it should, and never panics.

#[test]
fn a_paragraph_under_100_000_nested_divs_is_found() {
    let n = 100_000;
    let text = "The paragraph at the bottom of a very deep page still reaches the index intact.";
    let html = format!(
        "<html><head><title>Deep page survives</title></head><body>{}<p>{text}</p>{}</body></html>",
        "<div>".repeat(n),
        "</div>".repeat(n)
    );
    let parsed = parse_page(html.as_bytes(), Path::new("deep.html")).unwrap();
    assert_eq!(parsed.articles[0].title, "Deep page survives");
    assert_eq!(parsed.articles[0].body, text);
    // Never closed at all, too.
    let unclosed = format!("<p>{text}</p>{}<p>{text}</p>", "<div class=x>".repeat(n));
    let parsed = parse_page(unclosed.as_bytes(), Path::new("deep.html")).unwrap();
    assert!(parsed.articles[0].body.contains(text));
}

#[test]
fn a_50_mb_paragraph_on_one_line_is_read_whole() {
    // parse_bytes, not a file: the file size limit is not what is tested here.
    let line = "word ".repeat(10 * 1024 * 1024);
    let html = format!("<html><head><title>One long line</title></head><body><p>{line}</p></body></html>");
    let parsed = parse_page(html.as_bytes(), Path::new("long.html")).unwrap();
    let a = &parsed.articles[0];
    assert_eq!(a.title, "One long line");
    assert_eq!(a.body.len(), line.trim_end().len());
    assert!(a.body.starts_with("word word ") && a.body.ends_with(" word"));
}

#[test]
fn unclosed_tags_repeated_100_000_times_give_the_text() {
    let text = "A paragraph before a storm of tags that are opened and never closed.";
    for storm in [
        "<b><i><table>",
        "<b><i><table><tr><td>",
        "<span><a href=x><ul><li><font>",
        "<div><b><i><table>cell ",
    ] {
        let html = format!("<html><body><p>{text}</p>{}</body></html>", storm.repeat(100_000));
        let parsed =
            parse_page(html.as_bytes(), Path::new("storm.html")).unwrap_or_else(|e| panic!("{storm}: {e}"));
        assert_eq!(parsed.articles.len(), 1, "{storm}");
        let a = &parsed.articles[0];
        assert!(format!("{}\n\n{}", a.title, a.body).contains(text), "{storm}: {a:?}");
    }
}

#[test]
fn empty_and_whitespace_pages_are_empty_files() {
    for bytes in [&b""[..], b"   \n\t\r\n ", b"\xEF\xBB\xBF  \n"] {
        let err = parse_page(bytes, Path::new("blank.html")).unwrap_err();
        assert!(matches!(err, Error::EmptyFile { .. }), "{bytes:?}: {err}");
        assert_eq!(err.path(), Some(Path::new("blank.html")));
    }
}

#[test]
fn a_page_with_nul_bytes_is_binary() {
    let html = b"<html><body><p>Looks like a page\x00\x00\x01 but is not one.</p></body></html>";
    let err = parse_page(html, Path::new("nul.html")).unwrap_err();
    assert!(matches!(err, Error::BinaryFile { .. }), "{err}");
    assert_eq!(err.to_string(), "nul.html: binary file (contains NUL bytes), not an article");
}

/// Links as a site menu writes them.
fn menu_links() -> String {
    ["News", "Business", "Transport", "Culture", "Sport", "Weather", "Contact"]
        .iter()
        .map(|s| format!("<li><a href=\"/{}\">{s}</a></li>", s.to_lowercase()))
        .collect()
}

/// Asserts `html` is refused with [`Error::NoArticleText`] naming its file.
fn assert_no_article_text(html: &str) {
    let path = Path::new("archive/menu.html");
    let err = parse_page(html.as_bytes(), path).unwrap_err();
    assert!(matches!(err, Error::NoArticleText { .. }), "{html}: {err}");
    assert_eq!(err.path(), Some(path));
    assert_eq!(err.to_string(), "archive/menu.html: no article text found in the page");
}

#[test]
fn pages_without_article_text_are_refused_by_name() {
    let links = menu_links();
    let pages = [
        format!("<html><head><title>Site map | Courier</title></head><body><nav><ul>{links}</ul></nav></body></html>"),
        "<html><head><title>Loading…</title></head><body><div id=\"root\"></div><script>render(\"root\")</script></body></html>".to_owned(),
        "<html><head><title>Nothing</title></head><body></body></html>".to_owned(),
        "<html></html>".to_owned(),
    ];
    for html in &pages {
        assert_no_article_text(html);
    }
}

/// A page of links is not an article, whether or not its list is in a `<nav>`.
#[test]
fn a_page_that_is_only_a_list_of_links_has_no_article_text() {
    assert_no_article_text(&format!("<!doctype html><html><body><ul>{}</ul></body></html>", menu_links()));
}

/// Nesting the HTML parser keeps open however it is written: `<div/>` (the `/` means nothing
/// on an HTML element), empty comments `<!-->` and `<!--->`, a quote inside an unquoted value,
/// markup inside SVG's `<title>`. Each once took 17–19 s at 10,000 levels; flattened, the page
/// is read like any other (this test would take minutes without it).
#[test]
fn nesting_written_in_every_form_the_parser_keeps_open_is_flattened() {
    let n = 10_000;
    let text = "The article under the markup storm is still read in full and nothing else.";
    for storm in ["<div/>", "<!--><div>", "<!---><div>", "<div a=b\"c>", "<div a='>'>"] {
        let html = format!("<html><body>{}<p>{text}</p></body></html>", storm.repeat(n));
        let parsed =
            parse_page(html.as_bytes(), Path::new("storm.html")).unwrap_or_else(|e| panic!("{storm}: {e}"));
        let a = &parsed.articles[0];
        // No title: the text is the title, as in a text page.
        assert!(format!("{}\n\n{}", a.title, a.body).contains(text), "{storm}: {a:?}");
    }
    let svg = format!("<html><body><svg><title>{}</title></svg><p>{text}</p></body></html>", "<g>".repeat(n));
    let parsed = parse_page(svg.as_bytes(), Path::new("svg.html")).unwrap();
    let a = &parsed.articles[0];
    assert!(format!("{}\n\n{}", a.title, a.body).contains(text), "{a:?}");
}

/// Formatting elements left open are reopened by the parser in every block that follows: 256
/// of them before 20,000 blocks made 5 million elements (1.3 GB). At most a few stay open.
#[test]
fn formatting_tags_left_open_are_not_reopened_without_bound() {
    let open: String = (0..256).map(|i| format!("<b x={i}>")).collect();
    let text = "The story after thousands of small blocks is still the article.";
    let html =
        format!("<html><body><div>{open}</div>{}<p>{text}</p></body></html>", "<div>t</div>".repeat(20_000));
    let parsed = parse_page(html.as_bytes(), Path::new("reopen.html")).unwrap();
    assert!(parsed.articles[0].body.contains(text) || parsed.articles[0].title.contains(text));
}

/// A page of the scraped-page site that prints its header line apart from the article's block,
/// and its tags in a box whose class names tags (which chrome removal would otherwise take).
#[test]
fn seed_site_header_apart_from_the_article_and_tags_in_a_tags_box_are_read() {
    let paragraphs: String = (1..=4)
        .map(|i| format!("<p>Paragraph {i} of the night service story, long enough to be read as the article's own text by any measure.</p>"))
        .collect();
    let html = format!(
        "<html><head><title>Night Service Extended</title></head><body>\
         <div class=\"meta\">Bulgaria | February 21, 2025, Friday // 08:37|\u{a0}1,523 views</div>\
         <div id=\"content\">{paragraphs}<div class=\"tags\">Tags: Sofia, Transport</div></div></body></html>"
    );
    let parsed = parse_page(html.as_bytes(), Path::new("seed.html")).unwrap();
    let a = &parsed.articles[0];
    assert_eq!(a.views, Some(1523));
    assert_eq!(a.section.as_deref(), Some("Bulgaria"));
    assert!(a.date.is_some());
    assert_eq!(a.tags.iter().map(|t| t.as_str()).collect::<Vec<_>>(), ["Sofia", "Transport"]);
    assert!(!a.body.contains("views") && !a.body.contains("Tags:"), "{:?}", a.body);
}
