//! The newsdex engine: one data directory, opened for reading or for writing, with the
//! whole pipeline behind plain method calls. The CLI and the server are thin layers over
//! [`Engine`].
//!
//! * [`Engine::open_write`] takes the writer lock and brings the index level with the
//!   document store if a previous writer was killed between the two commits.
//! * [`Engine::ingest`] reads paths, keeps every byte in the raw store, extracts articles
//!   in parallel (rayon, off any async runtime), and commits in batches: packs fsynced →
//!   SQLite transaction → index commit tagged with the batch number.
//! * [`Engine::reindex`] rebuilds documents and index from the raw store alone into a new
//!   generation and switches to it atomically.
//! * [`Engine::search`], [`Engine::document`], [`Engine::raw_record`], [`Engine::stats`]
//!   answer reads; [`Engine::kept`] gives what the raw store keeps of a document by where
//!   it came from (a WARC record, a fetched exchange, a file's bytes), for `export-warc`.

pub mod compare;
mod error;
pub mod export;
pub mod kept;
mod learned;
pub mod outlets;
mod pipeline;

pub use compare::{CompareRequest, Comparison, Keywords, SeriesNotes};
pub use error::EngineError;
pub use kept::{Exchanges, Kept};
pub use newsdex_compare::{KeynessOptions, Split};
pub use newsdex_dedupe::{Change, ParagraphDiff, WordRun};
pub use newsdex_index::{
    ALSO_LISTED, Also, BatchDocs, Bucket, CountBy, Expansion, Facets, Hit, LANG_FACET_SIZE, Marks, Member, Partial,
    Period, Ranking, SearchResults, ShardsAnswered, Snippet, Sort, StoryMap, StoryPart, period_buckets,
};
pub use newsdex_ingest::{FEED as REJECT_FEED, FEED_LIST as REJECT_FEED_LIST, Limits};
pub use newsdex_query::{DefaultOp, Limit, QueryLimits, TooCostly};
pub use newsdex_store::FeedHints;
pub use newsdex_store::{DocRow, RejectRow, Stats, StoreError};
pub use pipeline::{Fetched, IngestEvent, IngestOptions, IngestReport};

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use newsdex_core::IdPrefix;
use newsdex_core::{DocId, Published};
use newsdex_index::{Deadline, INDEX_LAYOUT, SearchIndex, SearchRequest};
use newsdex_store::{DataDir, DocDb, RawStore};

/// Result type of this crate.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Memory for the index writer. Tantivy flushes a segment when it is used up.
const INDEX_WRITER_MEMORY: usize = 256 << 20;

/// An opened data directory.
#[derive(Debug)]
pub struct Engine {
    dir: DataDir,
    /// SQLite handles are not `Sync`; reads take the lock for microseconds.
    db: Mutex<DocDb>,
    raw: RawStore,
    index: SearchIndex,
    writable: bool,
    stories: Mutex<StoryCache>,
}

/// The story grouping as searches see it, kept level with the store by reading the rows
/// changed since the last look.
#[derive(Debug, Default)]
struct StoryCache {
    map: Arc<StoryMap>,
    /// Newest batch whose changes are in `map`.
    changed: u64,
}

/// Most members a story view lists (with their differences).
pub const STORY_MEMBERS_LISTED: usize = 500;

/// A story: copies of one article across outlets.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoryView {
    /// The first member's id: the earliest published (ties: first ingested), or the
    /// first ingested when it has no date.
    pub id: DocId,
    /// Whether a publication date decides the first member: it has one, so it is the
    /// *canonical* copy (the earliest published). Otherwise it is only the *first seen*
    /// (no member it was compared with has an earlier date, but it has none either).
    pub canonical: bool,
    /// Members, the canonical one included.
    pub size: usize,
    /// Outlets that ran it, with how many copies each, most first.
    pub outlets: Vec<(String, u64)>,
    pub first_published: Option<String>,
    pub last_published: Option<String>,
    /// The canonical member first, then the earliest published others (at most
    /// [`STORY_MEMBERS_LISTED`] in all; texts are read only for these).
    pub members: Vec<StoryMember>,
}

/// One member of a story.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoryMember {
    pub id: DocId,
    pub title: String,
    pub outlet: Option<String>,
    pub url: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    pub source: String,
    /// Length of the body in words ([`newsdex_dedupe::word_count`]: a Chinese, Japanese
    /// or Thai character counts as one).
    pub words: usize,
    /// How it differs from the canonical member (none for the canonical member itself).
    pub diff: Option<ParagraphDiff>,
}

/// Most documents listed when an id prefix names several ([`IdMatch::Many`]).
pub const ID_CANDIDATES_LISTED: usize = 20;

