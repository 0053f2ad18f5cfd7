//! A watch's entries as an Atom 1.0 feed (RFC 4287).
//!
//! Written by hand rather than with an XML or feed crate: the document is a dozen
//! elements whose only hazard is text, and [`text`] handles that (escaping, and dropping
//! the characters XML 1.0 cannot carry at all, which an escape cannot fix and which
//! scraped titles do contain).

use std::fmt::Write;

use crate::{Entry, Watch};

/// Where the feed and its entries point: the server's base address
/// (`http://127.0.0.1:7700`).
#[derive(Debug, Clone)]
pub struct Links<'a> {
    pub base: &'a str,
}

/// The feed of `watch` with `entries` (newest change first).
pub fn render(watch: &Watch, entries: &[Entry], links: &Links<'_>) -> String {
    let base = links.base.trim_end_matches('/');
    let updated = entries.iter().map(|e| e.updated_at.as_str()).max().unwrap_or(watch.created.as_str());
    let mut out = String::with_capacity(1024 + entries.len() * 800);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let name = text(&watch.name);
    let _ = writeln!(out, "  <id>urn:newsdex:watch:{name}</id>");
    let _ = writeln!(out, "  <title>newsdex watch {name}: {}</title>", text(&watch.query));
    let _ = writeln!(out, "  <updated>{}</updated>", text(updated));
    let _ = writeln!(out, "  <author><name>newsdex</name></author>");
    let _ = writeln!(out, "  <generator uri=\"https://github.com/newsdex/newsdex\">newsdex</generator>");
    let _ = writeln!(out, "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{base}/watches/{name}.atom\"/>");
    let search = format!("{base}/?q={}", percent(&watch.query));
    let _ = writeln!(out, "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>", text(&search));
    if let Some(d) = watch.digest {
        digest_entries(&mut out, d, &name, entries, base);
        out.push_str("</feed>\n");
        return out;
    }
    for e in entries {
        let _ = writeln!(out, "  <entry>");
        let _ = writeln!(out, "    <id>urn:newsdex:watch:{name}:entry:{}</id>", e.entry);
        let title = if e.title.trim().is_empty() { "(untitled)" } else { e.title.as_str() };
        let _ = writeln!(out, "    <title>{}</title>", text(title));
        let _ = writeln!(out, "    <published>{}</published>", text(&e.found_at));
        let _ = writeln!(out, "    <updated>{}</updated>", text(&e.updated_at));
        let _ = writeln!(out, "    <link rel=\"alternate\" type=\"text/html\" href=\"{base}/doc/{}\"/>", e.doc);
        if let Some(u) = e.url.as_deref().filter(|u| u.starts_with("http://") || u.starts_with("https://")) {
            let _ = writeln!(out, "    <link rel=\"via\" href=\"{}\"/>", text(u));
        }
        let _ = writeln!(out, "    <summary type=\"text\">{}</summary>", text(&summary(e)));
        let _ = writeln!(out, "  </entry>");
    }
    out.push_str("</feed>\n");
    out
}

/// A digest watch's feed: one Atom entry per period (hour or day, UTC), listing the
/// stories that changed in it.
fn digest_entries(out: &mut String, d: crate::Digest, name: &str, entries: &[Entry], base: &str) {
    let mut periods: Vec<(String, Vec<&Entry>)> = Vec::new();
    for e in entries {
        let label = d.label(&e.updated_at);
        match periods.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => v.push(e),
            None => periods.push((label, vec![e])),
        }
    }
    for (label, group) in periods {
        let updated = group.iter().map(|e| e.updated_at.as_str()).max().unwrap_or_default();
        let first = group.iter().map(|e| e.found_at.as_str()).min().unwrap_or_default();
        let _ = writeln!(out, "  <entry>");
        let _ = writeln!(out, "    <id>urn:newsdex:watch:{name}:{}:{}</id>", d.as_str(), text(&label));
        let n = group.len();
        let stories = if n == 1 { "1 story".to_string() } else { format!("{n} stories") };
        let _ = writeln!(out, "    <title>{name}: {stories}, {}</title>", text(&label));
        let _ = writeln!(out, "    <published>{}</published>", text(first));
        let _ = writeln!(out, "    <updated>{}</updated>", text(updated));
        let _ = writeln!(out, "    <link rel=\"alternate\" type=\"text/html\" href=\"{base}/watches\"/>");
        let lines: Vec<String> = group
            .iter()
            .take(100)
            .map(|e| {
                format!("{} ({})", if e.title.trim().is_empty() { "(untitled)" } else { e.title.as_str() }, summary(e))
            })
            .collect();
        let more = if n > 100 { format!("\n… and {} more", n - 100) } else { String::new() };
        let _ = writeln!(out, "    <summary type=\"text\">{}{}</summary>", text(&lines.join("\n")), more);
        let _ = writeln!(out, "  </entry>");
    }
}

/// One line on an entry: outlet, date, how far the story has spread, what matched.
pub fn summary(e: &Entry) -> String {
    let mut parts = Vec::new();
    if let Some(o) = &e.outlet {
        parts.push(o.clone());
    }
    if let Some(p) = &e.published {
        parts.push(format!("published {p}"));
    }
    if e.copies > 1 {
        let outlets = if e.outlets == 1 { "1 outlet".to_string() } else { format!("{} outlets", e.outlets) };
        parts.push(format!("now in {outlets} ({} matching copies)", e.copies));
    }
    if !e.matched.is_empty() {
        parts.push(format!("matched as {}", e.matched.join(", ")));
    }
    if parts.is_empty() { "new match".to_string() } else { parts.join("; ") }
}

/// `s` as XML character data or attribute value: `& < > " '` escaped, characters XML 1.0
/// does not allow (most C0 controls, unpaired surrogates cannot occur in `str`, U+FFFE,
/// U+FFFF) dropped.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A query string's value, percent-encoded (unreserved characters kept).
fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_and_drops_what_xml_cannot_carry() {
        assert_eq!(
            text("AT&T <b>\"x\"</b> it's\u{1}\u{FFFF}ok\n"),
            "AT&amp;T &lt;b&gt;&quot;x&quot;&lt;/b&gt; it&apos;sok\n"
        );
    }

    #[test]
    fn percent_keeps_unreserved_and_encodes_the_rest() {
        assert_eq!(percent("Uyghur \"camps\" 新疆"), "Uyghur%20%22camps%22%20%E6%96%B0%E7%96%86");
    }
}
