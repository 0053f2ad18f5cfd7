//! The store's typed error.

use std::path::PathBuf;

/// What went wrong in the data directory.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("document store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path} is not a newsdex data directory ({reason})")]
    NotADataDir { path: PathBuf, reason: String },
    #[error("{path} has data format {found}, newer than this newsdex understands ({supported}); upgrade newsdex")]
    TooNew { path: PathBuf, found: u32, supported: u32 },
    #[error("no newsdex data at {0}: run `newsdex ingest PATH` first (or pass --data DIR)")]
    Missing(PathBuf),
    #[error("{0} is in use by another newsdex process that is writing (lock held); try again when it finishes")]
    Locked(PathBuf),
    #[error("raw store is damaged: {0}")]
    Corrupt(String),
    #[error("{path}: {reason}")]
    Shard { path: PathBuf, reason: String },
}

impl StoreError {
    /// Whether this is the disk (or a quota) being full: an I/O error saying so, or
    /// SQLite's "database or disk is full".
    pub fn is_out_of_space(&self) -> bool {
        match self {
            StoreError::Io { source, .. } => crate::is_out_of_space(source),
            StoreError::Sqlite(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull),
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { path, source }
    }
}
