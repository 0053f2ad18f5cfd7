//! Watches over HTTP: `/api/watches` (list; add and remove with the write token),
//! `/api/watches/{name}/matches?since=` (entries changed after a revision, oldest first,
//! for polling clients) and `/watches/{name}.atom` (the watch as an Atom 1.0 feed). The
//! state is `newsdex-watch`'s `watches.sqlite`, read without creating it; the watches
//! run after each `POST /api/ingest` (see [`crate::api::ingest`]) and after `ingest`.
//! The wire types live here rather than in `wire`, beside the only handlers using them.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsdex_watch::{Entry, NewWatch, Watch, WatchError, WatchStore};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use askama::Template;

use crate::api::blocking;
use crate::error::{ApiError, ErrorEnvelope};
use crate::params::{encode, json_body, pairs, refuse_unknown, unknown};
use crate::state::AppState;
use crate::web::{Form, page, render};

/// Longest wait for a webhook's answer.
const WEBHOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Sent with webhook posts.
const USER_AGENT: &str = concat!("newsdex/", env!("CARGO_PKG_VERSION"), " (watch webhook)");

/// Largest `POST /api/watches` body.
pub const MAX_ADD_BYTES: usize = 16 << 10;
/// Entries in an Atom feed.
const FEED_ENTRIES: usize = 100;
/// Most entries a `matches` page gives.
const MAX_PAGE: usize = 1000;

/// A watch and how it is doing.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchView {
    pub name: String,
    pub query: String,
    pub langs: Vec<String>,
    pub outlets: Vec<String>,
    /// Every matching article is an entry (otherwise one entry per story).
    pub every_copy: bool,
    pub created: String,
    /// Entries in all, and made or changed since midnight UTC.
    pub entries: u64,
    pub entries_today: u64,
    pub last_match: Option<String>,
    pub last_run: Option<String>,
    /// Why the last run failed, if it did.
    pub last_error: Option<String>,
    /// Its Atom feed.
    pub feed: String,
    /// `hourly` or `daily` when delivered as digests.
    pub digest: Option<String>,
    /// Where changes are posted (the secret is never shown).
    pub webhook: Option<String>,
    /// Revisions up to this one were delivered to the webhook.
    pub delivered_rev: u64,
    /// Failed posts in a row, the last attempt, why it failed and the next try (Unix
    /// seconds).
    pub delivery_failures: u64,
    pub last_delivery: Option<String>,
    pub last_delivery_error: Option<String>,
    pub next_delivery: Option<i64>,
}

impl From<&Watch> for WatchView {
    fn from(w: &Watch) -> WatchView {
        WatchView {
            name: w.name.clone(),
            query: w.query.clone(),
            langs: w.langs.clone(),
            outlets: w.outlets.clone(),
            every_copy: w.every_copy,
            created: w.created.clone(),
            entries: w.entries,
            entries_today: w.entries_today,
            last_match: w.last_match.clone(),
            last_run: w.last_run.clone(),
            last_error: w.last_error.clone(),
            feed: format!("/watches/{}.atom", w.name),
            digest: w.digest.map(|d| d.as_str().to_string()),
            webhook: w.webhook.clone(),
            delivered_rev: w.delivered_rev,
            delivery_failures: w.delivery_failures,
            last_delivery: w.last_delivery.clone(),
            last_delivery_error: w.last_delivery_error.clone(),
            next_delivery: w.next_delivery,
        }
    }
}

/// `POST /api/watches`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddWatch {
    /// 1–64 letters, digits, `-`, `_` or `.` (not first).
    pub name: String,
    /// A query in newsdex's query language.
    pub query: String,
    #[serde(default)]
    pub langs: Vec<String>,
    #[serde(default)]
    pub outlets: Vec<String>,
    #[serde(default)]
    pub every_copy: bool,
    /// `hourly` or `daily`: delivered once per period (one webhook post, one Atom entry)
    /// instead of per change.
    #[serde(default)]
    pub digest: Option<String>,
    /// An http(s) address to post each change to (JSON), signed with `secret`.
    #[serde(default)]
    pub webhook: Option<String>,
    /// The webhook's signing secret (never shown again).
    #[serde(default)]
    pub secret: Option<String>,
}

