//! Which language a text is in.
//!
//! Three parts, tried in this order of trust:
//!
//! 1. **fastText lid.176** (176 languages, 938 KB, CC BY-SA 3.0; see `models/README.md`)
//!    through the `fasttext` crate's bindings to the C++ library. Our survey
//!    (`../shared/research-crates.md`) found it the only option right on Uyghur, Kazakh
//!    and Uzbek; whatlang takes Uyghur for Arabic and Kazakh for Belarusian, lingua
//!    Uyghur for Arabic and Uzbek for Turkish. The model is compiled into the binary, so
//!    nothing is downloaded; the C++ library loads models only from a path, so it is
//!    handed an in-memory file (`memfd`) on Linux and a temporary file elsewhere. That is
//!    this crate's only IO, done once.
//! 2. **Script rules** ([`script`]) where the model is weak: short texts, and letters
//!    that settle the question (Uyghur's ې and ۈ, Kazakh's ә ұ қ ғ, Uzbek's oʻ and ў,
//!    kana for Japanese, Persian's ی and ک against Arabic's ي and ك).
//! 3. **Without the model** (the `fasttext` feature off, or the model failing to load):
//!    langid-rs (97 languages, its model compiled in) with whatlang for Uzbek, which
//!    langid-rs lacks.
//!
//! fastText reads one line: newlines are turned into spaces before it sees the text.

pub mod script;

use std::sync::OnceLock;

use newsdex_core::normalize_lang;

/// Characters of a text looked at: enough for a stable answer at a bounded cost.
pub const SAMPLE_CHARS: usize = 2000;

/// A language guess.
#[derive(Debug, Clone, PartialEq)]
pub struct Guess {
    /// newsdex's code for the language (ISO 639-1 where there is one).
    pub lang: String,
    /// The model's probability, 0–1 (script rules report 0.9).
    pub confidence: f32,
    /// What decided: `"fasttext"`, `"script"`, `"langid"` or `"whatlang"`.
    pub by: &'static str,
}

enum Backend {
    #[cfg(feature = "fasttext")]
    FastText(fasttext::FastText),
    Fallback(Box<langid_rs::Model>),
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(backend_name())
    }
}

static BACKEND: OnceLock<(Backend, Option<String>)> = OnceLock::new();

fn backend() -> &'static Backend {
    &BACKEND.get_or_init(load).0
}

/// What identifies languages in this build: `"fastText lid.176"` or
/// `"langid-rs + whatlang (fallback: …why…)"`.
pub fn backend_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let (b, why) = BACKEND.get_or_init(load);
        match b {
            #[cfg(feature = "fasttext")]
            Backend::FastText(_) => "fastText lid.176".to_string(),
            Backend::Fallback(_) => {
                format!("langid-rs + whatlang (fallback: {})", why.as_deref().unwrap_or("built without fastText"))
            }
        }
    })
}

fn load() -> (Backend, Option<String>) {
    #[cfg(feature = "fasttext")]
    match fasttext_model::load() {
        Ok(m) => return (Backend::FastText(m), None),
        Err(why) => return (fallback(), Some(why)),
    }
    #[allow(unreachable_code)]
    (fallback(), None)
}

fn fallback() -> Backend {
    Backend::Fallback(Box::new(langid_rs::Model::load(true).expect("langid-rs's compiled-in model loads")))
}

#[cfg(feature = "fasttext")]
mod fasttext_model {
    /// The model, compiled in.
    static LID_176: &[u8] = include_bytes!("../../../models/lid.176.ftz");

