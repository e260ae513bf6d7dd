//! Plain words (or phrases) that must all match: each word a required part (its term, or its
//! phrase, in the body, which holds the title's words too) and, optionally, one scored on top
//! (the same in the title, boosted). The most common query there is ("Zelensky Kellogg",
//! "York", "\"Goldman Sachs\""), and the one whose cost grew with the archive: every match was
//! scored and counted, 360,000 of them for one common word in a million articles.
//!
//! [`Words`] scores as the engine's nested boolean query did (each word its required part's
//! score plus its optional part's when present, summed word by word), through one scorer of its
//! own, so that a page ranked by [`top_pruned`] and a page ranked by visiting every match order
//! the same documents the same way.
//!
//! [`top_pruned`] ranks without visiting every match, once enough are counted: a document only
//! needs scoring if it could beat the worst hit kept so far. Two bounds decide:
//!
//! - While the required parts alone could reach that threshold, the cheapest leads and each of
//!   its documents is weighed by its own score plus the most every other part could add: only
//!   those that could make it are looked up in the other parts.
//! - Once they can't (the threshold is above what the words' body parts can score together, as
//!   soon as the page holds articles with the words in their titles too), a document needs at
//!   least one of the optional parts: they lead (titles are short lists) and the required parts
//!   are only looked up at their documents. Optional parts too weak to lift a document over the
//!   threshold together with the required ones are only looked up, never led by (the
//!   essential/non-essential split of the MaxScore method).
//!
//! A term's bound is its BM25 weight's maximum; a phrase's, that of its terms' idf summed, as the
//! engine weighs a phrase.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25Weight, BooleanQuery, EmptyScorer, EnableScoring, Explanation, PhraseQuery, Query, Scorer, TermQuery,
    Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, TERMINATED, TantivyError, Term};

/// What a word looks for in one field.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// One term.
    Term(Term),
    /// Terms in order (each with its position in the phrase), at most `slop` apart.
    Phrase(Vec<(usize, Term)>, u32),
}

impl Part {
    /// The engine query that matches (and, `scored`, scores) it.
    fn query(&self, scored: bool) -> Box<dyn Query> {
        match self {
            Part::Term(term) => {
                let option = if scored { IndexRecordOption::WithFreqs } else { IndexRecordOption::Basic };
                Box::new(TermQuery::new(term.clone(), option))
            }
            Part::Phrase(terms, slop) => {
                Box::new(PhraseQuery::new_with_offset_and_slop(terms.clone(), *slop))
            }
        }
    }

    fn terms(&self) -> Vec<&Term> {
        match self {
            Part::Term(term) => vec![term],
            Part::Phrase(terms, _) => terms.iter().map(|(_, t)| t).collect(),
        }
    }
}

/// One plain word (or phrase): where it must be, and where it scores more.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    /// What the word must match, and its weight.
    pub(crate) required: (Part, Score),
    /// What adds its score when the document has it too, and its weight.
    pub(crate) optional: Option<(Part, Score)>,
}

/// Every one of its words must match; the score is the sum of theirs.
#[derive(Debug, Clone)]
pub(crate) struct Words {
    words: Vec<Word>,
}

impl Words {
    /// `None` without words.
    pub(crate) fn new(words: Vec<Word>) -> Option<Words> {
        (!words.is_empty()).then_some(Words { words })
    }

    /// Its words.
    pub(crate) fn words(&self) -> &[Word] {
        &self.words
    }

    /// The words' required parts as an intersection: what matches, without scores.
    fn matching_only(&self) -> BooleanQuery {
        BooleanQuery::intersection(self.words.iter().map(|w| w.required.0.query(false)).collect())
    }

    /// The weight that scores, with the concrete type [`top_pruned`] needs.
    pub(crate) fn scoring_weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<WordsWeight> {
        let EnableScoring::Enabled { statistics_provider, .. } = enable_scoring else {
            return Err(TantivyError::InternalError("words weighed without scores".into()));
        };
        let part = |(part, weight): &(Part, Score)| -> tantivy::Result<PartWeight> {
            let terms: Vec<Term> = part.terms().into_iter().cloned().collect();
            // What the engine's query weighs the part by (a phrase: its terms' idf summed).
            let bm25 = Bm25Weight::for_terms(statistics_provider, &terms)?.boost_by(*weight);
            Ok(match part {
                Part::Term(term) => PartWeight::Term { term: term.clone(), bm25 },
                Part::Phrase(..) => PartWeight::Other {
                    weight: part.query(true).weight(enable_scoring)?,
                    boost: *weight,
                    bm25,
                },
            })
        };
        let mut words = Vec::with_capacity(self.words.len());
        for word in &self.words {
            let optional = match &word.optional {
                Some(p) => Some(part(p)?),
                None => None,
            };
            words.push((part(&word.required)?, optional));
        }
        Ok(WordsWeight { words })
    }
}

