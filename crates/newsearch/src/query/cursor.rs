//! Where a page of results ended, so the next page can start there: deep paging at the cost of
//! one page, whatever the depth.
//!
//! A page reached by `offset` makes the engine rank and hold `offset + limit` matches, which is
//! why [`Query::MAX_WINDOW`](crate::Query::MAX_WINDOW) bounds it. A cursor names a position in
//! the result order instead: the last hit's sort value (score, date or views) and, to break
//! ties, its content hash, which is unique among the articles of an index. The next page is the
//! best `limit` matches after that position, so pages never repeat or skip an article, even when
//! many share a date or a view count, and even when commits happen between pages (an article
//! added or changed meanwhile shows up where it now sorts, if that is after the cursor).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::query::Sort;

/// A position in the order of a query's results: the page after it is asked for with
/// [`Query::after`](crate::Query::after), and every page gives the cursor after its last hit in
/// [`SearchResults::next`](crate::SearchResults::next).
///
/// It travels as an opaque, URL-safe string ([`Display`](fmt::Display) and [`FromStr`], and so
/// in JSON): `date.1000067b8a1c0.9f3e…`. It holds the sort order it was made in, and a query in
/// another order refuses it ([`Error::CursorOrder`]). A string that is not a cursor is
/// [`Error::InvalidCursor`].
///
/// In relevance order the position is a score, and a commit between pages can change scores
/// (they depend on how many articles have each word): an article may then move across the
/// cursor and be shown twice or not at all. Date and views orders do not shift.
///
/// ```
/// use newsearch::{Article, Index, IndexOptions, Query, Sort};
///
/// # fn main() -> Result<(), newsearch::Error> {
/// let index = Index::in_memory(&IndexOptions::new())?;
/// let mut writer = index.writer()?;
/// for i in 0..5 {
///     // Every article has the same date: the order among them is still fixed.
///     let mut a = Article::new(format!("a{i}"), format!("a{i}.txt"), "Talks resume");
///     a.date = Some("2025-02-20T10:00:00Z".parse().unwrap());
///     writer.add(&a)?;
/// }
/// writer.commit()?;
///
/// let query = Query::new("talks").sort(Sort::Date).limit(2);
/// let mut seen = Vec::new();
/// let mut page = index.search(&query)?;
/// loop {
///     seen.extend(page.hits.iter().map(|h| h.article.id.to_string()));
///     let Some(next) = page.next else { break };
///     // A cursor survives being sent as text, e.g. in a URL.
///     let next: newsearch::Cursor = next.to_string().parse()?;
///     page = index.search(&query.clone().after(next))?;
/// }
/// seen.sort();
/// assert_eq!(seen, ["a0", "a1", "a2", "a3", "a4"]);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cursor {
    sort: Sort,
    position: Position,
}

impl Cursor {
    pub(crate) fn new(sort: Sort, position: Position) -> Cursor {
        Cursor { sort, position }
    }

    /// The order the cursor was made in.
    pub fn sort(&self) -> Sort {
        self.sort
    }

    pub(crate) fn position(&self) -> Position {
        self.position
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:x}.{:x}", self.sort, self.position.rank, self.position.tiebreak)
    }
}

impl FromStr for Cursor {
    type Err = Error;

    fn from_str(s: &str) -> Result<Cursor, Error> {
        let invalid = || Error::InvalidCursor { cursor: s.to_owned() };
        // Hexadecimal digits only: `from_str_radix` would also take a sign.
        fn hex(part: &str, max_len: usize) -> Option<&str> {
            (!part.is_empty() && part.len() <= max_len && part.bytes().all(|b| b.is_ascii_hexdigit()))
                .then_some(part)
        }
        let mut parts = s.split('.');
        let (Some(sort), Some(rank), Some(tiebreak), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        // Only the names cursors are written with: an alias would make two strings one cursor.
        let sort = Sort::ALL.into_iter().find(|s| s.to_string() == sort).ok_or_else(invalid)?;
        let rank = hex(rank, 32).and_then(|r| u128::from_str_radix(r, 16).ok()).ok_or_else(invalid)?;
        let tiebreak = hex(tiebreak, 16).and_then(|t| u64::from_str_radix(t, 16).ok()).ok_or_else(invalid)?;
        let position = Position { rank, tiebreak };
        if !position.fits(sort) {
            return Err(invalid());
        }
        Ok(Cursor { sort, position })
    }
}

impl serde::Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Cursor, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A document's place in a result order, as one comparable value: greater comes first.
///
/// `rank` holds the sort value, oriented so that greater is better: a score (its bits mapped so
/// that they compare as the numbers do), or a date or view count, flipped for ascending orders,
/// above [`PRESENT`]; a document without the value ranks 0, after every one with it, in both
/// directions. `tiebreak` is the content hash: equal sort values are ordered by it, so the order
/// is total over the articles of an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Position {
    rank: u128,
    tiebreak: u64,
}

/// The bit that marks a rank as having a value.
const PRESENT: u128 = 1 << 64;

/// The bit that puts a match of every word of a short query ahead of the matches of some of
/// them, whatever the order (see [`MatchMode::Auto`](crate::MatchMode::Auto)).
pub(crate) const EVERY_WORD: u128 = 1 << 65;

impl Position {
    /// The place of a document scored `score` in relevance order.
    #[cfg(test)]
    pub(crate) fn score(score: f32, tiebreak: u64) -> Position {
        Position { rank: Position::score_rank(score), tiebreak }
    }

