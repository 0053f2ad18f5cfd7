//! `newsdex export`: every match of a search, with its snapshot and manifest, on AG News
//! (../shared/data; skipped when absent); bad requests exit 2 with the reason.

use sha2::Digest;

use crate::support::{Newsdex, s, shared};

/// AG News test lines `range`, written to `dir/name`.
fn part(dir: &std::path::Path, name: &str, range: std::ops::Range<usize>) -> Option<std::path::PathBuf> {
    let text = std::fs::read_to_string(shared("news-agnews-test/agnews-test.jsonl")?).unwrap();
    let lines: Vec<&str> = text.lines().skip(range.start).take(range.len()).collect();
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    Some(p)
}

#[test]
fn export_writes_every_match_names_its_snapshot_and_repeats_byte_for_byte() {
    let n = Newsdex::new();
    let dir = n.scratch("in");
    let Some(a) = part(&dir, "a.jsonl", 0..2500) else { return };
    let b = part(&dir, "b.jsonl", 2500..5000).unwrap();
    n.ok(&["ingest", s(&a), "--batch", "1000"]);
    let search = n.json(&["search", "oil OR iraq", "--all", "--limit", "1"]);
    let (total, snapshot) = (search["total"].as_u64().unwrap(), search["snapshot"].as_u64().unwrap());
    assert!(total > 100 && snapshot >= 3, "{search}");
    let out = n.scratch("out");
    let (file, manifest) = (out.join("oil.jsonl"), out.join("oil.manifest.json"));
    let (stdout, stderr) =
        n.expect(0, &["export", "oil OR iraq", "--format", "jsonl", "-o", s(&file), "--manifest", s(&manifest)]);
    assert!(stdout.is_empty());
    assert!(stderr.contains(&format!("of {total} matches as of snapshot {snapshot}")), "{stderr}");
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(bytes.iter().filter(|&&c| c == b'\n').count() as u64, total, "one document a line, all of them");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let sha: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(m["sha256"], sha.as_str());
    assert_eq!(
        (m["matched"].as_u64(), m["rows"].as_u64(), m["snapshot"].as_u64()),
        (Some(total), Some(total), Some(snapshot))
    );
    assert_eq!((m["query"].as_str(), m["format"].as_str()), (Some("oil OR iraq"), Some("jsonl")));
    assert_eq!(m["bytes"].as_u64(), Some(bytes.len() as u64));
    assert!(m["newsdex_version"].is_string() && m["filters"]["lang"].is_array());
    // Standard output gives the same bytes.
    let out_stdout = n.command(&["export", "oil OR iraq", "--format", "jsonl", "-q"]).output().unwrap();
    assert_eq!(out_stdout.stdout, bytes);
    // More news arrives; the export as of the snapshot is unchanged, and so is a search.
    n.ok(&["ingest", s(&b), "--batch", "1000"]);
    let snap = snapshot.to_string();
    let again = n.command(&["export", "oil OR iraq", "--format", "jsonl", "--snapshot", &snap, "-q"]).output().unwrap();
    assert!(again.status.success());
    assert_eq!(again.stdout, bytes, "byte-identical as of snapshot {snap}");
    assert_eq!(n.json(&["search", "oil OR iraq", "--all", "--snapshot", &snap])["total"].as_u64(), Some(total));
    assert!(n.json(&["search", "oil OR iraq", "--all"])["total"].as_u64().unwrap() > total);
    // CSV with the columns asked for, a byte-order mark, one row per story.
    // Parquet to a file, as of the snapshot too (its reading by pyarrow is tested in
    // newsdex-export).
    let pq = out.join("oil.parquet");
    n.ok(&["export", "oil OR iraq", "--format", "parquet", "--snapshot", &snap, "-o", s(&pq), "-q"]);
    let pq = std::fs::read(&pq).unwrap();
    assert!(pq.starts_with(b"PAR1") && pq.ends_with(b"PAR1"), "a Parquet file");
    let csv = n.ok(&["export", "oil OR iraq", "--fields", "id,title,story,story_size", "--bom", "--stories", "-q"]);
    assert!(csv.starts_with("\u{feff}id,title,story,story_size\r\n"), "{}", &csv[..80]);
    assert!(csv.matches("\r\n").count() > 100);
}

/// `-o /dev/null` (timing an export, or checking that it runs) failed at the end with
/// "writing /dev/null: Invalid argument": the file was synced, which a device refuses.
#[test]
fn regression_an_export_to_dev_null_succeeds() {
    let n = Newsdex::new();
    let dir = n.scratch("in");
    let Some(a) = part(&dir, "a.jsonl", 0..300) else { return };
    n.ok(&["ingest", s(&a)]);
    let (_, stderr) = n.expect(0, &["export", "oil", "--format", "csv", "-o", "/dev/null"]);
    assert!(stderr.contains("matches as of snapshot"), "{stderr}");
}

#[test]
fn bad_export_requests_exit_2_with_the_reason() {
    let n = Newsdex::new();
    let dir = n.scratch("in");
    let Some(a) = part(&dir, "a.jsonl", 0..300) else { return };
    n.ok(&["ingest", s(&a)]);
    let (_, err) = n.expect(2, &["export", "oil", "--format", "xlsx"]);
    assert!(err.contains("format \"xlsx\" is not offered: use one of csv, jsonl, parquet"), "{err}");
    let (_, err) = n.expect(2, &["export", "oil", "--fields", "id,titel"]);
    assert!(err.contains("unknown field \"titel\"") && err.contains("title"), "{err}");
    let (_, err) = n.expect(2, &["export", "oil", "--snapshot", "999"]);
    assert!(err.contains("there is no snapshot 999: this archive has snapshots 1 to 1"), "{err}");
    let (_, err) = n.expect(2, &["search", "oil", "--snapshot", "999"]);
    assert!(err.contains("there is no snapshot 999"), "{err}");
    let (_, err) = n.expect(2, &["export", "\"oil"]);
    assert!(err.contains("bad query"), "{err}");
    // A failed export leaves no file behind that looks whole.
    let out = n.scratch("out").join("x.csv");
    n.expect(2, &["export", "oil", "--snapshot", "7", "-o", s(&out)]);
    assert!(!out.exists());
}
