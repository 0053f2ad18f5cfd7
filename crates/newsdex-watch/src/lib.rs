//! Watches: saved searches that report what is new, once per story.
//!
//! A watch is a query with filters, kept in the data directory's `watches.sqlite` (beside
//! `gen/`, so `reindex` keeps it). After every commit ([`run`], called by `ingest`, the
//! API's ingest and the collector), each watch is matched against the documents of the
//! batches committed since its **watermark** only, never the whole archive: the engine's
//! own search with a batch filter (`SearchOptions::batches`), so a watch matches exactly
//! what a search for it would (same expansion, filters and limits). The matches and the
//! watermarks are written in one SQLite transaction per run: after a crash or restart a
//! watch resumes from its watermark, so nothing is missed and nothing is recorded twice.
//!
//! A reindex starts batch numbers again in a new generation: a watch that finds the
//! archive in another generation than its watermark's moves its watermark to the rebuilt
//! archive's newest batch (the rebuild re-read what was there). Documents committed but
//! not yet matched when the reindex ran are then not reported; `ingest`, the API and the
//! collector run the watches right after each commit, so only a crash in between leaves
//! such a gap.
//!
//! **Once per story.** A watch's entry is a story: the first member that matches makes the
//! entry; later copies (any member of the same story, found by the engine's story rows, so
//! an entry survives the story's id changing when an earlier copy arrives) are recorded
//! under it and raise its "now in N outlets" count instead of making new entries
//! (`--every-copy` makes every matching article an entry of its own). Every entry change
//! takes a new *revision* number, the cursor of `since=` paging: a client that remembers
//! the last revision it saw misses no change and sees none twice.
//!
//! Delivery: [`atom`] renders a watch's entries as an Atom 1.0 feed.

pub mod atom;
pub mod deliver;
mod store;

pub use store::{Delivery, Entry, NewWatch, Watch, WatchStore, check_name};

use newsdex_core::DocId;
use newsdex_engine::{Engine, EngineError, SearchOptions};

/// A digest's period: changes are delivered together once per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Digest {
    Hourly,
    Daily,
}

impl Digest {
    pub fn parse(s: &str) -> Option<Digest> {
        match s {
            "hourly" => Some(Digest::Hourly),
            "daily" => Some(Digest::Daily),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Digest::Hourly => "hourly",
            Digest::Daily => "daily",
        }
    }

    /// Seconds in a period.
    pub fn secs(self) -> i64 {
        match self {
            Digest::Hourly => 3600,
            Digest::Daily => 86_400,
        }
    }

    /// The start (UTC, Unix seconds) of the period holding `t`.
    pub fn start(self, t: i64) -> i64 {
        t - t.rem_euclid(self.secs())
    }

    /// The period holding RFC 3339 time `at`, as shown: `2026-12-01` or `2026-12-01T14:00Z`.
    pub fn label(self, at: &str) -> String {
        match self {
            Digest::Daily => at.get(..10).unwrap_or(at).to_string(),
            Digest::Hourly => format!("{}:00Z", at.get(..13).unwrap_or(at)),
        }
    }
}

/// The watches file in a data directory.
pub const WATCHES_FILE: &str = "watches.sqlite";

/// Errors of watches.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("watch state: {0}")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A name, query or option that cannot make a watch (the message says why).
    #[error("{0}")]
    Invalid(String),
    #[error("no watch named {0:?}")]
    NotFound(String),
    #[error("a watch named {0:?} exists already")]
    Exists(String),
}

pub type Result<T, E = WatchError> = std::result::Result<T, E>;

/// What one [`run`] did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RunReport {
    /// Watches that had new batches to read.
    pub watches_run: usize,
    /// Matching documents read.
    pub documents_matched: usize,
    /// Entries made (new stories for a watch).
    pub new_entries: usize,
    /// Copies added under an existing entry.
    pub copies_added: usize,
    /// Watches moved to a rebuilt archive's newest batch (after `reindex`, which starts
    /// batch numbers again and brings nothing new).
    pub rebased: usize,
    /// Seconds spent finding the matches (the searches and reading the matched
    /// documents' fields) and recording them (entries, copies, watermarks).
    pub match_secs: f64,
    pub record_secs: f64,
    /// Watches whose search failed this time (each keeps its watermark and the reason in
    /// its status; the next run tries again).
    pub failed: Vec<(String, String)>,
}

