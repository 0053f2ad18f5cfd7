//! A full disk, for real: the data directory on a small tmpfs that fills up mid-ingest and
//! mid-reindex. The failure names the disk; readers keep answering from what was
//! committed; nothing committed is lost; once space is freed, re-running the same command
//! completes the work with no duplicates, and a failed reindex leaves no half-written
//! generation behind. Mounting a tmpfs needs root: without it the tests print SKIPPED.
//! Uses Reuters-21578 (../shared); skipped when absent.

use std::path::{Path, PathBuf};

use crate::support::{Newsdex, reuters_jsonl, s};

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", s(dir)])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|st| st.success());
        if !ok {
            eprintln!("SKIPPED: the disk-full tests mount a tmpfs, which needs root here");
            return None;
        }
        Some(Tmpfs(dir.to_path_buf()))
    }

    fn resize(&self, size: &str) {
        let st = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}"), s(&self.0)])
            .status()
            .unwrap();
        assert!(st.success());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn stored_and_indexed(n: &Newsdex) -> (u64, u64) {
    let st = n.json(&["stats"]);
    (st["documents"].as_u64().unwrap(), st["indexed_documents"].as_u64().unwrap())
}

#[test]
fn a_full_disk_mid_ingest_is_named_loses_nothing_and_a_rerun_completes() {
    let n = Newsdex::new();
    let Some(input) = reuters_jsonl(&n.scratch("in")) else { return };
    let Some(disk) = Tmpfs::mount(&n.data(), "24m") else { return };
    let args = ["ingest", "--batch", "2000", s(&input)];
    let (_, err) = n.expect(2, &args);
    assert!(err.contains("no space left on the disk holding"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line, said once: {err}");

    // Readers answer from what was committed, full disk or not.
    let (stored, indexed) = stored_and_indexed(&n);
    assert!(stored > 0 && stored < 21577, "the disk filled too late or too early: {stored}");
    assert!(indexed <= stored);
    let v = n.json(&["search", "cocoa", "--limit", "1"]);
    assert!(v["total"].as_u64().is_some());

    // Space freed: the same command finishes the work, with no duplicates.
    disk.resize("600m");
    let (_, err) = n.expect(1, &args);
    assert!(err.contains("ingested 21578: "), "{err}");
    assert_eq!(stored_and_indexed(&n), (21577, 21577));
    let v = n.json(&["search", "*", "--limit", "0", "--all"]);
    assert_eq!(v["total"], 21577);
}

#[test]
fn a_full_disk_mid_reindex_keeps_the_live_generation_and_leaves_nothing_behind() {
    let n = Newsdex::new();
    let Some(input) = reuters_jsonl(&n.scratch("in")) else { return };
    let Some(disk) = Tmpfs::mount(&n.data(), "600m") else { return };
    n.expect(1, &["ingest", s(&input)]);
    let used: u64 = walk_size(&n.data());
    // Leave room for about half a second copy of the derived data.
    disk.resize(&format!("{}k", (used + used / 3) >> 10));
    let (_, err) = n.expect(2, &["reindex"]);
    assert!(err.contains("no space left on the disk holding"), "{err}");
    let gens: Vec<String> = std::fs::read_dir(n.data().join("gen"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "CURRENT")
        .collect();
    assert_eq!(gens, ["1"], "only the live generation is left");
    assert_eq!(stored_and_indexed(&n), (21577, 21577));
    disk.resize("900m");
    let (_, err) = n.expect(1, &["reindex"]);
    assert!(err.contains("reindexed 21578: 21577 new"), "{err}");
}

fn walk_size(p: &Path) -> u64 {
    let mut n = 0;
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        n += if m.is_dir() { walk_size(&e.path()) } else { m.len() };
    }
    n
}
