//! Bodies that take their time or never end: a 50 MB feed (declared, and streamed
//! without a length) is refused at the size cap without being read to its end; a body
//! dribbled within the timeout is accepted, one dribbled past it is a timeout. A raw
//! HTTP/1.1 server on 127.0.0.1 writes these by hand, counting what it managed to send.

use super::*;
use std::io::BufRead;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// What the raw server sent for one path, and whether it has finished sending.
#[derive(Default)]
struct Sent {
    bytes: AtomicUsize,
    done: AtomicBool,
}

/// What was sent, by path.
type SentLog = Arc<std::sync::Mutex<HashMap<String, Arc<Sent>>>>;

/// An answer of [`raw_server`]: the head, the body's pieces, the pause before each piece.
type Plan = (String, Box<dyn Iterator<Item = Vec<u8>> + Send>, Duration);

/// The answer to any path a test does not serve.
fn not_found() -> Plan {
    (
        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
        Box::new(std::iter::empty()),
        Duration::ZERO,
    )
}

/// A fetcher whose `hosts` all resolve to the raw server at `addr`.
fn fetch_config(hosts: &[&str], addr: std::net::SocketAddr, timeout: Duration) -> FetchConfig {
    FetchConfig {
        min_delay: Duration::from_millis(20),
        timeout,
        resolve: hosts.iter().map(|h| (h.to_string(), addr)).collect(),
        ..FetchConfig::default()
    }
}

/// Serves `plan(path)`: a head, then body pieces with a pause before each. Counts the
/// body bytes written until the client goes away.
fn raw_server(plan: impl Fn(&str) -> Plan + Send + Sync + 'static) -> (std::net::SocketAddr, SentLog) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sent: SentLog = Arc::default();
    let plan = Arc::new(plan);
    let s2 = sent.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let plan = plan.clone();
            let sent = s2.clone();
            std::thread::spawn(move || {
                let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    return;
                }
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                        break;
                    }
                }
                let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                let counter = Arc::new(Sent::default());
                sent.lock().unwrap().insert(path.clone(), counter.clone());
                let (head, body, pause) = plan(&path);
                if stream.write_all(head.as_bytes()).is_ok() {
                    for piece in body {
                        std::thread::sleep(pause);
                        if stream.write_all(&piece).is_err() {
                            break;
                        }
                        counter.bytes.fetch_add(piece.len(), Ordering::SeqCst);
                    }
                }
                counter.done.store(true, Ordering::SeqCst);
            });
        }
    });
    (addr, sent)
}

use std::collections::HashMap;

const MB50: usize = 50 << 20;

fn chunked(piece: &[u8]) -> Vec<u8> {
    let mut v = format!("{:x}\r\n", piece.len()).into_bytes();
    v.extend_from_slice(piece);
    v.extend_from_slice(b"\r\n");
    v
}

/// A 50 MB RSS feed, item after item, in 64 KiB pieces.
fn huge_feed() -> impl Iterator<Item = Vec<u8>> {
    let item = b"<item><title>Another item of a very long feed</title><link>http://big.example/a</link><description>Padding to make the feed fifty megabytes long, as some publishers' full-archive feeds are.</description></item>";
    let piece: Vec<u8> = item.iter().copied().cycle().take(64 << 10).collect();
    let head = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Everything</title>".to_vec();
    std::iter::once(head).chain(std::iter::repeat_n(piece, MB50 / (64 << 10)))
}

