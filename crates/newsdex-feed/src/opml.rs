//! OPML, the format feed readers exchange subscription lists in.
//!
//! Reading is tolerant, because real lists are written by many programs and by hand:
//! outlines nested to any depth (folders), any `version` (or none), `xmlUrl` spelled in
//! any case (`xmlurl`, `XMLURL`), `url` where `xmlUrl` is missing, HTML entities that
//! are not XML's (`&eacute;`, `&nbsp;`), a missing `<body>` or `<opml>`, text after the
//! document. An outline without a feed address is a folder: its title becomes the
//! `category` of the feeds inside it. Writing produces OPML 2.0.

use quick_xml::events::{BytesStart, Event};

/// One feed named by an OPML file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpmlFeed {
    pub url: String,
    pub title: Option<String>,
    pub html_url: Option<String>,
    pub lang: Option<String>,
    /// The enclosing folders' titles, outermost first, joined by ` / `.
    pub category: Option<String>,
}

/// Why an OPML file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    #[error("not OPML: {0}")]
    NotOpml(String),
}

/// The feeds of an OPML document, in document order, each address once. Broken XML is
/// read up to the point where it breaks (what came before is kept); a document with no
/// outline at all is an error.
pub fn read(bytes: &[u8]) -> Result<Vec<OpmlFeed>, OpmlError> {
    let text = decode(bytes);
    let mut reader = quick_xml::Reader::from_str(&text);
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_unmatched_ends = true;
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut feeds: Vec<OpmlFeed> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut outlines = 0usize;
    let mut saw_opml = false;
    loop {
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                if outlines == 0 {
                    return Err(OpmlError::NotOpml(format!("XML error before any outline: {e}")));
                }
                tracing::warn!("OPML read stopped at a syntax error: {e}");
                break;
            }
        };
        match ev {
            Event::Start(ref s) | Event::Empty(ref s) => {
                let name = s.local_name();
                let name = name.as_ref().to_ascii_lowercase();
                let empty = matches!(ev, Event::Empty(_));
                if name == "opml" {
                    saw_opml = true;
                }
                if name != "outline" {
                    continue;
                }
                outlines += 1;
                let attrs = attributes(s);
                let get =
                    |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).filter(|v| !v.is_empty());
                let title = get("title").or_else(|| get("text"));
                let url = get("xmlurl").or_else(|| {
                    // `url` is a feed only where the outline says it is one.
                    let kind = get("type").unwrap_or_default().to_ascii_lowercase();
                    if matches!(kind.as_str(), "rss" | "atom" | "feed" | "") { get("url") } else { None }
                });
                match url {
                    Some(u) => {
                        let u = u.trim().to_string();
                        if seen.insert(u.clone()) {
                            let path: Vec<&str> = folders.iter().flatten().map(String::as_str).collect();
                            feeds.push(OpmlFeed {
                                url: u,
                                title,
                                html_url: get("htmlurl"),
                                lang: get("language").or_else(|| get("lang")),
                                category: if path.is_empty() { None } else { Some(path.join(" / ")) },
                            });
                        }
                        if !empty {
                            folders.push(None);
                        }
                    }
                    None => {
                        if !empty {
                            folders.push(title);
                        }
                    }
                }
            }
            Event::End(ref e) if e.local_name().as_ref().eq_ignore_ascii_case("outline") => {
                folders.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if outlines == 0 {
        return Err(OpmlError::NotOpml(if saw_opml {
            "an OPML document without outlines".into()
        } else {
            "no <opml> element and no <outline>".into()
        }));
    }
    Ok(feeds)
}

/// Attribute names lower-cased with their unescaped values (HTML entities included).
fn attributes(s: &BytesStart<'_>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for a in s.html_attributes().with_checks(false).flatten() {
        let key = a.key.local_name().as_ref().to_ascii_lowercase();
        let raw = a.value.to_string();
        out.push((key, newsdex_extract::html::entities::decode(&raw).into_owned()));
    }
    out
}

