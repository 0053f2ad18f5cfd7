//! `watches.sqlite`: the watches, their entries (one per story, or per article with
//! `every_copy`), the copies recorded under each entry, and the revision counter.

use std::path::Path;

use chrono::{SecondsFormat, Utc};
use newsdex_core::DocId;
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Found, Result, WatchError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS watches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
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
    watch INTEGER NOT NULL,
    doc INTEGER NOT NULL,
    found_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    copies INTEGER NOT NULL,
    outlets INTEGER NOT NULL,
    rev INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_rev ON entries (watch, rev);
CREATE TABLE IF NOT EXISTS copies (
    watch INTEGER NOT NULL,
    doc INTEGER NOT NULL,
    entry INTEGER NOT NULL,
    outlet TEXT,
    PRIMARY KEY (watch, doc)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

/// The layout [`SCHEMA`] makes, in the file's `user_version`. 0: the first layout, whose
/// entries also held their article's title, address, outlet, date and language (now read
/// from the archive when an entry is shown). 1: entries and copies named their watch by
/// its name and entries kept their times as RFC 3339 text. 2: a watch has a numeric id
/// that its entries and copies carry, and entry times are Unix seconds (a run writes a
/// row per match into three B-trees keyed by the watch: recording 10,000 watches' matches
/// took 15 % less time than with names and texts, see BENCHMARKS.md). [`migrate`] brings
/// a file of an earlier layout up to date.
const SCHEMA_VERSION: i64 = 2;

/// Bring a watches file of an earlier layout up to [`SCHEMA_VERSION`] (or make a new one),
/// in one immediate transaction (two processes opening an old file at once take turns; the
/// second finds it done). Watches keep their names and settings; entries keep their ids,
/// revisions, counts and times (to the second, as before); the entry id sequence goes on.
fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    let has_watches: bool = tx
        .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'watches'", [], |_| Ok(true))
        .optional()?
        .is_some();
    if has_watches {
        // Every earlier layout holds these columns (version 0's extra entry columns are
        // left behind with the old tables).
        const WATCH_COLUMNS: &str = "name, query, langs, outlets, every_copy, digest, created, watermark, generation, \
            last_run, last_error, webhook, secret, delivered_rev, delivery_failures, next_delivery, last_delivery, \
            last_delivery_error";
        let seq: Option<i64> =
            tx.query_row("SELECT seq FROM sqlite_sequence WHERE name = 'entries'", [], |r| r.get(0)).optional()?;
        tx.execute_batch(
            "ALTER TABLE watches RENAME TO old_watches;
             ALTER TABLE entries RENAME TO old_entries;
             ALTER TABLE copies RENAME TO old_copies;
             DROP INDEX IF EXISTS entries_by_rev;",
        )?;
        tx.execute_batch(SCHEMA)?;
        tx.execute_batch(&format!(
            "INSERT INTO watches ({WATCH_COLUMNS}) SELECT {WATCH_COLUMNS} FROM old_watches ORDER BY name;
             INSERT INTO entries (id, watch, doc, found_at, updated_at, batch, copies, outlets, rev)
                 SELECT e.id, w.id, e.doc, CAST(strftime('%s', e.found_at) AS INTEGER),
                        CAST(strftime('%s', e.updated_at) AS INTEGER), e.batch, e.copies, e.outlets, e.rev
                 FROM old_entries e JOIN watches w ON w.name = e.watch ORDER BY e.id;
             INSERT INTO copies (watch, doc, entry, outlet)
                 SELECT w.id, c.doc, c.entry, c.outlet FROM old_copies c JOIN watches w ON w.name = c.watch;
             DROP TABLE old_copies;
             DROP TABLE old_entries;
             DROP TABLE old_watches;"
        ))?;
        // Ids of entries removed with their watches are not given again.
        if let Some(seq) = seq {
            tx.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?1) WHERE name = 'entries'", [seq])?;
            tx.execute(
                "INSERT INTO sqlite_sequence (name, seq) SELECT 'entries', ?1
                 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'entries')",
                [seq],
            )?;
        }
    } else {
        tx.execute_batch(SCHEMA)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// Unix seconds as the RFC 3339 text entries show.
fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A saved search.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Watch {
    pub name: String,
    pub query: String,
    pub langs: Vec<String>,
    pub outlets: Vec<String>,
    /// Every matching article is an entry of its own (off: one entry per story).
    pub every_copy: bool,
    /// Delivered as one digest per period (webhook post, Atom entry) instead of per change.
    pub digest: Option<crate::Digest>,
    /// When it was made (RFC 3339, UTC).
    pub created: String,
    /// Newest batch read: the next run reads the batches after it.
    pub watermark: u64,
    /// The archive's generation the watermark counts in (a reindex starts batch numbers
    /// again in a new generation).
    pub generation: u64,
    pub last_run: Option<String>,
    /// Why the last run failed (cleared by the next good one).
    pub last_error: Option<String>,
    /// Entries in all.
    pub entries: u64,
    /// Entries made or changed since midnight UTC.
    pub entries_today: u64,
    /// When the newest entry was made or changed.
    pub last_match: Option<String>,
    /// Where changes are posted (JSON, signed with the secret), if anywhere.
    pub webhook: Option<String>,
    /// Never shown.
    #[serde(skip)]
    pub secret: Option<String>,
    /// Revisions up to this one were delivered to the webhook.
    pub delivered_rev: u64,
    /// Failed posts in a row (0 after a success).
    pub delivery_failures: u64,
    /// With failures: not tried again before this time (Unix seconds).
    pub next_delivery: Option<i64>,
    pub last_delivery: Option<String>,
    pub last_delivery_error: Option<String>,
}

/// What makes a new watch.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NewWatch {
    pub name: String,
    pub query: String,
    #[serde(default)]
    pub langs: Vec<String>,
    #[serde(default)]
    pub outlets: Vec<String>,
    #[serde(default)]
    pub every_copy: bool,
    #[serde(default)]
    pub digest: Option<crate::Digest>,
    /// http(s) address to post new entries to, signed with `secret`.
    #[serde(default)]
    pub webhook: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
}

