//! Shared server state: the data directory, a long-lived reader, the write token, the
//! API's writer while ingests keep coming.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use newsdex_engine::Engine;

use crate::conn::{ConnectionStats, Limits};
use crate::error::ApiError;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub root: PathBuf,
    /// `None` on a collection's root, which has [`AppState::fanout`] instead.
    reader: Option<RwLock<Arc<Engine>>>,
    /// On a collection's root (`serve --shard-servers`): the collection and its shard
    /// servers, which every search goes through.
    pub fanout: Option<Arc<crate::root::Fanout>>,
    /// `None`: writing through the API is off.
    pub token: Option<String>,
    /// One API write (and one ingest body in memory) at a time in this process; the
    /// writer's own lock keeps an abandoned request's ingest from overlapping the next.
    pub write_gate: tokio::sync::Mutex<()>,
    /// Whether the archive holds Wikinews articles (their licence asks for credit on
    /// every page).
    wikinews: std::sync::atomic::AtomicBool,
    /// Whether the archive holds Wikipedia "In the news" items (CC BY-SA 3.0 credit).
    itn: std::sync::atomic::AtomicBool,
    /// Connections and time.
    pub limits: Limits,
    /// What the connections are doing.
    pub connections: Arc<ConnectionStats>,
    writer: SharedWriter,
}

/// Where documents are read (move it to the blocking pool).
#[derive(Debug, Clone)]
pub enum Documents {
    Archive(Arc<Engine>),
    /// A root's collection as it was when asked (so an id and its document are read
    /// from one opening of it).
    Collection(Arc<newsdex_collection::Collection>),
}

impl Documents {
    /// The document `prefix` names (blocking). None: 404; several: 409 `ambiguous_id`.
    pub fn find_id(&self, prefix: &newsdex_core::IdPrefix) -> Result<newsdex_core::DocId, ApiError> {
        match self {
            Documents::Archive(e) => crate::api::find_id(e, prefix),
            Documents::Collection(c) => crate::api::id_of(c.find_id(prefix)?, prefix),
        }
    }

    /// The engine holding `id` (blocking: the shard's, in a collection, which one of a
    /// time-partitioned collection looks up; the first shard if none holds it).
    pub fn engine_of(&self, id: newsdex_core::DocId) -> Result<&Engine, ApiError> {
        match self {
            Documents::Archive(e) => Ok(e),
            Documents::Collection(c) => Ok(&c.shards()[c.shard_holding(id)?.unwrap_or(0) as usize]),
        }
    }

    /// The story `id` belongs to (blocking): one archive's, or one read from a
    /// collection's shards with its linked stories.
    pub fn story(&self, id: newsdex_core::DocId) -> Result<Option<newsdex_engine::StoryView>, ApiError> {
        match self {
            Documents::Archive(e) => Ok(e.story(id)?),
            Documents::Collection(c) => Ok(c.story(id)?),
        }
    }

    /// Every match of an export (blocking): as of a snapshot in one archive, of what the
    /// shards hold now in a collection.
    pub fn export_plan(
        &self,
        query: &str,
        opts: &newsdex_engine::SearchOptions,
    ) -> Result<newsdex_engine::export::ExportPlan, ApiError> {
        match self {
            Documents::Archive(e) => Ok(e.export_plan(query, opts)?),
            Documents::Collection(c) => Ok(c.export_plan(query, opts)?),
        }
    }

    /// Whether this is a collection's (no single snapshot).
    pub fn is_collection(&self) -> bool {
        matches!(self, Documents::Collection(_))
    }

    /// The story `id` belongs to and its size (blocking).
    pub fn story_size(&self, id: newsdex_core::DocId) -> Result<Option<(newsdex_core::DocId, usize)>, ApiError> {
        match self {
            Documents::Archive(e) => Ok(e.story_size(id)?),
            Documents::Collection(c) => Ok(c.story_size(id)?),
        }
    }
}

impl newsdex_engine::export::ExportSource for Documents {
    fn export_each(
        &self,
        plan: &newsdex_engine::export::ExportPlan,
        one_per_story: bool,
        each: &mut dyn FnMut(&newsdex_engine::export::ExportDoc) -> std::io::Result<()>,
    ) -> newsdex_engine::Result<u64> {
        match self {
            Documents::Archive(e) => e.export_each(plan, one_per_story, each),
            Documents::Collection(c) => c.export_each(plan, one_per_story, each),
        }
    }

