//! Language identification for documents that do not declare one, by
//! [`newsdex_lang`] (fastText lid.176 with script rules; a model-free fallback).

use newsdex_core::Warning;

/// Characters of body text looked at: enough for a stable answer, bounded cost.
const SAMPLE_CHARS: usize = 1000;
/// Characters of body text looked at first; the whole sample only when the guess on
/// these is below [`SURE`]. Identification is a fifth of ingest's CPU (`perf` of a
/// 100k-article ingest: fastText's subword lookups), and most texts are told apart in
/// their first lines.
const FIRST_CHARS: usize = 500;
/// A guess on the first characters this sure stands.
const SURE: f32 = 0.9;
/// Below this confidence a guess is not kept.
const MIN_CONFIDENCE: f32 = 0.3;

/// Detect the language of a document from its title and body. `None` (with a warning)
/// when the text is too short or the guess is unreliable.
pub fn detect_lang(title: &str, body: &str, warnings: &mut Vec<Warning>) -> Option<String> {
    let sample_of = |chars: usize| {
        let mut sample: String = title.to_string();
        sample.push('\n');
        sample.extend(body.chars().take(chars));
        sample
    };
    let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).count();
    let first = sample_of(FIRST_CHARS);
    let longer = body.chars().nth(FIRST_CHARS).is_some();
    if letters(&first) < 10 && (!longer || letters(&sample_of(SAMPLE_CHARS)) < 10) {
        warnings.push(Warning::new("lang-unknown", "too little text to tell the language"));
        return None;
    }
    let guess = match newsdex_lang::identify(&first) {
        // A script rule's answer (always 0.9) is not taken as sure on part of the text.
        Some(g) if g.confidence >= SURE && g.by != "script" => Some(g),
        // Not sure, and the first characters were all there was to read.
        g if !longer => g,
        _ => newsdex_lang::identify(&sample_of(SAMPLE_CHARS)),
    };
    match guess {
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

    /// A price table from Reuters-21578 (reuters-15923), then articles 1 to 4 of the
    /// Universal Declaration of Human Rights in Spanish (UN text): the first 500
    /// characters hold hardly a word, so the guess on them is not sure and the whole
    /// sample decides.
    #[test]
    fn a_text_whose_first_lines_are_a_table_is_told_by_the_rest() {
        let table = "    ARGENTINA --\n               1986/87            1985/86\n          04/09/87 03/09/87  04/09/87 03/09/87\n Start Stcks  0.10   0.10      0.10   0.10\n Production   0.77   0.77      0.73   0.73\n Imports       NIL    NIL       NIL    NIL\n Domes Use    0.10   0.10      0.11   0.11\n Exports      0.66   0.66      0.63   0.63\n End Stocks   0.10   0.10      0.10   0.10\n";
        let mut body = String::new();
        while body.chars().count() < FIRST_CHARS {
            body.push_str(table);
        }
        body.push_str(
            "Todos los seres humanos nacen libres e iguales en dignidad y derechos y, dotados como están de razón y \
             conciencia, deben comportarse fraternalmente los unos con los otros. Toda persona tiene los derechos y \
             libertades proclamados en esta Declaración, sin distinción alguna de raza, color, sexo, idioma, religión, \
             opinión política o de cualquier otra índole, origen nacional o social, posición económica, nacimiento o \
             cualquier otra condición. Todo individuo tiene derecho a la vida, a la libertad y a la seguridad de su \
             persona. Nadie estará sometido a esclavitud ni a servidumbre; la esclavitud y la trata de esclavos están \
             prohibidas en todas sus formas.",
        );
        let first: String = body.chars().take(FIRST_CHARS).collect();
        let on_first = newsdex_lang::identify(&format!("\n{first}"));
        assert!(on_first.as_ref().is_none_or(|g| g.confidence < SURE || g.lang != "es"), "{on_first:?}");
        let mut w = Vec::new();
        assert_eq!(detect_lang("", &body, &mut w).as_deref(), Some("es"), "{w:?}");
    }

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
