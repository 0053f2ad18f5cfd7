//! Large and compressed inputs are streamed: into the raw store as one blob, never held
//! whole, and back out of it record by record. The same documents, line numbers and
//! original bytes as reading the file whole; re-ingesting adds nothing; reindex replays
//! the stream. Real data: the demo corpus's Japanese Wikinews (3,669 articles, 9.8 MB).

use std::path::Path;

use newsdex_engine::{Engine, IngestOptions, Limits, SearchOptions};

fn ja_jsonl(dir: &Path) -> std::path::PathBuf {
    let zst = std::fs::read(newsdex_testkit::repo_root().join("demo/wikinews-ja.jsonl.zst")).unwrap();
    let p = dir.join("wikinews-ja.jsonl");
    std::fs::write(&p, zstd::decode_all(&zst[..]).unwrap()).unwrap();
    p
}

fn streamed() -> IngestOptions {
    IngestOptions { limits: Limits { stream_min: 1 << 20, ..Limits::default() }, ..IngestOptions::default() }
}

fn whole() -> IngestOptions {
    IngestOptions { limits: Limits { stream_min: u64::MAX, ..Limits::default() }, ..IngestOptions::default() }
}

#[test]
fn a_streamed_input_gives_the_same_archive_as_a_whole_read() {
    let tmp = tempfile::tempdir().unwrap();
    let input = ja_jsonl(tmp.path());
    let mut a = Engine::open_write(&tmp.path().join("streamed")).unwrap();
    let ra = a.ingest(std::slice::from_ref(&input), &streamed(), &mut |_| {}).unwrap();
    let mut b = Engine::open_write(&tmp.path().join("whole")).unwrap();
    let rb = b.ingest(std::slice::from_ref(&input), &whole(), &mut |_| {}).unwrap();
    assert_eq!((ra.new, ra.rejected_count), (3669, 0));
    assert_eq!(ra.added, rb.added, "same ids in the same order");
    // One blob each: the file, kept whole.
    let sa = a.stats(0).unwrap();
    assert_eq!((sa.store.blobs, sa.store.raw_bytes), (1, std::fs::metadata(&input).unwrap().len()));
    assert_eq!(b.stats(0).unwrap().store.blobs, 1);
    // Every document: same line number, and its original bytes are exactly that line.
    let lines: Vec<&[u8]> = {
        let bytes = Box::leak(std::fs::read(&input).unwrap().into_boxed_slice());
        bytes.split(|&c| c == b'\n').collect()
    };
    for id in ra.added.iter().step_by(97) {
        let da = a.document(*id).unwrap().unwrap();
        let db = b.document(*id).unwrap().unwrap();
        assert_eq!(da.article, db.article);
        assert_eq!(da.provenance.line, db.provenance.line);
        let line = da.provenance.line.unwrap() as usize;
        assert_eq!(a.raw_record(*id).unwrap().unwrap(), lines[line - 1], "line {line}");
    }
    // Searches agree.
    let q = |e: &Engine, s: &str| e.search(s, &SearchOptions::default()).unwrap().total;
    for s in ["地震", "東京", "*"] {
        assert_eq!(q(&a, s), q(&b, s), "{s}");
    }
    // The same file again: nothing new.
    let again = a.ingest(std::slice::from_ref(&input), &streamed(), &mut |_| {}).unwrap();
    assert_eq!((again.new, again.duplicates), (0, 3669));
    // Rebuilt from the raw store alone, the archive is the same.
    let re = a.reindex(&streamed(), &mut |_| {}).unwrap();
    assert_eq!((re.new, re.rejected_count), (3669, 0));
    let after = Engine::open_read(&tmp.path().join("streamed")).unwrap();
    let d = after.document(ra.added[1234]).unwrap().unwrap();
    assert_eq!(d.provenance.line, b.document(ra.added[1234]).unwrap().unwrap().provenance.line);
}

#[test]
fn a_streamed_file_with_bad_lines_names_them_by_their_line_in_the_whole_file() {
    let tmp = tempfile::tempdir().unwrap();
    let input = ja_jsonl(tmp.path());
    let mut text = std::fs::read(&input).unwrap();
    // Break line 3000 (well past the first part) and add an over-long line at the end.
    let starts: Vec<usize> =
        std::iter::once(0).chain(text.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1)).collect();
    text[starts[2999]] = b'#';
    text.extend_from_slice(format!("{{\"title\":\"x\",\"text\":\"{}\"}}\n", "y".repeat(600 << 10)).as_bytes());
    let p = tmp.path().join("damaged.jsonl");
    std::fs::write(&p, &text).unwrap();
    let opts = IngestOptions {
        limits: Limits { stream_min: 1 << 20, max_document: 512 << 10, ..Limits::default() },
        ..IngestOptions::default()
    };
    let mut e = Engine::open_write(&tmp.path().join("d")).unwrap();
    let r = e.ingest(&[p], &opts, &mut |_| {}).unwrap();
    assert_eq!(r.new, 3668);
    let mut lines: Vec<(Option<u64>, String)> = r.rejected.iter().map(|x| (x.line, x.code.clone())).collect();
    lines.sort();
    let want = [(Some(3000), "bad-json".to_string()), (Some(3670), "too-large".to_string())];
    assert_eq!(lines, want, "{:?}", r.rejected);
    // Refused lines are kept (nothing is lost): the raw store holds the whole file, and a
    // rebuild from it refuses the same lines again.
    assert_eq!(e.stats(0).unwrap().store.raw_bytes, text.len() as u64);
    let re = e.reindex(&opts, &mut |_| {}).unwrap();
    let mut again: Vec<(Option<u64>, String)> = re.rejected.iter().map(|x| (x.line, x.code.clone())).collect();
    again.sort();
    assert_eq!((re.new, again), (3668, want.to_vec()));
}

#[test]
fn a_compressed_input_is_kept_as_given_and_its_records_read_back_one_by_one() {
    let tmp = tempfile::tempdir().unwrap();
    let zst = newsdex_testkit::repo_root().join("demo/wikinews-ja.jsonl.zst");
    let lines: Vec<Vec<u8>> = zstd::decode_all(&std::fs::read(&zst).unwrap()[..])
        .unwrap()
        .split(|&c| c == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let mut e = Engine::open_write(&tmp.path().join("d")).unwrap();
    let r = e.ingest(std::slice::from_ref(&zst), &IngestOptions::default(), &mut |_| {}).unwrap();
    assert_eq!((r.new, r.rejected_count), (3669, 0));
    // The container is what is kept: the raw store holds the file's own bytes.
    assert_eq!(e.stats(0).unwrap().store.raw_bytes, std::fs::metadata(&zst).unwrap().len());
    for id in r.added.iter().step_by(331).chain(r.added.last()) {
        let d = e.document(*id).unwrap().unwrap();
        let line = d.provenance.line.unwrap() as usize;
        assert_eq!(e.raw_record(*id).unwrap().unwrap(), lines[line - 1], "line {line}");
    }
}
