//! How real archives drift from the reference layout: each variant is the seed, altered.

use newsearch::Tag;

use crate::{parse_txt, seed_text};

const SEED_HEADER: &str = "Ukraine | February 21, 2025, Friday // 08:37|\u{a0} views";

fn seed_with_header(header: &str) -> String {
    let text = seed_text();
    assert!(text.contains(SEED_HEADER));
    text.replace(SEED_HEADER, header)
}

#[test]
fn view_counts_plain_and_with_separators() {
    for (header_views, want) in [("1523 views", 1523), ("1,523 views", 1523), ("1 view", 1)] {
        let text =
            seed_with_header(&format!("Ukraine | February 21, 2025, Friday // 08:37|\u{a0} {header_views}"));
        assert_eq!(parse_txt(&text).0.views, Some(want), "{header_views}");
    }
}

#[test]
fn missing_date_line_keeps_everything_else() {
    let (a, parsed) = parse_txt(&seed_with_header(""));
    assert!(parsed.warnings.is_empty());
    assert_eq!((a.section, a.date, a.views), (None, None, None));
    assert_eq!(a.body.split("\n\n").count(), 6);
    assert_eq!(a.tags.len(), 4);
}

#[test]
fn one_digit_day() {
    let (a, _) = parse_txt(&seed_with_header("World | March 3, 2025, Monday // 07:05|\u{a0} 12 views"));
    assert_eq!(a.date.unwrap().to_rfc3339(), "2025-03-03T07:05:00+00:00");
    assert_eq!(a.section.as_deref(), Some("World"));
}

#[test]
fn missing_sources_and_tags() {
    let text = seed_text();
    let cut = text.find("Sources:").unwrap();
    let without = format!("{}Back \u{a0}\n\nSearch", &text[..cut]);
    let (a, _) = parse_txt(&without);
    assert!(a.sources.is_empty() && a.tags.is_empty());
    assert_eq!(a.body.split("\n\n").count(), 6);

    let no_tags = text.replace("Tags: Zelensky, China, Russia, Ukraine", "");
    let (a, _) = parse_txt(&no_tags);
    assert!(a.tags.is_empty());
    assert_eq!(a.sources.len(), 4);

    let no_sources = text.replace("Sources:", "").replace("  • ", "");
    let (a, _) = parse_txt(&no_sources);
    assert!(a.sources.is_empty());
    assert_eq!(a.tags.len(), 4);
}

#[test]
fn multi_word_tags() {
    let text = seed_text()
        .replace("Tags: Zelensky, China, Russia, Ukraine", "Tags: European Union, Keith  Kellogg, G20");
    let (a, _) = parse_txt(&text);
    assert_eq!(a.tags, ["European Union", "Keith Kellogg", "G20"].map(Tag::new));
    assert!(a.has_tag("european union"));
}

#[test]
fn bom_crlf_blank_lines_and_trailing_spaces_change_nothing() {
    let (want, _) = parse_txt(&seed_text());
    let messy = seed_text()
        .lines()
        .map(|l| format!("{l}  \t"))
        .collect::<Vec<_>>()
        .join("\r\n\r\n")
        .replace("Tags:", "\r\n\r\nTags:");
    for text in [
        format!("\u{feff}{}", seed_text()),
        seed_text().replace('\n', "\r\n"),
        format!("\n\n{messy}\r\n\r\n"),
    ] {
        let (a, parsed) = parse_txt(&text);
        assert!(parsed.warnings.is_empty());
        assert_eq!(a, want);
    }
}

#[test]
fn without_the_header_line_first_line_is_title_rest_is_body() {
    let (a, _) = parse_txt(
        "  Markets calm after the vote \n\nStocks rose on Monday.\nBonds were flat.\n\n\nAnalysts expect more.\n",
    );
    assert_eq!(a.title, "Markets calm after the vote");
    assert_eq!(a.body, "Stocks rose on Monday.\nBonds were flat.\n\nAnalysts expect more.");
    assert_eq!((a.section, a.date, a.views), (None, None, None));
}

#[test]
fn title_only() {
    let (a, _) = parse_txt("Just a headline");
    assert_eq!((a.title.as_str(), a.body.as_str()), ("Just a headline", ""));
}
