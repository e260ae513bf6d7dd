//! Turning article files into [`Article`]s.
//!
//! Archives mix formats, encodings and damage. Each file is decoded first (BOM stripped,
//! UTF-16 recognised by its BOM, NUL bytes rejected as binary, invalid UTF-8 read as
//! Windows-1252 with a warning), then handed to the parser its extension (or the caller)
//! chooses. A parser returns every article it could read, plus per-record errors and
//! warnings, so one bad record never loses the rest of the file.
//!
//! ```
//! use newsearch::{parse_bytes, Format};
//!
//! let page = "Kellogg meets Zelensky\n\nUkraine | February 21, 2025, Friday // 08:37|\u{a0} views\n\nThe envoy arrived in Kyiv.\n\nTags: Ukraine, US";
//! let parsed = parse_bytes(page.as_bytes(), Format::Txt, "kyiv.txt".as_ref(), "kyiv.txt").unwrap();
//! let article = &parsed.articles[0];
//! assert_eq!(article.title, "Kellogg meets Zelensky");
//! assert_eq!(article.section.as_deref(), Some("Ukraine"));
//! assert_eq!(article.tags.len(), 2);
//! ```

pub(crate) mod date;
mod html;
mod json;
mod markdown;
mod record;
pub(crate) mod stream;
mod txt;
pub(crate) mod walk;

use std::borrow::Cow;
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use date::parse_date;
pub use txt::render as render_txt;

use crate::article::Article;
use crate::error::{Error, Result, Warning, WarningKind};

/// The article file formats newsearch reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The scraped-page layout: title, `Section | date // time| N views`, paragraphs,
    /// `Sources:`, `Tags:`. A `.txt` without that header is read as title + body.
    Txt,
    /// One JSON object, or an array of them (`.json`).
    Json,
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    JsonLines,
    /// Markdown with YAML (`---`) or TOML (`+++`) front matter (`.md`, `.markdown`).
    Markdown,
    /// A saved web page (`.html`, `.htm`): the article's text without the site around it,
    /// metadata from JSON-LD, OpenGraph and `<meta>` tags.
    Html,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 5] =
        [Format::Txt, Format::Json, Format::JsonLines, Format::Markdown, Format::Html];

    /// The format a file's extension names, if any (case-insensitive).
    pub fn from_path(path: &Path) -> Option<Format> {
        const EXTENSIONS: [(&str, Format); 10] = [
            ("txt", Format::Txt),
            ("text", Format::Txt),
            ("json", Format::Json),
            ("jsonl", Format::JsonLines),
            ("ndjson", Format::JsonLines),
            ("md", Format::Markdown),
            ("markdown", Format::Markdown),
            ("html", Format::Html),
            ("htm", Format::Html),
            ("xhtml", Format::Html),
        ];
        let ext = path.extension()?.to_str()?;
        EXTENSIONS.iter().find(|(e, _)| e.eq_ignore_ascii_case(ext)).map(|&(_, format)| format)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Txt => "txt",
            Format::Json => "json",
            Format::JsonLines => "jsonl",
            Format::Markdown => "md",
            Format::Html => "html",
        })
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "txt" | "text" => Ok(Format::Txt),
            "json" => Ok(Format::Json),
            "jsonl" | "ndjson" | "json-lines" => Ok(Format::JsonLines),
            "md" | "markdown" => Ok(Format::Markdown),
            "html" | "htm" => Ok(Format::Html),
            _ => Err(Error::UnknownFormatName { name: s.to_owned() }),
        }
    }
}

/// How files are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    max_file_size: u64,
    stream_above: u64,
}

impl ParseOptions {
    /// The default size limit: 64 MiB.
    pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

    /// Default options.
    pub fn new() -> Self {
        ParseOptions { max_file_size: Self::DEFAULT_MAX_FILE_SIZE, stream_above: Self::STREAM_ABOVE }
    }

    /// Exports (JSON Lines, JSON arrays) larger than this are indexed as a stream of records.
    pub const STREAM_ABOVE: u64 = 16 * 1024 * 1024;

    /// Files larger than `bytes` are refused with [`Error::TooLarge`], except exports (JSON
    /// Lines, JSON arrays), which [`Index::update`](crate::Index::update) and
    /// [`SourceFile::parse_in_batches`] read as a stream: for them the limit applies to each
    /// record.
    pub fn max_file_size(mut self, bytes: u64) -> Self {
        self.max_file_size = bytes;
        self
    }

    /// The size limit in bytes.
    pub fn get_max_file_size(&self) -> u64 {
        self.max_file_size
    }

