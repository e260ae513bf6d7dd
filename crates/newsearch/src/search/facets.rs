//! Facet counts over every match of a query: the most frequent tags and sections, and how
//! many matches fall on each day, month or year.
//!
//! Counting reads the fast-field columns of each matching document (tag and section
//! ordinals, the date), so it costs one pass over the matches with no stored document read.
//! Tags and sections are counted by their normalized form (case and spacing ignored, as the
//! filters match them) and shown in their most common spelling.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{Datelike, Months, NaiveDate};
use rustc_hash::FxHashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::article::Tag;
use crate::index::schema::names;

/// Counts over every match of a query (see [`Query::facets`](crate::Query::facets)).
///
/// ```
/// use newsearch::{Article, Granularity, Index, IndexOptions, Query, Tag};
///
/// # fn main() -> Result<(), newsearch::Error> {
/// let index = Index::in_memory(&IndexOptions::new())?;
/// let mut writer = index.writer()?;
/// for (id, day, tags) in [("a", "2025-02-20", ["Ukraine", "US"]), ("b", "2025-02-22", ["ukraine", "EU"])] {
///     let mut a = Article::new(id, id, "Envoy visits Kyiv");
///     a.date = Some(format!("{day}T10:00:00Z").parse().unwrap());
///     a.tags = tags.iter().map(|t| Tag::new(t)).collect();
///     writer.add(&a)?;
/// }
/// writer.commit()?;
///
/// let results = index.search(&Query::new("kyiv").limit(1).facets(true))?;
/// let facets = results.facets.expect("asked for");
/// assert_eq!((facets.tags[0].value.as_str(), facets.tags[0].count), ("Ukraine", 2));
/// assert_eq!(facets.timeline.granularity, Granularity::Day);
/// let per_day: Vec<usize> = facets.timeline.buckets.iter().map(|b| b.count).collect();
/// assert_eq!(per_day, [1, 0, 1]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Facets {
    /// The most frequent tags among the matches, most frequent first (ties by name).
    pub tags: Vec<FacetCount>,
    /// The most frequent sections among the matches, most frequent first (ties by name).
    pub sections: Vec<FacetCount>,
    /// Matches per period, oldest first.
    pub timeline: Timeline,
}

/// How many matches carry one value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FacetCount {
    /// The value, in its most common spelling among the matches.
    pub value: String,
    /// Matches carrying it.
    pub count: usize,
}

/// Matches per day, month or year.
///
/// Serializes as `{"granularity", "buckets": [{"period", "start", "count"}…], "undated"}`,
/// each bucket with its period's [label](Granularity::label) and its first day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timeline {
    /// The length of each bucket: chosen so the dated matches span a readable number of
    /// buckets (days up to 45 days, months up to four years, years beyond: at most about
    /// 50 lines of chart).
    pub granularity: Granularity,
    /// Every period from the oldest to the newest dated match, empty ones included.
    pub buckets: Vec<Bucket>,
    /// Matches without a date (not in any bucket).
    pub undated: usize,
}

/// One period of a [`Timeline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// The first day of the period (UTC).
    pub start: NaiveDate,
    /// Matches dated in it.
    pub count: usize,
}

/// The length of a [`Timeline`]'s buckets; serialized as its name (`"day"`, `"month"`, `"year"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Granularity {
    /// One bucket per day.
    Day,
    /// One bucket per calendar month.
    #[default]
    Month,
    /// One bucket per calendar year.
    Year,
}

impl Granularity {
    /// The period holding `day`, by its first day.
    pub fn start_of(self, day: NaiveDate) -> NaiveDate {
        match self {
            Granularity::Day => day,
            Granularity::Month => day.with_day(1).unwrap_or(day),
            Granularity::Year => day.with_ordinal(1).unwrap_or(day),
        }
    }

