//! Feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed) read by newsdex's own reader (`fast`, for RSS
//! and Atom) or feed-rs (JSON Feed, and whatever the own reader declines), made robust for
//! what real servers send: a charset named only in the HTTP header, bytes that are not the
//! encoding declared, control characters XML forbids, a second XML declaration, HTML in
//! titles.

use crate::canon::canonical_url;

mod fast;

/// A feed as newsdex uses it.
#[derive(Debug, Clone, Default)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub lang: Option<String>,
    pub items: Vec<FeedItem>,
    /// Repairs needed to read it (`transcoded from windows-1251`, `control characters removed`).
    pub repairs: Vec<String>,
}

/// One item of a feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedItem {
    /// The item's own id (RSS `guid`, Atom `id`, JSON Feed `id`), if it has one.
    pub guid: Option<String>,
    /// Its article's address, as the feed gives it (absolute).
    pub url: Option<String>,
    pub title: Option<String>,
    /// Summary or content, as plain text.
    pub text: Option<String>,
    /// RFC 3339.
    pub published: Option<String>,
    pub published_ts: Option<i64>,
    pub authors: Vec<String>,
    pub lang: Option<String>,
    /// When the page says it last changed (a sitemap's `<lastmod>`): a new value with
    /// the same address is a re-published version.
    pub modified_ts: Option<i64>,
}

impl FeedItem {
    /// The keys an item is known by: its GUID, its canonical address, or (with
    /// neither) a hash of its title and text. Any one seen before means seen.
    pub fn keys(&self, feed_url: &str) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(g) = &self.guid {
            // GUIDs are unique per feed, not across the web.
            keys.push(format!("guid:{feed_url} {g}"));
        }
        if let Some(u) = self.url.as_deref().and_then(canonical_url) {
            keys.push(format!("url:{u}"));
        }
        if keys.is_empty() {
            let text = format!(
                "{feed_url}\u{1f}{}\u{1f}{}",
                self.title.as_deref().unwrap_or_default(),
                self.text.as_deref().unwrap_or_default()
            );
            keys.push(format!("hash:{:016x}", fnv1a(text.as_bytes())));
        }
        keys
    }
}

impl FeedItem {
    /// What says the item's text changed: its title, text and `lastmod`, hashed. The
    /// same item seen with another fingerprint is a re-published version.
    pub fn fingerprint(&self) -> String {
        let t = format!(
            "{}\u{1f}{}\u{1f}{}",
            self.title.as_deref().unwrap_or_default(),
            self.text.as_deref().unwrap_or_default(),
            self.modified_ts.map(|t| t.to_string()).unwrap_or_default()
        );
        format!("{:016x}", fnv1a(t.as_bytes()))
    }
}

/// FNV-1a, 64 bits: a stable hash (the same on every platform and Rust version).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Why a feed could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("not a feed (RSS, Atom or JSON Feed): {0}")]
    NotAFeed(String),
}

/// The charset an HTTP `Content-Type` names, if any.
pub fn charset_of(content_type: &str) -> Option<&'static encoding_rs::Encoding> {
    let lower = content_type.to_ascii_lowercase();
    let i = lower.find("charset=")?;
    let label = lower[i + 8..].trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    let label: String = label.chars().take_while(|c| !matches!(c, ';' | ' ' | '"' | '\'')).collect();
    encoding_rs::Encoding::for_label(label.as_bytes())
}

/// The encoding an XML declaration names, if any.
fn declared(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]).to_ascii_lowercase();
    let decl_end = head.find("?>")?;
    let decl = &head[..decl_end];
    let i = decl.find("encoding=")?;
    let v = decl[i + 9..].trim_start_matches(['"', '\'']);
    let label: String = v.chars().take_while(|c| !matches!(c, '"' | '\'' | '?' | ' ')).collect();
    encoding_rs::Encoding::for_label(label.as_bytes())
}

/// `bytes` as UTF-8 with any XML declaration's encoding replaced, so feed-rs reads it.
fn to_utf8(bytes: &[u8], enc: &'static encoding_rs::Encoding) -> Vec<u8> {
    let (text, _, _) = enc.decode(bytes);
    let text = text.into_owned();
    match (text.trim_start().starts_with("<?xml"), text.find("?>")) {
        (true, Some(e)) => format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}", &text[e + 2..]).into_bytes(),
        _ => text.into_bytes(),
    }
}

