//! Recency and popularity: multipliers applied to a relevance score.
//!
//! * recency `1 + 0.5^(age / half_life)`: age is how long before the reference instant (the
//!   newest article's date, or the query's `as_of`) an article is dated, never negative. The
//!   newest articles get ×2, one half-life older ×1.5, two ×1.25; undated articles ×1.
//! * popularity `1 + ln(1 + views) / ln(1 + max_views)`, `max_views` being the most views any
//!   article in the index has: from ×1 (no views, or no count) to ×2 (the most viewed).
//!
//! Both stay within [1, 2], so neither can bury a much better text match: they reorder
//! matches of similar relevance.

use tantivy::columnar::Column;
use tantivy::{DocId, Searcher, SegmentReader};

use crate::index::schema::names;
use crate::query::Query;

/// The multipliers one search applies, resolved against the index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reweight {
    /// (reference instant in seconds, half-life in seconds)
    recency: Option<(i64, f64)>,
    /// Most views of any article.
    popularity: Option<u64>,
}

impl Reweight {
    /// What `query` asks for, or `None` when scores stay plain BM25.
    pub(crate) fn resolve(searcher: &Searcher, query: &Query) -> Option<Reweight> {
        if !query.reweighted() {
            return None;
        }
        let recency = query.recent.map(|half_life| {
            let newest = || {
                searcher
                    .segment_readers()
                    .iter()
                    .filter_map(|s| date_column(s).filter(|c| c.num_docs() > 0).map(|c| c.max_value()))
                    .map(|d| d.into_timestamp_secs())
                    .max()
            };
            let reference = query.as_of.map(|d| d.timestamp()).or_else(newest).unwrap_or(0);
            (reference, half_life.num_seconds().max(1) as f64)
        });
        let popularity = query.popular.then(|| {
            searcher
                .segment_readers()
                .iter()
                .filter_map(|s| views_column(s).filter(|c| c.num_docs() > 0).map(|c| c.max_value()))
                .max()
                .unwrap_or(0)
        });
        Some(Reweight { recency, popularity })
    }

    /// The recency multiplier for an article dated `date` (seconds), if recency applies.
    pub(crate) fn recency(&self, date: Option<i64>) -> Option<f32> {
        let (reference, half_life) = self.recency?;
        Some(match date {
            Some(date) => {
                let age = reference.saturating_sub(date).max(0) as f64;
                (1.0 + 0.5f64.powf(age / half_life)) as f32
            }
            None => 1.0,
        })
    }

    /// The popularity multiplier for an article with `views`, if popularity applies.
    pub(crate) fn popularity(&self, views: Option<u64>) -> Option<f32> {
        let max = self.popularity?;
        Some(match views {
            Some(v) if max > 0 => (1.0 + (v as f64).ln_1p() / (max as f64).ln_1p()).min(2.0) as f32,
            _ => 1.0,
        })
    }

    /// Both multipliers applied together.
    pub(crate) fn factor(&self, date: Option<i64>, views: Option<u64>) -> f32 {
        self.recency(date).unwrap_or(1.0) * self.popularity(views).unwrap_or(1.0)
    }

    /// A per-segment function from (doc, text score) to the reweighted score.
    pub(crate) fn for_segment(self, segment: &SegmentReader) -> impl Fn(DocId, f32) -> f32 + use<> {
        let dates = self.recency.and(date_column(segment));
        let views = self.popularity.and(views_column(segment));
        move |doc, score| {
            let date = dates.as_ref().and_then(|c| c.first(doc)).map(|d| d.into_timestamp_secs());
            let views = views.as_ref().and_then(|c| c.first(doc));
            score * self.factor(date, views)
        }
    }
}

fn date_column(segment: &SegmentReader) -> Option<Column<tantivy::DateTime>> {
    segment.fast_fields().column_opt(names::DATE).ok().flatten()
}

fn views_column(segment: &SegmentReader) -> Option<Column<u64>> {
    segment.fast_fields().column_opt(names::VIEWS).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_halves_its_extra_weight_every_half_life() {
        let day = 86_400;
        let r = Reweight { recency: Some((100 * day, (30 * day) as f64)), popularity: None };
        let at = |d: i64| r.recency(Some(d * day)).unwrap();
        assert!((at(100) - 2.0).abs() < 1e-6);
        assert!((at(70) - 1.5).abs() < 1e-6);
        assert!((at(40) - 1.25).abs() < 1e-6);
        assert!((at(130) - 2.0).abs() < 1e-6, "articles after the reference count as new");
        assert_eq!(r.recency(None), Some(1.0));
        assert_eq!(r.popularity(Some(5)), None);
    }

    #[test]
    fn popularity_is_logarithmic_between_one_and_two() {
        let r = Reweight { recency: None, popularity: Some(1_000_000) };
        assert_eq!(r.popularity(None), Some(1.0));
        assert_eq!(r.popularity(Some(0)), Some(1.0));
        assert!((r.popularity(Some(1_000_000)).unwrap() - 2.0).abs() < 1e-6);
        let thousand = r.popularity(Some(1000)).unwrap();
        assert!((thousand - 1.5).abs() < 0.01, "{thousand}");
        assert!((r.factor(None, Some(1_000_000)) - 2.0).abs() < 1e-6);
    }
}
