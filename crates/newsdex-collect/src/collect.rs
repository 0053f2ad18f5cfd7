//! One collecting pass: due sources polled, new items' pages fetched as soon as their
//! listing is read, every response kept in the raw store (through
//! [`Engine::keep_fetched`], every [`CollectOptions::commit_every`] while the pass runs),
//! then each source's outcome and the items it saw recorded in the state file, in that
//! order, so that a crash at any point re-fetches at worst and loses nothing.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use newsdex_engine::{Engine, FeedHints, Fetched, IngestOptions};

use crate::CollectError;
use crate::canon::host_of;
use crate::feed::{FeedItem, ParsedFeed};
use crate::fetch::{Exchange, Fetch, FetchConfig, FetchFailure, Fetcher, HostMemory, Validators};
use crate::schedule::{Policy, human_secs};
use crate::state::{PollOutcome, SeenItem, Source, State};

/// How to collect.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub fetch: FetchConfig,
    pub policy: Policy,
    /// Most article pages fetched in one pass (the rest wait for the next, unseen). A
    /// pass holds its pages in memory until they are kept: at most this × the size cap.
    pub max_pages: usize,
    /// Poll every source that is not paused, due or not.
    pub all: bool,
    /// What passes made with these options (and their clones) remember of hosts between
    /// them: robots.txt answers and the time of each host's last request.
    pub hosts: HostMemory,
    /// How often a pass keeps what it fetched so far (and it becomes searchable), rather
    /// than only at its end; a commit costs an index commit and a state transaction.
    pub commit_every: std::time::Duration,
}

impl Default for CollectOptions {
    fn default() -> CollectOptions {
        CollectOptions {
            fetch: FetchConfig::default(),
            policy: Policy::default(),
            max_pages: 100,
            all: false,
            hosts: HostMemory::default(),
            commit_every: std::time::Duration::from_secs(5),
        }
    }
}

/// What a pass did for one source.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceReport {
    pub id: i64,
    pub url: String,
    pub status: Option<u16>,
    pub new_items: usize,
    /// Items seen before whose text changed (new versions).
    pub versions: usize,
    pub pages_ok: usize,
    pub pages_failed: usize,
    /// Why it failed, when it did.
    pub error: Option<String>,
    pub next_in_secs: i64,
}

/// What a pass did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct PassReport {
    pub polled: usize,
    pub not_modified: usize,
    pub failed: usize,
    pub new_items: usize,
    /// Items seen before whose text changed (new versions, linked to the old).
    pub versions: usize,
    pub pages_ok: usize,
    pub pages_failed: usize,
    /// Items left for the next pass (over `max_pages`, or their host paused).
    pub deferred: usize,
    pub documents_added: u64,
    pub responses_kept: usize,
    pub sources: Vec<SourceReport>,
}

/// A source's feed after polling.
struct Polled {
    source: Source,
    fetch: Fetch,
    conditional: bool,
    feed: Option<Result<ParsedFeed, String>>,
    /// A sitemap index's children, fetched in the same poll.
    children: Vec<Fetch>,
    /// Sitemaps its host's robots.txt names.
    robots_sitemaps: Vec<String>,
}

/// What a listing (a feed or a sitemap) holds: its pages, or a sitemap index's children.
enum Listing {
    Feed(ParsedFeed),
    Index(Vec<crate::sitemap::Child>),
}

fn read_listing(content: &[u8], content_type: Option<&str>, base: &str) -> Result<Listing, String> {
    use crate::sitemap::{Sitemap, as_feed, is_sitemap, parse};
    if is_sitemap(content) {
        return match parse(content, base).map_err(|e| e.to_string())? {
            Sitemap::Urls { items, dropped } => Ok(Listing::Feed(as_feed(items, dropped))),
            Sitemap::Index { children, .. } => Ok(Listing::Index(children)),
        };
    }
    crate::feed::parse(content, content_type, base).map(Listing::Feed).map_err(|e| e.to_string())
}

/// The sitemap to follow for a home page naming no feed: a news sitemap if robots.txt
/// names one, else the first it names.
fn pick_sitemap(named: &[String]) -> Option<String> {
    named
        .iter()
        .find(|u| u.to_ascii_lowercase().contains("news"))
        .or_else(|| named.first())
        .filter(|u| crate::state::check_url(u).is_ok())
        .cloned()
}

