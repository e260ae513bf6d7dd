//! What an index holds can be trusted: one article per id whatever the order of runs, roots
//! recorded before anything is written, special files never read, nothing created in vain.

use std::fs;
use std::path::{Path, PathBuf};

use newsearch::{Index, IndexOptions, Query, SkipReason, UpdateOptions, UpdateReport};

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn update<P: AsRef<Path>>(index: &Index, roots: &[P]) -> UpdateReport {
    index.update(roots, &UpdateOptions::new(), &mut |_| {}).expect("update")
}

/// Every stored article as (id, title), sorted.
fn contents(index: &Index) -> Vec<(String, String)> {
    let hits = index.search(&Query::all().limit(1000)).unwrap().hits;
    let mut out: Vec<_> =
        hits.into_iter().map(|h| (h.article.id.as_str().to_owned(), h.article.title)).collect();
    out.sort();
    out
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap()
}

#[test]
fn same_relative_path_in_two_roots_keeps_the_first_path_whatever_the_order() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write(&a, "x/story.txt", "Story from a\n\nBody a.");
    write(&b, "x/story.txt", "Story from b\n\nBody b.");
    write(&b, "y/only-b.txt", "Only in b\n\nBody.");
    let want = vec![
        ("x/story.txt".to_owned(), "Story from a".to_owned()),
        ("y/only-b.txt".to_owned(), "Only in b".to_owned()),
    ];

    // Both roots in one run, named in either order.
    for (i, roots) in [[&b, &a], [&a, &b]].iter().enumerate() {
        let index = Index::create(tmp.path().join(format!("one-run-{i}")), &IndexOptions::new()).unwrap();
        let r = update(&index, roots);
        assert_eq!(contents(&index), want);
        assert_eq!(r.collisions.len(), 1, "{:?}", r.collisions);
        let c = &r.collisions[0];
        assert_eq!(
            (c.id.as_str(), &c.kept, &c.dropped),
            ("x/story.txt", &canonical(&a.join("x/story.txt")), &canonical(&b.join("x/story.txt")))
        );
        assert_eq!(r.added, 2, "the file that lost its only article is not counted as added");
        assert!(
            matches!(&r.skipped[..], [s] if matches!(&s.reason, SkipReason::IdTaken { id, .. } if id == "x/story.txt"))
        );
        assert_eq!(r.files_seen(), 3);

        // Nothing changed: nothing changes, and the collision is still reported.
        let again = update(&index, roots);
        assert_eq!((again.added, again.updated, again.unchanged, again.removed), (0, 0, 2, 0));
        assert_eq!(again.collisions.len(), 1);
        assert_eq!(contents(&index), want);
    }

    // One root per run, the later path first: the earlier path still wins, in both orders.
    for (i, order) in [[&b, &a], [&a, &b]].iter().enumerate() {
        let index = Index::create(tmp.path().join(format!("two-runs-{i}")), &IndexOptions::new()).unwrap();
        update(&index, &[order[0]]);
        let r = update(&index, &[order[1]]);
        assert_eq!(r.collisions.len(), 1);
        assert_eq!(contents(&index), want, "order {i}");
        let bare: &[&Path] = &[];
        let again = update(&index, bare);
        assert_eq!((again.added, again.updated, again.removed), (0, 0, 0), "order {i}: {again:?}");
        assert_eq!(contents(&index), want, "order {i}");
    }
}

#[test]
fn a_freed_id_goes_to_the_next_path() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write(&a, "story.txt", "From a\n\nBody.");
    write(&b, "story.txt", "From b\n\nBody.");
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    update(&index, &[&a, &b]);
    assert_eq!(contents(&index), [("story.txt".to_owned(), "From a".to_owned())]);
    fs::remove_file(a.join("story.txt")).unwrap();
    let bare: &[&Path] = &[];
    let r = update(&index, bare);
    assert_eq!((r.added, r.removed), (1, 1));
    assert!(r.collisions.is_empty());
    assert_eq!(contents(&index), [("story.txt".to_owned(), "From b".to_owned())]);
}