/// One entry: a story the watch reported (or an article, with `every_copy`).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryView {
    /// Revision of its last change: pass the largest seen as `since`.
    pub rev: u64,
    pub entry: u64,
    /// The first matching article's id.
    pub doc: String,
    pub title: String,
    pub url: Option<String>,
    pub outlet: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
    /// Other spellings of the query's words this article matched.
    pub matched: Vec<String>,
    pub found_at: String,
    pub updated_at: String,
    /// Matching articles of the story recorded (the first included) and their outlets.
    pub copies: u64,
    pub outlets: u64,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> EntryView {
        EntryView {
            rev: e.rev,
            entry: e.entry,
            doc: e.doc,
            title: e.title,
            url: e.url,
            outlet: e.outlet,
            published: e.published,
            lang: e.lang,
            matched: e.matched,
            found_at: e.found_at,
            updated_at: e.updated_at,
            copies: e.copies,
            outlets: e.outlets,
        }
    }
}

/// `GET /api/watches/{name}/matches`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchesResponse {
    pub watch: WatchView,
    /// Entries changed after `since`, oldest change first.
    pub entries: Vec<EntryView>,
    /// The `since` to ask with next (the last entry's revision, or `since` itself).
    pub next_since: u64,
}

fn watch_error(e: WatchError) -> ApiError {
    match e {
        WatchError::Invalid(m) => ApiError::bad_request(m),
        WatchError::NotFound(n) => ApiError::not_found(format!("no watch named {n:?} (see GET /api/watches)")),
        WatchError::Exists(n) => ApiError::new(StatusCode::CONFLICT, "exists", format!("a watch named {n:?} exists")),
        e => ApiError::internal(e),
    }
}

/// The store if there is one; a name is looked up only when it could name a watch.
fn existing(root: &std::path::Path, name: &str) -> Result<WatchStore, ApiError> {
    newsdex_watch::check_name(name).map_err(|_| watch_error(WatchError::NotFound(name.to_string())))?;
    WatchStore::open_existing(root)
        .map_err(watch_error)?
        .ok_or_else(|| watch_error(WatchError::NotFound(name.to_string())))
}

/// Make a watch that reads what arrives from now on. Everything is checked before the
/// watches file is made, so a refused watch leaves nothing behind.
async fn add_watch(st: &Arc<AppState>, new: NewWatch) -> Result<Watch, ApiError> {
    let engine = st.engine()?;
    let root = st.root.clone();
    blocking(move || {
        newsdex_watch::check_name(&new.name).map_err(watch_error)?;
        newsdex_watch::check_query(&new.query).map_err(watch_error)?;
        newsdex_watch::deliver::check_webhook(new.webhook.as_deref(), new.secret.as_deref()).map_err(watch_error)?;
        let (batch, generation) = (engine.last_batch()?, engine.generation());
        WatchStore::open(&root).and_then(|mut s| s.add(&new, batch, generation)).map_err(watch_error)
    })
    .await
}

