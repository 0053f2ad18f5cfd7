//! Stories at search time: collapsing copies of one article into one hit, and counting
//! facets by articles, stories or outlets.
//!
//! Story membership is not in the index (a story's id changes when an earlier copy
//! arrives, and tantivy documents are not updated in place); the engine passes a
//! [`StoryMap`] of the documents in stories of two or more, read from the document store.
//! Collectors look each match's `doc` fast field up in it.

// Fx hashing: these tallies hash a u64 per matching document (a tenth of a by-day compare
// over 1M articles went to SipHash).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use newsdex_query::{Limit, QueryLimits, TooCostly};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentReader};

use crate::facets::{Bucket, LANG_FACET_SIZE, Months, Period};

/// Document → story (the canonical member's document id), for every document in a story
/// of two or more, the canonical member included. Documents not in it are stories of one.
pub type StoryMap = HashMap<u64, u64>;

/// What facet and chart counts count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CountBy {
    /// Matching articles (every copy counts).
    #[default]
    Articles,
    /// Distinct stories among the matches (copies count once).
    Stories,
    /// Distinct outlets among the matches (articles with no outlet count as one).
    Outlets,
}

impl CountBy {
    pub fn as_str(self) -> &'static str {
        match self {
            CountBy::Articles => "articles",
            CountBy::Stories => "stories",
            CountBy::Outlets => "outlets",
        }
    }

    pub fn parse(s: &str) -> Option<CountBy> {
        match s {
            "articles" => Some(CountBy::Articles),
            "stories" => Some(CountBy::Stories),
            "outlets" => Some(CountBy::Outlets),
            _ => None,
        }
    }
}

/// The matches that belong to stories of two or more, by story.
pub(crate) struct StoryMembers(pub Arc<StoryMap>);

pub(crate) struct StoryMembersSegment {
    map: Arc<StoryMap>,
    doc: Option<Column<u64>>,
    segment: u32,
    found: HashMap<u64, Vec<DocAddress>>,
}

impl Collector for StoryMembers {
    type Fruit = HashMap<u64, Vec<DocAddress>>;
    type Child = StoryMembersSegment;