    pub(crate) fn load() -> Result<fasttext::FastText, String> {
        let mut ft = fasttext::FastText::new();
        #[cfg(target_os = "linux")]
        if let Ok(fd) = rustix::fs::memfd_create("newsdex-lid.176.ftz", rustix::fs::MemfdFlags::CLOEXEC) {
            let mut file = std::fs::File::from(fd);
            if std::io::Write::write_all(&mut file, LID_176).is_ok() {
                let path = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&file));
                if ft.load_model(&path).is_ok() {
                    return Ok(ft);
                }
            }
        }
        let mut tmp = tempfile::Builder::new()
            .prefix("newsdex-lid.176")
            .suffix(".ftz")
            .tempfile()
            .map_err(|e| format!("cannot write the model to a temporary file: {e}"))?;
        std::io::Write::write_all(&mut tmp, LID_176).map_err(|e| format!("cannot write the model: {e}"))?;
        let path = tmp.path().to_str().ok_or("temporary path is not UTF-8")?.to_string();
        ft.load_model(&path).map_err(|e| format!("fastText cannot load lid.176: {e}"))?;
        Ok(ft)
    }
}

/// The first `SAMPLE_CHARS` characters on one line, words written in capitals in lower
/// case.
///
/// lid.176 learnt from text in its usual case and takes words in capitals for other
/// languages: Reuters-21578's headlines ("FORD MOTOR CO OF CANADA LTD 4TH QTR SHR 8.17
/// DLRS VS 55 CTS") above a short body made 5.6 % of that all-English set Indonesian,
/// Malay, Spanish, German, Japanese and others (and 2.7 % of no language), and a
/// headline alone ("WALL STREET STOCKS/AUTOMAKERS") Chinese at 0.99. A word of two
/// letters or more with no small letter is folded; "I", "A", and words in their usual
/// case ("NATO's", "McDonald") are left as they are.
fn sample(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(SAMPLE_CHARS * 4));
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let mut letters = 0;
        let mut small = false;
        for c in word.chars() {
            if c.is_alphabetic() {
                letters += 1;
                // A letter without case (Han, Arabic) counts as small: such words stay.
                small |= c.is_lowercase() || !c.is_uppercase();
            }
        }
        if letters >= 2 && !small {
            out.push_str(&word.to_lowercase());
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars().take(SAMPLE_CHARS) {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(' ');
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The model's (or the fallback's) best guess, before script rules.
pub fn model_guess(text: &str) -> Option<Guess> {
    let s = sample(text);
    if s.trim().is_empty() {
        return None;
    }
    match backend() {
        #[cfg(feature = "fasttext")]
        Backend::FastText(ft) => {
            let p = ft.predict(&s, 1, 0.0).ok()?.into_iter().next()?;
            let code = p.label.strip_prefix("__label__").unwrap_or(&p.label);
            // lid.176's "no" is written Norwegian (Bokmål); "sh" is Serbo-Croatian.
            let code = match code {
                "no" => "nb",
                other => other,
            };
            // Languages lid.176 was not trained on (Zulu, Shona, Akan): when it is unsure
            // and whatlang is sure of one of them, whatlang's answer stands.
            if p.prob < 0.5
                && let Some(w) = whatlang::detect(&s)
                && w.is_reliable()
                && matches!(w.lang(), whatlang::Lang::Zul | whatlang::Lang::Sna | whatlang::Lang::Aka)
            {
                return Some(Guess {
                    lang: normalize_lang(w.lang().code())?,
                    confidence: w.confidence() as f32,
                    by: "whatlang",
                });
            }
            Some(Guess { lang: normalize_lang(code)?, confidence: p.prob, by: "fasttext" })
        }
        Backend::Fallback(model) => {
            // whatlang knows Uzbek; langid-rs does not.
            if let Some(w) = whatlang::detect(&s)
                && w.lang() == whatlang::Lang::Uzb
                && w.is_reliable()
            {
                return Some(Guess { lang: "uz".into(), confidence: w.confidence() as f32, by: "whatlang" });
            }
            let (code, score) = model.classify(&s)?;
            Some(Guess { lang: normalize_lang(code)?, confidence: score, by: "langid" })
        }
    }
}

/// Texts shorter than this many letters lean on script rules when they apply.
const SHORT: usize = 80;

/// The language of `text`, or `None` when there is no text to tell from.
pub fn identify(text: &str) -> Option<Guess> {
    let letters = text.chars().take(SAMPLE_CHARS).filter(|c| c.is_alphabetic()).count();
    let model = model_guess(text);
    let rule = script::rule(text);
    match (model, rule) {
        (None, None) => None,
        (None, Some(r)) => Some(Guess { lang: r.lang.into(), confidence: 0.9, by: "script" }),
        (Some(m), None) => Some(m),
        (Some(m), Some(r)) => {
            // A decisive letter beats the model; a mere script beats it only when the
            // model, unsure or on a short text, named a language of another script.
            let weak = letters < SHORT || m.confidence < 0.5;
            let overrule = m.lang != r.lang
                && (r.decisive || (weak && !script::compatible(r.lang, &m.lang)) || m.confidence < 0.2);
            if overrule { Some(Guess { lang: r.lang.into(), confidence: 0.9, by: "script" }) } else { Some(m) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_sentences_in_the_languages_newsdex_is_for() {
        let cases = [
            ("en", "Uyghurs from the United States have become more interested in visiting Uzbekistan this summer."),
            ("ru", "Уйгуры из США, Австралии и Европы стали больше интересоваться поездками в Узбекистан."),
            ("zh", "新疆维吾尔自治区位于中国西北部，是中国面积最大的省级行政区。"),
            ("ja", "日本の気象庁は、今日の午後に大きな地震が発生したと発表しました。"),
            ("tr", "İstanbul'da bugün yapılan toplantıda önemli kararlar alındı ve açıklandı."),
            // Universal Declaration of Human Rights, article 1 (UN translations).
            ("ug", "ھەممە ئادەم تۇغۇلۇشىدىنلا ئەركىن، ئىززەت-ھۆرمەت ۋە ھوقۇقتا باب-باراۋەر بولۇپ تۇغۇلغان."),
            ("kk", "Барлық адамдар тумысынан азат және қадір-қасиеті мен құқықтары тең болып дүниеге келеді."),
            ("uz", "Barcha odamlar erkin, qadr-qimmat va huquqlarda teng boʻlib tugʻiladilar."),
            ("fa", "تمام افراد بشر آزاد به دنیا می‌آیند و از لحاظ حیثیت و حقوق با هم برابرند."),
            ("ar", "يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق."),
        ];
        for (want, text) in cases {
            let g = identify(text).unwrap();
            assert_eq!(g.lang, want, "{text}: {g:?}");
        }
    }

    #[test]
    fn the_model_is_compiled_in_and_loads() {
        #[cfg(feature = "fasttext")]
        assert_eq!(backend_name(), "fastText lid.176");
    }

    #[test]
    fn words_in_capitals_are_read_in_lower_case() {
        // Reuters-21578 headlines that lid.176 took for Chinese (0.99), Spanish and
        // Russian when read in capitals.
        for t in [
            "WALL STREET STOCKS/AUTOMAKERS",
            "ADAMS-RUSSELL <AAR> TO ACQUIRE CABLE SYSTEMS",
            "MICRODYNE CORP <MCDY.O> 2ND QTR MAY THREE NET",
        ] {
            assert_eq!(identify(t).unwrap().lang, "en", "{t}");
        }
        assert_eq!(sample("NATO's I A\tÉTÉ 2ND ΣΟΦΟΣ 東京"), "NATO's I A été 2nd σοφος 東京");
    }

    #[test]
    fn newlines_do_not_cut_the_text() {
        // fastText reads one line; the second line must count too.
        let g = identify("OK\nВ Алматы прошла конференция о правах человека и свободе слова в регионе.").unwrap();
        assert_eq!(g.lang, "ru");
    }

    #[test]
    fn nothing_to_tell_from() {
        assert_eq!(identify(""), None);
        assert_eq!(identify("   \n "), None);
    }
}
