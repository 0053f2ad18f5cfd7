//! The collector's capacity simulation (a benchmark, not a test; numbers go to
//! BENCHMARKS.md). An axum server on 127.0.0.1 plays `--hosts` news sites (hostnames
//! mapped onto it with the client's resolver override) carrying `--sources` feeds; every
//! answer waits 50–500 ms (fixed per address). Each feed publishes an item every 20–60
//! minutes (fixed per feed, from the start of the run), its page a unique token among
//! generated text. The collector runs real passes (`run_pass`, politeness on: robots.txt,
//! one request per host at a time, `--delay` seconds between two) over every source
//! (`all`), into a real data directory, on a thread of their own; every second the items
//! that have appeared are searched for by their token, and the delay from appearance to
//! being found is kept.
//!
//! ```sh
//! cargo run --release -p newsdex-collect --example capacity -- --sources 10000 --hosts 2000 --minutes 10
//! ```
//!
//! Prints polls per hour, article pages per second, peak RSS (this process: collector
//! and server together) and appearance-to-searchable p50/p95: over every item found, and
//! over the items that appeared two minutes or more before the end, the unfound ones
//! included (no bias from leaving out the late ones).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use newsdex_collect::{CollectOptions, FetchConfig, run_pass};
use newsdex_engine::{Engine, SearchOptions};