    fn export_encoded(
        &self,
        plan: &newsdex_engine::export::ExportPlan,
        one_per_story: bool,
        encode: &newsdex_engine::export::Encode<'_>,
        write: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
    ) -> newsdex_engine::Result<u64> {
        match self {
            Documents::Archive(e) => e.export_encoded(plan, one_per_story, encode, write),
            Documents::Collection(c) => c.export_encoded(plan, one_per_story, encode, write),
        }
    }
}

/// The API's writer. A new writer's first ingest rebuilds the story grouper from the
/// store (a one-document ingest into a 35.7k-document archive, release build: 0.58 s on a
/// new writer, 0.43 s on a kept one), so it is kept open while ingests keep coming, and
/// dropped [`Limits::writer_idle`] after the last one, releasing the data directory's
/// lock for `newsdex ingest` in another process.
#[derive(Debug, Default)]
struct SharedWriter {
    engine: Mutex<Option<Engine>>,
    /// Uses so far; a release scheduled after one does nothing if another came since.
    uses: AtomicU64,
    /// Times a writer was opened.
    opened: AtomicU64,
}

impl AppState {
    pub fn new(root: PathBuf, reader: Engine, token: Option<String>, limits: Limits) -> AppState {
        Self::with(root, Some(reader), None, token, limits)
    }

    /// The state of a collection's root: searches go through `fanout`; writing is off.
    pub fn collection_root(root: PathBuf, fanout: crate::root::Fanout, limits: Limits) -> AppState {
        Self::with(root, None, Some(Arc::new(fanout)), None, limits)
    }

    fn with(
        root: PathBuf,
        reader: Option<Engine>,
        fanout: Option<Arc<crate::root::Fanout>>,
        token: Option<String>,
        limits: Limits,
    ) -> AppState {
        let st = AppState {
            root,
            reader: reader.map(|r| RwLock::new(Arc::new(r))),
            fanout,
            token,
            write_gate: tokio::sync::Mutex::new(()),
            wikinews: Default::default(),
            itn: Default::default(),
            limits,
            connections: Default::default(),
            writer: Default::default(),
        };
        st.refresh_credits();
        st
    }

    /// Recompute what the footer must credit (after writes).
    pub fn refresh_credits(&self) {
        let outlets_of = |e: &Engine| -> Vec<String> {
            e.stats(0).map(|s| s.store.by_outlet.into_iter().map(|(o, _)| o).collect()).unwrap_or_default()
        };
        let outlets: Vec<String> = match (&self.reader, &self.fanout) {
            (Some(r), _) => outlets_of(&r.read().unwrap_or_else(|p| p.into_inner()).clone()),
            (None, Some(f)) => f.collection().shards().iter().flat_map(outlets_of).collect(),
            (None, None) => Vec::new(),
        };
        let has = outlets.iter().any(|o| o.starts_with("Wikinews"));
        self.wikinews.store(has, std::sync::atomic::Ordering::Relaxed);
        let itn = outlets.iter().any(|o| o.starts_with("Wikipedia (") && o.ends_with("In the news"));
        self.itn.store(itn, std::sync::atomic::Ordering::Relaxed);
    }

    /// The archive's (or collection's) languages and document count, for the search form.
    pub fn corpus_facts(&self) -> (Vec<String>, u64) {
        if let Some(f) = &self.fanout {
            let c = f.collection();
            let mut langs: Vec<String> = c.shards().iter().flat_map(|e| e.languages().unwrap_or_default()).collect();
            langs.sort();
            langs.dedup();
            return (langs, c.num_docs());
        }
        match self.engine() {
            Ok(e) => (e.languages().unwrap_or_default(), e.num_docs()),
            Err(_) => (Vec::new(), 0),
        }
    }

    /// A search: over the archive, or through the collection's shard servers.
    pub async fn search(
        &self,
        query: &str,
        opts: &newsdex_engine::SearchOptions,
    ) -> Result<newsdex_engine::SearchResults, ApiError> {
        if let Some(f) = &self.fanout {
            return f.search(query, opts).await;
        }
        let engine = self.engine()?;
        let (q, o) = (query.to_string(), opts.clone());
        tokio::task::spawn_blocking(move || Ok(engine.search(&q, &o)?)).await?
    }

    /// Where documents are read: the archive, or the collection's shards.
    pub fn documents(&self) -> Result<Documents, ApiError> {
        match &self.fanout {
            Some(f) => Ok(Documents::Collection(f.collection())),
            None => Ok(Documents::Archive(self.engine()?)),
        }
    }

