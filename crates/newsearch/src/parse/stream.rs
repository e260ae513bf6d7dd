//! JSON Lines files too big to hold at once, read as a stream of records.
//!
//! Archives often arrive as one export of hundreds of megabytes. Reading such a file whole
//! (and parsing every record before indexing the first) costs memory in proportion to the
//! file; a limit on the file's size refuses it outright, although each of its records is
//! small. Here the file is read in batches of lines, each batch parsed on all cores and
//! handed on before the next is read, so memory follows the batch, not the file. The size
//! limit applies to each record (line) instead: an oversized line is reported with its
//! number and skipped without being held in memory, and the other records are kept.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use rayon::prelude::*;

use super::json::parse_json_line;
use super::record::Source;
use super::{Parsed, open_regular};
use crate::error::{Error, Result, Warning, WarningKind};

/// Lines read before a batch is parsed: large enough to keep every core busy, small enough
/// that a batch costs a few megabytes.
const BATCH_BYTES: usize = 8 << 20;

/// A JSON Lines file being read batch by batch.
pub(crate) struct JsonLines<'a> {
    reader: BufReader<File>,
    path: &'a Path,
    id_base: &'a str,
    /// Largest record (line) accepted, in bytes.
    limit: u64,
    /// Lines read so far (the number of the last one).
    line: usize,
    done: bool,
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

impl<'a> JsonLines<'a> {
    /// Opens `path`; records longer than `limit` bytes are reported and skipped.
    pub(crate) fn open(path: &'a Path, id_base: &'a str, limit: u64) -> Result<JsonLines<'a>> {
        let file = open_regular(path)?;
        Ok(JsonLines {
            reader: BufReader::with_capacity(1 << 20, file),
            path,
            id_base,
            limit,
            line: 0,
            done: false,
        })
    }

    /// The next batch of records, parsed, in file order; `None` at the end of the file.
    pub(crate) fn next_batch(&mut self) -> Result<Option<Parsed>> {
        if self.done {
            return Ok(None);
        }
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
        let mut out = Parsed::default();
        for mut one in results {
            out.articles.append(&mut one.articles);
            out.errors.append(&mut one.errors);
            out.warnings.append(&mut one.warnings);
        }
        for (n, size) in too_long {
            let message = format!(
                "record is {size} bytes, over the {}-byte limit (raise it with --max-file-size)",
                self.limit
            );
            out.errors.push(Error::malformed(self.path, Some(n), message));
        }
        Ok(Some(out))
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

enum Line {
    Read,
    TooLong(u64),
    End,
}

/// One line as the whole-file parser reads it: UTF-8, or Windows-1252 with a warning.
fn parse_line(bytes: &[u8], n: usize, src: &Source<'_>) -> Parsed {
    let mut out = Parsed::default();
    if bytes.contains(&0) {
        out.errors.push(Error::malformed(src.path, Some(n), "binary data (NUL bytes), not a JSON record"));
        return out;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            out.warnings.push(Warning {
                path: src.path.to_owned(),
                line: Some(n),
                kind: WarningKind::DecodedAsWindows1252,
            });
            text
        }
    };
    if text.trim().is_empty() {
        return out;
    }
    match parse_json_line(&text, n, src, &mut out.warnings) {
        Ok(article) => out.articles.push(article),
        Err(e) => out.errors.push(e),
    }
    out
}