    /// The period after the one starting at `start`.
    fn next(self, start: NaiveDate) -> Option<NaiveDate> {
        match self {
            Granularity::Day => start.succ_opt(),
            Granularity::Month => start.checked_add_months(Months::new(1)),
            Granularity::Year => start.checked_add_months(Months::new(12)),
        }
    }

    /// How a period starting at `start` is written: `2025-02-21`, `2025-02` or `2025`.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Granularity::Day => start.format("%Y-%m-%d").to_string(),
            Granularity::Month => start.format("%Y-%m").to_string(),
            Granularity::Year => start.format("%Y").to_string(),
        }
    }

    /// The granularity for dated matches from `first` to `last`.
    fn for_span(first: NaiveDate, last: NaiveDate) -> Granularity {
        let days = (last - first).num_days();
        if days <= 45 {
            Granularity::Day
        } else if days <= 4 * 366 {
            Granularity::Month
        } else {
            Granularity::Year
        }
    }
}

/// A bucket needs its timeline's granularity to name its period, so a timeline serializes its
/// buckets itself.
impl serde::Serialize for Timeline {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Labelled {
            period: String,
            start: NaiveDate,
            count: usize,
        }
        #[derive(serde::Serialize)]
        struct Shape {
            granularity: Granularity,
            buckets: Vec<Labelled>,
            undated: usize,
        }
        let buckets = self.buckets.iter();
        Shape {
            granularity: self.granularity,
            buckets: buckets
                .map(|b| Labelled { period: self.granularity.label(b.start), start: b.start, count: b.count })
                .collect(),
            undated: self.undated,
        }
        .serialize(s)
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Granularity::Day => "day",
            Granularity::Month => "month",
            Granularity::Year => "year",
        })
    }
}

/// Counts tags, sections and days over the documents it is given.
pub(crate) struct FacetCollector {
    pub(crate) size: usize,
    pub(crate) cache: Arc<FacetCache>,
}

/// Each segment's facet data, kept until the segment goes away (segments never change).
///
/// The first searches that facet a segment count straight from its columns, which costs in
/// proportion to the matches (what a one-shot `newsearch query --facets` process wants).
/// From the [`WARM_AFTER`]th on, the segment's columns are read once into plain arrays
/// (document → tag, section and day numbers, every value spelled and grouped), so that
/// counting then does no dictionary lookup and no column decoding per match (what a
/// long-lived index serving many faceted searches wants).
#[derive(Default)]
pub(crate) struct FacetCache {
    segments: Mutex<HashMap<SegmentId, SegmentEntry>>,
}

/// What the cache keeps for one segment.
#[derive(Default)]
struct SegmentEntry {
    /// Faceted searches so far.
    uses: u32,
    arrays: Option<Arc<SegmentFacets>>,
    /// Zeroed count buffers by field, reused by later searches: allocating and clearing them
    /// per search cost more than the counting for most queries.
    spare: HashMap<&'static str, Vec<Vec<u32>>>,
}

/// Faceted searches of a segment after which its arrays are built.
const WARM_AFTER: u32 = 3;

impl FacetCache {
    /// Forgets segments that are gone (merged or deleted).
    pub(crate) fn retain(&self, live: &[SegmentId]) {
        if let Ok(mut map) = self.segments.lock() {
            map.retain(|id, _| live.contains(id));
        }
    }

    /// The segment's arrays, once it has been faceted often enough to be worth them.
    fn arrays(&self, segment: &SegmentReader) -> tantivy::Result<Option<Arc<SegmentFacets>>> {
        let id = segment.segment_id();
        let uses = match self.segments.lock() {
            Ok(mut map) => {
                let entry = map.entry(id).or_default();
                if let Some(arrays) = &entry.arrays {
                    return Ok(Some(arrays.clone()));
                }
                entry.uses += 1;
                entry.uses
            }
            Err(_) => 0,
        };
        if uses < WARM_AFTER {
            return Ok(None);
        }
        // Built outside the lock: other searches go on meanwhile (and may build it too).
        let arrays = Arc::new(SegmentFacets::read(segment)?);
        if let Ok(mut map) = self.segments.lock() {
            map.entry(id).or_default().arrays = Some(arrays.clone());
        }
        Ok(Some(arrays))
    }