fn wait_done(sent: &std::sync::Mutex<HashMap<String, Arc<Sent>>>, path: &str) -> usize {
    for _ in 0..600 {
        if let Some(s) = sent.lock().unwrap().get(path)
            && s.done.load(Ordering::SeqCst)
        {
            return s.bytes.load(Ordering::SeqCst);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{path}: the server is still sending after 30 s");
}

#[test]
fn feed_of_50_mb_is_refused_at_the_cap_without_reading_it_all() {
    let (addr, sent) = raw_server(|path| {
        match path {
        "/declared.xml" => (
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", MB50 + 72),
            Box::new(huge_feed()),
            Duration::ZERO,
        ),
        "/streamed.xml" => (
            "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n".into(),
            Box::new(huge_feed().map(|p| chunked(&p)).chain(std::iter::once(b"0\r\n\r\n".to_vec()))),
            Duration::ZERO,
        ),
        _ => not_found(),
    }
    });
    let hosts = ["declared.example", "streamed.example"];
    let fetch = fetch_config(&hosts, addr, Duration::from_secs(60));
    let o = CollectOptions { fetch, ..CollectOptions::default() };
    let dir = tempfile::tempdir().unwrap();
    let declared = add(dir.path(), "http://declared.example/declared.xml");
    let streamed = add(dir.path(), "http://streamed.example/streamed.xml");
    let r = pass(dir.path(), &o, now());
    assert_eq!((r.polled, r.failed, r.new_items), (2, 2, 0), "{r:?}");
    for id in [declared, streamed] {
        let src = source(dir.path(), id);
        let e = src.error.as_deref().unwrap();
        assert!(e.contains("body larger than 5242880 bytes") && e.contains("retry in"), "{src:?}");
        assert_eq!((src.last_status, src.error_streak, src.paused), (Some(200), 1, false), "{src:?}");
    }
    // The client stopped reading at the cap: the server could not send the 50 MB (what
    // it did send is what the socket buffers took).
    for path in ["/declared.xml", "/streamed.xml"] {
        let n = wait_done(&sent, path);
        eprintln!("{path}: {n} bytes sent of {MB50}");
        assert!(n < MB50 / 2, "{path}: {n} bytes sent");
    }
    // Only the headers are kept (the body was refused), with the reason.
    let engine = Engine::open_read(dir.path()).unwrap();
    assert_eq!(engine.stats(0).unwrap().store.sources as usize, r.responses_kept, "{r:?}");
}

#[test]
fn slow_body_within_the_timeout_is_accepted_and_one_past_it_times_out() {
    let feed = small_feed("slow.example", &[("Dribbled", "A feed sent a few bytes at a time.")]);
    let (addr, _) = raw_server(move |path| {
        let head = |n: usize| {
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/rss+xml\r\ncontent-length: {n}\r\nconnection: close\r\n\r\n"
            )
        };
        let pieces = |n: usize| -> Box<dyn Iterator<Item = Vec<u8>> + Send> {
            Box::new(feed.chunks(feed.len().div_ceil(n)).map(<[u8]>::to_vec).collect::<Vec<_>>().into_iter())
        };
        match path {
            // 8 pieces 150 ms apart: 1.2 s, under the 3 s limit.
            "/slow.xml" => (head(feed.len()), pieces(8), Duration::from_millis(150)),
            // 10 pieces 500 ms apart: 5 s, over it.
            "/slower.xml" => (head(feed.len()), pieces(10), Duration::from_millis(500)),
            _ => not_found(),
        }
    });
    let hosts = ["slow.example", "slower.example"];
    let fetch = fetch_config(&hosts, addr, Duration::from_secs(3));
    let o = CollectOptions { fetch, ..CollectOptions::default() };
    let dir = tempfile::tempdir().unwrap();
    let slow = add(dir.path(), "http://slow.example/slow.xml");
    let slower = add(dir.path(), "http://slower.example/slower.xml");
    let r = pass(dir.path(), &o, now());
    assert_eq!((r.polled, r.failed, r.new_items), (2, 1, 1), "{r:?}");
    let ok = source(dir.path(), slow);
    assert_eq!((ok.last_status, ok.error.as_deref(), ok.items_seen), (Some(200), None, 1), "{ok:?}");
    let late = source(dir.path(), slower);
    assert!(late.error.as_deref().unwrap().contains("timed out after 3s"), "{late:?}");
    assert_eq!(late.error_streak, 1);
}

/// A pass keeps what it has every `commit_every`, not only at its end: the page of a fast
/// host's item is searchable, and its source's outcome recorded, while a slow host's feed
/// is still being sent. The slow feed waits (20 s at most) until the test has found the
/// fast page by search, so without commits during the pass the search finds it only
/// after the pass, and the test fails. The pass's caller is told of each commit.
#[test]
fn a_pass_keeps_what_it_has_while_a_slow_host_is_still_answering() {
    let found = Arc::new(AtomicBool::new(false));
    let released = found.clone();
    let fast_feed = small_feed("fast.example", &[("Wexmoor dam opens", "The Wexmoor dam opened on Monday.")]);
    // Its one item names no page: its feed text is kept.
    let slow_feed = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>slow</title><item><title>Slow news</title><guid isPermaLink=\"false\">slow-1</guid><description>Nothing yet from the valley.</description></item></channel></rss>".to_vec();
    let page = article_page("Wexmoor dam opens", "The Wexmoor dam opened on Monday after nine years of building.");
    let (addr, _) = raw_server(move |path| {
        let ok = |ct: &str, body: &[u8]| {
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: {ct}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            )
        };
        match path {
            "/fast.xml" => (ok(RSS, &fast_feed), Box::new(std::iter::once(fast_feed.clone())), Duration::ZERO),
            "/a/0?utm_source=rss" => (ok("text/html", &page), Box::new(std::iter::once(page.clone())), Duration::ZERO),
            "/slow.xml" => {
                let released = released.clone();
                let body = slow_feed.clone();
                let wait = std::iter::once_with(move || {
                    let t = std::time::Instant::now();
                    while !released.load(Ordering::SeqCst) && t.elapsed() < Duration::from_secs(20) {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    body
                });
                (ok(RSS, &slow_feed), Box::new(wait), Duration::ZERO)
            }
            _ => not_found(),
        }
    });
    let hosts = ["fast.example", "slow.example"];
    let fetch = fetch_config(&hosts, addr, Duration::from_secs(30));
    let o = CollectOptions { fetch, commit_every: Duration::from_millis(100), ..CollectOptions::default() };
    let dir = tempfile::tempdir().unwrap();
    let fast = add(dir.path(), "http://fast.example/fast.xml");
    let slow = add(dir.path(), "http://slow.example/slow.xml");
    let data = dir.path().to_path_buf();
    let at = now();
    // Each commit that added documents: how many, and whether the slow feed was out yet.
    let released_then = found.clone();
    let collector = std::thread::spawn(move || {
        let mut commits = Vec::new();
        let r = newsdex_collect::run_pass_then(&data, &o, at, &mut |n| {
            commits.push((n, released_then.load(Ordering::SeqCst)))
        })
        .unwrap();
        (r, commits)
    });
    let so = SearchOptions { limit: 1, ..SearchOptions::default() };
    let started = std::time::Instant::now();
    let mut seen_mid_pass = false;
    while started.elapsed() < Duration::from_secs(20) && !collector.is_finished() {
        let hit = Engine::open_read(dir.path()).is_ok_and(|e| e.search("Wexmoor", &so).is_ok_and(|r| r.total > 0));
        if hit {
            // Still running: the slow feed is held until `found` is set.
            seen_mid_pass = !collector.is_finished();
            assert!(source(dir.path(), fast).last_fetch.is_some(), "the fast source is recorded once its page is kept");
            assert!(source(dir.path(), slow).last_fetch.is_none(), "the slow source is not recorded before it answers");
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    found.store(true, Ordering::SeqCst);
    let (r, commits) = collector.join().unwrap();
    assert!(seen_mid_pass, "the fast host's page was not searchable while the pass ran");
    // The caller heard of the fast page's commit while the pass ran (the CLI runs the
    // watches there), and of every document once.
    assert_eq!(commits.first(), Some(&(1, false)), "{commits:?}");
    assert!(commits.iter().any(|c| c.1), "{commits:?}");
    assert_eq!(commits.iter().map(|c| c.0).sum::<u64>(), r.documents_added, "{commits:?}");
    assert_eq!((r.polled, r.failed, r.new_items, r.pages_ok), (2, 0, 2, 1), "{r:?}");
    assert_eq!(r.sources.iter().map(|s| s.id).collect::<Vec<_>>(), vec![fast, slow], "sources reported in order");
    assert!(source(dir.path(), slow).last_fetch.is_some());
    let e = Engine::open_read(dir.path()).unwrap();
    assert_eq!(e.search("Slow news", &so).unwrap().total, 1, "the slow feed's item (its page missing) is kept too");
}
