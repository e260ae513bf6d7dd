//! Markdown notes (`.md`, `.markdown`) with YAML (`---`) or TOML (`+++`) front matter.
//!
//! Front matter carries the same keys as JSON records. The body is the Markdown reduced to
//! the text a reader sees: link text without its URL, no emphasis markers, no HTML, one
//! paragraph per block. Without a `title` key, a leading heading (or else the first block)
//! becomes the title.

use pulldown_cmark::{Event, Options, Parser, Tag as MdTag, TagEnd};
use serde_json::{Map, Value};

use super::Parsed;
use rustc_hash::FxHashMap;

use super::record::{Source, article_from_object, kind_of};
use crate::error::{Error, Result, WarningKind};

pub(super) fn parse(text: &str, src: &Source<'_>, out: &mut Parsed) -> Result<()> {
    let (front, matter, body_text) = split_front_matter(text, src)?;
    let mut blocks = to_blocks(body_text);
    let mut front = front.unwrap_or_default();
    // Warnings about a front matter key point at its line.
    let key_lines = key_lines(matter);
    let src = &Source { key_lines: Some(&key_lines), ..*src };
    let title = front.get("title").or_else(|| front.get("headline")).filter(|v| !v.is_null());
    let has_title = match title {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Number(_)) => true,
        // A list or a table is no title: say so, and fall back to the first heading.
        Some(other) => {
            let key = if front.contains_key("title") { "title" } else { "headline" };
            let reason = format!("expected text, found {}; the first heading is the title", kind_of(other));
            let kind = WarningKind::IgnoredValue { field: key.to_owned(), reason };
            out.warnings.push(src.warn(src.line_of(key, None), kind));
            front.remove("title");
            front.remove("headline");
            false
        }
        None => false,
    };
    if !has_title && !blocks.is_empty() {
        front.insert("title".into(), Value::String(blocks.remove(0)));
    }
    let body = blocks.join("\n\n");
    let article = article_from_object(&front, src, None, None, Some(body), &mut out.warnings)?;
    out.articles.push(article);
    Ok(())
}

/// Splits off the front matter, parsed to a map, and returns the Markdown after it.
type FrontMatter<'t> = (Option<Map<String, Value>>, &'t str, &'t str);

/// The front matter parsed to a map, its text, and the Markdown after it.
fn split_front_matter<'t>(text: &'t str, src: &Source<'_>) -> Result<FrontMatter<'t>> {
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or("").trim_end();
    let (fence, is_toml) = match first_line {
        "---" => ("---", false),
        "+++" => ("+++", true),
        _ => return Ok((None, "", text)),
    };
    let after_open = &text[text.find('\n').map_or(text.len(), |i| i + 1)..];
    // The closing fence is the first line that is exactly the fence (YAML may also close with `...`).
    let mut offset = 0;
    let mut close = None;
    for line in after_open.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == fence || (!is_toml && trimmed == "...") {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let kind = if is_toml { "TOML" } else { "YAML" };
    let Some((end, rest_start)) = close else {
        return Err(Error::malformed(
            src.path,
            Some(1),
            format!("{kind} front matter is not closed by `{fence}`"),
        ));
    };
    let matter = &after_open[..end];
    // Front matter starts on line 2 of the file.
    let map = if is_toml { toml_map(matter, src)? } else { yaml_map(matter, src)? };
    Ok((Some(map), matter, &after_open[rest_start..]))
}

/// The 1-based file line of each top-level key in front matter `matter` (which starts on
/// line 2): `key:` in YAML, `key =` in TOML.
fn key_lines(matter: &str) -> FxHashMap<String, usize> {
    let mut out = FxHashMap::default();
    for (i, line) in matter.lines().enumerate() {
        if line.starts_with(char::is_whitespace) {
            continue;
        }
        if let Some(end) = line.find([':', '=']) {
            let key = line[..end].trim().trim_matches(['"', '\'']);
            if !key.is_empty() {
                out.entry(key.to_owned()).or_insert(i + 2);
            }
        }
    }
    out
}

fn yaml_map(matter: &str, src: &Source<'_>) -> Result<Map<String, Value>> {
    if matter.trim().is_empty() {
        return Ok(Map::new());
    }
    let value: Value = serde_yaml_ng::from_str(matter).map_err(|e| {
        let line = e.location().map(|l| l.line() + 1);
        Error::malformed(
            src.path,
            line,
            format!("malformed YAML front matter: {}", first_clause(&e.to_string())),
        )
    })?;
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        _ => Err(Error::malformed(src.path, Some(2), "YAML front matter is not a mapping of keys to values")),
    }
}