    /// A zeroed buffer of `len` counts for this segment and field.
    fn buffer(&self, segment: SegmentId, field: &'static str, len: usize) -> Vec<u32> {
        let spare =
            self.segments.lock().ok().and_then(|mut m| m.get_mut(&segment)?.spare.get_mut(field)?.pop());
        match spare {
            Some(buffer) if buffer.len() == len => buffer,
            _ => vec![0; len],
        }
    }

    /// Takes back a buffer the caller has zeroed again.
    fn give_back(&self, segment: SegmentId, field: &'static str, buffer: Vec<u32>) {
        if let Ok(mut map) = self.segments.lock() {
            let spares = map.entry(segment).or_default().spare.entry(field).or_default();
            // One per thread searching at once is plenty.
            if spares.len() < 4 {
                spares.push(buffer);
            }
        }
    }
}

/// One segment's facet data.
struct SegmentFacets {
    tags: Option<Arc<Keyword>>,
    sections: Option<Arc<Keyword>>,
    /// Each document's day, as an index into `days`; `u32::MAX` when undated.
    day_of: Vec<u32>,
    /// The distinct days (numbers since 1970-01-01), ascending.
    days: Vec<i64>,
}

/// A keyword column (tag, section) as plain arrays: document → value ordinals.
struct Keyword {
    values: Arc<Values>,
    /// Document `d`'s ordinals are `ords[offsets[d]..offsets[d + 1]]`.
    offsets: Vec<u32>,
    ords: Vec<u32>,
}

const UNDATED: u32 = u32::MAX;

impl SegmentFacets {
    fn read(segment: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let fast = segment.fast_fields();
        let max_doc = segment.max_doc();
        let keyword = |name: &str| -> tantivy::Result<Option<Arc<Keyword>>> {
            let Some(column) = fast.str(name)? else { return Ok(None) };
            let values = Arc::new(Values::read(&column)?);
            let mut offsets = Vec::with_capacity(max_doc as usize + 1);
            let mut ords = Vec::new();
            offsets.push(0);
            for doc in 0..max_doc {
                ords.extend(column.term_ords(doc).map(|o| o as u32));
                offsets.push(ords.len() as u32);
            }
            Ok(Some(Arc::new(Keyword { values, offsets, ords })))
        };
        let (mut day_of, mut days) = (Vec::new(), Vec::new());
        if let Some(column) = fast.column_opt::<tantivy::DateTime>(names::DATE)? {
            let per_doc: Vec<Option<i64>> = (0..max_doc).map(|d| column.first(d).map(day_number)).collect();
            days = per_doc.iter().flatten().copied().collect();
            days.sort_unstable();
            days.dedup();
            day_of = per_doc
                .iter()
                .map(|d| d.and_then(|d| days.binary_search(&d).ok()).map_or(UNDATED, |i| i as u32))
                .collect();
        }
        Ok(SegmentFacets { tags: keyword(names::TAG)?, sections: keyword(names::SECTION)?, day_of, days })
    }
}

/// One segment's values of a keyword column: by ordinal, the spelling and the group of
/// spellings that normalize alike.
struct Values {
    spelling: Vec<Arc<str>>,
    group_of: Vec<u32>,
    /// Each group's normalized form.
    groups: Vec<Arc<str>>,
    /// Spellings per group (almost always 1).
    group_size: Vec<u32>,
}

