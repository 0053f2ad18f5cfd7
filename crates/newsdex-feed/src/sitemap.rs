//! Sitemaps (sitemaps.org 0.9) and Google News sitemaps, read as a list of article
//! addresses, so a site without a feed can be followed like one.
//!
//! Two kinds of document: a `<urlset>` (one `<url>` per page: `<loc>`, `<lastmod>`,
//! and in a news sitemap `<news:news>` with `<news:title>`, `<news:publication_date>`,
//! `<news:language>`) and a `<sitemapindex>` (one `<sitemap>` per child sitemap:
//! `<loc>`, `<lastmod>`), whose children the collector fetches in the same poll. Gzip
//! sitemaps (`.xml.gz`) are undone by the fetcher, capped like any body.
//!
//! Caps: at most [`MAX_ENTRIES`] entries are read from one document (the protocol's own
//! limit; the rest are counted), and only the [`KEEP_NEWEST`] newest pages of a sitemap
//! become items, so adding a site's full sitemap follows its news rather than crawling
//! its archive. Reading is pure: bytes in, entries out.

use quick_xml::events::Event;

use crate::feed::{FeedItem, ParsedFeed, plain};

/// Most entries read from one sitemap document (sitemaps.org's limit per file).
pub const MAX_ENTRIES: usize = 50_000;
/// Most pages of one sitemap (its children together) taken as items, newest first.
pub const KEEP_NEWEST: usize = 1_000;
/// Most child sitemaps of an index fetched in one poll, newest first.
pub const MAX_CHILDREN: usize = 20;

/// A child of a sitemap index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    pub url: String,
    pub lastmod: Option<i64>,
}

/// What a sitemap document holds.
#[derive(Debug, Clone)]
pub enum Sitemap {
    /// A `<urlset>`: its pages as feed items (no GUID: known by address).
    Urls { items: Vec<FeedItem>, dropped: usize },
    /// A `<sitemapindex>`: the child sitemaps, newest first, at most [`MAX_CHILDREN`].
    Index { children: Vec<Child>, dropped: usize },
}

/// Why bytes are not a sitemap.
#[derive(Debug, thiserror::Error)]
pub enum SitemapError {
    #[error("not a sitemap: {0}")]
    NotASitemap(String),
}

/// A W3C datetime as sitemaps write it (`2026-11-30`, `2026-11-30T10:00Z`,
/// `2026-11-30T10:00:00+01:00`, with or without seconds or zone), as Unix seconds (a
/// date without a zone is taken as UTC).
pub fn w3c_datetime(s: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let s = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp());
    }
    for f in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d.timestamp());
        }
    }
    let bare = s.trim_end_matches('Z');
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(bare, f) {
            return Some(d.and_utc().timestamp());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|d| d.and_utc().timestamp());
    }
    None
}

fn rfc3339(ts: i64) -> Option<String> {
    chrono::DateTime::from_timestamp(ts, 0).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

#[derive(Default)]
struct Entry {
    loc: Option<String>,
    lastmod: Option<String>,
    title: Option<String>,
    published: Option<String>,
    lang: Option<String>,
}

/// Whether the root element of `bytes` is a sitemap's (`urlset` or `sitemapindex`).
pub fn is_sitemap(bytes: &[u8]) -> bool {
    root(bytes).is_some_and(|r| r == "urlset" || r == "sitemapindex")
}

fn root(bytes: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    for _ in 0..64 {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(s) | Event::Empty(s) => {
                return Some(s.local_name().into_inner().to_ascii_lowercase());
            }
            Event::Eof => return None,
            _ => {}
        }
        buf.clear();
    }
    None
}