/// One entry of a watch: a story it reported (or an article, with `every_copy`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// Revision of its last change: the `since=` cursor.
    pub rev: u64,
    /// Stable id of the entry within its watch.
    pub entry: u64,
    /// The first matching article (hex id).
    pub doc: String,
    /// The article's title, address, outlet, date and language: read from the archive
    /// when the entry is shown ([`crate::fill_entries`]), not kept in the watches file.
    pub title: String,
    pub url: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    /// Spellings the query's words were expanded to that this article has (filled when
    /// shown, by [`crate::fill_entries`]).
    pub matched: Vec<String>,
    pub found_at: String,
    pub updated_at: String,
    /// Matching articles recorded under it (the first included).
    pub copies: u64,
    /// Distinct outlets among them.
    pub outlets: u64,
}

/// One post to a webhook.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub at: String,
    /// Entries changed after `from_rev` up to `to_rev` were in it.
    pub from_rev: u64,
    pub to_rev: u64,
    pub entries: u64,
    /// The HTTP status, if an answer came.
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// The watches file, opened.
#[derive(Debug)]
pub struct WatchStore {
    conn: Connection,
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A watch name is a path segment of its feed's address: 1–64 letters, digits, `-`, `_`
/// or `.` (not first).
pub fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(WatchError::Invalid(format!("watch name {name:?}: use 1-64 letters, digits, '-', '_' or '.' (not first)")))
    }
}

impl WatchStore {
    /// Open (creating if needed) the watches file of the data directory `root`.
    pub fn open(root: &Path) -> Result<WatchStore> {
        let mut conn = Connection::open(root.join(crate::WATCHES_FILE))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // A run writes a row per match (hundreds of thousands at scale) into indexes
        // spread over every watch: a page cache of 64 MiB (filled only as pages are
        // read) keeps them from spilling to the log mid-transaction.
        conn.pragma_update(None, "cache_size", -65_536)?;
        migrate(&mut conn)?;
        Ok(WatchStore { conn })
    }

