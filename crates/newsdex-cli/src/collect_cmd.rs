//! `newsdex sources …` and `newsdex collect`: argument handling and printing only; the
//! work is in `newsdex-collect`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use newsdex_collect::schedule::{human_secs, parse_every};
use newsdex_collect::{CollectOptions, FetchConfig, Source, State};

use newsdex_engine::Engine;

use crate::{Done, emit, output};

#[derive(Subcommand, Debug)]
pub enum SourcesCommand {
    /// Add a feed (RSS, Atom, JSON Feed) or a site's home page that names its feed.
    Add(AddArgs),
    /// Add every feed of an OPML file (folders, odd versions and missing fields are fine).
    Import(ImportArgs),
    /// Print the sources as OPML 2.0.
    Export,
    /// Every source and how it is doing: last fetch, HTTP status, items, next fetch,
    /// errors and why, paused.
    List(ListArgs),
    /// Remove a source (by address or number) and forget its seen items; what was
    /// collected stays in the archive.
    Remove(OneSource),
    /// Stop polling a source until `resume`.
    Pause(OneSource),
    /// Poll a paused source again (due at once).
    Resume(OneSource),
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The feed's address (http or https).
    url: String,
    /// Outlet name for its articles when the page names none.
    #[arg(long)]
    outlet: Option<String>,
    /// Poll this often (`15m`, `2h`, `1d`, seconds), instead of from its publishing rate.
    #[arg(long)]
    every: Option<String>,
    /// Language (ISO 639 code) for its articles when the page names none.
    #[arg(long)]
    lang: Option<String>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    file: PathBuf,
    /// Poll these this often (`15m`, `2h`, `1d`), instead of from their publishing rate.
    #[arg(long)]
    every: Option<String>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
pub struct OneSource {
    /// The source's address, or its number in `sources list`.
    source: String,
}

#[derive(Args, Debug)]
pub struct CollectArgs {
    /// One pass over the due sources, then stop (else: until Ctrl-C).
    #[arg(long)]
    once: bool,
    /// Poll every source that is not paused, due or not.
    #[arg(long)]
    all: bool,
    /// User-Agent sent with every request; name a contact (an address or a page).
    #[arg(long, env = "NEWSDEX_USER_AGENT")]
    user_agent: Option<String>,
    /// Least seconds between two requests to one host.
    #[arg(long, default_value_t = 5.0)]
    delay: f64,
    /// Seconds a request may take, body included.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
    /// Largest response body, in MiB (as received and after gzip).
    #[arg(long, default_value_t = 5)]
    max_size: u64,
    /// Requests in flight at once over all hosts (one at a time per host whatever this is).
    #[arg(long, default_value_t = FetchConfig::default().concurrency as u32, value_parser = clap::value_parser!(u32).range(1..=4096))]
    concurrency: u32,
    /// Most article pages fetched in one pass (the rest wait for the next; a pass holds
    /// its pages in memory, at most this × --max-size).
    #[arg(long, default_value_t = 100)]
    max_pages: usize,
    /// Resolve HOST to ADDR (`HOST=127.0.0.1:8080`) instead of asking DNS (for tests).
    #[arg(long, hide = true)]
    resolve: Vec<String>,
    #[arg(long)]
    json: bool,
}

fn normalized_lang(l: &Option<String>) -> anyhow::Result<Option<String>> {
    l.as_deref()
        .map(|l| newsdex_core::normalize_lang(l).with_context(|| format!("--lang {l:?} is not a language code")))
        .transpose()
}

fn every(e: &Option<String>) -> anyhow::Result<Option<i64>> {
    e.as_deref()
        .map(|e| parse_every(e).with_context(|| format!("--every {e:?}: write 15m, 2h, 1d or a number of seconds")))
        .transpose()
}

/// The collector's state (the data directory is made if new).
fn open_state(data: &Path) -> anyhow::Result<State> {
    State::open(data).with_context(|| format!("opening {}", data.display()))
}

/// The address check the server's `POST /api/sources` makes too.
fn check_url(url: &str) -> anyhow::Result<()> {
    newsdex_collect::state::check_url(url).map_err(anyhow::Error::msg)
}

fn find(state: &State, s: &str) -> anyhow::Result<Source> {
    state.find(s)?.with_context(|| format!("no source {s:?} (see `newsdex sources list`)"))
}

pub fn sources(data: &Path, cmd: SourcesCommand, quiet: bool) -> anyhow::Result<Done> {
    match cmd {
        SourcesCommand::Add(a) => {
            check_url(&a.url)?;
            let lang = normalized_lang(&a.lang)?;
            let every = every(&a.every)?;
            let state = open_state(data)?;
            let (s, new) = state.add(&a.url, a.outlet.as_deref(), lang.as_deref(), None, None, every)?;
            if !quiet {
                eprintln!(
                    "{} source {}: {} (polled at the next `newsdex collect`)",
                    if new { "added" } else { "updated" },
                    s.id,
                    output::safe(&s.url)
                );
            }
        }
        SourcesCommand::Import(a) => {
            let bytes = std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?;
            let feeds = newsdex_collect::opml::read(&bytes).with_context(|| format!("{}", a.file.display()))?;
            let every = every(&a.every)?;
            let state = open_state(data)?;
            let mut bad = 0;
            let mut good = Vec::with_capacity(feeds.len());
            for f in &feeds {
                if check_url(&f.url).is_err() {
                    bad += 1;
                    if !quiet {
                        eprintln!("skipped {:?}: not an http(s) address", output::safe(&f.url));
                    }
                    continue;
                }
                good.push((f, f.lang.as_deref().and_then(newsdex_core::normalize_lang)));
            }
            let batch: Vec<newsdex_collect::NewSource<'_>> = good
                .iter()
                .map(|(f, lang)| newsdex_collect::NewSource {
                    url: &f.url,
                    outlet: None,
                    lang: lang.as_deref(),
                    title: f.title.as_deref(),
                    category: f.category.as_deref(),
                    every_secs: every,
                })
                .collect();
            // One transaction: all the file's sources or, on an error, none.
            let added = state.add_all(&batch)?;
            let known = batch.len() - added;
            if !quiet {
                eprintln!(
                    "imported {}: {added} added, {known} already there, {bad} skipped (not http(s)); `newsdex collect` polls them",
                    a.file.display()
                );
            }
            return Ok(if bad > 0 { Done::SomeRejected } else { Done::Ok });
        }
        SourcesCommand::Export => {
            let state = open_state(data)?;
            let list = state.list()?;
            let feeds: Vec<newsdex_collect::opml::ExportFeed<'_>> = list
                .iter()
                .map(|s| newsdex_collect::opml::ExportFeed {
                    url: &s.url,
                    title: s.title.as_deref(),
                    lang: s.lang.as_deref(),
                    outlet: s.outlet.as_deref(),
                    every_secs: s.every_secs,
                })
                .collect();
            let created = chrono::Utc::now().to_rfc2822();
            emit(&newsdex_collect::opml::write("newsdex sources", &created, &feeds))?;
        }
        SourcesCommand::List(a) => {
            let state = open_state(data)?;
            let list = state.list()?;
            if a.json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&list)?))?;
            } else {
                emit(&list_text(&list, chrono::Utc::now().timestamp()))?;
            }
        }
        SourcesCommand::Remove(o) => {
            let state = open_state(data)?;
            let s = find(&state, &o.source)?;
            state.remove(s.id)?;
            if !quiet {
                eprintln!("removed source {}: {} (its articles stay in the archive)", s.id, output::safe(&s.url));
            }
        }
        SourcesCommand::Pause(o) => {
            let state = open_state(data)?;
            let s = find(&state, &o.source)?;
            state.set_paused(s.id, true)?;
            if !quiet {
                eprintln!("paused source {}: {}", s.id, output::safe(&s.url));
            }
        }
        SourcesCommand::Resume(o) => {
            let state = open_state(data)?;
            let s = find(&state, &o.source)?;
            state.set_paused(s.id, false)?;
            if !quiet {
                eprintln!("resumed source {}: {} (due now)", s.id, output::safe(&s.url));
            }
        }
    }
    Ok(Done::Ok)
}

