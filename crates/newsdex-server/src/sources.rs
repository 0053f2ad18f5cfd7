//! The sources the collector follows: `/api/sources` (list; add, remove, pause and resume
//! with the write token) and the `/sources` page. The state is `newsdex-collect`'s
//! `sources.sqlite`: read without ever creating or changing it, written only by a
//! request with the token. Nothing here fetches: adding a source only records it, and
//! the collector (`newsdex collect`) polls it.

use std::sync::Arc;

use askama::Template;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use newsdex_collect::schedule::{human_secs, parse_every};

use crate::api::blocking;
use crate::error::{ApiError, ErrorEnvelope};
use crate::params::{json_body, refuse_unknown, unknown};
use crate::state::AppState;
use crate::web::{Form, page, render};
use crate::wire::{AddSource, SourceView};

/// Largest `POST /api/sources` body.
pub const MAX_ADD_BYTES: usize = 16 << 10;
/// Longest outlet name taken.
const MAX_OUTLET_CHARS: usize = 200;

fn state_error(e: newsdex_collect::CollectError) -> ApiError {
    ApiError::internal(e)
}

/// Every source (an archive without collector state: none). Blocking.
fn read_sources(root: &std::path::Path) -> Result<Vec<newsdex_collect::Source>, ApiError> {
    match newsdex_collect::State::open_read(root).map_err(state_error)? {
        Some(st) => st.list().map_err(state_error),
        None => Ok(Vec::new()),
    }
}

/// A source id from a path: a positive decimal number of at most 18 digits; anything
/// else names no source (404).
fn parse_source_id(id: &str) -> Result<i64, ApiError> {
    if id.is_empty() || id.len() > 18 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::not_found("no source: a source id is a number (see GET /api/sources)"));
    }
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found("no source: a source id is a positive number (see GET /api/sources)"))
}

/// The sources the collector follows and how each is doing.
#[utoipa::path(
    get,
    path = "/api/sources",
    responses(
        (status = 200, description = "Every source, in the order added (none when nothing was ever added)", body = Vec<SourceView>),
        (status = 400, description = "A query parameter (this endpoint takes none)", body = ErrorEnvelope),
    )
)]
pub async fn list(
    State(st): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<SourceView>>, ApiError> {
    refuse_unknown("/api/sources", query.as_deref(), &[])?;
    let root = st.root.clone();
    let list = blocking(move || read_sources(&root)).await?;
    Ok(Json(list.iter().map(SourceView::from).collect()))
}

/// Follow a feed: recorded only (nothing is fetched now); the collector polls it at its
/// next pass. An address already followed is updated with the settings given.
/// Needs `Authorization: Bearer <token>`.
#[utoipa::path(
    post,
    path = "/api/sources",
    request_body(content = AddSource, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = SourceView),
        (status = 200, description = "Already followed: updated with the settings given", body = SourceView),
        (status = 400, description = "Not an http(s) address, a bad `every` or `lang`, an unknown field, or a query parameter", body = ErrorEnvelope),
        (status = 401, description = "No or wrong token", body = ErrorEnvelope),
        (status = 403, description = "Writing is off on this server", body = ErrorEnvelope),
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
    refuse_unknown("/api/sources", query.as_deref(), &[])?;
    let req: AddSource = json_body(body, MAX_ADD_BYTES, "{\"url\": …, \"outlet\"?, \"every\"?, \"lang\"?}").await?;
    let url = req.url.trim().to_string();
    newsdex_collect::state::check_url(&url).map_err(ApiError::bad_request)?;
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let outlet = nonempty(&req.outlet);
    if outlet.as_ref().is_some_and(|o| o.chars().count() > MAX_OUTLET_CHARS || o.chars().any(char::is_control)) {
        return Err(ApiError::bad_request(format!(
            "outlet: at most {MAX_OUTLET_CHARS} characters, without control characters"
        )));
    }
    let every =
        match nonempty(&req.every) {
            Some(e) => Some(parse_every(&e).ok_or_else(|| {
                ApiError::bad_request(format!("every {e:?}: write 15m, 2h, 1d or a number of seconds"))
            })?),
            None => None,
        };
    let lang = match nonempty(&req.lang) {
        Some(l) => Some(
            newsdex_core::normalize_lang(&l)
                .ok_or_else(|| ApiError::bad_request(format!("lang {l:?} is not a language code")))?,
        ),
        None => None,
    };
    let root = st.root.clone();
    let (source, new) = blocking(move || {
        let state = newsdex_collect::State::open(&root).map_err(state_error)?;
        state.add(&url, outlet.as_deref(), lang.as_deref(), None, None, every).map_err(state_error)
    })
    .await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(SourceView::from(&source))).into_response())
}