impl Values {
    fn read(column: &StrColumn) -> std::io::Result<Values> {
        let mut values =
            Values { spelling: Vec::new(), group_of: Vec::new(), groups: Vec::new(), group_size: Vec::new() };
        let mut group_ids: HashMap<String, u32> = HashMap::new();
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            let spelling = String::from_utf8_lossy(stream.key());
            values.push(&spelling, &mut group_ids);
        }
        Ok(values)
    }

    fn push(&mut self, spelling: &str, group_ids: &mut HashMap<String, u32>) {
        let normalized = Tag::normalize(spelling);
        let next = self.groups.len() as u32;
        let group = *group_ids.entry(normalized.clone()).or_insert_with(|| {
            self.groups.push(normalized.into());
            self.group_size.push(0);
            next
        });
        self.group_size[group as usize] += 1;
        self.spelling.push(spelling.into());
        self.group_of.push(group);
    }
}

/// What one segment counted.
#[derive(Default)]
pub(crate) struct RawCounts {
    tags: Option<KeywordFruit>,
    sections: Option<KeywordFruit>,
    /// (day number, matches), ascending.
    days: Vec<(i64, usize)>,
    undated: usize,
}

/// Counting one keyword field in one segment: counts by ordinal, and the ordinals counted
/// so far (so the harvest and the reset visit only those).
struct KeywordCounts {
    counts: Vec<u32>,
    touched: Vec<u32>,
}

impl KeywordCounts {
    fn add(&mut self, ords: &[u32]) {
        for &ord in ords {
            if let Some(c) = self.counts.get_mut(ord as usize) {
                if *c == 0 {
                    self.touched.push(ord);
                }
                *c += 1;
            }
        }
    }

    /// Counts per group of spellings, each with its most common spelling; leaves `counts`
    /// zeroed again.
    fn harvest(&mut self, values: &Arc<Values>) -> KeywordFruit {
        let mut entries = Vec::with_capacity(self.touched.len());
        // Groups with several spellings, by group: their entry's place in `entries`.
        let mut shared: HashMap<u32, usize> = HashMap::new();
        for &ord in &self.touched {
            let count = std::mem::take(&mut self.counts[ord as usize]) as usize;
            let group = values.group_of[ord as usize];
            let entry = Entry { group, total: count, best: ord, best_count: count };
            if values.group_size[group as usize] == 1 {
                entries.push(entry);
                continue;
            }
            match shared.get(&group) {
                None => {
                    shared.insert(group, entries.len());
                    entries.push(entry);
                }
                Some(&i) => {
                    let e = &mut entries[i];
                    e.total += count;
                    let better = count > e.best_count
                        || (count == e.best_count
                            && values.spelling[ord as usize] < values.spelling[e.best as usize]);
                    if better {
                        (e.best, e.best_count) = (ord, count);
                    }
                }
            }
        }
        self.touched.clear();
        KeywordFruit { values: values.clone(), entries }
    }
}

/// A group of spellings counted in one segment (indexes into the segment's [`Values`]).
struct Entry {
    group: u32,
    total: usize,
    best: u32,
    best_count: usize,
}

/// One keyword field's counts in one segment.
pub(crate) struct KeywordFruit {
    values: Arc<Values>,
    entries: Vec<Entry>,
}

impl KeywordFruit {
    fn values(&self) -> &Values {
        &self.values
    }
}

/// Counts for one segment, from its arrays or straight from its columns.
pub(crate) enum FacetSegmentCollector {
    Arrays(ArraysCollector),
    Columns(Box<ColumnsCollector>),
}

pub(crate) struct ArraysCollector {
    data: Arc<SegmentFacets>,
    tags: KeywordCounts,
    sections: KeywordCounts,
    days: Vec<u32>,
    undated: u32,
    cache: Arc<FacetCache>,
    segment: SegmentId,
    /// Matches not counted yet (fewer than [`BATCH`]).
    batch: Vec<DocId>,
}