fn ago(now: i64, t: Option<i64>) -> String {
    match t {
        None => "never".into(),
        Some(t) if t <= now => format!("{} ago", human_secs(now - t)),
        Some(t) => format!("in {}", human_secs(t - now)),
    }
}

/// `sources list` as text: one block per source.
pub fn list_text(list: &[Source], now: i64) -> String {
    use std::fmt::Write;
    if list.is_empty() {
        return "no sources: add one with `newsdex sources add URL` or `newsdex sources import FILE.opml`\n".into();
    }
    let mut s = String::new();
    for src in list {
        let state = if src.paused {
            "PAUSED".to_string()
        } else if src.error_streak > 0 {
            format!("FAILING ×{}", src.error_streak)
        } else if src.last_fetch.is_none() {
            "new".to_string()
        } else {
            "ok".to_string()
        };
        let _ = writeln!(s, "{:>4}  {}  [{}]", src.id, output::safe(&src.url), state);
        let name = src.title.as_deref().or(src.outlet.as_deref());
        if let Some(n) = name {
            let _ = writeln!(s, "      {}", output::safe(n));
        }
        let status = src.last_status.map_or("-".to_string(), |c| c.to_string());
        let next = if src.paused {
            "paused".to_string()
        } else {
            ago(now, Some(src.next_fetch)).replace(" ago", " ago (due)")
        };
        let every = match (src.every_secs, src.interval_secs) {
            (Some(e), _) => format!("every {} (set)", human_secs(e)),
            (None, Some(i)) => format!("every {} (adaptive)", human_secs(i)),
            (None, None) => "adaptive".into(),
        };
        let _ = writeln!(
            s,
            "      last fetch {} (HTTP {status}), last ok {}; items seen {}, new last time {}{}; next fetch {next}; {every}",
            ago(now, src.last_fetch),
            ago(now, src.last_ok),
            src.items_seen,
            src.new_items,
            if src.versions > 0 { format!(", re-published with new text {}", src.versions) } else { String::new() },
        );
        if let Some(e) = &src.error {
            let _ = writeln!(s, "      error streak {}: {}", src.error_streak, output::safe(e));
        }
        if let Some(m) = &src.moved_from {
            let _ = writeln!(s, "      moved from {}", output::safe(m));
        }
    }
    s
}

