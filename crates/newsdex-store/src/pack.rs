//! Append-only pack files: the raw store.
//!
//! A pack is `NDXPACK1` followed by records. Each record is a 56-byte header and a payload:
//!
//! ```text
//! magic  b"NDXR"   4
//! kind   u8        1   1 = blob (input bytes), 2 = source (ingest-log entry, JSON)
//! codec  u8        1   0 = stored, 1 = zstd (one frame), 2 = chunked zstd (see below)
//! pad    u16       2
//! hash   [u8; 32] 32   BLAKE3 of the uncompressed payload
//! ulen   u64 LE    8   uncompressed length
//! clen   u64 LE    8   stored length
//! payload [clen]
//! ```
//!
//! Small inputs are kept in one zstd frame (codec 1). Large inputs are streamed into the
//! pack without ever being held in memory (codec 2): the payload is a run of independent
//! frames, each holding [`CHUNK`] bytes of the input (the last fewer), followed by a
//! trailer: each frame's stored length as `u32 LE` (top bit set: stored uncompressed),
//! then the frame count and the chunk size as `u64 LE`. A reader can then start at any
//! offset by decompressing one chunk, so one record of a gigabyte input is read without
//! the rest ([`RawStore::open_blob`], [`BlobReader::skip`]).
//!
//! The hash both names a blob and checks it: a whole read re-hashes what it decompressed,
//! so a damaged or torn record is reported, never returned. Packs roll over at
//! [`PACK_TARGET_SIZE`] (settable for tests, [`RawStore::set_target_size`]); the pack
//! being left is fsynced and its length recorded before the next one is opened, so the
//! lengths a batch commits always cover every pack it wrote to. We write our own format
//! rather than one file per blob because a news archive is millions of small inputs: one
//! file each costs an inode and an fsync per article, while a pack is one sequential write
//! and one fsync per batch.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use newsdex_core::RawHash;
use serde::{Deserialize, Serialize};

use crate::{Result, StoreError};

const FILE_MAGIC: &[u8; 8] = b"NDXPACK1";
const REC_MAGIC: &[u8; 4] = b"NDXR";
const HEADER_LEN: u64 = 56;
/// A pack is closed once it passes this size (a single blob may exceed it).
pub const PACK_TARGET_SIZE: u64 = 1 << 30;
/// Records read whole into memory ([`RawStore::read`]) are at most this large; larger
/// blobs are streamed ([`RawStore::open_blob`]).
const MAX_WHOLE_RECORD: u64 = 4 << 30;
/// Uncompressed bytes per frame of a chunked (streamed) blob.
pub const CHUNK: usize = 256 << 10;
const CODEC_STORED: u8 = 0;
const CODEC_ZSTD: u8 = 1;
const CODEC_CHUNKED: u8 = 2;
/// Top bit of a chunk's stored length: the chunk is kept uncompressed.
const CHUNK_RAW: u32 = 1 << 31;
const TRAILER_FIXED: u64 = 16;

/// Where a record lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobLoc {
    pub pack: u32,
    /// Offset of the record header.
    pub offset: u64,
    /// Uncompressed length.
    pub len: u64,
    /// Stored length (payload only).
    pub stored_len: u64,
}

impl BlobLoc {
    /// Offset just past this record.
    pub fn end(&self) -> u64 {
        self.offset + HEADER_LEN + self.stored_len
    }
}

/// Kind of a pack record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Blob,
    Source,
}

/// One record found by [`RawStore::scan`].
#[derive(Debug)]
pub struct PackRecord {
    pub kind: RecordKind,
    pub hash: RawHash,
    pub loc: BlobLoc,
    /// The uncompressed payload of an ingest-log entry. Empty for a blob: a scan never
    /// holds input bytes (read them with [`RawStore::read`] or [`RawStore::open_blob`]).
    pub data: Vec<u8>,
}

/// An ingest-log entry: one input as given to `ingest` (or the API), with the options that
/// shape how it is extracted. Reindex replays these in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Path or name the input was read from.
    pub source: String,
    /// The blob holding its bytes; `None` when the bytes were refused (e.g. too large).
    pub raw: Option<RawHash>,
    /// Size of the input in bytes.
    pub size: u64,
    /// RFC 3339 UTC.
    pub ingested_at: String,
    /// Why the bytes were not kept, when they were not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// Stable code of that refusal (`too-large`, `unreadable`, `not-a-file`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused_code: Option<String>,
    /// Outlet to assume for records that name none (`ingest --outlet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    /// Language to assume for records that name none (`ingest --lang`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Archives written before inputs were kept whole cut large JSON Lines inputs into
    /// parts, one blob each: this entry's part (0-based)…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    /// …and the line of the whole input its first line is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_line: Option<u64>,
    /// For bytes fetched over HTTP (`newsdex collect`): the exchange, as the collector
    /// recorded it (request and response headers, status, address, time). The body is
    /// the blob, byte for byte as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<serde_json::Value>,
    /// Kept for the record only (a feed, robots.txt, an error page): not a document, so
    /// neither `ingest` nor `reindex` extracts from it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub record_only: bool,
    /// For an article page collected from a feed: what the feed said about the item,
    /// filling what the page lacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feed: Option<FeedHints>,
    /// The charset the transport named (HTTP `Content-Type`), for bytes fetched over HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
}

/// What a feed said about an item (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedHints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// As the feed gave it, normalised to RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The feed's (or the item's) declared language, a hint for a page too short or
    /// unclear to tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// The raw store: a directory of packs.
