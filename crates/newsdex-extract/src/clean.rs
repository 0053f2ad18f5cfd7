//! Unicode and whitespace hygiene for stored text.
//!
//! NFC (never NFKC: compatibility folding belongs to the search analyzer, not to the text
//! we show); `\r\n` and `\r` to `\n`; control characters, zero-width characters and soft
//! hyphens dropped; runs of spaces and tabs inside a line collapsed; lines trimmed;
//! paragraphs (blank-line separated) kept, with at most one blank line between them.

use newsdex_core::Warning;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Characters that are invisible in text and only break search: zero-width space, joiners
/// used as word breakers, word joiner, BOM, soft hyphen. ZWJ (U+200D) and ZWNJ (U+200C)
/// are kept: Persian, Urdu, Indic scripts and emoji need them.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}')
}

/// Clean `text`; counts of what was removed become warnings.
pub fn clean_text(text: &str, warnings: &mut Vec<Warning>) -> String {
    let nfc: std::borrow::Cow<'_, str> = match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => text.into(),
        _ => {
            let n: String = text.nfc().collect();
            if n != text {
                warnings.push(Warning::new("normalized-nfc", "text was not in Unicode NFC; normalized"));
            }
            n.into()
        }
    };
    // Unicode's own line and paragraph separators become the breaks we keep.
    let nfc: std::borrow::Cow<'_, str> = if nfc.contains(['\u{2028}', '\u{2029}']) {
        nfc.replace('\u{2029}', "\n\n").replace('\u{2028}', "\n").into()
    } else {
        nfc
    };
    let mut out = String::with_capacity(nfc.len());
    let mut controls = 0u64;
    let mut invisible = 0u64;
    let mut blank_run = 0usize;
    let mut started = false;
    for line in nfc.split('\n') {
        let mut cleaned = String::with_capacity(line.len());
        let mut space = false;
        for c in line.chars() {
            if c == '\r' {
                continue;
            }
            if is_invisible(c) {
                invisible += 1;
                continue;
            }
            if c.is_whitespace() {
                space = true;
                continue;
            }
            if c.is_control() {
                controls += 1;
                space = true;
                continue;
            }
            if space && !cleaned.is_empty() {
                cleaned.push(' ');
            }
            space = false;
            cleaned.push(c);
        }
        if cleaned.is_empty() {
            blank_run += 1;
            continue;
        }
        if started {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        started = true;
        blank_run = 0;
        out.push_str(&cleaned);
    }
    if controls > 0 {
        warnings.push(Warning::counted("control-chars", format!("{controls} control character(s) removed"), controls));
    }
    if invisible > 0 {
        warnings.push(Warning::counted(
            "invisible-chars",
            format!("{invisible} zero-width character(s) or soft hyphen(s) removed"),
            invisible,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> (String, Vec<String>) {
        let mut w = Vec::new();
        let t = clean_text(s, &mut w);
        (t, w.into_iter().map(|w| w.code).collect())
    }

    #[test]
    fn keeps_paragraphs_and_collapses_spaces() {
        assert_eq!(
            c("  Title  \r\n\r\n\r\n First\tpara  line\nsame para \n\n\nSecond ").0,
            "Title\n\nFirst para line\nsame para\n\nSecond"
        );
    }

    #[test]
    fn removes_invisible_and_control_characters() {
        assert_eq!(
            c("Uy\u{200B}ghur soft\u{00AD}hyphen\u{0007}bell"),
            ("Uyghur softhyphen bell".into(), vec!["control-chars".into(), "invisible-chars".into()])
        );
    }

    #[test]
    fn nfc_but_not_nfkc() {
        // e + combining acute → é; the ligature ﬁ and full-width Ａ are left alone (NFKC would fold them).
        assert_eq!(c("Cafe\u{301} ﬁ Ａ").0, "Café ﬁ Ａ");
    }

    #[test]
    fn unicode_line_and_paragraph_separators() {
        assert_eq!(c("one\u{2028}two\u{2029}three").0, "one\ntwo\n\nthree");
    }

    #[test]
    fn keeps_joiners_that_scripts_need() {
        assert_eq!(c("می\u{200C}خواهم").0, "می\u{200C}خواهم");
    }
}
