//! Reading the dates articles are stamped with.
//!
//! Archives write dates every which way: RFC 3339 from JSON exports, bare `2025-02-21` from
//! Markdown notes, `February 21, 2025, Friday // 08:37` from scraped pages. A date without a
//! zone is taken as UTC, so the same text always means the same instant.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};

/// Parses an article date, or returns `None` when `text` is not one.
///
/// Accepted: RFC 3339 (`2025-02-21T08:37:00+02:00`, also with a space for `T`);
/// `YYYY-MM-DD` with an optional `HH:MM[:SS[.f]]` time and no zone; month-name dates such
/// as `February 21, 2025`, `Feb. 21, 2025`, `21 February 2025`, optionally with a weekday
/// and a `// HH:MM` or `HH:MM` time. Times without a zone are UTC.
///
/// ```
/// use newsearch::parse_date;
/// let d = parse_date("February 21, 2025, Friday // 08:37").unwrap();
/// assert_eq!(d.to_rfc3339(), "2025-02-21T08:37:00+00:00");
/// assert_eq!(parse_date("2025-02-21"), parse_date("Feb 21, 2025"));
/// assert!(parse_date("yesterday-ish").is_none());
/// ```
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d.with_timezone(&Utc));
    }
    if text.as_bytes()[0].is_ascii_digit()
        && let Some(d) = iso_with_loose_zone(text).or_else(|| iso_without_zone(text))
    {
        return Some(d);
    }
    // Mail and feed dates: `Mon, 18 Nov 2019 16:07:38 -0600`.
    if let Ok(d) = DateTime::parse_from_rfc2822(text) {
        return Some(d.with_timezone(&Utc));
    }
    month_name_date(text)
}

/// ISO dates with a zone RFC 3339 does not allow, as web pages write them: `+0000` without a
/// colon, or no seconds (`2019-11-20T10:43Z`).
fn iso_with_loose_zone(text: &str) -> Option<DateTime<Utc>> {
    const DATE_TIMES: [&str; 4] =
        ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M%z"];
    let zulu;
    let text = match text.strip_suffix(['Z', 'z']) {
        Some(local) => {
            zulu = format!("{local}+0000");
            zulu.as_str()
        }
        None => text,
    };
    DATE_TIMES.iter().find_map(|fmt| DateTime::parse_from_str(text, fmt).ok()).map(|d| d.with_timezone(&Utc))
}

fn iso_without_zone(text: &str) -> Option<DateTime<Utc>> {
    const DATE_TIMES: [&str; 4] =
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"];
    for fmt in DATE_TIMES {
        if let Ok(d) = NaiveDateTime::parse_from_str(text, fmt) {
            return Some(d.and_utc());
        }
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(day.and_time(NaiveTime::MIN).and_utc())
}

/// `February 21, 2025, Friday // 08:37` and its relatives: every word must be understood.
fn month_name_date(text: &str) -> Option<DateTime<Utc>> {
    let (mut month, mut day, mut year, mut time) = (None, None, None, None);
    let (mut zone, mut afternoon) = (None, None);
    let mut numbers_before_month = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || c == ',') {
        let word = word.trim_end_matches('.');
        if word.is_empty() || word == "//" || weekday(word) {
            continue;
        }
        if let Some(pm) = am_pm(word) {
            if afternoon.replace(pm).is_some() {
                return None;
            }
        } else if let Some(minutes) = zone_offset(word) {
            if zone.replace(minutes).is_some() {
                return None;
            }
        } else if let Some(m) = month_number(word) {
            if month.replace(m).is_some() {
                return None;
            }
        } else if word.contains(':') {
            let t = NaiveTime::parse_from_str(word, "%H:%M")
                .or_else(|_| NaiveTime::parse_from_str(word, "%H:%M:%S"))
                .ok()?;
            if time.replace(t).is_some() {
                return None;
            }
        } else if let Some(n) = day_number(word) {
            if month.is_none() {
                numbers_before_month.push(n);
            } else if day.is_none() {
                day = Some(n);
            } else {
                return None;
            }
        } else if word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()) {
            if year.replace(word.parse::<i32>().ok()?).is_some() {
                return None;
            }
        } else {
            return None;
        }
    }
    // "21 February 2025" puts the day first.
    match (numbers_before_month.as_slice(), day) {
        ([], _) => {}
        ([d], None) => day = Some(*d),
        _ => return None,
    }
    let date = NaiveDate::from_ymd_opt(year?, month?, day?)?;
    let mut time = time.unwrap_or(NaiveTime::MIN);
    if let Some(pm) = afternoon {
        // 12 AM is midnight, 12 PM noon; a 24-hour time with AM or PM is not a date.
        let hour = time.hour();
        if !(1..=12).contains(&hour) {
            return None;
        }
        time = time.with_hour(hour % 12 + if pm { 12 } else { 0 })?;
    }
    let local = date.and_time(time).and_utc();
    Some(local - chrono::TimeDelta::minutes(zone.unwrap_or(0)))
}

/// `AM` or `PM` (`a.m.`, `p.m.`): whether it is the afternoon.
fn am_pm(word: &str) -> Option<bool> {
    match word.to_ascii_lowercase().replace('.', "").as_str() {
        "am" => Some(false),
        "pm" => Some(true),
        _ => None,
    }
}

