//! The collector's state: `sources.sqlite` in the data directory (WAL, one transaction per
//! change, so `kill -9` at any moment leaves the last committed state).
//!
//! It holds what cannot be rebuilt from the raw store: the sources the user added and how
//! each is doing (validators, error streak, next poll), the items already seen (by GUID
//! and by canonical address, so nothing is fetched twice), and hosts paused by a
//! `Retry-After`. It lives beside `gen/`, so a reindex keeps it.
//!
//! Versions: each item's text has a fingerprint (its title, text and `lastmod`), kept
//! in `item_versions` under the item's first key, version 1 when first seen. An item seen
//! again with another fingerprint is re-published: its page is fetched again (a new
//! document in the archive when its bytes differ, grouped into the old one's story when
//! its text is close) and a row with the next version number links it to the earlier
//! ones (same key, same address). At most [`MAX_VERSIONS`] per item, so a feed whose
//! text changes at every poll does not make the collector fetch a page at every poll.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use crate::CollectError;

/// File name of the collector state inside the data directory.
pub const STATE_FILE: &str = "sources.sqlite";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    outlet TEXT,
    lang TEXT,
    title TEXT,
    category TEXT,
    every_secs INTEGER,
    paused INTEGER NOT NULL DEFAULT 0,
    added_at INTEGER NOT NULL,
    last_fetch INTEGER,
    last_status INTEGER,
    last_ok INTEGER,
    last_unconditional INTEGER,
    etag TEXT,
    last_modified TEXT,
    items_seen INTEGER NOT NULL DEFAULT 0,
    new_items INTEGER NOT NULL DEFAULT 0,
    next_fetch INTEGER NOT NULL,
    interval_secs INTEGER,
    error_streak INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    moved_from TEXT
);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    source INTEGER NOT NULL,
    url TEXT,
    first_seen INTEGER NOT NULL,
    published INTEGER,
    page_status TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS items_source ON items (source, published);
CREATE TABLE IF NOT EXISTS item_versions (
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    source INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    url TEXT,
    seen_at INTEGER NOT NULL,
    page_status TEXT,
    PRIMARY KEY (key, version)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS item_versions_source ON item_versions (source, version);
CREATE TABLE IF NOT EXISTS item_alias (
    key TEXT PRIMARY KEY,
    vkey TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hosts (
    host TEXT PRIMARY KEY,
    paused_until INTEGER NOT NULL,
    reason TEXT
) WITHOUT ROWID;
";

/// One source and how it is doing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Source {
    pub id: i64,
    pub url: String,
    pub outlet: Option<String>,
    pub lang: Option<String>,
    pub title: Option<String>,
    pub category: Option<String>,
    /// Interval the user set (`--every`), overriding the adaptive one.
    pub every_secs: Option<i64>,
    pub paused: bool,
    pub added_at: i64,
    pub last_fetch: Option<i64>,
    pub last_status: Option<i64>,
    pub last_ok: Option<i64>,
    pub last_unconditional: Option<i64>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub items_seen: i64,
    /// New items at the last successful poll.
    pub new_items: i64,
    pub next_fetch: i64,
    pub interval_secs: Option<i64>,
    pub error_streak: i64,
    /// Why the last poll failed (kept until a poll succeeds).
    pub error: Option<String>,
    /// The address before a permanent redirect moved it.
    pub moved_from: Option<String>,
    /// Items of this source seen again with new text (versions after the first).
    pub versions: i64,
}

/// What a poll did to a source, written in one transaction.
#[derive(Debug, Clone, Default)]
pub struct PollOutcome {
    pub fetched_at: i64,
    pub status: Option<i64>,
    pub ok: bool,
    pub unconditional: bool,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub new_items: i64,
    pub next_fetch: i64,
    pub interval_secs: Option<i64>,
    pub error: Option<String>,
    /// A permanent redirect's target: the source's new address.
    pub moved_to: Option<String>,
}

/// An item seen in a feed.
#[derive(Debug, Clone)]
pub struct SeenItem {
    pub keys: Vec<String>,
    pub url: Option<String>,
    pub published: Option<i64>,
    pub page_status: String,
    /// Its text's fingerprint ([`crate::feed::FeedItem::fingerprint`]).
    pub fingerprint: String,
    /// For a re-published item: the key its versions are kept under and this version's
    /// number (2, 3, …); `None` for an item seen the first time.
    pub version: Option<(String, i64)>,
}

/// Most versions kept (and pages re-fetched) per item.
pub const MAX_VERSIONS: i64 = 10;

/// One version of an item, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ItemVersion {
    pub key: String,
    pub version: i64,
    pub source: i64,
    pub url: Option<String>,
    pub seen_at: i64,
    pub page_status: Option<String>,
}