impl Query for Words {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        if !enable_scoring.is_scoring_enabled() {
            return self.matching_only().weight(enable_scoring);
        }
        Ok(Box::new(self.scoring_weight(enable_scoring)?))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for word in &self.words {
            let parts = std::iter::once(&word.required.0).chain(word.optional.as_ref().map(|(p, _)| p));
            for part in parts {
                let positions = matches!(part, Part::Phrase(..));
                for term in part.terms() {
                    visitor(term, positions);
                }
            }
        }
    }
}

/// A part and how it scores.
enum PartWeight {
    /// A term, scored here as the engine's term query scores it.
    Term { term: Term, bm25: Bm25Weight },
    /// Another query (a phrase), scored by the engine; `bm25` only bounds its scores.
    Other { weight: Box<dyn Weight>, boost: Score, bm25: Bm25Weight },
}

impl PartWeight {
    /// The part's documents in one segment, `None` when the segment has none.
    fn cursor(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Option<Cursor>> {
        match self {
            PartWeight::Term { term, bm25 } => {
                let field = term.field();
                let Some(postings) =
                    reader.inverted_index(field)?.read_postings(term, IndexRecordOption::WithFreqs)?
                else {
                    return Ok(None);
                };
                if postings.doc() == TERMINATED {
                    return Ok(None);
                }
                let norms = match reader.fieldnorms_readers().get_field(field)? {
                    Some(norms) => norms,
                    None => FieldNormReader::constant(reader.max_doc(), 1),
                };
                Ok(Some(Cursor::Term(TermCursor { postings, norms, bm25: bm25.boost_by(boost) })))
            }
            PartWeight::Other { weight, boost: own, bm25 } => {
                // `bm25` has the part's weight already, the engine's weight not.
                let scorer = weight.scorer(reader, boost * own)?;
                if scorer.doc() == TERMINATED {
                    return Ok(None);
                }
                Ok(Some(Cursor::Other { scorer, max: bm25.boost_by(boost).max_score() }))
            }
        }
    }

    fn description(&self) -> String {
        match self {
            PartWeight::Term { term, .. } => format!("Term={term:?}"),
            PartWeight::Other { .. } => "phrase".to_owned(),
        }
    }
}

/// A part's documents in one segment, with their scores.
// A term's postings hold their decoded block inline; a query has a few cursors, and the
// per-document calls should not go through one more pointer.
#[allow(clippy::large_enum_variant)]
enum Cursor {
    Term(TermCursor),
    Other { scorer: Box<dyn Scorer>, max: Score },
}

impl Cursor {
    #[inline]
    fn doc(&self) -> DocId {
        match self {
            Cursor::Term(t) => t.postings.doc(),
            Cursor::Other { scorer, .. } => scorer.doc(),
        }
    }

    /// The first document at or after `target`.
    #[inline]
    fn reach(&mut self, target: DocId) -> DocId {
        match self {
            Cursor::Term(t) => {
                let at = t.postings.doc();
                if at < target { t.postings.seek(target) } else { at }
            }
            Cursor::Other { scorer, .. } => reach(scorer.as_mut(), target),
        }
    }

    #[inline]
    fn score(&mut self) -> Score {
        match self {
            Cursor::Term(t) => t.bm25.score(t.norms.fieldnorm_id(t.postings.doc()), t.postings.term_freq()),
            Cursor::Other { scorer, .. } => scorer.score(),
        }
    }

    /// No document scores more.
    fn max_score(&self) -> Score {
        match self {
            Cursor::Term(t) => t.bm25.max_score(),
            Cursor::Other { max, .. } => *max,
        }
    }

    /// What walking it costs (the engine's measure: documents, more for a phrase).
    fn cost(&self) -> u64 {
        match self {
            Cursor::Term(t) => u64::from(t.postings.size_hint()),
            Cursor::Other { scorer, .. } => scorer.cost(),
        }
    }

