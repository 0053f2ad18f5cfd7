//! `newsdex`: the command line. This file only parses arguments, wires the engine, prints,
//! and decides exit codes (in one place, [`main`]):
//!
//! * 0: everything went through;
//! * 1: `ingest`/`reindex` finished but rejected some inputs (the rest is committed);
//! * 2: usage error, bad query, or a fatal error (nothing more was done);
//! * 3: `ingest` was given only feeds or OPML lists, which newsdex collects with
//!   `sources add` / `sources import` and `collect` instead (the message names them);
//! * for `collect --once` and `sources import`, 1 also means some sources failed or
//!   were skipped (each is listed with its reason).

mod collect_cmd;
mod collection_cmd;
mod compare_cmd;
mod output;
mod warc_cmd;
mod watch_cmd;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use newsdex_core::DocId;
use newsdex_engine::{
    CountBy, DefaultOp, Engine, EngineError, IdMatch, IdPrefix, IngestEvent, IngestOptions, Limits, SearchOptions, Sort,
};

#[derive(Parser, Debug)]
#[command(name = "newsdex", version, about = "Search and monitor the world's news: ingest, repair, search.")]
struct Cli {
    /// Data directory.
    #[arg(long, global = true, env = "NEWSDEX_DATA", default_value = "newsdex-data")]
    data: PathBuf,
    /// Only print results and errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Ingest files and directories (text, HTML, JSON Lines; gzip/zstd of any).
    Ingest(IngestArgs),
    /// Search the ingested articles.
    Search(SearchArgs),
    /// Export every match of a search (no cap) as CSV or JSON Lines, as of a snapshot.
    Export(ExportArgs),
    /// Compare searches over time (or one search across outlets or languages): articles,
    /// stories and outlets per day, week or month, their share of all articles, and key words.
    Compare(compare_cmd::CompareArgs),
    /// Write the kept bytes of every match (no query: every document) as a WARC 1.1 file:
    /// `export-warc [QUERY…] OUT.warc.gz`.
    ExportWarc(warc_cmd::ExportWarcArgs),
    /// Show one document: fields, warnings, provenance.
    Show(ShowArgs),
    /// Show a story: every copy of an article, its outlets and dates, and what each
    /// republisher added, cut or edited.
    Story(StoryArgs),
    /// Counts by language, outlet, format; rejects; raw store size.
    Stats(StatsArgs),
    /// Rebuild documents and index from the raw store (after upgrading newsdex).
    Reindex,
    /// Serve the web UI and JSON API (http://127.0.0.1:7700 by default).
    Serve(ServeArgs),
    /// Sources to collect news from: feeds (add, import OPML, export, list, remove,
    /// pause, resume).
    #[command(subcommand)]
    Sources(collect_cmd::SourcesCommand),
    /// Poll the sources' feeds and fetch their new articles, politely, until Ctrl-C
    /// (`--once`: one pass).
    Collect(collect_cmd::CollectArgs),
    /// Watches: saved searches that every ingest matches against what it added, reporting
    /// each new story once (add, list, show, remove, run).
    #[command(subcommand)]
    Watch(watch_cmd::WatchCommand),
    /// A collection: one archive spread over N shards built apart (init, link, status);
    /// `search` on a collection's directory searches every shard as one archive.
    #[command(subcommand)]
    Collection(collection_cmd::CollectionCommand),
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on. Anything but loopback exposes the archive to the network.
    #[arg(long, default_value = "127.0.0.1:7700")]
    addr: std::net::SocketAddr,
    /// Bearer token that POST /api/ingest must present; without one, writing is off.
    #[arg(long, env = "NEWSDEX_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Load the bundled demo corpus first if the data directory is empty.
    #[arg(long)]
    demo: bool,
    /// Open the page in a browser.
    #[arg(long)]
    open: bool,
    /// Also collect: poll the sources' feeds in the background while serving, as
    /// `newsdex collect` does (one pass at a time; stops with the server).
    #[arg(long)]
    collect: bool,
    /// With --collect: User-Agent sent with every request; name a contact.
    #[arg(long, env = "NEWSDEX_USER_AGENT", requires = "collect")]
    user_agent: Option<String>,
    /// With --collect: least seconds between two requests to one host.
    #[arg(long, default_value_t = 5.0, requires = "collect")]
    collect_delay: f64,
    /// Resolve HOST to ADDR (`HOST=127.0.0.1:8080`) instead of asking DNS (for tests).
    #[arg(long, hide = true, requires = "collect")]
    resolve: Vec<String>,
    /// Connections served at once; more wait until one closes.
    #[arg(long, default_value_t = newsdex_server::Limits::DEFAULT.max_connections as u32, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Seconds a client has to send a request's headers (from connecting, or from the
    /// request's first byte).
    #[arg(long, value_name = "SECONDS", default_value_t = newsdex_server::Seconds(newsdex_server::Limits::DEFAULT.header_timeout))]
    header_timeout: newsdex_server::Seconds,
    /// Seconds a connection may stay open between requests with nothing sent either way.
    #[arg(long, value_name = "SECONDS", default_value_t = newsdex_server::Seconds(newsdex_server::Limits::DEFAULT.idle_timeout))]
    idle_timeout: newsdex_server::Seconds,
    /// Seconds a request may take (for POST /api/ingest: to receive the body; the
    /// ingest then runs to its end).
    #[arg(long, value_name = "SECONDS", default_value_t = newsdex_server::Seconds(newsdex_server::Limits::DEFAULT.request_timeout))]
    request_timeout: newsdex_server::Seconds,
    /// Seconds the API's writer stays open after an ingest, so that the next one need not
    /// reopen it; the data directory is locked against other writers meanwhile.
    #[arg(long, value_name = "SECONDS", default_value_t = newsdex_server::Seconds(newsdex_server::Limits::DEFAULT.writer_idle))]
    writer_idle: newsdex_server::Seconds,
    /// Serve a collection (the data directory) as its root: every search goes to these
    /// shard servers (`newsdex collection serve-shard`; comma-separated URLs, each with
    /// any path prefix in front of /shard/…) and their answers are merged. Writing is off.
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["token", "demo", "collect"])]
    shard_servers: Vec<String>,
    /// With --shard-servers: seconds to wait for a shard server's answer to one phase of
    /// a search; one slower is left out, and the answer says so.
    #[arg(long, value_name = "SECONDS", default_value_t = newsdex_server::Seconds(std::time::Duration::from_secs(30)), requires = "shard_servers")]
    shard_timeout: newsdex_server::Seconds,
    /// With --shard-servers: seconds to wait at start for shard servers still starting.
    #[arg(long, value_name = "SECONDS", default_value_t = newsdex_server::Seconds(std::time::Duration::from_secs(60)), requires = "shard_servers")]
    shard_wait: newsdex_server::Seconds,
}