/// Match every watch against the batches committed since its watermark, up to the
/// engine's newest batch. Safe to call at any time and repeatedly.
///
/// The watches' searches run on every core ([`match_all`]); the matches are recorded in
/// one transaction after them.
pub fn run(engine: &Engine, store: &mut WatchStore) -> Result<RunReport> {
    let last = engine.last_batch()?;
    let generation = engine.generation();
    let mut report = RunReport::default();
    let mut todo = Vec::new();
    for watch in store.list_without_counts()? {
        if watch.generation != generation {
            store.rebase(&watch.name, last, generation)?;
            report.rebased += 1;
            continue;
        }
        if watch.watermark < last {
            todo.push(watch);
        }
    }
    report.watches_run = todo.len();
    let t = std::time::Instant::now();
    // The documents of the batches after each watermark, found once per run (most
    // watches share one watermark: the previous run's last batch).
    let mut batches: std::collections::HashMap<u64, newsdex_engine::BatchDocs> = std::collections::HashMap::new();
    let mut docs_failed: std::collections::HashMap<u64, String> = std::collections::HashMap::new();
    for w in &todo {
        if !batches.contains_key(&w.watermark) && !docs_failed.contains_key(&w.watermark) {
            match engine.batch_docs(w.watermark + 1, last) {
                Ok(d) => {
                    batches.insert(w.watermark, d);
                }
                Err(e) => {
                    docs_failed.insert(w.watermark, WatchError::from(e).to_string());
                }
            }
        }
    }
    let ids = match_all(engine, &todo, &batches);
    let mut results = Vec::new();
    let mut read: std::collections::HashMap<DocId, Option<Found>> = std::collections::HashMap::new();
    let mut failed = Vec::new();
    for (watch, ids) in todo.into_iter().zip(ids) {
        let found = match (docs_failed.get(&watch.watermark), ids) {
            (Some(why), _) => Err(why.clone()),
            (None, Ok(ids)) => found(engine, ids, &mut read).map_err(|e| e.to_string()),
            (None, Err(e)) => Err(e.to_string()),
        };
        match found {
            Ok(found) => {
                report.documents_matched += found.len();
                results.push((watch, found));
            }
            Err(reason) => failed.push((watch, reason)),
        }
    }
    report.match_secs = t.elapsed().as_secs_f64();
    for (watch, reason) in failed {
        store.record_failure(&watch.name, &reason)?;
        report.failed.push((watch.name, reason));
    }
    let t = std::time::Instant::now();
    let (new, copies) = store.record(&results, last, |id| engine.story_members(id))?;
    report.record_secs = t.elapsed().as_secs_f64();
    report.new_entries = new;
    report.copies_added = copies;
    Ok(report)
}

