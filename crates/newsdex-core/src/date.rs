//! Publication dates: parse the shapes news data really carries, keep the time zone
//! when one is given.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The earliest publication time newsdex keeps: 1700-01-01T00:00:00Z (Unix seconds).
/// Dates outside [`EARLIEST`, `LATEST`) are not news dates but typos or placeholders
/// (`0001-01-01`, `9999-12-31`), and the index stores times as 64-bit nanoseconds, which
/// end in 1677 and 2262: such a date is treated as absent, never stored.
pub const EARLIEST: i64 = -8_520_336_000;
/// The end of the publication times newsdex keeps: 2200-01-01T00:00:00Z (exclusive).
pub const LATEST: i64 = 7_258_118_400;

/// A publication time. `offset` is `None` when the source gave no zone (the time is then
/// read as UTC for ordering and filtering); date-only inputs have `date_only` set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    pub at: DateTime<FixedOffset>,
    pub zone_given: bool,
    pub date_only: bool,
}

impl Published {
    /// Seconds since the Unix epoch (UTC).
    pub fn timestamp(&self) -> i64 {
        self.at.timestamp()
    }

    /// RFC 3339 (`2024-03-01T10:00:00+06:00`), or `YYYY-MM-DD` for a date-only value.
    pub fn display(&self) -> String {
        if self.date_only {
            self.at.format("%Y-%m-%d").to_string()
        } else if self.zone_given {
            self.at.to_rfc3339()
        } else {
            self.at.format("%Y-%m-%dT%H:%M:%S").to_string()
        }
    }

    /// The UTC instant.
    pub fn utc(&self) -> DateTime<Utc> {
        self.at.with_timezone(&Utc)
    }
}

/// Parse a date as found in news data: RFC 3339, RFC 2822, ISO dates with or without time,
/// `YYYY/MM/DD`, Unix seconds, and the Reuters-21578 shape `26-FEB-1987 15:01:01.79`.
/// Returns `None` for anything else rather than guessing.
pub fn parse_date(input: &str) -> Option<Published> {
    parse_any(input).filter(|p| (EARLIEST..LATEST).contains(&p.timestamp()))
}

fn parse_any(input: &str) -> Option<Published> {
    let s = input.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(s) {
        return Some(Published { at, zone_given: true, date_only: false });
    }
    if let Ok(at) = DateTime::parse_from_rfc2822(s) {
        return Some(Published { at, zone_given: true, date_only: false });
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f %z"] {
        if let Ok(at) = DateTime::parse_from_str(s, fmt) {
            return Some(Published { at, zone_given: true, date_only: false });
        }
    }
    let naive_formats = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%d-%b-%Y %H:%M:%S%.f",
    ];
    for fmt in naive_formats {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(naive(n, false));
        }
    }
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d-%b-%Y", "%B %d, %Y", "%d %B %Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return d.and_hms_opt(0, 0, 0).map(|n| naive(n, true));
        }
    }
    if s.len() >= 9 && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().ok()?;
        let at = Utc.timestamp_opt(secs, 0).single()?.fixed_offset();
        return Some(Published { at, zone_given: true, date_only: false });
    }
    None
}

fn naive(n: NaiveDateTime, date_only: bool) -> Published {
    let at = Utc.from_utc_datetime(&n).fixed_offset();
    Published { at, zone_given: false, date_only }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(s: &str) -> String {
        parse_date(s).map(|p| p.display()).unwrap_or_else(|| "-".into())
    }

    #[test]
    fn shapes_seen_in_news_data() {
        assert_eq!(show("2024-03-01T10:00:00+06:00"), "2024-03-01T10:00:00+06:00");
        assert_eq!(show("Fri, 01 Mar 2024 10:00:00 GMT"), "2024-03-01T10:00:00+00:00");
        assert_eq!(show("2024-03-01"), "2024-03-01");
        assert_eq!(show("2024/03/01"), "2024-03-01");
        assert_eq!(show("26-FEB-1987 15:01:01.79"), "1987-02-26T15:01:01");
        assert_eq!(show("2024-03-01 10:00"), "2024-03-01T10:00:00");
        assert_eq!(show("1709287200"), "2024-03-01T10:00:00+00:00");
        assert_eq!(show("March 1, 2024"), "2024-03-01");
    }

    #[test]
    fn junk_is_not_a_date() {
        for s in ["", "yesterday", "2024-13-45", "not a date at all", "12"] {
            assert_eq!(show(s), "-", "{s:?}");
        }
    }

    #[test]
    fn regression_dates_the_index_cannot_hold_are_absent() {
        // A page dated 9999-12-31 overflowed tantivy's nanosecond timestamps (a panic in
        // debug builds, a wrapped date in release), found by the benchmark's HTML corpus.
        for s in ["9999-12-31", "0001-01-01T00:00:00Z", "2262-04-12", "1600-05-01", "2200-01-01"] {
            assert_eq!(show(s), "-", "{s:?}");
        }
        assert_eq!(show("1700-01-01"), "1700-01-01");
        assert_eq!(show("2199-12-31T23:59:59Z"), "2199-12-31T23:59:59+00:00");
        assert_eq!(parse_date("1700-01-01").unwrap().timestamp(), EARLIEST);
    }

    #[test]
    fn zone_is_kept_and_ordering_uses_utc() {
        let p = parse_date("2024-03-01T10:00:00+06:00").unwrap();
        assert!(p.zone_given);
        assert_eq!(p.utc().to_rfc3339(), "2024-03-01T04:00:00+00:00");
    }
}