/// A control character XML forbids (all below 0x20 but tab, line feed, carriage return).
fn forbidden_control(b: &u8) -> bool {
    *b < 0x20 && !matches!(*b, b'\t' | b'\n' | b'\r')
}

fn strip_controls(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.iter().any(forbidden_control) {
        Some(bytes.iter().copied().filter(|b| !forbidden_control(b)).collect())
    } else {
        None
    }
}

/// XML declarations after the first (`<?xml …?>` anywhere but at the document's start):
/// not well-formed, and one naming another encoding makes quick-xml panic inside feed-rs
/// (`regression_fuzz_a_second_xml_declaration_is_removed_not_a_crash`).
fn extra_declarations(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    let mut first = true;
    while let Some(i) = memchr::memmem::find(&bytes[from..], b"<?xml") {
        let start = from + i;
        from = start + 5;
        // `<?xml-stylesheet …?>` and other processing instructions are not declarations,
        // nor is one quoted in a CDATA section or a comment (an SVG in an item's text).
        if !bytes.get(from).is_some_and(|b| b.is_ascii_whitespace() || *b == b'?')
            || inside(bytes, start, b"<![CDATA[", b"]]>")
            || inside(bytes, start, b"<!--", b"-->")
        {
            continue;
        }
        // The document's own: before any other markup.
        let is_first = first && !bytes[..start].contains(&b'<');
        first = false;
        if is_first {
            continue;
        }
        let end = memchr::memmem::find(&bytes[from..], b"?>").map_or(bytes.len(), |e| from + e + 2);
        out.push(start..end);
        from = end;
    }
    out
}

/// `data` with its second XML declarations blanked (so that byte offsets in later errors
/// still point into the original), and the repair to report if there were any.
fn without_extra_declarations(data: std::borrow::Cow<'_, [u8]>) -> (std::borrow::Cow<'_, [u8]>, Option<String>) {
    let extra = extra_declarations(&data);
    let Some(first) = extra.first() else { return (data, None) };
    let repair = format!(
        "{} second XML declaration{} removed (first at byte {})",
        extra.len(),
        if extra.len() == 1 { "" } else { "s" },
        first.start
    );
    let mut clean = data.into_owned();
    for r in &extra {
        clean[r.clone()].fill(b' ');
    }
    (clean.into(), Some(repair))
}

/// Whether `at` is inside a section that opens with `open` and closes with `close`.
fn inside(bytes: &[u8], at: usize, open: &[u8], close: &[u8]) -> bool {
    memchr::memmem::rfind(&bytes[..at], open)
        .is_some_and(|o| memchr::memmem::find(&bytes[o + open.len()..at], close).is_none())
}

fn parse_raw(bytes: &[u8], base: &str) -> Result<feed_rs::model::Feed, String> {
    if let Some(r) = extra_declarations(bytes).first() {
        return Err(format!("a second XML declaration at byte {}", r.start));
    }
    // A panic in feed-rs (or the XML reader under it) is this feed's error, not the
    // process's end.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        feed_rs::parser::Builder::new()
            .base_uri(Some(base))
            // An item without an id gets none (not a made-up one): newsdex then knows it
            // by its address.
            .id_generator(|_, _, _| String::new())
            .build()
            .parse(bytes)
            .map_err(|e| e.to_string())
    }))
    .unwrap_or_else(|p| {
        let why = p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned());
        Err(format!("feed-rs failed on these bytes: {}", why.unwrap_or_else(|| "a panic".into())))
    })
}

/// Read a feed's bytes (already decompressed). `content_type` is the HTTP header, if
/// any; `base` the feed's address (relative links are resolved against it).
///
/// RSS (0.9x, 1.0, 2.0) and Atom in ASCII-compatible encodings are read by newsdex's own
/// reader (`fast`), everything else (and whatever that reader declines) by feed-rs; both
/// give the same answer.
pub fn parse(bytes: &[u8], content_type: Option<&str>, base: &str) -> Result<ParsedFeed, FeedError> {
    parse_with(bytes, content_type, base, true)
}

