//! HTTP to the cluster: credentials, TLS with the system's roots, and retries with backoff.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use newsearch::CancelToken;
use ureq::tls::{RootCerts, TlsConfig};

use crate::error::{PushError, Result};

/// Credentials for a secured cluster.
///
/// Only ever read from the environment ([`Credentials::from_env`]) or given by an embedding
/// program; never printed: `Debug` shows the user name and nothing else.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// HTTP basic authentication.
    Basic { user: String, password: String },
    /// An API key, sent as `Authorization: ApiKey KEY` (Elasticsearch's form; KEY is the
    /// base64 `encoded` value the cluster gave when the key was created).
    ApiKey(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { user, .. } => write!(f, "Basic {{ user: {user:?}, password: *** }}"),
            Credentials::ApiKey(_) => f.write_str("ApiKey(***)"),
        }
    }
}

impl Credentials {
    /// The variables [`from_env`](Credentials::from_env) reads.
    pub const USER_VAR: &'static str = "NEWSEARCH_ES_USER";
    /// See [`USER_VAR`](Credentials::USER_VAR).
    pub const PASSWORD_VAR: &'static str = "NEWSEARCH_ES_PASSWORD";
    /// See [`USER_VAR`](Credentials::USER_VAR).
    pub const API_KEY_VAR: &'static str = "NEWSEARCH_ES_API_KEY";

    /// Credentials from `NEWSEARCH_ES_USER` and `NEWSEARCH_ES_PASSWORD` (basic), or from
    /// `NEWSEARCH_ES_API_KEY`; `None` when none is set. A user without a password (or the
    /// reverse), or both kinds at once, is an error rather than a guess.
    pub fn from_env() -> Result<Option<Credentials>> {
        Self::from_vars(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Credentials>> {
        let (user, password, key) = (var(Self::USER_VAR), var(Self::PASSWORD_VAR), var(Self::API_KEY_VAR));
        match (user, password, key) {
            (None, None, None) => Ok(None),
            (None, None, Some(key)) => Ok(Some(Credentials::ApiKey(key))),
            (Some(user), Some(password), None) => Ok(Some(Credentials::Basic { user, password })),
            (_, _, Some(_)) => Err(PushError::Credentials(format!(
                "both {} and {}/{} are set: keep one kind",
                Self::API_KEY_VAR,
                Self::USER_VAR,
                Self::PASSWORD_VAR
            ))),
            (Some(_), None, None) => Err(PushError::Credentials(format!(
                "{} is set but {} is not",
                Self::USER_VAR,
                Self::PASSWORD_VAR
            ))),
            (None, Some(_), None) => Err(PushError::Credentials(format!(
                "{} is set but {} is not",
                Self::PASSWORD_VAR,
                Self::USER_VAR
            ))),
        }
    }

    fn header(&self) -> String {
        match self {
            Credentials::Basic { user, password } => {
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
                )
            }
            Credentials::ApiKey(key) => format!("ApiKey {key}"),
        }
    }
}

/// How failed requests are retried: the first wait, doubled after each failure up to `max`,
/// for at most `attempts` tries in all. Each wait is shortened by up to a quarter at random,
/// so parallel senders that failed together do not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    pub attempts: u32,
}

impl Default for Backoff {
    /// 0.25 s, 0.5 s, 1 s … up to 30 s, 8 tries: about a minute of waiting before giving up.
    fn default() -> Self {
        Backoff { first: Duration::from_millis(250), max: Duration::from_secs(30), attempts: 8 }
    }
}

impl Backoff {
    /// The wait after failed try number `attempt` (1-based).
    pub(crate) fn wait(&self, attempt: u32) -> Duration {
        let full = self.first.saturating_mul(1u32 << attempt.saturating_sub(1).min(20)).min(self.max);
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        let jitter = xxhash_rust::xxh3::xxh3_64(&seed.to_le_bytes()) % 1000;
        full.mul_f64(1.0 - jitter as f64 / 4000.0)
    }
}

/// A response: its status and body.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The cluster's own explanation: `type: reason` from an error body, or the start of
    /// the body.
    pub(crate) fn reason(&self) -> String {
        error_reason(&self.body)
    }
}

