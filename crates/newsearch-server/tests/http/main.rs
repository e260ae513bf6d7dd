//! HTTP-level tests of the router: requests go through `tower::ServiceExt::oneshot`, no socket.
//! Each module a theme: the JSON API, the web page, what hostile articles and requests can't
//! do, and an index that grows while the router serves it.

mod api;
mod live;
mod pages;
mod security;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use dom_query::Document;
use http_body_util::BodyExt;
use newsearch::chrono::{DateTime, Utc};
use newsearch::{Article, Index, IndexOptions};
use newsearch_server::{ServerOptions, router};
use tower::ServiceExt;

/// The hostile article's fields: markup where text belongs, a script URL.
pub const HOSTILE_ID: &str = "hostile/<script>.txt";
pub const HOSTILE_TITLE: &str = "<script>alert(\"title\")</script> Kyiv <b>bold</b> claim";
pub const HOSTILE_TAG: &str = "<script>alert(\"tag\")</script>";
pub const HOSTILE_SECTION: &str = "<img src=x onerror=alert(1)>";
pub const HOSTILE_BODY: &str = "</p><script>alert(\"body\")</script><p onclick=\"x()\">Kyiv claims";
pub const HOSTILE_URL: &str = "javascript:alert(document.cookie)";

/// How many generated "ceasefire" articles there are, one a day from 1 January 2025.
pub const TALKS: usize = 24;

pub fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().expect("a valid instant")
}

/// The articles of the fixture index.
pub fn articles() -> Vec<Article> {
    let mut all = vec![
        Article::builder("2025/02/kyiv-visit.txt", "Kellogg wraps up Kyiv visit")
            .body("US envoy Keith Kellogg ended his visit to Kyiv on Saturday.\n\nUkrainian officials called the talks practical.")
            .section("Ukraine")
            .date(at("2025-02-22T10:14:00Z"))
            .views(1523)
            .tag("Ukraine")
            .tag("US")
            .source("Newsroom staff")
            .source("https://wire.example/kyiv")
            .url("https://news.example/2025/02/kyiv-visit")
            .build(),
        Article::builder("2025/02/zelensky.txt", "Zelensky pushes for US security deal")
            .body("President Zelensky asked the US envoy in Kyiv for security guarantees.")
            .section("Ukraine")
            .date(at("2025-02-20T08:00:00Z"))
            .views(2087)
            .tag("Ukraine")
            .tag("Zelensky")
            .build(),
        Article::builder("2025/03/digest.jsonl#2", "Markets calm as bond yields fall")
            .body("Stocks rose in London as bond yields fell; traders shrugged off the Kyiv news.")
            .section("Business")
            .date(at("2025-03-05T09:00:00Z"))
            .views(402)
            .tag("Markets")
            .build(),
        Article::builder("copy-a", "Power restored in Sofia after cable repair")
            .body("Crews restored power to most of Sofia overnight after repairing a damaged cable near the central station.")
            .section("Bulgaria")
            .date(at("2025-03-10T06:00:00Z"))
            .build(),
        Article::builder("copy-b", "Power restored in Sofia after cable repair")
            .body("Crews restored power to most of Sofia overnight after repairing a damaged cable near the central station.")
            .section("Bulgaria")
            .date(at("2025-03-10T07:00:00Z"))
            .build(),
        Article::builder("undated", "An undated note on Kyiv").body("A note without a date mentions Kyiv.").build(),
        Article::builder(HOSTILE_ID, HOSTILE_TITLE)
            .body(HOSTILE_BODY)
            .section(HOSTILE_SECTION)
            .date(at("2025-02-21T12:00:00Z"))
            .tag(HOSTILE_TAG)
            .source("javascript:alert(2)")
            .source("<b>source</b>")
            .url(HOSTILE_URL)
            .build(),
    ];
    for day in 1..=TALKS {
        all.push(
            Article::builder(format!("talks/{day:02}.txt"), format!("Ceasefire talks, day {day}"))
                .body(format!(
                    "Negotiators met for day {day} of ceasefire talks in Geneva, number {}.",
                    day * 7919
                ))
                .section("World")
                .date(at(&format!("2025-01-{day:02}T12:00:00Z")))
                .views(day as u64 * 10)
                .tag("Talks")
                .build(),
        );
    }
    all
}

/// An in-memory index of [`articles`].
pub fn fixture() -> Index {
    let index = Index::in_memory(&IndexOptions::new()).expect("an index");
    let mut writer = index.writer().expect("a writer");
    for article in articles() {
        writer.add(&article).expect("added");
    }
    writer.commit().expect("committed");
    index
}

pub fn app(index: &Index) -> Router {
    router(index.clone(), ServerOptions::new())
}

/// A response, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn html(&self) -> Document {
        Document::from(self.body.as_str())
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The message of an error answer, after checking it is one with `status`.
    pub fn error(&self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert!(self.header("content-type").starts_with("application/json"), "{:?}", self.headers);
        self.json()["error"].as_str().expect("an error message").to_owned()
    }
}

pub async fn send(app: &Router, request: Request<Body>) -> Answer {
    let response = app.clone().oneshot(request).await.expect("the router always answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("a whole body").to_bytes();
    Answer { status, headers, body: String::from_utf8(bytes.to_vec()).expect("UTF-8") }
}

pub async fn get(app: &Router, uri: &str) -> Answer {
    send(app, Request::get(uri).body(Body::empty()).expect("a request")).await
}

/// `text` percent-encoded as one path segment or query value.
pub fn encoded(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>().replace('+', "%20")
}
