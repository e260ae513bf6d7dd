//! Integration tests for the newsearch library, on the fixtures under `tests/fixtures`.

mod bad_input;
mod properties;
mod seed;
mod txt_variants;

use std::path::{Path, PathBuf};

use newsearch::{Article, Format, Parsed, parse_bytes};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn seed_text() -> String {
    std::fs::read_to_string(fixture("seed-article.txt")).expect("seed fixture")
}

/// Parses `text` as one txt file and returns its only article.
pub fn parse_txt(text: &str) -> (Article, Parsed) {
    let mut parsed = parse_bytes(text.as_bytes(), Format::Txt, Path::new("t.txt"), "t.txt").expect("parses");
    assert_eq!(parsed.articles.len(), 1);
    (parsed.articles.remove(0), parsed)
}