#[derive(Debug)]
pub struct RawStore {
    dir: PathBuf,
    /// Committed length of every pack, as recorded by the document store, and of every
    /// pack this store has finished writing since.
    ends: BTreeMap<u32, u64>,
    writer: Option<PackWriter>,
    /// Size at which a pack is closed.
    target: u64,
}

#[derive(Debug)]
struct PackWriter {
    pack: u32,
    file: File,
    len: u64,
}

/// A blob streamed into the store by [`RawStore::append_blob_stream`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamedBlob {
    pub hash: RawHash,
    pub loc: BlobLoc,
}

/// Why [`RawStore::append_blob_stream`] stopped.
#[derive(Debug)]
pub enum StreamError {
    /// The input had more than the cap; nothing was kept.
    TooLarge { read: u64 },
    /// Reading the input failed; nothing was kept.
    Read(std::io::Error),
    /// Writing the pack failed.
    Store(StoreError),
}

impl RawStore {
    /// Open the packs in `dir` for reading.
    pub fn open_read(dir: &Path) -> RawStore {
        RawStore { dir: dir.to_path_buf(), ends: BTreeMap::new(), writer: None, target: PACK_TARGET_SIZE }
    }

    /// Open for writing. `committed` is each pack's committed length as recorded by the
    /// document store. Bytes past it are the remains of an interrupted batch and are cut
    /// off; a pack the document store never heard of is emptied.
    pub fn open_write(dir: &Path, committed: BTreeMap<u32, u64>) -> Result<RawStore> {
        std::fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
        for (pack, path) in list_packs(dir)? {
            let want = committed.get(&pack).copied().unwrap_or(FILE_MAGIC.len() as u64);
            let have = std::fs::metadata(&path).map_err(StoreError::io(&path))?.len();
            if have > want {
                tracing::warn!(pack = %path.display(), have, want, "cutting off an interrupted batch");
                let f = OpenOptions::new().write(true).open(&path).map_err(StoreError::io(&path))?;
                f.set_len(want).map_err(StoreError::io(&path))?;
                f.sync_all().map_err(StoreError::io(&path))?;
            } else if have < want {
                return Err(StoreError::Corrupt(format!(
                    "{} is {have} bytes but {want} were committed",
                    path.display()
                )));
            }
        }
        Ok(RawStore { dir: dir.to_path_buf(), ends: committed, writer: None, target: PACK_TARGET_SIZE })
    }

    /// Close packs at `bytes` instead of [`PACK_TARGET_SIZE`] (tests of the rollover use a
    /// small size; `NEWSDEX_PACK_SIZE` sets it for a whole process).
    pub fn set_target_size(&mut self, bytes: u64) {
        self.target = bytes.max(FILE_MAGIC.len() as u64 + 1);
    }

    fn pack_path(&self, pack: u32) -> PathBuf {
        pack_path(&self.dir, pack)
    }

    fn writer(&mut self, incoming: u64) -> Result<&mut PackWriter> {
        let roll = match &self.writer {
            Some(w) => w.len > FILE_MAGIC.len() as u64 && w.len + incoming > self.target,
            None => true,
        };
        if roll {
            // The pack being left must be durable and its length known before any other
            // pack is written: the batch's commit records the lengths of every pack it
            // touched, and a pack without a recorded length is cut back on the next open.
            if let Some(old) = self.writer.take() {
                old.file.sync_data().map_err(StoreError::io(self.pack_path(old.pack)))?;
                self.ends.insert(old.pack, old.len);
            }
            // Continue the last pack if it has room, else start the next one.
            let last = self.ends.iter().next_back().map(|(p, l)| (*p, *l));
            let (pack, len) = match last {
                Some((p, l)) if l + incoming <= self.target => (p, l),
                Some((p, _)) => (p + 1, 0),
                None => (1, 0),
            };
            let path = self.pack_path(pack);
            let mut file = OpenOptions::new()
                .create(true)
                .read(true)
                .write(true)
                .truncate(false)
                .open(&path)
                .map_err(StoreError::io(&path))?;
            let len = if len == 0 {
                file.set_len(0).map_err(StoreError::io(&path))?;
                file.write_all(FILE_MAGIC).map_err(StoreError::io(&path))?;
                FILE_MAGIC.len() as u64
            } else {
                file.seek(SeekFrom::Start(len)).map_err(StoreError::io(&path))?;
                len
            };
            self.writer = Some(PackWriter { pack, file, len });
        }
        Ok(self.writer.as_mut().expect("writer was just set"))
    }

    /// Append a blob of input bytes; returns where it went. The caller checks first that
    /// the hash is not already stored.
    pub fn append_blob(&mut self, hash: RawHash, bytes: &[u8]) -> Result<BlobLoc> {
        self.append(RecordKind::Blob, hash, bytes)
    }

    /// Append an ingest-log entry.
    pub fn append_source(&mut self, rec: &SourceRecord) -> Result<BlobLoc> {
        let json = serde_json::to_vec(rec).expect("a source record always serialises");
        self.append(RecordKind::Source, RawHash::of(&json), &json)
    }

