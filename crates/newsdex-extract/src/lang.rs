//! Language identification for documents that do not declare one.
//!
//! The foundation uses `whatlang` (no model file, 69 languages, 20 MB/s). The
//! multilingual-search issue replaces it with fastText lid.176, which is the only option
//! our survey found correct on Uyghur, Kazakh and Uzbek.

use newsdex_core::{Warning, normalize_lang};

/// Characters of body text looked at: enough for a stable answer, bounded cost.
const SAMPLE_CHARS: usize = 600;

/// Detect the language of a document from its title and body. `None` (with a warning)
/// when the text is too short or the guess is unreliable.
pub fn detect_lang(title: &str, body: &str, warnings: &mut Vec<Warning>) -> Option<String> {
    let mut sample: String = title.to_string();
    sample.push('\n');
    sample.extend(body.chars().take(SAMPLE_CHARS));
    let letters = sample.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 10 {
        warnings.push(Warning::new("lang-unknown", "too little text to tell the language"));
        return None;
    }
    match whatlang::detect(&sample) {
        Some(info) if info.is_reliable() || info.confidence() >= 0.5 => normalize_lang(info.lang().code()),
        Some(info) => {
            warnings.push(Warning::new(
                "lang-unknown",
                format!("language unclear (best guess {} at {:.2} confidence)", info.lang().code(), info.confidence()),
            ));
            None
        }
        None => {
            warnings.push(Warning::new("lang-unknown", "language not recognised"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_real_sentences() {
        let cases = [
            ("en", "Uyghurs from the United States have become more interested in visiting Uzbekistan this summer."),
            ("ru", "Уйгуры из США, Австралии и Европы стали больше интересоваться поездками в Узбекистан."),
            ("zh", "新疆维吾尔自治区位于中国西北部，是中国面积最大的省级行政区。"),
            ("ja", "日本の気象庁は、今日の午後に大きな地震が発生したと発表しました。"),
            ("tr", "İstanbul'da bugün yapılan toplantıda önemli kararlar alındı ve açıklandı."),
        ];
        for (want, text) in cases {
            let mut w = Vec::new();
            assert_eq!(detect_lang("", text, &mut w).as_deref(), Some(want), "{text}");
        }
    }

    #[test]
    fn too_short_is_unknown_not_a_guess() {
        let mut w = Vec::new();
        assert_eq!(detect_lang("", "ok", &mut w), None);
        assert_eq!(w[0].code, "lang-unknown");
    }
}
