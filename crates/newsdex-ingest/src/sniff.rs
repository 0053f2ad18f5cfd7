//! Deciding what a byte string is: by content first, by file name only to break ties.

use crate::Reject;

/// What an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Html,
    Jsonl,
    /// A WARC archive (ISO 28500): records cut by their `Content-Length`, pages are the
    /// `response` records holding HTML.
    Warc,
    /// An ARC archive (the Internet Archive's format before WARC): a `filedesc://` record,
    /// then records each after a one-line header ending in its length.
    Arc,
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Html => "HTML",
            Kind::Jsonl => "JSON Lines",
            Kind::Warc => "WARC",
            Kind::Arc => "ARC",
        }
    }
}

/// Reject code of a feed (RSS, Atom, JSON Feed) given to `ingest`.
pub const FEED: &str = "feed";
/// Reject code of an OPML list of feeds given to `ingest`.
pub const FEED_LIST: &str = "feed-list";
const FEED_HINT: &str =
    "newsdex polls feeds itself: add its address with `newsdex sources add URL`, then `newsdex collect`";

const HTML_MARKERS: [&str; 12] =
    ["<!doctype html", "<html", "<head", "<body", "<meta", "<title", "<div", "<p>", "<p ", "<article", "<br", "<h1"];

/// Sniff `bytes` (already decompressed). Rejects empty input, binary data, and formats
/// newsdex does not read yet, each with the reason.
pub fn sniff(bytes: &[u8], name: &str) -> Result<Kind, Reject> {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let utf16 = head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]);
    let body = head.strip_prefix(&[0xef, 0xbb, 0xbf][..]).unwrap_or(head);
    let first = body.iter().position(|b| !b.is_ascii_whitespace());
    let Some(first) = first else {
        return Err(Reject::new(
            "empty",
            if bytes.is_empty() { "empty file".to_string() } else { "only whitespace".to_string() },
        ));
    };
    // Before the binary checks: an archive's records hold images too.
    if body[first..].starts_with(b"WARC/") {
        return Ok(Kind::Warc);
    }
    if body[first..].starts_with(b"filedesc://") {
        return Ok(Kind::Arc);
    }
    if !utf16 {
        if let Some(what) = known_binary(body) {
            return Err(Reject::new("unsupported", format!("{what} files are not supported")));
        }
        if looks_binary(head) {
            return Err(Reject::new("binary", "binary data, not text, HTML or JSON Lines"));
        }
    }
    let lower: String = String::from_utf8_lossy(&body[first..body.len().min(first + 4096)]).to_lowercase();

    if lower.starts_with('<') {
        if lower.contains("<opml") {
            return Err(Reject::new(
                FEED_LIST,
                "an OPML list of feeds, not an article: add its feeds with `newsdex sources import FILE`, then `newsdex collect`",
            ));
        }
        let feed = if lower.contains("<rss") {
            Some("an RSS feed")
        } else if lower.contains("<rdf:rdf") && lower.contains("purl.org/rss") {
            Some("an RSS 1.0 feed")
        } else if lower.contains("<feed") && lower.contains("http://www.w3.org/2005/atom") {
            Some("an Atom feed")
        } else if lower.contains("<rdf:rdf") || lower.contains("<feed") {
            Some("a feed")
        } else {
            None
        };
        if let Some(what) = feed {
            return Err(Reject::new(FEED, format!("{what}, not an article: {FEED_HINT}")));
        }
        if HTML_MARKERS.iter().any(|m| lower.contains(m)) || matches!(ext.as_str(), "html" | "htm" | "xhtml") {
            return Ok(Kind::Html);
        }
        if lower.starts_with("<?xml") {
            return Err(Reject::new("unsupported", "XML that is not HTML or a known news format"));
        }
    }
    if lower.starts_with('[') && matches!(ext.as_str(), "json" | "jsonl" | "ndjson") {
        return Err(Reject::new(
            "unsupported",
            "a JSON array; newsdex reads JSON Lines (one object per line): convert with `jq -c '.[]'`",
        ));
    }
    if lower.starts_with('{') {
        if lower.contains("jsonfeed.org/version") {
            return Err(Reject::new(FEED, format!("a JSON Feed, not an article: {FEED_HINT}")));
        }
        return Ok(Kind::Jsonl);
    }
    if matches!(ext.as_str(), "jsonl" | "ndjson" | "json") {
        return Err(Reject::new("bad-json", "named like JSON but does not start with a JSON object"));
    }
    Ok(Kind::Text)
}

