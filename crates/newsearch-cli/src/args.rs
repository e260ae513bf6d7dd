//! Command-line arguments. Flags become library values here and nowhere else.

use std::path::PathBuf;

use chrono::TimeDelta;

use clap::{Args, Parser, Subcommand};
use newsearch::{
    Cursor, ExportFormat, Exporter, Format, IndexOptions, MergeAfter, ParseOptions, Period, Query, Stemming,
    UpdateOptions, WalkOptions, WriterOptions,
};

use crate::choices::{ExportFormatArg, FormatArg, ModeArg, SortArg, StemmingArg};
use crate::exit::{Exit, status_help};
use crate::output::Page;

/// `index` and `parse`: the statuses of a run over files.
fn files_help() -> String {
    status_help(&[
        (Exit::Success, "on success"),
        (
            Exit::Error,
            "if any file or record could not be read (each problem is printed to stderr as \
             `newsearch: PATH: problem`)",
        ),
    ])
}

const QUERY_SYNTAX: &str = "Query syntax: words match in title, body or tags (up to three must all match, \
relaxed when too few articles have them all; four or more rank by any of them; see --mode); \"exact phrase\"; \
a OR b; -word excludes; title:, body:, tag:, section:, source: limit a word or phrase to one field; \
word* matches a prefix; word~ or word~2 tolerates typos; word^2 or \"a phrase\"^0.5 weighs a part; parentheses group.

Dates (--since, --until): YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], an RFC 3339 time, any \
date form articles use, or a span back from now: 12h, 7d, 2w, 3m, 1y. Both ends are inclusive: --until 2025-02 includes all of February (UTC).";

fn query_help() -> String {
    let status = status_help(&[
        (Exit::Success, "if something matched"),
        (Exit::NotFound, "if nothing did"),
        (Exit::Error, "on error"),
    ]);
    format!("{QUERY_SYNTAX}\n\n{}\n\n{status}", paging_help())
}

/// How pages are reached, for `query` and `related`.
fn paging_help() -> String {
    format!(
        "Paging: --offset and -n reach the first {} results. A page with more results after it \
ends with the cursor of the next page (`next page: --after CURSOR` after the count line, or a \
{{\"next\": CURSOR}} line with --json), which --after continues from at any depth; ranks then \
count from the cursor.",
        crate::output::thousands(Query::MAX_WINDOW as u64)
    )
}

fn related_help() -> String {
    let terms = newsearch::RELATED_TERMS;
    let status = status_help(&[
        (Exit::Success, "if related articles were found"),
        (Exit::NotFound, "if none"),
        (Exit::Error, "on error (an unknown ID is an error)"),
    ]);
    format!(
        "The article's {terms} most telling words (tf × idf, title and tag words counting \
twice) are searched for in any order; the article itself and near-identical copies are left out.

ID may also be the path of an indexed file holding one article, as for `newsearch show`.

{}

{status}",
        paging_help()
    )
}

fn show_help() -> String {
    let status = status_help(&[
        (Exit::Success, "if the article was found"),
        (Exit::NotFound, "if not (`newsearch: no article with id \"ID\" in INDEX` on stderr)"),
        (Exit::Error, "on error (no index, unreadable index)"),
    ]);
    format!(
        "Ids: an article read from a folder has the path inside that folder as id \
(2025/02/zelensky-pushes-for-us-security-deal.txt), with #N added for the Nth record of a .json array or .jsonl file \
(digest.jsonl#2), unless the record has its own `id`; a file named directly on the command line \
has its file name. `newsearch query` prints each hit's id (after the path where the path does not end with it). When no article has ID, ID is \
tried as the path of an indexed file (relative to the current folder or absolute), and every \
article read from that file is shown.

{status}"
    )
}

fn stats_help() -> String {
    let status =
        status_help(&[(Exit::Success, "on success"), (Exit::Error, "on error (no index, unreadable index)")]);
    format!(
        "Tags and sections are counted case-insensitively (as --tag and --section \
match them) and shown in their most common spelling. The human output lists the 10 most used sections \
and tags; --json lists them all, most used first, and every path skipped at the last `newsearch index` run with its reason. Facts about \
the last run are \"unknown\" (null in JSON) for an index never updated with `newsearch index`.

{status}"
    )
}

