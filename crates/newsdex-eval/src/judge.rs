//! The judge of query expansion: does a text contain a given spelling as a whole word?
//!
//! It is deliberately independent of newsdex's own analysis (no newsdex tokenizer,
//! fold, stemmer, sound key or variants file), so that it can judge them:
//!
//! * **Fold** ([`fold`]): Unicode NFKC (full-width letters, ligatures), lower case (`ß` →
//!   `ss`, final `ς` → `σ`), then an accent fold: after canonical decomposition every
//!   non-spacing mark is dropped (`Erdoğan` → `erdogan`, `Moscú` → `moscu`, Arabic
//!   harakat and the hamza seat, `ё` → `е`) except the Japanese voicing marks (`が` stays
//!   `が`) and the breve of Cyrillic `й` (a letter of its own, not an accent); the Arabic
//!   tatweel is dropped and Turkish dotless `ı` becomes `i`.
//! * **Words** ([`words`]): Unicode word segmentation (UAX #29, the `unicode-segmentation`
//!   crate, not ICU4X which newsdex uses), each word further split at apostrophes so that
//!   `Annan's`, `l'Allemagne` and `Erdoğan'ın` give `annan`, `allemagne`, `erdogan`. A
//!   spelling of several words (`Xi Jinping`, `Алма-Ата`) matches the same words in a row.
//! * **Scripts written without spaces** (Han, Hiragana, Katakana, Hangul, Thai, Lao, Khmer,
//!   Myanmar): a spelling containing any such character matches as a **substring** of the
//!   folded text. There is no dictionary-free way to find word boundaries in Chinese or
//!   Japanese, and Korean attaches particles to the word (`푸틴은`); so `普京` is found in
//!   `普京总统`, and a longer word that merely contains the spelling counts too.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// Case, compatibility and accent fold (see the module docs).
pub fn fold(s: &str) -> String {
    let mut lower = String::with_capacity(s.len());
    for c in s.nfkc() {
        match c {
            'ß' | 'ẞ' => lower.push_str("ss"),
            'ς' => lower.push('σ'),
            'ı' => lower.push('i'),
            _ => lower.extend(c.to_lowercase()),
        }
    }
    let mut out = String::with_capacity(lower.len());
    for c in lower.chars() {
        if c == 'й' {
            out.push(c);
            continue;
        }
        for d in std::iter::once(c).nfd() {
            let keep = !unicode_normalization::char::is_combining_mark(d) || matches!(d, '\u{3099}' | '\u{309A}');
            if keep && d != '\u{0640}' {
                out.push(d);
            }
        }
    }
    out.nfc().collect()
}

/// Whether `c` belongs to a script written without spaces between words (or, for
/// Hangul, with particles attached to the word).
pub fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF      // CJK radicals
        | 0x3005..=0x3007    // 々 〆 〇
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0x1100..=0x11FF | 0x3130..=0x318F // Hangul jamo
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x0E00..=0x0EFF    // Thai, Lao
        | 0x1780..=0x17FF    // Khmer
        | 0x1000..=0x109F    // Myanmar
        | 0x20000..=0x3134F  // CJK extensions B–H
    )
}

/// The words of an already folded text (see the module docs).
pub fn words(folded: &str) -> Vec<&str> {
    folded.unicode_words().flat_map(|w| w.split(['\'', '\u{2019}', '\u{2018}'])).filter(|w| !w.is_empty()).collect()
}

/// A spelling ready to be looked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Spelling {
    /// Folded words in a row.
    Words(Vec<String>),
    /// Folded text looked for as a substring (unspaced scripts).
    Substring(String),
}

impl Spelling {
    /// `None` for a spelling with no letters or digits.
    pub fn new(s: &str) -> Option<Spelling> {
        let f = fold(s);
        if f.chars().any(is_unspaced) {
            let compact: String = f.chars().filter(|c| !c.is_whitespace()).collect();
            return Some(Spelling::Substring(compact));
        }
        let w: Vec<String> = words(&f).into_iter().map(str::to_string).collect();
        (!w.is_empty()).then_some(Spelling::Words(w))
    }

    /// The spelling as one string (words joined by a space), for reports and keys.
    pub fn key(&self) -> String {
        match self {
            Spelling::Words(w) => w.join(" "),
            Spelling::Substring(s) => s.clone(),
        }
    }
}

/// A text prepared for judging: folded, with its words' places (kept compact: a few
/// bytes a word, so that thousands of texts can be held at once).
#[derive(Debug)]
pub struct Text {
    folded: String,
    /// The folded text without white space, for unspaced scripts (a line break inside a
    /// Japanese word must not hide it); empty when the text has no such character.
    compact: String,
    /// Byte ranges of the words in `folded`, in order.
    spans: Vec<(u32, u32)>,
    /// Indexes into `spans`, sorted by word (binary search).
    sorted: Vec<u32>,
}