/// Each watch's matches among the documents of the batches after its watermark
/// (`batches`, by watermark; a watch whose batches could not be read gets an empty
/// list, its failure is reported by the caller), in the order of `watches`. The
/// searches run on every core the machine has: each is independent (one translation and
/// one leapfrog over the batch's documents, sharing the index's read caches).
fn match_all(
    engine: &Engine,
    watches: &[Watch],
    batches: &std::collections::HashMap<u64, newsdex_engine::BatchDocs>,
) -> Vec<Result<Vec<DocId>>> {
    let one = |w: &Watch| -> Result<Vec<DocId>> {
        let Some(docs) = batches.get(&w.watermark) else { return Ok(Vec::new()) };
        let opts = SearchOptions {
            langs: w.langs.clone(),
            outlets: w.outlets.clone(),
            timeout: None,
            ..SearchOptions::default()
        };
        Ok(engine.matching_ids_in(&w.query, &opts, docs)?)
    };
    let threads =
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(watches.len() / MIN_PER_THREAD).max(1);
    if threads == 1 {
        return watches.iter().map(one).collect();
    }
    // Watches are handed out one at a time (their costs differ a lot); each thread
    // returns what it did with the watches' positions.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<Result<Vec<DocId>>>> = (0..watches.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(w) = watches.get(i) else { break };
                        done.push((i, one(w)));
                    }
                    done
                })
            })
            .collect();
        for worker in workers {
            match worker.join() {
                Ok(done) => {
                    for (i, r) in done {
                        out[i] = Some(r);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    out.into_iter().map(|r| r.unwrap_or_else(|| Ok(Vec::new()))).collect()
}

/// Fewer watches than this per core are matched on one thread (starting threads would
/// cost more than it saves).
const MIN_PER_THREAD: usize = 16;

/// One document a watch matched in a run: what recording it needs (the entry's text is
/// read from the archive when it is shown).
#[derive(Debug, Clone)]
pub struct Found {
    pub id: DocId,
    /// The batch that committed it.
    pub batch: u64,
    /// Its outlet, for an entry's "now in N outlets".
    pub outlet: Option<String>,
}

/// The matched documents `ids` as recorded: each one's batch and outlet from the store,
/// read once per run whatever the number of watches matching it (`read`), in the order
/// they were committed (the first copy of a story to arrive makes its entry).
fn found(
    engine: &Engine,
    ids: Vec<DocId>,
    read: &mut std::collections::HashMap<DocId, Option<Found>>,
) -> Result<Vec<Found>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(slot) = read.entry(id) {
            let found = engine.document(id)?.map(|row| Found { id, batch: row.seq, outlet: row.article.outlet });
            slot.insert(found);
        }
        // A document the index has and the store not: a concurrent reindex; the next run
        // reads the rebuilt archive.
        if let Some(Some(f)) = read.get(&id) {
            out.push(f.clone());
        }
    }
    out.sort_by_key(|f| f.batch);
    Ok(out)
}

/// Fill entries for showing them (a feed, a page of matches, a webhook post, `watch
/// show`): each entry's first article's title, address, outlet, date and language, read
/// from the archive (the watches file keeps only what identifies an entry), and its
/// `matched`: the spellings of the watch's words the article matched where they differ
/// from the words as typed (what expansion matched), as the text writes them. Done when
/// entries are shown, not when they are recorded: a run records a row per match (210,000
/// for 10,000 watches and 1,000 Reuters documents), and the spellings read and analyse
/// the article's whole text, which for every match of every watch would cost more than
/// the matching itself (measured: 1.9 ms an entry in a debug build, 47 s of a 53 s run).
/// An entry whose article the archive no longer holds keeps an empty title.
pub fn fill_entries(engine: &Engine, watch: &Watch, entries: &mut [Entry]) -> Result<()> {
    let typed: Vec<String> = newsdex_query::parse(&watch.query, newsdex_query::DefaultOp::And)
        .map(|q| {
            q.positive_terms()
                .iter()
                .flat_map(|t| t.text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>())
                .collect()
        })
        .unwrap_or_default();
    for e in entries {
        let Ok(id) = e.doc.parse::<DocId>() else { continue };
        let Some(row) = engine.document(id)? else { continue };
        let a = &row.article;
        e.title.clone_from(&a.title);
        e.url.clone_from(&a.url);
        e.outlet.clone_from(&a.outlet);
        e.published = a.published.as_ref().map(|p| p.display());
        e.lang.clone_from(&a.lang);
        let (title, body) = engine.highlights(&watch.query, &SearchOptions::default(), a)?;
        let mut out: Vec<String> = Vec::new();
        for (text, marks) in [(&a.title, title), (&a.body, body)] {
            for r in marks {
                let Some(w) = text.get(r) else { continue };
                if !typed.contains(&w.to_lowercase()) && !out.iter().any(|o| o == w) {
                    out.push(w.to_string());
                }
            }
        }
        out.truncate(10);
        e.matched = out;
    }
    Ok(())
}

/// Check a query as a watch would run it: the parser's error with its caret, or nothing.
pub fn check_query(query: &str) -> Result<()> {
    newsdex_query::parse_with_limits(query, newsdex_query::DefaultOp::And, &newsdex_query::QueryLimits::default())
        .map(|_| ())
        .map_err(|e| WatchError::Invalid(e.render(query)))
}
