//! Language identification for documents that do not declare one, by
//! [`newsdex_lang`] (fastText lid.176 with script rules; a model-free fallback).

use newsdex_core::Warning;

/// Characters of body text looked at: enough for a stable answer, bounded cost.
const SAMPLE_CHARS: usize = 1000;
/// Below this confidence a guess is not kept.
const MIN_CONFIDENCE: f32 = 0.3;

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
    match newsdex_lang::identify(&sample) {
        Some(g) if g.confidence >= MIN_CONFIDENCE => Some(g.lang),
        Some(g) => {
            warnings.push(Warning::new(
                "lang-unknown",
                format!("language unclear (best guess {} at {:.2} confidence)", g.lang, g.confidence),
            ));
            None
        }
        None => {
            warnings.push(Warning::new("lang-unknown", "language not recognised"));
            None
        }
    }
}

/// The title's language when it is clearly another than the document's (a headline in
/// English over a Russian text, a translated title); `None` otherwise.
pub fn title_lang(title: &str, doc_lang: Option<&str>) -> Option<String> {
    if title.chars().filter(|c| c.is_alphabetic()).count() < 20 {
        return None;
    }
    let g = newsdex_lang::identify(title)?;
    (g.confidence >= 0.8 && Some(g.lang.as_str()) != doc_lang).then_some(g.lang)
}

/// Languages a detector confuses and a page may rightly declare for one another.
const SISTERS: &[&[&str]] =
    &[&["hr", "bs", "sr", "sh"], &["nb", "nn", "no", "da"], &["ms", "id"], &["zh", "yue", "wuu"]];

/// The body's language when it is clearly not the declared one: 200 letters or more,
/// detected at 0.9 or above, and not a sister language of the declared one.
pub fn contradicts(declared: &str, body: &str) -> Option<String> {
    let sample: String = body.chars().take(SAMPLE_CHARS).collect();
    if sample.chars().filter(|c| c.is_alphabetic()).count() < 200 {
        return None;
    }
    let g = newsdex_lang::identify(&sample)?;
    let sisters = SISTERS.iter().any(|s| s.contains(&declared) && s.contains(&g.lang.as_str()));
    (g.confidence >= 0.9 && g.lang != declared && !sisters).then_some(g.lang)
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

    #[test]
    fn a_title_in_another_language() {
        let t = "Kazakhstan opens a new railway line to the Chinese border";
        assert_eq!(title_lang(t, Some("ru")).as_deref(), Some("en"));
        assert_eq!(title_lang(t, Some("en")), None);
    }
}