    pub fn itn(&self) -> bool {
        self.itn.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn wikinews(&self) -> bool {
        self.wikinews.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The reader, reopened first if a reindex switched the data directory to a new
    /// generation since it was opened.
    /// On a collection's root there is none: 501 `not_on_collection`.
    pub fn engine(&self) -> Result<Arc<Engine>, ApiError> {
        let Some(reader) = &self.reader else {
            return Err(ApiError::not_on_collection("this request"));
        };
        let current = reader.read().unwrap_or_else(|p| p.into_inner()).clone();
        if !current.is_stale() {
            return Ok(current);
        }
        let fresh = Arc::new(Engine::open_read(&self.root).map_err(ApiError::from)?);
        *reader.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        tracing::info!("reopened the data directory after a reindex");
        Ok(fresh)
    }

    /// Run `f` with the writer, opened first if none is; blocking (call it on the
    /// blocking pool, inside the runtime `rt`, where the release is scheduled). A writer
    /// whose use failed or panicked is dropped, so the next use opens (and recovers) anew.
    pub fn write<T>(
        self: &Arc<Self>,
        rt: &tokio::runtime::Handle,
        f: impl FnOnce(&mut Engine) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let (result, use_no) = {
            let mut slot = self.writer.engine.lock().unwrap_or_else(|poisoned| {
                self.writer.engine.clear_poison();
                let mut slot = poisoned.into_inner();
                *slot = None;
                slot
            });
            let result = match slot.as_mut() {
                Some(w) => f(w),
                None => match Engine::open_write(&self.root) {
                    Ok(w) => {
                        self.writer.opened.fetch_add(1, Ordering::SeqCst);
                        tracing::info!("opened the writer");
                        f(slot.insert(w))
                    }
                    Err(e) => Err(e.into()),
                },
            };
            if result.is_err() {
                *slot = None;
            }
            (result, self.writer.uses.fetch_add(1, Ordering::SeqCst) + 1)
        };
        let st = self.clone();
        rt.spawn(async move {
            tokio::time::sleep(st.limits.writer_idle).await;
            let _ = tokio::task::spawn_blocking(move || st.release_writer_after(use_no)).await;
        });
        result
    }

    /// Drop the writer if use `use_no` was the last; blocking.
    fn release_writer_after(&self, use_no: u64) {
        let mut slot = self.writer.engine.lock().unwrap_or_else(|p| p.into_inner());
        if self.writer.uses.load(Ordering::SeqCst) == use_no && slot.take().is_some() {
            tracing::info!(
                "released the writer after {} s without an ingest; the data directory is free for other writers",
                self.limits.writer_idle.as_secs_f64()
            );
        }
    }

    /// Drop the writer now (at shutdown); blocking.
    pub fn release_writer(&self) {
        self.writer.engine.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    /// Whether the writer is open (and the data directory locked by this server).
    pub fn writer_open(&self) -> bool {
        self.writer.engine.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// How many times a writer was opened.
    pub fn writers_opened(&self) -> u64 {
        self.writer.opened.load(Ordering::SeqCst)
    }

    /// Whether `header` (the `Authorization` value) carries the configured token.
    pub fn authorize(&self, header: Option<&str>) -> Result<(), ApiError> {
        use axum::http::StatusCode;
        let Some(token) = &self.token else {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "writes_disabled",
                "this server was started without a write token (--token or NEWSDEX_TOKEN), so writing is off",
            ));
        };
        let given = header.and_then(bearer_credentials);
        match given {
            Some(g) if constant_time_eq(g.as_bytes(), token.as_bytes()) => Ok(()),
            Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "wrong token")),
            None => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "writing needs the header `Authorization: Bearer <token>`",
            )),
        }
    }
}

/// The token of an `Authorization: Bearer <token>` value. The scheme is matched without
/// regard to case (RFC 7235: `bearer x` is as valid as `Bearer x`).
fn bearer_credentials(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// Compare without an early exit, so response time does not tell how much of a guessed
/// token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::{bearer_credentials, constant_time_eq};

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret2"));
        assert!(!constant_time_eq(b"", b"x"));
    }

    #[test]
    fn regression_bearer_scheme_is_matched_without_regard_to_case() {
        for h in ["Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR   s3cret ", " Bearer s3cret"] {
            assert_eq!(bearer_credentials(h), Some("s3cret"), "{h:?}");
        }
        for h in ["Basic czNjcmV0", "Bearers3cret", "Bearer", "Token s3cret"] {
            assert_eq!(bearer_credentials(h), None, "{h:?}");
        }
    }
}
