//! Sitemaps and news sitemaps: an index naming a gzip news sitemap and an older plain
//! one, around real pages of ../shared/data; a home page naming no feed whose robots.txt
//! names a sitemap.

use super::*;

/// A news sitemap (Google's shape) of `(path, title, published)` on `host`.
fn news_sitemap(host: &str, entries: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n",
    );
    for (path, title, published) in entries {
        s += &format!(
            "  <url>\n    <loc>http://{host}{path}?utm_medium=sitemap</loc>\n    <news:news>\n      <news:publication><news:name>Example News</news:name><news:language>en</news:language></news:publication>\n      <news:publication_date>{published}</news:publication_date>\n      <news:title>{title}</news:title>\n    </news:news>\n  </url>\n"
        );
    }
    s += "</urlset>\n";
    s.into_bytes()
}

#[test]
fn news_sitemap_index_with_gzip_child_collects_real_pages() {
    let (Some(bbc), Some(guardian)) = (page_gz("bbc-1"), page_gz("guardian-1")) else {
        println!("SKIPPED: ../shared/data/extraction-readability is absent");
        return;
    };
    let s = TestServer::start();
    let host = "sitemaps.example";
    let index = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n  <sitemap><loc>http://{host}/sitemap-2019.xml</loc><lastmod>2019-01-01</lastmod></sitemap>\n  <sitemap><loc>/news-sitemap.xml.gz</loc><lastmod>2026-11-30T09:00:00Z</lastmod></sitemap>\n</sitemapindex>\n"
    );
    s.route(host, "/sitemap_index.xml", vec![Resp::ok("application/xml", index)]);
    let news = news_sitemap(
        host,
        &[
            ("/world/us-gun-laws", "Obama on gun laws &amp; his frustration", "2026-11-30T08:00:00+00:00"),
            ("/environment/whales", "Whale strandings rise", "2026-11-30T07:30:00Z"),
        ],
    );
    // A gzip sitemap file (no Content-Encoding: the file itself is gzip).
    s.route(host, "/news-sitemap.xml.gz", vec![Resp::ok("application/x-gzip", gzip(&news))]);
    // An older plain sitemap whose only page is gone.
    let old = format!(
        "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>http://{host}/2019/old</loc><lastmod>2019-01-01</lastmod></url></urlset>"
    );
    s.route(host, "/sitemap-2019.xml", vec![Resp::ok("text/xml", old)]);
    s.route(host, "/world/us-gun-laws?utm_medium=sitemap", vec![Resp::ok("text/html", gunzip(&bbc))]);
    s.route(host, "/environment/whales?utm_medium=sitemap", vec![Resp::ok("text/html", gunzip(&guardian))]);
    s.route(host, "/2019/old", vec![Resp::status(410)]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/sitemap_index.xml"));
    let o = opts(&s, &[host]);
    let r = pass(dir.path(), &o, now());
    assert_eq!((r.polled, r.failed, r.new_items, r.pages_ok, r.pages_failed), (1, 0, 3, 2, 1), "{r:?}");
    let src = source(dir.path(), id);
    assert_eq!((src.last_status, src.items_seen, src.error.as_deref()), (Some(200), 3, None), "{src:?}");
    // Each sitemap once, each page once; the newer child first.
    for path in
        ["/sitemap_index.xml", "/news-sitemap.xml.gz", "/sitemap-2019.xml", "/world/us-gun-laws?utm_medium=sitemap"]
    {
        assert_eq!(s.hits(host, path), 1, "{path}");
    }
    let engine = Engine::open_read(dir.path()).unwrap();
    let obama = engine.search("Obama frustration", &SearchOptions::default()).unwrap();
    assert_eq!(obama.total, 1);
    let row = engine.document(obama.hits[0].id).unwrap().unwrap();
    assert_eq!(row.provenance.source, format!("http://{host}/world/us-gun-laws?utm_medium=sitemap"));
    assert!(engine.search("whale strandings", &SearchOptions::default()).unwrap().total >= 1);
    // Index, both children, robots.txt, three pages; the gone page's sitemap entry has
    // no text of its own, so nothing stands in for it.
    assert_eq!(engine.stats(0).unwrap().store.sources as usize, r.responses_kept, "{r:?}");
    assert_eq!(r.responses_kept, 7, "{r:?}");
    // The next poll: nothing new, nothing fetched again but the listings.
    let r2 = pass(dir.path(), &CollectOptions { all: true, ..o }, now());
    assert_eq!((r2.new_items, r2.pages_ok), (0, 0), "{r2:?}");
    assert_eq!(s.hits(host, "/world/us-gun-laws?utm_medium=sitemap"), 1);
}

#[test]
fn home_page_without_feed_follows_the_robots_txt_sitemap() {
    let s = TestServer::start();
    let host = "nofeed.example";
    s.route(
        host,
        "/",
        vec![Resp::ok(
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>Home</title></head><body><a href=\"/a/1\">One</a></body></html>",
        )],
    );
    s.route(
        host,
        "/robots.txt",
        vec![Resp::ok(
            "text/plain",
            format!("User-agent: *\nDisallow: /private/\n\nSitemap: http://{host}/sitemap-pages.xml\nSitemap: http://{host}/sitemap-news.xml\n"),
        )],
    );
    s.route(
        host,
        "/sitemap-news.xml",
        vec![Resp::ok("application/xml", news_sitemap(host, &[("/a/1", "Dam opens", "2026-11-30T08:00:00Z")]))],
    );
    s.route(
        host,
        "/a/1?utm_medium=sitemap",
        vec![Resp::ok(
            "text/html",
            article_page(
                "Dam opens on the river",
                "The new dam opened on Monday after ten years of building work in the valley.",
            ),
        )],
    );
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/"));
    let o = opts(&s, &[host]);
    pass(dir.path(), &o, now());
    let src = source(dir.path(), id);
    assert_eq!(src.url, format!("http://{host}/sitemap-news.xml"), "{src:?}");
    assert!(src.error.as_deref().unwrap().contains("robots.txt names the sitemap"), "{src:?}");
    assert_eq!(src.moved_from.as_deref(), Some(format!("http://{host}/").as_str()));
    let r = pass(dir.path(), &o, now());
    assert_eq!((r.new_items, r.pages_ok, r.failed), (1, 1, 0), "{r:?}");
    let engine = Engine::open_read(dir.path()).unwrap();
    assert_eq!(engine.search("dam valley", &SearchOptions::default()).unwrap().total, 1);
}

#[test]
fn a_feed_that_breaks_is_not_replaced_by_a_robots_txt_sitemap() {
    let s = TestServer::start();
    let host = "broken.example";
    s.route(host, "/rss", vec![Resp::ok(RSS, "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><item><title>cut")]);
    s.route(host, "/robots.txt", vec![Resp::ok("text/plain", format!("Sitemap: http://{host}/sitemap.xml\n"))]);
    let dir = tempfile::tempdir().unwrap();
    let id = add(dir.path(), &format!("http://{host}/rss"));
    pass(dir.path(), &opts(&s, &[host]), now());
    let src = source(dir.path(), id);
    assert_eq!(src.url, format!("http://{host}/rss"));
    assert_eq!(src.error_streak, 1, "{src:?}");
}
