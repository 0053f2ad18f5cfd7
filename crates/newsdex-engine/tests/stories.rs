//! Stories through the engine: a long-lived reader sees stories merge as a writer adds
//! copies, and documents stored without a story (an archive from before stories) are
//! grouped by the next ingest. Real text: seed 004 (RFA) and a republished copy of it.

use std::path::{Path, PathBuf};

use newsdex_engine::{Engine, IngestOptions, SearchOptions};

fn jsonl(dir: &Path, name: &str, outlet: &str, date: &str, paragraphs: &[String]) -> PathBuf {
    let rec = serde_json::json!({
        "title": "Background of the risks of Uyghur visits to Central Asia",
        "text": paragraphs.join("\n\n"),
        "outlet": outlet,
        "published": date,
    });
    let p = dir.join(name);
    std::fs::write(&p, format!("{rec}\n")).unwrap();
    p
}

#[test]
fn a_long_lived_reader_sees_a_story_grow() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let p = newsdex_testkit::seed_paragraphs(newsdex_testkit::SEED_004);
    let mut w = Engine::open_write(&data).unwrap();
    let original = jsonl(tmp.path(), "a.jsonl", "Radio Free Asia", "2021-03-01", &p);
    w.ingest(&[original], &IngestOptions::default(), &mut |_| {}).unwrap();
    let r = Engine::open_read(&data).unwrap();
    let first = r.search("Tashkent", &SearchOptions::default()).unwrap();
    assert_eq!((first.total, first.stories, first.hits[0].also_total), (1, Some(1), 0));
    // An earlier copy with its end cut arrives: it becomes the story's id.
    let copy = jsonl(tmp.path(), "b.jsonl", "Eurasia Daily", "2021-02-27", &p[..p.len() - 1]);
    let report = w.ingest(&[copy], &IngestOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.copies, 1);
    r.reload().unwrap();
    let both = r.search("Tashkent", &SearchOptions::default()).unwrap();
    assert_eq!((both.total, both.stories, both.hits.len()), (2, Some(1), 1));
    let hit = &both.hits[0];
    assert_eq!(hit.also_total, 1);
    assert_eq!(hit.story, report.added[0], "the earlier copy names the story");
    let all = r.search("Tashkent", &SearchOptions { collapse: false, ..SearchOptions::default() }).unwrap();
    assert_eq!(all.hits.len(), 2);
    assert!(all.hits.iter().all(|h| h.story == report.added[0]));
}

#[test]
fn documents_stored_without_a_story_are_grouped_by_the_next_ingest() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let p = newsdex_testkit::seed_paragraphs(newsdex_testkit::SEED_004);
    let mut w = Engine::open_write(&data).unwrap();
    let off = IngestOptions { stories: false, ..IngestOptions::default() };
    let a = jsonl(tmp.path(), "a.jsonl", "Radio Free Asia", "2021-03-01", &p);
    let b = jsonl(tmp.path(), "b.jsonl", "Eurasia Daily", "2021-03-02", &p[1..]);
    w.ingest(&[a, b], &off, &mut |_| {}).unwrap();
    assert_eq!(w.stats(0).unwrap().store.grouped, 0);
    drop(w);
    // The next writer groups them before anything else.
    let mut w = Engine::open_write(&data).unwrap();
    let c = jsonl(tmp.path(), "c.jsonl", "Uyghur Times", "2021-03-03", &p[..p.len() - 1]);
    w.ingest(&[c], &IngestOptions::default(), &mut |_| {}).unwrap();
    let st = w.stats(0).unwrap().store;
    assert_eq!((st.documents, st.grouped, st.stories), (3, 3, 1));
    let r = Engine::open_read(&data).unwrap();
    let res = r.search("Tashkent", &SearchOptions::default()).unwrap();
    assert_eq!((res.total, res.hits.len(), res.hits[0].also_total), (3, 1, 2));
}
