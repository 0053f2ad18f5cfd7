//! `newsdex-bench`: the measuring half of the benchmark harness (`bench/run` drives it
//! beside the peers). Each subcommand prints one JSON object per measurement on stdout;
//! `report` turns a file of them into the tables of BENCHMARKS.md. Timings are measured
//! here, never asserted in tests.
//!
//! ```text
//! newsdex-bench reuters-jsonl OUT                      Reuters-21578 from its SGML, as JSON Lines
//! newsdex-bench synth --docs N --out FILE              synthetic corpus from real text
//! newsdex-bench html-corpus --pages N --out DIR        extraction-set pages replicated to N files
//! newsdex-bench make-queries [--from JSONL]            a real-shaped query log
//! newsdex-bench ingest --data DIR INPUT...             newsdex end to end: docs/s, MB/s, peak memory, sizes
//! newsdex-bench query --data DIR --queries FILE        newsdex latency at --threads, with facets
//! newsdex-bench tantivy --input JSONL --queries FILE   the same in plain tantivy
//! newsdex-bench growth --sizes 10000,100000,1000000    ingest time, size and latency as the archive grows
//! newsdex-bench repair JSONL                           text clean-up throughput
//! newsdex-bench report RESULTS.jsonl [--write FILE]    Markdown tables
//! ```

mod measure;
mod queries;
mod report;
mod shards;
mod synth;
mod tantivy_alone;
mod watches;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use newsdex_engine::{DefaultOp, Engine, IngestOptions, SearchOptions};
use serde_json::{Value, json};