/// [`parse`] with feed-rs alone, never newsdex's own reader: what the differential tests,
/// the fuzz target and the benchmark compare [`parse`] with.
pub fn parse_with_feed_rs(bytes: &[u8], content_type: Option<&str>, base: &str) -> Result<ParsedFeed, FeedError> {
    parse_with(bytes, content_type, base, false)
}

/// Whether newsdex's own reader reads these bytes (rather than leaving them to feed-rs).
pub fn read_fast(bytes: &[u8], base: &str) -> bool {
    fast::read(bytes, base).is_some()
}

/// Whether newsdex's own reader gives feed-rs's answer on these bytes: `Ok(true)` when it
/// reads them and agrees, `Ok(false)` when it declines, `Err` (both answers) when it
/// disagrees. For the fuzz target; the tests check the same on files and generated feeds.
#[doc(hidden)]
pub fn own_reader_agrees(bytes: &[u8], base: &str) -> Result<bool, String> {
    // As `parse_with` gives them to both readers: second declarations blanked.
    let (bytes, _) = without_extra_declarations(bytes.into());
    let Some(own) = fast::read(&bytes, base) else { return Ok(false) };
    let model = parse_raw(&bytes, base).ok().map(RawFeed::from_feed_rs);
    if model.as_ref() == Some(&own) { Ok(true) } else { Err(format!("own reader: {own:?}\nfeed-rs: {model:?}")) }
}

fn parse_with(bytes: &[u8], content_type: Option<&str>, base: &str, own: bool) -> Result<ParsedFeed, FeedError> {
    let mut repairs = Vec::new();
    let mut data: std::borrow::Cow<'_, [u8]> = std::borrow::Cow::Borrowed(bytes);
    let bom = encoding_rs::Encoding::for_bom(bytes).map(|(e, _)| e);
    // A charset only the header names: the document does not say, so transcode first.
    if bom.is_none()
        && declared(bytes).is_none()
        && let Some(enc) = content_type.and_then(charset_of)
        && enc != encoding_rs::UTF_8
    {
        data = to_utf8(bytes, enc).into();
        repairs.push(format!("transcoded from {} (HTTP header)", enc.name()));
    }
    let (clean, repair) = without_extra_declarations(data);
    data = clean;
    repairs.extend(repair);
    if own && let Some(feed) = fast::read(&data, base) {
        return Ok(finish(feed, repairs));
    }
    let mut first_err = None;
    let mut result = parse_raw(&data, base);
    if result.is_err()
        && let Some(clean) = strip_controls(&data)
    {
        if let Err(e) = &result {
            first_err.get_or_insert(e.clone());
        }
        result = parse_raw(&clean, base);
        if result.is_ok() {
            repairs.push("control characters removed".into());
        }
        data = clean.into();
    }
    if result.is_err() && std::str::from_utf8(&data).is_err() && bom.is_none() {
        if let Err(e) = &result {
            first_err.get_or_insert(e.clone());
        }
        // Bytes that are not the encoding declared (or not UTF-8 when nothing is):
        // guess, as a browser would.
        let mut det = chardet_guess(&data);
        if Some(det) == declared(&data) {
            det = encoding_rs::WINDOWS_1252;
        }
        let fixed = to_utf8(&data, det);
        result = parse_raw(&fixed, base);
        if result.is_ok() {
            repairs.push(format!("bytes invalid in the declared encoding; read as {}", det.name()));
        }
    }
    let feed = result.map_err(|e| FeedError::NotAFeed(first_err.unwrap_or(e)))?;
    Ok(finish(RawFeed::from_feed_rs(feed), repairs))
}

/// A feed as read, before newsdex's choices (which link is the article's, which text is
/// shown, text clean-up): what feed-rs gives, and what [`fast`] must give too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawFeed {
    pub title: Option<String>,
    pub lang: Option<String>,
    pub items: Vec<RawItem>,
}

/// One item as read: see [`RawFeed`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RawItem {
    /// `guid` or `id` ("" without one).
    pub id: String,
    /// Addresses with their `rel` (RSS links have none; an Atom link's defaults to
    /// `alternate`), in document order.
    pub links: Vec<(String, Option<String>)>,
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    pub updated: Option<chrono::DateTime<chrono::Utc>>,
    /// `content:encoded` or Atom `content`.
    pub content: Option<String>,
    /// RSS `description`, Atom `summary`.
    pub summary: Option<String>,
    pub title: Option<String>,
    /// Authors' names.
    pub authors: Vec<String>,
    pub lang: Option<String>,
}

