//! WARC files in Common Crawl CC-NEWS's record layout around real pages, for tests and
//! benchmarks: a `warcinfo` record, then per page a `request` and a `response` record
//! (HTTP/1.1 200, the page's own bytes), each record its own gzip member when compressed.
//! Pages come from `../shared/data/extraction-scrapinghub` (third-party pages usable for
//! evaluation only, so the files are built when a test runs and never checked in).

use std::io::Write;

/// A real page: its address and HTML bytes.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: String,
    pub html: Vec<u8>,
}

/// Up to `n` pages of the ScrapingHub extraction set, in a stable order; `None` (after
/// printing `SKIPPED: …`) when the shared data is absent.
pub fn scrapinghub_pages(n: usize) -> Option<Vec<Page>> {
    let dir = crate::shared_data("extraction-scrapinghub")?;
    let gold = std::fs::read_to_string(dir.join("ground-truth.jsonl")).expect("ground truth");
    let mut pages = Vec::new();
    for line in gold.lines().take(n) {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        let file = dir.join("html").join(v["html_file"].as_str().map_or_else(
            || format!("{}.html.gz", v["id"].as_str().unwrap_or_default()),
            |f| f.rsplit('/').next().unwrap_or(f).to_string(),
        ));
        let gz = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut html = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut html).expect("gzip page");
        pages.push(Page { url: v["url"].as_str().unwrap_or_default().to_string(), html });
    }
    Some(pages)
}

/// One WARC record's bytes.
pub fn record(kind: &str, uri: Option<&str>, n: usize, content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    write!(r, "WARC/1.0\r\nWARC-Type: {kind}\r\n").unwrap();
    if let Some(u) = uri {
        write!(r, "WARC-Target-URI: {u}\r\n").unwrap();
    }
    write!(
        r,
        "WARC-Date: 2024-03-01T12:{:02}:{:02}Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-{n:012x}>\r\nContent-Type: {content_type}\r\n",
        (n / 60) % 60,
        n % 60
    )
    .unwrap();
    if kind == "response" {
        write!(r, "WARC-Payload-Digest: sha1:TESTDIGEST{n:08}\r\n").unwrap();
    }
    write!(r, "Content-Length: {}\r\n\r\n", block.len()).unwrap();
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

/// How the records of a generated file are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    Plain,
    /// One gzip member per record (CC-NEWS).
    GzipPerRecord,
    /// The whole file one gzip stream.
    GzipWhole,
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The records of a CC-NEWS-style file around `pages`: warcinfo, then per page a request
/// and a response record.
pub fn cc_news_records(pages: &[Page]) -> Vec<Vec<u8>> {
    let mut out = vec![record(
        "warcinfo",
        None,
        0,
        "application/warc-fields",
        b"software: newsdex-testkit\r\nformat: WARC File Format 1.0\r\n",
    )];
    for (i, p) in pages.iter().enumerate() {
        let host = p.url.split('/').nth(2).unwrap_or("example.com");
        let req = format!("GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: CCBot/2.0\r\n\r\n");
        out.push(record("request", Some(&p.url), 2 * i + 1, "application/http; msgtype=request", req.as_bytes()));
        let mut resp = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
            p.html.len()
        )
        .into_bytes();
        resp.extend_from_slice(&p.html);
        out.push(record("response", Some(&p.url), 2 * i + 2, "application/http; msgtype=response", &resp));
    }
    out
}

/// Records packed into a file.
pub fn pack(records: &[Vec<u8>], packing: Packing) -> Vec<u8> {
    match packing {
        Packing::Plain => records.concat(),
        Packing::GzipPerRecord => records.iter().flat_map(|r| gzip(r)).collect(),
        Packing::GzipWhole => gzip(&records.concat()),
    }
}