fn day_number(date: tantivy::DateTime) -> i64 {
    date.into_timestamp_secs().div_euclid(86_400)
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegmentCollector;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let id = segment.segment_id();
        let Some(data) = self.cache.arrays(segment)? else {
            return Ok(FacetSegmentCollector::Columns(Box::new(ColumnsCollector::new(segment)?)));
        };
        let counts = |k: Option<&Arc<Keyword>>, field| KeywordCounts {
            counts: self.cache.buffer(id, field, k.map_or(0, |k| k.values.spelling.len())),
            touched: Vec::new(),
        };
        Ok(FacetSegmentCollector::Arrays(ArraysCollector {
            tags: counts(data.tags.as_ref(), names::TAG),
            sections: counts(data.sections.as_ref(), names::SECTION),
            days: self.cache.buffer(id, names::DATE, data.days.len()),
            undated: 0,
            data,
            cache: self.cache.clone(),
            segment: id,
            batch: Vec::with_capacity(BATCH),
        }))
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<tantivy::Result<RawCounts>>) -> tantivy::Result<Facets> {
        // A segment whose value dictionary could not be read fails the count: a facet never
        // vanishes silently.
        let mut segments = segments.into_iter().collect::<tantivy::Result<Vec<RawCounts>>>()?;
        let mut days: Vec<(i64, usize)> = Vec::new();
        let mut undated = 0;
        let several = segments.len() > 1;
        for s in &mut segments {
            days.append(&mut s.days);
            undated += s.undated;
        }
        if several {
            days.sort_unstable_by_key(|(day, _)| *day);
        }
        let (tags, sections): (Vec<_>, Vec<_>) = segments.into_iter().map(|s| (s.tags, s.sections)).unzip();
        let (tags, sections): (Vec<_>, Vec<_>) =
            (tags.into_iter().flatten().collect(), sections.into_iter().flatten().collect());
        Ok(Facets {
            tags: top_values(tags, self.size),
            sections: top_values(sections, self.size),
            timeline: timeline(&days, undated),
        })
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = tantivy::Result<RawCounts>;

    fn collect(&mut self, doc: DocId, _: Score) {
        match self {
            FacetSegmentCollector::Arrays(c) => c.collect(doc),
            FacetSegmentCollector::Columns(c) => c.collect(doc),
        }
    }

    fn harvest(self) -> tantivy::Result<RawCounts> {
        match self {
            FacetSegmentCollector::Arrays(c) => Ok(c.harvest()),
            FacetSegmentCollector::Columns(c) => (*c).harvest(),
        }
    }
}

/// Matches counted together by [`ArraysCollector`]. Counting one match reads its place in
/// each array, and on a large segment each read misses the processor's caches; the next match
/// comes only after the query has found it, so those misses were waited for one by one.
/// Reading a batch's places first, then their values, lets the processor wait for many at once.
const BATCH: usize = 64;

impl ArraysCollector {
    #[inline]
    fn collect(&mut self, doc: DocId) {
        self.batch.push(doc);
        if self.batch.len() == BATCH {
            self.count_batch();
        }
    }

    fn count_batch(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        let data = &*self.data;
        for (keyword, counts) in [(&data.tags, &mut self.tags), (&data.sections, &mut self.sections)] {
            let Some(keyword) = keyword else { continue };
            // The places of every match first (independent reads), then their values.
            let mut spans = [(0u32, 0u32); BATCH];
            for (span, &d) in spans.iter_mut().zip(&batch) {
                let d = d as usize;
                if let (Some(&from), Some(&to)) = (keyword.offsets.get(d), keyword.offsets.get(d + 1)) {
                    *span = (from, to);
                }
            }
            for &(from, to) in &spans[..batch.len()] {
                if let Some(ords) = keyword.ords.get(from as usize..to as usize) {
                    counts.add(ords);
                }
            }
        }
        for &d in &batch {
            match data.day_of.get(d as usize).copied().unwrap_or(UNDATED) {
                UNDATED => self.undated += 1,
                i => {
                    if let Some(c) = self.days.get_mut(i as usize) {
                        *c += 1;
                    }
                }
            }
        }
        self.batch = batch;
        self.batch.clear();
    }

