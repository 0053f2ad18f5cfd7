//! Watches through the engine on real text: the seed article 004 (RFA) and copies of it,
//! and Reuters-21578 split into two ingests.

use std::path::{Path, PathBuf};

use newsdex_engine::{Engine, IngestOptions, SearchOptions};
use newsdex_watch::{NewWatch, WatchError, WatchStore, atom, run};

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

fn ingest(w: &mut Engine, p: PathBuf) {
    w.ingest(&[p], &IngestOptions::default(), &mut |_| {}).unwrap();
}

fn watch(name: &str, query: &str) -> NewWatch {
    NewWatch { name: name.into(), query: query.into(), ..NewWatch::default() }
}

#[test]
fn a_story_is_reported_once_and_its_copies_raise_its_outlet_count() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let p = newsdex_testkit::seed_paragraphs(newsdex_testkit::SEED_004);
    let mut w = Engine::open_write(&data).unwrap();
    // An unrelated document first, so the watch starts after a non-empty archive.
    ingest(&mut w, jsonl(tmp.path(), "x.jsonl", "Other", "2021-01-01", &p[..2]));
    let mut store = WatchStore::open(&data).unwrap();
    store.add(&watch("tashkent", "Tashkent"), w.last_batch().unwrap(), w.generation()).unwrap();
    store
        .add(&NewWatch { every_copy: true, ..watch("each", "Tashkent") }, w.last_batch().unwrap(), w.generation())
        .unwrap();
    // What was there before the watch is not news.
    assert_eq!(run(&w, &mut store).unwrap().new_entries, 0);

    ingest(&mut w, jsonl(tmp.path(), "a.jsonl", "Radio Free Asia", "2021-03-01", &p));
    let first = run(&w, &mut store).unwrap();
    assert_eq!((first.new_entries, first.copies_added), (2, 0), "one entry in each watch");

    // A copy in another outlet: no new entry, "now in 2 outlets".
    ingest(&mut w, jsonl(tmp.path(), "b.jsonl", "Eurasia Daily", "2021-03-02", &p[..p.len() - 1]));
    // An earlier copy: it becomes the story's id, and the entry still holds.
    ingest(&mut w, jsonl(tmp.path(), "c.jsonl", "Central Asia Wire", "2021-02-27", &p[1..]));
    let later = run(&w, &mut store).unwrap();
    assert_eq!(later.new_entries, 2, "every-copy watch: one entry per article");
    assert_eq!(later.copies_added, 2, "story watch: two copies under its entry");
    let mut entries = store.recent("tashkent", 10).unwrap();
    newsdex_watch::fill_entries(&w, &store.get("tashkent").unwrap(), &mut entries).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].copies, entries[0].outlets), (3, 3));
    assert_eq!(entries[0].outlet.as_deref(), Some("Radio Free Asia"), "the first to arrive made the entry");
    assert!(atom::summary(&entries[0]).contains("now in 3 outlets"), "{}", atom::summary(&entries[0]));
    assert_eq!(store.recent("each", 10).unwrap().len(), 3);

    // Nothing new: nothing recorded, nothing changed.
    let again = run(&w, &mut store).unwrap();
    assert_eq!((again.watches_run, again.new_entries, again.copies_added), (0, 0, 0));

    // `since` paging: after the entry's revision, nothing; before it, the entry once.
    let rev = entries[0].rev;
    assert!(store.entries_since("tashkent", rev, 100).unwrap().is_empty());
    assert_eq!(store.entries_since("tashkent", rev - 1, 100).unwrap().len(), 1);
}

#[test]
fn a_watch_reopened_after_a_restart_resumes_from_its_watermark() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let p = newsdex_testkit::seed_paragraphs(newsdex_testkit::SEED_004);
    {
        let w = Engine::open_write(&data).unwrap();
        let mut store = WatchStore::open(&data).unwrap();
        store.add(&watch("uzbek", "Uzbekistan"), w.last_batch().unwrap(), w.generation()).unwrap();
    }
    {
        // Documents arrive while nothing runs the watches (a crash after the commit).
        let mut w = Engine::open_write(&data).unwrap();
        ingest(&mut w, jsonl(tmp.path(), "a.jsonl", "Radio Free Asia", "2021-03-01", &p));
    }
    let w = Engine::open_write(&data).unwrap();
    let mut store = WatchStore::open(&data).unwrap();
    let r = run(&w, &mut store).unwrap();
    assert_eq!(r.new_entries, 1, "the batch committed before the restart is not missed");
    let mut store = WatchStore::open(&data).unwrap();
    assert_eq!(run(&w, &mut store).unwrap().new_entries, 0, "nor reported twice");
    assert_eq!(store.get("uzbek").unwrap().watermark, w.last_batch().unwrap());
}

