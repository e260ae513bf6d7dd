//! Answering a [`Query`]: text to an engine query, filters, ranking, hits with snippets.
//!
//! Each word of the text must match somewhere in title, body or tags (the title weighs
//! [`TITLE_BOOST`] times more), analyzed exactly as at index time. Filters never change
//! scores: they are wrapped to score zero, so `--tag` narrows results without reordering.

use std::ops::Bound;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query as EngineQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use crate::analyzer::{terms, with_analyzer};
use crate::article::{Article, Tag};
use crate::error::{Error, Result};
use crate::index::Index;
use crate::query::{MatchMode, Query, Sort};
use crate::schema::{Fields, names, to_tantivy_date};
use crate::snippet::{Matcher, Snippet, snippet};
use crate::syntax::{self, FieldName, Node};

/// Weight of a title match, on top of the title counting as article text, when all words
/// must match. On known-item search (three rare title words) it lifts MRR from 0.65 (no
/// boost) to 0.93.
pub const TITLE_BOOST: f32 = 2.0;

/// Weight of a title match for any-word queries: on SciFact's long claims a title hit is
/// weak evidence, and 0.25 gives the best nDCG@10 (0.694, against 0.619 at 2).
pub const ANY_TITLE_BOOST: f32 = 0.25;

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Relevance (BM25), when results are ordered by relevance; `None` for date or views order.
    pub score: Option<f32>,
    /// The article, as indexed.
    pub article: Article,
    /// The part of the body that shows why it matched (empty if snippets were turned off).
    pub snippet: Snippet,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    /// How many articles match in all (not only this page).
    pub total: usize,
    /// The requested page, best first in the requested order.
    pub hits: Vec<Hit>,
}

impl Index {
    /// Runs `query` against the latest commit.
    pub fn search(&self, query: &Query) -> Result<SearchResults> {
        self.refresh()?;
        let searcher = self.reader.searcher();
        with_analyzer(self.stemming, |analyzer| {
            let (total, addresses, matcher) = match query.mode {
                MatchMode::All => self.run(&searcher, analyzer, query, false)?,
                MatchMode::Any => self.run(&searcher, analyzer, query, true)?,
                MatchMode::Auto => self.run_auto(&searcher, analyzer, query)?,
            };
            let mut hits = Vec::with_capacity(addresses.len());
            for (score, address) in addresses {
                let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
                let article = self.fields.article(&doc);
                let snippet = if query.snippets {
                    snippet(&article.body, analyzer, &matcher, query.snippet_chars)
                } else {
                    Snippet::default()
                };
                hits.push(Hit { score, article, snippet });
            }
            Ok(SearchResults { total, hits })
        })
    }

    /// The stored article with this id, if indexed.
    pub fn get(&self, id: &crate::ArticleId) -> Result<Option<Article>> {
        self.refresh()?;
        let searcher = self.reader.searcher();
        let query = TermQuery::new(self.fields.id_term(id.as_str()), IndexRecordOption::Basic);
        let top =
            searcher.search(&query, &TopDocs::with_limit(1).order_by_score()).map_err(|e| self.error(e))?;
        let Some((_, address)) = top.first() else { return Ok(None) };
        let doc: TantivyDocument = searcher.doc(*address).map_err(|e| self.error(e))?;
        Ok(Some(self.fields.article(&doc)))
    }

    /// All-word hits first; when there are fewer than the page needs, the page is filled with
    /// any-word hits, best first. The all-word pass runs once, over the whole window.
    fn run_auto(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
    ) -> Result<(usize, Ranked, Matcher)> {
        let window = query.offset + query.limit;
        let wide = query.clone().offset(0).limit(window);
        let (all_total, all, matcher) = self.run(searcher, analyzer, &wide, false)?;
        let page = |v: Ranked| v.into_iter().skip(query.offset).take(query.limit).collect();
        if all_total >= window.max(1) {
            return Ok((all_total, page(all), matcher));
        }
        let (any_total, some, any_matcher) = self.run(searcher, analyzer, &wide, true)?;
        let seen: std::collections::HashSet<DocAddress> = all.iter().map(|(_, a)| *a).collect();
        let merged: Ranked =
            all.into_iter().chain(some.into_iter().filter(|(_, a)| !seen.contains(a))).collect();
        Ok((any_total.max(all_total), page(merged), any_matcher))
    }

    /// Builds and runs the engine query; `any` lets any word of the text match.
    fn run(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
        any: bool,
    ) -> Result<(usize, Ranked, Matcher)> {
        let mut matcher = Matcher::default();
        let text = Builder {
            fields: &self.fields,
            analyzer,
            fuzzy: query.fuzzy,
            any,
            title_boost: query.effective_title_boost(),
            matcher: &mut matcher,
            searcher,
            failure: None,
        }
        .text_query(&query.text)?;
        let engine_query = with_filters(&self.fields, query, text);
        let (total, addresses) = self.collect(searcher, &*engine_query, query)?;
        Ok((total, addresses, matcher))
    }

