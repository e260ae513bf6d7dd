//! The JSON API: every endpoint, its parameters, and every class of error.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use newsearch::{ArticleId, Query, Sort};
use serde_json::Value;

use crate::{TALKS, app, encoded, fixture, get, send};

fn ids(page: &Value) -> Vec<String> {
    page["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn search_answers_hits_in_the_shape_query_json_prints() {
    let index = fixture();
    let answer = get(&app(&index), "/api/search?q=kyiv&limit=3").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "application/json");
    let page = answer.json();
    // The same search through the library, each hit serialized as `query --json` prints it.
    let results = index.search(&Query::new("kyiv").limit(3)).unwrap();
    let ranked: Vec<_> = results.ranked(0).collect();
    let expected: Value = serde_json::from_str(&serde_json::to_string(&ranked).unwrap()).unwrap();
    assert_eq!(page["hits"], expected);
    assert_eq!(page["total"], results.total);
    assert_eq!((&page["total_exact"], results.total_exact), (&Value::Bool(true), true));
    assert_eq!(page["relaxed"], false);
    assert_eq!(page["hits"][0]["rank"], 1);
    // Asking to count every match changes nothing here: fewer than the bound match.
    let exact = get(&app(&index), "/api/search?q=kyiv&limit=3&exact_total=true").await.json();
    assert_eq!((&exact["total"], &exact["hits"]), (&page["total"], &page["hits"]));
    assert_eq!(page["next"], serde_json::to_value(results.next.unwrap()).unwrap());
    assert!(page.get("facets").is_none(), "facets only when asked for");
    assert!(page.get("every_word").is_none(), "only on a relaxed page");
}

#[tokio::test]
async fn a_relaxed_page_says_how_many_hits_have_every_word() {
    let index = fixture();
    for q in ["kyiv envoy", "kyiv envoy hogwarts", "kyiv hogwarts"] {
        let page = get(&app(&index), &format!("/api/search?q={}", encoded(q))).await.json();
        let results = index.search(&Query::new(q)).unwrap();
        assert_eq!(page["relaxed"], results.relaxed, "{q}");
        assert_eq!(page["total"], results.total, "{q}");
        match results.every_word {
            Some(n) => assert_eq!(page["every_word"], n, "{q}"),
            None => assert!(page.get("every_word").is_none(), "{q}"),
        }
    }
    let page = get(&app(&index), "/api/search?q=kyiv+hogwarts").await.json();
    assert_eq!((page["relaxed"].as_bool(), page["every_word"].as_u64()), (Some(true), Some(0)), "{page}");
}

#[tokio::test]
async fn filters_combine_as_in_the_library() {
    let index = fixture();
    let app = app(&index);
    let page = get(&app, "/api/search?tag=Ukraine&tag=US").await.json();
    assert_eq!(ids(&page), ["2025/02/kyiv-visit.txt"]);
    let page = get(&app, "/api/search?any_tag=Markets&any_tag=zelensky&sort=date-asc").await.json();
    assert_eq!(ids(&page), ["2025/02/zelensky.txt", "2025/03/digest.jsonl#2"]);
    let page = get(&app, "/api/search?section=business").await.json();
    assert_eq!(ids(&page), ["2025/03/digest.jsonl#2"]);
    let page = get(&app, "/api/search?since=2025-02&until=2025-02&sort=date").await.json();
    assert_eq!(page["total"], 3, "{page}");
    let page = get(&app, "/api/search?min_views=1000&max_views=2000").await.json();
    assert_eq!(ids(&page), ["2025/02/kyiv-visit.txt"]);
    let page = get(&app, "/api/search?q=kyiv+envoy+ceasefire+markets+bond&mode=any&limit=100").await.json();
    assert!(page["total"].as_u64().unwrap() > 3, "{page}");
    let page = get(&app, "/api/search?sort=views&limit=1").await.json();
    assert_eq!(ids(&page), ["2025/02/zelensky.txt"]);
    let page = get(&app, "/api/search?q=ceasefire&recent=7d&popular=true&limit=1").await.json();
    assert_eq!(page["total"], TALKS);
    // Empty values are no values, as a form sends them.
    let page = get(&app, "/api/search?q=&since=&sort=").await.json();
    assert_eq!(page["total"], index.len().unwrap());
}

