//! Related articles: more-like-this over an article's title, body and tags.
//!
//! The article's words (as indexed: folded and stemmed) are weighed by tf × idf, title and tag
//! words counting twice; the [`RELATED_TERMS`] heaviest become one any-word query over the
//! article text, each word boosted by its weight. The article itself and its near-identical
//! copies are left out; the query's filters, order and page apply as in a search.

use std::collections::HashMap;
use std::ops::ControlFlow;

use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query as EngineQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

use crate::analyzer::{is_stop_word, terms, with_analyzer};
use crate::article::ArticleId;
use crate::error::{Error, Result};
use crate::index::Index;
use crate::near_dup::near_identical;
use crate::query::{Query, Sort};
use crate::search::collect::{Matches, Tier};
use crate::search::filters::with_filters;
use crate::search::snippet::{Matcher, Matchers};
use crate::search::{Fingerprints, SearchResults, exhausted, grow_window};

/// Words of the article that make up the related-articles query.
pub const RELATED_TERMS: usize = 25;

impl Index {
    /// The articles most similar to the one with `id`, best first.
    ///
    /// `query` supplies the filters (tags, section, dates, views), order, page and snippet
    /// settings (the order defaults to most similar first); its text is not used. `total` counts the articles sharing any of the chosen
    /// words, so it is large; near-identical copies of the article (see
    /// [`Query::collapse`]) are never returned.
    ///
    /// ```
    /// use newsearch::{Article, ArticleId, Index, IndexOptions, Query};
    ///
    /// # fn main() -> Result<(), newsearch::Error> {
    /// let index = Index::in_memory(&IndexOptions::new())?;
    /// let mut writer = index.writer()?;
    /// for (id, title, body) in [
    ///     ("a", "Envoy visits Kyiv", "The US envoy met Ukraine's president in Kyiv to discuss a ceasefire."),
    ///     ("b", "Ceasefire talks", "Ukraine and the US envoy discussed a ceasefire and security guarantees."),
    ///     ("c", "Markets", "Stocks rose in London as bond yields fell."),
    /// ] {
    ///     let mut a = Article::new(id, id, title);
    ///     a.body = body.into();
    ///     writer.add(&a)?;
    /// }
    /// writer.commit()?;
    ///
    /// let related = index.related(&ArticleId::new("a"), &Query::all())?;
    /// assert_eq!(related.hits[0].article.id.as_str(), "b");
    /// assert!(related.hits.iter().all(|h| h.article.id.as_str() != "a"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn related(&self, id: &ArticleId, query: &Query) -> Result<SearchResults> {
        // Most similar first unless another order is asked for (a query without text would
        // otherwise list newest first).
        let mut query = query.clone().sort(query.sort.unwrap_or(Sort::Relevance));
        // The text is not used, so it is not checked either.
        query.text.clear();
        let query = &query;
        query.check_request()?;
        self.refresh()?;
        let searcher = self.reader.searcher();
        let unknown = || Error::UnknownArticle { id: id.as_str().to_owned() };
        let source = self.address_of(&searcher, id.as_str())?.ok_or_else(unknown)?;
        let article = self.article_at(&searcher, source)?;
        let mut fingerprints = Fingerprints::default();
        let source_print = fingerprints.get(&searcher, source).map_err(|e| self.error(e))?;

