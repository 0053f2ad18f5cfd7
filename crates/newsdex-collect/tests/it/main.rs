//! The collector against a scripted loopback server serving real feeds (feed-rs's
//! fixtures, see tests/data/feeds/PROVENANCE.md) and real article pages (read from
//! ../shared/data, which may not be redistributed: tests that need them skip, saying so,
//! when it is absent). Each scripted fault has its own test.

mod feedlang;
mod server;
mod sitemaps;
mod slow;
mod versions;

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use newsdex_collect::state::State;
use newsdex_collect::{CollectOptions, FetchConfig, HostMemory, PassReport, run_pass};
use newsdex_engine::{Engine, SearchOptions};
use server::{Resp, TestServer};

const RSS: &str = "application/rss+xml; charset=utf-8";
const DAY: i64 = 86400;

fn feed_fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/feeds").join(name)).unwrap()
}

/// A fixture with its https addresses made http (the loopback server speaks no TLS).
fn feed_http(name: &str) -> Vec<u8> {
    String::from_utf8_lossy(&feed_fixture(name)).replace("https://", "http://").into_bytes()
}

/// A real page of the readability test set, gzip as stored, or `None` (skipped).
fn page_gz(name: &str) -> Option<Vec<u8>> {
    let dir = newsdex_testkit::shared_data("extraction-readability/pages")?;
    Some(std::fs::read(dir.join(name).join("source.html.gz")).unwrap())
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b).read_to_end(&mut out).unwrap();
    out
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

fn opts(server: &TestServer, hosts: &[&str]) -> CollectOptions {
    let fetch = FetchConfig {
        min_delay: Duration::from_millis(20),
        timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(3),
        resolve: hosts.iter().map(|h| (h.to_string(), server.addr)).collect(),
        ..FetchConfig::default()
    };
    CollectOptions { fetch, ..CollectOptions::default() }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn add(data: &Path, url: &str) -> i64 {
    State::open(data).unwrap().add(url, None, None, None, None, None).unwrap().0.id
}

fn source(data: &Path, id: i64) -> newsdex_collect::Source {
    State::open(data).unwrap().get(id).unwrap().unwrap()
}

fn pass(data: &Path, o: &CollectOptions, at: i64) -> PassReport {
    run_pass(data, o, at).unwrap()
}

/// A small RSS 2.0 feed with `n` items on `host`, each linking to `/a/N`.
fn small_feed(host: &str, items: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>{host}</title><link>http://{host}/</link>"
    );
    for (i, (title, text)) in items.iter().enumerate() {
        s += &format!(
            "<item><title>{title}</title><link>http://{host}/a/{i}?utm_source=rss</link><guid>{host}-{i}</guid><pubDate>Mon, 0{} Nov 2026 10:00:00 GMT</pubDate><description>{text}</description></item>",
            i % 9 + 1
        );
    }
    s += "</channel></rss>";
    s.into_bytes()
}

fn article_page(title: &str, para: &str) -> Vec<u8> {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>{title}</title></head><body><article><h1>{title}</h1>{}</article></body></html>",
        format!("<p>{para}</p>").repeat(6)
    )
    .into_bytes()
}

#[test]
fn fixture_feeds_all_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/feeds");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "xml" | "json") {
            continue;
        }
        let f = newsdex_collect::feed::parse(&std::fs::read(&p).unwrap(), None, "http://example.org/feed")
            .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        assert!(!f.items.is_empty(), "{}: no items", p.display());
        n += 1;
    }
    assert!(n >= 10);
    // The ISO-8859-1 feed's German comes out right.
    let f = newsdex_collect::feed::parse(&feed_fixture("rss_1.0_iso8859.xml"), None, "http://x/").unwrap();
    assert!(
        f.items
            .iter()
            .any(|i| i.title.as_deref().is_some_and(|t| t.contains('ü') || t.contains('ä') || t.contains('ö'))),
        "{:?}",
        f.items[0].title
    );
}

