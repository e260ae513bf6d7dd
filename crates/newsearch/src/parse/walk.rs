//! Finding article files under the paths a user names, and parsing them on all cores.
//!
//! Walking is recursive and deterministic (entries sorted by name), skips hidden entries and
//! newsearch index folders, does not follow symbolic links unless asked, and counts files
//! whose extension names no known format instead of failing on them.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::index::files::INDEX_MARKER_FILE;
use crate::parse::{Format, ParseOptions, Parsed, SourceFile, special_kind};

/// How paths are walked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkOptions {
    follow_symlinks: bool,
    format: Option<Format>,
}

impl WalkOptions {
    /// Default options: don't follow links, choose formats by extension.
    pub fn new() -> Self {
        WalkOptions::default()
    }

    /// Follow symbolic links to files and folders (loops are detected and reported).
    pub fn follow_symlinks(mut self, yes: bool) -> Self {
        self.follow_symlinks = yes;
        self
    }

    /// Parse every file found with `format`, whatever its extension.
    pub fn format(mut self, format: Option<Format>) -> Self {
        self.format = format;
        self
    }

    /// The format forced on every file, if any.
    pub fn get_format(&self) -> Option<Format> {
        self.format
    }

    /// Whether symbolic links are followed.
    pub fn get_follow_symlinks(&self) -> bool {
        self.follow_symlinks
    }
}

/// Why a path found while walking or indexing was not indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The extension names no article format (and none was forced).
    UnknownExtension,
    /// A symbolic link, not followed because following links was not asked for.
    SymbolicLink,
    /// The file or folder could not be read or parsed; the message says why.
    Failed(String),
    /// Every article of the file carries an id that an article from an earlier path (in
    /// sorted order) already holds; see [`Collision`](crate::Collision).
    IdTaken {
        /// The (first) id.
        id: String,
        /// The file holding it.
        by: PathBuf,
    },
    /// Not a regular file: a named pipe (FIFO), a socket or a device, which are never read
    /// (reading a FIFO would wait for a writer forever).
    NotARegularFile(String),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::UnknownExtension => f.write_str("unknown extension"),
            SkipReason::SymbolicLink => f.write_str("symbolic link"),
            SkipReason::Failed(why) => f.write_str(why),
            SkipReason::NotARegularFile(kind) => write!(f, "{kind}, not a regular file"),
            SkipReason::IdTaken { id, by } => write!(f, "id {id:?} is already used by {}", by.display()),
        }
    }
}

/// A path that was seen but not indexed, and why. Serializes as `{"path", "reason"}`, the
/// reason in its [`Display`](std::fmt::Display) wording.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// The file or folder.
    #[serde(serialize_with = "crate::article::path_as_string::serialize")]
    pub path: PathBuf,
    /// Why.
    #[serde(serialize_with = "as_display")]
    pub reason: SkipReason,
}

/// A value as its `Display` text.
fn as_display<T: std::fmt::Display, S: serde::Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// What walking found.
#[derive(Debug, Default)]
pub struct Walk<Files = Vec<SourceFile>> {
    /// Article files, in a stable order: roots as given, then sorted paths within each.
    pub files: Files,
    /// Files skipped because their extension names no known format.
    pub unknown_extension: usize,
    /// Symbolic links skipped because following them was not asked for.
    pub symlinks_skipped: usize,
    /// Named pipes, sockets and devices skipped because they are not regular files.
    pub special_skipped: usize,
    /// Every file skipped for an unknown extension, as a symbolic link or as a special file,
    /// in walk order.
    pub skipped: Vec<Skipped>,
    /// Paths that could not be read (missing roots, unreadable folders, link loops).
    pub errors: Vec<Error>,
}

