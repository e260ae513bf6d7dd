//! Indexing folders: incremental by default, nothing lost to bad files.

use std::fs;
use std::path::Path;

use newsearch::{Error, Index, IndexOptions, Query, UpdateEvent, UpdateOptions, UpdateReport};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// Export number `f` as JSON Lines: `records` articles of the same length each (ids `eFF-III`),
/// with `body` as their text.
fn export(f: usize, records: usize, body: &str) -> String {
    (0..records)
        .map(|i| {
            format!(
                "{{\"id\": \"e{f:02}-{i:03}\", \"title\": \"Story {f:02} {i:03}\", \"body\": \"{body}\"}}\n"
            )
        })
        .collect()
}

fn update(index: &Index, root: &Path) -> (UpdateReport, Vec<String>) {
    let mut problems = Vec::new();
    let report = index
        .update(&[root], &UpdateOptions::new(), &mut |e| {
            if let UpdateEvent::Error(e) = e {
                problems.push(e.to_string());
            }
        })
        .expect("update");
    (report, problems)
}

fn titles(index: &Index, q: &str) -> Vec<String> {
    let mut t: Vec<String> =
        index.search(&Query::new(q).limit(50)).unwrap().hits.into_iter().map(|h| h.article.title).collect();
    t.sort();
    t
}

#[test]
fn add_edit_delete_and_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, dir) = (tmp.path().join("articles"), tmp.path().join("idx"));
    write(&root, "a.txt", "Alpha story\n\nAbout kyiv.");
    write(&root, "sub/b.md", "---\ntitle: Beta story\n---\nAbout kyiv too.");
    write(
        &root,
        "c.jsonl",
        "{\"title\": \"Gamma story\", \"body\": \"kyiv\"}\n{\"title\": \"Delta story\", \"body\": \"kyiv\"}\n",
    );
    let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
    let (r, problems) = update(&index, &root);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((r.added, r.updated, r.unchanged, r.removed), (3, 0, 0, 0));
    assert_eq!((r.articles_indexed, r.articles_total), (4, 4));

    let (r, _) = update(&index, &root);
    assert_eq!((r.added, r.updated, r.unchanged, r.removed, r.articles_indexed), (0, 0, 3, 0, 0));

    write(&root, "a.txt", "Alpha story, revised\n\nAbout kyiv.");
    fs::remove_file(root.join("sub/b.md")).unwrap();
    write(&root, "c.jsonl", "{\"title\": \"Gamma story\", \"body\": \"kyiv\"}\n");
    write(&root, "new.json", "{\"title\": \"Epsilon story\", \"body\": \"kyiv\"}");
    let (r, _) = update(&index, &root);
    assert_eq!((r.added, r.updated, r.unchanged, r.removed), (1, 2, 0, 1));
    assert_eq!(titles(&index, "kyiv"), ["Alpha story, revised", "Epsilon story", "Gamma story"]);

    // Reopening sees the same state and knows its folder.
    drop(index);
    let index = Index::open(&dir).unwrap();
    assert_eq!(index.roots().unwrap(), [root.canonicalize().unwrap()]);
    let r = index.update::<&Path>(&[], &UpdateOptions::new(), &mut |_| {}).unwrap();
    assert_eq!(r.unchanged, 3, "no paths: the recorded folders are updated");
}

#[test]
fn touched_but_identical_files_are_not_reindexed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    write(&root, "a.txt", "Alpha\n\nBody.");
    let index = Index::open_or_create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    update(&index, &root);
    let file = fs::File::options().write(true).open(root.join("a.txt")).unwrap();
    file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(60)).unwrap();
    let (r, _) = update(&index, &root);
    assert_eq!((r.unchanged, r.updated, r.articles_indexed), (1, 0, 0));
}