#[derive(Args, Debug)]
struct IngestArgs {
    /// Files or directories (read recursively; hidden entries skipped).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Outlet for records that do not name one.
    #[arg(long)]
    outlet: Option<String>,
    /// Language (ISO 639 code) for records that do not name one.
    #[arg(long)]
    lang: Option<String>,
    /// Largest input to read, in MiB (a larger file is refused unread and the refusal is
    /// recorded). Inputs are read as streams, so this is a policy, not a memory limit.
    #[arg(long, default_value_t = 65536, value_parser = clap::value_parser!(u64).range(1..=MAX_MIB))]
    max_file_size: u64,
    /// Largest single document (page, text file, JSONL line), in MiB.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=MAX_MIB))]
    max_document_size: u64,
    /// Commit after this many new documents.
    #[arg(long, default_value_t = 5000)]
    batch: usize,
    /// Similarity (0–1, estimated Jaccard of word 5-grams) from which two articles are
    /// copies in one story; kept for later ingests of this archive (default 0.5).
    #[arg(long, value_parser = unit_interval)]
    story_threshold: Option<f64>,
    /// Also join reports of one event whose headlines share N words within two days
    /// (0: off, the default; kept for later ingests). Measured: 3 words joins most reports
    /// of an event but mixes events; 4 rarely mixes but misses most.
    #[arg(long)]
    story_headlines: Option<usize>,
    /// Build shard INDEX of COUNT of a collection (`--shard 2/4`): every input given is
    /// kept, but only the records whose id falls in this shard are extracted and stored;
    /// the others are counted. Recorded in the data directory (later ingests and reindex
    /// keep to it). See `newsdex collection --help`.
    #[arg(long)]
    shard: Option<newsdex_core::Shard>,
    /// With --shard, of a time-partitioned collection: the dates that split its shards,
    /// comma-separated, one fewer than the shards (`--shard 1/3 --by-date
    /// 2010-01-01,2020-01-01`: shard 1 holds 2010 to 2019). Every record is extracted
    /// and stored by the shard of its publication date (UTC).
    #[arg(long, value_name = "DATES", requires = "shard")]
    by_date: Option<String>,
    /// With --by-date: the shard of documents without a date (default: the last).
    #[arg(long, value_name = "INDEX", requires = "by_date")]
    undated_shard: Option<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// What a query matches besides its words: filters, operator, expansion (`search` and
/// `export` take the same).
#[derive(Args, Debug, Clone)]
struct MatchArgs {
    /// Only these languages (repeatable).
    #[arg(long)]
    lang: Vec<String>,
    /// Only these outlets (repeatable).
    #[arg(long)]
    outlet: Vec<String>,
    /// Published on or after (2024, 2024-03, 2024-03-01, or RFC 3339).
    #[arg(long)]
    from: Option<String>,
    /// Published on or before (inclusive of the whole period named).
    #[arg(long)]
    to: Option<String>,
    /// Words without an operator must all match (and) or any may match (or).
    #[arg(long, value_parser = ["and", "or"], default_value = "and")]
    default_op: String,
    /// Search words only as written: no spelling variants, sound key or stems (for one
    /// word, write it `=Uighur`).
    #[arg(long)]
    exact: bool,
}

impl MatchArgs {
    /// Search options with these set, the rest as `base` has them.
    fn options(&self, base: SearchOptions) -> SearchOptions {
        SearchOptions {
            langs: self.lang.clone(),
            outlets: self.outlet.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            default_op: if self.default_op == "or" { DefaultOp::Or } else { DefaultOp::And },
            expand: !self.exact,
            ..base
        }
    }
}

#[derive(Args, Debug)]
struct SearchArgs {
    /// The query: words, "phrases", AND/OR/NOT, +must -not, title: outlet: lang: url: id:,
    /// published:[2020-01-01 TO 2020-12-31], prefix*.
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
    #[arg(long, default_value_t = 10)]
    limit: usize,
    #[arg(long, default_value_t = 0)]
    offset: usize,
    #[command(flatten)]
    filters: MatchArgs,
    /// Every article: do not fold copies of one story into one hit.
    #[arg(long)]
    all: bool,
    /// Also print counts by language, outlet and month.
    #[arg(long)]
    facets: bool,
    /// What those counts count: articles, stories (copies once) or outlets. Implies --facets.
    #[arg(long, value_parser = ["articles", "stories", "outlets"])]
    count: Option<String>,
    /// Order of hits: relevance, newest or oldest (by publication date; articles without a
    /// date come last, and the summary line says how many).
    #[arg(long, value_parser = ["relevance", "newest", "oldest"], default_value = "relevance")]
    sort: String,
    /// Give up after this many seconds (0: never). Too costly a query is refused at once
    /// whatever this says.
    #[arg(long, default_value_t = 5.0)]
    timeout: f64,
    /// Answer as of this snapshot (a batch number a search or export named): only the
    /// documents committed by then, after later ingests and reindexes too.
    #[arg(long)]
    snapshot: Option<u64>,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// The query, as `search` takes it.
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
    /// csv (RFC 4180, UTF-8), jsonl (one document a line) or parquet (a column per field).
    #[arg(long, default_value = "csv")]
    format: String,
    /// Columns, comma-separated (default: every field): id, title, body, url, outlet,
    /// published, published_guessed, ingested_at, lang, authors, story, story_size,
    /// story_outlets, warnings, removed, source, line, format.
    #[arg(long)]
    fields: Option<String>,
    /// One row per story (its first matching member by id), not one per article.
    #[arg(long)]
    stories: bool,
    /// Start a CSV with a UTF-8 byte-order mark (for spreadsheet programs).
    #[arg(long)]
    bom: bool,
    /// Write to this file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Also write a manifest (query, filters, snapshot, count, SHA-256, newsdex version)
    /// as JSON to this file.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// As of this snapshot (default: the latest, which the manifest names).
    #[arg(long)]
    snapshot: Option<u64>,
    #[command(flatten)]
    filters: MatchArgs,
}

#[derive(Args, Debug)]
struct StoryArgs {
    /// Id of any document of the story (16 hex digits, or its first 6 or more).
    id: String,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct ShowArgs {
    /// Document id (16 hex digits, or its first 6 or more).
    id: String,
    /// Print the original bytes the document was extracted from (for a page from a WARC
    /// archive: its HTTP payload, the bytes its WARC-Payload-Digest covers).
    #[arg(long, conflicts_with = "json")]
    raw: bool,
    /// Print the whole record the document's id is the hash of (a WARC record with its
    /// headers; for other inputs the same as --raw).
    #[arg(long, conflicts_with_all = ["json", "raw"])]
    record: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct StatsArgs {
    #[arg(long)]
    json: bool,
    /// How many recent rejects to list.
    #[arg(long, default_value_t = 10)]
    rejects: usize,
}

/// Largest size flag in MiB: any more overflows a byte count.
const MAX_MIB: u64 = u64::MAX >> 20;

/// Outcome of a command that finished: success, or finished with rejects.
enum Done {
    Ok,
    SomeRejected,
    /// Only feeds or feed lists were given to `ingest`.
    WrongCommand,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NEWSDEX_LOG")
                .unwrap_or_else(|_| "warn,html5ever=error,selectors=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(Done::Ok) => ExitCode::SUCCESS,
        Ok(Done::SomeRejected) => ExitCode::from(1),
        Ok(Done::WrongCommand) => ExitCode::from(3),
        Err(e) => {
            if let Some(EngineError::Query(msg)) = e.downcast_ref::<EngineError>() {
                eprintln!("error: bad query: {}", output::safe_text(msg));
            } else if let Some(a) = e.downcast_ref::<Ambiguous>() {
                eprint!("{}", output::ambiguous_text(&a.prefix, a.total, &a.listed));
            } else {
                eprintln!("error: {}", output::safe(&error_text(&e)));
            }
            ExitCode::from(2)
        }
    }
}

/// An error and its causes on one line, each said once: a cause whose text its wrapper
/// already includes (`{path}: {io error}`) is not repeated.
fn error_text(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if parts.last().is_some_and(|p| p.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

fn run(cli: Cli) -> anyhow::Result<Done> {
    match cli.command {
        Command::Ingest(args) => ingest(&cli.data, args, cli.quiet),
        Command::Search(args) => search(&cli.data, args),
        Command::Export(args) => export(&cli.data, args, cli.quiet),
        Command::Compare(args) => compare_cmd::compare(&cli.data, args),
        Command::ExportWarc(args) => warc_cmd::export_warc(&cli.data, args, cli.quiet),
        Command::Show(args) => show(&cli.data, args),
        Command::Story(args) => story(&cli.data, args),
        Command::Stats(args) => stats(&cli.data, args),
        Command::Reindex => reindex(&cli.data, cli.quiet),
        Command::Serve(args) => serve(&cli.data, args, cli.quiet),
        Command::Sources(cmd) => collect_cmd::sources(&cli.data, cmd, cli.quiet),
        Command::Collect(args) => collect_cmd::collect(&cli.data, args, cli.quiet),
        Command::Watch(cmd) => watch_cmd::watch(&cli.data, cmd, cli.quiet),
        Command::Collection(cmd) => collection_cmd::collection(&cli.data, cmd, cli.quiet),
    }
}

fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {msg}",
        )
        .expect("valid template"),
    );
    bar
}

fn on_event(bar: &indicatif::ProgressBar, quiet: bool) -> impl FnMut(IngestEvent<'_>) + '_ {
    let mut docs = 0u64;
    move |ev| match ev {
        IngestEvent::Planned { bytes, .. } => bar.set_length(bytes),
        IngestEvent::Read { bytes, .. } => bar.inc(bytes),
        IngestEvent::Committed { documents, .. } => {
            docs += documents;
            bar.set_message(format!("{docs} documents committed"));
        }
        IngestEvent::Rejected(r) => {
            if !quiet {
                bar.suspend(|| eprintln!("rejected {}: {}", output::reject_place(r), output::safe(&r.reason)));
            }
        }
    }
}

fn ingest(data: &Path, args: IngestArgs, quiet: bool) -> anyhow::Result<Done> {
    let mut engine = Engine::open_write(data).with_context(|| format!("opening {}", data.display()))?;
    if let Some(shard) = args.shard {
        let partition = collection_cmd::partition(args.by_date.as_deref(), shard.of, args.undated_shard)?;
        engine.make_shard(&newsdex_core::ShardRule { shard, partition })?;
    }
    let lang = match &args.lang {
        Some(l) => {
            Some(newsdex_core::normalize_lang(l).with_context(|| format!("--lang {l:?} is not a language code"))?)
        }
        None => None,
    };
    let opts = IngestOptions {
        limits: Limits {
            max_file: args.max_file_size << 20,
            max_document: args.max_document_size << 20,
            ..Limits::default()
        },
        outlet: args.outlet.clone(),
        lang,
        batch_docs: args.batch.max(1),
        story_threshold: args.story_threshold,
        story_headline_terms: args.story_headlines,
        ..IngestOptions::default()
    };
    let bar = progress_bar(quiet);
    let report = engine.ingest(&args.paths, &opts, &mut on_event(&bar, quiet))?;
    bar.finish_and_clear();
    if args.json {
        let mut v = serde_json::to_value(&report)?;
        v["peak_rss_bytes"] = peak_rss_bytes().into();
        emit(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
    } else if !quiet || report.rejected_count > 0 {
        eprintln!("{}", output::ingest_summary("ingested", &report));
    }
    if report.new > 0 {
        watch_cmd::run_after_commit(&engine, quiet || args.json)?;
    }
    let feeds_only = report.rejected_count > 0
        && report.new == 0
        && report.duplicates == 0
        && report.rejected_count == report.rejected.len() as u64
        && report
            .rejected
            .iter()
            .all(|r| r.code == newsdex_engine::REJECT_FEED || r.code == newsdex_engine::REJECT_FEED_LIST);
    Ok(if report.rejected_count == 0 {
        Done::Ok
    } else if feeds_only {
        Done::WrongCommand
    } else {
        Done::SomeRejected
    })
}

/// This process's peak resident memory (Linux; `None` elsewhere), for `--json` reports.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn unit_interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 1.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number above 0 and at most 1")),
    }
}

/// Write to standard output; a closed pipe (`newsdex search x | head`) ends quietly.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn reindex(data: &Path, quiet: bool) -> anyhow::Result<Done> {
    let mut engine = Engine::open_write(data).with_context(|| format!("opening {}", data.display()))?;
    let bar = progress_bar(quiet);
    let report = engine.reindex(&IngestOptions::default(), &mut on_event(&bar, true))?;
    bar.finish_and_clear();
    if !quiet {
        eprintln!("{}", output::ingest_summary("reindexed", &report));
    }
    Ok(if report.rejected_count == 0 { Done::Ok } else { Done::SomeRejected })
}

fn search(data: &Path, args: SearchArgs) -> anyhow::Result<Done> {
    let query = args.query.join(" ");
    let opts = args.filters.options(SearchOptions {
        limit: args.limit,
        offset: args.offset,
        collapse: !args.all,
        facets: args.facets || args.count.is_some(),
        count: args.count.as_deref().and_then(CountBy::parse).unwrap_or_default(),
        sort: Sort::parse(&args.sort).unwrap_or_default(),
        timeout: std::time::Duration::try_from_secs_f64(args.timeout).ok().filter(|d| !d.is_zero()),
        snapshot: args.snapshot,
        ..SearchOptions::default()
    });
    let results = if newsdex_collection::is_collection(data) {
        let c = newsdex_collection::Collection::open(data)?;
        collection_cmd::notes(&c, args.facets || args.count.is_some());
        c.search(&query, &opts)?
    } else {
        Engine::open_read(data)?.search(&query, &opts)?
    };
    if args.json {
        emit(&format!("{}\n", serde_json::to_string(&newsdex_server::wire::SearchResponse::from(&results))?))?;
    } else {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        emit(&output::search_text(&results, args.offset, color))?;
        if args.facets || args.count.is_some() {
            emit(&output::facets_text(&results))?;
        }
    }
    Ok(Done::Ok)
}

fn export(data: &Path, args: ExportArgs, quiet: bool) -> anyhow::Result<Done> {
    use newsdex_export::{Exporter, Field, Filters, Format, Manifest};
    let format = Format::parse(&args.format)?;
    let fields = Field::parse_list(args.fields.as_deref())?;
    let query = args.query.join(" ");
    let opts = args.filters.options(SearchOptions { snapshot: args.snapshot, ..SearchOptions::default() });
    // A collection's matches are read from every shard; it has no single snapshot.
    let (source, plan): (Box<dyn newsdex_engine::export::ExportSource>, _) = if newsdex_collection::is_collection(data)
    {
        let coll = newsdex_collection::Collection::open(data)?;
        // Story fields are the linked stories; outlet fields each shard's names.
        collection_cmd::notes(&coll, true);
        let plan = coll.export_plan(&query, &opts)?;
        (Box::new(coll), plan)
    } else {
        let engine = Engine::open_read(data)?;
        let plan = engine.export_plan(&query, &opts)?;
        (Box::new(engine), plan)
    };
    let snapshot = (!newsdex_collection::is_collection(data)).then_some(plan.snapshot);
    let exporter = Exporter { format, fields: fields.clone(), bom: args.bom };
    let written = match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
            let file = newsdex_export::SyncingFile::new(file);
            match newsdex_export::write_all(&*source, &plan, &exporter, args.stories, file) {
                Ok((file, w)) => {
                    // A file is on disk before the export says so; `/dev/null` or a pipe
                    // cannot be synced (EINVAL) and need not be.
                    file.finish().with_context(|| format!("writing {}", path.display()))?;
                    w
                }
                Err(e) => {
                    // No half export is left looking like a whole one.
                    let _ = std::fs::remove_file(path);
                    return Err(anyhow::Error::new(e).context(format!("writing {}", path.display())));
                }
            }
        }
        None => match newsdex_export::write_all(&*source, &plan, &exporter, args.stories, std::io::stdout()) {
            Ok((_, w)) => w,
            // `newsdex export … | head` ends quietly.
            Err(EngineError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(Done::Ok),
            Err(e) => return Err(e.into()),
        },
    };
    if let Some(path) = &args.manifest {
        let manifest = Manifest {
            query: query.clone(),
            filters: Filters {
                lang: args.filters.lang,
                outlet: args.filters.outlet,
                from: args.filters.from,
                to: args.filters.to,
                default_op: args.filters.default_op,
                exact: args.filters.exact,
                stories: args.stories,
            },
            format,
            fields: fields.iter().map(|f| f.name()).collect(),
            snapshot,
            matched: written.matched,
            rows: written.rows,
            bytes: written.bytes,
            sha256: written.sha256.clone(),
            newsdex_version: newsdex_export::VERSION,
        };
        std::fs::write(path, format!("{}\n", serde_json::to_string_pretty(&manifest)?))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if !quiet {
        let what = if args.stories { "stories" } else { "articles" };
        match snapshot {
            Some(n) => eprintln!(
                "exported {} {what} of {} matches as of snapshot {n} ({} bytes, SHA-256 {}); `--snapshot {n}` repeats it",
                written.rows, written.matched, written.bytes, written.sha256,
            ),
            None => eprintln!(
                "exported {} {what} of {} matches from every shard of the collection ({} bytes, SHA-256 {}); a collection has no single snapshot, so a repeat after new ingests differs",
                written.rows, written.matched, written.bytes, written.sha256,
            ),
        }
    }
    Ok(Done::Ok)
}

/// An id prefix that starts several documents: listed on standard error, exit code 2.
#[derive(Debug)]
struct Ambiguous {
    prefix: IdPrefix,
    total: usize,
    listed: Vec<(DocId, String)>,
}

impl std::fmt::Display for Ambiguous {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the id prefix {} starts {} documents", self.prefix, self.total)
    }
}

