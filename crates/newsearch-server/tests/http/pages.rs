//! The web page: the elements the browser test and people rely on, and links that change one
//! thing about the search.

use axum::http::StatusCode;
use dom_query::Document;

use crate::{TALKS, app, encoded, fixture, get};

fn attr(doc: &Document, selector: &str, name: &str) -> String {
    let found = doc.select(selector);
    assert!(found.exists(), "no {selector}");
    found.attr(name).map(|v| v.to_string()).unwrap_or_else(|| panic!("{selector} has no {name}"))
}

fn texts(doc: &Document, selector: &str) -> Vec<String> {
    doc.select(selector).iter().map(|s| s.text().trim().to_owned()).collect()
}

fn hit_ids(doc: &Document) -> Vec<String> {
    doc.select("#results li.hit").iter().map(|s| s.attr("data-id").unwrap().to_string()).collect()
}

/// The path and query of a link, without `&amp;` escaping (the parser already undid it).
fn href(doc: &Document, selector: &str) -> String {
    attr(doc, selector, "href")
}

#[tokio::test]
async fn the_home_page_lists_every_article_newest_first() {
    let index = fixture();
    let answer = get(&app(&index), "/").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
    let doc = answer.html();
    // The form, as the contract names it.
    let form = doc.select("form#search");
    assert_eq!(form.attr("role").unwrap().as_ref(), "search");
    assert_eq!(form.attr("action").unwrap().as_ref(), "/search");
    assert_eq!(form.attr("method").unwrap().as_ref(), "get");
    assert!(doc.select("form#search label[for=q]").exists());
    assert_eq!(attr(&doc, "form#search input#q", "type"), "search");
    assert_eq!(attr(&doc, "form#search input#q", "name"), "q");
    assert_eq!(attr(&doc, "form#search button#go", "type"), "submit");
    assert_eq!(attr(&doc, "form#search select#sort", "name"), "sort");
    assert_eq!(attr(&doc, "form#search select#mode", "name"), "mode");
    assert!(doc.select("details#syntax-help summary").exists());
    assert!(doc.select("#syntax-help").text().contains("title:kyiv"));
    // Every article, newest first.
    let total = index.len().unwrap();
    assert_eq!(doc.select("#count").text().trim(), format!("{total} articles"));
    let ids = hit_ids(&doc);
    assert_eq!(ids.len(), 10);
    assert_eq!(ids[0], "copy-b");
    assert_eq!(attr(&doc, "link[rel=stylesheet]", "href"), "/static/app.css");
    assert_eq!(attr(&doc, "script", "src"), "/static/app.js");
}

#[tokio::test]
async fn a_relaxed_page_says_which_hits_have_every_word() {
    let app = app(&fixture());
    // One article has all three words; one more has two of them.
    let doc = get(&app, "/search?q=kyiv+envoy+kellogg").await.html();
    assert_eq!(hit_ids(&doc), ["2025/02/kyiv-visit.txt", "2025/02/zelensky.txt"]);
    assert_eq!(
        texts(&doc, "p.note"),
        ["Only 1 article has every word; they come first, then articles with some of the words."]
    );
    let doc = get(&app, "/search?q=kyiv+hogwarts").await.html();
    assert_eq!(texts(&doc, "p.note"), ["No article has every word; these have some of them."]);
    let doc = get(&app, "/search?q=kyiv+envoy").await.html();
    assert!(texts(&doc, "p.note").is_empty());
}