    fn append(&mut self, kind: RecordKind, hash: RawHash, bytes: &[u8]) -> Result<BlobLoc> {
        if bytes.len() as u64 > MAX_WHOLE_RECORD {
            return Err(StoreError::Corrupt(format!("record of {} bytes is too large", bytes.len())));
        }
        // Level 3: ~300 MB/s on this class of machine, within a few % of level 9's ratio on
        // news text. Already-compressed inputs (gzip) are kept as they are.
        let compressed = zstd::bulk::compress(bytes, 3).ok().filter(|c| c.len() < bytes.len());
        let (codec, payload): (u8, &[u8]) = match &compressed {
            Some(c) => (CODEC_ZSTD, c),
            None => (CODEC_STORED, bytes),
        };
        let dir = self.dir.clone();
        let w = self.writer(HEADER_LEN + payload.len() as u64)?;
        let header = header(kind, codec, &hash, bytes.len() as u64, payload.len() as u64);
        let offset = w.len;
        let path = pack_path(&dir, w.pack);
        w.file.write_all(&header).map_err(StoreError::io(&path))?;
        w.file.write_all(payload).map_err(StoreError::io(&path))?;
        w.len += HEADER_LEN + payload.len() as u64;
        Ok(BlobLoc { pack: w.pack, offset, len: bytes.len() as u64, stored_len: payload.len() as u64 })
    }

    /// Stream `input` into the store as one blob, never holding more than a chunk of it in
    /// memory; at most `max` bytes are taken. Returns its hash and place. If the input has
    /// more than `max` bytes or cannot be read, the partial record is removed again and
    /// nothing is kept. The caller drops the blob with [`RawStore::unappend`] if its hash
    /// turns out to be stored already.
    pub fn append_blob_stream(&mut self, input: &mut dyn Read, max: u64) -> Result<StreamedBlob, StreamError> {
        let dir = self.dir.clone();
        let w = self.writer(0).map_err(StreamError::Store)?;
        let path = pack_path(&dir, w.pack);
        let offset = w.len;
        let res = write_chunked(&mut w.file, input, max);
        match res {
            Ok((hash, ulen, clen)) => {
                w.len += HEADER_LEN + clen;
                Ok(StreamedBlob { hash, loc: BlobLoc { pack: w.pack, offset, len: ulen, stored_len: clen } })
            }
            Err(e) => {
                // Whatever was written of the record goes again.
                let undo = w.file.set_len(offset).and_then(|()| w.file.seek(SeekFrom::Start(offset)).map(|_| ()));
                if let Err(u) = undo {
                    return Err(StreamError::Store(StoreError::io(&path)(u)));
                }
                Err(match e {
                    ChunkError::TooLarge(read) => StreamError::TooLarge { read },
                    ChunkError::Read(e) => StreamError::Read(e),
                    ChunkError::Write(e) => StreamError::Store(StoreError::io(&path)(e)),
                })
            }
        }
    }

    /// Remove the record at `loc`, which must be the last one appended (a streamed blob
    /// whose hash was already stored).
    pub fn unappend(&mut self, loc: &BlobLoc) -> Result<()> {
        let path = self.pack_path(loc.pack);
        match &mut self.writer {
            Some(w) if w.pack == loc.pack && w.len == loc.end() => {
                w.file.set_len(loc.offset).map_err(StoreError::io(&path))?;
                w.file.seek(SeekFrom::Start(loc.offset)).map_err(StoreError::io(&path))?;
                w.len = loc.offset;
                Ok(())
            }
            _ => Err(StoreError::Corrupt(format!("{}: record at {} is not the last one", path.display(), loc.offset))),
        }
    }

    /// Make everything appended so far durable; returns the pack lengths the caller must
    /// commit in the same transaction as the documents that reference them.
    pub fn sync(&mut self) -> Result<BTreeMap<u32, u64>> {
        if let Some(w) = &mut self.writer {
            w.file.sync_data().map_err(StoreError::io(pack_path(&self.dir, w.pack)))?;
            self.ends.insert(w.pack, w.len);
        }
        Ok(self.ends.clone())
    }

    /// Read and verify one record's payload, whole.
    pub fn read(&self, loc: &BlobLoc) -> Result<Vec<u8>> {
        let path = self.pack_path(loc.pack);
        let mut f = File::open(&path).map_err(StoreError::io(&path))?;
        f.seek(SeekFrom::Start(loc.offset)).map_err(StoreError::io(&path))?;
        let mut r = BufReader::new(f);
        match read_record(&mut r, loc.pack, loc.offset)? {
            Some(rec) => Ok(rec.data),
            None => Err(StoreError::Corrupt(format!("{}: no record at offset {}", path.display(), loc.offset))),
        }
    }

    /// A blob's bytes as a stream, whatever its size: memory stays at one chunk. Reading
    /// to the end checks the hash (a mismatch is an `InvalidData` error); after
    /// [`BlobReader::skip`] the part read is not checked.
    pub fn open_blob(&self, loc: &BlobLoc) -> Result<BlobReader> {
        let path = self.pack_path(loc.pack);
        let mut f = File::open(&path).map_err(StoreError::io(&path))?;
        f.seek(SeekFrom::Start(loc.offset)).map_err(StoreError::io(&path))?;
        let mut h = [0u8; HEADER_LEN as usize];
        f.read_exact(&mut h).map_err(StoreError::io(&path))?;
        let head = parse_header(&h, loc.pack, loc.offset)?;
        if head.clen != loc.stored_len || head.ulen != loc.len {
            return Err(StoreError::Corrupt(format!(
                "pack {} @ {}: the record is not the one the index names",
                loc.pack, loc.offset
            )));
        }
        let payload = loc.offset + HEADER_LEN;
        let inner = match head.codec {
            CODEC_STORED => Inner::Stored(BufReader::with_capacity(CHUNK, f).take(head.clen)),
            CODEC_ZSTD => {
                let d = zstd::stream::read::Decoder::new(BufReader::new(f).take(head.clen))
                    .map_err(StoreError::io(&path))?;
                Inner::Zstd(Box::new(d))
            }
            CODEC_CHUNKED => Inner::Chunked(Chunked::open(f, payload, head.clen, head.ulen, loc.pack)?),
            c => return Err(StoreError::Corrupt(format!("pack {} @ {}: unknown codec {c}", loc.pack, loc.offset))),
        };
        Ok(BlobReader { inner, hasher: Some(blake3::Hasher::new()), expect: head.hash, ulen: head.ulen, pos: 0 })
    }

