//! Language codes. newsdex stores ISO 639-1 where the language has one, else ISO 639-3,
//! and accepts either (or the English name) wherever a user names a language.

/// (ISO 639-1, ISO 639-3 codes (individual and macrolanguage), English name).
const LANGS: &[(&str, &[&str], &str)] = &[
    ("af", &["afr"], "afrikaans"),
    ("ak", &["aka"], "akan"),
    ("am", &["amh"], "amharic"),
    ("ar", &["ara", "arb"], "arabic"),
    ("az", &["aze", "azj"], "azerbaijani"),
    ("be", &["bel"], "belarusian"),
    ("bg", &["bul"], "bulgarian"),
    ("bn", &["ben"], "bengali"),
    ("bs", &["bos"], "bosnian"),
    ("ca", &["cat"], "catalan"),
    ("cs", &["ces", "cze"], "czech"),
    ("cy", &["cym", "wel"], "welsh"),
    ("da", &["dan"], "danish"),
    ("de", &["deu", "ger"], "german"),
    ("el", &["ell", "gre"], "greek"),
    ("en", &["eng"], "english"),
    ("eo", &["epo"], "esperanto"),
    ("es", &["spa"], "spanish"),
    ("et", &["est", "ekk"], "estonian"),
    ("eu", &["eus", "baq"], "basque"),
    ("fa", &["fas", "pes", "per"], "persian"),
    ("fi", &["fin"], "finnish"),
    ("fr", &["fra", "fre"], "french"),
    ("ga", &["gle"], "irish"),
    ("gu", &["guj"], "gujarati"),
    ("he", &["heb"], "hebrew"),
    ("hi", &["hin"], "hindi"),
    ("hr", &["hrv"], "croatian"),
    ("hu", &["hun"], "hungarian"),
    ("hy", &["hye", "arm"], "armenian"),
    ("id", &["ind"], "indonesian"),
    ("is", &["isl", "ice"], "icelandic"),
    ("it", &["ita"], "italian"),
    ("ja", &["jpn"], "japanese"),
    ("jv", &["jav"], "javanese"),
    ("ka", &["kat", "geo"], "georgian"),
    ("kk", &["kaz"], "kazakh"),
    ("km", &["khm"], "khmer"),
    ("kn", &["kan"], "kannada"),
    ("ko", &["kor"], "korean"),
    ("ky", &["kir"], "kyrgyz"),
    ("la", &["lat"], "latin"),
    ("lg", &["lug"], "ganda"),
    ("lt", &["lit"], "lithuanian"),
    ("lv", &["lav", "lvs"], "latvian"),
    ("mi", &["mri", "mao"], "maori"),
    ("mk", &["mkd", "mac"], "macedonian"),
    ("ml", &["mal"], "malayalam"),
    ("mn", &["mon", "khk"], "mongolian"),
    ("mr", &["mar"], "marathi"),
    ("ms", &["msa", "zsm", "may"], "malay"),
    ("my", &["mya", "bur"], "burmese"),
    ("nb", &["nob"], "norwegian bokmal"),
    ("ne", &["nep", "npi"], "nepali"),
    ("nl", &["nld", "dut"], "dutch"),
    ("nn", &["nno"], "norwegian nynorsk"),
    ("no", &["nor"], "norwegian"),
    ("or", &["ori", "ory"], "oriya"),
    ("pa", &["pan"], "punjabi"),
    ("pl", &["pol"], "polish"),
    ("ps", &["pus", "pbt"], "pashto"),
    ("pt", &["por"], "portuguese"),
    ("ro", &["ron", "rum"], "romanian"),
    ("ru", &["rus"], "russian"),
    ("si", &["sin"], "sinhala"),
    ("sk", &["slk", "slo"], "slovak"),
    ("sl", &["slv"], "slovenian"),
    ("sn", &["sna"], "shona"),
    ("so", &["som"], "somali"),
    ("sq", &["sqi", "alb", "als"], "albanian"),
    ("sr", &["srp"], "serbian"),
    ("st", &["sot"], "sotho"),
    ("sv", &["swe"], "swedish"),
    ("sw", &["swa", "swh"], "swahili"),
    ("ta", &["tam"], "tamil"),
    ("te", &["tel"], "telugu"),
    ("tg", &["tgk"], "tajik"),
    ("th", &["tha"], "thai"),
    ("tk", &["tuk"], "turkmen"),
    ("tl", &["tgl"], "tagalog"),
    ("tn", &["tsn"], "tswana"),
    ("tr", &["tur"], "turkish"),
    ("ts", &["tso"], "tsonga"),
    ("tt", &["tat"], "tatar"),
    ("ug", &["uig"], "uyghur"),
    ("uk", &["ukr"], "ukrainian"),
    ("ur", &["urd"], "urdu"),
    ("uz", &["uzb", "uzn"], "uzbek"),
    ("vi", &["vie"], "vietnamese"),
    ("xh", &["xho"], "xhosa"),
    ("yi", &["yid", "ydd"], "yiddish"),
    ("yo", &["yor"], "yoruba"),
    ("zh", &["zho", "cmn", "chi"], "chinese"),
    ("zu", &["zul"], "zulu"),
];

/// Normalise a language as a user or a source names it (`en`, `EN-us`, `eng`, `English`,
/// `zh_Hant`) to the stored code. Unknown but well-formed 2–3 letter codes pass through
/// lower-cased; anything else is `None`.
pub fn normalize_lang(input: &str) -> Option<String> {
    let s = input.trim().to_ascii_lowercase();
    if let Some((one, _, _)) = LANGS.iter().find(|(_, _, name)| *name == s) {
        return Some(one.to_string());
    }
    let primary = s.split(['-', '_']).next()?;
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    if let Some((one, _, _)) = LANGS.iter().find(|(one, three, _)| *one == primary || three.contains(&primary)) {
        return Some(one.to_string());
    }
    Some(primary.to_string())
}

/// The English name of a stored code, for display.
pub fn lang_name(code: &str) -> Option<&'static str> {
    LANGS.iter().find(|(one, three, _)| *one == code || three.contains(&code)).map(|(_, _, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_what_people_and_sources_write() {
        for (input, want) in [
            ("en", "en"),
            ("EN-us", "en"),
            ("eng", "en"),
            ("English", "en"),
            ("zh_Hant", "zh"),
            ("cmn", "zh"),
            ("pes", "fa"),
            ("uig", "ug"),
            ("Uyghur", "ug"),
            ("kaz", "kk"),
            ("qaa", "qaa"),
        ] {
            assert_eq!(normalize_lang(input).as_deref(), Some(want), "{input}");
        }
        for junk in ["", "e", "englishx", "12", "en US"] {
            assert_eq!(normalize_lang(junk), None, "{junk}");
        }
        assert_eq!(lang_name("ug"), Some("uyghur"));
    }
}