/// Every watch.
#[utoipa::path(
    get,
    path = "/api/watches",
    responses(
        (status = 200, description = "Every watch, by name", body = Vec<WatchView>),
        (status = 400, description = "A query parameter (this endpoint takes none)", body = ErrorEnvelope),
    )
)]
pub async fn list(
    State(st): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<WatchView>>, ApiError> {
    refuse_unknown("/api/watches", query.as_deref(), &[])?;
    let root = st.root.clone();
    let list = blocking(move || match WatchStore::open_existing(&root).map_err(watch_error)? {
        Some(s) => s.list().map_err(watch_error),
        None => Ok(Vec::new()),
    })
    .await?;
    Ok(Json(list.iter().map(WatchView::from).collect()))
}

/// Save a search: from now on every ingest reports the new stories it finds. Needs
/// `Authorization: Bearer <token>`.
#[utoipa::path(
    post,
    path = "/api/watches",
    request_body(content = AddWatch, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = WatchView),
        (status = 400, description = "A bad name, query (with the caret error) or language, an unknown field, or a query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or wrong token", body = ErrorEnvelope),
        (status = 403, description = "Writing is off on this server", body = ErrorEnvelope),
        (status = 409, description = "A watch of that name exists", body = ErrorEnvelope),
        (status = 413, description = "Body over 16 KiB", body = ErrorEnvelope),
    )
)]
pub async fn add(
    State(st): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    st.authorize(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()))?;
    refuse_unknown("/api/watches", query.as_deref(), &[])?;
    let req: AddWatch = json_body(
        body,
        MAX_ADD_BYTES,
        "{\"name\", \"query\", \"langs\"?, \"outlets\"?, \"every_copy\"?, \"digest\"?, \"webhook\"?, \"secret\"?}",
    )
    .await?;
    let mut langs = Vec::new();
    for l in &req.langs {
        langs.push(
            newsdex_core::normalize_lang(l)
                .ok_or_else(|| ApiError::bad_request(format!("langs: {l:?} is not a language code")))?,
        );
    }
    let digest = match req.digest.as_deref() {
        None => None,
        Some(d) => Some(
            newsdex_watch::Digest::parse(d)
                .ok_or_else(|| ApiError::bad_request(format!("digest {d:?}: hourly or daily")))?,
        ),
    };
    let new = NewWatch {
        name: req.name,
        query: req.query,
        langs,
        outlets: req.outlets,
        every_copy: req.every_copy,
        digest,
        webhook: req.webhook,
        secret: req.secret,
    };
    let w = add_watch(&st, new).await?;
    Ok((StatusCode::CREATED, Json(WatchView::from(&w))).into_response())
}

/// Forget a watch and its entries. Needs `Authorization: Bearer <token>`.
#[utoipa::path(
    delete,
    path = "/api/watches/{name}",
    params(("name" = String, Path, description = "The watch's name")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed: the watch as it was", body = WatchView),
        (status = 400, description = "A query parameter (this endpoint takes none)", body = ErrorEnvelope),
        (status = 401, description = "No or wrong token", body = ErrorEnvelope),
        (status = 403, description = "Writing is off on this server", body = ErrorEnvelope),
        (status = 404, description = "No such watch", body = ErrorEnvelope),
    )
)]
pub async fn remove(
    State(st): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<WatchView>, ApiError> {
    st.authorize(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()))?;
    refuse_unknown("/api/watches/{name}", query.as_deref(), &[])?;
    let root = st.root.clone();
    let w = blocking(move || {
        let mut s = existing(&root, &name)?;
        let w = s.get(&name).map_err(watch_error)?;
        s.remove(&name).map_err(watch_error)?;
        Ok(w)
    })
    .await?;
    Ok(Json(WatchView::from(&w)))
}