    fn explain(&mut self) -> Explanation {
        match self {
            Cursor::Term(t) => t.bm25.explain(t.norms.fieldnorm_id(t.postings.doc()), t.postings.term_freq()),
            Cursor::Other { scorer, .. } => Explanation::new("phrase", scorer.score()),
        }
    }
}

/// A term's postings in one segment, scored as the engine's term query scores them.
struct TermCursor {
    postings: SegmentPostings,
    norms: FieldNormReader,
    bm25: Bm25Weight,
}

/// [`Words`]' weight when scoring.
pub(crate) struct WordsWeight {
    /// Each word's required part and optional one.
    words: Vec<(PartWeight, Option<PartWeight>)>,
}

impl WordsWeight {
    /// The scorer over one segment (of the documents `filter` has too, when given), `None`
    /// when some word is not in it.
    pub(crate) fn words_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
        filter: Option<Box<dyn Scorer>>,
    ) -> tantivy::Result<Option<WordsScorer>> {
        let mut required = Vec::with_capacity(self.words.len());
        let mut optional = Vec::with_capacity(self.words.len());
        for (must, may) in &self.words {
            let Some(r) = must.cursor(reader, boost)? else {
                return Ok(None);
            };
            required.push(r);
            optional.push(match may {
                Some(may) => may.cursor(reader, boost)?,
                None => None,
            });
        }
        Ok(Some(WordsScorer::new(required, optional, filter)))
    }
}

impl Weight for WordsWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.words_scorer(reader, boost, None)? {
            Some(scorer) => Box::new(scorer),
            None => Box::new(EmptyScorer),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let not_here = || TantivyError::InvalidArgument(format!("Document #({doc}) does not match"));
        let mut scorer = self.words_scorer(reader, 1.0, None)?.ok_or_else(not_here)?;
        if scorer.doc() > doc || scorer.seek(doc) != doc {
            return Err(not_here());
        }
        let mut explanation = Explanation::new("sum of the words", scorer.score());
        let parts = scorer.required.iter_mut().zip(scorer.optional.iter_mut()).zip(&self.words);
        for ((required, optional), (required_weight, optional_weight)) in parts {
            let mut e = required.explain();
            e.add_context(required_weight.description());
            explanation.add_detail(e);
            if let (Some(optional), Some(weight)) =
                (optional.as_mut().filter(|o| o.doc() == doc), optional_weight)
            {
                let mut e = optional.explain();
                e.add_context(weight.description());
                explanation.add_detail(e);
            }
        }
        Ok(explanation)
    }
}

/// Documents with every word (and in `filter`, when there is one), scored.
pub(crate) struct WordsScorer {
    /// Each word's required part, in the words' order.
    required: Vec<Cursor>,
    /// Each word's optional part, when it has one in this segment.
    optional: Vec<Option<Cursor>>,
    /// `required`'s indices, rarest first.
    order: Vec<usize>,
    /// Documents that must match too, without a score (the query's filters).
    filter: Option<Filter>,
    /// Whether `filter` costs less to walk than the cheapest part, and leads.
    filter_leads: bool,
    doc: DocId,
}

/// The filters' documents. Leading, they are walked; following, each candidate is only checked
/// (`seek_danger`: a date range then tests the candidate's date instead of scanning on to the
/// next date in range).
struct Filter {
    docs: Box<dyn Scorer>,
    /// Whether `docs` is positioned on a document of its own (else only `seek_danger` may be
    /// called, past the last target).
    valid: bool,
    /// The last document checked, and the answer.
    last: Option<(DocId, Result<(), DocId>)>,
}

impl Filter {
    /// Whether `doc` passes, else the first document that might. Called with documents that
    /// never decrease.
    fn check(&mut self, doc: DocId) -> Result<(), DocId> {
        if let Some((checked, answer)) = self.last
            && checked == doc
        {
            return answer;
        }
        let answer = if self.valid && self.docs.doc() >= doc {
            if self.docs.doc() == doc { Ok(()) } else { Err(self.docs.doc()) }
        } else {
            match self.docs.seek_danger(doc) {
                SeekDangerResult::Found => {
                    self.valid = true;
                    Ok(())
                }
                SeekDangerResult::SeekLowerBound(next) => {
                    self.valid = false;
                    Err(next.max(doc + 1))
                }
            }
        };
        self.last = Some((doc, answer));
        answer
    }
}

