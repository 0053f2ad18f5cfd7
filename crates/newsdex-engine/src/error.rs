//! The engine's typed error.

use std::time::Duration;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] newsdex_store::StoreError),
    /// A fault in the index (a query the index refuses is [`EngineError::Query`]).
    #[error(transparent)]
    Index(newsdex_index::IndexError),
    /// The query could not be parsed (the message shows where), names something the index
    /// cannot search, or would cost more than its [`newsdex_query::QueryLimits`] allow
    /// (the message says what was too much and what the limit is). Nothing ran.
    #[error("{0}")]
    Query(String),
    /// The search ran past its time limit ([`crate::SearchOptions::timeout`]) and was
    /// stopped; trying again later, or a narrower query, may succeed.
    #[error("the search took longer than its time limit of {}; narrow the query or try again later", seconds(*.limit))]
    Timeout { limit: Duration },
    /// A snapshot the archive does not have (the message names the ones it has).
    #[error("{0}")]
    Snapshot(String),
    /// Writing an export's rows failed (a closed pipe, a full disk, a client gone).
    #[error("writing the export: {0}")]
    Write(#[source] std::io::Error),
    #[error("the data directory was opened read-only")]
    ReadOnly,
    #[error("the index layout is {found}, this newsdex writes {want}: run `newsdex reindex`")]
    Layout { found: String, want: u32 },
    #[error("data directory is damaged: {0}")]
    Damaged(String),
    /// The disk holding the data directory is full. What was committed before is intact.
    #[error(
        "no space left on the disk holding {path}: free some space and run the command again (what was committed before is intact; the failed step was: {step})"
    )]
    DiskFull { path: std::path::PathBuf, step: String },
}

impl From<newsdex_index::IndexError> for EngineError {
    fn from(e: newsdex_index::IndexError) -> EngineError {
        match e {
            // The user's query names something the index cannot search (`lang:null`).
            newsdex_index::IndexError::Query(m) => EngineError::Query(m),
            // A budget it would exceed: the user's query, not a fault.
            newsdex_index::IndexError::Refused(r) => EngineError::Query(r.to_string()),
            newsdex_index::IndexError::Timeout { limit } => EngineError::Timeout { limit },
            other => EngineError::Index(other),
        }
    }
}

impl EngineError {
    /// Whether the user's input (not the system) is at fault.
    pub fn is_user_error(&self) -> bool {
        matches!(self, EngineError::Query(_) | EngineError::Snapshot(_))
    }
}

/// `5 s`, `0.25 s`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0} s") } else { format!("{s} s") }
}
