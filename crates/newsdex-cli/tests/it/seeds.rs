//! The two seed articles: ingest, search, titles, idempotence, show, reindex.

use crate::support::{Newsdex, s, seeds};

fn ingested() -> Newsdex {
    let n = Newsdex::new();
    let [a, b] = seeds();
    let (_, err) = n.expect(0, &["ingest", s(&a), s(&b)]);
    assert!(err.contains("ingested 2: 2 new, 0 duplicates, 0 rejected"), "{err}");
    n
}

const T004: &str = "RFA : Background of the risks of Uyghur visits to Central Asia";

#[test]
fn tashkent_ranks_004_first() {
    let n = ingested();
    let (total, titles) = n.titles("Tashkent");
    assert_eq!(total, 1);
    assert_eq!(titles, [T004]);
    // And in the human output, with the match marked.
    let out = n.ok(&["search", "Tashkent"]);
    assert!(out.starts_with("1 match, showing 1–1\n"), "{out}");
    assert!(out.contains("\n\n  1. RFA : Background"), "{out}");
    assert!(out.contains("**Tashkent**"), "{out}");
}

#[test]
fn foreign_policy_phrase_finds_000() {
    let n = ingested();
    let (total, titles) = n.titles("\"Foreign Policy\"");
    assert_eq!(total, 1);
    assert!(titles[0].starts_with("Beijing’s intensified crackdown on Muslim Uighurs"), "{titles:?}");
    // Both words but not the phrase would also match 004? No: 004 lacks "Foreign".
    let (total, _) = n.titles("foreign policy");
    assert_eq!(total, 1);
}