/// Lists the article files under `paths` (files or folders).
///
/// A file named directly is always taken (even hidden); it fails with
/// [`Error::UnknownFormat`] if its extension names no format and none is forced. Inside
/// folders, ids are paths relative to the folder named; a file named directly gets its
/// file name as id.
pub fn walk<P: AsRef<Path>>(paths: &[P], options: &WalkOptions) -> Walk {
    let mut out = Walk::<Vec<SourceFile>>::default();
    for root in paths {
        walk_root(root.as_ref(), root.as_ref(), options, &mut out);
    }
    out.files.shrink_to_fit();
    out
}

/// Like [`walk`], with ids relative to a folder of the caller's choosing for each path
/// (`(path, id_root)`): a folder inside an indexed folder keeps the ids the outer folder
/// gave its files.
pub(crate) fn walk_under(paths: &[(PathBuf, PathBuf)], options: &WalkOptions) -> Walk<FileList> {
    let mut out = Walk::<FileList>::default();
    for (root, id_root) in paths {
        walk_root(root, id_root, options, &mut out);
    }
    out.files.shrink_to_fit();
    out
}

/// Where a walk puts the files it finds.
trait FileSink {
    /// A file named directly, with the id it gets.
    fn push_named(&mut self, path: &Path, id_base: String, format: Format);
    /// A file found inside folder `root`, with ids relative to `id_root`.
    fn push_under(&mut self, root: &Path, id_root: &Path, path: PathBuf, format: Format);
}

impl FileSink for Vec<SourceFile> {
    fn push_named(&mut self, path: &Path, id_base: String, format: Format) {
        self.push(SourceFile { path: path.to_owned(), id_base, format });
    }

    fn push_under(&mut self, _root: &Path, id_root: &Path, mut path: PathBuf, format: Format) {
        path.shrink_to_fit();
        self.push(SourceFile { id_base: relative_id(id_root, &path), path, format });
    }
}

/// The files of a run, held for the whole run in a few bytes each: each is its path below the
/// folder walked (one copy of each folder's path and id root for all its files), front-coded
/// (the bytes it shares with the path before it are not kept again), and the [`SourceFile`]
/// (whole path, id) is made again when the file is read. At a million files, whole paths and
/// ids took about 230 MB, then a path and an entry apiece about 100 MB; front-coded, about 20 MB.
///
/// Each file is, in `bytes`: a byte of flags (format, plain path, another root), the root's
/// number if another, the length shared with the path before and the length of the rest
/// (variable-length integers), and the rest. Every [`BLOCK`]th file starts afresh (shares
/// nothing), and `blocks` says where it starts, so any file is found by reading at most a block.
#[derive(Debug, Default)]
pub(crate) struct FileList {
    roots: Vec<ListRoot>,
    bytes: Vec<u8>,
    blocks: Vec<usize>,
    len: usize,
    /// The last file pushed: its path below its root, and its root.
    last: Vec<u8>,
    last_root: u32,
}

#[derive(Debug)]
struct ListRoot {
    /// The folder walked, or the file named.
    root: PathBuf,
    id_root: PathBuf,
    /// The id of `root` below `id_root` (empty when they are the same folder).
    id_prefix: String,
    /// For a file named directly: its id.
    named_id: Option<String>,
}

/// Files per block of a [`FileList`].
const BLOCK: usize = 16;

/// Flags of a [`FileList`] entry: the format's number in the low bits.
const FORMAT_BITS: u8 = 0b0000_0111;
/// The path below the root is its own id ([`plain_relative`]), as nearly always.
const PLAIN: u8 = 0b0000_1000;
/// The root is another than the file before's (or the file starts a block).
const NEW_ROOT: u8 = 0b0001_0000;

fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The variable-length integer at `bytes[*at..]`, moving `at` past it. The list wrote it, so
/// it is whole; a short read gives what was read.
fn read_varint(bytes: &[u8], at: &mut usize) -> usize {
    let (mut n, mut shift) = (0usize, 0);
    while let Some(&b) = bytes.get(*at) {
        *at += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b < 0x80 || shift > 56 {
            break;
        }
        shift += 7;
    }
    n
}

/// Reads a [`FileList`]'s entries in order, each path rebuilt in place.
struct Cursor<'a> {
    list: &'a FileList,
    at: usize,
    index: usize,
    below: Vec<u8>,
    root: u32,
}

