//! Hostile and unlucky input, as an attacker or an unlucky operator would give it: bombs,
//! huge documents, millions of bad records, devices and pipes, file names with terminal
//! escapes. Each is refused or read with a clear outcome, recorded so `reindex` repeats
//! it, and within the memory budget: peak RSS (as `ingest --json` reports it, read from
//! /proc/self/status) at most [`BUDGET`] for any single input.

use std::io::Write;

use crate::support::{Newsdex, s, seeds};

/// Peak memory allowed for one ingest of any single input (issue #14).
const BUDGET: u64 = 512 << 20;

/// Ingest `path` with `--json`; (exit code, report).
fn ingest_json(n: &Newsdex, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["-q", "ingest", "--json"];
    all.extend_from_slice(args);
    let out = n.run(&all);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v)
}

fn peak(v: &serde_json::Value) -> u64 {
    v["peak_rss_bytes"].as_u64().expect("peak_rss_bytes on Linux")
}

/// `n` MiB of `byte`, compressed with zstd as it is written.
fn zstd_of_repeated(byte: u8, mib: usize) -> Vec<u8> {
    let mut e = zstd::stream::Encoder::new(Vec::new(), 3).unwrap();
    let block = vec![byte; 1 << 20];
    for _ in 0..mib {
        e.write_all(&block).unwrap();
    }
    e.finish().unwrap()
}

#[test]
fn regression_a_zstd_bomb_is_refused_within_the_memory_budget() {
    // 2 GiB of text in about 70 KB: the small-file path once held it all (2.1 GB).
    let n = Newsdex::new();
    let p = n.scratch("in").join("bomb.txt.zst");
    std::fs::write(&p, zstd_of_repeated(b'a', 2048)).unwrap();
    assert!(std::fs::metadata(&p).unwrap().len() < 200_000);
    let (code, v) = ingest_json(&n, &[s(&p)]);
    assert_eq!(code, 1);
    assert_eq!(v["rejected"][0]["code"], "bomb", "{v}");
    assert!(peak(&v) <= BUDGET, "peak {} MB", peak(&v) >> 20);
    // The bytes are kept (nothing is lost) and the refusal is repeated by a rebuild.
    assert_eq!(n.json(&["stats"])["blobs"], 1);
    let (_, err) = n.expect(1, &["reindex"]);
    assert!(err.contains("reindexed 1: 0 new, 0 duplicates, 1 rejected"), "{err}");
}

#[test]
fn regression_a_nested_bomb_is_refused_within_the_memory_budget() {
    // zstd(gzip(600 MiB of one letter)): 4.1 GB once, for a 187 KB file.
    let n = Newsdex::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let block = vec![b'{'; 1 << 20];
    for _ in 0..600 {
        gz.write_all(&block).unwrap();
    }
    let nested = zstd::encode_all(&gz.finish().unwrap()[..], 19).unwrap();
    let p = n.scratch("in").join("nested.jsonl.zst");
    std::fs::write(&p, nested).unwrap();
    let (code, v) = ingest_json(&n, &[s(&p)]);
    assert_eq!(code, 1);
    let codes: Vec<&str> = v["rejected"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"bomb"), "{v}");
    assert!(peak(&v) <= BUDGET, "peak {} MB", peak(&v) >> 20);
}

#[test]
fn regression_a_huge_single_document_is_refused_within_the_memory_budget() {
    // 300 MB of text in one document, over the file-size cap a small file is read whole
    // under: streamed into the raw store, counted, refused, never held.
    let n = Newsdex::new();
    let p = n.scratch("in").join("huge.txt");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        let line = "One line of a very long report on grain prices in Tashkent and Almaty.\n";
        for _ in 0..(300 << 20) / line.len() {
            f.write_all(line.as_bytes()).unwrap();
        }
    }
    let (code, v) = ingest_json(&n, &[s(&p)]);
    assert_eq!(code, 1);
    assert_eq!(v["rejected"][0]["code"], "too-large", "{v}");
    assert!(peak(&v) <= BUDGET, "peak {} MB", peak(&v) >> 20);
}

#[test]
fn regression_a_30_mb_document_is_indexed_within_the_memory_budget() {
    // One 45 MB document took 2.5 GB: the stem fields were handed to tantivy as
    // pre-tokenized JSON, about 35 bytes a word.
    let n = Newsdex::new();
    let p = n.scratch("in").join("long.txt");
    // Words of the seed articles in random order: a real vocabulary (random letters would
    // make every word new, a different test).
    let words: Vec<String> = seeds()
        .iter()
        .flat_map(|p| std::fs::read_to_string(p).unwrap().split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let mut text = b"A very long report\n\n".to_vec();
    let mut x = 7u64;
    while text.len() < 30 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        text.extend_from_slice(words[x as usize % words.len()].as_bytes());
        text.push(if x.is_multiple_of(17) { b'\n' } else { b' ' });
    }
    std::fs::write(&p, &text).unwrap();
    let (code, v) = ingest_json(&n, &[s(&p)]);
    assert_eq!((code, v["new"].as_u64()), (0, Some(1)), "{v}");
    assert!(peak(&v) <= BUDGET, "peak {} MB", peak(&v) >> 20);
    assert_eq!(n.titles("report").0, 1);
}