#[tokio::test]
async fn a_hit_shows_its_title_snippet_and_facts_with_matches_marked() {
    let doc = get(&app(&fixture()), "/search?q=kellogg").await.html();
    assert_eq!(hit_ids(&doc), ["2025/02/kyiv-visit.txt"]);
    let hit = doc.select("li.hit");
    assert_eq!(
        hit.select("a.hit-title").attr("href").unwrap().as_ref(),
        "/article/2025%2F02%2Fkyiv-visit.txt"
    );
    assert_eq!(hit.select("a.hit-title mark").text().as_ref(), "Kellogg");
    assert_eq!(hit.select("a.hit-title").text().as_ref(), "Kellogg wraps up Kyiv visit");
    assert_eq!(hit.select("p.snippet mark").text().as_ref(), "Kellogg");
    assert_eq!(hit.select("time").attr("datetime").unwrap().as_ref(), "2025-02-22T10:14:00Z");
    assert_eq!(hit.select("time").text().as_ref(), "22 Feb 2025");
    assert_eq!(hit.select("span.section").text().as_ref(), "Ukraine");
    assert_eq!(hit.select("span.views").text().as_ref(), "1,523 views");
    assert_eq!(texts(&doc, "li.hit a.tag"), ["Ukraine", "US"]);
    assert_eq!(href(&doc, "li.hit a.tag"), "/search?q=kellogg&tag=Ukraine");
    assert_eq!(doc.select("#count").text().as_ref(), "1 article");
    // The state is in the form, so a new search keeps it.
    assert_eq!(attr(&doc, "input#q", "value"), "kellogg");
}

#[tokio::test]
async fn a_tag_facet_adds_its_filter_and_then_removes_it() {
    let app = app(&fixture());
    let doc = get(&app, "/search?q=kyiv").await.html();
    let facet = doc.select("aside#facets section#facet-tags a.facet[data-value=Ukraine]");
    assert_eq!(facet.attr("data-facet").unwrap().as_ref(), "tag");
    assert_eq!(facet.select("span.n").text().as_ref(), "2");
    assert!(!facet.has_class("active"));
    let added = facet.attr("href").unwrap().to_string();
    assert_eq!(added, "/search?q=kyiv&tag=Ukraine");

    let doc = get(&app, &added).await.html();
    assert_eq!(doc.select("#count").text().as_ref(), "2 articles");
    let active = doc.select("section#facet-tags a.facet.active");
    assert_eq!(active.attr("data-value").unwrap().as_ref(), "Ukraine");
    assert_eq!(active.attr("aria-pressed").unwrap().as_ref(), "true");
    assert_eq!(active.attr("href").unwrap().as_ref(), "/search?q=kyiv");
    // The filter rides along in the form and shows as a removable chip.
    assert_eq!(attr(&doc, "form#search input[type=hidden][name=tag]", "value"), "Ukraine");
    assert_eq!(href(&doc, "#filters a.chip"), "/search?q=kyiv");

    let sections = doc.select("section#facet-sections a.facet");
    assert_eq!(sections.attr("data-facet").unwrap().as_ref(), "section");
    assert_eq!(sections.attr("href").unwrap().as_ref(), "/search?q=kyiv&tag=Ukraine&section=Ukraine");
}

#[tokio::test]
async fn a_timeline_bar_narrows_the_dates_to_its_period() {
    let app = app(&fixture());
    let doc = get(&app, "/search?q=ceasefire").await.html();
    let bars = doc.select("figure#timeline a.bar");
    assert_eq!(bars.length(), TALKS, "a bar per day of January");
    let third = bars.iter().nth(2).unwrap();
    assert_eq!(third.attr("data-since").unwrap().as_ref(), "2025-01-03");
    assert_eq!(third.attr("data-until").unwrap().as_ref(), "2025-01-03");
    assert_eq!(third.attr("title").unwrap().as_ref(), "2025-01-03: 1");
    assert!(third.select("span.fill.h20").exists(), "the tallest bars are full height");
    let narrowed = third.attr("href").unwrap().to_string();
    assert_eq!(narrowed, "/search?q=ceasefire&since=2025-01-03&until=2025-01-03");
    let doc = get(&app, &narrowed).await.html();
    assert_eq!(hit_ids(&doc), ["talks/03.txt"]);
    assert_eq!(attr(&doc, "input#since", "value"), "2025-01-03");

    // Over months, a bar spans its month.
    let doc = get(&app, "/search").await.html();
    let first = doc.select("figure#timeline a.bar").iter().next().unwrap();
    assert_eq!(first.attr("data-since").unwrap().as_ref(), "2025-01-01");
    assert_eq!(first.attr("data-until").unwrap().as_ref(), "2025-01-31");
    assert!(doc.select("figure#timeline figcaption").text().contains("per month"));
    assert!(doc.select("figure#timeline figcaption").text().contains("1 undated article"));
}