#[test]
fn records_with_the_same_id_keep_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("feeds");
    write(
        &root,
        "a.jsonl",
        "{\"id\": \"n1\", \"title\": \"First\"}\n{\"id\": \"n1\", \"title\": \"Second\"}\n",
    );
    write(&root, "b.json", "{\"id\": \"n1\", \"title\": \"Third\"}");
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    let r = update(&index, &[&root]);
    assert_eq!(contents(&index), [("n1".to_owned(), "First".to_owned())]);
    assert_eq!(r.collisions.len(), 2, "{:?}", r.collisions);
    let a = canonical(&root.join("a.jsonl"));
    assert_eq!((&r.collisions[0].kept, &r.collisions[0].dropped), (&a, &a));
    assert!(r.collisions[0].to_string().contains("more than one record"), "{}", r.collisions[0]);
    assert_eq!(r.collisions[1].dropped, canonical(&root.join("b.json")));
    let again = update(&index, &[&root]);
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 1));
    assert_eq!(contents(&index), [("n1".to_owned(), "First".to_owned())]);
}

#[test]
fn nested_and_repeated_roots_index_each_file_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("news");
    write(&root, "world/kyiv.txt", "Kyiv\n\nBody.");
    write(&root, "top.txt", "Top\n\nBody.");
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    let r = update(&index, &[root.join("world"), root.clone(), root.clone()]);
    assert_eq!((r.added, r.articles_total), (2, 2));
    assert_eq!(index.roots().unwrap(), [canonical(&root)]);
    // A subfolder named later keeps the ids its files got from the folder above it.
    write(&root, "world/kyiv.txt", "Kyiv, revised\n\nBody.");
    let r = update(&index, &[root.join("world")]);
    assert_eq!((r.updated, r.articles_total), (1, 2));
    assert_eq!(
        contents(&index),
        [("top.txt".to_owned(), "Top".to_owned()), ("world/kyiv.txt".to_owned(), "Kyiv, revised".to_owned())]
    );
    assert_eq!(index.roots().unwrap(), [canonical(&root)]);
}

#[test]
fn roots_and_options_are_recorded_before_the_first_article() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes");
    write(&root, "a.note", "Forced format\n\nBody.");
    let dir = tmp.path().join("idx");
    let index = Index::create(&dir, &IndexOptions::new()).unwrap();
    let options =
        UpdateOptions::new().walk(newsearch::WalkOptions::new().format(Some(newsearch::Format::Txt)));
    let mut roots_seen_while_running = Vec::new();
    index
        .update(&[&root], &options, &mut |_| {
            roots_seen_while_running = Index::open(&dir).unwrap().roots().unwrap()
        })
        .unwrap();
    assert_eq!(roots_seen_while_running, [canonical(&root)]);
    // A bare run repeats the recorded options: the `.note` file is still read as txt.
    write(&root, "b.note", "Second\n\nBody.");
    let bare: &[&Path] = &[];
    let r = update(&index, bare);
    assert_eq!((r.added, r.unchanged, r.skipped_unknown_extension), (1, 1, 0));
}

#[test]
fn a_rebuild_that_names_paths_replaces_the_roots() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    write(&a, "one.txt", "One\n\nBody.");
    write(&b, "two.txt", "Two\n\nBody.");
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    update(&index, &[&a]);
    index.update(&[&b], &UpdateOptions::new().rebuild(true), &mut |_| {}).unwrap();
    assert_eq!(index.roots().unwrap(), [canonical(&b)]);
    let bare: &[&Path] = &[];
    update(&index, bare);
    assert_eq!(contents(&index), [("two.txt".to_owned(), "Two".to_owned())]);
}

