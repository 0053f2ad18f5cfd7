//! Facet counts over all matches of a query: languages, outlets, and publication months
//! (the coverage-over-time chart).
//!
//! Languages and outlets use tantivy's terms aggregation on their fast fields. Months use
//! [`MonthCollector`]: tantivy's date histogram has only fixed intervals, and calendar
//! months are not a fixed length.
//!
//! Bounded for archives with millions of outlets: only the first
//! [`QueryLimits::facet_outlets`] outlets are listed and the matches of the rest are
//! summed in [`Facets::outlet_other`]; each segment hands on at most ten times that many
//! outlets (tantivy's `segment_size`, so a count can be short by what a segment cut, as
//! in any sharded terms count); and the counting may take at most
//! [`QueryLimits::max_facet_bytes`] (tantivy's aggregation memory limit), past which the
//! search is refused as [`Limit::FacetBytes`]. Languages are at most [`LANG_FACET_SIZE`].

use std::collections::BTreeMap;

use newsdex_query::{Limit, QueryLimits, TooCostly};
use serde::Serialize;
use tantivy::aggregation::agg_req::Aggregations;
use tantivy::aggregation::agg_result::{AggregationResult, AggregationResults, BucketResult};
use tantivy::aggregation::{AggContextParams, AggregationCollector, AggregationError, AggregationLimitsGuard, Key};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentReader};

use crate::deadline::Deadline;
use crate::{IndexError, Result};

/// Most languages listed in a facet.
pub const LANG_FACET_SIZE: u32 = 100;

/// One facet value and how many matches have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Bucket {
    pub value: String,
    pub count: u64,
}

/// Counts over every match (not only the page shown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Facets {
    /// By language code, most frequent first (at most [`LANG_FACET_SIZE`]).
    pub lang: Vec<Bucket>,
    /// The counts of the languages not listed in `lang`, summed.
    pub lang_other: u64,
    /// By outlet, most frequent first (at most [`QueryLimits::facet_outlets`]).
    pub outlet: Vec<Bucket>,
    /// The counts of the outlets not listed in `outlet`, summed.
    pub outlet_other: u64,
    /// Matches without an outlet (counted as the facet counts: articles, their distinct
    /// stories, or 1 when any, since they count as one outlet).
    pub no_outlet: u64,
    /// By publication month `YYYY-MM` (or the period [`Facets::period`] names), in time
    /// order, periods without matches included between the first and the last.
    pub month: Vec<Bucket>,
    /// The period `month` counts by ([`Period::Month`] unless a request asked otherwise).
    #[serde(default, skip_serializing_if = "Period::is_month")]
    pub period: Period,
    /// Matches with no publication date.
    pub undated: u64,
    /// Matching articles whose date was guessed (from their first lines, the latest date
    /// their text writes, or a page's address or text) rather than read from metadata.
    /// Always counted in articles, whatever [`Facets::counted`] says, so a chart can say
    /// how many of its dates rest on a guess.
    pub dates_guessed: u64,
    /// What the counts count.
    pub counted: crate::CountBy,
}

pub(crate) fn terms_collector(limits: &QueryLimits) -> AggregationCollector {
    let outlets = limits.facet_outlets.max(1);
    let req: Aggregations = serde_json::from_value(serde_json::json!({
        "lang": { "terms": { "field": "lang", "size": LANG_FACET_SIZE } },
        "outlet": { "terms": { "field": "outlet_facet", "size": outlets, "segment_size": outlets.saturating_mul(10) } },
    }))
    .expect("a valid aggregation request");
    let guard = AggregationLimitsGuard::new(Some(limits.max_facet_bytes), None);
    AggregationCollector::from_aggs(req, AggContextParams::new(guard, Default::default()))
}

/// An error from a search with facets: the facet memory limit, the deadline, or a fault.
pub(crate) fn explain(e: tantivy::TantivyError, deadline: &Deadline, limits: &QueryLimits) -> IndexError {
    match e {
        tantivy::TantivyError::AggregationError(AggregationError::MemoryExceeded { .. }) => {
            IndexError::Refused(TooCostly::new(Limit::FacetBytes, "", limits.max_facet_bytes, limits.max_facet_bytes))
        }
        e => deadline.explain(e),
    }
}

