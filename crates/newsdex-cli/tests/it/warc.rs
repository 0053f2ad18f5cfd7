//! WARC archives end to end: a CC-NEWS-style `.warc.gz` around real pages (ScrapingHub's
//! extraction set, ../shared; evaluation use, so built here and never checked in) ingests
//! its pages, counts the other records by kind and reason, records each page's WARC
//! provenance, and adds nothing when ingested again. Skipped when ../shared is absent.

use crate::support::{Newsdex, s};
use newsdex_testkit::warc::{Packing, cc_news_records, pack, record, scrapinghub_pages};

#[test]
fn a_cc_news_warc_ingests_its_pages_with_provenance_and_only_once() {
    let Some(pages) = scrapinghub_pages(30) else { return };
    let n = Newsdex::new();
    let mut recs = cc_news_records(&pages);
    recs.push(record(
        "response",
        Some("https://example.com/gone"),
        999,
        "application/http; msgtype=response",
        b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html><p>Not here</p></html>",
    ));
    let file = n.scratch("in").join("CC-NEWS-20240301120000-00001.warc.gz");
    std::fs::write(&file, pack(&recs, Packing::GzipPerRecord)).unwrap();
    let v = n.json(&["ingest", s(&file)]);
    assert_eq!(v["new"], 30, "{v}");
    assert_eq!(v["rejected_count"], 0, "{v}");
    assert_eq!(v["skipped"]["request: not a response"], 30, "{v}");
    assert_eq!(v["skipped"]["warcinfo: not a response"], 1, "{v}");
    assert_eq!(v["skipped"]["response: status 404"], 1, "{v}");

    // Each page: its address is the target URI, its WARC identity is kept, and its raw
    // bytes are exactly its record.
    let id = v["added"][3].as_str().unwrap().to_string();
    let doc = n.json(&["show", &id]);
    let uri = doc["article"]["extra"]["warc_target_uri"].as_str().unwrap_or_else(|| panic!("{doc}"));
    assert!(pages.iter().any(|p| p.url == uri), "{uri}");
    assert!(doc["article"]["extra"]["warc_record_id"].as_str().unwrap().starts_with("<urn:uuid:"));
    assert!(doc["article"]["extra"]["warc_payload_digest"].as_str().unwrap().starts_with("sha1:"));
    assert_eq!(doc["article"]["extra"]["warc_date"].as_str().unwrap().len(), 20);
    let raw = n.command(&["show", &id, "--record"]).output().unwrap().stdout;
    assert!(raw.starts_with(b"WARC/1.0\r\nWARC-Type: response\r\n"), "{}", String::from_utf8_lossy(&raw[..80]));
    // The record: its header and content block (the two line ends after it are not kept
    // in the span).
    assert!(recs.iter().any(|r| r[..r.len() - 4] == raw[..]), "the raw bytes are one whole record");
    // Its place in the file as given: the gzip member there unpacks to the record.
    let (offset, length) =
        (doc["article"]["extra"]["warc_offset"].as_u64(), doc["article"]["extra"]["warc_length"].as_u64());
    let (offset, length) = (offset.unwrap_or_else(|| panic!("{doc}")) as usize, length.unwrap() as usize);
    let packed = std::fs::read(&file).unwrap();
    let mut member = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&packed[offset..offset + length]), &mut member)
        .unwrap();
    assert_eq!(member[..raw.len()], raw[..]);
    // --raw: the HTTP payload, exactly the page as archived.
    let payload = n.command(&["show", &id, "--raw"]).output().unwrap().stdout;
    assert!(pages.iter().any(|p| p.html == payload), "show --raw is the page's bytes");
    let text = n.ok(&["show", &id]);
    assert!(text.contains("warc_record_id"), "{text}");

    // Ingesting the same file again adds nothing.
    let again = n.json(&["ingest", s(&file)]);
    assert_eq!(again["new"], 0, "{again}");
    assert_eq!(again["duplicates"], 30, "{again}");
    let st = n.json(&["stats"]);
    assert_eq!(st["documents"], 30);
    // The skipped records are counted in stats once, however often the file is read.
    let skipped: Vec<(String, u64)> =
        serde_json::from_value(st["skipped_by_kind"].clone()).unwrap_or_else(|e| panic!("{e}: {st}"));
    assert_eq!(
        skipped,
        [
            ("request: not a response".to_string(), 30),
            ("response: status 404".to_string(), 1),
            ("warcinfo: not a response".to_string(), 1)
        ]
    );
    let text = n.ok(&["stats"]);
    assert!(text.contains("archive records skipped"), "{text}");
}
