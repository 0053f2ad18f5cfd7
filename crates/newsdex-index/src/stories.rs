//! Stories at search time: collapsing copies of one article into one hit, and counting
//! facets by articles, stories or outlets.
//!
//! Story membership is not in the index (a story's id changes when an earlier copy
//! arrives, and tantivy documents are not updated in place); the engine passes a
//! [`StoryMap`] of the documents in stories of two or more, read from the document store.
//! Collectors look each match's `doc` fast field up in it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentReader};

use crate::facets::{Bucket, LANG_FACET_SIZE, Months, OUTLET_FACET_SIZE, month_key};

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
        Ok(StoryMembersSegment { map: self.0.clone(), doc, segment: ord, found: HashMap::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut out: Self::Fruit = HashMap::new();
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

/// What is counted once per bucket: a story or an outlet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Unit {
    Story(u64),
    Outlet(String),
}

/// Facet counts of distinct stories or outlets (see [`CountBy`]).
pub(crate) struct DistinctFacets {
    pub by: CountBy,
    pub map: Arc<StoryMap>,
}

#[derive(Default)]
pub(crate) struct Distinct {
    lang: HashSet<(String, Unit)>,
    outlet: HashSet<(String, Unit)>,
    /// Month key, `None` for undated.
    month: HashSet<(Option<i64>, Unit)>,
}

pub(crate) struct DistinctSegment {
    by: CountBy,
    map: Arc<StoryMap>,
    doc: Column<u64>,
    lang: Option<StrColumn>,
    outlet: Option<StrColumn>,
    date: Option<Column<tantivy::DateTime>>,
    /// (bucket ordinal, unit) per facet; units of outlets are ordinals of this segment.
    lang_seen: HashSet<(u64, u64)>,
    outlet_seen: HashSet<(u64, u64)>,
    month_seen: HashSet<(Option<i64>, u64)>,
}

impl Collector for DistinctFacets {
    type Fruit = Distinct;
    type Child = DistinctSegment;

    fn for_segment(&self, _ord: u32, segment: &SegmentReader) -> tantivy::Result<DistinctSegment> {
        let ff = segment.fast_fields();
        Ok(DistinctSegment {
            by: self.by,
            map: self.map.clone(),
            doc: ff.u64("doc")?,
            lang: ff.str("lang")?,
            outlet: ff.str("outlet_facet")?,
            date: ff.date("published").ok(),
            lang_seen: HashSet::new(),
            outlet_seen: HashSet::new(),
            month_seen: HashSet::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Distinct>) -> tantivy::Result<Distinct> {
        let mut out = Distinct::default();
        for f in fruits {
            out.lang.extend(f.lang);
            out.outlet.extend(f.outlet);
            out.month.extend(f.month);
        }
        Ok(out)
    }
}

/// Outlet ordinal standing for "no outlet" in a segment.
const NO_OUTLET: u64 = u64::MAX;

impl SegmentCollector for DistinctSegment {
    type Fruit = Distinct;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let outlet_ord = self.outlet.as_ref().and_then(|c| c.term_ords(doc).next()).unwrap_or(NO_OUTLET);
        let unit = match self.by {
            CountBy::Outlets => outlet_ord,
            _ => {
                let d = self.doc.first(doc).unwrap_or(0);
                self.map.get(&d).copied().unwrap_or(d)
            }
        };
        if let Some(l) = self.lang.as_ref().and_then(|c| c.term_ords(doc).next()) {
            self.lang_seen.insert((l, unit));
        }
        if outlet_ord != NO_OUTLET {
            self.outlet_seen.insert((outlet_ord, unit));
        }
        let month = self.date.as_ref().and_then(|c| c.first(doc)).map(|d| month_key(d.into_timestamp_secs()));
        self.month_seen.insert((month, unit));
    }

    fn harvest(self) -> Distinct {
        let name = |col: &Option<StrColumn>, ord: u64| -> String {
            let mut s = String::new();
            if ord != NO_OUTLET
                && let Some(c) = col
            {
                let _ = c.ord_to_str(ord, &mut s);
            }
            s
        };
        let unit = |u: u64| match self.by {
            CountBy::Outlets => Unit::Outlet(name(&self.outlet, u)),
            _ => Unit::Story(u),
        };
        let mut out = Distinct::default();
        for &(l, u) in &self.lang_seen {
            out.lang.insert((name(&self.lang, l), unit(u)));
        }
        for &(o, u) in &self.outlet_seen {
            out.outlet.insert((name(&self.outlet, o), unit(u)));
        }
        for &(m, u) in &self.month_seen {
            out.month.insert((m, unit(u)));
        }
        out
    }
}

impl Distinct {
    /// Buckets for one facet, most first (ties by value), at most `size`.
    fn buckets(set: &HashSet<(String, Unit)>, size: u32) -> Vec<Bucket> {
        let mut counts: HashMap<&str, u64> = HashMap::new();
        for (v, _) in set {
            *counts.entry(v.as_str()).or_default() += 1;
        }
        let mut out: Vec<Bucket> = counts.into_iter().map(|(v, c)| Bucket { value: v.to_string(), count: c }).collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        out.truncate(size as usize);
        out
    }

    pub(crate) fn lang(&self) -> Vec<Bucket> {
        Self::buckets(&self.lang, LANG_FACET_SIZE)
    }

    pub(crate) fn outlet(&self) -> Vec<Bucket> {
        Self::buckets(&self.outlet, OUTLET_FACET_SIZE)
    }

    pub(crate) fn months(&self) -> Months {
        let mut m = Months::default();
        for (k, _) in &self.month {
            match k {
                Some(k) => *m.counts.entry(*k).or_default() += 1,
                None => m.undated += 1,
            }
        }
        m
    }
}