    fn collect(&self, searcher: &Searcher, q: &dyn EngineQuery, query: &Query) -> Result<(usize, Ranked)> {
        let err = |e| self.error(e);
        if query.limit == 0 {
            return Ok((searcher.search(q, &Count).map_err(err)?, Vec::new()));
        }
        let top = TopDocs::with_limit(query.limit).and_offset(query.offset);
        Ok(match query.effective_sort() {
            Sort::Relevance => {
                // One pass that scores and counts: measured faster here than top-k with
                // pruning followed by a separate count.
                let (docs, total) = searcher.search(q, &(top.order_by_score(), Count)).map_err(err)?;
                (total, docs.into_iter().map(|(s, a)| (Some(s), a)).collect())
            }
            Sort::Date => {
                let by_date = top.order_by_fast_field::<tantivy::DateTime>(names::DATE, Order::Desc);
                let (docs, total) = searcher.search(q, &(by_date, Count)).map_err(err)?;
                (total, docs.into_iter().map(|(_, a)| (None, a)).collect())
            }
            Sort::Views => {
                let by_views = top.order_by_u64_field(names::VIEWS, Order::Desc);
                let (docs, total) = searcher.search(q, &(by_views, Count)).map_err(err)?;
                (total, docs.into_iter().map(|(_, a)| (None, a)).collect())
            }
        })
    }
}

/// Hits in order, with their score when ordered by relevance.
type Ranked = Vec<(Option<f32>, DocAddress)>;

/// The text query, plus the filters as zero-scoring required clauses.
fn with_filters(fields: &Fields, query: &Query, text: Box<dyn EngineQuery>) -> Box<dyn EngineQuery> {
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

/// Turns the parsed text into an engine query and records what snippets should mark.
struct Builder<'a> {
    fields: &'a Fields,
    analyzer: &'a mut TextAnalyzer,
    fuzzy: bool,
    /// Words of an implicit AND only need one of them to match.
    any: bool,
    title_boost: f32,
    matcher: &'a mut Matcher,
    searcher: &'a Searcher,
    /// The first problem met while building (reported once building is done).
    failure: Option<Error>,
}

/// Words a prefix may stand for in one field: beyond this a search would touch most of the
/// vocabulary, so the user is asked for a longer prefix instead.
pub(crate) const MAX_PREFIX_EXPANSIONS: usize = 50_000;

