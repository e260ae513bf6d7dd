//! Any text as an article date, in every format that carries one, and as a `--since` period:
//! a date is either stored exactly (to the second) or dropped with a warning, never shifted to
//! another instant, and a period is either refused or reaches dates an index can hold.
#![no_main]

use std::path::Path;
use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use newsearch::{Article, Format, Index, IndexOptions, IndexWriter, Period, parse_bytes, parse_date, storable_dates};

/// One in-memory index and its writer for the whole run (a writer per input costs more than
/// the check).
fn state() -> &'static (&'static Index, Mutex<IndexWriter<'static>>) {
    static STATE: OnceLock<(&'static Index, Mutex<IndexWriter<'static>>)> = OnceLock::new();
    STATE.get_or_init(|| {
        let index: &'static Index = Box::leak(Box::new(Index::in_memory(&IndexOptions::new()).expect("index")));
        (index, Mutex::new(index.writer().expect("writer")))
    })
}

fn check(article: &Article, written: &str) {
    if let Some(date) = article.date {
        assert!(storable_dates().contains(&date), "{written:?} kept as {date}, outside what an index holds");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.contains(['\n', '\r']) {
        return;
    }
    let parsed = parse_date(text);

    // JSON: a string date, and the same text as a Unix time when it is a number.
    let json = serde_json_string(text);
    let record = format!("{{\"title\": \"t\", \"date\": {json}}}");
    if let Ok(p) = parse_bytes(record.as_bytes(), Format::Json, Path::new("f.json"), "f.json") {
        for a in &p.articles {
            check(a, text);
            if let Some(d) = parsed {
                let want = storable_dates().contains(&d).then_some(d);
                assert_eq!(a.date, want, "{text:?}");
            }
        }
    }
    if text.trim().parse::<i64>().is_ok() {
        let record = format!("{{\"title\": \"t\", \"date\": {}}}", text.trim());
        if let Ok(p) = parse_bytes(record.as_bytes(), Format::Json, Path::new("f.json"), "f.json") {
            p.articles.iter().for_each(|a| check(a, text));
        }
    }
    // The scraped-page header and Markdown front matter.
    let page = format!("T\n\nWorld | {text}|\u{a0} 3 views\n\nBody.");
    if let Ok(p) = parse_bytes(page.as_bytes(), Format::Txt, Path::new("f.txt"), "f.txt") {
        p.articles.iter().for_each(|a| check(a, text));
    }
    let note = format!("---\ntitle: t\ndate: {json}\n---\nBody.");
    if let Ok(p) = parse_bytes(note.as_bytes(), Format::Markdown, Path::new("f.md"), "f.md") {
        p.articles.iter().for_each(|a| check(a, text));
    }

    // Stored and read back: the same instant, to the second; refused when out of range.
    if let Some(d) = parsed {
        let mut a = Article::new("d", "d.txt", "t");
        a.date = Some(d);
        let (index, writer) = state();
        let mut w = writer.lock().unwrap_or_else(|e| e.into_inner());
        match w.add(&a) {
            Ok(()) => {
                assert!(storable_dates().contains(&d), "{d} accepted");
                w.commit().expect("commit");
                let back = index.get(&"d".into()).expect("get").expect("stored").date.expect("dated");
                assert_eq!(back.timestamp(), d.timestamp(), "{text:?} stored as {back}");
            }
            Err(_) => assert!(!storable_dates().contains(&d), "{d} refused"),
        }
    }

    // A period is refused, or reaches into the storable range.
    let now = "2026-01-01T00:00:00Z".parse().expect("now");
    if let Ok(p) = Period::parse(text, now) {
        assert!(p.start() <= p.end());
        let range = storable_dates();
        assert!(p.start() <= *range.end() && p.end() >= *range.start(), "{text:?} → {p:?}");
    }
});

/// `text` as a JSON string literal.
fn serde_json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