impl std::error::Error for Ambiguous {}

/// The document an id, or its first 6 or more digits, names.
fn find_id(engine: &Engine, prefix: &IdPrefix) -> anyhow::Result<DocId> {
    match engine.find_id(prefix)? {
        IdMatch::One(id) => Ok(id),
        IdMatch::None if prefix.whole().is_some() => anyhow::bail!("no document {prefix}"),
        IdMatch::None => anyhow::bail!("no document id starts with {prefix}"),
        IdMatch::Many { total, listed } => Err(Ambiguous { prefix: prefix.clone(), total, listed }.into()),
    }
}

fn story(data: &Path, args: StoryArgs) -> anyhow::Result<Done> {
    let prefix: IdPrefix = args.id.parse()?;
    let story = if newsdex_collection::is_collection(data) {
        // Members read from every shard, grouped as `collection link` linked them.
        let coll = newsdex_collection::Collection::open(data)?;
        let id = collection_id(&coll, prefix)?;
        coll.story(id)?.with_context(|| format!("no document {id}"))?
    } else {
        let engine = Engine::open_read(data)?;
        let id = find_id(&engine, &prefix)?;
        engine.story(id)?.with_context(|| format!("no document {id}"))?
    };
    if args.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&newsdex_server::wire::StoryResponse::from(&story))?))?;
    } else {
        emit(&output::story_text(&story))?;
    }
    Ok(Done::Ok)
}

