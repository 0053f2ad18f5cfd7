//! Text as the pages show it, never as links or data use it: web addresses with their
//! non-Latin parts readable, an article's sub-headings told from its paragraphs, matches
//! marked in escaped text.

use std::ops::Range;

use crate::web::escape;

/// A web address for reading: percent-encoded UTF-8 in its path, query and fragment
/// decoded (`/wiki/%E5%9C%B0%E9%9C%87` → `/wiki/地震`), and punycode host labels decoded
/// (`xn--e1afmkfd.xn--p1ai` → `пример.рф`). For display only: the link keeps the exact
/// address.
///
/// What could mislead stays encoded: escapes of ASCII (`%20`, `%2F`, `%3F` change what an
/// address says when decoded), bytes that are not UTF-8, controls, invisible and
/// direction-changing characters (a right-to-left override can make an address read
/// backwards), and host labels that mix Latin letters with Cyrillic or Greek ones (the
/// letters of a look-alike address). Whole labels in one non-Latin script are shown
/// decoded; the exact address is in the link and its title.
pub fn url_for_display(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return decode_percent(url) };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(at) => authority.split_at(at + 1),
        None => ("", authority),
    };
    let (host, port) = match hostport.rfind(':') {
        Some(c) if hostport[c + 1..].bytes().all(|b| b.is_ascii_digit()) => hostport.split_at(c),
        _ => (hostport, ""),
    };
    let host: Vec<String> = host.split('.').map(display_label).collect();
    format!("{scheme}://{userinfo}{}{port}{}", host.join("."), decode_percent(tail))
}

/// A host label, decoded from punycode when that is safe to show.
fn display_label(label: &str) -> String {
    let Some(encoded) = label.get(..4).filter(|p| p.eq_ignore_ascii_case("xn--")).map(|_| &label[4..]) else {
        return label.to_string();
    };
    match punycode_decode(encoded) {
        Some(decoded) if shows_safely(&decoded) && !mixes_confusable_scripts(&decoded) => decoded,
        _ => label.to_string(),
    }
}

/// Whether a character can be shown in an address as itself.
fn shows_safely(s: &str) -> bool {
    s.chars().all(|c| {
        !c.is_control()
            && !c.is_whitespace()
            && !matches!(c,
                '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
                | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFF}' | '\u{E0000}'..='\u{E0FFF}')
    })
}

/// Latin letters together with Cyrillic or Greek ones in one label (`pаypal` with a
/// Cyrillic `а`).
fn mixes_confusable_scripts(s: &str) -> bool {
    let latin =
        s.chars().any(|c| c.is_ascii_alphabetic() || matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}'));
    let other =
        s.chars().any(|c| matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}' | '\u{1F00}'..='\u{1FFF}'));
    latin && other
}

/// Percent-escapes of UTF-8 text decoded where the characters show safely; every other
/// escape kept as it was written.
fn decode_percent(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let hex = |i: usize| -> Option<u8> {
        let h = bytes.get(i + 1..i + 3)?;
        u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    };
    while i < bytes.len() {
        // A run of escapes of bytes 0x80 and up: what UTF-8 text looks like encoded.
        let start = i;
        let mut run = Vec::new();
        while bytes.get(i) == Some(&b'%')
            && let Some(b) = hex(i).filter(|b| *b >= 0x80)
        {
            run.push(b);
            i += 3;
        }
        if run.is_empty() {
            let next = s[i..].chars().next().expect("within the string");
            out.push(next);
            i += next.len_utf8();
            continue;
        }
        // Decode what is valid and safe; the rest is written back as it came.
        let written = &s[start..i];
        let mut at = 0;
        for chunk in run.utf8_chunks() {
            for c in chunk.valid().chars() {
                let n = c.len_utf8();
                if shows_safely(c.encode_utf8(&mut [0; 4])) {
                    out.push(c);
                } else {
                    out.push_str(&written[at * 3..(at + n) * 3]);
                }
                at += n;
            }
            let bad = chunk.invalid().len();
            out.push_str(&written[at * 3..(at + bad) * 3]);
            at += bad;
        }
    }
    out
}

