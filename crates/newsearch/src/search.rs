//! Answering a [`Query`]: text to an engine query, filters, ranking, hits with snippets.
//!
//! Each word of the text must match somewhere in title, body or tags (the title weighs
//! [`TITLE_BOOST`] times more), analyzed exactly as at index time. Filters never change
//! scores: they are wrapped to score zero, so `--tag` narrows results without reordering.

use std::ops::Bound;

use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query as EngineQuery, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Order, Searcher, SegmentReader, TantivyDocument, Term};

use crate::analyzer::{MAX_WORD_CHARS, terms, with_analyzer};
use crate::article::{Article, ArticleId, Tag};
use crate::boost::Reweight;
use crate::error::{Error, Result};
use crate::explain::{Explanation, Leaf, explain};
use crate::facets::{FacetCollector, Facets};
use crate::index::Index;
use crate::near_dup::near_identical;
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
///
/// Serializes as one flat object: `score`, the article's keys (as [`Article`] serializes),
/// `snippet` and `highlights` (see [`Snippet`]), then `explanation` and `similar` when present.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    /// Relevance (BM25), when results are ordered by relevance; `None` for date or views order.
    pub score: Option<f32>,
    /// The article, as indexed.
    #[serde(flatten)]
    pub article: Article,
    /// The part of the body that shows why it matched (empty if snippets were turned off).
    #[serde(flatten)]
    pub snippet: Snippet,
    /// Why it scored what it did, when the query asked ([`Query::explain`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
    /// Near-identical articles grouped under this one, best first, when the query asked
    /// ([`Query::collapse`]); only those among the matches looked at to fill the page.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub similar: Vec<ArticleId>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct SearchResults {
    /// How many articles match in all (not only this page).
    pub total: usize,
    /// The requested page, best first in the requested order.
    pub hits: Vec<Hit>,
    /// Counts over all matches, when the query asked ([`Query::facets`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
    /// In [`MatchMode::Auto`], a short query that no article matched whole: `hits` and
    /// `total` are then the articles with some of its words, best first.
    pub relaxed: bool,
}

/// What running the engine query gave.
struct Run {
    total: usize,
    hits: Ranked,
    matcher: Matcher,
    leaves: Vec<Leaf>,
    facets: Option<Facets>,
    /// See [`SearchResults::relaxed`].
    relaxed: bool,
}

/// Matches looked at, at most, to fill a page of collapsed results.
pub(crate) const MAX_COLLAPSE_WINDOW: usize = 10_000;

impl Index {
    /// Runs `query` against the latest commit.
    ///
    /// Fails with [`Error::InvalidArgument`] when a filter range is empty (more views asked
    /// for than at most allowed, a start date after the end date): no article could match.
    pub fn search(&self, query: &Query) -> Result<SearchResults> {
        query.check()?;
        self.refresh()?;
        let searcher = self.reader.searcher();
        with_analyzer(self.stemming, |analyzer| {
            let reweight = Reweight::resolve(&searcher, query);
            let (run, groups) = if query.collapse {
                self.run_collapsed(&searcher, analyzer, query, reweight)?
            } else {
                let run = self.run_mode(&searcher, analyzer, query, reweight)?;
                let groups = vec![Vec::new(); run.hits.len()];
                (run, groups)
            };
            let mut hits = Vec::with_capacity(run.hits.len());
            for ((score, address), members) in run.hits.into_iter().zip(groups) {
                let article = self.article_at(&searcher, address)?;
                let snippet = if query.snippets {
                    snippet(&article.body, analyzer, &run.matcher, query.snippet_chars)
                } else {
                    Snippet::default()
                };
                let explanation = match (query.explain, reweight) {
                    (false, _) => None,
                    (true, rw) => {
                        let date = article.date.map(|d| d.timestamp());
                        let recency = rw.and_then(|r| r.recency(date));
                        let popularity = rw.and_then(|r| r.popularity(article.views));
                        Some(
                            explain(&searcher, &run.leaves, address, recency, popularity)
                                .map_err(|e| self.error(e))?,
                        )
                    }
                };
                let mut similar = Vec::with_capacity(members.len());
                for member in members {
                    similar.push(self.article_at(&searcher, member)?.id);
                }
                hits.push(Hit { score, article, snippet, explanation, similar });
            }
            Ok(SearchResults { total: run.total, hits, facets: run.facets, relaxed: run.relaxed })
        })
    }

