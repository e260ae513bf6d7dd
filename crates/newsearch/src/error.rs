//! Errors and warnings, as values the caller reports or counts.
//!
//! Every problem with an input file names that file, and the line where a line helps, so a
//! user can go straight to it. Errors mean an article (or a whole file) could not be read;
//! warnings mean the article was kept but something in it was not understood.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// `Result` with newsearch's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong. Messages name the file and state the problem in the library's terms; a
/// program adds what its own users can do about it (the `newsearch` CLI names its flags).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file or folder could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The file has no content (or only whitespace).
    #[error("{}: empty file", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The file holds NUL bytes, so it is not text.
    #[error("{}: binary file (contains NUL bytes), not an article", path.display())]
    BinaryFile {
        /// The file.
        path: PathBuf,
    },
    /// The file is larger than the configured limit.
    #[error("{}: file is {size} bytes, over the {limit}-byte limit", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The path is a named pipe, a socket or a device: never read, so a FIFO can't hang a run.
    #[error("{}: {kind}, not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead, e.g. "a named pipe (FIFO)".
        kind: &'static str,
    },
    /// A web page in which no article text could be found (a page of links, an empty shell
    /// filled in by scripts, an error page).
    #[error("{}: no article text found in the page", path.display())]
    NoArticleText {
        /// The file.
        path: PathBuf,
    },
    /// The file's extension names no known format and none was forced.
    #[error("{}: unknown article format (expected .txt, .json, .jsonl, .ndjson, .md, .markdown, .html or .htm)", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A format name given by the user is not one newsearch knows.
    #[error("unknown format {name:?} (expected txt, json, jsonl, md or html)")]
    UnknownFormatName {
        /// What the user typed.
        name: String,
    },
    /// There is no index where one was expected.
    #[error("no index at {}", path.display())]
    NoIndex {
        /// Where the index was looked for.
        path: PathBuf,
    },
    /// Where an index folder should be there is a file (or something else that is no folder).
    #[error("{} is not a folder, so it can't hold an index", path.display())]
    NotAFolder {
        /// The path named as the index folder.
        path: PathBuf,
    },
    /// A folder holds something other than a newsearch index.
    #[error("{} is not a newsearch index (no newsearch-index.json)", path.display())]
    NotAnIndex {
        /// The folder.
        path: PathBuf,
    },
    /// The index was built by a newsearch with another schema.
    #[error("index at {} has schema version {found}, this newsearch uses {expected}", path.display())]
    IndexVersion {
        /// The index folder.
        path: PathBuf,
        /// The version the index was built with.
        found: String,
        /// The version this build reads and writes.
        expected: u32,
    },
    /// Another writer holds the index: one writer at a time may write it, across processes.
    #[error("{}", locked_message(path.as_deref(), *in_this_process))]
    Locked {
        /// The index folder, unless the index is in memory.
        path: Option<PathBuf>,
        /// Whether the writer holding it belongs to this process (share that one, e.g. behind
        /// a mutex, or use [`IndexWriter::update`](crate::IndexWriter::update) on it).
        in_this_process: bool,
    },
    /// An index already exists where a new one was to be created.
    #[error("an index already exists at {}", path.display())]
    IndexExists {
        /// The index folder.
        path: PathBuf,
    },
    /// An update was given no files or folders, and the index has none recorded.
    #[error("nothing to index: no files or folders were named and none were indexed before")]
    NothingToIndex,
    /// An article to add has a date outside [`storable_dates`](crate::storable_dates).
    #[error(
        "article {} ({}): date {} is {}",
        shown(id.as_str()),
        if path.as_os_str().is_empty() { "no file".into() } else { path.display().to_string() },
        date.to_rfc3339(),
        crate::article::out_of_range_note()
    )]
    UnstorableDate {
        /// The article's id.
        id: crate::ArticleId,
        /// Its file (empty when it did not come from one).
        path: PathBuf,
        /// The date.
        date: chrono::DateTime<chrono::Utc>,
    },
    /// A name for an Elasticsearch or OpenSearch index that those engines would refuse.
    #[error("bulk index name {} {problem} (Elasticsearch and OpenSearch would refuse it)", shown(name))]
    InvalidIndexName {
        /// The name given.
        name: String,
        /// What is wrong with it, e.g. "must be lowercase".
        problem: String,
    },
    /// A folder can't be followed for changes (see [`IndexWriter::watch`](crate::IndexWriter::watch)).
    #[error("can't follow {}: {reason}", path.as_ref().map_or_else(|| "the folders".to_owned(), |p| p.display().to_string()))]
    Watch {
        /// The folder, when the problem is about one.
        path: Option<PathBuf>,
        /// What the system said, or what to do.
        reason: String,
    },
    /// An update was cancelled through its [`CancelToken`](crate::CancelToken); the index is
    /// as of its last commit (see [`UpdateOptions::cancel`](crate::UpdateOptions::cancel)).
    #[error("update cancelled; the index is as of its last commit")]
    Cancelled,
    /// Writing the index failed because its disk is full; the last commit is intact.
    #[error("index at {}: disk full while writing; the index is as of its last commit (free space and run again)", path.display())]
    DiskFull {
        /// The index folder.
        path: PathBuf,
    },
    /// The index folder can't be written (read-only file system or no permission). Reading
    /// it still works.
    #[error("the index at {} is read-only ({reason}); it is as of its last commit", path.display())]
    IndexNotWritable {
        /// The index folder.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// A file of the index is missing, cut short or overwritten, so the index can't be read
    /// (or can't be read whole). The index must be rebuilt from its articles.
    #[error(
        "the index at {} is damaged ({}{reason})",
        path.display(),
        file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default()
    )]
    Damaged {
        /// The index folder.
        path: PathBuf,
        /// The damaged file, relative to the index folder, when it could be told.
        file: Option<PathBuf>,
        /// What is wrong with it.
        reason: String,
    },
    /// The search engine failed (storage, corruption, or a bug).
    #[error("index error{}: {source}", path.as_ref().map(|p| format!(" at {}", p.display())).unwrap_or_default())]
    Index {
        /// The index folder, unless the index is in memory.
        path: Option<PathBuf>,
        /// What failed, with its own causes ([`std::error::Error::source`]).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// One record of a streamed export is larger than the configured limit; the rest of the
    /// file is read.
    #[error(
        "{}: line {line}: record {}is {size} bytes, over the {limit}-byte limit",
        path.display(),
        record.map(|n| format!("{n} ")).unwrap_or_default()
    )]
    RecordTooLarge {
        /// The file.
        path: PathBuf,
        /// 1-based line where the record starts.
        line: usize,
        /// The record's number in a JSON array (JSON Lines records are known by their line).
        record: Option<usize>,
        /// Its size in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// A query could not be read.
    #[error("query syntax error at column {column}: {message}")]
    QuerySyntax {
        /// What is wrong.
        message: String,
        /// 1-based column (in characters) where the problem is.
        column: usize,
    },
    /// A date or period given by the user could not be read.
    #[error(
        "can't read date {} (expected YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DD HH:MM, an RFC 3339 time, or a span back from now like 7d, 2w, 3m, 1y)",
        shown(text)
    )]
    InvalidDate {
        /// What the user typed.
        text: String,
    },
    /// A date given by the user lies outside the dates an index can hold.
    #[error("date {} is {}", shown(text), crate::article::out_of_range_note())]
    DateOutOfRange {
        /// What the user typed.
        text: String,
    },
    /// An argument is out of range or malformed. The library no longer returns it (each case
    /// has its own variant); a program may use it for its own arguments.
    #[error("{0}")]
    InvalidArgument(String),
    /// An export format's name is not one newsearch knows.
    #[error("unknown export format {name:?} (expected ndjson or bulk)")]
    UnknownExportFormat {
        /// What was given.
        name: String,
    },
    /// No indexed article has this id.
    #[error("no article with id {} in the index", shown(id))]
    UnknownArticle {
        /// The id asked for.
        id: String,
    },
    /// A page reaches deeper into the results than [`Query::MAX_WINDOW`](crate::Query::MAX_WINDOW):
    /// `offset + limit` results would have to be ranked and held to answer it. Deeper results
    /// are reached by continuing from a cursor ([`SearchResults::next`](crate::SearchResults::next),
    /// [`Query::after`](crate::Query::after)), at the same cost for every page.
    #[error(
        "page too deep: offset {offset} + limit {limit} is past the first {max} results a page can reach; continue from a cursor instead"
    )]
    WindowTooLarge {
        /// The results skipped before the page.
        offset: usize,
        /// The most results the page would hold.
        limit: usize,
        /// [`Query::MAX_WINDOW`](crate::Query::MAX_WINDOW).
        max: usize,
    },
    /// A cursor is not one this version of newsearch made (cut short, altered, or not a
    /// cursor at all).
    #[error("not a valid cursor: {}", shown(cursor))]
    InvalidCursor {
        /// The cursor as given.
        cursor: String,
    },
    /// A cursor continues results in one order and the query asks for another: positions in
    /// one order mean nothing in the other.
    #[error("the cursor continues results sorted by {cursor}, and the query sorts by {query}")]
    CursorOrder {
        /// The order the cursor was made in.
        cursor: crate::Sort,
        /// The order the query asks for.
        query: crate::Sort,
    },
    /// The query's text has no word the index could hold: only function words left out of an
    /// any-word search, words longer than the index keeps, punctuation or symbols.
    #[error(
        "nothing searchable in the query {}: {}",
        shown(query),
        crate::error::unsearchable(function_words, too_long)
    )]
    NothingSearchable {
        /// The query text.
        query: String,
        /// Function words (`the`, `of`) that an any-word search leaves out as too common.
        function_words: Vec<String>,
        /// Words longer than the index keeps.
        too_long: Vec<String>,
    },
    /// A prefix (`word*`) stands for more different words than one search may look for.
    #[error("`{prefix}*` matches more than {max} different words")]
    PrefixTooBroad {
        /// The prefix as typed, without its `*`.
        prefix: String,
        /// How many words a prefix may stand for.
        max: usize,
    },
    /// A sort order's name is not one newsearch knows.
    #[error("unknown sort {name:?} (expected {})", crate::Sort::NAMES.join(", "))]
    UnknownSort {
        /// What was given.
        name: String,
    },
    /// A match mode's name is not one newsearch knows.
    #[error("unknown match mode {name:?} (expected all, any or auto)")]
    UnknownMatchMode {
        /// What was given.
        name: String,
    },
    /// A stemming algorithm's name is not one newsearch knows.
    #[error("unknown stemming {name:?} (expected one of: {})", crate::Stemming::names().join(", "))]
    UnknownStemming {
        /// What was given.
        name: String,
    },
    /// A length of time (a half-life) could not be read.
    #[error("invalid length of time {} (expected a number and a unit: 12h, 30d, 2w, 3m or 1y)", shown(text))]
    InvalidSpan {
        /// What was given.
        text: String,
    },
    /// A views filter no article can pass: the least is more than the most.
    #[error("the views range is empty: at least {min} and at most {max} views")]
    EmptyViewsRange {
        /// The least views asked for.
        min: u64,
        /// The most views allowed.
        max: u64,
    },
    /// A date filter no article can pass: it starts after it ends.
    #[error(
        "the date range is empty: from {} until {}",
        since.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        until.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    )]
    EmptyDateRange {
        /// The first instant asked for.
        since: chrono::DateTime<chrono::Utc>,
        /// The last instant asked for.
        until: chrono::DateTime<chrono::Utc>,
    },
    /// A title boost that is no weight: negative, infinite or not a number.
    #[error("title boost {boost} is not a weight (expected a finite number, 0 or more)")]
    InvalidTitleBoost {
        /// The boost given.
        boost: f32,
    },
    /// The file (or one record of it) is not well-formed JSON, YAML or TOML, or is not
    /// shaped like an article.
    #[error("{}: {}{message}", path.display(), at_line(*line))]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// What is wrong, e.g. "malformed JSON: expected `,` or `}` at column 7".
        message: String,
    },
}

