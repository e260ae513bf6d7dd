//! Pushes against a small in-process stand-in for an Elasticsearch/OpenSearch node: the
//! requests a push makes, answered the way a cluster answers them, with faults on demand
//! (busy and failing answers, refused documents, refused credentials). The real cluster is
//! in crates/newsearch-cli/tests/opensearch; this suite runs everywhere, in seconds.

mod server;

use std::time::Duration;

use newsearch::{Article, ArticleId, CancelToken, Index, IndexOptions};
use newsearch_push::{Backoff, Credentials, PushError, PushEvent, PushOptions, PushReport, Target, push};
use server::Fake;

fn article(id: &str, title: &str) -> Article {
    let mut a = Article::new(id, id, title);
    a.body = format!("{title}. The body of {id}.");
    a.tags = vec![newsearch::Tag::new("Ukraine")];
    a
}

fn archive(n: usize) -> (tempfile::TempDir, Index) {
    let dir = tempfile::tempdir().unwrap();
    let index = Index::create(dir.path().join("index"), &IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    for i in 0..n {
        writer.add(&article(&format!("a{i:03}.txt"), &format!("Article {i}"))).unwrap();
    }
    writer.commit().unwrap();
    (dir, index)
}

fn fast() -> PushOptions {
    PushOptions::new()
        .backoff(Backoff { first: Duration::from_millis(5), max: Duration::from_millis(20), attempts: 4 })
        .batch_docs(7)
        .timeout(Duration::from_secs(10))
}

fn run(index: &Index, fake: &Fake, options: &PushOptions) -> (Result<PushReport, PushError>, Vec<String>) {
    let mut events = Vec::new();
    let result = push(index, &fake.target(), options, |e| {
        events.push(match e {
            PushEvent::Planned(p) => format!("planned {} send {} delete", p.to_send, p.to_delete),
            PushEvent::Retrying(r) => format!("retry {}", r.reason),
            PushEvent::Progress { .. } => "progress".to_owned(),
            _ => "other".to_owned(),
        })
    });
    (result, events)
}

fn ids(index: &Index) -> Vec<String> {
    let mut ids: Vec<String> = index.articles().unwrap().map(|a| a.unwrap().id.to_string()).collect();
    ids.sort();
    ids
}

#[test]
fn a_first_push_creates_the_index_and_later_ones_send_only_the_changes() {
    let (_dir, index) = archive(30);
    let fake = Fake::start();
    let (report, events) = run(&index, &fake, &fast().shards(2).replicas(1));
    let report = report.unwrap();
    assert!(report.plan.created_index);
    assert!(report.plan.full.as_deref().unwrap().contains("no earlier push"), "{:?}", report.plan.full);
    assert_eq!((report.created, report.updated, report.deleted, report.failed.len()), (30, 0, 0, 0));
    assert_eq!(events[0], "planned 30 send 0 delete");
    let created = fake.created_with().unwrap();
    assert_eq!(created["settings"]["number_of_shards"], 2);
    assert_eq!(created["settings"]["number_of_replicas"], 1);
    assert_eq!(created["mappings"], newsearch_push::mapping()["mappings"]);
    assert_eq!(fake.ids(), ids(&index));
    assert!(fake.bulk_requests() >= 5, "30 documents at 7 a request: {}", fake.bulk_requests());
    let doc = fake.doc("a007.txt").unwrap();
    assert_eq!(doc["title"], "Article 7");
    assert_eq!(doc["tags"], serde_json::json!(["Ukraine"]));

    // Nothing changed: nothing is sent.
    let before = fake.actions();
    let report = run(&index, &fake, &fast()).0.unwrap();
    assert_eq!(
        (report.sent(), report.deleted, report.plan.unchanged, report.plan.full.clone()),
        (0, 0, 30, None)
    );
    assert_eq!(fake.actions(), before);

    // One edited, one added, one removed: three actions.
    let mut writer = index.writer().unwrap();
    writer.add(&article("a003.txt", "Article 3, corrected")).unwrap();
    writer.add(&article("b000.txt", "A new one")).unwrap();
    writer.delete(&ArticleId::new("a010.txt")).unwrap();
    writer.commit().unwrap();
    let report = run(&index, &fake, &fast()).0.unwrap();
    assert_eq!(
        (report.plan.to_send, report.plan.to_delete),
        (2, 1),
        "a changed article is sent, not deleted"
    );
    assert_eq!((report.created, report.updated, report.deleted, report.plan.unchanged), (1, 1, 1, 28));
    assert_eq!(fake.actions() - before, 3);
    assert_eq!(fake.ids(), ids(&index));
    assert_eq!(fake.doc("a003.txt").unwrap()["title"], "Article 3, corrected");
    assert!(fake.refreshes() >= 3, "each push ends with a refresh");
}

#[test]
fn busy_and_failing_answers_are_retried_until_everything_arrives() {
    let (_dir, index) = archive(20);
    let fake = Fake::start();
    fake.fail_next_requests(&[503, 429, 502]);
    fake.busy_once(&["a004.txt", "a011.txt"]);
    let (report, events) = run(&index, &fake, &fast());
    let report = report.unwrap();
    assert_eq!((report.sent(), report.failed.len()), (20, 0), "{:?}", report.failed);
    assert_eq!(fake.ids(), ids(&index));
    let retries: Vec<&String> = events.iter().filter(|e| e.starts_with("retry")).collect();
    assert!(retries.len() >= 4, "{events:?}");
    assert!(
        retries.iter().any(|r| r.contains("503")) && retries.iter().any(|r| r.contains("busy")),
        "{retries:?}"
    );
}

#[test]
fn refused_documents_are_named_not_counted_and_sent_again_next_time() {
    let (_dir, index) = archive(12);
    let fake = Fake::start();
    fake.refuse(&["a005.txt", "a009.txt"]);
    let report = run(&index, &fake, &fast()).0.unwrap();
    assert_eq!(report.sent(), 10);
    let mut failed: Vec<(&str, u16)> = report.failed.iter().map(|f| (f.id.as_str(), f.status)).collect();
    failed.sort();
    assert_eq!(failed, [("a005.txt", 400), ("a009.txt", 400)]);
    assert!(report.failed[0].reason.contains("mapper_parsing_exception"), "{:?}", report.failed[0]);
    assert!(fake.doc("a005.txt").is_none());

    fake.refuse(&[]);
    let before = fake.actions();
    let report = run(&index, &fake, &fast()).0.unwrap();
    assert_eq!((report.sent(), report.failed.len()), (2, 0));
    assert_eq!(fake.actions() - before, 2, "only the two refused ones are sent again");
    assert_eq!(fake.ids(), ids(&index));
}

#[test]
fn a_recreated_target_or_a_lost_record_gets_everything_and_loses_strays() {
    let (dir, index) = archive(10);
    let fake = Fake::start();
    run(&index, &fake, &fast()).0.unwrap();

    fake.recreate_index();
    let report = run(&index, &fake, &fast()).0.unwrap();
    assert!(report.plan.full.as_deref().unwrap().contains("recreated"), "{:?}", report.plan.full);
    assert_eq!(report.sent(), 10);
    assert_eq!(fake.ids(), ids(&index));

    // Without the record, a stray document the archive never had (or no longer has) is
    // found and deleted.
    fake.put_doc("stray.txt");
    std::fs::remove_dir_all(dir.path().join("index").join(newsearch_push::STATE_DIR)).unwrap();
    let report = run(&index, &fake, &fast()).0.unwrap();
    assert_eq!((report.updated, report.deleted), (10, 1));
    assert_eq!(fake.ids(), ids(&index));
    let report = run(&index, &fake, &fast().full(true)).0.unwrap();
    assert_eq!((report.updated, report.plan.full.as_deref()), (10, Some("asked for")));
}

#[test]
fn an_interrupted_push_resumes_with_what_did_not_arrive() {
    let (_dir, index) = archive(40);
    let fake = Fake::start();
    let cancel = CancelToken::new();
    fake.cancel_after_bulks(2, cancel.clone());
    let options = fast().batch_docs(5).parallel(1).checkpoint(Duration::ZERO).cancel(&cancel);
    let err = run(&index, &fake, &options).0.unwrap_err();
    assert!(matches!(err, PushError::Cancelled), "{err}");
    let arrived = fake.ids().len();
    assert!((10..40).contains(&arrived), "{arrived}");

    let report = run(&index, &fake, &fast()).0.unwrap();
    assert!(report.plan.full.is_none(), "the record of the interrupted push is used");
    assert!(report.plan.to_send <= (40 - 10) as u64, "{}", report.plan.to_send);
    assert_eq!(fake.ids(), ids(&index));
}

#[test]
fn credentials_are_sent_and_a_refusal_stops_the_push() {
    let (_dir, index) = archive(3);
    let fake = Fake::start();
    fake.require_auth("Basic YW5hOnMzY3JldA==");
    let err = run(&index, &fake, &fast()).0.unwrap_err();
    assert!(matches!(err, PushError::Refused { status: 401, .. }), "{err}");
    let credentials = Credentials::Basic { user: "ana".into(), password: "s3cret".into() };
    let report = run(&index, &fake, &fast().credentials(Some(credentials))).0.unwrap();
    assert_eq!(report.sent(), 3);
}

#[test]
fn a_cluster_that_stays_down_is_an_error_naming_it() {
    let (_dir, index) = archive(3);
    let fake = Fake::start();
    let target: Target = fake.target();
    drop(fake);
    let err = push(&index, &target, &fast(), |_| {}).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PushError::Unreachable { .. }), "{text}");
    assert!(
        text.contains("127.0.0.1")
            && text.contains("connection refused")
            && text.contains("gave up after 3 tries"),
        "{text}"
    );
}