    pub(crate) fn article_at(&self, searcher: &Searcher, address: DocAddress) -> Result<Article> {
        let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.error(e))?;
        Ok(self.fields.article(&doc))
    }

    fn run_mode(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
        reweight: Option<Reweight>,
    ) -> Result<Run> {
        match query.mode {
            MatchMode::All => self.run(searcher, analyzer, query, false, reweight),
            MatchMode::Any => self.run(searcher, analyzer, query, true, reweight),
            MatchMode::Auto => self.run_auto(searcher, analyzer, query, reweight),
        }
    }

    /// Near-identical matches grouped under the best of them: matches are read in order, in
    /// growing windows, until the page is full of groups or the matches run out. Returns the
    /// page's leaders and, for each, the other members found.
    fn run_collapsed(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
        reweight: Option<Reweight>,
    ) -> Result<(Run, Vec<Vec<DocAddress>>)> {
        let want = query.offset.saturating_add(query.limit);
        let mut window = want.saturating_mul(4).clamp(40, MAX_COLLAPSE_WINDOW);
        let mut fingerprints = Fingerprints::default();
        // Facets do not depend on the window: counted on the first pass only.
        let mut facets = None;
        let mut first = true;
        loop {
            let wide = query.clone().offset(0).limit(window).facets(query.facets && first);
            let mut run = self.run_mode(searcher, analyzer, &wide, reweight)?;
            if first {
                facets = run.facets.take();
                first = false;
            }
            let exhausted = run.hits.len() < window || window >= MAX_COLLAPSE_WINDOW;
            // (leader, its fingerprint, members)
            let mut groups: Vec<(Ranked1, u64, Vec<DocAddress>)> = Vec::new();
            for (score, address) in run.hits.drain(..) {
                let print = fingerprints.get(searcher, address).map_err(|e| self.error(e))?;
                match groups.iter().position(|(_, p, _)| near_identical(*p, print)) {
                    Some(i) => groups[i].2.push(address),
                    None if groups.len() < want => groups.push(((score, address), print, Vec::new())),
                    None => {}
                }
            }
            if groups.len() >= want || exhausted {
                let page: Vec<_> = groups.into_iter().skip(query.offset).take(query.limit).collect();
                run.hits = page.iter().map(|(leader, _, _)| *leader).collect();
                run.facets = facets;
                let members = page.into_iter().map(|(_, _, m)| m).collect();
                return Ok((run, members));
            }
            window = window.saturating_mul(4).min(MAX_COLLAPSE_WINDOW);
        }
    }

    /// The stored article with this id, if indexed.
    pub fn get(&self, id: &crate::ArticleId) -> Result<Option<Article>> {
        self.refresh()?;
        let searcher = self.reader.searcher();
        match self.address_of(&searcher, id)? {
            Some(address) => Ok(Some(self.article_at(&searcher, address)?)),
            None => Ok(None),
        }
    }

    /// Where the article with this id is stored, if indexed.
    pub(crate) fn address_of(&self, searcher: &Searcher, id: &ArticleId) -> Result<Option<DocAddress>> {
        let query = TermQuery::new(self.fields.id_term(id.as_str()), IndexRecordOption::Basic);
        let top =
            searcher.search(&query, &TopDocs::with_limit(1).order_by_score()).map_err(|e| self.error(e))?;
        Ok(top.first().map(|(_, address)| *address))
    }

    /// All-word hits first; when there are fewer than the page needs, the page is filled with
    /// any-word hits, best first. The all-word pass runs once, over the whole window.
    fn run_auto(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
        reweight: Option<Reweight>,
    ) -> Result<Run> {
        if content_words(&query.text) >= DESCRIPTIVE_WORDS {
            // Ranked as `Any` ranks, with its title boost unless one was given.
            let any = query.clone().mode(MatchMode::Any);
            return self.run(searcher, analyzer, &any, true, reweight);
        }
        let all = self.run(searcher, analyzer, query, false, reweight)?;
        if all.total > 0 {
            return Ok(all);
        }
        // No article has every word: the articles with some of them, best first.
        let mut some = self.run(searcher, analyzer, query, true, reweight)?;
        some.relaxed = some.total > 0;
        Ok(some)
    }

    /// Builds and runs the engine query; `any` lets any word of the text match.
    fn run(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
        any: bool,
        reweight: Option<Reweight>,
    ) -> Result<Run> {
        let mut matcher = Matcher::default();
        let mut builder = Builder {
            fields: &self.fields,
            analyzer,
            fuzzy: query.fuzzy,
            any,
            title_boost: query.effective_title_boost(),
            matcher: &mut matcher,
            searcher,
            failure: None,
            leaves: query.explain.then(Vec::new),
            unsearchable: Vec::new(),
        };
        let text = builder.text_query(&query.text)?;
        let leaves = builder.leaves.take().unwrap_or_default();
        let engine_query = with_filters(&self.fields, query, text);
        let facets = query.facets.then(|| {
            let live: Vec<_> = searcher.segment_readers().iter().map(|s| s.segment_id()).collect();
            self.facet_values.retain(&live);
            FacetCollector { size: query.facet_size, cache: self.facet_values.clone() }
        });
        let (total, hits, facets) = self.collect(searcher, &*engine_query, query, reweight, facets)?;
        Ok(Run { total, hits, matcher, leaves, facets, relaxed: false })
    }

    pub(crate) fn collect(
        &self,
        searcher: &Searcher,
        q: &dyn EngineQuery,
        query: &Query,
        reweight: Option<Reweight>,
        facets: Option<FacetCollector>,
    ) -> Result<(usize, Ranked, Option<Facets>)> {
        let err = |e| self.error(e);
        // The engine's top-k sizes a buffer by offset + limit before looking at a document, so
        // a page is cut to the documents that exist first: no more can match, so results are
        // the same, and `-n 10000000000` costs what the index holds, not 160 GB.
        let alive = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        if query.limit == 0 || query.offset >= alive {
            let (total, facets) = searcher.search(q, &(Count, facets)).map_err(err)?;
            return Ok((total, Vec::new(), facets));
        }
        let top = SegmentSized { offset: query.offset, limit: query.limit.min(alive - query.offset) };
        // One pass that ranks, counts and (when asked) counts facets: measured faster here
        // than top-k with pruning followed by a separate count.
        fn run<C: Collector>(
            searcher: &Searcher,
            q: &dyn EngineQuery,
            top: C,
            facets: Option<FacetCollector>,
        ) -> tantivy::Result<(C::Fruit, usize, Option<Facets>)> {
            searcher.search(q, &(top, Count, facets))
        }
        let scored = |docs: Vec<(f32, DocAddress)>| docs.into_iter().map(|(s, a)| (Some(s), a)).collect();
        fn unscored<K>(docs: Vec<(K, DocAddress)>) -> Ranked {
            docs.into_iter().map(|(_, a)| (None, a)).collect()
        }
        Ok(match (query.effective_sort(), reweight) {
            (Sort::Relevance, None) => {
                let by_score = top.collector(|top| top.order_by_score());
                let (docs, total, facets) = run(searcher, q, by_score, facets).map_err(err)?;
                (total, scored(docs), facets)
            }
            (Sort::Relevance, Some(rw)) => {
                let tweaked = top.collector(move |top| {
                    top.tweak_score(move |segment: &SegmentReader| rw.for_segment(segment))
                });
                let (docs, total, facets) = run(searcher, q, tweaked, facets).map_err(err)?;
                (total, scored(docs), facets)
            }
            (Sort::Date, _) => {
                let by_date = top
                    .collector(|top| top.order_by_fast_field::<tantivy::DateTime>(names::DATE, Order::Desc));
                let (docs, total, facets) = run(searcher, q, by_date, facets).map_err(err)?;
                (total, unscored(docs), facets)
            }
            (Sort::Views, _) => {
                let by_views = top.collector(|top| top.order_by_u64_field(names::VIEWS, Order::Desc));
                let (docs, total, facets) = run(searcher, q, by_views, facets).map_err(err)?;
                (total, unscored(docs), facets)
            }
        })
    }
}

