//! Re-published items: seen before, text changed, kept as a new version linked to the old.

use super::*;

const DAM: &str = "The new dam opened on Monday after ten years of building work in the valley, and the water authority said the reservoir would fill by spring.";

fn dam_page(extra: Option<&str>) -> Vec<u8> {
    let mut body = format!("<p>{DAM}</p>").repeat(1);
    for p in [
        "Farmers downstream welcomed the project, which promises steady irrigation through the dry summer months.",
        "Engineers tested the spillway gates twice last week and reported no faults in any of the six channels.",
        "The regional council will hold a public meeting on Thursday to answer questions about fishing and boating.",
    ] {
        body += &format!("<p>{p}</p>");
    }
    if let Some(x) = extra {
        body += &format!("<p>{x}</p>");
    }
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><title>Dam opens on the river</title></head><body><article><h1>Dam opens on the river</h1>{body}</article></body></html>"
    )
    .into_bytes()
}

#[test]
fn republished_item_with_new_text_becomes_a_linked_version() {
    let s = TestServer::start();
    let host = "versions.example";
    let v1 = small_feed(host, &[("Dam opens", "A dam opened."), ("Bridge closes", "A bridge closed.")]);
    let v2 = small_feed(
        host,
        &[
            ("Dam opens; reservoir to fill by spring", "A dam opened. Update: officials say it is safe."),
            ("Bridge closes", "A bridge closed."),
        ],
    );
    s.route(host, "/rss", vec![Resp::ok(RSS, v1), Resp::ok(RSS, v2)]);
    let update = "Update, Tuesday: inspectors from the national safety board confirmed the structure is sound.";
    s.route(
        host,
        "/a/0?utm_source=rss",
        vec![Resp::ok("text/html", dam_page(None)), Resp::ok("text/html", dam_page(Some(update)))],
    );
    s.route(
        host,
        "/a/1?utm_source=rss",
        vec![Resp::ok(
            "text/html",
            article_page("Bridge closes", "The old bridge closed for repairs on Monday morning, the council said."),
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    let o = CollectOptions { all: true, ..opts(&s, &[host]) };
    let r1 = pass(dir.path(), &o, now());
    assert_eq!((r1.new_items, r1.versions, r1.pages_ok, r1.documents_added), (2, 0, 2, 2), "{r1:?}");
    let r2 = pass(dir.path(), &o, now());
    // The changed item only: not skipped, not a new item, its page fetched again.
    assert_eq!((r2.new_items, r2.versions, r2.pages_ok, r2.documents_added), (0, 1, 1, 1), "{r2:?}");
    assert_eq!(s.hits(host, "/a/0?utm_source=rss"), 2);
    assert_eq!(s.hits(host, "/a/1?utm_source=rss"), 1);
    let src = source(dir.path(), id);
    assert_eq!((src.items_seen, src.versions), (2, 1), "{src:?}");
    // The versions are linked: one key, numbered, same address.
    let st = State::open(dir.path()).unwrap();
    let v = st.versions(&format!("guid:http://{host}/rss {host}-0")).unwrap();
    assert_eq!(v.iter().map(|v| v.version).collect::<Vec<_>>(), vec![1, 2], "{v:?}");
    assert!(v.iter().all(|v| v.url.as_deref() == Some(&*format!("http://{host}/a/0?utm_source=rss"))));
    drop(st);
    // In the archive: two documents, the new one in the old one's story.
    let engine = Engine::open_read(dir.path()).unwrap();
    let all = engine.search("dam valley", &SearchOptions { collapse: false, ..SearchOptions::default() }).unwrap();
    assert_eq!(all.total, 2, "{all:?}");
    let stories: Vec<_> = all.hits.iter().map(|h| engine.story_size(h.id).unwrap().unwrap()).collect();
    assert_eq!(stories[0], stories[1], "{stories:?}");
    assert_eq!(stories[0].1, 2);
    let newer = all.hits.iter().find(|h| engine.document(h.id).unwrap().unwrap().article.body.contains("inspectors"));
    assert!(newer.is_some());
    // Unchanged since: nothing fetched again.
    let r3 = pass(dir.path(), &o, now());
    assert_eq!((r3.new_items, r3.versions, r3.pages_ok), (0, 0, 0), "{r3:?}");
    assert_eq!(s.hits(host, "/a/0?utm_source=rss"), 2);
}

#[test]
fn sitemap_lastmod_change_refetches_the_page_as_a_version() {
    let s = TestServer::start();
    let host = "lastmod.example";
    let sm = |lastmod: &str| {
        format!(
            "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>http://{host}/dam</loc><lastmod>{lastmod}</lastmod></url></urlset>"
        )
    };
    s.route(
        host,
        "/sitemap.xml",
        vec![
            Resp::ok("application/xml", sm("2026-11-30T08:00:00Z")),
            Resp::ok("application/xml", sm("2026-11-30T08:00:00Z")),
            Resp::ok("application/xml", sm("2026-11-30T12:30:00Z")),
        ],
    );
    s.route(
        host,
        "/dam",
        vec![
            Resp::ok("text/html", dam_page(None)),
            Resp::ok("text/html", dam_page(Some("Correction: the dam took eleven years to build, not ten."))),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/sitemap.xml"));
    let o = CollectOptions { all: true, ..opts(&s, &[host]) };
    let r: Vec<PassReport> = (0..3).map(|_| pass(dir.path(), &o, now())).collect();
    assert_eq!(
        r.iter().map(|r| (r.new_items, r.versions, r.pages_ok)).collect::<Vec<_>>(),
        vec![(1, 0, 1), (0, 0, 0), (0, 1, 1)]
    );
    assert_eq!(s.hits(host, "/dam"), 2);
    assert_eq!(source(dir.path(), id).versions, 1);
    let engine = Engine::open_read(dir.path()).unwrap();
    assert_eq!(engine.search("eleven years", &SearchOptions::default()).unwrap().total, 1);
}