/// What an id or the first digits of one name ([`Engine::find_id`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdMatch {
    One(DocId),
    None,
    /// Several documents start with the digits: how many, and the first
    /// [`ID_CANDIDATES_LISTED`] by id with their titles.
    Many {
        total: usize,
        listed: Vec<(DocId, String)>,
    },
}

/// Time a search may take by default ([`SearchOptions::timeout`]).
pub const SEARCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Search parameters besides the query text (serialised: a collection's root sends them
/// to its shard servers).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SearchOptions {
    pub limit: usize,
    pub offset: usize,
    pub langs: Vec<String>,
    pub outlets: Vec<String>,
    /// Inclusive start: a date (`2024`, `2024-03`, `2024-03-01`) or an RFC 3339 time.
    pub from: Option<String>,
    /// Inclusive end, through the end of the period named.
    pub to: Option<String>,
    pub default_op: DefaultOp,
    pub snippet_chars: usize,
    /// Also count all matches by language, outlet and month.
    pub facets: bool,
    /// With `facets`, count by period only (the language and outlet facets come back
    /// empty): a comparison's searches.
    #[serde(default)]
    pub periods_only: bool,
    /// Expand words to stems, spelling variants and sound-alike spellings.
    pub expand: bool,
    /// Report each hit's other spellings (off for deep rankings where only order matters).
    pub matched: bool,
    /// One hit per story (copies listed under it); off: every article.
    pub collapse: bool,
    /// What facet and chart counts count.
    pub count: CountBy,
    /// The periods the time facet counts by (months unless asked otherwise).
    pub period: Period,
    /// The order of hits: relevance, or publication date (newest or oldest first, undated
    /// articles last, ties broken by document id so that pages never overlap).
    pub sort: Sort,
    /// What the query may cost; a query over a limit is refused before it runs
    /// ([`EngineError::Query`], with a message naming the limit).
    pub limits: QueryLimits,
    /// Wall-clock time the search may take, from the call ([`SEARCH_TIMEOUT`] by
    /// default; `None`: no limit). Past it the search stops with [`EngineError::Timeout`].
    pub timeout: Option<Duration>,
    /// Only documents committed in these batches, inclusive (watches read what arrived
    /// since they last looked).
    pub batches: Option<(u64, u64)>,
    /// Ranking weights ([`Ranking`]; the default is what newsdex ships).
    pub ranking: Ranking,
    /// Answer as of this snapshot (a committed batch number, [`Engine::snapshot`]): only
    /// documents added by batches up to it. `None`: the latest.
    pub snapshot: Option<u64>,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            limit: 10,
            offset: 0,
            langs: Vec::new(),
            outlets: Vec::new(),
            from: None,
            to: None,
            default_op: DefaultOp::And,
            snippet_chars: 240,
            expand: true,
            matched: true,
            facets: false,
            periods_only: false,
            collapse: true,
            count: CountBy::Articles,
            period: Period::Month,
            sort: Sort::Relevance,
            limits: QueryLimits::default(),
            timeout: Some(SEARCH_TIMEOUT),
            batches: None,
            ranking: Ranking::default(),
            snapshot: None,
        }
    }
}

/// Figures for `newsdex stats`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EngineStats {
    pub data_dir: PathBuf,
    pub generation: u64,
    #[serde(flatten)]
    pub store: Stats,
    /// Bytes the packs take on disk (compressed blobs and the ingest log).
    pub raw_disk_bytes: u64,
    pub indexed_documents: u64,
    pub recent_rejects: Vec<RejectRow>,
}

/// `query` parsed as `opts` say, and their publication window.
fn parse_for(query: &str, opts: &SearchOptions) -> Result<(newsdex_query::Query, Option<newsdex_query::DateRange>)> {
    let parsed = newsdex_query::parse_with_limits(query, opts.default_op, &opts.limits)
        .map_err(|e| EngineError::Query(e.render(query)))?;
    let published = match (&opts.from, &opts.to) {
        (None, None) => None,
        (from, to) => Some(
            newsdex_query::resolve_date_bounds(from.as_deref(), to.as_deref())
                .map_err(|e| EngineError::Query(e.to_string()))?,
        ),
    };
    Ok((parsed, published))
}

/// The index request for `parsed` with `opts`' filters, expansion, limits and batches, for
/// reading every match (no paging, order, facets or snapshot set here).
fn filtered_request<'q>(
    parsed: &'q newsdex_query::Query,
    published: Option<newsdex_query::DateRange>,
    opts: &SearchOptions,
) -> SearchRequest<'q> {
    let mut req = SearchRequest::new(parsed);
    req.langs = opts.langs.clone();
    req.outlets = opts.outlets.clone();
    req.published = published;
    req.batches = opts.batches;
    req.expand = opts.expand;
    req.limits = opts.limits.clone();
    req.ranking = opts.ranking;
    req
}