/// A page of top-k whose buffers are sized by the documents that exist: the engine's top-k
/// allocates room for offset + limit entries in every segment and again to merge them, so
/// each segment's collector is cut to that segment's alive documents (it can't hold more
/// matches) and the merge to the index's (the caller cuts `limit`).
pub(crate) struct SegmentSized {
    offset: usize,
    limit: usize,
}

impl SegmentSized {
    /// The collector `order` makes of a [`TopDocs`], sized per segment.
    fn collector<C, F>(self, order: F) -> PerSegment<C, F>
    where
        C: Collector,
        F: Fn(TopDocs) -> C + Send + Sync,
    {
        let whole = order(TopDocs::with_limit(self.limit.max(1)).and_offset(self.offset));
        PerSegment { want: self.offset.saturating_add(self.limit), whole, order }
    }
}

/// See [`SegmentSized`]: `whole` merges; each segment gets its own, smaller collector.
pub(crate) struct PerSegment<C, F> {
    want: usize,
    whole: C,
    order: F,
}

impl<C, F> PerSegment<C, F>
where
    C: Collector,
    F: Fn(TopDocs) -> C + Send + Sync,
{
    fn for_reader(&self, segment: &SegmentReader) -> C {
        let alive = usize::try_from(segment.num_docs()).unwrap_or(usize::MAX);
        // Each segment's best `want` are enough, and it has no more than `alive` to give.
        (self.order)(TopDocs::with_limit(self.want.min(alive).max(1)))
    }
}

