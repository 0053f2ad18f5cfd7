//! `newsdex export-warc` end to end: an archive holding pages of a CC-NEWS-style WARC
//! (real pages of ../shared's ScrapingHub set, built here), a page and a feed text from
//! `newsdex collect` (a local server), text files, a JSON Lines file and an HTML file is
//! exported as WARC; warcio (PyPI) checks its digests and indexes it when python3 has it;
//! ingested into a fresh data directory it gives the same documents (titles, texts,
//! addresses), and into the archive it came from it adds nothing.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::process::Command;

use crate::support::{Newsdex, s};
use newsdex_testkit::warc::{Packing, cc_news_records, pack, scrapinghub_pages};

/// (title, body, url) of every document, as `export --format jsonl` gives them, counted.
fn documents(n: &Newsdex) -> BTreeMap<(String, String, String), usize> {
    let out = n.ok(&["export", "*", "--format", "jsonl", "--fields", "title,body,url"]);
    let mut docs = BTreeMap::new();
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = (
            v["title"].as_str().unwrap_or_default().to_string(),
            v["body"].as_str().unwrap_or_default().to_string(),
            v["url"].as_str().unwrap_or_default().to_string(),
        );
        *docs.entry(key).or_default() += 1;
    }
    docs
}

/// The records of a WARC file: (WARC-Type, header fields) in order.
fn records(file: &Path) -> Vec<(String, newsdex_warc::Fields, Vec<u8>)> {
    let bytes = std::fs::read(file).unwrap();
    let mut plain = Vec::new();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut plain).unwrap();
    } else {
        plain = bytes;
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at < plain.len() {
        let h = newsdex_warc::parse_header(&plain[at..]).unwrap_or_else(|e| panic!("record at {at}: {e}"));
        let len = h.content_length().unwrap() as usize;
        let block = plain[at + h.len..at + h.len + len].to_vec();
        assert_eq!(&plain[at + h.len + len..at + h.len + len + 4], b"\r\n\r\n");
        out.push((h.warc_type(), h.fields.clone(), block));
        assert_eq!(h.version, "WARC/1.1");
        at += h.len + len + 4;
    }
    out
}

