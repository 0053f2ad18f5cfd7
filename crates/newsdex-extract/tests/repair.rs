//! Text repair on real data:
//!
//! * ftfy's mojibake cases: at least as many repaired as ftfy 6.3.1 itself repairs (the
//!   cases its test suite marks `pass`);
//! * the seed article's broken emoji;
//! * no false repairs: every sentence of the 75-language lingua test set and every article
//!   of the demo corpus and AG News is left as it is, except the ones that really carry
//!   mojibake, each pinned in a snapshot (`snapshots/repair__lingua_repairs.snap`) so any
//!   new change, right or wrong, shows up in review;
//! * legacy-encoded files decode to the right text.

use std::io::Read;

use newsdex_extract::{Markup, decode, mojibake, repair_text};
use unicode_normalization::UnicodeNormalization;

fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// What repair makes of `s`, if it changes it (compared in NFC).
fn repaired(s: &str) -> Option<String> {
    mojibake::repair(s).map(|(t, _)| nfc(&t)).filter(|t| *t != nfc(s))
}

fn jsonl(text: &str) -> impl Iterator<Item = serde_json::Value> + '_ {
    text.lines().map(|l| serde_json::from_str(l).unwrap())
}

#[test]
fn ftfy_cases_at_least_as_many_as_ftfy_repairs() {
    let Some(path) = newsdex_testkit::shared_data("mojibake-ftfy/cases.jsonl") else { return };
    let text = std::fs::read_to_string(path).unwrap();
    let (mut ours, mut ftfy, mut total) = (0, 0, 0);
    let mut failed = Vec::new();
    for v in jsonl(&text) {
        let (orig, want) = (v["original"].as_str().unwrap(), v["fixed_encoding"].as_str().unwrap());
        let got = mojibake::repair(orig).map_or_else(|| orig.to_string(), |(t, _)| t);
        total += 1;
        ftfy += usize::from(v["expect"] == "pass");
        if nfc(&got) == nfc(want) {
            ours += 1;
        } else {
            failed.push(format!("{}: {got:?} (want {want:?})", v["id"].as_str().unwrap()));
        }
    }
    eprintln!("newsdex repairs {ours} of {total}; ftfy 6.3.1 repairs {ftfy}\n{}", failed.join("\n"));
    assert!(ours >= ftfy, "newsdex {ours} < ftfy {ftfy} of {total}:\n{}", failed.join("\n"));
}

#[test]
fn the_seed_emoji_is_repaired() {
    let seed =
        std::fs::read_to_string(newsdex_testkit::repo_root().join("testdata/seeds/004_28fc068abbfc2ab4.txt")).unwrap();
    assert!(seed.contains("Worldwide News Search HereπŸ‘‡"));
    let mut w = Vec::new();
    let fixed = repair_text(&seed, &mut w);
    assert!(fixed.ends_with("Worldwide News Search Here👇"), "{}", &fixed[fixed.len() - 60..]);
    assert!(!fixed.contains("πŸ‘‡"));
    let m = w.iter().find(|w| w.code == "mojibake-repaired").expect("a recorded repair");
    assert_eq!(m.message, "1 line(s) of UTF-8 that had been read as windows-1253+1252 repaired (mojibake)");
}

/// The changed words of a repaired sentence, `before → after`.
fn changes(before: &str, after: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (before.split(' ').collect(), after.split(' ').collect());
    if a.len() != b.len() {
        return format!("{before:?} → {after:?}");
    }
    a.iter().zip(&b).filter(|(x, y)| x != y).map(|(x, y)| format!("{x:?} → {y:?}")).collect::<Vec<_>>().join(", ")
}

#[test]
fn lingua_repairs() {
    let Some(path) = newsdex_testkit::shared_data("langid-lingua-sentences/sentences.jsonl.zst") else { return };
    let mut text = String::new();
    zstd::stream::read::Decoder::new(std::fs::File::open(path).unwrap()).unwrap().read_to_string(&mut text).unwrap();
    let mut lines = Vec::new();
    let mut n = 0;
    for v in jsonl(&text) {
        n += 1;
        let s = v["text"].as_str().unwrap();
        if let Some(fixed) = repaired(s) {
            lines.push(format!("{}: {}", v["id"].as_str().unwrap(), changes(&nfc(s), &fixed)));
        }
    }
    assert_eq!(n, 55_720);
    // Every line below is real damage in the source sentences (UTF-8 read as windows-1252
    // or -1250, C1 controls for windows-1252 punctuation, UTF-8 of U+FFFD read as
    // windows-1250 or -1251), reviewed by hand; 55,477 sentences are untouched.
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn the_demo_corpus_and_ag_news_pass_through() {
    let root = newsdex_testkit::repo_root();
    let mut changed = Vec::new();
    let mut n = 0;
    for f in ["wikinews-en", "wikinews-zh", "wikinews-ja"] {
        let zst = std::fs::read(root.join(format!("demo/{f}.jsonl.zst"))).unwrap();
        let text = String::from_utf8(zstd::decode_all(&zst[..]).unwrap()).unwrap();
        for v in jsonl(&text) {
            for field in ["title", "text"] {
                n += 1;
                let s = v[field].as_str().unwrap_or_default();
                if let Some(fixed) = repaired(s) {
                    changed.push((v["id"].as_str().unwrap().to_string(), field, changes(&nfc(s), &fixed)));
                }
            }
        }
    }
    assert_eq!(n, 2 * 3732);
    // One Japanese article carries a C1 control where windows-1252 has its apostrophe.
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].0, "wikinews-ja-00219");
    assert!(changed[0].2.contains(r#""\u{92}"#) && changed[0].2.contains('’'), "{changed:?}");
    if let Some(p) = newsdex_testkit::shared_data("news-agnews-test/agnews-test.jsonl") {
        let text = std::fs::read_to_string(p).unwrap();
        let changed: Vec<String> = jsonl(&text)
            .flat_map(|v| ["title", "text"].map(|f| v[f].as_str().unwrap_or_default().to_string()))
            .filter_map(|s| repaired(&s))
            .collect();
        assert_eq!(changed, Vec::<String>::new());
    }
}

#[test]
fn legacy_encoded_files_decode_to_the_right_text() {
    let Some(dir) = newsdex_testkit::shared_data("encoding-samples-charset-normalizer") else { return };
    let expected = std::fs::read_to_string(dir.join("expected.jsonl")).unwrap();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for v in jsonl(&expected) {
        let file = v["file"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let mut w = Vec::new();
        let text = decode(&bytes, None, &mut w);
        let want = v["utf8_text"].as_str().unwrap();
        let norm = |s: &str| nfc(s.trim_start_matches('\u{FEFF}')).replace("\r\n", "\n");
        if norm(&text) != norm(want) {
            wrong.push(format!("{file} ({}): {w:?}", v["expected_encoding"]));
        }
        // And repair leaves correctly decoded text alone.
        assert_eq!(repaired(want), None, "{file}");
        checked += 1;
    }
    assert_eq!(checked, 18);
    assert!(wrong.is_empty(), "decoded wrongly: {wrong:#?}");
}

#[test]
fn html_declared_charset_still_wins() {
    let page = b"<html><head><meta charset=\"windows-1251\"></head><body>\xcf\xf0\xe8\xe2\xe5\xf2</body>";
    let mut w = Vec::new();
    assert!(decode(page, Some(Markup::Html), &mut w).contains("Привет"));
}
