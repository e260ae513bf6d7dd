//! Facet counts over every match of a query: the most frequent tags and sections, and how
//! many matches fall on each day, month or year.
//!
//! Counting reads the fast-field columns of each matching document (tag and section
//! ordinals, the date), so it costs one pass over the matches with no stored document read.
//! Tags and sections are counted by their normalized form (case and spacing ignored, as the
//! filters match them) and shown in their most common spelling.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Datelike, Months, NaiveDate};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::article::Tag;
use crate::schema::names;

/// Counts over every match of a query (see [`Query::facets`](crate::Query::facets)).
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
}

/// Raw counts, by exact stored value and by day number since 1970-01-01.
#[derive(Default)]
pub(crate) struct RawCounts {
    tags: HashMap<String, usize>,
    sections: HashMap<String, usize>,
    days: HashMap<i64, usize>,
    undated: usize,
}

/// Days spanned by a segment's dates beyond which they are counted in a map, not a vector.
const DENSE_DAYS: i64 = 1 << 20;

pub(crate) struct FacetSegmentCollector {
    tags: Option<(StrColumn, Vec<u32>)>,
    sections: Option<(StrColumn, Vec<u32>)>,
    dates: Option<Column<tantivy::DateTime>>,
    /// Day number of `days[0]`.
    first_day: i64,
    days: Vec<u32>,
    other_days: HashMap<i64, u32>,
    undated: u32,
}

fn day_number(date: tantivy::DateTime) -> i64 {
    date.into_timestamp_secs().div_euclid(86_400)
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegmentCollector;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<Self::Child> {
        let fast = segment.fast_fields();
        let keyword = |name: &str| -> tantivy::Result<Option<(StrColumn, Vec<u32>)>> {
            Ok(fast.str(name)?.map(|column| {
                let terms = column.num_terms();
                (column, vec![0; terms])
            }))
        };
        let dates = fast.column_opt::<tantivy::DateTime>(names::DATE)?;
        let (first_day, days) = match &dates {
            Some(column) if column.num_docs() > 0 => {
                let (lo, hi) = (day_number(column.min_value()), day_number(column.max_value()));
                if hi >= lo && hi - lo < DENSE_DAYS {
                    (lo, vec![0; (hi - lo + 1) as usize])
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
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<RawCounts>) -> tantivy::Result<Facets> {
        let mut all = RawCounts::default();
        for s in segments {
            for (k, v) in s.tags {
                *all.tags.entry(k).or_default() += v;
            }
            for (k, v) in s.sections {
                *all.sections.entry(k).or_default() += v;
            }
            for (k, v) in s.days {
                *all.days.entry(k).or_default() += v;
            }
            all.undated += s.undated;
        }
        Ok(Facets {
            tags: top_values(all.tags, self.size),
            sections: top_values(all.sections, self.size),
            timeline: timeline(&all.days, all.undated),
        })
    }
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = RawCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (column, counts) in [&mut self.tags, &mut self.sections].into_iter().flatten() {
            for ord in column.term_ords(doc) {
                if let Some(c) = counts.get_mut(ord as usize) {
                    *c += 1;
                }
            }
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

    fn harvest(self) -> RawCounts {
        let mut out = RawCounts { undated: self.undated as usize, ..RawCounts::default() };
        let mut text = String::new();
        for (source, target) in [(self.tags, &mut out.tags), (self.sections, &mut out.sections)] {
            let Some((column, counts)) = source else { continue };
            for (ord, &count) in counts.iter().enumerate() {
                if count > 0 && matches!(column.ord_to_str(ord as u64, &mut text), Ok(true)) {
                    *target.entry(text.clone()).or_default() += count as usize;
                }
            }
        }
        for (i, &count) in self.days.iter().enumerate() {
            if count > 0 {
                out.days.insert(self.first_day + i as i64, count as usize);
            }
        }
        for (day, count) in self.other_days {
            *out.days.entry(day).or_default() += count as usize;
        }
        out
    }
}

/// Counts per normalized value, shown in the spelling most matches use; the `size` largest.
fn top_values(counts: HashMap<String, usize>, size: usize) -> Vec<FacetCount> {
    // normalized → (total, best spelling, its count)
    let mut merged: HashMap<String, (usize, String, usize)> = HashMap::new();
    for (spelling, count) in counts {
        let entry = merged.entry(Tag::normalize(&spelling)).or_insert((0, String::new(), 0));
        entry.0 += count;
        if count > entry.2 || (count == entry.2 && spelling < entry.1) {
            entry.1 = spelling;
            entry.2 = count;
        }
    }
    let mut values: Vec<FacetCount> =
        merged.into_values().map(|(count, value, _)| FacetCount { value, count }).collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    values.truncate(size);
    values
}

fn timeline(days: &HashMap<i64, usize>, undated: usize) -> Timeline {
    let to_date = |day: i64| DateTime::from_timestamp(day.saturating_mul(86_400), 0).map(|d| d.date_naive());
    let dated: Vec<(NaiveDate, usize)> = days.iter().filter_map(|(&d, &n)| Some((to_date(d)?, n))).collect();
    let (Some(first), Some(last)) =
        (dated.iter().map(|(d, _)| *d).min(), dated.iter().map(|(d, _)| *d).max())
    else {
        return Timeline { granularity: Granularity::Month, buckets: Vec::new(), undated };
    };
    let granularity = Granularity::for_span(first, last);
    let mut per_period: HashMap<NaiveDate, usize> = HashMap::new();
    for (day, n) in dated {
        *per_period.entry(granularity.start_of(day)).or_default() += n;
    }
    let mut buckets = Vec::new();
    let mut start = Some(granularity.start_of(first));
    while let Some(s) = start.filter(|s| *s <= last) {
        buckets.push(Bucket { start: s, count: per_period.get(&s).copied().unwrap_or(0) });
        start = granularity.next(s);
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
        let days: HashMap<i64, usize> = [(day("2025-02-01"), 2), (day("2025-02-03"), 1)].into();
        // (45 days or less: per day)
        let t = timeline(&days, 4);
        assert_eq!(t.granularity, Granularity::Day);
        assert_eq!(t.buckets.iter().map(|b| b.count).collect::<Vec<_>>(), [2, 0, 1]);
        assert_eq!(t.undated, 4);

        let days: HashMap<i64, usize> =
            [(day("2024-10-30"), 1), (day("2025-02-03"), 5), (day("2025-02-28"), 1)].into();
        let t = timeline(&days, 0);
        assert_eq!(t.granularity, Granularity::Month);
        let labels: Vec<String> = t.buckets.iter().map(|b| t.granularity.label(b.start)).collect();
        assert_eq!(labels, ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02"]);
        assert_eq!(t.buckets.iter().map(|b| b.count).collect::<Vec<_>>(), [1, 0, 0, 0, 6]);

        let days: HashMap<i64, usize> = [(day("1987-03-01"), 1), (day("2013-01-01"), 1)].into();
        let t = timeline(&days, 0);
        assert_eq!(t.granularity, Granularity::Year);
        assert_eq!(t.buckets.len(), 2013 - 1987 + 1);
    }

    #[test]
    fn values_merge_spellings_and_rank_by_count() {
        let counts: HashMap<String, usize> =
            [("Ukraine".into(), 3), ("ukraine".into(), 1), ("Economy".into(), 2), ("Asia".into(), 2)].into();
        let top = top_values(counts, 2);
        assert_eq!(
            top,
            [FacetCount { value: "Ukraine".into(), count: 4 }, FacetCount { value: "Asia".into(), count: 2 }]
        );
    }
}