/// A watch's entries changed after revision `since` (0: from the start), oldest change
/// first: poll with the `next_since` of the last answer to miss nothing and see nothing
/// twice.
#[utoipa::path(
    get,
    path = "/api/watches/{name}/matches",
    params(
        ("name" = String, Path, description = "The watch's name"),
        ("since" = Option<u64>, Query, description = "Only entries changed after this revision (default 0)"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 1000, description = "Most entries (default 100)"),
    ),
    responses(
        (status = 200, description = "The entries", body = MatchesResponse),
        (status = 400, description = "A bad or unknown parameter", body = ErrorEnvelope),
        (status = 404, description = "No such watch", body = ErrorEnvelope),
    )
)]
pub async fn matches(
    State(st): State<Arc<AppState>>,
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<MatchesResponse>, ApiError> {
    refuse_unknown("/api/watches/{name}/matches", query.as_deref(), &["since", "limit"])?;
    let (mut since, mut limit) = (0u64, 100usize);
    for (k, v) in pairs(query.as_deref()) {
        match k.as_str() {
            "since" => {
                since = v.parse().map_err(|_| ApiError::bad_request(format!("since {v:?}: a revision number")))?
            }
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| ApiError::bad_request(format!("limit {v:?}: a number from 1 to {MAX_PAGE}")))?
            }
            _ => {}
        }
    }
    let root = st.root.clone();
    let engine = st.engine()?;
    let (w, entries) = blocking(move || {
        let s = existing(&root, &name)?;
        let w = s.get(&name).map_err(watch_error)?;
        let mut entries = s.entries_since(&name, since, limit).map_err(watch_error)?;
        newsdex_watch::fill_entries(&engine, &w, &mut entries).map_err(watch_error)?;
        Ok((w, entries))
    })
    .await?;
    let next_since = entries.last().map_or(since, |e| e.rev);
    Ok(Json(MatchesResponse {
        watch: WatchView::from(&w),
        entries: entries.into_iter().map(EntryView::from).collect(),
        next_since,
    }))
}

/// `GET /watches/{name}.atom`: the watch's latest entries as Atom 1.0.
pub async fn feed(
    State(st): State<Arc<AppState>>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    refuse_unknown("/watches/{name}.atom", query.as_deref(), &[])?;
    let name = file
        .strip_suffix(".atom")
        .ok_or_else(|| ApiError::not_found("a watch's feed is /watches/NAME.atom"))?
        .to_string();
    // Links in the feed point back at this server as the client reached it.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)))
        .unwrap_or("127.0.0.1:7700")
        .to_string();
    let root = st.root.clone();
    let engine = st.engine()?;
    let xml = blocking(move || {
        let s = existing(&root, &name)?;
        let w = s.get(&name).map_err(watch_error)?;
        let mut entries = s.recent(&name, FEED_ENTRIES).map_err(watch_error)?;
        newsdex_watch::fill_entries(&engine, &w, &mut entries).map_err(watch_error)?;
        let base = format!("http://{host}");
        Ok(newsdex_watch::atom::render(&w, &entries, &newsdex_watch::atom::Links { base: &base }))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
}

/// What the watches found after an ingest through the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct WatchRun {
    /// Watches that read new batches.
    pub watches_run: usize,
    /// Stories new to a watch.
    pub new_entries: usize,
    /// Copies recorded under stories a watch had reported.
    pub copies_added: usize,
    /// Watches whose run or webhook post failed, with the reason (they try again after the
    /// next ingest; a webhook after its backoff).
    pub failed: Vec<String>,
}

/// Run the watches after a commit by `engine`; `None` without watches. A failure is
/// logged and reported, never undoes the ingest.
pub fn run_after_commit(engine: &newsdex_engine::Engine) -> Option<WatchRun> {
    let mut store = match WatchStore::open_existing(engine.root()) {
        Ok(Some(s)) => s,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!("watches not run: {e}");
            return Some(WatchRun { watches_run: 0, new_entries: 0, copies_added: 0, failed: vec![e.to_string()] });
        }
    };
    match newsdex_watch::run(engine, &mut store) {
        Ok(r) => {
            let mut failed: Vec<String> = r.failed.into_iter().map(|(n, why)| format!("{n}: {why}")).collect();
            // Webhooks: bounded posts through newsdex-collect; a failure is logged in the
            // watch's status and retried later, never fails the ingest.
            let now = chrono::Utc::now().timestamp();
            match newsdex_watch::deliver::deliver(engine, &mut store, now, |url, body, headers| {
                newsdex_collect::post::post_json(url, body, headers, WEBHOOK_TIMEOUT, USER_AGENT)
            }) {
                Ok(d) => failed.extend(d.failed.into_iter().map(|f| format!("webhook of {f}"))),
                Err(e) => failed.push(format!("webhooks not posted: {e}")),
            }
            Some(WatchRun {
                watches_run: r.watches_run,
                new_entries: r.new_entries,
                copies_added: r.copies_added,
                failed,
            })
        }
        Err(e) => {
            tracing::warn!("watches not run: {e}");
            Some(WatchRun { watches_run: 0, new_entries: 0, copies_added: 0, failed: vec![e.to_string()] })
        }
    }
}