impl<C, F> Collector for PerSegment<C, F>
where
    C: Collector,
    F: Fn(TopDocs) -> C + Send + Sync,
{
    type Fruit = C::Fruit;
    type Child = C::Child;

    fn check_schema(&self, schema: &tantivy::schema::Schema) -> tantivy::Result<()> {
        self.whole.check_schema(schema)
    }

    fn for_segment(&self, segment_ord: u32, segment: &SegmentReader) -> tantivy::Result<C::Child> {
        self.for_reader(segment).for_segment(segment_ord, segment)
    }

    fn requires_scoring(&self) -> bool {
        self.whole.requires_scoring()
    }

    fn merge_fruits(
        &self,
        fruits: Vec<<C::Child as tantivy::collector::SegmentCollector>::Fruit>,
    ) -> tantivy::Result<C::Fruit> {
        self.whole.merge_fruits(fruits)
    }

    fn collect_segment(
        &self,
        weight: &dyn tantivy::query::Weight,
        segment_ord: u32,
        segment: &SegmentReader,
    ) -> tantivy::Result<<C::Child as tantivy::collector::SegmentCollector>::Fruit> {
        self.for_reader(segment).collect_segment(weight, segment_ord, segment)
    }
}

/// Near-duplicate fingerprints of documents, one column per segment, opened once.
#[derive(Default)]
pub(crate) struct Fingerprints {
    columns: std::collections::HashMap<u32, Option<tantivy::columnar::Column<u64>>>,
}

