//! What an app embedding newsearch holds and does: an index and a writer in its state, moved
//! to threads, updates through the writer it keeps, cancelled runs, articles that never were
//! files, and exact answers about what an add or a delete changed.

use std::path::Path;
use std::sync::{Arc, Mutex};

use newsearch::{
    Article, ArticleId, Articles, CancelToken, Error, Index, IndexOptions, IndexWriter, Query, UpdateEvent,
    UpdateOptions, WriterOptions,
};

fn small() -> WriterOptions {
    WriterOptions::new().memory_budget(32 << 20).threads(1)
}

/// Markdown article files `n0.md` … in `dir`.
fn write_articles(dir: &Path, n: usize, word: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for i in 0..n {
        std::fs::write(
            dir.join(format!("n{i}.md")),
            format!("# Article {i} about {word}\n\nBody {i} on {word}.\n"),
        )
        .unwrap();
    }
}

#[test]
fn index_writer_and_articles_can_live_in_app_state_and_move_to_threads() {
    fn owned_and_sendable<T: Send + 'static>() {}
    owned_and_sendable::<Index>();
    owned_and_sendable::<IndexWriter>();
    owned_and_sendable::<Articles>();
    fn shared<T: Send + Sync + Clone>() {}
    shared::<Index>();

    struct AppState {
        index: Index,
        writer: Mutex<IndexWriter>,
    }
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let state = Arc::new(AppState { writer: Mutex::new(index.writer_with(&small()).unwrap()), index });

    // A writer thread commits batches while readers search through clones.
    let writer_state = Arc::clone(&state);
    let writing = std::thread::spawn(move || {
        for batch in 0..5 {
            let mut writer = writer_state.writer.lock().unwrap();
            for i in 0..10 {
                let article = Article::builder(format!("b{batch}-{i}"), format!("Ceasefire report {batch}"))
                    .body("Talks resumed in Riyadh.")
                    .build();
                assert!(!writer.add(&article).unwrap(), "every id is new");
            }
            let stats = writer.commit().unwrap();
            assert_eq!((stats.added, stats.removed, stats.articles), (10, 0, 10 * (batch + 1)));
        }
    });
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let index = state.index.clone();
            std::thread::spawn(move || {
                let mut last = 0;
                for _ in 0..50 {
                    let total = index.search(&Query::new("ceasefire")).unwrap().total;
                    assert!(
                        total >= last && total.is_multiple_of(10),
                        "commits are seen whole and in order: {total}"
                    );
                    last = total;
                }
            })
        })
        .collect();
    writing.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(state.index.clone().search(&Query::new("ceasefire")).unwrap().total, 50);

    // The article iterator owns its snapshot: it moves to a thread and outlives later commits.
    let articles = state.index.articles().unwrap();
    state.writer.lock().unwrap().delete_all().unwrap();
    state.writer.lock().unwrap().commit().unwrap();
    let read = std::thread::spawn(move || articles.count()).join().unwrap();
    assert_eq!(read, 50);
    assert_eq!(state.index.len().unwrap(), 0);
}

#[test]
fn add_and_delete_say_what_was_there_and_commits_count_what_is_gone() {
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let mut w = index.writer_with(&small()).unwrap();
    assert!(!w.add(&Article::new("a", "one.txt", "A")).unwrap());
    assert!(!w.add(&Article::new("b", "two.txt", "B")).unwrap());
    assert!(w.add(&Article::new("a", "one.txt", "A again")).unwrap(), "added since the commit");
    let stats = w.commit().unwrap();
    assert_eq!(
        (stats.added, stats.removed, stats.articles),
        (2, 0, 2),
        "the first \"a\" never was in the index"
    );

    // One of two ids exists: one article removed, not two.
    assert!(w.delete(&ArticleId::new("a")).unwrap());
    assert!(!w.delete(&ArticleId::new("nope")).unwrap());
    assert!(!w.delete(&ArticleId::new("a")).unwrap(), "already deleted since the commit");
    assert!(!w.add(&Article::new("a", "one.txt", "A back")).unwrap(), "deleted, so not replaced");
    let stats = w.commit().unwrap();
    assert_eq!((stats.added, stats.removed, stats.articles), (1, 1, 2));

    // Deleting a file removes its committed and its pending articles.
    assert!(!w.add(&Article::new("c", "two.txt", "C")).unwrap());
    w.delete_path("two.txt");
    assert!(!w.add(&Article::new("b", "two.txt", "B back")).unwrap(), "b went with its file");
    assert!(!w.delete(&ArticleId::new("c")).unwrap(), "c went with its file");
    let stats = w.commit().unwrap();
    assert_eq!((stats.added, stats.removed, stats.articles), (1, 1, 2));

    w.delete_all().unwrap();
    assert!(!w.delete(&ArticleId::new("a")).unwrap());
    assert!(!w.add(&Article::new("z", "", "Z")).unwrap());
    let stats = w.commit().unwrap();
    assert_eq!((stats.added, stats.removed, stats.articles), (1, 2, 1));

    // A rollback forgets what was pending.
    assert!(w.add(&Article::new("z", "", "Z2")).unwrap());
    w.rollback().unwrap();
    assert!(w.delete(&ArticleId::new("z")).unwrap());
}