    fn harvest(mut self) -> RawCounts {
        self.count_batch();
        let mut out = RawCounts { undated: self.undated as usize, ..RawCounts::default() };
        out.tags = self.data.tags.as_ref().map(|k| self.tags.harvest(&k.values));
        out.sections = self.data.sections.as_ref().map(|k| self.sections.harvest(&k.values));
        for (i, count) in self.days.iter_mut().enumerate() {
            if *count > 0 {
                out.days.push((self.data.days[i], std::mem::take(count) as usize));
            }
        }
        for (field, buffer) in
            [(names::TAG, self.tags.counts), (names::SECTION, self.sections.counts), (names::DATE, self.days)]
        {
            if !buffer.is_empty() {
                self.cache.give_back(self.segment, field, buffer);
            }
        }
        out
    }
}

/// Counting straight from a segment's columns: the cost follows the matches, and only the
/// values that occur among them are spelled out.
pub(crate) struct ColumnsCollector {
    tags: Option<(StrColumn, FxHashMap<u64, u32>)>,
    sections: Option<(StrColumn, FxHashMap<u64, u32>)>,
    dates: Option<Column<tantivy::DateTime>>,
    days: FxHashMap<i64, u32>,
    undated: u32,
}

impl ColumnsCollector {
    fn new(segment: &SegmentReader) -> tantivy::Result<ColumnsCollector> {
        let fast = segment.fast_fields();
        let keyword =
            |name: &str| -> tantivy::Result<_> { Ok(fast.str(name)?.map(|c| (c, FxHashMap::default()))) };
        Ok(ColumnsCollector {
            tags: keyword(names::TAG)?,
            sections: keyword(names::SECTION)?,
            dates: fast.column_opt::<tantivy::DateTime>(names::DATE)?,
            days: FxHashMap::default(),
            undated: 0,
        })
    }

    fn collect(&mut self, doc: DocId) {
        for (column, counts) in [&mut self.tags, &mut self.sections].into_iter().flatten() {
            for ord in column.term_ords(doc) {
                *counts.entry(ord).or_default() += 1;
            }
        }
        match self.dates.as_ref().and_then(|c| c.first(doc)) {
            Some(date) => *self.days.entry(day_number(date)).or_default() += 1,
            None => self.undated += 1,
        }
    }

    fn harvest(self) -> tantivy::Result<RawCounts> {
        let spell =
            |source: Option<(StrColumn, FxHashMap<u64, u32>)>| -> tantivy::Result<Option<KeywordFruit>> {
                let Some((column, counts)) = source else { return Ok(None) };
                let mut ords: Vec<(u64, u32)> = counts.into_iter().collect();
                ords.sort_unstable();
                let sorted: Vec<u64> = ords.iter().map(|(o, _)| *o).collect();
                let mut values = Values {
                    spelling: Vec::new(),
                    group_of: Vec::new(),
                    groups: Vec::new(),
                    group_size: Vec::new(),
                };
                let mut group_ids = HashMap::new();
                let mut spellings: Vec<String> = Vec::with_capacity(sorted.len());
                // One pass over the dictionary blocks holding these values.
                column.dictionary().sorted_ords_to_term_cb(&sorted, |bytes| {
                    spellings.push(String::from_utf8_lossy(bytes).into_owned())
                })?;
                if spellings.len() != ords.len() {
                    return Err(tantivy::TantivyError::DataCorruption(
                        tantivy::error::DataCorruption::comment_only(format!(
                            "a value dictionary spells {} of {} values",
                            spellings.len(),
                            ords.len()
                        )),
                    ));
                }
                let counted = ords.len();
                for spelling in &spellings[..counted] {
                    values.push(spelling, &mut group_ids);
                }
                let mut counts = KeywordCounts {
                    counts: ords[..counted].iter().map(|(_, n)| *n).collect(),
                    touched: (0..counted as u32).collect(),
                };
                Ok(Some(counts.harvest(&Arc::new(values))))
            };
        let mut days: Vec<(i64, usize)> = self.days.into_iter().map(|(d, n)| (d, n as usize)).collect();
        days.sort_unstable();
        Ok(RawCounts {
            tags: spell(self.tags)?,
            sections: spell(self.sections)?,
            days,
            undated: self.undated as usize,
        })
    }
}

