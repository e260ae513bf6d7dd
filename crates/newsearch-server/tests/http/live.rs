//! An index on disk that grows while the router serves it: each request reads the latest
//! commit, so new articles appear without a restart.

use axum::http::StatusCode;
use newsearch::{Article, Index, IndexOptions};
use newsearch_server::{ServerOptions, router};

use crate::{at, get};

fn story(id: &str, title: &str) -> Article {
    Article::builder(id, title)
        .body(format!("{title}. Negotiators met in Geneva."))
        .date(at("2025-04-01T10:00:00Z"))
        .build()
}

#[tokio::test]
async fn commits_made_while_serving_are_seen_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // The writer's handle, as `newsearch index` would hold it.
    let written = Index::create(dir.path(), &IndexOptions::new()).unwrap();
    let mut writer = written.writer().unwrap();
    writer.add(&story("first", "Geneva talks open")).unwrap();
    writer.commit().unwrap();

    // The server's own handle, opened once, as `newsearch serve` does.
    let app = router(Index::open(dir.path()).unwrap(), ServerOptions::new());
    assert_eq!(get(&app, "/api/search?q=geneva").await.json()["total"], 1);

    writer.add(&story("second", "Geneva talks stall")).unwrap();
    writer.add(&story("third", "Geneva talks resume")).unwrap();
    writer.commit().unwrap();
    assert_eq!(get(&app, "/api/search?q=geneva").await.json()["total"], 3);
    assert_eq!(get(&app, "/api/articles/third").await.json()["title"], "Geneva talks resume");
    let page = get(&app, "/search?q=stall").await;
    assert_eq!(page.html().select("li.hit").attr("data-id").unwrap().as_ref(), "second");
    assert_eq!(get(&app, "/api/stats").await.json()["articles"], 3);

    writer.delete(&"first".into()).unwrap();
    writer.commit().unwrap();
    assert_eq!(get(&app, "/api/search?q=geneva").await.json()["total"], 2);
    assert_eq!(get(&app, "/api/articles/first").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/article/first").await.status, StatusCode::NOT_FOUND);
}