impl Error {
    /// The file the error is about, when it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io { path, .. }
            | Error::EmptyFile { path }
            | Error::BinaryFile { path }
            | Error::NoArticleText { path }
            | Error::TooLarge { path, .. }
            | Error::UnknownFormat { path }
            | Error::NotAFile { path, .. }
            | Error::Malformed { path, .. }
            | Error::RecordTooLarge { path, .. } => Some(path),
            Error::NoIndex { path }
            | Error::NotAFolder { path }
            | Error::NotAnIndex { path }
            | Error::IndexVersion { path, .. } => Some(path),
            Error::DiskFull { path } | Error::IndexNotWritable { path, .. } | Error::IndexExists { path } => {
                Some(path)
            }
            Error::Locked { path, .. } | Error::Watch { path, .. } => path.as_deref(),
            Error::UnstorableDate { path, .. } => (!path.as_os_str().is_empty()).then_some(path.as_path()),
            Error::NothingToIndex | Error::Cancelled | Error::InvalidIndexName { .. } => None,
            Error::Damaged { path, .. } => Some(path),
            Error::Index { path, .. } => path.as_deref(),
            Error::UnknownFormatName { .. }
            | Error::QuerySyntax { .. }
            | Error::InvalidDate { .. }
            | Error::DateOutOfRange { .. }
            | Error::InvalidArgument(_)
            | Error::UnknownArticle { .. } => None,
            Error::WindowTooLarge { .. }
            | Error::InvalidCursor { .. }
            | Error::CursorOrder { .. }
            | Error::NothingSearchable { .. }
            | Error::PrefixTooBroad { .. }
            | Error::UnknownSort { .. }
            | Error::UnknownExportFormat { .. }
            | Error::UnknownMatchMode { .. }
            | Error::UnknownStemming { .. }
            | Error::InvalidSpan { .. }
            | Error::EmptyViewsRange { .. }
            | Error::EmptyDateRange { .. }
            | Error::InvalidTitleBoost { .. } => None,
        }
    }

    /// The 1-based line the error points at, when it points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Malformed { line, .. } => *line,
            Error::RecordTooLarge { line, .. } => Some(*line),
            _ => None,
        }
    }

    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        Error::Io { path: path.to_owned(), source }
    }

    /// Wraps an engine error; the engine's types never appear in this crate's API.
    pub(crate) fn engine(
        path: Option<&Path>,
        e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Index { path: path.map(Path::to_owned), source: e.into() }
    }

    pub(crate) fn malformed(path: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        Error::Malformed { path: path.to_owned(), line, message: message.into() }
    }
}

