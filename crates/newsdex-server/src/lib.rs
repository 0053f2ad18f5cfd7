//! The newsdex server: a JSON API and server-rendered web pages over one data directory.
//!
//! * [`router`] builds the axum application; [`serve`] binds and runs it until a shutdown
//!   signal, finishing requests in flight.
//! * `/api/*` ([`api`]): search with facets, articles, original bytes, token-guarded
//!   ingest, health, the OpenAPI document (`/api/openapi.json`) and its Swagger UI
//!   (`/api/docs`, assets compiled in). Errors share one envelope ([`error`]).
//! * `/`, `/search`, `/articles/{id}` ([`web`]): pages that work without JavaScript.
//!
//! Security: binds 127.0.0.1 unless told otherwise; writing needs the configured bearer
//! token and is off without one; ids are parsed before any lookup, and no request names a
//! file; every page escapes what it shows and forbids framing and inline script; original
//! bytes are served so a browser never renders them as our page.
//!
//! This crate is the only one that knows HTTP and the JSON wire format ([`wire`]); the
//! CLI's `--json` output comes from the same types.

pub mod api;
mod chart;
pub mod demo;
pub mod error;
pub mod params;
mod state;
pub mod web;
pub mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use newsdex_engine::Engine;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub use state::AppState;

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub data: PathBuf,
    pub addr: SocketAddr,
    /// Bearer token for writes; `None` turns writing off.
    pub token: Option<String>,
}

/// The application over an opened reader.
pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/api/search", get(api::search))
        .route("/api/articles/{id}", get(api::article))
        .route("/api/stories/{id}", get(api::story))
        .route("/api/raw/{id}", get(api::raw))
        .route("/api/ingest", post(api::ingest))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/{*rest}", get(api::not_found).post(api::not_found))
        .route("/healthz", get(api::healthz));
    let pages = Router::new()
        .route("/", get(web::search_page))
        .route("/search", get(web::search_page))
        .route("/articles/{id}", get(web::article_page))
        .route("/stories/{id}", get(web::story_page))
        .route("/static/{name}", get(web::asset))
        .fallback(web::not_found);
    Router::new()
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi-ui.json", api::ApiDoc::openapi()))
        .merge(api)
        .merge(pages)
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .with_state(state)
}

/// Open the data directory for reading and build the shared state.
pub fn state(config: &ServerConfig) -> anyhow::Result<Arc<AppState>> {
    let reader = Engine::open_read(&config.data)?;
    Ok(Arc::new(AppState::new(config.data.clone(), reader, config.token.clone())))
}

/// Serve until `shutdown` resolves; requests in flight are finished first.
pub async fn serve(
    config: ServerConfig,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = router(state(&config)?);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    Ok(())
}