    /// The rank of a score: computed for every match, so without a branch.
    #[inline]
    pub(crate) fn score_rank(score: f32) -> u128 {
        // Adding 0 turns -0 into 0: they are one score.
        let bits = (score + 0.0).to_bits();
        // Non-negative floats compare as their bits do, negative ones in reverse: flip the sign
        // bit of the first, every bit of the others.
        let ordered = bits ^ ((((bits as i32) >> 31) as u32) | 1 << 31);
        PRESENT | u128::from(ordered)
    }

    /// The place of a document dated `seconds` (since 1970) in date order.
    pub(crate) fn date(seconds: Option<i64>, ascending: bool, tiebreak: u64) -> Position {
        // Flipping the sign bit maps i64 onto u64 in order.
        Position::value(seconds.map(|s| (s as u64) ^ (1 << 63)), ascending, tiebreak)
    }

    /// The place of a document with `views` in views order.
    pub(crate) fn views(views: Option<u64>, ascending: bool, tiebreak: u64) -> Position {
        Position::value(views, ascending, tiebreak)
    }

    fn value(value: Option<u64>, ascending: bool, tiebreak: u64) -> Position {
        let rank = match value {
            Some(v) => PRESENT | u128::from(if ascending { !v } else { v }),
            None => 0,
        };
        Position { rank, tiebreak }
    }

    /// The sort value without its tiebreak (to compare before reading the tiebreak).
    pub(crate) fn rank(&self) -> u128 {
        self.rank
    }

    /// The tiebreak (the content hash).
    pub(crate) fn tiebreak(&self) -> u64 {
        self.tiebreak
    }

    /// The position of a document of `rank` and `tiebreak`.
    pub(crate) fn with_tiebreak(rank: u128, tiebreak: u64) -> Position {
        Position { rank, tiebreak }
    }

    /// The score a relevance position was made from.
    pub(crate) fn to_score(self) -> f32 {
        let ordered = self.rank as u32;
        f32::from_bits(if ordered >> 31 == 1 { ordered & !(1 << 31) } else { !ordered })
    }

    /// Whether the position can be one of `sort`'s.
    fn fits(self, sort: Sort) -> bool {
        // Any order may put matches of every word first.
        let rank = self.rank & !EVERY_WORD;
        match sort {
            // Scores always have a value, of 32 bits.
            Sort::Relevance => rank >> 32 == PRESENT >> 32,
            _ => rank == 0 || rank >> 64 == 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_order_as_numbers() {
        let scores = [f32::NEG_INFINITY, -2.5, -1e-30, 0.0, 1e-30, 0.5, 1.0, 7.25, f32::MAX, f32::INFINITY];
        for pair in scores.windows(2) {
            assert!(Position::score(pair[0], 0) < Position::score(pair[1], 0), "{pair:?}");
        }
        for s in scores {
            assert_eq!(Position::score(s, 0).to_score().to_bits(), s.to_bits());
        }
        assert_eq!(Position::score(-0.0, 1), Position::score(0.0, 1));
    }

    #[test]
    fn missing_values_come_last_in_both_directions() {
        for ascending in [false, true] {
            let none = Position::date(None, ascending, u64::MAX);
            for secs in [i64::MIN, -1, 0, 1_740_000_000, i64::MAX] {
                assert!(Position::date(Some(secs), ascending, 0) > none);
            }
            assert!(Position::views(Some(0), ascending, 0) > Position::views(None, ascending, u64::MAX));
        }
        let newer = |asc| Position::date(Some(10), asc, 0) > Position::date(Some(-10), asc, 0);
        assert!(newer(false) && !newer(true));
        assert!(Position::views(Some(0), true, 0) > Position::views(Some(u64::MAX), true, 0));
    }

    #[test]
    fn cursors_round_trip_as_url_safe_text() {
        for (sort, position) in [
            (Sort::Relevance, Position::score(3.25, 0xdead_beef)),
            (Sort::Date, Position::date(Some(-86_400), false, u64::MAX)),
            (Sort::DateAsc, Position::date(None, true, 0)),
            (Sort::Views, Position::views(Some(u64::MAX), false, 1)),
            (Sort::ViewsAsc, Position::views(Some(0), true, 42)),
            (Sort::Relevance, Position::with_tiebreak(Position::score_rank(0.5) | EVERY_WORD, 7)),
            (Sort::Date, Position::with_tiebreak(EVERY_WORD, 7)),
        ] {
            let cursor = Cursor::new(sort, position);
            let text = cursor.to_string();
            assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)), "{text}");
            assert_eq!(text.parse::<Cursor>().unwrap(), cursor);
            let json = serde_json::to_string(&cursor).unwrap();
            assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), cursor);
        }
    }

    #[test]
    fn anything_else_is_an_invalid_cursor() {
        let good = Cursor::new(Sort::Date, Position::date(Some(1), false, 2)).to_string();
        for bad in [
            "",
            "date",
            "date..",
            "date.1.",
            "newest.10000000000000001.2",
            "date.+1.2",
            "date.1.2.3",
            "date.1.-2",
            "date.100000000000000000000000000000000.2",
            "date.60000000000000000.2",
            "relevance.0.0",
            "relevance.1ffffffff.0",
            "relevance.700000000.0",
            "date.40000000000000000.0",
            "date.1.10000000000000000",
            &good[..good.len() - 1].replace('.', "/"),
        ] {
            let err = bad.parse::<Cursor>().unwrap_err();
            assert!(matches!(err, Error::InvalidCursor { .. }), "{bad:?}: {err}");
        }
    }
}