#[test]
fn collects_real_feeds_and_their_real_pages_end_to_end() {
    let (Some(bbc), Some(guardian)) = (page_gz("bbc-1"), page_gz("guardian-1")) else { return };
    let s = TestServer::start();
    // Two real feeds on two hosts; each item's address answers with a real news page
    // (the BBC one gzip on the wire, kept as received).
    let feeds = [
        ("www.bbc.co.uk", "rss_2.0_bbc.xml", bbc.clone(), true),
        ("www.ilgiornale.it", "rss_2.0_ilgiornale.xml", guardian.clone(), false),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut links = Vec::new();
    let mut ids = Vec::new();
    for (host, file, page, gz) in &feeds {
        s.route(host, "/feed.xml", vec![Resp::ok(RSS, feed_http(file))]);
        let feed_url = format!("http://{host}/feed.xml");
        let parsed = newsdex_collect::feed::parse(&feed_http(file), None, &feed_url).unwrap();
        assert_eq!(parsed.items.len(), 1);
        let link = parsed.items[0].url.clone().unwrap();
        let u = url::Url::parse(&link).unwrap();
        assert_eq!(u.host_str(), Some(*host));
        let resp = if *gz {
            Resp::ok("text/html; charset=utf-8", page.clone()).header("content-encoding", "gzip")
        } else {
            Resp::ok("text/html", gunzip(page))
        };
        s.route(host, u.path(), vec![resp]);
        links.push(link);
        ids.push(add(dir.path(), &feed_url));
    }
    let o = opts(&s, &["www.bbc.co.uk", "www.ilgiornale.it"]);
    let r = pass(dir.path(), &o, now());
    assert_eq!((r.polled, r.new_items, r.pages_ok, r.pages_failed, r.failed), (2, 2, 2, 0, 0), "{r:?}");
    assert_eq!(r.documents_added, 2, "{r:?}");
    for id in ids {
        let src = source(dir.path(), id);
        assert_eq!((src.last_status, src.items_seen, src.error_streak), (Some(200), 1, 0), "{src:?}");
        assert!(src.next_fetch > now());
    }
    let engine = Engine::open_read(dir.path()).unwrap();
    let obama = engine.search("Obama frustration", &SearchOptions::default()).unwrap();
    assert_eq!(obama.total, 1);
    let row = engine.document(obama.hits[0].id).unwrap().unwrap();
    assert_eq!(row.provenance.source, links[0]);
    assert!(row.article.title.contains("gun laws"), "{}", row.article.title);
    // Kept as received (gzip): read back as any gzip input is, decompressed.
    assert_eq!(engine.raw_record(row.article.id).unwrap().unwrap(), gunzip(&bbc));
    let whales = engine.search("whale strandings", &SearchOptions::default()).unwrap();
    assert_eq!(whales.total, 1);
    assert_eq!(engine.document(whales.hits[0].id).unwrap().unwrap().provenance.source, links[1]);
    // Feeds, robots.txt answers and pages: every response is in the ingest log.
    assert_eq!(engine.stats(0).unwrap().store.sources as usize, r.responses_kept, "{r:?}");
}

#[test]
fn restart_keeps_state_and_does_not_refetch_seen_items() {
    let s = TestServer::start();
    let host = "news.example";
    s.route(
        host,
        "/rss",
        vec![Resp::ok(RSS, small_feed(host, &[("Dam opens", "A dam opened."), ("Bridge closes", "A bridge closed.")]))],
    );
    s.route(
        host,
        "/a/0?utm_source=rss",
        vec![Resp::ok(
            "text/html",
            article_page(
                "Dam opens on the river",
                "The new dam opened on Monday after ten years of building work in the valley.",
            ),
        )],
    );
    s.route(
        host,
        "/a/1?utm_source=rss",
        vec![Resp::ok(
            "text/html",
            article_page(
                "Bridge closes for repairs",
                "The old bridge closed on Tuesday for repairs that will take until the spring.",
            ),
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let o = opts(&s, &[host]);
    let r1 = pass(dir.path(), &o, now());
    assert_eq!((r1.new_items, r1.pages_ok), (2, 2), "{r1:?}");
    // A new process: state reopened from the data directory.
    State::open(dir.path()).unwrap().make_due(id, 0).unwrap();
    let r2 = pass(dir.path(), &o, now());
    assert_eq!(r2.polled, 1);
    assert_eq!((r2.new_items, r2.pages_ok), (0, 0), "{r2:?}");
    assert_eq!(s.hits(host, "/a/0?utm_source=rss"), 1);
    assert_eq!(s.hits(host, "/rss"), 2);
    assert_eq!(source(dir.path(), id).items_seen, 2);
    assert_eq!(Engine::open_read(dir.path()).unwrap().num_docs(), 2);
}

#[test]
fn not_modified_304_sends_validators_and_fetches_nothing_new() {
    let s = TestServer::start();
    let host = "etag.example";
    s.route(
        host,
        "/rss",
        vec![
            Resp::ok(RSS, small_feed(host, &[("One", "one")]))
                .etag("\"v1\"")
                .header("last-modified", "Mon, 30 Nov 2026 10:00:00 GMT"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let o = opts(&s, &[host]);
    let t = now();
    pass(dir.path(), &o, t);
    State::open(dir.path()).unwrap().make_due(id, 0).unwrap();
    let r = pass(dir.path(), &o, t + 60);
    assert_eq!(r.not_modified, 1, "{r:?}");
    let feed_reqs: Vec<_> = s.log().into_iter().filter(|l| l.path == "/rss").collect();
    assert_eq!(feed_reqs[1].headers.get("if-none-match").unwrap(), "\"v1\"");
    assert_eq!(feed_reqs[1].headers.get("if-modified-since").unwrap(), "Mon, 30 Nov 2026 10:00:00 GMT");
    let src = source(dir.path(), id);
    assert_eq!((src.last_status, src.error_streak, src.new_items), (Some(304), 0, 0));
}

#[test]
fn lying_etag_is_caught_by_the_daily_unconditional_fetch() {
    let s = TestServer::start();
    let host = "liar.example";
    s.route(
        host,
        "/rss",
        vec![
            Resp::ok(RSS, small_feed(host, &[("One", "one")])).etag("\"same\""),
            // Changed, same ETag: a conditional request gets 304 and misses it.
            Resp::ok(RSS, small_feed(host, &[("One", "one"), ("Two", "two")])).etag("\"same\""),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let o = opts(&s, &[host]);
    let t = now();
    assert_eq!(pass(dir.path(), &o, t).new_items, 1);
    State::open(dir.path()).unwrap().make_due(id, 0).unwrap();
    assert_eq!(pass(dir.path(), &o, t + 3600).not_modified, 1);
    State::open(dir.path()).unwrap().make_due(id, 0).unwrap();
    let r = pass(dir.path(), &o, t + DAY + 10);
    assert_eq!((r.not_modified, r.new_items), (0, 1), "{r:?}");
    let last = s.log().into_iter().filter(|l| l.path == "/rss").last().unwrap();
    assert!(last.headers.get("if-none-match").is_none());
}

#[test]
fn retry_after_429_pauses_the_whole_host() {
    let s = TestServer::start();
    let host = "busy.example";
    s.route(host, "/a.rss", vec![Resp::status(429).header("retry-after", "3600")]);
    s.route(host, "/b.rss", vec![Resp::ok(RSS, small_feed(host, &[("x", "y")]))]);
    let dir = tempfile::tempdir().unwrap();
    let a = add(dir.path(), &format!("http://{host}/a.rss"));
    let b = add(dir.path(), &format!("http://{host}/b.rss"));
    let mut o = opts(&s, &[host]);
    o.fetch.concurrency = 1;
    let t = now();
    let r = pass(dir.path(), &o, t);
    let sa = source(dir.path(), a);
    assert_eq!(sa.last_status, Some(429));
    assert!(sa.error.as_deref().unwrap().contains("Retry-After"), "{sa:?}");
    assert!(sa.next_fetch >= t + 3500, "{sa:?}");
    // The other source of that host was not asked (paused) or, if asked first, is fine;
    // either way a later pass does not touch the host before the pause ends.
    let state = State::open(dir.path()).unwrap();
    assert!(state.host_paused(host, t + 60).unwrap().is_some());
    state.make_due(a, 0).unwrap();
    state.make_due(b, 0).unwrap();
    let before = s.log().len();
    let r2 = pass(dir.path(), &o, t + 60);
    assert_eq!(s.log().len(), before, "no request to a paused host: {r2:?} after {r:?}");
    assert!(source(dir.path(), b).next_fetch >= t + 3500);
}

#[test]
fn forbidden_403_backs_off_with_its_reason() {
    let s = TestServer::start();
    let host = "nope.example";
    s.route(host, "/rss", vec![Resp::status(403)]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let o = opts(&s, &[host]);
    let t = now();
    let r = pass(dir.path(), &o, t);
    assert_eq!(r.failed, 1);
    let src = source(dir.path(), id);
    assert_eq!((src.last_status, src.error_streak), (Some(403), 1));
    assert!(src.error.as_deref().unwrap().contains("403 Forbidden"));
    // Second failure waits longer (backoff), never disabled.
    State::open(dir.path()).unwrap().make_due(id, 0).unwrap();
    pass(dir.path(), &o, t);
    let src2 = source(dir.path(), id);
    assert_eq!(src2.error_streak, 2);
    assert!(src2.next_fetch - t > src.next_fetch - t, "{} vs {}", src2.next_fetch - t, src.next_fetch - t);
    assert!(!src2.paused);
}

#[test]
fn gone_404_and_410_are_shown_and_retried_rarely() {
    let s = TestServer::start();
    let host = "gone.example";
    s.route(host, "/410", vec![Resp::status(410)]);
    let dir = tempfile::tempdir().unwrap();
    let a = add(dir.path(), &format!("http://{host}/404"));
    let b = add(dir.path(), &format!("http://{host}/410"));
    let t = now();
    pass(dir.path(), &opts(&s, &[host]), t);
    for (id, code, what) in [(a, 404, "404 Not Found"), (b, 410, "410 Gone")] {
        let src = source(dir.path(), id);
        assert_eq!(src.last_status, Some(code));
        assert!(src.error.as_deref().unwrap().contains(what), "{src:?}");
        assert!(src.next_fetch - t >= 2 * DAY, "{src:?}");
        assert!(!src.paused);
    }
}

#[test]
fn server_error_5xx_backs_off() {
    let s = TestServer::start();
    let host = "broken.example";
    s.route(host, "/rss", vec![Resp::status(500), Resp::ok(RSS, small_feed(host, &[("Back", "again")]))]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let o = opts(&s, &[host]);
    let t = now();
    pass(dir.path(), &o, t);
    let src = source(dir.path(), id);
    assert_eq!((src.last_status, src.error_streak), (Some(500), 1));
    assert!(src.error.as_deref().unwrap().starts_with("HTTP 500"));
    State::open(dir.path()).unwrap().make_due(id, 0).unwrap();
    pass(dir.path(), &o, t + 10);
    let src = source(dir.path(), id);
    assert_eq!((src.last_status, src.error_streak, src.error), (Some(200), 0, None));
}

#[test]
fn timeout_is_a_failure_with_its_reason() {
    let s = TestServer::start();
    let host = "slow.example";
    s.route(host, "/rss", vec![Resp::ok(RSS, small_feed(host, &[("x", "y")])).delay(Duration::from_secs(5))]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let mut o = opts(&s, &[host]);
    o.fetch.timeout = Duration::from_millis(500);
    pass(dir.path(), &o, now());
    let src = source(dir.path(), id);
    assert!(src.error.as_deref().unwrap().contains("timed out"), "{src:?}");
    assert_eq!(src.error_streak, 1);
}

#[test]
fn redirect_loop_is_detected() {
    let s = TestServer::start();
    let host = "loop.example";
    s.route(host, "/a", vec![Resp::status(302).header("location", "/b")]);
    s.route(host, "/b", vec![Resp::status(302).header("location", "/a")]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/a"));
    pass(dir.path(), &opts(&s, &[host]), now());
    let src = source(dir.path(), id);
    assert!(src.error.as_deref().unwrap().contains("redirect loop"), "{src:?}");
}

#[test]
fn permanent_redirect_updates_the_stored_address() {
    let s = TestServer::start();
    let host = "moved.example";
    s.route(host, "/old", vec![Resp::status(301).header("location", "http://moved.example/new")]);
    s.route(host, "/new", vec![Resp::ok(RSS, small_feed(host, &[("x", "y")]))]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/old"));
    pass(dir.path(), &opts(&s, &[host]), now());
    let src = source(dir.path(), id);
    assert_eq!(src.url, "http://moved.example/new");
    assert_eq!(src.moved_from.as_deref(), Some("http://moved.example/old"));
    assert_eq!(src.error_streak, 0);
}

#[test]
fn gzip_bomb_is_refused() {
    let s = TestServer::start();
    let host = "bomb.example";
    let bomb = gzip(&vec![b' '; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    s.route(host, "/rss", vec![Resp::ok(RSS, bomb).header("content-encoding", "gzip")]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    pass(dir.path(), &opts(&s, &[host]), now());
    let src = source(dir.path(), id);
    assert!(src.error.as_deref().unwrap().contains("decompression bomb"), "{src:?}");
}

#[test]
fn oversized_feed_is_refused() {
    let s = TestServer::start();
    let host = "huge.example";
    let mut big = small_feed(host, &[("x", "y")]);
    big.extend(std::iter::repeat_n(b' ', 6 << 20));
    s.route(host, "/rss", vec![Resp::ok(RSS, big)]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    pass(dir.path(), &opts(&s, &[host]), now());
    let src = source(dir.path(), id);
    assert!(src.error.as_deref().unwrap().contains("larger than 5242880 bytes"), "{src:?}");
}

#[test]
fn invalid_utf8_feed_is_read() {
    let s = TestServer::start();
    let host = "latin.example";
    let mut feed = small_feed(host, &[("Caf\u{0}", "cr\u{0}me")]);
    // Latin-1 bytes where UTF-8 is declared.
    for b in feed.iter_mut() {
        if *b == 0 {
            *b = 0xe9;
        }
    }
    s.route(host, "/rss", vec![Resp::ok(RSS, feed)]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let r = pass(dir.path(), &opts(&s, &[host]), now());
    assert_eq!(r.new_items, 1, "{r:?}");
    assert_eq!(source(dir.path(), id).error, None);
}

#[test]
fn items_without_dates_or_guids_are_known_by_address_or_text() {
    let s = TestServer::start();
    let host = "plain.example";
    let feed = format!(
        "<rss version=\"2.0\"><channel><title>t</title>\
         <item><title>Linked</title><link>http://{host}/x?utm_medium=feed</link></item>\
         <item><title>No link at all</title><description>Only the feed has this text about the harbour.</description></item>\
         </channel></rss>"
    );
    s.route(host, "/rss", vec![Resp::ok(RSS, feed)]);
    s.route(
        host,
        "/x?utm_medium=feed",
        vec![Resp::ok(
            "text/html",
            article_page(
                "Linked story",
                "The harbour master spoke about the new pier and the ferries that will use it.",
            ),
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let o = opts(&s, &[host]);
    let r = pass(dir.path(), &o, now());
    assert_eq!((r.new_items, r.pages_ok), (2, 1), "{r:?}");
    State::open(dir.path()).unwrap().make_due(id, 0).unwrap();
    let r2 = pass(dir.path(), &o, now());
    assert_eq!(r2.new_items, 0, "seen again without GUIDs: {r2:?}");
    let engine = Engine::open_read(dir.path()).unwrap();
    assert_eq!(engine.search("harbour", &SearchOptions::default()).unwrap().total, 2);
    // Undated: the interval is the default, not a guess.
    assert_eq!(source(dir.path(), id).interval_secs, Some(3600));
}

#[test]
fn robots_txt_disallow_is_obeyed() {
    let s = TestServer::start();
    let host = "private.example";
    s.route(host, "/robots.txt", vec![Resp::ok("text/plain", "User-agent: *\nDisallow: /private/\n")]);
    s.route(host, "/private/rss", vec![Resp::ok(RSS, small_feed(host, &[("x", "y")]))]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/private/rss"));
    pass(dir.path(), &opts(&s, &[host]), now());
    assert_eq!(s.hits(host, "/private/rss"), 0);
    let src = source(dir.path(), id);
    assert!(src.error.as_deref().unwrap().contains("robots.txt"), "{src:?}");
}

#[test]
fn page_failure_keeps_the_feed_text_marked() {
    let s = TestServer::start();
    let host = "halfway.example";
    s.route(
        host,
        "/rss",
        vec![Resp::ok(
            RSS,
            small_feed(host, &[("Storm warning", "Heavy storms are expected along the northern coast tonight.")]),
        )],
    );
    s.route(host, "/a/0?utm_source=rss", vec![Resp::status(503)]);
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), &format!("http://{host}/rss"));
    let r = pass(dir.path(), &opts(&s, &[host]), now());
    assert_eq!((r.pages_ok, r.pages_failed), (0, 1), "{r:?}");
    let engine = Engine::open_read(dir.path()).unwrap();
    let res = engine.search("storms", &SearchOptions::default()).unwrap();
    assert_eq!(res.total, 1);
    let row = engine.document(res.hits[0].id).unwrap().unwrap();
    assert_eq!(row.article.extra["page_unavailable"], "HTTP 503");
    assert!(row.provenance.source.ends_with("(feed text)"));
}

#[test]
fn one_request_at_a_time_per_host_with_the_minimum_delay() {
    let s = TestServer::start();
    let host = "polite.example";
    let items: Vec<(String, String)> = (0..5).map(|i| (format!("Item {i}"), format!("text {i}"))).collect();
    let refs: Vec<(&str, &str)> = items.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    s.route(host, "/rss", vec![Resp::ok(RSS, small_feed(host, &refs))]);
    for i in 0..5 {
        s.route(
            host,
            &format!("/a/{i}?utm_source=rss"),
            vec![Resp::ok(
                "text/html",
                article_page(
                    &format!("Story {i}"),
                    "A paragraph long enough to be an article body, repeated a few times here.",
                ),
            )],
        );
    }
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), &format!("http://{host}/rss"));
    let mut o = opts(&s, &[host]);
    o.fetch.min_delay = Duration::from_millis(150);
    pass(dir.path(), &o, now());
    let log: Vec<_> = s.log().into_iter().filter(|l| l.host == host).collect();
    assert_eq!(log.len(), 7, "robots.txt, feed, 5 pages");
    for w in log.windows(2) {
        assert!(w[1].at.duration_since(w[0].at) >= Duration::from_millis(140), "{:?}", w[1].at.duration_since(w[0].at));
    }
    assert!(log[1].headers.get("user-agent").unwrap().to_str().unwrap().starts_with("newsdex/"));
}

#[test]
fn requests_in_flight_over_all_hosts_never_exceed_the_concurrency() {
    // Eight hosts, each with a feed that takes 300 ms to answer: with room for 3
    // requests at once the collector must reach 3 and never pass it.
    let s = TestServer::start();
    let hosts: Vec<String> = (0..8).map(|i| format!("h{i}.example")).collect();
    let host_refs: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap();
    for h in &hosts {
        s.route(h, "/robots.txt", vec![Resp::status(404).delay(Duration::from_millis(300))]);
        s.route(h, "/rss", vec![Resp::ok(RSS, small_feed(h, &[])).delay(Duration::from_millis(300))]);
        add(dir.path(), &format!("http://{h}/rss"));
    }
    let mut o = opts(&s, &host_refs);
    o.fetch.concurrency = 3;
    let r = pass(dir.path(), &o, now());
    assert_eq!(s.log().len(), 16, "a robots.txt and a feed per host: {r:?}");
    assert_eq!(s.most_in_flight(), 3, "{r:?}");
}

#[test]
fn a_home_page_naming_its_feed_becomes_the_feed() {
    let s = TestServer::start();
    let host = "home.example";
    s.route(host, "/", vec![Resp::ok("text/html", "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/feed\"></head><body>Home</body></html>")]);
    s.route(host, "/feed", vec![Resp::ok(RSS, small_feed(host, &[("x", "y")]))]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/"));
    let o = opts(&s, &[host]);
    pass(dir.path(), &o, now());
    let src = source(dir.path(), id);
    assert_eq!(src.url, format!("http://{host}/feed"));
    let r = pass(dir.path(), &o, now());
    assert_eq!(r.new_items, 1, "{r:?}");
}

#[test]
fn pages_over_the_per_pass_cap_wait_for_the_next_pass() {
    let s = TestServer::start();
    let host = "many.example";
    let feed = small_feed(host, &[("One", "1"), ("Two", "2"), ("Three", "3")]);
    s.route(host, "/rss", vec![Resp::ok(RSS, feed).etag("\"v\"")]);
    for i in 0..3 {
        s.route(
            host,
            &format!("/a/{i}?utm_source=rss"),
            vec![Resp::ok(
                "text/html",
                article_page(&format!("Report {i}"), "Enough words in this paragraph to make an article body of it."),
            )],
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let mut o = opts(&s, &[host]);
    o.max_pages = 2;
    let t = now();
    let r = pass(dir.path(), &o, t);
    assert_eq!((r.new_items, r.pages_ok, r.deferred), (2, 2, 1), "{r:?}");
    let src = source(dir.path(), id);
    assert_eq!(src.next_fetch, t, "due again at once");
    assert_eq!(src.etag, None, "the next poll is unconditional, so a 304 cannot hide the rest");
    let r = pass(dir.path(), &o, t);
    assert_eq!((r.not_modified, r.new_items, r.pages_ok, r.deferred), (0, 1, 1, 0), "{r:?}");
}

#[test]
fn page_charset_from_the_http_header() {
    let s = TestServer::start();
    let host = "kiev.example";
    s.route(host, "/rss", vec![Resp::ok(RSS, small_feed(host, &[("Новости", "Текст")]))]);
    let page = "<html><head><title>Погода в Киеве</title></head><body><article><h1>Погода в Киеве</h1>\
        <p>В Киеве сегодня тепло и солнечно, к вечеру ожидается небольшой дождь с грозой.</p>\
        <p>Синоптики обещают, что выходные будут тёплыми и сухими по всей стране.</p></article></body></html>";
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(page);
    s.route(host, "/a/0?utm_source=rss", vec![Resp::ok("text/html; charset=windows-1251", cp1251.into_owned())]);
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), &format!("http://{host}/rss"));
    let r = pass(dir.path(), &opts(&s, &[host]), now());
    assert_eq!(r.pages_ok, 1, "{r:?}");
    let engine = Engine::open_read(dir.path()).unwrap();
    let res = engine.search("синоптики", &SearchOptions::default()).unwrap();
    assert_eq!(res.total, 1);
    assert_eq!(engine.document(res.hits[0].id).unwrap().unwrap().article.title, "Погода в Киеве");
}

#[test]
fn unreachable_host_is_a_connection_failure_with_normal_backoff() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 on loopback: nothing listens there.
    let id = add(dir.path(), "http://down.example:9/rss");
    let o = CollectOptions {
        fetch: FetchConfig {
            resolve: vec![("down.example".into(), "127.0.0.1:9".parse().unwrap())],
            timeout: Duration::from_secs(3),
            connect_timeout: Duration::from_secs(3),
            ..FetchConfig::default()
        },
        ..CollectOptions::default()
    };
    let t = now();
    pass(dir.path(), &o, t);
    let src = source(dir.path(), id);
    let err = src.error.unwrap();
    assert!(err.contains("connection failed"), "{err}");
    assert!(!err.contains("robots.txt of"), "not a robots.txt refusal: {err}");
    assert!(src.next_fetch - t < DAY, "normal backoff, not the rare retry: {}", src.next_fetch - t);
}

#[test]
fn robots_txt_server_error_stops_the_host_for_this_pass() {
    let s = TestServer::start();
    let host = "shaky.example";
    s.route(host, "/robots.txt", vec![Resp::status(503)]);
    s.route(host, "/rss", vec![Resp::ok(RSS, small_feed(host, &[("x", "y")]))]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let t = now();
    pass(dir.path(), &opts(&s, &[host]), t);
    assert_eq!(s.hits(host, "/rss"), 0);
    let src = source(dir.path(), id);
    assert!(src.error.as_deref().unwrap().contains("robots.txt answered HTTP 503"), "{src:?}");
    assert!(src.next_fetch - t < DAY);
}

#[test]
fn a_failed_robots_txt_is_asked_again_next_pass_even_with_a_shared_memory() {
    let s = TestServer::start();
    let host = "recovering.example";
    let rules = "User-agent: *\nDisallow: /private/\n";
    s.route(host, "/robots.txt", vec![Resp::status(503), Resp::ok("text/plain", rules)]);
    s.route(host, "/rss", vec![Resp::ok(RSS, small_feed(host, &[("x", "y")]))]);
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), &format!("http://{host}/rss"));
    let o = CollectOptions { all: true, ..opts(&s, &[host]) };
    pass(dir.path(), &o, now());
    assert_eq!((s.hits(host, "/robots.txt"), s.hits(host, "/rss")), (1, 0));
    pass(dir.path(), &o, now());
    assert_eq!((s.hits(host, "/robots.txt"), s.hits(host, "/rss")), (2, 1));
    // Its answer now stands for the passes after.
    pass(dir.path(), &o, now());
    assert_eq!((s.hits(host, "/robots.txt"), s.hits(host, "/rss")), (2, 2));
}

#[test]
fn passes_sharing_their_memory_of_hosts_ask_robots_txt_once_and_keep_the_delay() {
    let s = TestServer::start();
    let host = "remembered.example";
    s.route(host, "/robots.txt", vec![Resp::ok("text/plain", "User-agent: *\nDisallow: /private/\n")]);
    s.route(host, "/rss", vec![Resp::ok(RSS, small_feed(host, &[]))]);
    s.route(host, "/private/rss", vec![Resp::ok(RSS, small_feed(host, &[]))]);
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), &format!("http://{host}/rss"));
    let private = add(dir.path(), &format!("http://{host}/private/rss"));
    let mut o = CollectOptions { all: true, ..opts(&s, &[host]) };
    o.fetch.min_delay = Duration::from_millis(300);
    for _ in 0..3 {
        pass(dir.path(), &o, now());
    }
    assert_eq!(s.hits(host, "/robots.txt"), 1, "one robots.txt for three passes");
    assert_eq!(s.hits(host, "/rss"), 3);
    // The remembered rules are still obeyed.
    assert_eq!(s.hits(host, "/private/rss"), 0);
    assert!(source(dir.path(), private).error.as_deref().unwrap().contains("robots.txt"));
    // The delay between two requests to the host holds across passes too.
    let log: Vec<_> = s.log().into_iter().filter(|l| l.host == host).collect();
    for w in log.windows(2) {
        assert!(w[1].at.duration_since(w[0].at) >= Duration::from_millis(290), "{:?}", w[1].at.duration_since(w[0].at));
    }
    // Another memory (another process) asks again; so does one whose answer is older
    // than robots_ttl.
    let fresh = CollectOptions { hosts: HostMemory::default(), ..o.clone() };
    pass(dir.path(), &fresh, now());
    assert_eq!(s.hits(host, "/robots.txt"), 2);
    assert_eq!(fresh.hosts.len(), 1);
    let mut expired = fresh.clone();
    expired.fetch.robots_ttl = Duration::ZERO;
    pass(dir.path(), &expired, now());
    assert_eq!(s.hits(host, "/robots.txt"), 3);
}
