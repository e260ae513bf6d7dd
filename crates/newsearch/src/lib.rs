//! newsearch: full-text search for folders of news articles.
//!
//! Archives of news come as scraped pages, JSON exports and Markdown notes. newsearch reads
//! them all into one typed [`Article`], indexes them, and answers ranked queries with tag,
//! date and views filters, snippets and totals.
//!
//! ```
//! use newsearch::{Article, Index, IndexOptions, Query, Tag};
//!
//! # fn main() -> Result<(), newsearch::Error> {
//! let index = Index::in_memory(&IndexOptions::new())?;
//! let mut writer = index.writer()?;
//! let mut article = Article::new("kyiv.txt", "kyiv.txt", "Kellogg meets Zelensky in Kyiv");
//! article.body = "The US envoy Keith Kellogg met President Zelensky on Thursday.".into();
//! article.tags.push(Tag::new("Ukraine"));
//! article.date = Some("2025-02-20T10:00:00Z".parse().unwrap());
//! writer.add(&article)?;
//! writer.commit()?;
//!
//! let results = index.search(&Query::new("Zelensky Kellogg").tag("ukraine"))?;
//! assert_eq!(results.total, 1);
//! let hit = &results.hits[0];
//! assert_eq!(hit.article.title, "Kellogg meets Zelensky in Kyiv");
//! assert_eq!(hit.snippet.marked("[", "]"), "The US envoy Keith [Kellogg] met President [Zelensky] on Thursday.");
//! # Ok(())
//! # }
//! ```
//!
//! Folders are indexed incrementally with [`Index::update`]; files are read with [`walk`]
//! and [`parse_files`] when you only need the articles. [`Index::get`] and
//! [`Index::get_by_path`] fetch stored articles, [`Index::stats`] says what an index holds,
//! [`Index::articles`] visits every stored article, and [`Exporter`] writes them for
//! Quickwit, Elasticsearch or OpenSearch.
#![deny(missing_docs)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![doc(test(attr(deny(warnings))))]

mod analyzer;
mod article;
mod error;
mod export;
mod index;
mod near_dup;
mod parse;
mod query;
mod search;
mod stats;
mod update;

pub use analyzer::Stemming;
pub use article::{Article, ArticleBuilder, ArticleId, Tag, storable_dates};
pub use error::{Error, Result, Warning, WarningKind};
pub use export::{Articles, ExportFormat, Exporter, Fingerprinted};
pub use index::damage::{CheckReport, Damage};
pub use index::files::{INDEX_MARKER_FILE, LAST_RUN_FILE};
pub use index::{Index, IndexOptions};
pub use parse::walk::{SkipReason, Skipped, Walk, WalkOptions, parse_files, walk};
pub use parse::{Format, ParseOptions, Parsed, SourceFile, parse_bytes, parse_date, render_txt};
pub use query::{ANY_TITLE_BOOST, Cursor, MatchMode, Period, Query, Sort, TITLE_BOOST, parse_span};
pub use search::explain::{Explanation, ScorePart};
pub use search::facets::{Bucket, FacetCount, Facets, Granularity, Timeline};
pub use search::ranked::RankedHit;
pub use search::related::RELATED_TERMS;
pub use search::snippet::Snippet;
pub use search::{ENOUGH_EVERY_WORD, Hit, SearchResults};
pub use stats::{IndexStats, ValueCount};
pub use update::last_run::LastRun;
pub use update::watch::{WatchEvent, WatchOptions};
pub use update::writer::{CommitStats, IndexWriter, WriterOptions};
pub use update::{CancelToken, Collision, MergeAfter, UpdateEvent, UpdateOptions, UpdateReport};

/// The date and time types of the API ([`Article::date`], [`Query::since`]), re-exported so an
/// app uses the same chrono version as newsearch.
pub use chrono;