#[test]
fn rebuilding_with_another_stemming_keeps_the_roots() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("a");
    write(&root, "one.txt", "Running\n\nBody.");
    let dir = tmp.path().join("idx");
    update(&Index::create(&dir, &IndexOptions::new()).unwrap(), &[&root]);
    let options = IndexOptions::new().stemming(newsearch::Stemming::None);
    let index = Index::open_to_rebuild(&dir, &options).unwrap();
    let bare: &[&Path] = &[];
    index
        .update(bare, &UpdateOptions::new().rebuild(true), &mut |_| {})
        .expect("the recorded roots are rebuilt");
    assert_eq!(contents(&index), [("one.txt".to_owned(), "Running".to_owned())]);
}

#[cfg(unix)]
#[test]
fn fifos_and_sockets_are_skipped_with_a_reason_and_never_read() {
    use std::os::unix::net::UnixListener;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("news");
    write(&root, "real.txt", "Real\n\nBody.");
    let fifo = root.join("pipe.txt");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipping: mkfifo is not available");
        return;
    }
    let _socket = UnixListener::bind(root.join("sock.txt")).unwrap();
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    let r = update(&index, &[&root]);
    assert_eq!((r.added, r.skipped_special, r.files_seen()), (1, 2, 3), "{r:?}");
    let reasons: Vec<String> = r.skipped.iter().map(|s| s.reason.to_string()).collect();
    assert_eq!(reasons, ["a named pipe (FIFO), not a regular file", "a socket, not a regular file"]);

    // Named directly, a FIFO is an error naming it; walking or reading it never blocks.
    let found = newsearch::walk(&[&fifo], &newsearch::WalkOptions::new());
    assert!(found.files.is_empty());
    assert_eq!(
        found.errors[0].to_string(),
        format!("{}: a named pipe (FIFO), not a regular file", fifo.display())
    );
    let forced = newsearch::SourceFile {
        path: fifo.clone(),
        id_base: "pipe.txt".into(),
        format: newsearch::Format::Txt,
    };
    let err = forced.parse(&newsearch::ParseOptions::new()).unwrap_err();
    assert!(matches!(err, newsearch::Error::NotAFile { .. }), "{err}");
}

fn parse(name: &str, text: &str) -> newsearch::Parsed {
    let format = newsearch::Format::from_path(Path::new(name)).unwrap();
    newsearch::parse_bytes(text.as_bytes(), format, Path::new(name), name).unwrap()
}

fn warnings(parsed: &newsearch::Parsed) -> Vec<String> {
    parsed.warnings.iter().map(ToString::to_string).collect()
}

