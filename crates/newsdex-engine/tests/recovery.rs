//! The recovery path, made deterministic: put the data directory in the exact state a
//! `kill -9` between the document-store commit and the index commit leaves (or the state
//! an OS crash that lost the store's last transaction leaves), then open it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use newsdex_core::{DocId, Provenance, RawHash};
use newsdex_engine::{Engine, IngestOptions, SearchOptions};
use newsdex_store::{Batch, DataDir, DocDb};

fn seeds() -> Vec<PathBuf> {
    let d = newsdex_testkit::repo_root().join("testdata/seeds");
    vec![d.join("000_0a7d4e7fb2c47564.txt"), d.join("004_28fc068abbfc2ab4.txt")]
}

fn ingest_seeds(root: &std::path::Path) {
    let mut e = Engine::open_write(root).unwrap();
    let r = e.ingest(&seeds(), &IngestOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(r.new, 2);
}

fn hits(root: &std::path::Path, q: &str) -> usize {
    Engine::open_read(root).unwrap().search(q, &SearchOptions::default()).unwrap().total
}

#[test]
fn index_behind_the_store_is_brought_level_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("data");
    ingest_seeds(&root);
    // A batch the store committed but the index never did.
    {
        let dd = DataDir::open_read(&root).unwrap();
        let mut db = DocDb::open(&dd.db_path()).unwrap();
        let seq = db.last_seq().unwrap() + 1;
        let mut article = db.doc(DocId::of_record(&std::fs::read(&seeds()[0]).unwrap())).unwrap().unwrap().article;
        article.id = DocId::of_record(b"a record whose index commit was lost");
        article.title = "Recovered headline about Samarkand".into();
        let prov = Provenance {
            source: "lost.txt".into(),
            raw: RawHash::of(b"x"),
            line: None,
            start: 0,
            end: 1,
            ingested_at: "2026-11-22T00:00:00Z".into(),
        };
        let ends: BTreeMap<u32, u64> = db.pack_ends().unwrap();
        db.commit(seq, &Batch { docs: vec![(article, prov)], ..Default::default() }, &ends).unwrap();
    }
    // A reader opening now (no writer running) repairs first, so it sees the document.
    assert_eq!(hits(&root, "Samarkand"), 1);
    let st = Engine::open_read(&root).unwrap().stats(0).unwrap();
    assert_eq!((st.store.documents, st.indexed_documents), (3, 3));
}

#[test]
fn index_ahead_of_the_store_drops_the_lost_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("data");
    ingest_seeds(&root);
    // Simulate the store losing its last transaction (an OS crash with
    // synchronous=NORMAL): the documents and the batch number vanish from SQLite, while
    // the index still holds them.
    {
        let dd = DataDir::open_read(&root).unwrap();
        let conn = rusqlite::Connection::open(dd.db_path()).unwrap();
        conn.execute_batch("DELETE FROM documents; UPDATE meta SET value = '0' WHERE key = 'last_seq';").unwrap();
    }
    assert_eq!(hits(&root, "Tashkent"), 0);
    let st = Engine::open_read(&root).unwrap().stats(0).unwrap();
    assert_eq!((st.store.documents, st.indexed_documents), (0, 0));
    // And ingesting again restores everything.
    ingest_seeds(&root);
    assert_eq!(hits(&root, "Tashkent"), 1);
}
