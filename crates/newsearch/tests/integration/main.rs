//! Integration tests for the newsearch library, on the fixtures under `tests/fixtures`.

mod bad_input;
mod concurrency;
mod embedding;
mod explore;
mod export;
mod html;
mod incremental;
mod no_abort;
mod oracle;
mod paging;
mod properties;
mod search;
mod seed;
mod stats;
mod trust;
mod txt_variants;
mod watch;

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

/// An in-memory index holding `articles`.
pub fn index_of(articles: &[Article], stemming: newsearch::Stemming) -> newsearch::Index {
    let index =
        newsearch::Index::in_memory(&newsearch::IndexOptions::new().stemming(stemming)).expect("index");
    let mut writer =
        index.writer_with(&newsearch::WriterOptions::new().memory_budget(32 << 20)).expect("writer");
    for a in articles {
        writer.add(a).expect("add");
    }
    writer.commit().expect("commit");
    drop(writer);
    index
}

/// An article with the given id, title, body and tags.
pub fn article(id: &str, title: &str, body: &str, tags: &[&str]) -> Article {
    let mut a = Article::new(id, format!("{id}.txt"), title);
    a.body = body.to_owned();
    for t in tags {
        a.push_tag(newsearch::Tag::new(t));
    }
    a
}