#[test]
fn a_file_that_breaks_keeps_its_old_articles() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    write(&root, "a.json", "{\"title\": \"Alpha\", \"body\": \"kyiv\"}");
    write(&root, "b.txt", "Beta\n\nkyiv");
    let index = Index::open_or_create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    update(&index, &root);
    write(&root, "a.json", "{\"title\": \"Alpha\", \"body\": ");
    write(&root, "c.txt", "");
    let (r, problems) = update(&index, &root);
    assert_eq!((r.failed, r.unchanged, r.removed), (2, 1, 0));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().any(|p| p.contains("a.json: line 1: malformed JSON")), "{problems:?}");
    assert_eq!(titles(&index, "kyiv"), ["Alpha", "Beta"]);
}

#[test]
fn rebuild_replaces_everything_in_one_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    write(&one, "a.txt", "Alpha\n\nkyiv");
    write(&two, "b.txt", "Beta\n\nkyiv");
    let dir = tmp.path().join("idx");
    let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
    update(&index, &one);
    let r = Index::open_to_rebuild(&dir, &IndexOptions::new())
        .unwrap()
        .update(&[&two], &UpdateOptions::new().rebuild(true), &mut |_| {})
        .unwrap();
    assert_eq!((r.added, r.articles_total), (1, 1));
    assert_eq!(titles(&index, "kyiv"), ["Beta"]);
}

#[test]
fn searches_work_while_another_writer_holds_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    write(&root, "a.txt", "Alpha\n\nkyiv");
    let dir = tmp.path().join("idx");
    let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
    update(&index, &root);
    let held = index.writer().unwrap();
    let other = Index::open(&dir).unwrap();
    let err = other.update(&[&root], &UpdateOptions::new(), &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::Locked { .. }), "{err}");
    assert_eq!(titles(&other, "kyiv"), ["Alpha"]);
    drop(held);
    assert!(other.update(&[&root], &UpdateOptions::new(), &mut |_| {}).is_ok());
}

#[test]
fn searches_see_each_commit_of_a_running_update() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    for i in 0..5 {
        write(&root, &format!("{i}.txt"), &format!("Story {i}\n\nkyiv"));
    }
    let dir = tmp.path().join("idx");
    let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
    let reader = Index::open(&dir).unwrap();
    let mut seen = Vec::new();
    index
        .update(&[&root], &UpdateOptions::new().commit_every(2), &mut |e| {
            if let UpdateEvent::Committed(_) = e {
                seen.push(reader.search(&Query::new("kyiv").limit(0)).unwrap().total);
            }
        })
        .unwrap();
    assert_eq!(seen, [2, 4, 5], "another reader sees every intermediate commit");
}

/// Segment ids of the index in `dir`, and those whose files lie in the folder.
fn live_and_stored_segments(
    dir: &std::path::Path,
) -> (std::collections::BTreeSet<String>, std::collections::BTreeSet<String>) {
    let meta: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("meta.json")).unwrap()).unwrap();
    let live = meta["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["segment_id"].as_str().unwrap().replace('-', ""))
        .collect();
    let stored = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let stem = path.file_stem()?.to_str()?.to_owned();
            (path.extension()? == "store").then_some(stem)
        })
        .collect();
    (live, stored)
}

#[test]
fn bulk_runs_compact_within_half_the_index_and_leave_no_stray_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    for i in 0..60 {
        write(&root, &format!("{i:02}.txt"), &format!("Story {i}\n\nkyiv"));
    }
    let dir = tmp.path().join("idx");
    let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
    let bulk = UpdateOptions::new().commit_every(5).merge(newsearch::MergeAfter::Articles(0));
    index.update(&[&root], &bulk, &mut |_| {}).unwrap();
    let (live, stored) = live_and_stored_segments(&dir);
    assert!((2..=3).contains(&live.len()), "twelve segments of 5 compacted into halves: {live:?}");
    assert_eq!(live, stored, "the merged-away segments' files are gone");

    // An incremental run that merges old segments deletes their files before it ends too,
    // although the index it started from was open all along.
    for i in 60..90 {
        write(&root, &format!("{i:02}.txt"), &format!("Story {i}\n\nkyiv"));
    }
    index.update(&[&root], &bulk, &mut |_| {}).unwrap();
    let (live, stored) = live_and_stored_segments(&dir);
    assert_eq!(live, stored);
    assert!(live.len() <= 4, "{live:?}");
    assert_eq!(index.search(&Query::new("kyiv").limit(0)).unwrap().total, 90);
    assert_eq!(Index::open(&dir).unwrap().search(&Query::new("kyiv").limit(0)).unwrap().total, 90);
}

