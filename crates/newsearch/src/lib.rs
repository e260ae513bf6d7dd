//! newsearch: full-text search for folders of news articles.
//!
//! Archives of news come as scraped pages, JSON exports and Markdown notes. newsearch reads
//! them all into one typed [`Article`], so everything after parsing works the same whatever
//! the source.
//!
//! ```
//! use newsearch::{parse_files, walk, ParseOptions, WalkOptions};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! std::fs::write(
//!     dir.path().join("kyiv.txt"),
//!     "Kellogg meets Zelensky\n\nUkraine | February 21, 2025, Friday // 08:37|\u{a0} 1,523 views\n\n\
//!      The envoy arrived in Kyiv.\n\nTags: Ukraine, US",
//! )?;
//! std::fs::write(dir.path().join("note.md"), "---\ntitle: Markets calm\ntags: [Economy]\n---\nStocks *rose*.")?;
//!
//! let found = walk(&[dir.path()], &WalkOptions::new());
//! let options = ParseOptions::new();
//! let mut titles = Vec::new();
//! for (file, result) in parse_files(&found.files, &options) {
//!     let parsed = result?;
//!     for article in parsed.articles {
//!         titles.push(format!("{} ({})", article.title, file.id_base));
//!     }
//! }
//! assert_eq!(titles, ["Kellogg meets Zelensky (kyiv.txt)", "Markets calm (note.md)"]);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![warn(clippy::print_stdout, clippy::print_stderr)]
#![doc(test(attr(deny(warnings))))]

mod article;
mod error;
mod parse;
mod walk;

pub use article::{Article, ArticleId, Tag};
pub use error::{Error, Result, Warning, WarningKind};
pub use parse::{Format, ParseOptions, Parsed, SourceFile, parse_bytes, parse_date, render_txt};
pub use walk::{INDEX_MARKER_FILE, Walk, WalkOptions, parse_files, walk};
