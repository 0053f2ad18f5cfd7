//! Which shard of a collection a document belongs to.
//!
//! A collection of N shards is N archives; each document belongs to exactly one of them,
//! decided by a [`Partition`]: by its id alone ([`Shard::owns`]), so the same record lands
//! in the same shard whichever input, task or machine reads it, and never in two; or by
//! its publication date ([`DateRanges`]), for time-partitioned shards, where the date is
//! the one extraction gives the record, undated records having a shard of their own
//! choosing. A [`ShardRule`] is one shard and its collection's partition (an archive's
//! `SHARD` file).

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::{DocId, Published};

/// Shard `index` of `of` (0-based), written `index/of` (`2/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u32,
    pub of: u32,
}

impl Shard {
    /// Shard `index` of `of`; `None` unless `index < of`.
    pub fn new(index: u32, of: u32) -> Option<Shard> {
        (index < of).then_some(Shard { index, of })
    }

    /// The shard of `of` that document `id` belongs to. A document id is the first 64
    /// bits of BLAKE3 of the record's bytes, so the remainder spreads documents evenly.
    pub fn of_doc(id: DocId, of: u32) -> Shard {
        let of = of.max(1);
        Shard { index: (id.as_u64() % u64::from(of)) as u32, of }
    }

    /// Whether document `id` belongs to this shard.
    pub fn owns(&self, id: DocId) -> bool {
        Shard::of_doc(id, self.of).index == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

/// Why a shard could not be read from text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseShardError(pub String);

impl fmt::Display for ParseShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a shard: write INDEX/COUNT with 0 ≤ INDEX < COUNT, as 0/4", self.0)
    }
}

impl std::error::Error for ParseShardError {}

impl FromStr for Shard {
    type Err = ParseShardError;

    fn from_str(s: &str) -> Result<Shard, ParseShardError> {
        let bad = || ParseShardError(s.to_string());
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let (i, n) = (i.trim().parse::<u32>().map_err(|_| bad())?, n.trim().parse::<u32>().map_err(|_| bad())?);
        Shard::new(i, n).ok_or_else(bad)
    }
}

/// How a collection's documents are assigned to its shards.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Partition {
    /// By document id (`id mod N`): an even spread, decided before a record is extracted.
    #[default]
    Id,
    /// By publication date: each shard a range of days.
    Date(DateRanges),
}

/// Time-partitioned shards: shard `i` holds the documents published in
/// `[bounds[i-1], bounds[i])` (UTC days; the first shard everything before `bounds[0]`, the
/// last everything from the last bound on), and shard `undated` the documents extraction
/// found no date for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateRanges {
    bounds: Vec<NaiveDate>,
    /// Seconds since the epoch of each bound's midnight (UTC).
    starts: Vec<i64>,
    undated: u32,
}

impl DateRanges {
    /// Ranges for `of` shards split at `bounds` (`of - 1` dates, increasing), undated
    /// documents in shard `undated` (the last if `None`).
    pub fn new(bounds: Vec<NaiveDate>, of: u32, undated: Option<u32>) -> Result<DateRanges, String> {
        if of < 2 {
            return Err("shards by date need at least 2 shards (one bound)".into());
        }
        if bounds.len() + 1 != of as usize {
            return Err(format!(
                "{of} shards by date need {} bounds, one fewer than the shards; {} given",
                of.saturating_sub(1),
                bounds.len()
            ));
        }
        if let Some(w) = bounds.windows(2).find(|w| w[0] >= w[1]) {
            return Err(format!("date bounds must increase: {} is not before {}", w[0], w[1]));
        }
        let undated = undated.unwrap_or(of - 1);
        if undated >= of {
            return Err(format!(
                "the shard of undated documents is {undated}, but there are {of} shards (0 to {})",
                of - 1
            ));
        }
        let starts = bounds.iter().map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp()).collect();
        Ok(DateRanges { bounds, starts, undated })
    }

    /// Parse comma-separated `YYYY-MM-DD` bounds (`2010-01-01,2020-01-01`).
    pub fn parse(bounds: &str, of: u32, undated: Option<u32>) -> Result<DateRanges, String> {
        let dates = bounds
            .split(',')
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(|b| NaiveDate::parse_from_str(b, "%Y-%m-%d").map_err(|_| format!("{b:?} is not a date (YYYY-MM-DD)")))
            .collect::<Result<Vec<_>, _>>()?;
        DateRanges::new(dates, of, undated)
    }

    pub fn bounds(&self) -> &[NaiveDate] {
        &self.bounds
    }

    /// The bounds as `YYYY-MM-DD` joined by `sep` (`","`: as `--by-date` takes them).
    pub fn bounds_joined(&self, sep: &str) -> String {
        self.bounds.iter().map(ToString::to_string).collect::<Vec<_>>().join(sep)
    }

    /// The shard undated documents go to.
    pub fn undated(&self) -> u32 {
        self.undated
    }

    /// The shard of a document published at `published` (`None`: undated).
    pub fn shard_of(&self, published: Option<&Published>) -> u32 {
        match published {
            None => self.undated,
            Some(p) => {
                let t = p.timestamp();
                self.starts.partition_point(|s| *s <= t) as u32
            }
        }
    }

    /// Shard `i`'s days: from (inclusive) and to (exclusive), `None` where open.
    pub fn range(&self, i: u32) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let i = i as usize;
        (i.checked_sub(1).and_then(|j| self.bounds.get(j).copied()), self.bounds.get(i).copied())
    }

    /// Shard `i`'s range as a reader sees it: `1987-03-15 to 1987-06-01 (exclusive)`,
    /// `before 1987-03-15`, `from 2010-01-01`, and `, undated` for the undated shard.
    pub fn describe(&self, i: u32) -> String {
        let mut s = match self.range(i) {
            (None, None) => "every date".to_string(),
            (None, Some(to)) => format!("before {to}"),
            (Some(from), None) => format!("from {from}"),
            (Some(from), Some(to)) => format!("{from} to {to} (exclusive)"),
        };
        if i == self.undated {
            s.push_str(", and undated documents");
        }
        s
    }
}

