//! `/api/sources` and the `/sources` page: the collector's sources, read without ever
//! making or changing its state file, written only with the token, never fetched.

use newsdex_collect::state::PollOutcome;
use serde_json::{Value, json};

use crate::support::{TestServer, demo};

const AUTH: [(&str, &str); 1] = [("Authorization", "Bearer s3cret")];

fn add(s: &TestServer, body: Value) -> crate::support::Resp {
    s.post("/api/sources", &[AUTH[0], ("Content-Type", "application/json")], body.to_string().as_bytes())
}

#[test]
fn sources_list_is_empty_and_reading_never_makes_the_state_file() {
    let s = TestServer::start(Some("s3cret"), |_| {});
    let state_file = s.data.join(newsdex_collect::STATE_FILE);
    assert_eq!(s.get_json("/api/sources"), json!([]));
    let page = s.get("/sources");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("No sources yet"), "{}", page.text());
    assert!(page.text().contains("<code>newsdex sources add URL</code>"), "{}", page.text());
    // Nor does a write that names no source.
    assert_eq!(s.post("/api/sources/1/pause", &AUTH, b"").status, 404);
    assert_eq!(s.delete("/api/sources/1", &AUTH).status, 404);
    assert!(!state_file.exists());
    // A query parameter is refused, as on every endpoint.
    let r = s.get("/api/sources?all=1");
    assert_eq!((r.status, r.error_code()), (400, "bad_request".into()));
    // The pages link to the sources page.
    assert!(demo().get("/").text().contains(r#"<a href="/sources">Sources</a>"#));
}

#[test]
fn adding_a_source_needs_the_token_and_an_http_address() {
    let s = TestServer::start(Some("s3cret"), |_| {});
    let body = json!({"url": "https://news.example/feed.xml", "outlet": "Example News", "every": "2h", "lang": "en"});
    // No header, wrong scheme, wrong token: 401, nothing written.
    for headers in [vec![], vec![("Authorization", "Basic czNjcmV0")], vec![("Authorization", "Bearer s3cret2")]] {
        let r = s.post("/api/sources", &headers, body.to_string().as_bytes());
        assert_eq!((r.status, r.error_code()), (401, "unauthorized".into()), "{headers:?}");
    }
    assert!(!s.data.join(newsdex_collect::STATE_FILE).exists());
    // Bad addresses, settings and fields: 400 with a clear message.
    for (bad, says) in [
        (json!({"url": "file:///etc/passwd"}), "is not an http(s) address"),
        (json!({"url": "javascript:alert(1)"}), "is not an http(s) address"),
        (json!({"url": "news.example/feed"}), "is not an http(s) address"),
        (json!({"url": "https://news.example/f", "every": "often"}), "every \"often\""),
        (json!({"url": "https://news.example/f", "lang": "!!"}), "is not a language code"),
        (json!({"url": "https://news.example/f", "name": "x"}), "unknown field `name`"),
        (json!({"outlet": "x"}), "missing field `url`"),
    ] {
        let r = add(&s, bad.clone());
        assert_eq!((r.status, r.error_code()), (400, "bad_request".into()), "{bad}");
        let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(msg.contains(says), "{bad}: {msg}");
    }
    let r = s.post("/api/sources", &AUTH, b"not json");
    assert_eq!((r.status, r.error_code()), (400, "bad_request".into()));
    assert_eq!(s.get_json("/api/sources"), json!([]));
    // With the token: 201 and listed, nothing fetched (the feed's host does not exist).
    let r = add(&s, body.clone());
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(
        (v["url"].as_str(), v["outlet"].as_str()),
        (Some("https://news.example/feed.xml"), Some("Example News"))
    );
    assert_eq!((v["every_secs"].as_i64(), v["lang"].as_str()), (Some(7200), Some("en")));
    assert_eq!((v["last_fetch"].clone(), v["paused"].clone()), (Value::Null, json!(false)));
    assert_eq!(v["versions"], json!(0));
    let list = s.get_json("/api/sources");
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0], v);
    // The same fields as `newsdex sources list --json`.
    let state = newsdex_collect::State::open_read(&s.data).unwrap().unwrap();
    assert_eq!(list, serde_json::to_value(state.list().unwrap()).unwrap());
    // The same address again: updated, not added.
    let r = add(&s, json!({"url": "https://news.example/feed.xml", "outlet": "Renamed"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["outlet"], "Renamed");
    assert_eq!(s.get_json("/api/sources").as_array().unwrap().len(), 1);
    // A server without a token does not write.
    let r = demo().post("/api/sources", &AUTH, body.to_string().as_bytes());
    assert_eq!((r.status, r.error_code()), (403, "writes_disabled".into()));
}

#[test]
fn sources_are_paused_resumed_and_removed_with_the_token() {
    let s = TestServer::start(Some("s3cret"), |_| {});
    let id = add(&s, json!({"url": "https://a.example/rss"})).json()["id"].as_i64().unwrap();
    let other = add(&s, json!({"url": "https://b.example/rss"})).json()["id"].as_i64().unwrap();
    let pause = format!("/api/sources/{id}/pause");
    let resume = format!("/api/sources/{id}/resume");
    let one = format!("/api/sources/{id}");
    // Without the token: 401, and nothing changes.
    assert_eq!(s.post(&pause, &[], b"").status, 401);
    assert_eq!(s.delete(&one, &[]).status, 401);
    assert_eq!(s.post(&resume, &[("Authorization", "Bearer nope")], b"").status, 401);
    assert_eq!(s.get_json("/api/sources")[0]["paused"], false);
    let r = s.post(&pause, &AUTH, b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["paused"], true);
    assert_eq!(s.get_json("/api/sources")[0]["paused"], true);
    assert!(s.get("/sources").text().contains(">paused<"));
    let r = s.post(&resume, &AUTH, b"");
    assert_eq!((r.status, r.json()["paused"].clone()), (200, json!(false)));
    // Ids are numbers: anything else names no source.
    for bad in ["0", "-1", "abc", "..%2F..%2Fetc", "1.5", "99999999999999999999", "999"] {
        let r = s.post(&format!("/api/sources/{bad}/pause"), &AUTH, b"");
        assert_eq!((r.status, r.error_code()), (404, "not_found".into()), "{bad}: {}", r.text());
    }
    let r = s.post(&format!("{pause}?now=1"), &AUTH, b"");
    assert_eq!((r.status, r.error_code()), (400, "bad_request".into()));
    // Removed: gone from the list, the other stays; removing again is 404.
    let r = s.delete(&one, &AUTH);
    assert_eq!((r.status, r.json()["id"].as_i64()), (200, Some(id)), "{}", r.text());
    let list = s.get_json("/api/sources");
    assert_eq!(list.as_array().unwrap().iter().map(|v| v["id"].as_i64().unwrap()).collect::<Vec<_>>(), [other]);
    assert_eq!(s.delete(&one, &AUTH).status, 404);
    assert_eq!(s.post(&resume, &AUTH, b"").status, 404);
}

#[test]
fn the_sources_page_escapes_every_value() {
    let s = TestServer::start(Some("s3cret"), |_| {});
    let hostile = "<script>alert(1)</script>";
    let r = add(&s, json!({"url": "https://evil.example/feed?x=\"><script>alert(2)</script>", "outlet": hostile}));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    // A failed poll with a hostile reason, as the collector would record it.
    let state = newsdex_collect::State::open(&s.data).unwrap();
    let out = PollOutcome {
        fetched_at: chrono_now() - 60,
        status: Some(500),
        ok: false,
        next_fetch: chrono_now() + 600,
        error: Some("<img src=x onerror=alert(3)>".into()),
        ..Default::default()
    };
    state.record_poll(id, &out, &[]).unwrap();
    drop(state);
    let page = s.get("/sources");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(html.contains(r#"<td dir="auto">&#60;script&#62;alert(1)&#60;/script&#62;</td>"#), "{html}");
    assert!(html.contains("&#60;img src=x onerror=alert(3)&#62;"), "{html}");
    assert!(html.contains("x=&#34;&#62;&#60;script&#62;alert(2)"), "{html}");
    assert!(html.contains(">500<"), "{html}");
    assert!(html.contains("1 in a row"), "{html}");
    assert!(page.header("content-security-policy").is_some_and(|c| c.contains("script-src 'self'")));
    // The JSON keeps the values as they are.
    assert_eq!(s.get_json("/api/sources")[0]["outlet"], hostile);
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn the_openapi_document_lists_the_sources_endpoints() {
    let v = demo().get_json("/api/openapi.json");
    let paths = &v["paths"];
    assert!(paths["/api/sources"]["get"].is_object());
    assert!(paths["/api/sources"]["post"].is_object());
    assert!(paths["/api/sources/{id}"]["delete"].is_object());
    assert!(paths["/api/sources/{id}/pause"]["post"].is_object());
    assert!(paths["/api/sources/{id}/resume"]["post"].is_object());
    for (p, m) in [("/api/sources", "post"), ("/api/sources/{id}", "delete"), ("/api/sources/{id}/pause", "post")] {
        assert_eq!(paths[p][m]["security"], json!([{"bearer": []}]), "{p} {m}");
        assert!(paths[p][m]["responses"]["401"].is_object(), "{p} {m}");
    }
    let schemas = &v["components"]["schemas"];
    assert!(schemas["SourceView"]["properties"]["error_streak"].is_object(), "{schemas}");
    assert!(schemas["AddSource"]["properties"]["url"].is_object(), "{schemas}");
}
