//! Per-period counts of several series on one axis of periods.
//!
//! Each series arrives as the index counts it: buckets `(period name, count)` of its
//! matching articles, of their distinct stories and of their distinct outlets, the same
//! for every article of the archive under the series' filters (the denominator), and the
//! undated apart. Period names sort as their periods do (`YYYY-MM-DD`, `YYYY-MM`), so the
//! axis is the sorted union of every name any series or denominator has; a period a
//! series lacks counts 0 there.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// One series as counted by the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeriesCounts {
    /// What the series is called on a chart: the query, or the outlet or language of a split.
    pub name: String,
    pub query: String,
    /// The outlet or language a split kept (`None` for a plain query).
    pub filter: Option<String>,
    pub articles: Vec<(String, u64)>,
    pub stories: Vec<(String, u64)>,
    pub outlets: Vec<(String, u64)>,
    /// All articles of the archive in each period under the series' filters.
    pub all_articles: Vec<(String, u64)>,
    /// Undated matches: articles, their distinct stories, their distinct outlets.
    pub undated: [u64; 3],
    /// Undated articles of the archive under the series' filters.
    pub all_undated: u64,
    /// Every matching article, dated or not.
    pub total: u64,
    /// Distinct stories among every match.
    pub total_stories: u64,
}

/// One period of one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The period's name; `None` for the undated.
    pub period: Option<String>,
    pub articles: u64,
    pub stories: u64,
    pub outlets: u64,
    /// Every article of the archive in the period (the denominator of `share`).
    pub all_articles: u64,
    /// `articles ÷ all_articles`; `None` when the period has no article at all.
    pub share: Option<f64>,
}

impl Point {
    fn new(period: Option<String>, counts: [u64; 3], all: u64) -> Point {
        let [articles, stories, outlets] = counts;
        let share = (all > 0).then(|| articles as f64 / all as f64);
        Point { period, articles, stories, outlets, all_articles: all, share }
    }
}

/// One series on the common axis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub name: String,
    pub query: String,
    pub filter: Option<String>,
    /// One point per period of [`Table::periods`], in that order.
    pub points: Vec<Point>,
    /// Matches without a publication date (never dropped: counted here).
    pub undated: Point,
    pub total: u64,
    pub total_stories: u64,
}

/// Several series over one axis of periods.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// `day`, `week` or `month`.
    pub period: String,
    pub periods: Vec<String>,
    pub series: Vec<Series>,
}

/// Align `series` on the union of their periods.
pub fn align(period: &str, series: &[SeriesCounts]) -> Table {
    let mut axis = BTreeSet::new();
    for s in series {
        for list in [&s.articles, &s.stories, &s.outlets, &s.all_articles] {
            axis.extend(list.iter().map(|(p, _)| p.clone()));
        }
    }
    let periods: Vec<String> = axis.into_iter().collect();
    let out = series
        .iter()
        .map(|s| {
            let maps: Vec<BTreeMap<&str, u64>> = [&s.articles, &s.stories, &s.outlets, &s.all_articles]
                .iter()
                .map(|l| {
                    let mut m = BTreeMap::new();
                    for (p, n) in l.iter() {
                        *m.entry(p.as_str()).or_default() += n;
                    }
                    m
                })
                .collect();
            let at = |i: usize, p: &str| maps[i].get(p).copied().unwrap_or(0);
            let points = periods
                .iter()
                .map(|p| {
                    Point::new(
                        Some(p.clone()),
                        [at(0, p.as_str()), at(1, p.as_str()), at(2, p.as_str())],
                        at(3, p.as_str()),
                    )
                })
                .collect();
            Series {
                name: s.name.clone(),
                query: s.query.clone(),
                filter: s.filter.clone(),
                points,
                undated: Point::new(None, s.undated, s.all_undated),
                total: s.total,
                total_stories: s.total_stories,
            }
        })
        .collect();
    Table { period: period.to_string(), periods, series: out }
}

/// The columns of [`Table::to_csv`].
pub const CSV_HEADER: &str = "series,query,filter,period,articles,stories,outlets,all_articles,share";

impl Table {
    /// One row per series and period (the undated last in each series, period `undated`):
    /// RFC 4180 (fields with a comma, quote or line break quoted), CRLF line ends.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        out.push_str(CSV_HEADER);
        out.push_str("\r\n");
        for s in &self.series {
            for p in s.points.iter().chain(std::iter::once(&s.undated)) {
                let fields = [
                    csv_field(&s.name),
                    csv_field(&s.query),
                    csv_field(s.filter.as_deref().unwrap_or("")),
                    csv_field(p.period.as_deref().unwrap_or("undated")),
                    p.articles.to_string(),
                    p.stories.to_string(),
                    p.outlets.to_string(),
                    p.all_articles.to_string(),
                    p.share.map(format_share).unwrap_or_default(),
                ];
                out.push_str(&fields.join(","));
                out.push_str("\r\n");
            }
        }
        out
    }

    /// The largest value a chart of `measure` draws (0 when there is none).
    pub fn max(&self, measure: Measure) -> f64 {
        self.series.iter().flat_map(|s| s.points.iter().map(move |p| measure.of(p))).fold(0.0, f64::max)
    }
}

/// A share as written in tables: at most 6 significant decimals, no exponent.
pub fn format_share(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() { "0".into() } else { s.to_string() }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// What a chart draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Articles,
    Stories,
    Outlets,
    /// Share of all articles of the period.
    Share,
}