/// One shard of a collection with its collection's partition: what an archive's `SHARD`
/// file says, written `2/4` (by id) or `2/4 by date 1987-03-15,1987-06-01,2010-01-01
/// undated 3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardRule {
    pub shard: Shard,
    pub partition: Partition,
}

impl ShardRule {
    /// Shard `shard` of a collection partitioned by id.
    pub fn by_id(shard: Shard) -> ShardRule {
        ShardRule { shard, partition: Partition::Id }
    }

    /// Whether the record with this id belongs here, if that is known before extraction
    /// (by id); `None` when it depends on the date extraction gives it.
    pub fn owns_id(&self, id: DocId) -> Option<bool> {
        match self.partition {
            Partition::Id => Some(self.shard.owns(id)),
            Partition::Date(_) => None,
        }
    }

    /// Whether an extracted document with this id and date belongs here.
    pub fn owns(&self, id: DocId, published: Option<&Published>) -> bool {
        match &self.partition {
            Partition::Id => self.shard.owns(id),
            Partition::Date(r) => r.shard_of(published) == self.shard.index,
        }
    }

    /// Whether this shard records what belongs to no document's date (an extraction's
    /// refusal): the undated shard of a time-partitioned collection, or, by id, the
    /// record's own shard.
    pub fn takes_undated(&self) -> bool {
        match &self.partition {
            Partition::Id => true,
            Partition::Date(r) => r.undated == self.shard.index,
        }
    }
}

impl fmt::Display for ShardRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.shard)?;
        if let Partition::Date(r) = &self.partition {
            write!(f, " by date {} undated {}", r.bounds_joined(","), r.undated)?;
        }
        Ok(())
    }
}

impl FromStr for ShardRule {
    type Err = ParseShardError;