#[derive(Clone)]
struct Sim {
    hosts: usize,
    start: i64,
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 31;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 29;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^ (x >> 32)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// A feed's publishing period and first item's offset, in seconds.
fn schedule(source: usize) -> (i64, i64) {
    let r = mix(source as u64 + 1);
    let period = 1200 + (r % 2401) as i64;
    (period, ((r >> 20) % period as u64) as i64)
}

/// When item `k` of `source` appears (Unix seconds).
fn appears(sim: &Sim, source: usize, k: i64) -> i64 {
    let (period, offset) = schedule(source);
    sim.start + offset + k * period
}

/// Items of `source` that have appeared at `now`.
fn appeared(sim: &Sim, source: usize, now: i64) -> i64 {
    let (period, offset) = schedule(source);
    if now < sim.start + offset { 0 } else { (now - sim.start - offset) / period + 1 }
}

const WORDS: &str = "council harbour river valley minister election budget school hospital railway bridge storm farmers market prices court police festival museum airport bank energy climate water housing teachers \
    nurses workers strike road village city region report study survey company profits exports tourists weather flood drought harvest factory union league season coach players mayor parliament";

fn token(source: usize, k: i64) -> String {
    format!("tok{source}q{k}")
}

fn page(source: usize, k: i64) -> String {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let mut r = mix(((source as u64) << 20) ^ k as u64 ^ 0x5eed);
    let mut para = |n: usize| {
        (0..n)
            .map(|_| {
                r = mix(r.wrapping_add(0x9e37_79b9_7f4a_7c15));
                words[(r % words.len() as u64) as usize]
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let title = para(6);
    let body: String = (0..4).map(|_| format!("<p>The {}.</p>", para(28))).collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>{title}</title></head><body><article><h1>{title}</h1><p>Dispatch {} from the {}.</p>{body}</article></body></html>",
        token(source, k),
        para(3)
    )
}

fn feed(sim: &Sim, source: usize, host: &str, now: i64) -> String {
    let n = appeared(sim, source, now);
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Feed {source}</title><link>http://{host}/</link><language>en</language>"
    );
    for k in (n - 10).max(0)..n {
        let at = chrono::DateTime::from_timestamp(appears(sim, source, k), 0).unwrap().to_rfc2822();
        s += &format!(
            "<item><title>Item {k} of feed {source}</title><link>http://{host}/a/{source}/{k}</link><guid>s{source}-{k}</guid><pubDate>{at}</pubDate><description>Item {k}.</description></item>"
        );
    }
    s + "</channel></rss>"
}

async fn handle(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_string();
    let path = req.uri().path().to_string();
    tokio::time::sleep(Duration::from_millis(50 + fnv(&format!("{host}{path}")) % 451)).await;
    let now = chrono::Utc::now().timestamp();
    let not_found = || Response::builder().status(404).body(Body::from("not found")).unwrap();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let ok = |ct: &str, body: String| Response::builder().header("content-type", ct).body(Body::from(body)).unwrap();
    match parts.as_slice() {
        [f] if f.starts_with('f') && f.ends_with(".xml") => {
            let Ok(s) = f[1..f.len() - 4].parse::<usize>() else { return not_found() };
            if format!("h{}.sim", s % sim.hosts) != host {
                return not_found();
            }
            ok("application/rss+xml; charset=utf-8", feed(&sim, s, &host, now))
        }
        ["a", s, k] => match (s.parse::<usize>(), k.parse::<i64>()) {
            (Ok(s), Ok(k)) if k < appeared(&sim, s, now) => ok("text/html; charset=utf-8", page(s, k)),
            _ => not_found(),
        },
        _ => not_found(),
    }
}

fn arg(name: &str, default: f64) -> f64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn pct(v: &[i64], p: f64) -> i64 {
    if v.is_empty() {
        return -1;
    }
    let mut v = v.to_vec();
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Delays in seconds as printed: median, 95th percentile, maximum and count.
fn spread(v: &[i64]) -> String {
    format!(
        "p50 {} s, p95 {} s, max {} s over {} items",
        pct(v, 0.5),
        pct(v, 0.95),
        v.iter().max().copied().unwrap_or(-1),
        v.len()
    )
}

fn main() {
    let sources = arg("--sources", 10_000.0) as usize;
    let hosts = arg("--hosts", 2_000.0) as usize;
    let minutes = arg("--minutes", 10.0);
    let delay = arg("--delay", 5.0);
    let concurrency = arg("--concurrency", FetchConfig::default().concurrency as f64) as usize;
    let max_pages = arg("--max-pages", 5_000.0) as usize;
    let start = chrono::Utc::now().timestamp();
    let sim = Arc::new(Sim { hosts, start });

    let (tx, rx) = std::sync::mpsc::channel();
    let state = sim.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = axum::Router::new().fallback(handle).with_state(state);
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    let dir = tempfile::tempdir_in(std::env::var("NEWSDEX_SIM_DIR").unwrap_or_else(|_| "/tmp".into())).unwrap();
    let data = dir.path().join("data");
    {
        let st = newsdex_collect::State::open(&data).unwrap();
        for s in 0..sources {
            st.add(&format!("http://h{}.sim/f{s}.xml", s % hosts), None, None, None, None, None).unwrap();
        }
    }
    let fetch = FetchConfig {
        min_delay: Duration::from_secs_f64(delay),
        concurrency,
        resolve: (0..hosts).map(|h| (format!("h{h}.sim"), addr)).collect(),
        ..FetchConfig::default()
    };
    let opts = CollectOptions { fetch, all: true, max_pages, ..CollectOptions::default() };
    println!(
        "capacity: {sources} sources on {hosts} hosts, latency 50-500 ms, delay {delay} s per host, concurrency {concurrency}, {minutes} min"
    );
    let t0 = Instant::now();
    // The passes run on their own thread, as `serve --collect` runs them; this one
    // searches every second for the items that have appeared, as a reader would.
    let collector = {
        let data = data.clone();
        std::thread::spawn(move || {
            let (mut polls, mut pages, mut failed, mut docs, mut pass_n) = (0usize, 0usize, 0usize, 0u64, 0usize);
            while t0.elapsed().as_secs_f64() < minutes * 60.0 {
                let p0 = Instant::now();
                let r = run_pass(&data, &opts, chrono::Utc::now().timestamp()).unwrap();
                polls += r.polled;
                pages += r.pages_ok;
                failed += r.failed;
                docs += r.documents_added;
                pass_n += 1;
                println!(
                    "pass {pass_n}: {:.1} s, {} polled ({} failed), {} new items, {} pages, {} documents; RSS peak {} MiB",
                    p0.elapsed().as_secs_f64(),
                    r.polled,
                    r.failed,
                    r.new_items,
                    r.pages_ok,
                    r.documents_added,
                    peak_rss_kib() / 1024
                );
            }
            (polls, pages, failed, docs, pass_n)
        })
    };
    // Items not yet found by search: (source, k) → appearance time.
    let mut pending: BTreeMap<(usize, i64), i64> = BTreeMap::new();
    let mut next_k = vec![0i64; sources];
    // (appearance, delay to searchable) of each item found.
    let mut delays: Vec<(i64, i64)> = Vec::new();
    let so = SearchOptions { limit: 1, collapse: false, facets: false, expand: false, ..SearchOptions::default() };
    loop {
        let finished = collector.is_finished();
        let now = chrono::Utc::now().timestamp();
        for (s, nk) in next_k.iter_mut().enumerate() {
            let n = appeared(&sim, s, now);
            while *nk < n {
                pending.insert((s, *nk), appears(&sim, s, *nk));
                *nk += 1;
            }
        }
        // Before the first commit there is no archive to open yet.
        if let Ok(engine) = Engine::open_read(&data) {
            let mut found = Vec::new();
            for (&(s, k), &at) in &pending {
                if engine.search(&token(s, k), &so).map(|h| h.total > 0).unwrap_or(false) {
                    found.push((s, k));
                    // Searchable by the time this search returned (an upper bound, within
                    // the second between two checks).
                    delays.push((at, chrono::Utc::now().timestamp() - at));
                }
            }
            for f in &found {
                pending.remove(f);
            }
        }
        if finished {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    let (polls, pages, failed, docs, pass_n) = collector.join().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    println!("---");
    println!("passes {pass_n}, {secs:.0} s");
    println!("polls per hour: {:.0} ({polls} polls, {failed} failed)", polls as f64 * 3600.0 / secs);
    println!("article pages per second: {:.2} ({pages} pages, {docs} documents)", pages as f64 / secs);
    println!("peak RSS: {} MiB (collector and simulated server in one process)", peak_rss_kib() / 1024);
    let all: Vec<i64> = delays.iter().map(|&(_, d)| d).collect();
    println!(
        "appearance to searchable, every item found: {} ({} appeared but not yet found at the end)",
        spread(&all),
        pending.len()
    );
    // The figures above leave out the items still unfound at the end, and those are the
    // late ones: a bias towards short delays. Without it: the items that appeared at least
    // HORIZON seconds before the end, each unfound one counted as its time until the end
    // (a lower bound, at least HORIZON), so a p95 under HORIZON is exact.
    const HORIZON: i64 = 120;
    let end = chrono::Utc::now().timestamp();
    let mut settled: Vec<i64> = delays.iter().filter(|&&(at, _)| at <= end - HORIZON).map(|&(_, d)| d).collect();
    let unfound = pending.values().filter(|&&at| at <= end - HORIZON).count();
    settled.extend(pending.values().filter(|&&at| at <= end - HORIZON).map(|&at| end - at));
    println!(
        "appearance to searchable, items that appeared {HORIZON} s or more before the end: {} ({unfound} of them never found)",
        spread(&settled)
    );
}
