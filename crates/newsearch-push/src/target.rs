//! Where a push goes: a cluster's address and the index in it, from one URL.

use std::fmt;
use std::str::FromStr;

use newsearch::{ExportFormat, Exporter};
use url::Url;

use crate::error::{PushError, Result};

/// The index a push writes to, named by a URL such as `http://127.0.0.1:9200/news`.
///
/// The last path segment is the index; anything before it is a path prefix the cluster is
/// reached under (a proxy's `https://search.example.org/opensearch/news`). Only `http` and
/// `https` are accepted, without a query, a fragment or credentials: those come from the
/// environment (see [`Credentials::from_env`](crate::Credentials::from_env)), so that they
/// never appear in a command line, a shell history or a log.
///
/// ```
/// use newsearch_push::Target;
/// let target: Target = "http://127.0.0.1:9200/news".parse()?;
/// assert_eq!(target.index(), "news");
/// assert_eq!(target.to_string(), "http://127.0.0.1:9200/news");
/// assert!("http://admin:secret@127.0.0.1:9200/news".parse::<Target>().is_err());
/// # Ok::<(), newsearch_push::PushError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The cluster's base URL, ending in `/`.
    base: Url,
    index: String,
}

impl Target {
    /// The index name.
    pub fn index(&self) -> &str {
        &self.index
    }

    /// The cluster's base URL (scheme, host, port and path prefix, ending in `/`).
    pub fn cluster(&self) -> &Url {
        &self.base
    }

    /// The URL of `path` on the cluster (`path` relative, without a leading `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The URL of `path` under the index (`""` for the index itself).
    pub(crate) fn index_url(&self, path: &str) -> String {
        if path.is_empty() {
            format!("{}{}", self.base, self.index)
        } else {
            format!("{}{}/{path}", self.base, self.index)
        }
    }

    /// A file name that stands for this target: readable, and unique through a hash of the
    /// whole URL.
    pub(crate) fn state_name(&self) -> String {
        let readable: String =
            format!("{}-{}-{}", self.base.host_str().unwrap_or("host"), self.port(), self.index)
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
                .take(80)
                .collect();
        let hash = xxhash_rust::xxh3::xxh3_64(self.to_string().as_bytes());
        format!("{readable}-{:08x}.json", hash as u32)
    }

    fn port(&self) -> u16 {
        self.base.port_or_known_default().unwrap_or(0)
    }
}

impl FromStr for Target {
    type Err = PushError;

    fn from_str(text: &str) -> Result<Target> {
        let invalid =
            |problem: &str| PushError::InvalidTarget { url: redact(text), problem: problem.to_owned() };
        let url = Url::parse(text.trim()).map_err(|e| invalid(&e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme must be http or https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "credentials can't be part of the URL: set NEWSEARCH_ES_USER and NEWSEARCH_ES_PASSWORD, \
                 or NEWSEARCH_ES_API_KEY",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a query or fragment can't be part of the URL"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("the URL has no host"));
        }
        let mut segments: Vec<String> = url
            .path_segments()
            .map(|s| s.filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        let Some(index) = segments.pop() else {
            return Err(invalid(
                "the URL names no index: add it as the last path segment, as in http://127.0.0.1:9200/news",
            ));
        };
        let index = percent_decode(&index);
        Exporter::new(ExportFormat::Bulk).bulk_index(&index).map_err(|e| invalid(&e.to_string()))?;
        let mut base = url.clone();
        let prefix: String = segments.iter().map(|s| format!("/{s}")).collect();
        base.set_path(&format!("{prefix}/"));
        Ok(Target { base, index })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.base, self.index)
    }
}

/// `text` with anything that looks like credentials (`user:password@`) blanked out, for
/// error messages about a URL that was refused for holding them.
fn redact(text: &str) -> String {
    match (text.find("://"), text.find('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}://***@{}", &text[..scheme], &text[at + 1..]),
        _ => text.to_owned(),
    }
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_segment_is_the_index_and_the_rest_a_prefix() {
        let t: Target = "https://search.example.org/opensearch/news-2025".parse().unwrap();
        assert_eq!(t.index(), "news-2025");
        assert_eq!(t.cluster().as_str(), "https://search.example.org/opensearch/");
        assert_eq!(t.url("_bulk"), "https://search.example.org/opensearch/_bulk");
        assert_eq!(t.index_url("_bulk"), "https://search.example.org/opensearch/news-2025/_bulk");
        assert_eq!(t.index_url(""), "https://search.example.org/opensearch/news-2025");
        let t: Target = "http://127.0.0.1:9200/news/".parse().unwrap();
        assert_eq!(t.to_string(), "http://127.0.0.1:9200/news");
    }

    #[test]
    fn refused_urls_say_why_and_never_echo_a_password() {
        for (url, why) in [
            ("ftp://h/news", "scheme"),
            ("http://127.0.0.1:9200", "names no index"),
            ("http://127.0.0.1:9200/News", "lowercase"),
            ("http://127.0.0.1:9200/news?refresh=true", "query"),
            ("not a url", "relative URL"),
        ] {
            let err = url.parse::<Target>().unwrap_err().to_string();
            assert!(err.contains(why), "{url}: {err}");
        }
        let err = "http://admin:hunter2@127.0.0.1:9200/news".parse::<Target>().unwrap_err().to_string();
        assert!(err.contains("NEWSEARCH_ES_USER") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn state_names_differ_per_target_and_are_plain_file_names() {
        let a: Target = "http://127.0.0.1:9200/news".parse().unwrap();
        let b: Target = "http://127.0.0.1:9201/news".parse().unwrap();
        let c: Target = "http://127.0.0.1:9200/prefix/news".parse().unwrap();
        let names = [a.state_name(), b.state_name(), c.state_name()];
        assert!(names[0].starts_with("127.0.0.1-9200-news-"), "{}", names[0]);
        assert!(names[0] != names[1] && names[0] != names[2]);
        assert!(names.iter().all(|n| !n.contains('/') && n.ends_with(".json")));
    }
}
