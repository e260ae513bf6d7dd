//! Exploring an archive: facets and timeline against brute-force counts over the parsed
//! fixture, recency and popularity on articles written to trade places, explanations that add
//! up to the scores, near-duplicate collapse and related articles.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, TimeDelta};
use newsearch::{Article, ArticleId, Format, Granularity, Index, Query, Stemming, Tag, parse_bytes};

use crate::{fixture, index_of};

fn archive() -> Vec<Article> {
    let path = fixture("explore/archive.jsonl");
    let bytes = std::fs::read(&path).expect("fixture");
    let parsed = parse_bytes(&bytes, Format::JsonLines, &path, "archive.jsonl").expect("parses");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    parsed.articles
}

fn archive_index() -> (Vec<Article>, Index) {
    let articles = archive();
    let index = index_of(&articles, Stemming::default());
    (articles, index)
}

/// Counts per normalized value over `articles`, the way facets should count them.
fn brute_counts<'a>(values: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for v in values {
        *counts.entry(Tag::normalize(v)).or_default() += 1;
    }
    counts
}

fn facet_map(values: &[newsearch::FacetCount]) -> BTreeMap<String, usize> {
    values.iter().map(|f| (Tag::normalize(&f.value), f.count)).collect()
}

fn ids(results: &newsearch::SearchResults) -> Vec<&str> {
    results.hits.iter().map(|h| h.article.id.as_str()).collect()
}

fn check_facets_against(matching: &[&Article], facets: &newsearch::Facets) {
    let tags = brute_counts(matching.iter().flat_map(|a| a.tags.iter().map(|t| t.as_str())));
    assert_eq!(facet_map(&facets.tags), tags);
    let sections = brute_counts(matching.iter().filter_map(|a| a.section.as_deref()));
    assert_eq!(facet_map(&facets.sections), sections);
    let t = &facets.timeline;
    assert_eq!(t.undated, matching.iter().filter(|a| a.date.is_none()).count());
    let mut per_period: BTreeMap<chrono::NaiveDate, usize> = BTreeMap::new();
    for a in matching {
        if let Some(d) = a.date {
            *per_period.entry(t.granularity.start_of(d.date_naive())).or_default() += 1;
        }
    }
    let non_empty: BTreeMap<chrono::NaiveDate, usize> =
        t.buckets.iter().filter(|b| b.count > 0).map(|b| (b.start, b.count)).collect();
    assert_eq!(non_empty, per_period);
    // Buckets are contiguous periods from the first to the last dated match.
    for pair in t.buckets.windows(2) {
        let next = match t.granularity {
            Granularity::Day => pair[0].start.succ_opt(),
            Granularity::Month => pair[0].start.checked_add_months(chrono::Months::new(1)),
            _ => pair[0].start.with_year(pair[0].start.year() + 1),
        };
        assert_eq!(Some(pair[1].start), next);
    }
}

#[test]
fn facets_count_every_match_not_just_the_page() {
    let (articles, index) = archive_index();
    // Filters only: which articles match is known without the engine.
    let results = index.search(&Query::all().tag("ukraine").limit(2).facets(true).facet_size(100)).unwrap();
    let matching: Vec<&Article> =
        articles.iter().filter(|a| a.tags.iter().any(|t| t.normalized() == "ukraine")).collect();
    assert_eq!(results.total, matching.len());
    assert_eq!(results.hits.len(), 2);
    check_facets_against(&matching, results.facets.as_ref().unwrap());

    // Text: the matches are the ids the engine returns; counting is checked on the articles.
    let all = index.search(&Query::new("truce").limit(100)).unwrap();
    let wanted: Vec<&str> = ids(&all);
    let matching: Vec<&Article> = articles.iter().filter(|a| wanted.contains(&a.id.as_str())).collect();
    let faceted = index.search(&Query::new("truce").limit(1).facets(true).facet_size(100)).unwrap();
    check_facets_against(&matching, faceted.facets.as_ref().unwrap());

    // Everything, with a page of zero: counts only.
    let everything = index.search(&Query::all().limit(0).facets(true).facet_size(100)).unwrap();
    let all_articles: Vec<&Article> = articles.iter().collect();
    check_facets_against(&all_articles, everything.facets.as_ref().unwrap());
    assert!(everything.hits.is_empty());

    // Count buffers are reused between queries: the first query again gives the same counts.
    let again = index.search(&Query::all().tag("ukraine").limit(2).facets(true).facet_size(100)).unwrap();
    assert_eq!(again.facets, results.facets);
}