/// A problem that did not stop an article from being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What was not understood.
    pub kind: WarningKind,
}

/// The kinds of [`Warning`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarningKind {
    /// The file is not valid UTF-8 and was decoded as Windows-1252.
    DecodedAsWindows1252,
    /// A date could not be read; the article is kept without a date.
    UnreadableDate {
        /// The text that was not a date.
        value: String,
    },
    /// A date was read but lies outside [`storable_dates`](crate::storable_dates); the
    /// article is kept without a date rather than with a shifted one.
    DateOutOfRange {
        /// The date as written.
        value: String,
    },
    /// A field had a value of the wrong kind and was ignored.
    IgnoredValue {
        /// The field name.
        field: String,
        /// Why it was ignored.
        reason: String,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), at_line(self.line))?;
        match &self.kind {
            WarningKind::DecodedAsWindows1252 => f.write_str("not valid UTF-8; decoded as Windows-1252"),
            WarningKind::UnreadableDate { value } => {
                write!(f, "unreadable date {value:?}; article kept without a date")
            }
            WarningKind::DateOutOfRange { value } => write!(
                f,
                "date {value:?} is {}; article kept without a date",
                crate::article::out_of_range_note()
            ),
            WarningKind::IgnoredValue { field, reason } => write!(f, "ignored `{field}`: {reason}"),
        }
    }
}