pub fn collect(data: &Path, a: CollectArgs, quiet: bool) -> anyhow::Result<Done> {
    let mut fetch = FetchConfig {
        min_delay: Duration::try_from_secs_f64(a.delay).context("--delay")?,
        timeout: Duration::try_from_secs_f64(a.timeout).context("--timeout")?,
        max_bytes: a.max_size.max(1) << 20,
        concurrency: a.concurrency as usize,
        ..FetchConfig::default()
    };
    if let Some(ua) = a.user_agent {
        fetch.user_agent = ua;
    }
    for r in &a.resolve {
        let (host, addr) = r.split_once('=').with_context(|| format!("--resolve {r:?}: write HOST=IP:PORT"))?;
        fetch.resolve.push((host.to_string(), addr.parse().with_context(|| format!("--resolve {r:?}"))?));
    }
    let opts = CollectOptions { fetch, max_pages: a.max_pages.max(1), all: a.all, ..CollectOptions::default() };
    let state = open_state(data)?;
    if state.list()?.is_empty() {
        bail!(
            "no sources to collect from: add one with `newsdex sources add URL` or `newsdex sources import FILE.opml`"
        );
    }
    drop(state);
    let stop = Arc::new(AtomicBool::new(false));
    if !a.once {
        let flag = stop.clone();
        std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                let _ = tokio::signal::ctrl_c().await;
            });
            flag.store(true, Ordering::SeqCst);
        });
    }
    let mut any_failed = false;
    loop {
        let now = chrono::Utc::now().timestamp();
        let mut pass_failed = false;
        // The watches run after each of the pass's commits, as after an ingest.
        let mut watches = |_| run_watches(data, quiet || a.json);
        let report = match newsdex_collect::run_pass_then(data, &opts, now, &mut watches) {
            Ok(r) => r,
            Err(e) if !a.once => {
                pass_failed = true;
                // The data directory busy (an ingest holds the writer lock) or a passing
                // fault: what was not yet recorded as seen is fetched again next pass.
                eprintln!("collect: this pass failed ({}); trying again in a minute", output::safe(&e.to_string()));
                newsdex_collect::PassReport::default()
            }
            Err(e) => return Err(e.into()),
        };
        any_failed |= report.failed > 0;
        if a.json {
            emit(&format!("{}\n", serde_json::to_string(&report)?))?;
        } else if !quiet && (report.polled > 0 || a.once) {
            for s in &report.sources {
                let status = s.status.map_or("-".into(), |c| c.to_string());
                match &s.error {
                    Some(e) => eprintln!("  {} HTTP {status}: {}", output::safe(&s.url), output::safe(e)),
                    None => eprintln!(
                        "  {} HTTP {status}: {} new, {} re-published, {} pages, {} failed; next in {}",
                        output::safe(&s.url),
                        s.new_items,
                        s.versions,
                        s.pages_ok,
                        s.pages_failed,
                        human_secs(s.next_in_secs)
                    ),
                }
            }
            eprintln!(
                "collected: {} sources polled ({} unchanged, {} failed), {} new items{}, {} pages fetched ({} failed, their feed text kept), {} documents added{}",
                report.polled,
                report.not_modified,
                report.failed,
                report.new_items,
                if report.versions > 0 {
                    format!(", {} re-published with new text", report.versions)
                } else {
                    String::new()
                },
                report.pages_ok,
                report.pages_failed,
                report.documents_added,
                if report.deferred > 0 {
                    format!(", {} items left for the next pass", report.deferred)
                } else {
                    String::new()
                }
            );
        }
        if a.once || stop.load(Ordering::SeqCst) {
            break;
        }
        // Until the next source is due (at most a minute, so added sources are seen).
        let next = State::open(data)?.list()?.iter().filter(|s| !s.paused).map(|s| s.next_fetch).min();
        let wait = match next {
            Some(n) if !pass_failed => (n - chrono::Utc::now().timestamp()).clamp(1, 60),
            _ => 60,
        };
        for _ in 0..wait {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        if stop.load(Ordering::SeqCst) {
            break;
        }
    }
    Ok(if any_failed && a.once { Done::SomeRejected } else { Done::Ok })
}

