//! Exports too big to hold at once (JSON Lines, or a JSON array of records), read as a
//! stream of records.
//!
//! Archives often arrive as one export of hundreds of megabytes. Reading such a file whole
//! (and parsing every record before indexing the first) costs memory in proportion to the
//! file; a limit on the file's size refuses it outright, although each of its records is
//! small. Here the file is read in batches of records, each batch parsed on all cores and
//! handed on before the next is read, so memory follows the batch, not the file. The size
//! limit applies to each record instead: an oversized record is reported with its line (or
//! number, in an array) and skipped without being held in memory, and the other records are
//! kept.
//!
//! A JSON array is split into its elements by a scan that follows only strings and
//! brackets; each element is then parsed on its own. What the whole-file reader rejects
//! outright (broken syntax anywhere, text after the array) fails the stream with the same
//! kind of message and its line, so that the file is reported as failed either way.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use rayon::prelude::*;

use serde_json::Value;

use super::json::{parse_json_line, strip_position};
use super::record::{Source, article_from_object, record_label};
use super::{Format, Parsed, SourceFile, open_regular};
use crate::error::{Error, Result, Warning, WarningKind};

/// Lines read before a batch is parsed: large enough to keep every core busy, small enough
/// that a batch costs a few megabytes.
const BATCH_BYTES: usize = 8 << 20;

/// How the records of a streamed file are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One JSON object per line.
    Lines,
    /// One JSON array of objects.
    Array,
}

/// An export being read batch by batch.
pub(crate) struct RecordStream<'a> {
    reader: BufReader<File>,
    path: &'a Path,
    id_base: &'a str,
    layout: Layout,
    /// Largest record accepted, in bytes.
    limit: u64,
    /// Lines: lines read so far (the number of the last one). Array: the line being scanned.
    line: usize,
    /// Array: elements read so far.
    records: usize,
    /// Array: the column being scanned (bytes since the line's start, from 1).
    column: usize,
    /// Array: the opening bracket has been read.
    opened: bool,
    /// A record (or a record's error) has been read: a file with none is empty.
    produced: bool,
    done: bool,
}

/// How `file`'s records can be streamed: JSON Lines by line, a JSON file that holds an array
/// by element; `None` for anything else (one JSON object included).
pub(crate) fn layout_of(file: &SourceFile) -> Result<Option<Layout>> {
    Ok(match file.format {
        Format::JsonLines => Some(Layout::Lines),
        Format::Json if starts_an_array(&file.path)? => Some(Layout::Array),
        _ => None,
    })
}

/// True when the file's first character (after a byte order mark and white space) opens a
/// JSON array.
fn starts_an_array(path: &Path) -> Result<bool> {
    let mut file = open_regular(path)?;
    let mut head = [0u8; 4096];
    let n = file.read(&mut head).map_err(|e| Error::io(path, e))?;
    let head = head[..n].strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head[..n]);
    Ok(head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'['))
}

