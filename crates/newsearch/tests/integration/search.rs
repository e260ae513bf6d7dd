//! Searching: analysis, query syntax, filters, order and snippets, through the public API.

use newsearch::{Article, Error, Index, Query, Sort, Stemming};

use crate::{article, index_of, parse_txt, seed_text};

fn ids(index: &Index, query: Query) -> Vec<String> {
    let results = index.search(&query.limit(100)).expect("search");
    results.hits.iter().map(|h| h.article.id.to_string()).collect()
}

fn seed_index() -> Index {
    let (mut seed, _) = parse_txt(&seed_text());
    seed.id = "seed".into();
    index_of(&[seed, article("other", "Markets", "Stocks rose in London.", &["Economy"])], Stemming::English)
}

#[test]
fn analyzer_cases_from_the_seed() {
    let index = seed_index();
    for q in
        ["Russia’s", "Russia", "Kremlin", "Kremlin-aligned", "G20", "\"£3 billion\"", "Trump's", "kellogg"]
    {
        assert_eq!(ids(&index, Query::new(q)), ["seed"], "{q}");
    }
    assert!(ids(&index, Query::new("G2")).is_empty(), "G20 stays one token");
}

#[test]
fn diacritics_fold_and_long_cyrillic_words_survive() {
    let index = index_of(
        &[
            article("cafe", "Café owners", "The café on the corner.", &[]),
            article("bg", "Ток", "Спиране на електроразпределителните мрежи.", &[]),
        ],
        Stemming::English,
    );
    assert_eq!(ids(&index, Query::new("cafe")), ["cafe"]);
    assert_eq!(ids(&index, Query::new("CAFÉ")), ["cafe"]);
    assert_eq!(ids(&index, Query::new("електроразпределителните")), ["bg"]);
}