/// One entry as a [`Cursor`] read it (its path below the root is the cursor's `below`).
#[derive(Clone, Copy)]
struct Entry {
    root: u32,
    format: Format,
    plain: bool,
}

impl<'a> Cursor<'a> {
    /// Before file number `i` (the start of its block; [`Cursor::read_to`] goes the rest).
    fn at_block_of(list: &'a FileList, i: usize) -> Cursor<'a> {
        let block = i / BLOCK;
        let at = list.blocks.get(block).copied().unwrap_or(list.bytes.len());
        Cursor { list, at, index: block * BLOCK, below: Vec::new(), root: 0 }
    }

    fn next_entry(&mut self) -> Option<Entry> {
        if self.index >= self.list.len {
            return None;
        }
        let bytes = &self.list.bytes;
        let flags = *bytes.get(self.at)?;
        self.at += 1;
        if flags & NEW_ROOT != 0 {
            self.root = u32::try_from(read_varint(bytes, &mut self.at)).unwrap_or(u32::MAX);
        }
        let shared = read_varint(bytes, &mut self.at);
        let rest = read_varint(bytes, &mut self.at);
        let end = (self.at + rest).min(bytes.len());
        self.below.truncate(shared);
        self.below.extend_from_slice(&bytes[self.at..end]);
        self.at = end;
        self.index += 1;
        let format = Format::ALL[usize::from(flags & FORMAT_BITS).min(Format::ALL.len() - 1)];
        Some(Entry { root: self.root, format, plain: flags & PLAIN != 0 })
    }

    /// Reads entries up to and including file number `i`.
    fn read_to(&mut self, i: usize) -> Option<Entry> {
        let mut entry = None;
        while self.index <= i {
            entry = Some(self.next_entry()?);
        }
        entry
    }

    fn below(&self) -> &std::ffi::OsStr {
        below_from_bytes(&self.below)
    }
}

/// A path below a root from the bytes [`FileList`] keeps of it.
#[allow(unsafe_code)]
fn below_from_bytes(bytes: &[u8]) -> &std::ffi::OsStr {
    // SAFETY: the bytes are exactly those `as_encoded_bytes` gave for a path pushed to the list
    // (front coding only stores them in pieces; the cursor puts them together again whole
    // before this is called), which is the contract of `from_encoded_bytes_unchecked`.
    unsafe { std::ffi::OsStr::from_encoded_bytes_unchecked(bytes) }
}

impl FileList {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Every file, in order.
    pub(crate) fn files(&self) -> impl Iterator<Item = SourceFile> + '_ {
        self.each(FileList::file)
    }

