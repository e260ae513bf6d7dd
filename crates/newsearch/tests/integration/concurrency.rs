//! One `Index` shared by many threads: searches never fail and never see half a commit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use newsearch::{Index, IndexOptions, Query, WriterOptions};

use crate::article;

#[test]
fn index_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Index>();
    assert_send_sync::<Query>();
}

#[test]
fn many_threads_query_while_one_commits() {
    const BATCH: usize = 25;
    const BATCHES: usize = 20;
    let dir = tempfile::tempdir().unwrap();
    let index = Arc::new(Index::create(dir.path(), &IndexOptions::new()).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..6)
        .map(|_| {
            let (index, done) = (Arc::clone(&index), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut totals = Vec::new();
                while !done.load(Ordering::Acquire) {
                    let results = index.search(&Query::new("common").limit(5)).expect("a search failed");
                    assert_eq!(results.total % BATCH, 0, "half a commit was visible");
                    assert!(results.hits.iter().all(|h| h.snippet.text.contains("common")));
                    totals.push(results.total);
                }
                totals
            })
        })
        .collect();
    {
        let mut writer = index.writer_with(&WriterOptions::new().memory_budget(32 << 20)).unwrap();
        for b in 0..BATCHES {
            for i in 0..BATCH {
                let id = format!("{b}-{i}");
                writer.add(&article(&id, &format!("Story {id}"), "a common body", &[])).unwrap();
            }
            writer.commit().unwrap();
        }
    }
    done.store(true, Ordering::Release);
    for reader in readers {
        let totals = reader.join().expect("a reader panicked");
        assert!(totals.windows(2).all(|w| w[0] <= w[1]), "commits went backwards");
    }
    assert_eq!(index.search(&Query::new("common").limit(0)).unwrap().total, BATCH * BATCHES);
}