/// `docs`' first document at or after `target`.
#[inline]
fn reach(docs: &mut dyn DocSet, target: DocId) -> DocId {
    let at = docs.doc();
    if at < target { docs.seek(target) } else { at }
}

impl WordsScorer {
    fn new(required: Vec<Cursor>, optional: Vec<Option<Cursor>>, filter: Option<Box<dyn Scorer>>) -> Self {
        // The cheapest required part leads the intersection, or the filter if it is cheaper still.
        let mut order: Vec<usize> = (0..required.len()).collect();
        order.sort_by_key(|&i| required[i].cost());
        let rarest = required[order[0]].cost();
        let filter_leads = filter.as_ref().is_some_and(|f| f.cost() < rarest);
        let filter = filter.map(|docs| Filter { docs, valid: true, last: None });
        let mut scorer = WordsScorer { required, optional, order, filter, filter_leads, doc: 0 };
        let first = scorer.lead_doc();
        scorer.doc = scorer.align(first);
        scorer
    }

    /// Where the leading postings are.
    fn lead_doc(&self) -> DocId {
        match &self.filter {
            Some(filter) if self.filter_leads => filter.docs.doc(),
            _ => self.required[self.order[0]].doc(),
        }
    }

    /// Moves the leading postings to `target` or past.
    fn lead_reach(&mut self, target: DocId) -> DocId {
        match &mut self.filter {
            Some(filter) if self.filter_leads => reach(filter.docs.as_mut(), target),
            _ => self.required[self.order[0]].reach(target),
        }
    }

    /// The first document at or after `candidate` (where the leading postings are) that has
    /// every word and passes the filter.
    fn align(&mut self, mut candidate: DocId) -> DocId {
        let followers = if self.filter_leads { 0 } else { 1 };
        'candidates: while candidate != TERMINATED {
            for k in followers..self.order.len() {
                let at = self.required[self.order[k]].reach(candidate);
                if at > candidate {
                    candidate = self.lead_reach(at);
                    continue 'candidates;
                }
            }
            if let Some(filter) = self.filter.as_mut().filter(|_| !self.filter_leads)
                && let Err(at) = filter.check(candidate)
            {
                candidate = self.lead_reach(at);
                continue 'candidates;
            }
            return candidate;
        }
        TERMINATED
    }

    /// Whether every required part (and the filter) is at `doc`, looking each up there; else
    /// a document before which none of them can all be.
    fn has_all(&mut self, doc: DocId) -> Result<(), DocId> {
        // Cheapest first, stopping at the first miss (a phrase checks positions on its way).
        for k in 0..self.order.len() {
            let at = self.required[self.order[k]].reach(doc);
            if at > doc {
                return Err(at);
            }
        }
        match self.filter.as_mut() {
            Some(filter) if self.filter_leads => match reach(filter.docs.as_mut(), doc) {
                at if at == doc => Ok(()),
                at => Err(at),
            },
            Some(filter) => filter.check(doc),
            None => Ok(()),
        }
    }

    /// The score of `doc`, where every required part is: word by word, the required part's
    /// score plus the optional part's when it is there too, summed in the words' order.
    #[inline]
    fn score_at(&mut self, doc: DocId) -> Score {
        let mut sum: Score = 0.0;
        for (required, optional) in self.required.iter_mut().zip(&mut self.optional) {
            let mut word = required.score();
            if let Some(optional) = optional
                && optional.reach(doc) == doc
            {
                word += optional.score();
            }
            sum += word;
        }
        sum
    }
}

impl DocSet for WordsScorer {
    fn advance(&mut self) -> DocId {
        let next = self.lead_reach(self.doc.saturating_add(1).min(TERMINATED));
        self.doc = self.align(next);
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let next = self.lead_reach(target);
        self.doc = self.align(next);
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        match &self.filter {
            Some(filter) if self.filter_leads => filter.docs.size_hint(),
            _ => u32::try_from(self.required[self.order[0]].cost()).unwrap_or(u32::MAX),
        }
    }
}

impl Scorer for WordsScorer {
    fn score(&mut self) -> Score {
        self.score_at(self.doc)
    }
}