    /// `make` of every entry and its path below its root, in order.
    fn each<'s, R>(
        &'s self,
        make: impl Fn(&FileList, Entry, &std::ffi::OsStr) -> R + 's,
    ) -> impl Iterator<Item = R> + 's {
        let mut cursor = Cursor::at_block_of(self, 0);
        std::iter::from_fn(move || {
            let entry = cursor.next_entry()?;
            Some(make(self, entry, cursor.below()))
        })
    }

    /// The file as the walk found it.
    fn file(&self, entry: Entry, below: &std::ffi::OsStr) -> SourceFile {
        let root = &self.roots[entry.root as usize];
        let path = self.path_of(entry, below);
        match &root.named_id {
            Some(id_base) => SourceFile { path, id_base: id_base.clone(), format: entry.format },
            None => {
                // What `relative_id` gives, without taking the path apart.
                let below = below.to_str().filter(|_| entry.plain);
                let id_base = match below {
                    Some(below) if root.id_prefix.is_empty() => below.to_owned(),
                    Some(below) => format!("{}/{below}", root.id_prefix),
                    None => relative_id(&root.id_root, &path),
                };
                SourceFile { id_base, path, format: entry.format }
            }
        }
    }

    /// The path of file number `i`.
    pub(crate) fn path(&self, i: usize) -> Option<PathBuf> {
        let mut cursor = Cursor::at_block_of(self, i);
        let entry = cursor.read_to(i)?;
        Some(self.path_of(entry, cursor.below()))
    }

    fn path_of(&self, entry: Entry, below: &std::ffi::OsStr) -> PathBuf {
        let root = &self.roots[entry.root as usize];
        if root.named_id.is_some() {
            return root.root.clone();
        }
        let mut path = PathBuf::with_capacity(root.root.as_os_str().len() + below.len() + 1);
        path.push(&root.root);
        path.push(below);
        path
    }

    /// Every file's path, in order.
    pub(crate) fn paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.each(FileList::path_of)
    }

    fn push(&mut self, root: u32, format: Format, plain: bool, below: &[u8]) {
        let fresh = self.len.is_multiple_of(BLOCK);
        if fresh {
            self.blocks.push(self.bytes.len());
        }
        let shared = if fresh { 0 } else { self.last.iter().zip(below).take_while(|(a, b)| a == b).count() };
        let format = Format::ALL.iter().position(|f| *f == format).unwrap_or(0) as u8;
        let new_root = fresh || root != self.last_root;
        self.bytes.push(format | if plain { PLAIN } else { 0 } | if new_root { NEW_ROOT } else { 0 });
        if new_root {
            push_varint(&mut self.bytes, root as usize);
        }
        push_varint(&mut self.bytes, shared);
        push_varint(&mut self.bytes, below.len() - shared);
        self.bytes.extend_from_slice(&below[shared..]);
        self.last.truncate(shared);
        self.last.extend_from_slice(&below[shared..]);
        self.last_root = root;
        self.len += 1;
    }

    fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.blocks.shrink_to_fit();
        self.last = Vec::new();
    }

    fn root_number(&mut self, root: &Path, id_root: &Path, named_id: Option<String>) -> u32 {
        let same = |r: &ListRoot| {
            r.named_id.is_none() && named_id.is_none() && r.root == root && r.id_root == id_root
        };
        if !self.roots.last().is_some_and(same) {
            let id_prefix = if named_id.is_some() { String::new() } else { relative_id(id_root, root) };
            self.roots.push(ListRoot {
                root: root.to_owned(),
                id_root: id_root.to_owned(),
                id_prefix,
                named_id,
            });
        }
        u32::try_from(self.roots.len() - 1).unwrap_or(u32::MAX)
    }
}

impl FileSink for FileList {
    fn push_named(&mut self, path: &Path, id_base: String, format: Format) {
        let root = self.root_number(path, path, Some(id_base));
        self.push(root, format, false, &[]);
    }

    fn push_under(&mut self, root: &Path, id_root: &Path, path: PathBuf, format: Format) {
        match below(root, &path) {
            Some((below, plain)) if !below.is_empty() => {
                let root = self.root_number(root, id_root, None);
                self.push(root, format, plain, below.as_encoded_bytes());
            }
            // Not below the folder walked (never, from the walker): kept whole.
            _ => self.push_named(&path, relative_id(id_root, &path), format),
        }
    }
}

