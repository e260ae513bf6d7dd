//! Answering a [`Query`]: the text becomes an engine query ([`build`]), the filters wrap it
//! ([`filters`]), one pass ranks, counts and facets the matches ([`collect`]), and the page's
//! hits are read back with snippets, explanations and near-duplicate groups.
//!
//! Each word of the text must match somewhere in title, body or tags (the title weighs
//! [`TITLE_BOOST`](crate::TITLE_BOOST) times more), analyzed exactly as at index time.

mod best_of;
pub(crate) mod boost;
mod build;
mod collect;
pub(crate) mod explain;
pub(crate) mod facets;
mod filters;
pub(crate) mod ranked;
pub(crate) mod related;
pub(crate) mod snippet;
mod words;

use std::ops::{ControlFlow, Range};

use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Searcher};

use crate::analyzer::with_analyzer;
use crate::article::{Article, ArticleId};
use crate::error::{Error, Result};
use crate::index::Index;
use crate::near_dup::near_identical;
use crate::query::{Cursor, DESCRIPTIVE_WORDS, MatchMode, Query, content_words};
use crate::search::boost::Reweight;
use crate::search::build::Builder;
use crate::search::collect::{Matches, Plain, Ranked, Ranked1, Tier};
use crate::search::explain::{Explanation, Leaf, explain};
use crate::search::facets::{FacetCollector, Facets};
use crate::search::filters::{filters_only, with_filters};
use crate::search::snippet::{Matchers, Snippet, highlights, ranges_as_pairs, snippet};

/// One result.
///
/// Serializes as one flat object: `score`, the article's keys (as [`Article`] serializes),
/// `snippet` and `highlights` (see [`Snippet`]), `title_highlights`, then `explanation` and
/// `similar` when present.
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
    /// Byte ranges of the words of `article.title` that match the query, in order, not
    /// overlapping (empty if snippets were turned off). Words the query limits to another field
    /// (`body:oil`) are not marked. Serialized as `[[start, end], …]`.
    #[serde(serialize_with = "ranges_as_pairs")]
    pub title_highlights: Vec<Range<usize>>,
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
    /// How many articles match in all (not only this page), or at least how many, when
    /// `total_exact` is `false`.
    pub total: usize,
    /// Whether `total` counts every match. A query ranked by relevance stops counting at
    /// [`Query::COUNTED_UP_TO`] unless asked not to ([`Query::exact_total`]); `total` is then
    /// that many, and more match.
    pub total_exact: bool,
    /// The requested page, best first in the requested order.
    pub hits: Vec<Hit>,
    /// Counts over all matches, when the query asked ([`Query::facets`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facets: Option<Facets>,
    /// In [`MatchMode::Auto`], a short query too few articles match whole: none, or for a
    /// query of three words fewer than [`ENOUGH_EVERY_WORD`]. The results are then the
    /// articles with every word (if any) followed by those with some of the words (all but
    /// one, when some article has every word), each kind in the requested order, and `total`
    /// counts both.
    pub relaxed: bool,
    /// How many of the matches have every word, when [`SearchResults::relaxed`]: they are the
    /// first `every_word` of the results.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every_word: Option<usize>,
    /// Where the next page starts, when there are more hits after this page: give it to
    /// [`Query::after`] (with the same query) to continue. `None` on the last page, and when
    /// the page is empty. Serialized as the cursor's text, or `null`.
    pub next: Option<Cursor>,
}

/// What running the engine query gave.
struct Run {
    total: usize,
    total_exact: bool,
    hits: Ranked,
    matchers: Matchers,
    leaves: Vec<Leaf>,
    facets: Option<Facets>,
    /// See [`SearchResults::relaxed`].
    relaxed: bool,
    /// See [`SearchResults::every_word`].
    every_word: Option<usize>,
}

/// How the words of a query combine: all or any, with this title boost, and (any) whether
/// all of them but one are needed.
#[derive(Debug, Clone, Copy)]
struct Words {
    mode: MatchMode,
    title_boost: f32,
    all_but_one: bool,
}

/// Articles with every word of a short query that are enough to show them alone (a page's
/// worth): with fewer, the articles with some of the words follow them
/// ([`SearchResults::relaxed`]).
pub const ENOUGH_EVERY_WORD: usize = 10;

