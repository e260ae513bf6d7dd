//! Running an engine query for one page: ranked (by score, reweighted score, date or views, in
//! either direction), counted and, when asked, faceted in a single pass over the matches.
//!
//! Every order is total: matches that tie on the sort value are ordered by their content hash
//! (unique among an index's articles), so a page ends at a definite [`Position`] and the next
//! page, asked for with a cursor, starts right after it. Documents at or before the cursor are
//! skipped while ranking (they are still counted, and faceted), so a deep page costs what the
//! first one does.
//!
//! The engine's own top-k breaks ties by index order, so the top-k is ours, shaped like the
//! engine's (a buffer of twice the page, cut back by rank, the worst kept barring the rest with
//! one comparison). The hash is read only where it decides something: for matches of equal rank
//! that straddle a cut or a page, and for the page's last hit (the next cursor). Each read is a
//! random access into a column; reading it for every match that entered the buffer cost 6–8 %
//! of a typical query.
//!
//! The engine's block-max pruning (`order_by_score`) never applied here: ranking, counting and
//! faceting share one pass, in which the engine hands every match to every collector. Plain
//! words and phrases ranked by relevance without facets take another path ([`Top::pruned`]):
//! counted up to [`Query::count_up_to`], then ranked by score bounds (see
//! [`words`](crate::search::words)).

use std::sync::{Arc, OnceLock};

use tantivy::collector::{Collector, Count, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::fastfield::FastFieldReaders;
use tantivy::query::{EnableScoring, Query as EngineQuery};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use crate::error::Result;
use crate::index::Index;
use crate::index::schema::names;
use crate::query::{EVERY_WORD, Position, Query, Sort};
use crate::search::boost::Reweight;
use crate::search::facets::{FacetCollector, Facets};
use crate::search::words::{Words, top_pruned};

/// Hits in order.
pub(crate) type Ranked = Vec<Ranked1>;

/// One hit's place.
#[derive(Clone)]
pub(crate) struct Ranked1 {
    /// Its score, when ordered by relevance.
    pub(crate) score: Option<f32>,
    /// Where it is.
    pub(crate) address: DocAddress,
    rank: u128,
    /// The hash, when a tie has made it known.
    tiebreak: Option<u64>,
    tiebreaks: Tiebreaks,
}

impl Ranked1 {
    /// Where the hit sits in the order (what a cursor after it holds). Reads its hash if no
    /// tie has yet.
    pub(crate) fn position(&self) -> tantivy::Result<Position> {
        let tiebreak = match self.tiebreak {
            Some(t) => t,
            None => self.tiebreaks.read(self.address.doc_id)?,
        };
        Ok(Position::with_tiebreak(self.rank, tiebreak))
    }
}

/// Which matches rank ahead of the others, whatever the order: those with every word of a short
/// query, when the page also lists matches of some of its words (see
/// [`MatchMode::Auto`](crate::MatchMode::Auto)).
pub(crate) enum Tier {
    /// No match ranks ahead: the order is the sort's alone.
    None,
    /// Every match has every word (a short query's run that needs them all), so that its
    /// cursors hold the same positions as those of the run that lists both kinds.
    Every,
    /// These documents (the few with every word) rank ahead.
    Of(Vec<DocAddress>),
}

/// What a page is ranked from: the engine query, and the same as plain words that must all
/// match (with its filters) when it is one, which [`Index::collect`] may rank without scoring
/// every match.
pub(crate) struct Matches<'a> {
    pub(crate) query: &'a dyn EngineQuery,
    pub(crate) plain: Option<Plain<'a>>,
}

/// Plain words that must all match, and the filters around them.
pub(crate) struct Plain<'a> {
    pub(crate) words: &'a Words,
    pub(crate) filters: Option<&'a dyn EngineQuery>,
}

