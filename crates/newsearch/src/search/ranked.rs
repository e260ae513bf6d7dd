//! A page of hits as front ends list them: each hit with its rank, and the page's last hit
//! with the cursor of the next page. One definition, so `newsearch query --json` and an HTTP
//! API print hits in the same shape.

use crate::query::Cursor;
use crate::search::{Hit, SearchResults};

/// A [`Hit`] with its place in the results, from [`SearchResults::ranked`].
///
/// Serializes as the hit's own object (see [`Hit`]) with `rank` first and, on the last hit of
/// a page that has more after it, `next`: the cursor of the next page, as
/// [`SearchResults::next`] holds it. A reader that takes each object as a hit keeps working.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RankedHit<'a> {
    /// 1-based position among all matches, or among those after the query's cursor.
    pub rank: usize,
    /// The hit.
    #[serde(flatten)]
    pub hit: &'a Hit,
    /// The cursor of the next page, on the page's last hit only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<&'a Cursor>,
}

impl SearchResults {
    /// The page's hits with their ranks, for a page that skipped `offset` hits
    /// ([`Query::offset`](crate::Query::offset)): the first hit ranks `offset + 1`. After a
    /// cursor, ranks count from the cursor.
    ///
    /// ```
    /// use newsearch::{Article, Index, IndexOptions, Query};
    ///
    /// # fn main() -> Result<(), newsearch::Error> {
    /// let index = Index::in_memory(&IndexOptions::new())?;
    /// let mut writer = index.writer()?;
    /// for id in ["a", "b", "c"] {
    ///     writer.add(&Article::new(id, id, "Ceasefire talks"))?;
    /// }
    /// writer.commit()?;
    /// let page = index.search(&Query::new("ceasefire").offset(1).limit(1))?;
    /// let ranked: Vec<_> = page.ranked(1).collect();
    /// assert_eq!(ranked[0].rank, 2);
    /// assert_eq!(ranked[0].next, page.next.as_ref());
    /// # Ok(())
    /// # }
    /// ```
    pub fn ranked(&self, offset: usize) -> impl ExactSizeIterator<Item = RankedHit<'_>> + '_ {
        let last = self.hits.len().saturating_sub(1);
        self.hits.iter().enumerate().map(move |(i, hit)| RankedHit {
            rank: offset.saturating_add(i + 1),
            hit,
            next: self.next.as_ref().filter(|_| i == last),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{Article, Index, IndexOptions, Query};

    #[test]
    fn a_ranked_hit_is_the_hit_with_its_rank_and_the_last_carries_the_cursor() {
        let index = Index::in_memory(&IndexOptions::new()).unwrap();
        let mut writer = index.writer().unwrap();
        for id in ["a", "b", "c"] {
            writer.add(&Article::new(id, id, "Ceasefire talks")).unwrap();
        }
        writer.commit().unwrap();
        let page = index.search(&Query::new("ceasefire").limit(2)).unwrap();
        let lines: Vec<serde_json::Value> =
            page.ranked(0).map(|r| serde_json::to_value(r).unwrap()).collect();
        for (i, line) in lines.iter().enumerate() {
            let mut hit = serde_json::to_value(&page.hits[i]).unwrap();
            hit["rank"] = (i + 1).into();
            if i == 1 {
                hit["next"] = serde_json::to_value(page.next.unwrap()).unwrap();
            }
            assert_eq!(*line, hit);
        }
        assert!(lines[0].get("next").is_none());
        assert_eq!(page.ranked(usize::MAX).next().unwrap().rank, usize::MAX);
    }
}