fn corpus() -> Index {
    index_of(
        &[
            article(
                "a",
                "Kellogg meets Zelensky",
                "The envoy and the president met in Kyiv.",
                &["Ukraine", "US"],
            ),
            article("b", "Zelensky speaks", "The president spoke about security guarantees.", &["Ukraine"]),
            article("c", "Kellogg in London", "Talks about a ceasefire framework.", &["US", "Diplomacy"]),
            article("d", "Markets", "Security of supply worries traders. Guarantees are rare.", &["Economy"]),
        ],
        Stemming::English,
    )
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn words_are_anded_and_or_phrase_exclude_work() {
    let index = corpus();
    assert_eq!(ids(&index, Query::new("Zelensky Kellogg")), ["a"]);
    assert_eq!(sorted(ids(&index, Query::new("Zelensky OR Kellogg"))), ["a", "b", "c"]);
    assert_eq!(ids(&index, Query::new("\"security guarantees\"")), ["b"]);
    assert_eq!(sorted(ids(&index, Query::new("security guarantees"))), ["b", "d"]);
    assert_eq!(ids(&index, Query::new("Kellogg -Zelensky")), ["c"]);
    assert_eq!(sorted(ids(&index, Query::new("-Kellogg"))), ["b", "d"]);
}

#[test]
fn fields_prefixes_and_tags_as_words() {
    let index = corpus();
    assert_eq!(ids(&index, Query::new("title:Zelensky body:envoy")), ["a"]);
    assert_eq!(sorted(ids(&index, Query::new("tag:us"))), ["a", "c"]);
    assert_eq!(ids(&index, Query::new("tag:\"diplomacy\" London")), ["c"]);
    assert_eq!(sorted(ids(&index, Query::new("Zel*"))), ["a", "b"]);
    assert_eq!(ids(&index, Query::new("diplomacy")), ["c"], "tags are searchable as words");
    assert!(ids(&index, Query::new("title:envoy")).is_empty());
}

#[test]
fn fuzzy_tolerates_typos_only_when_asked() {
    // Without stemming, so "Zelenski" and "Zelensky" really differ.
    let index = index_of(&[article("a", "Zelensky speaks", "", &[])], Stemming::None);
    assert!(ids(&index, Query::new("Zelenski")).is_empty());
    assert_eq!(ids(&index, Query::new("Zelenski").fuzzy(true)), ["a"]);
    let hit = &index.search(&Query::new("Zelenksy").fuzzy(true)).unwrap().hits[0];
    assert_eq!(hit.article.id.as_str(), "a");
}

#[test]
fn title_matches_rank_first() {
    let index = index_of(
        &[
            article(
                "body",
                "Markets",
                "Zelensky was mentioned once in a long text about markets and trade.",
                &[],
            ),
            article("title", "Zelensky visits Paris", "A short visit about markets and trade.", &[]),
        ],
        Stemming::English,
    );
    assert_eq!(ids(&index, Query::new("Zelensky")), ["title", "body"]);
}

fn dated(id: &str, date: &str, views: Option<u64>, section: &str, tags: &[&str]) -> Article {
    let mut a = article(id, &format!("Story {id}"), "Common words here.", tags);
    a.date = Some(date.parse().unwrap());
    a.views = views;
    a.section = Some(section.to_owned());
    a
}

fn dated_corpus() -> Index {
    index_of(
        &[
            dated("jan", "2025-01-15T10:00:00Z", Some(10), "World", &["Ukraine"]),
            dated("feb", "2025-02-21T08:37:00Z", Some(500), "Ukraine", &["Ukraine", "Russia"]),
            dated("feb-end", "2025-02-28T23:59:59Z", None, "Business", &["Economy"]),
            dated("mar", "2025-03-01T00:00:00Z", Some(50), "World", &["European Union"]),
            article("undated", "Story undated", "Common words here.", &["Ukraine"]),
        ],
        Stemming::English,
    )
}

#[test]
fn filters_tags_sections_dates_views() {
    let index = dated_corpus();
    let p = |s: &str| s.parse::<newsearch::Period>().unwrap();
    assert_eq!(ids(&index, Query::all().tag("ukraine").tag("RUSSIA")), ["feb"]);
    assert_eq!(ids(&index, Query::all().any_tag("russia").any_tag("european union")), ["mar", "feb"]);
    assert_eq!(ids(&index, Query::all().section("world")), ["mar", "jan"]);
    let feb = p("2025-02");
    assert_eq!(ids(&index, Query::all().since(feb.start()).until(feb.end())), ["feb-end", "feb"]);
    assert_eq!(ids(&index, Query::all().since(p("2025-03-01").start())), ["mar"]);
    assert_eq!(ids(&index, Query::all().until(p("2025-01").end())), ["jan"]);
    assert_eq!(ids(&index, Query::all().min_views(50)), ["mar", "feb"]);
    assert_eq!(ids(&index, Query::all().max_views(50)), ["mar", "jan"]);
    assert_eq!(ids(&index, Query::new("common").tag("Ukraine").sort(Sort::Date)), ["feb", "jan", "undated"]);
}

#[test]
fn sorts_totals_and_pages() {
    let index = dated_corpus();
    assert_eq!(
        ids(&index, Query::all()),
        ["mar", "feb-end", "feb", "jan", "undated"],
        "newest first, undated last"
    );
    // Most viewed first; the two without a count come last, in no particular order between them
    // (which indexing thread took each decides it).
    let by_views = ids(&index, Query::all().sort(Sort::Views));
    assert_eq!(by_views[..3], ["feb", "mar", "jan"]);
    let mut last: Vec<&str> = by_views[3..].iter().map(String::as_str).collect();
    last.sort();
    assert_eq!(last, ["feb-end", "undated"]);
    let page = index.search(&Query::all().limit(2).offset(1)).unwrap();
    assert_eq!(page.total, 5);
    let page_ids: Vec<_> = page.hits.iter().map(|h| h.article.id.as_str()).collect();
    assert_eq!(page_ids, ["feb-end", "feb"]);
    assert!(page.hits.iter().all(|h| h.score.is_none()));
    let counted = index.search(&Query::new("common").limit(0)).unwrap();
    assert_eq!((counted.total, counted.hits.len()), (5, 0));
    assert!(index.search(&Query::new("common")).unwrap().hits[0].score.is_some());
}

#[test]
fn snippets_mark_matches_in_the_body() {
    let index = seed_index();
    let hit = &index.search(&Query::new("Lammy G20")).unwrap().hits[0];
    let marked = hit.snippet.marked("[", "]");
    assert!(marked.contains("[Lammy]") && marked.contains("[G20]"), "{marked}");
    assert!(hit.snippet.text.chars().count() <= 205, "{}", hit.snippet.text);
    for r in &hit.snippet.highlights {
        assert!(hit.snippet.text.is_char_boundary(r.start) && hit.snippet.text.is_char_boundary(r.end));
    }
    let none = index.search(&Query::new("Kellogg").snippets(false)).unwrap();
    assert!(none.hits[0].snippet.text.is_empty());
}

#[test]
fn bad_queries_are_errors_with_positions() {
    let index = corpus();
    match index.search(&Query::new("Kellogg \"security")) {
        Err(Error::QuerySyntax { column, .. }) => assert_eq!(column, 9),
        other => panic!("{other:?}"),
    }
    let err = index.search(&Query::new("£ €")).unwrap_err();
    assert!(matches!(&err, Error::NothingSearchable { query, .. } if query == "£ €"), "{err}");
    assert!(err.to_string().contains("only punctuation or symbols"), "{err}");
}

#[test]
fn get_by_id_and_replace() {
    let index = corpus();
    assert_eq!(index.get(&"b".into()).unwrap().unwrap().title, "Zelensky speaks");
    assert!(index.get(&"zzz".into()).unwrap().is_none());
    let mut w = index.writer().unwrap();
    w.add(&article("b", "Zelensky speaks again", "", &[])).unwrap();
    w.commit().unwrap();
    assert_eq!(index.get(&"b".into()).unwrap().unwrap().title, "Zelensky speaks again");
    assert_eq!(index.len().unwrap(), 4);
}

#[test]
fn prefixes_that_match_most_of_the_vocabulary_are_refused() {
    let body: Vec<String> = (0..60_000).map(|i| format!("zz{i}")).collect();
    let index = index_of(&[article("many", "Many words", &body.join(" "), &[])], Stemming::None);
    let err = index.search(&Query::new("zz*")).unwrap_err();
    assert!(matches!(&err, Error::PrefixTooBroad { prefix, max: 50_000 } if prefix == "zz"), "{err}");
    assert_eq!(err.to_string(), "`zz*` matches more than 50000 different words");
    assert_eq!(index.search(&Query::new("zz1*")).unwrap().total, 1, "11,111 words is fine");
}

#[test]
fn words_with_an_apostrophe_are_found_by_each_part_and_joined() {
    let index = index_of(
        &[
            article("a", "INT'L banks lend", "O’Brien said the rock'n'roll fund don't lend.", &[]),
            article("b", "Côte d'Ivoire cocoa", "Russia's harvest.", &[]),
        ],
        Stemming::English,
    );
    for (query, expected) in [
        ("int", "a"),
        ("intl", "a"),
        ("INT'L", "a"),
        ("Brien", "a"),
        ("obrien", "a"),
        ("O'Brien", "a"),
        ("\"O'Brien said\"", "a"),
        ("\"Brien said\"", "a"),
        ("int banks", "a"),
        ("rock roll", "a"),
        ("Ivoire", "b"),
        ("\"Côte d'Ivoire\"", "b"),
        ("Russia", "b"),
    ] {
        assert_eq!(ids(&index, Query::new(query)), [expected], "{query}");
    }
}

#[test]
fn match_modes_all_any_auto() {
    use newsearch::MatchMode;
    let index = corpus();
    let all = index.search(&Query::new("Zelensky Kellogg London").mode(MatchMode::All)).unwrap();
    assert!(all.hits.is_empty() && !all.relaxed);
    let any = ids(&index, Query::new("Zelensky Kellogg London").mode(MatchMode::Any));
    assert_eq!(any[0], "c", "the article matching two of the words ranks first: {any:?}");
    assert_eq!(sorted(any.clone()), ["a", "b", "c"]);
    assert_eq!(ids(&index, Query::new("Kellogg -Zelensky").mode(MatchMode::Any)), ["c"]);
    assert_eq!("auto".parse::<MatchMode>().unwrap(), MatchMode::Auto);

    // The default: a short query needs every word while some article has them all...
    assert_eq!(Query::new("x"), Query::new("x").mode(MatchMode::Auto));
    let short = index.search(&Query::new("Zelensky Kellogg")).unwrap();
    assert_eq!((ids_of(&short), short.total, short.relaxed), (vec!["a".to_owned()], 1, false));
    // ...and when none has, shows those with some of them, saying so.
    let relaxed = index.search(&Query::new("Zelensky Kellogg London")).unwrap();
    assert!(relaxed.relaxed);
    assert_eq!(ids_of(&relaxed), any);
    assert_eq!(relaxed.total, 3);
    let one_word = index.search(&Query::new("Zelensky Paris")).unwrap();
    assert!(one_word.relaxed && one_word.total == 2);
    // No word found at all: nothing, not relaxed.
    let none = index.search(&Query::new("Paris Berlin")).unwrap();
    assert_eq!((none.total, none.relaxed), (0, false));
    // Four words or more (function words aside) rank as `any`: no article has them all.
    let long = index.search(&Query::new("the talks of Zelensky and Kellogg in London")).unwrap();
    assert!(!long.relaxed);
    assert_eq!(ids_of(&long), ids(&index, Query::new("talks Zelensky Kellogg London").mode(MatchMode::Any)));
    assert!(long.total >= 3);
}

#[test]
fn a_three_word_query_lists_articles_with_all_words_but_one_after_the_few_with_every_word() {
    use newsearch::ENOUGH_EVERY_WORD;
    let dated = |mut a: Article, day: u32| {
        a.date = Some(format!("2025-02-{day:02}T10:00:00Z").parse().unwrap());
        a
    };
    let index = index_of(
        &[
            // The only article with all three words is the oldest.
            dated(article("all", "Hot line proposal", "Moscow and Washington weigh a direct line.", &[]), 1),
            dated(article("two", "Hot line", "A direct telephone line between capitals.", &[]), 2),
            dated(article("one", "Proposal", "A proposal on trade.", &[]), 3),
            dated(article("none", "Markets", "Stocks rose.", &[]), 4),
        ],
        Stemming::English,
    );
    // Every word first, then all but one of them ("one" has a single word of the three).
    let page = index.search(&Query::new("hot line proposal")).unwrap();
    assert!(page.relaxed);
    assert_eq!((page.every_word, page.total), (Some(1), 2));
    assert_eq!(ids_of(&page), ["all", "two"]);
    // In date order too: the article with every word first, however old.
    let newest = index.search(&Query::new("hot line proposal").sort(Sort::Date)).unwrap();
    assert_eq!(ids_of(&newest), ["all", "two"]);
    // With none having every word, any of the words will do.
    let none = index.search(&Query::new("hot line treaty")).unwrap();
    assert!(none.relaxed);
    assert_eq!((none.every_word, sorted(ids_of(&none))), (Some(0), vec!["all".to_owned(), "two".to_owned()]));
    // Page by page, cursors follow the same order across the two kinds.
    for sort in [Sort::Relevance, Sort::Date, Sort::DateAsc] {
        let query = Query::new("hot line proposal").sort(sort).limit(1);
        let whole = ids(&index, query.clone());
        let mut seen = Vec::new();
        let mut page = index.search(&query).unwrap();
        loop {
            seen.extend(ids_of(&page));
            let Some(next) = page.next else { break };
            page = index.search(&query.clone().after(next)).unwrap();
        }
        assert_eq!(seen, whole, "{sort}");
        assert_eq!(whole[0], "all", "{sort}");
    }
    // Two words need both while any article has both.
    let two = index.search(&Query::new("hot proposal")).unwrap();
    assert_eq!((ids_of(&two), two.relaxed, two.every_word), (vec!["all".to_owned()], false, None));

    // With enough articles having every word, only those are listed.
    let mut many: Vec<Article> = (0..ENOUGH_EVERY_WORD)
        .map(|i| article(&format!("all{i}"), "Hot line proposal", &format!("Draft number {i}."), &[]))
        .collect();
    many.push(article("two", "Hot line", "A direct telephone line.", &[]));
    let index = index_of(&many, Stemming::English);
    let page = index.search(&Query::new("hot line proposal").limit(100)).unwrap();
    assert!(!page.relaxed && page.every_word.is_none());
    assert_eq!(page.total, ENOUGH_EVERY_WORD);
    assert!(ids_of(&page).iter().all(|id| id.starts_with("all")));
}

#[test]
fn an_acronym_typed_letter_by_letter_finds_it_dotted_or_spaced() {
    let index = index_of(
        &[
            article("dotted", "U.S. policy shift", "Washington changed course.", &[]),
            article("spaced", "J P Morgan results", "The bank reported a profit.", &[]),
            article("other", "Policy in Europe", "Brussels decided on a morgan.", &[]),
        ],
        Stemming::English,
    );
    for (query, expected) in [
        ("U S policy", "dotted"),
        ("u s policy", "dotted"),
        ("US policy", "dotted"),
        ("J P Morgan", "spaced"),
    ] {
        assert_eq!(ids(&index, Query::new(query)), [expected], "{query}");
    }
    // In a long query the acronym is one of its words.
    let long = ids(&index, Query::new("what U S policy shift came from Washington"));
    assert_eq!(long[0], "dotted");
}

#[test]
fn a_name_is_found_by_its_initials_and_spelled_out() {
    let index = index_of(
        &[
            article("initials", "U.N. forces leave the Congo", "Peacekeepers pack up in Leopoldville.", &[]),
            article("spelled", "United Nations budget", "Members in arrears for the Congo force.", &[]),
            article("states", "United States aid", "Washington pays for the Congo airlift.", &[]),
            article("apart", "Nations united", "Neighbours joined in the Congo basin.", &[]),
            article("soviet", "Soviet Union's reply", "Moscow answered the Congo note.", &[]),
        ],
        Stemming::English,
    );
    let sorted_ids = |query: &str| sorted(ids(&index, Query::new(query)));
    // Either way of writing it finds both ways of writing it; nothing else is lost.
    for query in ["United Nations Congo", "U.N. Congo", "UN Congo", "u n Congo"] {
        let mut expected = vec!["initials", "spelled"];
        if query.starts_with("United") {
            // As typed, the two words still match where they are apart.
            expected.insert(0, "apart");
        }
        assert_eq!(sorted_ids(query), expected, "{query}");
    }
    assert_eq!(sorted_ids("U.S. Congo"), ["states"]);
    assert_eq!(sorted_ids("USSR Congo"), ["soviet"]);
    // Quoted, a full name is searched exactly as typed; initials always find it in full too.
    assert_eq!(sorted_ids("\"United Nations\" Congo"), ["spelled"]);
    assert_eq!(sorted_ids("\"UN\" Congo"), ["initials", "spelled"]);
    // A name counts as one word: with `Congo`, two words that every hit has.
    let page = index.search(&Query::new("United Nations Congo")).unwrap();
    assert!(!page.relaxed);
    // Explanations add up to the score: only the best way of writing a name counts.
    for query in ["United Nations Congo", "u n Congo", "U.N. united nations Congo leave"] {
        let page = index.search(&Query::new(query).explain(true)).unwrap();
        assert!(!page.hits.is_empty(), "{query}");
        for hit in &page.hits {
            let e = hit.explanation.as_ref().unwrap();
            assert!((e.score - hit.score.unwrap()).abs() < 1e-4, "{query}: {e:?} vs {:?}", hit.score);
        }
    }
}

#[test]
fn in_any_word_queries_words_found_together_score_higher() {
    use newsearch::MatchMode;
    // The same words, as often, in texts of the same length: only their places differ.
    let index = index_of(
        &[
            article("together", "Report", "ceasefire talks resumed while markets fell", &[]),
            article("apart", "Report", "ceasefire resumed while talks markets fell", &[]),
        ],
        Stemming::English,
    );
    let scores = |mode| {
        let page = index.search(&Query::new("ceasefire talks").mode(mode)).unwrap();
        let score = |id: &str| page.hits.iter().find(|h| h.article.id.as_str() == id).unwrap().score.unwrap();
        (page.total, score("together"), score("apart"))
    };
    let (total, together, apart) = scores(MatchMode::Any);
    assert_eq!(total, 2, "closeness changes the order, not the matches");
    assert!(together > apart, "{together} > {apart}");
    // Requiring every word scores words, not their places.
    let (_, together, apart) = scores(MatchMode::All);
    assert_eq!(together, apart);
}

fn ids_of(results: &newsearch::SearchResults) -> Vec<String> {
    results.hits.iter().map(|h| h.article.id.as_str().to_owned()).collect()
}

/// Issue #10: `-n 10000000000` made the engine's top-k ask for 160 GB before looking at a
/// document; issue #19: a library must never abort its host, so a page reaching past
/// `Query::MAX_WINDOW` is refused before anything is sized by it. Pages up to the window give
/// what the index holds, in the same order as an exact page, in every order and with every
/// extra (facets, collapse, related).
#[test]
fn pages_up_to_the_window_return_what_exists_and_deeper_ones_are_refused() {
    let index = Index::in_memory(&newsearch::IndexOptions::new()).unwrap();
    let mut writer = index.writer_with(&newsearch::WriterOptions::new().memory_budget(32 << 20)).unwrap();
    // Three segments, one with a deleted article, so per-segment sizes differ from the total.
    for batch in 0..3 {
        for i in 0..5 {
            let n = batch * 5 + i;
            let body = format!("oil price {n} alpha{n} beta{n} gamma{n} delta{n}");
            let mut a = article(&format!("a{n}"), &format!("Oil story {n}"), &body, &["Oil"]);
            a.views = Some(n as u64 * 10);
            a.date = Some(format!("2025-01-{:02}T00:00:00Z", n + 1).parse().unwrap());
            writer.add(&a).unwrap();
        }
        writer.commit().unwrap();
    }
    assert!(writer.delete(&"a3".into()).unwrap());
    writer.commit().unwrap();
    drop(writer);

    let page = |q: Query| -> Vec<String> {
        index.search(&q).unwrap().hits.iter().map(|h| h.article.id.to_string()).collect()
    };
    let max = Query::MAX_WINDOW;
    let cases: Vec<(&str, Query)> = vec![
        ("relevance", Query::new("oil")),
        ("date", Query::new("oil").sort(Sort::Date)),
        ("oldest", Query::new("oil").sort(Sort::DateAsc)),
        ("views", Query::new("oil").sort(Sort::Views)),
        ("least viewed", Query::new("oil").sort(Sort::ViewsAsc)),
        ("no text", Query::all()),
        ("recent", Query::new("oil").recent(chrono::TimeDelta::days(7))),
        ("facets", Query::new("oil").facets(true)),
        (
            "huge facet and snippet sizes",
            Query::new("oil").facets(true).facet_size(usize::MAX).snippet_chars(usize::MAX),
        ),
        ("collapse", Query::new("oil").collapse(true)),
        ("auto", Query::new("oil nothinglikethis").mode(newsearch::MatchMode::Auto)),
    ];
    for (name, q) in cases {
        let exact = page(q.clone().limit(14));
        assert_eq!(exact.len(), 14, "{name}");
        assert_eq!(page(q.clone().limit(max)), exact, "{name}: the whole window");
        assert_eq!(page(q.clone().offset(4).limit(max - 4)), exact[4..], "{name}: offset 4");
        assert_eq!(page(q.clone().offset(13).limit(max - 13)), exact[13..], "{name}: the last hit");
        for (offset, limit) in [(max, 0), (max - 1, 1), (14, 10)] {
            let past = index.search(&q.clone().offset(offset).limit(limit)).unwrap();
            assert!(past.hits.is_empty() && past.next.is_none(), "{name}: offset {offset}");
            assert_eq!(past.total, 14, "{name}: the total is still counted");
        }
        for (offset, limit) in
            [(0, max + 1), (max, 1), (1, usize::MAX), (usize::MAX, 0), (usize::MAX, usize::MAX)]
        {
            let err = index.search(&q.clone().offset(offset).limit(limit)).unwrap_err();
            assert!(
                matches!(err, Error::WindowTooLarge { offset: o, limit: l, max: m } if (o, l, m) == (offset, limit, max)),
                "{name}: offset {offset}, limit {limit}: {err}"
            );
        }
    }

    let related = |q: Query| index.related(&"a1".into(), &q);
    let ids = |q: Query| -> Vec<String> {
        related(q).unwrap().hits.into_iter().map(|h| h.article.id.to_string()).collect()
    };
    assert_eq!(ids(Query::all().limit(max)), ids(Query::all().limit(13)));
    assert!(matches!(
        related(Query::all().offset(usize::MAX).limit(usize::MAX)),
        Err(Error::WindowTooLarge { .. })
    ));
}

#[test]
fn totals_stop_at_the_bound_in_relevance_order_and_count_everything_when_asked() {
    // A few more matches than the bound, some with the word in the title too.
    let n = Query::COUNTED_UP_TO + 25;
    let articles: Vec<Article> = (0..n)
        .map(|i| {
            let title = if i % 97 == 0 { "Ceasefire talks" } else { "Markets" };
            let body = "Talks on a ceasefire resumed. ".repeat(1 + i % 4);
            article(&format!("a{i}"), title, &body, if i % 2 == 0 { &["Ukraine"] } else { &[] })
        })
        .collect();
    let index = index_of(&articles, Stemming::English);
    let ceasefire = Query::new("ceasefire talks").snippets(false);

    let bounded = index.search(&ceasefire).unwrap();
    assert_eq!((bounded.total, bounded.total_exact), (Query::COUNTED_UP_TO, false));
    let every = index.search(&ceasefire.clone().exact_total(true)).unwrap();
    assert_eq!((every.total, every.total_exact), (n, true));
    let page = |r: &newsearch::SearchResults| {
        r.hits.iter().map(|h| (h.article.id.to_string(), h.score.map(f32::to_bits))).collect::<Vec<_>>()
    };
    assert_eq!(page(&bounded), page(&every), "the same page either way");
    assert!(bounded.hits[0].article.title.contains("Ceasefire"), "a title match first");

    // What needs every match anyway counts them all.
    let faceted = index.search(&ceasefire.clone().facets(true)).unwrap();
    assert_eq!((faceted.total, faceted.total_exact), (n, true));
    let newest = index.search(&ceasefire.clone().sort(Sort::Date)).unwrap();
    assert_eq!((newest.total, newest.total_exact), (n, true));
    // Fewer matches than the bound: exact, with a filter too.
    let tagged = index.search(&ceasefire.clone().tag("Ukraine")).unwrap();
    assert_eq!((tagged.total, tagged.total_exact), (n.div_ceil(2), true));
}