/// Whether a document bounded by `bound` can't reach `threshold`. The bounds are sums of
/// floats in another order than the scores': a little slack keeps rounding from excluding a
/// document that scores exactly the threshold.
#[inline]
fn below(bound: Score, threshold: Score) -> bool {
    bound * 1.000_01 + 1e-6 < threshold
}

/// Ranks the matches of `scorer` in one segment: every match goes to `offer` (which returns
/// the score a match now needs to be kept, `-inf` while any would be) and is counted in
/// `counted`, until `counted` reaches `count_to`; from there on only matches that could be
/// kept are looked at. `matches` says whether a document counts (it is not deleted). Returns
/// whether every match was counted.
pub(crate) fn top_pruned(
    scorer: &mut WordsScorer,
    matches: &mut dyn FnMut(DocId) -> bool,
    offer: &mut dyn FnMut(DocId, Score) -> Score,
    counted: &mut usize,
    count_to: usize,
) -> bool {
    // Every match, counted, until the count is reached.
    let mut threshold = Score::NEG_INFINITY;
    while *counted < count_to {
        let doc = scorer.doc();
        if doc == TERMINATED {
            return true;
        }
        if matches(doc) {
            *counted += 1;
            threshold = offer(doc, scorer.score_at(doc));
        }
        scorer.advance();
    }
    let next = scorer.doc();
    if next == TERMINATED {
        return true;
    }
    prune(scorer, next, threshold, matches, offer);
    false
}

