//! Rules from the letters a text is written in, for the cases the model gets wrong:
//! short texts, and languages that share a script with a bigger neighbour.
//!
//! | letters | language | decisive |
//! |---|---|---|
//! | ې ۈ, or ۇ with ۆ ۋ ڭ (Arabic script) | Uyghur | yes |
//! | ے ٹ ڈ ڑ ں | Urdu | when two or more |
//! | more ی ک than ي ك, or پ چ ژ گ | Persian | no |
//! | ә ұ қ ғ (Cyrillic; no җ) | Kazakh | when two or more |
//! | ў with қ ғ ҳ | Uzbek (Cyrillic) | yes |
//! | oʻ gʻ (Latin) | Uzbek | yes |
//! | є ї ґ | Ukrainian | when two or more |
//! | ə (Latin) | Azerbaijani | no |
//! | kana | Japanese | yes |
//! | Han only | Chinese | with ten or more characters |
//! | Hangul, Thai, Greek, Hebrew, Armenian, Georgian | ko, th, el, he, hy, ka | yes |
//!
//! A rule needs its letters to be a real part of the text (1% of its letters), so a
//! Russian article quoting one Kazakh place name stays Russian.

/// A rule's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub lang: &'static str,
    /// The letters settle it whatever the model says.
    pub decisive: bool,
}

#[derive(Default)]
struct Counts {
    letters: usize,
    latin: usize,
    cyrillic: usize,
    arabic: usize,
    han: usize,
    kana: usize,
    hangul: usize,
    thai: usize,
    greek: usize,
    hebrew: usize,
    armenian: usize,
    georgian: usize,
}

fn count(text: &str) -> Counts {
    let mut c = Counts::default();
    for ch in text.chars().take(super::SAMPLE_CHARS) {
        if !ch.is_alphabetic() {
            continue;
        }
        c.letters += 1;
        match ch as u32 {
            0x41..=0x24F | 0x1E00..=0x1EFF => c.latin += 1,
            0x370..=0x3FF | 0x1F00..=0x1FFF => c.greek += 1,
            0x400..=0x52F => c.cyrillic += 1,
            0x530..=0x58F => c.armenian += 1,
            0x590..=0x5FF => c.hebrew += 1,
            0x600..=0x6FF | 0x750..=0x77F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => c.arabic += 1,
            0xE00..=0xE7F => c.thai += 1,
            0x10A0..=0x10FF => c.georgian += 1,
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => c.kana += 1,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F => c.han += 1,
            0xAC00..=0xD7AF | 0x1100..=0x11FF | 0x3130..=0x318F => c.hangul += 1,
            _ => {}
        }
    }
    c
}

/// How many of `set`'s letters occur in `text`, and how many times in all.
fn found(text: &str, set: &[char]) -> (usize, usize) {
    let mut distinct = 0;
    let mut total = 0;
    for &l in set {
        let n = text.chars().take(super::SAMPLE_CHARS).filter(|&c| c == l).count();
        if n > 0 {
            distinct += 1;
            total += n;
        }
    }
    (distinct, total)
}

