//! The document store: SQLite holding every extracted document with its provenance, the
//! blob index into the packs, the ingest log mirror, and rejects.
//!
//! All of it is derived from the raw store and can be rebuilt by `reindex`. SQLite (WAL
//! mode) is used because its file format is stable, it is crash-safe, and stats and facets
//! are plain SQL. One writer at a time (see [`crate::DataDir`]); any number of readers.

use std::collections::BTreeMap;
use std::path::Path;

use newsdex_core::{Article, DocId, Provenance, Published, RawHash, SourceFormat, Warning};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;

use crate::bodies::{COMPRESS_FROM, Dicts, TRAIN_FROM};
use crate::{BlobLoc, Result, SourceRecord};

const SCHEMA_VERSION: i64 = 1;

/// The tables. `documents` and `stories` keep their rows in the order they are stored
/// (SQLite's rowid) with the document id in a unique index: keyed by the id, a hash, each
/// insert landed in a random page and pages split half full (a quarter of both tables'
/// pages was free space at 1M articles, 0.7 GB). An archive made before keeps its tables
/// until `newsdex reindex`; the same statements read both.
const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS zdicts (id INTEGER PRIMARY KEY, dict BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS line_stats (grp TEXT PRIMARY KEY, summary TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS packs (pack INTEGER PRIMARY KEY, committed_len INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blobs (
    hash BLOB PRIMARY KEY,
    pack INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    len INTEGER NOT NULL,
    stored_len INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    raw BLOB,
    size INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    refused TEXT,
    outlet TEXT,
    lang TEXT,
    part INTEGER,
    first_line INTEGER,
    UNIQUE (source, raw)
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER NOT NULL UNIQUE,
    seq INTEGER NOT NULL,
    format TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    url TEXT,
    outlet TEXT,
    lang TEXT,
    published TEXT,
    published_ts INTEGER,
    authors TEXT NOT NULL,
    extra TEXT NOT NULL,
    warnings TEXT NOT NULL,
    source TEXT NOT NULL,
    raw BLOB NOT NULL,
    line INTEGER,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    removed TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS documents_seq ON documents (seq, id);
CREATE TABLE IF NOT EXISTS rejects (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    raw BLOB,
    line INTEGER,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS skipped (
    raw BLOB NOT NULL,
    what TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (raw, what)
);
CREATE TABLE IF NOT EXISTS stories (
    doc INTEGER NOT NULL UNIQUE,
    story INTEGER NOT NULL,
    ord INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    exact BLOB NOT NULL,
    sig BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS stories_story ON stories (story);
CREATE INDEX IF NOT EXISTS stories_moved ON stories (changed) WHERE story != doc;
CREATE UNIQUE INDEX IF NOT EXISTS rejects_once ON rejects (source, ifnull(raw, x''), ifnull(line, -1));
"#;

/// One document as stored: the article plus where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocRow {
    pub article: Article,
    pub provenance: Provenance,
    /// The batch that committed it (for bringing the index level after a crash).
    pub seq: u64,
}

/// One rejected input or record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectRow {
    pub source: String,
    pub raw: Option<RawHash>,
    /// JSONL line, when one record of a file was rejected.
    pub line: Option<u64>,
    /// Stable code (`empty`, `binary`, `too-large`, `bad-gzip`, `bad-json`, …).
    pub code: String,
    pub reason: String,
    pub at: String,
}

/// A source (ingest-log entry) with where its log record lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRow {
    pub record: SourceRecord,
}

/// A document's place in the story grouping, as stored: its story (the canonical member's
/// id), its ingest order, and the text hashes the grouper is rebuilt from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryRow {
    pub doc: DocId,
    pub story: DocId,
    /// Ingest order over the whole archive (ties between equally dated members).
    pub ord: u64,
    /// Hash of the normalised text.
    pub exact: [u8; 16],
    /// MinHash signature, word count and figures as `newsdex_dedupe::Prepared`'s
    /// `signature_bytes` writes them (16-bit values; rows stored before hold 32-bit ones);
    /// empty for a text without words.
    pub sig: Vec<u8>,
}

/// A story member as a snapshot saw it ([`DocDb::story_members_through`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMember {
    pub id: DocId,
    pub outlet: Option<String>,
    /// Publication time, Unix seconds.
    pub published: Option<i64>,
    /// Ingest order over the whole archive.
    pub ord: u64,
}

/// A story member without its text: id, outlet, publication date.
pub type MemberRef = (DocId, Option<String>, Option<Published>);

/// A stored story row with the document's publication time, for rebuilding the grouper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStory {
    pub row: StoryRow,
    pub published: Option<i64>,
    /// The document's title (for the headline signal).
    pub title: String,
}

/// Everything one batch adds; committed atomically by [`DocDb::commit`].
#[derive(Debug, Default)]
pub struct Batch {
    pub blobs: Vec<(RawHash, BlobLoc)>,
    pub sources: Vec<SourceRecord>,
    pub docs: Vec<(Article, Provenance)>,
    pub rejects: Vec<RejectRow>,
    /// Per-group summaries of recurring lines (learned boilerplate), replaced whole.
    pub line_stats: Vec<(String, String)>,
    /// Story rows of new documents.
    pub stories: Vec<StoryRow>,
    /// Documents whose story changed: (document, its story now), applied after `stories`.
    pub moved: Vec<(DocId, DocId)>,
    /// Documents of `docs` stored with the batch number an earlier generation gave them
    /// (a reindex keeps snapshots), not this batch's.
    pub earlier_seq: std::collections::HashMap<DocId, u64>,
    /// Records of an input read whole and not extracted (a WARC archive's requests,
    /// non-HTML responses…): per input blob, `kind: reason` and how many. Replaces what
    /// an earlier reading of the same blob stored, so a re-ingest counts nothing twice.
    pub skipped: Vec<(RawHash, String, u64)>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.blobs.is_empty()
            && self.sources.is_empty()
            && self.docs.is_empty()
            && self.rejects.is_empty()
            && self.line_stats.is_empty()
            && self.stories.is_empty()
            && self.moved.is_empty()
            && self.skipped.is_empty()
    }
}