fn export_help() -> String {
    let status = status_help(&[
        (Exit::Success, "on success"),
        (
            Exit::Error,
            "on error (with -o, FILE is then left as it was; with --to, also when any document was refused)",
        ),
    ]);
    format!(
        "Documents have the keys id, title, body, tags, section, date (RFC 3339, UTC), \
views, sources, url and path; section, date, views and url are left out when unknown. The README \
gives an Elasticsearch/OpenSearch mapping and a Quickwit index config that fit them.

With --to, the push is recorded beside the index (in its push/ folder, per target): the next push to \
the same URL sends only articles added or changed since and deletes those removed. Busy (429) and \
failing (5xx) answers are retried with backoff; each refused document is named on stderr by id.

{status}"
    )
}

fn check_help() -> String {
    let status = status_help(&[
        (Exit::Success, "when the index is sound"),
        (Exit::Error, "when it is damaged or can't be checked (no index)"),
    ]);
    format!(
        "Reads the whole index: meta.json, each segment's files (present, checksum \
matching) and every stored article. Each damaged file is named on stderr; `newsearch index --rebuild` \
replaces a damaged index with what its folders hold.

{status}"
    )
}

fn serve_help() -> String {
    let status = status_help(&[
        (Exit::Success, "when stopped by SIGINT (Ctrl-C) or SIGTERM"),
        (Exit::Error, "when the index can't be opened or the address can't be listened on"),
    ]);
    format!(
        "Prints `listening on http://HOST:PORT/` on stdout once it accepts connections (with \
--addr 127.0.0.1:0, the port the system chose). The page is at /, the API under /api/ (search, \
articles/ID, related/ID, stats; docs/server.md describes them). Each request reads the latest \
commit, so articles that `newsearch index` adds meanwhile appear without a restart.

There is no authentication: anyone who can reach the address can read every indexed article. \
The default address is reachable from this machine only; any other prints a warning.

{status}"
    )
}

/// Full-text search for folders of news articles.
#[derive(Debug, Parser)]
#[command(name = "newsearch", version, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Index article files or folders (incrementally: unchanged files are skipped).
    #[command(after_help = files_help())]
    Index(IndexArgs),
    /// Search the index; without TEXT, list the articles that pass the filters.
    #[command(after_help = query_help())]
    Query(QueryArgs),
    /// Parse article files or folders and print what was read, without indexing.
    #[command(after_help = files_help())]
    Parse(ParseArgs),
    /// Articles most like one article (over its title, body and tags), near-identical copies left out.
    #[command(after_help = related_help())]
    Related(RelatedArgs),
    /// Print one indexed article in full: title, metadata, path, URL, body and sources.
    #[command(after_help = show_help())]
    Show(ShowArgs),
    /// Summarize the index: articles, dates, sections, tags, size and the last indexing run.
    #[command(after_help = stats_help())]
    Stats(StatsArgs),
    /// Write every indexed article as JSON Lines (for Quickwit) or as an Elasticsearch/OpenSearch
    /// bulk body.
    #[command(after_help = export_help())]
    Export(ExportArgs),
    /// Verify the index: every file's checksum, and every stored article read back.
    #[command(after_help = check_help())]
    Check(CheckArgs),
    /// Serve a search page and a JSON API over the index, read-only, until stopped.
    #[command(after_help = serve_help())]
    Serve(ServeArgs),
    /// Print a completion script for a shell.
    Completions(CompletionsArgs),
    /// Print the newsearch(1) man page, or write every page into a folder with -o.
    Man(ManArgs),
}

/// The environment variable naming the index folder when `--index` is not given.
pub(crate) const INDEX_ENV: &str = "NEWSEARCH_INDEX";
/// The id of the `--index` argument.
pub(crate) const INDEX_ARG: &str = "dir";