fn toml_map(matter: &str, src: &Source<'_>) -> Result<Map<String, Value>> {
    let table: toml::Table = toml::from_str(matter).map_err(|e| {
        let line = e.span().map(|s| matter[..s.start.min(matter.len())].matches('\n').count() + 2);
        Error::malformed(src.path, line, format!("malformed TOML front matter: {}", e.message()))
    })?;
    Ok(table.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        // TOML dates are native values; their text form is RFC 3339-like, which dates parse.
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

/// serde_yaml_ng's messages end in " at line L column C"; the line is in our prefix.
fn first_clause(msg: &str) -> &str {
    msg.split(" at line ").next().unwrap_or(msg)
}

/// Markdown to plain-text blocks (paragraphs, headings, list items, code blocks).
fn to_blocks(markdown: &str) -> Vec<String> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES;
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut in_image = 0usize;
    let flush = |current: &mut String, blocks: &mut Vec<String>| {
        let text = current.trim();
        if !text.is_empty() {
            blocks.push(text.to_owned());
        }
        current.clear();
    };
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(MdTag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            _ if in_image > 0 => {}
            Event::Text(t) | Event::Code(t) => current.push_str(&t),
            Event::SoftBreak => current.push(' '),
            Event::HardBreak => current.push('\n'),
            Event::Start(MdTag::Item) | Event::End(TagEnd::Item) => flush(&mut current, &mut blocks),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::BlockQuote(_),
            ) => flush(&mut current, &mut blocks),
            Event::End(TagEnd::TableCell) => current.push(' '),
            // HTML, rules, footnote markers and the like carry no article text.
            _ => {}
        }
    }
    flush(&mut current, &mut blocks);
    blocks
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::Tag;
    use crate::parse::{Format, parse_bytes};

    fn parse_md(text: &str) -> Result<Parsed> {
        parse_bytes(text.as_bytes(), Format::Markdown, Path::new("n.md"), "n.md")
    }

    #[test]
    fn yaml_front_matter_and_markup_reduced_to_text() {
        let text = "---\ntitle: \"Kellogg in Kyiv\"\ndate: 2025-02-21\ntags: [Ukraine, US]\nviews: 12\ncategory: World\n---\n\
                    The **envoy** met [Zelensky](https://example.org/z) in _Kyiv_.\nSecond line.\n\n\
                    ## Background\n\n- one\n- two\n\n![photo](p.jpg)\n<div>html</div>\n";
        let a = &parse_md(text).unwrap().articles[0];
        assert_eq!(a.title, "Kellogg in Kyiv");
        assert_eq!(a.body, "The envoy met Zelensky in Kyiv. Second line.\n\nBackground\n\none\n\ntwo");
        assert_eq!(a.tags, vec![Tag::new("Ukraine"), Tag::new("US")]);
        assert_eq!(a.views, Some(12));
        assert_eq!(a.section.as_deref(), Some("World"));
        assert_eq!(a.date.unwrap().to_rfc3339(), "2025-02-21T00:00:00+00:00");
    }

    #[test]
    fn toml_front_matter_with_native_date() {
        let text = "+++\ntitle = \"T\"\ndate = 2025-02-21T08:37:00Z\ntags = \"a, b\"\n+++\nBody *text*.\n";
        let a = &parse_md(text).unwrap().articles[0];
        assert_eq!(a.title, "T");
        assert_eq!(a.body, "Body text.");
        assert_eq!(a.date.unwrap().to_rfc3339(), "2025-02-21T08:37:00+00:00");
        assert_eq!(a.tags.len(), 2);
    }

    #[test]
    fn without_front_matter_the_heading_is_the_title() {
        let a = &parse_md("# Big *news*\n\nIt happened.").unwrap().articles[0];
        assert_eq!((a.title.as_str(), a.body.as_str()), ("Big news", "It happened."));
    }

    #[test]
    fn malformed_front_matter_names_the_line() {
        let err = parse_md("---\ntitle: ok\ntags: [a, b\nviews: 3\n---\nbody").unwrap_err();
        assert!(err.to_string().starts_with("n.md: line "), "{err}");
        assert!(err.to_string().contains("malformed YAML front matter"), "{err}");
        let err = parse_md("+++\ntitle = \"T\"\nviews = = 3\n+++\nbody").unwrap_err();
        assert_eq!(err.line(), Some(3), "{err}");
        assert!(err.to_string().contains("malformed TOML front matter"), "{err}");
        let err = parse_md("---\ntitle: never closed\n").unwrap_err();
        assert!(err.to_string().contains("not closed"), "{err}");
    }
}
