//! Issue #19: no `Query` value may abort or panic the program that searches. A panic could be
//! caught, but an allocation the system refuses aborts the process (`catch_unwind` can't help),
//! and would take the test runner with it: so the property runs in a child process, this test
//! binary run again on just that test, and the parent checks how the child ended.

use std::process::Command;

use chrono::{DateTime, TimeDelta, Utc};
use newsearch::{Article, Cursor, Error, Index, MatchMode, Query, Sort, Stemming, Tag};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::index_of;

/// The property's test name, as the child is asked to run it.
const PROPERTY: &str = "no_abort::arbitrary_queries_give_results_or_typed_errors";

/// Cases the property runs (more with `NEWSEARCH_QUERY_CASES=N`, at the cost of time).
const CASES_VAR: &str = "NEWSEARCH_QUERY_CASES";

#[test]
fn no_query_aborts_or_panics_the_process() {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([PROPERTY, "--exact", "--ignored", "--test-threads", "1"])
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // An abort ends the child by a signal (SIGABRT), with no exit code at all.
    assert!(out.status.success(), "the child ended with {}:\n{stdout}\n{stderr}", out.status);
    assert!(stdout.contains("test result: ok. 1 passed"), "the property did not run:\n{stdout}");
}

#[test]
#[ignore = "run in a child process by no_query_aborts_or_panics_the_process"]
fn arbitrary_queries_give_results_or_typed_errors() {
    let cases = std::env::var(CASES_VAR).ok().and_then(|n| n.parse().ok()).unwrap_or(500);
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let index = index();
    TestRunner::new(config)
        .run(&arb_query(), |query| {
            check(index.search(&query), &query)?;
            check(index.related(&"b".into(), &query), &query)?;
            // The JSON form neither panics on any value nor reads back another query than it
            // wrote (NaN aside: it is written as null).
            if let Ok(json) = serde_json::to_string(&query)
                && let Ok(back) = serde_json::from_str::<Query>(&json)
            {
                prop_assert_eq!(
                    (back.get_limit(), back.get_offset()),
                    (query.get_limit(), query.get_offset())
                );
                prop_assert_eq!(back.get_after(), query.get_after());
            }
            Ok(())
        })
        .unwrap();
}

/// A result, or one of the errors a query can earn: anything else (an engine error, a vague
/// `InvalidArgument`) is a bug.
fn check(result: Result<newsearch::SearchResults, Error>, query: &Query) -> Result<(), TestCaseError> {
    match result {
        Ok(results) => {
            prop_assert!(results.hits.len() <= query.get_limit());
            prop_assert!(results.hits.len() <= results.total);
            prop_assert!(results.next.is_none() || results.hits.len() == query.get_limit());
        }
        Err(
            Error::QuerySyntax { .. }
            | Error::NothingSearchable { .. }
            | Error::PrefixTooBroad { .. }
            | Error::WindowTooLarge { .. }
            | Error::CursorOrder { .. }
            | Error::EmptyViewsRange { .. }
            | Error::EmptyDateRange { .. }
            | Error::DateOutOfRange { .. }
            | Error::InvalidTitleBoost { .. },
        ) => {}
        Err(other) => prop_assert!(false, "{:?} gave {:?}", query, other),
    }
    Ok(())
}

/// Three segments (one with a deletion), with dates and view counts at their extremes.
fn index() -> Index {
    let range = newsearch::storable_dates();
    let dates =
        [Some(*range.start()), Some(*range.end()), None, Some("2025-02-20T10:00:00Z".parse().unwrap())];
    let views = [Some(0), Some(u64::MAX), None, Some(1523)];
    let articles: Vec<Article> = (0..12)
        .map(|i| {
            let mut a = Article::new(
                ["a", "b", "c", "d"][i % 4].repeat(i / 4 + 1),
                format!("{i}.txt"),
                "Kellogg meets Zelensky",
            );
            a.body = ["The envoy met the president in Kyiv.", "Oil prices fell.", "", "Talks, talks, talks."]
                [i % 4]
                .into();
            a.date = dates[i % 4];
            a.views = views[i % 4];
            a.push_tag(Tag::new(["Ukraine", "Oil", "EU"][i % 3]));
            a
        })
        .collect();
    let index = index_of(&articles[..4], Stemming::English);
    for batch in [&articles[4..8], &articles[8..]] {
        let mut writer = index.writer().expect("writer");
        for a in batch {
            writer.add(a).expect("add");
        }
        writer.commit().expect("commit");
    }
    let mut writer = index.writer().expect("writer");
    assert!(writer.delete(&"cc".into()).unwrap());
    writer.commit().expect("commit");
    drop(writer);
    index
}

/// Sizes, mostly small (so that most pages can be searched), some at the edges.
fn arb_size() -> impl Strategy<Value = usize> {
    let max = Query::MAX_WINDOW;
    prop_oneof![
        40 => 0usize..20,
        1 => Just(max),
        1 => Just(max - 1),
        1 => Just(max + 1),
        1 => Just(usize::MAX),
        1 => Just(usize::MAX / 2),
        1 => Just(1_000_000_000),
        1 => any::<usize>(),
    ]
}

fn arb_date() -> impl Strategy<Value = DateTime<Utc>> {
    let range = newsearch::storable_dates();
    let (first, last) = (*range.start(), *range.end());
    prop_oneof![
        Just(DateTime::<Utc>::MIN_UTC),
        Just(DateTime::<Utc>::MAX_UTC),
        Just(first),
        Just(last),
        Just(first - TimeDelta::seconds(1)),
        Just(last + TimeDelta::seconds(1)),
        (DateTime::<Utc>::MIN_UTC.timestamp()..=DateTime::<Utc>::MAX_UTC.timestamp())
            .prop_filter_map("in chrono's range", |s| DateTime::from_timestamp(s, 0)),
    ]
}