#[test]
fn a_bulk_run_that_merges_as_it_goes_loses_nothing_and_leaves_no_stray_files() {
    // Ten exports of 300 records, a commit every 100: once the first file tells the run to
    // expect about 3,000 articles, its small segments are merged in the background along the
    // way (merges of 1,200 to 1,440 articles), across its commits, then compacted.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("exports");
    for f in 0..10 {
        write(&root, &format!("part{f}.jsonl"), &export(f, 300, "kyiv talks"));
    }
    let dir = tmp.path().join("idx");
    let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
    let bulk = UpdateOptions::new().commit_every(100).merge(newsearch::MergeAfter::Articles(0));
    let report = index.update(&[&root], &bulk, &mut |_| {}).unwrap();
    assert_eq!((report.added, report.articles_indexed, report.articles_total), (10, 3_000, 3_000));
    let (live, stored) = live_and_stored_segments(&dir);
    assert_eq!(live, stored, "the merged-away segments' files are gone");
    assert!((1..=3).contains(&live.len()), "{live:?}");
    let reopened = Index::open(&dir).unwrap();
    assert_eq!(reopened.search(&Query::new("kyiv").limit(0)).unwrap().total, 3_000);
    for id in ["e00-000", "e04-150", "e09-299"] {
        assert!(reopened.get(&newsearch::ArticleId::new(id)).unwrap().is_some(), "{id}");
    }
}

#[test]
fn only_runs_of_exports_merge_along_the_way() {
    // The same 1,200 articles, as 40 exports of 30 or as 1,200 files, committed about every 40,
    // with no merge at the end: only the exports' run has merged small segments by then.
    let tmp = tempfile::tempdir().unwrap();
    let exports = tmp.path().join("exports");
    let files = tmp.path().join("files");
    for f in 0..40 {
        write(&exports, &format!("part{f:02}.jsonl"), &export(f, 30, "kyiv"));
        for i in 0..30 {
            write(&files, &format!("{f:02}/{i:02}.txt"), &format!("Story {f} {i}\n\nkyiv"));
        }
    }
    // The articles in each segment, largest first.
    let segments = |root: &std::path::Path, name: &str| -> Vec<u64> {
        let dir = tmp.path().join(name);
        let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
        let options = UpdateOptions::new().commit_every(40).merge(newsearch::MergeAfter::Articles(u64::MAX));
        index.update(&[root], &options, &mut |_| {}).unwrap();
        assert_eq!(index.search(&Query::new("kyiv").limit(0)).unwrap().total, 1_200);
        let meta: serde_json::Value =
            serde_json::from_slice(&fs::read(dir.join("meta.json")).unwrap()).unwrap();
        let mut docs: Vec<u64> =
            meta["segments"].as_array().unwrap().iter().map(|s| s["max_doc"].as_u64().unwrap()).collect();
        docs.sort_unstable_by(|a, b| b.cmp(a));
        docs
    };
    // A merge along the way gathers 40-48 % of the 1,200 articles expected; a commit's segments
    // hold 60 at most (two exports).
    let from_exports = segments(&exports, "e");
    assert!((480..=576).contains(&from_exports[0]), "exports: {from_exports:?}");
    let from_files = segments(&files, "f");
    assert!(from_files[0] <= 60, "files: {from_files:?}");
}