/// Counts for `newsdex stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub documents: u64,
    pub sources: u64,
    pub blobs: u64,
    /// Uncompressed bytes of all blobs.
    pub raw_bytes: u64,
    /// Bytes the blobs take in packs.
    pub raw_stored_bytes: u64,
    pub by_lang: Vec<(String, u64)>,
    pub by_outlet: Vec<(String, u64)>,
    pub by_format: Vec<(String, u64)>,
    /// Stories (groups of copies; an article with no copy is a story of one).
    pub stories: u64,
    /// Documents assigned to a story (all of them once an ingest has run).
    pub grouped: u64,
    pub rejects: u64,
    pub rejects_by_code: Vec<(String, u64)>,
    /// Archive records read and not extracted, by `kind: reason` (WARC).
    pub skipped_by_kind: Vec<(String, u64)>,
    pub warnings_by_code: Vec<(String, u64)>,
    pub published_min: Option<String>,
    pub published_max: Option<String>,
}

/// Handle on `docs.sqlite`.
#[derive(Debug)]
pub struct DocDb {
    conn: Connection,
    /// The dictionaries texts are compressed with ([`crate::bodies`]).
    dicts: Dicts,
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data always serialises")
}

impl DocDb {
    /// Open (creating if needed) for reading and writing.
    pub fn open(path: &Path) -> Result<DocDb> {
        let conn = Connection::open(path)?;
        // Pages of 16 KiB for a new store (an existing one keeps its own): a row holds a
        // compressed text of a kilobyte or two, and 4 KiB pages, fitting two or three such
        // rows, left a fifth of each page empty.
        conn.pragma_update(None, "page_size", 16384)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL mode: a commit survives a process crash; only an OS crash can lose
        // the last transactions, and then the packs' committed lengths are lost with them.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.execute_batch(SCHEMA)?;
        let dicts = Dicts::for_writing(&conn)?;
        let db = DocDb { conn, dicts };
        match db.meta("schema_version")? {
            None => db.set_meta("schema_version", &SCHEMA_VERSION.to_string())?,
            Some(v) if v == SCHEMA_VERSION.to_string() => {}
            Some(v) => {
                return Err(crate::StoreError::Corrupt(format!(
                    "document store schema {v}, this newsdex reads {SCHEMA_VERSION}; run `newsdex reindex`"
                )));
            }
        }
        Ok(db)
    }

    /// Open an existing store read-only (searches, stats, the server).
    pub fn open_read(path: &Path) -> Result<DocDb> {
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        Ok(DocDb { conn, dicts: Dicts::default() })
    }