/// `type: reason` of an Elasticsearch/OpenSearch error body, or its first 300 characters.
pub(crate) fn error_reason(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let error = &value["error"];
        if let Some(text) = described(error) {
            return text;
        }
        if let Some(text) = error.as_str() {
            return text.to_owned();
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() { "(no explanation)".to_owned() } else { text.chars().take(300).collect() }
}

/// `type: reason` of one error object.
pub(crate) fn described(error: &serde_json::Value) -> Option<String> {
    match (error["type"].as_str(), error["reason"].as_str()) {
        (Some(kind), Some(reason)) => Some(format!("{kind}: {reason}")),
        (Some(kind), None) => Some(kind.to_owned()),
        (None, Some(reason)) => Some(reason.to_owned()),
        (None, None) => None,
    }
}

/// A retry about to happen, for progress reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retry {
    /// The try that failed (1-based).
    pub attempt: u32,
    /// How long before the next one.
    pub wait: Duration,
    /// Why it failed: a status with the cluster's reason, or a connection error.
    pub reason: String,
}

/// What one try of a request came to.
enum Outcome {
    Answer(Answer),
    /// Worth trying again: the cluster was busy (429) or failing (5xx).
    Transient(String),
    /// Worth trying again: no answer (the connection failed or timed out).
    NoAnswer(String),
}

/// An HTTP client for one cluster.
#[derive(Clone)]
pub(crate) struct Client {
    agent: ureq::Agent,
    auth: Option<String>,
    backoff: Backoff,
    /// Tries before giving up on a connection that fails (normally as many as `backoff` allows).
    connect_attempts: u32,
}

impl Client {
    pub(crate) fn new(credentials: Option<&Credentials>, backoff: Backoff, timeout: Duration) -> Client {
        let tls = TlsConfig::builder().root_certs(RootCerts::PlatformVerifier).build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(timeout))
            .user_agent(concat!("newsearch/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Client {
            agent,
            auth: credentials.map(Credentials::header),
            backoff,
            connect_attempts: backoff.attempts,
        }
    }

    /// The same client giving up on a connection that fails after `attempts` tries (the first
    /// contact: a wrong address should fail in a second, not after a minute of backoff; a
    /// cluster that answers 503 while it starts is still waited for).
    pub(crate) fn connect_attempts(&self, attempts: u32) -> Client {
        let mut client = self.clone();
        client.connect_attempts = attempts;
        client
    }

    fn try_once(&self, method: &str, url: &str, body: Option<&[u8]>) -> Outcome {
        let mut request = ureq::http::Request::builder().method(method).uri(url);
        if let Some(auth) = &self.auth {
            request = request.header("Authorization", auth);
        }
        if body.is_some() {
            let kind = if url.contains("_bulk") { "application/x-ndjson" } else { "application/json" };
            request = request.header("Content-Type", kind);
        }
        let request = match request.body(body.unwrap_or_default()) {
            Ok(request) => request,
            Err(e) => return Outcome::Transient(format!("can't build the request: {e}")),
        };
        match self.agent.run(request) {
            Ok(mut response) => {
                let status = response.status().as_u16();
                let body = match response.body_mut().with_config().limit(256 << 20).read_to_vec() {
                    Ok(body) => body,
                    Err(e) => return Outcome::NoAnswer(format!("reading the answer: {e}")),
                };
                let answer = Answer { status, body };
                if status == 429 || (500..600).contains(&status) {
                    Outcome::Transient(format!("{status}: {}", answer.reason()))
                } else {
                    Outcome::Answer(answer)
                }
            }
            Err(e) => Outcome::NoAnswer(connection_error(&e)),
        }
    }

    /// Sends a request, retrying connection errors, 429 and 5xx answers with backoff. Other
    /// answers are returned as they are, except 401 and 403, which are errors: no request
    /// after them can succeed.
    pub(crate) fn call(
        &self,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        cancel: &Stop,
        on_retry: &mut dyn FnMut(&Retry),
    ) -> Result<Answer> {
        let mut attempt = 1;
        loop {
            let (reason, limit) = match self.try_once(method, url, body) {
                Outcome::Answer(answer) if matches!(answer.status, 401 | 403) => {
                    let (status, reason) = (answer.status, answer.reason());
                    return Err(PushError::Refused { url: url.to_owned(), status, reason });
                }
                Outcome::Answer(answer) => return Ok(answer),
                Outcome::Transient(reason) => (reason, self.backoff.attempts),
                Outcome::NoAnswer(reason) => (reason, self.connect_attempts),
            };
            if attempt >= limit {
                let reason = format!("{reason} (gave up after {attempt} tries)");
                return Err(PushError::Unreachable { url: url.to_owned(), reason });
            }
            let wait = self.backoff.wait(attempt);
            on_retry(&Retry { attempt, wait, reason });
            sleep_unless_cancelled(wait, cancel)?;
            attempt += 1;
        }
    }

