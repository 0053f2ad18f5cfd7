//! Feed parsing speed: every feed file under DIR (`.xml`, `.rss`, `.atom`, `.json`
//! except feed-rs's `.serde.json` expectations) parsed ROUNDS times by
//! `newsdex_feed::feed::parse` (newsdex's own reader for RSS 2.0 and Atom in UTF-8,
//! feed-rs for the rest, plus newsdex's repairs and text clean-up). Also times
//! `parse_with_feed_rs` (feed-rs for every feed) and feed-rs alone, for where the time
//! goes, and counts the feeds newsdex's own reader takes (with `FEED_BENCH_PER_FILE=1`, also
//! each file's times, on stderr). Prints one JSON object; `bench/feeds/feedparser_bench.py` does the same with Python
//! feedparser. Run both through `bench/feeds/run`.
//!
//! ```text
//! cargo run -p newsdex-feed --example feed_bench -- DIR [ROUNDS]
//! ```

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: feed_bench DIR [ROUNDS]");
    let rounds: usize = args.next().map_or(20, |r| r.parse().expect("ROUNDS is a number"));
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(&dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable directory") {
            let p = e.expect("entry").path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
            if p.is_dir() {
                stack.push(p);
            } else if !name.ends_with(".serde.json")
                && [".xml", ".rss", ".atom", ".json"].iter().any(|x| name.ends_with(x))
            {
                files.push((name, std::fs::read(&p).expect("readable file")));
            }
        }
    }
    files.sort();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let (mut items, mut failed) = (0usize, 0usize);
    for (_, b) in &files {
        match newsdex_feed::feed::parse(b, None, "http://example.org/feed") {
            Ok(f) => items += f.items.len(),
            Err(_) => failed += 1,
        }
    }
    if std::env::var_os("FEED_BENCH_PER_FILE").is_some() {
        // Per file: ms per parse with newsdex, with feed-rs only, by newsdex's own reader alone,
        // and whether that reader takes it.
        for (name, b) in &files {
            let time = |f: &dyn Fn()| {
                let t = Instant::now();
                for _ in 0..rounds {
                    f();
                }
                t.elapsed().as_secs_f64() * 1000.0 / rounds as f64
            };
            let a = time(&|| drop(std::hint::black_box(newsdex_feed::feed::parse(b, None, "http://example.org/feed"))));
            let f = time(&|| {
                drop(std::hint::black_box(newsdex_feed::feed::parse_with_feed_rs(b, None, "http://example.org/feed")))
            });
            let r = time(&|| {
                std::hint::black_box(newsdex_feed::feed::read_fast(b, "http://example.org/feed"));
            });
            let own = newsdex_feed::feed::read_fast(b, "http://example.org/feed");
            eprintln!("{name}\t{}\t{a:.4}\t{f:.4}\t{r:.4}\t{own}", b.len());
        }
    }
    let own = files.iter().filter(|(_, b)| newsdex_feed::feed::read_fast(b, "http://example.org/feed")).count();
    let started = Instant::now();
    for _ in 0..rounds {
        for (_, b) in &files {
            let _ = std::hint::black_box(newsdex_feed::feed::parse(b, None, "http://example.org/feed"));
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for _ in 0..rounds {
        for (_, b) in &files {
            let _ = std::hint::black_box(newsdex_feed::feed::parse_with_feed_rs(b, None, "http://example.org/feed"));
        }
    }
    let with_feed_rs = started.elapsed().as_secs_f64();
    let parses = (rounds * files.len()) as f64;
    // newsdex's own reader alone (declines included), for where the time goes.
    let started = Instant::now();
    for _ in 0..rounds {
        for (_, b) in &files {
            let _ = std::hint::black_box(newsdex_feed::feed::read_fast(b, "http://example.org/feed"));
        }
    }
    let own_alone = started.elapsed().as_secs_f64();
    // feed-rs alone, for where the time goes.
    let started = Instant::now();
    for _ in 0..rounds {
        for (_, b) in &files {
            let _ = std::hint::black_box(feed_rs::parser::parse(&b[..]));
        }
    }
    let alone = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "parser": "newsdex (own reader + feed-rs 3)",
            "read_by_own_reader": own,
            "files": files.len(),
            "bytes": bytes,
            "items": items,
            "failed": failed,
            "rounds": rounds,
            "secs": secs,
            "feeds_per_sec": parses / secs,
            "ms_per_feed": secs * 1000.0 / parses,
            "mb_per_sec": (bytes * rounds) as f64 / secs / 1e6,
            "with_feed_rs_only_ms_per_feed": with_feed_rs * 1000.0 / parses,
            "feed_rs_alone_ms_per_feed": alone * 1000.0 / parses,
            "own_reader_alone_ms_per_feed": own_alone * 1000.0 / parses,
        })
    );
}
