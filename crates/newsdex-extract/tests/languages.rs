//! Languages of real documents whose language is known: Reuters-21578 (21,578 stories,
//! all in English; skipped when ../shared is absent), each extracted as a JSON Lines
//! record as `ingest` does.
//!
//! Regression: its headlines are written in capitals ("FORD MOTOR CO OF CANADA LTD 4TH
//! QTR SHR 8.17 DLRS VS 55 CTS") and many bodies are short ("Blah blah blah.", price
//! tables), and 1,801 of them (8.3 %) were not identified as English: fastText lid.176
//! took 1,218 for Indonesian, Malay, Spanish, German, Japanese and others, left 583
//! without a language, and put a "title-lang" warning (another language in the title)
//! on thousands. Words in capitals are now read in lower case by the identifier.

use newsdex_extract::{Hints, RecordKind, extract};

#[test]
fn reuters_stories_are_english_whatever_the_case_of_their_headlines() {
    let Some(sgml) = newsdex_testkit::shared_data("news-reuters21578/original") else {
        eprintln!("SKIPPED: ../shared/data/news-reuters21578 is absent");
        return;
    };
    let records = newsdex_testkit::reuters::convert_dir(&sgml).unwrap();
    assert!(records.len() > 21_000, "{} records", records.len());
    let (mut english, mut unknown, mut title_warned) = (0usize, 0usize, 0usize);
    let mut other: std::collections::BTreeMap<String, usize> = Default::default();
    for rec in &records {
        let Ok(a) = extract(rec.to_string().as_bytes(), RecordKind::Jsonl, &Hints::default()) else { continue };
        match a.lang.as_deref() {
            Some("en") => english += 1,
            Some(l) => *other.entry(l.to_string()).or_default() += 1,
            None => unknown += 1,
        }
        title_warned += usize::from(a.warnings.iter().any(|w| w.code == "title-lang"));
    }
    let n = records.len();
    let share = english as f64 / n as f64;
    eprintln!(
        "{english} of {n} English ({share:.4}), {unknown} unknown, {title_warned} title-lang warnings, other: {other:?}"
    );
    // Measured 0.9914 (21,392 of 21,577 as ingested); before, 0.917.
    assert!(share >= 0.99, "{english} of {n} English; other: {other:?}; {unknown} unknown");
    // Measured 150 over the 35,598 documents of Reuters, AG News, the demo corpus and the
    // extraction pages together; before, 2,958.
    assert!(title_warned * 100 <= n, "{title_warned} of {n} titles said to be in another language");
}
