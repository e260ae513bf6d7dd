//! `Index::stats` checked against brute force, and the record of the last run.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use newsearch::{
    Article, ArticleId, Index, IndexOptions, IndexStats, LAST_RUN_FILE, Tag, UpdateOptions, WriterOptions,
};
use proptest::prelude::*;

const TAGS: [&str; 5] = ["Ukraine", "Russia", "European  Union", "ECB", "G20"];
const SECTIONS: [&str; 3] = ["World", "Business", "Ukraine"];

fn arb_articles() -> impl Strategy<Value = Vec<(Article, bool)>> {
    let one = (
        prop::sample::subsequence(TAGS.to_vec(), 0..=3),
        prop::option::of(prop::sample::select(SECTIONS.to_vec())),
        prop::option::of(0i64..400),
        any::<bool>(),
        any::<bool>(),
    );
    prop::collection::vec(one, 1..40).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (tags, section, day, upper, deleted))| {
                let mut a = Article::new(format!("a{i}"), format!("a{i}.txt"), format!("Story {i}"));
                let case = |t: &str| if upper { t.to_uppercase() } else { t.to_owned() };
                a.tags = tags.iter().map(|t| Tag::new(&case(t))).collect();
                a.section = section.map(case);
                a.date = day.map(|d| {
                    Utc.with_ymd_and_hms(2024, 1, 1, 6, 30, 15).unwrap() + chrono::Duration::days(d)
                });
                (a, deleted)
            })
            .collect()
    })
}

/// (articles, dated, oldest, newest, sections, without section, tags, untagged) by brute force.
type Counts = (
    u64,
    u64,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    BTreeMap<String, u64>,
    u64,
    BTreeMap<String, u64>,
    u64,
);

fn brute_force<'a>(articles: impl Iterator<Item = &'a Article>) -> Counts {
    let (mut n, mut dated, mut oldest, mut newest) = (0, 0, None, None);
    let (mut sections, mut tags) = (BTreeMap::new(), BTreeMap::new());
    let (mut without_section, mut untagged) = (0, 0);
    for a in articles {
        n += 1;
        if let Some(d) = a.date {
            dated += 1;
            oldest = Some(oldest.map_or(d, |o: DateTime<Utc>| o.min(d)));
            newest = Some(newest.map_or(d, |o: DateTime<Utc>| o.max(d)));
        }
        match &a.section {
            Some(s) => *sections.entry(Tag::normalize(s)).or_default() += 1,
            None => without_section += 1,
        }
        for t in &a.tags {
            *tags.entry(t.normalized().to_owned()).or_default() += 1;
        }
        untagged += u64::from(a.tags.is_empty());
    }
    (n, dated, oldest, newest, sections, without_section, tags, untagged)
}

fn reported(s: &IndexStats) -> Counts {
    // Values are shown in their most common spelling; compare them as filters match them.
    let map = |v: &[newsearch::ValueCount]| v.iter().map(|c| (Tag::normalize(&c.value), c.count)).collect();
    (s.articles, s.dated, s.oldest, s.newest, map(&s.sections), s.without_section, map(&s.tags), s.untagged)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn stats_match_brute_force_before_and_after_deletes(articles in arb_articles()) {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        let mut writer = index.writer_with(&WriterOptions::new().memory_budget(32 << 20)).unwrap();
        for (a, _) in &articles {
            writer.add(a).unwrap();
        }
        writer.commit().unwrap();
        let stats = index.stats().unwrap();
        prop_assert_eq!(reported(&stats), brute_force(articles.iter().map(|(a, _)| a)));
        prop_assert_eq!(stats.undated, stats.articles - stats.dated);
        // Most used first, ties by normalized value.
        let n = |v: &str| Tag::normalize(v);
        prop_assert!(stats.tags.windows(2).all(|w| (w[1].count, n(&w[0].value)) <= (w[0].count, n(&w[1].value))));

        for (a, _) in articles.iter().filter(|(_, deleted)| *deleted) {
            writer.delete(&a.id).unwrap();
        }
        writer.commit().unwrap();
        let kept = articles.iter().filter(|(_, deleted)| !deleted).map(|(a, _)| a);
        prop_assert_eq!(reported(&index.stats().unwrap()), brute_force(kept));
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn update_records_its_report_and_stats_read_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    write(&root, "a.txt", "Alpha\n\nBody.");
    write(&root, "b.json", "{\"title\": ");
    write(&root, "photo.jpg", "not an article");
    let index = Index::create(tmp.path().join("idx"), &IndexOptions::new()).unwrap();
    let report = index.update(&[&root], &UpdateOptions::new(), &mut |_| {}).unwrap();
    assert_eq!((report.added, report.failed, report.skipped.len()), (1, 1, 2));

    let run = index.stats().unwrap().last_run.expect("a recorded run");
    assert!(!run.rebuild);
    assert_eq!(run.files_seen(), 3);
    let (mut recorded, mut returned) = (run.report.clone(), report.clone());
    // Elapsed time is recorded to the microsecond.
    assert!(recorded.elapsed.abs_diff(returned.elapsed) < std::time::Duration::from_micros(1));
    recorded.elapsed = Default::default();
    returned.elapsed = Default::default();
    assert_eq!(recorded, returned);
    let stats = Index::open(tmp.path().join("idx")).unwrap().stats().unwrap();
    assert_eq!(stats.last_run.map(|r| r.report.skipped), Some(report.skipped), "read by another handle");
    assert!(stats.last_commit.is_some_and(|t| t <= Utc::now()));
    assert!(stats.size_bytes.is_some_and(|b| b > 0));
    assert_eq!(stats.roots, [root.canonicalize().unwrap()]);
}

#[test]
fn an_index_written_without_update_has_no_run_record() {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::create(tmp.path(), &IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    writer.add(&Article::new("a", "a.txt", "Alpha")).unwrap();
    writer.commit().unwrap();
    drop(writer);
    let stats = index.stats().unwrap();
    assert_eq!(stats.last_run, None);
    assert_eq!(stats.articles, 1);
    assert!(stats.last_commit.is_some());
    assert!(!tmp.path().join(LAST_RUN_FILE).exists());
}

#[test]
fn the_run_record_in_an_index_inside_the_indexed_folder_is_never_indexed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("articles");
    write(&root, "a.txt", "Alpha\n\nBody.");
    // Not hidden, so only the marker keeps walks out of it.
    let index = Index::create(root.join("idx"), &IndexOptions::new()).unwrap();
    for _ in 0..2 {
        let report = index.update(&[&root], &UpdateOptions::new(), &mut |_| {}).unwrap();
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(report.articles_total, 1);
    }
    assert!(root.join("idx").join(LAST_RUN_FILE).exists());
    assert_eq!(index.stats().unwrap().last_run.map(|r| r.files_seen()), Some(1));
    assert!(index.get(&ArticleId::new(format!("idx/{LAST_RUN_FILE}"))).unwrap().is_none());
}