/// The language the letters of `text` point to, if they point anywhere.
pub fn rule(text: &str) -> Option<Rule> {
    let c = count(text);
    if c.letters == 0 {
        return None;
    }
    let part = |n: usize| n * 100 >= c.letters; // at least 1% of the letters
    let main = |n: usize| n * 2 > c.letters; // the main script
    let yes = |lang| Some(Rule { lang, decisive: true });
    let maybe = |lang| Some(Rule { lang, decisive: false });
    if main(c.han + c.kana) {
        // Japanese prose always has kana; ten Chinese characters without any are Chinese.
        return if c.kana * 20 >= c.han + c.kana {
            yes("ja")
        } else if c.kana == 0 && c.han >= 10 {
            yes("zh")
        } else {
            maybe("zh")
        };
    }
    if main(c.hangul) {
        return yes("ko");
    }
    if main(c.thai) {
        return yes("th");
    }
    if main(c.greek) {
        return yes("el");
    }
    if main(c.hebrew) {
        return yes("he");
    }
    if main(c.armenian) {
        return yes("hy");
    }
    if main(c.georgian) {
        return yes("ka");
    }
    if main(c.arabic) {
        // Uyghur: ې or ۈ, or ۇ with ۆ ۋ ڭ; Kazakh in Arabic script shares ۇ ۋ ڭ but
        // marks front vowels with ٴ.
        let (ug, ug_n) = found(text, &['ې', 'ۈ']);
        let (u, u_n) = found(text, &['ۇ']);
        let (ug2, ug2_n) = found(text, &['ۆ', 'ۋ', 'ڭ']);
        let (kk_arabic, _) = found(text, &['ٴ']);
        if kk_arabic == 0 && ((ug > 0 && part(ug_n)) || (u > 0 && ug2 > 0 && part(u_n + ug2_n))) {
            return yes("ug");
        }
        let (ur, ur_n) = found(text, &['ے', 'ٹ', 'ڈ', 'ڑ', 'ں']);
        if ur >= 2 && part(ur_n) {
            return yes("ur");
        }
        let (_, persian) = found(text, &['ی', 'ک']);
        let (_, arabic) = found(text, &['ي', 'ك', 'ة']);
        let (_, only_persian) = found(text, &['پ', 'چ', 'ژ', 'گ']);
        if persian > arabic || (only_persian > 0 && arabic == 0) {
            return maybe("fa");
        }
        return maybe("ar");
    }
    if main(c.cyrillic) {
        let (uz, uz_n) = found(text, &['ў', 'Ў']);
        let (uz2, _) = found(text, &['қ', 'ғ', 'ҳ', 'Қ', 'Ғ', 'Ҳ']);
        if uz > 0 && uz2 > 0 && part(uz_n) {
            return yes("uz");
        }
        let (kk, kk_n) = found(text, &['ә', 'ұ', 'қ', 'ғ', 'Ә', 'Ұ', 'Қ', 'Ғ']);
        let (tt, _) = found(text, &['җ', 'Җ']);
        if kk >= 2 && tt == 0 && part(kk_n) {
            return yes("kk");
        }
        let (uk, uk_n) = found(text, &['є', 'ї', 'ґ', 'Є', 'Ї', 'Ґ']);
        if uk >= 2 && part(uk_n) {
            return yes("uk");
        }
        return None;
    }
    if main(c.latin) {
        // Uzbek writes oʻ and gʻ with a turned comma (or a quote standing in for it).
        let uz = ["oʻ", "gʻ", "Oʻ", "Gʻ", "o‘", "g‘", "O‘", "G‘"].iter().any(|p| text.contains(p));
        if uz {
            return yes("uz");
        }
        let (az, az_n) = found(text, &['ə', 'Ə']);
        if az > 0 && part(az_n) {
            return maybe("az");
        }
    }
    None
}

/// Whether `model` may be a language written in `rule`'s script (the model's answer
/// stands when it is a sister language of the same script, e.g. Kyrgyz for Kazakh).
pub fn compatible(rule: &str, model: &str) -> bool {
    let arabic = ["ar", "fa", "ur", "ug", "ps", "ckb", "sd", "ku", "arz", "azb", "pnb", "mzn", "glk"];
    let cyrillic =
        ["ru", "uk", "be", "bg", "kk", "ky", "tt", "ba", "mn", "sr", "mk", "uz", "tg", "cv", "sah", "ce", "os"];
    let cjk = ["zh", "ja", "yue", "wuu", "gan", "lzh"];
    for family in [&arabic[..], &cyrillic[..], &cjk[..]] {
        if family.contains(&rule) {
            return family.contains(&model);
        }
    }
    rule == model
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_that_settle_it() {
        assert_eq!(rule("بىز ئۈرۈمچىدە ياشايمىز، ئۇلار كېلىدۇ").unwrap(), Rule { lang: "ug", decisive: true });
        assert_eq!(rule("Қазақстан Республикасы әлемдегі ең үлкен").unwrap().lang, "kk");
        assert_eq!(rule("Oʻzbekiston poytaxti").unwrap().lang, "uz");
        assert_eq!(rule("これは日本語の文です").unwrap().lang, "ja");
        assert_eq!(rule("这是中文句子").unwrap(), Rule { lang: "zh", decisive: false });
        assert_eq!(rule("این یک جمله فارسی است که می‌خوانید").unwrap().lang, "fa");
        assert_eq!(rule("هذه جملة عربية مكتوبة هنا").unwrap().lang, "ar");
    }

    #[test]
    fn one_quoted_name_does_not_change_the_language() {
        let ru = "Президент посетил город и провёл встречу с жителями, обсудив развитие региона и новые \
                  программы поддержки для семей, а также планы строительства дорог к Қостанай.";
        assert_eq!(rule(ru), None);
    }
}
