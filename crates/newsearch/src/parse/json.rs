//! JSON (`.json`: one object or an array) and JSON Lines (`.jsonl`, `.ndjson`).
//!
//! A malformed JSON file has nothing trustworthy in it and fails whole, with the line and
//! column serde_json stopped at. JSON Lines is different: each line stands alone, so a bad
//! line is reported with its number and only that record is lost.

use serde_json::Value;

use super::Parsed;
use super::record::{Source, article_from_object, record_label};
use crate::error::{Error, Result};

pub(super) fn parse_json(text: &str, src: &Source<'_>, out: &mut Parsed) -> Result<()> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        Error::malformed(src.path, Some(e.line()), format!("malformed JSON: {}", strip_position(&e)))
    })?;
    match value {
        Value::Object(obj) => {
            let article = article_from_object(&obj, src, None, None, None, &mut out.warnings)?;
            out.articles.push(article);
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let ordinal = Some(i + 1);
                let result = match item {
                    Value::Object(obj) => {
                        article_from_object(obj, src, ordinal, None, None, &mut out.warnings)
                    }
                    _ => Err(Error::malformed(src.path, None, record_label(ordinal, "is not a JSON object"))),
                };
                push(out, result);
            }
        }
        _ => {
            return Err(Error::malformed(src.path, None, "expected a JSON object or an array of objects"));
        }
    }
    Ok(())
}

pub(super) fn parse_json_lines(text: &str, src: &Source<'_>, out: &mut Parsed) {
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let result = parse_json_line(line, n, src, &mut out.warnings);
        push(out, result);
    }
}

/// Line `n` of a JSON Lines file (not blank): one record. Shared with the streaming reader,
/// so a file read whole and one read as a stream give the same articles and messages.
pub(super) fn parse_json_line(
    line: &str,
    n: usize,
    src: &Source<'_>,
    warnings: &mut Vec<crate::Warning>,
) -> Result<crate::Article> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(obj)) => article_from_object(&obj, src, Some(n), Some(n), None, warnings),
        Ok(_) => Err(Error::malformed(src.path, Some(n), "expected a JSON object")),
        Err(e) => Err(Error::malformed(src.path, Some(n), format!("malformed JSON: {}", strip_position(&e)))),
    }
}

fn push(out: &mut Parsed, result: Result<crate::Article>) {
    match result {
        Ok(article) => out.articles.push(article),
        Err(e) => out.errors.push(e),
    }
}

/// serde_json appends "at line L column C"; the line goes in our own prefix, the column stays.
pub(super) fn strip_position(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.rfind(" at line ") {
        Some(at) if e.column() > 0 => format!("{} at column {}", &msg[..at], e.column()),
        Some(at) => msg[..at].to_owned(),
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::parse::{Format, parse_bytes};

    fn parse(text: &str, format: Format) -> Result<Parsed> {
        parse_bytes(text.as_bytes(), format, Path::new("x.json"), "x.json")
    }

    #[test]
    fn one_object_gets_the_file_id() {
        let p = parse(r#"{"title": "T", "text": "B", "tags": ["Ukraine"]}"#, Format::Json).unwrap();
        assert_eq!(p.articles.len(), 1);
        assert_eq!(p.articles[0].id.as_str(), "x.json");
        assert_eq!(p.articles[0].body, "B");
    }

    #[test]
    fn arrays_number_their_records_and_keep_good_ones() {
        let p = parse(r#"[{"title": "A"}, 7, {"title": "C", "id": "own"}]"#, Format::Json).unwrap();
        let ids: Vec<_> = p.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["x.json#1", "own"]);
        assert_eq!(p.errors[0].to_string(), "x.json: record 2 is not a JSON object");
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let err = parse("{\n  \"title\": \"T\",\n  oops\n}", Format::Json).unwrap_err();
        assert_eq!(err.line(), Some(3));
        assert!(
            err.to_string().starts_with("x.json: line 3: malformed JSON: key must be a string at column 3"),
            "{err}"
        );
        assert!(parse("\"just a string\"", Format::Json).is_err());
    }

    #[test]
    fn a_bad_jsonl_line_loses_only_its_record() {
        let text = "{\"title\": \"one\"}\n\n{\"title\": \"two\"\n[1]\n{\"title\": \"four\"}\n";
        let p = parse(text, Format::JsonLines).unwrap();
        let ids: Vec<_> = p.articles.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["x.json#1", "x.json#5"]);
        let lines: Vec<_> = p.errors.iter().map(|e| e.line()).collect();
        assert_eq!(lines, [Some(3), Some(4)]);
        assert!(
            p.errors[0].to_string().starts_with("x.json: line 3: malformed JSON: EOF"),
            "{}",
            p.errors[0]
        );
    }

    #[test]
    fn crlf_jsonl_is_fine() {
        let p = parse("{\"title\": \"a\"}\r\n{\"title\": \"b\"}\r\n", Format::JsonLines).unwrap();
        assert_eq!(p.articles.len(), 2);
        assert!(p.errors.is_empty());
    }
}