/// A time zone as pages write it after a time: `GMT`, `UTC`, `Z`, a US or European
/// abbreviation, or `GMT+0100`/`UTC-05:00`: minutes east of UTC.
fn zone_offset(word: &str) -> Option<i64> {
    const NAMED: [(&str, i64); 15] = [
        ("gmt", 0),
        ("utc", 0),
        ("z", 0),
        ("est", -300),
        ("edt", -240),
        ("cst", -360),
        ("cdt", -300),
        ("mst", -420),
        ("mdt", -360),
        ("pst", -480),
        ("pdt", -420),
        ("bst", 60),
        ("cet", 60),
        ("cest", 120),
        // India's: news sites that write IST mean it (Ireland and Israel write GMT+1, IDT…).
        ("ist", 330),
    ];
    let lower = word.to_ascii_lowercase();
    if let Some((_, minutes)) = NAMED.iter().find(|(name, _)| *name == lower) {
        return Some(*minutes);
    }
    let offset = lower.strip_prefix("gmt").or_else(|| lower.strip_prefix("utc")).unwrap_or(&lower);
    let (sign, digits) = match offset.as_bytes().first()? {
        b'+' => (1, &offset[1..]),
        b'-' => (-1, &offset[1..]),
        _ => return None,
    };
    let digits = digits.replace(':', "");
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (hours, minutes): (i64, i64) = (digits[..2].parse().ok()?, digits[2..].parse().ok()?);
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 60 + minutes))
}

fn day_number(word: &str) -> Option<u32> {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &word[digits.len()..];
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !matches!(suffix.to_ascii_lowercase().as_str(), "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    digits.parse().ok()
}

fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let i = MONTHS.iter().position(|m| *m == w || (m.starts_with(&w) && (w.len() == 3 || w == "sept")))?;
    Some(i as u32 + 1)
}

fn weekday(word: &str) -> bool {
    const DAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let w = word.to_ascii_lowercase();
    w.len() >= 3 && DAYS.iter().any(|d| *d == w || (w.len() == 3 && d.starts_with(&w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str) -> Option<String> {
        parse_date(text).map(|d| d.format("%Y-%m-%dT%H:%M:%S").to_string())
    }

    #[test]
    fn rfc3339_is_converted_to_utc() {
        assert_eq!(iso("2025-02-21T08:37:00+02:00").as_deref(), Some("2025-02-21T06:37:00"));
        assert_eq!(iso("2025-02-21 08:37:00Z").as_deref(), Some("2025-02-21T08:37:00"));
    }

    #[test]
    fn zoneless_times_are_utc() {
        assert_eq!(iso("2025-02-21").as_deref(), Some("2025-02-21T00:00:00"));
        assert_eq!(iso("2025-02-21T08:37").as_deref(), Some("2025-02-21T08:37:00"));
        assert_eq!(iso("2025-02-21 08:37:59.5").as_deref(), Some("2025-02-21T08:37:59"));
    }

    #[test]
    fn month_name_dates() {
        let want = Some("2025-02-21T08:37:00");
        assert_eq!(iso("February 21, 2025, Friday // 08:37").as_deref(), want);
        assert_eq!(iso("Feb. 21, 2025 08:37").as_deref(), want);
        assert_eq!(iso("Friday, 21 February 2025 08:37").as_deref(), want);
        assert_eq!(iso("February 21, 2025").as_deref(), Some("2025-02-21T00:00:00"));
        assert_eq!(iso("March 3, 2024, Sunday // 17:05").as_deref(), Some("2024-03-03T17:05:00"));
        assert_eq!(iso("Sept 1st, 2024").as_deref(), Some("2024-09-01T00:00:00"));
    }

    #[test]
    fn non_dates_are_rejected() {
        for bad in [
            "",
            "//",
            "Smarch 3, 2025",
            "February 30, 2025",
            "2025-13-01",
            "February 2025",
            "1 2 February 2025",
            "February 21, 2025 // 25:00",
            "hello",
            "31-MAR-1987 605:12:19.12",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn web_page_dates_with_zones_and_clock_hours() {
        let utc = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        assert_eq!(parse_date("2019-11-20T07:30:38+0000"), utc("2019-11-20T07:30:38Z"));
        assert_eq!(parse_date("2019-11-19T13:16+0100"), utc("2019-11-19T12:16:00Z"));
        assert_eq!(parse_date("2019-11-20T10:43Z"), utc("2019-11-20T10:43:00Z"));
        assert_eq!(parse_date("Mon, 18 Nov 2019 16:07:38 -0600"), utc("2019-11-18T22:07:38Z"));
        assert_eq!(parse_date("20 Nov 2019 08:02 GMT"), utc("2019-11-20T08:02:00Z"));
        assert_eq!(parse_date("November 19, 2019, 07:47 PM EST"), utc("2019-11-20T00:47:00Z"));
        assert_eq!(parse_date("Tue Nov 19 2019 03:05:46 GMT+0000"), utc("2019-11-19T03:05:46Z"));
        assert_eq!(parse_date("Nov 19, 2019 12:05 a.m."), utc("2019-11-19T00:05:00Z"));
        // Clock hours only with AM or PM, one zone, a real offset.
        assert_eq!(parse_date("Nov 19, 2019 13:05 PM"), None);
        assert_eq!(parse_date("Nov 19, 2019 10:05 GMT EST"), None);
        assert_eq!(parse_date("Nov 19, 2019 10:05 +2500"), None);
    }
}