/// Entries shown per watch on the page.
const PAGE_ENTRIES: usize = 10;
/// The cookie holding the newest revision a browser has seen (not a secret: which
/// entries to mark "new").
const SEEN_COOKIE: &str = "newsdex_seen";

#[derive(Template, Debug)]
#[template(path = "watches.html")]
pub struct WatchesPage {
    pub form: Form,
    pub add: Option<AddForm>,
    pub add_error: Option<String>,
    pub watches: Vec<WatchBlock>,
    pub new_total: usize,
}

#[derive(Debug, Default)]
pub struct AddForm {
    pub name: String,
    pub query: String,
    pub langs: Vec<String>,
    pub outlets: Vec<String>,
    pub filters: String,
}

#[derive(Debug)]
pub struct WatchBlock {
    pub name: String,
    pub query: String,
    pub search_href: String,
    pub feed: String,
    pub entries: u64,
    pub today: u64,
    pub error: Option<String>,
    pub delivery: Option<String>,
    pub rows: Vec<EntryRow>,
}

#[derive(Debug)]
pub struct EntryRow {
    pub title: String,
    pub href: String,
    pub meta: String,
    pub new: bool,
}

/// The revision in the request's cookie (0 when none).
fn seen(headers: &HeaderMap) -> u64 {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SEEN_COOKIE)
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// A watch name suggested from a query: its letters and digits joined by `-`.
fn suggest_name(q: &str) -> String {
    let mut out = String::new();
    for w in q.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if out.len() + w.len() + 1 > 40 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w.to_ascii_lowercase());
    }
    if out.is_empty() { "watch".into() } else { out }
}