/// User text quoted for a message, cut to a readable length: a pasted 120 KB query must not
/// come back whole.
pub(crate) fn shown(text: &str) -> String {
    let count = text.chars().count();
    if count <= KEEP_CHARS {
        return format!("{text:?}");
    }
    format!("{:?} ({count} characters)", cut(text))
}

/// Characters of user text a message repeats.
const KEEP_CHARS: usize = 60;

/// `text`, or its first characters and `…` when it is long.
pub(crate) fn cut(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(KEEP_CHARS) {
        None => text.into(),
        Some((end, _)) => format!("{}…", &text[..end]).into(),
    }
}

fn locked_message(path: Option<&Path>, in_this_process: bool) -> String {
    match (path, in_this_process) {
        (None, _) => "the in-memory index already has a writer".into(),
        (Some(path), true) => format!("index at {} already has a writer in this process", path.display()),
        (Some(path), false) => format!("index at {} is locked by another newsearch process", path.display()),
    }
}

/// Why a query's words search for nothing: the reason part of [`Error::NothingSearchable`].
pub(crate) fn unsearchable(function_words: &[String], too_long: &[String]) -> String {
    let list = |words: &[String]| words.iter().map(|w| shown(w)).collect::<Vec<_>>().join(", ");
    let mut why = Vec::new();
    if !function_words.is_empty() {
        let are = if function_words.len() == 1 { "is a function word" } else { "are function words" };
        why.push(format!("{} {are}, left out of any-word searches as too common", list(function_words)));
    }
    if !too_long.is_empty() {
        let is = if too_long.len() == 1 { "is" } else { "are" };
        why.push(format!(
            "{} {is} longer than {} letters, which the index does not keep",
            list(too_long),
            crate::analyzer::MAX_WORD_CHARS
        ));
    }
    if why.is_empty() {
        why.push("it has no words, only punctuation or symbols".to_owned());
    }
    why.join("; ")
}

fn at_line(line: Option<usize>) -> String {
    match line {
        Some(n) => format!("line {n}: "),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_line() {
        let e = Error::malformed(Path::new("a/b.jsonl"), Some(3), "malformed JSON: EOF");
        assert_eq!(e.to_string(), "a/b.jsonl: line 3: malformed JSON: EOF");
        assert_eq!(e.line(), Some(3));
        let w = Warning {
            path: "x.txt".into(),
            line: Some(3),
            kind: WarningKind::UnreadableDate { value: "Smarch 3".into() },
        };
        assert_eq!(w.to_string(), "x.txt: line 3: unreadable date \"Smarch 3\"; article kept without a date");
    }
}