/// The whole-file hash of `path`, read as a stream: what decides "unchanged" for a file too
/// big to hold.
pub(crate) fn hash_file(path: &Path) -> Result<(u64, u64)> {
    let mut file = open_regular(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            return Ok((hasher.digest(), size));
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
}

impl<'a> RecordStream<'a> {
    /// Opens `path`; records longer than `limit` bytes are reported and skipped.
    pub(crate) fn open(
        path: &'a Path,
        id_base: &'a str,
        layout: Layout,
        limit: u64,
    ) -> Result<RecordStream<'a>> {
        let file = open_regular(path)?;
        Ok(RecordStream {
            reader: BufReader::with_capacity(1 << 20, file),
            path,
            id_base,
            layout,
            limit,
            line: if layout == Layout::Array { 1 } else { 0 },
            records: 0,
            column: 1,
            opened: false,
            produced: false,
            done: false,
        })
    }

    /// The next batch of records, parsed, in file order; `None` at the end of the file. A
    /// file without a record (blank lines, `[]`) is [`Error::EmptyFile`], as when read whole.
    pub(crate) fn next_batch(&mut self) -> Result<Option<Parsed>> {
        let batch = match self.layout {
            _ if self.done => None,
            Layout::Lines => self.next_lines_batch()?,
            Layout::Array => self.next_array_batch()?,
        };
        match batch {
            Some(b) if b.articles.is_empty() && b.errors.is_empty() => Ok(Some(b)),
            Some(b) => {
                self.produced = true;
                Ok(Some(b))
            }
            None if !self.produced => {
                self.produced = true;
                Err(Error::EmptyFile { path: self.path.to_owned() })
            }
            None => Ok(None),
        }
    }

    fn next_lines_batch(&mut self) -> Result<Option<Parsed>> {
        // One buffer for the batch's lines, and where each starts and ends: no allocation per
        // record.
        let mut buf: Vec<u8> = Vec::with_capacity(BATCH_BYTES + (64 << 10));
        let mut lines: Vec<(usize, std::ops::Range<usize>)> = Vec::new();
        let mut too_long: Vec<(usize, u64)> = Vec::new();
        while buf.len() < BATCH_BYTES {
            let start = buf.len();
            match self.read_line(&mut buf)? {
                Line::End => {
                    self.done = true;
                    break;
                }
                Line::TooLong(size) => too_long.push((self.line, size)),
                Line::Read => {
                    // A UTF-8 byte order mark only ever starts the file.
                    let bom = self.line == 1 && buf[start..].starts_with(b"\xEF\xBB\xBF");
                    lines.push((self.line, start + if bom { 3 } else { 0 }..buf.len()));
                }
            }
        }
        if lines.is_empty() && too_long.is_empty() {
            return Ok(None);
        }
        let src = Source { path: self.path, id_base: self.id_base, key_lines: None };
        let results: Vec<Parsed> =
            lines.par_iter().map(|(n, range)| parse_line(&buf[range.clone()], *n, &src)).collect();
        let too_long = too_long.into_iter().map(|(line, size)| (line, None, size));
        Ok(Some(self.gathered(results, too_long)))
    }

    /// A batch's parsed records in file order, then an error for each record over the limit
    /// (line, record number in an array, size).
    fn gathered(
        &self,
        results: Vec<Parsed>,
        too_long: impl Iterator<Item = (usize, Option<usize>, u64)>,
    ) -> Parsed {
        let mut out = Parsed::default();
        for mut one in results {
            out.articles.append(&mut one.articles);
            out.errors.append(&mut one.errors);
            out.warnings.append(&mut one.warnings);
        }
        for (line, record, size) in too_long {
            out.errors.push(Error::RecordTooLarge {
                path: self.path.to_owned(),
                line,
                record,
                size,
                limit: self.limit,
            });
        }
        out
    }

    /// Appends one line to `buf` (without its line ending), holding at most `limit` bytes of it.
    fn read_line(&mut self, buf: &mut Vec<u8>) -> Result<Line> {
        let io = |e| Error::io(self.path, e);
        let start = buf.len();
        let read =
            (&mut self.reader).take(self.limit.saturating_add(1)).read_until(b'\n', buf).map_err(io)?;
        if read == 0 {
            return Ok(Line::End);
        }
        self.line += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
            if buf.len() > start && buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Line::Read);
        }
        if (read as u64) <= self.limit {
            return Ok(Line::Read); // the last line, without a line ending
        }
        // Over the limit: skip to the end of the line without keeping it.
        let mut size = read as u64;
        buf.truncate(start);
        loop {
            let available = self.reader.fill_buf().map_err(|e| Error::io(self.path, e))?;
            if available.is_empty() {
                break;
            }
            match available.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    size += end as u64;
                    self.reader.consume(end + 1);
                    break;
                }
                None => {
                    let n = available.len();
                    size += n as u64;
                    self.reader.consume(n);
                }
            }
        }
        Ok(Line::TooLong(size))
    }
}

