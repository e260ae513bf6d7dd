//! Bad files: each gives a clear error naming the file, and nothing else is lost.

use newsearch::{Error, ParseOptions, WalkOptions, WarningKind, parse_files, walk};

use crate::fixture;

#[test]
fn every_bad_fixture_is_reported_and_good_records_survive() {
    let dir = fixture("bad");
    let found = walk(&[&dir], &WalkOptions::new());
    assert!(found.errors.is_empty());
    let options = ParseOptions::new();
    let mut titles = Vec::new();
    let mut problems = Vec::new();
    for (file, result) in parse_files(&found.files, &options) {
        match result {
            Ok(parsed) => {
                titles.extend(parsed.articles.iter().map(|a| a.title.clone()));
                problems.extend(parsed.errors.iter().map(|e| (file.id_base.clone(), e.to_string())));
                problems.extend(parsed.warnings.iter().map(|w| (file.id_base.clone(), w.to_string())));
            }
            Err(e) => {
                assert_eq!(e.path(), Some(file.path.as_path()), "errors name their file");
                problems.push((file.id_base.clone(), e.to_string()));
            }
        }
    }
    assert_eq!(titles, ["Café owners protest rent rises", "First record", "Third record"]);
    let messages: Vec<String> = problems
        .iter()
        .map(|(id, msg)| format!("{id} => {}", msg.rsplit_once("bad/").map_or(msg.as_str(), |(_, m)| m)))
        .collect();
    let expect = [
        "bad-toml.md => bad-toml.md: line 3: malformed TOML front matter",
        "bad-yaml.md => bad-yaml.md: line ",
        "binary.txt => binary.txt: binary file (contains NUL bytes), not an article",
        "cp1252.txt => cp1252.txt: not valid UTF-8; decoded as Windows-1252",
        "empty.txt => empty.txt: empty file",
        "malformed.json => malformed.json: line 4: malformed JSON: EOF while parsing an object",
        "one-bad-line.jsonl => one-bad-line.jsonl: line 2: malformed JSON",
        "one-bad-line.jsonl => one-bad-line.jsonl: line 3: unreadable date \"Smarch 3\"",
    ];
    assert_eq!(messages.len(), expect.len(), "{messages:#?}");
    for (got, want) in messages.iter().zip(expect) {
        assert!(got.starts_with(want), "{got:?} should start with {want:?}");
    }
}

#[test]
fn windows_1252_keeps_the_accent_and_the_header() {
    let found = walk(&[fixture("bad/cp1252.txt")], &WalkOptions::new());
    let parsed = found.files[0].parse(&ParseOptions::new()).unwrap();
    let a = &parsed.articles[0];
    assert_eq!(a.body, "The café owners of the 11th arrondissement marched on Monday.");
    assert_eq!(a.views, Some(1523));
    assert_eq!(parsed.warnings[0].kind, WarningKind::DecodedAsWindows1252);
}

#[test]
fn oversized_files_are_refused_by_name() {
    let found = walk(&[fixture("seed-article.txt")], &WalkOptions::new());
    let err = found.files[0].parse(&ParseOptions::new().max_file_size(1000)).unwrap_err();
    assert!(matches!(err, Error::TooLarge { limit: 1000, .. }));
    assert!(err.to_string().contains("seed-article.txt: file is "), "{err}");
}

#[test]
fn a_single_50_mb_line_parses_in_bounded_time() {
    let line = "word ".repeat(10 * 1024 * 1024);
    let text = format!("{line}\n\nbody");
    let parsed =
        newsearch::parse_bytes(text.as_bytes(), newsearch::Format::Txt, "big.txt".as_ref(), "big.txt")
            .unwrap();
    assert_eq!(parsed.articles[0].title.len(), line.trim_end().len());
    let jsonl = format!("{{\"title\": \"{}\"}}\n{{\"title\": \"next\"}}\n", "x".repeat(50 << 20));
    let parsed = newsearch::parse_bytes(
        jsonl.as_bytes(),
        newsearch::Format::JsonLines,
        "big.jsonl".as_ref(),
        "big.jsonl",
    )
    .unwrap();
    assert_eq!(parsed.articles.len(), 2);
}