impl Measure {
    pub fn of(self, p: &Point) -> f64 {
        match self {
            Measure::Articles => p.articles as f64,
            Measure::Stories => p.stories as f64,
            Measure::Outlets => p.outlets as f64,
            Measure::Share => p.share.unwrap_or(0.0),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Articles => "articles",
            Measure::Stories => "stories",
            Measure::Outlets => "outlets",
            Measure::Share => "share",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Some(match s {
            "articles" => Measure::Articles,
            "stories" => Measure::Stories,
            "outlets" => Measure::Outlets,
            "share" => Measure::Share,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

    /// A match as the naive model sees it: its period (none: undated), story and outlet.
    type Match = (Option<u8>, u8, u8);

    fn label(p: u8) -> String {
        format!("2024-{:02}", p % 12 + 1)
    }

    /// What the index would hand over for `matches`: buckets per period.
    fn counted(name: &str, matches: &[Match], archive: &[Option<u8>]) -> SeriesCounts {
        let mut art: BTreeMap<String, u64> = BTreeMap::new();
        let mut sto: BTreeMap<String, BTreeSet<u8>> = BTreeMap::new();
        let mut out: BTreeMap<String, BTreeSet<u8>> = BTreeMap::new();
        let mut undated = (0u64, BTreeSet::new(), BTreeSet::new());
        for &(p, s, o) in matches {
            match p {
                Some(p) => {
                    *art.entry(label(p)).or_default() += 1;
                    sto.entry(label(p)).or_default().insert(s);
                    out.entry(label(p)).or_default().insert(o);
                }
                None => {
                    undated.0 += 1;
                    undated.1.insert(s);
                    undated.2.insert(o);
                }
            }
        }
        let mut all: BTreeMap<String, u64> = BTreeMap::new();
        for p in archive.iter().flatten() {
            *all.entry(label(*p)).or_default() += 1;
        }
        SeriesCounts {
            name: name.into(),
            query: name.into(),
            filter: None,
            articles: art.into_iter().collect(),
            stories: sto.into_iter().map(|(k, v)| (k, v.len() as u64)).collect(),
            outlets: out.into_iter().map(|(k, v)| (k, v.len() as u64)).collect(),
            all_articles: all.into_iter().collect(),
            undated: [undated.0, undated.1.len() as u64, undated.2.len() as u64],
            all_undated: archive.iter().filter(|p| p.is_none()).count() as u64,
            total: matches.len() as u64,
            total_stories: matches.iter().map(|m| m.1).collect::<BTreeSet<_>>().len() as u64,
        }
    }

    proptest! {
        /// Against a naive model: every match counted once, in its period or as undated;
        /// stories and outlets distinct per period; the share is matches ÷ the period's
        /// articles; every period of any series is on the axis, in time order.
        #[test]
        fn aligned_counts_agree_with_a_naive_count(
            a in proptest::collection::vec((proptest::option::of(0u8..12), 0u8..20, 0u8..5), 0..60),
            b in proptest::collection::vec((proptest::option::of(0u8..12), 0u8..20, 0u8..5), 0..60),
            extra in proptest::collection::vec(proptest::option::of(0u8..12), 0..40),
        ) {
            // The archive holds every match and more.
            let archive: Vec<Option<u8>> = a.iter().chain(&b).map(|m| m.0).chain(extra.iter().copied()).collect();
            let t = align("month", &[counted("a", &a, &archive), counted("b", &b, &archive)]);
            let mut sorted = t.periods.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(&sorted, &t.periods);
            for (s, matches) in t.series.iter().zip([&a, &b]) {
                prop_assert_eq!(s.points.len(), t.periods.len());
                let dated: u64 = s.points.iter().map(|p| p.articles).sum();
                prop_assert_eq!(dated + s.undated.articles, matches.len() as u64);
                for p in &s.points {
                    let period = p.period.clone().unwrap();
                    let here: Vec<&Match> = matches.iter().filter(|m| m.0.map(label) == Some(period.clone())).collect();
                    let all = archive.iter().filter(|x| x.map(label) == Some(period.clone())).count() as u64;
                    prop_assert_eq!(p.articles, here.len() as u64);
                    prop_assert_eq!(p.stories, here.iter().map(|m| m.1).collect::<HashSet<_>>().len() as u64);
                    prop_assert_eq!(p.outlets, here.iter().map(|m| m.2).collect::<HashSet<_>>().len() as u64);
                    prop_assert_eq!(p.all_articles, all);
                    prop_assert!(p.articles <= p.all_articles);
                    match p.share {
                        Some(x) => prop_assert!((x - here.len() as f64 / all as f64).abs() < 1e-12),
                        None => prop_assert_eq!(all, 0),
                    }
                }
            }
        }
    }

    #[test]
    fn csv_quotes_and_names_the_undated() {
        let s = SeriesCounts {
            name: "oil, \"crude\"".into(),
            query: "oil".into(),
            articles: vec![("1987-03".into(), 2)],
            stories: vec![("1987-03".into(), 1)],
            outlets: vec![("1987-03".into(), 1)],
            all_articles: vec![("1987-02".into(), 5), ("1987-03".into(), 8)],
            undated: [1, 1, 1],
            all_undated: 4,
            total: 3,
            total_stories: 2,
            filter: None,
        };
        let csv = align("month", &[s]).to_csv();
        assert_eq!(
            csv,
            "series,query,filter,period,articles,stories,outlets,all_articles,share\r\n\
             \"oil, \"\"crude\"\"\",oil,,1987-02,0,0,0,5,0\r\n\
             \"oil, \"\"crude\"\"\",oil,,1987-03,2,1,1,8,0.25\r\n\
             \"oil, \"\"crude\"\"\",oil,,undated,1,1,1,4,0.25\r\n"
        );
    }
}
