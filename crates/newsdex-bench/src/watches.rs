//! `newsdex-bench watches`: the cost of matching watches after commits. An archive is
//! built from the first part of a JSON Lines corpus; N watches are made from a query log
//! (each query alone, then pairs joined by OR and by AND, so no two watches are the same);
//! the rest of the corpus is ingested in batches and the watches run after each commit,
//! as `ingest` does. Reported: documents matched per second against N watches, the
//! watches' time as a share of ingest time, and commit-to-entry delay per batch (p50, p95).

use std::io::{BufRead, Write};
use std::path::Path;
use std::time::Instant;

use newsdex_engine::{Engine, IngestOptions};
use newsdex_watch::{NewWatch, WatchStore};
use serde_json::json;

pub fn run(
    input: &Path,
    queries: &Path,
    watches: usize,
    base_docs: usize,
    batch: usize,
    batches: usize,
) -> anyhow::Result<serde_json::Value> {
    let log: Vec<String> = std::fs::read_to_string(queries)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    anyhow::ensure!(!log.is_empty(), "{}: no queries", queries.display());
    let tmp = tempfile::tempdir()?;
    let lines: Vec<String> = std::io::BufReader::new(std::fs::File::open(input)?).lines().collect::<Result<_, _>>()?;
    anyhow::ensure!(
        lines.len() >= base_docs + batch * batches,
        "{}: {} lines, fewer than asked",
        input.display(),
        lines.len()
    );
    let part = |name: &str, from: usize, to: usize| -> anyhow::Result<std::path::PathBuf> {
        let p = tmp.path().join(name);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p)?);
        for l in &lines[from..to] {
            writeln!(f, "{l}")?;
        }
        f.flush()?;
        Ok(p)
    };
    let data = tmp.path().join("data");
    let mut engine = Engine::open_write(&data)?;
    engine.ingest(&[part("base.jsonl", 0, base_docs)?], &IngestOptions::default(), &mut |_| {})?;
    let mut store = WatchStore::open(&data)?;
    let n = log.len();
    let mut made = 0usize;
    'outer: for round in 0.. {
        for i in 0..n {
            let q = match round {
                0 => log[i].clone(),
                r => {
                    let j = (i + r * 7 + 1) % n;
                    if r % 2 == 1 {
                        format!("({}) OR ({})", log[i], log[j])
                    } else {
                        format!("({}) ({})", log[i], log[j])
                    }
                }
            };
            let w = NewWatch { name: format!("w{made}"), query: q, ..NewWatch::default() };
            // A query of the log the watch parser refuses is skipped, not counted.
            if store.add(&w, engine.last_batch()?, engine.generation()).is_ok() {
                made += 1;
            }
            if made == watches {
                break 'outer;
            }
        }
    }
    let (mut ingest_s, mut watch_s, mut docs) = (0.0f64, 0.0f64, 0u64);
    let mut delays = Vec::new();
    let (mut entries, mut copies) = (0usize, 0usize);
    let (mut match_s, mut record_s) = (0.0f64, 0.0f64);
    for b in 0..batches {
        let from = base_docs + b * batch;
        let p = part(&format!("b{b}.jsonl"), from, from + batch)?;
        let t = Instant::now();
        let r = engine.ingest(&[p], &IngestOptions::default(), &mut |_| {})?;
        ingest_s += t.elapsed().as_secs_f64();
        docs += r.new;
        let t = Instant::now();
        let rep = newsdex_watch::run(&engine, &mut store)?;
        let d = t.elapsed().as_secs_f64();
        watch_s += d;
        delays.push(d);
        entries += rep.new_entries;
        match_s += rep.match_secs;
        record_s += rep.record_secs;
        copies += rep.copies_added;
        anyhow::ensure!(rep.failed.is_empty(), "watches failed: {:?}", rep.failed);
    }
    delays.sort_by(f64::total_cmp);
    let pct = |p: f64| delays[((delays.len() as f64 - 1.0) * p).round() as usize];
    Ok(json!({
        "watches": made,
        "base_docs": base_docs,
        "batch_docs": batch,
        "batches": batches,
        "docs_ingested": docs,
        "ingest_s": ingest_s,
        "watch_s": watch_s,
        "docs_per_s_matched": docs as f64 / watch_s,
        "doc_watch_pairs_per_s": docs as f64 * made as f64 / watch_s,
        "watch_time_share_of_ingest": watch_s / ingest_s,
        "commit_to_entry_p50_s": pct(0.5),
        "commit_to_entry_p95_s": pct(0.95),
        "watch_s_matching": match_s,
        "watch_s_recording": record_s,
        "entries": entries,
        "copies": copies,
        // The watches file after the run (its write-ahead log checkpointed into it).
        "watches_file_bytes": watches_file_bytes(store, &data)?,
    }))
}

/// The size of `data`'s watches file once `store` is closed (closing the last connection
/// checkpoints the write-ahead log into the file).
fn watches_file_bytes(store: WatchStore, data: &std::path::Path) -> anyhow::Result<u64> {
    drop(store);
    Ok(std::fs::metadata(data.join(newsdex_watch::WATCHES_FILE))?.len())
}
