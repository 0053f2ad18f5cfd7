//! Crash safety for real: start a large ingest, `kill -9` it mid-way (several times, at
//! different moments), check the store and index agree and are readable, then re-run the
//! same command and check it completes with no duplicates. Uses Reuters-21578 (../shared);
//! skipped when absent.

use std::time::{Duration, Instant};

use crate::support::{Newsdex, reuters_jsonl, s};

fn docs(n: &Newsdex) -> (u64, u64) {
    let st = n.json(&["stats"]);
    (st["documents"].as_u64().unwrap(), st["indexed_documents"].as_u64().unwrap())
}

#[test]
fn kill_9_mid_ingest_then_rerun_completes_without_duplicates() {
    let n = Newsdex::new();
    let Some(path) = reuters_jsonl(&n.scratch("in")) else { return };
    let args = ["ingest", "--batch", "700", s(&path)];
    let mut last = 0;
    for round in 0..3 {
        let mut child = n.command(&args).spawn().unwrap();
        // Wait until this run has committed something beyond the previous round, then kill
        // it a little later, at a moment that differs per round.
        let start = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            if let Some(status) = child.try_wait().unwrap() {
                panic!("ingest finished before it could be killed ({status}); make the corpus bigger");
            }
            // Until the first batch is published the directory reads as "no data yet".
            let probe = n.run(&["stats", "--json"]);
            let stored = if probe.status.success() {
                serde_json::from_slice::<serde_json::Value>(&probe.stdout).unwrap()["documents"].as_u64().unwrap()
            } else {
                let err = String::from_utf8_lossy(&probe.stderr);
                assert!(err.contains("run `newsdex ingest PATH` first"), "stats during ingest failed: {err}");
                0
            };
            if stored > last || start.elapsed() > Duration::from_secs(120) {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(40 + 130 * round));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        // Readable, and store and index agree.
        let (stored, indexed) = docs(&n);
        eprintln!("round {round}: killed with {stored} documents stored, {indexed} indexed");
        assert_eq!(stored, indexed, "store and index disagree after kill -9");
        assert!(stored > last, "no progress in round {round}");
        assert!(stored < 21577, "the kill came too late to test anything");
        let v = n.json(&["search", "cocoa", "--limit", "1"]);
        assert!(v["total"].as_u64().unwrap() > 0 || stored < 500);
        last = stored;
    }
    // The same command completes the work; what was committed counts as duplicates.
    // (Reuters NEWID 12793 is empty: one reject, so exit code 1.)
    let (_, err) = n.expect(1, &args);
    let want = format!("ingested 21578: {} new, {} duplicates, 1 rejected", 21577 - last, last);
    assert!(err.contains(&want), "want {want:?} in {err}");
    assert_eq!(docs(&n), (21577, 21577));
    // And the raw store is sound: a rebuild from it alone gives the same corpus.
    let (_, err) = n.expect(1, &["reindex"]);
    assert!(err.contains("reindexed 21578: 21577 new, 0 duplicates, 1 rejected"), "{err}");
    assert_eq!(docs(&n), (21577, 21577));
}

#[test]
fn regression_a_pack_rollover_destroys_nothing_committed() {
    // A pack that filled up was left without an fsync or a recorded length, so the next
    // writer cut it back as an interrupted batch: `show --raw` then said the raw store was
    // damaged and `reindex` lost documents. Packs are made small here (NEWSDEX_PACK_SIZE)
    // so a few hundred kilobytes roll over several times.
    let n = Newsdex::new();
    let dir = n.scratch("roll");
    let canary = b"Rollover canary article\n\nThis article about cocoa prices must survive the pack rollover.\n";
    std::fs::write(dir.join("000_doc.txt"), canary).unwrap();
    let mut x = 0x2545f4914f6cdd1du64;
    for i in 0..12 {
        let noise: Vec<u8> = (0..100_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        std::fs::write(dir.join(format!("rnd_{i:02}.bin")), noise).unwrap();
    }
    let run = |args: &[&str]| n.command(args).env("NEWSDEX_PACK_SIZE", "250000").output().unwrap();
    let out = run(&["ingest", s(&dir)]);
    assert_eq!(out.status.code(), Some(1), "the random files are rejected as binary");
    let id = n.json(&["search", "canary"])["hits"][0]["id"].as_str().unwrap().to_string();
    let later = n.scratch("later").join("later.txt");
    std::fs::write(&later, "Later\n\nA second ingest opens the packs again.\n").unwrap();
    let out = run(&["ingest", s(&later)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("cutting off"), "{err}");
    assert!(std::fs::read_dir(n.data().join("raw")).unwrap().count() >= 4, "the packs rolled over");
    assert_eq!(n.run(&["show", &id, "--raw"]).stdout, canary);
    let out = run(&["reindex"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reindexed 14: 2 new, 0 duplicates, 12 rejected"), "{err}");
    assert_eq!(n.run(&["show", &id, "--raw"]).stdout, canary);
}
