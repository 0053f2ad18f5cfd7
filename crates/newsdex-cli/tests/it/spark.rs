//! The Spark build of a sharded collection (`dist/spark/build_shards.py`) end to end: the
//! bundled demo corpus (4 JSON Lines files, 5,358 records) built into 4 shards on a real
//! Spark cluster of 2 executor JVMs (`local-cluster[2,1,1024]`, loopback only), with the
//! first attempt of one shard's task killed (SIGKILL) once it has committed part of the
//! shard, so Spark retries it. The shards' documents must be disjoint, each in the shard its
//! id names, and together exactly those of one `newsdex ingest` of the same files; at least
//! two executors must have done the work; the retried shard must have resumed from what the
//! killed attempt committed.
//!
//! Needs Java 17+ (`java` on PATH) and a Python with pyspark 4.3.0 (`.ci/run` installs it
//! for `python3`): `NEWSDEX_PYSPARK_PYTHON=/path/to/python` names another one (a venv, e.g.
//! `python3 -m venv .venv-spark && .venv-spark/bin/pip install pyspark==4.3.0`). Without
//! them the test prints `SKIPPED: …` and passes.
//!
//! Time (2-core machine, debug binary, other builds running): 82–112 s in all; the single
//! ingest 17–30 s, the Spark job 50–77 s (about 20 s of it starting the JVMs), the checks a
//! few seconds. The job's processes peak at about 1.2 GB.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{Newsdex, s};

const SHARDS: u64 = 4;
/// The shard whose first attempt the job kills (its `--kill-first-attempt` test hook).
const KILLED: u64 = 2;

/// The Python to run the job with, if it has pyspark and `java` is found; `None` (after
/// saying so) otherwise.
fn pyspark_python() -> Option<String> {
    let python = std::env::var("NEWSDEX_PYSPARK_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let probe = Command::new(&python).args(["-c", "import pyspark"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!(
            "SKIPPED: Spark build: {python} cannot import pyspark (pip install pyspark==4.3.0, or set NEWSDEX_PYSPARK_PYTHON to a python that has it)"
        );
        return None;
    }
    if !Command::new("java").arg("-version").output().is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: Spark build: java is not found (Spark 4 needs Java 17+: Debian's openjdk-17-jre-headless)");
        return None;
    }
    Some(python)
}

/// Every document id of a data directory, as `export` lists them (a repeated id fails).
fn ids(data: &Path) -> BTreeSet<u64> {
    let out = Command::new(env!("CARGO_BIN_EXE_newsdex"))
        .arg("--data")
        .arg(data)
        .args(["export", "*", "--format", "jsonl", "--fields", "id"])
        .env_remove("NEWSDEX_DATA")
        .output()
        .unwrap();
    assert!(out.status.success(), "export of {}: {}", data.display(), String::from_utf8_lossy(&out.stderr));
    let mut ids = BTreeSet::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let id = u64::from_str_radix(v["id"].as_str().unwrap(), 16).unwrap();
        assert!(ids.insert(id), "{}: document {id:016x} listed twice", data.display());
    }
    ids
}

#[test]
fn spark_builds_disjoint_shards_equal_to_one_ingest_and_retries_a_killed_task() {
    let Some(python) = pyspark_python() else { return };
    let root = newsdex_testkit::repo_root();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(root.join("demo"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_str().unwrap().ends_with(".jsonl.zst"))
        .collect();
    inputs.sort();
    assert_eq!(inputs.len(), 4, "{inputs:?}");
    let inputs: Vec<&str> = inputs.iter().map(|p| s(p)).collect();

    // The oracle: one archive of the same inputs.
    let single = Newsdex::new();
    let mut args = vec!["ingest"];
    args.extend(&inputs);
    let report = single.json(&args);
    let all = ids(&single.data());
    assert_eq!(report["new"].as_u64(), Some(all.len() as u64));
    assert!(all.len() > 5000, "{} documents", all.len());

    let tmp = tempfile::tempdir().unwrap();
    let coll = tmp.path().join("coll");
    let out = Command::new(&python)
        .arg(root.join("dist/spark/build_shards.py"))
        .args(["--newsdex", env!("CARGO_BIN_EXE_newsdex"), "--out", s(&coll)])
        .args(["--shards", &SHARDS.to_string(), "--master", "local-cluster[2,1,1024]"])
        // Small batches, so the killed attempt has committed some when it is killed; the
        // binary is shipped to the executors by Spark (as on a cluster without it installed).
        .args(["--batch", "100", "--ship-binary", "--kill-first-attempt", &KILLED.to_string()])
        .args(&inputs)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("PYSPARK_PYTHON", &python)
        .env_remove("NEWSDEX_DATA")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail = &stderr[stderr.len().saturating_sub(6000)..];
    assert!(out.status.success(), "build_shards.py: {}\nstdout:\n{stdout}\nstderr (end):\n{tail}", out.status);
    eprintln!("{stdout}");

    let report: Value = serde_json::from_slice(&std::fs::read(coll.join("build-report.json")).unwrap()).unwrap();
    let tasks = report["tasks"].as_array().unwrap();
    let by_shard: BTreeMap<u64, &Value> = tasks.iter().map(|t| (t["shard"].as_u64().unwrap(), t)).collect();
    assert_eq!(by_shard.keys().copied().collect::<Vec<_>>(), (0..SHARDS).collect::<Vec<_>>(), "{report:#}");
    assert_eq!(tasks.len() as u64, SHARDS);

    // Each shard holds only its own documents, none twice, and together they are the oracle's.
    let mut union = BTreeSet::new();
    for (shard, task) in &by_shard {
        let dir = coll.join(format!("shard-{shard:04}"));
        let mine = ids(&dir);
        assert!(!mine.is_empty(), "shard {shard} is empty");
        for id in &mine {
            assert_eq!(id % SHARDS, *shard, "document {id:016x} is in shard {shard}");
            assert!(union.insert(*id), "document {id:016x} is in shard {shard} and another");
        }
        // newsdex's own report agrees: what this shard stored, and what it left to the others.
        let (new, dup, other) = (task["new"].as_u64(), task["duplicates"].as_u64(), task["other_shards"].as_u64());
        assert_eq!(new.unwrap() + dup.unwrap(), mine.len() as u64, "shard {shard}: {task}");
        assert_eq!(other, Some((all.len() - mine.len()) as u64), "shard {shard}: {task}");
    }
    assert_eq!(union, all, "the shards together are not the single archive");

    // Two executor JVMs shared the work.
    let executors: BTreeSet<u64> = tasks.iter().map(|t| t["executor_pid"].as_u64().expect("executor pid")).collect();
    assert!(executors.len() >= 2, "one executor did all the work: {report:#}");

    // The killed shard was retried and resumed from the batches its first attempt committed.
    let killed = by_shard[&KILLED];
    assert!(killed["attempt"].as_u64().unwrap() >= 1, "shard {KILLED} was not retried: {killed}");
    assert!(killed["duplicates"].as_u64().unwrap() > 0, "the killed attempt had committed nothing: {killed}");
    assert!(killed["new"].as_u64().unwrap() > 0, "the killed attempt had finished: {killed}");
}
