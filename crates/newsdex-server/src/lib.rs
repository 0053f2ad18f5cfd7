//! The newsdex server: a JSON API and server-rendered web pages over one data directory.
//!
//! * [`router`] builds the axum application; [`serve`] runs it on a listener until a
//!   shutdown signal, finishing requests in flight. Connections are driven by `conn`
//!   (hyper's HTTP/1 builder, not `axum::serve`, which cannot cap or time them).
//! * `/api/*` ([`api`]): search with facets, articles, original bytes, token-guarded
//!   ingest, health, the OpenAPI document (`/api/openapi.json`) and its Swagger UI
//!   (`/api/docs`, assets compiled in). Errors share one envelope ([`error`]).
//! * `/`, `/search`, `/articles/{id}` ([`web`]): pages that work without JavaScript.
//! * `/api/compare` and `/compare` ([`compare`]): several searches (or one across outlets
//!   or languages) over time, as a table, a CSV and a server-drawn line chart, with each
//!   query's key words.
//! * `/api/sources` and `/sources` ([`sources`]): the feeds the collector follows and how
//!   each is doing; adding, removing, pausing and resuming need the token. The server
//!   only records them: it never fetches.
//!
//! Security: binds 127.0.0.1 unless told otherwise; writing needs the configured bearer
//! token (`Authorization: Bearer …`, the scheme in any case) and is off without one; an
//! empty token, or one a header cannot carry, is refused at startup ([`ConfigError`]);
//! ids are parsed before any lookup, and no request names a file; every page escapes what
//! it shows and forbids framing and inline script; original bytes are served so a
//! browser never renders them as our page. A cross-origin web page cannot write: a
//! "simple" request cannot carry `Authorization`, and without it an ingest is refused
//! from its head, before any of its body is read; no CORS headers are sent, so a
//! preflighted one fails in the browser.
//!
//! # Limits
//!
//! What one client can make the server hold is bounded ([`Limits`]; each is a flag of
//! `newsdex serve`):
//!
//! | limit | default | flag |
//! |---|---|---|
//! | connections served at once; more wait in the listen queue until one closes | 256 | `--max-connections` |
//! | time to send a request's headers, from connecting (first request) or from the request's first byte | 10 s | `--header-timeout` |
//! | time a connection may sit between requests with no byte moving either way (also cuts a client that stops reading its answer) | 30 s | `--idle-timeout` |
//! | time a handler may take (503 `timeout`); for `POST /api/ingest`, time to receive the body (408 `request_timeout`), after which the ingest runs to its end | 60 s | `--request-timeout` |
//! | ingest body; a `Content-Length` over it is refused (413) before any of the body is read, a chunked body as soon as it passes it | 64 MiB | ([`api::MAX_INGEST_BYTES`]) |
//! | request target (path and query) | 8 KiB | ([`MAX_URI_BYTES`], 414 `uri_too_long`) |
//! | request headers | 32 KiB, 100 headers | ([`MAX_HEADER_BYTES`], [`MAX_HEADERS`], 431 `headers_too_large`) |
//! | time the API's writer stays open after an ingest (holding the data directory's `LOCK`, so `newsdex ingest` elsewhere gets "busy" meanwhile); the next ingest within it reuses the writer instead of reopening it | 5 s | `--writer-idle` |
//!
//! `POST /api/ingest` decides from the request head alone whether to read the body: the
//! token (or writing being off) and the announced length are checked first, so a refused
//! upload costs a few hundred bytes. Bodies are read one at a time, when the write gate
//! is taken.
//!
//! Every error answer has the format of where it was asked, also when the framework
//! produced it (a wrong method, a path that does not decode, a head over the limits, a
//! timeout): the JSON envelope under `/api/` and for `/healthz`, an escaped page
//! elsewhere. The one exception is a head hyper cannot parse or that is over 64 KiB: it
//! gets hyper's bare 400 or 431, as no route (so no format) is known yet.
//!
//! This crate is the only one that knows HTTP and the JSON wire format ([`wire`]); the
//! CLI's `--json` output comes from the same types.

pub mod api;
mod chart;
pub mod compare;
mod conn;
pub mod demo;
pub mod display;
pub mod error;
pub mod params;
pub mod root;
pub mod shard;
pub mod sources;
mod state;
pub mod watches;
pub mod web;
pub mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use newsdex_engine::Engine;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub use conn::{ConnectionStats, Limits, Seconds};
pub use state::{AppState, Documents};

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub data: PathBuf,
    pub addr: SocketAddr,
    /// Bearer token for writes; `None` turns writing off.
    pub token: Option<String>,
    /// Connections and time.
    pub limits: Limits,
}