    /// Every record in every pack, in the order written, without reading blob payloads. A
    /// torn record at the end of a pack (an interrupted batch) ends that pack's scan;
    /// damage anywhere else is an error.
    pub fn scan(&self) -> Result<impl Iterator<Item = Result<PackRecord>> + '_> {
        let packs = list_packs(&self.dir)?;
        Ok(packs.into_iter().flat_map(move |(pack, path)| PackScan::new(pack, path)))
    }

    /// Total bytes on disk in packs.
    pub fn disk_size(&self) -> Result<u64> {
        let mut n = 0;
        for (_, path) in list_packs(&self.dir)? {
            n += std::fs::metadata(&path).map_err(StoreError::io(&path))?.len();
        }
        Ok(n)
    }
}

fn header(kind: RecordKind, codec: u8, hash: &RawHash, ulen: u64, clen: u64) -> Vec<u8> {
    let mut header = Vec::with_capacity(HEADER_LEN as usize);
    header.extend_from_slice(REC_MAGIC);
    header.push(match kind {
        RecordKind::Blob => 1,
        RecordKind::Source => 2,
    });
    header.push(codec);
    header.extend_from_slice(&[0, 0]);
    header.extend_from_slice(&hash.0);
    header.extend_from_slice(&ulen.to_le_bytes());
    header.extend_from_slice(&clen.to_le_bytes());
    header
}

enum ChunkError {
    TooLarge(u64),
    Read(std::io::Error),
    Write(std::io::Error),
}

/// Write a chunked blob record at the file's position: a placeholder header, the frames,
/// the trailer, then the real header. Returns (hash, ulen, clen).
fn write_chunked(file: &mut File, input: &mut dyn Read, max: u64) -> Result<(RawHash, u64, u64), ChunkError> {
    let start = file.stream_position().map_err(ChunkError::Write)?;
    file.write_all(&[0u8; HEADER_LEN as usize]).map_err(ChunkError::Write)?;
    let mut out = std::io::BufWriter::with_capacity(CHUNK, &mut *file);
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; CHUNK];
    let mut lens: Vec<u32> = Vec::new();
    let (mut ulen, mut clen) = (0u64, 0u64);
    let mut compressor = zstd::bulk::Compressor::new(3).map_err(ChunkError::Write)?;
    loop {
        let n = read_full(input, &mut buf).map_err(ChunkError::Read)?;
        if n == 0 {
            break;
        }
        if ulen + n as u64 > max {
            return Err(ChunkError::TooLarge(ulen + n as u64));
        }
        let chunk = &buf[..n];
        hasher.update(chunk);
        ulen += n as u64;
        let packed = compressor.compress(chunk).ok().filter(|c| c.len() < n);
        let (len, bytes) = match &packed {
            Some(c) => (c.len() as u32, &c[..]),
            None => (n as u32 | CHUNK_RAW, chunk),
        };
        out.write_all(bytes).map_err(ChunkError::Write)?;
        clen += bytes.len() as u64;
        lens.push(len);
        if n < CHUNK {
            break;
        }
    }
    for l in &lens {
        out.write_all(&l.to_le_bytes()).map_err(ChunkError::Write)?;
    }
    out.write_all(&(lens.len() as u64).to_le_bytes()).map_err(ChunkError::Write)?;
    out.write_all(&(CHUNK as u64).to_le_bytes()).map_err(ChunkError::Write)?;
    out.flush().map_err(ChunkError::Write)?;
    drop(out);
    clen += lens.len() as u64 * 4 + TRAILER_FIXED;
    let hash = RawHash(*hasher.finalize().as_bytes());
    file.seek(SeekFrom::Start(start)).map_err(ChunkError::Write)?;
    file.write_all(&header(RecordKind::Blob, CODEC_CHUNKED, &hash, ulen, clen)).map_err(ChunkError::Write)?;
    file.seek(SeekFrom::Start(start + HEADER_LEN + clen)).map_err(ChunkError::Write)?;
    Ok((hash, ulen, clen))
}

/// A blob being read as a stream ([`RawStore::open_blob`]).
pub struct BlobReader {
    inner: Inner,
    /// Hashes what is read, until a skip.
    hasher: Option<blake3::Hasher>,
    expect: [u8; 32],
    ulen: u64,
    /// Uncompressed bytes passed so far (read or skipped).
    pos: u64,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader").field("ulen", &self.ulen).field("pos", &self.pos).finish()
    }
}

enum Inner {
    Stored(std::io::Take<BufReader<File>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, BufReader<std::io::Take<BufReader<File>>>>>),
    Chunked(Chunked),
}

/// Reading a chunked payload: the trailer's frame table, and the chunk being read.
struct Chunked {
    file: File,
    pack: u32,
    /// Start of each frame, relative to the file.
    starts: Vec<u64>,
    lens: Vec<u32>,
    chunk: u64,
    ulen: u64,
    /// Next frame to decompress.
    next: usize,
    buf: Vec<u8>,
    at: usize,
}

