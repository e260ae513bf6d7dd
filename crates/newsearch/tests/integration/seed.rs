//! The reference page, field by field.

use chrono::{TimeZone, Utc};
use newsearch::Tag;

use crate::{parse_txt, seed_text};

#[test]
fn seed_article_parses_exactly() {
    let (a, parsed) = parse_txt(&seed_text());
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(a.title, "Zelensky Pushes for US Security Deal While Russia Seeks to Align China on Ukraine");
    assert_eq!(a.section.as_deref(), Some("Ukraine"));
    assert_eq!(a.date, Some(Utc.with_ymd_and_hms(2025, 2, 21, 8, 37, 0).unwrap()));
    assert_eq!(a.views, None, "the count is empty after the no-break space");
    let tags: Vec<Tag> = ["Zelensky", "China", "Russia", "Ukraine"].map(Tag::new).into();
    assert_eq!(a.tags, tags);
    assert_eq!(a.sources, ["Ukrainska Pravda", "ISW", "Reuters", "\"X\""]);
    assert_eq!(a.url, None);
    assert_eq!(a.id.as_str(), "t.txt");
}

#[test]
fn seed_body_is_the_six_paragraphs_and_nothing_else() {
    let (a, _) = parse_txt(&seed_text());
    let paragraphs: Vec<&str> = a.body.split("\n\n").collect();
    assert_eq!(paragraphs.len(), 6);
    assert!(paragraphs[0].starts_with(
        "Ukrainian President Volodymyr Zelensky described his recent meeting with Keith Kellogg"
    ));
    assert!(paragraphs[2].contains("£3 billion"));
    assert!(paragraphs[5].ends_with("gaining new combat experience in the process."));
    for chrome in ["Sources:", "Tags:", "Back", "Related Articles", "Search", "•", "Ukrainska Pravda"] {
        assert!(!a.body.contains(chrome), "body contains {chrome:?}");
    }
    assert!(paragraphs.iter().all(|p| !p.contains('\n') && p.trim() == *p));
}
