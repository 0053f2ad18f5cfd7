//! The whole Reuters-21578 corpus (21,578 stories; ../shared, research use): counts,
//! searches, filters, known content. Skipped when ../shared is absent.

use crate::support::{Newsdex, reuters_jsonl, s, shared};

#[test]
fn whole_reuters_corpus_ingests_with_the_right_count_and_searches() {
    let n = Newsdex::new();
    let Some(path) = reuters_jsonl(&n.scratch("in")) else { return };
    let started = std::time::Instant::now();
    let (_, err) = n.expect(1, &["ingest", "--outlet", "Reuters", s(&path)]);
    eprintln!("ingest of Reuters-21578 took {:.1} s (not asserted)", started.elapsed().as_secs_f64());
    // NEWID 12793 is empty in the original collection: the one reject, named by its line.
    assert!(err.contains("ingested 21578: 21577 new, 0 duplicates, 1 rejected"), "{err}");
    assert!(err.contains("reuters21578.jsonl:12793: no `title`, `text` or `html` field with text"), "{err}");
    let st = n.json(&["stats"]);
    assert_eq!(st["documents"], 21577);
    assert_eq!(st["indexed_documents"], 21577);
    assert_eq!(st["by_outlet"][0], serde_json::json!(["Reuters", 21577]));
    assert_eq!(st["by_lang"][0][0], "en");
    assert_eq!(st["published_min"], "1987-02-26T15:01:01");
    assert_eq!(st["published_max"], "1987-10-20T22:53:18");
    assert_eq!(st["blobs"], 1);
    // Two dates are malformed upstream ("31-MAR-1987 605:12:19.12", a guess with a comment):
    // kept raw with a warning, every other date parsed.
    let warnings: Vec<(String, u64)> = serde_json::from_value(st["warnings_by_code"].clone()).unwrap();
    assert!(warnings.contains(&("unparsed-date".to_string(), 2)), "{warnings:?}");

    // The agency's sign-off closing almost every story ("Reuter", "REUTER", "Reuter...")
    // is learned as boilerplate: out of the text, kept in the record.
    assert!(warnings.iter().any(|(c, k)| c == "boilerplate-learned" && *k > 18_000), "{warnings:?}");
    let first = n.json(&["search", "id:reuters-1"])["hits"][0]["id"].as_str().unwrap().to_string();
    let doc = n.json(&["show", &first]);
    assert_eq!(doc["article"]["removed"], serde_json::json!(["Reuter"]));
    assert!(
        doc["article"]["body"]
            .as_str()
            .unwrap()
            .ends_with("Brazilian Cocoa Trade Commission after\ncarnival which ends midday on February 27."),
        "{doc}"
    );
    // `=`: the word as written, not its stem (`Reuters` in "told Reuters" stems to `reuter`).
    let mentions = n.json(&["search", "=reuter", "--limit", "0"])["total"].as_u64().unwrap();
    assert!(mentions < 1_000, "{mentions} stories still match the sign-off");

    // The first story, by its source id and by its words.
    let v = n.json(&["search", "id:reuters-1"]);
    assert_eq!(v["total"], 1);
    assert_eq!(v["hits"][0]["title"], "BAHIA COCOA REVIEW");
    assert_eq!(v["hits"][0]["published"], "1987-02-26T15:01:01");
    let v = n.json(&["search", "title:\"bahia cocoa review\""]);
    assert_eq!(v["hits"][0]["title"], "BAHIA COCOA REVIEW");
    // A BRIEF story's headline, which the ../shared JSONL lost.
    let v = n.json(&["search", "id:reuters-30"]);
    assert_eq!(v["hits"][0]["title"], "ASSETS OF MONEY MARKET MUTUAL FUNDS ROSE 720.4 MLN DLRS IN LATEST WEEK");

    // Filters and date ranges agree between flags and query syntax.
    let total = |args: &[&str]| n.json(args)["total"].as_u64().unwrap();
    let all_cocoa = total(&["search", "cocoa", "--limit", "0"]);
    assert!(all_cocoa > 100, "{all_cocoa}");
    let march = total(&["search", "cocoa", "--from", "1987-03", "--to", "1987-03", "--limit", "0"]);
    assert_eq!(march, total(&["search", "cocoa published:1987-03", "--limit", "0"]));
    assert_eq!(march, total(&["search", "cocoa published:[1987-03-01 TO 1987-03-31]", "--limit", "0"]));
    assert!(march > 0 && march < all_cocoa, "{march} of {all_cocoa}");
    assert_eq!(total(&["search", "cocoa", "--lang", "ru"]), 0);
    assert_eq!(total(&["search", "cocoa", "--outlet", "reuters", "--limit", "0"]), all_cocoa);

    // Ranking: for a one-word query the top hits have it in the headline.
    let v = n.json(&["search", "cocoa", "--limit", "5"]);
    for h in v["hits"].as_array().unwrap() {
        assert!(h["title"].as_str().unwrap().to_lowercase().contains("cocoa"), "{h}");
    }
    // Paging is consistent.
    let page1 = n.json(&["search", "oil", "--limit", "20"]);
    let page2 = n.json(&["search", "oil", "--limit", "10", "--offset", "10"]);
    assert_eq!(page1["hits"][10], page2["hits"][0]);
    // Stories: the collection's own word-for-word repeats (same headline and text under
    // another NEWID) are each one story, named by the earliest; checked on every 10th group.
    let mut groups: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in std::fs::read_to_string(&path).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let (Some(t), Some(b)) = (v["title"].as_str(), v["text"].as_str()) else { continue };
        let norm: String = format!("{t} {b}").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
        if b.split_whitespace().count() >= 10 {
            groups.entry(norm).or_default().push(v["id"].as_str().unwrap().to_string());
        }
    }
    let repeated: Vec<&Vec<String>> = groups.values().filter(|g| g.len() > 1).collect();
    assert!(repeated.len() > 100, "{}", repeated.len());
    let st = n.json(&["stats"]);
    let stories = st["stories"].as_u64().unwrap();
    assert!(stories <= 21577 - repeated.len() as u64, "{stories} stories");
    for g in repeated.iter().step_by(10) {
        let ids: Vec<String> = g
            .iter()
            .map(|r| n.json(&["search", &format!("id:{r}"), "--all"])["hits"][0]["id"].as_str().unwrap().to_string())
            .collect();
        let story = n.json(&["story", &ids[0]]);
        let members: Vec<&str> =
            story["members"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
        for id in &ids {
            assert!(members.contains(&id.as_str()), "{g:?}: {id} not in {members:?}");
        }
    }
    let timed = std::time::Instant::now();
    n.json(&["search", "oil prices OPEC", "--limit", "10"]);
    eprintln!(
        "one search over Reuters, process start included: {:.0} ms (not asserted)",
        timed.elapsed().as_secs_f64() * 1e3
    );
}

#[test]
fn the_shared_jsonl_as_given_rejects_its_empty_records_by_line() {
    // ../shared's JSONL has 2,535 records with neither title nor text (see the testkit's
    // reuters module): rejects at scale, each named, the rest committed, exit code 1.
    let Some(path) = shared("news-reuters21578/reuters21578.jsonl.zst") else { return };
    let n = Newsdex::new();
    let (_, err) = n.expect(1, &["ingest", "-q", s(&path)]);
    assert!(err.contains("ingested 21578: 19043 new, 0 duplicates, 2535 rejected"), "{err}");
    assert_eq!(err.lines().filter(|l| l.starts_with("rejected ")).count(), 0, "-q prints no per-reject lines");
    let st = n.json(&["stats", "--rejects", "3"]);
    assert_eq!(st["rejects"], 2535);
    assert_eq!(st["rejects_by_code"], serde_json::json!([["no-text", 2535]]));
    assert_eq!(st["recent_rejects"].as_array().unwrap().len(), 3);
    assert!(st["recent_rejects"][0]["source"].as_str().unwrap().ends_with("reuters21578.jsonl.zst"));
}