/// The document of a collection an id or its first digits name.
fn collection_id(coll: &newsdex_collection::Collection, prefix: IdPrefix) -> anyhow::Result<newsdex_core::DocId> {
    match coll.find_id(&prefix)? {
        IdMatch::One(id) => Ok(id),
        IdMatch::None => {
            anyhow::bail!("no document {prefix} in any of the collection's {} shards", coll.manifest().shards)
        }
        IdMatch::Many { total, listed } => Err(Ambiguous { prefix, total, listed }.into()),
    }
}

fn show(data: &Path, args: ShowArgs) -> anyhow::Result<Done> {
    let prefix: IdPrefix = args.id.parse()?;
    if newsdex_collection::is_collection(data) {
        // A collection's document is shown from the shard that holds it.
        let coll = newsdex_collection::Collection::open(data)?;
        let id = collection_id(&coll, prefix)?;
        let home = coll.shard_holding(id)?.with_context(|| format!("no document {id}"))?;
        let shard = coll.manifest().shard_dir(data, home);
        drop(coll);
        return show(&shard, ShowArgs { id: id.to_string(), ..args });
    }
    let engine = Engine::open_read(data)?;
    let id = find_id(&engine, &prefix)?;
    if args.raw || args.record {
        let bytes = if args.raw { engine.raw_payload(id)? } else { engine.raw_record(id)? };
        let bytes = bytes.with_context(|| format!("no document {id}"))?;
        use std::io::Write;
        std::io::stdout().write_all(&bytes)?;
        return Ok(Done::Ok);
    }
    let row = engine.document(id)?.with_context(|| format!("no document {id}"))?;
    let versions = match row.article.url.as_deref() {
        Some(url) => collect_cmd::page_versions(data, &engine, url)?,
        None => None,
    };
    if args.json {
        let mut v = serde_json::to_value(&row)?;
        if let (Some(obj), Some(pv)) = (v.as_object_mut(), &versions) {
            obj.insert("versions".into(), pv.to_json());
        }
        emit(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
    } else {
        let mut text = output::document_text(&row);
        if let Some(pv) = &versions {
            text.push_str(&collect_cmd::versions_text(pv, &id.to_string()));
        }
        emit(&text)?;
    }
    Ok(Done::Ok)
}

fn stats(data: &Path, args: StatsArgs) -> anyhow::Result<Done> {
    let engine = Engine::open_read(data)?;
    let s = engine.stats(args.rejects)?;
    if args.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&s)?))?;
    } else {
        emit(&output::stats_text(&s))?;
    }
    Ok(Done::Ok)
}

