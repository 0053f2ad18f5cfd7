//! Shared server state: the data directory, a long-lived reader, the write token.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use newsdex_engine::Engine;

use crate::conn::{ConnectionStats, Limits};
use crate::error::ApiError;

/// What every handler can reach.
#[derive(Debug)]
pub struct AppState {
    pub root: PathBuf,
    reader: RwLock<Arc<Engine>>,
    /// `None`: writing through the API is off.
    pub token: Option<String>,
    /// One API write at a time in this process (the data directory's lock keeps other
    /// processes out).
    pub write_gate: tokio::sync::Mutex<()>,
    /// Whether the archive holds Wikinews articles (their licence asks for credit on
    /// every page).
    wikinews: std::sync::atomic::AtomicBool,
    /// Connections and time.
    pub limits: Limits,
    /// What the connections are doing.
    pub connections: Arc<ConnectionStats>,
}

impl AppState {
    pub fn new(root: PathBuf, reader: Engine, token: Option<String>, limits: Limits) -> AppState {
        let st = AppState {
            root,
            reader: RwLock::new(Arc::new(reader)),
            token,
            write_gate: tokio::sync::Mutex::new(()),
            wikinews: Default::default(),
            limits,
            connections: Default::default(),
        };
        st.refresh_credits();
        st
    }

    /// Recompute what the footer must credit (after writes).
    pub fn refresh_credits(&self) {
        let engine = self.reader.read().unwrap_or_else(|p| p.into_inner()).clone();
        let has = engine.stats(0).is_ok_and(|s| s.store.by_outlet.iter().any(|(o, _)| o.starts_with("Wikinews")));
        self.wikinews.store(has, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn wikinews(&self) -> bool {
        self.wikinews.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The reader, reopened first if a reindex switched the data directory to a new
    /// generation since it was opened.
    pub fn engine(&self) -> Result<Arc<Engine>, ApiError> {
        let current = self.reader.read().unwrap_or_else(|p| p.into_inner()).clone();
        if !current.is_stale() {
            return Ok(current);
        }
        let fresh = Arc::new(Engine::open_read(&self.root).map_err(ApiError::from)?);
        *self.reader.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        tracing::info!("reopened the data directory after a reindex");
        Ok(fresh)
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