impl Fingerprints {
    pub(crate) fn get(&mut self, searcher: &Searcher, address: DocAddress) -> tantivy::Result<u64> {
        let column = match self.columns.entry(address.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let segment = searcher.segment_reader(address.segment_ord);
                e.insert(segment.fast_fields().column_opt::<u64>(names::SIMHASH)?)
            }
        };
        // Without a fingerprint an article is only grouped with others lacking one too.
        Ok(column.as_ref().and_then(|c| c.first(address.doc_id)).unwrap_or(0))
    }
}

/// Hits in order, with their score when ordered by relevance.
pub(crate) type Ranked = Vec<Ranked1>;

/// One hit's place: its score when ordered by relevance, and where it is.
pub(crate) type Ranked1 = (Option<f32>, DocAddress);

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
    /// The scoring parts, kept when hits are to be explained.
    leaves: Option<Vec<Leaf>>,
    /// Words left out, with why: the message when nothing is left.
    unsearchable: Vec<(String, Unsearchable)>,
}

/// Why a word of a query searches for nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unsearchable {
    /// A function word, which any-word searches leave out.
    FunctionWord,
    /// Longer than [`MAX_WORD_CHARS`] letters: the index keeps no such word.
    TooLong,
    /// Punctuation or symbols only.
    NoLetters,
}

impl Unsearchable {
    fn of(text: &str) -> Unsearchable {
        let longest =
            text.split(|c: char| !c.is_alphanumeric()).map(|w| w.chars().count()).max().unwrap_or(0);
        if longest > MAX_WORD_CHARS { Unsearchable::TooLong } else { Unsearchable::NoLetters }
    }
}

