//! Searching a collection through shard servers: what a shard server answers, and how
//! the root merges the answers into the one an archive holding every document gives.
//!
//! Query then fetch, as Elasticsearch's coordinating node does it:
//!
//! 1. **Query.** Every shard server runs the search over the shards it owns
//!    ([`Collection::query_phase`]) and answers a [`Partial`]: its best `offset + limit`
//!    hits (whole, with snippets: at most that many per server), its counts, facets with
//!    every outlet listed, each story's matching members counted, and with a date order
//!    each hit's date. Scores are already the collection's: a shard server reads every
//!    shard's term statistics (`newsdex-index`'s `union`), so nothing needs a second
//!    round for global statistics (Elasticsearch's `dfs_query_then_fetch`).
//! 2. **Merge** ([`merge`]). Hits in the order asked (score, then smaller id; or date,
//!    undated last, then smaller id: the order one index uses, so equal keys do not
//!    depend on where a document sits), one per story when collapsed; counts and facets
//!    summed; a story's matching members counted over all shards.
//! 3. **Members** ([`Collection::members_phase`], [`add_members`]). For a collapsed page,
//!    the winning stories' other matching members, from every shard, earliest first.
//!
//! A shard server that does not answer leaves its shards out, and the answer says so
//! ([`ShardsAnswered`]): never a silent gap in a count.
//!
//! Facets counted by stories or outlets (distinct counts, which do not add up across
//! shards) are refused here; a collection searched in one process
//! ([`Collection::search`]) counts them.

use std::collections::{BTreeMap, HashMap, HashSet};

use newsdex_engine::{
    ALSO_LISTED, Bucket, CountBy, Facets, Hit, Member, Partial, SearchOptions, SearchResults, ShardsAnswered, Sort,
    StoryPart, period_buckets,
};
use serde::{Deserialize, Serialize};

use newsdex_engine::EngineError;

use crate::{Collection, CollectionError, Result};

/// Most outlets a shard lists in its part of the outlet facet: every one, in practice, so
/// that the merged list and its "other" count are exact.
const ALL_OUTLETS: u32 = 1_000_000;

/// The query phase's request to a shard server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueryRequest {
    pub q: String,
    pub opts: SearchOptions,
}

/// The members phase's request: the stories whose matching members to list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MembersRequest {
    pub q: String,
    pub opts: SearchOptions,
    pub stories: Vec<u64>,
}

/// What a shard server says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardHealth {
    /// The shards it answers for.
    pub own: Vec<u32>,
    /// The collection's shard count.
    pub of: u32,
    /// Documents in its own shards.
    pub documents: u64,
}

/// The request every shard server gets for `query` asked with `opts`: the first
/// `offset + limit` hits, every outlet of the facet. Refused (with the reason) when the
/// search cannot be answered by merging shards' parts.
pub fn query_request(query: &str, opts: &SearchOptions) -> Result<QueryRequest> {
    if opts.facets && opts.count != CountBy::Articles {
        return Err(CollectionError::Refused(format!(
            "facets counted by {} cannot be summed over shard servers (a story or an outlet may be in several shards); \
             count articles, or search the collection in one process (`newsdex --data COLLECTION search`)",
            opts.count.as_str()
        )));
    }
    if opts.snapshot.is_some() {
        return Err(CollectionError::Refused(
            "a collection has no single snapshot (each shard numbers its own batches); search without one".into(),
        ));
    }
    let mut o = opts.clone();
    o.limit = opts.offset.saturating_add(opts.limit);
    o.offset = 0;
    o.limits.facet_outlets = o.limits.facet_outlets.max(ALL_OUTLETS);
    Ok(QueryRequest { q: query.to_string(), opts: o })
}

impl Collection {
    /// A shard server's part of a search (its own shards: [`Collection::open_owning`]).
    pub fn query_phase(&self, req: &QueryRequest) -> Result<Partial> {
        Ok(newsdex_engine::search_partial_in(&self.index, self.stories.clone(), &req.q, &req.opts)?)
    }