/// The collector's settings for `newsdex serve --collect`.
pub fn serve_options(user_agent: Option<String>, delay: f64, resolve: &[String]) -> anyhow::Result<CollectOptions> {
    let mut fetch = FetchConfig {
        min_delay: Duration::try_from_secs_f64(delay).context("--collect-delay")?,
        ..FetchConfig::default()
    };
    if let Some(ua) = user_agent {
        fetch.user_agent = ua;
    }
    for r in resolve {
        let (host, addr) = r.split_once('=').with_context(|| format!("--resolve {r:?}: write HOST=IP:PORT"))?;
        fetch.resolve.push((host.to_string(), addr.parse().with_context(|| format!("--resolve {r:?}"))?));
    }
    Ok(CollectOptions { fetch, ..CollectOptions::default() })
}

/// `newsdex serve --collect`: passes over the due sources on a thread of their own (a
/// pass runs its own small runtime, never the server's), one at a time, until stopped.
/// Without sources it only looks again each minute: the state file is not made.
pub struct Background {
    stop: Arc<AtomicBool>,
    done: std::sync::mpsc::Receiver<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Background {
    pub fn start(data: PathBuf, opts: CollectOptions, quiet: bool) -> std::io::Result<Background> {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, done) = std::sync::mpsc::channel();
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name("collect".into()).spawn(move || {
            background_loop(&data, &opts, &flag, quiet);
            let _ = tx.send(());
        })?;
        Ok(Background { stop, done, thread })
    }

