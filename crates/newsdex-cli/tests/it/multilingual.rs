//! Search across languages and scripts on real text: sentences from the Leipzig Wortschatz
//! corpora (via lingua-rs's test set) and the Uyghur of the Universal Declaration of Human
//! Rights, in `testdata/multilingual/`. A word from the text, typed the way a reader would
//! type it (dictionary form, other letter forms, without marks), finds its document.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::support::{Newsdex, s};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/multilingual/sentences.jsonl")
}

/// Document ids by the records' own ids.
fn ingested() -> (Newsdex, HashMap<String, String>) {
    let n = Newsdex::new();
    let (_, err) = n.expect(0, &["ingest", s(&fixture())]);
    assert!(err.contains("ingested 38: 38 new"), "{err}");
    let mut ids = HashMap::new();
    for line in std::fs::read_to_string(fixture()).unwrap().lines() {
        let rec: serde_json::Value = serde_json::from_str(line).unwrap();
        let source_id = rec["id"].as_str().unwrap().to_string();
        let v = n.json(&["search", &format!("id:{source_id}")]);
        assert_eq!(v["total"], 1, "{source_id}");
        ids.insert(source_id, v["hits"][0]["id"].as_str().unwrap().to_string());
    }
    (n, ids)
}

fn hit_ids(n: &Newsdex, args: &[&str]) -> Vec<String> {
    let mut all = vec!["search", "--limit", "20"];
    all.extend_from_slice(args);
    let v = n.json(&all);
    v["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_word_from_the_text_finds_its_document_in_every_script() {
    let (n, ids) = ingested();
    // (query, the record it must find, why)
    let cases: &[(&str, &str, &str)] = &[
        ("半导体", "lingua-zh-1", "Chinese word inside an unspaced run"),
        ("技术创新", "lingua-zh-16", "Chinese two-word phrase"),
        ("产业", "lingua-zh-16", "Chinese word"),
        ("大阪", "lingua-ja-5", "Japanese place name between kana"),
        ("空港", "lingua-ja-5", "Japanese word"),
        ("不動産", "lingua-ja-20", "Japanese three-character word"),
        ("безопасность", "lingua-ru-3", "Russian nominative for genitive безопасности"),
        ("экономика", "lingua-ru-3", "Russian nominative for экономики"),
        ("الصين", "lingua-ar-9", "Arabic word as written"),
        ("إنتاجه", "lingua-ar-9", "Arabic alef with hamza below for the text's bare alef"),
        ("مشكلة", "lingua-ar-11", "Arabic without the article ال"),
        ("کروموزوم", "lingua-fa-2", "Persian word joined to ‌ها by a zero-width non-joiner"),
        ("كروموزوم", "lingua-fa-2", "Persian typed with Arabic kaf"),
        ("ایران", "lingua-fa-3", "Persian yeh"),
        ("istanbul", "lingua-tr-563", "Turkish İstanbul'da: dotted capital and apostrophe suffix"),
        ("İSTANBUL", "lingua-tr-563", "Turkish in capitals"),
        ("kongre", "lingua-tr-563", "Turkish stem of kongrenin"),
        ("üniversite", "lingua-tr-567", "Turkish stem of Üniversitesi"),
        ("экономикасы", "lingua-kk-1", "Kazakh word as written"),
        ("министрлік", "lingua-kk-2", "Kazakh letter і"),
        ("Алматы", "lingua-kk-498", "Kazakh city name"),
        ("Almaty", "lingua-kk-498", "Latin spelling of a Cyrillic name"),
        ("Alma-Ata", "lingua-kk-498", "older name, from the variants file"),
        ("گاندھی", "lingua-ur-1", "Urdu do-chashmi heh"),
        ("εκπαιδευση", "lingua-el-1", "Greek typed without accents"),
        ("ความปลอดภัย", "lingua-th-3", "Thai word inside an unspaced run"),
        ("หลักสูตร", "lingua-th-6", "Thai word"),
        ("मंत्री", "lingua-hi-1", "Hindi word"),
        ("ئادەم", "udhr-ug-1", "Uyghur word"),
        ("ئەركىن", "udhr-ug-1", "Uyghur word before a comma"),
    ];
    let mut failures = Vec::new();
    for (q, want, why) in cases {
        let got = hit_ids(&n, &[q]);
        if !got.contains(&ids[*want]) {
            failures.push(format!("{q:?} did not find {want} ({why}); found {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn each_language_is_detected_faceted_and_filtered() {
    let (n, ids) = ingested();
    let st = n.json(&["stats"]);
    let by_lang: HashMap<String, u64> =
        serde_json::from_value::<Vec<(String, u64)>>(st["by_lang"].clone()).unwrap().into_iter().collect();
    for (lang, count) in [("zh", 3), ("ja", 3), ("ru", 3), ("ar", 3), ("fa", 3), ("tr", 4), ("kk", 4), ("ug", 1)] {
        assert_eq!(by_lang.get(lang), Some(&count), "{lang}: {by_lang:?}");
    }
    // `--lang` and `lang:` keep only that language: Almaty is in Kazakh records only.
    let kk = hit_ids(&n, &["Алматы", "--lang", "kk"]);
    assert_eq!(kk, [ids["lingua-kk-498"].clone()]);
    assert!(hit_ids(&n, &["Алматы", "--lang", "ru"]).is_empty());
    assert_eq!(hit_ids(&n, &["lang:ug"]), [ids["udhr-ug-1"].clone()]);
}

#[test]
fn exact_spelling_turns_the_expansion_off() {
    let (n, ids) = ingested();
    // Russian: the stem finds the inflected form; `=` and `--exact` search the form typed.
    let kk498 = ids["lingua-kk-498"].clone();
    assert!(hit_ids(&n, &["Almaty"]).contains(&kk498));
    assert!(hit_ids(&n, &["=Almaty"]).is_empty());
    assert!(hit_ids(&n, &["--exact", "Almaty"]).is_empty());
    assert!(hit_ids(&n, &["--exact", "безопасность"]).is_empty());
    assert_eq!(hit_ids(&n, &["--exact", "безопасности"]), [ids["lingua-ru-3"].clone()]);
    // What was searched is reported.
    let v = n.json(&["search", "Almaty"]);
    let e = &v["expansions"][0];
    assert_eq!(e["term"], "Almaty");
    assert!(e["variants"].as_array().unwrap().contains(&serde_json::json!("Алматы")), "{e}");
    // The hit names what it matched: Алматы, and Верный, the city's name until 1921,
    // which the sentence also holds (both from the gazetteer).
    let matched = v["hits"][0]["matched"].as_array().unwrap();
    assert!(matched.contains(&serde_json::json!("Алматы")), "{matched:?}");
    assert!(matched.iter().all(|m| e["variants"].as_array().unwrap().contains(m)), "{matched:?} {e}");
    assert_eq!(n.json(&["search", "--exact", "Almaty"])["expansions"], serde_json::json!([]));
}

#[test]
fn regression_a_spelling_found_only_by_its_sound_key_is_reported() {
    // `Bushem` is in no variants file: the Russian record writes `Бушем`, which has the
    // same sound key. Whether a hit can hold such a spelling is judged from the index
    // (key frequency above the query's own words) before the text is read again.
    let (n, ids) = ingested();
    let v = n.json(&["search", "Bushem"]);
    assert_eq!(v["total"], 1, "{v}");
    assert_eq!(v["hits"][0]["id"], ids["lingua-ru-3"].as_str());
    assert_eq!(v["hits"][0]["matched"], serde_json::json!(["Бушем"]));
    // The word itself, found as written, reports nothing else.
    assert_eq!(n.json(&["search", "Бушем"])["hits"][0]["matched"], serde_json::json!([]));
}