impl Index {
    /// The page of `query` from `matches`, with how many match (and whether that count is
    /// exact) and the facets when asked. When the matches are plain words (and filters)
    /// ranked by relevance, without facets or reweighting, the matches past the query's count
    /// ([`Query::count_up_to`]) are only looked at where they could make the page (see
    /// [`top_pruned`]).
    pub(crate) fn collect(
        &self,
        searcher: &Searcher,
        matches: Matches<'_>,
        query: &Query,
        reweight: Option<Reweight>,
        facets: Option<FacetCollector>,
        tier: Tier,
    ) -> Result<((usize, bool), Ranked, Option<Facets>)> {
        let err = |e| self.error(e);
        let Matches { query: q, plain } = matches;
        // A page is cut to the documents that exist: no more can match, so results are the
        // same, and no buffer is sized by more than the index holds.
        let alive = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        if query.limit == 0 || query.offset >= alive {
            let (total, facets) = searcher.search(q, &(Count, facets)).map_err(err)?;
            return Ok(((total, true), Vec::new(), facets));
        }
        let ranking = Ranking::new(query.effective_sort(), reweight, query.after.map(|c| c.position()));
        let prunable = matches!(ranking.by, By::Score(None))
            && facets.is_none()
            && matches!(tier, Tier::None | Tier::Every);
        let top = Top { ranking, offset: query.offset, limit: query.limit.min(alive - query.offset), tier };
        if prunable
            && query.count_up_to < usize::MAX
            && let Some(plain) = plain
        {
            let (total, exact, hits) = top.pruned(searcher, &plain, query.count_up_to).map_err(err)?;
            return Ok(((total, exact), hits, None));
        }
        // One pass that ranks, counts and (when asked) counts facets: measured faster here
        // than top-k with pruning followed by a separate count (so the engine's block-max
        // pruning never applied: a count must see every match anyway).
        let (hits, total, facets) = searcher.search(q, &(top, Count, facets)).map_err(err)?;
        Ok(((total, true), hits, facets))
    }
}

impl Top {
    /// The page of `plain`'s matches, counting them up to `count_to`: segment by segment, each
    /// starting from the worst score the earlier ones kept. Returns how many matches were
    /// counted, whether that is all of them, and the page.
    fn pruned(
        &self,
        searcher: &Searcher,
        plain: &Plain<'_>,
        count_to: usize,
    ) -> tantivy::Result<(usize, bool, Ranked)> {
        let weight = plain.words.scoring_weight(EnableScoring::enabled_from_searcher(searcher))?;
        let filters = match plain.filters {
            Some(f) => Some(f.weight(EnableScoring::disabled_from_searcher(searcher))?),
            None => None,
        };
        let (mut counted, mut exact) = (0, true);
        let mut floor: u128 = 0;
        let mut fruits = Vec::with_capacity(searcher.segment_readers().len());
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut segment = self.for_segment(ord as SegmentOrdinal, reader)?;
            // A document of another segment below the worst of an earlier segment's best can't
            // make the page either.
            segment.floor = segment.floor.max(floor);
            let filter = match &filters {
                Some(f) => Some(f.scorer(reader, 1.0)?),
                None => None,
            };
            if let Some(mut scorer) = weight.words_scorer(reader, 1.0, filter)? {
                let deleted = reader.alive_bitset();
                let mut passes = |doc: DocId| deleted.is_none_or(|d| d.is_alive(doc));
                let mut offer = |doc: DocId, score: Score| {
                    segment.collect(doc, score);
                    segment.threshold()
                };
                exact &= top_pruned(&mut scorer, &mut passes, &mut offer, &mut counted, count_to);
            }
            let fruit = segment.harvest();
            if fruit.entries.len() >= self.offset.saturating_add(self.limit) {
                floor = floor.max(fruit.entries.iter().map(|e| e.rank).min().unwrap_or(0));
            }
            fruits.push(fruit);
        }
        Ok((counted, exact, self.merge_fruits(fruits)?))
    }
}

/// Orders each run of equal rank in `hits` (best first by rank) by hash, reading the hashes.
fn order_ties(hits: &mut [Ranked1]) -> tantivy::Result<()> {
    for run in hits.chunk_by_mut(|a, b| a.rank == b.rank).filter(|run| run.len() > 1) {
        for hit in run.iter_mut() {
            if hit.tiebreak.is_none() {
                hit.tiebreak = Some(hit.tiebreaks.read(hit.address.doc_id)?);
            }
        }
        run.sort_unstable_by(|a, b| b.tiebreak.cmp(&a.tiebreak).then(a.address.cmp(&b.address)));
    }
    Ok(())
}

/// A result order: how each match ranks, and the cursor the page starts after.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranking {
    by: By,
    after: Option<Position>,
}

#[derive(Debug, Clone, Copy)]
enum By {
    /// The text score, times the recency and popularity multipliers when there are any.
    Score(Option<Reweight>),
    Date {
        ascending: bool,
    },
    Views {
        ascending: bool,
    },
}