impl RawFeed {
    fn from_feed_rs(feed: feed_rs::model::Feed) -> RawFeed {
        let items = feed
            .entries
            .into_iter()
            .map(|e| RawItem {
                id: e.id,
                links: e.links.into_iter().map(|l| (l.href, l.rel)).collect(),
                published: e.published,
                updated: e.updated,
                content: e.content.and_then(|c| c.body),
                summary: e.summary.map(|s| s.content),
                title: e.title.map(|t| t.content),
                authors: e.authors.into_iter().filter_map(|p| p.name).collect(),
                lang: e.language,
            })
            .collect();
        RawFeed { title: feed.title.map(|t| t.content), lang: feed.language, items }
    }
}

/// newsdex's choices on a feed as read: the article's address, its text, dates as RFC
/// 3339, text cleaned by [`plain`].
fn finish(feed: RawFeed, repairs: Vec<String>) -> ParsedFeed {
    let lang = feed.lang;
    let items = feed
        .items
        .into_iter()
        .map(|e| {
            let url = e
                .links
                .iter()
                .find(|(_, rel)| rel.as_deref().is_none_or(|r| r == "alternate"))
                .or_else(|| e.links.first())
                .map(|(href, _)| href.trim().to_string())
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
                .or_else(|| {
                    // RSS items whose only address is a permalink GUID.
                    let g = e.id.trim();
                    (g.starts_with("http://") || g.starts_with("https://")).then(|| g.to_string())
                });
            let published = e.published.or(e.updated);
            let text = e.content.or(e.summary).map(|t| plain(&t)).filter(|t| !t.is_empty());
            FeedItem {
                guid: Some(e.id.trim().to_string()).filter(|g| !g.is_empty()),
                url,
                title: e.title.as_deref().map(plain).filter(|t| !t.is_empty()),
                text,
                published: published.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                published_ts: published.map(|d| d.timestamp()),
                authors: e.authors.iter().map(|n| plain(n)).filter(|n| !n.is_empty()).collect(),
                lang: e.lang.or_else(|| lang.clone()),
                modified_ts: None,
            }
        })
        .collect();
    ParsedFeed { title: feed.title.as_deref().map(plain).filter(|t| !t.is_empty()), lang, items, repairs }
}

fn chardet_guess(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    // Without a detector dependency: windows-1251 if the high bytes look Cyrillic
    // (most in 0xC0..=0xFF), else windows-1252.
    let high: Vec<u8> = bytes.iter().copied().filter(|b| *b >= 0x80).collect();
    let cyr = high.iter().filter(|b| **b >= 0xc0).count();
    if high.len() > 20 && cyr * 10 > high.len() * 8 { encoding_rs::WINDOWS_1251 } else { encoding_rs::WINDOWS_1252 }
}

