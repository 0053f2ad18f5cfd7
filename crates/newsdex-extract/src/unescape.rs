//! Character references left in text: `AT&amp;T said &quot;no&quot;`, `it&#39;s`,
//! double-escaped `&amp;quot;`, and the damaged form whose `&` became a space
//! (AG News: `doesn #39;t`, `up to  #36;50 million`).
//!
//! The rule, for every input format (plain text, JSON Lines fields, and an HTML page's
//! text after its markup was read, where a reference left over was escaped twice):
//!
//! * `&name;` with a name from the HTML table and `&#N;`/`&#xH;` are decoded; without
//!   their `;` they are left (`AT&T`, `R&D`, `&copy 2020` stay);
//! * one escaped inside another (`&amp;quot;`) is decoded layer by layer, three at most;
//! * a reference quoted as itself (`"&amp;"`, `` `&lt;` ``: text *about* entities) is
//!   left as written;
//! * the damaged form `#N;` is decoded only where it is clearly a reference: at the start
//!   or after a space, with `N` a punctuation or symbol character (`'`, `$`, `"`, `—`,
//!   the windows-1252 quotes `#145;`–`#148;`); the one space before it is what the lost
//!   `&` became, so it goes (`doesn #39;t` → `doesn't`, `up to  #36;50` → `up to $50`). `#1;` or `#12345;` naming a letter or digit stays;
//! * where decoding revealed markup (`&lt;b&gt;`), the tags of text formatting (`b`, `i`,
//!   `a`, `font`, `p`, `br`, `span`, …) are removed and their text kept; other `<…>`
//!   (`<TXN.N>`, a Reuters ticker) stays.
//!
//! Each repair is counted and recorded as a warning on the article.

use crate::html::entities::{named, numeric};

/// What [`repair`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// References decoded (`&amp;`, `&#39;`, each layer of a double escape).
    pub decoded: u64,
    /// Of them, damaged ones whose `&` was lost (`#39;`).
    pub damaged: u64,
    /// Formatting tags revealed by decoding and removed.
    pub tags: u64,
}

/// Decode the references left in `text`; `None` when there are none.
pub fn repair(text: &str) -> Option<(String, Counts)> {
    if !text.contains(';') || (!text.contains('&') && !text.contains('#')) {
        return None;
    }
    let mut counts = Counts::default();
    let mut cur = text.to_string();
    let mut revealed_lt = false;
    for _ in 0..3 {
        let (next, n, damaged, lt) = pass(&cur);
        if n == 0 {
            break;
        }
        counts.decoded += n;
        counts.damaged += damaged;
        revealed_lt |= lt;
        cur = next;
    }
    if revealed_lt {
        let (next, tags) = strip_tags(&cur);
        counts.tags = tags;
        cur = next;
    }
    (counts.decoded > 0).then_some((cur, counts))
}

/// One layer: (text, references decoded, damaged ones among them, whether a `<` appeared).
fn pass(s: &str) -> (String, u64, u64, bool) {
    let mut out = String::with_capacity(s.len());
    let (mut n, mut damaged, mut lt) = (0, 0, false);
    let mut i = 0;
    let b = s.as_bytes();
    while i < s.len() {
        let c = b[i];
        if c == b'&'
            && let Some((ch, len)) = reference(&s[i + 1..])
            && !quoted(s, i, i + 1 + len)
        {
            out.push(ch);
            lt |= ch == '<';
            n += 1;
            i += 1 + len;
            continue;
        }
        if c == b'#'
            && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\n' || b[i - 1] == b'\t')
            && let Some((ch, len)) = damaged_reference(&s[i + 1..])
        {
            // The space before is what the lost `&` became ("doesn&#39;t" → "doesn #39;t",
            // "up to &#36;50" → "up to  #36;50"): it goes.
            if out.ends_with(' ') {
                out.pop();
            }
            out.push(ch);
            lt |= ch == '<';
            n += 1;
            damaged += 1;
            i += 1 + len;
            continue;
        }
        let ch = s[i..].chars().next().expect("in bounds");
        out.push(ch);
        i += ch.len_utf8();
    }
    (out, n, damaged, lt)
}

/// The reference after a `&` with its `;`: (character, bytes after the `&`).
fn reference(t: &str) -> Option<(char, usize)> {
    let semi = t.as_bytes().iter().take(34).position(|&b| b == b';')?;
    let body = &t[..semi];
    if let Some(num) = body.strip_prefix('#') {
        let (hex, digits) = match num.strip_prefix(['x', 'X']) {
            Some(h) => (true, h),
            None => (false, num),
        };
        let ok = !digits.is_empty()
            && digits.len() <= 7
            && digits.bytes().all(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() });
        return ok.then(|| (numeric(digits, hex), semi + 1)).filter(|(c, _)| *c != '\u{FFFD}');
    }
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    named(body).map(|c| (c, semi + 1))
}

