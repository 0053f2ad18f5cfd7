//! Why an input or a record was not ingested.

use serde::Serialize;

/// A refusal with a stable code and a sentence for a person. Rejects are recorded in the
/// data directory and counted; the bytes are kept whenever they were small enough to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reject {
    /// Stable code: `empty`, `binary`, `too-large`, `bad-gzip`, `bad-zstd`, `bomb`,
    /// `unsupported`, `bad-json`, `no-text`, `unreadable`.
    pub code: &'static str,
    pub reason: String,
}

impl Reject {
    pub fn new(code: &'static str, reason: impl Into<String>) -> Reject {
        Reject { code, reason: reason.into() }
    }
}

impl std::fmt::Display for Reject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}
