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
    if clauses.len() == 1 {
        return clauses.remove(0).1;
    }
    Box::new(BooleanQuery::new(clauses))
}
