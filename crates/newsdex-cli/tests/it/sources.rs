//! `newsdex sources …`, `newsdex collect` and feeds given to `ingest`, through the binary.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Newsdex, s};

const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Subscriptions</title></head>
  <body>
    <outline text="World">
      <outline text="Le Monde &eacute;dition" type="rss" xmlUrl="https://www.lemonde.fr/rss/une.xml" language="fr"/>
      <outline text="BBC" xmlurl="http://feeds.bbci.co.uk/news/world/rss.xml"/>
    </outline>
    <outline text="no feed here"/>
    <outline text="FTP" xmlUrl="ftp://example.org/feed"/>
  </body>
</opml>"#;

#[test]
fn sources_add_import_export_list_pause_resume_remove() {
    let n = Newsdex::new();
    let dir = n.scratch("in");
    let opml = dir.join("subs.opml");
    std::fs::write(&opml, OPML).unwrap();
    let (_, err) = n.expect(
        0,
        &["sources", "add", "https://news.example/rss", "--outlet", "Example", "--every", "15m", "--lang", "en"],
    );
    assert!(err.contains("added source 1"), "{err}");
    let (_, err) = n.expect(2, &["sources", "add", "not a url"]);
    assert!(err.contains("is not an http(s) address"), "{err}");
    let (_, err) = n.expect(2, &["sources", "add", "https://x.example/", "--every", "soon"]);
    assert!(err.contains("--every"), "{err}");
    // One outline is not http(s): skipped, named, exit 1; the rest imported.
    let (_, err) = n.expect(1, &["sources", "import", s(&opml)]);
    assert!(err.contains("2 added, 0 already there, 1 skipped"), "{err}");
    let list = n.json(&["sources", "list"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[1]["title"], "Le Monde édition");
    assert_eq!(list[1]["lang"], "fr");
    assert_eq!(list[1]["category"], "World");
    assert_eq!(list[0]["every_secs"], 900);
    let text = n.ok(&["sources", "list"]);
    assert!(text.contains("https://news.example/rss  [new]"), "{text}");
    assert!(text.contains("every 15m (set)"), "{text}");
    n.ok(&["sources", "pause", "2"]);
    assert!(n.ok(&["sources", "list"]).contains("[PAUSED]"));
    n.ok(&["sources", "resume", "https://www.lemonde.fr/rss/une.xml"]);
    assert!(!n.ok(&["sources", "list"]).contains("[PAUSED]"));
    let exported = n.ok(&["sources", "export"]);
    assert!(exported.contains("<opml version=\"2.0\""), "{exported}");
    assert!(exported.contains("xmlUrl=\"https://www.lemonde.fr/rss/une.xml\""));
    // Export, remove all, import the export: the same list.
    let back = dir.join("export.opml");
    std::fs::write(&back, &exported).unwrap();
    for id in ["1", "2", "3"] {
        n.ok(&["sources", "remove", id]);
    }
    assert!(n.ok(&["sources", "list"]).starts_with("no sources"));
    let (_, err) = n.expect(2, &["sources", "remove", "7"]);
    assert!(err.contains("no source \"7\""), "{err}");
    n.ok(&["sources", "import", s(&back)]);
    assert_eq!(n.json(&["sources", "list"]).as_array().unwrap().len(), 3);
}

#[test]
fn ingest_of_feeds_and_opml_names_the_right_command() {
    let n = Newsdex::new();
    let dir = n.scratch("feeds");
    std::fs::write(dir.join("subs.opml"), OPML).unwrap();
    std::fs::write(
        dir.join("feed.xml"),
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item><title>x</title></item></channel></rss>",
    )
    .unwrap();
    std::fs::write(dir.join("atom.xml"), "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>")
        .unwrap();
    std::fs::write(
        dir.join("feed.json"),
        "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"t\", \"items\": []}",
    )
    .unwrap();
    let (_, err) = n.expect(3, &["ingest", s(&dir)]);
    assert!(
        err.contains("an OPML list of feeds, not an article: add its feeds with `newsdex sources import FILE`"),
        "{err}"
    );
    assert!(err.contains("an RSS feed, not an article"), "{err}");
    assert!(err.contains("an Atom feed, not an article"), "{err}");
    assert!(err.contains("a JSON Feed, not an article"), "{err}");
    assert!(err.contains("`newsdex sources add URL`"), "{err}");
    assert_eq!(n.json(&["stats"])["documents"], 0);
    // With an article among them: an ordinary partial ingest (exit 1).
    let [a, _] = crate::support::seeds();
    std::fs::copy(a, dir.join("a.txt")).unwrap();
    n.expect(1, &["ingest", s(&dir)]);
}

/// A minimal HTTP/1.1 server on 127.0.0.1 answering `routes` (path → status, type, body).
pub(crate) fn serve(routes: HashMap<String, (u16, &'static str, Vec<u8>)>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            if reader.read_line(&mut first).is_err() {
                continue;
            }
            loop {
                let mut l = String::new();
                if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                    break;
                }
            }
            let path = first.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, ctype, body) =
                routes.get(&path).cloned().unwrap_or((404, "text/plain", b"not found".to_vec()));
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    port
}

