//! Any text as a query (plain and fuzzy) and as a date: an answer or a clear error, never a
//! panic, a hang or unbounded memory.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use newsearch::{Article, Index, IndexOptions, Period, Query, Tag};

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = Index::in_memory(&IndexOptions::new()).expect("index");
        let mut writer = index.writer().expect("writer");
        let texts = [
            ("Kellogg meets Zelensky in Kyiv", "The envoy met the president. Russia’s G20 £3 billion café."),
            ("Markets rally", "Stocks rose; PFE.N and facebook.com gained 3.5%."),
            ("Café owners", "Paris café owners protest rent rises in the 11th arrondissement."),
        ];
        for (i, (title, body)) in texts.iter().enumerate() {
            let mut a = Article::new(format!("a{i}"), format!("a{i}.txt"), *title);
            a.body = (*body).to_owned();
            a.tags.push(Tag::new("Ukraine"));
            writer.add(&a).expect("add");
        }
        writer.commit().expect("commit");
        drop(writer);
        index
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let index = index();
    let _ = index.search(&Query::new(text.as_ref()));
    let _ = index.search(&Query::new(text.as_ref()).fuzzy(true).tag(text.as_ref()));
    let _ = text.parse::<Period>();
});