impl Chunked {
    fn open(mut file: File, payload: u64, clen: u64, ulen: u64, pack: u32) -> Result<Chunked> {
        let bad = |what: &str| StoreError::Corrupt(format!("pack {pack} @ {}: {what}", payload - HEADER_LEN));
        if clen < TRAILER_FIXED {
            return Err(bad("chunked record without its trailer"));
        }
        let io = |e| bad(&format!("reading the chunk table: {e}"));
        file.seek(SeekFrom::Start(payload + clen - TRAILER_FIXED)).map_err(io)?;
        let mut fixed = [0u8; 16];
        file.read_exact(&mut fixed).map_err(io)?;
        let n = u64::from_le_bytes(fixed[..8].try_into().expect("8 bytes"));
        let chunk = u64::from_le_bytes(fixed[8..].try_into().expect("8 bytes"));
        if chunk == 0 || n.saturating_mul(4).saturating_add(TRAILER_FIXED) > clen || n != ulen.div_ceil(chunk) {
            return Err(bad("implausible chunk table"));
        }
        let table_at = payload + clen - TRAILER_FIXED - n * 4;
        file.seek(SeekFrom::Start(table_at)).map_err(io)?;
        let mut table = vec![0u8; n as usize * 4];
        file.read_exact(&mut table).map_err(io)?;
        let lens: Vec<u32> =
            table.chunks_exact(4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))).collect();
        let mut starts = Vec::with_capacity(lens.len());
        let mut at = payload;
        for l in &lens {
            starts.push(at);
            at += u64::from(l & !CHUNK_RAW);
        }
        if at != table_at {
            return Err(bad("chunk table does not add up"));
        }
        Ok(Chunked { file, pack, starts, lens, chunk, ulen, next: 0, buf: Vec::new(), at: 0 })
    }

    /// Decompress frame `i` into `buf`.
    fn load(&mut self, i: usize) -> std::io::Result<()> {
        let len = self.lens[i];
        let stored = (len & !CHUNK_RAW) as usize;
        let want = (self.ulen - i as u64 * self.chunk).min(self.chunk) as usize;
        let mut frame = vec![0u8; stored];
        self.file.seek(SeekFrom::Start(self.starts[i]))?;
        self.file.read_exact(&mut frame)?;
        self.buf = if len & CHUNK_RAW != 0 {
            frame
        } else {
            zstd::bulk::decompress(&frame, want).map_err(|e| invalid(format!("pack {}: chunk {i}: {e}", self.pack)))?
        };
        if self.buf.len() != want {
            return Err(invalid(format!("pack {}: chunk {i} has {} bytes, not {want}", self.pack, self.buf.len())));
        }
        self.at = 0;
        self.next = i + 1;
        Ok(())
    }
}

impl Read for Chunked {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.buf.len() {
            if self.next == self.lens.len() {
                return Ok(0);
            }
            self.load(self.next)?;
        }
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg)
}

impl BlobReader {
    /// Uncompressed length of the whole blob.
    pub fn len(&self) -> u64 {
        self.ulen
    }

    pub fn is_empty(&self) -> bool {
        self.ulen == 0
    }

    /// Move `n` bytes forward without returning them: a chunked blob jumps to the chunk
    /// holding the target (cost: one chunk), a stored one seeks, a single zstd frame is
    /// decompressed and dropped on the way. What follows is no longer hash-checked.
    pub fn skip(&mut self, n: u64) -> std::io::Result<()> {
        self.hasher = None;
        let target = self.pos.saturating_add(n).min(self.ulen);
        match &mut self.inner {
            Inner::Stored(t) => {
                let left = t.limit();
                let step = target - self.pos;
                t.get_mut().seek_relative(step as i64)?;
                t.set_limit(left - step);
            }
            Inner::Zstd(d) => {
                std::io::copy(&mut d.by_ref().take(target - self.pos), &mut std::io::sink())?;
            }
            Inner::Chunked(c) => {
                if target < self.ulen {
                    let i = (target / c.chunk) as usize;
                    if c.next != i + 1 || c.buf.is_empty() {
                        c.load(i)?;
                    }
                    c.at = (target - i as u64 * c.chunk) as usize;
                } else {
                    c.next = c.lens.len();
                    c.at = c.buf.len();
                }
            }
        }
        self.pos = target;
        Ok(())
    }
}

impl Read for BlobReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = match &mut self.inner {
            Inner::Stored(t) => t.read(out)?,
            Inner::Zstd(d) => d.read(out)?,
            Inner::Chunked(c) => c.read(out)?,
        };
        self.pos += n as u64;
        if let Some(h) = &mut self.hasher {
            h.update(&out[..n]);
            if n == 0 && !out.is_empty() {
                let ok = self.pos == self.ulen && *h.finalize().as_bytes() == self.expect;
                self.hasher = None;
                if !ok {
                    return Err(invalid("raw store: a blob's content does not match its hash".into()));
                }
            }
        }
        Ok(n)
    }
}

fn pack_path(dir: &Path, pack: u32) -> PathBuf {
    dir.join(format!("{pack:06}.pack"))
}