#[test]
fn collect_once_fetches_feed_and_pages_into_the_archive() {
    let n = Newsdex::new();
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Harbour News</title>\
        <item><title>Ferry returns</title><link>http://harbour.example/ferry?utm_source=rss</link><guid>f1</guid>\
        <pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate><description>The ferry is back.</description></item>\
        <item><title>Pier closed</title><link>http://harbour.example/pier</link><guid>p1</guid>\
        <description>The old pier closed for repairs to its timber deck after the storm.</description></item>\
        </channel></rss>";
    let page = "<html lang=\"en\"><head><title>Ferry returns to the harbour</title></head><body><article>\
        <h1>Ferry returns to the harbour</h1><p>The island ferry returned to service on Monday after three weeks in dry dock, the harbour master said.</p>\
        <p>Passengers queued from early morning to board the first crossing of the day.</p></article></body></html>";
    let mut routes = HashMap::new();
    routes.insert("/rss".to_string(), (200, "application/rss+xml", feed.as_bytes().to_vec()));
    routes.insert("/ferry?utm_source=rss".to_string(), (200, "text/html; charset=utf-8", page.as_bytes().to_vec()));
    let port = serve(routes);
    n.ok(&["sources", "add", "http://harbour.example/rss", "--outlet", "Harbour News"]);
    let resolve = format!("harbour.example=127.0.0.1:{port}");
    // The pier page is missing (404): the feed's text is kept, marked; exit 0 (the
    // source itself is fine).
    let (_, err) = n.expect(0, &["collect", "--once", "--delay", "0.01", "--resolve", &resolve]);
    assert!(err.contains("1 sources polled (0 unchanged, 0 failed), 2 new items, 1 pages fetched (1 failed"), "{err}");
    let (total, titles) = n.titles("ferry");
    assert_eq!((total, titles[0].as_str()), (1, "Ferry returns to the harbour"));
    let (total, _) = n.titles("timber deck");
    assert_eq!(total, 1);
    let list = n.json(&["sources", "list"]);
    assert_eq!(list[0]["last_status"], 200);
    assert_eq!(list[0]["items_seen"], 2);
    // Again: nothing new is fetched.
    let (_, err) =
        n.expect(0, &["collect", "--once", "--all", "--delay", "0.01", "--concurrency", "1", "--resolve", &resolve]);
    assert!(err.contains("0 new items, 0 pages fetched"), "{err}");
    // No room for any request is a usage error, before anything is fetched.
    let (_, err) = n.expect(2, &["collect", "--once", "--concurrency", "0", "--resolve", &resolve]);
    assert!(err.contains("--concurrency"), "{err}");
    // The archive rebuilds from the raw store alone, feed and robots responses not
    // becoming articles.
    n.ok(&["reindex"]);
    assert_eq!(n.json(&["stats"])["documents"], 2);
}