fn serve(data: &Path, args: ServeArgs, quiet: bool) -> anyhow::Result<Done> {
    let limits = newsdex_server::Limits {
        max_connections: args.max_connections as usize,
        header_timeout: args.header_timeout.0,
        idle_timeout: args.idle_timeout.0,
        request_timeout: args.request_timeout.0,
        writer_idle: args.writer_idle.0,
    };
    if !args.shard_servers.is_empty() || newsdex_collection::is_collection(data) {
        return collection_cmd::serve_root(
            data,
            &args.shard_servers,
            args.addr,
            limits,
            (args.shard_timeout.0, args.shard_wait.0),
            quiet,
        );
    }
    let config =
        newsdex_server::ServerConfig { data: data.to_path_buf(), addr: args.addr, token: args.token.clone(), limits };
    // Before anything is created or loaded.
    config.validate()?;
    let collect = if args.collect {
        Some(collect_cmd::serve_options(args.user_agent.clone(), args.collect_delay, &args.resolve)?)
    } else {
        None
    };
    let empty = match Engine::open_read(data) {
        Ok(e) => e.num_docs() == 0,
        Err(EngineError::Store(newsdex_engine::StoreError::Missing(_))) => true,
        Err(e) => return Err(e.into()),
    };
    if empty {
        let mut writer = Engine::open_write(data).with_context(|| format!("creating {}", data.display()))?;
        if args.demo {
            let r = newsdex_server::demo::ingest(&mut writer)?;
            if !quiet {
                eprintln!(
                    "loaded the demo corpus: {} documents (Wikinews en/zh/ja, CC BY 2.5; Wikipedia \"In the news\" in 54 languages, CC BY-SA 3.0; the two seeds)",
                    r.new
                );
            }
        } else if !quiet {
            eprintln!("the archive is empty: add news with `newsdex ingest PATH`, or POST /api/ingest with a token");
        }
    } else if args.demo && !quiet {
        eprintln!("{} already holds documents; the demo corpus is only loaded into an empty archive", data.display());
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let stop = shutdown_signal()?;
        let (listener, addr) = listen(config.addr, "127.0.0.1:7701").await?;
        let url = format!("http://{addr}/");
        let docs = Engine::open_read(&config.data)?.num_docs();
        if !quiet {
            eprintln!("newsdex: serving {docs} documents from {} at {url}  (Ctrl-C to stop)", config.data.display());
            if config.token.is_none() {
                eprintln!(
                    "writing through the API is off (start with --token or NEWSDEX_TOKEN to allow POST /api/ingest)"
                );
            }
            warn_if_reachable(addr);
        }
        println!("{url}");
        if args.open {
            open_browser(&url);
        }
        let data = config.data.clone();
        let background = match collect {
            Some(opts) => {
                if !quiet {
                    eprintln!("collecting in the background from the sources (see /sources)");
                }
                Some(collect_cmd::Background::start(data, opts, quiet)?)
            }
            None => None,
        };
        let served = newsdex_server::serve(config, listener, stop).await;
        if let Some(bg) = background {
            let finished = tokio::task::spawn_blocking(move || bg.stop(std::time::Duration::from_secs(30))).await?;
            if !finished && !quiet {
                eprintln!("newsdex: the collector's pass did not finish in 30 s; what it did not record is fetched again next time");
            }
        }
        served?;
        if !quiet {
            eprintln!("newsdex: stopped");
        }
        anyhow::Ok(())
    })?;
    Ok(Done::Ok)
}

/// Ctrl-C (SIGINT) or SIGTERM. The handlers are registered when this is called, not when
/// the future is first polled, so a signal that arrives as soon as the URL is printed is
/// already a graceful stop.
/// Listen on `addr`; when that fails, the error names it and suggests `instead`.
pub(crate) async fn listen(
    addr: std::net::SocketAddr,
    instead: &str,
) -> anyhow::Result<(tokio::net::TcpListener, std::net::SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (in use? try --addr {instead})"))?;
    let bound = listener.local_addr()?;
    Ok((listener, bound))
}

/// Say so when a server listens where other machines can reach it.
pub(crate) fn warn_if_reachable(addr: std::net::SocketAddr) {
    if !addr.ip().is_loopback() {
        eprintln!("warning: listening on {addr}, reachable from other machines");
    }
}

pub(crate) fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {},
                _ = term.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(opener).arg(url).spawn().is_err() {
        eprintln!("could not start a browser ({opener}); open {url} yourself");
    }
}
