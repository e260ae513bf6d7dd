//! The small archive the browser test searches: seven articles over six months, in two
//! formats, one of them hostile.

use std::fs;
use std::path::Path;

/// Articles in the archive.
pub const TOTAL: u64 = 7;
/// The query the test types, and how many articles it matches (every ferry story).
pub const QUERY: &str = "ferry";
pub const QUERY_HITS: u64 = 5;
/// A tag two of the ferry stories carry: clicking its facet narrows 5 results to 2.
pub const NARROWING_TAG: &str = "Strikes";
pub const NARROWING_TAG_HITS: u64 = 2;
/// The hostile article: markup in its title and in one of its tags, found by `HOSTILE_QUERY`.
pub const HOSTILE_TITLE_MARKUP: &str = r#"<script>alert("title")</script>"#;
pub const HOSTILE_TAG: &str = "<script>alert('tag')</script>";
pub const HOSTILE_QUERY: &str = "sabotage";

/// Writes the archive into `dir`: a JSON Lines file (ids `news.jsonl#N`, so they hold a `#`)
/// and a Markdown file in a subfolder (id `2025/06/festival.md`, with `/`).
pub fn write_archive(dir: &Path) {
    let records = [
        serde_json::json!({
            "title": "Ferry Strike Halts Island Crossings",
            "body": "Crews walked out at dawn and no ferry left the mainland.\n\nIslanders queued at the quay for news of the strike.",
            "section": "Transport", "tags": ["Ferries", "Strikes"],
            "date": "2025-01-14T07:30:00Z", "views": 1200,
        }),
        serde_json::json!({
            "title": "Ferry Operators Offer Crews a Pay Deal",
            "body": "The ferry operators put a two-year pay offer to the crews to end the strike.",
            "section": "Transport", "tags": ["Ferries", "Strikes", "Labour"],
            "date": "2025-02-03T12:00:00Z", "views": 800,
        }),
        serde_json::json!({
            "title": "New Ferry Terminal Opens in the North Harbour",
            "body": "The terminal has two berths, a waiting hall and a bus stop.\n\nThe first ferry docked at noon.",
            "section": "Transport", "tags": ["Ferries", "Infrastructure"],
            "date": "2025-03-22T10:00:00Z", "views": 450,
            "sources": ["Harbour Authority"], "url": "https://example.org/terminal",
        }),
        serde_json::json!({
            "title": "Ferry Timetable Cut as Fuel Costs Rise",
            "body": "Evening sailings are dropped until the price of fuel falls; each ferry now makes four crossings a day.",
            "section": "Economy", "tags": ["Ferries", "Energy"],
            "date": "2025-04-09T09:15:00Z", "views": 300,
        }),
        serde_json::json!({
            "title": "Museum Reopens After Roof Repairs",
            "body": "The maritime museum reopened its doors after a year of work on the roof.",
            "section": "Culture", "tags": ["Museums"],
            "date": "2025-05-17T15:00:00Z", "views": 90,
        }),
        serde_json::json!({
            "title": format!("{HOSTILE_TITLE_MARKUP} Ferry Sabotage Claim Investigated"),
            "body": "Police are looking into a claim of sabotage on a ferry engine. <img src=x onerror=alert(2)>",
            "section": "Transport", "tags": [HOSTILE_TAG, "Ferries"],
            "date": "2025-06-02T18:45:00Z", "views": 60,
        }),
    ];
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    fs::create_dir_all(dir.join("2025/06")).unwrap();
    fs::write(dir.join("news.jsonl"), lines.join("\n") + "\n").unwrap();
    fs::write(
        dir.join("2025/06/festival.md"),
        "---\ntitle: Council Approves the Summer Festival Budget\nsection: Culture\n\
         tags: [Festivals, Budget]\ndate: 2025-06-20T11:00:00Z\nviews: 150\n---\n\n\
         The council set aside money for three days of concerts on the waterfront.\n",
    )
    .unwrap();
}