/// Where the index lives; shared by every command that uses one.
#[derive(Debug, Args)]
pub(crate) struct IndexLocation {
    /// Index folder [default: ./.newsearch]
    #[arg(
        long = "index",
        value_name = "DIR",
        env = INDEX_ENV,
        default_value = ".newsearch",
        hide_default_value = true
    )]
    pub(crate) dir: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct IndexArgs {
    /// Files or folders to index; without any, the folders indexed before are updated.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    #[command(flatten)]
    pub(crate) location: IndexLocation,

    /// Start over: replace the index with what PATHs hold (searches see the old index until done).
    #[arg(long)]
    pub(crate) rebuild: bool,

    /// Memory for indexing (bytes, or with a K, M or G suffix).
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size)]
    pub(crate) memory: u64,

    /// Indexing threads [default: one per core, at most 8]
    #[arg(long, value_name = "N", value_parser = parse_at_least_one)]
    pub(crate) threads: Option<usize>,

    /// Stemming for a new or rebuilt index [default: porter]. An existing index keeps its
    /// stemming: another one needs --rebuild.
    // No default value here: an existing index with another stemming must be told apart from
    // a user who asked for nothing.
    #[arg(long, value_name = "LANGUAGE", ignore_case = true)]
    pub(crate) stemming: Option<StemmingArg>,

    /// Commit after this many articles, so searches see progress and a killed run keeps it
    /// (a commit also happens at least every 30 s; --rebuild commits once, at the end).
    #[arg(
        long,
        value_name = "N",
        default_value_t = newsearch::UpdateOptions::DEFAULT_COMMIT_EVERY,
        value_parser = parse_at_least_one
    )]
    pub(crate) commit_every: usize,

    /// Merge the index into one segment at the end, whatever the run added (the disk in use
    /// then briefly doubles). By default, runs that added 10,000 articles or more merge into
    /// two or three segments, with less than 1.5× the index on disk.
    #[arg(long, conflicts_with = "no_merge")]
    pub(crate) merge: bool,

    /// Never merge at the end, even after a bulk run.
    #[arg(long)]
    pub(crate) no_merge: bool,

    /// Print nothing but problems.
    #[arg(long, short)]
    pub(crate) quiet: bool,

    /// Print JSON Lines on stdout: one object per skipped path ({"skipped": PATH, "reason": …}),
    /// then a summary ({"summary": {…}}); with --watch, then one {"batch": {…}} per batch applied.
    #[arg(long)]
    pub(crate) json: bool,

    /// After indexing, follow the folders: every file created, edited, renamed or deleted is
    /// indexed within about a second, until Ctrl-C (or SIGTERM) commits what is pending.
    #[arg(long, conflicts_with = "rebuild")]
    pub(crate) watch: bool,

    /// With --watch, also rescan every folder this often (seconds), for file systems that send
    /// no change events (network mounts).
    #[arg(long, value_name = "SECONDS", requires = "watch", value_parser = parse_at_least_one)]
    pub(crate) poll: Option<usize>,

    #[command(flatten)]
    pub(crate) input: InputArgs,
}

impl IndexArgs {
    /// The stemming asked for with `--stemming`, if any.
    pub(crate) fn stemming(&self) -> Option<Stemming> {
        self.stemming.map(Stemming::from)
    }

    /// Options for creating the index: the stemming asked for, else `current` (the stemming of
    /// the index being rebuilt, which a rebuild keeps), else the default.
    pub(crate) fn index_options(&self, current: Option<Stemming>) -> IndexOptions {
        IndexOptions::new().stemming(self.stemming().or(current).unwrap_or_default())
    }

    pub(crate) fn writer_options(&self) -> WriterOptions {
        let writer = WriterOptions::new().memory_budget(usize::try_from(self.memory).unwrap_or(usize::MAX));
        match self.threads {
            Some(n) => writer.threads(n),
            None => writer,
        }
    }

    pub(crate) fn update_options(&self) -> UpdateOptions {
        let writer = self.writer_options();
        UpdateOptions::new()
            .walk(self.input.walk_options())
            .parse(self.input.parse_options())
            .writer(writer)
            .rebuild(self.rebuild)
            .commit_every(self.commit_every)
            .merge(match (self.merge, self.no_merge) {
                (true, _) => MergeAfter::OneSegment,
                (_, true) => MergeAfter::Never,
                _ => MergeAfter::default(),
            })
    }
}

#[derive(Debug, Args)]
pub(crate) struct QueryArgs {
    /// What to search for (several words are joined: quoting is optional).
    #[arg(value_name = "TEXT")]
    pub(crate) text: Vec<String>,