    /// A read-only handle for reading many documents in the store's order (an export):
    /// its page cache holds `cache_mib` MiB, enough for one batch's pages, so each page is
    /// read from the file once while a batch's documents are read by id.
    pub fn open_for_scan(path: &Path, cache_mib: u32) -> Result<DocDb> {
        let db = Self::open_read(path)?;
        db.conn.pragma_update(None, "cache_size", -i64::from(cache_mib) * 1024)?;
        Ok(db)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// The last committed batch number (0 when empty).
    pub fn last_seq(&self) -> Result<u64> {
        Ok(self.meta("last_seq")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Committed length of each pack.
    pub fn pack_ends(&self) -> Result<BTreeMap<u32, u64>> {
        let mut st = self.conn.prepare("SELECT pack, committed_len FROM packs")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, u64>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn blob(&self, hash: &RawHash) -> Result<Option<BlobLoc>> {
        Ok(self
            .conn
            .query_row("SELECT pack, offset, len, stored_len FROM blobs WHERE hash = ?1", [&hash.0[..]], |r| {
                Ok(BlobLoc { pack: r.get(0)?, offset: r.get(1)?, len: r.get(2)?, stored_len: r.get(3)? })
            })
            .optional()?)
    }

    /// Whether the ingest log already has this (source, blob) pair.
    pub fn has_source(&self, source: &str, raw: Option<&RawHash>) -> Result<bool> {
        let raw = raw.map(|h| h.0.to_vec());
        Ok(self
            .conn
            .query_row("SELECT 1 FROM sources WHERE source = ?1 AND raw IS ?2", params![source, raw], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// All document ids (to answer "seen before?" without a query per record).
    pub fn doc_ids(&self) -> Result<Vec<DocId>> {
        let mut st = self.conn.prepare("SELECT id FROM documents ORDER BY id")?;
        let rows = st.query_map([], |r| r.get::<_, i64>(0))?;
        rows.map(|r| Ok(DocId::from_i64(r?))).collect()
    }

    pub fn doc_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM documents", [], |r| r.get(0))?)
    }

    /// Commit a batch as batch number `seq`, together with the packs' committed lengths.
    /// Documents whose id is already stored are skipped (the caller deduplicates first;
    /// this keeps a retried batch harmless). Returns the number of documents inserted.
    pub fn commit(&mut self, seq: u64, batch: &Batch, pack_ends: &BTreeMap<u32, u64>) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut inserted = 0;
        {
            let mut put_pack = tx.prepare_cached(
                "INSERT INTO packs (pack, committed_len) VALUES (?1, ?2)
                 ON CONFLICT (pack) DO UPDATE SET committed_len = excluded.committed_len",
            )?;
            for (pack, len) in pack_ends {
                put_pack.execute(params![pack, len])?;
            }
            let mut put_blob = tx.prepare_cached(
                "INSERT OR IGNORE INTO blobs (hash, pack, offset, len, stored_len) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (hash, loc) in &batch.blobs {
                put_blob.execute(params![&hash.0[..], loc.pack, loc.offset, loc.len, loc.stored_len])?;
            }
            let mut put_source = tx.prepare_cached(
                "INSERT OR IGNORE INTO sources (source, raw, size, ingested_at, refused, outlet, lang, part, first_line)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for s in &batch.sources {
                put_source.execute(params![
                    s.source,
                    s.raw.map(|h| h.0.to_vec()),
                    s.size,
                    s.ingested_at,
                    s.refused,
                    s.outlet,
                    s.lang,
                    s.part,
                    s.first_line
                ])?;
            }
            if !self.dicts.trained() {
                train_when_due(&tx, &mut self.dicts, batch)?;
            }
            let mut put_doc = tx.prepare_cached(
                "INSERT OR IGNORE INTO documents (id, seq, format, title, body, url, outlet, lang, published,
                   published_ts, authors, extra, warnings, source, raw, line, start, end, ingested_at, removed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
            )?;
            for (a, p) in &batch.docs {
                inserted += put_doc.execute(params![
                    a.id.as_i64(),
                    batch.earlier_seq.get(&a.id).copied().unwrap_or(seq),
                    a.format.as_str(),
                    a.title,
                    self.dicts.stored(&a.body),
                    a.url,
                    a.outlet,
                    a.lang,
                    a.published.as_ref().map(json),
                    a.published.as_ref().map(Published::timestamp),
                    json(&a.authors),
                    json(&a.extra),
                    json(&a.warnings),
                    p.source,
                    &p.raw.0[..],
                    p.line,
                    p.start,
                    p.end,
                    p.ingested_at,
                    json(&a.removed),
                ])?;
            }
            let mut put_reject = tx.prepare_cached(
                "INSERT OR IGNORE INTO rejects (source, raw, line, code, reason, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for r in &batch.rejects {
                put_reject.execute(params![r.source, r.raw.map(|h| h.0.to_vec()), r.line, r.code, r.reason, r.at])?;
            }
        }
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO skipped (raw, what, n) VALUES (?1, ?2, ?3)
                 ON CONFLICT (raw, what) DO UPDATE SET n = excluded.n",
            )?;
            for (raw, what, n) in &batch.skipped {
                put.execute(params![raw.0.to_vec(), what, n])?;
            }
        }
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO line_stats (grp, summary) VALUES (?1, ?2)
                 ON CONFLICT (grp) DO UPDATE SET summary = excluded.summary",
            )?;
            for (grp, summary) in &batch.line_stats {
                put.execute(params![grp, summary])?;
            }
        }
        {
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO stories (doc, story, ord, changed, exact, sig) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for r in &batch.stories {
                put.execute(params![r.doc.as_i64(), r.story.as_i64(), r.ord, seq, &r.exact[..], &r.sig])?;
            }
            let mut mv = tx.prepare_cached("UPDATE stories SET story = ?2, changed = ?3 WHERE doc = ?1")?;
            for (doc, story) in &batch.moved {
                mv.execute(params![doc.as_i64(), story.as_i64(), seq])?;
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('last_seq', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [seq.to_string()],
        )?;
        tx.commit()?;
        Ok(inserted)
    }

    fn from_json<T: serde::de::DeserializeOwned>(i: usize, s: String) -> rusqlite::Result<T> {
        serde_json::from_str(&s)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
    }

    fn row_to_doc(&self, r: &rusqlite::Row<'_>) -> rusqlite::Result<DocRow> {
        let published: Option<String> = r.get(8)?;
        let published: Option<Published> = match published {
            Some(p) => Some(Self::from_json(8, p)?),
            None => None,
        };
        let authors: Vec<String> = Self::from_json(10, r.get(10)?)?;
        let extra: serde_json::Map<String, serde_json::Value> = Self::from_json(11, r.get(11)?)?;
        let warnings: Vec<Warning> = Self::from_json(12, r.get(12)?)?;
        let removed: Vec<String> = Self::from_json(19, r.get(19)?)?;
        let format: String = r.get(2)?;
        let raw: Vec<u8> = r.get(14)?;
        let mut raw32 = [0u8; 32];
        if raw.len() == 32 {
            raw32.copy_from_slice(&raw);
        }
        Ok(DocRow {
            article: Article {
                id: DocId::from_i64(r.get(0)?),
                format: SourceFormat::from_name(&format).unwrap_or(SourceFormat::Text),
                title: r.get(3)?,
                body: self.dicts.read(&self.conn, r.get_ref(4)?, 4)?,
                url: r.get(5)?,
                outlet: r.get(6)?,
                lang: r.get(7)?,
                published,
                authors,
                extra,
                warnings,
                removed,
            },
            provenance: Provenance {
                source: r.get(13)?,
                raw: RawHash(raw32),
                line: r.get(15)?,
                start: r.get(16)?,
                end: r.get(17)?,
                ingested_at: r.get(18)?,
            },
            seq: r.get(1)?,
        })
    }

    const DOC_COLUMNS: &'static str = "id, seq, format, title, body, url, outlet, lang, published, published_ts, \
        authors, extra, warnings, source, raw, line, start, end, ingested_at, removed";

    /// One document by id.
    pub fn doc(&self, id: DocId) -> Result<Option<DocRow>> {
        let sql = format!("SELECT {} FROM documents WHERE id = ?1", Self::DOC_COLUMNS);
        Ok(self.conn.query_row(&sql, [id.as_i64()], |r| self.row_to_doc(r)).optional()?)
    }

    /// Every document's id and the batch that stored it.
    pub fn doc_seqs(&self) -> Result<Vec<(DocId, u64)>> {
        let mut st = self.conn.prepare("SELECT id, seq FROM documents ORDER BY id")?;
        let rows = st.query_map([], |r| Ok((DocId::from_i64(r.get(0)?), r.get::<_, u64>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Documents by id, in the order given (ids not stored are skipped); one cached
    /// statement for all, for reading an export's matches in chunks.
    pub fn docs(&self, ids: &[DocId]) -> Result<Vec<DocRow>> {
        self.one_read(ids.len() > 1, || {
            let sql = format!("SELECT {} FROM documents WHERE id = ?1", Self::DOC_COLUMNS);
            let mut st = self.conn.prepare_cached(&sql)?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(st.query_row([id.as_i64()], |r| self.row_to_doc(r)).optional()?);
            }
            Ok(out)
        })
    }

    /// `read` in one read transaction when there are `many` lookups and none is open:
    /// outside one, each lookup took and dropped SQLite's file locks and re-read its pages
    /// (41 % of an export's time went to that: `fcntl`, `pread`, `fstat` per row).
    fn one_read<T>(&self, many: bool, read: impl FnOnce() -> Result<T>) -> Result<T> {
        let own = many && self.conn.is_autocommit();
        if own {
            self.conn.execute_batch("BEGIN DEFERRED")?;
        }
        let out = read();
        if own {
            // Nothing was written: ending the read cannot lose anything.
            self.conn.execute_batch("COMMIT")?;
        }
        out
    }

    /// The texts of documents, in the order given (`None` for one not stored), in one
    /// read transaction: what a search page's snippets are made from.
    pub fn bodies(&self, ids: &[DocId]) -> Result<Vec<Option<String>>> {
        self.one_read(ids.len() > 1, || {
            let mut st = self.conn.prepare_cached("SELECT body FROM documents WHERE id = ?1")?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.push(st.query_row([id.as_i64()], |r| self.dicts.read(&self.conn, r.get_ref(0)?, 0)).optional()?);
            }
            Ok(out)
        })
    }

    /// A story's members that batches up to `snapshot` added: (id, outlet, publication
    /// time, ingest order), in ingest order.
    pub fn story_members_through(&self, story: DocId, snapshot: u64) -> Result<Vec<SnapshotMember>> {
        let mut st = self.conn.prepare_cached(
            "SELECT s.doc, d.outlet, d.published_ts, s.ord FROM stories s JOIN documents d ON d.id = s.doc
             WHERE s.story = ?1 AND d.seq <= ?2 ORDER BY s.ord",
        )?;
        let rows = st.query_map(params![story.as_i64(), snapshot], |r| {
            Ok(SnapshotMember {
                id: DocId::from_i64(r.get(0)?),
                outlet: r.get(1)?,
                published: r.get(2)?,
                ord: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Documents whose id is in `lo..=hi` (the ids an id prefix names): how many, and the
    /// first `limit` of them by id with their titles.
    pub fn docs_between(&self, lo: DocId, hi: DocId, limit: usize) -> Result<(usize, Vec<(DocId, String)>)> {
        let (lo, hi) = (lo.as_i64(), hi.as_i64());
        let total: i64 =
            self.conn.query_row("SELECT count(*) FROM documents WHERE id BETWEEN ?1 AND ?2", [lo, hi], |r| r.get(0))?;
        let mut st = self
            .conn
            .prepare_cached("SELECT id, title FROM documents WHERE id BETWEEN ?1 AND ?2 ORDER BY id LIMIT ?3")?;
        let rows = st.query_map([lo, hi, limit.min(i64::MAX as usize) as i64], |r| {
            Ok((DocId::from_i64(r.get(0)?), r.get::<_, String>(1)?))
        })?;
        Ok((total as usize, rows.collect::<rusqlite::Result<_>>()?))
    }

    /// Documents committed after batch `seq`, in commit order, passed to `f` one at a time.
    pub fn for_each_doc_after(&self, seq: u64, mut f: impl FnMut(DocRow) -> Result<()>) -> Result<()> {
        let sql = format!("SELECT {} FROM documents WHERE seq > ?1 ORDER BY seq, id", Self::DOC_COLUMNS);
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([seq], |r| self.row_to_doc(r))?;
        for row in rows {
            f(row?)?;
        }
        Ok(())
    }

    /// Every story row with its document's publication time, in ingest order.
    pub fn story_rows(&self, mut f: impl FnMut(StoredStory)) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT s.doc, s.story, s.ord, s.exact, s.sig, d.published_ts, ifnull(d.title, '')
             FROM stories s LEFT JOIN documents d ON d.id = s.doc ORDER BY s.ord",
        )?;
        let rows = st.query_map([], |r| {
            let exact: Vec<u8> = r.get(3)?;
            Ok(StoredStory {
                row: StoryRow {
                    doc: DocId::from_i64(r.get(0)?),
                    story: DocId::from_i64(r.get(1)?),
                    ord: r.get(2)?,
                    exact: exact.try_into().unwrap_or([0; 16]),
                    sig: r.get(4)?,
                },
                published: r.get(5)?,
                title: r.get(6)?,
            })
        })?;
        for row in rows {
            f(row?);
        }
        Ok(())
    }

    /// How many documents have a story row. Counted through the `stories_story` index,
    /// which is far smaller than the rows with their signatures (about 300 bytes each).
    pub fn story_row_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM stories INDEXED BY stories_story", [], |r| r.get(0))?)
    }

    /// Documents with no story row (stored by a newsdex before stories), in commit order.
    /// Documents are never deleted and each story row is a document's, so when the counts
    /// agree there are none and the scan of every document (3.5 s at 1M) is skipped.
    pub fn docs_without_story(&self) -> Result<Vec<DocRow>> {
        let docs: u64 = self.conn.query_row("SELECT count(*) FROM documents", [], |r| r.get(0))?;
        if docs == self.story_row_count()? {
            return Ok(Vec::new());
        }
        let cols: Vec<String> = Self::DOC_COLUMNS.split(", ").map(|c| format!("d.{}", c.trim())).collect();
        let sql = format!(
            "SELECT {} FROM documents d WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.doc = d.id)
             ORDER BY d.seq, d.id",
            cols.join(", ")
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([], |r| self.row_to_doc(r))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Members of stories of two or more whose story was set after batch `after`:
    /// (document, story), and the newest batch seen. Only such rows are in the partial
    /// index `stories_moved`, so this costs nothing per search when nothing changed (a
    /// full index on `changed` made every search scan all rows: 75 ms at 100k documents).
    pub fn story_changes(&self, after: u64) -> Result<(Vec<(DocId, DocId)>, u64)> {
        let mut st = self.conn.prepare_cached(
            "SELECT doc, story, changed FROM stories WHERE changed > ?1 AND story != doc ORDER BY changed",
        )?;
        let mut newest = after;
        let mut out = Vec::new();
        let rows = st.query_map([after], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, u64>(2)?)))?;
        for row in rows {
            let (d, s, c) = row?;
            out.push((DocId::from_i64(d), DocId::from_i64(s)));
            newest = newest.max(c);
        }
        Ok((out, newest))
    }

    /// The story a document is in (none for a document not grouped yet, or unknown).
    pub fn story_of(&self, doc: DocId) -> Result<Option<DocId>> {
        let s: Option<i64> =
            self.conn.query_row("SELECT story FROM stories WHERE doc = ?1", [doc.as_i64()], |r| r.get(0)).optional()?;
        Ok(s.map(DocId::from_i64))
    }

    /// Documents whose address is exactly `url`, by the batch that committed them (then by
    /// id). A scan of the table (no index on addresses): asked only for pages the collector
    /// saw re-published.
    pub fn docs_at_url(&self, url: &str) -> Result<Vec<DocId>> {
        let mut st = self.conn.prepare_cached("SELECT id FROM documents WHERE url = ?1 ORDER BY seq, id")?;
        let rows = st.query_map([url], |r| r.get::<_, i64>(0))?;
        Ok(rows.map(|r| r.map(DocId::from_i64)).collect::<rusqlite::Result<_>>()?)
    }

    /// A story's members, in ingest order.
    pub fn story_members(&self, story: DocId) -> Result<Vec<DocId>> {
        let mut st = self.conn.prepare_cached("SELECT doc FROM stories WHERE story = ?1 ORDER BY ord")?;
        let rows = st.query_map([story.as_i64()], |r| r.get::<_, i64>(0))?;
        Ok(rows.map(|r| r.map(DocId::from_i64)).collect::<rusqlite::Result<_>>()?)
    }

    /// Documents by id without their texts (ids not stored are skipped): what a
    /// collection lists a story's members by when they are spread over its shards.
    pub fn member_refs(&self, ids: &[DocId]) -> Result<Vec<MemberRef>> {
        let mut st = self.conn.prepare_cached("SELECT outlet, published FROM documents WHERE id = ?1")?;
        let mut out = Vec::new();
        for id in ids {
            let row = st
                .query_row([id.as_i64()], |r| {
                    let published: Option<String> = r.get(1)?;
                    Ok((
                        *id,
                        r.get(0)?,
                        match published {
                            Some(p) => Some(Self::from_json(1, p)?),
                            None => None,
                        },
                    ))
                })
                .optional()?;
            out.extend(row);
        }
        Ok(out)
    }

    /// A story's members without their texts, for listing: (id, outlet, publication time
    /// and date as stored), earliest published first (undated last), then ingest order.
    pub fn story_index(&self, story: DocId) -> Result<Vec<MemberRef>> {
        let mut st = self.conn.prepare_cached(
            "SELECT s.doc, d.outlet, d.published FROM stories s JOIN documents d ON d.id = s.doc
             WHERE s.story = ?1 ORDER BY d.published_ts IS NULL, d.published_ts, s.ord",
        )?;
        let rows = st.query_map([story.as_i64()], |r| {
            let published: Option<String> = r.get(2)?;
            Ok((
                DocId::from_i64(r.get(0)?),
                r.get(1)?,
                match published {
                    Some(p) => Some(Self::from_json(2, p)?),
                    None => None,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Rejects, newest first, at most `limit`.
    pub fn rejects(&self, limit: usize) -> Result<Vec<RejectRow>> {
        let mut st =
            self.conn.prepare("SELECT source, raw, line, code, reason, at FROM rejects ORDER BY id DESC LIMIT ?1")?;
        let rows = st.query_map([limit as i64], |r| {
            let raw: Option<Vec<u8>> = r.get(1)?;
            Ok(RejectRow {
                source: r.get(0)?,
                raw: raw.filter(|v| v.len() == 32).map(|v| RawHash(v.try_into().expect("32 bytes"))),
                line: r.get(2)?,
                code: r.get(3)?,
                reason: r.get(4)?,
                at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The stored recurring-line summary of a group, if any.
    pub fn line_stats(&self, grp: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT summary FROM line_stats WHERE grp = ?1", [grp], |r| r.get(0)).optional()?)
    }

    /// Ingest-log entries in the order they were recorded.
    pub fn sources(&self) -> Result<Vec<SourceRecord>> {
        let mut st = self.conn.prepare(
            "SELECT source, raw, size, ingested_at, refused, outlet, lang, part, first_line FROM sources ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            let raw: Option<Vec<u8>> = r.get(1)?;
            Ok(SourceRecord {
                source: r.get(0)?,
                raw: raw.filter(|v| v.len() == 32).map(|v| RawHash(v.try_into().expect("32 bytes"))),
                size: r.get(2)?,
                ingested_at: r.get(3)?,
                refused: r.get(4)?,
                // The refusal's code is kept with the reject row, not in this mirror.
                refused_code: None,
                outlet: r.get(5)?,
                lang: r.get(6)?,
                part: r.get(7)?,
                first_line: r.get(8)?,
                ..Default::default()
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Counts for `newsdex stats`.
    pub fn stats(&self) -> Result<Stats> {
        let one = |sql: &str| -> Result<u64> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, Option<u64>>(0))?.unwrap_or(0))
        };
        let groups = |sql: &str| -> Result<Vec<(String, u64)>> {
            let mut st = self.conn.prepare(sql)?;
            let rows = st.query_map([], |r| {
                Ok((r.get::<_, Option<String>>(0)?.unwrap_or_else(|| "(none)".into()), r.get(1)?))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        let mut warnings: BTreeMap<String, u64> = BTreeMap::new();
        {
            let mut st = self.conn.prepare("SELECT warnings FROM documents WHERE warnings != '[]'")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            for w in rows {
                let list: Vec<Warning> = serde_json::from_str(&w?).unwrap_or_default();
                for w in list {
                    *warnings.entry(w.code).or_default() += 1;
                }
            }
        }
        let mut warnings_by_code: Vec<_> = warnings.into_iter().collect();
        warnings_by_code.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let date = |sql: &str| -> Result<Option<String>> {
            let p: Option<String> = self.conn.query_row(sql, [], |r| r.get(0)).optional()?.flatten();
            Ok(p.and_then(|p| serde_json::from_str::<Published>(&p).ok()).map(|p| p.display()))
        };
        Ok(Stats {
            documents: one("SELECT count(*) FROM documents")?,
            sources: one("SELECT count(*) FROM sources")?,
            blobs: one("SELECT count(*) FROM blobs")?,
            raw_bytes: one("SELECT sum(len) FROM blobs")?,
            raw_stored_bytes: one("SELECT sum(stored_len) FROM blobs")?,
            by_lang: groups("SELECT lang, count(*) AS n FROM documents GROUP BY lang ORDER BY n DESC, lang")?,
            by_outlet: groups("SELECT outlet, count(*) AS n FROM documents GROUP BY outlet ORDER BY n DESC, outlet")?,
            by_format: groups("SELECT format, count(*) AS n FROM documents GROUP BY format ORDER BY n DESC, format")?,
            stories: one("SELECT count(DISTINCT story) FROM stories")?,
            grouped: one("SELECT count(*) FROM stories")?,
            rejects: one("SELECT count(*) FROM rejects")?,
            rejects_by_code: groups("SELECT code, count(*) AS n FROM rejects GROUP BY code ORDER BY n DESC, code")?,
            // A store made before the table existed, opened read-only, has none.
            skipped_by_kind: groups("SELECT what, sum(n) AS n FROM skipped GROUP BY what ORDER BY n DESC, what")
                .unwrap_or_default(),
            warnings_by_code,
            published_min: date(
                "SELECT published FROM documents WHERE published_ts IS NOT NULL ORDER BY published_ts LIMIT 1",
            )?,
            published_max: date(
                "SELECT published FROM documents WHERE published_ts IS NOT NULL ORDER BY published_ts DESC LIMIT 1",
            )?,
        })
    }
}

/// Train the store's text dictionary in `tx` once [`TRAIN_FROM`] long texts are stored
/// (counting `batch`'s): on `batch`'s long texts and, when it has fewer, the newest ones
/// stored before. Until then, how many there are is kept in `meta`.
fn train_when_due(tx: &Connection, dicts: &mut Dicts, batch: &Batch) -> Result<()> {
    let long: Vec<&[u8]> =
        batch.docs.iter().map(|(a, _)| a.body.as_bytes()).filter(|b| b.len() >= COMPRESS_FROM).collect();
    if long.is_empty() {
        return Ok(());
    }
    let before: usize = tx
        .query_row("SELECT value FROM meta WHERE key = 'zdict_pending'", [], |r| r.get::<_, String>(0))
        .optional()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let pending = before + long.len();
    if pending < TRAIN_FROM {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('zdict_pending', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [pending.to_string()],
        )?;
        return Ok(());
    }
    let mut earlier: Vec<Vec<u8>> = Vec::new();
    if long.len() < TRAIN_FROM {
        let mut st = tx.prepare(
            "SELECT body FROM documents WHERE typeof(body) = 'blob' OR length(body) >= ?1 ORDER BY rowid DESC LIMIT ?2",
        )?;
        let rows = st.query_map(rusqlite::params![COMPRESS_FROM, TRAIN_FROM - long.len()], |r| {
            dicts.read(tx, r.get_ref(0)?, 0)
        })?;
        for body in rows {
            earlier.push(body?.into_bytes());
        }
    }
    let samples: Vec<&[u8]> = long.into_iter().chain(earlier.iter().map(Vec::as_slice)).collect();
    dicts.train(tx, &samples)?;
    tx.execute("DELETE FROM meta WHERE key = 'zdict_pending'", [])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(text: &str) -> Article {
        Article {
            id: DocId::of_record(text.as_bytes()),
            format: SourceFormat::Text,
            title: "T".into(),
            body: text.into(),
            url: None,
            outlet: Some("RFA".into()),
            lang: Some("en".into()),
            published: newsdex_core::parse_date("2024-02-29T10:00:00+06:00"),
            authors: vec!["A. Writer".into()],
            extra: Default::default(),
            warnings: vec![Warning::new("decoded-as", "windows-1252")],
            removed: vec!["Share this:".into()],
        }
    }

    fn prov() -> Provenance {
        Provenance {
            source: "x.txt".into(),
            raw: RawHash::of(b"x"),
            line: None,
            start: 0,
            end: 1,
            ingested_at: "2026-11-22T00:00:00Z".into(),
        }
    }

    #[test]
    fn commit_then_read_back_everything() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = DocDb::open(&dir.path().join("d.sqlite")).unwrap();
        let a = article("body one");
        let batch = Batch { docs: vec![(a.clone(), prov())], ..Default::default() };
        let ends = BTreeMap::from([(1u32, 100u64)]);
        assert_eq!(db.commit(1, &batch, &ends).unwrap(), 1);
        // A retried batch inserts nothing.
        assert_eq!(db.commit(2, &batch, &ends).unwrap(), 0);
        let row = db.doc(a.id).unwrap().unwrap();
        assert_eq!(row.article, a);
        assert_eq!(row.provenance, prov());
        assert_eq!(row.seq, 1);
        assert_eq!(db.last_seq().unwrap(), 2);
        assert_eq!(db.pack_ends().unwrap(), ends);
        let s = db.stats().unwrap();
        assert_eq!(s.documents, 1);
        assert_eq!(s.by_lang, vec![("en".to_string(), 1)]);
        assert_eq!(s.warnings_by_code, vec![("decoded-as".to_string(), 1)]);
        assert_eq!(s.published_min.as_deref(), Some("2024-02-29T10:00:00+06:00"));
    }

    /// Texts are compressed with a dictionary trained on the archive's first 1,000 long
    /// ones (real texts: the demo corpus's Japanese Wikinews, stored in batches of 100).
    /// Texts stored after it take at most 85 % of what zstd makes of each alone; every text
    /// reads back whole, those stored before the dictionary too, and a reader opened
    /// before it was trained reads texts stored with it.
    #[test]
    fn texts_are_compressed_with_a_dictionary_of_the_archives_own_texts() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../demo/wikinews-ja.jsonl.zst");
        let lines = zstd::stream::decode_all(std::fs::File::open(demo).unwrap()).unwrap();
        let texts: Vec<String> = String::from_utf8(lines)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["text"].as_str().unwrap().to_string())
            .collect();
        assert!(texts.len() > 3000);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.sqlite");
        let mut db = DocDb::open(&path).unwrap();
        let early_reader = DocDb::open_read(&path).unwrap();
        let docs: Vec<Article> = texts.iter().map(|t| article(t)).collect();
        let mut trained_at = None;
        for (n, chunk) in docs.chunks(100).enumerate() {
            let batch = Batch { docs: chunk.iter().map(|a| (a.clone(), prov())).collect(), ..Default::default() };
            db.commit(n as u64 + 1, &batch, &BTreeMap::new()).unwrap();
            if trained_at.is_none() && db.dicts.trained() {
                trained_at = Some((n + 1) * 100);
            }
        }
        let trained_at = trained_at.expect("a dictionary was trained");
        let long_before = docs[..trained_at].iter().filter(|a| a.body.len() >= COMPRESS_FROM).count();
        assert!((TRAIN_FROM..TRAIN_FROM + 100).contains(&long_before), "trained after {long_before} long texts");
        let one = |sql: &str| -> i64 { db.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(one("SELECT count(*) FROM zdicts"), 1);
        let (mut stored, mut alone) = (0, 0);
        for a in &docs[trained_at..] {
            let len: i64 = db
                .conn
                .query_row("SELECT length(body) FROM documents WHERE id = ?1", [a.id.as_i64()], |r| r.get(0))
                .unwrap();
            stored += len as usize;
            alone += if a.body.len() >= COMPRESS_FROM {
                zstd::bulk::compress(a.body.as_bytes(), 3).unwrap().len().min(a.body.len())
            } else {
                a.body.len()
            };
        }
        assert!(stored * 100 <= alone * 85, "{stored} bytes with the dictionary, {alone} without");
        let ids: Vec<DocId> = docs.iter().map(|a| a.id).collect();
        for reader in [&db, &early_reader] {
            let back: Vec<String> = reader.bodies(&ids).unwrap().into_iter().map(Option::unwrap).collect();
            assert!(back.iter().zip(&docs).all(|(b, a)| *b == a.body));
        }
        assert_eq!(early_reader.doc(docs[trained_at].id).unwrap().unwrap().article, docs[trained_at]);
    }

    /// Rows are kept in the order they are stored, not by their ids (hashes), so pages
    /// fill: 4,000 documents with their story rows, stored in 40 batches, take at most a
    /// tenth more than the same rows written compactly (`VACUUM INTO`), in pages of 16 KiB.
    /// Keyed by id, pages split half full (a third more at 1M articles).
    #[test]
    fn rows_stored_under_random_ids_fill_their_pages() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = DocDb::open(&dir.path().join("d.sqlite")).unwrap();
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for b in 0..40u64 {
            let mut batch = Batch::default();
            for i in 0..100 {
                let text: String =
                    (0..400).map(|_| char::from_u32(0x4E00 + (next() % 20000) as u32).unwrap()).collect();
                let a = article(&text);
                batch.stories.push(StoryRow {
                    doc: a.id,
                    story: a.id,
                    ord: b * 100 + i,
                    exact: [7; 16],
                    sig: (0..300).map(|_| next() as u8).collect(),
                });
                batch.docs.push((a, prov()));
            }
            db.commit(b + 1, &batch, &BTreeMap::new()).unwrap();
        }
        let one = |sql: &str| -> i64 { db.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(one("SELECT count(*) FROM documents"), 4000);
        assert_eq!(one("PRAGMA page_size"), 16384, "a new store's pages hold several texts");
        let bytes = one("PRAGMA page_count") * one("PRAGMA page_size");
        let compact = dir.path().join("compact.sqlite");
        db.conn.execute("VACUUM INTO ?1", [compact.to_str().unwrap()]).unwrap();
        let least = std::fs::metadata(&compact).unwrap().len();
        assert!((bytes as f64) < 1.1 * least as f64, "{bytes} bytes where the rows fit in {least}");
    }

    /// Bodies of 512 bytes or more are kept zstd-compressed when that saves a tenth; short
    /// ones, and every body written before compression, are text; all read back the same.
    #[test]
    fn bodies_are_kept_compressed_and_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = DocDb::open(&dir.path().join("d.sqlite")).unwrap();
        let long = "Uyghur rights groups said on Tuesday that the camps in Xinjiang held more people. ".repeat(40);
        let random: String = (0..600u32).map(|i| char::from_u32(0x4E00 + (i * 7919) % 20000).unwrap()).collect();
        let docs: Vec<Article> = [long.as_str(), "short body", random.as_str(), "πŸ‘‡ ok"].map(article).to_vec();
        let batch = Batch { docs: docs.iter().map(|a| (a.clone(), prov())).collect(), ..Default::default() };
        db.commit(1, &batch, &BTreeMap::new()).unwrap();
        for a in &docs {
            assert_eq!(db.doc(a.id).unwrap().unwrap().article, *a);
        }
        fn kind(db: &DocDb, a: &Article) -> String {
            db.conn
                .query_row("SELECT typeof(body) FROM documents WHERE id = ?1", [a.id.as_i64()], |r| r.get(0))
                .unwrap()
        }
        assert_eq!(kind(&db, &docs[0]), "blob");
        let stored: i64 = db
            .conn
            .query_row("SELECT length(body) FROM documents WHERE id = ?1", [docs[0].id.as_i64()], |r| r.get(0))
            .unwrap();
        assert!((stored as usize) * 4 < long.len(), "{stored} of {}", long.len());
        assert_eq!(kind(&db, &docs[1]), "text");
        // An archive written before: its bodies are text, and read as they are.
        let old = article("an older body, written as text");
        db.commit(2, &Batch { docs: vec![(old.clone(), prov())], ..Default::default() }, &BTreeMap::new()).unwrap();
        db.conn.execute("UPDATE documents SET body = ?1 WHERE id = ?2", params![long, old.id.as_i64()]).unwrap();
        assert_eq!(kind(&db, &old), "text");
        assert_eq!(db.doc(old.id).unwrap().unwrap().article.body, long);
        assert_eq!(db.docs(&[old.id, docs[0].id]).unwrap().len(), 2);
    }

    /// Every search asks for story rows changed since it last looked; with a plain index
    /// on `changed` that scanned every row of the archive (searches went from 2 ms to
    /// 75 ms at 100k documents). Only rows of stories of two or more may be visited.
    #[test]
    fn regression_story_changes_never_scan_the_whole_table() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = DocDb::open(&dir.path().join("d.sqlite")).unwrap();
        let row = |d: i64, s: i64| StoryRow {
            doc: DocId::from_i64(d),
            story: DocId::from_i64(s),
            ord: d as u64,
            exact: [0; 16],
            sig: vec![],
        };
        let batch = Batch { stories: (1..=50).map(|d| row(d, d)).chain([row(51, 7)]).collect(), ..Batch::default() };
        db.commit(1, &batch, &BTreeMap::new()).unwrap();
        let (changes, newest) = db.story_changes(0).unwrap();
        assert_eq!(changes, [(DocId::from_i64(51), DocId::from_i64(7))]);
        assert_eq!(newest, 1);
        let plan: String = db
            .conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT doc, story, changed FROM stories WHERE changed > ?1 AND story != doc ORDER BY changed",
                [0],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("USING INDEX stories_moved"), "{plan}");
        let moved = Batch { moved: vec![(DocId::from_i64(7), DocId::from_i64(3))], ..Batch::default() };
        db.commit(2, &moved, &BTreeMap::new()).unwrap();
        assert_eq!(db.story_changes(1).unwrap(), (vec![(DocId::from_i64(7), DocId::from_i64(3))], 2));
        assert_eq!(db.story_members(DocId::from_i64(7)).unwrap(), [DocId::from_i64(51)]);
    }

    #[test]
    fn rejects_are_recorded_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = DocDb::open(&dir.path().join("d.sqlite")).unwrap();
        let r = RejectRow {
            source: "junk.bin".into(),
            raw: None,
            line: None,
            code: "binary".into(),
            reason: "binary data".into(),
            at: "now".into(),
        };
        let batch = Batch { rejects: vec![r.clone(), r.clone()], ..Default::default() };
        db.commit(1, &batch, &BTreeMap::new()).unwrap();
        db.commit(2, &batch, &BTreeMap::new()).unwrap();
        assert_eq!(db.rejects(10).unwrap(), vec![r]);
    }
}
