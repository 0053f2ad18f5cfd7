//! Where hits read the texts of articles from.
//!
//! The index stores no article text: the document store holds each body once, and a
//! search reads the texts of the hits it shows from there (ARCHITECTURE.md, "Each byte
//! stored once"). An index written before this still holds stored bodies (until
//! `newsdex reindex`), but they are no longer read.

use newsdex_core::DocId;

/// The texts of documents, read from where they are kept (an archive's document store,
/// or a collection's shards' stores).
pub trait Texts: Send + Sync {
    /// The text of each of `ids`, in that order; `None` for one the store does not hold.
    /// An error names what could not be read.
    fn bodies(&self, ids: &[DocId]) -> Result<Vec<Option<String>>, String>;
}

/// Texts held in memory: for tests, and for callers that hold their articles.
#[derive(Debug, Default, Clone)]
pub struct TextsInMemory(pub std::collections::HashMap<DocId, String>);

impl Texts for TextsInMemory {
    fn bodies(&self, ids: &[DocId]) -> Result<Vec<Option<String>>, String> {
        Ok(ids.iter().map(|id| self.0.get(id).cloned()).collect())
    }
}