impl Builder<'_> {
    fn text_query(&mut self, text: &str) -> Result<Box<dyn EngineQuery>> {
        let node = syntax::parse(text)?;
        let built = self.node(&node, false);
        if let Some(e) = self.failure.take() {
            return Err(e);
        }
        match built {
            Some(q) => Ok(q),
            None => Err(Error::InvalidArgument(format!(
                "nothing searchable in the query {text:?}: it has no words (only punctuation or symbols)"
            ))),
        }
    }

    /// `None` when the node constrains nothing (a word that analyzes to no terms).
    fn node(&mut self, node: &Node, negated: bool) -> Option<Box<dyn EngineQuery>> {
        match node {
            Node::All => Some(Box::new(AllQuery)),
            Node::Word { field, text, prefix } => self.words(*field, text, *prefix, 0, negated),
            Node::Phrase { field, text, slop } => self.words(*field, text, false, *slop, negated),
            Node::Not(inner) => {
                let inner = self.node(inner, !negated)?;
                Some(Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery)),
                    (Occur::MustNot, inner),
                ])))
            }
            Node::And(parts) => {
                let mut clauses: Vec<(Occur, Box<dyn EngineQuery>)> = Vec::new();
                for part in parts {
                    match part {
                        Node::Not(inner) => {
                            if let Some(q) = self.node(inner, !negated) {
                                clauses.push((Occur::MustNot, q));
                            }
                        }
                        other => {
                            if let Some(q) = self.node(other, negated) {
                                clauses.push((if self.any { Occur::Should } else { Occur::Must }, q));
                            }
                        }
                    }
                }
                if clauses.is_empty() {
                    return None;
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Some(Box::new(BooleanQuery::new(clauses)))
            }
            Node::Or(parts) => {
                let clauses: Vec<(Occur, Box<dyn EngineQuery>)> =
                    parts.iter().filter_map(|p| self.node(p, negated)).map(|q| (Occur::Should, q)).collect();
                (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn EngineQuery>)
            }
        }
    }

    /// A word or phrase in the fields it targets.
    fn words(
        &mut self,
        field: Option<FieldName>,
        text: &str,
        prefix: bool,
        slop: u32,
        negated: bool,
    ) -> Option<Box<dyn EngineQuery>> {
        let f = self.fields;
        // In an any-word query, function words only add noise: "the" matches everything.
        if self.any && !prefix && slop == 0 && field.is_none() && is_stop_word(text) {
            return None;
        }
        let targets: &[(Field, f32)] = match field {
            Some(FieldName::Tag) => return Some(self.keyword(f.tag, text, prefix)),
            Some(FieldName::Section) => return Some(self.keyword(f.section, text, prefix)),
            None if self.title_boost > 0.0 => &[(f.title, self.title_boost), (f.body, 1.0)],
            None => &[(f.body, 1.0)],
            Some(FieldName::Title) => &[(f.title, 1.0)],
            Some(FieldName::Body) => &[(f.body, 1.0)],
            Some(FieldName::Source) => &[(f.sources, 1.0)],
        };
        let words = terms(self.analyzer, text);
        if words.is_empty() {
            return None;
        }
        let single = words.len() == 1;
        if single && prefix {
            for &(field, _) in targets {
                self.check_prefix(field, &words[0], text);
            }
        }
        let fuzzy_distance = if single && self.fuzzy && !prefix { typo_budget(&words[0]) } else { 0 };
        if !negated {
            match (single, prefix, fuzzy_distance) {
                (true, true, _) => self.matcher.prefixes.push(words[0].clone()),
                (true, false, d) if d > 0 => self.matcher.fuzzy.push((words[0].clone(), d)),
                _ => self.matcher.exact.extend(words.iter().cloned()),
            }
        }
        let per_field: Vec<(Occur, Box<dyn EngineQuery>)> = targets
            .iter()
            .map(|&(field, boost)| {
                let q: Box<dyn EngineQuery> = if single {
                    let term = Term::from_field_text(field, &words[0]);
                    if prefix {
                        Box::new(FuzzyTermQuery::new_prefix(term, 0, true))
                    } else if fuzzy_distance > 0 {
                        // Exact matches keep their BM25 score; near misses add a little.
                        let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                        let near =
                            BoostQuery::new(Box::new(FuzzyTermQuery::new(term, fuzzy_distance, true)), 0.5);
                        Box::new(BooleanQuery::new(vec![
                            (Occur::Should, Box::new(exact) as Box<dyn EngineQuery>),
                            (Occur::Should, Box::new(near)),
                        ]))
                    } else {
                        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
                    }
                } else {
                    let terms: Vec<(usize, Term)> =
                        words.iter().enumerate().map(|(i, w)| (i, Term::from_field_text(field, w))).collect();
                    Box::new(PhraseQuery::new_with_offset_and_slop(terms, slop))
                };
                let q =
                    if (boost - 1.0).abs() > f32::EPSILON { Box::new(BoostQuery::new(q, boost)) } else { q };
                (Occur::Should, q)
            })
            .collect();
        Some(if per_field.len() == 1 {
            per_field.into_iter().next().map(|(_, q)| q)?
        } else {
            Box::new(BooleanQuery::new(per_field))
        })
    }

    /// Fails the query (once building ends) if `prefix` stands for too many words in `field`.
    fn check_prefix(&mut self, field: Field, prefix: &str, typed: &str) {
        if self.failure.is_some() {
            return;
        }
        match count_prefix(self.searcher, field, prefix, MAX_PREFIX_EXPANSIONS) {
            Ok(n) if n > MAX_PREFIX_EXPANSIONS => {
                self.failure = Some(Error::InvalidArgument(format!(
                    "`{typed}*` matches more than {MAX_PREFIX_EXPANSIONS} different words; make the prefix longer"
                )));
            }
            Ok(_) => {}
            Err(e) => self.failure = Some(Error::engine(None, e)),
        }
    }

    /// `tag:Ukraine`, `section:"World News"`: the whole value, case-insensitive.
    fn keyword(&mut self, field: Field, text: &str, prefix: bool) -> Box<dyn EngineQuery> {
        let term = self.fields.keyword_term(field, text);
        if prefix {
            let value = Tag::normalize(text);
            self.check_prefix(field, &value, text);
            Box::new(FuzzyTermQuery::new_prefix(term, 0, true))
        } else {
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        }
    }
}

/// Distinct words starting with `prefix` in `field`, counting up to just past `cap`.
fn count_prefix(searcher: &Searcher, field: Field, prefix: &str, cap: usize) -> tantivy::Result<usize> {
    let mut n = 0;
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let mut stream = index.terms().range().ge(prefix.as_bytes()).into_stream()?;
        while stream.advance() {
            if !stream.key().starts_with(prefix.as_bytes()) {
                break;
            }
            n += 1;
            if n > cap {
                return Ok(n);
            }
        }
    }
    Ok(n)
}

/// Common English function words (Lucene's 33 and 30 more pronouns, auxiliaries and
/// question words), dropped from any-word queries only.
fn is_stop_word(word: &str) -> bool {
    const STOP: [&str; 63] = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
        "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
        "to", "was", "will", "with", "what", "which", "who", "whom", "how", "about", "from", "has", "have",
        "had", "its", "been", "were", "would", "should", "can", "could", "do", "does", "did", "than", "so",
        "also", "any", "all", "some", "other", "his", "her", "he",
    ];
    word.len() <= 6 && STOP.iter().any(|s| s.eq_ignore_ascii_case(word))
}

/// Edits allowed for a typo-tolerant word: none under 4 letters, one up to 7, else two.
fn typo_budget(word: &str) -> u8 {
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}
