//! `newsdex watch` through the binary: a watch made on an archive reports the seed
//! article ingested after it, once, and says so after the ingest.

use crate::support::{Newsdex, seeds};

#[test]
fn an_ingest_reports_what_a_watch_finds_and_only_once() {
    let n = Newsdex::new();
    let [s000, s004] = seeds();
    n.ok(&["ingest", s000.to_str().unwrap()]);
    // Typed as one spelling; the article writes the other.
    n.ok(&["watch", "add", "uyghurs", "Uighur", "--lang", "en"]);
    let (_, err) = n.expect(0, &["ingest", s004.to_str().unwrap()]);
    assert!(err.contains("watches: 1 new story"), "ingest says what the watch found: {err}");
    let v = n.json(&["watch", "show", "uyghurs"]);
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{v}");
    assert!(entries[0]["title"].as_str().unwrap().contains("Uyghur"), "{v}");
    assert!(
        entries[0]["matched"].as_array().unwrap().iter().any(|m| m == "Uyghur"),
        "the spelling matched is named: {v}"
    );
    assert!(n.ok(&["watch", "show", "uyghurs"]).contains("matched as Uyghur"));
    // The article before the watch is not news; running again adds nothing.
    n.ok(&["watch", "run"]);
    let list = n.json(&["watch", "list"]);
    assert_eq!(list[0]["entries"], 1, "{list}");
    assert!(n.ok(&["watch", "list"]).contains("1 entries, 1 today"));
    // Bad input: caret error, exit 2; an unknown watch is named.
    let (_, err) = n.expect(2, &["watch", "add", "bad", "Uighur AND (camps"]);
    assert!(err.contains('^'), "{err}");
    let (_, err) = n.expect(2, &["watch", "show", "nope"]);
    assert!(err.contains("no watch named \"nope\""), "{err}");
    n.ok(&["watch", "remove", "uyghurs"]);
    assert!(n.ok(&["watch", "list"]).contains("no watches"));
}

/// Requests a receiver got: (head, body).
type Received = std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// A loopback receiver that answers every request 200 and keeps (headers, body).
fn receiver() -> (String, Received) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut r = BufReader::new(conn.try_clone().unwrap());
            let mut head = String::new();
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                head.push_str(&line);
            }
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            keep.lock().unwrap().push((head, body));
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        }
    });
    (url, got)
}

#[test]
fn webhooks_are_posted_signed_and_a_dead_one_is_logged_without_holding_up_the_others() {
    let n = Newsdex::new();
    let [s000, s004] = seeds();
    n.ok(&["ingest", s000.to_str().unwrap()]);
    let (live, got) = receiver();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", l.local_addr().unwrap())
    };
    n.ok(&["watch", "add", "a-dead", "Uyghur", "--webhook", &dead, "--secret", "s1"]);
    n.ok(&["watch", "add", "b-live", "Uyghur", "--webhook", &live, "--secret", "s2"]);
    let (_, err) = n.expect(2, &["watch", "add", "c", "Uyghur", "--webhook", "file:///etc/passwd", "--secret", "x"]);
    assert!(err.contains("http(s) address"), "{err}");
    let (_, err) = n.expect(0, &["ingest", s004.to_str().unwrap()]);
    assert!(err.contains("webhook of watch a-dead"), "the dead endpoint is named: {err}");
    assert!(err.contains("webhooks: 1 posts with 1 entries delivered"), "{err}");
    let posts = got.lock().unwrap().clone();
    assert_eq!(posts.len(), 1);
    let (head, body) = &posts[0];
    let head = head.to_ascii_lowercase();
    let sig = newsdex_watch::deliver::signature("s2", body);
    assert!(head.contains(&format!("x-newsdex-signature: {sig}")), "{head}");
    assert!(head.contains("idempotency-key: b-live:0-"), "{head}");
    let v: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["watch"], "b-live");
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    let list = n.ok(&["watch", "list"]);
    assert!(list.contains("last post failed"), "{list}");
    assert!(list.contains("1 in a row"), "{list}");
    let shown = n.ok(&["watch", "show", "a-dead"]);
    assert!(shown.contains("webhook posts (newest first):") && shown.contains("connection failed"), "{shown}");
    assert!(n.ok(&["watch", "show", "b-live"]).contains("HTTP 200"));
    // Nothing new: nothing posted again, the dead one waits for its retry time.
    n.ok(&["watch", "run"]);
    assert_eq!(got.lock().unwrap().len(), 1);
}