/// `warcio ARGS` when python3 has warcio; `None` (after saying so) when it does not.
fn warcio(args: &[&str]) -> Option<std::process::Output> {
    let probe = Command::new("python3").args(["-c", "import warcio.cli"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: warcio checks: python3 with warcio (pip install warcio==1.7.5) is not found");
        return None;
    }
    let mut cmd = Command::new("python3");
    cmd.args(["-c", "import sys; from warcio.cli import main; sys.exit(main())"]).args(args);
    Some(cmd.output().unwrap())
}

#[test]
fn export_warc_is_valid_and_round_trips_through_ingest() {
    let Some(pages) = scrapinghub_pages(12) else { return };
    let n = Newsdex::new();
    let dir = n.scratch("in");
    // A CC-NEWS-style archive of 10 pages, one gzip member per record.
    let warc = dir.join("CC-NEWS-20240301120000-00001.warc.gz");
    std::fs::write(&warc, pack(&cc_news_records(&pages[..10]), Packing::GzipPerRecord)).unwrap();
    // Files: two texts, a JSON Lines file, an HTML page (gzip, so its kept bytes are
    // decompressed on the way out).
    for seed in crate::support::seeds() {
        std::fs::copy(&seed, dir.join(seed.file_name().unwrap())).unwrap();
    }
    std::fs::copy(newsdex_testkit::repo_root().join("testdata/multilingual/sentences.jsonl"), dir.join("s.jsonl"))
        .unwrap();
    std::fs::write(dir.join("page.html.gz"), newsdex_testkit::warc::gzip(&pages[10].html)).unwrap();
    let v = n.json(&["ingest", s(&dir)]);
    assert_eq!(v["rejected_count"], 0, "{v}");
    let from_files = v["new"].as_u64().unwrap();
    assert!(from_files > 10 + 2 + 30, "{v}");
    // A page and a feed text from `newsdex collect`.
    let page = &pages[11];
    let feed = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>\
         <item><title>A page</title><link>http://wire.example/a</link><guid>a</guid></item>\
         <item><title>Gone page</title><link>http://wire.example/gone</link><guid>g</guid>\
         <description>The gone page's feed text stands in for it.</description></item></channel></rss>",
    );
    let mut routes = HashMap::new();
    routes.insert("/rss".to_string(), (200, "application/rss+xml", feed.into_bytes()));
    routes.insert("/a".to_string(), (200, "text/html; charset=utf-8", page.html.clone()));
    let port = crate::sources::serve(routes);
    n.ok(&["sources", "add", "http://wire.example/rss"]);
    let resolve = format!("wire.example=127.0.0.1:{port}");
    n.expect(0, &["collect", "--once", "--delay", "0.01", "--resolve", &resolve]);
    let before = documents(&n);
    let total: usize = before.values().sum();
    assert_eq!(total as u64, from_files + 2, "{before:?}");

    // Everything, gzip per record.
    let out = n.scratch("out").join("all.warc.gz");
    let (_, err) = n.expect(0, &["export-warc", s(&out)]);
    assert!(err.contains(&format!("wrote {total} documents in ")), "{err}");
    let recs = records(&out);
    assert_eq!(recs[0].0, "warcinfo");
    let info = String::from_utf8_lossy(&recs[0].2).into_owned();
    assert!(info.contains("newsdex-query: *\r\n") && info.contains("newsdex-snapshot: "), "{info}");
    let kinds = recs.iter().fold(BTreeMap::<&str, usize>::new(), |mut m, r| {
        *m.entry(r.0.as_str()).or_default() += 1;
        m
    });
    // 10 archived responses + the collected page's; its request; a resource per file
    // document and for the feed text.
    assert_eq!(kinds.get("response"), Some(&11), "{kinds:?}");
    assert_eq!(kinds.get("request"), Some(&1), "{kinds:?}");
    assert_eq!(kinds.get("resource"), Some(&(total - 11)), "{kinds:?}");
    // Archived records keep their id and address; every record names its document.
    let archived: Vec<_> = recs
        .iter()
        .filter(|r| r.1.get("WARC-Target-URI").is_some_and(|u| pages[..10].iter().any(|p| p.url == u)))
        .collect();
    assert_eq!(archived.len(), 10);
    assert!(
        archived.iter().all(|r| r.1.get("WARC-Record-ID").unwrap().starts_with("<urn:uuid:00000000-0000-4000-8000-"))
    );
    assert!(recs[1..].iter().all(|r| r.1.get("WARC-Newsdex-Document").is_some_and(|d| d.len() == 16)));
    // The collected exchange: request then response, as fetched.
    let req = recs.iter().position(|r| r.0 == "request").unwrap();
    let req_block = String::from_utf8_lossy(&recs[req].2).into_owned();
    assert!(req_block.starts_with("GET /a HTTP/1.1\r\nHost: wire.example\r\nUser-Agent: newsdex/"), "{req_block}");
    assert_eq!(recs[req + 1].0, "response");
    assert_eq!(recs[req + 1].1.get("WARC-Concurrent-To"), None);
    assert_eq!(recs[req].1.get("WARC-Concurrent-To"), recs[req + 1].1.get("WARC-Record-ID"));
    let resp = &recs[req + 1].2;
    // The status line as sent: the test server's reason phrase is "X", not the usual "OK".
    assert!(resp.starts_with(b"HTTP/1.1 200 X\r\n"), "{}", String::from_utf8_lossy(&resp[..40]));
    assert_eq!(recs[req + 1].1.get("WARC-IP-Address"), Some("127.0.0.1"), "{:?}", recs[req + 1].1);
    assert_eq!(recs[req + 1].1.get("WARC-Protocol"), Some("http/1.1"), "{:?}", recs[req + 1].1);
    assert!(resp.ends_with(&page.html), "the body as received");
    // A text file: its bytes, named by where they came from.
    let seed = std::fs::read(&crate::support::seeds()[0]).unwrap();
    let text = recs.iter().find(|r| r.2 == seed).expect("the seed's bytes in a resource record");
    assert_eq!(text.1.get("Content-Type"), Some("text/plain"));
    assert!(text.1.get("WARC-Target-URI").unwrap().starts_with("file:///"), "{:?}", text.1);
    let html = recs.iter().find(|r| r.2 == pages[10].html).expect("the HTML file decompressed");
    assert_eq!(html.1.get("Content-Type"), Some("text/html"));

    if let Some(o) = warcio(&["check", "-v", s(&out)]) {
        let said = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
        assert!(o.status.success(), "warcio check: {said}");
        assert!(!said.contains("digest failed") && !said.contains("problem"), "{said}");
        let o = warcio(&["index", "-f", "warc-type,warc-target-uri,offset,length", s(&out)]).unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let index = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(index.lines().count(), recs.len(), "{index}");
        // Offsets are those of the gzip members: each unpacks alone to one record.
        let bytes = std::fs::read(&out).unwrap();
        for line in index.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let (off, len): (usize, usize) =
                (v["offset"].as_str().unwrap().parse().unwrap(), v["length"].as_str().unwrap().parse().unwrap());
            let mut one = Vec::new();
            flate2::read::GzDecoder::new(&bytes[off..off + len]).read_to_end(&mut one).unwrap();
            assert!(one.starts_with(b"WARC/1.1\r\nWARC-Type: "), "{line}");
        }
    }

    // Into a fresh archive: the same documents.
    let m = Newsdex::new();
    let v = m.json(&["ingest", s(&out)]);
    assert_eq!(v["new"].as_u64(), Some(total as u64), "{v}");
    assert_eq!(v["rejected_count"], 0, "{v}");
    assert_eq!(documents(&m), before);
    // Into the archive it came from: nothing new.
    let v = n.json(&["ingest", s(&out)]);
    assert_eq!((v["new"].as_u64(), v["duplicates"].as_u64()), (Some(0), Some(total as u64)), "{v}");
    // And the fresh archive exports again to a file that reads back the same.
    let again = m.scratch("out").join("again.warc");
    m.expect(0, &["export-warc", s(&again)]);
    let k = Newsdex::new();
    k.json(&["ingest", s(&again)]);
    assert_eq!(documents(&k), before);
}

