//! The newsdex data directory.
//!
//! ```text
//! newsdex-data/
//!   FORMAT                  "newsdex-data 1": refuses to open a newer layout
//!   LOCK                    held (flock) by the one process that writes
//!   raw/000001.pack …       append-only packs: every input blob and the ingest log
//!   gen/CURRENT             number of the live generation of derived data
//!   gen/<n>/docs.sqlite     document store: fields, provenance, rejects (derived)
//!   gen/<n>/index/          search index (derived; written by newsdex-index)
//! ```
//!
//! Two kinds of data live here and the split is the point of the design:
//!
//! * **Raw** ([`RawStore`]): the input bytes exactly as given, content-addressed by BLAKE3
//!   and zstd-compressed, plus an ingest log ([`SourceRecord`]: which path, when, with which
//!   options). Append-only; nothing a user gave is ever rewritten or dropped.
//! * **Derived** ([`DocDb`] and the index): everything extraction computes. A generation can
//!   be thrown away and rebuilt from the packs alone (`newsdex reindex`), which is how
//!   better extractors reach old data.
//!
//! Crash safety: a batch is made durable in a fixed order: packs are appended and fsynced,
//! then one SQLite transaction records the documents together with the committed length
//! of each pack. On open, any pack bytes past the committed length (a batch interrupted by
//! `kill -9`) are cut off, so the raw store and the document store always agree. The index
//! is brought level with the document store by the engine (see `newsdex-engine`).

mod bodies;
mod datadir;
mod db;
mod error;
mod pack;

pub use datadir::{DataDir, FORMAT_VERSION, SHARD_FILE, is_out_of_space};
pub use db::{Batch, DocDb, DocRow, MemberRef, RejectRow, SnapshotMember, SourceRow, Stats, StoredStory, StoryRow};
pub use error::StoreError;
pub use pack::{
    BlobLoc, BlobReader, CHUNK, FeedHints, PackRecord, RawStore, RecordKind, SourceRecord, StreamError, StreamedBlob,
};

/// Result type of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
