//! # A search service: the index and its writer in shared state
//!
//! The shape of a service that embeds newsearch, without the web framework around it: one
//! [`Index`] cloned into every request handler, one [`IndexWriter`] owned by a writer task that
//! commits batches, searches answered from plain threads and from tokio's blocking pool while
//! writes land, folder updates through the same writer, and results returned as JSON.
//!
//! Searching and committing are blocking calls (they read and write files), so an async
//! service runs them with `tokio::task::spawn_blocking`. Both the index and the writer own
//! what they hold (`'static + Send`): a clone of the index moves into each blocking call, and
//! the writer moves into the blocking pool and back for each batch.
//!
//! Run it with `cargo run -p examples --example service`; `cargo test --workspace` runs it too.

use std::path::PathBuf;
use std::time::Duration;

use newsearch::chrono::{TimeZone, Utc};
use newsearch::{
    Article, CancelToken, CommitStats, Error, Index, IndexOptions, IndexWriter, Query, UpdateOptions,
    UpdateReport, WriterOptions,
};
use tokio::sync::{mpsc, oneshot};
use tokio::task::spawn_blocking;

/// What request handlers hold: cheap to clone, shared by every handler.
#[derive(Clone)]
struct Service {
    index: Index,
    writes: mpsc::Sender<Write>,
    /// Stops a folder update in progress when the service shuts down.
    shutdown: CancelToken,
}

/// Work for the one writer.
enum Write {
    /// Rows from the app's own database, added (or replaced, by id) in one commit.
    Articles(Vec<Article>, oneshot::Sender<Result<CommitStats, Error>>),
    /// A folder of article files, brought up to date incrementally.
    Folder(PathBuf, oneshot::Sender<Result<UpdateReport, Error>>),
}

/// The writer task: owns the writer and runs each job on the blocking pool.
async fn write_jobs(
    mut writer: IndexWriter,
    mut jobs: mpsc::Receiver<Write>,
    shutdown: CancelToken,
) -> IndexWriter {
    while let Some(job) = jobs.recv().await {
        let cancel = shutdown.clone();
        writer = spawn_blocking(move || {
            match job {
                Write::Articles(batch, reply) => {
                    let stats =
                        batch.iter().try_for_each(|a| writer.add(a).map(drop)).and_then(|()| writer.commit());
                    // A failed batch leaves nothing half-written for the next one.
                    if stats.is_err() {
                        let _ = writer.rollback();
                    }
                    let _ = reply.send(stats);
                }
                Write::Folder(folder, reply) => {
                    let options = UpdateOptions::new().cancel(&cancel);
                    let _ = reply.send(writer.update(&[folder], &options, &mut |_| {}));
                }
            }
            writer
        })
        .await
        .expect("the writer's job does not panic");
    }
    writer
}

impl Service {
    /// A search request's JSON body answered as (HTTP status, JSON body): the page of results,
    /// or the library's message with 400 for what the request got wrong, 500 for the rest.
    async fn search(&self, request: String) -> (u16, String) {
        let query: Query = match serde_json::from_str(&request) {
            Ok(query) => query,
            Err(e) => return (400, serde_json::json!({ "error": e.to_string() }).to_string()),
        };
        let index = self.index.clone();
        let answer = spawn_blocking(move || index.search(&query)).await.expect("searches do not panic");
        match answer {
            Ok(results) => (200, serde_json::to_string(&results).expect("results serialize")),
            Err(e) => {
                let status = if matches!(e, Error::Index { .. } | Error::Damaged { .. }) { 500 } else { 400 };
                (status, serde_json::json!({ "error": e.to_string() }).to_string())
            }
        }
    }

    async fn add(&self, batch: Vec<Article>) -> Result<CommitStats, Error> {
        let (reply, answer) = oneshot::channel();
        self.writes.send(Write::Articles(batch, reply)).await.expect("the writer task runs");
        answer.await.expect("the writer task replies")
    }

    async fn update_folder(&self, folder: PathBuf) -> Result<UpdateReport, Error> {
        let (reply, answer) = oneshot::channel();
        self.writes.send(Write::Folder(folder, reply)).await.expect("the writer task runs");
        answer.await.expect("the writer task replies")
    }
}