impl Text {
    pub fn new(text: &str) -> Text {
        let folded = fold(text);
        let base = folded.as_ptr() as usize;
        let spans: Vec<(u32, u32)> = self::words(&folded)
            .into_iter()
            .map(|w| {
                let start = w.as_ptr() as usize - base;
                (start as u32, (start + w.len()) as u32)
            })
            .collect();
        let compact = if folded.chars().any(is_unspaced) {
            folded.chars().filter(|c| !c.is_whitespace()).collect()
        } else {
            String::new()
        };
        let mut t = Text { folded, compact, spans, sorted: Vec::new() };
        let mut sorted: Vec<u32> = (0..t.spans.len() as u32).collect();
        sorted.sort_by(|&a, &b| t.word(a as usize).cmp(t.word(b as usize)));
        sorted.dedup_by(|a, b| t.word(*a as usize) == t.word(*b as usize));
        t.sorted = sorted;
        t
    }

    fn word(&self, i: usize) -> &str {
        let (s, e) = self.spans[i];
        &self.folded[s as usize..e as usize]
    }

    /// The folded text.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// The folded words, in order.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        (0..self.spans.len()).map(|i| self.word(i))
    }

    /// Whether the text has this (folded) word.
    pub fn has_word(&self, w: &str) -> bool {
        self.sorted.binary_search_by(|&i| self.word(i as usize).cmp(w)).is_ok()
    }

    pub fn contains(&self, s: &Spelling) -> bool {
        match s {
            Spelling::Substring(sub) => !self.compact.is_empty() && self.compact.contains(sub.as_str()),
            Spelling::Words(w) => {
                if !w.iter().all(|x| self.has_word(x)) {
                    return false;
                }
                w.len() == 1
                    || (0..self.spans.len().saturating_sub(w.len() - 1))
                        .any(|i| w.iter().enumerate().all(|(k, x)| self.word(i + k) == x))
            }
        }
    }

    /// The first of `spellings` the text contains.
    pub fn first_of<'a>(&self, spellings: &'a [Spelling]) -> Option<&'a Spelling> {
        spellings.iter().find(|s| self.contains(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(text: &str, spelling: &str) -> bool {
        Text::new(text).contains(&Spelling::new(spelling).unwrap())
    }

    #[test]
    fn folds_case_compatibility_and_accents() {
        assert_eq!(fold("Erdoğan"), "erdogan");
        assert_eq!(fold("MOSCÚ"), "moscu");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Ｐｕｔｉｎ"), "putin");
        assert_eq!(fold("ΟΔΥΣΣΕΥΣ"), "οδυσσευσ");
        assert_eq!(fold("Пу́тин"), "путин");
        assert_eq!(fold("Ёлка"), "елка");
        // й is a letter, not и with an accent; Japanese voicing marks are kept.
        assert_eq!(fold("Зеленский"), "зеленский");
        assert_ne!(fold("が"), fold("か"));
        // Arabic: hamza seat and short vowels folded, tatweel dropped.
        assert_eq!(fold("أردوغان"), fold("اردوغان"));
        assert_eq!(fold("مُحَمَّد"), "محمد");
        assert_eq!(fold("عـرفات"), "عرفات");
        // Turkish dotted and dotless i.
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("Diyarbakır"), "diyarbakir");
    }

    #[test]
    fn whole_words_not_substrings() {
        assert!(has("Kofi Annan said on Monday", "Annan"));
        assert!(has("ANNAN'S plan", "Annan"));
        assert!(!has("Annandale Corp said", "Annan"));
        assert!(!has("The company sued its supplier", "Sudan"));
        assert!(!has("Vladimir Putin", "put"));
        assert!(has("He put it there", "put"));
        assert!(has("in l'Allemagne de l'Est", "Allemagne"));
        assert!(has("Erdoğan'ın açıklaması", "Erdogan"));
        assert!(has("Putin-Regierung", "Putin"));
        assert!(!has("ROSSI CELEBRATES IN STYLE", "России"));
        assert!(has("Президент России заявил", "России"));
    }

    #[test]
    fn several_words_in_a_row() {
        assert!(has("President Xi Jinping met", "Xi Jinping"));
        assert!(has("Alma-Ata, Kazakhstan", "Alma Ata"));
        assert!(has("в Алма-Ате", "Алма-Ате"));
        assert!(!has("Xi said Jinping", "Xi Jinping"));
        assert!(!has("Jinping Xi", "Xi Jinping"));
    }

    #[test]
    fn unspaced_scripts_match_substrings() {
        assert!(has("普京总统今天表示", "普京"));
        assert!(has("ロシアのプーチン大統領は", "プーチン"));
        assert!(has("プー\nチン大統領", "プーチン"));
        assert!(!has("北京市", "普京"));
        assert!(has("푸틴은 말했다", "푸틴"));
        // A Latin spelling is never looked for inside CJK text as a substring.
        assert!(!has("普京Putinx", "Putin"));
    }
}