#[tokio::test]
async fn facets_and_collapse_when_asked() {
    let index = fixture();
    let app = app(&index);
    let page = get(&app, "/api/search?q=kyiv&facets=1&limit=0").await.json();
    let facets = &page["facets"];
    assert_eq!(facets["tags"][0]["value"], "Ukraine");
    assert_eq!(facets["timeline"]["granularity"], "day");
    assert_eq!(facets["timeline"]["undated"], 1);
    assert_eq!(page["hits"], Value::Array(vec![]));
    let page = get(&app, "/api/search?q=sofia&collapse=true").await.json();
    assert_eq!(page["total"], 2);
    let hits = page["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["similar"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn snippets_can_be_left_out() {
    let app = app(&fixture());
    let page = get(&app, "/api/search?q=kellogg&snippets=false").await.json();
    let hit = &page["hits"][0];
    assert_eq!(hit["title"], "Kellogg wraps up Kyiv visit");
    assert_eq!((hit["snippet"].as_str(), hit["highlights"].as_array().map(Vec::len)), (Some(""), Some(0)));
    let page = get(&app, "/api/search?q=kellogg").await.json();
    assert!(page["hits"][0]["snippet"].as_str().unwrap().contains("Kellogg"));
}

#[tokio::test]
async fn pages_continue_by_offset_and_by_cursor() {
    let app = app(&fixture());
    let first = get(&app, "/api/search?q=ceasefire&sort=date&limit=10").await.json();
    let second = get(&app, "/api/search?q=ceasefire&sort=date&limit=10&offset=10").await.json();
    assert_eq!(second["hits"][0]["rank"], 11);
    let mut seen = ids(&first);
    let mut cursor = first["next"].as_str().map(str::to_owned);
    let mut pages = 1;
    while let Some(after) = cursor.take() {
        pages += 1;
        assert!(pages <= 5, "paging ends");
        let page =
            get(&app, &format!("/api/search?q=ceasefire&sort=date&limit=10&after={}", encoded(&after)))
                .await
                .json();
        if pages == 2 {
            assert_eq!(ids(&page), ids(&second));
        }
        seen.extend(ids(&page));
        cursor = page["next"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len(), TALKS);
    seen.dedup();
    assert_eq!(seen.len(), TALKS, "no hit twice");
}

#[tokio::test]
async fn an_article_as_show_json_prints_it() {
    let index = fixture();
    let id = "2025/03/digest.jsonl#2";
    let answer = get(&app(&index), &format!("/api/articles/{}", encoded(id))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let article = index.get(&ArticleId::new(id)).unwrap().unwrap();
    assert_eq!(answer.json(), serde_json::to_value(&article).unwrap());
    // An unencoded slash reaches the same article.
    let plain = get(&app(&index), "/api/articles/2025/02/zelensky.txt").await;
    assert_eq!(plain.json()["title"], "Zelensky pushes for US security deal");
}

#[tokio::test]
async fn related_articles_leave_out_the_article_and_its_copies() {
    let index = fixture();
    let app = app(&index);
    let page = get(&app, &format!("/api/related/{}?limit=5", encoded("2025/02/kyiv-visit.txt"))).await.json();
    let related = ids(&page);
    assert!(!related.is_empty());
    assert!(!related.contains(&"2025/02/kyiv-visit.txt".to_owned()));
    let expected = index
        .related(&ArticleId::new("2025/02/kyiv-visit.txt"), &Query::all().limit(5).sort(Sort::Relevance))
        .unwrap();
    assert_eq!(page["total"], expected.total);
    let copies = get(&app, "/api/related/copy-a").await.json();
    assert!(!ids(&copies).contains(&"copy-b".to_owned()), "{copies}");
    let filtered =
        get(&app, &format!("/api/related/{}?section=World&limit=2", encoded("2025/02/kyiv-visit.txt")))
            .await
            .json();
    assert!(filtered["hits"].as_array().unwrap().iter().all(|h| h["section"] == "World"), "{filtered}");
}

#[tokio::test]
async fn stats_are_the_library_s() {
    let index = fixture();
    let answer = get(&app(&index), "/api/stats").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), serde_json::to_value(index.stats().unwrap()).unwrap());
    assert_eq!(answer.json()["articles"], index.len().unwrap());
}

#[tokio::test]
async fn what_a_request_gets_wrong_is_a_400_with_the_reason() {
    let app = app(&fixture());
    let cases: [(&str, &str); 13] = [
        ("/api/search?since=yesterday-ish", "can't read date \"yesterday-ish\""),
        ("/api/search?until=2025-13", "can't read date"),
        ("/api/search?offset=9995&limit=10", "page too deep"),
        ("/api/search?limit=101", "limit 101 is more than the 100 hits"),
        ("/api/search?limit=-1", "limit must be a whole number"),
        ("/api/search?after=not-a-cursor", "not a valid cursor"),
        ("/api/search?sort=best", "unknown sort \"best\""),
        ("/api/search?mode=most", "unknown match mode"),
        ("/api/search?facets=maybe", "facets must be true or false"),
        ("/api/search?min_views=10&max_views=2", "the views range is empty"),
        ("/api/search?since=2025-03&until=2025-02", "empty"),
        ("/api/search?tags=Ukraine", "unknown parameter \"tags\""),
        ("/api/search?q=a&q=b", "given more than once"),
    ];
    for (uri, message) in cases {
        let answer = get(&app, uri).await;
        let error = answer.error(400);
        assert!(error.contains(message), "{uri}: {error}");
        assert!(answer.json().get("column").is_none(), "{uri}");
    }
}

#[tokio::test]
async fn a_syntax_error_says_where() {
    let answer = get(&app(&fixture()), "/api/search?q=kyiv+(talks").await;
    let error = answer.error(400);
    assert!(error.starts_with("query syntax error at column"), "{error}");
    assert_eq!(answer.json()["column"], 6);
}

#[tokio::test]
async fn a_cursor_from_another_order_is_refused() {
    let app = app(&fixture());
    let first = get(&app, "/api/search?q=ceasefire&sort=date&limit=2").await.json();
    let cursor = encoded(first["next"].as_str().unwrap());
    let error = get(&app, &format!("/api/search?q=ceasefire&sort=views&after={cursor}")).await.error(400);
    assert!(error.contains("sorted by date"), "{error}");
}

#[tokio::test]
async fn unknown_ids_and_paths_are_404() {
    let app = app(&fixture());
    let error = get(&app, "/api/articles/no-such-article").await.error(404);
    assert_eq!(error, "no article with id \"no-such-article\" in the index");
    get(&app, "/api/related/no-such-article").await.error(404);
    let error = get(&app, "/api/nothing-here").await.error(404);
    assert!(error.contains("/api/search"), "{error}");
    get(&app, "/api/articles/").await.error(404);
}

#[tokio::test]
async fn related_takes_no_text() {
    let error = get(&app(&fixture()), "/api/related/copy-a?q=sofia").await.error(400);
    assert!(error.contains("unknown parameter \"q\""), "{error}");
}

#[tokio::test]
async fn sizes_are_bounded() {
    let app = app(&fixture());
    let long_query = "kyiv ".repeat(300);
    let error = get(&app, &format!("/api/search?q={}", encoded(&long_query))).await.error(414);
    assert!(error.contains("the most this server takes is 1000"), "{error}");
    let long_target = format!("/api/search?tag={}", "x".repeat(9_000));
    let error = get(&app, &long_target).await.error(414);
    assert!(error.contains("request target"), "{error}");
    let many_tags = (0..65).map(|i| format!("tag=t{i}")).collect::<Vec<_>>().join("&");
    let error = get(&app, &format!("/api/search?{many_tags}")).await.error(400);
    assert!(error.contains("at most 64 tags"), "{error}");
    let body = vec![b'x'; 20_000];
    let request =
        Request::get("/api/search").header("content-length", body.len()).body(Body::from(body)).unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    let post = Request::post("/api/search").body(Body::empty()).unwrap();
    assert_eq!(send(&app, post).await.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn arbitrary_query_strings_never_make_a_500() {
    let app = app(&fixture());
    let nasty = [
        "q=%FF%FE",
        "q=%",
        "q=%22",
        "q=*",
        "q=~",
        "q=%5E",
        "q=-",
        "q=()",
        "q=a+OR",
        "q=title:",
        "q=%00",
        "q=a*&fuzzy=1",
        "since=0000",
        "since=9999-12-31",
        "until=-1y",
        "recent=0d",
        "recent=99999999y",
        "offset=18446744073709551615",
        "limit=18446744073709551616",
        "after=%FF",
        "sort=",
        "=x",
        "&&&",
        "q",
        "tag",
        "page=2",
    ];
    for raw in nasty {
        let answer = get(&app, &format!("/api/search?{raw}")).await;
        assert!(
            answer.status.is_success() || answer.status.is_client_error(),
            "{raw}: {} {}",
            answer.status,
            answer.body
        );
        let answer = get(&app, &format!("/search?{raw}")).await;
        assert!(
            answer.status.is_success() || answer.status.is_client_error(),
            "page {raw}: {}",
            answer.status
        );
    }
}

/// The query parameters docs/openapi.yaml gives an operation, resolving `$ref`s.
fn documented_parameters(path: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml")).unwrap();
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let parameters = doc["paths"][path]["get"]["parameters"].as_sequence().expect("parameters");
    let mut names = Vec::new();
    for parameter in parameters {
        let reference = parameter["$ref"].as_str().expect("a $ref");
        let name = reference.rsplit('/').next().unwrap();
        let resolved = &doc["components"]["parameters"][name];
        if resolved["in"].as_str() == Some("query") {
            names.push(resolved["name"].as_str().unwrap().to_owned());
        }
    }
    names.sort();
    names
}

/// The parameters an endpoint takes, as its message refusing another lists them.
async fn accepted_parameters(app: &axum::Router, path: &str) -> Vec<String> {
    let error = get(app, &format!("{path}?no_such_parameter=1")).await.error(400);
    let (_, list) = error.split_once("this endpoint takes ").expect("the keys are listed");
    let mut names: Vec<String> = list.trim_end_matches(')').split(", ").map(str::to_owned).collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_openapi_description_lists_every_parameter_the_api_takes() {
    let app = app(&fixture());
    assert_eq!(documented_parameters("/api/search"), accepted_parameters(&app, "/api/search").await);
    assert_eq!(
        documented_parameters("/api/related/{id}"),
        accepted_parameters(&app, "/api/related/copy-a").await
    );
}
