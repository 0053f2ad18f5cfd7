//! Crash safety for real: start a large ingest, reindex or API ingest, `kill -9` it
//! mid-way (several times, at different moments, also while packs roll over), check the
//! store and index agree and are readable, then re-run the same command and check it
//! completes with no duplicates and nothing lost. Uses Reuters-21578 (../shared); skipped
//! when absent. CI runs a few rounds; `scripts/reliability` runs many
//! (`NEWSDEX_RELIABILITY_ROUNDS`).

use std::time::{Duration, Instant};

use crate::support::{Newsdex, reuters_jsonl, s};

/// Kill rounds: `ci` in the normal suite, `NEWSDEX_RELIABILITY_ROUNDS` when set.
fn rounds(ci: usize) -> usize {
    std::env::var("NEWSDEX_RELIABILITY_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(ci)
}

/// A kill moment for round `r`, spread over `[20, max_ms)` milliseconds by a fixed rule (so
/// a failure can be replayed).
fn moment(r: usize, max_ms: u64) -> Duration {
    let mut x = 0x9e3779b97f4a7c15u64 ^ (r as u64 + 1).wrapping_mul(0xbf58476d1ce4e5b9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94d049bb133111eb);
    x ^= x >> 29;
    Duration::from_millis(20 + x % max_ms.saturating_sub(20).max(1))
}

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

#[test]
fn kill_9_mid_reindex_keeps_the_live_archive_then_a_rerun_completes() {
    let n = Newsdex::new();
    let Some(path) = reuters_jsonl(&n.scratch("in")) else { return };
    n.expect(1, &["ingest", s(&path)]);
    for r in 0..rounds(2) {
        let mut child = n.command(&["reindex"]).spawn().unwrap();
        std::thread::sleep(moment(r, 8000));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();
        eprintln!("round {r}: killed reindex (finished before the kill: {finished})");
        // The live generation answers throughout, whole.
        assert_eq!(docs(&n), (21577, 21577), "round {r}");
        assert!(n.json(&["search", "cocoa", "--limit", "1"])["total"].as_u64().unwrap() > 0);
    }
    let (_, err) = n.expect(1, &["reindex"]);
    assert!(err.contains("reindexed 21578: 21577 new, 0 duplicates, 1 rejected"), "{err}");
    let gens: Vec<String> = std::fs::read_dir(n.data().join("gen"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "CURRENT")
        .collect();
    assert_eq!(gens.len(), 1, "no half-built generation is left: {gens:?}");
}

#[test]
fn kill_9_while_packs_roll_over_then_rerun_loses_nothing() {
    // Many inputs and small packs, so that batches span rollovers when they are killed.
    let n = Newsdex::new();
    let Some(path) = reuters_jsonl(&n.scratch("in")) else { return };
    let lines: Vec<String> = std::fs::read_to_string(&path).unwrap().lines().map(str::to_string).collect();
    let dir = n.scratch("parts");
    for (i, chunk) in lines.chunks(150).enumerate() {
        std::fs::write(dir.join(format!("part-{i:04}.jsonl")), chunk.join("\n")).unwrap();
    }
    let run = |args: &[&str]| {
        let mut c = n.command(args);
        c.env("NEWSDEX_PACK_SIZE", "200000");
        c
    };
    let args = ["ingest", "--batch", "300", s(&dir)];
    for r in 0..rounds(3) {
        let mut child = run(&args).spawn().unwrap();
        std::thread::sleep(moment(r, 6000));
        child.kill().unwrap();
        child.wait().unwrap();
        let probe = n.run(&["stats", "--json"]);
        if probe.status.success() {
            let st: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
            assert_eq!(st["documents"], st["indexed_documents"], "round {r}");
        }
    }
    let out = run(&args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("damaged"), "{err}");
    assert_eq!(docs(&n), (21577, 21577));
    assert!(std::fs::read_dir(n.data().join("raw")).unwrap().count() > 10, "packs rolled over");
    // Every kept input reads back: a sample of records, and a rebuild of everything.
    let hits = n.json(&["search", "*", "--all", "--limit", "100"]);
    for h in hits["hits"].as_array().unwrap() {
        let id = h["id"].as_str().unwrap();
        let out = n.run(&["show", id, "--raw"]);
        assert!(out.status.success() && !out.stdout.is_empty(), "{id}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let out = run(&["reindex"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("21577 new, 0 duplicates, 1 rejected"), "{err}");
}

#[test]
fn kill_9_of_the_server_mid_api_ingest_then_a_retry_adds_each_document_once() {
    let n = Newsdex::new();
    let Some(path) = reuters_jsonl(&n.scratch("in")) else { return };
    let body: Vec<u8> =
        std::fs::read_to_string(&path).unwrap().lines().take(6000).collect::<Vec<_>>().join("\n").into_bytes();
    let post = |url: &str| {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        agent
            .post(&format!("{url}api/ingest"))
            .header("Authorization", "Bearer s3cret")
            .send(&body[..])
            .map(|mut r| (r.status().as_u16(), r.body_mut().read_to_string().unwrap_or_default()))
    };
    for r in 0..rounds(2) {
        let mut srv = crate::serve::serve(&n, &["--token", "s3cret"]);
        let url = srv.url.clone();
        std::thread::scope(|sc| {
            let client = sc.spawn(|| post(&url));
            std::thread::sleep(moment(r, 3000));
            srv.child.kill().unwrap();
            srv.child.wait().unwrap();
            let _ = client.join().unwrap();
        });
        let probe = n.run(&["stats", "--json"]);
        if probe.status.success() {
            let st: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
            assert_eq!(st["documents"], st["indexed_documents"], "round {r}");
        }
    }
    // A retry on a fresh server completes the upload; what was committed is not added twice.
    let srv = crate::serve::serve(&n, &["--token", "s3cret"]);
    let (status, answer) = post(&srv.url).unwrap();
    assert_eq!(status, 200, "{answer}");
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(v["ingested"], 6000, "{answer}");
    drop(srv);
    let (stored, indexed) = docs(&n);
    // 6,000 lines; NEWID 12793 (line 12,793) is the one empty record and is not among them.
    assert_eq!((stored, indexed), (6000, 6000));
}

#[test]
fn kill_9_mid_warc_then_rerun_finishes_the_file_without_duplicates() {
    // A CC-NEWS-style .warc.gz (a gzip member per record) of 1,380 pages: the ScrapingHub
    // pages ten times over, each copy its own record (own WARC-Record-ID, so its own id).
    let Some(pages) = newsdex_testkit::warc::scrapinghub_pages(138) else { return };
    let many: Vec<_> = (0..10).flat_map(|_| pages.iter().cloned()).collect();
    let total = many.len() as u64;
    let n = Newsdex::new();
    let file = n.scratch("in").join("CC-NEWS-crash.warc.gz");
    let recs = newsdex_testkit::warc::cc_news_records(&many);
    std::fs::write(&file, newsdex_testkit::warc::pack(&recs, newsdex_testkit::warc::Packing::GzipPerRecord)).unwrap();
    let args = ["ingest", "--batch", "100", s(&file)];
    let mut last = 0;
    for round in 0..2 {
        let mut child = n.command(&args).spawn().unwrap();
        let start = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            if let Some(status) = child.try_wait().unwrap() {
                panic!("ingest finished before it could be killed ({status}); make the archive bigger");
            }
            let probe = n.run(&["stats", "--json"]);
            let stored = if probe.status.success() {
                serde_json::from_slice::<serde_json::Value>(&probe.stdout).unwrap()["documents"].as_u64().unwrap()
            } else {
                0
            };
            if stored > last || start.elapsed() > Duration::from_secs(120) {
                break;
            }
        }
        std::thread::sleep(moment(round, 300));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (stored, indexed) = docs(&n);
        eprintln!("round {round}: killed with {stored} of {total} pages stored, {indexed} indexed");
        assert_eq!(stored, indexed, "store and index disagree after kill -9");
        assert!(stored > last, "no progress in round {round}");
        assert!(stored < total, "the kill came too late to test anything");
        last = stored;
    }
    let v = n.json(&["ingest", s(&file)]);
    assert_eq!((v["new"].as_u64(), v["duplicates"].as_u64()), (Some(total - last), Some(last)), "{v}");
    assert_eq!(v["rejected_count"], 0, "{v}");
    assert_eq!(docs(&n), (total, total));
}