#[test]
fn title_of_004_appears_once() {
    let n = ingested();
    let v = n.json(&["search", "title:Background"]);
    let id = v["hits"][0]["id"].as_str().unwrap().to_string();
    let doc = n.json(&["show", &id]);
    assert_eq!(doc["article"]["title"], T004);
    let body = doc["article"]["body"].as_str().unwrap();
    assert!(!body.contains(T004), "title left in body: {body}");
    assert!(body.starts_with("In the last 1-2 years, Uyghurs"), "{body}");
    let warnings: Vec<_> =
        doc["article"]["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(warnings.contains(&"title-repeats-collapsed"), "{warnings:?}");
    assert_eq!(doc["article"]["lang"], "en");
    assert_eq!(doc["provenance"]["line"], serde_json::Value::Null);
}

#[test]
fn navigation_debris_leaves_the_index_but_stays_in_the_record() {
    let n = ingested();
    for q in ["\"Previous Post\"", "\"Next Post\"", "\"Worldwide News\"", "\"Search Here\""] {
        assert_eq!(n.titles(q).0, 0, "{q} is still searchable");
    }
    let doc = n.json(&["show", "2828a9e1eb96ab63"]);
    let a = &doc["article"];
    assert_eq!(a["removed"], serde_json::json!(["Previous Post Next Post", "Worldwide News Search Here👇"]));
    let body = a["body"].as_str().unwrap();
    assert!(body.ends_with("1. It's making Central Asia dangerous for them."), "{body}");
    assert!(!body.contains("πŸ‘‡") && !body.contains("Previous Post"), "{body}");
    let codes: Vec<&str> = a["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"boilerplate-removed") && codes.contains(&"mojibake-repaired"), "{codes:?}");
    // Seed 000 has no such lines: nothing removed.
    let v = n.json(&["search", "\"Foreign Policy\""]);
    let doc = n.json(&["show", v["hits"][0]["id"].as_str().unwrap()]);
    assert!(doc["article"].get("removed").is_none(), "{doc}");
}

#[test]
fn ingesting_the_same_bytes_again_adds_nothing_and_says_so() {
    let n = ingested();
    let [a, b] = seeds();
    let (_, err) = n.expect(0, &["ingest", s(&a), s(&b)]);
    assert!(err.contains("ingested 2: 0 new, 2 duplicates, 0 rejected"), "{err}");
    assert!(err.contains("nothing new"), "{err}");
    // The same bytes under another name are the same documents.
    let copy = n.scratch("copy").join("same.txt");
    std::fs::copy(&a, &copy).unwrap();
    let (_, err) = n.expect(0, &["ingest", s(&copy)]);
    assert!(err.contains("ingested 1: 0 new, 1 duplicates"), "{err}");
    let st = n.json(&["stats"]);
    assert_eq!(st["documents"], 2);
    assert_eq!(st["indexed_documents"], 2);
    // Two blobs, three sources (one blob seen under two paths).
    assert_eq!(st["blobs"], 2);
    assert_eq!(st["sources"], 3);
}

#[test]
fn query_syntax_end_to_end() {
    let n = ingested();
    let cases: &[(&str, u64)] = &[
        ("Uyghur", 2),          // 004, and 000 through the variant Uighur
        ("=Uyghur", 1),         // 004 only: as written
        ("=Uighur", 1),         // 000 only (004 writes "Uighurs", a different word)
        ("Uighurs", 2),         // 000 (Uighur, same stem), and 004's "Uighurs in the West"
        ("Uighur -=Uyghur", 1), // 000
        ("Uighur -Uyghur", 0),  // excluding a name excludes all its spellings
        ("Afghanistan -Tashkent", 1),
        ("Afghanistan AND NOT Tashkent", 1),
        ("+Kazakhstan +Tashkent", 1),
        ("title:RFA", 1),
        ("lang:en", 2),
        ("\"Central Asia\"", 2),
        ("Tashk*", 1),
        ("(Novastan OR FP) AND Uzbekistan", 1),
    ];
    for (q, want) in cases {
        let (total, _) = n.titles(q);
        assert_eq!(total, *want, "{q}");
    }
}

#[test]
fn malformed_queries_are_clear_errors_not_panics() {
    let n = ingested();
    // `lang:null` is a regression: the index refused it and the error was reported as a
    // fault (HTTP 500 from the server, found by schemathesis), not as a bad query.
    for q in ["\"Foreign Policy", "(Tashkent", "Tashkent AND", "nosuchfield:x", "published:[2020 TO", "lang:null"] {
        let (out, err) = n.expect(2, &["search", q]);
        assert!(out.is_empty());
        assert!(err.starts_with("error: bad query: "), "{q}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn regression_far_dates_in_queries_match_nothing_instead_of_overflowing() {
    let n = ingested();
    for args in
        [&["search", "published:9999"][..], &["search", "Tashkent", "--from", "5000"], &["search", "published:<1000"]]
    {
        let v = n.json(args);
        assert_eq!(v["total"], 0, "{args:?}");
    }
    assert_eq!(n.json(&["search", "Tashkent published:>=1000"])["total"], 0, "the seeds have no date");
}

#[test]
fn show_raw_returns_the_original_bytes() {
    let n = ingested();
    let id = n.json(&["search", "Tashkent"])["hits"][0]["id"].as_str().unwrap().to_string();
    let out = n.run(&["show", &id, "--raw"]);
    assert_eq!(out.stdout, std::fs::read(&seeds()[1]).unwrap());
}

#[test]
fn reindex_rebuilds_the_same_documents_from_raw_alone() {
    let n = ingested();
    let before = n.json(&["search", "Uyghur OR Uighurs", "--limit", "10"]);
    let (_, err) = n.expect(0, &["reindex"]);
    assert!(err.contains("reindexed 2: 2 new, 0 duplicates, 0 rejected"), "{err}");
    let mut after = n.json(&["search", "Uyghur OR Uighurs", "--limit", "10"]);
    // A reindex is a commit of its own: the latest snapshot moves on (the documents keep
    // their batch, so `--snapshot 1` answers as before).
    assert_eq!((before["snapshot"].as_u64(), after["snapshot"].as_u64()), (Some(1), Some(2)));
    after["snapshot"] = before["snapshot"].clone();
    assert_eq!(before, after);
    let mut pinned = n.json(&["search", "Uyghur OR Uighurs", "--limit", "10", "--snapshot", "1"]);
    pinned["snapshot"] = before["snapshot"].clone();
    assert_eq!(before, pinned);
    let st = n.json(&["stats"]);
    assert_eq!(st["generation"], 2);
    assert_eq!(st["documents"], 2);
    // Still writable afterwards, and still idempotent.
    let [a, _] = seeds();
    let (_, err) = n.expect(0, &["ingest", s(&a)]);
    assert!(err.contains("0 new, 1 duplicates"), "{err}");
}

#[test]
fn show_text_snapshot() {
    let n = ingested();
    let id = n.json(&["search", "Tashkent"])["hits"][0]["id"].as_str().unwrap().to_string();
    let out = n.ok(&["show", &id]);
    // Paths and times differ per run.
    let out: String = out
        .lines()
        .map(|l| {
            if l.starts_with("source ") || l.starts_with("ingested ") {
                format!("{} [redacted]", &l[..10])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(out);
}

#[test]
fn uyghur_finds_both_spellings_and_says_so() {
    let n = ingested();
    let v = n.json(&["search", "Uyghur"]);
    assert_eq!(v["total"], 2, "{v}");
    let hits = v["hits"].as_array().unwrap();
    let of = |title: &str| hits.iter().find(|h| h["title"].as_str().unwrap().starts_with(title)).unwrap();
    // 000 writes only "Uighur(s)": it is found through the variant, and says which.
    let h000 = of("Beijing’s intensified crackdown");
    assert!(h000["matched"].as_array().unwrap().iter().any(|m| m.as_str().unwrap().starts_with("Uighur")), "{h000}");
    let e = &v["expansions"][0];
    assert_eq!(e["term"], "Uyghur");
    for spelling in ["Uighur", "Уйгур", "ئۇيغۇر", "维吾尔"] {
        assert!(e["variants"].as_array().unwrap().contains(&serde_json::json!(spelling)), "{spelling}: {e}");
    }
    // `=Uighur`: that spelling only, which 004 never writes alone.
    let (total, titles) = n.titles("=Uighur");
    assert_eq!(total, 1);
    assert!(titles[0].starts_with("Beijing’s intensified crackdown"), "{titles:?}");
    // The human output shows the expansion and each hit's matched spelling.
    let out = n.ok(&["search", "Uyghur"]);
    assert!(out.contains("Uyghur also searched as: "), "{out}");
    assert!(out.contains("matched as: Uighur"), "{out}");
}

#[test]
fn a_variants_file_in_the_data_directory_adds_groups() {
    let n = ingested();
    assert_eq!(n.titles("clampdown").0, 0);
    // The user's own group (and a comment), read when the archive is opened.
    std::fs::write(n.data().join("variants.txt"), "# ours\nclampdown, crackdown\n").unwrap();
    // Both seeds write "crackdown" (000 in its title, 004 once in its text).
    let (total, titles) = n.titles("clampdown");
    assert_eq!(total, 2);
    assert!(titles[0].starts_with("Beijing’s intensified crackdown"), "{titles:?}");
    assert_eq!(n.titles("=clampdown").0, 0);
    let v = n.json(&["search", "clampdown"]);
    assert_eq!(v["expansions"][0]["variants"], serde_json::json!(["crackdown"]));
}