fn known_binary(b: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 9] = [
        (b"%PDF-", "PDF"),
        (b"PK\x03\x04", "ZIP (and Office)"),
        (b"\x89PNG", "PNG image"),
        (b"\xff\xd8\xff", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"BZh", "bzip2"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
        (b"\x7fELF", "ELF executable"),
    ];
    MAGIC.iter().find(|(m, _)| b.starts_with(m)).map(|(_, w)| *w)
}

/// NUL bytes, or more than 10% control characters other than whitespace: not text in any
/// single-byte or UTF-8 encoding.
/// Binary, not text: more than 1% NUL bytes, or more than 5% control bytes. Real pages
/// do carry a few stray NULs (a news page of the trafilatura evaluation set has 22 in its
/// first 64 KiB), which browsers ignore, so one NUL does not make a file binary.
fn looks_binary(head: &[u8]) -> bool {
    let nuls = head.iter().filter(|&&b| b == 0).count();
    let controls = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b)).count();
    nuls * 100 > head.len() || controls * 20 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(b: &[u8], name: &str) -> String {
        match sniff(b, name) {
            Ok(k) => format!("{k:?}"),
            Err(r) => format!("{}: {}", r.code, r.reason),
        }
    }

    #[test]
    fn sniffs_by_content() {
        assert_eq!(kind(b"\xef\xbb\xbf<!DOCTYPE html><html>", "a.txt"), "Html");
        assert_eq!(kind(b"  <div>hi</div>", "noext"), "Html");
        assert_eq!(kind(b"{\"title\":\"x\"}", "a.txt"), "Jsonl");
        assert_eq!(kind(b"Title\n\nBody", "a.html"), "Text");
        assert_eq!(kind(b"<b>Breaking</b>", "x.htm"), "Html");
        assert_eq!(kind("Заголовок\n\nТекст".as_bytes(), "a"), "Text");
        assert_eq!(kind(b"\xff\xfeT\x00i\x00", "utf16.txt"), "Text");
        assert_eq!(kind(b"caf\xe9 au lait", "latin1.txt"), "Text");
    }

    #[test]
    fn rejects_with_reasons() {
        assert_eq!(kind(b"", "e.txt"), "empty: empty file");
        assert_eq!(kind(b" \n\t ", "e.txt"), "empty: only whitespace");
        assert_eq!(kind(b"\x00\x01\x02garbage\x00", "j.bin"), "binary: binary data, not text, HTML or JSON Lines");
        // Regression: a real page with stray NUL bytes was refused as binary.
        let mut page = b"<!DOCTYPE html><html><body><p>Noticia</p>".to_vec();
        let para = format!("<p>{}</p>\0", "La noticia continúa en la página siguiente. ".repeat(8));
        page.extend(std::iter::repeat_n(para.bytes(), 50).flatten());
        assert_eq!(kind(&page, "a.html"), "Html");
        assert_eq!(kind(b"%PDF-1.7 ...", "a.pdf"), "unsupported: PDF files are not supported");
        let hint = "newsdex polls feeds itself: add its address with `newsdex sources add URL`, then `newsdex collect`";
        assert_eq!(
            kind(b"<?xml version=\"1.0\"?><rss>", "f.xml"),
            format!("feed: an RSS feed, not an article: {hint}")
        );
        assert_eq!(
            kind(b"<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>x</title>", "a.xml"),
            format!("feed: an Atom feed, not an article: {hint}")
        );
        assert_eq!(
            kind(b"<rdf:RDF xmlns=\"http://purl.org/rss/1.0/\">", "r"),
            format!("feed: an RSS 1.0 feed, not an article: {hint}")
        );
        assert_eq!(
            kind(b"{\n \"version\": \"https://jsonfeed.org/version/1.1\",\n \"items\": []}", "feed.json"),
            format!("feed: a JSON Feed, not an article: {hint}")
        );
        assert_eq!(
            kind(b"<?xml version=\"1.0\"?><opml version=\"1.0\"><body><outline/></body></opml>", "subs.opml"),
            "feed-list: an OPML list of feeds, not an article: add its feeds with `newsdex sources import FILE`, then `newsdex collect`"
        );
        assert_eq!(kind(b"WARC/1.1\r\n", "a.warc"), "Warc");
        assert_eq!(
            kind(b"[{\"a\":1}]", "a.json"),
            "unsupported: a JSON array; newsdex reads JSON Lines (one object per line): convert with `jq -c '.[]'`"
        );
        assert_eq!(kind(b"title,text\n", "a.jsonl"), "bad-json: named like JSON but does not start with a JSON object");
    }
}