/// A terms facet's buckets, and the matches of the values not listed.
pub(crate) fn buckets(res: &AggregationResults, name: &str) -> (Vec<Bucket>, u64) {
    let Some(AggregationResult::BucketResult(BucketResult::Terms { buckets, sum_other_doc_count, .. })) =
        res.0.get(name)
    else {
        return (Vec::new(), 0);
    };
    let listed = buckets
        .iter()
        .map(|b| Bucket {
            value: match &b.key {
                Key::Str(s) => s.clone(),
                other => format!("{other:?}"),
            },
            count: b.doc_count,
        })
        .collect();
    (listed, *sum_other_doc_count)
}

/// Counts matches without an outlet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoOutlet;

pub(crate) struct NoOutletSegment {
    column: Option<tantivy::columnar::StrColumn>,
    count: u64,
}

impl Collector for NoOutlet {
    type Fruit = u64;
    type Child = NoOutletSegment;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<NoOutletSegment> {
        Ok(NoOutletSegment { column: segment.fast_fields().str("outlet_facet")?, count: 0 })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<u64>) -> tantivy::Result<u64> {
        Ok(fruits.into_iter().sum())
    }
}

impl SegmentCollector for NoOutletSegment {
    type Fruit = u64;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if self.column.as_ref().is_none_or(|c| c.term_ords(doc).next().is_none()) {
            self.count += 1;
        }
    }

    fn harvest(self) -> u64 {
        self.count
    }
}

/// Counts matching articles whose date was guessed (the `date_guessed` fast field).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Guessed;

pub(crate) struct GuessedSegment {
    column: Option<Column<u64>>,
    count: u64,
}

impl Collector for Guessed {
    type Fruit = u64;
    type Child = GuessedSegment;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<GuessedSegment> {
        Ok(GuessedSegment { column: segment.fast_fields().u64(crate::schema::DATE_GUESSED).ok(), count: 0 })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<u64>) -> tantivy::Result<u64> {
        Ok(fruits.into_iter().sum())
    }
}

impl SegmentCollector for GuessedSegment {
    type Fruit = u64;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if self.column.as_ref().and_then(|c| c.first(doc)) == Some(1) {
            self.count += 1;
        }
    }

    fn harvest(self) -> u64 {
        self.count
    }
}

/// The length of the periods the time facet counts by (UTC, civil calendar).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    /// Weeks starting on Monday (ISO 8601), named by their Monday.
    Week,
    #[default]
    Month,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "day" => Some(Period::Day),
            "week" => Some(Period::Week),
            "month" => Some(Period::Month),
            _ => None,
        }
    }

    pub fn is_month(&self) -> bool {
        *self == Period::Month
    }

    /// The period of a Unix time, as a number that grows by one from a period to the next:
    /// days since 1970-01-01; weeks since the Monday 1969-12-29; `year * 12 + month0`.
    pub fn key(self, secs: i64) -> i64 {
        match self {
            Period::Day => secs.div_euclid(86_400),
            // 1970-01-01 was a Thursday: day 0 is 3 days after a Monday.
            Period::Week => (secs.div_euclid(86_400) + 3).div_euclid(7),
            Period::Month => month_key(secs),
        }
    }

    /// A period's name: `YYYY-MM-DD` for a day, the Monday `YYYY-MM-DD` for a week,
    /// `YYYY-MM` for a month. Names sort as their periods do (years 0 to 9999).
    pub fn label(self, key: i64) -> String {
        match self {
            Period::Day => civil_day(key),
            Period::Week => civil_day(key * 7 - 3),
            Period::Month => format!("{:04}-{:02}", key.div_euclid(12), key.rem_euclid(12) + 1),
        }
    }

    /// Most periods filled in between the first and the last (about 50 years), beyond
    /// which only periods with matches are listed.
    fn max_span(self) -> i64 {
        match self {
            Period::Day => 18_262,
            Period::Week => 2_609,
            Period::Month => 600,
        }
    }
}