/// [`top_pruned`] past the count: the documents from `next` on that could score `threshold`
/// (as `offer` raises it).
fn prune(
    scorer: &mut WordsScorer,
    mut next: DocId,
    mut threshold: Score,
    matches: &mut dyn FnMut(DocId) -> bool,
    offer: &mut dyn FnMut(DocId, Score) -> Score,
) {
    let required_max: Vec<Score> = scorer.required.iter().map(Cursor::max_score).collect();
    let optional_max: Vec<Score> =
        scorer.optional.iter().map(|o| o.as_ref().map_or(0.0, Cursor::max_score)).collect();
    let all_required: Score = required_max.iter().sum();
    let all_optional: Score = optional_max.iter().sum();
    let lead = scorer.order[0];
    let others_required = all_required - required_max[lead];
    // Optional parts, weakest first: how many of the first are too weak to lead, and what
    // they add together (recomputed when the threshold rises).
    let mut by_strength: Vec<usize> =
        (0..optional_max.len()).filter(|&i| scorer.optional[i].is_some()).collect();
    by_strength.sort_by(|&a, &b| optional_max[a].total_cmp(&optional_max[b]));
    let mut split_for = Score::NAN;
    let mut weak = 0;
    let mut weak_sum: Score = 0.0;

    while next != TERMINATED {
        if below(all_required + all_optional, threshold) {
            return;
        }
        let doc = if !below(all_required, threshold) {
            // The required parts might do without the optional ones: the cheapest leads (or the
            // filter, cheaper still).
            if scorer.filter_leads {
                let doc = scorer.lead_reach(next);
                if doc == TERMINATED {
                    return;
                }
                doc
            } else {
                let term = &mut scorer.required[lead];
                let doc = term.reach(next);
                if doc == TERMINATED {
                    return;
                }
                if below(term.score() + others_required + all_optional, threshold) {
                    next = doc + 1;
                    continue;
                }
                doc
            }
        } else {
            // Only documents with an optional part can make it: the strong ones lead.
            if split_for != threshold {
                split_for = threshold;
                weak = 0;
                weak_sum = 0.0;
                while weak < by_strength.len()
                    && below(all_required + weak_sum + optional_max[by_strength[weak]], threshold)
                {
                    weak_sum += optional_max[by_strength[weak]];
                    weak += 1;
                }
            }
            let mut doc = TERMINATED;
            let mut bound = all_required + weak_sum;
            for &i in &by_strength[weak..] {
                let Some(term) = scorer.optional[i].as_mut() else { continue };
                let at = term.reach(next);
                if at < doc {
                    doc = at;
                    bound = all_required + weak_sum;
                }
                if at == doc {
                    bound += optional_max[i];
                }
            }
            if doc == TERMINATED {
                return;
            }
            if below(bound, threshold) {
                next = doc + 1;
                continue;
            }
            doc
        };
        match scorer.has_all(doc) {
            Ok(()) => {
                if matches(doc) {
                    threshold = offer(doc, scorer.score_at(doc));
                }
                next = doc + 1;
            }
            Err(beyond) => next = beyond,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::{Article, Index, IndexOptions, Query, SearchResults};

    const VOCABULARY: [&str; 6] = ["kyiv", "talks", "envoy", "truce", "gas", "border"];

    /// Articles made of `docs` (title words, body words, tag) as indexes of VOCABULARY, in
    /// `segments` commits, with every third of the first segment deleted.
    fn index(docs: &[(Vec<usize>, Vec<usize>, bool)], segments: usize) -> Index {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        let per = docs.len().div_ceil(segments.max(1)).max(1);
        for (s, chunk) in docs.chunks(per).enumerate() {
            let mut writer = index.writer().unwrap();
            for (i, (title, body, tagged)) in chunk.iter().enumerate() {
                let words = |w: &[usize]| w.iter().map(|&k| VOCABULARY[k]).collect::<Vec<_>>().join(" ");
                let id = format!("d{s}-{i}");
                let mut article = Article::new(id.as_str(), "x.json", words(title).as_str());
                article.body = words(body);
                if *tagged {
                    article.tags = vec!["Ukraine".into()];
                }
                article.date = Some(format!("2025-02-0{}T10:00:00Z", 1 + (s + i) % 5).parse().unwrap());
                writer.add(&article).unwrap();
            }
            if s == 0 {
                for i in (0..chunk.len()).step_by(3) {
                    writer.delete(&format!("d0-{i}").as_str().into()).unwrap();
                }
            }
            writer.commit().unwrap();
        }
        index
    }

    fn page(results: &SearchResults) -> Vec<(String, Option<u32>)> {
        results.hits.iter().map(|h| (h.article.id.to_string(), h.score.map(f32::to_bits))).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Counting only some matches and ranking the rest by their bounds gives the page that
        /// scoring every match gives, at every page size and through cursors, for words and
        /// phrases.
        #[test]
        fn pages_ranked_past_the_count_are_those_of_every_match(
            docs in prop::collection::vec(
                (prop::collection::vec(0..6usize, 0..3), prop::collection::vec(0..6usize, 1..12), any::<bool>()),
                20..120,
            ),
            segments in 1..4usize,
            words in prop::collection::vec(0..6usize, 1..4),
            count_to in 1..30usize,
            limit in 1..8usize,
            filters in 0..4u8,
            quoted in 0..3u8,
        ) {
            let index = index(&docs, segments);
            let mut text = words.iter().map(|&k| VOCABULARY[k]).collect::<Vec<_>>().join(" ");
            // A phrase, or a phrase and a word.
            if quoted == 1 {
                text = format!("\"{text}\"");
            } else if quoted == 2 && words.len() > 2 {
                let (first, rest) = text.split_once(' ').unwrap();
                text = format!("{first} \"{rest}\"");
            }
            let mut query = Query::new(text.as_str()).limit(limit).snippets(false).mode(crate::MatchMode::All);
            // None, a tag, a date range (checked document by document), or both.
            if filters & 1 == 1 {
                query = query.tag("Ukraine");
            }
            if filters & 2 == 2 {
                query = query.since("2025-02-03T00:00:00Z".parse().unwrap());
            }
            let every = index.search(&query.clone().exact_total(true)).unwrap();
            let some = index.search(&query.clone().count_up_to(count_to)).unwrap();
            prop_assert_eq!(page(&some), page(&every));
            prop_assert!(every.total_exact);
            // At least `count_to` when counting stopped there (possibly just before the end).
            prop_assert_eq!(some.total, every.total.min(count_to));
            prop_assert_eq!(some.total_exact, every.total < count_to || (every.total == count_to && some.total_exact));
            // Page after page through cursors, both ways.
            let (mut a, mut b) = (every.next, some.next);
            for _ in 0..3 {
                let (Some(ca), Some(cb)) = (a, b) else {
                    prop_assert_eq!(a.is_some(), b.is_some());
                    break;
                };
                let pa = index.search(&query.clone().exact_total(true).after(ca)).unwrap();
                let pb = index.search(&query.clone().count_up_to(count_to).after(cb)).unwrap();
                prop_assert_eq!(page(&pa), page(&pb));
                (a, b) = (pa.next, pb.next);
            }
        }
    }
}