/// Render the page: the add form if `add` is given, every watch with its latest entries,
/// those changed after the browser's last visit marked, and the visit remembered.
async fn render_page(
    st: Arc<AppState>,
    headers: &HeaderMap,
    add: Option<AddForm>,
    add_error: Option<String>,
    status: StatusCode,
    ignored: Vec<crate::params::Unknown>,
) -> Result<Response, ApiError> {
    let last_seen = seen(headers);
    let engine = st.engine()?;
    let root = st.root.clone();
    let e2 = engine.clone();
    let listed = blocking(move || {
        let Some(s) = WatchStore::open_existing(&root).map_err(watch_error)? else { return Ok(Vec::new()) };
        let mut out = Vec::new();
        for w in s.list().map_err(watch_error)? {
            let mut entries = s.recent(&w.name, PAGE_ENTRIES).map_err(watch_error)?;
            newsdex_watch::fill_entries(&e2, &w, &mut entries).map_err(watch_error)?;
            out.push((w, entries));
        }
        Ok(out)
    })
    .await?;
    let mut newest = last_seen;
    let mut new_total = 0;
    let watches = listed
        .into_iter()
        .map(|(w, entries)| {
            let rows = entries
                .into_iter()
                .map(|e| {
                    newest = newest.max(e.rev);
                    let new = e.rev > last_seen;
                    new_total += usize::from(new);
                    EntryRow {
                        title: if e.title.trim().is_empty() { "(untitled)".into() } else { e.title.clone() },
                        href: format!("/articles/{}", e.doc),
                        meta: newsdex_watch::atom::summary(&e),
                        new,
                    }
                })
                .collect();
            let mut q = format!("q={}", encode(&w.query));
            for l in &w.langs {
                q.push_str(&format!("&lang={}", encode(l)));
            }
            for o in &w.outlets {
                q.push_str(&format!("&outlet={}", encode(o)));
            }
            WatchBlock {
                search_href: format!("/search?{q}"),
                feed: format!("/watches/{}.atom", w.name),
                entries: w.entries,
                today: w.entries_today,
                error: w.last_error.clone(),
                delivery: w.webhook.as_ref().map(|_| match &w.last_delivery_error {
                    Some(e) => format!("webhook failing ({} in a row): {e}", w.delivery_failures),
                    None => "webhook delivering".to_string(),
                }),
                name: w.name,
                query: w.query,
                rows,
            }
        })
        .collect();
    let mut view = WatchesPage { form: Form::new(&st, None), add, add_error, watches, new_total };
    view.form.ignored = ignored;
    let mut resp = page(status, render(&view)?);
    if let Ok(v) = format!("{SEEN_COOKIE}={newest}; Path=/watches; Max-Age=31536000; SameSite=Lax; HttpOnly").parse() {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

/// `GET /watches`: every watch with its latest stories, those new since the last visit
/// marked; with `q` (and `lang`, `outlet`), a form to watch that search.
pub async fn page_handler(
    State(st): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut add: Option<AddForm> = None;
    for (k, v) in pairs(query.as_deref()) {
        let a = add.get_or_insert_with(AddForm::default);
        match k.as_str() {
            "q" => a.query = v,
            "lang" if !v.is_empty() => a.langs.push(v),
            "outlet" if !v.is_empty() => a.outlets.push(v),
            _ => {}
        }
    }
    if let Some(a) = &mut add {
        a.name = suggest_name(&a.query);
        a.filters = filters_text(&a.langs, &a.outlets);
    }
    let add = add.filter(|a| !a.query.trim().is_empty());
    let ignored = unknown(query.as_deref(), &["q", "lang", "outlet"]);
    render_page(st, &headers, add, None, StatusCode::OK, ignored).await
}

fn filters_text(langs: &[String], outlets: &[String]) -> String {
    let mut f = Vec::new();
    if !langs.is_empty() {
        f.push(format!("languages {}", langs.join(", ")));
    }
    if !outlets.is_empty() {
        f.push(format!("outlets {}", outlets.join(", ")));
    }
    f.join("; ")
}

/// `POST /watches` (the page's form, `application/x-www-form-urlencoded`): add a watch
/// with the write token given in the form; back to the page (303) or the form again with
/// the reason.
pub async fn add_form(State(st): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_ADD_BYTES)
        .await
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "the form is over 16 KiB"))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let mut a = AddForm::default();
    let mut token = String::new();
    for (k, v) in pairs(Some(&text)) {
        match k.as_str() {
            "name" => a.name = v.trim().to_string(),
            "query" => a.query = v,
            "lang" if !v.is_empty() => a.langs.push(v),
            "outlet" if !v.is_empty() => a.outlets.push(v),
            "token" => token = v,
            _ => {}
        }
    }
    a.filters = filters_text(&a.langs, &a.outlets);
    if let Err(e) = st.authorize(Some(&format!("Bearer {token}"))) {
        return render_page(st, &headers, Some(a), Some(e.message), e.status, Vec::new()).await;
    }
    let mut langs = Vec::new();
    for l in &a.langs {
        match newsdex_core::normalize_lang(l) {
            Some(l) => langs.push(l),
            None => {
                let msg = format!("{l:?} is not a language code");
                return render_page(st, &headers, Some(a), Some(msg), StatusCode::BAD_REQUEST, Vec::new()).await;
            }
        }
    }
    let new = NewWatch {
        name: a.name.clone(),
        query: a.query.clone(),
        langs,
        outlets: a.outlets.clone(),
        ..NewWatch::default()
    };
    let added = add_watch(&st, new).await;
    match added {
        Ok(_) => Ok((StatusCode::SEE_OTHER, [(header::LOCATION, "/watches")]).into_response()),
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            render_page(st, &headers, Some(a), Some(e.message), status, Vec::new()).await
        }
        Err(e) => Err(e),
    }
}