#[tokio::test]
async fn pages_follow_one_another() {
    let app = app(&fixture());
    let doc = get(&app, "/search?q=ceasefire&sort=date").await.html();
    assert!(!doc.select("#pages a[rel=prev]").exists());
    let next = href(&doc, "nav#pages a[rel=next]");
    assert_eq!(next, "/search?q=ceasefire&sort=date&page=2");
    let first = hit_ids(&doc);
    let doc = get(&app, &next).await.html();
    let second = hit_ids(&doc);
    assert_eq!(second.len(), 10);
    assert!(second.iter().all(|id| !first.contains(id)));
    assert_eq!(href(&doc, "#pages a[rel=prev]"), "/search?q=ceasefire&sort=date");
    assert_eq!(attr(&doc, "#results", "start"), "11");
    let doc = get(&app, &href(&doc, "#pages a[rel=next]")).await.html();
    assert_eq!(hit_ids(&doc).len(), TALKS - 20);
    assert!(!doc.select("#pages a[rel=next]").exists());
}

#[tokio::test]
async fn sort_and_mode_are_selected_as_asked() {
    let doc = get(&app(&fixture()), "/search?q=ceasefire&sort=views-asc&mode=any").await.html();
    assert_eq!(attr(&doc, "#sort option[selected]", "value"), "views-asc");
    assert_eq!(attr(&doc, "#mode option[selected]", "value"), "any");
    assert_eq!(hit_ids(&doc)[0], "talks/01.txt");
    let doc = get(&app(&fixture()), "/search").await.html();
    assert_eq!(attr(&doc, "#sort option[selected]", "value"), "");
    assert_eq!(attr(&doc, "#mode option[selected]", "value"), "auto");
}

#[tokio::test]
async fn collapsed_copies_show_as_n_similar() {
    let doc = get(&app(&fixture()), "/search?q=sofia&collapse=1").await.html();
    assert_eq!(hit_ids(&doc).len(), 1);
    assert_eq!(doc.select("li.hit details.similar summary").text().as_ref(), "+1 similar");
    assert!(doc.select("li.hit details.similar a[href^='/article/copy-']").exists());
    assert!(doc.select("input#collapse[checked]").exists());
}

#[tokio::test]
async fn a_refused_search_says_why_and_keeps_the_text() {
    let app = app(&fixture());
    let answer = get(&app, "/search?q=kyiv+(talks&tag=Ukraine").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let doc = answer.html();
    assert!(doc.select("#error").text().contains("column 6"), "{}", answer.body);
    assert_eq!(attr(&doc, "input#q", "value"), "kyiv (talks");
    // The filters stay in force, in the form and as removable chips.
    assert_eq!(attr(&doc, "form#search input[name=tag]", "value"), "Ukraine");
    assert_eq!(href(&doc, "#filters a.chip"), "/search?q=kyiv+%28talks");
    let answer = get(&app, "/search?q=kyiv&since=someday").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.html().select("#error").text().contains("can't read date"));
    assert_eq!(attr(&answer.html(), "input#q", "value"), "kyiv");
    let answer = get(&app, "/search?page=2000").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.html().select("#error").text().contains("past the first 10000 results"));
}

