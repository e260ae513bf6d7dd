//! Filters and sorts checked against brute force over the same articles.

use chrono::{TimeZone, Utc};
use newsearch::{Article, Query, Sort, Stemming, Tag};
use proptest::prelude::*;

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
        prop::sample::select(vec![Sort::Date, Sort::Views, Sort::Relevance]),
    )
        .prop_map(|(tags, any, section, since, until, min_views, max_views, sort)| Filters {
            tags,
            any,
            section,
            since,
            until,
            min_views,
            max_views,
            sort,
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
            prop_assert!(err.to_string().contains("range is empty"), "{}", err);
            return Ok(());
        }
        let results = index.search(&q).unwrap();

        let mut want: Vec<&Article> = articles.iter().filter(|a| passes(a, &f)).collect();
        let mut got: Vec<&Article> = results.hits.iter().map(|h| &h.article).collect();
        prop_assert_eq!(results.total, want.len());
        // Same set...
        let ids = |v: &[&Article]| { let mut i: Vec<String> = v.iter().map(|a| a.id.to_string()).collect(); i.sort(); i };
        prop_assert_eq!(ids(&got), ids(&want));
        // ...in an order consistent with the sort key (ties may come in any order).
        match f.sort {
            Sort::Date => {
                let keys: Vec<_> = got.iter().map(|a| a.date).collect();
                prop_assert!(keys.windows(2).all(|w| w[0] >= w[1] || w[1].is_none()), "{:?}", keys);
                prop_assert!(keys.iter().skip_while(|k| k.is_some()).all(|k| k.is_none()));
            }
            Sort::Views => {
                let keys: Vec<_> = got.iter().map(|a| a.views).collect();
                prop_assert!(keys.windows(2).all(|w| w[0] >= w[1] || w[1].is_none()), "{:?}", keys);
                prop_assert!(keys.iter().skip_while(|k| k.is_some()).all(|k| k.is_none()));
            }
            _ => {}
        }
        want.clear();
        got.clear();
    }
}
