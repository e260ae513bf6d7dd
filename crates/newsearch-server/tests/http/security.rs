//! What hostile articles and requests can't do: markup in any field stays text, a script URL
//! never becomes a link, ids never reach the file system, and every answer carries the
//! headers that keep the page to itself.

use axum::http::StatusCode;
use dom_query::Document;

use crate::{
    HOSTILE_BODY, HOSTILE_ID, HOSTILE_SECTION, HOSTILE_TAG, HOSTILE_TITLE, HOSTILE_URL, app, encoded,
    fixture, get,
};

/// No script but ours, no inline style or event handler, no link to a script URL.
fn assert_inert(doc: &Document, context: &str) {
    let scripts: Vec<String> = doc
        .select("script")
        .iter()
        .map(|s| s.attr("src").map(|v| v.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(scripts, ["/static/app.js"], "{context}: only our script, by src");
    assert!(!doc.select("style, [style], img").exists(), "{context}: no inline style, no injected image");
    for element in doc.select("*").iter() {
        for attribute in element.attrs() {
            let name = attribute.name.local.to_string();
            assert!(!name.starts_with("on"), "{context}: event handler {name}");
            let value = attribute.value.to_string().to_ascii_lowercase();
            assert!(!value.trim_start().starts_with("javascript:"), "{context}: {name}={value}");
        }
    }
}

#[tokio::test]
async fn markup_in_an_article_is_shown_as_text_in_search_results() {
    let app = app(&fixture());
    let answer = get(&app, "/search?q=claim").await;
    let doc = answer.html();
    assert_inert(&doc, "results");
    let hit = doc.select("li.hit");
    assert_eq!(hit.attr("data-id").unwrap().as_ref(), HOSTILE_ID);
    assert_eq!(hit.select("a.hit-title").text().as_ref(), HOSTILE_TITLE);
    assert_eq!(hit.select("span.section").text().as_ref(), HOSTILE_SECTION);
    assert_eq!(hit.select("a.tag").text().as_ref(), HOSTILE_TAG);
    assert_eq!(hit.select("p.snippet").text().as_ref(), HOSTILE_BODY);
    assert_eq!(doc.select("#facet-tags a.facet").attr("data-value").unwrap().as_ref(), HOSTILE_TAG);
    assert_eq!(doc.select("#facet-sections a.facet").attr("data-value").unwrap().as_ref(), HOSTILE_SECTION);
    // Escaped in the source, not only in the parsed tree.
    assert!(answer.body.contains("&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;"), "{}", answer.body);
    assert!(!answer.body.contains("<script>alert"));
    // A search whose text is markup stays text in the box and the title.
    let answer = get(&app, &format!("/search?q={}", encoded("\"><script>alert(1)</script>"))).await;
    assert_inert(&answer.html(), "typed markup");
    assert_eq!(
        answer.html().select("input#q").attr("value").unwrap().as_ref(),
        "\"><script>alert(1)</script>"
    );
}

#[tokio::test]
async fn markup_in_an_article_is_shown_as_text_on_its_page() {
    let app = app(&fixture());
    let answer = get(&app, &format!("/article/{}", encoded(HOSTILE_ID))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let doc = answer.html();
    assert_inert(&doc, "article");
    assert_eq!(doc.select("article#article h1").text().as_ref(), HOSTILE_TITLE);
    assert_eq!(doc.select("article#article div.body").text().as_ref(), HOSTILE_BODY);
    assert_eq!(doc.select("article#article div.body p").length(), 1);
    assert_eq!(doc.select("article#article a.tag").text().as_ref(), HOSTILE_TAG);
    // A script URL is shown, never linked; nor are sources that are no web address.
    assert!(!doc.select("a#original").exists());
    assert!(doc.select("article#article .url").text().contains(HOSTILE_URL));
    assert!(!doc.select("ul#sources a").exists());
    assert_eq!(
        doc.select("ul#sources li").iter().map(|li| li.text().to_string()).collect::<Vec<_>>(),
        ["javascript:alert(2)", "<b>source</b>"]
    );
    // A back link can't be pointed elsewhere.
    for from in ["javascript:alert(1)", "//evil.example/", "https://evil.example/", "/\\evil.example"] {
        let doc = get(&app, &format!("/article/{}?from={}", encoded(HOSTILE_ID), encoded(from))).await.html();
        assert_eq!(doc.select("a#back").attr("href").unwrap().as_ref(), "/", "{from}");
    }
}

#[tokio::test]
async fn the_api_returns_markup_as_json_strings() {
    let answer = get(&app(&fixture()), &format!("/api/articles/{}", encoded(HOSTILE_ID))).await;
    assert_eq!(answer.header("content-type"), "application/json");
    assert_eq!(answer.json()["title"], HOSTILE_TITLE);
    assert_eq!(answer.json()["url"], HOSTILE_URL);
}

#[tokio::test]
async fn ids_that_look_like_paths_are_only_looked_up() {
    let app = app(&fixture());
    let attempts = [
        "/article/..%2F..%2F..%2Fetc%2Fpasswd",
        "/article/../../../etc/passwd",
        "/article/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/article/%252E%252E%252Fetc%252Fpasswd",
        "/article/..%5C..%5Cwindows%5Cwin.ini",
        "/article/%2Fetc%2Fpasswd",
        "/api/articles/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/articles/../../Cargo.toml",
        "/api/related/%2E%2E%2FCargo.toml",
        "/static/..%2F..%2FCargo.toml",
        "/static/../../Cargo.toml",
        "/static/app.css/../../../Cargo.toml",
        "/article/%00",
    ];
    for uri in attempts {
        let answer = get(&app, uri).await;
        assert!(
            matches!(answer.status, StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST),
            "{uri}: {}",
            answer.status
        );
        assert!(!answer.body.contains("root:") && !answer.body.contains("[package]"), "{uri}");
    }
    // A percent sequence that is no UTF-8 is a bad request, not a crash.
    assert_eq!(get(&app, "/api/articles/%FF%FE").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(get(&app, "/article/%FF").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = app(&fixture());
    let long = format!("/search?q={}", "x".repeat(10_000));
    for uri in [
        "/",
        "/search?q=kyiv",
        "/article/copy-a",
        "/api/search",
        "/api/stats",
        "/static/app.js",
        "/static/app.css",
        "/nowhere",
        "/api/articles/none",
        &long,
    ] {
        let answer = get(&app, uri).await;
        assert_eq!(
            answer.header("content-security-policy"),
            newsearch_server::CONTENT_SECURITY_POLICY,
            "{uri}"
        );
        assert!(answer.header("content-security-policy").contains("script-src 'self'"));
        assert_eq!(answer.header("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(answer.header("referrer-policy"), "no-referrer", "{uri}");
        assert_eq!(answer.header("x-frame-options"), "DENY", "{uri}");
    }
    let answer = get(&app, &long).await;
    assert_eq!(answer.status, StatusCode::URI_TOO_LONG);
    assert!(answer.header("content-type").starts_with("text/html"), "a page gets a page");
}