/// One document as the story grouper sees it ([`Engine::for_each_story_input`]).
#[derive(Debug, Clone)]
pub struct StoryInput {
    pub id: DocId,
    pub title: String,
    pub body: String,
    pub published: Option<i64>,
    /// Ingest order in its archive.
    pub ord: u64,
    /// The page's site (registrable domain), where it has one.
    pub site: Option<String>,
    /// The outlet name the archive gave it.
    pub outlet: Option<String>,
}

/// Search `index` with the story grouping `stories` (an archive's, or a collection's
/// across its shards): what [`Engine::search`] does, without naming a snapshot.
pub fn search_in(
    index: &SearchIndex,
    stories: Arc<StoryMap>,
    query: &str,
    opts: &SearchOptions,
) -> Result<SearchResults> {
    with_request(stories, query, opts, |req| Ok(index.search(req)?))
}

/// One shard's part of a search over several ([`newsdex_index::Partial`]): what
/// [`search_in`] answers, with what a merge of the shards' parts needs besides.
pub fn search_partial_in(
    index: &SearchIndex,
    stories: Arc<StoryMap>,
    query: &str,
    opts: &SearchOptions,
) -> Result<Partial> {
    with_request(stories, query, opts, |req| Ok(index.search_partial(req)?))
}

/// The members of `wanted` stories that match the search, in one shard
/// ([`SearchIndex::members`]).
pub fn members_in(
    index: &SearchIndex,
    stories: Arc<StoryMap>,
    query: &str,
    opts: &SearchOptions,
    wanted: &[u64],
) -> Result<Vec<StoryPart>> {
    with_request(stories, query, opts, |req| Ok(index.members(req, wanted)?))
}