    #[command(flatten)]
    pub(crate) location: IndexLocation,

    #[command(flatten)]
    pub(crate) filters: FilterArgs,

    /// Tolerate typos: "Zelenski" finds "Zelensky".
    #[arg(long)]
    pub(crate) fuzzy: bool,

    /// How words combine.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = ModeArg::Auto, ignore_case = true)]
    pub(crate) mode: ModeArg,

    /// Favour recent articles: a match's boost (up to ×2) halves every HALF_LIFE before the
    /// newest article (or --as-of): 12h, 30d, 2w, 3m, 1y.
    #[arg(long, value_name = "HALF_LIFE", value_parser = parse_half_life)]
    pub(crate) recent: Option<TimeDelta>,

    /// Measure --recent from this date instead of the newest article's.
    #[arg(long, value_name = "DATE", value_parser = parse_value::<Period>, requires = "recent")]
    pub(crate) as_of: Option<Period>,

    /// Favour much-read articles: scores grow with log(views), up to ×2 for the most viewed
    /// (without TEXT: most viewed first).
    #[arg(long)]
    pub(crate) popular: bool,

    /// Show top tags, sections and matches per period, counted over all matches.
    #[arg(long)]
    pub(crate) facets: bool,

    /// Draw matches per day, month or year as a bar chart.
    #[arg(long)]
    pub(crate) timeline: bool,

    /// Show how each hit's score is made up: per field and word, boosts, recency, popularity.
    #[arg(long)]
    pub(crate) explain: bool,

    /// Show near-identical articles (syndicated copies) once, with "+N similar".
    #[arg(long)]
    pub(crate) collapse: bool,

    /// Count every match: without it, a query ranked by relevance stops counting at 10,000
    /// ("10,000+ matches") and only ranks the matches that could still make the page.
    #[arg(long)]
    pub(crate) exact_total: bool,

    /// Print one JSON object per hit, one per line (JSON Lines).
    #[arg(long)]
    pub(crate) json: bool,
}

/// Filters, order and page; shared by `query` and `related`.
#[derive(Debug, Args)]
pub(crate) struct FilterArgs {
    /// Only articles with this tag (case-insensitive); repeat to require several.
    #[arg(long, value_name = "TAG")]
    pub(crate) tag: Vec<String>,

    /// Only articles with at least one of these tags; repeatable.
    #[arg(long, value_name = "TAG")]
    pub(crate) any_tag: Vec<String>,

    /// Only articles in this section (case-insensitive).
    #[arg(long, value_name = "SECTION")]
    pub(crate) section: Option<String>,

    /// Only articles dated in or after this period.
    #[arg(long, value_name = "DATE", value_parser = parse_value::<Period>)]
    pub(crate) since: Option<Period>,

    /// Only articles dated in or before this period.
    #[arg(long, value_name = "DATE", value_parser = parse_value::<Period>)]
    pub(crate) until: Option<Period>,

    /// Only articles with at least N views.
    #[arg(long, value_name = "N")]
    pub(crate) min_views: Option<u64>,

    /// Only articles with at most N views.
    #[arg(long, value_name = "N")]
    pub(crate) max_views: Option<u64>,

    /// Result order [default: relevance with TEXT, else date]
    #[arg(long, value_name = "ORDER", ignore_case = true)]
    pub(crate) sort: Option<SortArg>,

    /// Number of results (with --offset, within the first 10,000; see --after).
    #[arg(short = 'n', long, value_name = "N", default_value_t = Query::DEFAULT_LIMIT)]
    pub(crate) limit: usize,

    /// Skip this many results first (for paging).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) offset: usize,

    /// Continue after this cursor, printed at the end of the previous page (same text, filters
    /// and --sort).
    #[arg(long, value_name = "CURSOR", value_parser = parse_value::<Cursor>)]
    pub(crate) after: Option<Cursor>,
}

impl FilterArgs {
    /// The page asked for.
    pub(crate) fn page(&self) -> Page {
        Page { offset: self.offset, limit: self.limit, after: self.after.is_some() }
    }

