//! Boilerplate learned from the corpus: lines that recur at the edges of many documents
//! of one group (an outlet; or, for documents without one, the folder or file they came
//! from) are an outlet's furniture, not its news: "Reuter" closing 88% of Reuters-21578's
//! stories, "Follow us on Telegram", a copyright line. Works in any language, because it
//! only counts.
//!
//! Each group keeps a Misra–Gries summary of the normalised edge lines of its documents
//! ([`newsdex_extract::boiler::edge_keys`]): at most [`COUNTERS`] counters, which find
//! every line in more than 1/[`COUNTERS`] of the documents and never overcount. A line is
//! boilerplate once the group has [`MIN_GROUP`] documents and the line is in at least
//! [`SHARE`] of them (and [`MIN_DOCS`]). A batch's documents are counted before its lines
//! are judged, so a group's first batch already learns from itself. The summaries are
//! committed with each batch (crash-safe) and a reindex relearns them in the same order,
//! so it decides the same way. The price of deciding as documents arrive: the documents
//! of a group's first batches that come before a line is frequent enough keep it (with a
//! batch of 2,048 documents, only groups spread thinly over many batches are affected).

use std::collections::{HashMap, HashSet};

use newsdex_core::{Article, Provenance, Warning};
use newsdex_extract::boiler;
use newsdex_store::DocDb;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Result;

/// Counters per group.
pub const COUNTERS: usize = 64;
/// Documents a group needs before anything is judged boilerplate.
pub const MIN_GROUP: u64 = 20;
/// Share of a group's documents a line must be in…
pub const SHARE: f64 = 0.05;
/// …and at least this many.
pub const MIN_DOCS: u64 = 5;

/// One group's summary. Its at most [`COUNTERS`] counters are looked up by a scan, not a
/// hash map, which had to be rebuilt after every decrement (each new line of a full
/// summary). With that change and the lines found and stripped on every core, naming
/// outlets and learning boilerplate took 0.35 s of a 100,000-article synthetic ingest
/// instead of 0.53 s (one run each); at 1M the whole ingest showed no gain beyond the
/// spread (BENCHMARKS.md, 2026-12-07).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub docs: u64,
    /// (line key, count), at most [`COUNTERS`], each key once.
    counters: Vec<(u64, u64)>,
}

impl Summary {
    /// Count one document's distinct edge-line keys.
    pub fn observe(&mut self, keys: &[u64]) {
        self.docs += 1;
        for &k in keys {
            if let Some(c) = self.counters.iter_mut().find(|c| c.0 == k) {
                c.1 += 1;
            } else if self.counters.len() < COUNTERS {
                self.counters.push((k, 1));
            } else {
                for c in &mut self.counters {
                    c.1 -= 1;
                }
                self.counters.retain(|c| c.1 > 0);
            }
        }
    }

    /// A lower bound of the number of documents with line `key` at an edge.
    pub fn count(&self, key: u64) -> u64 {
        self.counters.iter().find(|c| c.0 == key).map_or(0, |c| c.1)
    }

    pub fn is_boiler(&self, key: u64) -> bool {
        self.docs >= MIN_GROUP && {
            let n = self.count(key);
            n >= MIN_DOCS && n as f64 >= SHARE * self.docs as f64
        }
    }

    fn from_json(s: &str) -> Summary {
        serde_json::from_str(s).unwrap_or_default()
    }
}

/// The group a document's boilerplate is learned in.
pub fn group_of(a: &Article, p: &Provenance) -> String {
    if let Some(o) = &a.outlet {
        return format!("outlet:{}", o.to_lowercase());
    }
    if p.line.is_some() {
        return format!("file:{}", p.source);
    }
    let dir = p.source.rsplit_once(['/', '\\']).map_or("", |(d, _)| d);
    format!("dir:{dir}")
}

/// The summaries touched by an ingest run.
#[derive(Debug, Default)]
pub struct Learner {
    groups: HashMap<String, Summary>,
    touched: HashSet<String>,
}