    /// Exports above this many bytes are streamed (tests set it low).
    /// What a path that is neither a regular file nor a folder is, in words.
    #[cfg(test)]
    pub(crate) fn streaming_above(mut self, bytes: u64) -> Self {
        self.stream_above = bytes;
        self
    }

    pub(crate) fn stream_above(&self) -> u64 {
        self.stream_above
    }
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions::new()
    }
}

/// What a file yielded: its articles, the records that failed, and warnings.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Articles read, in file order.
    pub articles: Vec<Article>,
    /// Records that could not be read (the rest of the file was kept).
    pub errors: Vec<Error>,
    /// Things not understood in articles that were kept.
    pub warnings: Vec<Warning>,
}

/// An article file to parse: where it is, the id its articles get, and its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path to open.
    pub path: PathBuf,
    /// The id base: the path relative to the indexed root, `/`-separated.
    pub id_base: String,
    /// The parser to use.
    pub format: Format,
}

impl SourceFile {
    /// Reads a JSON Lines export, or a JSON array, as a stream of batches of records, handing
    /// each to `each` in file order: memory follows the batch, whatever the file's size, and
    /// the size limit applies to each record. `Ok(false)` when the file is neither (read it
    /// with [`SourceFile::parse`]). The articles and errors are those a whole read gives; a
    /// stream that breaks off (broken JSON in an array) ends with its error after the batches
    /// before it.
    pub fn parse_in_batches(&self, options: &ParseOptions, each: &mut dyn FnMut(Parsed)) -> Result<bool> {
        let Some(layout) = stream::layout_of(self)? else { return Ok(false) };
        let mut records =
            stream::RecordStream::open(&self.path, &self.id_base, layout, options.max_file_size)?;
        while let Some(batch) = records.next_batch()? {
            each(batch);
        }
        Ok(true)
    }

    /// Reads and parses the file.
    pub fn parse(&self, options: &ParseOptions) -> Result<Parsed> {
        let bytes = read_limited(&self.path, options.max_file_size)?;
        parse_bytes(&bytes, self.format, &self.path, &self.id_base)
    }
}

/// Parses the bytes of one file.
///
/// `path` is used in messages and stored in each article; `id_base` becomes each
/// article's id (with `#N` appended for the Nth record of a multi-record file) unless the
/// record carries its own id.
pub fn parse_bytes(bytes: &[u8], format: Format, path: &Path, id_base: &str) -> Result<Parsed> {
    let (text, warning) = decode(bytes, path, format == Format::Html)?;
    let mut parsed = Parsed::default();
    parsed.warnings.extend(warning);
    let src = record::Source { path, id_base, key_lines: None };
    match format {
        Format::Txt => txt::parse(&text, &src, &mut parsed),
        Format::Json => json::parse_json(&text, &src, &mut parsed)?,
        Format::JsonLines => json::parse_json_lines(&text, &src, &mut parsed),
        Format::Markdown => markdown::parse(&text, &src, &mut parsed)?,
        Format::Html => html::parse(&text, &src, &mut parsed)?,
    }
    if parsed.articles.is_empty() && parsed.errors.is_empty() {
        return Err(Error::EmptyFile { path: path.to_owned() });
    }
    Ok(parsed)
}

pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let file = open_regular(path)?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if size > limit {
        return Err(Error::TooLarge { path: path.to_owned(), size, limit });
    }
    // The file may grow between stat and read: never read more than the limit allows.
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(Error::TooLarge { path: path.to_owned(), size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// Opens `path` for reading if it is a regular file.
///
/// The walk already skips special files, but a path can be replaced between the walk and the
/// read, and a user can name one directly. Opening a FIFO for reading waits until something
/// writes to it, so it is opened without blocking and checked before anything is read.
pub(crate) fn open_regular(path: &Path) -> Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| Error::io(path, e))?;
    let kind = file.metadata().map_err(|e| Error::io(path, e))?.file_type();
    if !kind.is_file() {
        return Err(Error::NotAFile { path: path.to_owned(), kind: special_kind(&kind) });
    }
    Ok(file)
}