    fn from_str(s: &str) -> Result<ShardRule, ParseShardError> {
        let bad = || ParseShardError(s.to_string());
        let words: Vec<&str> = s.split_whitespace().collect();
        match words.as_slice() {
            [shard] => Ok(ShardRule::by_id(shard.parse()?)),
            [shard, "by", "date", bounds, "undated", undated] => {
                let shard: Shard = shard.parse()?;
                let undated = undated.parse::<u32>().map_err(|_| bad())?;
                let ranges = DateRanges::parse(bounds, shard.of, Some(undated)).map_err(|_| bad())?;
                Ok(ShardRule { shard, partition: Partition::Date(ranges) })
            }
            _ => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Published {
        crate::parse_date(s).unwrap()
    }

    #[test]
    fn dated_documents_go_to_the_shard_of_their_day_and_undated_ones_where_asked() {
        let r = DateRanges::parse("1987-03-15,1987-06-01,2010-01-01", 4, Some(1)).unwrap();
        assert_eq!(r.shard_of(Some(&day("1987-03-14T23:59:59Z"))), 0);
        assert_eq!(r.shard_of(Some(&day("1987-03-15"))), 1);
        // Times compare in UTC: 01:00 on the 15th at +02:00 is still the 14th.
        assert_eq!(r.shard_of(Some(&day("1987-03-15T01:00:00+02:00"))), 0);
        assert_eq!(r.shard_of(Some(&day("1987-06-01T00:00:00Z"))), 2);
        assert_eq!(r.shard_of(Some(&day("2026-11-30"))), 3);
        assert_eq!(r.shard_of(Some(&day("1789-07-14"))), 0);
        assert_eq!(r.shard_of(None), 1);
        assert_eq!(DateRanges::parse("2010-01-01", 2, None).unwrap().undated(), 1);
        assert_eq!(r.describe(0), "before 1987-03-15");
        assert_eq!(r.describe(1), "1987-03-15 to 1987-06-01 (exclusive), and undated documents");
        assert_eq!(r.describe(3), "from 2010-01-01");
    }

    #[test]
    fn date_bounds_are_checked() {
        for (bounds, of, undated, says) in [
            ("2010-01-01", 3, None, "3 shards by date need 2 bounds"),
            ("2020-01-01,2010-01-01", 3, None, "must increase"),
            ("2010-01-01,2010-01-01", 3, None, "must increase"),
            ("2010-13-01", 2, None, "is not a date"),
            ("2010-01-01", 2, Some(2), "there are 2 shards"),
            ("", 1, None, "at least 2 shards"),
        ] {
            let e = DateRanges::parse(bounds, of, undated).unwrap_err();
            assert!(e.contains(says), "{bounds}: {e}");
        }
    }

    #[test]
    fn shard_rules_are_written_and_read_back() {
        for text in ["2/4", "1/3 by date 2010-01-01,2020-01-01 undated 2", "0/2 by date 1999-12-31 undated 0"] {
            let rule: ShardRule = text.parse().unwrap();
            let again: ShardRule = rule.to_string().parse().unwrap();
            assert_eq!(rule, again, "{text}");
        }
        assert_eq!("2/4".parse::<ShardRule>().unwrap().to_string(), "2/4");
        for bad in ["1/3 by date 2010-01-01 undated 2", "1/3 by id", "1/3 by date 2010-01-01,2020-01-01 undated 3"] {
            assert!(bad.parse::<ShardRule>().is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// A `SHARD` file's text, shaped like one or not: what reads writes back to text
        /// that reads the same (the fuzz target `shard_rule` feeds it any string).
        #[test]
        fn shard_rules_read_back_as_written(
            text in "[0-9]{1,2}/[0-9]{1,2}( by date ([0-9]{4}-[01][0-9]-[0-3][0-9],?){0,3} undated [0-9])?",
        ) {
            if let Ok(rule) = text.parse::<ShardRule>() {
                let back: ShardRule = rule.to_string().parse().unwrap();
                proptest::prop_assert_eq!(back, rule);
            }
        }

        /// Against a naive model: the shard of a time is the number of bounds at or before
        /// it, and every shard but the undated one holds exactly its range.
        #[test]
        fn a_dated_document_belongs_to_exactly_one_shard(
            mut days in proptest::collection::btree_set(-20_000i64..40_000, 1..6),
            t in -2_000_000_000i64..4_000_000_000,
        ) {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            let bounds: Vec<NaiveDate> = std::mem::take(&mut days).into_iter().map(|d| epoch + chrono::Duration::days(d)).collect();
            let of = bounds.len() as u32 + 1;
            let r = DateRanges::new(bounds.clone(), of, None).unwrap();
            let p = Published { at: chrono::DateTime::from_timestamp(t, 0).unwrap().fixed_offset(), zone_given: true, date_only: false };
            let naive = bounds.iter().filter(|b| b.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp() <= t).count() as u32;
            proptest::prop_assert_eq!(r.shard_of(Some(&p)), naive);
            let owners: Vec<u32> = (0..of)
                .filter(|i| ShardRule { shard: Shard { index: *i, of }, partition: Partition::Date(r.clone()) }.owns(DocId::from_u64(1), Some(&p)))
                .collect();
            proptest::prop_assert_eq!(owners, vec![naive]);
        }
    }

    #[test]
    fn a_document_belongs_to_exactly_one_shard() {
        for n in 1..=7u32 {
            for k in 0..200u64 {
                let id = DocId::of_record(&k.to_le_bytes());
                let owners: Vec<u32> = (0..n).filter(|i| Shard { index: *i, of: n }.owns(id)).collect();
                assert_eq!(owners, vec![Shard::of_doc(id, n).index], "record {k} of {n} shards");
            }
        }
    }

    #[test]
    fn shards_are_written_and_read_as_index_slash_count() {
        assert_eq!("2/4".parse::<Shard>().unwrap(), Shard { index: 2, of: 4 });
        assert_eq!(Shard { index: 2, of: 4 }.to_string(), "2/4");
        for bad in ["4/4", "1", "a/2", "-1/3", "0/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn documents_spread_evenly_over_shards() {
        let mut counts = [0u32; 4];
        for k in 0..4000u64 {
            counts[Shard::of_doc(DocId::of_record(format!("record {k}").as_bytes()), 4).index as usize] += 1;
        }
        assert!(counts.iter().all(|c| (850..1150).contains(c)), "{counts:?}");
    }
}
