//! Dates in queries: a period (`2024`, `2024-03`, `2024-03-01`) or an instant (RFC 3339,
//! or `YYYY-MM-DDTHH:MM[:SS]` read as UTC), resolved to Unix seconds.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::{DateRange, ParseError};

/// A period named in a query: `[start, end)` in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Period {
    pub start: i64,
    pub end: i64,
}

/// Parse a date or instant into the period it names. An instant is a one-second period.
pub(crate) fn period(s: &str) -> Option<Period> {
    let s = s.trim();
    let secs = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp());
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r.clone()).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    // Four-digit years only: chrono would also take `+090972-11-01`, which no news
    // archive needs and which does not print back in a form people type.
    if !(digits(0..4) && (b.len() == 4 || b.get(4) == Some(&b'-'))) {
        return None;
    }
    if b.len() == 4 && digits(0..4) {
        let y: i32 = s.parse().ok()?;
        return Some(Period {
            start: secs(NaiveDate::from_ymd_opt(y, 1, 1)?)?,
            end: secs(NaiveDate::from_ymd_opt(y + 1, 1, 1)?)?,
        });
    }
    if b.len() == 7 && digits(0..4) && b[4] == b'-' && digits(5..7) {
        let y: i32 = s[..4].parse().ok()?;
        let m: u32 = s[5..].parse().ok()?;
        let start = NaiveDate::from_ymd_opt(y, m, 1)?;
        let next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1)? } else { NaiveDate::from_ymd_opt(y, m + 1, 1)? };
        return Some(Period { start: secs(start)?, end: secs(next)? });
    }
    if b.len() == 10 {
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
        let start = secs(d)?;
        return Some(Period { start, end: start + 86_400 });
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        let t = t.with_timezone(&Utc).timestamp();
        return Some(Period { start: t, end: t + 1 });
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            let t = t.and_utc().timestamp();
            return Some(Period { start: t, end: t + 1 });
        }
    }
    None
}

pub(crate) fn bad_date(s: &str, offset: usize) -> ParseError {
    ParseError::new(
        format!("{s:?} is not a date: use 2024, 2024-03, 2024-03-01 or an RFC 3339 time like 2024-03-01T10:00:00Z"),
        offset,
    )
}

/// Resolve `--from`/`--to` (the CLI and API parameters): `from` inclusive from the start
/// of the period it names, `to` inclusive through the end of its period. The same rules
/// as `published:[from TO to]` in a query.
pub fn resolve_date_bounds(from: Option<&str>, to: Option<&str>) -> Result<DateRange, ParseError> {
    let start = match from {
        Some(f) => Some(period(f).ok_or_else(|| bad_date(f, 0))?.start),
        None => None,
    };
    let end = match to {
        Some(t) => Some(period(t).ok_or_else(|| bad_date(t, 0))?.end),
        None => None,
    };
    check(DateRange { start, end }, 0)
}

/// Refuse empty windows.
pub(crate) fn check(r: DateRange, offset: usize) -> Result<DateRange, ParseError> {
    if let (Some(s), Some(e)) = (r.start, r.end)
        && s >= e
    {
        return Err(ParseError::new("the date range is empty: its start is not before its end", offset));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(t: i64) -> String {
        DateTime::from_timestamp(t, 0).unwrap().format("%Y-%m-%dT%H:%M:%S").to_string()
    }

    fn p(s: &str) -> (String, String) {
        let p = period(s).unwrap();
        (iso(p.start), iso(p.end))
    }

    #[test]
    fn periods() {
        assert_eq!(p("2020"), ("2020-01-01T00:00:00".into(), "2021-01-01T00:00:00".into()));
        assert_eq!(p("2020-12"), ("2020-12-01T00:00:00".into(), "2021-01-01T00:00:00".into()));
        assert_eq!(p("2024-02-29"), ("2024-02-29T00:00:00".into(), "2024-03-01T00:00:00".into()));
        assert_eq!(p("2024-03-01T10:00:00+06:00"), ("2024-03-01T04:00:00".into(), "2024-03-01T04:00:01".into()));
        assert_eq!(p("2024-03-01T10:00"), ("2024-03-01T10:00:00".into(), "2024-03-01T10:00:01".into()));
        for bad in ["", "20", "2023-02-29", "2020-13", "yesterday", "2020-1-1", "+090972-11-01T00:00:00", "20201-01-01"]
        {
            assert_eq!(period(bad), None, "{bad}");
        }
    }

    #[test]
    fn flags_resolve_inclusively() {
        let r = resolve_date_bounds(Some("2020-03"), Some("2020-03")).unwrap();
        assert_eq!(
            (iso(r.start.unwrap()), iso(r.end.unwrap())),
            ("2020-03-01T00:00:00".into(), "2020-04-01T00:00:00".into())
        );
        assert_eq!(resolve_date_bounds(None, None).unwrap(), DateRange::default());
        let e = resolve_date_bounds(Some("2021"), Some("2020")).unwrap_err();
        assert!(e.message.contains("empty"), "{e}");
        let e = resolve_date_bounds(Some("soon"), None).unwrap_err();
        assert!(e.message.starts_with("\"soon\" is not a date"), "{e}");
    }
}
