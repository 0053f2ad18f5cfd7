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

/// The demo corpus's four JSON Lines files.
fn demo_inputs() -> Vec<String> {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(newsdex_testkit::repo_root().join("demo"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_str().unwrap().ends_with(".jsonl.zst"))
        .collect();
    inputs.sort();
    assert_eq!(inputs.len(), 4, "{inputs:?}");
    inputs.iter().map(|p| s(p).to_string()).collect()
}

/// The oracle: one archive of `inputs`, and its document ids.
fn one_archive(inputs: &[String]) -> (Newsdex, BTreeSet<u64>) {
    let single = Newsdex::new();
    let mut args = vec!["ingest"];
    args.extend(inputs.iter().map(String::as_str));
    let report = single.json(&args);
    let all = ids(&single.data());
    assert_eq!(report["new"].as_u64(), Some(all.len() as u64));
    assert!(all.len() > 5000, "{} documents", all.len());
    (single, all)
}

/// Run the Spark job on a 2-executor loopback cluster into `coll` with `args` before the
/// inputs; its build report.
fn spark_build(python: &str, dir: &Path, coll: &Path, args: &[&str], inputs: &[String]) -> Value {
    let out = Command::new(python)
        .arg(newsdex_testkit::repo_root().join("dist/spark/build_shards.py"))
        .args(["--newsdex", env!("CARGO_BIN_EXE_newsdex"), "--out", s(coll)])
        .args(["--shards", &SHARDS.to_string(), "--master", "local-cluster[2,1,1024]"])
        .args(args)
        .args(inputs)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("PYSPARK_PYTHON", python)
        .env_remove("NEWSDEX_DATA")
        .current_dir(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail = &stderr[stderr.len().saturating_sub(6000)..];
    assert!(out.status.success(), "build_shards.py: {}\nstdout:\n{stdout}\nstderr (end):\n{tail}", out.status);
    eprintln!("{stdout}");
    serde_json::from_slice(&std::fs::read(coll.join("build-report.json")).unwrap()).unwrap()
}

#[test]
fn spark_builds_disjoint_shards_equal_to_one_ingest_and_retries_a_killed_task() {
    let Some(python) = pyspark_python() else { return };
    let inputs = demo_inputs();
    let (_single, all) = one_archive(&inputs);

    let tmp = tempfile::tempdir().unwrap();
    let coll = tmp.path().join("coll");
    // Small batches, so the killed attempt has committed some when it is killed; the
    // binary is shipped to the executors by Spark (as on a cluster without it installed).
    let killed = KILLED.to_string();
    let report = spark_build(
        &python,
        tmp.path(),
        &coll,
        &["--batch", "100", "--ship-binary", "--kill-first-attempt", &killed],
        &inputs,
    );
    assert_eq!(report["assign"], "id");
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

/// Time-partitioned: a collection made by `collection init --by-date` is built on Spark
/// (the job takes the bounds from its manifest); each document is in the shard of its
/// date, the shards together are one ingest's documents, and the collection answers as it.
#[test]
fn spark_builds_time_partitioned_shards_from_the_manifest() {
    let Some(python) = pyspark_python() else { return };
    let inputs = demo_inputs();
    let (single, all) = one_archive(&inputs);
    let coll = Newsdex::new();
    let bounds = "2007-01-01,2009-01-01,2012-01-01";
    coll.ok(&["collection", "init", "--shards", "4", "--by-date", bounds, "--undated-shard", "0"]);
    let report = spark_build(&python, coll.tmp.path(), &coll.data(), &[], &inputs);
    assert_eq!(report["assign"], "date");
    assert_eq!(report["by_date"]["undated"], 0);
    let ranges = newsdex_core::DateRanges::parse(bounds, SHARDS as u32, Some(0)).unwrap();
    let mut union = BTreeSet::new();
    for shard in 0..SHARDS {
        let dir = coll.data().join(format!("shard-{shard:04}"));
        let out = Command::new(env!("CARGO_BIN_EXE_newsdex"))
            .arg("--data")
            .arg(&dir)
            .args(["export", "*", "--format", "jsonl", "--fields", "id,published"])
            .env_remove("NEWSDEX_DATA")
            .output()
            .unwrap();
        assert!(out.status.success(), "export of shard {shard}: {}", String::from_utf8_lossy(&out.stderr));
        let mut n = 0;
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let published = v["published"].as_str().and_then(newsdex_core::parse_date);
            assert_eq!(u64::from(ranges.shard_of(published.as_ref())), shard, "{v} in shard {shard}");
            assert!(union.insert(u64::from_str_radix(v["id"].as_str().unwrap(), 16).unwrap()), "{v} twice");
            n += 1;
        }
        assert!(n > 300, "shard {shard} holds {n} documents");
    }
    assert_eq!(union, all, "the shards together are not the single archive");
    coll.ok(&["collection", "link"]);
    for q in ["election", "地震", "*"] {
        let args = ["search", q, "--facets", "--limit", "50"];
        let (a, b) = (single.json(&args), coll.json(&args));
        // Scores agree to rounding (checked closely by newsdex-collection's tests), so
        // the order, the totals and the languages' and months' counts are compared.
        let ids = |v: &Value| v["hits"].as_array().unwrap().iter().map(|h| h["id"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b), "{q}");
        assert_eq!(a["total"], b["total"], "{q}");
        for facet in ["lang", "month", "undated"] {
            assert_eq!(a["facets"][facet], b["facets"][facet], "{q}: {facet}");
        }
    }
}

/// Regression (CI of 940adaf): a local-cluster master names its app after the second it
/// started, so two jobs started together on one machine got the same app id and shared
/// SPARK_HOME/work/<app id>; the first to finish removed it, and the other's task failed
/// in `SparkFiles.get` with its working folder gone. Two jobs started at once now run one
/// after the other (a lock in the script): both succeed, under different app ids.
#[test]
fn regression_two_local_cluster_jobs_at_once_do_not_share_a_work_folder() {
    let Some(python) = pyspark_python() else { return };
    let input = s(&newsdex_testkit::repo_root().join("testdata/server/fixtures.jsonl")).to_string();
    let tmp = tempfile::tempdir().unwrap();
    let reports: Vec<Value> = std::thread::scope(|scope| {
        let jobs: Vec<_> = ["a", "b"]
            .map(|name| {
                let (python, tmp, input) = (&python, tmp.path(), &input);
                scope.spawn(move || {
                    let coll = tmp.join(name);
                    spark_build(python, tmp, &coll, &["--ship-binary"], std::slice::from_ref(input))
                })
            })
            .into_iter()
            .collect();
        jobs.into_iter().map(|j| j.join().unwrap()).collect()
    });
    assert_ne!(reports[0]["app_id"], reports[1]["app_id"], "both jobs ran as one app");
    // Whether the ids would have collided depends on the JVMs' start-up; that the second
    // job waited for the first one's cluster does not.
    let waited = |r: &Value| r["lock_wait_secs"].as_f64().unwrap();
    let (a, b) = (waited(&reports[0]), waited(&reports[1]));
    assert!(a.max(b) > 1.0 && a.min(b) < 1.0, "lock waits {a} s and {b} s: the jobs overlapped");
    for r in &reports {
        assert_eq!(r["totals"]["new"], 3, "{r:#}");
    }
}