/// Read a sitemap's bytes (already decompressed). Relative `<loc>`s are resolved against
/// `base`; entries that are not http(s) addresses are skipped. Broken XML is read up to
/// where it breaks (what came before is kept).
pub fn parse(bytes: &[u8], base: &str) -> Result<Sitemap, SitemapError> {
    let kind = root(bytes).ok_or_else(|| SitemapError::NotASitemap("no XML root element".into()))?;
    let index = match kind.as_str() {
        "urlset" => false,
        "sitemapindex" => true,
        other => return Err(SitemapError::NotASitemap(format!("root element <{other}>"))),
    };
    let base = url::Url::parse(base).ok();
    let absolute = |loc: &str| -> Option<String> {
        let u = match &base {
            Some(b) => b.join(loc.trim()).ok()?,
            None => url::Url::parse(loc.trim()).ok()?,
        };
        matches!(u.scheme(), "http" | "https").then(|| u.to_string())
    };
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_unmatched_ends = true;
    let entry_tag = if index { "sitemap" } else { "url" };
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut cur: Option<Entry> = None;
    let mut text = String::new();
    let mut entries: Vec<Entry> = Vec::new();
    let mut dropped = 0usize;
    loop {
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!("sitemap {base:?}: read stopped at a syntax error: {e}");
                break;
            }
        };
        match ev {
            Event::Start(s) => {
                let name = s.local_name().into_inner().to_ascii_lowercase();
                if name == entry_tag && path.len() == 1 {
                    cur = Some(Entry::default());
                }
                path.push(name);
                text.clear();
            }
            Event::Text(t) => {
                let raw: &str = &t[..];
                text.push_str(&newsdex_extract::html::entities::decode(raw));
            }
            Event::CData(t) => text.push_str(&t[..]),
            Event::GeneralRef(r) => {
                let raw = format!("&{};", &r[..]);
                text.push_str(&newsdex_extract::html::entities::decode(&raw));
            }
            Event::End(_) => {
                let Some(name) = path.pop() else { continue };
                if let Some(e) = cur.as_mut() {
                    let v = text.trim().to_string();
                    let v = (!v.is_empty()).then_some(v);
                    // Within `<news:news>`, the names are news's; `title` elsewhere (image,
                    // video extensions) is not the article's.
                    let in_news = path.iter().any(|p| p == "news");
                    match name.as_str() {
                        "loc" if path.len() == 2 => e.loc = v,
                        "lastmod" if path.len() == 2 => e.lastmod = v,
                        "title" if in_news => e.title = v,
                        "publication_date" if in_news => e.published = v,
                        "language" if in_news => e.lang = v,
                        _ => {}
                    }
                }
                if name == entry_tag
                    && path.len() == 1
                    && let Some(e) = cur.take()
                {
                    if entries.len() < MAX_ENTRIES {
                        entries.push(e);
                    } else {
                        dropped += 1;
                    }
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if index {
        let mut children: Vec<Child> = entries
            .iter()
            .filter_map(|e| {
                Some(Child { url: absolute(e.loc.as_deref()?)?, lastmod: e.lastmod.as_deref().and_then(w3c_datetime) })
            })
            .collect();
        // Newest first; undated after the dated, the later in the document first (indexes
        // are usually written oldest first).
        children.reverse();
        children.sort_by_key(|c| std::cmp::Reverse(c.lastmod.unwrap_or(i64::MIN)));
        let mut seen = std::collections::HashSet::new();
        children.retain(|c| seen.insert(c.url.clone()));
        dropped += children.len().saturating_sub(MAX_CHILDREN);
        children.truncate(MAX_CHILDREN);
        return Ok(Sitemap::Index { children, dropped });
    }
    let items = entries
        .into_iter()
        .filter_map(|e| {
            let url = absolute(e.loc.as_deref()?)?;
            let lastmod = e.lastmod.as_deref().and_then(w3c_datetime);
            let published_ts = e.published.as_deref().and_then(w3c_datetime).or(lastmod);
            Some(FeedItem {
                guid: None,
                url: Some(url),
                title: e.title.as_deref().map(plain).filter(|t| !t.is_empty()),
                text: None,
                published: published_ts.and_then(rfc3339),
                published_ts,
                authors: Vec::new(),
                lang: e.lang.map(|l| l.trim().to_ascii_lowercase()).filter(|l| !l.is_empty()),
                modified_ts: lastmod,
            })
        })
        .collect();
    Ok(Sitemap::Urls { items, dropped })
}

/// A sitemap's pages as a feed: the newest [`KEEP_NEWEST`] (by publication date or
/// `lastmod`; undated ones after), each address once; what was left out is said in
/// `repairs`.
pub fn as_feed(mut items: Vec<FeedItem>, dropped: usize) -> ParsedFeed {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.url.clone()));
    items.sort_by_key(|i| std::cmp::Reverse(i.published_ts.unwrap_or(i64::MIN)));
    let mut repairs = Vec::new();
    let over = items.len().saturating_sub(KEEP_NEWEST) + dropped;
    if over > 0 {
        repairs.push(format!("sitemap: {over} older or surplus entries left out (the newest {KEEP_NEWEST} kept)"));
    }
    items.truncate(KEEP_NEWEST);
    ParsedFeed { title: None, lang: None, items, repairs }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEWS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://news.example/2026/11/30/floods.html?utm_source=sitemap</loc>
    <lastmod>2026-11-30T11:00:00+00:00</lastmod>
    <news:news>
      <news:publication><news:name>The Example</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2026-11-30T10:15:00+01:00</news:publication_date>
      <news:title>Floods &amp; fires: the week&#8217;s weather</news:title>
    </news:news>
    <image:image><image:loc>https://news.example/i.jpg</image:loc><image:title>Not the title</image:title></image:image>
  </url>
  <url><loc>/relative.html</loc><lastmod>2026-11-29</lastmod></url>
  <url><loc>ftp://news.example/x</loc></url>
</urlset>"#;

    #[test]
    fn news_sitemap_entries_become_items() {
        let Sitemap::Urls { items, dropped } = parse(NEWS.as_bytes(), "https://news.example/sitemap.xml").unwrap()
        else {
            panic!("a urlset")
        };
        assert_eq!((items.len(), dropped), (2, 0));
        let a = &items[0];
        assert_eq!(a.url.as_deref(), Some("https://news.example/2026/11/30/floods.html?utm_source=sitemap"));
        assert_eq!(a.title.as_deref(), Some("Floods & fires: the week’s weather"));
        assert_eq!(a.published.as_deref(), Some("2026-11-30T09:15:00Z"));
        assert_eq!(a.lang.as_deref(), Some("en"));
        assert_eq!(a.modified_ts, w3c_datetime("2026-11-30T11:00:00Z"));
        assert_eq!(a.keys("s"), vec!["url:https://news.example/2026/11/30/floods.html".to_string()]);
        let b = &items[1];
        assert_eq!(b.url.as_deref(), Some("https://news.example/relative.html"));
        assert_eq!(b.title, None);
        assert_eq!(b.published.as_deref(), Some("2026-11-29T00:00:00Z"));
    }

    #[test]
    fn index_children_newest_first_and_capped() {
        let mut x = String::from("<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">");
        for d in 1..=30 {
            x += &format!(
                "<sitemap><loc>https://s.example/sm-{d}.xml.gz</loc><lastmod>2026-10-{d:02}</lastmod></sitemap>"
            );
        }
        x += "</sitemapindex>";
        let Sitemap::Index { children, dropped } = parse(x.as_bytes(), "https://s.example/").unwrap() else {
            panic!("an index")
        };
        assert_eq!((children.len(), dropped), (MAX_CHILDREN, 10));
        assert_eq!(children[0].url, "https://s.example/sm-30.xml.gz");
        assert!(is_sitemap(x.as_bytes()));
        assert!(!is_sitemap(b"<rss version=\"2.0\"><channel/></rss>"));
        assert!(parse(b"<html><body>x</body></html>", "https://s.example/").is_err());
    }

    #[test]
    fn entries_are_capped_and_newest_kept() {
        let mut x = String::from("<urlset>");
        for i in 0..(MAX_ENTRIES + 5) {
            x += &format!("<url><loc>https://s.example/{i}</loc><lastmod>{}</lastmod></url>", 1_700_000_000 + i);
        }
        x += "</urlset>";
        let Sitemap::Urls { items, dropped } = parse(x.as_bytes(), "https://s.example/").unwrap() else {
            panic!("a urlset")
        };
        assert_eq!((items.len(), dropped), (MAX_ENTRIES, 5));
        let f = as_feed(items, dropped);
        assert_eq!(f.items.len(), KEEP_NEWEST);
        assert!(f.repairs[0].contains("left out"), "{:?}", f.repairs);
        // Undated (the lastmods above are not dates) are kept in document order.
        assert_eq!(f.items[0].url.as_deref(), Some("https://s.example/0"));
        let ten = chrono::DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z").unwrap().timestamp();
        assert_eq!(w3c_datetime("2026-11-30T10:00Z"), Some(ten));
        assert_eq!(w3c_datetime("2026-11-30T11:00+01:00"), Some(ten));
        assert_eq!(w3c_datetime("2026-11-30T10:00:00.5Z"), Some(ten));
        assert_eq!(w3c_datetime("yesterday"), None);
    }
}
