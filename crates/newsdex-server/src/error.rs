//! One JSON error envelope with stable codes, for every API error:
//!
//! ```json
//! {"error": {"code": "bad_query", "message": "unclosed quote …", "status": 400}}
//! ```
//!
//! | code | status | when |
//! |---|---|---|
//! | `bad_request` | 400 | a parameter is missing or malformed |
//! | `bad_query` | 400 | the query could not be parsed (the message shows where), or would cost more than a query budget allows (the message names the limit; nothing ran) |
//! | `bad_snapshot` | 400 | `snapshot=N` names a batch the archive does not have (the message names those it has) |
//! | `unauthorized` | 401 | a write without `Authorization: Bearer <token>`, or a wrong token |
//! | `writes_disabled` | 403 | a write to a server started without a token |
//! | `not_found` | 404 | no such document or route |
//! | `method_not_allowed` | 405 | a method the route does not take (`Allow` lists those it does) |
//! | `request_timeout` | 408 | an ingest body that did not arrive within the request timeout |
//! | `busy` | 409 | another process is writing to the data directory |
//! | `ambiguous_id` | 409 | an id prefix (6 to 15 hex digits) that starts several documents: `candidates` lists them (the first 20 by id), and more digits name one |
//! | `payload_too_large` | 413 | a request body over the limit |
//! | `uri_too_long` | 414 | a request target over 8 KiB |
//! | `headers_too_large` | 431 | request headers over 32 KiB or more than 100 of them |
//! | `internal` | 500 | a fault on our side (logged) |
//! | `not_on_collection` | 501 | a collection's root (`serve --shard-servers`) asked for what needs one archive (compare, sources, watches, ingest) |
//! | `disk_full` | 507 | an ingest stopped because the disk holding the data directory is full (what was committed before is intact) |
//! | `timeout` | 503 | an answer that took longer than the request timeout, or a search that ran past its time limit (5 s) and was stopped; `Retry-After` says when to try again (the limit is wall-clock, so a busy server is the usual cause: 503, not 504, which is a gateway's) |
//!
//! Errors the framework produces (a wrong method, a path that is not UTF-8, …) are put in
//! the envelope too, under `/api/` and for `/healthz` (see `framework_errors` in
//! `lib.rs`); other 4xx answers of this kind get `bad_request` with their own status.
//! Only answers hyper gives before a request is parsed at all (a malformed request line,
//! a head over 64 KiB) are bare: no route, so no format, is known yet.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// An API error.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// For `ambiguous_id`: the documents the prefix starts.
    pub candidates: Option<Vec<Candidate>>,
}

/// A document an ambiguous id prefix starts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidate {
    #[schema(example = "2828a9e1eb96ab63")]
    pub id: String,
    pub title: String,
}

/// The envelope's body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code: bad_request, bad_query, bad_snapshot, unauthorized, writes_disabled, not_found,
    /// method_not_allowed, request_timeout, busy, ambiguous_id, payload_too_large,
    /// uri_too_long, headers_too_large, disk_full, internal, timeout, not_on_collection.
    #[schema(example = "bad_query")]
    pub code: String,
    pub message: String,
    pub status: u16,
    /// With `ambiguous_id` only: the documents the id prefix starts (at most 20, by id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<Candidate>>,
}

/// `{"error": …}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), candidates: None }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// The envelope for an answer the framework produced with `status`.
    pub fn for_status(status: StatusCode, message: impl Into<String>) -> ApiError {
        let code = match status.as_u16() {
            401 => "unauthorized",
            404 => "not_found",
            405 => "method_not_allowed",
            408 => "request_timeout",
            413 => "payload_too_large",
            414 => "uri_too_long",
            431 => "headers_too_large",
            503 => "timeout",
            400..=499 => "bad_request",
            _ => "internal",
        };
        ApiError::new(status, code, message)
    }

    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error; see the server log")
    }
}

impl From<newsdex_engine::EngineError> for ApiError {
    fn from(e: newsdex_engine::EngineError) -> ApiError {
        use newsdex_engine::EngineError as E;
        match e {
            E::Query(m) => ApiError::new(StatusCode::BAD_REQUEST, "bad_query", m),
            E::Snapshot(m) => ApiError::new(StatusCode::BAD_REQUEST, "bad_snapshot", m),
            E::Store(newsdex_engine::StoreError::Locked(_)) => ApiError::new(
                StatusCode::CONFLICT,
                "busy",
                "another newsdex process is writing to this data directory; try again when it finishes",
            ),
            e @ E::Timeout { .. } => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "timeout", e.to_string()),
            e @ E::DiskFull { .. } => ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "disk_full", e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

/// A handler that panicked (a bug) answers 500 in the envelope instead of dropping the
/// connection; the panic is logged.
pub fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    ApiError::internal(format_args!("handler panicked: {what}")).into_response()
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> ApiError {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: self.code.into(),
                message: self.message,
                status: self.status.as_u16(),
                candidates: self.candidates,
            },
        };
        let mut resp = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            let after = newsdex_engine::SEARCH_TIMEOUT.as_secs().max(1);
            resp.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(after));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_map_to_their_codes() {
        let timeout = newsdex_engine::EngineError::Timeout { limit: newsdex_engine::SEARCH_TIMEOUT };
        let resp = ApiError::from(timeout).into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "5");
        let refused = newsdex_engine::EngineError::Query("the phrase … is too costly".into());
        let e = ApiError::from(refused);
        assert_eq!((e.status, e.code), (StatusCode::BAD_REQUEST, "bad_query"));
    }
}