    /// `q` with these filters, order and page.
    pub(crate) fn apply(&self, mut q: Query) -> Query {
        q = q.limit(self.limit).offset(self.offset);
        if let Some(cursor) = self.after {
            q = q.after(cursor);
        }
        for t in &self.tag {
            q = q.tag(t);
        }
        for t in &self.any_tag {
            q = q.any_tag(t);
        }
        if let Some(s) = &self.section {
            q = q.section(s);
        }
        if let Some(p) = self.since {
            q = q.since(p.start());
        }
        if let Some(p) = self.until {
            q = q.until(p.end());
        }
        if let Some(n) = self.min_views {
            q = q.min_views(n);
        }
        if let Some(n) = self.max_views {
            q = q.max_views(n);
        }
        if let Some(s) = self.sort {
            q = q.sort(s.into());
        }
        q
    }
}

impl QueryArgs {
    pub(crate) fn to_query(&self) -> Query {
        let mut q = self
            .filters
            .apply(Query::new(self.text.join(" ")))
            .fuzzy(self.fuzzy)
            .mode(self.mode.into())
            .popular(self.popular)
            .facets(self.facets || self.timeline)
            .explain(self.explain)
            .collapse(self.collapse)
            .exact_total(self.exact_total);
        if let Some(half_life) = self.recent {
            q = q.recent(half_life);
        }
        if let Some(p) = self.as_of {
            q = q.as_of(p.end());
        }
        q
    }
}

#[derive(Debug, Args)]
pub(crate) struct RelatedArgs {
    /// The article's id (as `query --json` prints it), or the path of an indexed file that
    /// holds one article.
    #[arg(value_name = "ID")]
    pub(crate) id: String,

    #[command(flatten)]
    pub(crate) location: IndexLocation,

    #[command(flatten)]
    pub(crate) filters: FilterArgs,

    /// Print one JSON object per hit, one per line (JSON Lines).
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ParseArgs {
    /// Files or folders to read (folders recursively; hidden entries are skipped).
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,

    /// Print one JSON object per article, one per line (JSON Lines).
    #[arg(long)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) input: InputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The article's id (as `query --json` prints it), or the path of an indexed file.
    #[arg(value_name = "ID")]
    pub(crate) id: String,

    #[command(flatten)]
    pub(crate) location: IndexLocation,

    /// Print the article as one JSON object with every field (one line per article).
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    #[command(flatten)]
    pub(crate) location: IndexLocation,

    /// Print one JSON object with every count, all tags and the skipped paths.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) location: IndexLocation,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) location: IndexLocation,

    /// Address to listen on: IP:PORT or HOST:PORT (port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7700")]
    pub(crate) addr: String,

    /// Also index these files or folders and follow them, as `index PATH… --watch` does, in
    /// this process: new articles are served within about a second (the index is created if
    /// there is none).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub(crate) watch: Vec<std::path::PathBuf>,

    /// With --watch, also rescan every folder this often (seconds), for file systems that send
    /// no change events (network mounts).
    #[arg(long, value_name = "SECONDS", requires = "watch", value_parser = parse_at_least_one)]
    pub(crate) poll: Option<usize>,
}

/// How input files are found and read; shared by every command that reads articles.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Read every file as this format instead of choosing by extension.
    #[arg(long, value_name = "FORMAT", ignore_case = true)]
    pub(crate) format: Option<FormatArg>,

    /// Follow symbolic links to files and folders.
    #[arg(long)]
    pub(crate) follow_symlinks: bool,

    /// Refuse files larger than this (bytes, or with a K, M or G suffix: 64M).
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    pub(crate) max_file_size: u64,
}

impl InputArgs {
    pub(crate) fn walk_options(&self) -> WalkOptions {
        WalkOptions::new().follow_symlinks(self.follow_symlinks).format(self.format.map(Format::from))
    }

    pub(crate) fn parse_options(&self) -> ParseOptions {
        ParseOptions::new().max_file_size(self.max_file_size)
    }
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub(crate) location: IndexLocation,

    /// Document format: ndjson for Quickwit, bulk for the Elasticsearch/OpenSearch _bulk API.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ExportFormatArg::Ndjson, ignore_case = true)]
    pub(crate) format: ExportFormatArg,