/// A collected article reaches the watches as an ingested one does: `collect` runs them
/// after each commit of its pass and says what they found.
#[test]
fn collect_runs_the_watches_after_its_commits() {
    let n = Newsdex::new();
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Harbour News</title>\
        <item><title>Ferry returns</title><link>http://harbour.example/ferry</link><guid>f1</guid></item>\
        <item><title>Market day</title><link>http://harbour.example/market</link><guid>m1</guid></item>\
        </channel></rss>";
    let page = |h: &str, p: &str| {
        format!("<html lang=\"en\"><head><title>{h}</title></head><body><article><h1>{h}</h1><p>{p}</p></article></body></html>")
            .into_bytes()
    };
    let mut routes = HashMap::new();
    routes.insert("/rss".to_string(), (200, "application/rss+xml", feed.as_bytes().to_vec()));
    routes.insert(
        "/ferry".to_string(),
        (
            200,
            "text/html",
            page(
                "Ferry returns to the harbour",
                "The island ferry returned to service on Monday after three weeks in dry dock.",
            ),
        ),
    );
    routes.insert(
        "/market".to_string(),
        (
            200,
            "text/html",
            page("Market day draws crowds", "Stalls lined the quay from early morning as the weekly market opened."),
        ),
    );
    let port = serve(routes);
    n.ok(&["sources", "add", "http://harbour.example/rss"]);
    n.ok(&["watch", "add", "ferry", "ferry", "--lang", "en"]);
    let resolve = format!("harbour.example=127.0.0.1:{port}");
    let (_, err) = n.expect(0, &["collect", "--once", "--delay", "0.01", "--resolve", &resolve]);
    assert!(err.contains("watches: 1 new story"), "{err}");
    let v = n.json(&["watch", "show", "ferry"]);
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{v}");
    assert_eq!(entries[0]["title"], "Ferry returns to the harbour", "{v}");
}