    /// A shard server's matching members of `req.stories`.
    pub fn members_phase(&self, req: &MembersRequest) -> Result<Vec<StoryPart>> {
        Ok(newsdex_engine::members_in(&self.index, self.stories.clone(), &req.q, &req.opts, &req.stories)?)
    }

    /// What this process answers for (every shard unless opened owning some).
    pub fn health(&self) -> ShardHealth {
        let own: Vec<u32> = match &self.own {
            Some(own) => own.clone(),
            None => (0..self.manifest.shards).collect(),
        };
        let documents = own.iter().map(|i| self.shards[*i as usize].num_docs()).sum();
        ShardHealth { own, of: self.manifest.shards, documents }
    }
}

/// The order hits are merged in: what ranks first is smaller.
fn merge_key(sort: Sort, hit: &Hit, date: Option<i64>) -> (u8, i128, u64) {
    let id = hit.id.as_u64();
    match sort {
        // Higher score first; the order of f32 bits made total.
        Sort::Relevance => (0, -(ordered(hit.score) as i128), id),
        Sort::Newest => date.map_or((1, 0, id), |t| (0, -(t as i128), id)),
        Sort::Oldest => date.map_or((1, 0, id), |t| (0, t as i128, id)),
    }
}

/// An f32's order as an integer's (NaN-free scores; -0 and 0 equal).
fn ordered(score: f32) -> i64 {
    let s = if score == 0.0 { 0.0f32 } else { score };
    let bits = s.to_bits() as i32;
    i64::from(if bits < 0 { !bits ^ i32::MIN } else { bits }) // negative floats reversed
}

/// A merged answer, with the stories whose members phase 3 lists.
#[derive(Debug, Clone)]
pub struct Merged {
    pub results: SearchResults,
    /// Stories of the page's hits that have other matching members (collapsed only).
    pub wanted: Vec<u64>,
}

/// Merge the parts of the shard servers that answered (`parts`) for a search asked with
/// `opts`; `answered` says which shards they cover.
pub fn merge(opts: &SearchOptions, parts: &[Partial], answered: ShardsAnswered) -> Merged {
    let mut hits: Vec<((u8, i128, u64), &Hit)> = Vec::new();
    for p in parts {
        for (i, h) in p.results.hits.iter().enumerate() {
            let date = p.date_keys.get(i).copied().flatten();
            hits.push((merge_key(opts.sort, h, date), h));
        }
    }
    hits.sort_by_key(|(k, _)| *k);
    let mut story_size: HashMap<u64, u64> = HashMap::new();
    for p in parts {
        for (s, n) in &p.story_matches {
            *story_size.entry(*s).or_default() += u64::from(*n);
        }
    }
    let page: Vec<Hit> = if opts.collapse {
        let mut seen = HashSet::new();
        hits.into_iter()
            .filter(|(_, h)| seen.insert(h.story))
            .skip(opts.offset)
            .take(opts.limit)
            .map(|(_, h)| h.clone())
            .collect()
    } else {
        hits.into_iter().skip(opts.offset).take(opts.limit).map(|(_, h)| h.clone()).collect()
    };
    let mut wanted = Vec::new();
    let page: Vec<Hit> = page
        .into_iter()
        .map(|mut h| {
            h.also = Vec::new();
            h.also_total = 0;
            if opts.collapse {
                let n = story_size.get(&h.story.as_u64()).copied().unwrap_or(1);
                h.also_total = n.saturating_sub(1) as usize;
                if h.also_total > 0 {
                    wanted.push(h.story.as_u64());
                }
            }
            h
        })
        .collect();
    let total: usize = parts.iter().map(|p| p.results.total).sum();
    let some = |f: &dyn Fn(&SearchResults) -> Option<usize>| -> Option<usize> {
        let v: Vec<Option<usize>> = parts.iter().map(|p| f(&p.results)).collect();
        v.iter().any(Option::is_some).then(|| v.iter().map(|x| x.unwrap_or(0)).sum())
    };
    let stories = parts.iter().any(|p| p.results.stories.is_some()).then(|| {
        let folded: u64 = story_size.values().map(|n| n.saturating_sub(1)).sum();
        total.saturating_sub(folded as usize)
    });
    let mut expansions = parts.first().map(|p| p.results.expansions.clone()).unwrap_or_default();
    for e in &mut expansions {
        e.added = parts
            .iter()
            .flat_map(|p| p.results.expansions.iter().filter(|x| x.term == e.term).map(|x| x.added).take(1))
            .sum();
    }
    let facets = opts.facets.then(|| merged_facets(opts, parts));
    let results = SearchResults {
        total,
        total_as_typed: some(&|r| r.total_as_typed),
        stories,
        collapsed: opts.collapse,
        hits: if opts.limit == 0 { Vec::new() } else { page },
        facets,
        expansions,
        sort: opts.sort,
        undated: some(&|r| r.undated),
        snapshot: None,
        shards: Some(answered),
    };
    Merged { results, wanted }
}