/// Content words from which a short query lists the articles with all of its words but one
/// after those with all of them when these are few (fewer than [`ENOUGH_EVERY_WORD`]); a
/// shorter query relaxes only when no article has every word.
pub(crate) const RELAX_FROM_WORDS: usize = 3;

/// Matches looked at, at most, to fill a page of collapsed results.
pub(crate) const MAX_COLLAPSE_WINDOW: usize = 10_000;

/// Reads matches in growing windows, from `first` up to [`MAX_COLLAPSE_WINDOW`], until `pass`
/// says the page is full. `pass` gets the window to read and must stop (`Break`) once its
/// matches fell short of the window or the window is the largest: no more are to be had.
fn grow_window<R>(first: usize, mut pass: impl FnMut(usize) -> Result<ControlFlow<R>>) -> Result<R> {
    let mut window = first.min(MAX_COLLAPSE_WINDOW);
    loop {
        if let ControlFlow::Break(done) = pass(window)? {
            return Ok(done);
        }
        window = window.saturating_mul(4).min(MAX_COLLAPSE_WINDOW);
    }
}

/// Whether a pass that asked for `window` matches and got `got` has seen them all.
fn exhausted(got: usize, window: usize) -> bool {
    got < window || window >= MAX_COLLAPSE_WINDOW
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
                e.insert(segment.fast_fields().column_opt::<u64>(crate::index::schema::names::SIMHASH)?)
            }
        };
        // Without a fingerprint an article is only grouped with others lacking one too.
        Ok(column.as_ref().and_then(|c| c.first(address.doc_id)).unwrap_or(0))
    }
}

impl Index {
    /// Runs `query` against the latest commit.
    ///
    /// Fails when [`Query::check`] does (a page past [`Query::MAX_WINDOW`], a cursor from
    /// another order, a filter range no article can pass, query text that does not parse), and
    /// when the text has nothing to search for ([`Error::NothingSearchable`]) or a prefix
    /// stands for too many words ([`Error::PrefixTooBroad`]).
    ///
    /// [`Error::NothingSearchable`]: crate::Error::NothingSearchable
    /// [`Error::PrefixTooBroad`]: crate::Error::PrefixTooBroad
    pub fn search(&self, query: &Query) -> Result<SearchResults> {
        query.check_request()?;
        self.refresh()?;
        let searcher = self.reader.searcher();
        with_analyzer(self.stemming, |analyzer| {
            let reweight = Reweight::resolve(&searcher, query);
            // One hit more than the page: whether it exists says whether the page is the last.
            let probe = &query.clone().limit(query.limit + usize::from(query.limit > 0));
            let (mut run, mut groups) = if query.collapse {
                self.run_collapsed(&searcher, analyzer, probe, reweight)?
            } else {
                let run = self.run(&searcher, analyzer, probe, reweight)?;
                let groups = vec![Vec::new(); run.hits.len()];
                (run, groups)
            };
            let next = self.next_cursor(query, &mut run.hits)?;
            groups.truncate(run.hits.len());
            let mut hits = self.hits(&searcher, analyzer, &run.matchers, query, &run.hits)?;
            for ((hit, ranked), members) in hits.iter_mut().zip(&run.hits).zip(groups) {
                if query.explain {
                    let date = hit.article.date.map(|d| d.timestamp());
                    let recency = reweight.and_then(|r| r.recency(date));
                    let popularity = reweight.and_then(|r| r.popularity(hit.article.views));
                    hit.explanation = Some(
                        explain(&searcher, &run.leaves, ranked.address, recency, popularity)
                            .map_err(|e| self.error(e))?,
                    );
                }
                for member in members {
                    hit.similar.push(self.article_at(&searcher, member)?.id);
                }
            }
            Ok(SearchResults {
                total: run.total,
                total_exact: run.total_exact,
                hits,
                facets: run.facets,
                relaxed: run.relaxed,
                every_word: run.every_word,
                next,
            })
        })
    }