/// An item to fetch the page of.
struct Wanted {
    source_idx: usize,
    item: FeedItem,
    keys: Vec<String>,
    fingerprint: String,
    /// A re-published item: the key its versions are kept under and its new number.
    version: Option<(String, i64)>,
}

fn exchange_json(ex: &Exchange, role: &str) -> serde_json::Value {
    let mut v = serde_json::to_value(ex).unwrap_or_default();
    v["role"] = role.into();
    v
}

fn kept(ex: Exchange, role: &str, source: &Source, doc: Option<&FeedItem>) -> Fetched {
    let charset = ex.header("content-type").and_then(crate::feed::charset_of).map(|e| e.name().to_string());
    Fetched {
        charset,
        source: ex.url.clone(),
        http: Some(exchange_json(&ex, role)),
        body: ex.body,
        document: doc.is_some(),
        outlet: source.outlet.clone(),
        lang: source.lang.clone(),
        feed: doc.map(hints),
    }
}

fn hints(it: &FeedItem) -> FeedHints {
    FeedHints {
        title: it.title.clone(),
        published: it.published.clone(),
        authors: it.authors.clone(),
        url: it.url.clone(),
        lang: it.lang.clone(),
    }
}

/// The feed's own text of an item whose page could not be had, as a JSON Lines record
/// marked with why.
fn feed_text_record(it: &FeedItem, source: &Source, why: &str) -> Option<Fetched> {
    if it.title.is_none() && it.text.is_none() {
        return None;
    }
    let mut o = serde_json::Map::new();
    let mut put = |k: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v {
            o.insert(k.into(), v);
        }
    };
    put("title", it.title.clone().map(Into::into));
    put("text", it.text.clone().map(Into::into));
    put("url", it.url.clone().map(Into::into));
    put("published", it.published.clone().map(Into::into));
    put("authors", (!it.authors.is_empty()).then(|| it.authors.clone().into()));
    put("outlet", source.outlet.clone().map(Into::into));
    put("lang", source.lang.clone().or(it.lang.clone()).map(Into::into));
    put("collected_from", Some(source.url.clone().into()));
    put("page_unavailable", Some(why.into()));
    let line = serde_json::Value::Object(o).to_string();
    Some(Fetched {
        source: format!("{} (feed text)", it.url.as_deref().unwrap_or(&source.url)),
        body: line.into_bytes(),
        http: None,
        document: true,
        outlet: None,
        lang: None,
        feed: None,
        charset: None,
    })
}

/// A seed for jitter that differs between sources and polls.
fn seed(id: i64, now: i64) -> u64 {
    (id as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ now as u64
}

/// What a task on the pass's runtime hands back to the pass.
enum Done {
    /// Source `i`'s listing was fetched.
    Polled(usize, Fetch),
    /// A sitemap of source `i`'s sitemap index was fetched.
    Child(usize, Fetch),
    /// An item's page was fetched.
    Page(Box<Wanted>, Fetch),
    /// A task that ended without answering (a panic: a bug), and what it was for.
    Lost(Task),
}

/// What a task was fetching.
#[derive(Debug, Clone, Copy)]
enum Task {
    Poll(usize),
    Child(usize),
    Page(usize),
}

/// What a task that ended without answering is taken to have fetched.
fn lost_fetch() -> Fetch {
    Fetch {
        exchanges: Vec::new(),
        result: Err(FetchFailure::Connect("the request's task ended without an answer (a bug in newsdex)".into())),
    }
}

/// One pass under way: what came back so far and what is not yet kept. It lives on the
/// caller's thread (the state file is not shared); the fetches run on a tokio runtime
/// and report over a channel.
struct Pass<'a> {
    opts: &'a CollectOptions,
    state: &'a State,
    data: &'a Path,
    now: i64,
    fetcher: Arc<Fetcher>,
    runtime: &'a tokio::runtime::Runtime,
    tx: std::sync::mpsc::Sender<Done>,
    /// Tasks spawned whose answer has not come back.
    in_flight: usize,
    /// Per source: its poll, once answered.
    polled: Vec<Option<Polled>>,
    /// Per source: sitemaps of its index not yet fetched.
    children_left: Vec<usize>,
    /// Per source: pages asked for and not yet answered.
    pages_left: Vec<usize>,
    /// Per source: its items read and their pages asked for (the listing is done).
    listed: Vec<bool>,
    recorded: Vec<bool>,
    seen_by_source: HashMap<usize, Vec<SeenItem>>,
    pages_by_source: HashMap<usize, (usize, usize)>,
    deferred_sources: std::collections::HashSet<usize>,
    batch_keys: std::collections::HashSet<String>,
    pages_asked: usize,
    deferred_from_cap: usize,
    host_deferred: usize,
    /// Responses fetched and not yet kept.
    unkept: Vec<Fetched>,
    /// A source with no outlet or language, for robots.txt exchanges.
    robots_source: Source,
    report: PassReport,
    /// Called with the documents a commit added, when it added any.
    after_commit: &'a mut dyn FnMut(u64),
    /// The reports of the sources recorded so far, by source.
    source_reports: Vec<(usize, SourceReport)>,
}

