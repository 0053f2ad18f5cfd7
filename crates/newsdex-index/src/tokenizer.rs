//! The word tokenizer behind the text analyzer.
//!
//! A word is a run of letters, digits and combining marks (so Devanagari vowel signs and
//! Arabic diacritics stay inside their word, which tantivy's `SimpleTokenizer` splits on).
//! Runs of Chinese characters and Japanese kana, written without spaces, become
//! overlapping bigrams (`新疆维吾尔` → `新疆 疆维 维吾 吾尔`), the language-agnostic scheme
//! of Lucene's CJK analyzer: a query for any word of two or more characters matches as a
//! phrase of its bigrams. Dictionary segmentation per language is the multilingual
//! issue's work; bigrams need no dictionary and never miss a word.
//!
//! Written here because no crate offers this mix as a tantivy tokenizer: tantivy-jieba is
//! Chinese-only and turns other scripts into single characters, lindera downloads its
//! dictionaries at build time, and `SimpleTokenizer` keeps a whole CJK sentence as one
//! token.

use std::str::CharIndices;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::char::is_combining_mark;

/// See the module documentation.
#[derive(Clone, Default, Debug)]
pub struct WordTokenizer {
    token: Token,
}

/// Chinese characters and Japanese kana: scripts written without spaces between words.
/// (Hangul is written with spaces and tokenizes as words.)
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width katakana
        | 0x20000..=0x2FA1F  // extensions B–F, compatibility supplement
    )
}

fn is_word_char(c: char) -> bool {
    // ASCII first: most text is, and the mark table lookup showed at 6% of query time
    // (snippets tokenize each hit's body).
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    c.is_alphanumeric() || is_combining_mark(c)
}

/// Token stream of [`WordTokenizer`].
#[derive(Debug)]
pub struct WordTokenStream<'a> {
    text: &'a str,
    chars: std::iter::Peekable<CharIndices<'a>>,
    token: &'a mut Token,
    /// Start offsets of the characters of the CJK run being emitted as bigrams.
    cjk: Vec<usize>,
    /// End offset of the CJK run.
    cjk_end: usize,
    /// Next bigram to emit.
    cjk_next: usize,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        WordTokenStream {
            text,
            chars: text.char_indices().peekable(),
            token: &mut self.token,
            cjk: Vec::new(),
            cjk_end: 0,
            cjk_next: 0,
        }
    }
}

