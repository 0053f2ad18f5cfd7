//! Reading inputs: the only place newsdex touches the user's files.
//!
//! The stages, each a plain function so reindex can replay them on stored bytes:
//!
//! 1. [`walk`]: expand the paths given to `ingest` into files (directories recursively,
//!    hidden entries skipped, a stable order).
//! 2. [`read_input`]: read one file, refusing more than [`Limits::max_file`] bytes
//!    without reading them all.
//! 3. [`unpack`]: peel gzip / zstd layers (detected by magic bytes, not by extension),
//!    capped by [`Limits::max_unpacked`] against decompression bombs; then sniff what the
//!    bytes are ([`Kind`]) and split them into records ([`RecordSpan`]): one for a text or
//!    HTML page, one per line of JSON Lines.
//!
//! 4. [`stream_parts`]: a JSON Lines input larger than [`Limits::stream_min`] is read as a
//!    stream and cut at line ends into parts, each handled like a small input.
//!
//! Everything that cannot be read becomes a [`Reject`] with a stable code and a sentence
//! naming the reason; nothing here panics on bad bytes.

mod sniff;
mod stream;
mod unpack;
mod walk;

pub use newsdex_core::Reject;
pub use sniff::{Kind, sniff};
pub use stream::{Part, Parts, Piece, stream_parts};
pub use unpack::{Layer, Unpacked, unpack};
pub use walk::{Input, ReadOutcome, WalkReport, read_input, walk};

/// Size caps. The defaults suit news: a real article page is under 5 MB; a JSONL archive
/// can be large but is split into records, each capped like a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file read at all (bytes on disk).
    pub max_file: u64,
    /// Largest total after decompression.
    pub max_unpacked: u64,
    /// Largest single document (a page, a text file, one JSONL line).
    pub max_document: u64,
    /// JSON Lines inputs larger than this on disk are streamed in parts (and are not
    /// subject to `max_file` or `max_unpacked`).
    pub stream_min: u64,
    /// Size of a streamed part (cut at the last line end before it).
    pub stream_part: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file: 1 << 30,
            max_unpacked: 2 << 30,
            max_document: 50 << 20,
            stream_min: 16 << 20,
            stream_part: 64 << 20,
        }
    }
}

/// One record inside an unpacked input: its byte range and, for JSON Lines, its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSpan {
    pub start: usize,
    pub end: usize,
    /// 1-based line number (JSON Lines only).
    pub line: Option<u64>,
}

/// `1234567` → `1.2 MiB`, for messages.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}
