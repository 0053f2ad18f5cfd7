//! Reading speed of WARC archives (BENCHMARKS.md, issue #18): every record of each file
//! cut by `newsdex_ingest::records` on one thread (gzip members decompressed, headers and
//! the HTTP head of responses parsed, pages copied out), best of three runs.
//!
//! `cargo run --release -p newsdex-ingest --example warc_read -- FILE.warc.gz…`

use std::time::Instant;

use newsdex_ingest::{Item, Limits, records};

fn main() {
    for path in std::env::args().skip(1) {
        let mut best = f64::MAX;
        let (mut n, mut pages, mut bytes) = (0u64, 0u64, 0u64);
        for _ in 0..3 {
            let t = Instant::now();
            let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let r =
                records(Box::new(file), &path, &Limits::default()).unwrap_or_else(|e| panic!("{path}: {}", e.reason));
            (n, pages, bytes) = (0, 0, 0);
            for item in r {
                n += 1;
                match item {
                    Ok(Item::Record { bytes: b, .. }) => {
                        pages += 1;
                        bytes += b.len() as u64;
                    }
                    Ok(_) => {}
                    Err(e) => panic!("{path}: {}", e.reason),
                }
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!(
            "{{\"tool\":\"newsdex\",\"file\":{path:?},\"records\":{n},\"pages\":{pages},\"page_bytes\":{bytes},\"secs\":{best:.3},\"records_per_s\":{:.0}}}",
            n as f64 / best
        );
    }
}