#[test]
fn bad_watches_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let mut store = WatchStore::open(tmp.path()).unwrap();
    let e = store.add(&watch("bad", "Uyghur AND (camps"), 0, 0).unwrap_err();
    assert!(matches!(e, WatchError::Invalid(_)));
    assert!(e.to_string().contains('^'), "caret error: {e}");
    let e = store.add(&watch("../x", "Uyghur"), 0, 0).unwrap_err();
    assert!(e.to_string().contains("watch name"), "{e}");
    store.add(&watch("ok", "Uyghur"), 0, 0).unwrap();
    assert!(matches!(store.add(&watch("ok", "Uighur"), 0, 0).unwrap_err(), WatchError::Exists(_)));
    assert!(matches!(store.remove("nope").unwrap_err(), WatchError::NotFound(_)));
    store.remove("ok").unwrap();
    assert!(store.list().unwrap().is_empty());
}

/// Over Reuters-21578 in two ingests, a watch made between them records exactly the
/// second ingest's matches of its query: the copies under its entries add up to the
/// difference of the search totals, with the same filters.
/// The watches of this test: four chosen queries, then the first 60 of the benchmark's
/// query log (real-shaped: phrases, OR, NOT, fields, prefixes, dates).
fn test_queries() -> Vec<String> {
    let log = std::fs::read_to_string(newsdex_testkit::repo_root().join("bench/queries/reuters.txt")).unwrap();
    let chosen = ["oil", "\"interest rates\"", "coffee OR cocoa", "Japan -yen"];
    chosen.iter().map(|q| q.to_string()).chain(log.lines().take(60).map(str::to_string)).collect()
}

#[test]
fn a_watch_matches_what_a_search_finds_in_the_new_batches_only() {
    let Some(sgml) = newsdex_testkit::shared_data("news-reuters21578/original") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let all = newsdex_testkit::reuters::convert_dir(&sgml).unwrap();
    let (a, b) = all.split_at(all.len() / 2);
    let write = |name: &str, part: &[serde_json::Value]| {
        let p = tmp.path().join(name);
        let text: String = part.iter().map(|v| format!("{v}\n")).collect();
        std::fs::write(&p, text).unwrap();
        p
    };
    let b = &b[..4000.min(b.len())];
    let (pa, pb, pc) =
        (write("a.jsonl", &a[..4000.min(a.len())]), write("b.jsonl", &b[..1500]), write("c.jsonl", &b[1500..]));
    let mut w = Engine::open_write(&data).unwrap();
    ingest(&mut w, pa);
    let queries = test_queries();
    let mut store = WatchStore::open(&data).unwrap();
    for (i, q) in queries.iter().enumerate() {
        store
            .add(
                &NewWatch { every_copy: i % 2 == 1, ..watch(&format!("w{i}"), q) },
                w.last_batch().unwrap(),
                w.generation(),
            )
            .unwrap();
    }
    let ids = |w: &Engine, q: &str| -> std::collections::HashSet<String> {
        let opts = SearchOptions { limit: 20_000, collapse: false, timeout: None, ..SearchOptions::default() };
        let r = w.search(q, &opts).unwrap();
        assert!(r.hits.len() == r.total, "{q}: every hit read");
        r.hits.iter().map(|h| h.id.to_string()).collect()
    };
    // The documents before the watermark. What a query matches among them can change as
    // the archive grows (a place's other name becomes one the archive writes as a name),
    // so a watch's new matches are compared with the final search's matches outside them.
    let old = ids(&w, "*");
    // Two commits after the watermark: the run reads both (in more than one segment).
    ingest(&mut w, pb);
    ingest(&mut w, pc);
    let report = run(&w, &mut store).unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let mut matched = 0;
    for (i, q) in queries.iter().enumerate() {
        let added = ids(&w, q).difference(&old).count();
        if i < 4 {
            assert!(added > 10, "{q}: the second half has matches ({added})");
        }
        matched += usize::from(added > 0);
        let entries = store.recent(&format!("w{i}"), 100_000).unwrap();
        let copies: u64 = entries.iter().map(|e| e.copies).sum();
        assert_eq!(copies as usize, added, "{q}: every new match recorded once");
        if i % 2 == 1 {
            assert_eq!(entries.len(), added, "{q}: every copy is an entry");
        } else {
            assert!(entries.len() <= added);
        }
    }
    assert!(matched > 40, "most of the log's queries match the new batches ({matched} of {})", queries.len());
}