impl Ranking {
    pub(crate) fn new(sort: Sort, reweight: Option<Reweight>, after: Option<Position>) -> Ranking {
        let ascending = sort.is_ascending();
        let by = match sort {
            Sort::Date | Sort::DateAsc => By::Date { ascending },
            Sort::Views | Sort::ViewsAsc => By::Views { ascending },
            // `Sort` may grow: an order this build does not know ranks by relevance.
            _ => By::Score(reweight),
        };
        Ranking { by, after }
    }

    /// Whether positions are scores.
    fn is_scored(&self) -> bool {
        matches!(self.by, By::Score(_))
    }
}

/// The top-k of a page: the `offset + limit` best matches of each segment, merged, then the
/// page cut out of them.
struct Top {
    ranking: Ranking,
    offset: usize,
    limit: usize,
    tier: Tier,
}

impl Collector for Top {
    type Fruit = Ranked;
    type Child = TopSegment;

    fn for_segment(
        &self,
        segment_ord: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<TopSegment> {
        let fast = segment.fast_fields();
        let value = match self.ranking.by {
            By::Score(reweight) => Value::Score(reweight.map(|r| Box::new(r.for_segment(segment)) as Box<_>)),
            By::Date { ascending } => Value::Date(fast.column_opt(names::DATE)?, ascending),
            By::Views { ascending } => Value::Views(fast.column_opt(names::VIEWS)?, ascending),
        };
        // Each segment's best `offset + limit` are enough, and it has no more than its alive
        // documents to give.
        let alive = usize::try_from(segment.num_docs()).unwrap_or(usize::MAX);
        let size = self.offset.saturating_add(self.limit).min(alive).max(1);
        let tier = match &self.tier {
            Tier::None => SegmentTier::None,
            Tier::Every => SegmentTier::Every,
            Tier::Of(every) => {
                let mut docs: Vec<DocId> =
                    every.iter().filter(|a| a.segment_ord == segment_ord).map(|a| a.doc_id).collect();
                docs.sort_unstable();
                SegmentTier::Of { docs, next: 0 }
            }
        };
        Ok(TopSegment {
            value,
            tier,
            after: self.ranking.after,
            tiebreaks: Tiebreaks::of(segment),
            // Grown as matches come for a large page (a small segment may have few).
            buffer: Vec::with_capacity((2 * size).min(128)),
            size,
            floor: 0,
            segment_ord,
        })
    }

    fn requires_scoring(&self) -> bool {
        self.ranking.is_scored()
    }

    fn merge_fruits(&self, segments: Vec<SegmentTop>) -> tantivy::Result<Ranked> {
        let scored = self.ranking.is_scored();
        let mut all: Vec<Ranked1> = Vec::with_capacity(segments.iter().map(|s| s.entries.len()).sum());
        for segment in segments {
            all.extend(segment.entries.into_iter().map(|e| Ranked1 {
                score: scored.then(|| Position::with_tiebreak(e.rank, 0).to_score()),
                address: DocAddress { segment_ord: segment.segment_ord, doc_id: e.doc },
                rank: e.rank,
                tiebreak: None,
                tiebreaks: segment.tiebreaks.clone(),
            }));
        }
        all.sort_unstable_by_key(|hit| std::cmp::Reverse(hit.rank));
        // Matches of equal rank (from any segment) are ordered by their hashes.
        order_ties(&mut all)?;
        Ok(all.into_iter().skip(self.offset).take(self.limit).collect())
    }
}

/// What one segment kept, best first or not.
pub(crate) struct SegmentTop {
    entries: Vec<Entry>,
    tiebreaks: Tiebreaks,
    segment_ord: SegmentOrdinal,
}

/// One segment's content hashes, read only where a tie or a cursor needs one (each read is a
/// random access into a column), the column opened on the first read.
#[derive(Clone)]
struct Tiebreaks(Arc<(FastFieldReaders, OnceLock<Opened>)>);

/// The hash column once opened: absent in a segment without hashes, or why it can't be read.
type Opened = std::result::Result<Option<Column<u64>>, String>;

impl Tiebreaks {
    fn of(segment: &SegmentReader) -> Tiebreaks {
        Tiebreaks(Arc::new((segment.fast_fields().clone(), OnceLock::new())))
    }

    fn column(&self) -> &Opened {
        let (fast, column) = &*self.0;
        column.get_or_init(|| fast.column_opt(names::CONTENT_HASH).map_err(|e| e.to_string()))
    }

    /// `doc`'s hash (0 for a document without one).
    fn read(&self, doc: DocId) -> tantivy::Result<u64> {
        match self.column() {
            Ok(column) => Ok(column.as_ref().and_then(|c| c.first(doc)).unwrap_or(0)),
            Err(problem) => {
                Err(tantivy::TantivyError::DataCorruption(tantivy::error::DataCorruption::comment_only(
                    format!("the content hashes can't be read: {problem}"),
                )))
            }
        }
    }