fn arb_views() -> impl Strategy<Value = Option<u64>> {
    prop::option::weighted(0.2, prop_oneof![Just(0), Just(u64::MAX), 0u64..2000, any::<u64>()])
}

/// Query text: mostly well-formed (so searches run), some of it syntax soup.
fn arb_text() -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec![
        "Kellogg",
        "talks",
        "the",
        "oil~1",
        "envoy^2",
        "Kel*",
        "t*",
        "\"envoy met\"",
        "\"talks talks\"~2^0.5",
        "tag:Ukraine",
        "title:(kellogg OR zelensky)",
        "-oil",
        "*",
        "kyiv~",
        "body:president",
        "£",
    ]);
    let valid = prop::collection::vec(word, 0..3).prop_map(|w| w.join(" "));
    let piece = prop_oneof![
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("\"".to_owned()),
        Just(" OR ".to_owned()),
        Just(" -".to_owned()),
        Just("*".to_owned()),
        Just("~".to_owned()),
        Just("~2".to_owned()),
        Just("^".to_owned()),
        Just("^1000".to_owned()),
        Just("title:".to_owned()),
        Just("tag:".to_owned()),
        Just(" ".to_owned()),
        Just("Kellogg".to_owned()),
        "\\PC{0,8}",
    ];
    let soup = prop::collection::vec(piece, 0..12).prop_map(|v| v.concat());
    prop_oneof![3 => valid, 1 => soup]
}

/// Cursors as text: well-formed ones for every order (with any position), and anything else.
fn arb_cursor() -> impl Strategy<Value = Option<Cursor>> {
    let text = prop_oneof![
        (prop::sample::select(Sort::NAMES.to_vec()), any::<u128>(), any::<u64>())
            .prop_map(|(sort, rank, tiebreak)| format!("{sort}.{rank:x}.{tiebreak:x}")),
        (prop::sample::select(Sort::NAMES.to_vec()), any::<u64>(), any::<u64>())
            .prop_map(|(sort, value, tiebreak)| format!("{sort}.1{value:016x}.{tiebreak:x}")),
        "\\PC{0,40}",
    ];
    prop::option::of(text).prop_map(|t| t.and_then(|t| t.parse().ok()))
}

fn arb_boost() -> impl Strategy<Value = Option<f32>> {
    prop::option::weighted(
        0.2,
        prop_oneof![
            Just(f32::NAN),
            Just(f32::INFINITY),
            Just(f32::NEG_INFINITY),
            Just(-1.0),
            Just(f32::MAX),
            Just(0.0),
            any::<f32>(),
        ],
    )
}

fn arb_query() -> impl Strategy<Value = Query> {
    let words = prop::collection::vec(
        prop_oneof![3 => prop::sample::select(vec!["Ukraine", "oil", "EU"]).prop_map(str::to_owned), 1 => "\\PC{0,6}"],
        0..2,
    );
    let page =
        (arb_size(), arb_size(), arb_cursor(), prop::option::of(prop::sample::select(Sort::ALL.to_vec())));
    let filters = (
        words.clone(),
        words,
        prop::option::weighted(0.2, "\\PC{0,6}"),
        prop::option::weighted(0.2, arb_date()),
        prop::option::weighted(0.2, arb_date()),
        arb_views(),
        arb_views(),
    );
    let options = (
        any::<[bool; 7]>(),
        prop::sample::select(vec![MatchMode::All, MatchMode::Any, MatchMode::Auto]),
        arb_boost(),
        arb_size(),
        arb_size(),
        prop::option::weighted(0.2, any::<i64>()),
        prop::option::weighted(0.2, arb_date()),
    );
    (arb_text(), page, filters, options).prop_map(|(text, page, filters, options)| {
        let (limit, offset, after, sort) = page;
        let (tags, any_tags, section, since, until, min_views, max_views) = filters;
        let (
            [fuzzy, snippets, facets, popular, explain, collapse, _],
            mode,
            boost,
            snippet_chars,
            facet_size,
            recent,
            as_of,
        ) = options;
        let mut q = Query::new(text)
            .limit(limit)
            .offset(offset)
            .fuzzy(fuzzy)
            .mode(mode)
            .snippets(snippets)
            .snippet_chars(snippet_chars)
            .facets(facets)
            .facet_size(facet_size)
            .popular(popular)
            .explain(explain)
            .collapse(collapse);
        for t in tags {
            q = q.tag(t);
        }
        for t in any_tags {
            q = q.any_tag(t);
        }
        if let Some(s) = section {
            q = q.section(s);
        }
        if let Some(d) = since {
            q = q.since(d);
        }
        if let Some(d) = until {
            q = q.until(d);
        }
        if let Some(n) = min_views {
            q = q.min_views(n);
        }
        if let Some(n) = max_views {
            q = q.max_views(n);
        }
        if let Some(s) = sort {
            q = q.sort(s);
        }
        if let Some(c) = after {
            q = q.after(c);
        }
        if let Some(b) = boost {
            q = q.title_boost(b);
        }
        if let Some(span) = recent.and_then(TimeDelta::try_seconds) {
            q = q.recent(span);
        }
        if let Some(d) = as_of {
            q = q.as_of(d);
        }
        q
    })
}
