//! What a client can make the server spend (issue #14): bodies are read only once a
//! request is authorized and announces a size within the limit.

use newsdex_server::api::MAX_INGEST_BYTES;

use crate::support::{TestServer, demo};

/// The head of `POST /api/ingest` announcing `length` bytes, with `auth` as extra header
/// lines (each ending in CRLF).
fn ingest_head(auth: &str, length: usize) -> Vec<u8> {
    format!(
        "POST /api/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n{auth}Content-Length: {length}\r\n\r\n"
    )
    .into_bytes()
}

#[test]
fn regression_unauthenticated_post_is_refused_before_its_body_is_read() {
    // The audit: 30 concurrent 60 MiB uploads without a token were each read whole (1.6 GB
    // resident) before the token was looked at. Here 60 MiB are announced and none sent:
    // the answer has to come from the head alone, and the server then closes instead of
    // reading the body.
    let s = TestServer::start(Some("s3cret"), |_| {});
    for auth in ["", "Authorization: Bearer wrong\r\n", "Authorization: Basic czNjcmV0\r\n"] {
        let mut c = s.raw();
        c.send(&ingest_head(auth, 60 << 20));
        let r = c.response();
        assert_eq!((r.status, r.error_code()), (401, "unauthorized".into()), "{auth:?}");
        assert!(c.closed_by_server(), "{auth:?}");
    }
    // A server without a token (writing off) says so the same way.
    let mut c = demo().raw();
    c.send(&ingest_head("Authorization: Bearer anything\r\n", 60 << 20));
    let r = c.response();
    assert_eq!((r.status, r.error_code()), (403, "writes_disabled".into()));
    assert!(c.closed_by_server());
    assert_eq!(s.get_json("/healthz")["documents"], 0);
}

#[test]
fn regression_a_body_announced_over_the_limit_is_413_before_it_is_read() {
    let s = TestServer::start(Some("t"), |_| {});
    let mut c = s.raw();
    c.send(&ingest_head("Authorization: Bearer t\r\n", MAX_INGEST_BYTES + 1));
    let r = c.response();
    assert_eq!((r.status, r.error_code()), (413, "payload_too_large".into()), "{}", r.text());
    assert!(c.closed_by_server());
}

/// A chunked body in chunks of 1 MiB: `chunks` of them, then the last chunk.
fn chunked(chunks: usize, byte: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..chunks {
        out.extend_from_slice(format!("{:x}\r\n", 1 << 20).as_bytes());
        out.resize(out.len() + (1 << 20), byte);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

#[test]
fn a_chunked_body_is_limited_while_it_streams_in() {
    let s = TestServer::start(Some("t"), |_| {});
    let head = "POST /api/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nTransfer-Encoding: chunked\r\n\r\n";
    // Over the limit: refused once the limit is passed, not after the whole body. The
    // body is sent from another thread, which stops when the server closes.
    let mut c = s.raw();
    c.send(head.as_bytes());
    let mut sender = c.stream.try_clone().unwrap();
    let body = chunked((MAX_INGEST_BYTES >> 20) + 32, b'a');
    let send = std::thread::spawn(move || std::io::Write::write_all(&mut sender, &body).is_ok());
    let r = c.response();
    assert_eq!((r.status, r.error_code()), (413, "payload_too_large".into()), "{}", r.text());
    assert!(!send.join().unwrap(), "the server read a body over the limit to its end");
    // Within the limit, a chunked body is ingested.
    let mut c = s.raw();
    c.send(head.as_bytes());
    let doc = br#"{"title":"Chunked upload","text":"A story sent in chunks."}"#;
    c.send(format!("{:x}\r\n", doc.len()).as_bytes());
    c.send(doc);
    c.send(b"\r\n0\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["new"], 1);
}
