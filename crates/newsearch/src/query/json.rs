//! How a [`Query`](crate::Query)'s dates and lengths of time read from JSON: in the forms people
//! type ([`Period`], [`parse_span`]), so a web request can say `"since": "2025-02"` or
//! `"recent": "30d"` as the command line does.

use std::borrow::Cow;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;

use crate::query::{Period, parse_span};

/// `since`: the start of the period named.
pub(crate) fn period_start<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    period(d).map(|p| p.map(|p| p.start()))
}

/// `until` and `as_of`: the end of the period named.
pub(crate) fn period_end<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    period(d).map(|p| p.map(|p| p.end()))
}

fn period<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Period>, D::Error> {
    let text = Option::<Cow<'de, str>>::deserialize(d)?;
    text.map(|t| t.parse::<Period>().map_err(serde::de::Error::custom)).transpose()
}

/// `recent`: a length of time as text, `"30d"`, written in the largest unit that is exact.
pub(crate) mod span {
    use super::*;

    pub(crate) fn serialize<S: serde::Serializer>(span: &Option<TimeDelta>, s: S) -> Result<S::Ok, S::Error> {
        match span {
            Some(span) => s.collect_str(&super::written(*span)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<TimeDelta>, D::Error> {
        let text = Option::<Cow<'de, str>>::deserialize(d)?;
        text.map(|t| parse_span(&t).map_err(serde::de::Error::custom)).transpose()
    }
}

/// `span` as [`parse_span`] reads it back: in days, hours, or seconds when it is neither.
fn written(span: TimeDelta) -> String {
    // The engine counts half-lives in whole seconds (at least one).
    let seconds = span.num_seconds().max(1);
    if seconds % 86_400 == 0 {
        format!("{}d", seconds / 86_400)
    } else if seconds % 3_600 == 0 {
        format!("{}h", seconds / 3_600)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_written_in_a_unit_that_reads_back() {
        for span in [TimeDelta::days(30), TimeDelta::hours(36), TimeDelta::seconds(90), TimeDelta::weeks(2)] {
            assert_eq!(parse_span(&written(span)).unwrap(), span, "{}", written(span));
        }
        assert_eq!(written(TimeDelta::days(14)), "14d");
        assert_eq!(written(TimeDelta::hours(12)), "12h");
    }
}