/// `f` with the index's request for `query` and `opts`.
fn with_request<T>(
    stories: Arc<StoryMap>,
    query: &str,
    opts: &SearchOptions,
    f: impl FnOnce(&SearchRequest<'_>) -> Result<T>,
) -> Result<T> {
    let deadline = opts.timeout.map_or_else(Deadline::never, Deadline::after);
    let (parsed, published) = parse_for(query, opts)?;
    let req = SearchRequest {
        query: &parsed,
        limit: opts.limit,
        offset: opts.offset,
        langs: opts.langs.clone(),
        outlets: opts.outlets.clone(),
        published,
        batches: opts.batches,
        snippet_chars: opts.snippet_chars,
        facets: opts.facets,
        periods_only: opts.periods_only,
        expand: opts.expand,
        matched: opts.matched,
        stories: Some(stories),
        collapse: opts.collapse,
        count: opts.count,
        period: opts.period,
        limits: opts.limits.clone(),
        deadline,
        ranking: opts.ranking,
        sort: opts.sort,
        snapshot: opts.snapshot,
    };
    f(&req)
}

/// The file in a data directory with the user's spelling variants.
pub const VARIANTS_FILE: &str = "variants.txt";

/// `index` with the data directory's `variants.txt` added to the builtin variants, if
/// there is one. Lines it cannot use are logged as warnings (they name the line).
fn with_user_variants(mut index: SearchIndex, root: &Path) -> SearchIndex {
    let path = root.join(VARIANTS_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            for bad in index.add_variants(&text) {
                tracing::warn!("{}:{}: {}", path.display(), bad.line, bad.reason);
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!("cannot read {}: {e}", path.display()),
    }
    index
}

/// The texts of an archive's documents, for its search hits ([`newsdex_index::Texts`]),
/// read through a connection of their own so that a search never waits on the writer's.
struct StoreTexts(Mutex<DocDb>);

impl newsdex_index::Texts for StoreTexts {
    fn bodies(&self, ids: &[DocId]) -> std::result::Result<Vec<Option<String>>, String> {
        let db = self.0.lock().unwrap_or_else(|p| p.into_inner());
        db.bodies(ids).map_err(|e| e.to_string())
    }
}

/// `index` with the user's spelling variants, reading its hits' texts from `dir`'s
/// document store (the index stores none).
fn ready(index: SearchIndex, dir: &DataDir) -> Result<SearchIndex> {
    let mut index = with_user_variants(index, dir.root());
    index.set_texts(Arc::new(StoreTexts(Mutex::new(DocDb::open_read(&dir.db_path())?))));
    Ok(index)
}

impl Engine {
    /// Open (creating if needed) for writing: takes the writer lock and recovers from an
    /// interrupted ingest.
    pub fn open_write(root: &Path) -> Result<Engine> {
        let mut dir = DataDir::open_write(root)?;
        let db = DocDb::open(&dir.db_path())?;
        check_layout(&db, true)?;
        let raw = open_raw(&dir, &db)?;
        let index = ready(SearchIndex::open_or_create(&dir.index_dir())?, &dir)?;
        dir.publish()?;
        let engine = Engine { dir, db: Mutex::new(db), raw, index, writable: true, stories: Default::default() };
        engine.recover()?;
        Ok(engine)
    }

    /// Open an existing data directory for reading. Never blocks a writer. If the last
    /// writer died between its two commits and no writer is running now, the index is
    /// first brought level (briefly taking the writer lock), so readers never see the
    /// store and the index disagree.
    pub fn open_read(root: &Path) -> Result<Engine> {
        let engine = Self::open_read_only(root)?;
        let behind = engine.db().last_seq()? != engine.index.committed_seq()?;
        if behind && !DataDir::is_locked(root) {
            drop(engine);
            match Engine::open_write(root) {
                Ok(w) => drop(w),
                // Lost a race with a writer that started meanwhile: it recovers instead.
                Err(EngineError::Store(newsdex_store::StoreError::Locked(_))) => {}
                // Reading must not depend on being able to write (a full disk, a read-only
                // mount): answer from what the index has, and say that it lags.
                Err(e) => tracing::warn!(
                    "the search index is behind the document store and could not be brought level ({e}); searches miss the newest documents until a writer can repair it"
                ),
            }
            return Self::open_read_only(root);
        }
        Ok(engine)
    }

    fn open_read_only(root: &Path) -> Result<Engine> {
        let dir = DataDir::open_read(root)?;
        let db = DocDb::open_read(&dir.db_path())?;
        check_layout(&db, false)?;
        let raw = RawStore::open_read(&dir.raw_dir());
        let index = ready(SearchIndex::open_read(&dir.index_dir())?, &dir)?;
        Ok(Engine { dir, db: Mutex::new(db), raw, index, writable: false, stories: Default::default() })
    }

    pub fn root(&self) -> &Path {
        self.dir.root()
    }

    /// The texts of this archive's documents, read through the connection its own
    /// searches read them through: what a collection's search reads its hits' texts from.
    pub fn texts(&self) -> Arc<dyn newsdex_index::Texts> {
        self.index.texts().expect("an engine's index reads its texts from the store (`ready`)")
    }

    /// The shard of a collection this archive is, if it is one.
    pub fn shard(&self) -> Result<Option<newsdex_core::ShardRule>> {
        Ok(self.dir.shard()?)
    }

    /// Make this archive shard `shard` of a collection: from now on (ingests, the API,
    /// collection, reindex) it keeps every input it is given but extracts and stores only
    /// the records that belong to it (by id, or by date for a time-partitioned
    /// collection). Refused for an archive that already holds documents and is not that
    /// shard.
    pub fn make_shard(&mut self, shard: &newsdex_core::ShardRule) -> Result<()> {
        self.require_writable()?;
        let holds = self.db().doc_count()? > 0;
        Ok(self.dir.set_shard(shard, holds)?)
    }

    /// Bring the index level with the document store. The store commits first, so after
    /// a crash the index can only be behind (or, if the OS lost the store's last
    /// transaction, ahead): re-add or drop the batches in between.
    /// The document store (lock held while the guard lives).
    fn db(&self) -> MutexGuard<'_, DocDb> {
        // A panic while holding the lock cannot leave SQLite inconsistent (it has its own
        // transactions), so a poisoned lock is still usable.
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn recover(&self) -> Result<()> {
        let db = self.db();
        let stored = db.last_seq()?;
        let indexed = self.index.committed_seq()?;
        if indexed == stored {
            return Ok(());
        }
        let mut writer = self.index.writer(1, INDEX_WRITER_MEMORY)?;
        let mut n = 0u64;
        if indexed < stored {
            // Index errors are not the store's: carry them out of the row loop as they are.
            let mut failed = None;
            db.for_each_doc_after(indexed, |row| {
                if failed.is_none() {
                    n += 1;
                    failed = writer.add(&row.article, &row.provenance.source, row.seq).err();
                }
                Ok(())
            })?;
            if let Some(e) = failed {
                return Err(e.into());
            }
        } else {
            writer.delete_after(stored)?;
        }
        writer.commit(stored)?;
        writer.wait_merging_threads()?;
        self.index.reload()?;
        tracing::warn!(
            stored,
            indexed,
            readded = n,
            "brought the index level with the document store after an interrupted ingest"
        );
        Ok(())
    }

    /// Search. A query that cannot be parsed, or would cost more than `opts.limits`
    /// allow, is an [`EngineError::Query`] (nothing ran); a search still running at
    /// `opts.timeout` stops with [`EngineError::Timeout`].
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Result<SearchResults> {
        let snapshot = self.resolve_snapshot(opts.snapshot)?;
        let mut results = search_in(&self.index, self.story_map()?, query, opts)?;
        results.snapshot = Some(snapshot);
        Ok(results)
    }

    /// The directory of this archive's search index (a collection reads its shards'
    /// indexes as one, see `newsdex-collection`).
    pub fn index_dir(&self) -> PathBuf {
        self.dir.index_dir()
    }

    /// The story grouping's settings this archive was grouped with.
    pub fn story_config(&self) -> Result<newsdex_dedupe::Config> {
        let db = self.db();
        let mut config = newsdex_dedupe::Config::default();
        if let Some(t) = db.meta(pipeline::STORY_THRESHOLD_META)?.and_then(|v| v.parse::<f64>().ok()) {
            config.threshold = t;
        }
        if let Some(h) = db.meta(pipeline::STORY_HEADLINES_META)?.and_then(|v| v.parse::<usize>().ok()) {
            config.headline_terms = h;
        }
        Ok(config)
    }

    /// Every document as the story grouper saw it (title, body without learned
    /// boilerplate, date) with its ingest order, in ingest order: what a collection
    /// groups across its shards.
    pub fn for_each_story_input(&self, mut f: impl FnMut(StoryInput)) -> Result<()> {
        let db = self.db();
        let mut ord: std::collections::HashMap<DocId, u64> = std::collections::HashMap::new();
        db.story_rows(|s| {
            ord.insert(s.row.doc, s.row.ord);
        })?;
        db.for_each_doc_after(0, |row| {
            let a = row.article;
            f(StoryInput {
                ord: ord.get(&a.id).copied().unwrap_or(u64::MAX),
                published: a.published.as_ref().map(|p| p.timestamp()),
                site: a.extra.get("site").and_then(|v| v.as_str()).map(str::to_ascii_lowercase),
                outlet: a.outlet,
                id: a.id,
                title: a.title,
                body: a.body,
            });
            Ok(())
        })?;
        Ok(())
    }

    /// The snapshot searches answer from now: the last batch committed to the index.
    pub fn snapshot(&self) -> Result<u64> {
        Ok(self.index.committed_seq()?)
    }

    /// The snapshot a search with `asked` answers from: `asked` if the archive has it
    /// (a batch from 1 to the latest), else [`EngineError::Snapshot`]; the latest when
    /// none is asked.
    pub fn resolve_snapshot(&self, asked: Option<u64>) -> Result<u64> {
        let latest = self.snapshot()?;
        match asked {
            None => Ok(latest),
            Some(n) if n >= 1 && n <= latest => Ok(n),
            Some(n) if latest == 0 => {
                Err(EngineError::Snapshot(format!("there is no snapshot {n}: nothing has been committed yet")))
            }
            Some(n) => Err(EngineError::Snapshot(format!(
                "there is no snapshot {n}: this archive has snapshots 1 to {latest} (each committed batch is one)"
            ))),
        }
    }

    /// The documents committed in batches `first..=last`, found once for many
    /// [`Engine::matching_ids_in`] calls (watches reading what commits added).
    pub fn batch_docs(&self, first: u64, last: u64) -> Result<BatchDocs> {
        Ok(self.index.batch_docs(first, last)?)
    }

    /// The documents of `docs` that `query` matches with `opts`'s filters, expansion and
    /// limits (not its paging, order, facets or batch range: `docs` is the range): ids
    /// only, sorted, nothing read from the store.
    pub fn matching_ids_in(&self, query: &str, opts: &SearchOptions, docs: &BatchDocs) -> Result<Vec<DocId>> {
        let (parsed, published) = parse_for(query, opts)?;
        let mut req = filtered_request(&parsed, published, opts);
        req.deadline = opts.timeout.map_or_else(Deadline::never, Deadline::after);
        Ok(self.index.matching_ids_in(&req, docs)?.into_iter().map(DocId::from_u64).collect())
    }

    /// Where the words of `query` (searched as `opts` say: expansion, default operator,
    /// limits) are in `article`'s title and body: byte ranges, sorted, not overlapping.
    /// For showing a document reached from a search with what matched marked.
    pub fn highlights(
        &self,
        query: &str,
        opts: &SearchOptions,
        article: &newsdex_core::Article,
    ) -> Result<(Marks, Marks)> {
        let parsed = newsdex_query::parse_with_limits(query, opts.default_op, &opts.limits)
            .map_err(|e| EngineError::Query(e.render(query)))?;
        let mut req = SearchRequest::new(&parsed);
        (req.expand, req.limits) = (opts.expand, opts.limits.clone());
        Ok(self.index.highlights(&req, article.lang.as_deref(), &article.title, &article.body)?)
    }

    /// The story grouping of documents in stories of two or more (document → story), as
    /// searches see it.
    pub fn stories(&self) -> Result<Arc<StoryMap>> {
        self.story_map()
    }

    /// The story grouping, brought level with the store.
    fn story_map(&self) -> Result<Arc<StoryMap>> {
        let mut cache = self.stories.lock().unwrap_or_else(|p| p.into_inner());
        let (changes, newest) = self.db().story_changes(cache.changed)?;
        if !changes.is_empty() {
            let map = Arc::make_mut(&mut cache.map);
            for (doc, story) in changes {
                map.insert(doc.as_u64(), story.as_u64());
                map.insert(story.as_u64(), story.as_u64());
            }
        }
        cache.changed = newest;
        Ok(cache.map.clone())
    }

    /// A document's story id and how many articles it has (cheap: no texts are read).
    pub fn story_size(&self, id: DocId) -> Result<Option<(DocId, usize)>> {
        let db = self.db();
        if db.doc(id)?.is_none() {
            return Ok(None);
        }
        let story = db.story_of(id)?.unwrap_or(id);
        Ok(Some((story, db.story_members(story)?.len().max(1))))
    }

    /// The generation of derived data this engine reads (a reindex makes a new one, whose
    /// batch numbers start again).
    pub fn generation(&self) -> u64 {
        self.dir.generation()
    }

    /// The newest committed batch (0 for an empty archive): what searches see.
    pub fn last_batch(&self) -> Result<u64> {
        Ok(self.db().last_seq()?)
    }

    /// Every member of the story `id` belongs to (itself included), without texts; empty
    /// if no such document.
    pub fn story_members(&self, id: DocId) -> Result<Vec<DocId>> {
        let db = self.db();
        if db.doc(id)?.is_none() {
            return Ok(Vec::new());
        }
        let story = db.story_of(id)?.unwrap_or(id);
        let mut members = db.story_members(story)?;
        for d in [story, id] {
            if !members.contains(&d) {
                members.push(d);
            }
        }
        Ok(members)
    }

    /// The story a document belongs to, with every member and how each differs from the
    /// canonical one. `id` may be any member's. `None` if no such document.
    pub fn story(&self, id: DocId) -> Result<Option<StoryView>> {
        let db = self.db();
        if db.doc(id)?.is_none() {
            return Ok(None);
        }
        let story = db.story_of(id)?.unwrap_or(id);
        // Outlets, dates and order from the index rows; texts only for the members listed.
        let mut index = db.story_index(story)?;
        if index.is_empty() {
            index = db.doc(id)?.map(|r| (id, r.article.outlet, r.article.published)).into_iter().collect();
        }
        // The canonical member first, then the earliest others.
        let listed: Vec<DocId> = story_listed(story, &index);
        let mut rows = Vec::with_capacity(listed.len());
        for m in listed {
            rows.extend(db.doc(m)?);
        }
        drop(db);
        Ok(Some(story_view(story, &index, rows)))
    }

    /// The document an id or the first digits of one ([`IdPrefix`]) name.
    pub fn find_id(&self, prefix: &IdPrefix) -> Result<IdMatch> {
        let (lo, hi) = prefix.range();
        let (total, mut listed) = self.db().docs_between(lo, hi, ID_CANDIDATES_LISTED)?;
        Ok(match total {
            0 => IdMatch::None,
            1 => IdMatch::One(listed.remove(0).0),
            _ => IdMatch::Many { total, listed },
        })
    }

    /// One document with its provenance.
    pub fn document(&self, id: DocId) -> Result<Option<DocRow>> {
        Ok(self.db().doc(id)?)
    }

    /// Documents whose address is exactly `url`, by the batch that committed them: the
    /// versions of a page fetched again after it was re-published. Scans the documents
    /// table.
    pub fn documents_at_url(&self, url: &str) -> Result<Vec<DocId>> {
        Ok(self.db().docs_at_url(url)?)
    }

    /// The exact bytes a document was extracted from (one JSONL line, or the whole file
    /// after decompression). Read by record, not whole: memory holds the record and one
    /// chunk of the stored input, whatever the input's size; an input the user gave
    /// compressed is decompressed (and dropped) up to the record.
    pub fn raw_record(&self, id: DocId) -> Result<Option<Vec<u8>>> {
        let Some(row) = self.db().doc(id)? else { return Ok(None) };
        let p = &row.provenance;
        let loc = self
            .db()
            .blob(&p.raw)?
            .ok_or_else(|| EngineError::Damaged(format!("blob {} of {id} is missing", p.raw)))?;
        let (s, e) = (p.start, p.end);
        let damaged = |what: String| EngineError::Damaged(format!("blob {} of {id}: {what}", p.raw));
        let mut head = [0u8; 4];
        let got = self.raw.open_blob(&loc)?.read(&mut head).map_err(|e| damaged(e.to_string()))?;
        // A WARC record in its own gzip member: read that member alone, wherever it is.
        let member = |k: &str| row.article.extra.get(k).and_then(|v| v.as_u64());
        let packed = match (member("warc_offset"), member("warc_length")) {
            (Some(o), Some(l)) if head[..got].starts_with(&[0x1f, 0x8b]) => Some((o, l)),
            _ => None,
        };
        let mut reader: Box<dyn std::io::Read> = if let Some((offset, length)) = packed {
            let mut blob = self.raw.open_blob(&loc)?;
            blob.skip(offset).map_err(|e| damaged(e.to_string()))?;
            Box::new(flate2::read::GzDecoder::new(std::io::BufReader::new(blob.take(length))))
        } else if newsdex_ingest::layer_of(&head[..got]).is_none() {
            let mut blob = self.raw.open_blob(&loc)?;
            blob.skip(s).map_err(|e| damaged(e.to_string()))?;
            Box::new(blob)
        } else {
            let peeled = newsdex_ingest::peel(Box::new(self.raw.open_blob(&loc)?)).map_err(|r| damaged(r.reason))?;
            let mut r = peeled.into_reader();
            std::io::copy(&mut r.by_ref().take(s), &mut std::io::sink()).map_err(|e| damaged(e.to_string()))?;
            r
        };
        if s > e || e - s > (8u64 << 30) {
            return Err(damaged(format!("record range {s}..{e} is implausible")));
        }
        let mut out = Vec::with_capacity((e - s).min(64 << 20) as usize);
        reader.by_ref().take(e - s).read_to_end(&mut out).map_err(|e| damaged(e.to_string()))?;
        if (out.len() as u64) < e - s {
            return Err(damaged(format!("record range {s}..{e} is outside its input")));
        }
        Ok(Some(out))
    }

    /// What `show --raw` prints: the bytes a document was extracted from; for a page from
    /// a WARC archive, its HTTP payload as the archive's digest defines it (the entity body,
    /// chunking undone, content coding kept); for a WARC `resource` record, its block. [`Engine::raw_record`] gives the whole record.
    pub fn raw_payload(&self, id: DocId) -> Result<Option<Vec<u8>>> {
        let Some(record) = self.raw_record(id)? else { return Ok(None) };
        let cap = record.len() as u64 * 2 + (1 << 20);
        let block = if record.starts_with(b"WARC/") {
            // A resource record's payload is its whole block (a page, a text kept as is).
            if newsdex_warc::parse_header(&record).is_ok_and(|h| h.warc_type() == "resource") {
                let block = newsdex_warc::content_block(&record)
                    .map_err(|e| EngineError::Damaged(format!("the WARC record of {id}: {e}")))?;
                return Ok(Some(block.to_vec()));
            }
            newsdex_warc::content_block(&record)
        } else if row_is_arc(&record) {
            newsdex_warc::parse_arc_header(&record).map(|h| {
                let b = &record[h.len..];
                &b[..b.len().min(h.length as usize)]
            })
        } else {
            return Ok(Some(record));
        };
        let payload = block
            .and_then(|b| newsdex_warc::entity_body(b, cap).map(|p| p.into_owned()))
            .map_err(|e| EngineError::Damaged(format!("the WARC record of {id}: {e}")))?;
        Ok(Some(payload))
    }

    /// Counts for `newsdex stats`.
    pub fn stats(&self, recent_rejects: usize) -> Result<EngineStats> {
        let db = self.db();
        Ok(EngineStats {
            data_dir: self.dir.root().to_path_buf(),
            generation: self.dir.generation(),
            store: db.stats()?,
            raw_disk_bytes: self.raw.disk_size()?,
            indexed_documents: self.index.num_docs(),
            recent_rejects: db.rejects(recent_rejects)?,
        })
    }

    /// The language codes of the documents searched, in order (for choosing a filter).
    pub fn languages(&self) -> Result<Vec<String>> {
        Ok(self.index.languages()?)
    }

    /// Documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.index.num_docs()
    }

    /// Make another writer's latest commit visible now (it becomes visible by itself
    /// within a second otherwise).
    pub fn reload(&self) -> Result<()> {
        Ok(self.index.reload()?)
    }

    /// Whether the data directory has switched to another generation (a reindex) since
    /// this handle was opened; a long-lived reader should then reopen.
    pub fn is_stale(&self) -> bool {
        DataDir::current_generation(self.dir.root()).is_ok_and(|g| g.is_some_and(|g| g != self.dir.generation()))
    }

    fn require_writable(&self) -> Result<()> {
        if self.writable { Ok(()) } else { Err(EngineError::ReadOnly) }
    }
}

/// The raw store for writing, with the pack size `NEWSDEX_PACK_SIZE` sets (bytes; for
/// testing the rollover without writing a gigabyte).
fn open_raw(dir: &DataDir, db: &DocDb) -> Result<RawStore> {
    let mut raw = RawStore::open_write(&dir.raw_dir(), db.pack_ends()?)?;
    if let Some(n) = std::env::var("NEWSDEX_PACK_SIZE").ok().and_then(|v| v.parse::<u64>().ok()) {
        raw.set_target_size(n);
    }
    Ok(raw)
}

/// Whether `e` comes from a full disk, as far as its own chain says.
fn says_out_of_space(e: &EngineError) -> bool {
    // `Store` is transparent: its own error is not in the `source()` chain.
    if let EngineError::Store(s) = e
        && s.is_out_of_space()
    {
        return true;
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && newsdex_store::is_out_of_space(io)
        {
            return true;
        }
        if err.downcast_ref::<newsdex_store::StoreError>().is_some_and(newsdex_store::StoreError::is_out_of_space) {
            return true;
        }
        cur = err.source();
    }
    false
}

impl Engine {
    /// A failed write explained: when the disk is full, say so (whatever the failing
    /// library said), naming the step that failed.
    fn explain(&self, e: EngineError) -> EngineError {
        if matches!(e, EngineError::Query(_) | EngineError::ReadOnly | EngineError::DiskFull { .. }) {
            return e;
        }
        if says_out_of_space(&e) || self.dir.out_of_space() {
            return EngineError::DiskFull { path: self.dir.root().to_path_buf(), step: e.to_string() };
        }
        e
    }
}

fn check_layout(db: &DocDb, init: bool) -> Result<()> {
    match db.meta("index_layout")? {
        Some(v) if v == INDEX_LAYOUT.to_string() => Ok(()),
        None if init => Ok(db.set_meta("index_layout", &INDEX_LAYOUT.to_string())?),
        None => Ok(()),
        Some(v) => Err(EngineError::Layout { found: v, want: INDEX_LAYOUT }),
    }
}

/// An ARC record (header line `http… IP date type length`).
fn row_is_arc(record: &[u8]) -> bool {
    (record.starts_with(b"http://") || record.starts_with(b"https://"))
        && newsdex_warc::parse_arc_header(record).is_ok_and(|h| record[h.len..].starts_with(b"HTTP/"))
}

/// A story member's id, outlet and date (what orders and counts a story's members).
pub use newsdex_store::MemberRef;

/// The members of story `story` whose texts a [`StoryView`] lists: the canonical one
/// first, then the others in `index`'s order (earliest published first), at most
/// [`STORY_MEMBERS_LISTED`].
pub fn story_listed(story: DocId, index: &[MemberRef]) -> Vec<DocId> {
    std::iter::once(story)
        .chain(index.iter().map(|(d, _, _)| *d).filter(|d| *d != story))
        .take(STORY_MEMBERS_LISTED)
        .collect()
}

/// A story's view from its members' outlets and dates (`index`, earliest published
/// first) and the documents [`story_listed`] names (`rows`, in that order): one archive's
/// and a collection's stories are shown by the same code.
pub fn story_view(story: DocId, index: &[MemberRef], rows: Vec<DocRow>) -> StoryView {
    let size = index.len();
    let mut outlets: std::collections::BTreeMap<String, u64> = Default::default();
    for o in index.iter().filter_map(|(_, o, _)| o.clone()) {
        *outlets.entry(o).or_default() += 1;
    }
    let dates: Vec<&Published> = index.iter().filter_map(|(_, _, p)| p.as_ref()).collect();
    let first_published = dates.iter().min_by_key(|p| p.timestamp()).map(|p| p.display());
    let last_published = dates.iter().max_by_key(|p| p.timestamp()).map(|p| p.display());
    let first = rows.first().filter(|r| r.article.id == story);
    let canonical = first.is_some_and(|r| r.article.published.is_some());
    let canonical_body = first.map(|r| r.article.body.clone());
    let members = rows
        .into_iter()
        .map(|r| {
            let a = r.article;
            let diff = match &canonical_body {
                Some(base) if a.id != story => Some(newsdex_dedupe::diff_paragraphs(base, &a.body)),
                _ => None,
            };
            StoryMember {
                id: a.id,
                words: newsdex_dedupe::word_count(&a.body),
                title: a.title,
                outlet: a.outlet,
                url: a.url,
                published: a.published.as_ref().map(|p| p.display()),
                lang: a.lang,
                source: r.provenance.source,
                diff,
            }
        })
        .collect();
    let mut outlets: Vec<(String, u64)> = outlets.into_iter().collect();
    outlets.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    StoryView { id: story, canonical, size, outlets, first_published, last_published, members }
}
