//! Bad input: each file gets a clear outcome, good files still go in, rejects are recorded
//! and counted, exit codes mean something.

use std::io::Write;

use crate::support::{Newsdex, s, seeds};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn every_bad_file_is_named_with_its_reason_and_the_good_ones_go_in() {
    let n = Newsdex::new();
    let dir = n.scratch("inbox");
    let [a, b] = seeds();
    std::fs::copy(&a, dir.join("good-000.txt")).unwrap();
    std::fs::write(dir.join("good-004.txt.gz"), gzip(&std::fs::read(&b).unwrap())).unwrap();
    std::fs::write(dir.join("empty.txt"), b"").unwrap();
    std::fs::write(dir.join("junk.bin"), (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<_>>()).unwrap();
    let gz = gzip(&std::fs::read(&a).unwrap());
    std::fs::write(dir.join("truncated.txt.gz"), &gz[..gz.len() / 2]).unwrap();
    // Latin-1 bytes that are not UTF-8: decoded (with a warning), not rejected.
    std::fs::write(
        dir.join("latin1.txt"),
        b"Caf\xe9 in Almaty\n\nThe caf\xe9 on Abay Avenue reopened after renovation.",
    )
    .unwrap();
    std::fs::write(
        dir.join("broken.jsonl"),
        b"{\"title\":\"ok line\",\"text\":\"Kept despite its neighbour.\"}\n{\"title\": \"cut\n",
    )
    .unwrap();
    // 100 MB of text in one document: over the 50 MiB per-document cap.
    {
        let mut f = std::fs::File::create(dir.join("huge.txt")).unwrap();
        let line = b"This line repeats until the file is one hundred megabytes long.\n";
        for _ in 0..(100 << 20) / line.len() {
            f.write_all(line).unwrap();
        }
    }
    let (_, err) = n.expect(1, &["ingest", s(&dir)]);
    let expect_line = |needle: &str| {
        assert!(err.lines().any(|l| l.contains(needle)), "no line with {needle:?} in:\n{err}");
    };
    expect_line("empty.txt: empty file");
    expect_line("junk.bin: binary data, not text, HTML or JSON Lines");
    expect_line("truncated.txt.gz: truncated gzip stream");
    expect_line("broken.jsonl:2: truncated JSON");
    expect_line("huge.txt: a single text document of 100.0 MiB, over the 50.0 MiB per-document limit");
    // good-000, good-004 (gzip), latin1, broken.jsonl line 1.
    assert!(err.contains("ingested 9: 4 new, 0 duplicates, 5 rejected"), "{err}");

    let st = n.json(&["stats"]);
    assert_eq!(st["documents"], 4);
    assert_eq!(st["indexed_documents"], 4);
    assert_eq!(st["rejects"], 5);
    let codes: Vec<(String, u64)> = serde_json::from_value(st["rejects_by_code"].clone()).unwrap();
    assert_eq!(
        codes,
        [("bad-gzip", 1), ("bad-json", 1), ("binary", 1), ("empty", 1), ("too-large", 1)]
            .map(|(c, k)| (c.to_string(), k))
    );
    assert_eq!(n.titles("Tashkent").0, 1, "the gzipped seed went in");
    let (_, hits) = n.titles("Almaty café");
    assert_eq!(hits, ["Café in Almaty"]);
    let id = n.json(&["search", "Abay"])["hits"][0]["id"].as_str().unwrap().to_string();
    let doc = n.json(&["show", &id]);
    assert_eq!(doc["article"]["warnings"][0]["code"], "decoded-as");

    // Running it again changes nothing and still reports the rejects.
    let (_, err) = n.expect(1, &["ingest", s(&dir)]);
    assert!(err.contains("ingested 9: 0 new, 4 duplicates, 5 rejected"), "{err}");
    assert_eq!(n.json(&["stats"])["rejects"], 5);
}

#[test]
fn a_directory_of_ten_thousand_small_files() {
    let n = Newsdex::new();
    let dir = n.scratch("many");
    for i in 0..10_000 {
        let sub = dir.join(format!("{:02}", i % 100));
        if i < 100 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        std::fs::write(
            sub.join(format!("{i:05}.txt")),
            format!("Bulletin number {i}\n\nShort dispatch {i} about grain prices in Tashkent and Almaty markets."),
        )
        .unwrap();
    }
    let (_, err) = n.expect(0, &["ingest", s(&dir)]);
    assert!(err.contains("ingested 10000: 10000 new, 0 duplicates, 0 rejected"), "{err}");
    let v = n.json(&["search", "\"dispatch 4242\""]);
    assert_eq!(v["total"], 1);
    assert_eq!(v["hits"][0]["title"], "Bulletin number 4242");
    assert_eq!(n.json(&["search", "grain"])["total"], 10_000);
}

#[test]
fn missing_paths_and_usage_errors() {
    let n = Newsdex::new();
    let [a, _] = seeds();
    let (_, err) = n.expect(1, &["ingest", s(&a), "/no/such/file.txt"]);
    assert!(err.contains("rejected /no/such/file.txt: "), "{err}");
    assert!(err.contains("1 new"), "{err}");
    let (_, err) = n.expect(2, &["ingest"]);
    assert!(err.contains("required"), "{err}");
    let (_, err) = n.expect(2, &["show", "not-an-id"]);
    assert!(err.contains("\"not-an-id\" is not an id: expected 16 hex digits"), "{err}");
    let fresh = Newsdex::new();
    let (_, err) = fresh.expect(2, &["search", "anything"]);
    assert!(err.contains("run `newsdex ingest PATH` first"), "{err}");
}
