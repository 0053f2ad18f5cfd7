//! One archive against collections of N shards of the same inputs: build time, link time,
//! disk, and query latency through the shards read as one index; with `--newsdex BIN`,
//! also over HTTP: the one archive's `newsdex serve` against a root over N shard-server
//! processes (`serve --shard-servers`, `collection serve-shard`), on this one machine, so
//! that the cost of the fan-out (processes, HTTP, JSON, the merge) shows.

use std::path::{Path, PathBuf};
use std::time::Instant;

use newsdex_collection::Collection;
use newsdex_core::{Partition, Shard, ShardRule};
use newsdex_engine::{Engine, IngestOptions, SearchOptions};

use crate::measure::{dir_size, latency, read_queries};

pub fn run(
    work: &Path,
    layouts: &[(u32, Partition)],
    queries: &Path,
    rounds: usize,
    newsdex: Option<&Path>,
    inputs: &[PathBuf],
) -> anyhow::Result<()> {
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
    let mut http_rows = Vec::new();
    let mut http_base = None;
    if let Some(bin) = newsdex {
        let server = Server::start(bin, &one, &["serve", "--addr", "127.0.0.1:0"])?;
        let lat = http_latency(&server.url, &queries, rounds);
        http_rows.push(format!(
            "| one archive: `newsdex serve` | {} | {:.2} | {:.2} | {:.0} | 1.00 |",
            lat.failed, lat.p50_ms, lat.p99_ms, lat.qps
        ));
        http_base = Some(lat.qps);
    }

    for (n, partition) in layouts {
        let n = *n;
        let by_date = matches!(partition, Partition::Date(_));
        let (name, label) = if by_date {
            (format!("coll-{n}-by-date"), format!("{n} shards by date"))
        } else {
            (format!("coll-{n}"), format!("{n} shards"))
        };
        let coll = work.join(name);
        let m = newsdex_collection::init(&coll, n, partition.clone())?;
        let t = Instant::now();
        let mut docs = 0;
        let mut slowest: f64 = 0.0;
        for i in 0..n {
            let ts = Instant::now();
            let mut e = Engine::open_write(&m.shard_dir(&coll, i))?;
            let shard = Shard::new(i, n).expect("shard in range");
            e.make_shard(&ShardRule { shard, partition: partition.clone() })?;
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
            "| {label} | {docs} | {build:.1} s (slowest shard {slowest:.1} s) | {link:.1} s | {:.0} MB | {:.2} | {:.2} | {:.0} | {:.2} |",
            dir_size(&coll) as f64 / 1e6,
            lat.p50_ms,
            lat.p99_ms,
            lat.qps,
            lat.qps / base_qps
        ));
        if let (Some(bin), Some(base)) = (newsdex, http_base) {
            let servers: Vec<Server> = (0..n)
                .map(|i| {
                    Server::start(
                        bin,
                        &coll,
                        &["collection", "serve-shard", "--own", &i.to_string(), "--addr", "127.0.0.1:0"],
                    )
                })
                .collect::<anyhow::Result<_>>()?;
            let urls: Vec<&str> = servers.iter().map(|s| s.url.as_str()).collect();
            let root =
                Server::start(bin, &coll, &["serve", "--addr", "127.0.0.1:0", "--shard-servers", &urls.join(",")])?;
            let lat = http_latency(&root.url, &queries, rounds);
            http_rows.push(format!(
                "| root over {label} (one server each) | {} | {:.2} | {:.2} | {:.0} | {:.2} |",
                lat.failed,
                lat.p50_ms,
                lat.p99_ms,
                lat.qps,
                lat.qps / base
            ));
        }
    }
    println!(
        "| archive | documents | build (shards one after another) | link stories | disk | p50 ms | p99 ms | QPS | QPS ÷ one archive |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    if !http_rows.is_empty() {
        println!();
        println!(
            "| over HTTP (`/api/search?q=…&facets=true`, one client) | failed | p50 ms | p99 ms | QPS | QPS ÷ one archive |"
        );
        println!("|---|---|---|---|---|---|");
        for r in http_rows {
            println!("{r}");
        }
    }
    Ok(())
}

/// A newsdex server process, killed when dropped.
struct Server {
    child: std::process::Child,
    url: String,
}

impl Server {
    /// `BIN -q --data DATA ARGS…`, once it has printed the URL it listens on.
    fn start(bin: &Path, data: &Path, args: &[&str]) -> anyhow::Result<Server> {
        use std::io::BufRead;
        let mut child = std::process::Command::new(bin)
            .arg("-q")
            .arg("--data")
            .arg(data)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
        let url = line.trim().trim_end_matches('/').to_string();
        anyhow::ensure!(url.starts_with("http://"), "{} {args:?} printed {line:?}", bin.display());
        Ok(Server { child, url })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Latency of `GET BASE/api/search?q=Q&facets=true` for every query, one client.
fn http_latency(base: &str, queries: &[String], rounds: usize) -> crate::measure::Latency {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    latency(queries, 1, rounds, |q| {
        let url = format!("{base}/api/search?facets=true&q={}", encode(q));
        agent.get(&url).call().is_ok_and(|mut r| r.status() == 200 && r.body_mut().read_to_vec().is_ok())
    })
}

fn encode(q: &str) -> String {
    q.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