    /// Cuts `hits`, read one past `query`'s page, to the page; the cursor after its last hit
    /// when the extra one was there.
    pub(crate) fn next_cursor(&self, query: &Query, hits: &mut Ranked) -> Result<Option<Cursor>> {
        let more = hits.len() > query.limit;
        hits.truncate(query.limit);
        let Some(last) = hits.last().filter(|_| more) else { return Ok(None) };
        let position = last.position().map_err(|e| self.error(e))?;
        Ok(Some(Cursor::new(query.effective_sort(), position)))
    }

    /// The page's articles, each with its snippet and title highlights (when the query asks
    /// for snippets).
    pub(crate) fn hits(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        matchers: &Matchers,
        query: &Query,
        ranked: &[Ranked1],
    ) -> Result<Vec<Hit>> {
        let mut hits = Vec::with_capacity(ranked.len());
        for r in ranked {
            let article = self.article_at(searcher, r.address)?;
            let (snippet, title_highlights) = if query.snippets {
                (
                    snippet(&article.body, analyzer, &matchers.body, query.snippet_length()),
                    highlights(&article.title, analyzer, &matchers.title),
                )
            } else {
                (Snippet::default(), Vec::new())
            };
            hits.push(Hit {
                score: r.score,
                article,
                snippet,
                title_highlights,
                explanation: None,
                similar: Vec::new(),
            });
        }
        Ok(hits)
    }

    /// Near-identical matches grouped under the best of them: matches are read in order, in
    /// growing windows, until the page is full of groups or the matches run out. Returns the
    /// page's leaders and, for each, the other members found.
    ///
    /// Groups always form from the first match on, so that after a cursor a copy of an article
    /// shown on an earlier page stays with it: the groups led at or before the cursor are
    /// formed, then passed over.
    fn run_collapsed(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
        reweight: Option<Reweight>,
    ) -> Result<(Run, Vec<Vec<DocAddress>>)> {
        let want = query.offset.saturating_add(query.limit);
        let after = query.after.map(|c| c.position());
        let mut fingerprints = Fingerprints::default();
        // Facets do not depend on the window: counted on the first pass only.
        let mut facets = None;
        let mut first = true;
        grow_window(want.saturating_mul(4).max(40), |window| {
            let mut wide = query.clone().offset(0).limit(window).facets(query.facets && first);
            wide.after = None;
            let mut run = self.run(searcher, analyzer, &wide, reweight)?;
            if first {
                facets = run.facets.take();
                first = false;
            }
            let done = exhausted(run.hits.len(), window);
            // (leader, its fingerprint, members), and how many lead at or before the cursor
            let mut groups: Vec<(Ranked1, u64, Vec<DocAddress>)> = Vec::new();
            let mut passed = 0;
            for hit in run.hits.drain(..) {
                let print = fingerprints.get(searcher, hit.address).map_err(|e| self.error(e))?;
                match groups.iter().position(|(_, p, _)| near_identical(*p, print)) {
                    Some(i) => groups[i].2.push(hit.address),
                    None if groups.len() - passed < want => {
                        if let Some(after) = after
                            && hit.position().map_err(|e| self.error(e))? >= after
                        {
                            passed += 1;
                        }
                        groups.push((hit, print, Vec::new()));
                    }
                    None => {}
                }
            }
            if groups.len() - passed < want && !done {
                return Ok(ControlFlow::Continue(()));
            }
            let page: Vec<_> = groups.into_iter().skip(passed).skip(query.offset).take(query.limit).collect();
            run.hits = page.iter().map(|(leader, _, _)| leader.clone()).collect();
            run.facets = facets.take();
            let members = page.into_iter().map(|(_, _, m)| m).collect();
            Ok(ControlFlow::Break((run, members)))
        })
    }

    /// Runs the query in its match mode: [`MatchMode::Auto`] picks all or any words (see
    /// [`Index::run_auto`]); all and any build and run the engine query.
    fn run(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
        reweight: Option<Reweight>,
    ) -> Result<Run> {
        match query.mode {
            MatchMode::Auto => self.run_auto(searcher, analyzer, query, reweight),
            mode => {
                let words = Words { mode, title_boost: query.title_boost_in(mode), all_but_one: false };
                self.run_words(searcher, analyzer, query, words, reweight, Tier::None)
            }
        }
    }