/// Facets summed over the parts, listed as one index lists them.
fn merged_facets(opts: &SearchOptions, parts: &[Partial]) -> Facets {
    let facets: Vec<&Facets> = parts.iter().filter_map(|p| p.results.facets.as_ref()).collect();
    let sum = |f: &dyn Fn(&Facets) -> u64| facets.iter().map(|x| f(x)).sum::<u64>();
    let (lang, lang_over) = summed(facets.iter().map(|f| &f.lang), newsdex_engine::LANG_FACET_SIZE as usize);
    let (outlet, outlet_over) = summed(facets.iter().map(|f| &f.outlet), opts.limits.facet_outlets as usize);
    let mut months: BTreeMap<i64, u64> = BTreeMap::new();
    for p in parts {
        for (k, n) in &p.month_counts {
            *months.entry(*k).or_default() += n;
        }
    }
    Facets {
        lang,
        lang_other: sum(&|f| f.lang_other) + lang_over,
        outlet,
        outlet_other: sum(&|f| f.outlet_other) + outlet_over,
        no_outlet: sum(&|f| f.no_outlet),
        month: period_buckets(&months, opts.period),
        period: opts.period,
        undated: sum(&|f| f.undated),
        dates_guessed: sum(&|f| f.dates_guessed),
        counted: opts.count,
    }
}

/// Buckets of the same values added up, most first (ties by value), the first `keep`
/// listed and the rest's count.
fn summed<'a>(lists: impl Iterator<Item = &'a Vec<Bucket>>, keep: usize) -> (Vec<Bucket>, u64) {
    let mut by: HashMap<&str, u64> = HashMap::new();
    for l in lists {
        for b in l {
            *by.entry(b.value.as_str()).or_default() += b.count;
        }
    }
    let mut all: Vec<Bucket> = by.into_iter().map(|(v, n)| Bucket { value: v.to_string(), count: n }).collect();
    all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    let over = all.iter().skip(keep).map(|b| b.count).sum();
    all.truncate(keep);
    (all, over)
}

/// The members request for a merged page's stories.
pub fn members_request(query: &str, opts: &SearchOptions, merged: &Merged) -> MembersRequest {
    let mut o = opts.clone();
    o.facets = false;
    MembersRequest { q: query.to_string(), opts: o, stories: merged.wanted.clone() }
}

/// List each collapsed hit's other matching members from the shards' lists: earliest
/// first (undated last, ties by id), at most [`ALSO_LISTED`].
pub fn add_members(results: &mut SearchResults, parts: &[Vec<StoryPart>]) {
    let mut by_story: HashMap<u64, Vec<&Member>> = HashMap::new();
    for part in parts {
        for s in part {
            by_story.entry(s.story).or_default().extend(s.listed.iter());
        }
    }
    for hit in &mut results.hits {
        let Some(members) = by_story.get_mut(&hit.story.as_u64()) else { continue };
        members.sort_by_key(|m| (m.published.unwrap_or(i64::MAX), m.also.id.as_u64()));
        hit.also = members.iter().filter(|m| m.also.id != hit.id).take(ALSO_LISTED).map(|m| m.also.clone()).collect();
    }
}

