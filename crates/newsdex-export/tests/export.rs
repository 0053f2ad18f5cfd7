//! Exports over real news: AG News's test set (../shared/data, skipped when absent),
//! ingested in two halves, plus a copy of one of its articles republished by another
//! outlet earlier so that stories change between snapshots.

use std::path::{Path, PathBuf};

use newsdex_engine::{Engine, EngineError, IngestOptions, SearchOptions};
use newsdex_export::{Exporter, Field, Format, write_all};

/// AG News test lines `range`, written to `dir/name`.
fn part(dir: &Path, name: &str, range: std::ops::Range<usize>) -> Option<PathBuf> {
    let src = newsdex_testkit::shared_data("news-agnews-test/agnews-test.jsonl")?;
    let text = std::fs::read_to_string(src).unwrap();
    let lines: Vec<&str> = text.lines().skip(range.start).take(range.len()).collect();
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    Some(p)
}

fn export(engine: &Engine, query: &str, opts: &SearchOptions, format: Format, stories: bool) -> (Vec<u8>, u64, u64) {
    let plan = engine.export_plan(query, opts).unwrap();
    let ex = Exporter { format, fields: Field::ALL.to_vec(), bom: false };
    let (bytes, written) = write_all(engine, &plan, &ex, stories, Vec::new()).unwrap();
    assert_eq!(written.bytes, bytes.len() as u64);
    (bytes, written.rows, plan.snapshot)
}

/// RFC 4180 records (enough to read back what the exporter wrote).
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(cell.is_empty() && row.is_empty(), "the last record ends with CRLF");
    rows
}

#[test]
fn every_match_is_exported_with_every_field_and_read_back() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(first) = part(tmp.path(), "a.jsonl", 0..3000) else { return };
    let mut w = Engine::open_write(&tmp.path().join("data")).unwrap();
    w.ingest(&[first], &IngestOptions { batch_docs: 1000, ..IngestOptions::default() }, &mut |_| {}).unwrap();
    // More matches than a search page or the API's 100 a page: all of them.
    let opts = SearchOptions { collapse: false, limit: 0, ..SearchOptions::default() };
    let total = w.search("oil OR stocks OR game", &opts).unwrap().total;
    assert!(total > 300, "{total}");
    let (csv, rows, _) = export(&w, "oil OR stocks OR game", &opts, Format::Csv, false);
    assert_eq!(rows as usize, total);
    let text = String::from_utf8(csv).unwrap();
    let records = read_csv(&text);
    assert_eq!(records.len(), total + 1, "a header and a row per match");
    let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(records[0], names);
    assert!(records.iter().all(|r| r.len() == names.len()), "every row has every column");
    // The full text, not a snippet.
    let col = |n: &str| names.iter().position(|x| *x == n).unwrap();
    let id0 = records[1][col("id")].parse::<newsdex_core::IdPrefix>().unwrap();
    let newsdex_engine::IdMatch::One(id0) = w.find_id(&id0).unwrap() else { panic!() };
    let doc = w.document(id0).unwrap().unwrap();
    assert_eq!(records[1][col("body")], doc.article.body);
    assert_eq!(records[1][col("title")], doc.article.title);
    assert_eq!(records[1][col("lang")], "en");
    assert!(records[1..].iter().all(|r| r[col("story_size")].parse::<u64>().unwrap() >= 1));
    // JSON Lines: one object a line, the same documents in the same order.
    let (jsonl, rows, _) = export(&w, "oil OR stocks OR game", &opts, Format::Jsonl, false);
    assert_eq!(rows as usize, total);
    let lines: Vec<serde_json::Value> =
        String::from_utf8(jsonl).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), total);
    for (l, r) in lines.iter().zip(&records[1..]) {
        assert_eq!(l["id"].as_str().unwrap(), r[col("id")]);
        assert_eq!(l["body"].as_str().unwrap(), r[col("body")]);
        assert!(l["warnings"].is_array() && l["published_guessed"].is_boolean());
    }
    // Filters apply as in a search.
    let fr = SearchOptions { langs: vec!["fr".into()], ..opts.clone() };
    assert_eq!(export(&w, "oil", &fr, Format::Jsonl, false).1, 0);

    // Every document, read in many chunks (by more than one reader): each once, in the
    // plan's order.
    let plan = w.export_plan("*", &opts).unwrap();
    assert!(plan.total() > 4 * newsdex_engine::export::CHUNK, "{}", plan.total());
    let (all, rows, _) = export(&w, "*", &opts, Format::Jsonl, false);
    assert_eq!(rows as usize, plan.total());
    let ids: Vec<String> = String::from_utf8(all)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect();
    let planned: Vec<String> = plan.ids().iter().map(|&i| newsdex_core::DocId::from_u64(i).to_string()).collect();
    assert_eq!(ids, planned);
    // The plan's order is the store's: batch by batch, by id within a batch (3,000
    // documents in batches of 1,000; by id alone, the batches would interleave).
    let docs: Vec<newsdex_core::DocId> = plan.ids().iter().map(|&i| newsdex_core::DocId::from_u64(i)).collect();
    let stored: Vec<(u64, u64)> = w.documents(&docs).unwrap().iter().map(|d| (d.seq, d.article.id.as_u64())).collect();
    assert_eq!(stored.len(), plan.total());
    assert!(stored.windows(2).all(|p| p[0] < p[1]), "by batch, then by id");
    assert!(stored.first().unwrap().0 < stored.last().unwrap().0, "more than one batch");
}