    /// Waits before re-sending items the cluster rejected as busy.
    pub(crate) fn pause(&self, attempt: u32, cancel: &Stop) -> Result<Option<Duration>> {
        if attempt >= self.backoff.attempts {
            return Ok(None);
        }
        let wait = self.backoff.wait(attempt);
        sleep_unless_cancelled(wait, cancel)?;
        Ok(Some(wait))
    }
}

/// What stops a push early: the caller's token, or the push's own (set when one thread hits
/// an error that ends the push).
#[derive(Debug, Clone, Default)]
pub(crate) struct Stop {
    pub(crate) caller: CancelToken,
    pub(crate) own: CancelToken,
}

impl Stop {
    pub(crate) fn new(caller: &CancelToken) -> Stop {
        Stop { caller: caller.clone(), own: CancelToken::new() }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.caller.is_cancelled() || self.own.is_cancelled()
    }

    pub(crate) fn cancel(&self) {
        self.own.cancel();
    }
}

fn sleep_unless_cancelled(wait: Duration, cancel: &Stop) -> Result<()> {
    let until = std::time::Instant::now() + wait;
    loop {
        if cancel.is_cancelled() {
            return Err(PushError::Cancelled);
        }
        let now = std::time::Instant::now();
        if now >= until {
            return Ok(());
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

/// A connection error in a line: the cause, not ureq's wrapping.
fn connection_error(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is the cluster running?)".to_owned()
        }
        ureq::Error::HostNotFound => "host not found".to_owned(),
        ureq::Error::Timeout(what) => format!("timed out ({what})"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn credentials_come_whole_or_not_at_all_and_never_print() {
        assert_eq!(Credentials::from_vars(vars(&[])).unwrap(), None);
        let basic = Credentials::from_vars(vars(&[
            ("NEWSEARCH_ES_USER", "ana"),
            ("NEWSEARCH_ES_PASSWORD", "s3cret"),
        ]))
        .unwrap();
        let basic = basic.unwrap();
        assert_eq!(basic.header(), "Basic YW5hOnMzY3JldA==");
        assert!(!format!("{basic:?}").contains("s3cret"));
        let key = Credentials::from_vars(vars(&[("NEWSEARCH_ES_API_KEY", "a2V5")])).unwrap().unwrap();
        assert_eq!(key.header(), "ApiKey a2V5");
        assert!(!format!("{key:?}").contains("a2V5"));
        for bad in [
            &[("NEWSEARCH_ES_USER", "ana")][..],
            &[("NEWSEARCH_ES_PASSWORD", "s3cret")],
            &[("NEWSEARCH_ES_USER", "ana"), ("NEWSEARCH_ES_PASSWORD", "x"), ("NEWSEARCH_ES_API_KEY", "k")],
        ] {
            let err = Credentials::from_vars(vars(bad)).unwrap_err().to_string();
            assert!(err.starts_with("credentials:") && !err.contains("s3cret"), "{err}");
        }
    }

    #[test]
    fn backoff_doubles_up_to_its_ceiling_with_a_little_jitter() {
        let b = Backoff { first: Duration::from_millis(100), max: Duration::from_secs(1), attempts: 10 };
        for (attempt, full) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1000), (9, 1000)] {
            let wait = b.wait(attempt).as_millis();
            assert!(wait <= full && wait >= full * 3 / 4, "attempt {attempt}: {wait} ms");
        }
    }

    #[test]
    fn error_reasons_come_from_the_cluster_error_body() {
        let body = br#"{"error":{"root_cause":[],"type":"mapper_parsing_exception","reason":"failed to parse field [date]"},"status":400}"#;
        assert_eq!(error_reason(body), "mapper_parsing_exception: failed to parse field [date]");
        assert_eq!(error_reason(b"Bad Gateway"), "Bad Gateway");
        assert_eq!(error_reason(b""), "(no explanation)");
    }
}