/// Bytes to text: the one place encodings are decided.
/// `bytes` as text. A web page (`declares`) may name its encoding (`<meta charset>`, or the
/// `http-equiv` Content-Type): text that is not UTF-8 is then read in the declared encoding,
/// and only text that declares none (or an unknown one) falls back to Windows-1252 with a
/// warning.
fn decode<'a>(bytes: &'a [u8], path: &Path, declares: bool) -> Result<(Cow<'a, str>, Option<Warning>)> {
    // UTF-16 text is full of NUL bytes, so recognise it by its BOM before the binary check.
    if let Some((encoding, _)) = encoding_rs::Encoding::for_bom(bytes)
        && encoding != encoding_rs::UTF_8
    {
        let (text, _, _) = encoding.decode(bytes);
        return non_empty(text, None, path);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(Error::BinaryFile { path: path.to_owned() });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => non_empty(Cow::Borrowed(text), None, path),
        // A page that declares UTF-8 and is not UTF-8 declares nothing useful.
        Err(_) => match declares
            .then(|| declared_encoding(bytes))
            .flatten()
            .filter(|e| *e != encoding_rs::UTF_8)
        {
            Some(encoding) => {
                let (text, _) = encoding.decode_without_bom_handling(bytes);
                non_empty(text, None, path)
            }
            None => {
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
                let warning =
                    Warning { path: path.to_owned(), line: None, kind: WarningKind::DecodedAsWindows1252 };
                non_empty(text, Some(warning), path)
            }
        },
    }
}

/// The encoding a page names in its first 4 KiB (`charset=…` in a `<meta>` tag).
fn declared_encoding(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].windows(8).position(|w| w == b"charset=").map(|p| p + from) {
        from = at + 8;
        // Only inside a `<meta …>` tag.
        let tag_start = lower[..at].iter().rposition(|&b| b == b'<')?;
        if !lower[tag_start..].starts_with(b"<meta") || lower[tag_start..at].contains(&b'>') {
            continue;
        }
        let value: Vec<u8> = lower[from..]
            .iter()
            .skip_while(|b| **b == b'"' || **b == b'\'')
            .take_while(|b| !matches!(b, b'"' | b'\'' | b';' | b'>' | b' ' | b'/'))
            .copied()
            .collect();
        if let Some(encoding) = encoding_rs::Encoding::for_label(&value) {
            return Some(encoding);
        }
    }
    None
}

fn non_empty<'a>(
    text: Cow<'a, str>,
    warning: Option<Warning>,
    path: &Path,
) -> Result<(Cow<'a, str>, Option<Warning>)> {
    if text.trim().is_empty() { Err(Error::EmptyFile { path: path.to_owned() }) } else { Ok((text, warning)) }
}

pub(crate) fn special_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    let _ = kind;
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8], format: Format) -> Result<Parsed> {
        parse_bytes(bytes, format, Path::new("f"), "f")
    }

    #[test]
    fn format_from_extension_and_name() {
        assert_eq!(Format::from_path(Path::new("a/B.MD")), Some(Format::Markdown));
        assert_eq!(Format::from_path(Path::new("x.ndjson")), Some(Format::JsonLines));
        assert_eq!(Format::from_path(Path::new("x.HTM")), Some(Format::Html));
        assert_eq!(Format::from_path(Path::new("x.pdf")), None);
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>().unwrap(), f);
        }
        assert!("yaml".parse::<Format>().is_err());
    }

    #[test]
    fn empty_and_whitespace_files_are_errors() {
        for bytes in [&b""[..], b"  \n\r\n\t", b"\xEF\xBB\xBF\n"] {
            for f in Format::ALL {
                assert!(matches!(parse(bytes, f), Err(Error::EmptyFile { .. })), "{f} {bytes:?}");
            }
        }
    }

    #[test]
    fn nul_bytes_mean_binary() {
        let err = parse(b"Title\n\x00\x01body", Format::Txt).unwrap_err();
        assert!(matches!(err, Error::BinaryFile { .. }));
        assert_eq!(err.to_string(), "f: binary file (contains NUL bytes), not an article");
    }

    #[test]
    fn invalid_utf8_is_read_as_windows_1252_with_a_warning() {
        let parsed = parse(b"Caf\xE9 culture\n\nA body", Format::Txt).unwrap();
        assert_eq!(parsed.articles[0].title, "Café culture");
        assert_eq!(parsed.warnings[0].kind, WarningKind::DecodedAsWindows1252);
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "Title\n\nBody".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let parsed = parse(&bytes, Format::Txt).unwrap();
        assert_eq!(parsed.articles[0].title, "Title");
        assert_eq!(parsed.articles[0].body, "Body");
    }

    #[test]
    fn size_limit_is_enforced_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        fs::write(&path, "Title\n\nbody text").unwrap();
        let file = SourceFile { path: path.clone(), id_base: "big.txt".into(), format: Format::Txt };
        let err = file.parse(&ParseOptions::new().max_file_size(4)).unwrap_err();
        assert!(matches!(err, Error::TooLarge { size: 16, limit: 4, .. }), "{err}");
        assert!(file.parse(&ParseOptions::new()).is_ok());
    }
}
