//! The index's typed error.

use std::time::Duration;

/// What went wrong in the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("cannot open the search index at {0}: {1}")]
    Open(String, String),
    #[error("the search index was built by another version of newsdex ({0}); run `newsdex reindex`")]
    Layout(String),
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("{0}")]
    Query(String),
    /// The articles' texts could not be read from the document store.
    #[error("reading the articles' texts: {0}")]
    Texts(String),
    /// The query would cost more than a [`newsdex_query::QueryLimits`] budget allows; it
    /// was refused before running (or, for facet counts, stopped while counting).
    #[error("{0}")]
    Refused(newsdex_query::TooCostly),
    /// The search ran past its deadline and was stopped.
    #[error("the search took longer than its time limit of {}", seconds(*.limit))]
    Timeout { limit: Duration },
}

/// `5 s`, `0.25 s`.
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0} s") } else { format!("{s} s") }
}
