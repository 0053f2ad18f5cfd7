//! Comparisons ([`Engine::compare`]) and keyness ([`Engine::keywords`]): the engine
//! counts, `newsdex-compare` turns the counts into tables.
//!
//! A comparison counts each series with the search's own time facet
//! ([`SearchOptions::facets`] by [`Period`], [`SearchOptions::periods_only`]) three
//! times, by articles, stories and outlets, and the archive's articles under the series'
//! filters once (the query `*`), all pinned to one snapshot so the numbers agree with one
//! another; the searches run side by side on rayon's threads.
//!
//! Keyness reads the matches' texts from the store ([`CHUNK`](crate::export::CHUNK) at a
//! time), then every other document of the archive as of the snapshot once, and splits
//! them into words with the index's tokenizer (the words a search sees). The reference
//! pass reads the whole archive: its cost grows with the archive (measured in
//! BENCHMARKS.md).

use std::collections::{HashMap, HashSet};

use newsdex_compare::{Keyness, KeynessOptions, LangKeywords, SeriesCounts, Split, SplitBy, Table};
use newsdex_core::DocId;
use newsdex_index::{CountBy, Deadline, Expansion, Period};

use crate::{Engine, EngineError, Result, SearchOptions};

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareRequest {
    /// One or more queries (one with a split).
    pub queries: Vec<String>,
    /// One query across these outlets or languages.
    pub split: Option<Split>,
    pub period: Period,
    /// Filters, expansion, snapshot, limits and timeout of every search (each search has
    /// the timeout; paging, order and facets are set here).
    pub opts: SearchOptions,
}

/// What one series' query was also searched as.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeriesNotes {
    pub name: String,
    /// Every match with the query's words as typed, when expansion searched more.
    pub total_as_typed: Option<usize>,
    pub expansions: Vec<Expansion>,
}

/// A comparison's numbers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Comparison {
    /// The snapshot every count was answered from.
    pub snapshot: u64,
    #[serde(flatten)]
    pub table: Table,
    /// Per series, in the table's order.
    pub notes: Vec<SeriesNotes>,
}

/// The key terms of a query's matches.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Keywords {
    pub query: String,
    pub snapshot: u64,
    /// Matching documents.
    pub total: usize,
    pub langs: Vec<LangKeywords>,
    pub total_as_typed: Option<usize>,
    pub expansions: Vec<Expansion>,
}

/// All articles under one set of filters: (per period, undated).
type Denominator = (Vec<(String, u64)>, u64);

/// The filters a denominator depends on: (languages, outlets).
type FilterKey = (Vec<String>, Vec<String>);

