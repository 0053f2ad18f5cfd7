//! What a word becomes before it is indexed or searched, after tokenizing ([`crate::tokenizer`]),
//! NFKC and lower-casing:
//!
//! * [`fold_script`]: spellings one script allows for the same word made one. Turkish and
//!   Azerbaijani dotted and dotless i (`İstanbul`, `ISTANBUL`, `ıstanbul` → `istanbul`);
//!   Arabic-script letters typed in several forms (alef with hamza or madda → alef; alef
//!   maksura and Persian yeh → yeh; Persian keheh → kaf; teh marbuta and heh goal → heh),
//!   tatweel and vowel marks dropped, Arabic-Indic digits as ASCII digits; Russian ё → е;
//!   Greek accents and final sigma; Hebrew points.
//! * [`deaccent`]: Latin letters without their marks (`café` → `cafe`, `Straße` →
//!   `strasse`, `Łódź` → `lodz`), so a query typed without accents finds the word.
//! * [`stemmer_for`]: the Snowball stemmer (frostem, the stemmer tantivy uses) for a
//!   document's language, applied between the two for the stemmed fields: stemmers want
//!   the language's own letters.
//!
//! Written here: tantivy's `AsciiFoldingFilter` covers only Latin, and no crate offers
//! these script rules as token filters.

use std::borrow::Cow;

use frostem::Algorithm;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Script-specific spelling folds; see the module documentation.
pub fn fold_script(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let needs = s.chars().any(|c| {
        matches!(c as u32, 0x0131 | 0x0307 | 0x0370..=0x03FF | 0x1F00..=0x1FFF | 0x0451 | 0x0591..=0x05C7 | 0x0600..=0x06FF)
    });
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut prev = '\0';
    for c in s.chars() {
        let mapped = match c {
            // Turkish: lower-casing İ gives i + combining dot above; ı is i for search.
            '\u{0307}' if prev == 'i' => None,
            'ı' => Some('i'),
            // Arabic script.
            'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
            'ى' | 'ی' => Some('ي'),
            'ک' => Some('ك'),
            'ة' | 'ۀ' | 'ہ' => Some('ه'),
            '\u{0640}' => None,                           // tatweel
            '\u{064B}'..='\u{065F}' | '\u{0670}' => None, // harakat, superscript alef
            '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
            '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
            // Cyrillic.
            'ё' => Some('е'),
            // Greek: final sigma; accents are dropped below.
            'ς' => Some('σ'),
            // Hebrew points and cantillation.
            '\u{0591}'..='\u{05C7}' if is_combining_mark(c) => None,
            c => Some(c),
        };
        if let Some(m) = mapped {
            if matches!(m as u32, 0x0370..=0x03FF | 0x1F00..=0x1FFF) {
                // Greek letters without tonos, dialytika or breathings.
                out.extend(m.to_string().nfd().filter(|d| !is_combining_mark(*d)));
            } else {
                out.push(m);
            }
            prev = m;
        }
    }
    Cow::Owned(out)
}

/// Latin letters without their marks, and the letters that have no decomposition spelled
/// the way people type them without a special keyboard.
pub fn deaccent(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let latin = |c: char| matches!(c as u32, 0x00C0..=0x024F | 0x0259 | 0x1E00..=0x1EFF);
    if !s.chars().any(latin) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !latin(c) {
            out.push(c);
            continue;
        }
        match c {
            'ß' => out.push_str("ss"),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'ø' => out.push('o'),
            'ł' => out.push('l'),
            'đ' | 'ð' => out.push('d'),
            'þ' => out.push_str("th"),
            'ħ' => out.push('h'),
            'ŋ' => out.push('n'),
            'ə' => out.push('e'),
            _ => out.extend(c.to_string().nfd().filter(|d| !is_combining_mark(*d))),
        }
    }
    Cow::Owned(out)
}

