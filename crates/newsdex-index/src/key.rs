//! A sound key for names across scripts and spellings: `Uyghur`, `Uighur`, `Uygur`,
//! `Uigur`, `Уйгур`, `Уйғур` and `ئۇيغۇر` all become `uigur`; `Kazakhstan`, `Qazaqstan`,
//! `Казахстан` and `Қазақстан` become `kazakstan`.
//!
//! 1. The word is transliterated to Latin letters by `any_ascii` (every script, tables
//!    compiled in), after dropping the letters that only carry a vowel or a glottal stop
//!    in Arabic script (ئ ء ٴ), which transliteration would spell out.
//! 2. Spellings that differ only in how a sound is romanised are made one: `gh`→`g`,
//!    `kh`→`k`, `q`→`k`, `ph`→`f`, `w`→`v`, `y`→`i`, and doubled letters are single.
//!
//! Keys of fewer than four letters are not made (they would join unrelated short words),
//! nor keys of Chinese, Japanese or Korean words, whose transliteration says nothing about
//! their other spellings: the variants file covers those (`维吾尔`).

/// Fewest letters a key has.
pub const MIN_KEY: usize = 4;

/// The key of a lower-cased word, if it has one.
pub fn key(word: &str) -> Option<String> {
    if word.chars().any(|c| crate::tokenizer::is_cjk(c) || matches!(c as u32, 0xAC00..=0xD7AF)) {
        return None;
    }
    if word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let carriers: String = word.chars().filter(|c| !matches!(c, 'ئ' | 'ء' | 'ٴ')).collect();
    let latin = any_ascii::any_ascii(&carriers).to_ascii_lowercase();
    let letters: Vec<u8> = latin.bytes().filter(u8::is_ascii_lowercase).collect();
    let mut out: Vec<u8> = Vec::with_capacity(letters.len());
    let mut i = 0;
    while i < letters.len() {
        let (c, next) = (letters[i], letters.get(i + 1).copied());
        let (mapped, skip) = match (c, next) {
            (b'g', Some(b'h')) => (b'g', 2),
            (b'k', Some(b'h')) => (b'k', 2),
            (b'p', Some(b'h')) => (b'f', 2),
            (b'q', _) => (b'k', 1),
            (b'w', _) => (b'v', 1),
            (b'y', _) => (b'i', 1),
            (c, _) => (c, 1),
        };
        if out.last() != Some(&mapped) {
            out.push(mapped);
        }
        i += skip;
    }
    (out.len() >= MIN_KEY).then(|| String::from_utf8(out).expect("ASCII"))
}

/// [`key`] as a [`crate::analysis::Fold`] function: each token replaced by its key;
/// tokens without one are dropped.
pub fn keyed(s: &str) -> Option<std::borrow::Cow<'_, str>> {
    key(s).map(std::borrow::Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_people_many_spellings() {
        for w in ["uyghur", "uighur", "uygur", "uigur", "уйгур", "уйғур", "ئۇيغۇر"] {
            assert_eq!(key(w).as_deref(), Some("uigur"), "{w}");
        }
        for w in ["kazakhstan", "qazaqstan", "казахстан", "қазақстан"] {
            assert_eq!(key(w).as_deref(), Some("kazakstan"), "{w}");
        }
        assert_eq!(key("алматы"), key("almaty"));
        assert_eq!(key("qassem"), key("qasem"));
    }

    #[test]
    fn no_key_for_short_words_numbers_and_cjk() {
        assert_eq!(key("the"), None);
        assert_eq!(key("1989"), None);
        assert_eq!(key("维吾尔"), None);
    }
}