/// What a write does to one source.
#[derive(Debug, Clone, Copy)]
enum Change {
    Remove,
    Pause,
    Resume,
}

/// Authorize, check the id, apply `change`; the source as it was (removed) or is now.
async fn change_one(
    st: Arc<AppState>,
    id: String,
    query: Option<String>,
    headers: HeaderMap,
    change: Change,
    endpoint: &str,
) -> Result<Json<SourceView>, ApiError> {
    st.authorize(headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()))?;
    refuse_unknown(endpoint, query.as_deref(), &[])?;
    let id = parse_source_id(&id)?;
    let root = st.root.clone();
    let source = blocking(move || {
        let no_source = || ApiError::not_found(format!("no source {id} (see GET /api/sources)"));
        // Nothing to change without collector state: no file is made for a 404.
        if newsdex_collect::State::open_read(&root).map_err(state_error)?.is_none() {
            return Err(no_source());
        }
        let state = newsdex_collect::State::open(&root).map_err(state_error)?;
        let before = state.get(id).map_err(state_error)?.ok_or_else(no_source)?;
        let done = match change {
            Change::Remove => state.remove(id),
            Change::Pause => state.set_paused(id, true),
            Change::Resume => state.set_paused(id, false),
        }
        .map_err(state_error)?;
        if !done {
            return Err(no_source());
        }
        match change {
            Change::Remove => Ok(before),
            _ => state.get(id).map_err(state_error)?.ok_or_else(no_source),
        }
    })
    .await?;
    Ok(Json(SourceView::from(&source)))
}

