//! `/api/export` and the results page's download links, over the demo corpus (real news,
//! compiled in) and a server that takes ingests.

use crate::support::{DEMO_DOCS, TestServer, demo, fixtures};

#[test]
fn export_streams_every_match_with_its_snapshot() {
    let d = demo();
    let r = d.get("/api/export?q=*&format=jsonl");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/jsonl; charset=utf-8"));
    assert_eq!(r.header("x-newsdex-matches"), Some(DEMO_DOCS.to_string().as_str()));
    let snapshot = r.header("x-newsdex-snapshot").unwrap().to_string();
    assert_eq!(d.get_json("/api/search?q=*&limit=0")["snapshot"].to_string(), snapshot);
    let text = r.text();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len() as u64, DEMO_DOCS, "every document, far past a page of 100");
    assert!(lines.iter().all(|l| l["body"].is_string() && l["story_size"].as_u64().unwrap() >= 1));
    assert!(lines.iter().any(|l| l["lang"] == "zh") && lines.iter().any(|l| l["lang"] == "ja"));
    // Repeated with its snapshot: the same bytes.
    let again = d.get(&format!("/api/export?q=*&format=jsonl&snapshot={snapshot}"));
    assert_eq!(again.body, r.body);
    // CSV with chosen fields, filters and a BOM.
    let csv = d.get("/api/export?q=Tashkent&fields=id,title,outlet&bom=true");
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let body = csv.text();
    assert!(body.starts_with("\u{feff}id,title,outlet\r\n"), "{body}");
    let n: usize = csv.header("x-newsdex-matches").unwrap().parse().unwrap();
    assert_eq!(n as u64, d.get_json("/api/search?q=Tashkent&collapse=false&limit=0")["total"].as_u64().unwrap());
    assert_eq!(body.matches("\r\n").count(), n + 1);
    // Parquet.
    let pq = d.get("/api/export?q=Tashkent&format=parquet");
    assert_eq!(pq.header("content-type"), Some("application/vnd.apache.parquet"));
    assert!(pq.body.starts_with(b"PAR1") && pq.body.ends_with(b"PAR1"));
}

#[test]
fn bad_export_requests_are_400s_that_say_why() {
    let d = demo();
    let cases = [
        ("/api/export?q=oil&format=xlsx", "bad_request", "format \"xlsx\" is not offered"),
        ("/api/export?q=oil&fields=id,titel", "bad_request", "unknown field \"titel\""),
        ("/api/export?q=oil&snapshot=999999", "bad_snapshot", "there is no snapshot 999999"),
        ("/api/export?q=oil&snapshot=x", "bad_request", "snapshot must be a batch number"),
        ("/api/export?q=%22oil", "bad_query", ""),
        ("/api/export?q=oil&limit=5", "bad_request", "unknown parameter `limit`"),
        ("/api/export?format=csv", "bad_request", "`q` is required"),
        ("/api/export?q=oil&stories=maybe", "bad_request", "stories must be true or false"),
        ("/api/search?q=oil&snapshot=999999", "bad_snapshot", "there is no snapshot 999999"),
    ];
    for (path, code, says) in cases {
        let r = d.get(path);
        assert_eq!((r.status, r.error_code()), (400, code.to_string()), "{path}: {}", r.text());
        assert!(r.json()["error"]["message"].as_str().unwrap().contains(says), "{path}: {}", r.text());
    }
}

#[test]
fn an_export_pinned_to_its_snapshot_ignores_later_ingests() {
    let s = TestServer::start(Some("t"), |w| {
        w.ingest_bytes("fixtures.jsonl", &fixtures(), &Default::default(), &mut |_| {}).unwrap();
    });
    let first = s.get("/api/export?q=*");
    let snapshot = first.header("x-newsdex-snapshot").unwrap().to_string();
    let doc = br#"{"title":"Uyghur scholars meet in Almaty","text":"Scholars met in Almaty on Monday to discuss Uyghur literature.","published":"2024-03-05","outlet":"Example Times"}"#;
    assert_eq!(s.post("/api/ingest", &[("Authorization", "Bearer t")], doc).status, 200);
    let now = s.get("/api/export?q=*");
    assert_ne!(now.header("x-newsdex-snapshot").unwrap(), snapshot);
    assert_eq!(now.text().matches("\r\n").count(), first.text().matches("\r\n").count() + 1);
    assert_eq!(s.get(&format!("/api/export?q=*&snapshot={snapshot}")).body, first.body);
}

#[test]
fn the_results_page_links_to_downloading_every_result() {
    let d = demo();
    let page = d.get("/search?q=%2A&lang=en&sort=newest&offset=10").text();
    let total = d.get_json("/api/search?q=%2A&lang=en&limit=0")["total"].as_u64().unwrap();
    assert!(total > 10, "{total}");
    assert!(page.contains(&format!("Download all {total} results")), "{page}");
    let start = page.find("href=\"/api/export?").expect("a link to the export");
    let href = &page[start + 6..];
    let href = href[..href.find('"').unwrap()].replace("&#38;", "&").replace("&amp;", "&");
    assert!(
        href.contains("lang=en") && href.contains("snapshot=") && !href.contains("sort=") && !href.contains("offset="),
        "{href}"
    );
    let r = d.get(&href);
    assert_eq!(r.status, 200, "{href}: {}", r.text());
    assert_eq!(r.header("x-newsdex-matches"), Some(total.to_string().as_str()));
}