#[test]
fn regression_a_document_of_random_words_is_indexed_within_the_memory_budget() {
    // Indexing costs memory by distinct words: 30 MB of random words (five million of
    // them) took 900 MB. Only the first 8 MiB of a text are indexed, and the document
    // says so.
    let n = Newsdex::new();
    let p = n.scratch("in").join("random.txt");
    let mut text = b"Random words\n\n".to_vec();
    let mut x = 0x9e3779b97f4a7c15u64;
    while text.len() < 30 << 20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for i in 0..2 + (x % 7) as usize {
            text.push(b'a' + ((x >> (8 + 5 * i)) % 26) as u8);
        }
        text.push(b' ');
    }
    std::fs::write(&p, &text).unwrap();
    let (code, v) = ingest_json(&n, &[s(&p)]);
    assert_eq!((code, v["new"].as_u64()), (0, Some(1)), "{v}");
    assert!(peak(&v) <= BUDGET, "peak {} MB", peak(&v) >> 20);
    let id = v["added"][0].as_str().unwrap().to_string();
    let doc = n.json(&["show", &id]);
    let codes: Vec<&str> =
        doc["article"]["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"index-truncated"), "{codes:?}");
    // All of it is kept (the trailing space aside).
    assert_eq!(doc["article"]["body"].as_str().unwrap().len(), text.len() - "Random words\n\n ".len());
}

#[test]
fn regression_a_million_rejected_records_cost_no_memory() {
    // Every reject was kept in the report: 4 million took 1.9 GB. Now the report lists
    // the first thousand and counts them all; all are stored.
    let n = Newsdex::new();
    let dir = n.scratch("in");
    let small = dir.join("small.jsonl");
    std::fs::write(&small, (0..10).map(|i| format!("{{\"x\":{i}\n")).collect::<String>()).unwrap();
    let (_, base) = ingest_json(&n, &[s(&small)]);
    let p = dir.join("bad.jsonl");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        for i in 0..1_000_000 {
            writeln!(f, "{{\"n\":{i},").unwrap();
        }
    }
    let (code, v) = ingest_json(&n, &[s(&p)]);
    assert_eq!(code, 1);
    assert_eq!(v["rejected_count"], 1_000_000);
    assert_eq!(v["rejected"].as_array().unwrap().len(), 1000);
    let extra = peak(&v).saturating_sub(peak(&base));
    assert!(extra < 100 << 20, "a million rejects cost {} MB", extra >> 20);
    assert_eq!(n.json(&["stats"])["rejects"], 1_000_010);
}

#[test]
fn regression_devices_and_pipes_named_explicitly_get_an_outcome_and_a_record() {
    // `ingest /dev/zero` said "ingested 0" and exited 0; nothing said why, and a reindex
    // forgot it.
    let n = Newsdex::new();
    let (_, err) = n.expect(1, &["ingest", "/dev/zero"]);
    assert!(err.contains("rejected /dev/zero: a device, not a file"), "{err}");
    assert!(err.contains("ingested 1: 0 new, 0 duplicates, 1 rejected"), "{err}");
    let (_, err) = n.expect(1, &["reindex"]);
    assert!(err.contains("reindexed 1: 0 new, 0 duplicates, 1 rejected"), "{err}");
    assert_eq!(n.json(&["stats"])["rejects_by_code"][0][0], "not-a-file");

    // A named pipe is read like a file: `newsdex ingest <(zcat archive.jsonl.gz)` works.
    let fifo = n.scratch("in").join("pipe.jsonl");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            f.write_all(b"{\"title\":\"Piped in\",\"text\":\"An article that came through a pipe.\"}\n").unwrap();
        })
    };
    let (_, err) = n.expect(0, &["ingest", s(&fifo)]);
    writer.join().unwrap();
    assert!(err.contains("1 new"), "{err}");
    assert_eq!(n.titles("pipe").1, ["Piped in"]);
}

#[test]
fn regression_file_names_cannot_forge_output_or_clear_the_screen() {
    let n = Newsdex::new();
    let dir = n.scratch("in");
    let evil = dir.join("x\ningested 999: 999 new, 0 duplicates, 0 rejected\x1b[2J.bin");
    std::fs::write(&evil, [0u8, 1, 2, 3, 0, 0, 0, 9, 0, 0]).unwrap();
    let (_, err) = n.expect(1, &["ingest", s(&dir)]);
    assert!(!err.contains('\x1b'), "an escape sequence reached the terminal: {err:?}");
    assert!(!err.lines().any(|l| l.starts_with("ingested 999")), "a forged line: {err}");
    assert!(err.contains(r"x\ningested 999: 999 new, 0 duplicates, 0 rejected\u{1b}[2J.bin: binary data"), "{err}");
}

#[test]
fn regression_size_flags_that_overflow_are_usage_errors() {
    // 17592186044416 MiB << 20 overflowed to 0 bytes, refusing every file.
    let n = Newsdex::new();
    let [a, _] = seeds();
    let (_, err) = n.expect(2, &["ingest", "--max-file-size", "17592186044416", s(&a)]);
    assert!(err.contains("--max-file-size"), "{err}");
    let (_, err) = n.expect(2, &["ingest", "--max-document-size", "0", s(&a)]);
    assert!(err.contains("--max-document-size"), "{err}");
}

#[test]
fn regression_an_error_and_its_cause_are_said_once() {
    let n = Newsdex::new();
    let file = n.scratch("x").join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let data = file.join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_newsdex"))
        .arg("--data")
        .arg(&data)
        .args(["ingest", s(&seeds()[0])])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("Not a directory").count(), 1, "{err}");
}
