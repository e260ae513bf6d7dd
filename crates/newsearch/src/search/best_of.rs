//! One thing written several ways (`United Nations` as typed or its initials `un`; `J P` joined
//! or apart): an article matches if it has any of them and scores as its best one, as the
//! engine's disjunction-max would score it. That one goes through a buffered union, which scores
//! every match of every way a few thousand documents ahead of where an intersection asks (with
//! `European Central Bank` as a phrase way, `ECB Fed` checked its positions in thousands of
//! articles: ten times the cost of the query). This one only moves its ways to the documents
//! asked for, so inside an intersection a phrase is only checked where the other words are.

use tantivy::query::{EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight};

use crate::search::explain::scorer_at;
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// Matches what any of its queries matches, scored by the best of them.
#[derive(Debug)]
pub(crate) struct BestOf {
    ways: Vec<Box<dyn Query>>,
}

impl Clone for BestOf {
    fn clone(&self) -> Self {
        BestOf { ways: self.ways.iter().map(|q| q.box_clone()).collect() }
    }
}

impl BestOf {
    pub(crate) fn new(ways: Vec<Box<dyn Query>>) -> Self {
        BestOf { ways }
    }
}

impl Query for BestOf {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let ways = self.ways.iter().map(|q| q.weight(enable_scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Box::new(BestOfWeight { ways }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for way in &self.ways {
            way.query_terms(visitor);
        }
    }
}

struct BestOfWeight {
    ways: Vec<Box<dyn Weight>>,
}

impl Weight for BestOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut ways = Vec::with_capacity(self.ways.len());
        for weight in &self.ways {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                ways.push(scorer);
            }
        }
        Ok(match ways.len() {
            0 => Box::new(EmptyScorer),
            1 => ways.pop().unwrap_or_else(|| Box::new(EmptyScorer)),
            _ => {
                let mut scorer = BestOfScorer { ways, doc: 0 };
                scorer.settle();
                Box::new(scorer)
            }
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        // A way that does not match this document has no explanation.
        let mut best: Option<Explanation> = None;
        for way in &self.ways {
            if scorer_at(way.as_ref(), reader, doc)?.is_some() {
                let e = way.explain(reader, doc)?;
                if best.as_ref().is_none_or(|b| e.value() > b.value()) {
                    best = Some(e);
                }
            }
        }
        let best =
            best.ok_or_else(|| TantivyError::InvalidArgument(format!("document {doc} does not match")))?;
        let mut explanation = Explanation::new("the best of the ways it is written", best.value());
        explanation.add_detail(best);
        Ok(explanation)
    }
}

struct BestOfScorer {
    /// At least two, each at or past `doc`; some may be past the end.
    ways: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

impl BestOfScorer {
    fn settle(&mut self) -> DocId {
        self.doc = self.ways.iter().map(|s| s.doc()).min().unwrap_or(TERMINATED);
        self.doc
    }
}

impl DocSet for BestOfScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        let current = self.doc;
        for way in &mut self.ways {
            if way.doc() == current {
                way.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for way in &mut self.ways {
            if way.doc() < target {
                way.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.ways.iter().map(|s| s.size_hint()).max().unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.ways.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for BestOfScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc;
        let mut best: Score = 0.0;
        for way in &mut self.ways {
            if way.doc() == doc {
                best = best.max(way.score());
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use tantivy::collector::{DocSetCollector, TopDocs};
    use tantivy::query::{BooleanQuery, Occur, PhraseQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, STORED, Schema, TEXT};
    use tantivy::{DocAddress, Index, IndexWriter, TantivyDocument};

    use super::*;

    const WORDS: [&str; 4] = ["a", "b", "c", "d"];

    /// Every matching document with its score, for `query` over `docs` (texts of `WORDS`),
    /// written in `segments` commits so seeks cross segment ends too.
    /// Keyed by the document's place in `docs` (segments are ordered by their random ids).
    fn run(
        docs: &[Vec<usize>],
        segments: usize,
        query: impl Fn(tantivy::schema::Field) -> Box<dyn Query>,
    ) -> BTreeMap<u64, Score> {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let n = schema.add_u64_field("n", STORED);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let per = docs.len().div_ceil(segments.max(1)).max(1);
        for (c, chunk) in docs.chunks(per).enumerate() {
            for (k, d) in chunk.iter().enumerate() {
                let words: Vec<&str> = d.iter().map(|&w| WORDS[w]).collect();
                let mut doc = TantivyDocument::new();
                doc.add_text(text, words.join(" "));
                doc.add_u64(n, (c * per + k) as u64);
                writer.add_document(doc).unwrap();
            }
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        let query = query(text);
        let top = TopDocs::with_limit(docs.len().max(1)).order_by_score();
        let place = |address: DocAddress| -> u64 {
            let doc: TantivyDocument = searcher.doc(address).unwrap();
            doc.get_first(n).and_then(|v| tantivy::schema::Value::as_u64(&v)).unwrap()
        };
        let scored: BTreeMap<u64, Score> = searcher
            .search(&*query, &top)
            .unwrap()
            .into_iter()
            .map(|(score, address)| (place(address), score))
            .collect();
        assert_eq!(searcher.search(&*query, &DocSetCollector).unwrap().len(), scored.len());
        scored
    }

    /// What explaining each match of `query` says it scores.
    fn explained(
        docs: &[Vec<usize>],
        query: impl Fn(tantivy::schema::Field) -> Box<dyn Query>,
    ) -> Vec<(Score, Score)> {
        let mut schema = Schema::builder();
        let text = schema.add_text_field("text", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for d in docs {
            let words: Vec<&str> = d.iter().map(|&w| WORDS[w]).collect();
            let mut doc = TantivyDocument::new();
            doc.add_text(text, words.join(" "));
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let query = query(text);
        let weight = query.weight(EnableScoring::enabled_from_searcher(&searcher)).unwrap();
        let top = TopDocs::with_limit(docs.len().max(1)).order_by_score();
        let reader = searcher.segment_reader(0);
        let mut out: Vec<(Score, Score)> = searcher
            .search(&*query, &top)
            .unwrap()
            .into_iter()
            .map(|(score, a)| (score, weight.explain(reader, a.doc_id).unwrap().value()))
            .collect();
        // Documents that do not match have no explanation.
        for doc in 0..reader.max_doc() {
            let mut scorer = weight.scorer(reader, 1.0).unwrap();
            let matched = scorer.doc() == doc || (scorer.doc() < doc && scorer.seek(doc) == doc);
            if !matched {
                assert!(weight.explain(reader, doc).is_err());
            }
        }
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    }

    fn term(field: tantivy::schema::Field, w: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, w), IndexRecordOption::WithFreqsAndPositions))
    }

    fn phrase(field: tantivy::schema::Field, a: &str, b: &str) -> Box<dyn Query> {
        Box::new(PhraseQuery::new(vec![Term::from_field_text(field, a), Term::from_field_text(field, b)]))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Inside an intersection (seeks) and alone (advances), the ways match exactly what a
        /// plain union of them matches, each match scoring as the best way it has.
        #[test]
        fn matches_a_union_and_scores_the_best_way(
            docs in prop::collection::vec(prop::collection::vec(0usize..4, 1..6), 1..120),
            segments in 1usize..4,
        ) {
            let ways = |f| -> Vec<Box<dyn Query>> { vec![term(f, "a"), phrase(f, "b", "c"), term(f, "c")] };
            for with_d in [false, true] {
                let wrap = |q: Box<dyn Query>, f| -> Box<dyn Query> {
                    if with_d { Box::new(BooleanQuery::new(vec![(Occur::Must, q), (Occur::Must, term(f, "d"))])) } else { q }
                };
                let best = run(&docs, segments, |f| wrap(Box::new(BestOf::new(ways(f))), f));
                let union = run(&docs, segments, |f| {
                    wrap(Box::new(BooleanQuery::new(ways(f).into_iter().map(|q| (Occur::Should, q)).collect())), f)
                });
                prop_assert_eq!(best.keys().collect::<Vec<_>>(), union.keys().collect::<Vec<_>>());
                // Each way alone, to say what the score must be.
                let alone: Vec<BTreeMap<u64, Score>> =
                    (0..3).map(|k| run(&docs, segments, |f| wrap(ways(f).swap_remove(k), f))).collect();
                for (address, score) in &best {
                    let expected = alone.iter().filter_map(|m| m.get(address)).fold(0.0, |a: Score, &b| a.max(b));
                    prop_assert!((score - expected).abs() < 1e-4, "{address:?}: {score} vs {expected}");
                }
            }
            for (score, explained) in explained(&docs, |f| Box::new(BestOf::new(ways(f)))) {
                prop_assert!((score - explained).abs() < 1e-4, "{score} vs {explained}");
            }
        }
    }
}