#[test]
fn facets_merge_counts_across_segments() {
    let articles = archive();
    let index = Index::in_memory(&newsearch::IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    for (i, a) in articles.iter().enumerate() {
        writer.add(a).unwrap();
        if i % 3 == 2 {
            writer.commit().unwrap();
        }
    }
    writer.commit().unwrap();
    drop(writer);
    let all: Vec<&Article> = articles.iter().collect();
    // The first searches count from the columns, later ones from arrays built per segment:
    // both must give the brute-force counts.
    for _ in 0..5 {
        let facets =
            index.search(&Query::all().limit(0).facets(true).facet_size(100)).unwrap().facets.unwrap();
        check_facets_against(&all, &facets);
    }
    let top = index.search(&Query::all().facets(true).facet_size(2)).unwrap().facets.unwrap();
    assert_eq!(
        top.tags.iter().map(|f| (f.value.as_str(), f.count)).collect::<Vec<_>>(),
        [("Ukraine", 6), ("Diplomacy", 5)]
    );
}

#[test]
fn facets_of_many_matches_count_each_once_cold_and_warm() {
    // Warm segments count their matches in batches: more matches than a batch, a last batch
    // left partial, and matches of a query that skips articles must all count once.
    let articles: Vec<Article> = (0..403)
        .map(|i| {
            let body = if i % 3 == 0 { "ceasefire talks resume" } else { "markets rally" };
            let mut a = Article::new(format!("a{i}"), "", format!("Report {i}"));
            a.body = body.to_owned();
            a.tags = [format!("t{}", i % 7), format!("T{}", i % 11)]
                .iter()
                .take(i % 3)
                .map(|t| Tag::new(t))
                .collect();
            a.section = (i % 5 == 0).then(|| format!("Section {}", i % 4));
            a.date = (i % 13 != 0).then(|| {
                "2025-01-01T08:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap()
                    + TimeDelta::days(i as i64 % 40)
            });
            a
        })
        .collect();
    let index = Index::in_memory(&newsearch::IndexOptions::new()).unwrap();
    let mut writer = index.writer().unwrap();
    for (i, a) in articles.iter().enumerate() {
        writer.add(a).unwrap();
        if i == 250 {
            writer.commit().unwrap();
        }
    }
    writer.commit().unwrap();
    drop(writer);
    let all: Vec<&Article> = articles.iter().collect();
    let talks: Vec<&Article> = articles.iter().filter(|a| a.body.contains("talks")).collect();
    for _ in 0..5 {
        let facets =
            index.search(&Query::all().limit(0).facets(true).facet_size(100)).unwrap().facets.unwrap();
        check_facets_against(&all, &facets);
        let facets =
            index.search(&Query::new("talks").limit(3).facets(true).facet_size(100)).unwrap().facets.unwrap();
        check_facets_against(&talks, &facets);
    }
}

#[test]
fn facets_show_the_most_common_spelling_and_respect_the_size() {
    let (_, index) = archive_index();
    let facets = index.search(&Query::all().facets(true).facet_size(2)).unwrap().facets.unwrap();
    assert_eq!(facets.tags.len(), 2);
    // "Ukraine" on 6 articles, "Diplomacy" on 5 (one spelled "diplomacy").
    assert_eq!(facets.tags[0].value, "Ukraine");
    assert_eq!(facets.tags[1].value, "Diplomacy");
    assert_eq!(facets.tags[1].count, 5);
    assert!(index.search(&Query::all()).unwrap().facets.is_none(), "facets only when asked");
}

#[test]
fn recency_and_popularity_reorder_close_matches() {
    let (_, index) = archive_index();
    let q = || Query::new("ceasefire plan");
    let plain = index.search(&q()).unwrap();
    assert_eq!(ids(&plain)[..2], ["envoy-old", "envoy-new"], "the older article mentions the plan more");
    let recent = index.search(&q().recent(TimeDelta::days(30))).unwrap();
    assert_eq!(ids(&recent)[..2], ["envoy-new", "envoy-old"]);
    let popular = index.search(&q().popular(true)).unwrap();
    assert_eq!(ids(&popular)[..2], ["envoy-new", "envoy-old"]);
    // Measured from the old article's date, recency favours it again.
    let as_of = "2024-06-01T10:00:00Z".parse().unwrap();
    let then = index.search(&q().recent(TimeDelta::days(30)).as_of(as_of)).unwrap();
    assert_eq!(ids(&then)[..2], ["envoy-old", "envoy-new"]);
    // Multipliers never change what matches.
    assert_eq!((plain.total, recent.total, popular.total), (2, 2, 2));
    // The newest article gets ×2 at most: its score is at most twice its plain score.
    let plain_new = plain.hits.iter().find(|h| h.article.id.as_str() == "envoy-new").unwrap();
    let recent_new = recent.hits.iter().find(|h| h.article.id.as_str() == "envoy-new").unwrap();
    assert!((recent_new.score.unwrap() - 2.0 * plain_new.score.unwrap()).abs() < 1e-4);
}

#[test]
fn explanations_add_up_to_the_scores() {
    let (_, index) = archive_index();
    let queries = [
        Query::new("black sea truce"),
        Query::new("\"grain ships\" odesa"),
        Query::new("truce tag:trade"),
        Query::new("insurer* premiums").mode(newsearch::MatchMode::Any),
        Query::new("ceasefire plan").recent(TimeDelta::days(30)).popular(true),
        Query::new("truce -geneva"),
    ];
    for q in queries {
        let results = index.search(&q.clone().explain(true).limit(20)).unwrap();
        assert!(!results.hits.is_empty(), "{q:?}");
        for hit in &results.hits {
            let e = hit.explanation.as_ref().expect("explained");
            let sum: f32 = e.parts.iter().map(|p| p.score).sum();
            assert!((sum - e.text_score).abs() < 1e-4);
            let score = hit.score.unwrap();
            assert!((e.score - score).abs() <= 1e-4 * score.max(1.0), "{q:?}: {e:?} vs {score}");
            assert!(e.parts.iter().all(|p| p.score > 0.0 && !p.text.contains("geneva")));
        }
    }
    let hit = &index.search(&Query::new("truce").explain(true)).unwrap().hits[0];
    let e = hit.explanation.as_ref().unwrap();
    let fields: Vec<&str> = e.parts.iter().map(|p| p.field.as_str()).collect();
    assert!(fields.contains(&"title") && fields.contains(&"body"), "{fields:?}");
    let title = e.parts.iter().find(|p| p.field == "title").unwrap();
    assert_eq!((title.text.as_str(), title.boost), ("truce", newsearch::TITLE_BOOST));
    let inputs: Vec<&str> = title.inputs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(inputs, ["freq", "idf", "dl", "avgdl"]);
    assert!(index.search(&Query::new("truce")).unwrap().hits[0].explanation.is_none());
}

#[test]
fn collapse_groups_syndicated_copies() {
    let (_, index) = archive_index();
    let plain = ids(&index.search(&Query::new("geneva truce")).unwrap()).join(" ");
    assert!(plain.contains("truce-1 ") || plain.starts_with("truce-1"), "{plain}");
    assert!(plain.contains("truce-1-copy"), "without collapse both copies show: {plain}");
    let collapsed = index.search(&Query::new("truce").collapse(true)).unwrap();
    let shown = ids(&collapsed);
    assert_eq!(shown.iter().filter(|id| id.starts_with("truce-1")).count(), 1, "{shown:?}");
    let leader = collapsed.hits.iter().find(|h| h.article.id.as_str().starts_with("truce-1")).unwrap();
    let other = if leader.article.id.as_str() == "truce-1" { "truce-1-copy" } else { "truce-1" };
    assert_eq!(leader.similar, [ArticleId::new(other)]);
    // Distinct articles on the same story are not copies.
    assert!(shown.contains(&"truce-2") && shown.contains(&"truce-3"), "{shown:?}");
    assert!(
        collapsed
            .hits
            .iter()
            .filter(|h| !h.article.id.as_str().starts_with("truce-1"))
            .all(|h| h.similar.is_empty())
    );
    // The total counts every match, not only the leaders; pages hold whole groups.
    assert_eq!(collapsed.total, index.search(&Query::new("truce")).unwrap().total);
    let second = index.search(&Query::new("truce").collapse(true).limit(1).offset(1)).unwrap();
    assert_eq!(ids(&second), [shown[1]]);
}

#[test]
fn related_articles_share_the_story_but_not_the_text() {
    let (articles, index) = archive_index();
    let related = index.related(&ArticleId::new("truce-1"), &Query::all().limit(3)).unwrap();
    let top: Vec<&str> = ids(&related);
    let mut first_two = top[..2].to_vec();
    first_two.sort();
    assert_eq!(first_two, ["truce-2", "truce-3"], "{top:?}");
    assert!(!top.contains(&"truce-1") && !top.contains(&"truce-1-copy"), "{top:?}");

    let rates = index.related(&ArticleId::new("rates-1"), &Query::all().limit(1)).unwrap();
    assert_eq!(ids(&rates), ["rates-2"]);

    // Filters apply as in a search.
    let in_economy = index.related(&ArticleId::new("truce-1"), &Query::all().section("economy")).unwrap();
    let economy: HashMap<&str, bool> =
        articles.iter().map(|a| (a.id.as_str(), a.section.as_deref() == Some("Economy"))).collect();
    assert!(!in_economy.hits.is_empty());
    assert!(in_economy.hits.iter().all(|h| economy[h.article.id.as_str()]));
    assert_eq!(ids(&in_economy)[0], "truce-3");

    let missing = index.related(&ArticleId::new("no-such-article"), &Query::all()).unwrap_err();
    assert!(matches!(missing, newsearch::Error::UnknownArticle { .. }), "{missing}");
}
