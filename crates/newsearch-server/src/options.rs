//! What a router allows a request to ask for, and where it is mounted.

use std::time::Duration;

/// Bounds and settings of a [`router`](crate::router). Every size that comes from a request is
/// bounded here before it costs anything; the defaults suit a server on a laptop or a small VM.
///
/// ```
/// use std::time::Duration;
/// use newsearch_server::ServerOptions;
///
/// let options = ServerOptions::new().max_limit(50).timeout(Duration::from_secs(10)).base_path("/news");
/// assert_eq!(options.get_max_limit(), 50);
/// assert_eq!(options.get_base_path(), "/news");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOptions {
    max_query_chars: usize,
    max_uri_bytes: usize,
    max_body_bytes: usize,
    max_limit: usize,
    page_size: usize,
    facet_size: usize,
    timeout: Duration,
    base_path: String,
}

impl Default for ServerOptions {
    fn default() -> ServerOptions {
        ServerOptions::new()
    }
}

impl ServerOptions {
    /// The longest query text (`q`) accepted by default, in characters.
    pub const DEFAULT_MAX_QUERY_CHARS: usize = 1_000;
    /// The longest request target (path and query string) accepted by default, in bytes.
    pub const DEFAULT_MAX_URI_BYTES: usize = 8 * 1024;
    /// The largest request body accepted by default, in bytes. No endpoint reads a body, so
    /// this only bounds what a client may send.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;
    /// The most hits one API request may ask for by default (`limit`).
    pub const DEFAULT_MAX_LIMIT: usize = 100;
    /// Hits per page of the web page.
    pub const DEFAULT_PAGE_SIZE: usize = 10;
    /// Tags and sections listed in the web page's sidebar.
    pub const DEFAULT_FACET_SIZE: usize = 12;
    /// How long a request may take by default before it is answered 503.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// The defaults.
    pub fn new() -> ServerOptions {
        ServerOptions {
            max_query_chars: Self::DEFAULT_MAX_QUERY_CHARS,
            max_uri_bytes: Self::DEFAULT_MAX_URI_BYTES,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            max_limit: Self::DEFAULT_MAX_LIMIT,
            page_size: Self::DEFAULT_PAGE_SIZE,
            facet_size: Self::DEFAULT_FACET_SIZE,
            timeout: Self::DEFAULT_TIMEOUT,
            base_path: String::new(),
        }
    }

    /// The longest query text accepted, in characters; longer is answered 414.
    pub fn max_query_chars(mut self, n: usize) -> Self {
        self.max_query_chars = n;
        self
    }

    /// The longest request target (path and query string) accepted, in bytes; longer is
    /// answered 414.
    pub fn max_uri_bytes(mut self, n: usize) -> Self {
        self.max_uri_bytes = n;
        self
    }

    /// The largest request body accepted, in bytes; larger is answered 413.
    pub fn max_body_bytes(mut self, n: usize) -> Self {
        self.max_body_bytes = n;
        self
    }

    /// The most hits one API request may ask for (`limit`, at least 1); more is answered 400.
    /// Whatever this is, `offset + limit` stays within
    /// [`Query::MAX_WINDOW`](newsearch::Query::MAX_WINDOW).
    pub fn max_limit(mut self, n: usize) -> Self {
        self.max_limit = n.max(1);
        self
    }

    /// Hits per page of the web page (at least 1).
    pub fn page_size(mut self, n: usize) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Tags and sections the web page's sidebar lists.
    pub fn facet_size(mut self, n: usize) -> Self {
        self.facet_size = n;
        self
    }

    /// How long a request may take before it is answered 503 (a search already running on the
    /// blocking pool then finishes unseen).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The path the router is mounted under (`"/news"` for `Router::nest("/news", …)`), so the
    /// web page's links and form point inside it. Empty by default (mounted at the root); a
    /// trailing `/` is ignored.
    pub fn base_path(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        let trimmed = path.trim_end_matches('/');
        self.base_path = if trimmed.is_empty() || trimmed.starts_with('/') {
            trimmed.to_owned()
        } else {
            format!("/{trimmed}")
        };
        self
    }

    /// See [`ServerOptions::max_query_chars`].
    pub fn get_max_query_chars(&self) -> usize {
        self.max_query_chars
    }

    /// See [`ServerOptions::max_uri_bytes`].
    pub fn get_max_uri_bytes(&self) -> usize {
        self.max_uri_bytes
    }

    /// See [`ServerOptions::max_body_bytes`].
    pub fn get_max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// See [`ServerOptions::max_limit`].
    pub fn get_max_limit(&self) -> usize {
        self.max_limit
    }

    /// See [`ServerOptions::page_size`].
    pub fn get_page_size(&self) -> usize {
        self.page_size
    }

    /// See [`ServerOptions::facet_size`].
    pub fn get_facet_size(&self) -> usize {
        self.facet_size
    }

    /// See [`ServerOptions::timeout`].
    pub fn get_timeout(&self) -> Duration {
        self.timeout
    }

    /// See [`ServerOptions::base_path`].
    pub fn get_base_path(&self) -> &str {
        &self.base_path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_paths_are_written_one_way() {
        for (given, kept) in [("", ""), ("/", ""), ("/news", "/news"), ("/news/", "/news"), ("news", "/news")]
        {
            assert_eq!(ServerOptions::new().base_path(given).get_base_path(), kept, "{given:?}");
        }
    }

    #[test]
    fn counts_that_would_mean_nothing_are_at_least_one() {
        let options = ServerOptions::new().max_limit(0).page_size(0);
        assert_eq!((options.get_max_limit(), options.get_page_size()), (1, 1));
    }
}