/// `YYYY-MM-DD` of a day number since 1970-01-01.
fn civil_day(days: i64) -> String {
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Year, month and day of a day number since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Counts matches per period (a calendar month unless asked otherwise; UTC) of their
/// publication date.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MonthCollector(pub Period);

/// Per segment: the date column and the counts so far, by day since 1970 (a day lies in
/// one period of every kind: days become periods once per distinct day, at harvest). Per
/// document, a calendar computation and an ordered map's search were a quarter of a
/// query's time at 1M articles with facets on; a day is now one subtraction and one
/// increment in an array spanning the segment's dates (a map where a stray date makes
/// the span longer than [`DENSE_DAYS`]).
pub(crate) struct MonthSegment {
    column: Option<Column<tantivy::DateTime>>,
    period: Period,
    days: DayCounts,
    undated: u64,
}

/// The longest span of a segment's dates, in days, counted in an array (about 90 years:
/// at most 128 KiB a segment, only in segments the query matches).
const DENSE_DAYS: i64 = 1 << 15;

enum DayCounts {
    /// `span` days from `first`; the array is allocated at the first match, so a
    /// segment the query does not match costs nothing.
    Dense {
        first: i64,
        span: usize,
        counts: Vec<u32>,
    },
    Sparse(rustc_hash::FxHashMap<i64, u64>),
}

impl DayCounts {
    fn for_column(column: Option<&Column<tantivy::DateTime>>) -> DayCounts {
        if let Some(c) = column
            && c.num_docs() > 0
        {
            let first = c.min_value().into_timestamp_secs().div_euclid(86_400);
            let last = c.max_value().into_timestamp_secs().div_euclid(86_400);
            if (0..DENSE_DAYS).contains(&(last - first)) {
                return DayCounts::Dense { first, span: (last - first + 1) as usize, counts: Vec::new() };
            }
        }
        DayCounts::Sparse(Default::default())
    }

    fn add(&mut self, day: i64) {
        match self {
            DayCounts::Dense { first, span, counts } => {
                if counts.is_empty() {
                    counts.resize(*span, 0);
                }
                match counts.get_mut((day - *first) as usize) {
                    Some(n) => *n += 1,
                    // Outside the column's own range: not expected, counted all the same.
                    None => {
                        let mut map: rustc_hash::FxHashMap<i64, u64> = Default::default();
                        for (i, &n) in counts.iter().enumerate() {
                            if n > 0 {
                                map.insert(*first + i as i64, u64::from(n));
                            }
                        }
                        *map.entry(day).or_default() += 1;
                        *self = DayCounts::Sparse(map);
                    }
                }
            }
            DayCounts::Sparse(map) => *map.entry(day).or_default() += 1,
        }
    }

    /// `(day, count)` for every day with a count, in no particular order.
    fn into_days(self) -> Vec<(i64, u64)> {
        match self {
            DayCounts::Dense { first, counts, .. } => counts
                .into_iter()
                .enumerate()
                .filter(|&(_, n)| n > 0)
                .map(|(i, n)| (first + i as i64, u64::from(n)))
                .collect(),
            DayCounts::Sparse(map) => map.into_iter().collect(),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Months {
    pub counts: BTreeMap<i64, u64>,
    pub undated: u64,
}

impl Collector for MonthCollector {
    type Fruit = Months;
    type Child = MonthSegment;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<MonthSegment> {
        let column = segment.fast_fields().date("published").ok();
        let days = DayCounts::for_column(column.as_ref());
        Ok(MonthSegment { column, period: self.0, days, undated: 0 })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Months>) -> tantivy::Result<Months> {
        let mut out = Months::default();
        for f in fruits {
            out.undated += f.undated;
            for (k, v) in f.counts {
                *out.counts.entry(k).or_default() += v;
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for MonthSegment {
    type Fruit = Months;

    fn collect(&mut self, doc: DocId, _score: Score) {
        match self.column.as_ref().and_then(|c| c.first(doc)) {
            Some(d) => self.days.add(d.into_timestamp_secs().div_euclid(86_400)),
            None => self.undated += 1,
        }
    }

    fn harvest(self) -> Months {
        // Days in order (from the array) fall in runs of one period: one map entry a run.
        let mut counts = BTreeMap::new();
        let mut run: Option<(i64, u64)> = None;
        for (day, n) in self.days.into_days() {
            let key = self.period.key(day * 86_400);
            match &mut run {
                Some((k, c)) if *k == key => *c += n,
                _ => {
                    if let Some((k, c)) = run.replace((key, n)) {
                        *counts.entry(k).or_default() += c;
                    }
                }
            }
        }
        if let Some((k, c)) = run {
            *counts.entry(k).or_default() += c;
        }
        Months { counts, undated: self.undated }
    }
}

/// `year * 12 + (month - 1)` of a Unix time, by the civil calendar (UTC).
pub(crate) fn month_key(secs: i64) -> i64 {
    let (year, month, _) = civil(secs.div_euclid(86_400));
    year * 12 + (month - 1)
}

/// Periods as buckets, gaps filled with zeros so a chart's x axis is time.
/// The time facet's buckets for matches counted by period number (as [`Partial`]'s
/// `month_counts` give them): every period from the first to the last, as a search lists
/// them.
///
/// [`Partial`]: crate::Partial
pub fn period_buckets(counts: &BTreeMap<i64, u64>, period: Period) -> Vec<Bucket> {
    month_buckets(&Months { counts: counts.clone(), undated: 0 }, period).unwrap_or_default()
}

pub(crate) fn month_buckets(m: &Months, period: Period) -> Result<Vec<Bucket>> {
    let (Some(&first), Some(&last)) = (m.counts.keys().next(), m.counts.keys().next_back()) else {
        return Ok(Vec::new());
    };
    // A corpus with a stray date centuries off would make a useless chart: beyond about
    // 50 years of span, list only the periods that have matches.
    let keys: Vec<i64> =
        if last - first <= period.max_span() { (first..=last).collect() } else { m.counts.keys().copied().collect() };
    Ok(keys
        .into_iter()
        .map(|k| Bucket { value: period.label(k), count: m.counts.get(&k).copied().unwrap_or(0) })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A segment's day counts, in an array or a map, and after a day outside the
        /// array's span: the naive count's.
        #[test]
        fn day_counts_are_the_naive_counts(
            first in -40_000i64..40_000,
            days in proptest::collection::vec(0i64..400, 0..300),
            stray in proptest::option::of(-100_000i64..100_000),
        ) {
            let mut naive: BTreeMap<i64, u64> = BTreeMap::new();
            let mut dense = DayCounts::Dense { first, span: 400, counts: Vec::new() };
            let mut sparse = DayCounts::Sparse(Default::default());
            for d in days.iter().map(|d| first + d).chain(stray) {
                *naive.entry(d).or_default() += 1;
                dense.add(d);
                sparse.add(d);
            }
            for counted in [dense, sparse] {
                let got: BTreeMap<i64, u64> = counted.into_days().into_iter().collect();
                proptest::prop_assert_eq!(&got, &naive);
            }
        }

        /// Counted by day, then by period (`MonthSegment`): a day lies in one period of
        /// each kind, so that is the naive count's answer for any time, before 1970 too.
        #[test]
        fn a_day_lies_in_one_period(secs in -62_000_000_000i64..250_000_000_000i64) {
            let day = secs.div_euclid(86_400) * 86_400;
            for p in [Period::Day, Period::Week, Period::Month] {
                proptest::prop_assert_eq!(p.key(secs), p.key(day), "{:?} {}", p, secs);
            }
        }
    }

    #[test]
    fn months_from_unix_time() {
        let key = |s: &str| {
            let secs = chrono_free_parse(s);
            let k = month_key(secs);
            format!("{:04}-{:02}", k.div_euclid(12), k.rem_euclid(12) + 1)
        };
        assert_eq!(key("1970-01-01"), "1970-01");
        assert_eq!(key("1987-02-26"), "1987-02");
        assert_eq!(key("2024-02-29"), "2024-02");
        assert_eq!(key("2024-03-01"), "2024-03");
        assert_eq!(key("1969-12-31"), "1969-12");
        assert_eq!(key("2000-12-31"), "2000-12");
    }

    /// Days from civil (the inverse algorithm), to keep the test free of a date crate.
    fn chrono_free_parse(s: &str) -> i64 {
        let y: i64 = s[..4].parse().unwrap();
        let m: i64 = s[5..7].parse().unwrap();
        let d: i64 = s[8..10].parse().unwrap();
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        (era * 146_097 + doe - 719_468) * 86_400
    }

    #[test]
    fn regression_matches_without_an_outlet_are_counted() {
        // The outlet facet left them out, so its counts did not add up to the matches
        // and a reader could not tell how many had no outlet.
        use std::sync::Arc;

        use crate::testdata::{index, reports};
        use crate::{CountBy, SearchRequest};
        let (articles, stories) = reports();
        let stories = Arc::new(stories);
        let tmp = tempfile::tempdir().unwrap();
        let index = index(tmp.path(), &articles);
        let q = newsdex_query::parse("*", newsdex_query::DefaultOp::And).unwrap();
        // Nine articles, eight stories (two of them are copies), one "outlet".
        for (count, expected) in [(CountBy::Articles, 9), (CountBy::Stories, 8), (CountBy::Outlets, 1)] {
            for listed in [50, 1] {
                let mut req = SearchRequest::new(&q);
                (req.facets, req.count, req.stories) = (true, count, Some(stories.clone()));
                req.limits.facet_outlets = listed;
                let f = index.search(&req).unwrap().facets.unwrap();
                assert_eq!(f.no_outlet, expected, "{count:?}");
                assert_eq!(f.outlet.len(), 3.min(listed as usize), "{count:?}");
                assert!(!f.outlet.iter().any(|b| b.value.is_empty()), "{:?}", f.outlet);
                assert_eq!(f.lang_other, 0);
                if count == CountBy::Articles {
                    let listed: u64 = f.outlet.iter().map(|b| b.count).sum();
                    assert_eq!(listed + f.outlet_other + f.no_outlet, 70, "{f:?}");
                    assert_eq!(f.outlet_other > 0, listed < 61, "{f:?}");
                }
            }
        }
    }

    #[test]
    fn days_and_weeks() {
        let secs = |s: &str| chrono_free_parse(s) + 3_600;
        for (day, monday) in [
            ("1970-01-01", "1969-12-29"),
            ("1987-02-26", "1987-02-23"),
            ("2024-03-03", "2024-02-26"),
            ("2024-03-04", "2024-03-04"),
            ("1969-12-31", "1969-12-29"),
            ("2000-12-31", "2000-12-25"),
        ] {
            assert_eq!(Period::Day.label(Period::Day.key(secs(day))), day);
            assert_eq!(Period::Week.label(Period::Week.key(secs(day))), monday, "{day}");
        }
        // Consecutive days make consecutive keys, and seven of them one week.
        let d = Period::Day.key(secs("2024-02-28"));
        assert_eq!(Period::Day.key(secs("2024-03-01")), d + 2);
        assert_eq!(Period::Week.key(secs("2024-03-10")) + 1, Period::Week.key(secs("2024-03-11")));
    }

    #[test]
    fn gaps_are_filled() {
        let m = Months { counts: BTreeMap::from([(1987 * 12 + 1, 3), (1987 * 12 + 4, 1)]), undated: 2 };
        let b = month_buckets(&m, Period::Month).unwrap();
        let v: Vec<_> = b.iter().map(|b| (b.value.as_str(), b.count)).collect();
        assert_eq!(v, [("1987-02", 3), ("1987-03", 0), ("1987-04", 0), ("1987-05", 1)]);
    }
}