/// Stop following a source and forget its seen items; what was collected stays in the
/// archive. Needs `Authorization: Bearer <token>`.
#[utoipa::path(
    delete,
    path = "/api/sources/{id}",
    params(("id" = i64, Path, minimum = 1, description = "The source's number (`id` in GET /api/sources)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed: the source as it was", body = SourceView),
        (status = 400, description = "A query parameter (this endpoint takes none)", body = ErrorEnvelope),
        (status = 401, description = "No or wrong token", body = ErrorEnvelope),
        (status = 403, description = "Writing is off on this server", body = ErrorEnvelope),
        (status = 404, description = "No such source", body = ErrorEnvelope),
    )
)]
pub async fn remove(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<SourceView>, ApiError> {
    change_one(st, id, query, headers, Change::Remove, "/api/sources/{id}").await
}

/// Stop polling a source until it is resumed. Needs `Authorization: Bearer <token>`.
#[utoipa::path(
    post,
    path = "/api/sources/{id}/pause",
    params(("id" = i64, Path, minimum = 1, description = "The source's number (`id` in GET /api/sources)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Paused: the source now", body = SourceView),
        (status = 400, description = "A query parameter (this endpoint takes none)", body = ErrorEnvelope),
        (status = 401, description = "No or wrong token", body = ErrorEnvelope),
        (status = 403, description = "Writing is off on this server", body = ErrorEnvelope),
        (status = 404, description = "No such source", body = ErrorEnvelope),
    )
)]
pub async fn pause(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<SourceView>, ApiError> {
    change_one(st, id, query, headers, Change::Pause, "/api/sources/{id}/pause").await
}

/// Poll a paused source again (due at once). Needs `Authorization: Bearer <token>`.
#[utoipa::path(
    post,
    path = "/api/sources/{id}/resume",
    params(("id" = i64, Path, minimum = 1, description = "The source's number (`id` in GET /api/sources)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Resumed: the source now", body = SourceView),
        (status = 400, description = "A query parameter (this endpoint takes none)", body = ErrorEnvelope),
        (status = 401, description = "No or wrong token", body = ErrorEnvelope),
        (status = 403, description = "Writing is off on this server", body = ErrorEnvelope),
        (status = 404, description = "No such source", body = ErrorEnvelope),
    )
)]
pub async fn resume(
    State(st): State<Arc<AppState>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<SourceView>, ApiError> {
    change_one(st, id, query, headers, Change::Resume, "/api/sources/{id}/resume").await
}

/// One source's row on the page: every value text, escaped by askama.
#[derive(Debug)]
pub struct SourceRow {
    pub id: i64,
    pub url: String,
    /// A link only for an http(s) address.
    pub href: Option<String>,
    pub name: Option<String>,
    pub outlet: String,
    pub last_fetch: String,
    pub status: String,
    pub items_seen: i64,
    pub new_items: i64,
    pub versions: i64,
    pub next_fetch: String,
    pub error_streak: i64,
    pub error: Option<String>,
    pub paused: bool,
    pub state: &'static str,
}

#[derive(Template, Debug)]
#[template(path = "sources.html")]
pub struct SourcesPage {
    pub form: Form,
    pub sources: Vec<SourceRow>,
}

/// "2026-12-01 00:50 UTC (5m ago)", or `never`.
fn when(now: i64, t: Option<i64>) -> String {
    let Some(t) = t else { return "never".into() };
    let at = chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string());
    let rel = if t <= now { format!("{} ago", human_secs(now - t)) } else { format!("in {}", human_secs(t - now)) };
    match at {
        Some(at) => format!("{at} ({rel})"),
        None => rel,
    }
}

fn row(s: &newsdex_collect::Source, now: i64) -> SourceRow {
    let state = if s.paused {
        "paused"
    } else if s.error_streak > 0 {
        "failing"
    } else if s.last_fetch.is_none() {
        "new"
    } else {
        "ok"
    };
    SourceRow {
        id: s.id,
        url: s.url.clone(),
        href: (s.url.starts_with("http://") || s.url.starts_with("https://")).then(|| s.url.clone()),
        name: s.title.clone(),
        outlet: s.outlet.clone().unwrap_or_else(|| "—".into()),
        last_fetch: when(now, s.last_fetch),
        status: s.last_status.map_or("—".into(), |c| c.to_string()),
        items_seen: s.items_seen,
        new_items: s.new_items,
        versions: s.versions,
        next_fetch: if s.paused { "paused".into() } else { when(now, Some(s.next_fetch)) },
        error_streak: s.error_streak,
        error: s.error.clone(),
        paused: s.paused,
        state,
    }
}

/// `GET /sources`: every source and how it is doing.
pub async fn page_handler(State(st): State<Arc<AppState>>, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let root = st.root.clone();
    let list = blocking(move || read_sources(&root)).await?;
    st.engine()?;
    let now = chrono::Utc::now().timestamp();
    let mut view = SourcesPage { form: Form::new(&st, None), sources: list.iter().map(|s| row(s, now)).collect() };
    view.form.ignored = unknown(query.as_deref(), &[]);
    Ok(page(StatusCode::OK, render(&view)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ids_are_positive_numbers_only() {
        assert_eq!(parse_source_id("7").unwrap(), 7);
        for bad in ["", "0", "-1", "1.0", "../x", "1e3", "x", "9999999999999999999", " 1", "+1"] {
            assert_eq!(parse_source_id(bad).unwrap_err().status, StatusCode::NOT_FOUND, "{bad:?}");
        }
    }
}
