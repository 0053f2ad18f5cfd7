//! `newsdex-bench`: measure newsdex on real corpora and print Markdown rows for
//! BENCHMARKS.md. Timings are measured here, never asserted in tests.
//!
//! ```text
//! cargo run --release -p newsdex-bench -- reuters [--queries bench/queries/reuters.txt] [--threads 1]
//! cargo run --release -p newsdex-bench -- make-queries > bench/queries/reuters.txt
//! ```

mod queries;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand};
use newsdex_engine::{DefaultOp, Engine, IngestOptions, SearchOptions};

#[derive(Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Ingest Reuters-21578 (from its SGML) into a fresh data directory, then run the
    /// query log against it.
    Reuters {
        #[arg(long, default_value = "bench/queries/reuters.txt")]
        queries: PathBuf,
        /// Concurrent searchers (threads sharing one opened engine).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Times the whole query log is run (after one warm-up pass).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Write Reuters-21578 converted from its SGML as JSON Lines to OUT.
    ReutersJsonl { out: PathBuf },
    /// Print the query log generated from Reuters-21578 (deterministic).
    MakeQueries {
        #[arg(long, default_value_t = 400)]
        count: usize,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Reuters { queries, threads, rounds } => reuters(&queries, threads, rounds),
        Cmd::ReutersJsonl { out } => {
            let sgml = newsdex_testkit::shared_data("news-reuters21578/original").context("Reuters SGML")?;
            std::fs::write(&out, newsdex_testkit::reuters::jsonl(&sgml)?)?;
            Ok(())
        }
        Cmd::MakeQueries { count } => {
            let sgml = newsdex_testkit::shared_data("news-reuters21578/original").context("Reuters SGML")?;
            let docs = newsdex_testkit::reuters::convert_dir(&sgml)?;
            for q in queries::generate(&docs, count) {
                println!("{q}");
            }
            Ok(())
        }
    }
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    if sorted_ms.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted_ms.len() - 1) as f64).round() as usize;
    sorted_ms[i.min(sorted_ms.len() - 1)]
}

fn reuters(query_file: &PathBuf, threads: usize, rounds: usize) -> anyhow::Result<()> {
    let sgml = newsdex_testkit::shared_data("news-reuters21578/original").context("Reuters SGML is needed")?;
    let tmp = tempfile::tempdir()?;
    let input = tmp.path().join("reuters21578.jsonl");
    std::fs::write(&input, newsdex_testkit::reuters::jsonl(&sgml)?)?;
    let mb = std::fs::metadata(&input)?.len() as f64 / 1e6;
    let data = tmp.path().join("data");

    // Ingest: raw JSONL to searchable, end to end (read, keep, extract, store, index).
    let started = Instant::now();
    let report = {
        let mut engine = Engine::open_write(&data)?;
        engine.ingest(std::slice::from_ref(&input), &IngestOptions::default(), &mut |_| {})?
    };
    let secs = started.elapsed().as_secs_f64();
    let docs = report.new as f64;

    let queries: Vec<String> = std::fs::read_to_string(query_file)
        .with_context(|| format!("reading {}", query_file.display()))?
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let engine = Engine::open_read(&data)?;
    let opts = SearchOptions { limit: 10, default_op: DefaultOp::And, ..SearchOptions::default() };
    // Warm-up: page cache and lazy structures.
    for q in &queries {
        engine.search(q, &opts).with_context(|| format!("query {q:?}"))?;
    }
    let wall = Instant::now();
    let mut lat: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (engine, queries, opts) = (&engine, &queries, &opts);
                s.spawn(move || {
                    let mut out = Vec::new();
                    for r in 0..rounds {
                        for (i, q) in queries.iter().enumerate() {
                            if (i + r) % threads != t % threads.max(1) && threads > 1 {
                                continue;
                            }
                            let t0 = Instant::now();
                            let res = engine.search(q, opts).expect("query ran in warm-up");
                            std::hint::black_box(res.total);
                            out.push(t0.elapsed().as_secs_f64() * 1e3);
                        }
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("searcher thread")).collect()
    });
    let wall = wall.elapsed().as_secs_f64();
    lat.sort_by(|a, b| a.total_cmp(b));
    let qps = lat.len() as f64 / wall;

    println!("| corpus | documents | input | ingest time | docs/s | MB/s |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| Reuters-21578 (JSONL from SGML) | {} | {mb:.1} MB | {secs:.2} s | {:.0} | {:.1} |",
        report.new,
        docs / secs,
        mb / secs
    );
    println!();
    println!("| queries | threads | runs | p50 | p95 | p99 | QPS |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {} from {} | {threads} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {qps:.0} |",
        queries.len(),
        query_file.display(),
        lat.len(),
        percentile(&lat, 50.0),
        percentile(&lat, 95.0),
        percentile(&lat, 99.0)
    );
    Ok(())
}