/// Run one pass over the sources due at `now` (Unix seconds) in the data directory `data`.
///
/// Listings are polled, and each new item's page asked for as soon as its listing is
/// read; what comes back is kept in the archive every [`CollectOptions::commit_every`]
/// (searchable from then), not only at the end, and a source's outcome is recorded in the
/// state file once everything it brought is kept. So an item waits for its listing's
/// poll, its page and the next commit, not for the slowest host of the pass.
pub fn run_pass(data: &Path, opts: &CollectOptions, now: i64) -> Result<PassReport, CollectError> {
    run_pass_then(data, opts, now, &mut |_| {})
}

/// [`run_pass`], calling `after_commit(n)` after each of the pass's commits that added
/// `n` > 0 documents, while the pass goes on (the CLI runs the watches there, so an alert
/// waits for the commit, not for the pass's slowest host).
pub fn run_pass_then(
    data: &Path,
    opts: &CollectOptions,
    now: i64,
    after_commit: &mut dyn FnMut(u64),
) -> Result<PassReport, CollectError> {
    let state = State::open(data)?;
    let mut due = if opts.all { state.list()?.into_iter().filter(|s| !s.paused).collect() } else { state.due(now)? };
    // Hosts paused by an earlier Retry-After: their sources wait, unpolled, no error.
    let fetcher = Arc::new(Fetcher::with_memory(opts.fetch.clone(), opts.hosts.clone())?);
    for (host, until, why) in state.paused_hosts(now)? {
        fetcher.pause_host(&host, until, &why);
    }
    due.retain(|s| {
        let Some(host) = host_of(&s.url) else { return true };
        match state.host_paused(&host, now) {
            Ok(Some((until, reason))) => {
                fetcher.pause_host(&host, until, &reason);
                let _ = state.make_due(s.id, until);
                false
            }
            _ => true,
        }
    });
    if due.is_empty() {
        return Ok(PassReport::default());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CollectError::Io("tokio runtime".into(), e))?;
    let (tx, rx) = std::sync::mpsc::channel();
    let n = due.len();
    let mut pass = Pass {
        opts,
        state: &state,
        data,
        now,
        fetcher: fetcher.clone(),
        runtime: &runtime,
        tx,
        in_flight: 0,
        polled: (0..n).map(|_| None).collect(),
        children_left: vec![0; n],
        pages_left: vec![0; n],
        listed: vec![false; n],
        recorded: vec![false; n],
        seen_by_source: HashMap::new(),
        pages_by_source: HashMap::new(),
        deferred_sources: Default::default(),
        batch_keys: Default::default(),
        pages_asked: 0,
        deferred_from_cap: 0,
        host_deferred: 0,
        unkept: Vec::new(),
        robots_source: Source { outlet: None, lang: None, ..due[0].clone() },
        report: PassReport::default(),
        after_commit,
        source_reports: Vec::new(),
    };
    // 1. Every listing at once (the fetcher keeps each host's pace).
    let mut sources = Vec::with_capacity(n);
    for (i, s) in due.into_iter().enumerate() {
        let unconditional = opts.policy.unconditional_due(s.last_unconditional, now);
        let v = if unconditional {
            Validators::default()
        } else {
            Validators { etag: s.etag.clone(), last_modified: s.last_modified.clone() }
        };
        let url = s.url.clone();
        sources.push((s, !unconditional));
        pass.spawn(Task::Poll(i), move |f| async move { Done::Polled(i, f.get(&url, &v).await) });
    }
    let mut sources: Vec<Option<(Source, bool)>> = sources.into_iter().map(Some).collect();
    // 2. Answers as they come: listings read, pages asked for, all kept every
    // `commit_every` and at the end.
    let mut last_commit = std::time::Instant::now();
    while pass.in_flight > 0 {
        let wait = opts.commit_every.saturating_sub(last_commit.elapsed());
        match rx.recv_timeout(wait.max(std::time::Duration::from_millis(1))) {
            Ok(done) => {
                pass.in_flight -= 1;
                match done {
                    Done::Polled(i, fetch) => {
                        let (source, conditional) = sources[i].take().expect("one poll per source");
                        pass.polled(i, source, conditional, fetch);
                    }
                    Done::Child(i, fetch) => pass.child(i, fetch),
                    Done::Page(w, fetch) => pass.page(*w, fetch),
                    Done::Lost(Task::Poll(i)) => {
                        let (source, conditional) = sources[i].take().expect("one poll per source");
                        pass.polled(i, source, conditional, lost_fetch());
                    }
                    Done::Lost(Task::Child(i)) => pass.child(i, lost_fetch()),
                    Done::Lost(Task::Page(i)) => {
                        // Not seen: asked for again at the next poll.
                        pass.pages_left[i] -= 1;
                        pass.deferred_sources.insert(i);
                    }
                }
                pass.list_ready()?;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if last_commit.elapsed() >= opts.commit_every && pass.in_flight > 0 {
            pass.commit(false)?;
            last_commit = std::time::Instant::now();
        }
    }
    pass.commit(true)?;
    // 3. Hosts that asked to be left alone.
    for h in fetcher.paused_hosts() {
        state.pause_host(&h.0, h.1, &h.2)?;
    }
    let mut report = std::mem::take(&mut pass.report);
    report.deferred = pass.deferred_from_cap + pass.host_deferred;
    pass.source_reports.sort_by_key(|(i, _)| *i);
    report.sources = std::mem::take(&mut pass.source_reports).into_iter().map(|(_, r)| r).collect();
    drop(pass);
    drop(runtime);
    Ok(report)
}

impl Pass<'_> {
    /// Run `fetch` on the runtime; its answer (or, should it panic, that it was lost)
    /// comes back over the channel, so every task spawned answers once.
    fn spawn<F, Fut>(&mut self, task: Task, fetch: F)
    where
        F: FnOnce(Arc<Fetcher>) -> Fut,
        Fut: std::future::Future<Output = Done> + Send + 'static,
    {
        let tx = self.tx.clone();
        let handle = self.runtime.spawn(fetch(self.fetcher.clone()));
        self.in_flight += 1;
        self.runtime.spawn(async move {
            let _ = tx.send(handle.await.unwrap_or(Done::Lost(task)));
        });
    }

    /// Source `i`'s listing came back: read it (a sitemap index asks for its sitemaps).
    fn polled(&mut self, i: usize, source: Source, conditional: bool, mut fetch: Fetch) {
        for ex in take_for_keeping(&mut fetch) {
            self.unkept.push(kept(ex, "feed", &source, None));
        }
        let mut p =
            Polled { source, fetch, conditional, feed: None, children: Vec::new(), robots_sitemaps: Vec::new() };
        if let Ok(r) = &p.fetch.result
            && r.status == 200
        {
            p.feed = Some(match read_listing(&r.content, r.content_type.as_deref(), &r.url) {
                Ok(Listing::Feed(f)) => Ok(f),
                Ok(Listing::Index(c)) if c.is_empty() => Err("a sitemap index naming no sitemap".into()),
                Ok(Listing::Index(c)) => {
                    // One level: an index inside an index is not followed, as the
                    // protocol allows none.
                    self.children_left[i] = c.len();
                    for c in c {
                        self.spawn(Task::Child(i), move |f| async move {
                            Done::Child(i, f.get(&c.url, &Validators::default()).await)
                        });
                    }
                    Ok(ParsedFeed::default())
                }
                Err(e) => Err(e),
            });
            if p.feed.as_ref().is_some_and(Result::is_err)
                && let Some(host) = host_of(&r.url)
            {
                p.robots_sitemaps = self.fetcher.robots_sitemaps(&host);
            }
        }
        self.polled[i] = Some(p);
    }

    /// A sitemap of source `i`'s index came back; with the last, the index is read.
    fn child(&mut self, i: usize, mut fetch: Fetch) {
        let p = self.polled[i].as_mut().expect("a child of a polled source");
        for ex in take_for_keeping(&mut fetch) {
            self.unkept.push(kept(ex, "sitemap", &p.source, None));
        }
        p.children.push(fetch);
        self.children_left[i] -= 1;
        if self.children_left[i] > 0 {
            return;
        }
        let mut items = Vec::new();
        let mut failures = Vec::new();
        for c in &p.children {
            let read = match &c.result {
                Ok(r) if r.status == 200 => match read_listing(&r.content, r.content_type.as_deref(), &r.url) {
                    Ok(Listing::Feed(f)) => Ok(f.items),
                    Ok(Listing::Index(_)) => Err("an index inside an index (not followed)".to_string()),
                    Err(e) => Err(e),
                },
                Ok(r) => Err(format!("HTTP {}", r.status)),
                Err(e) => Err(e.to_string()),
            };
            match read {
                Ok(it) => items.extend(it),
                Err(e) => failures.push(format!("{}: {e}", c.exchanges.first().map_or("?", |x| x.url.as_str()))),
            }
        }
        p.feed = Some(if failures.len() == p.children.len() {
            Err(format!("none of the index's {} sitemaps could be read ({})", failures.len(), failures[0]))
        } else {
            let mut f = crate::sitemap::as_feed(items, 0);
            f.repairs.extend(failures.into_iter().map(|e| format!("sitemap not read: {e}")));
            Ok(f)
        });
    }

    /// The new items of every listing read in full and not yet listed: their pages asked
    /// for (up to `max_pages` in the pass), or their feed text kept when they name none.
    fn list_ready(&mut self) -> Result<(), CollectError> {
        for i in 0..self.polled.len() {
            if self.listed[i] || self.polled[i].is_none() || self.children_left[i] > 0 {
                continue;
            }
            self.listed[i] = true;
            let p = self.polled[i].as_ref().expect("checked");
            let Some(Ok(feed)) = &p.feed else { continue };
            let mut wanted = Vec::new();
            for it in &feed.items {
                let keys = it.keys(&p.source.url);
                if keys.iter().any(|k| self.batch_keys.contains(k)) {
                    continue;
                }
                let fingerprint = it.fingerprint();
                let version = if self.state.seen(&keys)? {
                    // Seen: skipped, unless its text changed (a re-published version).
                    match self.state.latest_version(&keys)? {
                        Some((key, n, old)) if old != fingerprint && n < crate::state::MAX_VERSIONS => {
                            Some((key, n + 1))
                        }
                        _ => continue,
                    }
                } else {
                    None
                };
                self.batch_keys.extend(keys.iter().cloned());
                wanted.push(Wanted { source_idx: i, item: it.clone(), keys, fingerprint, version });
            }
            for w in wanted {
                if w.item.url.is_none() {
                    let src = &self.polled[i].as_ref().expect("checked").source;
                    self.unkept.extend(feed_text_record(&w.item, src, "the feed gives no address for it"));
                    self.seen_by_source.entry(i).or_default().push(SeenItem {
                        keys: w.keys,
                        url: None,
                        published: w.item.published_ts,
                        page_status: "no address".into(),
                        fingerprint: w.fingerprint,
                        version: w.version,
                    });
                } else if self.pages_asked >= self.opts.max_pages {
                    // Left unseen for the next pass.
                    self.deferred_from_cap += 1;
                    self.deferred_sources.insert(i);
                } else {
                    self.pages_asked += 1;
                    self.pages_left[i] += 1;
                    let url = w.item.url.clone().unwrap_or_default();
                    self.spawn(Task::Page(i), move |f| async move {
                        let fetch = f.get(&url, &Validators::default()).await;
                        Done::Page(Box::new(w), fetch)
                    });
                }
            }
        }
        Ok(())
    }

    /// An item's page came back: kept (its feed text too when the page could not be had).
    fn page(&mut self, w: Wanted, f: Fetch) {
        let i = w.source_idx;
        self.pages_left[i] -= 1;
        let src = &self.polled[i].as_ref().expect("a page of a polled source").source;
        let n = f.exchanges.len();
        let ok = matches!(&f.result, Ok(r) if r.status == 200 && !r.content.is_empty());
        if let Err(FetchFailure::HostPaused { .. }) = &f.result {
            // Not seen: tried again at the next poll.
            self.host_deferred += 1;
            self.deferred_sources.insert(i);
            return;
        }
        for (k, ex) in f.exchanges.into_iter().enumerate() {
            let last = k + 1 == n;
            self.unkept.push(kept(ex, "page", src, (last && ok).then_some(&w.item)));
        }
        let counts = self.pages_by_source.entry(i).or_default();
        let status = match &f.result {
            Ok(r) if ok => {
                counts.0 += 1;
                format!("{}", r.status)
            }
            Ok(r) => {
                counts.1 += 1;
                let why = format!("HTTP {}", r.status);
                self.unkept.extend(feed_text_record(&w.item, src, &why));
                why
            }
            Err(e) => {
                counts.1 += 1;
                let why = e.to_string();
                self.unkept.extend(feed_text_record(&w.item, src, &why));
                why
            }
        };
        self.seen_by_source.entry(i).or_default().push(SeenItem {
            keys: w.keys,
            url: w.item.url.clone(),
            published: w.item.published_ts,
            page_status: status,
            fingerprint: w.fingerprint,
            version: w.version,
        });
    }

    /// Keep what came back in the archive, then record the outcome of every source whose
    /// listing and pages are all answered (so all it brought is now kept): a crash at any
    /// point re-fetches at worst and loses nothing. `last`: the pass's last commit.
    fn commit(&mut self, last: bool) -> Result<(), CollectError> {
        let done: Vec<usize> = (0..self.polled.len())
            .filter(|&i| !self.recorded[i] && self.listed[i] && self.pages_left[i] == 0)
            .collect();
        let mut added = 0;
        let mut unkept = std::mem::take(&mut self.unkept);
        unkept.extend(
            self.fetcher.take_robots_exchanges().into_iter().map(|ex| kept(ex, "robots", &self.robots_source, None)),
        );
        if !unkept.is_empty() {
            let mut engine = match Engine::open_write(self.data) {
                Ok(e) => e,
                // Another writer (an ingest) holds the lock: kept at the next commit, the
                // pass's last one failing the pass if it is still held.
                Err(newsdex_engine::EngineError::Store(newsdex_engine::StoreError::Locked(_))) if !last => {
                    self.unkept = unkept;
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            };
            self.report.responses_kept += unkept.len();
            let r = engine.keep_fetched(unkept, &IngestOptions::default(), &mut |_| {})?;
            self.report.documents_added += r.new;
            added = r.new;
        }
        let mut records = Vec::with_capacity(done.len());
        for i in done {
            self.recorded[i] = true;
            let p = self.polled[i].as_ref().expect("listed");
            let s = &p.source;
            let seen = self.seen_by_source.remove(&i).unwrap_or_default();
            let (pages_ok, pages_failed) = self.pages_by_source.get(&i).copied().unwrap_or_default();
            let versions = seen.iter().filter(|v| v.version.is_some()).count();
            let new_items = seen.len() - versions;
            let mut out = outcome(p, &self.opts.policy, self.state, self.now, new_items as i64)?;
            if self.deferred_sources.contains(&i) && out.ok {
                // Items left for later: poll again at once, unconditionally (a 304 would
                // hide them).
                out.next_fetch = self.now;
                out.etag = None;
                out.last_modified = None;
            }
            let report = &mut self.report;
            report.polled += 1;
            if p.fetch.result.as_ref().is_ok_and(|r| r.status == 304) {
                report.not_modified += 1;
            }
            if !out.ok {
                report.failed += 1;
            }
            report.new_items += new_items;
            report.versions += versions;
            report.pages_ok += pages_ok;
            report.pages_failed += pages_failed;
            self.source_reports.push((
                i,
                SourceReport {
                    id: s.id,
                    url: s.url.clone(),
                    status: p.fetch.result.as_ref().ok().map(|r| r.status).or(p
                        .fetch
                        .exchanges
                        .last()
                        .map(|e| e.status)
                        .filter(|s| *s > 0)),
                    new_items,
                    versions,
                    pages_ok,
                    pages_failed,
                    error: out.error.clone(),
                    next_in_secs: out.next_fetch - self.now,
                },
            ));
            records.push((s.id, out, seen));
        }
        // The outcomes of this commit's sources in one transaction (one sync, not one
        // per source).
        if !records.is_empty() {
            self.state.record_polls(&records)?;
        }
        // The caller's work (the watches) after the sources are recorded, so a crash in
        // it re-fetches nothing.
        if added > 0 {
            (self.after_commit)(added);
        }
        Ok(())
    }
}

/// A listing's exchanges to keep, their bodies moved out of `fetch` (which keeps their
/// statuses and headers for the outcome, and its decoded content in `result`), so a
/// listing's bytes are not held twice until the commit.
fn take_for_keeping(fetch: &mut Fetch) -> Vec<Exchange> {
    fetch
        .exchanges
        .iter_mut()
        .map(|ex| {
            let body = std::mem::take(&mut ex.body);
            Exchange { body, ..ex.clone() }
        })
        .collect()
}

/// A poll's outcome: success (with the next poll from the publishing rate) or a failure
/// with its reason and the backoff.
fn outcome(p: &Polled, policy: &Policy, state: &State, now: i64, new_items: i64) -> Result<PollOutcome, CollectError> {
    let s = &p.source;
    let streak = (s.error_streak + 1).clamp(1, 1000) as u32;
    let interval = s.interval_secs.unwrap_or(policy.default_interval);
    let fail = |status: Option<i64>, error: String, wait: i64| PollOutcome {
        fetched_at: now,
        status,
        ok: false,
        next_fetch: now + wait,
        error: Some(error),
        ..Default::default()
    };
    let r = match &p.fetch.result {
        Ok(r) => r,
        Err(FetchFailure::HostPaused { until, reason, .. }) => {
            let mut o = fail(None, format!("host paused: {reason}"), 0);
            o.next_fetch = *until;
            return Ok(o);
        }
        Err(e @ FetchFailure::RobotsDisallowed(_)) => {
            return Ok(fail(None, format!("{e} (retried in case it changes)"), policy.gone(streak, seed(s.id, now))));
        }
        Err(e) => {
            let status = p.fetch.exchanges.last().map(|e| i64::from(e.status)).filter(|s| *s > 0);
            let wait = policy.backoff(interval, streak, seed(s.id, now));
            return Ok(fail(status, format!("{e}; retry in {}", human_secs(wait)), wait));
        }
    };
    let status = i64::from(r.status);
    let ok_interval = |published: Vec<i64>| s.every_secs.unwrap_or_else(|| policy.adaptive_interval(&published));
    match r.status {
        200 => match &p.feed {
            Some(Ok(feed)) => {
                let mut published = state.recent_published(s.id, 50)?;
                published.extend(feed.items.iter().filter_map(|i| i.published_ts));
                let iv = ok_interval(published);
                Ok(PollOutcome {
                    fetched_at: now,
                    status: Some(status),
                    ok: true,
                    unconditional: !p.conditional,
                    etag: r.etag.clone(),
                    last_modified: r.last_modified.clone(),
                    new_items,
                    next_fetch: now + iv,
                    interval_secs: Some(iv),
                    error: None,
                    moved_to: r.moved_permanently.clone(),
                })
            }
            _ => {
                let why = match &p.feed {
                    Some(Err(e)) => e.clone(),
                    _ => "no feed".into(),
                };
                // A home page that names its feed: follow it at once.
                let links = crate::feed::alternate_links(&String::from_utf8_lossy(&r.content), &r.url);
                if let Some(feed_url) = links.into_iter().next() {
                    let mut o = fail(
                        Some(status),
                        format!("a web page, not a feed; it names the feed {feed_url}, used from now on"),
                        0,
                    );
                    o.moved_to = Some(feed_url);
                    return Ok(o);
                }
                // A home page naming no feed: the sitemap its robots.txt names.
                let html = r.content_type.as_deref().is_some_and(|c| c.to_ascii_lowercase().contains("html"))
                    || String::from_utf8_lossy(&r.content[..r.content.len().min(1024)])
                        .to_ascii_lowercase()
                        .contains("<html");
                if html && let Some(sitemap) = pick_sitemap(&p.robots_sitemaps) {
                    let mut o = fail(
                        Some(status),
                        format!(
                            "a web page naming no feed; its robots.txt names the sitemap {sitemap}, used from now on"
                        ),
                        0,
                    );
                    o.moved_to = Some(sitemap);
                    return Ok(o);
                }
                let wait = policy.backoff(interval, streak, seed(s.id, now));
                Ok(fail(Some(status), format!("{why}; retry in {}", human_secs(wait)), wait))
            }
        },
        304 => {
            let iv = s.every_secs.or(s.interval_secs).unwrap_or(policy.default_interval);
            Ok(PollOutcome {
                fetched_at: now,
                status: Some(304),
                ok: true,
                etag: r.etag.clone().or(s.etag.clone()),
                last_modified: r.last_modified.clone().or(s.last_modified.clone()),
                new_items: 0,
                next_fetch: now + iv,
                interval_secs: Some(iv),
                ..Default::default()
            })
        }
        404 | 410 => {
            let wait = policy.gone(streak, seed(s.id, now));
            let what = if r.status == 410 { "410 Gone" } else { "404 Not Found" };
            Ok(fail(
                Some(status),
                format!("HTTP {what}: the feed is missing; retried rarely (next in {})", human_secs(wait)),
                wait,
            ))
        }
        429 | 503 if r.retry_after.is_some() => {
            let v = r.retry_after.clone().unwrap_or_default();
            let until = crate::schedule::retry_after(&v, now, policy.max_backoff)
                .unwrap_or(now + policy.backoff(interval, streak, seed(s.id, now)));
            let mut o = fail(
                Some(status),
                format!("HTTP {} with Retry-After: {v}; the whole host waits until then", r.status),
                0,
            );
            o.next_fetch = until.max(now + 1);
            Ok(o)
        }
        403 => {
            let wait = policy.backoff(interval, streak, seed(s.id, now));
            Ok(fail(
                Some(status),
                format!(
                    "HTTP 403 Forbidden (refused, or rate limiting without saying so); retry in {}",
                    human_secs(wait)
                ),
                wait,
            ))
        }
        _ => {
            let wait = policy.backoff(interval, streak, seed(s.id, now));
            Ok(fail(Some(status), format!("HTTP {}; retry in {}", r.status, human_secs(wait)), wait))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(status: u16, body: &[u8]) -> Exchange {
        Exchange {
            url: "http://x.example/rss".into(),
            method: "GET",
            request_headers: vec![("user-agent".into(), "newsdex".into())],
            status,
            response_headers: vec![("etag".into(), "\"1\"".into())],
            http_version: Some("HTTP/1.1".into()),
            reason: None,
            ip: None,
            fetched_at: 1,
            error: None,
            body: body.to_vec(),
        }
    }

    /// A listing's bytes go to the archive whole (every response is kept byte for byte),
    /// and what stays for its outcome is its statuses and headers.
    #[test]
    fn a_listing_kept_takes_its_bodies_and_leaves_its_statuses() {
        let mut f = Fetch { exchanges: vec![exchange(301, b"moved"), exchange(200, b"<rss/>")], ..lost_fetch() };
        let kept = take_for_keeping(&mut f);
        let bodies: Vec<&[u8]> = kept.iter().map(|e| e.body.as_slice()).collect();
        assert_eq!(bodies, [&b"moved"[..], &b"<rss/>"[..]]);
        assert_eq!(kept[1].response_headers, f.exchanges[1].response_headers);
        assert_eq!(kept[1].request_headers, f.exchanges[1].request_headers);
        assert_eq!(f.exchanges.iter().map(|e| e.status).collect::<Vec<_>>(), [301, 200]);
        assert!(f.exchanges.iter().all(|e| e.body.is_empty()));
    }
}