    /// Open an existing watches file without creating or changing it; `None` if there is
    /// none (no watch was ever made).
    pub fn open_existing(root: &Path) -> Result<Option<WatchStore>> {
        if !root.join(crate::WATCHES_FILE).is_file() {
            return Ok(None);
        }
        Self::open(root).map(Some)
    }

    /// Add a watch that reads batches after `watermark` of `generation` (the archive's
    /// newest batch now: a watch reports what arrives from now on).
    pub fn add(&mut self, w: &NewWatch, watermark: u64, generation: u64) -> Result<Watch> {
        check_name(&w.name)?;
        crate::check_query(&w.query)?;
        crate::deliver::check_webhook(w.webhook.as_deref(), w.secret.as_deref())?;
        let tx = self.conn.transaction()?;
        let exists: bool =
            tx.query_row("SELECT 1 FROM watches WHERE name = ?1", [&w.name], |_| Ok(true)).optional()?.is_some();
        if exists {
            return Err(WatchError::Exists(w.name.clone()));
        }
        tx.execute(
            "INSERT INTO watches (name, query, langs, outlets, every_copy, created, watermark, generation, webhook, secret,
                                  digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                w.name,
                w.query,
                serde_json::to_string(&w.langs).unwrap_or_default(),
                serde_json::to_string(&w.outlets).unwrap_or_default(),
                w.every_copy,
                now(),
                watermark as i64,
                generation as i64,
                w.webhook,
                w.secret,
                w.digest.map(|d| d.as_str())
            ],
        )?;
        tx.commit()?;
        self.get(&w.name)
    }

    /// Remove a watch with its entries.
    pub fn remove(&mut self, name: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        let Some(id) =
            tx.query_row("SELECT id FROM watches WHERE name = ?1", [name], |r| r.get::<_, i64>(0)).optional()?
        else {
            return Err(WatchError::NotFound(name.to_string()));
        };
        tx.execute("DELETE FROM watches WHERE id = ?1", [id])?;
        tx.execute("DELETE FROM entries WHERE watch = ?1", [id])?;
        tx.execute("DELETE FROM copies WHERE watch = ?1", [id])?;
        // Its delivery log goes with it (a new watch of the same name starts afresh).
        tx.execute("DELETE FROM deliveries WHERE watch = ?1", [name])?;
        tx.commit()?;
        Ok(())
    }

    /// One watch with its counts.
    pub fn get(&self, name: &str) -> Result<Watch> {
        self.query_watches("WHERE w.name = ?1", [name])?.pop().ok_or_else(|| WatchError::NotFound(name.to_string()))
    }

    /// Every watch, by name, with its counts.
    pub fn list(&self) -> Result<Vec<Watch>> {
        self.query_watches("", [])
    }

    /// Every watch, by name, **without its counts** (`entries`, `entries_today` and
    /// `last_match` are 0 and `None`): what a run or a delivery reads. The counts are
    /// read from every entry a watch has (the entries of its whole history), so a run
    /// that listed them would take longer with every entry recorded (measured: 0.70 s of
    /// each run over five batches of 10,000 watches, see BENCHMARKS.md).
    pub(crate) fn list_without_counts(&self) -> Result<Vec<Watch>> {
        self.watches_where(false, "", [])
    }

    fn query_watches<P: rusqlite::Params>(&self, filter: &str, p: P) -> Result<Vec<Watch>> {
        self.watches_where(true, filter, p)
    }

    fn watches_where<P: rusqlite::Params>(&self, counts: bool, filter: &str, p: P) -> Result<Vec<Watch>> {
        let today = Utc::now().timestamp().div_euclid(86_400) * 86_400;
        let counts = if counts {
            format!(
                "(SELECT COUNT(*) FROM entries e WHERE e.watch = w.id),
                 (SELECT COUNT(*) FROM entries e WHERE e.watch = w.id AND e.updated_at >= {today}),
                 (SELECT MAX(updated_at) FROM entries e WHERE e.watch = w.id)"
            )
        } else {
            "0, 0, NULL".to_string()
        };
        let sql = format!(
            "SELECT w.name, w.query, w.langs, w.outlets, w.every_copy, w.created, w.watermark, w.generation, w.last_run,
                    w.last_error, {counts},
                    w.webhook, w.secret, w.delivered_rev, w.delivery_failures, w.next_delivery, w.last_delivery,
                    w.last_delivery_error, w.digest
             FROM watches w {filter} ORDER BY w.name"
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(p, |r| {
            let list = |s: String| serde_json::from_str::<Vec<String>>(&s).unwrap_or_default();
            Ok(Watch {
                name: r.get(0)?,
                query: r.get(1)?,
                langs: list(r.get(2)?),
                outlets: list(r.get(3)?),
                every_copy: r.get(4)?,
                created: r.get(5)?,
                watermark: r.get::<_, i64>(6)? as u64,
                generation: r.get::<_, i64>(7)? as u64,
                last_run: r.get(8)?,
                last_error: r.get(9)?,
                entries: r.get::<_, i64>(10)? as u64,
                entries_today: r.get::<_, i64>(11)? as u64,
                last_match: r.get::<_, Option<i64>>(12)?.map(rfc3339),
                webhook: r.get(13)?,
                secret: r.get(14)?,
                delivered_rev: r.get::<_, i64>(15)? as u64,
                delivery_failures: r.get::<_, i64>(16)? as u64,
                next_delivery: r.get(17)?,
                last_delivery: r.get(18)?,
                last_delivery_error: r.get(19)?,
                digest: r.get::<_, Option<String>>(20)?.and_then(|d| crate::Digest::parse(&d)),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A watch's entries changed after revision `since`, oldest change first, at most
    /// `limit`.
    pub fn entries_since(&self, name: &str, since: u64, limit: usize) -> Result<Vec<Entry>> {
        self.get(name)?;
        self.entries_where(name, "rev > ?2 ORDER BY rev ASC LIMIT ?3", since, limit)
    }

    /// A watch's latest changed entries, newest first.
    pub fn recent(&self, name: &str, limit: usize) -> Result<Vec<Entry>> {
        self.get(name)?;
        self.entries_where(name, "rev > ?2 ORDER BY rev DESC LIMIT ?3", 0, limit)
    }

    fn entries_where(&self, name: &str, tail: &str, since: u64, limit: usize) -> Result<Vec<Entry>> {
        let sql = format!(
            "SELECT rev, id, doc, found_at, updated_at, copies, outlets FROM entries
             WHERE watch = (SELECT id FROM watches WHERE name = ?1) AND {tail}"
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map(params![name, since as i64, limit as i64], |r| {
            Ok(Entry {
                rev: r.get::<_, i64>(0)? as u64,
                entry: r.get::<_, i64>(1)? as u64,
                doc: DocId::from_i64(r.get(2)?).to_string(),
                title: String::new(),
                url: None,
                outlet: None,
                published: None,
                lang: None,
                matched: Vec::new(),
                found_at: rfc3339(r.get(3)?),
                updated_at: rfc3339(r.get(4)?),
                copies: r.get::<_, i64>(5)? as u64,
                outlets: r.get::<_, i64>(6)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Record what a run found for each watch and move their watermarks to `last`, in one
    /// transaction (one disk sync per run, whatever the number of watches). `members`
    /// gives every member of a document's story. Returns (entries made, copies added
    /// under existing entries).
    ///
    /// A run's new entries and their first copies are written in bulk ([`Rows`]): entry
    /// ids are given here, after the table's AUTOINCREMENT sequence (which they raise), and
    /// what the rest of the run asks about them (a later copy of the same story, for the
    /// same watch) is answered from memory. Copies under an entry of an earlier run are
    /// written at once, as its outlet count is read back from the copies table.
    pub(crate) fn record(
        &mut self,
        results: &[(crate::Watch, Vec<Found>)],
        last: u64,
        mut members: impl FnMut(DocId) -> std::result::Result<Vec<DocId>, newsdex_engine::EngineError>,
    ) -> Result<(usize, usize)> {
        // Immediate: two processes running watches at once (an ingest and a server) take
        // turns, and the second sees the first moved the watermark.
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut rev: i64 =
            tx.query_row("SELECT value FROM meta WHERE key = 'rev'", [], |r| r.get(0)).optional()?.unwrap_or(0);
        let mut next_entry: i64 = tx.query_row(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'entries'), 0),
                        COALESCE((SELECT MAX(id) FROM entries), 0)) + 1",
            [],
            |r| r.get(0),
        )?;
        // One clock reading for the run: the watches' `last_run` and the entries' times.
        let secs = Utc::now().timestamp();
        let stamp = rfc3339(secs);
        let (mut new, mut added) = (0, 0);
        let mut rows = Rows::default();
        // A document many watches match is looked up once; statements are prepared once
        // per run.
        let mut stories: std::collections::HashMap<DocId, Vec<DocId>> = std::collections::HashMap::new();
        for (watch, found) in results {
            let stored: Option<(i64, i64)> = tx
                .prepare_cached("SELECT id, watermark FROM watches WHERE name = ?1")?
                .query_row([&watch.name], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let Some((wid, _)) = stored.filter(|&(_, mark)| mark == watch.watermark as i64) else {
                // Removed meanwhile, or another run already read these batches.
                continue;
            };
            // Documents the watch holds already (one committed again in a later batch):
            // asked once per watch, not per match.
            let mut known: std::collections::HashSet<i64> = std::collections::HashSet::new();
            if !found.is_empty() {
                let ids = serde_json::to_string(&found.iter().map(|f| f.id.as_i64()).collect::<Vec<_>>())
                    .unwrap_or_else(|_| "[]".into());
                let mut st = tx.prepare_cached(
                    "SELECT doc FROM copies WHERE watch = ?1 AND doc IN (SELECT value FROM json_each(?2))",
                )?;
                for d in st.query_map(params![wid, ids], |r| r.get(0))? {
                    known.insert(d?);
                }
            }
            // This run's copies for this watch (document → entry), and the entries it made
            // (entry → its row in `rows`, its outlets).
            let mut here: std::collections::HashMap<DocId, i64> = std::collections::HashMap::new();
            let mut made: std::collections::HashMap<i64, (usize, Vec<String>)> = std::collections::HashMap::new();
            for f in found {
                if known.contains(&f.id.as_i64()) || here.contains_key(&f.id) {
                    continue;
                }
                let mut entry: Option<i64> = None;
                if !watch.every_copy {
                    let story = match stories.entry(f.id) {
                        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                        std::collections::hash_map::Entry::Vacant(v) => v.insert(members(f.id)?),
                    };
                    // The document itself was looked up just above: only its story's
                    // other members can hold an entry.
                    for &m in story.iter().filter(|&&m| m != f.id) {
                        entry = match here.get(&m) {
                            Some(&e) => Some(e),
                            None => tx
                                .prepare_cached("SELECT entry FROM copies WHERE watch = ?1 AND doc = ?2")?
                                .query_row(params![wid, m.as_i64()], |r| r.get(0))
                                .optional()?,
                        };
                        if entry.is_some() {
                            break;
                        }
                    }
                }
                rev += 1;
                match entry {
                    Some(e) => {
                        here.insert(f.id, e);
                        added += 1;
                        if let Some((row, outlets)) = made.get_mut(&e) {
                            // An entry this run made: changed in memory.
                            if let Some(o) = &f.outlet
                                && !outlets.contains(o)
                            {
                                outlets.push(o.clone());
                            }
                            let r = &mut rows.entries[*row];
                            (r.copies, r.outlets, r.rev) = (r.copies + 1, outlets.len() as i64, rev);
                            rows.copies.push(CopyRow {
                                watch: wid,
                                doc: f.id.as_i64(),
                                entry: e,
                                outlet: f.outlet.as_deref(),
                            });
                            continue;
                        }
                        tx.prepare_cached("INSERT INTO copies (watch, doc, entry, outlet) VALUES (?1, ?2, ?3, ?4)")?
                            .execute(params![wid, f.id.as_i64(), e, f.outlet])?;
                        tx.prepare_cached(
                            "UPDATE entries SET copies = copies + 1,
                            outlets = (SELECT COUNT(DISTINCT outlet) FROM copies WHERE watch = ?1 AND entry = ?2),
                            updated_at = ?3, rev = ?4
                         WHERE id = ?2",
                        )?
                        .execute(params![wid, e, secs, rev])?;
                    }
                    None => {
                        let e = next_entry;
                        next_entry += 1;
                        here.insert(f.id, e);
                        made.insert(e, (rows.entries.len(), f.outlet.iter().cloned().collect()));
                        rows.entries.push(EntryRow {
                            id: e,
                            watch: wid,
                            doc: f.id.as_i64(),
                            batch: f.batch as i64,
                            copies: 1,
                            outlets: f.outlet.is_some() as i64,
                            rev,
                        });
                        rows.copies.push(CopyRow {
                            watch: wid,
                            doc: f.id.as_i64(),
                            entry: e,
                            outlet: f.outlet.as_deref(),
                        });
                        new += 1;
                    }
                }
            }
            tx.prepare_cached("UPDATE watches SET watermark = ?2, last_run = ?3, last_error = NULL WHERE id = ?1")?
                .execute(params![wid, last as i64, stamp])?;
            if rows.entries.len() >= Rows::FLUSH {
                rows.write(&tx, secs)?;
            }
        }
        rows.write(&tx, secs)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('rev', ?1) ON CONFLICT(key) DO UPDATE SET value = ?1",
            [rev],
        )?;
        tx.commit()?;
        Ok((new, added))
    }

    /// After a reindex: the watch's watermark is the rebuilt archive's newest batch (a
    /// rebuild re-reads what was there; it brings nothing new).
    pub(crate) fn rebase(&mut self, name: &str, watermark: u64, generation: u64) -> Result<()> {
        self.conn.execute(
            "UPDATE watches SET watermark = ?2, generation = ?3 WHERE name = ?1",
            params![name, watermark as i64, generation as i64],
        )?;
        Ok(())
    }

    /// Record a post to a watch's webhook: delivered (`to_rev` becomes its delivered
    /// revision) or failed (its next try at `retry_at`); logged either way.
    pub(crate) fn record_delivery(
        &mut self,
        name: &str,
        (from_rev, to_rev, entries): (u64, u64, usize),
        outcome: Result<u16, String>,
        retry_at: i64,
    ) -> Result<()> {
        let tx = self.conn.transaction()?;
        let stamp = now();
        let (status, error) = match &outcome {
            Ok(s) => (Some(*s as i64), None),
            Err(e) => (None, Some(e.clone())),
        };
        tx.execute(
            "INSERT INTO deliveries (watch, at, from_rev, to_rev, entries, status, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![name, stamp, from_rev as i64, to_rev as i64, entries as i64, status, error],
        )?;
        match outcome {
            Ok(s) if (200..300).contains(&s) => tx.execute(
                "UPDATE watches SET delivered_rev = ?2, delivery_failures = 0, next_delivery = NULL, last_delivery = ?3,
                    last_delivery_error = NULL WHERE name = ?1",
                params![name, to_rev as i64, stamp],
            )?,
            other => {
                let why = match other {
                    Ok(s) => format!("HTTP {s}"),
                    Err(e) => e,
                };
                tx.execute(
                    "UPDATE watches SET delivery_failures = delivery_failures + 1, next_delivery = ?2,
                        last_delivery = ?3, last_delivery_error = ?4 WHERE name = ?1",
                    params![name, retry_at, stamp, why],
                )?
            }
        };
        tx.commit()?;
        Ok(())
    }

    /// The latest posts to a watch's webhook, newest first: (time, first and last
    /// revision, entries, HTTP status, error).
    pub fn delivery_log(&self, name: &str, limit: usize) -> Result<Vec<Delivery>> {
        let mut st = self.conn.prepare(
            "SELECT at, from_rev, to_rev, entries, status, error FROM deliveries WHERE watch = ?1 ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = st.query_map(params![name, limit as i64], |r| {
            Ok(Delivery {
                at: r.get(0)?,
                from_rev: r.get::<_, i64>(1)? as u64,
                to_rev: r.get::<_, i64>(2)? as u64,
                entries: r.get::<_, i64>(3)? as u64,
                status: r.get::<_, Option<i64>>(4)?.map(|s| s as u16),
                error: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Note that a watch's run failed (its watermark stays).
    pub(crate) fn record_failure(&mut self, name: &str, reason: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE watches SET last_run = ?2, last_error = ?3 WHERE name = ?1",
            params![name, now(), reason],
        )?;
        Ok(())
    }
}

/// A new entry of a run, before it is written.
#[derive(Debug)]
struct EntryRow {
    id: i64,
    watch: i64,
    doc: i64,
    batch: i64,
    copies: i64,
    outlets: i64,
    rev: i64,
}

/// A copy of a run, before it is written.
#[derive(Debug)]
struct CopyRow<'a> {
    watch: i64,
    doc: i64,
    entry: i64,
    outlet: Option<&'a str>,
}

/// A run's new entries and copies, written many rows to a statement.
#[derive(Debug, Default)]
struct Rows<'a> {
    entries: Vec<EntryRow>,
    copies: Vec<CopyRow<'a>>,
}

impl<'a> Rows<'a> {
    /// Rows per INSERT statement.
    const CHUNK: usize = 64;
    /// Entries held before they are written.
    const FLUSH: usize = 16_384;

    /// Write and forget the rows held, in the order they were made.
    fn write(&mut self, tx: &rusqlite::Transaction<'_>, secs: i64) -> Result<()> {
        fn values(row: &str, n: usize) -> String {
            vec![row; n].join(", ")
        }
        for chunk in self.entries.chunks(Self::CHUNK) {
            let sql = format!(
                "INSERT INTO entries (id, watch, doc, found_at, updated_at, batch, copies, outlets, rev) VALUES {}",
                values("(?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk.len())
            );
            let mut st = tx.prepare_cached(&sql)?;
            let mut i = 0;
            let mut bind = |st: &mut rusqlite::CachedStatement<'_>, v: &dyn rusqlite::ToSql| {
                i += 1;
                st.raw_bind_parameter(i, v)
            };
            for r in chunk {
                bind(&mut st, &r.id)?;
                bind(&mut st, &r.watch)?;
                bind(&mut st, &r.doc)?;
                bind(&mut st, &secs)?;
                bind(&mut st, &secs)?;
                bind(&mut st, &r.batch)?;
                bind(&mut st, &r.copies)?;
                bind(&mut st, &r.outlets)?;
                bind(&mut st, &r.rev)?;
            }
            st.raw_execute()?;
        }
        for chunk in self.copies.chunks(Self::CHUNK) {
            let sql = format!(
                "INSERT INTO copies (watch, doc, entry, outlet) VALUES {}",
                values("(?, ?, ?, ?)", chunk.len())
            );
            let mut st = tx.prepare_cached(&sql)?;
            let mut i = 0;
            for r in chunk {
                for v in [&r.watch as &dyn rusqlite::ToSql, &r.doc, &r.entry, &r.outlet] {
                    i += 1;
                    st.raw_bind_parameter(i, v)?;
                }
            }
            st.raw_execute()?;
        }
        self.entries.clear();
        self.copies.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(n: i64, outlet: &str) -> Found {
        Found { id: DocId::from_i64(n), batch: 2, outlet: Some(outlet.to_string()) }
    }

    /// A run lists the watches without their counts (read from every entry they hold):
    /// the same watches and fields, the counts left out; `list` still has them.
    #[test]
    fn the_watches_a_run_reads_are_the_listed_ones_without_their_counts() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = WatchStore::open(tmp.path()).unwrap();
        for (name, every_copy) in [("oil", false), ("wheat", true)] {
            let w = NewWatch { name: name.into(), query: name.into(), every_copy, ..NewWatch::default() };
            store.add(&w, 1, 0).unwrap();
        }
        let results: Vec<(Watch, Vec<Found>)> = store
            .list()
            .unwrap()
            .into_iter()
            .map(|w| {
                let n = if w.name == "oil" { 3 } else { 1 };
                (w, (1..=n).map(|i| found(i, "Reuters")).collect())
            })
            .collect();
        assert_eq!(store.record(&results, 2, |id| Ok(vec![id])).unwrap(), (4, 0));

        let counted = store.list().unwrap();
        assert_eq!(
            counted.iter().map(|w| (w.name.as_str(), w.entries)).collect::<Vec<_>>(),
            [("oil", 3), ("wheat", 1)]
        );
        assert!(counted.iter().all(|w| w.entries_today == w.entries && w.last_match.is_some()));
        let plain = store.list_without_counts().unwrap();
        let uncounted: Vec<Watch> =
            counted.into_iter().map(|w| Watch { entries: 0, entries_today: 0, last_match: None, ..w }).collect();
        assert_eq!(plain, uncounted);
        assert!(plain.iter().all(|w| w.watermark == 2));
    }

    /// Removing a watch removes its entries, copies and delivery log: a new watch of the
    /// same name starts empty and matches the same documents afresh; other watches keep
    /// theirs.
    #[test]
    fn a_removed_watch_leaves_nothing_behind_for_a_new_one_of_its_name() {
        let tmp = tempfile::tempdir().unwrap();
        let mut store = WatchStore::open(tmp.path()).unwrap();
        let new = |name: &str| NewWatch { name: name.into(), query: "oil".into(), ..NewWatch::default() };
        let run = |store: &mut WatchStore| {
            let results: Vec<(Watch, Vec<Found>)> =
                store.list().unwrap().into_iter().map(|w| (w, vec![found(1, "Reuters"), found(2, "AP")])).collect();
            let last = results[0].0.watermark + 1;
            store.record(&results, last, |id| Ok(vec![id])).unwrap()
        };
        store.add(&new("a"), 1, 0).unwrap();
        store.add(&new("b"), 1, 0).unwrap();
        assert_eq!(run(&mut store), (4, 0));
        store.record_delivery("a", (0, 2, 2), Ok(200), 0).unwrap();
        assert_eq!(store.delivery_log("a", 10).unwrap().len(), 1);

        store.remove("a").unwrap();
        store.add(&new("a"), 2, 0).unwrap();
        let a = store.get("a").unwrap();
        assert_eq!((a.entries, a.last_match, a.delivered_rev), (0, None, 0));
        assert!(store.recent("a", 10).unwrap().is_empty());
        assert!(store.delivery_log("a", 10).unwrap().is_empty());
        assert_eq!(store.get("b").unwrap().entries, 2);

        // The same documents again: new entries for the new watch (its own copies), none
        // for `b`, which holds them already.
        let results: Vec<(Watch, Vec<Found>)> =
            store.list().unwrap().into_iter().map(|w| (w, vec![found(1, "Reuters"), found(2, "AP")])).collect();
        assert_eq!(store.record(&results, 3, |id| Ok(vec![id])).unwrap(), (2, 0));
        assert_eq!(store.recent("a", 10).unwrap().len(), 2);
        assert_eq!(store.recent("b", 10).unwrap().len(), 2);
    }
}