/// A damaged reference after a `#`: `39;` → `'`, only for punctuation and symbols.
fn damaged_reference(t: &str) -> Option<(char, usize)> {
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if !(2..=4).contains(&digits) || t.as_bytes().get(digits) != Some(&b';') {
        return None;
    }
    let c = numeric(&t[..digits], false);
    let clear = !c.is_alphanumeric() && !c.is_control() && c != '\u{FFFD}' && c != '#' && c != ';';
    clear.then_some((c, digits + 1))
}

/// Whether the reference at `start..end` is quoted as itself: `"&amp;"`, `` `&lt;` ``.
fn quoted(s: &str, start: usize, end: usize) -> bool {
    let before = s[..start].chars().next_back();
    let after = s[end..].chars().next();
    matches!(
        (before, after),
        (Some('"'), Some('"'))
            | (Some('`'), Some('`'))
            | (Some('\''), Some('\''))
            | (Some('“'), Some('”'))
            | (Some('‘'), Some('’'))
    )
}

/// Tags of text formatting, removed where decoding revealed them.
const FORMATTING: [&str; 20] = [
    "a", "b", "i", "u", "em", "strong", "font", "p", "br", "span", "div", "sup", "sub", "small", "big", "tt", "strike",
    "s", "img", "hr",
];

/// Remove formatting tags (`<b>`, `</A>`, `<FONT face="verdana">`, `<br/>`).
fn strip_tags(s: &str) -> (String, u64) {
    let mut out = String::with_capacity(s.len());
    let mut n = 0;
    let mut rest = s;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let tail = &rest[lt + 1..];
        let name_start = usize::from(tail.starts_with('/'));
        let name_len = tail[name_start..].bytes().take_while(u8::is_ascii_alphanumeric).count();
        let name = tail[name_start..name_start + name_len].to_ascii_lowercase();
        let after = tail.as_bytes().get(name_start + name_len).copied();
        let close = tail.find('>').filter(|&k| k < 300 && !tail[..k].contains('<'));
        let is_tag = FORMATTING.contains(&name.as_str())
            && matches!(after, Some(b'>' | b' ' | b'/' | b'\t' | b'\n'))
            && close.is_some();
        match (is_tag, close) {
            (true, Some(k)) => {
                n += 1;
                // A paragraph or line break keeps words apart.
                if matches!(name.as_str(), "p" | "br" | "div") && !out.ends_with(char::is_whitespace) {
                    out.push(' ');
                }
                rest = &tail[k + 1..];
            }
            _ => {
                out.push('<');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    (out, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(s: &str) -> String {
        repair(s).map_or_else(|| s.to_string(), |(t, _)| t)
    }

    #[test]
    fn references_in_text_are_decoded() {
        assert_eq!(fixed("AT&amp;T said &quot;no&quot;"), "AT&T said \"no\"");
        assert_eq!(fixed("it&#39;s &#x27;here&#x27;"), "it's 'here'");
        assert_eq!(fixed("a &amp;quot;double&amp;quot; escape"), "a \"double\" escape");
        let (_, c) = repair("a &amp;quot;double&amp;quot; escape").unwrap();
        assert_eq!(c.decoded, 4);
    }

    #[test]
    fn ampersands_that_are_not_references_stay() {
        for s in ["AT&T and R&D", "&copy 2020", "Q&A; more", "Tom & Jerry; fine", "#1; the best", "issue #12345; x"] {
            assert_eq!(repair(s), None, "{s}");
        }
        // Text about entities: a reference quoted as itself.
        assert_eq!(fixed("write \"&amp;\" for an ampersand"), "write \"&amp;\" for an ampersand");
    }

    #[test]
    fn damaged_references_lose_their_space() {
        assert_eq!(fixed("Eriksson doesn #39;t feel"), "Eriksson doesn't feel");
        assert_eq!(fixed("up to  #36;50 million"), "up to $50 million");
        assert_eq!(fixed("network gear makers #39; efforts"), "network gear makers' efforts");
        assert_eq!(fixed("store:  #147; #145;How #146;s it"), "store: “‘How’s it");
        let (_, c) = repair("doesn #39;t").unwrap();
        assert_eq!((c.decoded, c.damaged), (1, 1));
    }

    #[test]
    fn revealed_formatting_tags_go() {
        assert_eq!(fixed("&lt;b&gt;Bold&lt;/b&gt; move"), "Bold move");
        assert_eq!(
            fixed("Staples Inc. &lt;A HREF=\"http://www.x.com/q\"&gt;SPLS.O&lt;/A&gt;, the"),
            "Staples Inc. SPLS.O, the"
        );
        assert_eq!(fixed("Texas Instruments Inc. &lt;TXN.N&gt;, rose"), "Texas Instruments Inc. <TXN.N>, rose");
        let (_, c) = repair("&lt;b&gt;x&lt;/b&gt;").unwrap();
        assert_eq!(c.tags, 2);
    }
}