/// Array layout.
impl RecordStream<'_> {
    fn next_array_batch(&mut self) -> Result<Option<Parsed>> {
        if !self.opened {
            self.skip_bom()?;
            self.skip_space()?;
            match self.next_byte()? {
                Some(b'[') => self.opened = true,
                _ => return Err(self.malformed("expected a JSON array of objects")),
            }
            self.skip_space()?;
            if self.peek()? == Some(b']') {
                self.next_byte()?;
                self.finish()?;
                return Ok(None);
            }
        }
        let mut buf: Vec<u8> = Vec::with_capacity(BATCH_BYTES + (64 << 10));
        // (record number, line it starts on, column, bytes)
        let mut records: Vec<(usize, usize, usize, std::ops::Range<usize>)> = Vec::new();
        let mut too_long: Vec<(usize, usize, u64)> = Vec::new();
        while buf.len() < BATCH_BYTES && !self.done {
            self.skip_space()?;
            self.records += 1;
            let (number, line, column) = (self.records, self.line, self.column);
            let start = buf.len();
            let size = self.read_element(&mut buf)?;
            if size > self.limit {
                too_long.push((number, line, size));
            } else {
                records.push((number, line, column, start..buf.len()));
            }
            self.skip_space()?;
            match self.next_byte()? {
                Some(b',') => {}
                Some(b']') => self.finish()?,
                Some(_) => return Err(self.malformed(format!("expected , or ] after record {number}"))),
                None => return Err(self.malformed("the array is not closed: the file ends inside it")),
            }
        }
        let src = Source { path: self.path, id_base: self.id_base, key_lines: None };
        let results: Vec<Result<Parsed>> = records
            .par_iter()
            .map(|(number, line, column, range)| {
                parse_element(&buf[range.clone()], *number, *line, *column, &src)
            })
            .collect();
        let results = results.into_iter().collect::<Result<Vec<_>>>()?;
        let too_long = too_long.into_iter().map(|(number, line, size)| (line, Some(number), size));
        Ok(Some(self.gathered(results, too_long)))
    }

    /// Reads one element (at its first byte) into `buf`, or only counts it when it is over
    /// the limit; returns its size. Ends after its closing bracket, or before the `,` or
    /// `]` that follows a bare value.
    fn read_element(&mut self, buf: &mut Vec<u8>) -> Result<u64> {
        let start = buf.len();
        let (mut size, mut depth, mut in_string, mut escaped) = (0u64, 0usize, false, false);
        loop {
            let Some(c) = self.peek()? else {
                return Err(self.malformed("the array is not closed: the file ends inside a record"));
            };
            if !in_string && depth == 0 && size > 0 && matches!(c, b',' | b']') {
                return Ok(size);
            }
            self.next_byte()?;
            size += 1;
            if size <= self.limit {
                buf.push(c);
            } else if size == self.limit + 1 {
                buf.truncate(start);
            }
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => {
                    return Err(self.malformed(format!("unexpected `{}`", c as char)));
                }
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(size);
                    }
                }
                _ => {}
            }
        }
    }

    /// After the closing bracket: only white space may follow.
    fn finish(&mut self) -> Result<()> {
        self.done = true;
        self.skip_space()?;
        match self.peek()? {
            None => Ok(()),
            Some(_) => Err(self.malformed("trailing characters after the array")),
        }
    }

    fn malformed(&self, message: impl std::fmt::Display) -> Error {
        Error::malformed(self.path, Some(self.line), format!("malformed JSON: {message}"))
    }

    fn peek(&mut self) -> Result<Option<u8>> {
        let path = self.path;
        let available = self.reader.fill_buf().map_err(|e| Error::io(path, e))?;
        Ok(available.first().copied())
    }

    fn next_byte(&mut self) -> Result<Option<u8>> {
        let c = self.peek()?;
        if let Some(c) = c {
            self.reader.consume(1);
            if c == b'\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        Ok(c)
    }

    fn skip_space(&mut self) -> Result<()> {
        while self.peek()?.is_some_and(|c| c.is_ascii_whitespace()) {
            self.next_byte()?;
        }
        Ok(())
    }

    fn skip_bom(&mut self) -> Result<()> {
        let path = self.path;
        let available = self.reader.fill_buf().map_err(|e| Error::io(path, e))?;
        if available.starts_with(b"\xEF\xBB\xBF") {
            self.reader.consume(3);
        }
        Ok(())
    }
}

