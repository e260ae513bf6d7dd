//! Pushes a newsearch archive to an Elasticsearch or OpenSearch cluster, and keeps it in step.
//!
//! When an archive outgrows one machine, the answer is an existing distributed engine. This
//! crate loads a [`newsearch::Index`] into one over its HTTP API:
//!
//! - it creates the target index with the documented mapping ([`index_body`]) when it does
//!   not exist;
//! - it streams `_bulk` requests of bounded size, several at once, retrying busy (429) and
//!   failing (5xx) answers and lost connections with backoff, and reports each document the
//!   cluster refuses by id ([`PushReport::failed`]): nothing is counted as sent that the
//!   cluster did not acknowledge;
//! - it is **incremental**: a record beside the index (one per target, see [`STATE_DIR`])
//!   holds the fingerprint of every article the target acknowledged, so the next push sends
//!   only what was added or changed since and deletes what left the archive. Without a record,
//!   or when the target index was recreated, everything is sent, and ids in the target that the
//!   archive no longer has are deleted. An interrupted push leaves a record of what arrived;
//!   re-sending is harmless, as the article id is the `_id`.
//!
//! ```no_run
//! use newsearch::Index;
//! use newsearch_push::{push, PushOptions, Target};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let index = Index::open("news-index")?;
//! let target: Target = "http://127.0.0.1:9200/news".parse()?;
//! let options = PushOptions::new().credentials(newsearch_push::Credentials::from_env()?);
//! let report = push(&index, &target, &options, |_event| {})?;
//! println!("{} sent, {} deleted, {} failed", report.sent(), report.deleted, report.failed.len());
//! # Ok(())
//! # }
//! ```

mod bulk;
mod client;
mod error;
mod mapping;
mod run;
mod state;
mod target;

pub use client::{Backoff, Credentials, Retry};
pub use error::{PushError, Result};
pub use mapping::{index_body, mapping};
pub use run::{Failure, Plan, PushEvent, PushOptions, PushReport, push};
pub use state::STATE_DIR;
pub use target::Target;