impl Engine {
    /// Counts per period of each query (or of one query per outlet or language of
    /// `req.split`), with the archive's articles per period as the denominator.
    pub fn compare(&self, req: &CompareRequest) -> Result<Comparison> {
        let user = |e: newsdex_compare::CompareError| EngineError::Query(e.to_string());
        if req.queries.is_empty() {
            return Err(user(newsdex_compare::CompareError::NoQuery));
        }
        self.index.reload()?;
        let snapshot = self.resolve_snapshot(req.opts.snapshot)?;
        let mut base = req.opts.clone();
        base.snapshot = Some(snapshot);
        base.limit = 0;
        base.offset = 0;
        base.facets = true;
        // Only the time facet is drawn: counting languages and outlets as well held three
        // (value, story or outlet) pairs a match instead of one.
        base.periods_only = true;
        base.collapse = false;
        base.matched = false;
        base.period = req.period;
        // (name, query, filter, options) per series.
        let series: Vec<(String, String, Option<String>, SearchOptions)> = match &req.split {
            None => {
                if req.queries.len() > newsdex_compare::MAX_SERIES {
                    return Err(user(newsdex_compare::CompareError::TooMany(req.queries.len())));
                }
                req.queries.iter().map(|q| (q.clone(), q.clone(), None, base.clone())).collect()
            }
            Some(split) => {
                if req.queries.len() != 1 {
                    return Err(user(newsdex_compare::CompareError::SplitNeedsOneQuery(req.queries.len())));
                }
                let q = &req.queries[0];
                split
                    .values
                    .iter()
                    .map(|v| {
                        let mut o = base.clone();
                        match split.by {
                            SplitBy::Outlet => o.outlets = vec![v.clone()],
                            SplitBy::Lang => {
                                o.langs = vec![newsdex_core::normalize_lang(v).ok_or_else(|| {
                                    EngineError::Query(format!("split: {v:?} is not a language code"))
                                })?]
                            }
                        }
                        Ok((v.clone(), q.clone(), Some(v.clone()), o))
                    })
                    .collect::<Result<_>>()?
            }
        };
        // The denominator depends only on the filters: counted once per distinct filters.
        let mut keys: Vec<FilterKey> = Vec::new();
        for (_, _, _, opts) in &series {
            let key = (opts.langs.clone(), opts.outlets.clone());
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        // Every search of the comparison, run on rayon's threads: each is one thread's
        // work over the whole index (a search runs on one thread), and they are
        // independent (one snapshot pins them all). One after the other, three queries by
        // day over a million articles took 0.9–1.6 s of one core while the other idled.
        let mut searches: Vec<(&str, SearchOptions)> = Vec::with_capacity(series.len() * 3 + keys.len());
        for (_, query, _, opts) in &series {
            for count in [CountBy::Articles, CountBy::Stories, CountBy::Outlets] {
                let mut o = opts.clone();
                o.count = count;
                searches.push((query, o));
            }
        }
        for (langs, outlets) in &keys {
            let mut o = base.clone();
            (o.langs, o.outlets) = (langs.clone(), outlets.clone());
            o.count = CountBy::Articles;
            o.expand = false;
            searches.push(("*", o));
        }
        let mut results: Vec<crate::SearchResults> = {
            use rayon::prelude::*;
            searches.par_iter().map(|(q, o)| self.search(q, o)).collect::<Result<_>>()?
        };
        let all: HashMap<FilterKey, Denominator> = keys
            .into_iter()
            .zip(results.drain(series.len() * 3..))
            .map(|(key, r)| {
                let f = r.facets.unwrap_or_default();
                (key, (pairs(&f.month), f.undated))
            })
            .collect();
        let mut counts = Vec::with_capacity(series.len());
        let mut notes = Vec::with_capacity(series.len());
        let mut results = results.into_iter();
        for (name, query, filter, opts) in series {
            let (Some(articles), Some(stories), Some(outlets)) = (results.next(), results.next(), results.next())
            else {
                unreachable!("three searches per series");
            };
            let (all_articles, all_undated) = all[&(opts.langs, opts.outlets)].clone();
            let facets = |r: &crate::SearchResults| r.facets.clone().unwrap_or_default();
            let (fa, fs, fo) = (facets(&articles), facets(&stories), facets(&outlets));
            counts.push(SeriesCounts {
                name: name.clone(),
                query,
                filter,
                articles: pairs(&fa.month),
                stories: pairs(&fs.month),
                outlets: pairs(&fo.month),
                all_articles,
                undated: [fa.undated, fs.undated, fo.undated],
                all_undated,
                total: articles.total as u64,
                total_stories: articles.stories.unwrap_or(articles.total) as u64,
            });
            notes.push(SeriesNotes { name, total_as_typed: articles.total_as_typed, expansions: articles.expansions });
        }
        Ok(Comparison { snapshot, table: newsdex_compare::table::align(req.period.as_str(), &counts), notes })
    }

    /// The words and word pairs each query's matches use more than the rest of the
    /// archive (same language, as of the snapshot), by log-likelihood G²
    /// ([`newsdex_compare::keyness`]). `opts`' filters choose the matches; the reference
    /// is every other document of the archive in their languages, read once for all the
    /// queries.
    pub fn keywords(&self, queries: &[String], opts: &SearchOptions, kopts: &KeynessOptions) -> Result<Vec<Keywords>> {
        self.index.reload()?;
        let snapshot = self.resolve_snapshot(opts.snapshot)?;
        let deadline = opts.timeout.map_or_else(Deadline::never, Deadline::after);
        let mut out = Vec::with_capacity(queries.len());
        let mut counters = Vec::with_capacity(queries.len());
        for query in queries {
            // The expansion notes, as a search gives them.
            let mut counted = opts.clone();
            counted.snapshot = Some(snapshot);
            counted.limit = 0;
            counted.facets = false;
            let head = self.search(query, &counted)?;
            let (parsed, published) = crate::parse_for(query, opts)?;
            let mut req = crate::filtered_request(&parsed, published, opts);
            req.deadline = deadline.clone();
            req.snapshot = Some(snapshot);
            let mut ids = self.index.matching_ids(&req)?;
            ids.sort_unstable_by_key(|&id| id as i64);
            let mut k = Keyness::new(kopts.clone());
            for chunk in ids.chunks(crate::export::CHUNK) {
                deadline.check()?;
                let chunk: Vec<DocId> = chunk.iter().map(|&i| DocId::from_u64(i)).collect();
                let rows = self.db().docs(&chunk)?;
                for row in rows {
                    let a = &row.article;
                    k.add_target(lang_of(a), &segments(a));
                }
            }
            out.push(Keywords {
                query: query.clone(),
                snapshot,
                total: ids.len(),
                langs: Vec::new(),
                total_as_typed: head.total_as_typed,
                expansions: head.expansions,
            });
            let target: HashSet<u64> = ids.into_iter().collect();
            counters.push((k, target));
        }
        if counters.iter().any(|(_, t)| !t.is_empty()) {
            self.db().for_each_doc_after(0, |row| {
                if row.seq <= snapshot {
                    let a = &row.article;
                    let id = a.id.as_u64();
                    let mut words = None;
                    for (k, target) in counters.iter_mut() {
                        if !target.is_empty() && !target.contains(&id) && k.wants(lang_of(a)) {
                            k.add_reference(lang_of(a), &*words.get_or_insert_with(|| segments(a)));
                        }
                    }
                }
                Ok(())
            })?;
        }
        for (o, (k, _)) in out.iter_mut().zip(counters) {
            o.langs = k.finish();
        }
        Ok(out)
    }
}

/// A document's language code, `und` when none was found.
fn lang_of(a: &newsdex_core::Article) -> &str {
    a.lang.as_deref().unwrap_or("und")
}

/// A facet's buckets as (period, count).
fn pairs(b: &[newsdex_index::Bucket]) -> Vec<(String, u64)> {
    b.iter().map(|b| (b.value.clone(), b.count)).collect()
}

/// The words of a document's title and of the indexed part of its body.
fn segments(a: &newsdex_core::Article) -> [Vec<&str>; 2] {
    [newsdex_index::words(&a.title), newsdex_index::words(newsdex_index::indexed_body(&a.body))]
}
