//! Running an engine query for one page: ranked (by score, reweighted score, date or views, in
//! either direction), counted and, when asked, faceted in a single pass over the matches.
//!
//! Every order is total: matches that tie on the sort value are ordered by their content hash
//! (unique among an index's articles), so a page ends at a definite [`Position`] and the next
//! page, asked for with a cursor, starts right after it. Documents at or before the cursor are
//! skipped while ranking (they are still counted, and faceted), so a deep page costs what the
//! first one does.

use tantivy::collector::sort_key::{Comparator, NaturalComparator};
use tantivy::collector::{Collector, Count, SegmentSortKeyComputer, SortKeyComputer, TopDocs, TopNComputer};
use tantivy::columnar::Column;
use tantivy::query::Query as EngineQuery;
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader};

use crate::error::Result;
use crate::index::Index;
use crate::index::schema::names;
use crate::query::{Position, Query, Sort};
use crate::search::boost::Reweight;
use crate::search::facets::{FacetCollector, Facets};

/// Hits in order.
pub(crate) type Ranked = Vec<Ranked1>;

/// One hit's place.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranked1 {
    /// Its score, when ordered by relevance.
    pub(crate) score: Option<f32>,
    /// Where it is.
    pub(crate) address: DocAddress,
    /// Where it sits in the order (what a cursor after it holds).
    pub(crate) position: Position,
}

impl Index {
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
        // the same, and a page costs what the index holds at most.
        let alive = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        if query.limit == 0 || query.offset >= alive {
            let (total, facets) = searcher.search(q, &(Count, facets)).map_err(err)?;
            return Ok((total, Vec::new(), facets));
        }
        let top = SegmentSized { offset: query.offset, limit: query.limit.min(alive - query.offset) };
        let ranking = Ranking::new(query.effective_sort(), reweight, query.after.map(|c| c.position()));
        // One pass that ranks, counts and (when asked) counts facets: measured faster here
        // than top-k with pruning followed by a separate count.
        let ranked = top.collector(move |top| top.order_by(ranking));
        let (docs, total, facets) = searcher.search(q, &(ranked, Count, facets)).map_err(err)?;
        let scored = ranking.is_scored();
        let hits = docs
            .into_iter()
            .map(|(position, address)| Ranked1 {
                score: scored.then(|| position.to_score()),
                address,
                position,
            })
            .collect();
        Ok((total, hits, facets))
    }
}

/// A result order, as the engine's top-k computes it: each match's [`Position`], matches at or
/// before `after` left out.
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

impl SortKeyComputer for Ranking {
    type SortKey = Position;
    type Child = SegmentRanking;
    type Comparator = NaturalComparator;

    fn requires_scoring(&self) -> bool {
        self.is_scored()
    }

    fn segment_sort_key_computer(&self, segment: &SegmentReader) -> tantivy::Result<SegmentRanking> {
        let fast = segment.fast_fields();
        let value = match self.by {
            By::Score(reweight) => Value::Score(reweight.map(|r| Box::new(r.for_segment(segment)) as Box<_>)),
            By::Date { ascending } => Value::Date(fast.column_opt(names::DATE)?, ascending),
            By::Views { ascending } => Value::Views(fast.column_opt(names::VIEWS)?, ascending),
        };
        Ok(SegmentRanking { value, tiebreaks: fast.column_opt(names::CONTENT_HASH)?, after: self.after })
    }
}

/// [`Ranking`] in one segment, with its columns open.
pub(crate) struct SegmentRanking {
    value: Value,
    tiebreaks: Option<Column<u64>>,
    after: Option<Position>,
}

/// Where a segment's sort values come from.
enum Value {
    /// The score given, reweighted by the function when there is one.
    Score(Option<Box<dyn Fn(DocId, Score) -> Score>>),
    Date(Option<Column<tantivy::DateTime>>, bool),
    Views(Option<Column<u64>>, bool),
}

impl SegmentRanking {
    /// The document's [`Position::rank`].
    fn rank(&self, doc: DocId, score: Score) -> u128 {
        match &self.value {
            Value::Score(reweight) => {
                let score = reweight.as_ref().map_or(score, |f| f(doc, score));
                Position::score(score, 0).rank()
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

    fn tiebreak(&self, doc: DocId) -> u64 {
        self.tiebreaks.as_ref().and_then(|c| c.first(doc)).unwrap_or(0)
    }
}

impl SegmentSortKeyComputer for SegmentRanking {
    type SortKey = Position;
    type SegmentSortKey = Position;
    type SegmentComparator = NaturalComparator;

    fn segment_sort_key(&mut self, doc: DocId, score: Score) -> Position {
        Position::with_tiebreak(self.rank(doc, score), self.tiebreak(doc))
    }

    /// The tiebreak is read only for a document that could make the page on its sort value: the
    /// common case of a match below the page's current last costs what ranking by the value alone
    /// does.
    #[inline]
    fn compute_sort_key_and_collect<C: Comparator<Position>>(
        &mut self,
        doc: DocId,
        score: Score,
        top: &mut TopNComputer<Position, DocId, C>,
    ) {
        let rank = self.rank(doc, score);
        if self.after.is_some_and(|after| rank > after.rank()) {
            return;
        }
        if top.threshold.as_ref().is_some_and(|threshold| rank < threshold.rank()) {
            return;
        }
        let position = Position::with_tiebreak(rank, self.tiebreak(doc));
        // At or before the cursor: on an earlier page.
        if self.after.is_some_and(|after| position >= after) {
            return;
        }
        top.push(position, doc);
    }

    fn convert_segment_sort_key(&self, position: Position) -> Position {
        position
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