/// Why a shard server gave no part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardFailure {
    /// It refused the search (a bad query, one over a limit): every server would, so the
    /// search fails with this message.
    Query(String),
    /// It ran past the search's time limit.
    Timeout(std::time::Duration),
    /// It could not be reached or failed: its shards are left out, and the answer says so.
    Down(String),
}

impl From<CollectionError> for ShardFailure {
    fn from(e: CollectionError) -> ShardFailure {
        match e {
            CollectionError::Engine(EngineError::Query(m)) => ShardFailure::Query(m),
            CollectionError::Refused(m) => ShardFailure::Query(m),
            CollectionError::Engine(EngineError::Timeout { limit }) => ShardFailure::Timeout(limit),
            e => ShardFailure::Down(e.to_string()),
        }
    }
}

impl ShardFailure {
    /// The search's error, when a failure fails the whole search.
    pub fn fails_search(&self) -> Option<CollectionError> {
        match self {
            ShardFailure::Query(m) => Some(CollectionError::Engine(EngineError::Query(m.clone()))),
            ShardFailure::Timeout(limit) => Some(CollectionError::Engine(EngineError::Timeout { limit: *limit })),
            ShardFailure::Down(_) => None,
        }
    }
}

/// Where a search through shard servers goes: one server's query and members phases
/// (over HTTP, or in this process for tests).
pub trait ShardServer {
    /// The shards it answers for.
    fn own(&self) -> Vec<u32>;
    fn query(&self, req: &QueryRequest) -> std::result::Result<Partial, ShardFailure>;
    fn members(&self, req: &MembersRequest) -> std::result::Result<Vec<StoryPart>, ShardFailure>;
}

impl ShardServer for Collection {
    fn own(&self) -> Vec<u32> {
        self.health().own
    }
    fn query(&self, req: &QueryRequest) -> std::result::Result<Partial, ShardFailure> {
        Ok(self.query_phase(req)?)
    }
    fn members(&self, req: &MembersRequest) -> std::result::Result<Vec<StoryPart>, ShardFailure> {
        Ok(self.members_phase(req)?)
    }
}

/// Parts, shards answered, shards missing with the reason.
pub type Gathered<T> = (Vec<T>, u32, Vec<(u32, String)>);

/// The parts of the servers that answered, and the shards of those that did not, with
/// the reason; a failure that fails the search (a bad query, the time limit) is its error.
pub fn gather<T>(answers: Vec<(Vec<u32>, std::result::Result<T, ShardFailure>)>) -> Result<Gathered<T>> {
    let (mut parts, mut answered, mut missing) = (Vec::new(), 0, Vec::new());
    for (own, a) in answers {
        match a {
            Ok(p) => {
                parts.push(p);
                answered += own.len() as u32;
            }
            Err(f) => {
                if let Some(e) = f.fails_search() {
                    return Err(e);
                }
                let ShardFailure::Down(why) = f else { unreachable!("failures other than Down fail the search") };
                missing.extend(own.into_iter().map(|i| (i, why.clone())));
            }
        }
    }
    missing.sort();
    Ok((parts, answered, missing))
}

/// Search through `servers` (one after another: the server's root runs the same phases
/// concurrently), for a collection of `shards` shards.
pub fn search_through(
    servers: &[&dyn ShardServer],
    shards: u32,
    query: &str,
    opts: &SearchOptions,
) -> Result<SearchResults> {
    let req = query_request(query, opts)?;
    let answers = servers.iter().map(|s| (s.own(), s.query(&req))).collect();
    let (parts, answered, missing) = gather(answers)?;
    let up: Vec<&dyn ShardServer> =
        servers.iter().copied().filter(|s| !s.own().iter().any(|i| missing.iter().any(|(m, _)| m == i))).collect();
    let mut merged = merge(opts, &parts, ShardsAnswered { total: shards, answered, missing });
    if !merged.wanted.is_empty() {
        let mreq = members_request(query, opts, &merged);
        let (lists, _, _) = gather(up.iter().map(|s| (s.own(), s.members(&mreq))).collect())?;
        add_members(&mut merged.results, &lists);
    }
    Ok(merged.results)
}