fn walk_root<F: FileSink>(root: &Path, id_root: &Path, options: &WalkOptions, out: &mut Walk<F>) {
    let meta = match std::fs::metadata(root) {
        Ok(m) => m,
        Err(e) => return out.errors.push(Error::io(root, e)),
    };
    if meta.is_file() {
        let name = root.file_name().map_or_else(|| root.to_string_lossy(), |n| n.to_string_lossy());
        match options.format.or_else(|| Format::from_path(root)) {
            Some(format) => {
                let id_base = if id_root == root { name.into_owned() } else { relative_id(id_root, root) };
                out.files.push_named(root, id_base, format)
            }
            None => out.errors.push(Error::UnknownFormat { path: root.to_owned() }),
        }
        return;
    }
    if !meta.is_dir() {
        // Named directly, like a file of unknown format: an error, not a quiet skip.
        let kind = special_kind(&meta.file_type());
        return out.errors.push(Error::NotAFile { path: root.to_owned(), kind });
    }
    let walker = walkdir::WalkDir::new(root)
        .follow_links(options.follow_symlinks)
        // By name: siblings share their parent's path, so comparing whole paths orders them
        // as their names would, without taking each name apart again at every comparison
        // (walkdir's own `sort_by_file_name` was an eighth of a re-index of 129k files).
        .sort_by(|a, b| a.path().as_os_str().cmp(b.path().as_os_str()))
        .into_iter()
        // A root the user named may be hidden, but an index is never walked, even as a root.
        .filter_entry(|e| !is_index_dir(e) && (e.depth() == 0 || !is_hidden(e.file_name())));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map_or_else(|| root.to_owned(), Path::to_owned);
                let io = e.into_io_error().unwrap_or_else(|| std::io::Error::other("symbolic link loop"));
                out.errors.push(Error::io(&path, io));
                continue;
            }
        };
        let kind = entry.file_type();
        if kind.is_symlink() {
            out.symlinks_skipped += 1;
            out.skipped.push(Skipped { path: entry.into_path(), reason: SkipReason::SymbolicLink });
            continue;
        }
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            out.skip_special(entry.into_path(), &kind);
            continue;
        }
        // By the name alone: the whole path need not be taken apart again.
        let Some(format) = options.format.or_else(|| Format::from_path(Path::new(entry.file_name()))) else {
            out.unknown_extension += 1;
            out.skipped.push(Skipped { path: entry.into_path(), reason: SkipReason::UnknownExtension });
            continue;
        };
        out.files.push_under(root, id_root, entry.into_path(), format);
    }
}

impl<F> Walk<F> {
    fn skip_special(&mut self, path: PathBuf, kind: &std::fs::FileType) {
        self.special_skipped += 1;
        self.skipped
            .push(Skipped { path, reason: SkipReason::NotARegularFile(special_kind(kind).to_owned()) });
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

fn is_index_dir(entry: &walkdir::DirEntry) -> bool {
    entry.file_type().is_dir() && entry.path().join(INDEX_MARKER_FILE).exists()
}

/// `path` below `root`, as the walker made it (`root` joined with names), and whether that is
/// plain ([`plain_relative`]): the bytes after `root/` on Unix, where that is the same as
/// taking both paths apart.
fn below<'a>(root: &Path, path: &'a Path) -> Option<(&'a std::ffi::OsStr, bool)> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (root, whole) = (root.as_os_str().as_bytes(), path.as_os_str().as_bytes());
        let rest = whole
            .strip_prefix(root)
            .and_then(|r| if root.ends_with(b"/") { Some(r) } else { r.strip_prefix(b"/") })
            .map(std::ffi::OsStr::from_bytes);
        if let Some(rest) = rest.filter(|r| plain_relative(r).is_some()) {
            return Some((rest, true));
        }
    }
    let below = path.strip_prefix(root).ok()?.as_os_str();
    Some((below, plain_relative(below).is_some()))
}

/// A relative path as text when it is already its own id: UTF-8, `/`-separated (the only
/// separator on Unix), with no empty or `.` part. `None` otherwise (ask [`relative_id`]).
fn plain_relative(path: &std::ffi::OsStr) -> Option<&str> {
    let text = path.to_str().filter(|_| cfg!(unix))?;
    let plain = !text.is_empty()
        && !text.starts_with('/')
        && !text.ends_with('/')
        && !text.contains("//")
        && !text.split('/').any(|part| part == "." || part == "..");
    plain.then_some(text)
}

/// `root/a/b.txt` → `a/b.txt`, always `/`-separated so ids match across platforms.
fn relative_id(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<_> = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    parts.join("/")
}