/// Bytes to text: a BOM or the XML declaration's encoding, else UTF-8 (invalid sequences
/// replaced).
fn decode(bytes: &[u8]) -> String {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return enc.decode_without_bom_handling(&bytes[bom..]).0.into_owned();
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    if let Some(i) = head.find("encoding=") {
        let v = head[i + 9..].trim_start_matches(['"', '\'']);
        let label: String = v.chars().take_while(|c| !matches!(c, '"' | '\'' | '?' | ' ')).collect();
        if let Some(enc) = encoding_rs::Encoding::for_label(label.as_bytes())
            && enc != encoding_rs::UTF_8
        {
            // The declaration now lies about the text: drop it.
            let text = enc.decode_without_bom_handling(bytes).0.into_owned();
            return match (text.find("<?xml"), text.find("?>")) {
                (Some(0), Some(e)) => text[e + 2..].to_string(),
                _ => text,
            };
        }
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// A feed to write into an OPML file.
#[derive(Debug, Clone, Default)]
pub struct ExportFeed<'a> {
    pub url: &'a str,
    pub title: Option<&'a str>,
    pub lang: Option<&'a str>,
    /// newsdex's own: the outlet name and the poll interval the user set.
    pub outlet: Option<&'a str>,
    pub every_secs: Option<i64>,
}

/// An OPML 2.0 document listing `feeds`.
pub fn write(title: &str, created: &str, feeds: &[ExportFeed<'_>]) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\" xmlns:newsdex=\"https://github.com/newsdex/newsdex\">\n  <head>\n");
    out.push_str(&format!("    <title>{}</title>\n    <dateCreated>{}</dateCreated>\n", esc(title), esc(created)));
    out.push_str("  </head>\n  <body>\n");
    for f in feeds {
        let text = f.title.or(f.outlet).unwrap_or(f.url);
        out.push_str(&format!(
            "    <outline type=\"rss\" text=\"{}\" title=\"{}\" xmlUrl=\"{}\"",
            esc(text),
            esc(text),
            esc(f.url)
        ));
        if let Some(l) = f.lang {
            out.push_str(&format!(" language=\"{}\"", esc(l)));
        }
        if let Some(o) = f.outlet {
            out.push_str(&format!(" newsdex:outlet=\"{}\"", esc(o)));
        }
        if let Some(s) = f.every_secs {
            out.push_str(&format!(" newsdex:every=\"{s}s\""));
        }
        out.push_str("/>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_folders_odd_version_missing_attributes_and_entities() {
        let doc = br#"<?xml version="1.0"?>
<opml version="1.1b">
<head><title>My feeds</title></head>
<body>
  <outline text="News &amp; Politics">
    <outline text="Europe">
      <outline text="Le Monde &eacute;dition" xmlURL="https://www.lemonde.fr/rss/une.xml" language="fr"/>
    </outline>
    <outline type="rss" title="BBC" xmlUrl="http://feeds.bbci.co.uk/news/rss.xml" htmlUrl="https://bbc.co.uk"/>
  </outline>
  <outline xmlurl="https://example.org/feed"/>
  <outline text="no address at all"/>
  <outline type="link" text="a web page" url="https://example.org/page"/>
  <outline text="dup" xmlUrl="https://example.org/feed"/>
</body>
</opml>"#;
        let feeds = read(doc).unwrap();
        assert_eq!(feeds.len(), 3, "{feeds:?}");
        assert_eq!(feeds[0].url, "https://www.lemonde.fr/rss/une.xml");
        assert_eq!(feeds[0].title.as_deref(), Some("Le Monde édition"));
        assert_eq!(feeds[0].lang.as_deref(), Some("fr"));
        assert_eq!(feeds[0].category.as_deref(), Some("News & Politics / Europe"));
        assert_eq!(feeds[1].category.as_deref(), Some("News & Politics"));
        assert_eq!(feeds[1].html_url.as_deref(), Some("https://bbc.co.uk"));
        assert_eq!(feeds[2].title, None);
        assert_eq!(feeds[2].category, None);
    }

    #[test]
    fn broken_and_foreign_documents() {
        // No <opml>, no <body>, unclosed: what was read stays.
        let feeds = read(b"<outline xmlUrl='https://a.example/rss'><outline xmlUrl='https://b.example/rss'>").unwrap();
        assert_eq!(feeds.len(), 2);
        // Cut off inside a tag: the outlines before it stay.
        let feeds =
            read(b"<opml><body><outline xmlUrl='https://a.example/rss'/><outline xmlUrl='https://b.ex").unwrap();
        assert_eq!(feeds.len(), 1);
        assert!(read(b"<opml version='2.0'><body></body></opml>").is_err());
        assert!(read(b"<html><body>hello</body></html>").is_err());
        assert!(read(b"").is_err());
        // Latin-1 declared.
        let mut doc = b"<?xml version='1.0' encoding='ISO-8859-1'?><opml><body><outline text='Caf".to_vec();
        doc.extend(b"\xe9' xmlUrl='https://c.example/f'/></body></opml>");
        assert_eq!(read(&doc).unwrap()[0].title.as_deref(), Some("Café"));
    }

    #[test]
    fn export_reads_back() {
        let feeds = [
            ExportFeed {
                url: "https://a.example/rss?x=1&y=2",
                title: Some("A <&> \"B\""),
                lang: Some("en"),
                outlet: Some("A"),
                every_secs: Some(900),
            },
            ExportFeed { url: "https://b.example/atom", ..Default::default() },
        ];
        let doc = write("newsdex sources", "Mon, 30 Nov 2026 23:00:00 GMT", &feeds);
        assert!(doc.contains("<opml version=\"2.0\""));
        let back = read(doc.as_bytes()).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].url, "https://a.example/rss?x=1&y=2");
        assert_eq!(back[0].title.as_deref(), Some("A <&> \"B\""));
        assert_eq!(back[0].lang.as_deref(), Some("en"));
    }
}