/// Record `number` of an array, starting at `line` and `column`: an article, a record
/// error (not an object), or the stream's end (broken JSON, as the whole-file reader fails).
fn parse_element(
    bytes: &[u8],
    number: usize,
    line: usize,
    column: usize,
    src: &Source<'_>,
) -> Result<Parsed> {
    let mut out = Parsed::default();
    let text = decoded(bytes, line, src, &mut out);
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(obj)) => {
            match article_from_object(&obj, src, Some(number), None, None, &mut out.warnings) {
                Ok(article) => out.articles.push(article),
                Err(e) => out.errors.push(e),
            }
        }
        Ok(_) => out.errors.push(Error::malformed(
            src.path,
            None,
            record_label(Some(number), "is not a JSON object"),
        )),
        Err(e) => {
            // serde_json counts from the record's start: back to the file's lines and columns.
            let at = line + e.line().saturating_sub(1);
            let mut message = strip_position(&e);
            if e.line() == 1 && e.column() > 0 {
                let within = format!(" at column {}", e.column());
                if let Some(cut) = message.strip_suffix(&within) {
                    message = format!("{cut} at column {}", column + e.column() - 1);
                }
            }
            return Err(Error::malformed(src.path, Some(at), format!("malformed JSON: {message}")));
        }
    }
    Ok(out)
}

enum Line {
    Read,
    TooLong(u64),
    End,
}

/// A record's text: UTF-8, or Windows-1252 with a warning for its line, as the whole-file reader
/// decodes a file.
fn decoded<'b>(
    bytes: &'b [u8],
    line: usize,
    src: &Source<'_>,
    out: &mut Parsed,
) -> std::borrow::Cow<'b, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            out.warnings.push(Warning {
                path: src.path.to_owned(),
                line: Some(line),
                kind: WarningKind::DecodedAsWindows1252,
            });
            text
        }
    }
}

/// One line as the whole-file parser reads it: UTF-8, or Windows-1252 with a warning.
fn parse_line(bytes: &[u8], n: usize, src: &Source<'_>) -> Parsed {
    let mut out = Parsed::default();
    if bytes.contains(&0) {
        out.errors.push(Error::malformed(src.path, Some(n), "binary data (NUL bytes), not a JSON record"));
        return out;
    }
    let text = decoded(bytes, n, src, &mut out);
    if text.trim().is_empty() {
        return out;
    }
    match parse_json_line(&text, n, src, &mut out.warnings) {
        Ok(article) => out.articles.push(article),
        Err(e) => out.errors.push(e),
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::parse::{Format, parse_bytes};

    /// The file read whole, and every batch of it streamed as an array (or the error that
    /// ended the stream).
    fn whole_and_streamed(bytes: &[u8], limit: u64) -> (Result<Parsed>, Result<Parsed>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        std::fs::write(&path, bytes).unwrap();
        (parse_bytes(bytes, Format::Json, &path, "x.json"), streamed(&path, limit))
    }

    fn streamed(path: &Path, limit: u64) -> Result<Parsed> {
        let mut stream = RecordStream::open(path, "x.json", Layout::Array, limit)?;
        let mut all = Parsed::default();
        while let Some(mut batch) = stream.next_batch()? {
            all.articles.append(&mut batch.articles);
            all.errors.append(&mut batch.errors);
        }
        Ok(all)
    }

    fn value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<i32>().prop_map(serde_json::Value::from),
            "[a-z\\[\\]{}\",\\\\ \n]{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map("(id|title|body|tags|x)", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn a_streamed_array_reads_as_the_whole_file_does(items in prop::collection::vec(value(), 0..8), pretty: bool) {
            let array = serde_json::Value::Array(items);
            let text = if pretty { serde_json::to_string_pretty(&array) } else { serde_json::to_string(&array) }.unwrap();
            match whole_and_streamed(text.as_bytes(), u64::MAX) {
                (Ok(w), Ok(s)) => {
                    prop_assert_eq!(&w.articles, &s.articles);
                    let errors = |p: &Parsed| p.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>();
                    prop_assert_eq!(errors(&w), errors(&s));
                }
                (Err(w), Err(s)) => prop_assert_eq!(w.to_string(), s.to_string()),
                (w, s) => prop_assert!(false, "whole {:?} but streamed {:?}", w.map(|p| p.articles.len()), s.map(|p| p.articles.len())),
            }
        }

        #[test]
        fn any_bytes_end_in_records_or_an_error(bytes in prop::collection::vec(prop_oneof![
            Just(b'['), Just(b']'), Just(b'{'), Just(b'}'), Just(b'"'), Just(b'\\'), Just(b','), Just(b'\n'),
            Just(b' '), Just(b':'), Just(b'1'), Just(b'a')], 0..64), limit in 1u64..40) {
            let _ = whole_and_streamed(&bytes, limit);
        }
    }
}