#[test]
fn export_warc_takes_a_query_filters_and_a_snapshot() {
    let n = Newsdex::new();
    let [a, b] = crate::support::seeds();
    n.ok(&["ingest", s(&a)]);
    let snap = n.json(&["search", "*"])["snapshot"].as_u64().unwrap();
    n.ok(&["ingest", s(&b)]);
    let out = n.scratch("out");
    // As of the first snapshot: only the first file.
    let first = out.join("first.warc");
    n.expect(0, &["export-warc", "--snapshot", &snap.to_string(), s(&first)]);
    let recs = records(&first);
    assert_eq!(recs.len(), 2, "warcinfo and one resource");
    assert_eq!(recs[1].2, std::fs::read(&a).unwrap());
    // A query naming nothing: the warcinfo record alone, which names the query.
    let none = out.join("none.warc.gz");
    n.expect(0, &["export-warc", "zzzxqv", "--lang", "en", s(&none)]);
    let recs = records(&none);
    assert_eq!(recs.len(), 1);
    let info = String::from_utf8_lossy(&recs[0].2).into_owned();
    assert!(info.contains("newsdex-query: zzzxqv\r\n") && info.contains("newsdex-lang: en\r\n"), "{info}");
    // A name that is not a WARC file is refused, and nothing is written.
    let (_, err) = n.expect(2, &["export-warc", s(&out.join("x.csv"))]);
    assert!(err.contains("must end in .warc or .warc.gz"), "{err}");
    assert!(!out.join("x.csv").exists());
}