/// Parses `files` on all cores, yielding results in the order of `files`.
///
/// Work is done in batches so memory stays bounded however many files there are, and the
/// caller can print or index each result as it arrives.
pub fn parse_files<'a>(
    files: &'a [SourceFile],
    options: &'a ParseOptions,
) -> impl Iterator<Item = (&'a SourceFile, Result<Parsed>)> + 'a {
    ordered_par_map(files, move |f| f.parse(options))
}

/// Items handed to the cores at a time by [`ordered_par_map`] and [`ordered_par_map_owned`].
const BATCH: usize = 256;

/// `f` over `items` on all cores, in batches, yielding `(item, result)` in input order.
pub(crate) fn ordered_par_map<'a, T: Sync, R: Send + 'a>(
    items: &'a [T],
    f: impl Fn(&T) -> R + Sync + Send + 'a,
) -> impl Iterator<Item = (&'a T, R)> + 'a {
    ordered_par_map_owned(items.iter(), move |item: &&T| f(item))
}

/// `f` over the items `items` yields, on all cores, a batch taken from it at a time, yielding
/// `(item, result)` in input order.
pub(crate) fn ordered_par_map_owned<'a, T: Send + Sync + 'a, R: Send + 'a>(
    mut items: impl Iterator<Item = T> + 'a,
    f: impl Fn(&T) -> R + Sync + Send + 'a,
) -> impl Iterator<Item = (T, R)> + 'a {
    std::iter::from_fn(move || {
        let batch: Vec<T> = items.by_ref().take(BATCH).collect();
        if batch.is_empty() {
            return None;
        }
        let results: Vec<R> = batch.par_iter().map(&f).collect();
        Some(batch.into_iter().zip(results))
    })
    .flatten()
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn ids(walk: &Walk) -> Vec<&str> {
        walk.files.iter().map(|f| f.id_base.as_str()).collect()
    }

    #[test]
    fn the_compact_list_gives_back_the_files_the_walk_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for p in ["b.txt", "a/z.md", "a/c.json", "a/deep/er/x.txt", "top.md"] {
            let path = root.join(p);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            fs::write(root.join("a").join(std::ffi::OsStr::from_bytes(b"not-utf8-\xff.txt")), "x").unwrap();
        }
        // A folder, a folder inside an indexed folder (ids from the outer one), a file named
        // directly, and one named with an id root above it.
        let roots = [
            (root.to_owned(), root.to_owned()),
            (root.join("a").join("deep"), root.to_owned()),
            (root.join("top.md"), root.join("top.md")),
            (root.join("b.txt"), root.to_owned()),
        ];
        let options = WalkOptions::new();
        let compact = walk_under(&roots, &options);
        let mut whole = Walk::<Vec<SourceFile>>::default();
        for (r, id_root) in &roots {
            walk_root(r, id_root, &options, &mut whole);
        }
        let listed: Vec<SourceFile> = compact.files.files().collect();
        assert_eq!(listed, whole.files);
        assert_eq!(compact.files.len(), whole.files.len());
        assert!(
            listed.iter().any(|f| f.id_base == "a/deep/er/x.txt" && f.path == root.join("a/deep/er/x.txt"))
        );
        assert!(listed.iter().any(|f| f.id_base == "top.md" && f.path == root.join("top.md")));
        for (i, f) in whole.files.iter().enumerate() {
            assert_eq!(compact.files.path(i).as_ref(), Some(&f.path));
        }
        assert_eq!(compact.files.path(whole.files.len()), None);
    }

    #[test]
    fn the_front_coded_list_gives_back_every_file_across_blocks_and_roots() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // Names that share long prefixes, short ones, a folder name that is a prefix of a
        // sibling's, and folders deep enough to cross many blocks.
        let mut names = Vec::new();
        for folder in ["2024/01", "2024/01-extra", "2024/1", "b", "b/c/d/e/f"] {
            for i in 0..23 {
                names.push(format!("{folder}/article-{i:05}.txt"));
            }
            names.push(format!("{folder}/z.md"));
        }
        names.push("a.json".to_owned());
        for name in &names {
            let path = root.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let odd = root.join("b").join(std::ffi::OsStr::from_bytes(b"article-\xff-\xfe.txt"));
            fs::write(odd, "x").unwrap();
        }
        // Roots taking turns, so that blocks hold files of several of them.
        let roots = [
            (root.join("2024"), root.to_owned()),
            (root.join("a.json"), root.join("a.json")),
            (root.join("b"), root.join("b")),
            (root.to_owned(), root.to_owned()),
        ];
        let options = WalkOptions::new();
        let compact = walk_under(&roots, &options);
        let mut whole = Walk::<Vec<SourceFile>>::default();
        for (r, id_root) in &roots {
            walk_root(r, id_root, &options, &mut whole);
        }
        assert!(whole.files.len() > 10 * BLOCK, "{}", whole.files.len());
        assert_eq!(compact.files.len(), whole.files.len());
        assert_eq!(compact.files.files().collect::<Vec<_>>(), whole.files);
        let paths: Vec<PathBuf> = whole.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(compact.files.paths().collect::<Vec<_>>(), paths);
        // Any file on its own, in any order.
        for i in (0..paths.len()).rev() {
            assert_eq!(compact.files.path(i).as_ref(), Some(&paths[i]), "file {i}");
        }
        assert_eq!(compact.files.path(paths.len()), None);
        // A few bytes a file, not a path apiece.
        let listed: usize = paths.iter().map(|p| p.as_os_str().len()).sum();
        assert!(compact.files.bytes.len() * 3 < listed, "{} bytes for {listed}", compact.files.bytes.len());
    }

    proptest::proptest! {
        // Any sequence of files under a few roots (walk order or not, names sharing prefixes or
        // not, named files among them) reads back from the list as pushed, whole and one by one.
        #[test]
        fn the_front_coded_list_reads_back_any_files_pushed(
            files in proptest::collection::vec(
                (0usize..3, proptest::collection::vec("[ab]{0,3}[a-c/]{0,6}[a-z0-9.é]{1,8}", 1..4), 0usize..5),
                0..80,
            )
        ) {
            let roots = [PathBuf::from("/r"), PathBuf::from("/r/sub"), PathBuf::from("/other/place")];
            let mut list = FileList::default();
            let mut plain: Vec<SourceFile> = Vec::new();
            for (root, parts, format) in &files {
                let format = Format::ALL[*format];
                let root = &roots[*root];
                let path = parts.iter().fold(root.clone(), |p, part| p.join(part));
                if parts.len() == 1 && parts[0].ends_with('9') {
                    list.push_named(&path, "named".to_owned(), format);
                    plain.push_named(&path, "named".to_owned(), format);
                } else {
                    list.push_under(root, &roots[0], path.clone(), format);
                    plain.push_under(root, &roots[0], path, format);
                }
            }
            list.shrink_to_fit();
            proptest::prop_assert_eq!(list.len(), plain.len());
            proptest::prop_assert_eq!(list.files().collect::<Vec<_>>(), plain.clone());
            for (i, f) in plain.iter().enumerate().rev() {
                proptest::prop_assert_eq!(list.path(i), Some(f.path.clone()));
            }
            proptest::prop_assert_eq!(list.path(plain.len()), None);
        }
    }

    #[test]
    fn varints_read_back_what_was_written() {
        let values = [0, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as usize, usize::MAX >> 1];
        let mut bytes = Vec::new();
        values.iter().for_each(|&v| push_varint(&mut bytes, v));
        let mut at = 0;
        for v in values {
            assert_eq!(read_varint(&bytes, &mut at), v);
        }
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn the_part_below_a_root_is_what_taking_the_paths_apart_gives() {
        for (root, path) in [
            ("/r", "/r/a/b.txt"),
            ("/r/", "/r/a.txt"),
            ("/", "/a/b.txt"),
            ("./r", "./r/a.txt"),
            ("r", "r/a b/c.md"),
            ("/r", "/r/a//b.txt"),
            ("/r", "/r/./a.txt"),
        ] {
            let (root, path) = (Path::new(root), Path::new(path));
            let expected = path.strip_prefix(root).unwrap();
            let (part, plain) = below(root, path).unwrap();
            assert_eq!(Path::new(part), expected, "{path:?} below {root:?}");
            assert_eq!(root.join(part), path, "{path:?}");
            assert_eq!(plain, plain_relative(part).is_some(), "{path:?}");
        }
        assert_eq!(below(Path::new("/r"), Path::new("/rx/a.txt")), None);
    }

    #[test]
    fn a_plain_relative_path_is_its_own_id() {
        let root = Path::new("/r");
        for text in
            ["a.txt", "a/b.txt", "a b/c-d.md", "a\\b.txt", "a//b.txt", "a/./b.txt", "./a.txt", "a/../b", "a/"]
        {
            let via_parts = relative_id(root, &root.join(text));
            match plain_relative(std::ffi::OsStr::new(text)) {
                Some(plain) => assert_eq!(plain, via_parts, "{text:?}"),
                None => assert!(text.contains("//") || text.contains('.') || text.ends_with('/'), "{text:?}"),
            }
        }
        assert_eq!(plain_relative(std::ffi::OsStr::new("a/b.txt")), Some("a/b.txt"));
    }

    #[test]
    fn recursive_sorted_skipping_hidden_unknown_and_index_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for p in ["b.txt", "a/z.md", "a/c.json", ".hidden/x.txt", "a/.secret.txt", "img.png", "idx/seg.json"]
        {
            let path = root.join(p);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        fs::write(root.join("idx").join(INDEX_MARKER_FILE), "{}").unwrap();
        let w = walk(&[root], &WalkOptions::new());
        assert_eq!(ids(&w), ["a/c.json", "a/z.md", "b.txt"]);
        assert_eq!(w.unknown_extension, 1);
        assert!(w.errors.is_empty());
        let inside = walk(&[root.join("idx")], &WalkOptions::new());
        assert!(
            inside.files.is_empty() && inside.errors.is_empty(),
            "an index named as a root is not walked"
        );
        let forced = walk(&[root], &WalkOptions::new().format(Some(Format::Txt)));
        assert_eq!(ids(&forced), ["a/c.json", "a/z.md", "b.txt", "img.png"]);
        assert!(forced.files.iter().all(|f| f.format == Format::Txt));
    }

    #[test]
    fn named_files_and_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(".note.md");
        fs::write(&file, "x").unwrap();
        let odd = dir.path().join("page.docx");
        fs::write(&odd, "x").unwrap();
        let w = walk(&[file.clone(), odd, dir.path().join("missing")], &WalkOptions::new());
        assert_eq!(ids(&w), [".note.md"]);
        assert!(matches!(w.errors[0], Error::UnknownFormat { .. }));
        assert!(matches!(w.errors[1], Error::Io { .. }));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_followed_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let (root, other) = (dir.path().join("root"), dir.path().join("other"));
        fs::create_dir_all(&root).unwrap();
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("a.txt"), "x").unwrap();
        std::os::unix::fs::symlink(&other, root.join("link")).unwrap();
        std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();
        let w = walk(&[&root], &WalkOptions::new());
        assert!(w.files.is_empty());
        assert_eq!(w.symlinks_skipped, 2);
        let w = walk(&[&root], &WalkOptions::new().follow_symlinks(true));
        assert_eq!(ids(&w), ["link/a.txt"]);
        assert_eq!(w.errors.len(), 1, "the loop is reported: {:?}", w.errors);
    }

    #[test]
    fn parse_files_keeps_order() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..600 {
            fs::write(dir.path().join(format!("{i:04}.txt")), format!("Title {i}\n\nBody")).unwrap();
        }
        let w = walk(&[dir.path()], &WalkOptions::new());
        let options = ParseOptions::new();
        let titles: Vec<String> =
            parse_files(&w.files, &options).map(|(_, r)| r.unwrap().articles[0].title.clone()).collect();
        let want: Vec<String> = (0..600).map(|i| format!("Title {i}")).collect();
        assert_eq!(titles, want);
    }
}