#[test]
fn articles_without_a_file_have_no_path_and_file_lookups_never_match_them() {
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let mut w = index.writer_with(&small()).unwrap();
    for i in 0..3 {
        w.add(
            &Article::builder(format!("row-{i}"), format!("Row {i}"))
                .body("From the app's database.")
                .build(),
        )
        .unwrap();
    }
    w.add(&Article::new("file", "file.txt", "From a file")).unwrap();
    w.commit().unwrap();

    assert!(index.get_by_path("").unwrap().is_empty(), "an empty path is no file");
    w.delete_path("");
    assert_eq!(w.commit().unwrap().articles, 4, "deleting the empty path deletes nothing");
    let row = index.get(&ArticleId::new("row-1")).unwrap().unwrap();
    assert!(row.path.as_os_str().is_empty());
    assert_eq!(row.title, "Row 1");
    assert_eq!(index.get_by_path("file.txt").unwrap().len(), 1);

    // A service takes articles as JSON: only id and title are required.
    let posted: Article =
        serde_json::from_str(r#"{"id": "post-9", "title": "Posted", "tags": ["Sofia"]}"#).unwrap();
    assert_eq!((posted.path.as_os_str().is_empty(), posted.tags.len(), posted.date), (true, 1, None));
    assert_eq!(Article::default().id.as_str(), "");
}

#[test]
fn an_update_runs_on_the_writer_the_app_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("articles");
    write_articles(&folder, 5, "cables");
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    let mut writer = index.writer_with(&small()).unwrap();

    // A second writer is refused, and says the holder is in this process.
    let err = index.update(&[&folder], &UpdateOptions::new(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::Locked { in_this_process: true, .. }), "{err}");
    assert!(err.to_string().contains("already has a writer in this process"), "{err}");

    // Pending work of the app's is committed with the run.
    writer.add(&Article::builder("app-1", "Cables from the app").build()).unwrap();
    let report = writer.update(&[&folder], &UpdateOptions::new(), &mut |_| {}).unwrap();
    assert_eq!((report.added, report.articles_total), (5, 6));
    assert_eq!(index.search(&Query::new("cables")).unwrap().total, 6);

    // The writer stays usable, and a second run costs what changed.
    std::fs::remove_file(folder.join("n0.md")).unwrap();
    let report = writer.update(&[&folder], &UpdateOptions::new(), &mut |_| {}).unwrap();
    assert_eq!((report.removed, report.unchanged, report.articles_total), (1, 4, 5));
    assert!(writer.add(&Article::builder("app-2", "More").build()).is_ok());
    assert_eq!(writer.commit().unwrap().articles, 6);
    drop(writer);
    assert!(index.update::<&Path>(&[], &UpdateOptions::new(), &mut |_| {}).is_ok(), "free once dropped");
}

#[test]
fn a_cancelled_update_keeps_what_it_committed_and_the_next_run_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("articles");
    write_articles(&folder, 12, "outages");
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();

    // Cancelled from the event handler (as another thread would) after the 7th file, with a
    // commit every 3 articles: the 6 committed stay, the rest is rolled back.
    let token = CancelToken::new();
    let options = UpdateOptions::new().writer(small()).commit_every(3).cancel(&token);
    let mut commits = 0;
    let err = index
        .update(&[&folder], &options, &mut |event| match event {
            UpdateEvent::Progress { done: 7, .. } => token.cancel(),
            UpdateEvent::Committed(_) => commits += 1,
            _ => {}
        })
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    assert_eq!(commits, 2);
    assert_eq!(index.len().unwrap(), 6);

    // The lock is free, and a run without the token picks up the files left.
    let report = index.update::<&Path>(&[], &UpdateOptions::new(), &mut |_| {}).unwrap();
    assert_eq!((report.added, report.unchanged, report.articles_total), (6, 6, 12));
}

#[test]
fn a_cancelled_rebuild_leaves_the_old_index_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("articles");
    write_articles(&folder, 6, "budget");
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    let mut writer = index.writer_with(&small()).unwrap();
    writer.update(&[&folder], &UpdateOptions::new(), &mut |_| {}).unwrap();

    write_articles(&folder, 6, "pensions");
    let token = CancelToken::new();
    let rebuild = UpdateOptions::new().rebuild(true).cancel(&token);
    let err = writer
        .update(&[&folder], &rebuild, &mut |event| {
            if let UpdateEvent::Progress { done: 3, .. } = event {
                token.cancel();
            }
        })
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err}");
    assert_eq!(index.search(&Query::new("budget")).unwrap().total, 6, "the old contents, whole");
    assert_eq!(index.search(&Query::new("pensions")).unwrap().total, 0);
    // The held writer is rolled back and still works: the rebuild can run again.
    writer.update(&[&folder], &UpdateOptions::new().rebuild(true), &mut |_| {}).unwrap();
    assert_eq!(index.search(&Query::new("pensions")).unwrap().total, 6);
    assert_eq!(index.search(&Query::new("budget")).unwrap().total, 0);
}