/// Text from a feed field that may hold HTML: tags dropped, block ends as newlines,
/// character references decoded; per line, controls dropped, words one space apart (a tab or
/// any other space between two keeps them apart), empty lines dropped.
pub fn plain(s: &str) -> String {
    // One pass per step, no string per line or per word: this runs on every title,
    // summary and author of every poll (bench/feeds/run).
    let text: std::borrow::Cow<'_, str> = if s.contains('<') {
        let mut text = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(lt) = rest.find('<') {
            text.push_str(&rest[..lt]);
            let after = &rest[lt + 1..];
            let Some(gt) = after.find('>') else {
                // A tag never closed: the rest is inside it.
                rest = "";
                break;
            };
            let tag = after[..gt].trim_start_matches('/');
            let name = &tag[..tag.find(|c: char| c.is_whitespace() || c == '/').unwrap_or(tag.len())];
            if BLOCK_TAGS.iter().any(|b| name.eq_ignore_ascii_case(b)) {
                text.push('\n');
            }
            rest = &after[gt + 1..];
        }
        text.push_str(rest);
        text.into()
    } else {
        s.into()
    };
    let decoded = newsdex_extract::html::entities::decode(&text);
    let mut out = String::with_capacity(decoded.len());
    // Lines split at `\n` (a `\r` before it is a space, dropped at the line's end).
    for line in decoded.split('\n') {
        let line_start = out.len();
        if line_start > 0 {
            out.push('\n');
        }
        let words_start = out.len();
        let mut space = false;
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii() {
                if c == b' ' || (0x09..=0x0d).contains(&c) {
                    // A tab or any other space between two words keeps them apart.
                    space = out.len() > words_start;
                    i += 1;
                } else if c < 0x20 || c == 0x7f {
                    i += 1;
                } else {
                    // A run of printable ASCII, copied at once.
                    let start = i;
                    while i < b.len() && b[i] > 0x20 && b[i] < 0x7f {
                        i += 1;
                    }
                    if space {
                        out.push(' ');
                        space = false;
                    }
                    out.push_str(&line[start..i]);
                }
            } else {
                let ch = line[i..].chars().next().unwrap_or_default();
                i += ch.len_utf8().max(1);
                if ch.is_whitespace() {
                    space = out.len() > words_start;
                } else if !ch.is_control() {
                    if space {
                        out.push(' ');
                        space = false;
                    }
                    out.push(ch);
                }
            }
        }
        if out.len() == words_start {
            out.truncate(line_start);
        }
    }
    out
}

/// Tags whose end is a line end in [`plain`]'s text.
const BLOCK_TAGS: [&str; 10] = ["p", "br", "div", "li", "h1", "h2", "h3", "h4", "blockquote", "tr"];