impl WordTokenStream<'_> {
    fn emit(&mut self, from: usize, to: usize) -> bool {
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }

    /// The next bigram of the pending CJK run, if any (a lone character is its own token).
    fn next_bigram(&mut self) -> Option<(usize, usize)> {
        let count = self.cjk.len().saturating_sub(1).max(self.cjk.len().min(1));
        if self.cjk_next >= count {
            self.cjk.clear();
            return None;
        }
        let i = self.cjk_next;
        self.cjk_next += 1;
        Some((self.cjk[i], self.cjk.get(i + 2).copied().unwrap_or(self.cjk_end)))
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some((from, to)) = self.next_bigram() {
            return self.emit(from, to);
        }
        while let Some((start, c)) = self.chars.next() {
            if is_cjk(c) {
                self.cjk.clear();
                self.cjk.push(start);
                self.cjk_end = start + c.len_utf8();
                while let Some(&(i, d)) = self.chars.peek() {
                    if is_cjk(d) {
                        self.cjk.push(i);
                        self.cjk_end = i + d.len_utf8();
                        self.chars.next();
                    } else if is_combining_mark(d) {
                        // A mark on a kana (e.g. a combining voiced mark) belongs to it.
                        self.cjk_end = i + d.len_utf8();
                        self.chars.next();
                    } else {
                        break;
                    }
                }
                self.cjk_next = 0;
                if let Some((from, to)) = self.next_bigram() {
                    return self.emit(from, to);
                }
                continue;
            }
            if !is_word_char(c) {
                continue;
            }
            let mut end = start + c.len_utf8();
            while let Some(&(i, d)) = self.chars.peek() {
                if is_word_char(d) && !is_cjk(d) {
                    end = i + d.len_utf8();
                    self.chars.next();
                } else {
                    break;
                }
            }
            return self.emit(start, end);
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(String, usize)> {
        let mut t = WordTokenizer::default();
        let mut s = t.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            let tok = s.token();
            assert_eq!(&text[tok.offset_from..tok.offset_to], tok.text);
            out.push((tok.text.clone(), tok.position));
        }
        out
    }

    fn words(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn words_in_spaced_scripts() {
        assert_eq!(words("Hello, happy tax-payer!"), ["Hello", "happy", "tax", "payer"]);
        assert_eq!(words("Уйгуры в Ташкенте"), ["Уйгуры", "в", "Ташкенте"]);
        assert_eq!(words("ئۇيغۇر تىلى"), ["ئۇيغۇر", "تىلى"]);
        // Devanagari vowel signs are combining marks: the word stays whole.
        assert_eq!(words("हिन्दी भाषा"), ["हिन्दी", "भाषा"]);
        assert_eq!(words("한국어 뉴스"), ["한국어", "뉴스"]);
    }

    #[test]
    fn cjk_runs_become_bigrams_with_positions() {
        assert_eq!(
            tokens("新疆维吾尔"),
            [("新疆".into(), 0), ("疆维".into(), 1), ("维吾".into(), 2), ("吾尔".into(), 3)]
        );
        assert_eq!(words("地震"), ["地震"]);
        assert_eq!(words("雨"), ["雨"]);
        assert_eq!(words("宮城県沖でM7.4"), ["宮城", "城県", "県沖", "沖で", "M7", "4"]);
        assert_eq!(words("abc漢字def"), ["abc", "漢字", "def"]);
        assert_eq!(words("東京、大阪"), ["東京", "大阪"]);
    }

    #[test]
    fn nothing_from_punctuation() {
        assert!(words("  ,.;!? — … ").is_empty());
        assert!(words("").is_empty());
    }
}

/// Token filter: Unicode compatibility normalisation (NFKC) of each token, so that
/// full-width `Ｔａｓｈｋｅｎｔ`, the ligature in `ﬁnance` and Arabic presentation forms
/// search as their plain letters. Only in the analyzer: stored text keeps its form (NFC).
#[derive(Clone, Debug, Default)]
pub struct Nfkc;

impl tantivy::tokenizer::TokenFilter for Nfkc {
    type Tokenizer<T: Tokenizer> = NfkcFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> NfkcFilter<T> {
        NfkcFilter { tokenizer }
    }
}

/// See [`Nfkc`].
#[derive(Clone, Debug)]
pub struct NfkcFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for NfkcFilter<T> {
    type TokenStream<'a> = NfkcStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        NfkcStream { tail: self.tokenizer.token_stream(text) }
    }
}

/// See [`Nfkc`].
#[derive(Debug)]
pub struct NfkcStream<T> {
    tail: T,
}

impl<T: TokenStream> TokenStream for NfkcStream<T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let text = &self.tail.token().text;
        if !text.is_ascii() {
            use unicode_normalization::UnicodeNormalization;
            let n: String = text.nfkc().collect();
            if n != *text {
                self.tail.token_mut().text = n;
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod nfkc_tests {
    use tantivy::tokenizer::{LowerCaser, TextAnalyzer};

    use super::*;

    #[test]
    fn compatibility_forms_search_as_plain_letters() {
        let mut a = TextAnalyzer::builder(WordTokenizer::default()).filter(Nfkc).filter(LowerCaser).build();
        let mut toks = |s: &str| {
            let mut out = Vec::new();
            let mut st = a.token_stream(s);
            while st.advance() {
                out.push(st.token().text.clone());
            }
            out
        };
        assert_eq!(toks("Ｔａｓｈｋｅｎｔ ﬁnance"), ["tashkent", "finance"]);
        assert_eq!(toks("ﻻ"), ["لا"]);
    }
}
