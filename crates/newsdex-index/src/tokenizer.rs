//! The word tokenizer behind the text analyzer.
//!
//! A word is a run of letters, digits and combining marks (so Devanagari vowel signs and
//! Arabic diacritics stay inside their word, which tantivy's `SimpleTokenizer` splits on).
//! Scripts written without spaces get more:
//!
//! * **Chinese and Japanese** runs become overlapping bigrams (`新疆维吾尔` → `新疆 疆维
//!   维吾 吾尔`), the language-agnostic scheme of Lucene's CJK analyzer: a query for any
//!   word of two or more characters matches as a phrase of its bigrams, so no word is ever
//!   missed for want of a dictionary. Words of three or more characters found by a
//!   dictionary are added at the position of their first character, for ranking: jieba
//!   (search mode) on runs of Chinese characters, ICU4X's word segmenter on runs with
//!   kana (Japanese). Each character of a run of two or more is also given alone, at its
//!   bigram's position (the run's last character at the last bigram's), so that a query
//!   of one character finds it inside every word (`雨` in `大雨`), not only where it
//!   stands alone; in a query word of two or more characters those single characters
//!   are not searched (its bigrams are).
//! * **Thai, Lao, Khmer and Burmese** runs are split into words by ICU4X's segmenter
//!   (dictionaries and LSTM models compiled in).
//!
//! Written here because no crate offers this mix as a tantivy tokenizer: tantivy-jieba is
//! Chinese-only and turns other scripts into single characters, lindera downloads its
//! dictionaries at build time, and `SimpleTokenizer` keeps a whole CJK or Thai sentence as
//! one token.

use std::sync::OnceLock;

use icu_segmenter::options::WordBreakInvariantOptions;
use icu_segmenter::{WordSegmenter, WordSegmenterBorrowed};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::char::is_combining_mark;

/// See the module documentation.
#[derive(Clone, Default, Debug)]
pub struct WordTokenizer {
    token: Token,
    /// Leave out the dictionary words of Chinese and Japanese runs (their bigrams and
    /// characters stay): for comparing spellings by their main tokens, where loading
    /// jieba's dictionary (most of a one-word search's 0.15 s) buys nothing.
    no_dictionary: bool,
}

impl WordTokenizer {
    /// A tokenizer without dictionary words ([`WordTokenizer::no_dictionary`]).
    pub(crate) fn without_dictionary() -> WordTokenizer {
        WordTokenizer { no_dictionary: true, ..WordTokenizer::default() }
    }
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

fn is_kana(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F)
}

/// Thai, Lao, Burmese and Khmer: written without spaces, segmented by ICU4X.
fn is_southeast_asian(c: char) -> bool {
    matches!(c as u32, 0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF | 0x19E0..=0x19FF | 0xAA60..=0xAA7F)
}

fn is_word_char(c: char) -> bool {
    // ASCII first: most text is, and the mark table lookup showed at 6% of query time
    // (snippets tokenize each hit's body).
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    c.is_alphanumeric() || is_combining_mark(c)
}

fn icu() -> WordSegmenterBorrowed<'static> {
    // Compiled-in data: a borrowed segmenter over static tables, built on each call.
    WordSegmenter::new_auto(WordBreakInvariantOptions::default())
}

fn jieba() -> &'static jieba_rs::Jieba {
    static JIEBA: OnceLock<jieba_rs::Jieba> = OnceLock::new();
    JIEBA.get_or_init(jieba_rs::Jieba::new)
}

/// A token: byte range and position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tok {
    from: usize,
    to: usize,
    position: usize,
}

/// All tokens of `text`, in position order.
fn segment(text: &str, dictionary: bool, out: &mut Vec<Tok>) {
    let mut pos = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if is_cjk(c) {
            let mut starts = vec![start];
            let mut end = start + c.len_utf8();
            let mut kana = is_kana(c);
            while let Some(&(i, d)) = chars.peek() {
                if is_cjk(d) {
                    starts.push(i);
                    kana |= is_kana(d);
                } else if !is_combining_mark(d) {
                    break;
                }
                // A mark on a kana (e.g. a combining voiced mark) belongs to it.
                end = i + d.len_utf8();
                chars.next();
            }
            cjk_run(text, &starts, end, kana && dictionary, dictionary, &mut pos, out);
            continue;
        }
        if is_southeast_asian(c) {
            let mut end = start + c.len_utf8();
            while let Some(&(i, d)) = chars.peek() {
                if !(is_southeast_asian(d) || is_combining_mark(d)) {
                    break;
                }
                end = i + d.len_utf8();
                chars.next();
            }
            let run = &text[start..end];
            let breaks: Vec<usize> = icu().segment_str(run).collect();
            for w in breaks.windows(2) {
                let word = &run[w[0]..w[1]];
                if word.chars().any(|c| c.is_alphanumeric()) {
                    out.push(Tok { from: start + w[0], to: start + w[1], position: pos });
                    pos += 1;
                }
            }
            continue;
        }
        if !is_word_char(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, d)) = chars.peek() {
            if is_word_char(d) && !is_cjk(d) && !is_southeast_asian(d) {
                end = i + d.len_utf8();
                chars.next();
            } else {
                break;
            }
        }
        out.push(Tok { from: start, to: end, position: pos });
        pos += 1;
    }
}