        with_analyzer(self.stemming, |analyzer| {
            let mut tf: HashMap<String, f32> = HashMap::new();
            for (text, weight) in [(article.body.as_str(), 1.0), (article.title.as_str(), 2.0)]
                .into_iter()
                .chain(article.tags.iter().map(|t| (t.as_str(), 2.0)))
            {
                for term in terms(analyzer, text) {
                    *tf.entry(term).or_default() += weight;
                }
            }
            let chosen = self.heaviest_terms(&searcher, tf)?;
            let matcher =
                Matcher { exact: chosen.iter().map(|(t, _)| t.clone()).collect(), ..Matcher::default() };
            let matchers = Matchers { body: matcher.clone(), title: matcher };
            let Some(top_weight) = chosen.first().map(|(_, w)| *w) else {
                return Ok(SearchResults::default());
            };
            let mut clauses: Vec<(Occur, Box<dyn EngineQuery>)> = chosen
                .iter()
                .map(|(term, weight)| {
                    let q = TermQuery::new(
                        Term::from_field_text(self.fields.body, term),
                        IndexRecordOption::WithFreqs,
                    );
                    (Occur::Should, Box::new(BoostQuery::new(Box::new(q), weight / top_weight)) as Box<_>)
                })
                .collect();
            let itself = TermQuery::new(self.fields.id_term(id.as_str()), IndexRecordOption::Basic);
            clauses.push((Occur::MustNot, Box::new(itself)));
            let engine_query = with_filters(&self.fields, query, Box::new(BooleanQuery::new(clauses)));

            // Near-identical copies are dropped after ranking: read a little further than the
            // page (one hit further, to know whether the page is the last), and further again
            // if copies ate into it.
            let want = query.offset.saturating_add(query.limit).saturating_add(1);
            let (total, kept) = grow_window(want.saturating_add(20), |window| {
                let wide = query.clone().offset(0).limit(window);
                let ((total, _), ranked, _) = self.collect(
                    &searcher,
                    Matches { query: &*engine_query, plain: None },
                    &wide,
                    None,
                    None,
                    Tier::None,
                )?;
                let done = exhausted(ranked.len(), window);
                let mut kept = Vec::new();
                for hit in ranked {
                    let print = fingerprints.get(&searcher, hit.address).map_err(|e| self.error(e))?;
                    if !near_identical(print, source_print) {
                        kept.push(hit);
                    }
                }
                Ok(if kept.len() >= want || done {
                    ControlFlow::Break((total, kept))
                } else {
                    ControlFlow::Continue(())
                })
            })?;
            let mut page: Vec<_> =
                kept.into_iter().skip(query.offset).take(query.limit.saturating_add(1)).collect();
            let next = self.next_cursor(query, &mut page)?;
            let hits = self.hits(&searcher, analyzer, &matchers, query, &page)?;
            Ok(SearchResults {
                total,
                total_exact: true,
                hits,
                facets: None,
                relaxed: false,
                every_word: None,
                next,
            })
        })
    }

    /// The article's most telling words: tf × idf, skipping words only it has, function
    /// words and very short tokens; heaviest first (ties by word, for stable results).
    fn heaviest_terms(&self, searcher: &Searcher, tf: HashMap<String, f32>) -> Result<Vec<(String, f32)>> {
        let n = searcher.num_docs() as f32;
        let mut weighted = Vec::new();
        for (term, freq) in tf {
            if term.chars().count() < 3 || is_stop_word(&term) {
                continue;
            }
            let df = searcher
                .doc_freq(&Term::from_field_text(self.fields.body, &term))
                .map_err(|e| self.error(e))? as f32;
            if df < 2.0 {
                continue;
            }
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            weighted.push((term, freq.ln_1p() * idf));
        }
        weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        weighted.truncate(RELATED_TERMS);
        Ok(weighted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Article, IndexOptions};

    #[test]
    fn the_heaviest_terms_skip_function_words_short_words_and_words_no_other_article_has() {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        let mut writer = index.writer().unwrap();
        for (id, body) in [
            ("a", "the ceasefire talks in Riyadh and the ceasefire envoy xyzzyq"),
            ("b", "ceasefire talks resumed"),
            ("c", "Riyadh hosts the talks"),
            ("d", "markets rose"),
        ] {
            let mut article = Article::new(id, id, id);
            article.body = body.into();
            writer.add(&article).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader.searcher();
        let tf: HashMap<String, f32> =
            [("the", 2.0), ("in", 1.0), ("ceasefir", 2.0), ("talk", 1.0), ("riyadh", 1.0), ("xyzzyq", 1.0)]
                .into_iter()
                .map(|(t, f)| (t.to_owned(), f))
                .collect();
        let chosen: Vec<String> =
            index.heaviest_terms(&searcher, tf).unwrap().into_iter().map(|(t, _)| t).collect();
        // Said twice, "ceasefir" outweighs the others; "xyzzyq" is in no other article.
        assert_eq!(chosen[0], "ceasefir");
        assert!(chosen.contains(&"riyadh".to_owned()) && chosen.contains(&"talk".to_owned()), "{chosen:?}");
        for left_out in ["the", "in", "xyzzyq"] {
            assert!(!chosen.contains(&left_out.to_owned()), "{chosen:?}");
        }
    }
}
