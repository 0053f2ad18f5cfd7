//! A collection through the command line: shards built with `ingest --shard`, searched
//! and shown through the collection's directory.

use crate::support::{Newsdex, s};

/// `show` on the collection (of `shards` shards) finds each hit of `found` by its id and by
/// a prefix of it, from whichever shard holds it, and says when no shard holds an id.
fn shows_each_hit(nd: &Newsdex, found: &serde_json::Value, shards: u32) {
    for hit in found["hits"].as_array().unwrap() {
        let id = hit["id"].as_str().unwrap();
        let doc = nd.json(&["show", id]);
        assert_eq!(doc["article"]["id"].as_str(), Some(id), "{doc}");
        assert_eq!(nd.json(&["show", &id[..8]])["article"]["id"].as_str(), Some(id));
    }
    let (_, err) = nd.expect(2, &["show", "0000000000000000"]);
    let says = format!("no document 0000000000000000 in any of the collection's {shards} shards");
    assert!(err.contains(&says), "{err}");
}

#[test]
fn a_collection_is_built_searched_and_shown_through_its_directory() {
    let nd = Newsdex::new();
    let demo = newsdex_testkit::repo_root().join("demo");
    nd.ok(&["collection", "init", "--shards", "2"]);
    let coll = nd.data();
    let mut new = 0;
    for i in 0..2 {
        let r: serde_json::Value = serde_json::from_str(&nd.ingest_shard(i, 2, &["--json"], &[&demo])).unwrap();
        assert!(r["other_shards"].as_u64().unwrap() > 1000, "{r}");
        new += r["new"].as_u64().unwrap();
    }
    // A shard asked to be another is refused, naming the file that says what it is.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdex"))
        .args(["--data", s(&coll.join("shard-0000")), "ingest", "--shard", "1/2", s(&demo)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is shard 0/2, not 1/2"));

    let status = nd.json(&["collection", "status"]);
    assert_eq!(status["documents"].as_u64(), Some(new), "{status}");
    assert_eq!(status["stories"]["state"], "never", "{status}");
    // An export before the link says its story fields are each shard's; after it, not.
    let (rows, err) = nd.expect(0, &["export", "雨", "--format", "jsonl", "--fields", "id,story_size"]);
    assert!(err.contains("note: stories: each shard's own"), "{err}");
    assert!(rows.lines().count() > 100, "{rows}");
    nd.ok(&["collection", "link"]);
    let (_, err) = nd.expect(0, &["export", "雨", "--format", "jsonl", "--fields", "id,story_size"]);
    assert!(!err.contains("note: stories"), "{err}");
    assert!(err.contains("from every shard of the collection"), "{err}");
    let status = nd.json(&["collection", "status"]);
    assert_eq!(status["stories"]["state"], "current");
    assert!(status["outlets_named_apart"].is_array(), "{status}");

    let found = nd.json(&["search", "雨", "--limit", "3"]);
    assert!(found["total"].as_u64().unwrap() > 100, "{found}");
    shows_each_hit(&nd, &found, 2);
    // A collection has no single snapshot.
    let (_, err) = nd.expect(2, &["search", "雨", "--snapshot", "1"]);
    assert!(err.contains("no single snapshot"), "{err}");
}

/// Regression: an id prefix shared by documents in two shards was answered "names
/// documents in 2 shards" without the candidates; it now lists them as one archive does
/// (`Collection::find_id`, which a collection's root uses too).
#[test]
fn show_on_a_collection_lists_the_candidates_of_a_prefix_shared_by_two_shards() {
    let nd = Newsdex::new();
    let (a, b, c) = crate::stories::colliding_records_where(|x, y| x.as_u64() % 2 != y.as_u64() % 2);
    let input = crate::stories::write(&nd, "cocoa.jsonl", &[&a, &b, &c]);
    nd.ok(&["collection", "init", "--shards", "2"]);
    for i in 0..2 {
        nd.ingest_shard(i, 2, &[], &[&input]);
    }
    let id = |line: &str| newsdex_core::DocId::of_record(line.as_bytes()).to_string();
    let (ida, idb) = (id(&a), id(&b));
    for cmd in ["show", "story"] {
        let (_, err) = nd.expect(2, &[cmd, &ida[..6]]);
        crate::stories::assert_lists_candidates(&err, &ida[..6], &[&a, &b]);
    }
    let digits = (6..16).find(|&k| ida[..k] != idb[..k]).unwrap();
    assert_eq!(nd.json(&["show", &idb[..digits]])["article"]["id"], idb.as_str());
}

/// Time-partitioned shards through the command line: bounds checked at `init`, each
/// shard built with `--by-date`, a shard asked to take other ranges refused, ranges in
/// `collection status`, documents found and shown from the shard of their date.
#[test]
fn a_time_partitioned_collection_is_built_from_its_ranges_and_says_them() {
    let nd = Newsdex::new();
    let demo = newsdex_testkit::repo_root().join("demo");
    for (bounds, says) in [
        ("2012-01-01,2008-01-01", "date bounds must increase: 2012-01-01 is not before 2008-01-01"),
        ("2008-01-01", "3 shards by date need 2 bounds"),
        ("2008-01-01,2012-02-30", "\"2012-02-30\" is not a date"),
    ] {
        let (_, err) = nd.expect(2, &["collection", "init", "--shards", "3", "--by-date", bounds]);
        assert!(err.contains(says), "{bounds}: {err}");
    }
    let bounds = "2008-01-01,2012-01-01";
    let (_, err) = nd.expect(0, &["collection", "init", "--shards", "3", "--by-date", bounds]);
    assert!(err.contains("documents assigned by date split at 2008-01-01, 2012-01-01, undated in shard 2"), "{err}");
    assert!(err.contains("ingest --shard I/3 --by-date 2008-01-01,2012-01-01 --undated-shard 2"), "{err}");
    let (_, err) = nd.expect(2, &["collection", "init", "--shards", "3", "--by-date", "2009-01-01,2012-01-01"]);
    assert!(err.contains("re-partitioning means building anew"), "{err}");
    let (_, err) = nd.expect(2, &["collection", "init", "--shards", "3"]);
    assert!(err.contains("not by id"), "{err}");

    let mut new = 0;
    for i in 0..3 {
        let r: serde_json::Value =
            serde_json::from_str(&nd.ingest_shard(i, 3, &["--json", "--by-date", bounds], &[&demo])).unwrap();
        assert!(r["new"].as_u64().unwrap() > 500 && r["other_shards"].as_u64().unwrap() > 500, "shard {i}: {r}");
        new += r["new"].as_u64().unwrap();
    }
    let single = Newsdex::new();
    let one = single.json(&["ingest", s(&demo)]);
    assert_eq!(one["new"].as_u64(), Some(new), "the shards together hold one archive's documents");
    // A shard is refused other ranges, or assignment by id.
    for extra in [&["--by-date", "2009-01-01,2012-01-01"][..], &[]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdex"))
            .args(["--data", s(&nd.data().join("shard-0001")), "ingest", "--shard", "1/3"])
            .args(extra)
            .arg(&demo)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("is shard 1/3 by date 2008-01-01,2012-01-01 undated 2"), "{err}");
        assert!(err.contains("assigns documents otherwise"), "{err}");
    }

    let status = nd.json(&["collection", "status"]);
    assert_eq!(status["documents"].as_u64(), Some(new), "{status}");
    let shards = status["shards"].as_array().unwrap();
    assert_eq!((&shards[0]["from"], &shards[0]["to"]), (&serde_json::Value::Null, &serde_json::json!("2008-01-01")));
    assert_eq!(
        (&shards[2]["from"], &shards[2]["undated"]),
        (&serde_json::json!("2012-01-01"), &serde_json::json!(true))
    );
    let text = nd.ok(&["collection", "status"]);
    assert!(text.contains("before 2008-01-01") && text.contains("from 2012-01-01, and undated documents"), "{text}");

    // Totals and facets are one archive's; each hit is shown from the shard of its date.
    let args = ["search", "*", "--facets", "--limit", "20", "--sort", "oldest"];
    let (a, b) = (single.json(&args), nd.json(&args));
    assert_eq!((&a["total"], &a["facets"]["month"]), (&b["total"], &b["facets"]["month"]));
    shows_each_hit(&nd, &b, 3);
}