#[tokio::test]
async fn the_article_page_has_the_full_text_sources_link_and_related_articles() {
    let app = app(&fixture());
    let id = "2025/02/kyiv-visit.txt";
    let answer = get(&app, &format!("/article/{}", encoded(id))).await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.html();
    assert_eq!(doc.select("article#article h1").text().as_ref(), "Kellogg wraps up Kyiv visit");
    assert_eq!(
        texts(&doc, "article#article div.body p"),
        [
            "US envoy Keith Kellogg ended his visit to Kyiv on Saturday.",
            "Ukrainian officials called the talks practical."
        ]
    );
    assert_eq!(texts(&doc, "ul#sources li"), ["Newsroom staff", "https://wire.example/kyiv"]);
    assert_eq!(href(&doc, "ul#sources a"), "https://wire.example/kyiv");
    assert_eq!(href(&doc, "a#original"), "https://news.example/2025/02/kyiv-visit");
    let related: Vec<String> = doc
        .select("article#article section#related a.related")
        .iter()
        .map(|a| a.attr("href").unwrap().to_string())
        .collect();
    assert!(!related.is_empty());
    assert!(related.iter().all(|href| href.starts_with("/article/") && !href.ends_with("kyiv-visit.txt")));
    // Back: to the home page unless the search is named; the script may know better.
    assert_eq!(href(&doc, "article#article a#back"), "/");
    assert_eq!(attr(&doc, "a#back", "data-fallback"), "1");
    let from = encoded("/search?q=kyiv&tag=Ukraine");
    let doc = get(&app, &format!("/article/{}?from={from}", encoded(id))).await.html();
    assert_eq!(href(&doc, "a#back"), "/search?q=kyiv&tag=Ukraine");
    assert!(!doc.select("a#back[data-fallback]").exists());
    // Ids with `/` and `#`, encoded or not.
    let doc = get(&app, "/article/2025%2F03%2Fdigest.jsonl%232").await.html();
    assert_eq!(doc.select("h1").text().as_ref(), "Markets calm as bond yields fall");
    let doc = get(&app, "/article/2025/03/digest.jsonl%232").await.html();
    assert_eq!(doc.select("h1").text().as_ref(), "Markets calm as bond yields fall");
}

#[tokio::test]
async fn an_unknown_article_or_page_is_a_404_page() {
    let app = app(&fixture());
    for uri in ["/article/no-such-id", "/nothing/here", "/static/other.css"] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(answer.header("content-type").starts_with("text/html"), "{uri}");
        assert!(answer.html().select("#error").exists(), "{uri}");
        assert!(answer.html().select("form#search").exists(), "{uri}: the search goes on from here");
    }
}

#[tokio::test]
async fn static_assets_are_embedded() {
    let app = app(&fixture());
    let css = get(&app, "/static/app.css").await;
    assert_eq!((css.status, css.header("content-type")), (StatusCode::OK, "text/css; charset=utf-8"));
    assert!(css.body.contains("#timeline"));
    let js = get(&app, "/static/app.js").await;
    assert_eq!((js.status, js.header("content-type")), (StatusCode::OK, "text/javascript; charset=utf-8"));
    assert!(js.body.contains("getElementById('q')"));
}

#[tokio::test]
async fn mounted_under_a_prefix_links_stay_inside_it() {
    use newsearch_server::{ServerOptions, router};
    let app: axum::Router =
        axum::Router::new().nest("/news", router(fixture(), ServerOptions::new().base_path("/news/")));
    let doc = get(&app, "/news/search?q=kellogg").await.html();
    assert_eq!(attr(&doc, "form#search", "action"), "/news/search");
    assert_eq!(attr(&doc, "link[rel=stylesheet]", "href"), "/news/static/app.css");
    assert_eq!(href(&doc, "a.hit-title"), "/news/article/2025%2F02%2Fkyiv-visit.txt");
    assert_eq!(href(&doc, "a.facet[data-value=Ukraine]"), "/news/search?q=kellogg&tag=Ukraine");
    let article = get(&app, &href(&doc, "a.hit-title")).await;
    assert_eq!(article.status, StatusCode::OK);
    assert_eq!(get(&app, "/news/static/app.js").await.status, StatusCode::OK);
    assert_eq!(get(&app, "/news/api/stats").await.status, StatusCode::OK);
}