/// Whether `word` (lower case, composed) is one Vietnamese syllable written with its marks:
/// Vietnamese letters only (`a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y`),
/// at most one tone (grave, acute, hook above, tilde, dot below), an onset Vietnamese
/// spells (`ngh`, `ng`, `nh`, `ch`, `gh`, `gi`, `kh`, `ph`, `qu`, `th`, `tr` or one
/// consonant), a vowel group Vietnamese writes and a final it allows (`c ch m n ng nh p t`),
/// and at least one mark or `đ`.
///
/// Such a word keeps its marks in the index ([`Marked`]): in Vietnamese a tone or a vowel
/// mark makes another word (`ma` ghost, `má` mother, `mà` but, `mả` grave, `mã` code,
/// `mạ` seedling), and 3,768 distinct words of XQuAD-R's Vietnamese become 2,740 without
/// them. The rule is on the word alone, so a query word and the same word in a document
/// are always analysed alike. Words of other languages it takes are few and short (`à`,
/// `là`, `sí`, `qué`, `é`), and keep their unmarked spelling as well (see [`Marked`]).
pub fn vietnamese_syllable(word: &str) -> bool {
    const TONES: [char; 5] = ['\u{0300}', '\u{0301}', '\u{0303}', '\u{0309}', '\u{0323}'];
    if word.is_ascii() || word.len() > 24 {
        return false;
    }
    let mut base = String::with_capacity(word.len());
    let mut tones = 0;
    let mut marked = false;
    for c in word.chars() {
        if c == 'đ' {
            base.push('đ');
            marked = true;
            continue;
        }
        let mut letter: Option<char> = None;
        for d in c.to_string().nfd() {
            match d {
                'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'b' | 'c' | 'd' | 'g' | 'h' | 'k' | 'l' | 'm' | 'n' | 'p' | 'q'
                | 'r' | 's' | 't' | 'v' | 'x'
                    if letter.is_none() =>
                {
                    letter = Some(d)
                }
                _ if TONES.contains(&d) && letter.is_some_and(|l| "aeiouy".contains(l)) => {
                    tones += 1;
                    marked = true;
                }
                '\u{0302}' if letter.is_some_and(|l| "aeo".contains(l)) => marked = true, // circumflex
                '\u{0306}' if letter == Some('a') => marked = true,                       // breve
                '\u{031B}' if letter.is_some_and(|l| "ou".contains(l)) => marked = true,  // horn
                _ => return false,
            }
        }
        match letter {
            Some(l) => base.push(l),
            None => return false,
        }
    }
    if !marked || tones > 1 {
        return false;
    }
    const ONSETS: [&str; 28] = [
        "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g", "h", "k", "l", "m",
        "n", "p", "r", "s", "t", "v", "x", "",
    ];
    const FINALS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];
    // Vowel letters of a rime (marks aside; `qu` and `gi` are onsets).
    const VOWELS: [&str; 37] = [
        "a", "e", "i", "o", "u", "y", "ai", "ao", "au", "ay", "eo", "eu", "ia", "ie", "iu", "oa", "oe", "oi", "oo",
        "ua", "ue", "ui", "uo", "uu", "uy", "ye", "oai", "oay", "oeo", "uay", "uoi", "uou", "uya", "uye", "uyu", "ieu",
        "yeu",
    ];
    let rime_ok = |rime: &str| FINALS.iter().any(|f| rime.strip_suffix(f).is_some_and(|v| VOWELS.contains(&v)));
    ONSETS.iter().any(|o| base.strip_prefix(o).is_some_and(rime_ok))
}

/// The Snowball stemmer for a language code, if there is one.
pub fn stemmer_for(lang: &str) -> Option<Algorithm> {
    Some(match lang {
        "ar" => Algorithm::Arabic,
        "hy" => Algorithm::Armenian,
        "eu" => Algorithm::Basque,
        "ca" => Algorithm::Catalan,
        "cs" => Algorithm::Czech,
        "da" => Algorithm::Danish,
        "nl" => Algorithm::Dutch,
        "en" => Algorithm::English,
        "eo" => Algorithm::Esperanto,
        "et" => Algorithm::Estonian,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "hi" => Algorithm::Hindi,
        "hu" => Algorithm::Hungarian,
        "id" | "ms" => Algorithm::Indonesian,
        "ga" => Algorithm::Irish,
        "it" => Algorithm::Italian,
        "lt" => Algorithm::Lithuanian,
        "ne" => Algorithm::Nepali,
        "nb" | "nn" | "no" => Algorithm::Norwegian,
        "fa" => Algorithm::Persian,
        "pl" => Algorithm::Polish,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "sr" | "hr" | "bs" => Algorithm::Serbian,
        "es" => Algorithm::Spanish,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" | "az" => Algorithm::Turkish,
        "yi" => Algorithm::Yiddish,
        _ => return None,
    })
}