impl ServerConfig {
    /// Refuse what could never work: a write token no request can present.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(token) = &self.token {
            if token.is_empty() {
                return Err(ConfigError::EmptyToken);
            }
            if !token.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ConfigError::TokenNotSendable);
            }
        }
        Ok(())
    }
}

/// A configuration the server refuses to start with.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An empty token (`--token ''`, `NEWSDEX_TOKEN=`) could never be presented, so
    /// writing would be silently impossible.
    #[error(
        "the write token is empty, so no request could present it: give a token (--token or NEWSDEX_TOKEN), or set neither to keep writing off"
    )]
    EmptyToken,
    /// A token with spaces, control or non-ASCII characters cannot be sent in an
    /// `Authorization` header as is.
    #[error(
        "the write token must be printable ASCII without spaces or control characters, since it is sent in an HTTP header"
    )]
    TokenNotSendable,
}

/// The application over an opened reader.
pub fn router(state: Arc<AppState>) -> Router {
    router_with(state, Router::new())
}

/// The application with `extra` routes among its own, under the same layers.
fn router_with(state: Arc<AppState>, extra: Router<Arc<AppState>>) -> Router {
    let api = Router::new()
        .route("/api/search", get(api::search))
        .route("/api/export", get(api::export))
        .route("/api/compare", get(compare::compare_api))
        .route("/api/articles/{id}", get(api::article))
        .route("/api/stories/{id}", get(api::story))
        .route("/api/raw/{id}", get(api::raw))
        .route("/api/ingest", post(api::ingest))
        .route("/api/sources", get(sources::list).post(sources::add))
        .route("/api/sources/{id}", delete(sources::remove))
        .route("/api/sources/{id}/pause", post(sources::pause))
        .route("/api/sources/{id}/resume", post(sources::resume))
        .route("/api/watches", get(watches::list).post(watches::add))
        .route("/api/watches/{name}", delete(watches::remove))
        .route("/api/watches/{name}/matches", get(watches::matches))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/{*rest}", get(api::not_found).post(api::not_found))
        .route("/healthz", get(api::healthz));
    let pages = Router::new()
        .route("/", get(web::search_page))
        .route("/search", get(web::search_page))
        .route("/compare", get(compare::compare_page))
        .route("/articles/{id}", get(web::article_page))
        .route("/stories/{id}", get(web::story_page))
        .route("/sources", get(sources::page_handler))
        .route("/watches", get(watches::page_handler).post(watches::add_form))
        .route("/watches/{file}", get(watches::feed))
        .route("/static/{name}", get(web::asset))
        .fallback(web::not_found);
    Router::new()
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi-ui.json", api::ApiDoc::openapi()))
        .merge(api)
        .merge(extra)
        .merge(pages)
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(middleware::from_fn_with_state(state.clone(), request_timeout))
        .layer(middleware::from_fn_with_state(state.clone(), framework_errors))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .with_state(state)
}

/// Longest request target (path and query) answered; longer ones get 414.
pub const MAX_URI_BYTES: usize = 8 << 10;
/// Most header bytes (names, values and their separators) answered; more get 431.
pub const MAX_HEADER_BYTES: usize = 32 << 10;
/// Most headers answered; more get 431.
pub const MAX_HEADERS: usize = 100;

/// Whether answers at `path` are JSON (else pages).
fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz"
}

