//! Reading inputs: the only place newsdex touches the user's files.
//!
//! The stages, each a plain function so reindex can replay them on stored bytes:
//!
//! 1. [`walk`]: expand the paths given to `ingest` into inputs (directories recursively,
//!    hidden entries skipped, a stable order); what is not a file or a directory (a
//!    device, a socket) is refused with the reason.
//! 2. [`open_input`]: open one input. A small plain file is read whole; anything larger,
//!    compressed, or a pipe is handed over as a stream (the raw store streams it in), so
//!    no input is ever held in memory whole. Over [`Limits::max_file`] bytes is refused.
//! 3. [`records`]: from an input's bytes, as a stream, to its records: gzip / zstd layers
//!    peeled on the fly (detected by magic bytes, not by extension) with a ratio check
//!    against decompression bombs, the content sniffed ([`Kind`]), and records cut one by
//!    one ([`Item`]): one for a text or HTML page, one per line of JSON Lines, each with
//!    its byte range in the content ([`RecordSpan`]).
//!
//! Everything that cannot be read becomes a [`Reject`] with a stable code and a sentence
//! naming the reason; nothing here panics on bad bytes.

mod records;
mod sniff;
mod walk;

pub use newsdex_core::Reject;
pub use records::{Item, Layer, MAX_LAYERS, Peeled, Records, layer_of, peel, records};
pub use sniff::{FEED, FEED_LIST, Kind, sniff};
pub use walk::{Input, Opened, StreamInput, WalkReport, open_input, source_name, too_large, walk};

/// Size caps. The defaults suit news: a real article page is under 5 MB; a JSON Lines
/// archive can be tens of gigabytes but is read as a stream, record by record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input read at all (bytes on disk, or read from a pipe).
    pub max_file: u64,
    /// Largest single document (a page, a text file, one JSONL line).
    pub max_document: u64,
    /// Plain (uncompressed) files up to this size are read whole; larger or compressed
    /// inputs are streamed.
    pub stream_min: u64,
    /// A compressed input whose content has passed this many bytes…
    pub bomb_floor: u64,
    /// …while being more than this many times the bytes read is refused as a bomb.
    pub bomb_ratio: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file: 64 << 30,
            max_document: 50 << 20,
            stream_min: 16 << 20,
            // Text compresses 3–10 times (zstd -19 on repetitive JSON Lines about 30);
            // gzip's ceiling is about 1,030. 250 leaves real archives alone and stops a
            // bomb after 256 MiB of output, read and dropped a buffer at a time.
            bomb_floor: 256 << 20,
            bomb_ratio: 250,
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
    /// Where the record is in the input as given, when that is known and differs from
    /// nothing but compression: a WARC record's offset in the file (its gzip member's, for
    /// a `.warc.gz` written a member per record; as in CDX indexes) and its length there.
    pub packed: Option<(u64, u64)>,
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
