//! A query's filters (tags, section, dates, views) around its text query. Filters never change
//! scores: they are wrapped to score zero, so `--tag` narrows results without reordering.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query as EngineQuery, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::index::schema::{Fields, to_tantivy_date};
use crate::query::Query;

/// The text query, plus the filters as zero-scoring required clauses.
pub(crate) fn with_filters(
    fields: &Fields,
    query: &Query,
    text: Box<dyn EngineQuery>,
) -> Box<dyn EngineQuery> {
    let mut clauses: Vec<(Occur, Box<dyn EngineQuery>)> = vec![(Occur::Must, text)];
    clauses.extend(filter_clauses(fields, query));
    if clauses.len() == 1 {
        return clauses.remove(0).1;
    }
    Box::new(BooleanQuery::new(clauses))
}

/// The filters alone (what an article must pass besides the text), if there are any.
pub(crate) fn filters_only(fields: &Fields, query: &Query) -> Option<Box<dyn EngineQuery>> {
    let clauses = filter_clauses(fields, query);
    (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn EngineQuery>)
}

/// The filters as zero-scoring required clauses.
fn filter_clauses(fields: &Fields, query: &Query) -> Vec<(Occur, Box<dyn EngineQuery>)> {
    let mut clauses: Vec<(Occur, Box<dyn EngineQuery>)> = Vec::new();
    let filter = |q: Box<dyn EngineQuery>| -> (Occur, Box<dyn EngineQuery>) {
        (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
    };
    let keyword = |field: Field, value: &str| -> Box<dyn EngineQuery> {
        Box::new(TermQuery::new(fields.keyword_term(field, value), IndexRecordOption::Basic))
    };
    for tag in &query.all_tags {
        clauses.push(filter(keyword(fields.tag, tag)));
    }
    if !query.any_tags.is_empty() {
        let any = query.any_tags.iter().map(|t| (Occur::Should, keyword(fields.tag, t))).collect();
        clauses.push(filter(Box::new(BooleanQuery::new(any))));
    }
    if let Some(section) = &query.section {
        clauses.push(filter(keyword(fields.section, section)));
    }
    if query.since.is_some() || query.until.is_some() {
        let bound = |d: Option<chrono::DateTime<chrono::Utc>>| match d {
            Some(d) => Bound::Included(Term::from_field_date_for_search(fields.date, to_tantivy_date(d))),
            None => Bound::Unbounded,
        };
        clauses.push(filter(Box::new(RangeQuery::new(bound(query.since), bound(query.until)))));
    }
    if query.min_views.is_some() || query.max_views.is_some() {
        let bound = |v: Option<u64>| match v {
            Some(v) => Bound::Included(Term::from_field_u64(fields.views, v)),
            None => Bound::Unbounded,
        };
        clauses.push(filter(Box::new(RangeQuery::new(bound(query.min_views), bound(query.max_views)))));
    }
    clauses
}

#[cfg(test)]
mod tests {
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::AllQuery;

    use super::*;
    use crate::{Article, Index, IndexOptions, Tag};

    /// Four articles with tags, dates and views; every title says "envoy", twice for "b".
    fn four() -> Index {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        let mut writer = index.writer().unwrap();
        for (id, tags, date, views) in [
            ("a", &["Ukraine"][..], "2025-02-01T00:00:00Z", 10),
            ("b", &["Ukraine", "US"][..], "2025-03-01T00:00:00Z", 500),
            ("c", &["Economy"][..], "2025-04-01T00:00:00Z", 50),
            ("d", &[][..], "2024-12-31T23:59:59Z", 0),
        ] {
            let title = if id == "b" { "envoy envoy" } else { "envoy" };
            let mut article = Article::new(id, id, title);
            article.tags = tags.iter().map(|t| Tag::new(t)).collect();
            article.date = Some(date.parse().unwrap());
            article.views = Some(views);
            writer.add(&article).unwrap();
        }
        writer.commit().unwrap();
        index
    }

    /// How many of the four articles the filters of `query` let through.
    fn through(query: Query) -> usize {
        let index = four();
        let q = with_filters(&index.fields, &query, Box::new(AllQuery));
        index.reader.searcher().search(&*q, &Count).unwrap()
    }

    #[test]
    fn each_filter_narrows_and_bounds_are_inclusive() {
        assert_eq!(through(Query::all()), 4);
        assert_eq!(through(Query::all().tag("ukraine")), 2);
        assert_eq!(through(Query::all().tag("ukraine").tag("us")), 1);
        assert_eq!(through(Query::all().any_tag("us").any_tag("economy")), 2);
        assert_eq!(through(Query::all().since("2025-03-01T00:00:00Z".parse().unwrap())), 2);
        assert_eq!(through(Query::all().until("2025-02-01T00:00:00Z".parse().unwrap())), 2);
        assert_eq!(through(Query::all().min_views(50)), 2);
        assert_eq!(through(Query::all().min_views(10).max_views(50)), 2);
        assert_eq!(through(Query::all().tag("ukraine").min_views(100)), 1);
    }

    #[test]
    fn filters_never_change_scores() {
        let index = four();
        let searcher = index.reader.searcher();
        let envoy = crate::analyzer::with_analyzer(index.stemming, |a| crate::analyzer::terms(a, "envoy"));
        let text = || -> Box<dyn EngineQuery> {
            let term = Term::from_field_text(index.fields.title, &envoy[0]);
            Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
        };
        let top =
            |q: Box<dyn EngineQuery>| searcher.search(&*q, &TopDocs::with_limit(4).order_by_score()).unwrap();
        let bare = top(text());
        let filtered = top(with_filters(&index.fields, &Query::all().tag("ukraine").min_views(1), text()));
        assert_eq!(filtered.len(), 2);
        for (score, address) in filtered {
            let (same, _) = bare.iter().find(|(_, a)| *a == address).unwrap();
            assert_eq!(score, *same);
        }
    }
}
