//! What the raw store keeps of a document, by where it came from: what `newsdex
//! export-warc` writes back out.
//!
//! * a WARC record (a `response` or `resource`): the record as archived, header and block;
//! * an ARC record: its header line and the HTTP response after it;
//! * a page `newsdex collect` fetched: the exchange as the collector recorded it in the
//!   ingest log (method, address, request headers it set, status, response headers, time)
//!   and the body byte for byte as received;
//! * anything else (a page, a text, one JSON Lines record of a file or of an API body):
//!   the record's bytes after any compression was undone.
//!
//! Exchanges are found in the ingest log, which lives in the packs: [`Engine::exchanges`]
//! scans it once (entry headers and log entries only, never input bytes) and keeps where
//! each fetched document's entry is (about 60 bytes per fetched page), so the export then
//! reads one entry per document.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Read;

use newsdex_core::RawHash;
use newsdex_store::{BlobLoc, DocRow, RecordKind as PackKind, SourceRecord};

use crate::{Engine, EngineError, Result};

/// A document's kept bytes ([`Engine::kept`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    /// A WARC record as archived (version line, fields, block).
    Warc(Vec<u8>),
    /// An ARC record: its header line and the HTTP response.
    Arc(Vec<u8>),
    /// An HTTP exchange of the collector: as recorded, and the body as received.
    Fetched { exchange: serde_json::Value, body: Vec<u8> },
    /// The bytes of a file or of one of its records, decompressed.
    File(Vec<u8>),
}

/// Where the ingest-log entries of fetched documents are: by (blob, address).
#[derive(Debug, Default)]
pub struct Exchanges {
    at: HashMap<(RawHash, u64), BlobLoc>,
}

impl Exchanges {
    /// Fetched documents found.
    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }
}

fn key(raw: &RawHash, source: &str) -> (RawHash, u64) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut h);
    (*raw, h.finish())
}

impl Engine {
    /// Scan the ingest log for the exchanges of fetched pages that were extracted (the
    /// first entry of each body and address: the one its document came from).
    pub fn exchanges(&self) -> Result<Exchanges> {
        let mut out = Exchanges::default();
        for rec in self.raw.scan()? {
            let rec = rec?;
            if rec.kind != PackKind::Source {
                continue;
            }
            // Cheap test before parsing: only entries with an exchange matter.
            if !rec.data.windows(7).any(|w| w == b"\"http\":") {
                continue;
            }
            let src: SourceRecord = serde_json::from_slice(&rec.data)
                .map_err(|e| EngineError::Damaged(format!("ingest log entry at {:?}: {e}", rec.loc)))?;
            if let (Some(raw), Some(_), false) = (src.raw, &src.http, src.record_only) {
                out.at.entry(key(&raw, &src.source)).or_insert(rec.loc);
            }
        }
        Ok(out)
    }

    /// What the raw store keeps of `row`'s document (see [`Kept`]); `exchanges` from
    /// [`Engine::exchanges`]. Memory holds this one document's bytes.
    pub fn kept(&self, row: &DocRow, exchanges: &Exchanges) -> Result<Kept> {
        let id = row.article.id;
        let p = &row.provenance;
        if let Some(loc) = exchanges.at.get(&key(&p.raw, &p.source)) {
            let entry = self.raw.read(loc)?;
            let src: SourceRecord = serde_json::from_slice(&entry)
                .map_err(|e| EngineError::Damaged(format!("ingest log entry at {loc:?}: {e}")))?;
            let blob = self
                .db()
                .blob(&p.raw)?
                .ok_or_else(|| EngineError::Damaged(format!("blob {} of {id} is missing", p.raw)))?;
            let mut body = Vec::with_capacity(blob.len.min(64 << 20) as usize);
            self.raw
                .open_blob(&blob)?
                .read_to_end(&mut body)
                .map_err(|e| EngineError::Damaged(format!("blob {} of {id}: {e}", p.raw)))?;
            return Ok(Kept::Fetched { exchange: src.http.unwrap_or_default(), body });
        }
        let record = self
            .raw_record(id)?
            .ok_or_else(|| EngineError::Damaged(format!("document {id} is gone from the store")))?;
        if record.starts_with(b"WARC/") && newsdex_warc::parse_header(&record).is_ok() {
            Ok(Kept::Warc(record))
        } else if crate::row_is_arc(&record) {
            Ok(Kept::Arc(record))
        } else {
            Ok(Kept::File(record))
        }
    }
}
