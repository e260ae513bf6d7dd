//! Issue #19: deep paging with cursors, ascending orders, and what a page says about the next.

use chrono::{DateTime, Utc};
use newsearch::{Article, Cursor, Error, Index, Query, Sort, Stemming};

use crate::{article, index_of};

/// 40 articles that tie a lot: 4 dates (and undated ones), 3 view counts (and none), bodies
/// that score alike, and a few syndicated copies.
fn ties() -> Vec<Article> {
    (0..40)
        .map(|i| {
            let body = if i % 5 == 0 { "oil oil price talks" } else { "oil price talks" };
            let mut a = article(&format!("a{i:02}"), &format!("Story {}", i % 4), body, &["Oil"]);
            a.date = (i % 6 != 0).then(|| day(i % 4));
            a.views = (i % 7 != 0).then_some((i % 3) as u64 * 100);
            a
        })
        .collect()
}

fn day(d: usize) -> DateTime<Utc> {
    format!("2025-02-{:02}T10:00:00Z", d + 1).parse().unwrap()
}

fn ids(hits: &[newsearch::Hit]) -> Vec<String> {
    hits.iter().map(|h| h.article.id.to_string()).collect()
}

/// Every hit of `query`, page by page through cursors of `size` hits (each cursor sent through
/// its text form, as a web client would).
fn by_cursor(index: &Index, query: &Query, size: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut page = index.search(&query.clone().limit(size)).unwrap();
    let total = page.total;
    loop {
        assert!(page.hits.len() <= size);
        assert_eq!(page.total, total, "the total counts every match on every page");
        seen.extend(ids(&page.hits));
        let Some(next) = page.next else { break };
        assert!(!page.hits.is_empty());
        let next: Cursor = next.to_string().parse().unwrap();
        page = index.search(&query.clone().limit(size).after(next)).unwrap();
    }
    seen
}

#[test]
fn cursor_pages_give_every_match_once_in_every_order() {
    let index = index_of(&ties(), Stemming::English);
    for query in [
        Query::new("oil"),
        Query::new("oil").sort(Sort::Date),
        Query::new("oil").sort(Sort::DateAsc),
        Query::new("oil").sort(Sort::Views),
        Query::new("oil").sort(Sort::ViewsAsc),
        Query::all(),
        Query::all().popular(true),
        Query::new("oil talks").recent(chrono::TimeDelta::days(2)),
        Query::new("oil").tag("oil").mode(newsearch::MatchMode::Any),
    ] {
        let whole = ids(&index.search(&query.clone().limit(100)).unwrap().hits);
        assert_eq!(whole.len(), 40, "{query:?}");
        for size in [1, 3, 7, 40] {
            assert_eq!(by_cursor(&index, &query, size), whole, "{query:?} in pages of {size}");
        }
        // An offset applies after the cursor.
        let first = index.search(&query.clone().limit(5)).unwrap();
        let after = first.next.expect("more after 5");
        let skipped = index.search(&query.clone().after(after).offset(2).limit(3)).unwrap();
        assert_eq!(ids(&skipped.hits), whole[7..10], "{query:?}");
    }
}

#[test]
fn the_last_page_has_no_next_cursor() {
    let index = index_of(&ties(), Stemming::English);
    let full = index.search(&Query::all().limit(40)).unwrap();
    assert_eq!((full.hits.len(), full.next), (40, None));
    let short = index.search(&Query::all().limit(39)).unwrap();
    let next = short.next.expect("one left");
    let last = index.search(&Query::all().limit(39).after(next)).unwrap();
    assert_eq!((last.hits.len(), last.next), (1, None));
    assert_eq!(index.search(&Query::all().limit(0)).unwrap().next, None, "no hit, no cursor");
    assert_eq!(index.search(&Query::new("nothinglikethis")).unwrap().next, None);
}

#[test]
fn totals_and_facets_count_every_match_after_a_cursor() {
    let index = index_of(&ties(), Stemming::English);
    let query = Query::new("oil").sort(Sort::Date).facets(true).limit(10);
    let first = index.search(&query).unwrap();
    let second = index.search(&query.clone().after(first.next.unwrap())).unwrap();
    assert_eq!(second.total, 40);
    assert_eq!(second.facets, first.facets);
    assert_eq!(second.hits.len(), 10);
}