/// Every stemmer, for a query word whose language is not known.
pub const ALL_STEMMED: &[&str] = &[
    "ar", "hy", "eu", "ca", "cs", "da", "nl", "en", "et", "fi", "fr", "de", "el", "hi", "hu", "id", "ga", "it", "lt",
    "ne", "nb", "fa", "pl", "pt", "ro", "ru", "sr", "es", "sv", "ta", "tr", "yi",
];

/// The token filter that drops marks for the text fields: each token through
/// [`deaccent`], except a Vietnamese syllable ([`vietnamese_syllable`]), which is kept as
/// written and followed, at the same position, by its spelling without marks. A query
/// word typed with marks then matches that word only (its first token is the one a
/// query requires; the second, at the same position, is the same occurrence and is not
/// scored again), and one typed without marks matches it in every spelling, as before.
#[derive(Clone, Copy, Debug, Default)]
pub struct Marked;

impl TokenFilter for Marked {
    type Tokenizer<T: Tokenizer> = MarkedFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MarkedFilter<T> {
        MarkedFilter { tokenizer }
    }
}

/// See [`Marked`].
#[derive(Clone, Debug)]
pub struct MarkedFilter<T> {
    tokenizer: T,
}

impl<T: Tokenizer> Tokenizer for MarkedFilter<T> {
    type TokenStream<'a> = MarkedStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MarkedStream { tail: self.tokenizer.token_stream(text), unmarked: None }
    }
}

/// See [`Marked`].
#[derive(Debug)]
pub struct MarkedStream<T> {
    tail: T,
    /// The unmarked spelling of the Vietnamese syllable just given, to give next.
    unmarked: Option<String>,
}

impl<T: TokenStream> TokenStream for MarkedStream<T> {
    fn advance(&mut self) -> bool {
        if let Some(u) = self.unmarked.take() {
            self.tail.token_mut().text = u;
            return true;
        }
        if !self.tail.advance() {
            return false;
        }
        let text = &self.tail.token().text;
        if vietnamese_syllable(text) {
            self.unmarked = Some(deaccent(text).into_owned());
        } else if let Cow::Owned(f) = deaccent(text) {
            self.tail.token_mut().text = f;
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

/// A token filter: each token's text through a function (one of the folds above, or the
/// sound key); `None` drops the token.
#[derive(Clone, Copy, Debug)]
pub struct Fold(pub fn(&str) -> Option<Cow<'_, str>>);

/// [`fold_script`] as a [`Fold`] function.
pub fn script_folded(s: &str) -> Option<Cow<'_, str>> {
    Some(fold_script(s))
}

/// [`deaccent`] as a [`Fold`] function.
pub fn deaccented(s: &str) -> Option<Cow<'_, str>> {
    Some(deaccent(s))
}

/// Longest word indexed, in characters: longer ones are dropped (a run of base64 or an
/// address left in the text, not a word anyone searches).
pub const MAX_WORD_CHARS: usize = 63;

/// A [`Fold`] function that drops a word of more than [`MAX_WORD_CHARS`] characters.
/// Counted in characters, not bytes (tantivy's `RemoveLongFilter`): a 64-byte cap kept 63
/// Latin letters but dropped Russian words of more than 31 letters and Hindi words of
/// more than about 21, such as `पेलियोक्लाईमेटोलॉजिस्ट` (paleoclimatologist), which no
/// search could then find.
pub fn short_enough(s: &str) -> Option<Cow<'_, str>> {
    // Within the cap when even four bytes a character fit.
    if s.len() <= MAX_WORD_CHARS || s.chars().count() <= MAX_WORD_CHARS { Some(Cow::Borrowed(s)) } else { None }
}

impl TokenFilter for Fold {
    type Tokenizer<T: Tokenizer> = FoldFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> FoldFilter<T> {
        FoldFilter { tokenizer, fold: self.0 }
    }
}

/// See [`Fold`].
#[derive(Clone, Debug)]
pub struct FoldFilter<T> {
    tokenizer: T,
    fold: fn(&str) -> Option<Cow<'_, str>>,
}

impl<T: Tokenizer> Tokenizer for FoldFilter<T> {
    type TokenStream<'a> = FoldStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        FoldStream { tail: self.tokenizer.token_stream(text), fold: self.fold }
    }
}

/// See [`Fold`].
#[derive(Debug)]
pub struct FoldStream<T> {
    tail: T,
    fold: fn(&str) -> Option<Cow<'_, str>>,
}