#[test]
fn dates_an_index_cannot_hold_are_dropped_with_a_warning_never_shifted() {
    let jsonl = "{\"title\": \"Go zero\", \"date\": \"0001-01-01T00:00:00Z\"}\n\
                 {\"title\": \"Far future\", \"date\": \"9999-12-31\"}\n\
                 {\"title\": \"Unix far\", \"date\": 32503680000}\n\
                 {\"title\": \"Fine\", \"date\": \"2262-04-11\"}\n";
    let parsed = parse("x.jsonl", jsonl);
    let dates: Vec<_> = parsed.articles.iter().map(|a| a.date.map(|d| d.to_rfc3339())).collect();
    assert_eq!(dates, [None, None, None, Some("2262-04-11T00:00:00+00:00".into())]);
    let range = "outside the dates an index can hold (1677-09-21 to 2262-04-11); article kept without a date";
    assert_eq!(
        warnings(&parsed),
        [
            format!("x.jsonl: line 1: date \"0001-01-01T00:00:00Z\" is {range}"),
            format!("x.jsonl: line 2: date \"9999-12-31\" is {range}"),
            format!("x.jsonl: line 3: date \"32503680000\" is {range}"),
        ]
    );
    let txt = parse("t.txt", "Old\n\nHistory | January 1, 0001, Monday // 00:00|\u{a0} 3 views\n\nBody.");
    assert_eq!(txt.articles[0].date, None);
    assert_eq!(
        warnings(&txt),
        [format!("t.txt: line 3: date \"January 1, 0001, Monday // 00:00\" is {range}")]
    );
    let md = parse("n.md", "---\ntitle: T\ndate: 0001-01-01\n---\nBody.");
    assert_eq!(warnings(&md), [format!("n.md: line 3: date \"0001-01-01\" is {range}")]);

    // The library refuses such a date rather than storing another one.
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    let mut old = newsearch::Article::new("old", "old.txt", "Old");
    old.date = Some("0001-01-01T00:00:00Z".parse().unwrap());
    let err = writer.add(&old).unwrap_err();
    assert!(err.to_string().contains("date 0001-01-01T00:00:00+00:00 is outside the dates"), "{err}");
    let mut fine = newsearch::Article::new("fine", "fine.txt", "Fine");
    fine.date = Some("2025-02-21T00:00:00Z".parse().unwrap());
    writer.add(&fine).unwrap();
    writer.commit().unwrap();
    drop(writer);

    // Periods no date can reach are refused, by the parser and by the search.
    let now = "2026-01-01T00:00:00Z".parse().unwrap();
    for text in ["2300", "9999-12-31", "1600", "0001-01-01T00:00:00Z"] {
        let err = newsearch::Period::parse(text, now).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("date {text:?} is outside the dates an index can hold (1677-09-21 to 2262-04-11)")
        );
    }
    assert!(newsearch::Period::parse("2262", now).is_ok(), "a period reaching into the range is fine");
    let far: chrono::DateTime<chrono::Utc> = "2300-01-01T00:00:00Z".parse().unwrap();
    let err = index.search(&Query::all().since(far)).unwrap_err();
    assert!(matches!(err, newsearch::Error::DateOutOfRange { .. }), "{err}");
    let hits = index.search(&Query::all().since("1000-01-01T00:00:00Z".parse().unwrap())).unwrap();
    assert_eq!(hits.total, 1, "a bound before the range holds every dated article");
}

#[test]
fn unreadable_view_counts_and_misshapen_fields_warn_with_file_and_line() {
    let minus = parse("m.txt", "T\n\nWorld | February 21, 2025 // 08:37|\u{a0} -5 views\n\nBody.");
    assert_eq!(minus.articles[0].views, None);
    assert_eq!(minus.articles[0].section.as_deref(), Some("World"), "the header is still read");
    assert_eq!(
        warnings(&minus),
        [format!(
            "m.txt: line 3: ignored `views`: \"-5\" is not a view count (a whole number from 0 to {}); article kept without views",
            u64::MAX
        )]
    );
    let huge = parse(
        "h.txt",
        "T\n\nWorld | February 21, 2025 // 08:37|\u{a0} 12345678901234567890123 views\n\nBody.",
    );
    assert_eq!(huge.articles[0].views, None);
    assert_eq!(huge.warnings.len(), 1, "{:?}", warnings(&huge));

    let md = parse("t.md", "---\ntags: [a]\ntitle: [1, 2, 3]\nviews: -4\n---\n# Heading\n\nBody.");
    let a = &md.articles[0];
    assert_eq!((a.title.as_str(), a.views), ("Heading", None));
    assert_eq!(
        warnings(&md),
        [
            "t.md: line 3: ignored `title`: expected text, found a list; the first heading is the title",
            "t.md: line 4: ignored `views`: expected a non-negative whole number, found a number",
        ]
    );
    let json = parse("j.json", "{\"title\": \"T\", \"views\": 12345678901234567890123}");
    assert_eq!(json.articles[0].views, None);
    assert_eq!(json.warnings.len(), 1, "{:?}", warnings(&json));
}