#[test]
fn serve_collect_polls_in_the_background_and_stops_on_ctrl_c() {
    let n = Newsdex::new();
    let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Harbour News</title>\
        <item><title>Lighthouse relit</title><link>http://harbour.example/light</link><guid>l1</guid>\
        <description>The old lighthouse was relit on Friday after its lamp was restored by volunteers.</description></item>\
        </channel></rss>";
    let mut routes = HashMap::new();
    routes.insert("/rss".to_string(), (200, "application/rss+xml", feed.as_bytes().to_vec()));
    let port = serve(routes);
    n.ok(&["sources", "add", "http://harbour.example/rss", "--outlet", "Harbour News"]);
    let resolve = format!("harbour.example=127.0.0.1:{port}");
    let s = crate::serve::serve(&n, &["--collect", "--collect-delay", "0.01", "--resolve", &resolve]);
    // The pass runs beside the server: the source's status and the article show up.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let (status, body) = crate::serve::get(&format!("{}api/sources", s.url));
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let (_, health) = crate::serve::get(&format!("{}healthz", s.url));
        if v[0]["last_status"] == 200 && health.contains("\"documents\":1") {
            assert_eq!(v[0]["items_seen"], 1, "{v}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no pass within 2 minutes: {v} {health}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let (_, page) = crate::serve::get(&format!("{}search?q=lighthouse", s.url));
    assert!(page.contains("Lighthouse relit"), "{page}");
    // Ctrl-C stops the server and the collector with it.
    let (code, err) = crate::serve::interrupt(s);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("collecting in the background"), "{err}");
    assert!(err.contains("collected: 1 sources polled (0 failed), 1 new items"), "{err}");
    assert!(err.contains("newsdex: stopped"), "{err}");
}

#[test]
fn sitemap_source_and_a_republished_page_show_in_sources_list() {
    let n = Newsdex::new();
    let sitemap = |lastmod: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
             xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url><loc>http://quay.example/storm</loc>\
             <lastmod>{lastmod}</lastmod><news:news><news:publication><news:name>Quay</news:name><news:language>en</news:language>\
             </news:publication><news:publication_date>2026-11-30T08:00:00Z</news:publication_date>\
             <news:title>Storm closes the quay</news:title></news:news></url></urlset>"
        )
        .into_bytes()
    };
    let page = |extra: &str| {
        format!(
            "<html lang=\"en\"><head><title>Storm closes the quay</title></head><body><article><h1>Storm closes the quay</h1>\
             <p>The harbour authority closed the quay on Monday as waves broke over the sea wall and spray reached the market square.</p>\
             <p>Fishing boats stayed in port and the ferry crossing was cancelled until the wind drops.</p>{extra}</article></body></html>"
        )
        .into_bytes()
    };
    let before = HashMap::from([
        ("/news-sitemap.xml".to_string(), (200, "application/xml", sitemap("2026-11-30T08:00:00Z"))),
        ("/storm".to_string(), (200, "text/html", page(""))),
    ]);
    let after = HashMap::from([
        ("/news-sitemap.xml".to_string(), (200, "application/xml", sitemap("2026-11-30T13:00:00Z"))),
        (
            "/storm".to_string(),
            (200, "text/html", page("<p>Update: the quay reopened at noon once the tide turned.</p>")),
        ),
    ]);
    let (p1, p2) = (serve(before), serve(after));
    n.ok(&["sources", "add", "http://quay.example/news-sitemap.xml"]);
    let r1 = format!("quay.example=127.0.0.1:{p1}");
    let (_, err) = n.expect(0, &["collect", "--once", "--delay", "0.01", "--resolve", &r1]);
    assert!(err.contains("1 new items, 1 pages fetched"), "{err}");
    assert_eq!(n.titles("harbour authority").0, 1);
    // The same address, its lastmod and page changed: a new version, not a new item.
    let r2 = format!("quay.example=127.0.0.1:{p2}");
    let (_, err) = n.expect(0, &["collect", "--once", "--all", "--delay", "0.01", "--resolve", &r2]);
    assert!(err.contains("0 new items, 1 re-published with new text, 1 pages fetched"), "{err}");
    let list = n.json(&["sources", "list"]);
    assert_eq!((list[0]["items_seen"].as_i64(), list[0]["versions"].as_i64()), (Some(1), Some(1)), "{list}");
    let text = n.ok(&["sources", "list"]);
    assert!(text.contains("items seen 1, new last time 0, re-published with new text 1"), "{text}");
    assert_eq!(n.titles("quay reopened").0, 1);
    // `show` links the versions: both recorded, both documents at the address named.
    let ids = |q: &str| -> Vec<String> {
        n.json(&["search", q])["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (old, new) = (ids("harbour authority -reopened"), ids("quay reopened"));
    assert_eq!((old.len(), new.len()), (1, 1), "{old:?} {new:?}");
    let shown = n.ok(&["show", &new[0]]);
    assert!(shown.contains("versions (the collector saw this page re-published with new text): 2"), "{shown}");
    assert!(shown.contains("  v1  seen ") && shown.contains("  v2  seen ") && shown.contains("page: 200"), "{shown}");
    assert!(
        shown.contains(&format!("  {}\n", old[0])) && shown.contains(&format!("  {}  (this one)", new[0])),
        "{shown}"
    );
    let v = n.json(&["show", &old[0]]);
    let docs: Vec<&str> = v["versions"]["documents"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
    assert_eq!(docs, vec![old[0].as_str(), new[0].as_str()], "{v}");
    assert_eq!(v["versions"]["versions"][1]["version"], 2, "{v}");
}

/// Like [`serve`], counting the requests for each path.
fn serve_counting(routes: HashMap<String, (u16, &'static str, Vec<u8>)>) -> (u16, Arc<Mutex<HashMap<String, usize>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let routes = routes.clone();
            let counted = counted.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
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
                *counted.lock().unwrap().entry(path.clone()).or_default() += 1;
                let (status, ctype, body) =
                    routes.get(&path).cloned().unwrap_or((404, "text/plain", b"not found".to_vec()));
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    (port, hits)
}

#[test]
fn kill_9_during_collect_then_restart_loses_nothing_and_refetches_little() {
    const N: usize = 24;
    const PER_PASS: usize = 4;
    let n = Newsdex::new();
    let words = ["harbour", "orchard", "glacier", "quarry", "lighthouse", "vineyard", "railway", "meadow"];
    let mut feed = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Valley Post</title>");
    let mut routes = HashMap::new();
    for i in 0..N {
        let (a, b) = (words[i % 8], words[(i / 8 + 3) % 8]);
        feed += &format!(
            "<item><title>Report {i}: {a} and {b}</title><link>http://valley.example/r/{i}</link><guid>v{i}</guid></item>"
        );
        let page = format!(
            "<html lang=\"en\"><head><title>Report {i}: the {a} and the {b}</title></head><body><article><h1>Report {i}</h1>\
             <p>Report number {i} from the valley: the {a} near the {b} drew visitors all week, the council said on day {i}.</p>\
             <p>Residents counted {} cars on the road to the {a} and asked for a bus to the {b}.</p></article></body></html>",
            100 + 7 * i
        );
        routes.insert(format!("/r/{i}"), (200, "text/html", page.into_bytes()));
    }
    feed += "</channel></rss>";
    routes.insert("/rss".to_string(), (200, "application/rss+xml", feed.into_bytes()));
    let (port, hits) = serve_counting(routes);
    let pages =
        |h: &HashMap<String, usize>| h.iter().filter(|(p, _)| p.starts_with("/r/")).map(|(_, c)| *c).sum::<usize>();
    n.ok(&["sources", "add", "http://valley.example/rss"]);
    let resolve = format!("valley.example=127.0.0.1:{port}");
    let per_pass = PER_PASS.to_string();
    let args = ["collect", "--delay", "0.15", "--max-pages", &per_pass, "--resolve", &resolve];
    let stored = || -> u64 {
        let probe = n.run(&["stats", "--json"]);
        if probe.status.success() {
            serde_json::from_slice::<serde_json::Value>(&probe.stdout).unwrap()["documents"].as_u64().unwrap()
        } else {
            0
        }
    };
    let mut child = n.command(&args).spawn().unwrap();
    // Kill it once two passes are kept and the third has fetched pages not yet kept.
    let start = Instant::now();
    let before_kill = loop {
        std::thread::sleep(Duration::from_millis(20));
        assert!(child.try_wait().unwrap().is_none(), "collect ended by itself");
        let kept = stored();
        let fetched = pages(&hits.lock().unwrap());
        if kept >= 2 * PER_PASS as u64 && fetched > kept as usize {
            break (kept, fetched);
        }
        assert!(start.elapsed() < Duration::from_secs(120), "no progress");
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let (kept, fetched) = before_kill;
    eprintln!("killed with {kept} documents kept, {fetched} pages fetched");
    assert!(kept < N as u64, "the kill came too late to test anything");
    // Readable and consistent: store and index agree, the state file opens, and the
    // items marked seen are exactly those kept.
    let st = n.json(&["stats"]);
    assert_eq!(st["documents"], st["indexed_documents"]);
    let seen = n.json(&["sources", "list"])[0]["items_seen"].as_u64().unwrap();
    assert_eq!(seen, st["documents"].as_u64().unwrap());
    // Restart: one pass at a time until nothing is new.
    for _ in 0..N {
        let (_, err) =
            n.expect(0, &["collect", "--once", "--delay", "0.01", "--max-pages", &per_pass, "--resolve", &resolve]);
        if err.contains(" 0 new items") {
            break;
        }
    }
    let st = n.json(&["stats"]);
    assert_eq!((st["documents"].as_u64(), st["indexed_documents"].as_u64()), (Some(N as u64), Some(N as u64)));
    assert_eq!(n.json(&["sources", "list"])[0]["items_seen"].as_u64(), Some(N as u64));
    // Nothing kept was fetched again; at most the killed pass's pages were.
    let h = hits.lock().unwrap().clone();
    assert!(pages(&h) <= N + PER_PASS, "{h:?}");
    for i in 0..N {
        assert!((1..=2).contains(&h[&format!("/r/{i}")]), "{h:?}");
    }
    // "lighthouse" is the first word of reports 4, 12, 20 and the second of 8 to 15.
    assert_eq!(n.titles("lighthouse").0, 10);
}