#[test]
fn a_reindex_brings_no_news_and_later_ingests_are_still_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let p = newsdex_testkit::seed_paragraphs(newsdex_testkit::SEED_004);
    let mut w = Engine::open_write(&data).unwrap();
    // Three small batches before the watch, so the rebuilt archive numbers its batches
    // differently from the one the watermark counted in.
    for (i, para) in p.iter().take(3).enumerate() {
        ingest(&mut w, jsonl(tmp.path(), &format!("o{i}.jsonl"), "Old", "2020-01-01", std::slice::from_ref(para)));
    }
    let mut store = WatchStore::open(&data).unwrap();
    store.add(&watch("asia", "\"Central Asia\""), w.last_batch().unwrap(), w.generation()).unwrap();
    w.reindex(&IngestOptions::default(), &mut |_| {}).unwrap();
    let r = run(&w, &mut store).unwrap();
    assert_eq!((r.rebased, r.new_entries), (1, 0), "what a rebuild re-reads is not news");
    ingest(&mut w, jsonl(tmp.path(), "a.jsonl", "Radio Free Asia", "2021-03-01", &p));
    let r = run(&w, &mut store).unwrap();
    assert_eq!((r.rebased, r.new_entries), (0, 1), "an ingest after the reindex is reported");
}

#[test]
fn a_daily_digest_is_posted_once_after_its_day_and_is_one_atom_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let p = newsdex_testkit::seed_paragraphs(newsdex_testkit::SEED_004);
    let mut w = Engine::open_write(&data).unwrap();
    let mut store = WatchStore::open(&data).unwrap();
    let digest = NewWatch {
        digest: Some(newsdex_watch::Digest::Daily),
        webhook: Some("https://hooks.example/x".into()),
        secret: Some("k".into()),
        ..watch("daily", "Tashkent")
    };
    store.add(&digest, w.last_batch().unwrap(), w.generation()).unwrap();
    ingest(&mut w, jsonl(tmp.path(), "a.jsonl", "Radio Free Asia", "2021-03-01", &p));
    ingest(&mut w, jsonl(tmp.path(), "b.jsonl", "Central Asia Wire", "2021-03-02", &p[1..]));
    ingest(&mut w, jsonl(tmp.path(), "c.jsonl", "Other", "2021-03-03", &p[..1]));
    run(&w, &mut store).unwrap();
    let mut posts: Vec<(String, Vec<u8>)> = Vec::new();
    let mut post = |url: &str, body: &[u8], _: &[(String, String)]| {
        posts.push((url.to_string(), body.to_vec()));
        Ok(200)
    };
    let now = chrono::Utc::now().timestamp();
    let r = newsdex_watch::deliver::deliver(&w, &mut store, now, &mut post).unwrap();
    assert_eq!(r.delivered, 0, "nothing before the day is over");
    let tomorrow = now + 86_400;
    let r = newsdex_watch::deliver::deliver(&w, &mut store, tomorrow, &mut post).unwrap();
    assert_eq!(r.delivered, 1);
    let r = newsdex_watch::deliver::deliver(&w, &mut store, tomorrow + 60, &mut post).unwrap();
    assert_eq!(r.delivered, 0, "one post per period");
    assert_eq!(posts.len(), 1);
    let v: serde_json::Value = serde_json::from_slice(&posts[0].1).unwrap();
    assert_eq!(v["digest"], "daily");
    let n = store.recent("daily", 100).unwrap().len();
    assert!(n >= 1);
    assert_eq!(v["entries"].as_array().unwrap().len(), n, "every entry of the day in the one post");
    let watch = store.get("daily").unwrap();
    let entries = store.recent("daily", 100).unwrap();
    let xml = atom::render(&watch, &entries, &atom::Links { base: "http://127.0.0.1:7700" });
    assert_eq!(xml.matches("<entry>").count(), 1, "{xml}");
    let story = if n == 1 { "1 story".to_string() } else { format!("{n} stories") };
    assert!(xml.contains(&format!("daily: {story}, ")), "{xml}");
}