/// "nothing searchable in the query …: …" with each left-out word and why.
fn nothing_searchable(text: &str, words: &[(String, Unsearchable)]) -> Error {
    let list = |kind: Unsearchable| -> Vec<String> {
        words.iter().filter(|(_, k)| *k == kind).map(|(w, _)| crate::error::shown(w)).collect()
    };
    let mut why = Vec::new();
    let function_words = list(Unsearchable::FunctionWord);
    if !function_words.is_empty() {
        let (are, them) = if function_words.len() == 1 {
            ("is a function word", "it")
        } else {
            ("are function words", "them")
        };
        why.push(format!(
            "{} {are} left out of any-word searches as too common (put {them} in quotes, or use --mode all, to require {them})",
            function_words.join(", "),
        ));
    }
    let long = list(Unsearchable::TooLong);
    if !long.is_empty() {
        why.push(format!(
            "{} {} longer than {MAX_WORD_CHARS} letters, which the index does not keep",
            long.join(", "),
            if long.len() == 1 { "is" } else { "are" }
        ));
    }
    if why.is_empty() {
        why.push("it has no words, only punctuation or symbols".into());
    } else if !list(Unsearchable::NoLetters).is_empty() {
        why.push("the rest is punctuation or symbols".into());
    }
    Error::InvalidArgument(format!(
        "nothing searchable in the query {}: {}",
        crate::error::shown(text),
        why.join("; ")
    ))
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
            None => Err(nothing_searchable(text, &self.unsearchable)),
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
            self.unsearchable.push((text.to_owned(), Unsearchable::FunctionWord));
            return None;
        }
        let targets: &[(Field, &'static str, f32)] = match field {
            Some(FieldName::Tag) => return Some(self.keyword(f.tag, names::TAG, text, prefix, negated)),
            Some(FieldName::Section) => {
                return Some(self.keyword(f.section, names::SECTION, text, prefix, negated));
            }
            None if self.title_boost > 0.0 => {
                &[(f.title, names::TITLE, self.title_boost), (f.body, names::BODY, 1.0)]
            }
            None => &[(f.body, names::BODY, 1.0)],
            Some(FieldName::Title) => &[(f.title, names::TITLE, 1.0)],
            Some(FieldName::Body) => &[(f.body, names::BODY, 1.0)],
            Some(FieldName::Source) => &[(f.sources, names::SOURCES, 1.0)],
        };
        let words = terms(self.analyzer, text);
        if words.is_empty() {
            self.unsearchable.push((text.to_owned(), Unsearchable::of(text)));
            return None;
        }
        let single = words.len() == 1;
        if single && prefix {
            for &(field, _, _) in targets {
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
        let shown = match (single, prefix, fuzzy_distance) {
            (true, true, _) => format!("{}*", words[0]),
            (true, false, 0) => words[0].clone(),
            (true, false, _) => format!("{}~", words[0]),
            (false, ..) => format!("\"{}\"", words.join(" ")),
        };
        let mut leaves = if negated { None } else { self.leaves.as_mut() };
        let per_field: Vec<(Occur, Box<dyn EngineQuery>)> = targets
            .iter()
            .map(|&(field, name, boost)| {
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
                if let Some(leaves) = leaves.as_deref_mut() {
                    let single_term = single && !prefix && fuzzy_distance == 0;
                    leaves.push(Leaf {
                        field: name,
                        text: shown.clone(),
                        boost,
                        query: q.box_clone(),
                        single_term,
                    });
                }
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
    fn keyword(
        &mut self,
        field: Field,
        name: &'static str,
        text: &str,
        prefix: bool,
        negated: bool,
    ) -> Box<dyn EngineQuery> {
        let term = self.fields.keyword_term(field, text);
        let value = Tag::normalize(text);
        let q: Box<dyn EngineQuery> = if prefix {
            self.check_prefix(field, &value, text);
            Box::new(FuzzyTermQuery::new_prefix(term, 0, true))
        } else {
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        if let (Some(leaves), false) = (self.leaves.as_mut(), negated) {
            let text = if prefix { format!("{value}*") } else { value };
            leaves.push(Leaf { field: name, text, boost: 1.0, query: q.box_clone(), single_term: !prefix });
        }
        q
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
/// Content words from which a plain query is descriptive (see [`MatchMode::Auto`]).
pub(crate) const DESCRIPTIVE_WORDS: usize = 4;

/// The words and phrases a query requires, function words aside, an `OR` group as its longest
/// alternative: what [`MatchMode::Auto`] counts. A query that can't be parsed counts 0 (it
/// fails later with its message).
pub(crate) fn content_words(text: &str) -> usize {
    fn count(node: &Node) -> usize {
        match node {
            Node::Word { field: None, text, prefix: false } => usize::from(!is_stop_word(text)),
            Node::Word { .. } | Node::Phrase { .. } => 1,
            Node::And(parts) => parts.iter().map(count).sum(),
            // Alternatives: as long as the longest.
            Node::Or(parts) => parts.iter().map(count).max().unwrap_or(0),
            Node::All | Node::Not(_) => 0,
        }
    }
    syntax::parse(text).map_or(0, |node| count(&node))
}

pub(crate) fn is_stop_word(word: &str) -> bool {
    const STOP: [&str; 64] = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
        "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this",
        "to", "was", "will", "with", "what", "which", "who", "whom", "how", "about", "from", "has", "have",
        "had", "its", "been", "were", "would", "should", "can", "could", "do", "does", "did", "than", "so",
        "also", "any", "all", "some", "other", "his", "her", "he", "s",
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

#[cfg(test)]
mod tests {
    #[test]
    fn content_words_count_what_a_query_requires() {
        use super::content_words;
        for (text, n) in [
            ("Zelensky Kellogg", 2),
            ("ceasefire talks between Russia and Ukraine in Saudi Arabia", 7),
            ("the and of", 0),
            // A retyped possessive leaves a lone `s`.
            ("KENNEDY S policy toward Cuba", 4),
            ("\"security guarantees\" Kyiv title:envoy", 3),
            ("Kellogg -Zelensky", 1),
            ("EFFECTS OF THE DISPUTE ON AFRICA OR ON THE NEW NATIONS OF ASIA", 3),
            ("tag:Ukraine Zel*", 2),
            ("(unbalanced", 0),
        ] {
            assert_eq!(content_words(text), n, "{text}");
        }
    }
}