#[test]
fn commits_between_pages_neither_repeat_nor_skip_an_article() {
    let index = index_of(&ties(), Stemming::English);
    let query = Query::all().sort(Sort::Views).limit(8);
    let first = index.search(&query).unwrap();
    let mut seen = ids(&first.hits);
    // Meanwhile: an article already shown and one still to come are deleted, and new ones
    // arrive on both sides of the cursor.
    let mut writer = index.writer().unwrap();
    assert!(writer.delete(&first.hits[0].article.id).unwrap());
    let later = index.search(&Query::all().sort(Sort::Views).limit(40)).unwrap().hits[20].article.id.clone();
    assert!(writer.delete(&later).unwrap());
    for (id, views) in [("new-top", 1_000_000), ("new-low", 1)] {
        let mut a = article(id, "Fresh", "oil", &[]);
        a.views = Some(views);
        writer.add(&a).unwrap();
    }
    writer.commit().unwrap();
    drop(writer);
    let mut next = first.next;
    while let Some(cursor) = next {
        let page = index.search(&query.clone().after(cursor)).unwrap();
        seen.extend(ids(&page.hits));
        next = page.next;
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no article twice: {seen:?}");
    for a in ties() {
        let id = a.id.to_string();
        assert!(seen.contains(&id) || id == later.as_str(), "{id} skipped");
    }
    assert!(seen.contains(&"new-low".to_owned()), "added after the cursor: shown");
    assert!(!seen.contains(&"new-top".to_owned()), "added before the cursor: on a page already read");
}

#[test]
fn oldest_and_least_viewed_first_keep_missing_values_last() {
    let index = index_of(&ties(), Stemming::English);
    let hits = index.search(&Query::all().sort(Sort::DateAsc).limit(40)).unwrap().hits;
    let dates: Vec<_> = hits.iter().map(|h| h.article.date).collect();
    let dated = dates.iter().take_while(|d| d.is_some()).count();
    assert_eq!(dated, 33, "{dates:?}");
    assert!(dates[..dated].windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    assert!(dates[dated..].iter().all(Option::is_none));
    assert_eq!(dates[0], Some(day(0)));

    let hits = index.search(&Query::new("oil").sort(Sort::ViewsAsc).limit(40)).unwrap().hits;
    let views: Vec<_> = hits.iter().map(|h| h.article.views).collect();
    let counted = views.iter().take_while(|v| v.is_some()).count();
    assert_eq!(counted, 34, "{views:?}");
    assert!(views[..counted].windows(2).all(|w| w[0] <= w[1]), "{views:?}");
    assert!(views[counted..].iter().all(Option::is_none));
    assert!(hits.iter().all(|h| h.score.is_none()));
    // The reverse of newest-first among the dated ones (ties aside).
    let newest = index.search(&Query::all().sort(Sort::Date).limit(40)).unwrap().hits;
    assert_eq!(newest[0].article.date, Some(day(3)));
}

#[test]
fn cursors_from_another_order_or_not_cursors_at_all_are_refused() {
    let index = index_of(&ties(), Stemming::English);
    let by_date = index.search(&Query::all().limit(2)).unwrap().next.unwrap();
    assert_eq!(by_date.sort(), Sort::Date);
    let err = index.search(&Query::all().sort(Sort::DateAsc).after(by_date)).unwrap_err();
    assert!(matches!(err, Error::CursorOrder { cursor: Sort::Date, query: Sort::DateAsc }), "{err}");
    let err = index.search(&Query::new("oil").after(by_date)).unwrap_err();
    assert!(matches!(err, Error::CursorOrder { query: Sort::Relevance, .. }), "{err}");
    for bad in ["", "page2", "date.zz.1", &format!("{by_date}0")] {
        let err = bad.parse::<Cursor>().unwrap_err();
        assert!(matches!(err, Error::InvalidCursor { .. }), "{bad}: {err}");
    }
}

#[test]
fn collapsed_results_page_by_cursor_as_they_do_by_offset() {
    // Five stories, each syndicated three times (same text, other ids), dated apart.
    let articles: Vec<Article> = (0..15)
        .map(|i| {
            let story = i % 5;
            let body = format!(
                "Story {story} body: {}",
                [
                    "ceasefire talks resume",
                    "oil prices fall again",
                    "new envoy named today",
                    "bank raises rates",
                    "storm hits the coast"
                ][story]
                    .repeat(3)
            );
            let mut a = article(&format!("s{story}-{i}"), &format!("Headline {story}"), &body, &[]);
            a.date = Some(day(story));
            a
        })
        .collect();
    let index = index_of(&articles, Stemming::English);
    let query = Query::new("story").sort(Sort::Date).collapse(true);
    let whole = index.search(&query.clone().limit(10)).unwrap();
    assert_eq!(whole.hits.len(), 5);
    assert!(whole.hits.iter().all(|h| h.similar.len() == 2));
    let paged = by_cursor(&index, &query, 2);
    assert_eq!(paged, ids(&whole.hits));
}

#[test]
fn related_articles_page_by_cursor_too() {
    let index = index_of(&ties(), Stemming::English);
    let query = Query::all();
    let whole = ids(&index.related(&"a01".into(), &query.clone().limit(100)).unwrap().hits);
    let mut seen = Vec::new();
    let mut page = index.related(&"a01".into(), &query.clone().limit(4)).unwrap();
    loop {
        seen.extend(ids(&page.hits));
        let Some(next) = page.next else { break };
        page = index.related(&"a01".into(), &query.clone().limit(4).after(next)).unwrap();
    }
    assert_eq!(seen, whole);
}