impl<T: TokenStream> TokenStream for FoldStream<T> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            match (self.fold)(&self.tail.token().text) {
                None => continue,
                Some(Cow::Owned(f)) => self.tail.token_mut().text = f,
                Some(Cow::Borrowed(_)) => {}
            }
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_capped_in_characters_not_bytes() {
        let kept = |w: &str| short_enough(w).is_some();
        assert!(kept(&"a".repeat(63)));
        assert!(!kept(&"a".repeat(64)));
        assert!(kept("पेलियोक्लाईमेटोलॉजिस्ट"), "22 letters, 69 bytes");
        assert!(kept(&"я".repeat(63)));
        assert!(!kept(&"я".repeat(64)));
    }

    #[test]
    fn turkish_i() {
        assert_eq!(fold_script(&"İstanbul".to_lowercase()), "istanbul");
        assert_eq!(fold_script("ıstanbul"), "istanbul");
        assert_eq!(fold_script("diyarbakır"), "diyarbakir");
    }

    #[test]
    fn arabic_script() {
        assert_eq!(fold_script("أحمد"), "احمد");
        assert_eq!(fold_script("مدرسة"), "مدرسه");
        assert_eq!(fold_script("كتـــاب"), "كتاب");
        assert_eq!(fold_script("كِتَابٌ"), "كتاب");
        // Persian keheh and yeh, Arabic kaf and yeh: one spelling.
        assert_eq!(fold_script("ایران"), fold_script("ايران"));
        assert_eq!(fold_script("کتاب"), "كتاب");
        assert_eq!(fold_script("۱۹۸۹"), "1989");
        // Uyghur letters are kept.
        assert_eq!(fold_script("ئۇيغۇر"), "ئۇيغۇر");
    }

    #[test]
    fn cyrillic_greek_hebrew() {
        assert_eq!(fold_script("ёлка"), "елка");
        assert_eq!(fold_script("αθήνα"), "αθηνα");
        assert_eq!(fold_script("λόγος"), "λογοσ");
        assert_eq!(fold_script("שָׁלוֹם"), "שלום");
    }

    #[test]
    fn latin_marks() {
        assert_eq!(deaccent("café"), "cafe");
        assert_eq!(deaccent("straße"), "strasse");
        assert_eq!(deaccent("łódź"), "lodz");
        assert_eq!(deaccent("şəhər"), "seher");
        assert_eq!(deaccent("москва"), "москва");
    }

    #[test]
    fn vietnamese_syllables() {
        for w in ["má", "mà", "mả", "mã", "mạ", "người", "được", "đã", "nguyễn", "nghiêng", "quốc", "gì", "ơ", "yêu"]
        {
            assert!(vietnamese_syllable(w), "{w}");
        }
        // No mark, letters Vietnamese lacks, two syllables, two tones, impossible onsets.
        for w in [
            "ma",
            "café",
            "straße",
            "łódź",
            "josé",
            "françois",
            "más",
            "está",
            "déjà",
            "mãe",
            "kraków",
            "mảá",
            "između",
        ] {
            assert!(!vietnamese_syllable(w), "{w}");
        }
    }

    fn analyzed(text: &str) -> Vec<(String, usize)> {
        let mut a = crate::schema::text_analyzer();
        let mut s = a.token_stream(text);
        let mut out = Vec::new();
        while s.advance() {
            out.push((s.token().text.clone(), s.token().position));
        }
        out
    }

    #[test]
    fn vietnamese_words_keep_their_marks_beside_the_unmarked_spelling() {
        let t = |w: &str, p: usize| (w.to_string(), p);
        assert_eq!(analyzed("Má đi chợ"), [t("má", 0), t("ma", 0), t("đi", 1), t("di", 1), t("chợ", 2), t("cho", 2)]);
        assert_eq!(analyzed("Le café à Łódź"), [t("le", 0), t("cafe", 1), t("à", 2), t("a", 2), t("lodz", 3)]);
    }

    #[test]
    fn stemmers() {
        let s = |lang: &str, w: &str| frostem::Stemmer::new(stemmer_for(lang).unwrap()).stem(w).into_owned();
        assert_eq!(s("en", "flows"), "flow");
        assert_eq!(s("ru", "ташкенте"), "ташкент");
        assert_eq!(s("tr", "istanbul'da".split('\'').next().unwrap()), "istanbul");
        assert!(stemmer_for("ug").is_none());
    }
}
