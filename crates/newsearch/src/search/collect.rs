//! Running an engine query for one page: ranked (by score, reweighted score, date or views),
//! counted and, when asked, faceted in a single pass over the matches.

use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::Query as EngineQuery;
use tantivy::{DocAddress, Order, Searcher, SegmentReader};

use crate::error::Result;
use crate::index::Index;
use crate::index::schema::names;
use crate::query::{Query, Sort};
use crate::search::boost::Reweight;
use crate::search::facets::{FacetCollector, Facets};

/// Hits in order, with their score when ordered by relevance.
pub(crate) type Ranked = Vec<Ranked1>;

/// One hit's place: its score when ordered by relevance, and where it is.
pub(crate) type Ranked1 = (Option<f32>, DocAddress);

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
