//! How the benches read a `queries.jsonl` row's query text, shared by `queries` and `serve` so
//! that the library and the HTTP API are timed on exactly the same queries.

use serde_json::Value;

/// The query newsearch runs for a row: its words with punctuation dropped (upper-case `OR`,
/// `AND` and `NOT` lowercased: they are operators in newsearch's syntax, and the analyzer
/// lowercases anyway), quoted as a phrase when the row is a phrase query. Errors name the line.
pub fn query_text(line_no: usize, row: &Value) -> Result<String, String> {
    let at = |what: &str| format!("queries line {line_no}: {what}");
    let q = row.get("q").and_then(Value::as_str).ok_or_else(|| at("no \"q\" string"))?;
    let kind = row.get("kind").and_then(Value::as_str).unwrap_or("");
    let trimmed = q.trim();
    let phrase =
        kind == "phrase" || (trimmed.len() >= 2 && trimmed.starts_with('"') && trimmed.ends_with('"'));
    let words: Vec<String> = q
        .chars()
        .map(|c| if c.is_alphanumeric() || c.is_whitespace() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .map(|w| if matches!(w, "OR" | "AND" | "NOT") { w.to_lowercase() } else { w.to_owned() })
        .collect();
    if words.is_empty() {
        return Err(at(&format!("no words in {q:?}")));
    }
    let joined = words.join(" ");
    Ok(if phrase { format!("\"{joined}\"") } else { joined })
}
