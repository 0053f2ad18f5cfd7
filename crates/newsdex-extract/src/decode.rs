//! Bytes to text, in this order: byte-order mark; a charset from the transport (an HTTP
//! `Content-Type`, when the input came with one); valid UTF-8; a charset the document
//! declares (HTML `<meta>`, an XML declaration for feeds); detection with chardetng, with
//! a second opinion for the Cyrillic Mac and DOS pages it does not know. Every guess is a
//! warning on the document; invalid sequences become U+FFFD and are counted.

use encoding_rs::Encoding;
use newsdex_core::Warning;

/// What the bytes are marked up as, which decides where a declared charset can be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Markup {
    Html,
    /// RSS, Atom, other XML: `<?xml version="1.0" encoding="…"?>`.
    Xml,
}

/// The result of decoding, for callers that want the details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
}

/// Decode `bytes` to a string, recording how on `warnings`.
pub fn decode(bytes: &[u8], markup: Option<Markup>, warnings: &mut Vec<Warning>) -> String {
    decode_with(bytes, markup, None, warnings)
}

/// [`decode`] with the charset the transport gave (`Content-Type: text/html;
/// charset=…`), which outranks everything but a byte-order mark.
pub fn decode_with(
    bytes: &[u8],
    markup: Option<Markup>,
    transport: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> String {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if enc != encoding_rs::UTF_8 {
            warnings.push(Warning::new("decoded-as", format!("{} (byte-order mark)", enc.name())));
        }
        return finish(text.into_owned(), had_errors, warnings);
    }
    if let Some(enc) = transport.and_then(|t| Encoding::for_label(t.trim().as_bytes())) {
        let (text, _, had_errors) = enc.decode(bytes);
        if enc != encoding_rs::UTF_8 {
            warnings.push(Warning::new("decoded-as", format!("{} (given by the transport)", enc.name())));
        }
        return finish(text.into_owned(), had_errors, warnings);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let declared = match markup {
        Some(Markup::Html) => html_declared_charset(bytes),
        Some(Markup::Xml) => xml_declared_encoding(bytes),
        None => None,
    };
    let (enc, how) = match declared {
        Some(enc) => (enc, "declared in the page"),
        None => {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(bytes, true);
            let guess = det.guess(None, chardetng::Utf8Detection::Allow);
            (second_opinion(bytes, guess), "detected: the bytes are not valid UTF-8")
        }
    };
    let (text, _, had_errors) = enc.decode(bytes);
    if enc != encoding_rs::UTF_8 {
        warnings.push(Warning::new("decoded-as", format!("{} ({how})", enc.name())));
    }
    finish(text.into_owned(), had_errors, warnings)
}

/// chardetng knows the encodings of the web, not the Cyrillic DOS and Mac code pages
/// that old archives also hold; it reads those as windows-1252 soup ("ãèìíàçèè"). When it
/// guessed a Latin code page, the Cyrillic pages it does not know are tried too, and one
/// whose text is far more plausible (per character, by the mojibake cost) wins.
fn second_opinion(bytes: &[u8], guess: &'static Encoding) -> &'static Encoding {
    use encoding_rs::{IBM866, ISO_8859_15, WINDOWS_1250, WINDOWS_1252, WINDOWS_1254, X_MAC_CYRILLIC};
    if ![WINDOWS_1252, WINDOWS_1250, WINDOWS_1254, ISO_8859_15].contains(&guess) {
        return guess;
    }
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let per_char = |enc: &'static Encoding| {
        let (t, _, _) = enc.decode(sample);
        crate::mojibake::cost(&t) / t.chars().count().max(1) as f32
    };
    let base = per_char(guess);
    [X_MAC_CYRILLIC, IBM866]
        .into_iter()
        .map(|e| (e, per_char(e)))
        .filter(|(_, c)| *c < base * 0.6)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(guess, |(e, _)| e)
}

fn finish(text: String, had_errors: bool, warnings: &mut Vec<Warning>) -> String {
    if had_errors {
        let n = text.chars().filter(|&c| c == '\u{FFFD}').count() as u64;
        warnings.push(Warning::counted(
            "invalid-bytes",
            format!("{n} invalid byte sequence(s) replaced with U+FFFD"),
            n,
        ));
    }
    text
}

/// `<meta charset=…>` or `<meta http-equiv=content-type content="…; charset=…">` in the
/// first 4 KiB, as browsers look for it.
fn html_declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let lower: Vec<u8> = head.iter().map(|b| b.to_ascii_lowercase()).collect();
    let mut from = 0;
    while let Some(i) = find(&lower[from..], b"charset") {
        let mut j = from + i + b"charset".len();
        while j < lower.len() && matches!(lower[j], b' ' | b'=' | b'"' | b'\'') {
            j += 1;
        }
        let end = lower[j..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.')))
            .map(|k| j + k)
            .unwrap_or(lower.len());
        if let Some(enc) = Encoding::for_label(&lower[j..end]) {
            // A page that says UTF-16 in ASCII cannot be UTF-16 (the HTML standard's rule).
            return Some(if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                encoding_rs::UTF_8
            } else {
                enc
            });
        }
        from = end.max(from + i + 1);
    }
    None
}