/// Bigrams of a CJK run (a lone character is its own token), with dictionary words of
/// three or more characters at the position of their first character, then the
/// characters alone.
fn cjk_run(
    text: &str,
    starts: &[usize],
    end: usize,
    kana: bool,
    dictionary: bool,
    pos: &mut usize,
    out: &mut Vec<Tok>,
) {
    let n = starts.len();
    let at = |i: usize| starts.get(i).copied().unwrap_or(end);
    // Dictionary words: (index of first character, byte range).
    let mut words: Vec<(usize, usize, usize)> = Vec::new();
    if n >= 3 && dictionary {
        let base = starts[0];
        let run = &text[base..end];
        let mut add = |from: usize, to: usize| {
            let word = &run[from..to];
            if word.chars().filter(|&c| is_cjk(c)).count() >= 3
                && let Ok(first) = starts.binary_search(&(base + from))
            {
                words.push((first, base + from, base + to));
            }
        };
        if kana {
            let breaks: Vec<usize> = icu().segment_str(run).collect();
            for w in breaks.windows(2) {
                add(w[0], w[1]);
            }
        } else {
            for t in jieba().cut_for_search(run, false) {
                add(t.byte_start, t.byte_end);
            }
        }
        words.sort_unstable();
        words.dedup();
    }
    let bigrams = n.saturating_sub(1).max(n.min(1));
    let mut w = words.iter().peekable();
    for (i, &from) in starts.iter().enumerate().take(bigrams) {
        out.push(Tok { from, to: at(i + 2), position: *pos + i });
        while let Some(&&(first, from, to)) = w.peek() {
            if first != i {
                break;
            }
            out.push(Tok { from, to, position: *pos + i });
            w.next();
        }
        // Each character alone, at its bigram's position (the run's last character shares
        // the last bigram's): a query of one character finds it inside words.
        if n >= 2 {
            out.push(Tok { from, to: at(i + 1), position: *pos + i });
            if i + 2 == n {
                out.push(Tok { from: at(i + 1), to: end, position: *pos + i });
            }
        }
    }
    *pos += bigrams;
}

/// Token stream of [`WordTokenizer`].
#[derive(Debug)]
pub struct WordTokenStream<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    next: usize,
    token: &'a mut Token,
}

/// The words of `text` one by one, as a query would list them: one token per position
/// (Chinese and Japanese as bigrams, without the dictionary words added beside them; Thai
/// and its neighbours as dictionary words). Not lower-cased or folded: the analyzers do
/// that to query and document alike.
pub fn words(text: &str) -> Vec<&str> {
    let mut toks = Vec::new();
    segment(text, false, &mut toks);
    let mut out: Vec<&str> = Vec::with_capacity(toks.len());
    let mut last = None;
    for t in toks {
        if last != Some(t.position) {
            out.push(&text[t.from..t.to]);
            last = Some(t.position);
        }
    }
    out
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordTokenStream<'a> {
        self.token.reset();
        let mut toks = Vec::with_capacity(text.len() / 6);
        segment(text, !self.no_dictionary, &mut toks);
        WordTokenStream { text, toks, next: 0, token: &mut self.token }
    }
}

impl TokenStream for WordTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(t) = self.toks.get(self.next) else { return false };
        self.next += 1;
        self.token.text.clear();
        self.token.text.push_str(&self.text[t.from..t.to]);
        self.token.offset_from = t.from;
        self.token.offset_to = t.to;
        self.token.position = t.position;
        self.token.position_length = 1;
        true
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
            [
                ("新疆".into(), 0),
                ("新疆维吾尔".into(), 0),
                ("新".into(), 0),
                ("疆维".into(), 1),
                ("疆".into(), 1),
                ("维吾".into(), 2),
                ("维吾尔".into(), 2),
                ("维".into(), 2),
                ("吾尔".into(), 3),
                ("吾".into(), 3),
                ("尔".into(), 3)
            ]
        );
        // Two characters: the bigram, then each alone at its position; one: itself only.
        assert_eq!(tokens("地震"), [("地震".into(), 0), ("地".into(), 0), ("震".into(), 0)]);
        assert_eq!(tokens("雨。"), [("雨".into(), 0)]);
        // One word per position, as a query lists them.
        assert_eq!(super::words("地震"), ["地震"]);
        assert_eq!(super::words("雨"), ["雨"]);
        assert_eq!(super::words("宮城県沖でM7"), ["宮城", "城県", "県沖", "沖で", "M7"]);
        assert_eq!(super::words("abc漢字def"), ["abc", "漢字", "def"]);
        assert_eq!(super::words("東京、大阪"), ["東京", "大阪"]);
    }

    #[test]
    fn dictionary_words_join_the_bigrams() {
        // jieba on Chinese: 自治区 and 维吾尔 at their first character's position.
        let t = tokens("新疆维吾尔自治区");
        assert!(t.contains(&("维吾尔".into(), 2)), "{t:?}");
        assert!(t.contains(&("自治区".into(), 5)), "{t:?}");
        // Positions never go backwards.
        assert!(t.windows(2).all(|w| w[0].1 <= w[1].1), "{t:?}");
        // ICU on Japanese (a run with kana).
        let t = tokens("気象庁は大きな地震");
        assert!(t.iter().any(|(w, _)| w == "大きな"), "{t:?}");
    }

    #[test]
    fn thai_is_split_into_words() {
        assert_eq!(words("ภาษาไทยเป็นภาษาราชการ"), ["ภาษา", "ไทย", "เป็น", "ภาษา", "ราชการ"]);
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
