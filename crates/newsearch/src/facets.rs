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
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::article::Tag;
use crate::schema::names;

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
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facets {
    /// The most frequent tags among the matches, most frequent first (ties by name).
    pub tags: Vec<FacetCount>,
    /// The most frequent sections among the matches, most frequent first (ties by name).
    pub sections: Vec<FacetCount>,
    /// Matches per period, oldest first.
    pub timeline: Timeline,
}

/// How many matches carry one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    /// The value, in its most common spelling among the matches.
    pub value: String,
    /// Matches carrying it.
    pub count: usize,
}

/// Matches per day, month or year.
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

/// The length of a [`Timeline`]'s buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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
    pub(crate) cache: Arc<ValueCache>,
}

/// Each segment's tag and section values, resolved once: facet counting then never reads
/// the term dictionary per query (thousands of lookups for a broad query).
#[derive(Default)]
pub(crate) struct ValueCache {
    segments: Mutex<HashMap<ColumnKey, Arc<Values>>>,
    /// Zeroed count buffers by segment and column, reused by later queries: allocating and
    /// clearing them per query cost more than counting for most queries.
    spare: Mutex<HashMap<ColumnKey, Vec<Vec<u32>>>>,
}

/// A segment's column, by field name.
type ColumnKey = (SegmentId, &'static str);

impl ValueCache {
    /// Forgets segments that are gone (merged or deleted).
    pub(crate) fn retain(&self, live: &[SegmentId]) {
        if let Ok(mut map) = self.segments.lock() {
            map.retain(|(id, _), _| live.contains(id));
        }
        if let Ok(mut map) = self.spare.lock() {
            map.retain(|(id, _), _| live.contains(id));
        }
    }

    /// A zeroed buffer of `len` counts for this segment and column.
    fn buffer(&self, segment: SegmentId, column: &'static str, len: usize) -> Vec<u32> {
        let spare = self.spare.lock().ok().and_then(|mut m| m.get_mut(&(segment, column))?.pop());
        match spare {
            Some(buffer) if buffer.len() == len => buffer,
            _ => vec![0; len],
        }
    }

    /// Takes back a buffer the caller has zeroed again.
    fn give_back(&self, segment: SegmentId, column: &'static str, buffer: Vec<u32>) {
        if let Ok(mut map) = self.spare.lock() {
            let spares = map.entry((segment, column)).or_default();
            // One per thread searching at once is plenty.
            if spares.len() < 4 {
                spares.push(buffer);
            }
        }
    }

    fn get(
        &self,
        segment: SegmentId,
        field: &'static str,
        column: &StrColumn,
    ) -> std::io::Result<Arc<Values>> {
        if let Some(values) = self.segments.lock().ok().and_then(|m| m.get(&(segment, field)).cloned()) {
            return Ok(values);
        }
        let values = Arc::new(Values::read(column)?);
        if let Ok(mut map) = self.segments.lock() {
            map.insert((segment, field), values.clone());
        }
        Ok(values)
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
            let normalized = Tag::normalize(&spelling);
            let next = values.groups.len() as u32;
            let group = *group_ids.entry(normalized.clone()).or_insert_with(|| {
                values.groups.push(normalized.into());
                values.group_size.push(0);
                next
            });
            values.group_size[group as usize] += 1;
            values.spelling.push(spelling.into());
            values.group_of.push(group);
        }
        Ok(values)
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

/// Days spanned by a segment's dates beyond which they are counted in a map, not a vector.
const DENSE_DAYS: i64 = 1 << 20;

/// One keyword column being counted: counts by ordinal, and the ordinals counted so far.
pub(crate) struct KeywordCounts {
    column: StrColumn,
    values: Arc<Values>,
    counts: Vec<u32>,
    touched: Vec<u32>,
    /// Where `counts` goes back after the harvest, if anywhere.
    home: Option<(Arc<ValueCache>, SegmentId, &'static str)>,
}

impl KeywordCounts {
    fn add(&mut self, doc: DocId) {
        for ord in self.column.term_ords(doc) {
            if let Some(c) = self.counts.get_mut(ord as usize) {
                if *c == 0 {
                    self.touched.push(ord as u32);
                }
                *c += 1;
            }
        }
    }

    /// Counts per group of spellings, with each group's most common spelling.
    fn harvest(mut self) -> KeywordFruit {
        let values = self.values;
        let mut entries = Vec::with_capacity(self.touched.len());
        // Groups with several spellings, by group: their entry's place in `entries`.
        let mut shared: HashMap<u32, usize> = HashMap::new();
        for &ord in &self.touched {
            let count = self.counts[ord as usize] as usize;
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
        for &ord in &self.touched {
            self.counts[ord as usize] = 0;
        }
        if let Some((cache, segment, column)) = self.home {
            cache.give_back(segment, column, self.counts);
        }
        KeywordFruit { values, entries }
    }
}

/// A group of spellings counted in one segment (indexes into the segment's [`Values`]).
struct Entry {
    group: u32,
    total: usize,
    best: u32,
    best_count: usize,
}

/// One keyword column's counts in one segment.
pub(crate) struct KeywordFruit {
    values: Arc<Values>,
    entries: Vec<Entry>,
}

pub(crate) struct FacetSegmentCollector {
    tags: Option<KeywordCounts>,
    sections: Option<KeywordCounts>,
    dates: Option<Column<tantivy::DateTime>>,
    /// Day number of `days[0]`.
    first_day: i64,
    days: Vec<u32>,
    other_days: HashMap<i64, u32>,
    undated: u32,
    cache: Arc<ValueCache>,
    segment: SegmentId,
}

fn day_number(date: tantivy::DateTime) -> i64 {
    date.into_timestamp_secs().div_euclid(86_400)
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegmentCollector;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let fast = segment.fast_fields();
        let id = segment.segment_id();
        let keyword = |name: &'static str| -> tantivy::Result<Option<KeywordCounts>> {
            let Some(column) = fast.str(name)? else { return Ok(None) };
            let values = self.cache.get(id, name, &column)?;
            let counts = self.cache.buffer(id, name, values.spelling.len());
            let home = Some((self.cache.clone(), id, name));
            Ok(Some(KeywordCounts { column, values, counts, touched: Vec::new(), home }))
        };
        let dates = fast.column_opt::<tantivy::DateTime>(names::DATE)?;
        let (first_day, days) = match &dates {
            Some(column) if column.num_docs() > 0 => {
                let (lo, hi) = (day_number(column.min_value()), day_number(column.max_value()));
                if hi >= lo && hi - lo < DENSE_DAYS {
                    (lo, self.cache.buffer(id, names::DATE, (hi - lo + 1) as usize))
                } else {
                    (0, Vec::new())
                }
            }
            _ => (0, Vec::new()),
        };
        Ok(FacetSegmentCollector {
            tags: keyword(names::TAG)?,
            sections: keyword(names::SECTION)?,
            dates,
            first_day,
            days,
            other_days: HashMap::new(),
            undated: 0,
            cache: self.cache.clone(),
            segment: id,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, mut segments: Vec<RawCounts>) -> tantivy::Result<Facets> {
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
    type Fruit = RawCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for keyword in [&mut self.tags, &mut self.sections].into_iter().flatten() {
            keyword.add(doc);
        }
        match self.dates.as_ref().and_then(|c| c.first(doc)) {
            Some(date) => {
                let day = day_number(date);
                match usize::try_from(day - self.first_day).ok().and_then(|i| self.days.get_mut(i)) {
                    Some(c) => *c += 1,
                    None => *self.other_days.entry(day).or_default() += 1,
                }
            }
            None => self.undated += 1,
        }
    }

    fn harvest(mut self) -> RawCounts {
        let mut out = RawCounts { undated: self.undated as usize, ..RawCounts::default() };
        out.tags = self.tags.map(KeywordCounts::harvest);
        out.sections = self.sections.map(KeywordCounts::harvest);
        for (i, count) in self.days.iter_mut().enumerate() {
            if *count > 0 {
                out.days.push((self.first_day + i as i64, *count as usize));
                *count = 0;
            }
        }
        if !self.days.is_empty() {
            self.cache.give_back(self.segment, names::DATE, self.days);
        }
        if !self.other_days.is_empty() {
            out.days.extend(self.other_days.into_iter().map(|(d, n)| (d, n as usize)));
            out.days.sort_unstable_by_key(|(day, _)| *day);
        }
        out
    }
}

/// The `size` most frequent values over all segments, in their most common spelling (ties:
/// alphabetical).
fn top_values(mut segments: Vec<KeywordFruit>, size: usize) -> Vec<FacetCount> {
    if segments.len() == 1 {
        // One segment (the usual case after a bulk run's merge): choose, then spell.
        let KeywordFruit { values, mut entries } = segments.remove(0);
        let spelling = |e: &Entry| &values.spelling[e.best as usize];
        let order = |a: &Entry, b: &Entry| b.total.cmp(&a.total).then_with(|| spelling(a).cmp(spelling(b)));
        select_top(&mut entries, size, order);
        return entries
            .iter()
            .map(|e| FacetCount { value: spelling(e).to_string(), count: e.total })
            .collect();
    }
    // normalized → (total, count per spelling)
    type Spellings = HashMap<Arc<str>, usize>;
    let mut merged: HashMap<Arc<str>, (usize, Spellings)> = HashMap::new();
    for KeywordFruit { values, entries } in segments {
        for e in entries {
            let entry = merged.entry(values.groups[e.group as usize].clone()).or_default();
            entry.0 += e.total;
            *entry.1.entry(values.spelling[e.best as usize].clone()).or_default() += e.best_count;
        }
    }
    let mut counted: Vec<FacetCount> = merged
        .into_iter()
        .map(|(normalized, (count, spellings))| {
            let best = spellings.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)));
            FacetCount { value: best.map_or_else(|| normalized.to_string(), |(s, _)| s.to_string()), count }
        })
        .collect();
    select_top(&mut counted, size, |a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    counted
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
        // Two segments' dictionaries (sorted, as the engine keeps them).
        let values = |spellings: &[&str]| {
            let mut v = Values {
                spelling: Vec::new(),
                group_of: Vec::new(),
                groups: Vec::new(),
                group_size: Vec::new(),
            };
            let mut ids: HashMap<String, u32> = HashMap::new();
            for s in spellings {
                let n = Tag::normalize(s);
                let next = v.groups.len() as u32;
                let g = *ids.entry(n.clone()).or_insert_with(|| {
                    v.groups.push(n.into());
                    v.group_size.push(0);
                    next
                });
                v.group_size[g as usize] += 1;
                v.spelling.push((*s).into());
                v.group_of.push(g);
            }
            Arc::new(v)
        };
        let counts = |values: Arc<Values>, counts: &[u32]| {
            let touched = (0..counts.len() as u32).filter(|&o| counts[o as usize] > 0).collect();
            KeywordCounts {
                column: StrColumn::wrap(tantivy::columnar::BytesColumn::empty(0)),
                values,
                counts: counts.to_vec(),
                touched,
                home: None,
            }
            .harvest()
        };
        let one = counts(values(&["Asia", "Economy", "Ukraine", "ukraine"]), &[1, 2, 3, 1]);
        let two = counts(values(&["asia", "ukraine"]), &[1, 2]);
        let top = top_values(vec![one, two], 2);
        assert_eq!(
            top,
            [FacetCount { value: "Ukraine".into(), count: 6 }, FacetCount { value: "Asia".into(), count: 2 }]
        );
        let single =
            top_values(vec![counts(values(&["Asia", "Economy", "Ukraine", "ukraine"]), &[1, 2, 3, 1])], 5);
        let got: Vec<(&str, usize)> = single.iter().map(|f| (f.value.as_str(), f.count)).collect();
        assert_eq!(got, [("Ukraine", 4), ("Economy", 2), ("Asia", 1)]);
    }
}