    /// Stop: no new pass starts; a pass under way gets `wait` to finish (its state is
    /// written after each commit, so one cut short is fetched again next time). Whether
    /// it finished.
    pub fn stop(self, wait: Duration) -> bool {
        self.stop.store(true, Ordering::SeqCst);
        match self.done.recv_timeout(wait) {
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                let _ = self.thread.join();
                true
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => false,
        }
    }
}

/// The soonest next poll of a source that is not paused; `None` without any.
fn next_due(data: &Path) -> Option<i64> {
    let state = State::open_read(data).ok().flatten()?;
    state.list().ok()?.iter().filter(|s| !s.paused).map(|s| s.next_fetch).min()
}

fn background_loop(data: &Path, opts: &CollectOptions, stop: &AtomicBool, quiet: bool) {
    while !stop.load(Ordering::SeqCst) {
        let now = chrono::Utc::now().timestamp();
        let wait = match next_due(data) {
            Some(next) if next <= now => match newsdex_collect::run_pass_then(data, opts, now, &mut |_| {
                run_watches(data, quiet)
            }) {
                Ok(r) => {
                    if !quiet && r.polled > 0 {
                        eprintln!(
                            "collected: {} sources polled ({} failed), {} new items, {} pages fetched, {} documents added",
                            r.polled, r.failed, r.new_items, r.pages_ok, r.documents_added
                        );
                    }
                    1
                }
                Err(e) => {
                    // The data directory busy (an ingest holds the writer lock) or a
                    // passing fault: what was not yet recorded as seen is fetched again.
                    eprintln!("collect: this pass failed ({}); trying again in a minute", output::safe(&e.to_string()));
                    60
                }
            },
            Some(next) => (next - now).clamp(1, 60),
            None => 60,
        };
        for _ in 0..wait * 5 {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// After a commit of a pass that added documents: the watches, as after an ingest. A
/// failure is said and does not stop collecting (the watches catch up after the next
/// commit).
fn run_watches(data: &Path, quiet: bool) {
    let done = Engine::open_read(data)
        .map_err(anyhow::Error::from)
        .and_then(|engine| crate::watch_cmd::run_after_commit(&engine, quiet));
    if let Err(e) = done {
        eprintln!("watches not run after this commit: {}", output::safe(&e.to_string()));
    }
}

/// The versions of a collected page, for `show`: what the collector recorded each time
/// the item came back with new text, and the archive's documents at the same address
/// (one per distinct page fetched; a re-fetch with the same bytes adds none).
#[derive(Debug)]
pub struct PageVersions {
    pub versions: Vec<newsdex_collect::state::ItemVersion>,
    pub documents: Vec<String>,
}

/// `None` unless the collector saw the page at `url` re-published (two versions or more).
pub fn page_versions(data: &Path, engine: &Engine, url: &str) -> anyhow::Result<Option<PageVersions>> {
    let Some(state) = State::open_read(data)? else { return Ok(None) };
    let versions = state.versions_of_page(url)?;
    if versions.len() < 2 {
        return Ok(None);
    }
    let documents = engine.documents_at_url(url)?.into_iter().map(|d| d.to_string()).collect();
    Ok(Some(PageVersions { versions, documents }))
}

impl PageVersions {
    /// `show --json`'s `versions` field.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "versions": self.versions, "documents": self.documents })
    }
}

/// The versions block of `show`'s text.
pub fn versions_text(v: &PageVersions, this: &str) -> String {
    use std::fmt::Write;
    let mut out =
        format!("\nversions (the collector saw this page re-published with new text): {}\n", v.versions.len());
    for x in &v.versions {
        let seen = chrono::DateTime::from_timestamp(x.seen_at, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| x.seen_at.to_string());
        let page = x.page_status.as_deref().map(|s| format!(", page: {s}")).unwrap_or_default();
        let _ = writeln!(out, "  v{}  seen {seen}{page}", x.version);
    }
    let _ = writeln!(out, "documents at this address, oldest first:");
    for d in &v.documents {
        let _ = writeln!(out, "  {d}{}", if d == this { "  (this one)" } else { "" });
    }
    out
}