/// Made-up rows of an app's database: `n` short dispatches starting at `first`.
fn rows(first: usize, n: usize) -> Vec<Article> {
    let topics = [("grid", "Power"), ("port", "Trade"), ("rail", "Transport"), ("clinic", "Health")];
    (first..first + n)
        .map(|i| {
            let (word, section) = topics[i % topics.len()];
            Article::builder(format!("row-{i}"), format!("Dispatch {i}: {word} works in district {}", i % 7))
                .body(format!("Crews finished the {word} works in district {} on schedule.", i % 7))
                .section(section)
                .tag(word)
                .date(Utc.with_ymd_and_hms(2025, 1 + (i % 12) as u32, 1 + (i % 28) as u32, 9, 0, 0).unwrap())
                .views((i * 37 % 1000) as u64)
                .build()
        })
        .collect()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scratch = tempfile::tempdir()?;
    let index = Index::create(scratch.path().join("index"), &IndexOptions::new())?;
    let writer = index.writer_with(&WriterOptions::new().memory_budget(64 << 20))?;
    let (writes, jobs) = mpsc::channel(16);
    let shutdown = CancelToken::new();
    let writer_task = tokio::spawn(write_jobs(writer, jobs, shutdown.clone()));
    let service = Service { index, writes, shutdown };

    // Plain threads search while the writer commits: each sees whole commits only.
    let readers: Vec<_> = (0..4)
        .map(|n| {
            let index = service.index.clone();
            std::thread::spawn(move || -> Result<usize, Error> {
                let mut seen = 0;
                for _ in 0..40 {
                    let total = index.search(&Query::new("works").tag("grid").limit(5))?.total;
                    assert!(total >= seen, "reader {n}: a commit was seen and then lost");
                    seen = total;
                    std::thread::sleep(Duration::from_millis(2));
                }
                Ok(seen)
            })
        })
        .collect();

    // Batches from the app's database, each one commit.
    for batch in 0..5 {
        let stats = service.add(rows(batch * 200, 200)).await?;
        println!("batch {batch}: +{} articles, {} in the index", stats.added, stats.articles);
    }
    // A batch that replaces rows by id: nothing new, 50 replaced.
    let stats = service.add(rows(0, 50)).await?;
    println!("replaced: +{} added, {} removed, {} in the index", stats.added, stats.removed, stats.articles);

    // A folder of article files, through the same writer.
    let folder = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("articles");
    let report = service.update_folder(folder).await?;
    println!(
        "folder: {} files, {} articles, {} in the index",
        report.added, report.articles_indexed, report.articles_total
    );

    // Many requests at once, each answered on the blocking pool with a JSON body.
    let requests = [
        r#"{"text": "grid works", "limit": 3}"#,
        r#"{"text": "district 3", "since": "2025-03", "sort": "date"}"#,
        r#"{"text": "port", "tags": ["port"], "min_views": 500, "facets": true}"#,
        r#"{"text": "Kellogg Zelensky"}"#,
        r#"{"text": "clinic OR rail", "sort": "oldest", "snippets": false}"#,
    ];
    let mut answers = Vec::new();
    for request in requests.iter().cycle().take(20) {
        let (service, request) = (service.clone(), request.to_string());
        answers.push(tokio::spawn(async move { service.search(request).await }));
    }
    for answer in answers {
        let (status, body) = answer.await?;
        let value: serde_json::Value = serde_json::from_str(&body)?;
        assert!(status == 200 && value.get("total").is_some(), "{status} {body}");
    }
    let (_, page) = service.search(r#"{"text": "grid works", "limit": 1}"#.into()).await;
    println!("one page as JSON: {}…", &page[..page.len().min(160)]);

    // Deep paging: the client sends back each page's cursor, at the cost of a first page.
    let mut request =
        serde_json::json!({ "text": "works", "sort": "views", "limit": 100, "snippets": false });
    let mut pages = 0;
    let mut ids = std::collections::HashSet::new();
    let total = loop {
        let (status, body) = service.search(request.to_string()).await;
        let page: serde_json::Value = serde_json::from_str(&body)?;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        for hit in page["hits"].as_array().into_iter().flatten() {
            assert!(ids.insert(hit["id"].to_string()), "a hit came twice: {}", hit["id"]);
        }
        match page.get("next") {
            Some(cursor) if !cursor.is_null() => request["after"] = cursor.clone(),
            _ => break page["total"].as_u64().unwrap_or(0),
        }
    };
    println!("paged through {} hits of {total} in {pages} pages by cursor", ids.len());
    assert_eq!(ids.len() as u64, total, "every match once");

    // Bad requests are errors the service returns, never a crash.
    for bad in [
        r#"{"text": "\"unclosed phrase"}"#,
        r#"{"text": "oil", "offset": 1000000000}"#,
        r#"{"text": "oil", "offset": 18446744073709551615, "limit": 18446744073709551615}"#,
        r#"{"text": "oil", "after": "not-a-cursor"}"#,
        r#"{"text": "oil", "since": "2026", "until": "2025"}"#,
        r#"{"txet": "a misspelt key"}"#,
    ] {
        let (status, body) = service.search(bad.to_string()).await;
        println!("{status} for {bad}: {body}");
        assert!(status == 400 && body.starts_with("{\"error\""), "{body}");
    }

    for reader in readers {
        let seen = reader.join().expect("readers do not panic")?;
        assert!(seen <= 250, "grid rows: one in four of 1000");
    }

    // Shutting down: a folder update still running would stop at its next file; the writer
    // task ends when the last sender is gone, and the writer waits for its merges.
    service.shutdown.cancel();
    let Service { index, writes, .. } = service;
    drop(writes);
    let writer = writer_task.await?;
    writer.finish()?;
    println!("{} articles indexed; the service stopped cleanly", index.len()?);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_service_runs_end_to_end() {
        super::main().expect("the service example runs");
    }
}