#[test]
fn exports_of_uneven_sizes_never_merge_more_than_half_the_index_along_the_way() {
    // Twenty exports: eight of 350 records first, then twelve of 100 (4,000 articles). Counted
    // by files, the first ones promise 5,600-7,000 articles, and by the time the segments add
    // up to 40 % of that, a merge of up to 48 % of it takes about 2,700 of the 4,000 at once:
    // more than half the index, so more than half its disk again for a moment. Counted by
    // bytes, they promise about 4,000, and a merge takes at most 48 % of those.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("exports");
    for f in 0..20 {
        let records = if f < 8 { 350 } else { 100 };
        write(&root, &format!("part{f:02}.jsonl"), &export(f, records, "kyiv"));
    }
    let dir = tmp.path().join("idx");
    let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
    let options = UpdateOptions::new().commit_every(40).merge(newsearch::MergeAfter::Articles(u64::MAX));
    index.update(&[&root], &options, &mut |_| {}).unwrap();
    assert_eq!(index.search(&Query::new("kyiv").limit(0)).unwrap().total, 4_000);
    let meta: serde_json::Value = serde_json::from_slice(&fs::read(dir.join("meta.json")).unwrap()).unwrap();
    let largest = meta["segments"].as_array().unwrap().iter().map(|s| s["max_doc"].as_u64().unwrap()).max();
    let largest = largest.unwrap();
    assert!((1_500..=2_000).contains(&largest), "largest segment {largest} of 4,000 articles");
}

#[test]
fn incremental_runs_leave_merging_small_segments_to_the_engine() {
    // Each run adds one file: one small segment per run, which the engine's own merge policy
    // folds together as they pile up (it merges eight segments of a size at a commit).
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    let dir = tmp.path().join("idx");
    let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
    for i in 0..12 {
        write(&root, &format!("{i:02}.txt"), &format!("Story {i}\n\nkyiv"));
        index.update(&[&root], &UpdateOptions::new(), &mut |_| {}).unwrap();
    }
    let (live, stored) = live_and_stored_segments(&dir);
    assert_eq!(live, stored);
    assert!(live.len() < 12, "one segment per run, none merged: {live:?}");
    assert_eq!(Index::open(&dir).unwrap().search(&Query::new("kyiv").limit(0)).unwrap().total, 12);
}

#[test]
fn merging_after_a_run_leaves_one_segment() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    for i in 0..40 {
        write(&root, &format!("{i}.txt"), &format!("Story {i}\n\nkyiv"));
    }
    let dir = tmp.path().join("idx");
    let segments = || {
        fs::read_dir(&dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "idx"))
            .count()
    };
    let index = Index::open_or_create(&dir, &IndexOptions::new()).unwrap();
    let never = UpdateOptions::new().commit_every(10).merge(newsearch::MergeAfter::Never);
    index.update(&[&root], &never, &mut |_| {}).unwrap();
    write(&root, "0.txt", "Story zero\n\nkyiv");
    let always = UpdateOptions::new().merge(newsearch::MergeAfter::OneSegment);
    index.update(&[&root], &always, &mut |_| {}).unwrap();
    let reopened = Index::open(&dir).unwrap();
    assert_eq!(reopened.search(&Query::new("kyiv").limit(0)).unwrap().total, 40);
    assert_eq!(segments(), 1);
}

#[test]
fn duplicate_ids_in_a_fresh_run_keep_one_article() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    write(
        &root,
        "a.jsonl",
        "{\"id\": \"same\", \"title\": \"First\", \"body\": \"kyiv\"}\n{\"id\": \"same\", \"title\": \"Second\", \"body\": \"kyiv\"}\n",
    );
    write(&root, "b.json", "{\"id\": \"same\", \"title\": \"Third\", \"body\": \"kyiv\"}");
    let index = Index::open_or_create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    let (r, _) = update(&index, &root);
    assert_eq!((r.articles_indexed, r.collisions.len()), (1, 2));
    assert_eq!(titles(&index, "kyiv"), ["First"], "the first path and record keep the id, once");
}