/// The opened state file.
#[derive(Debug)]
pub struct State {
    conn: Connection,
    path: PathBuf,
    /// The columns every source query reads (a file written before versions were
    /// recorded, opened read-only, has no `item_versions`: its counts read as 0).
    select: &'static str,
}

fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A source to add, as [`State::add`] takes it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NewSource<'a> {
    pub url: &'a str,
    pub outlet: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub title: Option<&'a str>,
    pub category: Option<&'a str>,
    pub every_secs: Option<i64>,
}

impl State {
    /// Open (creating) the state of the data directory `data`.
    /// A new data directory is made first (as `ingest` would), so that the state file
    /// is inside a data directory, never beside unrelated files.
    pub fn open(data: &Path) -> Result<State, CollectError> {
        if !data.join("FORMAT").exists() {
            drop(newsdex_engine::Engine::open_write(data)?);
        }
        let path = data.join(STATE_FILE);
        let conn = Connection::open(&path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(State { conn, path, select: SELECT })
    }

    /// Open the state of `data` for reading only: `None` when there is none yet. Never
    /// creates or changes the file (a reader such as the server's `/api/sources`).
    pub fn open_read(data: &Path) -> Result<Option<State>, CollectError> {
        use rusqlite::OpenFlags;
        let path = data.join(STATE_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let conn =
            Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let has_versions: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'item_versions'",
            [],
            |r| r.get(0),
        )?;
        Ok(Some(State { conn, path, select: if has_versions { SELECT } else { SELECT_BEFORE_VERSIONS } }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Add a source (due at once). An address already present is updated with the
    /// settings given and reported as not new.
    pub fn add(
        &self,
        url: &str,
        outlet: Option<&str>,
        lang: Option<&str>,
        title: Option<&str>,
        category: Option<&str>,
        every_secs: Option<i64>,
    ) -> Result<(Source, bool), CollectError> {
        let existed = self.find(url)?;
        if let Some(s) = existed {
            self.conn.execute(
                "UPDATE sources SET outlet = coalesce(?2, outlet), lang = coalesce(?3, lang), title = coalesce(?4, title),
                 category = coalesce(?5, category), every_secs = coalesce(?6, every_secs) WHERE id = ?1",
                params![s.id, outlet, lang, title, category, every_secs],
            )?;
            return Ok((self.get(s.id)?.expect("just updated"), false));
        }
        let now = now_secs();
        self.conn.execute(
            "INSERT INTO sources (url, outlet, lang, title, category, every_secs, added_at, next_fetch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![url, outlet, lang, title, category, every_secs, now],
        )?;
        let id = self.conn.last_insert_rowid();
        Ok((self.get(id)?.expect("just inserted"), true))
    }

    /// Add many sources in one transaction, synced to disk once, each as [`State::add`]
    /// (`sources import` of an OPML file of thousands of feeds: 10,000 feeds took 8.8 s
    /// with one sync each, 1.3–1.9 s this way, debug build; BENCHMARKS.md). All are kept
    /// or, on an error, none. How many were new.
    pub fn add_all(&self, sources: &[NewSource<'_>]) -> Result<usize, CollectError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut added = 0;
        for s in sources {
            let (_, new) = self.add(s.url, s.outlet, s.lang, s.title, s.category, s.every_secs)?;
            added += usize::from(new);
        }
        tx.commit()?;
        Ok(added)
    }

    /// A source by id.
    pub fn get(&self, id: i64) -> Result<Option<Source>, CollectError> {
        Ok(self.conn.query_row(&format!("{} WHERE id = ?1", self.select), [id], row).optional()?)
    }

    /// A source by its address (as stored), or by its id written as a number.
    pub fn find(&self, url_or_id: &str) -> Result<Option<Source>, CollectError> {
        if let Ok(id) = url_or_id.parse::<i64>() {
            return self.get(id);
        }
        Ok(self.conn.query_row(&format!("{} WHERE url = ?1", self.select), [url_or_id], row).optional()?)
    }

    /// Every source, in the order added.
    pub fn list(&self) -> Result<Vec<Source>, CollectError> {
        let mut st = self.conn.prepare(&format!("{} ORDER BY id", self.select))?;
        let rows = st.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sources due at `now` and not paused, soonest first.
    pub fn due(&self, now: i64) -> Result<Vec<Source>, CollectError> {
        let mut st = self
            .conn
            .prepare(&format!("{} WHERE paused = 0 AND next_fetch <= ?1 ORDER BY next_fetch, id", self.select))?;
        let rows = st.query_map([now], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Remove a source and its seen items. Whether it existed.
    pub fn remove(&self, id: i64) -> Result<bool, CollectError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM items WHERE source = ?1", [id])?;
        tx.execute("DELETE FROM item_alias WHERE vkey IN (SELECT key FROM item_versions WHERE source = ?1)", [id])?;
        tx.execute("DELETE FROM item_versions WHERE source = ?1", [id])?;
        let n = tx.execute("DELETE FROM sources WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(n > 0)
    }

    /// Pause or resume. A resumed source is due at once.
    pub fn set_paused(&self, id: i64, paused: bool) -> Result<bool, CollectError> {
        let n = if paused {
            self.conn.execute("UPDATE sources SET paused = 1 WHERE id = ?1", [id])?
        } else {
            self.conn.execute(
                "UPDATE sources SET paused = 0, next_fetch = min(next_fetch, ?2) WHERE id = ?1",
                params![id, now_secs()],
            )?
        };
        Ok(n > 0)
    }

    /// Whether any of `keys` was seen before (from any source).
    pub fn seen(&self, keys: &[String]) -> Result<bool, CollectError> {
        let mut st = self.conn.prepare_cached("SELECT 1 FROM items WHERE key = ?1")?;
        for k in keys {
            if st.exists([k])? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The latest recorded version of an item known by any of `keys`: the key its
    /// versions are kept under, the version number and the fingerprint. `None` for an
    /// item never seen, or seen before versions were recorded.
    pub fn latest_version(&self, keys: &[String]) -> Result<Option<(String, i64, String)>, CollectError> {
        let mut st = self.conn.prepare_cached(
            "SELECT v.key, v.version, v.fingerprint FROM item_alias a JOIN item_versions v ON v.key = a.vkey
             WHERE a.key = ?1 ORDER BY v.version DESC LIMIT 1",
        )?;
        for k in keys {
            if let Some(v) = st.query_row([k], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional()? {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// Every recorded version of the item whose page is at `url` (compared as canonical
    /// addresses, tracking parameters removed), oldest first; empty for a page the
    /// collector never saw.
    pub fn versions_of_page(&self, url: &str) -> Result<Vec<ItemVersion>, CollectError> {
        let Some(u) = crate::canon::canonical_url(url) else { return Ok(Vec::new()) };
        match self.latest_version(&[format!("url:{u}")])? {
            Some((key, _, _)) => self.versions(&key),
            None => Ok(Vec::new()),
        }
    }

    /// Every recorded version of the item kept under `key`, oldest first.
    pub fn versions(&self, key: &str) -> Result<Vec<ItemVersion>, CollectError> {
        let mut st = self.conn.prepare(
            "SELECT key, version, source, url, seen_at, page_status FROM item_versions WHERE key = ?1 ORDER BY version",
        )?;
        let rows = st.query_map([key], |r| {
            Ok(ItemVersion {
                key: r.get(0)?,
                version: r.get(1)?,
                source: r.get(2)?,
                url: r.get(3)?,
                seen_at: r.get(4)?,
                page_status: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Publication times of a source's most recent items (for the adaptive interval).
    pub fn recent_published(&self, source: i64, n: usize) -> Result<Vec<i64>, CollectError> {
        let mut st = self.conn.prepare(
            "SELECT DISTINCT published FROM items WHERE source = ?1 AND published IS NOT NULL ORDER BY published DESC LIMIT ?2",
        )?;
        let rows = st.query_map(params![source, n as i64], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Record a poll: its outcome and the items it saw, in one transaction (after the
    /// pages are durable in the archive, so a crash re-fetches rather than loses).
    pub fn record_poll(&self, id: i64, out: &PollOutcome, items: &[SeenItem]) -> Result<(), CollectError> {
        let tx = self.conn.unchecked_transaction()?;
        record_in(&tx, id, out, items)?;
        tx.commit()?;
        Ok(())
    }

    /// Record many polls (a whole pass) in one transaction: one sync to disk instead of
    /// one per source (measured: 10,000 single-source transactions took minutes on a
    /// busy disk).
    pub fn record_polls(&self, polls: &[(i64, PollOutcome, Vec<SeenItem>)]) -> Result<(), CollectError> {
        let tx = self.conn.unchecked_transaction()?;
        for (id, out, items) in polls {
            record_in(&tx, *id, out, items)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Make a source due now (a test's or the user's `collect --once --all`).
    pub fn make_due(&self, id: i64, at: i64) -> Result<(), CollectError> {
        self.conn.execute("UPDATE sources SET next_fetch = ?2 WHERE id = ?1", params![id, at])?;
        Ok(())
    }

    /// Pause a host until `until` (Unix seconds), saying why.
    pub fn pause_host(&self, host: &str, until: i64, reason: &str) -> Result<(), CollectError> {
        self.conn.execute(
            "INSERT INTO hosts (host, paused_until, reason) VALUES (?1, ?2, ?3)
             ON CONFLICT (host) DO UPDATE SET paused_until = max(paused_until, ?2), reason = ?3",
            params![host, until, reason],
        )?;
        Ok(())
    }

    /// Every host paused at `now`: (host, until, why).
    pub fn paused_hosts(&self, now: i64) -> Result<Vec<(String, i64, String)>, CollectError> {
        let mut st =
            self.conn.prepare("SELECT host, paused_until, coalesce(reason, '') FROM hosts WHERE paused_until > ?1")?;
        let rows = st.query_map([now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Until when a host is paused, and why, if it is at `now`.
    pub fn host_paused(&self, host: &str, now: i64) -> Result<Option<(i64, String)>, CollectError> {
        Ok(self
            .conn
            .query_row(
                "SELECT paused_until, coalesce(reason, '') FROM hosts WHERE host = ?1 AND paused_until > ?2",
                params![host, now],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

/// Longest feed address accepted.
pub const MAX_URL_BYTES: usize = 2048;

/// Whether `url` can be a source: an absolute http or https address with a host, at
/// most [`MAX_URL_BYTES`] long. The refusal says why, in a sentence.
pub fn check_url(url: &str) -> Result<(), String> {
    if url.len() > MAX_URL_BYTES {
        return Err(format!("the address is {} bytes long; at most {MAX_URL_BYTES} are taken", url.len()));
    }
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        Ok(u) => Err(format!("{url:?} is not an http(s) address (scheme {:?})", u.scheme())),
        Err(e) => Err(format!("{url:?} is not an http(s) address ({e})")),
    }
}

/// One poll's outcome and items, inside the caller's transaction.
fn record_in(tx: &Connection, id: i64, out: &PollOutcome, items: &[SeenItem]) -> Result<(), CollectError> {
    let mut added = 0i64;

    {
        let mut put = tx.prepare_cached(
                "INSERT OR IGNORE INTO items (key, source, url, first_seen, published, page_status) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
        let mut version = tx.prepare_cached(
            "INSERT OR IGNORE INTO item_versions (key, version, source, fingerprint, url, seen_at, page_status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        let mut alias = tx.prepare_cached("INSERT OR IGNORE INTO item_alias (key, vkey) VALUES (?1, ?2)")?;
        for it in items {
            let mut any = false;
            for k in &it.keys {
                any |= put.execute(params![k, id, it.url, out.fetched_at, it.published, it.page_status])? > 0;
            }
            let (key, n) = match &it.version {
                Some((k, n)) => (k.as_str(), *n),
                None => (it.keys.first().map_or("", String::as_str), 1),
            };
            if !key.is_empty() {
                version.execute(params![key, n, id, it.fingerprint, it.url, out.fetched_at, it.page_status])?;
                for k in &it.keys {
                    alias.execute(params![k, key])?;
                }
            }
            added += i64::from(any && it.version.is_none());
        }
    }
    if out.ok {
        tx.execute(
            "UPDATE sources SET last_fetch = ?2, last_status = ?3, last_ok = ?2, etag = ?4, last_modified = ?5,
                 items_seen = items_seen + ?6, new_items = ?7, next_fetch = ?8, interval_secs = ?9, error_streak = 0,
                 error = NULL, last_unconditional = CASE WHEN ?10 THEN ?2 ELSE last_unconditional END WHERE id = ?1",
            params![
                id,
                out.fetched_at,
                out.status,
                out.etag,
                out.last_modified,
                added,
                out.new_items,
                out.next_fetch,
                out.interval_secs,
                out.unconditional
            ],
        )?;
    } else {
        tx.execute(
            "UPDATE sources SET last_fetch = ?2, last_status = ?3, next_fetch = ?4, error_streak = error_streak + 1,
                 error = ?5 WHERE id = ?1",
            params![id, out.fetched_at, out.status, out.next_fetch, out.error],
        )?;
    }
    if let Some(to) = &out.moved_to {
        // Another source with that address already: keep both, say so.
        let clash: Option<i64> =
            tx.query_row("SELECT id FROM sources WHERE url = ?1", [to], |r| r.get(0)).optional()?;
        if clash.is_none() {
            tx.execute("UPDATE sources SET moved_from = url, url = ?2 WHERE id = ?1", params![id, to])?;
        }
    }
    Ok(())
}

const SELECT: &str = "SELECT id, url, outlet, lang, title, category, every_secs, paused, added_at, last_fetch, last_status,
    last_ok, last_unconditional, etag, last_modified, items_seen, new_items, next_fetch, interval_secs, error_streak, error,
    moved_from, (SELECT count(*) FROM item_versions v WHERE v.source = sources.id AND v.version > 1) FROM sources";

const SELECT_BEFORE_VERSIONS: &str = "SELECT id, url, outlet, lang, title, category, every_secs, paused, added_at, last_fetch, last_status,
    last_ok, last_unconditional, etag, last_modified, items_seen, new_items, next_fetch, interval_secs, error_streak, error,
    moved_from, 0 FROM sources";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Source> {
    Ok(Source {
        id: r.get(0)?,
        url: r.get(1)?,
        outlet: r.get(2)?,
        lang: r.get(3)?,
        title: r.get(4)?,
        category: r.get(5)?,
        every_secs: r.get(6)?,
        paused: r.get::<_, i64>(7)? != 0,
        added_at: r.get(8)?,
        last_fetch: r.get(9)?,
        last_status: r.get(10)?,
        last_ok: r.get(11)?,
        last_unconditional: r.get(12)?,
        etag: r.get(13)?,
        last_modified: r.get(14)?,
        items_seen: r.get(15)?,
        new_items: r.get(16)?,
        next_fetch: r.get(17)?,
        interval_secs: r.get(18)?,
        error_streak: r.get(19)?,
        error: r.get(20)?,
        moved_from: r.get(21)?,
        versions: r.get(22)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_added_together_are_all_kept_or_none() {
        let dir = tempfile::tempdir().unwrap();
        let st = State::open(dir.path()).unwrap();
        st.add("https://a.example/rss", None, None, None, None, None).unwrap();
        let urls: Vec<String> = (0..500).map(|i| format!("https://s{i}.example/rss")).collect();
        let mut batch: Vec<NewSource<'_>> =
            urls.iter().map(|u| NewSource { url: u, lang: Some("en"), ..Default::default() }).collect();
        batch.push(NewSource { url: "https://a.example/rss", title: Some("A"), ..Default::default() });
        assert_eq!(st.add_all(&batch).unwrap(), 500, "the one already there is not new");
        let list = State::open(dir.path()).unwrap().list().unwrap();
        assert_eq!(list.len(), 501);
        assert_eq!(list[0].title.as_deref(), Some("A"), "an existing source takes the settings given");
        assert_eq!(list[500].url, "https://s499.example/rss");
        // A batch that fails part-way (its third source refused by a trigger) leaves
        // nothing of itself behind.
        st.conn
            .execute_batch(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON sources WHEN NEW.url = 'https://bad.example/rss'
                 BEGIN SELECT RAISE(ABORT, 'refused'); END;",
            )
            .unwrap();
        let more = ["https://c1.example/rss", "https://c2.example/rss", "https://bad.example/rss"]
            .map(|url| NewSource { url, ..Default::default() });
        assert!(st.add_all(&more).is_err());
        assert_eq!(st.list().unwrap().len(), 501);
        assert_eq!(st.add_all(&more[..2]).unwrap(), 2);
    }

    #[test]
    fn add_list_pause_remove_and_items_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let st = State::open(dir.path()).unwrap();
        let (a, new) = st.add("https://a.example/rss", Some("A"), Some("en"), None, None, Some(900)).unwrap();
        assert!(new);
        let (a2, new) = st.add("https://a.example/rss", None, None, Some("A feed"), None, None).unwrap();
        assert!(!new);
        assert_eq!((a2.id, a2.outlet.as_deref(), a2.title.as_deref()), (a.id, Some("A"), Some("A feed")));
        let (b, _) = st.add("https://b.example/rss", None, None, None, None, None).unwrap();
        assert_eq!(st.due(i64::MAX).unwrap().len(), 2);
        st.set_paused(b.id, true).unwrap();
        assert_eq!(st.due(i64::MAX).unwrap().len(), 1);
        let out = PollOutcome {
            fetched_at: 10,
            status: Some(200),
            ok: true,
            next_fetch: 1000,
            new_items: 1,
            ..Default::default()
        };
        let item = SeenItem {
            keys: vec!["guid:1".into(), "url:https://a.example/1".into()],
            url: None,
            published: Some(5),
            page_status: "200".into(),
            fingerprint: "f1".into(),
            version: None,
        };
        st.record_poll(a.id, &out, &[item]).unwrap();
        drop(st);
        let st = State::open(dir.path()).unwrap();
        assert!(st.seen(&["url:https://a.example/1".into()]).unwrap());
        // Known by its address though its GUID changed.
        let keys = vec!["guid:x".to_string(), "url:https://a.example/1".to_string()];
        assert_eq!(st.latest_version(&keys).unwrap(), Some(("guid:1".into(), 1, "f1".into())));
        let again = SeenItem {
            keys: vec!["url:https://a.example/1".into()],
            url: Some("https://a.example/1".into()),
            published: Some(5),
            page_status: "200".into(),
            fingerprint: "f2".into(),
            version: Some(("guid:1".into(), 2)),
        };
        st.record_poll(a.id, &PollOutcome { fetched_at: 20, ..out.clone() }, &[again]).unwrap();
        let v = st.versions("guid:1").unwrap();
        assert_eq!(v.iter().map(|v| (v.version, v.seen_at)).collect::<Vec<_>>(), vec![(1, 10), (2, 20)]);
        assert_eq!(st.latest_version(&keys).unwrap().map(|v| v.2), Some("f2".into()));
        assert_eq!(st.get(a.id).unwrap().unwrap().versions, 1);
        // `show` finds them from the page's address, tracking parameters or not.
        let page = st.versions_of_page("https://a.example/1?utm_source=rss").unwrap();
        assert_eq!(page.iter().map(|v| v.version).collect::<Vec<_>>(), vec![1, 2]);
        assert!(st.versions_of_page("https://a.example/2").unwrap().is_empty());
        assert!(st.versions_of_page("not an address").unwrap().is_empty());
        assert!(!st.seen(&["guid:2".into()]).unwrap());
        let a = st.get(a.id).unwrap().unwrap();
        assert_eq!((a.items_seen, a.next_fetch, a.last_status), (1, 1000, Some(200)));
        assert!(st.get(b.id).unwrap().unwrap().paused);
        assert!(st.remove(a.id).unwrap());
        assert!(!st.seen(&["guid:1".into()]).unwrap());
        assert_eq!(st.list().unwrap().len(), 1);
    }

    #[test]
    fn open_read_never_creates_or_changes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(State::open_read(dir.path()).unwrap().is_none());
        assert!(!dir.path().join(STATE_FILE).exists());
        let st = State::open(dir.path()).unwrap();
        st.add("https://a.example/rss", Some("A"), None, None, None, None).unwrap();
        drop(st);
        let file = dir.path().join(STATE_FILE);
        let before = (std::fs::read(&file).unwrap(), std::fs::metadata(&file).unwrap().modified().unwrap());
        let ro = State::open_read(dir.path()).unwrap().unwrap();
        assert_eq!(ro.list().unwrap().len(), 1);
        assert!(ro.add("https://b.example/rss", None, None, None, None, None).is_err());
        drop(ro);
        let after = (std::fs::read(&file).unwrap(), std::fs::metadata(&file).unwrap().modified().unwrap());
        assert_eq!(before, after);
    }

    #[test]
    fn a_file_from_before_versions_reads_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let st = State::open(dir.path()).unwrap();
        st.add("https://a.example/rss", None, None, None, None, None).unwrap();
        st.conn.execute_batch("DROP TABLE item_versions; DROP TABLE item_alias;").unwrap();
        drop(st);
        let ro = State::open_read(dir.path()).unwrap().unwrap();
        assert_eq!(ro.list().unwrap()[0].versions, 0);
    }

    #[test]
    fn only_http_addresses_are_sources() {
        for ok in ["https://a.example/rss", "http://127.0.0.1:8080/feed.xml"] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in ["", "feed.xml", "file:///etc/passwd", "javascript:alert(1)", "ftp://a.example/x", "https://"] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url(&format!("https://a.example/{}", "x".repeat(MAX_URL_BYTES))).is_err());
    }
}
