//! What can stop a push.

use std::path::PathBuf;

/// Why a push could not run or could not finish. Documents the cluster refused one by one are
/// not errors: they are listed in [`PushReport::failed`](crate::PushReport::failed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// The target URL can't name an index.
    #[error("{url}: {problem}")]
    InvalidTarget { url: String, problem: String },

    /// Credentials in the environment are incomplete or contradictory.
    #[error("credentials: {0}")]
    Credentials(String),

    /// The cluster could not be reached or kept failing after every retry.
    #[error("{url}: {reason}")]
    Unreachable { url: String, reason: String },

    /// The cluster refused the credentials (401) or the action (403).
    #[error("{url}: the cluster refused the request ({status}): {reason}")]
    Refused { url: String, status: u16, reason: String },

    /// The cluster answered something a push can't go on from.
    #[error("{url}: {status}: {reason}")]
    Cluster { url: String, status: u16, reason: String },

    /// The push state beside the index could not be read or written.
    #[error("{}: {source}", path.display())]
    State { path: PathBuf, source: std::io::Error },

    /// The push was cancelled; what was acknowledged until then is recorded.
    #[error("push cancelled")]
    Cancelled,

    /// Reading the index failed.
    #[error(transparent)]
    Index(#[from] newsearch::Error),
}

/// `Result` with [`PushError`].
pub type Result<T, E = PushError> = std::result::Result<T, E>;