    /// `doc`'s hash while ranking, where there is no way to fail: a column that can't be read
    /// reads 0 here, and fails [`Tiebreaks::read`] when the page's positions are read.
    fn get(&self, doc: DocId) -> u64 {
        self.read(doc).unwrap_or(0)
    }
}

/// Where a segment's sort values come from.
enum Value {
    /// The score given, reweighted by the function when there is one.
    Score(Option<Box<dyn Fn(DocId, Score) -> Score>>),
    Date(Option<Column<tantivy::DateTime>>, bool),
    Views(Option<Column<u64>>, bool),
}

impl Value {
    /// The rank of a document scored `score`.
    #[inline(never)]
    fn rank(&self, doc: DocId, score: Score) -> u128 {
        match self {
            Value::Score(reweight) => {
                Position::score_rank(reweight.as_ref().map_or(score, |f| f(doc, score)))
            }
            Value::Date(dates, ascending) => {
                let seconds = dates.as_ref().and_then(|c| c.first(doc)).map(|d| d.into_timestamp_secs());
                Position::date(seconds, *ascending, 0).rank()
            }
            Value::Views(views, ascending) => {
                Position::views(views.as_ref().and_then(|c| c.first(doc)), *ascending, 0).rank()
            }
        }
    }
}

/// One segment's top-k, kept as the engine's own top-k keeps it: matches are appended to a
/// buffer of twice the page, which is cut back to the best `size` when full; the rank of the
/// worst kept then bars the matches that can't make the page, at the cost of one comparison.
pub(crate) struct TopSegment {
    value: Value,
    tier: SegmentTier,
    after: Option<Position>,
    tiebreaks: Tiebreaks,
    buffer: Vec<Entry>,
    size: usize,
    /// The rank a match needs to be kept: the worst kept's once the buffer was first cut.
    floor: u128,
    segment_ord: SegmentOrdinal,
}

/// [`Tier`] in one segment.
enum SegmentTier {
    None,
    Every,
    /// The segment's documents with every word, in order, and the first not yet passed
    /// (matches come in increasing document order).
    Of {
        docs: Vec<DocId>,
        next: usize,
    },
}

impl SegmentTier {
    /// [`EVERY_WORD`] if `doc` ranks ahead, else 0. Called with increasing `doc`.
    #[inline(always)]
    fn bit(&mut self, doc: DocId) -> u128 {
        match self {
            SegmentTier::None => 0,
            SegmentTier::Every => EVERY_WORD,
            SegmentTier::Of { docs, next } => {
                while docs.get(*next).is_some_and(|&d| d < doc) {
                    *next += 1;
                }
                if docs.get(*next) == Some(&doc) { EVERY_WORD } else { 0 }
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Entry {
    rank: u128,
    doc: DocId,
}

impl TopSegment {
    /// The document's [`Position::rank`]: the score's inline, the columns' out of line, so
    /// that the per-match path of a relevance order stays a few instructions long.
    #[inline(always)]
    fn rank(&self, doc: DocId, score: Score) -> u128 {
        match &self.value {
            Value::Score(None) => Position::score_rank(score),
            other => other.rank(doc, score),
        }
    }

    /// The score a match needs to be kept from now on (`-inf` while any would be).
    fn threshold(&self) -> Score {
        if self.floor == 0 { Score::NEG_INFINITY } else { Position::with_tiebreak(self.floor, 0).to_score() }
    }

    /// Keeps the match if it is after the cursor, cutting the buffer back when it is full.
    #[inline(never)]
    fn offer(&mut self, doc: DocId, rank: u128) {
        if let Some(after) = self.after {
            // At or before the cursor: on an earlier page.
            if rank > after.rank() || (rank == after.rank() && self.tiebreaks.get(doc) >= after.tiebreak()) {
                return;
            }
        }
        self.buffer.push(Entry { rank, doc });
        if self.buffer.len() >= 2 * self.size {
            self.cut();
            self.floor = self.buffer[self.size - 1].rank;
        }
    }

    /// Keeps the best `size` entries (not in order). Entries are chosen by rank; hashes are
    /// read only when entries of the same rank straddle the cut, and only theirs.
    fn cut(&mut self) {
        let size = self.size;
        if self.buffer.len() <= size {
            return;
        }
        self.buffer.select_nth_unstable_by(size - 1, |a, b| b.rank.cmp(&a.rank));
        let boundary = self.buffer[size - 1].rank;
        if self.buffer[size..].iter().all(|e| e.rank < boundary) {
            self.buffer.truncate(size);
            return;
        }
        // Better than the boundary first, then its ties, best hash first; then the rest.
        let better = partition(&mut self.buffer, |e| e.rank > boundary);
        let tied = better + partition(&mut self.buffer[better..], |e| e.rank == boundary);
        let tiebreaks = &self.tiebreaks;
        self.buffer[better..tied]
            .sort_by_cached_key(|e| std::cmp::Reverse((tiebreaks.get(e.doc), std::cmp::Reverse(e.doc))));
        self.buffer.truncate(size);
    }
}

/// Moves the entries for which `first` holds to the front; how many there are.
fn partition(entries: &mut [Entry], first: impl Fn(&Entry) -> bool) -> usize {
    let mut at = 0;
    for i in 0..entries.len() {
        if first(&entries[i]) {
            entries.swap(at, i);
            at += 1;
        }
    }
    at
}

impl SegmentCollector for TopSegment {
    type Fruit = SegmentTop;

    /// Most matches can't make the page: they cost a comparison with the worst kept, here,
    /// and only the others go on to [`TopSegment::offer`].
    #[inline(always)]
    fn collect(&mut self, doc: DocId, score: Score) {
        let rank = self.rank(doc, score) | self.tier.bit(doc);
        if rank >= self.floor {
            self.offer(doc, rank);
        }
    }

    fn harvest(mut self) -> SegmentTop {
        self.cut();
        SegmentTop { entries: self.buffer, tiebreaks: self.tiebreaks, segment_ord: self.segment_ord }
    }
}

#[cfg(test)]
mod tests {
    use crate::index::schema::content_hash;
    use crate::{Article, Index, IndexOptions, Query, Sort};

    /// 60 articles in three segments (one with deletions), with few distinct dates and view
    /// counts, so most of them tie.
    fn tied() -> (Index, Vec<Article>) {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        let mut kept = Vec::new();
        for batch in 0..3 {
            let mut writer = index.writer().unwrap();
            for i in 0..20 {
                let n = batch * 20 + i;
                let mut a = Article::new(format!("a{n}"), format!("a{n}.txt"), "Talks");
                a.body = "talks resume".into();
                a.date = (n % 5 != 0).then(|| format!("2025-02-0{}T10:00:00Z", n % 3 + 1).parse().unwrap());
                a.views = (n % 4 != 0).then_some((n % 2) as u64);
                writer.add(&a).unwrap();
                kept.push(a);
            }
            if batch == 1 {
                assert!(writer.delete(&"a3".into()).unwrap());
                assert!(writer.delete(&"a25".into()).unwrap());
            }
            writer.commit().unwrap();
        }
        kept.retain(|a| a.id.as_str() != "a3" && a.id.as_str() != "a25");
        (index, kept)
    }

    #[test]
    fn ties_are_ordered_by_content_hash_across_segments_at_every_page_size() {
        let (index, articles) = tied();
        for sort in [Sort::Date, Sort::DateAsc, Sort::Views, Sort::ViewsAsc, Sort::Relevance] {
            let ascending = sort.is_ascending();
            let mut expected: Vec<&Article> = articles.iter().collect();
            let key = |a: &Article| match sort {
                Sort::Date | Sort::DateAsc => {
                    crate::query::Position::date(a.date.map(|d| d.timestamp()), ascending, content_hash(a))
                }
                Sort::Views | Sort::ViewsAsc => {
                    crate::query::Position::views(a.views, ascending, content_hash(a))
                }
                // Every article scores the same.
                _ => crate::query::Position::score(1.0, content_hash(a)),
            };
            expected.sort_by_key(|a| std::cmp::Reverse(key(a)));
            let expected: Vec<&str> = expected.iter().map(|a| a.id.as_str()).collect();
            let query = Query::new("talks").sort(sort).snippets(false);
            for (offset, limit) in [(0, 100), (0, 1), (0, 7), (5, 3), (13, 30), (57, 5)] {
                let hits = index.search(&query.clone().offset(offset).limit(limit)).unwrap().hits;
                let got: Vec<&str> = hits.iter().map(|h| h.article.id.as_str()).collect();
                let end = (offset + limit).min(expected.len());
                assert_eq!(got, expected[offset.min(end)..end], "{sort} offset {offset} limit {limit}");
            }
        }
    }
}