impl Learner {
    /// Count `docs` into their groups, then strip the lines each group has learned. The
    /// counting is in the documents' order (it decides what is learned); finding each
    /// document's lines and stripping them are done in parallel.
    pub fn apply(&mut self, db: &DocDb, docs: &mut [(Article, Provenance)]) -> Result<()> {
        let keyed: Vec<(String, Vec<u64>)> =
            docs.par_iter().map(|(a, p)| (group_of(a, p), boiler::edge_keys(&a.body))).collect();
        for (grp, keys) in &keyed {
            if !self.groups.contains_key(grp) {
                let sm = db.line_stats(grp)?.map(|s| Summary::from_json(&s)).unwrap_or_default();
                self.groups.insert(grp.clone(), sm);
            }
            self.groups.get_mut(grp).expect("inserted").observe(keys);
            if !self.touched.contains(grp) {
                self.touched.insert(grp.clone());
            }
        }
        let groups = &self.groups;
        docs.par_iter_mut().zip(keyed).for_each(|((a, _), (grp, _))| {
            let sm = &groups[&grp];
            if let Some((body, removed)) = boiler::strip_keys(&a.body, |k| sm.is_boiler(k)) {
                let n = removed.len() as u64;
                a.warnings.push(Warning::counted(
                    "boilerplate-learned",
                    format!(
                        "{n} line(s) removed that recur at the edges of many documents of this {} (kept in the record)",
                        if grp.starts_with("outlet:") { "outlet" } else { "source" }
                    ),
                    n,
                ));
                a.body = body;
                a.removed.extend(removed);
            }
        });
        Ok(())
    }

    /// Summaries changed since the last call, serialised for the batch.
    pub fn take_touched(&mut self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .touched
            .drain()
            .map(|g| {
                let json = serde_json::to_string(&self.groups[&g]).expect("a summary serialises");
                (g, json)
            })
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misra_gries_finds_every_frequent_line_and_never_overcounts() {
        let mut sm = Summary::default();
        // 1,000 documents: line 7 in 30%, line 8 in 6%, and 400 distinct one-off lines.
        for d in 0..1000u64 {
            let mut keys = vec![1_000 + d % 400];
            if d % 10 < 3 {
                keys.push(7);
            }
            if d % 50 < 3 {
                keys.push(8);
            }
            sm.observe(&keys);
        }
        assert!(sm.count(7) <= 300 && sm.count(7) >= 300 - 1000 / 65, "{}", sm.count(7));
        assert!(sm.count(8) <= 60 && sm.count(8) >= 60 - 1000 / 65, "{}", sm.count(8));
        assert!(sm.is_boiler(7));
        assert!(!sm.is_boiler(1_005));
        // Round trip.
        let back = Summary::from_json(&serde_json::to_string(&sm).unwrap());
        assert_eq!(back.count(7), sm.count(7));
        assert_eq!(back.docs, 1000);
    }

    proptest::proptest! {
        /// Against the summary as it was kept before (a hash map from key to counter,
        /// rebuilt after each decrement): the same counters, in the same order, so a
        /// summary committed by an older build is read and grown the same way.
        #[test]
        fn summaries_count_as_the_hash_map_version_did(docs in proptest::collection::vec(proptest::collection::btree_set(0u64..120, 0..6), 0..400)) {
            let mut sm = Summary::default();
            let (mut counters, mut index) = (Vec::<(u64, u64)>::new(), HashMap::<u64, usize>::new());
            for keys in &docs {
                let keys: Vec<u64> = keys.iter().copied().collect();
                sm.observe(&keys);
                for &k in &keys {
                    if let Some(&i) = index.get(&k) {
                        counters[i].1 += 1;
                    } else if counters.len() < COUNTERS {
                        index.insert(k, counters.len());
                        counters.push((k, 1));
                    } else {
                        for c in &mut counters {
                            c.1 -= 1;
                        }
                        counters.retain(|c| c.1 > 0);
                        index = counters.iter().enumerate().map(|(i, (k, _))| (*k, i)).collect();
                    }
                }
            }
            proptest::prop_assert_eq!(&sm.counters, &counters);
            for k in 0..120 {
                proptest::prop_assert_eq!(sm.count(k), index.get(&k).map_or(0, |&i| counters[i].1));
            }
        }
    }

    #[test]
    fn small_groups_learn_nothing() {
        let mut sm = Summary::default();
        for _ in 0..10 {
            sm.observe(&[42]);
        }
        assert!(!sm.is_boiler(42), "ten documents are too few to call anything boilerplate");
    }
}