#[test]
fn an_export_repeated_with_its_snapshot_is_byte_identical_after_ingests_and_reindex() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(first) = part(tmp.path(), "a.jsonl", 0..2000) else { return };
    let second = part(tmp.path(), "b.jsonl", 2000..4000).unwrap();
    let data = tmp.path().join("data");
    let mut w = Engine::open_write(&data).unwrap();
    let small = IngestOptions { batch_docs: 700, ..IngestOptions::default() };
    w.ingest(&[first], &small, &mut |_| {}).unwrap();
    let opts = SearchOptions { collapse: false, ..SearchOptions::default() };
    let (before, rows, snap) = export(&w, "oil OR president", &opts, Format::Csv, false);
    let (before_stories, story_rows, _) = export(&w, "oil OR president", &opts, Format::Jsonl, true);
    assert!(rows > 50 && story_rows <= rows, "{rows} {story_rows}");
    assert!(snap >= 3, "2000 documents in batches of 700: {snap}");
    // An earlier copy of a matching article from another outlet, then the other half.
    let doc: serde_json::Value =
        serde_json::from_str(std::str::from_utf8(&before_stories).unwrap().lines().next().unwrap()).unwrap();
    let copy = serde_json::json!({"title": doc["title"], "text": doc["body"], "outlet": "Another Wire",
        "published": "2001-01-01", "lang": "en"});
    std::fs::write(tmp.path().join("copy.jsonl"), format!("{copy}\n")).unwrap();
    w.ingest(&[tmp.path().join("copy.jsonl"), second], &small, &mut |_| {}).unwrap();
    let pinned = SearchOptions { snapshot: Some(snap), ..opts.clone() };
    let (now, now_rows, now_snap) = export(&w, "oil OR president", &opts, Format::Csv, false);
    assert!(now_snap > snap && now_rows > rows, "later ingests are in the latest snapshot");
    assert_ne!(now, before);
    assert_eq!(export(&w, "oil OR president", &pinned, Format::Csv, false).0, before, "as of the snapshot");
    assert_eq!(export(&w, "oil OR president", &pinned, Format::Jsonl, true).0, before_stories);
    // A search as of the snapshot counts what the export held, and names it.
    let r = w.search("oil OR president", &SearchOptions { limit: 0, ..pinned.clone() }).unwrap();
    assert_eq!((r.total as u64, r.snapshot), (rows, Some(snap)));
    // After rebuilding everything from the raw store, the snapshot still answers the same.
    w.reindex(&IngestOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(export(&w, "oil OR president", &pinned, Format::Csv, false).0, before, "after reindex");
    assert_eq!(export(&w, "oil OR president", &pinned, Format::Jsonl, true).0, before_stories);
    // A snapshot the archive does not have is refused, naming those it has.
    let bad = SearchOptions { snapshot: Some(now_snap + 100), ..opts.clone() };
    let e = w.export_plan("oil", &bad).unwrap_err();
    assert!(matches!(e, EngineError::Snapshot(_)) && e.to_string().contains("snapshots 1 to"), "{e}");
    let e = w.search("oil", &SearchOptions { snapshot: Some(0), ..opts }).unwrap_err();
    assert!(matches!(e, EngineError::Snapshot(_)), "{e}");
}