/// The `size` most frequent values over all segments, in their most common spelling (ties:
/// alphabetical).
fn top_values(mut segments: Vec<KeywordFruit>, size: usize) -> Vec<FacetCount> {
    if segments.len() == 1 {
        // One segment (the usual case after a bulk run's merge): choose, then spell.
        let fruit = segments.remove(0);
        let values = fruit.values();
        let mut entries = fruit.entries.iter().collect::<Vec<_>>();
        let spelling = |e: &&Entry| &values.spelling[e.best as usize];
        let order = |a: &&Entry, b: &&Entry| b.total.cmp(&a.total).then_with(|| spelling(a).cmp(spelling(b)));
        select_top(&mut entries, size, order);
        return entries
            .iter()
            .map(|e| FacetCount { value: spelling(e).to_string(), count: e.total })
            .collect();
    }
    // By normalized form: the total, and the matches per spelling. Borrowed strings and one
    // spelling held inline (a second one is rare): with a hash map of owned spellings per
    // value, merging the counts of three segments cost more than counting them.
    #[derive(Default)]
    struct Merged<'a> {
        total: usize,
        first: (&'a str, usize),
        others: Option<FxHashMap<&'a str, usize>>,
    }
    let mut merged: FxHashMap<&str, Merged<'_>> = FxHashMap::default();
    for fruit in &segments {
        let values = fruit.values();
        for e in &fruit.entries {
            let spelling: &str = &values.spelling[e.best as usize];
            let entry = merged.entry(&values.groups[e.group as usize]).or_default();
            entry.total += e.total;
            if entry.first.0 == spelling || entry.first.1 == 0 {
                entry.first = (spelling, entry.first.1 + e.best_count);
            } else {
                *entry.others.get_or_insert_with(FxHashMap::default).entry(spelling).or_default() +=
                    e.best_count;
            }
        }
    }
    let mut counted: Vec<(usize, &str)> = merged
        .into_iter()
        .map(|(normalized, m)| {
            let value = match m.others {
                None => m.first.0,
                Some(others) => most_common(others.into_iter().chain([m.first])).unwrap_or(normalized),
            };
            (m.total, value)
        })
        .collect();
    select_top(&mut counted, size, |a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    counted.into_iter().map(|(count, value)| FacetCount { value: value.to_owned(), count }).collect()
}

/// The spelling most articles use, from (spelling, articles) pairs; ties go to the first
/// alphabetically. Shared by facets and index statistics.
pub(crate) fn most_common<S: Ord, N: Ord>(spellings: impl IntoIterator<Item = (S, N)>) -> Option<S> {
    spellings.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0))).map(|(s, _)| s)
}

/// Keeps the first `size` of `items` in `order`, sorted.
fn select_top<T>(items: &mut Vec<T>, size: usize, order: impl Fn(&T, &T) -> std::cmp::Ordering) {
    if items.len() > size && size > 0 {
        items.select_nth_unstable_by(size - 1, &order);
    }
    items.truncate(size);
    items.sort_by(order);
}