#[test]
fn a_query_with_nothing_searchable_says_why_and_never_echoes_a_huge_query() {
    let index = Index::in_memory(&IndexOptions::new()).unwrap();
    let any =
        |text: &str| index.search(&Query::new(text).mode(newsearch::MatchMode::Any)).unwrap_err().to_string();
    assert_eq!(
        any("to be or not to be"),
        "nothing searchable in the query \"to be or not to be\": \"to\", \"be\", \"or\", \"not\" are function words, left out of any-word searches as too common"
    );
    match index
        .search(&Query::new("the ".repeat(3) + "x".repeat(41).as_str()).mode(newsearch::MatchMode::Any))
    {
        Err(newsearch::Error::NothingSearchable { query, function_words, too_long }) => {
            assert!(query.starts_with("the the"));
            assert_eq!(function_words, ["the"]);
            assert_eq!(too_long, ["x".repeat(41)]);
        }
        other => panic!("{other:?}"),
    }
    let long = "a".repeat(46);
    assert_eq!(
        any(&long),
        format!(
            "nothing searchable in the query {long:?}: {long:?} is longer than 40 letters, which the index does not keep"
        )
    );
    assert_eq!(
        any("!!! ???"),
        "nothing searchable in the query \"!!! ???\": it has no words, only punctuation or symbols"
    );
    let huge = "?".repeat(120_000);
    let message = any(&huge);
    assert!(message.len() < 200, "{} bytes", message.len());
    assert!(message.contains("(120000 characters)"), "{message}");
}

#[test]
fn a_record_left_out_of_an_indexed_file_gets_in_once_its_id_is_free() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("feeds");
    write(&root, "a.json", "{\"id\": \"n1\", \"title\": \"Holder\"}");
    write(
        &root,
        "b.jsonl",
        "{\"id\": \"n1\", \"title\": \"Waiting\"}\n{\"id\": \"n2\", \"title\": \"Other\"}\n",
    );
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    let r = update(&index, &[&root]);
    assert_eq!((r.added, r.collisions.len()), (2, 1));
    assert_eq!(
        contents(&index),
        [("n1".to_owned(), "Holder".to_owned()), ("n2".to_owned(), "Other".to_owned())]
    );
    // Nothing changed: b.jsonl is read again (it has a record left out), nothing changes.
    let r = update(&index, &[&root]);
    assert_eq!((r.added, r.updated, r.unchanged, r.articles_indexed), (0, 0, 2, 0), "{r:?}");
    // The holder goes: the waiting record gets in although its own file did not change.
    fs::remove_file(root.join("a.json")).unwrap();
    let r = update(&index, &[&root]);
    assert_eq!((r.removed, r.updated, r.articles_indexed), (1, 1, 1), "{r:?}");
    assert!(r.collisions.is_empty());
    assert_eq!(
        contents(&index),
        [("n1".to_owned(), "Waiting".to_owned()), ("n2".to_owned(), "Other".to_owned())]
    );
    let r = update(&index, &[&root]);
    assert_eq!((r.added, r.updated, r.unchanged, r.articles_indexed), (0, 0, 1, 0), "{r:?}");
}

#[test]
fn a_run_that_fails_after_it_began_is_recorded_with_its_error() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("news");
    write(&root, "a.txt", "A\n\nBody.");
    let dir = tmp.path().join("idx");
    let index = Index::create(&dir, &IndexOptions::new()).unwrap();
    update(&index, &[&root]);
    // A folder where the run must write a file makes it fail after it began.
    fs::create_dir_all(dir.join("newsearch-collisions.json/blocker")).unwrap();
    write(&root, "b.txt", "B\n\nBody.");
    let err = index.update(&[&root], &UpdateOptions::new(), &mut |_| {}).unwrap_err();
    let last = index.stats().unwrap().last_run.expect("the failed run is recorded");
    assert_eq!(last.error.as_deref(), Some(err.to_string().as_str()));
    assert_eq!((last.report.added, last.report.unchanged), (1, 1), "what it did until it failed");
    // A run refused before it began (here: nothing to index) leaves the record alone.
    fs::remove_dir_all(dir.join("newsearch-collisions.json")).unwrap();
    update(&index, &[&root]);
    let bare_empty = Index::create(tmp.path().join("empty"), &IndexOptions::new()).unwrap();
    let none: &[&Path] = &[];
    assert!(bare_empty.update(none, &UpdateOptions::new(), &mut |_| {}).is_err());
    assert!(bare_empty.stats().unwrap().last_run.is_none());
    assert!(index.stats().unwrap().last_run.unwrap().error.is_none());
}
