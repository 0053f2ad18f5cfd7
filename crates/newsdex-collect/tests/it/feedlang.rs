//! The feed's `<language>` as a hint for its pages' language: taken when the page names
//! none and its text is too short to tell; the text wins when it can tell.

use super::*;

#[test]
fn feed_language_fills_a_page_too_short_to_tell_and_never_outranks_the_text() {
    let s = TestServer::start();
    let host = "zeitung.example";
    let feed = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Zeitung</title><language>de-DE</language>\
         <item><title>Kurz</title><link>http://{host}/kurz</link><guid>k</guid></item>\
         <item><title>Long</title><link>http://{host}/long</link><guid>l</guid></item></channel></rss>"
    );
    s.route(host, "/rss", vec![Resp::ok(RSS, feed)]);
    // No lang attribute, a few words: detection cannot tell.
    let short =
        "<html><head><title>A7</title></head><body><article><h1>A7</h1><p>A7 km 12: 3 h.</p></article></body></html>";
    s.route(host, "/kurz", vec![Resp::ok("text/html; charset=utf-8", short)]);
    // No lang attribute, plainly English text: the text wins over the feed's "de".
    let long = "<html><head><title>Harbour reopens</title></head><body><article><h1>Harbour reopens</h1>\
        <p>The harbour reopened on Monday after the storm, and the first fishing boats went out before dawn while the council counted the damage to the sea wall.</p>\
        <p>Engineers said the repairs would take the rest of the winter, but the ferry will keep its normal timetable from tomorrow morning.</p></article></body></html>";
    s.route(host, "/long", vec![Resp::ok("text/html; charset=utf-8", long)]);
    let dir = tempfile::tempdir().unwrap();
    add(dir.path(), &format!("http://{host}/rss"));
    let r = pass(dir.path(), &opts(&s, &[host]), now());
    assert_eq!((r.new_items, r.pages_ok), (2, 2), "{r:?}");
    let engine = Engine::open_read(dir.path()).unwrap();
    let doc = |q: &str| {
        let h = engine.search(q, &SearchOptions::default()).unwrap();
        assert_eq!(h.total, 1, "{q}");
        engine.document(h.hits[0].id).unwrap().unwrap().article
    };
    let kurz = doc("km");
    assert_eq!(kurz.lang.as_deref(), Some("de"), "{kurz:?}");
    assert!(kurz.warnings.iter().any(|w| w.code == "lang-from-feed"), "{:?}", kurz.warnings);
    let long = doc("harbour ferry");
    assert_eq!(long.lang.as_deref(), Some("en"));
    assert!(!long.warnings.iter().any(|w| w.code == "lang-from-feed"));
}
