//! Names across scripts: `Путин` and `Putin`, `Эрдоган` and `Erdogan`, `Ташкент` and
//! `Tashkent`.
//!
//! A name's **key** is its script and its transliteration into Latin letters
//! (`any_ascii`, lower case, letters only): `Путин` → `c:putin`, `Putin` → `l:putin`,
//! `Αθήνα` → `g:athina`. A query for a name also searches the same transliteration in the
//! *other* scripts (`l:putin` finds `c:putin`), never in its own: the word itself already
//! does that, and a key inside one script only joins unrelated words.
//!
//! The `names` field indexes keys of **name-like** words only: words of a script with
//! capital letters (Latin, Cyrillic, Greek, Armenian) written with a capital and not
//! opening a sentence ([`NameWords`]). That is what keeps the join precise: `Рим` (Rome)
//! transliterates to `rim`, but an English `rim` is not written with a capital, so a search
//! for `Рим` does not find it; and a Russian `России` keys to `rossii`, which an Italian
//! `Rossi` does not. The same field tells whether a word is a name in this archive: the
//! share of the documents holding the word that write it as a name ([`crate::expand`]).
//!
//! Exact transliteration joins fewer spellings than a phonetic key did (`Уйгур` is
//! `uigur`, not `uyghur`; `Хотан` is `khotan`, not `hotan`): a phonetic key also joined
//! `Annan` with `anon` and `России` with `Rossi` (issue #15: 0.21 of its hits were right).
//! Spellings that differ in more than script come from the variants file and the
//! gazetteers, which are curated.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::tokenizer::WordTokenizer;

/// Fewest letters a key has (`Рим` → `rim`).
pub const MIN_KEY: usize = 3;

/// A script with capital letters, which is all that name detection can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CasedScript {
    Latin,
    Cyrillic,
    Greek,
    Armenian,
}

impl CasedScript {
    /// The key's prefix.
    pub fn tag(self) -> &'static str {
        match self {
            CasedScript::Latin => "l:",
            CasedScript::Cyrillic => "c:",
            CasedScript::Greek => "g:",
            CasedScript::Armenian => "a:",
        }
    }

    pub const ALL: [CasedScript; 4] =
        [CasedScript::Latin, CasedScript::Cyrillic, CasedScript::Greek, CasedScript::Armenian];
}

/// The cased script of a word: that of its letters, when they are all of one cased script.
pub fn cased_script(word: &str) -> Option<CasedScript> {
    let mut found = None;
    for c in word.chars().filter(|c| c.is_alphabetic()) {
        let s = match c as u32 {
            0x0041..=0x024F | 0x1E00..=0x1EFF => CasedScript::Latin,
            0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => CasedScript::Cyrillic,
            0x0370..=0x03FF | 0x1F00..=0x1FFF => CasedScript::Greek,
            0x0531..=0x058F => CasedScript::Armenian,
            _ => return None,
        };
        match found {
            None => found = Some(s),
            Some(f) if f != s => return None,
            Some(_) => {}
        }
    }
    found
}

/// The transliteration part of a key: Latin letters of `word`, lower case.
fn translit(word: &str) -> String {
    any_ascii::any_ascii(word).to_ascii_lowercase().bytes().filter(u8::is_ascii_lowercase).map(char::from).collect()
}

/// The key of a (lower-cased, folded) word, if its script has capitals and its
/// transliteration has at least [`MIN_KEY`] letters.
pub fn key(word: &str) -> Option<String> {
    let script = cased_script(word)?;
    let t = translit(word);
    (t.chars().count() >= MIN_KEY).then(|| format!("{}{t}", script.tag()))
}

/// The keys that find `word`'s transliteration written in the other cased scripts.
pub fn other_script_keys(word: &str) -> Vec<String> {
    let Some(script) = cased_script(word) else { return Vec::new() };
    let t = translit(word);
    if t.chars().count() < MIN_KEY {
        return Vec::new();
    }
    CasedScript::ALL.iter().filter(|s| **s != script).map(|s| format!("{}{t}", s.tag())).collect()
}

/// [`key`] as a [`crate::analysis::Fold`] function: each token replaced by its key;
/// tokens without one are dropped.
pub fn keyed(s: &str) -> Option<std::borrow::Cow<'_, str>> {
    key(s).map(std::borrow::Cow::Owned)
}

/// The words of a text that are written as names: in a cased script, starting with a
/// capital letter, and not the first word of a sentence, a line or a quotation (where
/// any word is capitalised). Their positions are the text's own. A text written in
/// capitals ([`in_capitals`]) has none: there every word starts with one.
#[derive(Clone, Default, Debug)]
pub struct NameWords {
    words: WordTokenizer,
}