/// A Python with pyarrow and pandas: `NEWSDEX_PYTHON`, else `python3`; `None` (after
/// printing SKIPPED) when there is none.
fn python_with_pyarrow() -> Option<String> {
    let python = std::env::var("NEWSDEX_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&python)
        .args(["-c", "import pyarrow, pandas"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "SKIPPED: {python} with pyarrow and pandas is absent (.ci/run installs them; NEWSDEX_PYTHON names another)"
        );
        return None;
    }
    Some(python)
}

#[test]
fn parquet_exports_are_read_by_pyarrow_and_pandas() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(first) = part(tmp.path(), "a.jsonl", 0..3000) else { return };
    let Some(python) = python_with_pyarrow() else { return };
    let mut w = Engine::open_write(&tmp.path().join("data")).unwrap();
    w.ingest(&[first], &IngestOptions::default(), &mut |_| {}).unwrap();
    // A record with what CSV and Parquet writers get wrong: quotes, commas, line breaks,
    // non-Latin text, no outlet, no date.
    let odd = serde_json::json!({"title": "Ölpreis, \"Rekord\" – 原油", "text": "Zeile eins,\nZeile \"zwei\"\r\nand oil.", "lang": "de"});
    std::fs::write(tmp.path().join("odd.jsonl"), format!("{odd}\n")).unwrap();
    w.ingest(&[tmp.path().join("odd.jsonl")], &IngestOptions::default(), &mut |_| {}).unwrap();
    let opts = SearchOptions::default();
    // Every document: several chunks, encoded by both reading threads.
    let (jsonl, rows, _) = export(&w, "*", &opts, Format::Jsonl, false);
    let (parquet, prows, _) = export(&w, "*", &opts, Format::Parquet, false);
    assert_eq!(rows, prows);
    assert!(rows as usize > 4 * newsdex_engine::export::CHUNK, "{rows}");
    let (pq_path, jl_path) = (tmp.path().join("oil.parquet"), tmp.path().join("oil.jsonl"));
    std::fs::write(&pq_path, &parquet).unwrap();
    std::fs::write(&jl_path, &jsonl).unwrap();
    // pyarrow and pandas read every row and every field, equal to the JSON Lines export.
    let script = r#"
import json, sys
import pyarrow.parquet as pq, pandas as pd
table = pq.read_table(sys.argv[1])
frame = pd.read_parquet(sys.argv[1])
expected = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert table.num_rows == len(expected) == len(frame), (table.num_rows, len(expected), len(frame))
assert table.column_names == list(expected[0].keys()), table.column_names
got = table.to_pylist()
for g, e in zip(got, expected):
    for k, v in e.items():
        if isinstance(v, (list, dict)):
            v = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
        assert g[k] == v, (k, g[k], v)
assert list(frame["id"]) == [e["id"] for e in expected]
meta = pq.ParquetFile(sys.argv[1]).metadata
codecs = {meta.row_group(g).column(c).compression for g in range(meta.num_row_groups) for c in range(meta.num_columns)}
assert codecs == {"ZSTD"}, codecs
print("ok", table.num_rows, str(table.schema.field("body").type), str(frame["story_size"].dtype))
"#;
    let out = std::process::Command::new(&python)
        .args(["-c", script, pq_path.to_str().unwrap(), jl_path.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(said.trim(), format!("ok {rows} string int64"));
    // Repeated as of its snapshot, byte for byte.
    let snap = SearchOptions { snapshot: Some(w.snapshot().unwrap()), ..opts };
    assert_eq!(export(&w, "*", &snap, Format::Parquet, false).0, parquet);
}