    /// Index named in bulk action lines [default: newsearch]
    #[arg(long, value_name = "NAME")]
    pub(crate) es_index: Option<String>,

    /// Write to FILE instead of stdout: through a temporary file in the same folder, renamed
    /// when complete, so FILE is never half written.
    #[arg(short, long, value_name = "FILE", value_hint = clap::ValueHint::FilePath, conflicts_with = "to")]
    pub(crate) output: Option<PathBuf>,

    /// Push to an Elasticsearch/OpenSearch index instead, such as http://127.0.0.1:9200/news:
    /// created with the documented mapping if missing; later pushes send only what changed.
    /// Credentials come from NEWSEARCH_ES_USER and NEWSEARCH_ES_PASSWORD, or NEWSEARCH_ES_API_KEY.
    #[arg(long, value_name = "URL", conflicts_with_all = ["format", "es_index"], value_hint = clap::ValueHint::Url)]
    pub(crate) to: Option<String>,

    /// With --to: primary shards of an index the push creates.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "to", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) shards: u32,

    /// With --to: replicas of each shard of an index the push creates.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "to")]
    pub(crate) replicas: u32,

    /// With --to: bulk requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 2, requires = "to", value_parser = parse_at_least_one)]
    pub(crate) parallel: usize,

    /// With --to: largest bulk request, in MiB (a larger single article is sent alone).
    #[arg(long, value_name = "MIB", default_value_t = 8, requires = "to", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) batch_mib: u32,

    /// With --to: send every article, whatever the last push recorded, and delete the ids
    /// the target holds that the archive does not.
    #[arg(long, requires = "to")]
    pub(crate) full: bool,

    /// With --to: print the summary as one JSON object on stdout.
    #[arg(long, requires = "to")]
    pub(crate) json: bool,

    /// With --to: no progress bar.
    #[arg(short, long, requires = "to")]
    pub(crate) quiet: bool,
}

impl ExportArgs {
    pub(crate) fn exporter(&self) -> newsearch::Result<Exporter> {
        match (self.format, &self.es_index) {
            (ExportFormatArg::Ndjson, None) => Ok(Exporter::new(ExportFormat::Ndjson)),
            (ExportFormatArg::Ndjson, Some(_)) => {
                Err(newsearch::Error::InvalidArgument("--es-index only applies to --format bulk".into()))
            }
            (ExportFormatArg::Bulk, None) => Ok(Exporter::new(ExportFormat::Bulk)),
            (ExportFormatArg::Bulk, Some(name)) => Exporter::new(ExportFormat::Bulk).bulk_index(name),
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write newsearch.1 and a page per command (newsearch-query.1, …) into DIR, created if
    /// missing, instead of printing newsearch.1.
    #[arg(short, long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub(crate) output: Option<PathBuf>,
}

/// Any library value users type that is not a choice from a list (`Period`), with the
/// library's message.
fn parse_value<T: std::str::FromStr<Err = newsearch::Error>>(text: &str) -> Result<T, String> {
    text.parse().map_err(|e: newsearch::Error| e.to_string())
}

/// A count where 0 would mean something other than what it says (`--commit-every 0` would
/// commit after every article, `--threads 0` would run one thread): refused.
fn parse_at_least_one(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

fn parse_half_life(text: &str) -> Result<TimeDelta, String> {
    newsearch::parse_span(text).map_err(|e| e.to_string())
}

/// `1000`, `64K`, `64M`, `1G`, `64MiB`, `64MB` (binary multiples).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| format!("{text:?} is not a size (e.g. 1000, 512K, 64M, 1G)"))?;
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("{text:?} has an unknown unit (use K, M or G)")),
    };
    n.checked_mul(1 << shift).ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("2KiB"), Ok(2048));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn the_limit_s_help_names_the_window_the_library_has() {
        use clap::CommandFactory;
        let window = crate::output::thousands(Query::MAX_WINDOW as u64);
        let command = Cli::command();
        let query = command.find_subcommand("query").unwrap();
        let limit = query.get_arguments().find(|a| a.get_id() == "limit").unwrap();
        let help = limit.get_help().unwrap().to_string();
        assert!(help.contains(&format!("within the first {window}")), "{help}");
        assert!(paging_help().contains(&format!("the first {window} results")));
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