/// Whether `text` is written in capitals (old wire copy, telegrams, TIME's 1963 articles
/// as the Glasgow collection holds them): at least 20 capital letters and fewer than one
/// small letter for every ten of them. Its capitals say nothing of which words are names.
pub fn in_capitals(text: &str) -> bool {
    let (mut upper, mut lower) = (0usize, 0usize);
    for c in text.chars() {
        if c.is_uppercase() {
            upper += 1;
        } else if c.is_lowercase() {
            lower += 1;
        }
    }
    upper >= 20 && lower * 10 < upper
}

/// See [`NameWords`].
#[allow(missing_debug_implementations)] // the inner stream has no Debug
pub struct NameWordsStream<'a> {
    inner: <WordTokenizer as Tokenizer>::TokenStream<'a>,
    text: &'a str,
    /// End of the previous word (any word, name or not).
    last_end: usize,
}

impl Tokenizer for NameWords {
    type TokenStream<'a> = NameWordsStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> NameWordsStream<'a> {
        // A text in capitals gives the inner stream nothing to read.
        let read = if in_capitals(text) { "" } else { text };
        NameWordsStream { inner: self.words.token_stream(read), text: read, last_end: 0 }
    }
}

/// Whether the text between two words ends a sentence or opens a quotation.
fn opens_sentence(gap: &str, first: bool) -> bool {
    (first && gap.trim().is_empty())
        || gap.chars().any(|c| matches!(c, '.' | '!' | '?' | '\n' | ':' | '"' | '“' | '«' | '„' | '(' | '—' | '•'))
}

impl TokenStream for NameWordsStream<'_> {
    fn advance(&mut self) -> bool {
        while self.inner.advance() {
            let t = self.inner.token();
            let (from, to) = (t.offset_from, t.offset_to);
            let gap = self.text.get(self.last_end..from).unwrap_or("");
            let first = self.last_end == 0;
            self.last_end = to;
            let word = &self.text[from..to];
            let capital = word.chars().next().is_some_and(char::is_uppercase);
            if capital && cased_script(word).is_some() && !opens_sentence(gap, first) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.inner.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.inner.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_script_and_transliteration() {
        assert_eq!(key("путин").as_deref(), Some("c:putin"));
        assert_eq!(key("putin").as_deref(), Some("l:putin"));
        assert_eq!(key("ташкент").as_deref(), Some("c:tashkent"));
        assert_eq!(key("рим").as_deref(), Some("c:rim"));
        assert_eq!(key("αθηνα").as_deref(), Some("g:athina"));
        assert_eq!(key("россии"), Some("c:rossii".into()));
        assert_ne!(key("россии").map(|k| k[2..].to_string()), key("rossi").map(|k| k[2..].to_string()));
        assert_eq!(other_script_keys("putin"), ["c:putin", "g:putin", "a:putin"]);
    }

    #[test]
    fn no_key_for_short_words_caseless_scripts_and_mixed_words() {
        assert_eq!(key("un"), None);
        assert_eq!(key("维吾尔"), None);
        assert_eq!(key("ئۇيغۇر"), None);
        assert_eq!(key("1989"), None);
        assert_eq!(key("pпутин"), None);
    }

    fn names(text: &str) -> Vec<String> {
        let mut t = NameWords::default();
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push(s.token().text.clone());
        }
        out
    }

    #[test]
    fn name_words_skip_sentence_openings_and_lower_case() {
        assert_eq!(
            names("The talks in Astana ended. Putin said the rim of the Caspian was calm.\nMoscow agreed: Rome too."),
            ["Astana", "Caspian"]
        );
        assert_eq!(names("Встреча Путина и Эрдогана прошла в Сочи."), ["Путина", "Эрдогана", "Сочи"]);
        assert!(names("ئۇيغۇر 维吾尔 東京").is_empty());
        // Acronyms in ordinary text are names; a text in capitals has none.
        assert_eq!(names("The talks at NATO ended."), ["NATO"]);
    }

    /// TIME's articles (1963, as the Glasgow collection holds them) are in capitals: read
    /// as written, every word not opening a sentence was a name, so no query word got its
    /// word forms (issue #15, ranking beside Lucene).
    #[test]
    fn text_in_capitals_has_no_names() {
        let time = "THE ALLIES AFTER NASSAU IN DECEMBER 1960, THE U.S . FIRST PROPOSED TO HELP NATO \
                    DEVELOP ITS OWN NUCLEAR STRIKE FORCE . BUT EUROPE MADE NO ATTEMPT TO DEVISE A PLAN .";
        assert!(in_capitals(time));
        assert!(names(time).is_empty());
        assert!(!in_capitals("Putin said the rim of the Caspian was calm, NATO said nothing."));
        assert!(!in_capitals("UN NATO EU"), "too short to tell");
    }
}
