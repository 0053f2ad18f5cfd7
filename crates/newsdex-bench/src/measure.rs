//! Measuring: latency percentiles under 1..N threads, peak memory, sizes on disk.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

/// Latency over a query log.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub threads: usize,
    pub searches: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub qps: f64,
    /// Queries the engine refused (counted, not timed).
    pub failed: usize,
}

/// The value at percentile `p` (nearest rank) of sorted `v`.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Run `queries` once untimed (warm-up), then `rounds` times split over `threads`
/// threads sharing `search`; per-search wall time. `search` returns whether the engine
/// took the query.
pub fn latency<F>(queries: &[String], threads: usize, rounds: usize, search: F) -> Latency
where
    F: Fn(&str) -> bool + Sync,
{
    let failed = queries.iter().filter(|q| !search(q)).count();
    let threads = threads.max(1);
    let wall = Instant::now();
    let mut lat: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let search = &search;
                s.spawn(move || {
                    let mut out = Vec::new();
                    for r in 0..rounds {
                        for (i, q) in queries.iter().enumerate() {
                            if (i + r) % threads != t {
                                continue;
                            }
                            let t0 = Instant::now();
                            std::hint::black_box(search(q));
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
    Latency {
        threads,
        searches: lat.len(),
        p50_ms: percentile(&lat, 50.0),
        p95_ms: percentile(&lat, 95.0),
        p99_ms: percentile(&lat, 99.0),
        qps: lat.len() as f64 / wall,
        failed,
    }
}

/// Peak resident memory of this process so far, in MB (Linux; `None` elsewhere).
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Bytes of all files under `path`.
pub fn dir_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return 0 };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(path).map(|rd| rd.flatten().map(|e| dir_size(&e.path())).sum()).unwrap_or(0)
}

/// Read a query log: one query per line, `#` comments and blank lines skipped.
pub fn read_queries(path: &Path) -> anyhow::Result<Vec<String>> {
    use anyhow::Context;
    Ok(std::fs::read_to_string(path)
        .with_context(|| format!("reading {}", path.display()))?
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 51.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        assert!(percentile(&[], 50.0).is_nan());
    }

    #[test]
    fn every_query_is_run_rounds_times_across_threads() {
        let qs: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let l = latency(&qs, 3, 2, |q| {
            calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            q != "7"
        });
        assert_eq!(l.searches, 20);
        assert_eq!(l.failed, 1);
        assert_eq!(calls.into_inner(), 10 + 20, "warm-up plus timed");
    }
}
