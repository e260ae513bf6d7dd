//! Filters and sorts checked against brute force over the same articles.

use chrono::{TimeZone, Utc};
use newsearch::{Article, Query, Sort, Stemming, Tag};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::index_of;

const TAGS: [&str; 5] = ["Ukraine", "Russia", "European Union", "ECB", "G20"];
const SECTIONS: [&str; 3] = ["World", "Business", "Ukraine"];

fn arb_articles() -> impl Strategy<Value = Vec<Article>> {
    let one = (
        prop::sample::subsequence(TAGS.to_vec(), 0..=3),
        prop::option::of(prop::sample::select(SECTIONS.to_vec())),
        prop::option::of(0i64..400),
        prop::option::of(0u64..1000),
    );
    prop::collection::vec(one, 1..40).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (tags, section, day, views))| {
                let mut a = Article::new(format!("a{i}"), format!("a{i}.txt"), format!("Story {i}"));
                a.body = "common text".into();
                // Case varies so filters must be case-insensitive.
                tags.iter().enumerate().for_each(|(k, t)| {
                    a.push_tag(Tag::new(&if k % 2 == 0 { t.to_string() } else { t.to_uppercase() }))
                });
                a.section = section.map(str::to_owned);
                a.date = day
                    .map(|d| Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0).unwrap() + chrono::Duration::days(d));
                a.views = views;
                a
            })
            .collect()
    })
}

#[derive(Debug, Clone)]
struct Filters {
    tags: Vec<&'static str>,
    any: Vec<&'static str>,
    section: Option<&'static str>,
    since: Option<i64>,
    until: Option<i64>,
    min_views: Option<u64>,
    max_views: Option<u64>,
    sort: Sort,
    /// Page size when paging by cursor.
    page: usize,
}

fn arb_filters() -> impl Strategy<Value = Filters> {
    (
        prop::sample::subsequence(TAGS.to_vec(), 0..=2),
        prop::sample::subsequence(TAGS.to_vec(), 0..=2),
        prop::option::of(prop::sample::select(SECTIONS.to_vec())),
        prop::option::of(0i64..400),
        prop::option::of(0i64..400),
        prop::option::of(0u64..1000),
        prop::option::of(0u64..1000),
        prop::sample::select(Sort::ALL.to_vec()),
        1usize..8,
    )
        .prop_map(|(tags, any, section, since, until, min_views, max_views, sort, page)| Filters {
            tags,
            any,
            section,
            since,
            until,
            min_views,
            max_views,
            sort,
            page,
        })
}

fn day(d: i64) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::days(d)
}

fn passes(a: &Article, f: &Filters) -> bool {
    let norm = |s: &str| s.to_lowercase();
    f.tags.iter().all(|t| a.has_tag(t))
        && (f.any.is_empty() || f.any.iter().any(|t| a.has_tag(t)))
        && f.section.is_none_or(|s| a.section.as_deref().map(norm) == Some(norm(s)))
        && f.since.is_none_or(|s| a.date.is_some_and(|d| d >= day(s)))
        && f.until.is_none_or(|u| a.date.is_some_and(|d| d <= day(u)))
        && f.min_views.is_none_or(|m| a.views.is_some_and(|v| v >= m))
        && f.max_views.is_none_or(|m| a.views.is_some_and(|v| v <= m))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn filters_and_sorts_match_brute_force(articles in arb_articles(), f in arb_filters()) {
        let index = index_of(&articles, Stemming::English);
        let mut q = Query::all().sort(f.sort).limit(1000);
        for t in &f.tags { q = q.tag(t.to_lowercase()); }
        for t in &f.any { q = q.any_tag(*t); }
        if let Some(s) = f.section { q = q.section(s.to_uppercase()); }
        if let Some(s) = f.since { q = q.since(day(s)); }
        if let Some(u) = f.until { q = q.until(day(u)); }
        if let Some(m) = f.min_views { q = q.min_views(m); }
        if let Some(m) = f.max_views { q = q.max_views(m); }
        // An empty range is refused (it can only ever match nothing), saying why.
        let empty = matches!((f.min_views, f.max_views), (Some(a), Some(b)) if a > b)
            || matches!((f.since, f.until), (Some(a), Some(b)) if a > b);
        if empty {
            let err = index.search(&q).unwrap_err();
            let typed = matches!(err, newsearch::Error::EmptyViewsRange { .. } | newsearch::Error::EmptyDateRange { .. });
            prop_assert!(typed && err.to_string().contains("range is empty"), "{}", err);
            return Ok(());
        }
        let results = index.search(&q).unwrap();

        let mut want: Vec<&Article> = articles.iter().filter(|a| passes(a, &f)).collect();
        let mut got: Vec<&Article> = results.hits.iter().map(|h| &h.article).collect();
        prop_assert_eq!(results.total, want.len());
        // Same set...
        let ids = |v: &[&Article]| { let mut i: Vec<String> = v.iter().map(|a| a.id.to_string()).collect(); i.sort(); i };
        prop_assert_eq!(ids(&got), ids(&want));
        // ...in an order consistent with the sort key (ties may come in any order), values
        // present before values missing in both directions...
        fn ordered<K: PartialOrd + std::fmt::Debug>(keys: &[Option<K>], ascending: bool) -> Result<(), TestCaseError> {
            let present = keys.iter().take_while(|k| k.is_some()).count();
            prop_assert!(keys[present..].iter().all(Option::is_none), "{:?}", keys);
            let ok = keys[..present].windows(2).all(|w| if ascending { w[0] <= w[1] } else { w[0] >= w[1] });
            prop_assert!(ok, "{:?}", keys);
            Ok(())
        }
        let dates: Vec<_> = got.iter().map(|a| a.date).collect();
        let views: Vec<_> = got.iter().map(|a| a.views).collect();
        match f.sort {
            Sort::Date | Sort::DateAsc => ordered(&dates, f.sort.is_ascending())?,
            Sort::Views | Sort::ViewsAsc => ordered(&views, f.sort.is_ascending())?,
            _ => {}
        }
        // ...and the same list again page by page through cursors, and by offsets.
        let whole: Vec<String> = got.iter().map(|a| a.id.to_string()).collect();
        let mut paged = Vec::new();
        let mut page = index.search(&q.clone().limit(f.page)).unwrap();
        loop {
            prop_assert_eq!(page.total, whole.len());
            paged.extend(page.hits.iter().map(|h| h.article.id.to_string()));
            let Some(next) = page.next else { break };
            page = index.search(&q.clone().limit(f.page).after(next)).unwrap();
        }
        prop_assert_eq!(&paged, &whole);
        for offset in (0..whole.len()).step_by(f.page) {
            let page = index.search(&q.clone().offset(offset).limit(f.page)).unwrap();
            let ids: Vec<String> = page.hits.iter().map(|h| h.article.id.to_string()).collect();
            prop_assert_eq!(&ids[..], &whole[offset..(offset + f.page).min(whole.len())]);
        }
        want.clear();
        got.clear();
    }
}
