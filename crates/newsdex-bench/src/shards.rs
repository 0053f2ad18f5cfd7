//! One archive against collections of N shards of the same inputs: build time, link time,
//! disk, and query latency through the shards read as one index.

use std::path::{Path, PathBuf};
use std::time::Instant;

use newsdex_collection::Collection;
use newsdex_core::Shard;
use newsdex_engine::{Engine, IngestOptions, SearchOptions};

use crate::measure::{dir_size, latency, read_queries};

pub fn run(work: &Path, counts: &[u32], queries: &Path, rounds: usize, inputs: &[PathBuf]) -> anyhow::Result<()> {
    let queries = read_queries(queries)?;
    let opts = IngestOptions::default();
    let search = SearchOptions { facets: true, ..SearchOptions::default() };
    let _ = std::fs::remove_dir_all(work);
    let mut rows = Vec::new();

    let one = work.join("one");
    let t = Instant::now();
    let report = Engine::open_write(&one)?.ingest(inputs, &opts, &mut |_| {})?;
    let build = t.elapsed().as_secs_f64();
    let single = Engine::open_read(&one)?;
    let lat = latency(&queries, 1, rounds, |q| single.search(q, &search).is_ok());
    rows.push(format!(
        "| one archive | {} | {build:.1} s | — | {:.0} MB | {:.2} | {:.2} | {:.0} | 1.00 |",
        report.new,
        dir_size(&one) as f64 / 1e6,
        lat.p50_ms,
        lat.p99_ms,
        lat.qps
    ));
    let base_qps = lat.qps;
    drop(single);

    for &n in counts {
        let coll = work.join(format!("coll-{n}"));
        let m = newsdex_collection::init(&coll, n)?;
        let t = Instant::now();
        let mut docs = 0;
        let mut slowest: f64 = 0.0;
        for i in 0..n {
            let ts = Instant::now();
            let mut e = Engine::open_write(&m.shard_dir(&coll, i))?;
            e.make_shard(Shard::new(i, n).expect("shard in range"))?;
            docs += e.ingest(inputs, &opts, &mut |_| {})?.new;
            slowest = slowest.max(ts.elapsed().as_secs_f64());
        }
        let build = t.elapsed().as_secs_f64();
        let t = Instant::now();
        newsdex_collection::link(&coll)?;
        let link = t.elapsed().as_secs_f64();
        let c = Collection::open(&coll)?;
        let lat = latency(&queries, 1, rounds, |q| c.search(q, &search).is_ok());
        rows.push(format!(
            "| {n} shards | {docs} | {build:.1} s (slowest shard {slowest:.1} s) | {link:.1} s | {:.0} MB | {:.2} | {:.2} | {:.0} | {:.2} |",
            dir_size(&coll) as f64 / 1e6,
            lat.p50_ms,
            lat.p99_ms,
            lat.qps,
            lat.qps / base_qps
        ));
    }
    println!(
        "| archive | documents | build (shards one after another) | link stories | disk | p50 ms | p99 ms | QPS | QPS ÷ one archive |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