/// Whether bytes look like a feed or an OPML list rather than a page (for `sources add`
/// given a home page, and for the answer to `ingest`).
pub fn alternate_links(html: &str, base: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<link") {
        let start = from + i;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        let orig = &html[start..end];
        from = end;
        if !tag.contains("alternate") {
            continue;
        }
        if !(tag.contains("application/rss+xml")
            || tag.contains("application/atom+xml")
            || tag.contains("application/feed+json"))
        {
            continue;
        }
        if let Some(h) = tag.find("href=") {
            let v = &orig[h + 5..];
            let q = v.chars().next().unwrap_or(' ');
            let val: String = if q == '"' || q == '\'' {
                v[1..].chars().take_while(|c| *c != q).collect()
            } else {
                v.chars().take_while(|c| !c.is_whitespace()).collect()
            };
            if let Ok(u) = url::Url::parse(base).and_then(|b| b.join(&newsdex_extract::html::entities::decode(&val))) {
                out.push(u.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_in_titles_and_entities_become_text() {
        assert_eq!(plain("<b>Breaking:</b> floods &amp; fires&nbsp;&#8212; live"), "Breaking: floods & fires — live");
        assert_eq!(plain("<p>One</p><p>Two\u{1}</p>"), "One\nTwo");
    }

    /// Regression: controls were removed before words were split, so a tab (or a lone
    /// carriage return) between two words joined them ("Breaking:\tfloods" became
    /// "Breaking:floods").
    #[test]
    fn regression_a_tab_between_two_words_keeps_them_apart() {
        assert_eq!(plain("Breaking:\tfloods\r in\u{b}Sudan"), "Breaking: floods in Sudan");
        assert_eq!(plain("a\u{1}b \u{7f} c"), "ab c");
    }

    /// The naive model of [`plain`]: tags dropped character by character (a block tag's
    /// end a line end), references decoded, then per line every space-like character a
    /// space and every other control dropped, words joined by one space, empty lines
    /// dropped.
    fn plain_model(s: &str) -> String {
        let mut out = String::new();
        let (mut in_tag, mut tag) = (false, String::new());
        for c in s.chars() {
            if in_tag {
                if c == '>' {
                    in_tag = false;
                    let t =
                        tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
                    if BLOCK_TAGS.contains(&t.to_ascii_lowercase().as_str()) {
                        out.push('\n');
                    }
                    tag.clear();
                } else {
                    tag.push(c);
                }
            } else if c == '<' {
                in_tag = true;
            } else {
                out.push(c);
            }
        }
        let decoded = newsdex_extract::html::entities::decode(&out);
        let lines: Vec<String> = decoded
            .lines()
            .map(|l| {
                let l: String =
                    l.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).filter(|c| !c.is_control()).collect();
                l.split_whitespace().collect::<Vec<_>>().join(" ")
            })
            .filter(|l| !l.is_empty())
            .collect();
        lines.join("\n")
    }

    proptest::proptest! {
        #[test]
        fn plain_agrees_with_its_naive_model(
            s in "([<>/&;# \t\r\n\u{1}\u{85}\u{a0}\u{2028}pbrBRdivli]|&amp;|&nbsp;|&#8212;|<br/>|</P>|<p class=x>|Ünï|日本)*"
        ) {
            proptest::prop_assert_eq!(plain(&s), plain_model(&s));
        }
    }

    #[test]
    fn header_charset_without_declaration() {
        let body = "<rss version=\"2.0\"><channel><title>Новости</title><item><title>Привет</title><link>https://x.example/1</link></item></channel></rss>";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(body);
        let f = parse(&bytes, Some("application/rss+xml; charset=windows-1251"), "https://x.example/rss").unwrap();
        assert_eq!(f.title.as_deref(), Some("Новости"));
        assert_eq!(f.items[0].title.as_deref(), Some("Привет"));
        assert_eq!(f.items[0].guid, None);
        assert!(f.items[0].keys("f").contains(&"url:https://x.example/1".to_string()));
    }

    #[test]
    fn control_characters_and_invalid_utf8_are_repaired() {
        let body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>T\x0b</title><item><title>Caf\xe9 \x01</title><guid>g1</guid></item></channel></rss>";
        let f = parse(body, None, "https://x.example/rss").unwrap();
        assert_eq!(f.items[0].title.as_deref(), Some("Café"));
        assert_eq!(f.items[0].guid.as_deref(), Some("g1"));
        assert!(!f.repairs.is_empty());
        assert!(parse(b"<html><body>no</body></html>", None, "https://x.example/").is_err());
    }

    #[test]
    fn home_page_alternate_links() {
        let html = r#"<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml?a=1&amp;b=2"><link rel="stylesheet" href="/s.css"></head></html>"#;
        assert_eq!(alternate_links(html, "https://x.example/news/"), vec!["https://x.example/feed.xml?a=1&b=2"]);
    }
}

#[cfg(test)]
mod regression_tests {
    use super::*;

    /// Found by the `feed` fuzz target: a second XML declaration naming another encoding,
    /// past feed-rs's first buffer, made quick-xml's decoder panic inside feed-rs
    /// ("set_encoding() called after prefix buffer was drained"), which took the pass
    /// reading the feed down with it.
    #[test]
    fn regression_fuzz_a_second_xml_declaration_is_removed_not_a_crash() {
        let filler = "<entry><title>filler</title></entry>".repeat(400);
        let doc = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>{filler}<?xml version="1.0" encoding="ISO-8859-1" ?><entry><title>after</title></entry></feed>"#
        );
        for own in [true, false] {
            let f = parse_with(doc.as_bytes(), None, "http://example.org/feed", own).expect("read");
            assert_eq!(f.items.len(), 401, "own reader: {own}");
            assert_eq!(f.items[400].title.as_deref(), Some("after"));
            assert!(f.repairs.iter().any(|r| r.contains("second XML declaration")), "{:?}", f.repairs);
        }
        // feed-rs itself is never given such bytes.
        assert!(parse_raw(doc.as_bytes(), "http://example.org/feed").unwrap_err().contains("second XML declaration"));
    }

    /// One quoted in a CDATA section or a comment is text, not a declaration: left as it is.
    #[test]
    fn an_xml_declaration_quoted_in_cdata_or_a_comment_is_left_alone() {
        let doc = r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><!-- <?xml version="1.0"?> --><item><title>t</title><description><![CDATA[<p>A logo: <?xml version="1.0" encoding="ISO-8859-1"?><svg/></p>]]></description></item></channel></rss>"#;
        assert!(extra_declarations(doc.as_bytes()).is_empty());
        for own in [true, false] {
            let f = parse_with(doc.as_bytes(), None, "http://example.org/feed", own).expect("read");
            assert!(f.repairs.is_empty(), "{:?}", f.repairs);
            assert_eq!(f.items[0].text.as_deref(), Some("A logo:"));
        }
    }
}