    /// Builds and runs the engine query for `query`'s words combined as `words` says, the
    /// matches of `tier` ranked first.
    fn run_words(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
        words: Words,
        reweight: Option<Reweight>,
        tier: Tier,
    ) -> Result<Run> {
        let mut matchers = Matchers::default();
        let mut builder = Builder::new(
            &self.fields,
            analyzer,
            searcher,
            query,
            words.mode,
            words.title_boost,
            &mut matchers,
        )
        .all_but_one(words.all_but_one);
        let text = builder.text_query(&query.text)?;
        let leaves: Vec<Leaf> = builder.leaves.take().unwrap_or_default();
        // Plain words may be ranked past the count through their own query (see `collect`),
        // which takes the filters apart from the text.
        let plain_words = text.downcast_ref::<words::Words>().cloned();
        let filters = plain_words.as_ref().and_then(|_| filters_only(&self.fields, query));
        let engine_query = with_filters(&self.fields, query, text);
        let facets = query.facets.then(|| {
            let live: Vec<_> = searcher.segment_readers().iter().map(|s| s.segment_id()).collect();
            self.facet_values.retain(&live);
            FacetCollector { size: query.facet_size, cache: self.facet_values.clone() }
        });
        let plain = plain_words.as_ref().map(|words| Plain { words, filters: filters.as_deref() });
        let matches = Matches { query: &*engine_query, plain };
        let ((total, total_exact), hits, facets) =
            self.collect(searcher, matches, query, reweight, facets, tier)?;
        Ok(Run { total, total_exact, hits, matchers, leaves, facets, relaxed: false, every_word: None })
    }

    /// [`MatchMode::Auto`]: a descriptive query (at least [`DESCRIPTIVE_WORDS`] content words)
    /// ranks as [`MatchMode::Any`] does, with its title boost unless one was given. A short one
    /// needs every word; when no article has them all, the articles with any of them are given
    /// instead, and a query of [`RELAX_FROM_WORDS`] words that fewer than [`ENOUGH_EVERY_WORD`]
    /// articles match whole lists those with all of its words but one after them (marked
    /// `relaxed`), all scored with the short query's title boost.
    fn run_auto(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        query: &Query,
        reweight: Option<Reweight>,
    ) -> Result<Run> {
        let words = content_words(&query.text);
        if words >= DESCRIPTIVE_WORDS {
            let any = Words {
                mode: MatchMode::Any,
                title_boost: query.title_boost_in(MatchMode::Any),
                all_but_one: false,
            };
            return self.run_words(searcher, analyzer, query, any, reweight, Tier::None);
        }
        // The title boost of a short query, kept when articles with some of its words follow.
        let title_boost = query.effective_title_boost();
        let all = Words { mode: MatchMode::All, title_boost, all_but_one: false };
        let all = self.run_words(searcher, analyzer, query, all, reweight, Tier::Every)?;
        let enough = if words >= RELAX_FROM_WORDS { ENOUGH_EVERY_WORD } else { 1 };
        if all.total >= enough {
            return Ok(all);
        }
        // Fewer than `enough`, ranked first: the page usually holds them all already (a first
        // page of 10 or more); otherwise one more pass, without its offset or cursor, finds them.
        let every = if all.total == 0 {
            Tier::None
        } else if all.hits.len() == all.total {
            Tier::Of(all.hits.iter().map(|hit| hit.address).collect())
        } else {
            let mut whole = query.clone().offset(0).limit(enough).facets(false).snippets(false);
            whole.after = None;
            let words = Words { mode: MatchMode::All, title_boost, all_but_one: false };
            let run = self.run_words(searcher, analyzer, &whole, words, reweight, Tier::None)?;
            Tier::Of(run.hits.iter().map(|hit| hit.address).collect())
        };
        // With a few having every word, those with all but one of the words follow them; with
        // none, those with any of the words (a misspelt word still leaves the others).
        let some = Words { mode: MatchMode::Any, title_boost, all_but_one: all.total > 0 };
        let mut some = match self.run_words(searcher, analyzer, query, some, reweight, every) {
            // Only function words: no article can have some of the words without all of them.
            Err(Error::NothingSearchable { .. }) => return Ok(all),
            other => other?,
        };
        if some.total > all.total {
            some.relaxed = true;
            some.every_word = Some(all.total);
        }
        Ok(some)
    }
}
