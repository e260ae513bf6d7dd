//! Properties over generated input: parsers never panic, and txt rendering round-trips.

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use newsearch::{Article, Format, Tag, parse_bytes, render_txt};
use proptest::prelude::*;

/// Pieces of every format's syntax, so generated input reaches past the first check.
fn syntax_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("---\n".to_owned()),
        Just("+++\n".to_owned()),
        Just("title: x\n".to_owned()),
        Just("title = \"x\"\n".to_owned()),
        Just(" | February 21, 2025, Friday // 08:37|\u{a0} 1,523 views\n".to_owned()),
        Just("Sources:\n  • X\n".to_owned()),
        Just("Tags: a, b\n".to_owned()),
        Just("Back \u{a0}\n» Related Articles:\nSearch".to_owned()),
        Just("{\"title\": \"t\", \"tags\": [1, null, {}], \"views\": \"1,2\", \"date\": 1e400}\n".to_owned()),
        Just("[{\"body\": \"b\"}, 3, []]".to_owned()),
        Just("# Heading\n\n**b** [l](u) ![i](j)\n".to_owned()),
        Just("<html><head><title>Story | Site</title><meta charset=\"windows-1251\">".to_owned()),
        Just("<meta property=\"article:tag\" content=\"t\"><link rel=canonical href=u>".to_owned()),
        Just("<script type=\"application/ld+json\">{\"@graph\": [{\"@type\": [\"NewsArticle\"], \"headline\": 1, \"keywords\": [\"a\", {}], \"datePublished\": \"0001-01-01\"}]}</script>".to_owned()),
        Just("<div class=\"share\"><p>text <b>bold<figure><figcaption>c</figcaption></figure>".to_owned()),
        Just("</div></p><!-- x --><br/><svg><title>".to_owned()),
        Just("\r\n".to_owned()),
        "\\PC{0,12}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        for format in Format::ALL {
            let _ = parse_bytes(&bytes, format, Path::new("fuzz"), "fuzz");
        }
    }

    #[test]
    fn parsers_never_panic_on_near_valid_text(text in syntax_soup()) {
        for format in Format::ALL {
            let _ = parse_bytes(text.as_bytes(), format, Path::new("fuzz"), "fuzz");
        }
    }

    #[test]
    fn rendered_articles_parse_back_unchanged(article in arb_article()) {
        let text = render_txt(&article);
        let parsed = parse_bytes(text.as_bytes(), Format::Txt, Path::new("a.txt"), "a.txt").unwrap();
        prop_assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        prop_assert_eq!(parsed.articles.len(), 1);
        prop_assert_eq!(&parsed.articles[0], &article, "rendered as:\n{}", text);
    }
}

fn word() -> impl Strategy<Value = String> {
    "[\\p{L}\\p{N}][\\p{L}\\p{N}'’£€.,()-]{0,9}"
}

fn words(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(word(), 1..=max).prop_map(|w| w.join(" "))
}

fn line() -> impl Strategy<Value = String> {
    // Lines that are exactly page chrome cannot be body text in this layout.
    words(8).prop_filter("page chrome", |l| l != "Back" && l != "Search")
}

fn body() -> impl Strategy<Value = String> {
    let paragraph = prop::collection::vec(line(), 1..3).prop_map(|l| l.join("\n"));
    prop::collection::vec(paragraph, 0..5).prop_map(|p| p.join("\n\n"))
}

fn date() -> impl Strategy<Value = DateTime<Utc>> {
    // The layout has minute precision; four-digit years.
    (1900i64..2100, 0i64..365 * 24 * 60).prop_map(|(year, minutes)| {
        Utc.with_ymd_and_hms(year as i32, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
    })
}

fn arb_article() -> impl Strategy<Value = Article> {
    let tag = words(3).prop_map(|t| t.replace(',', ""));
    (
        words(10),
        body(),
        prop::option::of(words(3).prop_map(|s| s.replace(',', ""))),
        prop::option::of(date()),
        prop::option::of(any::<u64>()),
        prop::collection::vec(tag, 0..5),
        prop::collection::vec(words(4), 0..4),
    )
        .prop_map(|(title, body, section, date, views, tags, sources)| {
            let mut a = Article::new("a.txt", "a.txt", title);
            a.body = body;
            a.section = section.filter(|s| !s.trim().is_empty());
            a.date = date;
            a.views = views;
            for t in tags {
                a.push_tag(Tag::new(&t));
            }
            a.sources = sources;
            a
        })
}

fn query_soup() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("\"".to_owned()),
        Just(" OR ".to_owned()),
        Just(" AND ".to_owned()),
        Just(" NOT ".to_owned()),
        Just("-".to_owned()),
        Just("+".to_owned()),
        Just("*".to_owned()),
        Just("~2".to_owned()),
        Just("title:".to_owned()),
        Just("tag:".to_owned()),
        Just("section:".to_owned()),
        Just("bogus:".to_owned()),
        Just(" ".to_owned()),
        Just("Kellogg".to_owned()),
        Just("k".to_owned()),
        Just("£".to_owned()),
        "\\PC{0,6}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_query_text_gives_results_or_a_clear_error(text in query_soup(), fuzzy in any::<bool>()) {
        let index = query_index();
        match index.search(&newsearch::Query::new(text.as_str()).fuzzy(fuzzy)) {
            Ok(results) => prop_assert!(results.hits.len() <= results.total),
            Err(newsearch::Error::QuerySyntax { column, .. }) => {
                prop_assert!(column >= 1 && column <= text.chars().count() + 1)
            }
            Err(newsearch::Error::NothingSearchable { query, .. }) => prop_assert_eq!(query, text),
            Err(other) => prop_assert!(false, "unexpected error for {:?}: {}", text, other),
        }
    }
}

fn query_index() -> &'static newsearch::Index {
    static INDEX: std::sync::OnceLock<newsearch::Index> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut a = Article::new("a", "a.txt", "Kellogg meets Zelensky");
        a.body = "The envoy met the president in Kyiv.".into();
        a.push_tag(Tag::new("Ukraine"));
        crate::index_of(&[a], newsearch::Stemming::English)
    })
}