/// Buckets from matches per day (`(day number, matches)`, ascending; a day may repeat).
fn timeline(days: &[(i64, usize)], undated: usize) -> Timeline {
    // Day 0 is 1970-01-01, day 719,163 of the common era.
    let to_date = |day: i64| i32::try_from(day + 719_163).ok().and_then(NaiveDate::from_num_days_from_ce_opt);
    let dated = || days.iter().filter_map(|&(d, n)| Some((to_date(d)?, n)));
    let (Some((first, _)), Some((last, _))) = (dated().next(), dated().next_back()) else {
        return Timeline { granularity: Granularity::Month, buckets: Vec::new(), undated };
    };
    let granularity = Granularity::for_span(first, last);
    let mut buckets: Vec<Bucket> = vec![Bucket { start: granularity.start_of(first), count: 0 }];
    for (day, n) in dated() {
        let start = granularity.start_of(day);
        while buckets.last().is_some_and(|b| b.start < start) {
            let Some(next) = buckets.last().and_then(|b| granularity.next(b.start)) else { break };
            buckets.push(Bucket { start: next, count: 0 });
        }
        if let Some(b) = buckets.last_mut() {
            b.count += n;
        }
    }
    Timeline { granularity, buckets, undated }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        s.parse::<NaiveDate>()
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp()
            .div_euclid(86_400)
    }

    #[test]
    fn granularity_follows_the_span() {
        let days = [(day("2025-02-01"), 2), (day("2025-02-03"), 1)];
        // (45 days or less: per day)
        let t = timeline(&days, 4);
        assert_eq!(t.granularity, Granularity::Day);
        assert_eq!(t.buckets.iter().map(|b| b.count).collect::<Vec<_>>(), [2, 0, 1]);
        assert_eq!(t.undated, 4);

        let days = [(day("2024-10-30"), 1), (day("2025-02-03"), 5), (day("2025-02-28"), 1)];
        let t = timeline(&days, 0);
        assert_eq!(t.granularity, Granularity::Month);
        let labels: Vec<String> = t.buckets.iter().map(|b| t.granularity.label(b.start)).collect();
        assert_eq!(labels, ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]);
        assert_eq!(t.buckets.iter().map(|b| b.count).collect::<Vec<_>>(), [1, 0, 0, 0, 6]);

        let days = [(day("1987-03-01"), 1), (day("2013-01-01"), 1)];
        let t = timeline(&days, 0);
        assert_eq!(t.granularity, Granularity::Year);
        assert_eq!(t.buckets.len(), 2013 - 1987 + 1);
    }

    #[test]
    fn values_merge_spellings_across_segments_and_rank_by_count() {
        // A segment's dictionary (sorted, as the engine keeps it) and counts per ordinal.
        let fruit = |spellings: &[&str], counts: &[u32]| {
            let mut values = Values {
                spelling: Vec::new(),
                group_of: Vec::new(),
                groups: Vec::new(),
                group_size: Vec::new(),
            };
            let mut ids = HashMap::new();
            for s in spellings {
                values.push(s, &mut ids);
            }
            let values = Arc::new(values);
            let touched = (0..counts.len() as u32).filter(|&o| counts[o as usize] > 0).collect();
            let mut k = KeywordCounts { counts: counts.to_vec(), touched };
            let fruit = k.harvest(&values);
            assert!(k.counts.iter().all(|&c| c == 0) && k.touched.is_empty(), "left zeroed for reuse");
            fruit
        };
        let one = || fruit(&["Asia", "Economy", "Ukraine", "ukraine"], &[1, 2, 3, 1]);
        let two = fruit(&["asia", "ukraine"], &[1, 2]);
        let top = top_values(vec![one(), two], 2);
        assert_eq!(
            top,
            [FacetCount { value: "Ukraine".into(), count: 6 }, FacetCount { value: "Asia".into(), count: 2 }]
        );
        let single = top_values(vec![one()], 5);
        let got: Vec<(&str, usize)> = single.iter().map(|f| (f.value.as_str(), f.count)).collect();
        assert_eq!(got, [("Ukraine", 4), ("Economy", 2), ("Asia", 1)]);
    }
}