/// The layout of `watches.sqlite` before entries stopped copying their article's title,
/// address, outlet, date and language (schema version 0), as that version made it.
const FIRST_LAYOUT: &str = "
CREATE TABLE IF NOT EXISTS watches (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    langs TEXT NOT NULL,
    outlets TEXT NOT NULL,
    every_copy INTEGER NOT NULL,
    digest TEXT,
    created TEXT NOT NULL,
    watermark INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    last_run TEXT,
    last_error TEXT,
    webhook TEXT,
    secret TEXT,
    delivered_rev INTEGER NOT NULL DEFAULT 0,
    delivery_failures INTEGER NOT NULL DEFAULT 0,
    next_delivery INTEGER,
    last_delivery TEXT,
    last_delivery_error TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    watch TEXT NOT NULL,
    at TEXT NOT NULL,
    from_rev INTEGER NOT NULL,
    to_rev INTEGER NOT NULL,
    entries INTEGER NOT NULL,
    status INTEGER,
    error TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_by_watch ON deliveries (watch, id);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    watch TEXT NOT NULL,
    doc INTEGER NOT NULL,
    title TEXT NOT NULL,
    url TEXT,
    outlet TEXT,
    published TEXT,
    lang TEXT,
    found_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    batch INTEGER NOT NULL,
    copies INTEGER NOT NULL,
    outlets INTEGER NOT NULL,
    rev INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_rev ON entries (watch, rev);
CREATE TABLE IF NOT EXISTS copies (
    watch TEXT NOT NULL,
    doc INTEGER NOT NULL,
    entry INTEGER NOT NULL,
    outlet TEXT,
    PRIMARY KEY (watch, doc)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

#[test]
fn regression_a_watches_file_of_the_first_layout_is_migrated_and_keeps_its_entries() {
    an_earlier_layout_is_migrated_and_keeps_its_entries(0);
}

/// Version 1 named an entry's watch by its name and kept entry times as text; version 2
/// numbers the watches and keeps times as Unix seconds.
#[test]
fn regression_a_watches_file_of_the_second_layout_is_migrated_and_keeps_its_entries() {
    an_earlier_layout_is_migrated_and_keeps_its_entries(1);
}

/// A watches file of layout `version` (0 or 1: the first layout, or it with the article
/// fields dropped as version 1 did) holding two watches' entries, opened by this version.
fn an_earlier_layout_is_migrated_and_keeps_its_entries(version: i64) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let p = newsdex_testkit::seed_paragraphs(newsdex_testkit::SEED_004);
    let mut w = Engine::open_write(&data).unwrap();
    ingest(&mut w, jsonl(tmp.path(), "a.jsonl", "Radio Free Asia", "2021-03-01", &p));
    let opts = SearchOptions { collapse: false, ..SearchOptions::default() };
    let hit = w.search("Tashkent", &opts).unwrap().hits.remove(0);
    let doc = hit.id.to_string().parse::<newsdex_core::DocId>().unwrap();
    // A file as the first version left it: two watches that recorded the article (one
    // entry each, with its texts), entries 8 and 9 of a removed watch gone.
    {
        let c = rusqlite::Connection::open(data.join(newsdex_watch::WATCHES_FILE)).unwrap();
        c.execute_batch(FIRST_LAYOUT).unwrap();
        let (last, generation) = (w.last_batch().unwrap() as i64, w.generation() as i64);
        for (name, every) in [("tashkent", 0), ("each", 1)] {
            c.execute(
                "INSERT INTO watches (name, query, langs, outlets, every_copy, created, watermark, generation)
                 VALUES (?1, 'Tashkent', '[]', '[]', ?2, '2021-03-01T00:00:00Z', ?3, ?4)",
                rusqlite::params![name, every, last, generation],
            )
            .unwrap();
        }
        for (id, name, rev) in [(6, "tashkent", 2), (7, "each", 3)] {
            c.execute(
                "INSERT INTO entries (id, watch, doc, title, url, outlet, published, lang, found_at, updated_at, batch,
                                      copies, outlets, rev)
                 VALUES (?1, ?2, ?3, 'As stored', NULL, 'Radio Free Asia', '2021-03-01', 'en', '2021-03-01T00:00:00Z',
                         '2021-03-01T00:00:00Z', ?4, 1, 1, ?5)",
                rusqlite::params![id, name, doc.as_i64(), last, rev],
            )
            .unwrap();
            c.execute(
                "INSERT INTO copies (watch, doc, entry, outlet) VALUES (?1, ?2, ?3, 'Radio Free Asia')",
                rusqlite::params![name, doc.as_i64(), id],
            )
            .unwrap();
        }
        c.execute_batch(
            "UPDATE sqlite_sequence SET seq = 9 WHERE name = 'entries'; INSERT INTO meta VALUES ('rev', 3);",
        )
        .unwrap();
        if version == 1 {
            c.execute_batch(
                "ALTER TABLE entries DROP COLUMN title; ALTER TABLE entries DROP COLUMN url;
                 ALTER TABLE entries DROP COLUMN outlet; ALTER TABLE entries DROP COLUMN published;
                 ALTER TABLE entries DROP COLUMN lang; PRAGMA user_version = 1;",
            )
            .unwrap();
        }
    }
    let mut store = WatchStore::open(&data).unwrap();
    {
        let c = rusqlite::Connection::open(data.join(newsdex_watch::WATCHES_FILE)).unwrap();
        let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, 2);
        let columns: Vec<(String, String)> = c
            .prepare("SELECT name, type FROM pragma_table_info('entries')")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!columns.iter().any(|(c, _)| c == "title" || c == "url"), "{columns:?}");
        for numeric in ["watch", "found_at", "updated_at"] {
            assert!(columns.contains(&(numeric.to_string(), "INTEGER".to_string())), "{numeric}: {columns:?}");
        }
        let old: i64 =
            c.query_row("SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'old_%'", [], |r| r.get(0)).unwrap();
        assert_eq!(old, 0, "the tables of the earlier layout are gone");
    }
    let listed = store.get("tashkent").unwrap();
    assert_eq!(listed.watermark, w.last_batch().unwrap());
    assert_eq!((listed.entries, listed.last_match.as_deref()), (1, Some("2021-03-01T00:00:00Z")));
    let mut entries = store.recent("tashkent", 10).unwrap();
    newsdex_watch::fill_entries(&w, &store.get("tashkent").unwrap(), &mut entries).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].entry, entries[0].rev, entries[0].copies), (6, 2, 1));
    assert_eq!(
        (entries[0].found_at.as_str(), entries[0].updated_at.as_str()),
        ("2021-03-01T00:00:00Z", "2021-03-01T00:00:00Z")
    );
    assert_eq!(entries[0].title, "Background of the risks of Uyghur visits to Central Asia", "read from the archive");
    assert_eq!(entries[0].outlet.as_deref(), Some("Radio Free Asia"));
    assert_eq!(entries[0].published, hit.published, "the date as a search shows it");

    // Later matches go on from the migrated entries: a copy joins the story's entry, and
    // the every-copy watch's new entry takes the next id after the removed ones.
    ingest(&mut w, jsonl(tmp.path(), "b.jsonl", "Eurasia Daily", "2021-03-02", &p[..p.len() - 1]));
    let r = run(&w, &mut store).unwrap();
    assert_eq!((r.new_entries, r.copies_added), (1, 1));
    let story = store.recent("tashkent", 10).unwrap();
    assert_eq!((story.len(), story[0].entry, story[0].copies, story[0].outlets), (1, 6, 2, 2));
    assert!(story[0].rev > 3, "a new revision after the migrated ones");
    let each = store.recent("each", 10).unwrap();
    assert_eq!(each.iter().map(|e| e.entry).collect::<Vec<_>>(), [10, 7]);
    // Opened again: nothing left to migrate, nothing changed.
    drop(store);
    let store = WatchStore::open(&data).unwrap();
    assert_eq!(store.recent("each", 10).unwrap().len(), 2);
}