/// `encoding="…"` in an XML declaration at the start.
fn xml_declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(512)];
    let start = head.iter().position(|b| !b.is_ascii_whitespace())?;
    let decl = &head[start..];
    if !decl.starts_with(b"<?xml") {
        return None;
    }
    let end = find(decl, b"?>")?;
    let decl = &decl[..end];
    let at = find(decl, b"encoding")? + b"encoding".len();
    let rest = &decl[at..];
    let q = rest.iter().position(|&b| b == b'"' || b == b'\'')?;
    let quote = rest[q];
    let value = &rest[q + 1..];
    let close = value.iter().position(|&b| b == quote)?;
    Encoding::for_label(&value[..close])
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(b: &[u8], m: Option<Markup>) -> (String, Vec<String>) {
        let mut w = Vec::new();
        let t = decode(b, m, &mut w);
        (t, w.into_iter().map(|w| format!("{}: {}", w.code, w.message)).collect())
    }

    #[test]
    fn utf8_passes_untouched() {
        assert_eq!(dec("Уйгур 维吾尔 ئۇيغۇر".as_bytes(), None), ("Уйгур 维吾尔 ئۇيغۇر".into(), vec![]));
    }

    #[test]
    fn boms_win() {
        assert_eq!(dec(b"\xef\xbb\xbfhi", None).0, "hi");
        let (t, w) = dec(b"\xff\xfeh\x00i\x00", None);
        assert_eq!(t, "hi");
        assert_eq!(w, ["decoded-as: UTF-16LE (byte-order mark)"]);
    }

    #[test]
    fn declared_charset_is_used_for_html() {
        let page = b"<html><head><meta charset=\"windows-1251\"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body>";
        let (t, w) = dec(page, Some(Markup::Html));
        assert!(t.contains("Привет"), "{t}");
        assert_eq!(w, ["decoded-as: windows-1251 (declared in the page)"]);
    }

    #[test]
    fn xml_declaration_and_transport_charsets() {
        let feed = b"<?xml version=\"1.0\" encoding=\"windows-1251\"?>\n<rss><channel><title>\xcd\xee\xe2\xee\xf1\xf2\xe8</title></channel></rss>";
        let (t, w) = dec(feed, Some(Markup::Xml));
        assert!(t.contains("<title>Новости</title>"), "{t}");
        assert_eq!(w, ["decoded-as: windows-1251 (declared in the page)"]);
        let mut w = Vec::new();
        let t = decode_with(b"\xcf\xf0\xe8\xe2\xe5\xf2", None, Some("windows-1251"), &mut w);
        assert_eq!(t, "Привет");
        assert_eq!(w[0].message, "windows-1251 (given by the transport)");
        // A byte-order mark outranks the transport.
        let t = decode_with(b"\xef\xbb\xbfok", None, Some("windows-1251"), &mut Vec::new());
        assert_eq!(t, "ok");
    }

    #[test]
    fn invalid_utf8_is_detected_and_reported() {
        let (t, w) = dec(b"Caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve fa\xe7ade", None);
        assert_eq!(t, "Café crème brûlée, naïve façade");
        assert_eq!(w, ["decoded-as: windows-1252 (detected: the bytes are not valid UTF-8)"]);
    }
}