#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Watches matched after each commit: documents per second against N watches made from
    /// a query log, and commit-to-entry delay (see `watches.rs`).
    Watches {
        /// JSON Lines corpus (e.g. from `reuters-jsonl`).
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        queries: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        watches: usize,
        /// Documents in the archive before the watches are made.
        #[arg(long, default_value_t = 5_000)]
        base: usize,
        #[arg(long, default_value_t = 1_000)]
        batch: usize,
        #[arg(long, default_value_t = 5)]
        batches: usize,
    },
    /// Write Reuters-21578 converted from its SGML as JSON Lines to OUT.
    ReutersJsonl { out: PathBuf },
    /// Write a synthetic corpus of N articles built from real text (Reuters, AG News).
    Synth {
        #[arg(long)]
        docs: u64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1987)]
        seed: u64,
    },
    /// Copy the extraction sets' HTML pages into OUT until there are N files, each copy
    /// made distinct by a comment (so each is a new document, as a re-crawl would be).
    HtmlCorpus {
        #[arg(long)]
        pages: usize,
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a query log: from Reuters-21578 (the default) or from a JSON Lines corpus.
    MakeQueries {
        #[arg(long, default_value_t = 400)]
        count: usize,
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Ingest INPUTs into a fresh data directory DATA, end to end.
    Ingest {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "")]
        label: String,
        /// Outlet for records that name none.
        #[arg(long)]
        outlet: Option<String>,
        /// Do not group stories (to measure what grouping costs).
        #[arg(long)]
        no_stories: bool,
        /// Commit after this many new documents (unset: newsdex's default).
        #[arg(long)]
        batch_docs: Option<usize>,
        inputs: Vec<PathBuf>,
    },
    /// Run a query log against the data directory DATA.
    Query {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        queries: PathBuf,
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        facets: bool,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Index INPUT in plain tantivy and run the query log against it.
    Tantivy {
        #[arg(long)]
        input: PathBuf,
        /// Language and outlet for records that name none (newsdex detects the language).
        #[arg(long)]
        default_lang: Option<String>,
        #[arg(long)]
        default_outlet: Option<String>,
        #[arg(long)]
        queries: PathBuf,
        #[arg(long, value_delimiter = ',', default_value = "1,2")]
        threads: Vec<usize>,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        facets: bool,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Grow one archive through SIZES synthetic articles; after each step, its size on
    /// disk and the latency of a query log drawn from it.
    Growth {
        #[arg(long, value_delimiter = ',', default_value = "10000,100000,1000000")]
        sizes: Vec<u64>,
        #[arg(long)]
        work: PathBuf,
        #[arg(long, default_value_t = 400)]
        queries: usize,
        #[arg(long, default_value_t = 1)]
        rounds: usize,
    },
    /// Text clean-up throughput over the `text` fields of a JSON Lines file.
    Repair {
        input: PathBuf,
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// One archive against collections of N shards built from the same INPUTs on this
    /// machine (shards built one after another; on a cluster they are built at once):
    /// build and link time, and the latency of a query log (one thread, facets on) through
    /// the shards read as one index. Prints a Markdown table.
    Shards {
        #[arg(long)]
        work: PathBuf,
        #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
        shards: Vec<u32>,
        #[arg(long)]
        queries: PathBuf,
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Also over HTTP: the one archive's `newsdex serve`, and for each count a root
        /// (`serve --shard-servers`) over one `collection serve-shard` per shard, all
        /// started from this binary.
        #[arg(long)]
        newsdex: Option<PathBuf>,
        /// Also a time-partitioned collection split at these dates (comma-separated; one
        /// shard more than dates, undated documents in the last), built and searched the
        /// same way.
        #[arg(long, value_name = "DATES")]
        by_date: Option<String>,
        inputs: Vec<PathBuf>,
    },
    /// Render a results file as Markdown; with --write, replace the generated section of FILE.
    Report {
        results: PathBuf,
        #[arg(long)]
        write: Option<PathBuf>,
        #[arg(long)]
        command: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Watches { input, queries, watches: n, base, batch, batches } => {
            let row = watches::run(&input, &queries, n, base, batch, batches)?;
            emit(json!({"row": "watches", "engine": "newsdex", "result": row}));
            Ok(())
        }
        Cmd::ReutersJsonl { out } => {
            std::fs::write(&out, newsdex_testkit::reuters::jsonl(&reuters_sgml()?)?)?;
            Ok(())
        }
        Cmd::Synth { docs, out, seed } => synth_corpus(docs, &out, seed),
        Cmd::HtmlCorpus { pages, out } => html_corpus(pages, &out),
        Cmd::MakeQueries { count, from } => {
            let (docs, months) = match from {
                None => {
                    let docs = newsdex_testkit::reuters::convert_dir(&reuters_sgml()?)?;
                    (docs, queries::REUTERS_MONTHS.iter().map(|m| m.to_string()).collect())
                }
                Some(f) => {
                    let docs = read_jsonl(&f, 200_000)?;
                    let months = queries::busiest_months(&docs, 6);
                    (docs, months)
                }
            };
            let months: Vec<&str> = months.iter().map(String::as_str).collect();
            for q in queries::generate(&docs, count, &months) {
                println!("{q}");
            }
            Ok(())
        }
        Cmd::Shards { work, shards, queries, rounds, newsdex, by_date, inputs } => {
            let mut layouts: Vec<(u32, newsdex_core::Partition)> =
                shards.iter().map(|n| (*n, newsdex_core::Partition::Id)).collect();
            if let Some(bounds) = by_date {
                let n = bounds.split(',').count() as u32 + 1;
                let ranges = newsdex_core::DateRanges::parse(&bounds, n, None).map_err(anyhow::Error::msg)?;
                layouts.push((n, newsdex_core::Partition::Date(ranges)));
            }
            shards::run(&work, &layouts, &queries, rounds, newsdex.as_deref(), &inputs)
        }
        Cmd::Ingest { data, label, outlet, no_stories, batch_docs, inputs } => {
            let defaults = IngestOptions::default();
            let batch_docs = batch_docs.unwrap_or(defaults.batch_docs);
            let opts = IngestOptions { outlet, stories: !no_stories, batch_docs, ..defaults };
            let row = ingest(&data, &inputs, &opts)?;
            emit(json!({"row": "ingest", "engine": "newsdex", "label": label, "result": row}));
            Ok(())
        }
        Cmd::Query { data, queries, threads, rounds, facets, label } => {
            let log = measure::read_queries(&queries)?;
            let engine = Engine::open_read(&data)?;
            for t in threads {
                let l = newsdex_latency(&engine, &log, t, rounds, facets);
                emit(
                    json!({"row": "query", "engine": "newsdex", "label": label, "facets": facets, "queries": log.len(), "result": l}),
                );
            }
            Ok(())
        }
        Cmd::Tantivy { input, default_lang, default_outlet, queries, threads, rounds, facets, label } => {
            let log = measure::read_queries(&queries)?;
            let tmp = tempfile::tempdir()?;
            let defaults = tantivy_alone::Defaults { lang: default_lang, outlet: default_outlet };
            let (plain, built) = tantivy_alone::Plain::build(&input, &defaults, &tmp.path().join("index"))?;
            emit(json!({"row": "ingest", "engine": "tantivy", "label": label, "result": built}));
            for t in threads {
                let l = measure::latency(&log, t, rounds, |q| plain.search(q, facets));
                emit(
                    json!({"row": "query", "engine": "tantivy", "label": label, "facets": facets, "queries": log.len(), "result": l}),
                );
            }
            Ok(())
        }
        Cmd::Growth { sizes, work, queries, rounds } => growth(&sizes, &work, queries, rounds),
        Cmd::Repair { input, repeat } => repair(&input, repeat),
        Cmd::Report { results, write, command } => report::run(&results, write.as_deref(), command.as_deref()),
    }
}

fn emit(v: Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{v}");
    let _ = out.flush();
}

fn reuters_sgml() -> anyhow::Result<PathBuf> {
    newsdex_testkit::shared_data("news-reuters21578/original")
        .context("Reuters-21578's SGML (../shared/data) is needed")
}

fn read_jsonl(path: &Path, max: usize) -> anyhow::Result<Vec<Value>> {
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut out = Vec::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(f)).take(max) {
        if let Ok(v) = serde_json::from_str(&line?) {
            out.push(v);
        }
    }
    Ok(out)
}

fn synth_pool() -> anyhow::Result<synth::Pool> {
    let mut records = newsdex_testkit::reuters::convert_dir(&reuters_sgml()?)?;
    if let Some(ag) = newsdex_testkit::shared_data("news-agnews-test/agnews-test.jsonl") {
        records.extend(read_jsonl(&ag, usize::MAX)?);
    }
    Ok(synth::Pool::from_records(records.iter()))
}

fn synth_corpus(docs: u64, out: &Path, seed: u64) -> anyhow::Result<()> {
    let pool = synth_pool()?;
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    let bytes = synth::write(&pool, seed, 0, docs, &mut f)?;
    f.flush()?;
    eprintln!(
        "wrote {docs} articles ({:.1} MB) from {} headlines and {} sentences",
        bytes as f64 / 1e6,
        pool.titles.len(),
        pool.sentences.len()
    );
    Ok(())
}

fn html_corpus(pages: usize, out: &Path) -> anyhow::Result<()> {
    let mut sources = Vec::new();
    for set in [
        "extraction-scrapinghub",
        "extraction-readability",
        "extraction-trafilatura",
        "extraction-newspaper4k",
        "extraction-goose3",
    ] {
        if let Some(dir) = newsdex_testkit::shared_data(set) {
            let ds = newsdex_eval_pages(&dir)?;
            sources.extend(ds);
        }
    }
    anyhow::ensure!(!sources.is_empty(), "no extraction pages found in ../shared/data");
    std::fs::create_dir_all(out)?;
    let mut bytes = 0usize;
    for i in 0..pages {
        let page = &sources[i % sources.len()];
        let mut copy = format!("<!-- newsdex-bench copy {i} -->\n").into_bytes();
        copy.extend_from_slice(page);
        bytes += copy.len();
        std::fs::write(out.join(format!("{i:06}.html")), copy)?;
    }
    eprintln!("wrote {pages} pages ({:.1} MB) from {} distinct pages", bytes as f64 / 1e6, sources.len());
    Ok(())
}

/// Every page of an extraction set, decompressed.
fn newsdex_eval_pages(dir: &Path) -> anyhow::Result<Vec<Vec<u8>>> {
    let set = newsdex_eval::datasets::Dataset::load(dir)?;
    set.cases.iter().map(|c| newsdex_eval::datasets::read_page(&c.html)).collect()
}

/// Ingest figures of one run.
#[derive(Debug, serde::Serialize)]
struct IngestRow {
    docs: u64,
    rejected: usize,
    bytes: u64,
    seconds: f64,
    docs_per_s: f64,
    mb_per_s: f64,
    peak_rss_mb: Option<f64>,
    raw_bytes: u64,
    store_bytes: u64,
    index_bytes: u64,
    /// Documents that joined another's story, seconds spent grouping, grouper memory.
    copies: u64,
    story_secs: f64,
    story_mb: f64,
}

fn sizes(data: &Path) -> (u64, u64, u64) {
    let generation = std::fs::read_to_string(data.join("gen/CURRENT")).unwrap_or_default();
    let g = data.join("gen").join(generation.trim());
    let store: u64 = ["docs.sqlite", "docs.sqlite-wal"].iter().map(|f| measure::dir_size(&g.join(f))).sum();
    (measure::dir_size(&data.join("raw")), store, measure::dir_size(&g.join("index")))
}

fn ingest(data: &Path, inputs: &[PathBuf], opts: &IngestOptions) -> anyhow::Result<IngestRow> {
    let started = Instant::now();
    let report = {
        let mut engine = Engine::open_write(data)?;
        engine.ingest(inputs, opts, &mut |_| {})?
    };
    let seconds = started.elapsed().as_secs_f64();
    let (raw_bytes, store_bytes, index_bytes) = sizes(data);
    Ok(IngestRow {
        docs: report.new,
        rejected: report.rejected.len(),
        bytes: report.bytes,
        seconds,
        docs_per_s: report.new as f64 / seconds,
        mb_per_s: report.bytes as f64 / 1e6 / seconds,
        peak_rss_mb: measure::peak_rss_mb(),
        raw_bytes,
        store_bytes,
        index_bytes,
        copies: report.copies,
        story_secs: report.story_secs,
        story_mb: report.story_bytes as f64 / 1e6,
    })
}

fn newsdex_latency(engine: &Engine, log: &[String], threads: usize, rounds: usize, facets: bool) -> measure::Latency {
    let opts = SearchOptions { limit: 10, default_op: DefaultOp::And, facets, ..SearchOptions::default() };
    measure::latency(log, threads, rounds, |q| engine.search(q, &opts).is_ok())
}

fn growth(sizes: &[u64], work: &Path, count: usize, rounds: usize) -> anyhow::Result<()> {
    let pool = synth_pool()?;
    std::fs::create_dir_all(work)?;
    let data = work.join("data");
    let mut have = 0u64;
    let mut total_secs = 0.0;
    for &size in sizes {
        anyhow::ensure!(size > have, "sizes must grow: {size} after {have}");
        let input = work.join(format!("synth-{have}-{size}.jsonl"));
        {
            let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&input)?);
            synth::write(&pool, 1987, have, size, &mut f)?;
            f.flush()?;
        }
        let row = ingest(&data, std::slice::from_ref(&input), &IngestOptions::default())?;
        std::fs::remove_file(&input)?;
        anyhow::ensure!(row.rejected == 0 && row.docs == size - have, "growth step to {size}: {row:?}");
        total_secs += row.seconds;
        // The query log of this stage, from a sample of the archive's own articles.
        let sample: Vec<Value> =
            (0..size.min(50_000)).map(|i| synth::article(&pool, 1987, i * (size / size.min(50_000)))).collect();
        let months = queries::busiest_months(&sample, 6);
        let months: Vec<&str> = months.iter().map(String::as_str).collect();
        let log = queries::generate(&sample, count, &months);
        let engine = Engine::open_read(&data)?;
        let lat = newsdex_latency(&engine, &log, 1, rounds, true);
        emit(json!({
            "row": "growth", "engine": "newsdex", "docs": size,
            "step": {"added": size - have, "seconds": row.seconds, "docs_per_s": row.docs_per_s, "mb_per_s": row.mb_per_s},
            "total_seconds": total_secs, "peak_rss_mb": row.peak_rss_mb,
            "raw_bytes": row.raw_bytes, "store_bytes": row.store_bytes, "index_bytes": row.index_bytes,
            "query": lat,
        }));
        have = size;
    }
    Ok(())
}

fn repair(input: &Path, repeat: usize) -> anyhow::Result<()> {
    let texts: Vec<String> =
        read_jsonl(input, usize::MAX)?.into_iter().filter_map(|v| v["text"].as_str().map(str::to_string)).collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut best = f64::INFINITY;
    for _ in 0..repeat.max(1) {
        let t0 = Instant::now();
        for t in &texts {
            let mut w = Vec::new();
            std::hint::black_box(newsdex_extract::repair_text(t, &mut w));
        }
        best = best.min(t0.elapsed().as_secs_f64());
    }
    emit(json!({"row": "repair", "engine": "newsdex", "result": {
        "texts": texts.len(), "mb": bytes as f64 / 1e6, "seconds": best, "mb_per_s": bytes as f64 / 1e6 / best,
        "what": "newsdex_extract::repair_text (mojibake repair, then NFC, whitespace, invisible and control characters)",
    }}));
    Ok(())
}