    fn for_segment(&self, ord: u32, segment: &SegmentReader) -> tantivy::Result<StoryMembersSegment> {
        let doc = if self.0.is_empty() { None } else { Some(segment.fast_fields().u64("doc")?) };
        Ok(StoryMembersSegment { map: self.0.clone(), doc, segment: ord, found: HashMap::default() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut out: Self::Fruit = HashMap::default();
        for f in fruits {
            for (story, mut addrs) in f {
                out.entry(story).or_default().append(&mut addrs);
            }
        }
        Ok(out)
    }
}

impl SegmentCollector for StoryMembersSegment {
    type Fruit = HashMap<u64, Vec<DocAddress>>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let Some(col) = &self.doc else { return };
        if let Some(d) = col.first(doc)
            && let Some(&story) = self.map.get(&d)
        {
            self.found.entry(story).or_default().push(DocAddress::new(self.segment, doc));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.found
    }
}

/// What is counted once per bucket: a story (its id), or an outlet (its number in the
/// search's [`Outlets`], the same in every segment; a segment's own ordinals differ).
type Unit = u64;

/// Outlet names numbered as a search's segments meet them, shared by its segments so
/// that a unit compares as a number: counted as strings, each (period, outlet) pair of a
/// comparison by day was a string allocated, hashed and compared (a profile of three
/// queries over a million articles had allocation and string hashing a third of it).
type Outlets = Arc<std::sync::Mutex<HashMap<String, Unit>>>;

/// Facet counts of distinct stories or outlets (see [`CountBy`]).
///
/// Memory is bounded: a match that is a story of one article is counted without being
/// held (no other match can be the same story), so only matches with copies, or (for
/// outlets) distinct outlets, are held as (facet value, unit) pairs; past
/// [`QueryLimits::max_distinct_pairs`] of them counting stops and the search is refused
/// as [`Limit::DistinctPairs`]. Values are named once per value, not per pair.
pub(crate) struct DistinctFacets {
    by: CountBy,
    period: Period,
    /// Count the time facet only (the language and outlet facets stay empty).
    periods_only: bool,
    map: Arc<StoryMap>,
    outlets: Outlets,
    /// Pairs held so far, over every segment.
    held: Arc<AtomicU64>,
    max_pairs: u64,
}

impl DistinctFacets {
    pub(crate) fn new(
        by: CountBy,
        period: Period,
        periods_only: bool,
        map: Arc<StoryMap>,
        limits: &QueryLimits,
    ) -> DistinctFacets {
        DistinctFacets {
            by,
            period,
            periods_only,
            map,
            outlets: Outlets::default(),
            held: Arc::new(AtomicU64::new(0)),
            max_pairs: limits.max_distinct_pairs,
        }
    }
}

/// Per facet value: units counted without being held, and the units held.
#[derive(Debug, Default)]
struct Tally {
    singles: u64,
    units: HashSet<Unit>,
}

impl Tally {
    fn count(&self) -> u64 {
        self.singles + self.units.len() as u64
    }

    fn merge(&mut self, other: Tally) {
        self.singles += other.singles;
        self.units.extend(other.units);
    }
}

#[derive(Default)]
pub(crate) struct Distinct {
    lang: HashMap<String, Tally>,
    outlet: HashMap<String, Tally>,
    /// Matches without an outlet.
    no_outlet: Tally,
    /// Month key, `None` for undated.
    month: HashMap<Option<i64>, Tally>,
    /// Counting stopped at the pair limit.
    over: bool,
}

pub(crate) struct DistinctSegment {
    by: CountBy,
    period: Period,
    periods_only: bool,
    map: Arc<StoryMap>,
    outlets: Outlets,
    doc: Column<u64>,
    lang: Option<StrColumn>,
    outlet: Option<StrColumn>,
    date: Option<Column<tantivy::DateTime>>,
    /// (bucket ordinal, unit) per facet; units of outlets are ordinals of this segment.
    lang_seen: HashSet<(u64, u64)>,
    outlet_seen: HashSet<(u64, u64)>,
    month_seen: HashSet<(Option<i64>, u64)>,
    /// Matches that are stories of one article, per bucket.
    lang_single: HashMap<u64, u64>,
    outlet_single: HashMap<u64, u64>,
    month_single: HashMap<Option<i64>, u64>,
    held: Arc<AtomicU64>,
    max_pairs: u64,
    over: bool,
}

impl Collector for DistinctFacets {
    type Fruit = Distinct;
    type Child = DistinctSegment;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<DistinctSegment> {
        let ff = segment.fast_fields();
        Ok(DistinctSegment {
            by: self.by,
            period: self.period,
            periods_only: self.periods_only,
            map: self.map.clone(),
            outlets: self.outlets.clone(),
            doc: ff.u64("doc")?,
            lang: ff.str("lang")?,
            outlet: ff.str("outlet_facet")?,
            date: ff.date("published").ok(),
            lang_seen: HashSet::default(),
            outlet_seen: HashSet::default(),
            month_seen: HashSet::default(),
            lang_single: HashMap::default(),
            outlet_single: HashMap::default(),
            month_single: HashMap::default(),
            held: self.held.clone(),
            max_pairs: self.max_pairs,
            over: false,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Distinct>) -> tantivy::Result<Distinct> {
        let mut out = Distinct::default();
        for f in fruits {
            out.over |= f.over;
            for (k, t) in f.lang {
                out.lang.entry(k).or_default().merge(t);
            }
            for (k, t) in f.outlet {
                out.outlet.entry(k).or_default().merge(t);
            }
            out.no_outlet.merge(f.no_outlet);
            for (k, t) in f.month {
                out.month.entry(k).or_default().merge(t);
            }
        }
        Ok(out)
    }
}

/// Outlet ordinal standing for "no outlet" in a segment.
const NO_OUTLET: u64 = u64::MAX;

impl DistinctSegment {
    /// Hold one more pair, unless that would pass the limit.
    fn hold<K: std::hash::Hash + Eq>(set: &mut HashSet<K>, key: K, held: &AtomicU64, max: u64, over: &mut bool) {
        if *over || set.contains(&key) {
            return;
        }
        if held.fetch_add(1, Ordering::Relaxed) >= max {
            *over = true;
            return;
        }
        set.insert(key);
    }
}

impl SegmentCollector for DistinctSegment {
    type Fruit = Distinct;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if self.over {
            return;
        }
        let outlet_ord = self.outlet.as_ref().and_then(|c| c.term_ords(doc).next()).unwrap_or(NO_OUTLET);
        // A story of one article (not in the map) is unique to this match: counted, not held.
        let unit = match self.by {
            CountBy::Outlets => Some(outlet_ord),
            _ => {
                let d = self.doc.first(doc).unwrap_or(0);
                self.map.get(&d).copied()
            }
        };
        let month = self.date.as_ref().and_then(|c| c.first(doc)).map(|d| self.period.key(d.into_timestamp_secs()));
        let (held, max, over) = (&*self.held, self.max_pairs, &mut self.over);
        if self.periods_only {
            match unit {
                None => *self.month_single.entry(month).or_default() += 1,
                Some(u) => Self::hold(&mut self.month_seen, (month, u), held, max, over),
            }
            return;
        }
        let lang = self.lang.as_ref().and_then(|c| c.term_ords(doc).next());
        match unit {
            None => {
                if let Some(l) = lang {
                    *self.lang_single.entry(l).or_default() += 1;
                }
                *self.outlet_single.entry(outlet_ord).or_default() += 1;
                *self.month_single.entry(month).or_default() += 1;
            }
            Some(u) => {
                if let Some(l) = lang {
                    Self::hold(&mut self.lang_seen, (l, u), held, max, over);
                }
                Self::hold(&mut self.outlet_seen, (outlet_ord, u), held, max, over);
                Self::hold(&mut self.month_seen, (month, u), held, max, over);
            }
        }
    }

    fn harvest(self) -> Distinct {
        let DistinctSegment {
            by,
            lang,
            outlet,
            lang_seen,
            outlet_seen,
            month_seen,
            lang_single,
            outlet_single,
            month_single,
            over,
            outlets,
            ..
        } = self;
        // Each value is named once, however many pairs it has.
        let mut names: HashMap<(bool, u64), String> = HashMap::default();
        let mut name = |is_outlet: bool, ord: u64| -> String {
            names
                .entry((is_outlet, ord))
                .or_insert_with(|| {
                    let mut s = String::new();
                    let col = if is_outlet { &outlet } else { &lang };
                    if ord != NO_OUTLET
                        && let Some(c) = col
                    {
                        let _ = c.ord_to_str(ord, &mut s);
                    }
                    s
                })
                .clone()
        };
        let mut out = Distinct { over, ..Distinct::default() };
        // A segment's outlet ordinals as the search's numbers, each looked up once.
        let mut numbered: HashMap<u64, Unit> = HashMap::default();
        let mut unit = |name: &mut dyn FnMut(bool, u64) -> String, u: u64| match by {
            CountBy::Outlets => *numbered.entry(u).or_insert_with(|| {
                let mut all = outlets.lock().unwrap_or_else(|p| p.into_inner());
                let next = all.len() as Unit;
                *all.entry(name(true, u)).or_insert(next)
            }),
            _ => u,
        };
        for (l, u) in lang_seen {
            let u = unit(&mut name, u);
            out.lang.entry(name(false, l)).or_default().units.insert(u);
        }
        for (o, u) in outlet_seen {
            let u = unit(&mut name, u);
            let tally = if o == NO_OUTLET { &mut out.no_outlet } else { out.outlet.entry(name(true, o)).or_default() };
            tally.units.insert(u);
        }
        for (m, u) in month_seen {
            out.month.entry(m).or_default().units.insert(unit(&mut name, u));
        }
        for (l, n) in lang_single {
            out.lang.entry(name(false, l)).or_default().singles += n;
        }
        for (o, n) in outlet_single {
            let tally = if o == NO_OUTLET { &mut out.no_outlet } else { out.outlet.entry(name(true, o)).or_default() };
            tally.singles += n;
        }
        for (m, n) in month_single {
            out.month.entry(m).or_default().singles += n;
        }
        out
    }
}

impl Distinct {
    /// Refused if counting stopped at the pair limit.
    pub(crate) fn within(self, limits: &QueryLimits) -> crate::Result<Distinct> {
        if self.over {
            let max = limits.max_distinct_pairs;
            return Err(crate::IndexError::Refused(TooCostly::new(Limit::DistinctPairs, "", max, max)));
        }
        Ok(self)
    }

    /// Buckets for one facet, most first (ties by value), at most `size`; and the counts
    /// of the rest, summed.
    fn buckets(tallies: &HashMap<String, Tally>, size: u32) -> (Vec<Bucket>, u64) {
        let mut out: Vec<Bucket> = tallies.iter().map(|(v, t)| Bucket { value: v.clone(), count: t.count() }).collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let other = out.iter().skip(size as usize).map(|b| b.count).sum();
        out.truncate(size as usize);
        (out, other)
    }

    pub(crate) fn lang(&self) -> (Vec<Bucket>, u64) {
        Self::buckets(&self.lang, LANG_FACET_SIZE)
    }

    /// Matches without an outlet: their distinct stories, or (counting outlets) 1 if any.
    pub(crate) fn no_outlet(&self) -> u64 {
        self.no_outlet.count()
    }

    pub(crate) fn outlet(&self, size: u32) -> (Vec<Bucket>, u64) {
        Self::buckets(&self.outlet, size)
    }

    pub(crate) fn months(&self) -> Months {
        let mut m = Months::default();
        for (k, t) in &self.month {
            match k {
                Some(k) => *m.counts.entry(*k).or_default() += t.count(),
                None => m.undated += t.count(),
            }
        }
        m
    }
}
