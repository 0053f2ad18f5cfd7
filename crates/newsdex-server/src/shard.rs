//! A shard server (`newsdex --data COLLECTION collection serve-shard --own I,J`): the
//! query and members phases of searches over the shards it owns, for a collection's root
//! (`newsdex serve --data COLLECTION --shard-servers …`, [`crate::root`]) to merge.
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /shard/query` | `newsdex_collection::fanout::QueryRequest` | its `Partial` |
//! | `POST /shard/members` | `newsdex_collection::fanout::MembersRequest` | its `StoryPart`s |
//! | `GET /shard/health` | | `ShardHealth`: the shards it owns, of how many, their documents |
//!
//! A refused query answers 400 `bad_query`, a search past its time limit 503 `timeout`,
//! in the API's envelope ([`crate::error`]); the root fails the whole search on those, as
//! one archive would, and leaves a shard out (saying so) on anything else. Searches run on
//! the blocking pool. The connection limits are `newsdex serve`'s ([`Limits`]); it only
//! reads, so it takes no token.
//!
//! Shards ingested into while it serves are seen within about a second: the collection is
//! reopened when a shard commits a batch, is reindexed, or is relinked
//! ([`newsdex_collection::live`], [`keep_current`]).

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use newsdex_collection::CollectionError;
use newsdex_collection::fanout::{MembersRequest, QueryRequest, ShardHealth};
use newsdex_collection::live::{LiveCollection, RECHECK};
use newsdex_engine::{Partial, StoryPart};
use tower_http::catch_panic::CatchPanicLayer;

use crate::conn::{ConnectionStats, Limits};
use crate::error::ApiError;

/// Largest request body read (a members request lists at most a page of story ids).
const MAX_REQUEST: usize = 1 << 20;

impl From<CollectionError> for ApiError {
    fn from(e: CollectionError) -> ApiError {
        match e {
            CollectionError::Engine(e) => e.into(),
            CollectionError::Refused(m) => ApiError::new(StatusCode::BAD_REQUEST, "bad_query", m),
            other => ApiError::internal(other),
        }
    }
}

/// The shard server's routes over `coll` (opened owning its shards).
pub fn shard_router(coll: Arc<LiveCollection>, limits: Limits) -> Router {
    Router::new()
        .route("/shard/query", post(query))
        .route("/shard/members", post(members))
        .route("/shard/health", get(health))
        .route("/healthz", get(health))
        .fallback(|| async {
            ApiError::not_found("a shard server answers /shard/query, /shard/members and /shard/health")
        })
        .layer(DefaultBodyLimit::max(MAX_REQUEST))
        .layer(CatchPanicLayer::custom(crate::error::panic_response))
        .layer(axum::middleware::from_fn(move |req, next: axum::middleware::Next| async move {
            match tokio::time::timeout(limits.request_timeout, next.run(req)).await {
                Ok(r) => r,
                Err(_) => axum::response::IntoResponse::into_response(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "timeout",
                    format!(
                        "the answer took longer than the server's request timeout ({} s)",
                        limits.request_timeout.as_secs_f64()
                    ),
                )),
            }
        }))
        .with_state(coll)
}

/// A body that is not the phase's request: 400 in the envelope, saying why.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t)
        .map_err(|e| ApiError::bad_request(format!("the request body is not a shard request: {}", e.body_text())))
}

async fn query(
    State(coll): State<Arc<LiveCollection>>,
    req: Result<Json<QueryRequest>, JsonRejection>,
) -> Result<Json<Partial>, ApiError> {
    let req = body(req)?;
    let part = tokio::task::spawn_blocking(move || coll.current().query_phase(&req)).await??;
    Ok(Json(part))
}

async fn members(
    State(coll): State<Arc<LiveCollection>>,
    req: Result<Json<MembersRequest>, JsonRejection>,
) -> Result<Json<Vec<StoryPart>>, ApiError> {
    let req = body(req)?;
    let parts = tokio::task::spawn_blocking(move || coll.current().members_phase(&req)).await??;
    Ok(Json(parts))
}

async fn health(State(coll): State<Arc<LiveCollection>>) -> Result<Json<ShardHealth>, ApiError> {
    Ok(Json(tokio::task::spawn_blocking(move || coll.current().health()).await?))
}

/// Refresh `coll` every [`RECHECK`] on the blocking pool, until it is dropped. A refresh
/// that fails (a shard in the middle of being replaced by hand, say) is logged and
/// tried again; the collection last opened goes on answering meanwhile.
pub fn keep_current(coll: &Arc<LiveCollection>) {
    let weak = Arc::downgrade(coll);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(RECHECK).await;
            let Some(coll) = weak.upgrade() else { return };
            match tokio::task::spawn_blocking(move || coll.refresh()).await {
                Ok(Ok(true)) => tracing::info!("reopened the collection: a shard, its stories or its variants changed"),
                Ok(Ok(false)) => {}
                Ok(Err(e)) => tracing::warn!("could not reopen the collection (the one opened before answers): {e}"),
                Err(e) => tracing::warn!("reopening the collection failed: {e}"),
            }
        }
    });
}

/// Serve `coll` as a shard server on `listener` until `shutdown` resolves.
pub async fn serve_shard(
    coll: Arc<LiveCollection>,
    limits: Limits,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let stats = Arc::new(ConnectionStats::default());
    keep_current(&coll);
    crate::conn::run(shard_router(coll, limits), limits, stats, listener, shutdown).await;
}