#[test]
fn an_in_memory_index_sees_every_commit_through_every_clone() {
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let reader = index.clone();
    let mut w = index.writer_with(&small()).unwrap();
    assert_eq!(reader.len().unwrap(), 0);
    w.add(&Article::builder("x", "X").build()).unwrap();
    assert_eq!(reader.len().unwrap(), 0, "nothing before the commit");
    w.commit().unwrap();
    assert_eq!(reader.len().unwrap(), 1);
    w.delete(&ArticleId::new("x")).unwrap();
    w.commit().unwrap();
    assert_eq!(reader.len().unwrap(), 0);
}

#[test]
fn distinct_problems_have_distinct_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("idx");
    let index = Index::create(&dir, &IndexOptions::new()).unwrap();
    assert!(matches!(Index::create(&dir, &IndexOptions::new()), Err(Error::IndexExists { .. })));
    let err = index.update::<&Path>(&[], &UpdateOptions::new(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::NothingToIndex), "{err}");

    let mut w = index.writer_with(&small()).unwrap();
    let when = newsearch::chrono::DateTime::<newsearch::chrono::Utc>::MAX_UTC;
    let err = w.add(&Article::builder("far", "Far").date(when).build()).unwrap_err();
    assert!(matches!(&err, Error::UnstorableDate { id, .. } if id.as_str() == "far"), "{err}");
    assert!(err.to_string().starts_with("article \"far\" (no file): date"), "{err}");
}

mod model {
    use std::collections::HashMap;

    use newsearch::{Article, ArticleId, Index, IndexOptions};
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Add(u8, u8),
        Delete(u8),
        DeletePath(u8),
        DeleteAll,
        Commit,
        Rollback,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..6u8, 0..3u8).prop_map(|(id, file)| Op::Add(id, file)),
            2 => (0..6u8).prop_map(Op::Delete),
            1 => (0..3u8).prop_map(Op::DeletePath),
            1 => Just(Op::DeleteAll),
            2 => Just(Op::Commit),
            1 => Just(Op::Rollback),
        ]
    }

    /// File 0 is "no file" (an empty path).
    fn path(file: u8) -> String {
        if file == 0 { String::new() } else { format!("f{file}.txt") }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Against a model of id → (file, added since the commit): what `add` and `delete`
        /// answer, and what each commit counts.
        #[test]
        fn writes_answer_and_count_as_a_model_of_the_index_says(ops in prop::collection::vec(op(), 1..40)) {
            let index = Index::in_memory(&IndexOptions::new()).unwrap();
            let mut w = index.writer_with(&super::small()).unwrap();
            let mut committed: HashMap<u8, u8> = HashMap::new();
            let mut now: HashMap<u8, (u8, bool)> = HashMap::new();
            for op in ops {
                match op {
                    Op::Add(id, file) => {
                        let replaced = w.add(&Article::new(format!("a{id}"), path(file), "T")).unwrap();
                        prop_assert_eq!(replaced, now.insert(id, (file, true)).is_some());
                    }
                    Op::Delete(id) => {
                        prop_assert_eq!(w.delete(&ArticleId::new(format!("a{id}"))).unwrap(), now.remove(&id).is_some());
                    }
                    Op::DeletePath(file) => {
                        w.delete_path(&path(file));
                        if file != 0 {
                            now.retain(|_, (f, _)| *f != file);
                        }
                    }
                    Op::DeleteAll => {
                        w.delete_all().unwrap();
                        now.clear();
                    }
                    Op::Commit => {
                        let stats = w.commit().unwrap();
                        let added = now.values().filter(|(_, fresh)| *fresh).count() as u64;
                        let kept = committed.keys().filter(|id| matches!(now.get(id), Some((_, false)))).count();
                        let removed = (committed.len() - kept) as u64;
                        prop_assert_eq!((stats.added, stats.removed, stats.articles), (added, removed, now.len() as u64));
                        committed = now.iter().map(|(id, (f, _))| (*id, *f)).collect();
                        now = committed.iter().map(|(id, f)| (*id, (*f, false))).collect();
                    }
                    Op::Rollback => {
                        w.rollback().unwrap();
                        now = committed.iter().map(|(id, f)| (*id, (*f, false))).collect();
                    }
                }
            }
        }
    }
}