/// RFC 3492 punycode, decoded (the part of a label after `xn--`); `None` if malformed.
pub fn punycode_decode(input: &str) -> Option<String> {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    let adapt = |delta: u32, points: u32, first: bool| {
        let mut delta = if first { delta / DAMP } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    };
    let (basic, extended) = match input.rfind('-') {
        Some(d) => (&input[..d], &input[d + 1..]),
        None => ("", input),
    };
    if !basic.is_ascii() || input.len() > 63 {
        return None;
    }
    let mut out: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut digits = extended.bytes();
    while digits.len() > 0 {
        let old = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let digit = match digits.next()? {
                b @ b'a'..=b'z' => u32::from(b - b'a'),
                b @ b'A'..=b'Z' => u32::from(b - b'A'),
                b @ b'0'..=b'9' => u32::from(b - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(digit.checked_mul(w)?)?;
            let t = if k <= bias {
                TMIN
            } else if k >= bias + TMAX {
                TMAX
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let points = out.len() as u32 + 1;
        bias = adapt(i - old, points, old == 0);
        n = n.checked_add(i / points)?;
        i %= points;
        out.insert(i as usize, char::from_u32(n)?);
        i += 1;
    }
    Some(out.into_iter().collect())
}

/// Whether a paragraph of an article's text is a sub-heading. The text keeps no markup
/// (an HTML page's headings and a JSON record's section titles are paragraphs like the
/// others), so this judges by shape: short (at most 12 words and 90 characters; 30 for
/// scripts without spaces), not ending as a sentence or a clause does, not opening with
/// a quotation, starting with a capital or a letter without case, and followed by a
/// longer paragraph; never the first or the last paragraph (a dateline or a sign-off).
pub fn is_subheading(paragraphs: &[&str], i: usize) -> bool {
    let (Some(p), Some(next)) = (paragraphs.get(i), paragraphs.get(i + 1)) else { return false };
    if i == 0 || p.contains('\n') {
        return false;
    }
    let chars = p.chars().count();
    let spaced = p.contains(' ');
    if p.split_whitespace().count() > 12 || chars > 90 || (!spaced && chars > 30) || chars < 2 {
        return false;
    }
    if next.chars().count() <= chars {
        return false;
    }
    let last = p.chars().last().expect("not empty");
    let ends_open = matches!(
        last,
        '.' | '!'
            | '?'
            | ':'
            | ';'
            | ','
            | '…'
            | '-'
            | '–'
            | '—'
            | '"'
            | '\''
            | '”'
            | '’'
            | '»'
            | '」'
            | '』'
            | ')'
            | ']'
            | '。'
            | '！'
            | '？'
            | '：'
            | '；'
            | '，'
            | '、'
            | '）'
            | '؟'
            | '،'
            | '؛'
            | '۔'
            | '।'
    );
    let first = p.chars().next().expect("not empty");
    let opens_quote =
        matches!(first, '"' | '\'' | '“' | '‘' | '«' | '„' | '「' | '『' | '(' | '[' | '-' | '–' | '—' | '•' | '*');
    let starts_word = first.is_uppercase() || (first.is_alphabetic() && !first.is_lowercase()) || first.is_numeric();
    !ends_open && !opens_quote && starts_word
}

/// `text` escaped, with the byte ranges `marks` (sorted, not overlapping; others are
/// dropped) in `<mark>`; the first mark of the page gets `id="m1"` when `first` is set.
pub fn marked_html(text: &str, marks: &[Range<usize>], first: &mut bool) -> String {
    let mut out = String::with_capacity(text.len() + marks.len() * 16);
    let mut at = 0;
    for r in marks {
        if r.start < at
            || r.end > text.len()
            || r.start >= r.end
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            continue;
        }
        out.push_str(&escape(&text[at..r.start]));
        out.push_str(if std::mem::take(first) { "<mark id=\"m1\">" } else { "<mark>" });
        out.push_str(&escape(&text[r.clone()]));
        out.push_str("</mark>");
        at = r.end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

/// An article's paragraphs (split at blank lines, trimmed) with their byte ranges in
/// `body`.
pub fn paragraphs(body: &str) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for piece in body.split("\n\n") {
        let start = at + (piece.len() - piece.trim_start().len());
        let trimmed = piece.trim();
        if !trimmed.is_empty() {
            out.push((start..start + trimmed.len(), trimmed));
        }
        at += piece.len() + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punycode_decodes_the_rfc_and_iana_examples() {
        assert_eq!(punycode_decode("bcher-kva").as_deref(), Some("bücher"));
        assert_eq!(punycode_decode("e1afmkfd").as_deref(), Some("пример"));
        assert_eq!(punycode_decode("fsqu00a").as_deref(), Some("例子"));
        assert_eq!(punycode_decode("mgbh0fb").as_deref(), Some("مثال"));
        // RFC 3492 7.1 (L): Japanese with a Latin part.
        assert_eq!(punycode_decode("3B-ww4c5e180e575a65lsy2b").as_deref(), Some("3年B組金八先生"));
        for bad in ["", "-", "e1afmkfd!", "zzzzzzzzzzzzzzzzzzzz", "99999999999"] {
            let _ = punycode_decode(bad); // no panic, whatever it gives
        }
        assert_eq!(punycode_decode("e1afmk!d"), None);
    }

    #[test]
    fn addresses_are_shown_decoded_where_that_is_safe() {
        let zh = "https://zh.wikinews.org/wiki/%E7%BB%B4%E5%9F%BA%E6%96%B0%E9%97%BB";
        assert_eq!(url_for_display(zh), "https://zh.wikinews.org/wiki/维基新闻");
        assert_eq!(url_for_display("http://xn--e1afmkfd.xn--p1ai/a?b=%D1%8F"), "http://пример.рф/a?b=я");
        assert_eq!(url_for_display("https://user@xn--bcher-kva.example:8080/x"), "https://user@bücher.example:8080/x");
        // ASCII escapes, broken UTF-8 and invisible or bidi characters stay encoded.
        assert_eq!(url_for_display("https://a.org/a%20b%2Fc%3F"), "https://a.org/a%20b%2Fc%3F");
        assert_eq!(url_for_display("https://a.org/%E7%BB"), "https://a.org/%E7%BB");
        assert_eq!(url_for_display("https://a.org/x%E2%80%AEtxt.exe"), "https://a.org/x%E2%80%AEtxt.exe");
        assert_eq!(url_for_display("https://a.org/%E7%BB%B4%FF%E5%9F%BA"), "https://a.org/维%FF基");
        // A label mixing Latin and Cyrillic letters (`pаypal` with a Cyrillic а).
        assert_eq!(url_for_display("https://xn--pypal-4ve.com/"), "https://xn--pypal-4ve.com/");
        assert_eq!(url_for_display("https://xn--broken!.com/"), "https://xn--broken!.com/");
        assert_eq!(url_for_display("no scheme %D1%8F"), "no scheme я");
        // An address of a hundred encoded characters shrinks to a third.
        let long = format!("https://ja.wikinews.org/wiki/{}", "%E6%9D%B1%E4%BA%AC".repeat(50));
        assert_eq!(url_for_display(&long), format!("https://ja.wikinews.org/wiki/{}", "東京".repeat(50)));
    }

    #[test]
    fn sub_headings_are_short_unpunctuated_lines_before_longer_text() {
        let text = [
            "Tuesday, September 1, 2015",
            "Nick Bos studies the amazing adaptations social insects have evolved.",
            "Background",
            "The team used Formica fusca, an ant species that can form thousand-strong colonies.",
            "What first attracted you to researching ants?",
            "Me and a studymate were keeping a lot of animals during our studies, from beetles to ants.",
            "\"-- think again.\"",
            "A long paragraph that follows a quotation and ends the way sentences end, with a stop.",
            "and a lower-case fragment",
            "Another long paragraph that follows a fragment and ends the way sentences end, too.",
            "背景",
            "中国国家统计局周一公布的数据显示，今年前三个季度国内生产总值同比增长百分之五。",
            "Sources",
        ];
        let headings: Vec<&str> = (0..text.len()).filter(|&i| is_subheading(&text, i)).map(|i| text[i]).collect();
        assert_eq!(headings, ["Background", "背景"]);
    }

    #[test]
    fn marks_are_escaped_and_the_first_is_anchored() {
        let mut first = true;
        let html = marked_html("<b>Tashkent</b> & Tashkent", &[3..11, 18..26, 20..22, 30..40], &mut first);
        assert_eq!(html, "&lt;b&gt;<mark id=\"m1\">Tashkent</mark>&lt;/b&gt; &amp; <mark>Tashkent</mark>");
        assert!(!first);
        assert_eq!(
            marked_html("维基新闻", std::slice::from_ref(&(1..4)), &mut true),
            "维基新闻",
            "off a character boundary: dropped"
        );
        let body = "  One.\n\nTwo two.\n\n\n\nThree ";
        let p = paragraphs(body);
        assert_eq!(p.iter().map(|(_, t)| *t).collect::<Vec<_>>(), ["One.", "Two two.", "Three"]);
        assert!(p.iter().all(|(r, t)| &body[r.clone()] == *t));
    }
}