fn list_packs(dir: &Path) -> Result<Vec<(u32, PathBuf)>> {
    let mut out = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(StoreError::io(dir)(e)),
    };
    for entry in rd {
        let entry = entry.map_err(StoreError::io(dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if let Some(stem) = name.strip_suffix(".pack")
            && let Ok(n) = stem.parse::<u32>()
        {
            out.push((n, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

struct Header {
    kind: RecordKind,
    codec: u8,
    hash: [u8; 32],
    ulen: u64,
    clen: u64,
}

fn parse_header(h: &[u8; HEADER_LEN as usize], pack: u32, offset: u64) -> Result<Header> {
    let torn = |what: &str| StoreError::Corrupt(format!("pack {pack} @ {offset}: {what}"));
    if &h[0..4] != REC_MAGIC {
        return Err(torn("bad record magic"));
    }
    let kind = match h[4] {
        1 => RecordKind::Blob,
        2 => RecordKind::Source,
        k => return Err(torn(&format!("unknown record kind {k}"))),
    };
    let mut hash = [0u8; 32];
    hash.copy_from_slice(&h[8..40]);
    let ulen = u64::from_le_bytes(h[40..48].try_into().expect("8 bytes"));
    let clen = u64::from_le_bytes(h[48..56].try_into().expect("8 bytes"));
    let codec = h[5];
    if codec != CODEC_CHUNKED && (ulen > MAX_WHOLE_RECORD || clen > MAX_WHOLE_RECORD) {
        return Err(torn("implausible record length"));
    }
    Ok(Header { kind, codec, hash, ulen, clen })
}

/// Read one record, whole, at the reader's position. `Ok(None)` at a clean end of file.
fn read_record<R: Read>(r: &mut R, pack: u32, offset: u64) -> Result<Option<PackRecord>> {
    let mut h = [0u8; HEADER_LEN as usize];
    let got = read_full(r, &mut h).map_err(|e| StoreError::Corrupt(format!("pack {pack} @ {offset}: {e}")))?;
    if got == 0 {
        return Ok(None);
    }
    let torn = |what: &str| StoreError::Corrupt(format!("pack {pack} @ {offset}: {what}"));
    if got < h.len() {
        return Err(torn("truncated header"));
    }
    let head = parse_header(&h, pack, offset)?;
    if head.ulen > MAX_WHOLE_RECORD {
        return Err(torn("record too large to read whole"));
    }
    let mut payload = vec![0u8; head.clen as usize];
    let got = read_full(r, &mut payload).map_err(|e| torn(&e.to_string()))?;
    if got < payload.len() {
        return Err(torn("truncated payload"));
    }
    let data = match head.codec {
        CODEC_STORED => payload,
        CODEC_ZSTD => zstd::bulk::decompress(&payload, head.ulen as usize).map_err(|e| torn(&format!("zstd: {e}")))?,
        CODEC_CHUNKED => {
            // Rare (a large blob read whole): decode through the streaming reader's logic.
            let mut out = Vec::with_capacity(head.ulen as usize);
            let cur = std::io::Cursor::new(payload);
            decode_chunked(cur, head.clen, head.ulen, &mut out).map_err(|e| torn(&e.to_string()))?;
            out
        }
        c => return Err(torn(&format!("unknown codec {c}"))),
    };
    if data.len() as u64 != head.ulen || RawHash::of(&data).0 != head.hash {
        return Err(torn("content does not match its hash"));
    }
    Ok(Some(PackRecord {
        kind: head.kind,
        hash: RawHash(head.hash),
        loc: BlobLoc { pack, offset, len: head.ulen, stored_len: head.clen },
        data,
    }))
}

/// Decode a chunked payload held in memory.
fn decode_chunked(mut cur: std::io::Cursor<Vec<u8>>, clen: u64, ulen: u64, out: &mut Vec<u8>) -> std::io::Result<()> {
    let bytes = cur.get_mut();
    let fixed = &bytes[(clen - TRAILER_FIXED) as usize..];
    let n = u64::from_le_bytes(fixed[..8].try_into().expect("8 bytes")) as usize;
    let chunk = u64::from_le_bytes(fixed[8..16].try_into().expect("8 bytes"));
    let table_at = (clen - TRAILER_FIXED) as usize - n * 4;
    let mut at = 0usize;
    for (i, l) in bytes[table_at..table_at + n * 4].chunks_exact(4).enumerate() {
        let l = u32::from_le_bytes(l.try_into().expect("4 bytes"));
        let stored = (l & !CHUNK_RAW) as usize;
        let frame = bytes.get(at..at + stored).ok_or_else(|| invalid("chunk past the table".into()))?;
        let want = (ulen - i as u64 * chunk).min(chunk) as usize;
        if l & CHUNK_RAW != 0 {
            out.extend_from_slice(frame);
        } else {
            out.extend_from_slice(&zstd::bulk::decompress(frame, want)?);
        }
        at += stored;
    }
    Ok(())
}

fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

struct PackScan {
    pack: u32,
    path: PathBuf,
    reader: Option<BufReader<File>>,
    offset: u64,
    len: u64,
    done: bool,
}

impl PackScan {
    fn new(pack: u32, path: PathBuf) -> PackScan {
        PackScan { pack, path, reader: None, offset: 0, len: 0, done: false }
    }

    /// The next record: a source entry read whole, a blob's header only (its payload is
    /// skipped). `Ok(None)` at a clean end.
    fn next_record(&mut self) -> Result<Option<PackRecord>> {
        let (pack, offset, len) = (self.pack, self.offset, self.len);
        let r = self.reader.as_mut().expect("opened");
        let torn = |what: &str| StoreError::Corrupt(format!("pack {pack} @ {offset}: {what}"));
        let mut h = [0u8; HEADER_LEN as usize];
        let got = read_full(r, &mut h).map_err(|e| torn(&e.to_string()))?;
        if got == 0 {
            return Ok(None);
        }
        if got < h.len() {
            return Err(torn("truncated header"));
        }
        let head = parse_header(&h, pack, offset)?;
        if offset + HEADER_LEN + head.clen > len {
            return Err(torn("truncated payload"));
        }
        if head.kind == RecordKind::Blob {
            r.seek_relative(head.clen as i64).map_err(|e| torn(&e.to_string()))?;
            return Ok(Some(PackRecord {
                kind: head.kind,
                hash: RawHash(head.hash),
                loc: BlobLoc { pack, offset, len: head.ulen, stored_len: head.clen },
                data: Vec::new(),
            }));
        }
        let mut whole = std::io::Cursor::new(h).chain(r.by_ref().take(head.clen));
        read_record(&mut whole, pack, offset)
    }
}

impl Iterator for PackScan {
    type Item = Result<PackRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.reader.is_none() {
            let opened = File::open(&self.path).and_then(|f| {
                let len = f.metadata()?.len();
                let mut r = BufReader::with_capacity(1 << 20, f);
                let mut magic = [0u8; 8];
                let got = read_full(&mut r, &mut magic)?;
                Ok((r, len, got == 8 && &magic == FILE_MAGIC))
            });
            match opened {
                Ok((r, len, true)) => {
                    self.reader = Some(r);
                    self.len = len;
                    self.offset = FILE_MAGIC.len() as u64;
                }
                Ok((_, len, false)) => {
                    self.done = true;
                    // An empty file is a pack created by a batch that never committed.
                    return (len > 0)
                        .then(|| Err(StoreError::Corrupt(format!("{} is not a pack", self.path.display()))));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(StoreError::io(&self.path)(e)));
                }
            }
        }
        match self.next_record() {
            Ok(Some(rec)) => {
                self.offset += HEADER_LEN + rec.loc.stored_len;
                Some(Ok(rec))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                // A torn tail can only be the last record of the last batch: skip it quietly
                // (open_write cuts it off). Damage with valid records after it is reported.
                if looks_torn(&e) {
                    tracing::warn!(
                        pack = self.pack,
                        offset = self.offset,
                        "ignoring a torn record at the end of a pack"
                    );
                    None
                } else {
                    Some(Err(e))
                }
            }
        }
    }
}

fn looks_torn(e: &StoreError) -> bool {
    matches!(e, StoreError::Corrupt(m) if m.contains("truncated"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(store: &mut RawStore, bytes: &[u8]) -> BlobLoc {
        store.append_blob(RawHash::of(bytes), bytes).unwrap()
    }

    #[test]
    fn blobs_round_trip_and_scan_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RawStore::open_write(dir.path(), BTreeMap::new()).unwrap();
        let a = blob(&mut s, b"first article text, repeated repeated repeated repeated");
        let b = blob(&mut s, &[0xff, 0x00, 0x1f, 0x8b]);
        let src = SourceRecord {
            source: "a.txt".into(),
            raw: Some(RawHash::of(b"x")),
            size: 1,
            ingested_at: "2026-11-22T00:00:00Z".into(),
            refused: None,
            refused_code: None,
            outlet: Some("RFA".into()),
            lang: None,
            part: Some(2),
            first_line: Some(1001),
            ..Default::default()
        };
        s.append_source(&src).unwrap();
        s.sync().unwrap();
        assert_eq!(s.read(&a).unwrap(), b"first article text, repeated repeated repeated repeated");
        assert_eq!(s.read(&b).unwrap(), [0xff, 0x00, 0x1f, 0x8b]);
        let all: Vec<_> = s.scan().unwrap().collect::<Result<_>>().unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[2].kind, RecordKind::Source);
        // A scan never holds input bytes.
        assert!(all[0].data.is_empty() && all[0].loc == a);
        let back: SourceRecord = serde_json::from_slice(&all[2].data).unwrap();
        assert_eq!(back, src);
    }

    #[test]
    fn uncommitted_tail_is_cut_off_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RawStore::open_write(dir.path(), BTreeMap::new()).unwrap();
        blob(&mut s, b"committed");
        let ends = s.sync().unwrap();
        blob(&mut s, b"never committed: the process was killed here");
        drop(s);
        let s = RawStore::open_write(dir.path(), ends.clone()).unwrap();
        let all: Vec<_> = s.scan().unwrap().collect::<Result<_>>().unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(s.read(&all[0].loc).unwrap(), b"committed");
        // Appending continues at the committed end.
        let mut s = s;
        let c = blob(&mut s, b"next batch");
        assert_eq!(c.offset, ends[&1]);
    }

    #[test]
    fn torn_record_at_the_end_is_skipped_by_scan() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RawStore::open_write(dir.path(), BTreeMap::new()).unwrap();
        blob(&mut s, b"whole");
        blob(&mut s, b"this one gets torn in half by a crash");
        s.sync().unwrap();
        drop(s);
        let path = pack_path(dir.path(), 1);
        let len = std::fs::metadata(&path).unwrap().len();
        OpenOptions::new().write(true).open(&path).unwrap().set_len(len - 10).unwrap();
        let s = RawStore::open_read(dir.path());
        let all: Vec<_> = s.scan().unwrap().collect::<Result<_>>().unwrap();
        assert_eq!(all.len(), 1);
    }

    #[test]
    fn damaged_bytes_are_reported_not_returned() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RawStore::open_write(dir.path(), BTreeMap::new()).unwrap();
        let a = blob(&mut s, b"some bytes that will be flipped");
        s.sync().unwrap();
        drop(s);
        let path = pack_path(dir.path(), 1);
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 0x55;
        std::fs::write(&path, bytes).unwrap();
        let s = RawStore::open_read(dir.path());
        let err = s.read(&a).unwrap_err().to_string();
        assert!(err.contains("does not match its hash") || err.contains("zstd"), "{err}");
    }

    /// Bytes that compress in places (100 kB runs of text) and not in others (noise),
    /// like a real mixed input; `text: false` gives noise only.
    fn bytes_of(n: usize, text: bool) -> Vec<u8> {
        let mut x = 0x9e3779b97f4a7c15u64;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if text && (i / 100_000) % 2 == 0 { b"news text "[i % 10] } else { x as u8 }
            })
            .collect()
    }

    fn mixed(n: usize) -> Vec<u8> {
        bytes_of(n, true)
    }

    #[test]
    fn regression_pack_rollover_keeps_the_pack_it_leaves() {
        // A pack that filled up was left without an fsync and without its length among the
        // committed ones, so the next writer cut it back as an interrupted batch: committed
        // inputs were destroyed.
        let dir = tempfile::tempdir().unwrap();
        let mut s = RawStore::open_write(dir.path(), BTreeMap::new()).unwrap();
        s.set_target_size(4096);
        let first: Vec<u8> = bytes_of(3000, false);
        let a = blob(&mut s, &first);
        let b = blob(&mut s, &bytes_of(5000, false)[1000..]); // rolls over to pack 2
        assert_eq!((a.pack, b.pack), (1, 2));
        let ends = s.sync().unwrap();
        assert_eq!(ends.get(&1), Some(&a.end()), "the left pack's length is committed too");
        drop(s);
        // The next writer keeps both.
        let s = RawStore::open_write(dir.path(), ends).unwrap();
        assert_eq!(s.read(&a).unwrap(), first);
        assert_eq!(s.scan().unwrap().count(), 2);
    }

    #[test]
    fn streamed_blobs_round_trip_and_read_from_any_offset() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RawStore::open_write(dir.path(), BTreeMap::new()).unwrap();
        let bytes = mixed(3 * CHUNK + 12_345);
        let got = s.append_blob_stream(&mut &bytes[..], u64::MAX).unwrap();
        assert_eq!(got.hash, RawHash::of(&bytes));
        assert_eq!(got.loc.len, bytes.len() as u64);
        assert!(got.loc.stored_len < bytes.len() as u64, "the text half compresses");
        let after = blob(&mut s, b"a small one after it");
        s.sync().unwrap();
        // Whole: read, and streamed (hash checked at the end).
        assert_eq!(s.read(&got.loc).unwrap(), bytes);
        let mut all = Vec::new();
        s.open_blob(&got.loc).unwrap().read_to_end(&mut all).unwrap();
        assert_eq!(all, bytes);
        // From any offset, across chunk edges, forwards in several steps.
        for start in [0, 1, CHUNK - 3, CHUNK, 2 * CHUNK + 77, bytes.len() - 5, bytes.len()] {
            let mut r = s.open_blob(&got.loc).unwrap();
            r.skip(start as u64).unwrap();
            let mut part = vec![0u8; 10.min(bytes.len() - start)];
            r.read_exact(&mut part).unwrap();
            assert_eq!(part, bytes[start..start + part.len()], "at {start}");
            r.skip(CHUNK as u64).unwrap();
            let mut next = [0u8; 1];
            let at = start + part.len() + CHUNK;
            match r.read(&mut next).unwrap() {
                1 => assert_eq!(next[0], bytes[at], "after a second skip from {start}"),
                _ => assert!(at >= bytes.len()),
            }
        }
        assert_eq!(s.read(&after).unwrap(), b"a small one after it");
        let scanned: Vec<_> = s.scan().unwrap().collect::<Result<_>>().unwrap();
        assert_eq!(scanned.iter().map(|r| r.loc).collect::<Vec<_>>(), [got.loc, after]);
    }

    #[test]
    fn a_streamed_blob_over_the_cap_or_unreadable_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RawStore::open_write(dir.path(), BTreeMap::new()).unwrap();
        let a = blob(&mut s, b"kept");
        let bytes = mixed(CHUNK * 2);
        match s.append_blob_stream(&mut &bytes[..], CHUNK as u64 + 1) {
            Err(StreamError::TooLarge { read }) => assert!(read > CHUNK as u64),
            other => panic!("{other:?}"),
        }
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, b: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk unplugged"));
                }
                self.0 -= 1;
                b.fill(b'x');
                Ok(b.len())
            }
        }
        assert!(matches!(s.append_blob_stream(&mut Failing(40), u64::MAX), Err(StreamError::Read(_))));
        // A duplicate streamed in is taken back out.
        let dup = s.append_blob_stream(&mut &b"kept"[..], 100).unwrap();
        s.unappend(&dup.loc).unwrap();
        let ends = s.sync().unwrap();
        assert_eq!(ends[&1], a.end());
        let all: Vec<_> = s.scan().unwrap().collect::<Result<_>>().unwrap();
        assert_eq!(all.len(), 1);
    }

    #[test]
    fn a_damaged_chunk_is_reported_by_a_whole_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = RawStore::open_write(dir.path(), BTreeMap::new()).unwrap();
        let bytes = mixed(2 * CHUNK);
        let got = s.append_blob_stream(&mut &bytes[..], u64::MAX).unwrap();
        s.sync().unwrap();
        drop(s);
        let path = pack_path(dir.path(), 1);
        let mut raw = std::fs::read(&path).unwrap();
        // A byte in the stored (incompressible) half.
        let at = (got.loc.offset + HEADER_LEN) as usize + 200_000;
        raw[at] ^= 0x55;
        std::fs::write(&path, raw).unwrap();
        let s = RawStore::open_read(dir.path());
        let mut out = Vec::new();
        let err = s.open_blob(&got.loc).unwrap().read_to_end(&mut out).unwrap_err();
        assert!(err.to_string().contains("does not match its hash"), "{err}");
    }
}