/// Every error answer in the format of where it was asked: the envelope under `/api/`
/// and for `/healthz`, an escaped page elsewhere. Handlers answer so themselves; this
/// catches what the framework answers (405 with `Allow` kept, path rejections, 503 on
/// timeout, a panic's 500 on a page) and applies the head limits (414, 431) in the same
/// format. hyper refuses heads over 64 KiB itself, before this runs.
async fn framework_errors(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let api = is_api_path(req.uri().path());
    let render = |e: error::ApiError| if api { e.into_response() } else { web::status_page(&st, e.status, &e.message) };
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return render(error::ApiError::for_status(
            StatusCode::URI_TOO_LONG,
            format!("the address is {target} bytes long; at most {MAX_URI_BYTES} are read"),
        ));
    }
    let headers = req.headers();
    let header_bytes: usize = headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return render(error::ApiError::for_status(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "{} headers of {header_bytes} bytes; at most {MAX_HEADERS} headers of {MAX_HEADER_BYTES} bytes are read",
                headers.len()
            ),
        ));
    }
    let method = req.method().clone();
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let ctype = resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let is_json = ctype.starts_with("application/json");
    if (api && is_json) || (!api && ctype.starts_with("text/html")) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // What the answer said, when it said something readable.
    let said = match axum::body::to_bytes(body, 64 << 10).await {
        Ok(b) if is_json => serde_json::from_slice::<serde_json::Value>(&b)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string)),
        Ok(b) if ctype.starts_with("text/plain") && status != StatusCode::NOT_FOUND => {
            Some(String::from_utf8_lossy(&b).trim().to_string()).filter(|t| !t.is_empty())
        }
        _ => None,
    };
    let message = said.unwrap_or_else(|| match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allow = parts.headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or("");
            format!("{method} is not allowed here; this address takes {allow}")
        }
        StatusCode::NOT_FOUND if api => "no such endpoint; see /api/openapi.json".to_string(),
        StatusCode::NOT_FOUND => "There is no page at this address.".to_string(),
        s => s.canonical_reason().unwrap_or("error").to_string(),
    });
    let mut out = render(error::ApiError::for_status(status, message));
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && !out.headers().contains_key(name) {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

/// Handlers get [`Limits::request_timeout`]; one that takes longer answers 503 `timeout`.
/// `POST /api/ingest` applies it to receiving the body only: the ingest itself then runs
/// to its end, so that a client is never told "timeout" about documents that went in.
async fn request_timeout(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if req.method() == Method::POST && req.uri().path() == "/api/ingest" {
        return next.run(req).await;
    }
    let limit = st.limits.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!("a request took longer than the request timeout ({} s)", limit.as_secs_f64());
            error::ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!("the answer took longer than the server's request timeout ({} s)", limit.as_secs_f64()),
            )
            .into_response()
        }
    }
}

/// Open the data directory for reading and build the shared state.
pub fn state(config: &ServerConfig) -> anyhow::Result<Arc<AppState>> {
    config.validate()?;
    let reader = Engine::open_read(&config.data)?;
    Ok(Arc::new(AppState::new(config.data.clone(), reader, config.token.clone(), config.limits)))
}

/// Serve until `shutdown` resolves; requests in flight are finished first.
pub async fn serve(
    config: ServerConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_state(state(&config)?, listener, shutdown).await;
    Ok(())
}

/// [`serve`] over a state built by [`state`] (whose counters a caller can watch).
pub async fn serve_state(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let app = router(state.clone());
    conn::run(app, state.limits, state.connections.clone(), listener, shutdown).await;
    let st = state.clone();
    let _ = tokio::task::spawn_blocking(move || st.release_writer()).await;
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::time::Duration;

    use super::*;

    /// `GET path` over a socket: the status line and the rest.
    fn fetch(addr: SocketAddr, path: &str) -> (String, String) {
        let mut c = std::net::TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        write!(c, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        let (status, rest) = answer.split_once("\r\n").unwrap();
        (status.to_string(), rest.to_ascii_lowercase())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn regression_a_handler_over_the_request_timeout_answers_503() {
        // Handlers had no time limit. Here one that never answers, among the real routes.
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        drop(Engine::open_write(&data).unwrap());
        let limits = Limits { request_timeout: Duration::from_millis(50), ..Limits::default() };
        let st = Arc::new(AppState::new(data.clone(), Engine::open_read(&data).unwrap(), None, limits));
        let never = || std::future::pending::<&'static str>();
        let extra = Router::new().route("/api/never", get(never)).route("/never", get(never));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async {
            let _ = stopped.await;
        };
        let server =
            tokio::spawn(conn::run(router_with(st.clone(), extra), limits, st.connections.clone(), listener, shutdown));
        let (api, page, health) = tokio::task::spawn_blocking(move || {
            (fetch(addr, "/api/never"), fetch(addr, "/never"), fetch(addr, "/healthz"))
        })
        .await
        .unwrap();
        assert_eq!(api.0, "HTTP/1.1 503 Service Unavailable", "{api:?}");
        assert!(api.1.contains("content-type: application/json") && api.1.contains(r#""code":"timeout""#), "{api:?}");
        assert_eq!(page.0, "HTTP/1.1 503 Service Unavailable", "{page:?}");
        assert!(page.1.contains("content-type: text/html") && page.1.contains("request timeout (0.05 s)"), "{page:?}");
        // The others still answer.
        assert_eq!(health.0, "HTTP/1.1 200 OK", "{health:?}");
        stop.send(()).unwrap();
        server.await.unwrap();
    }
}
