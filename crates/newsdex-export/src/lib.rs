//! Exports: every match of a search as CSV or JSON Lines, as of one snapshot, with a
//! manifest that says what was asked and how to check what was written.
//!
//! * [`Format`], [`Field`]: what can be asked for; anything else is an [`ExportError`]
//!   naming what was given and what is offered (the CLI exits 2, the API answers 400).
//! * [`Exporter`]: writes a header and one row per [`ExportDoc`] (the engine reads the
//!   documents in chunks, so memory never holds the export).
//! * [`Hashing`]: a writer that counts bytes and computes the SHA-256 of what went
//!   through it, for the [`Manifest`].
//!
//! CSV is RFC 4180 (comma, CRLF line ends, a field quoted when it holds a comma, quote,
//! CR or LF, quotes doubled), UTF-8, optionally after a byte-order mark for spreadsheet
//! programs. The quoting is a dozen lines written here rather than a dependency: only
//! writing is needed, and its rules are the RFC's. List-valued fields (authors,
//! warnings, removed lines) are JSON text in a CSV cell and JSON values in JSON Lines.
//! Parquet ([`parquet`]) has one column per field, strings as UTF-8, absent values as
//! nulls, read by pyarrow and pandas (tested with them when a Python with pyarrow is
//! found).

pub mod parquet;

use std::io::Write;

use newsdex_engine::export::ExportDoc;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What went wrong with an export's request or its writing.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("format {given:?} is not offered: use one of {}", Format::NAMES.join(", "))]
    Format { given: String },
    #[error("unknown field {given:?}: the fields are {}", Field::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))]
    Field { given: String },
    #[error("no fields asked for: name one or more of {}", Field::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))]
    NoFields,
    #[error("field {0:?} is named twice")]
    Repeated(String),
}

/// A file format of exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Jsonl,
    Parquet,
}

impl Format {
    /// The names offered.
    pub const NAMES: [&'static str; 3] = ["csv", "jsonl", "parquet"];

    pub fn parse(s: &str) -> Result<Format, ExportError> {
        match s {
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::Jsonl),
            "parquet" => Ok(Format::Parquet),
            _ => Err(ExportError::Format { given: s.to_string() }),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Parquet => "parquet",
        }
    }

    /// The media type to serve it as.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Jsonl => "application/jsonl; charset=utf-8",
            Format::Parquet => "application/vnd.apache.parquet",
        }
    }
}

/// A column of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Title,
    Body,
    Url,
    Outlet,
    Published,
    PublishedGuessed,
    Ingested,
    Lang,
    Authors,
    Story,
    StorySize,
    StoryOutlets,
    Warnings,
    Removed,
    Source,
    Line,
    Format,
}

impl Field {
    /// Every field, in the order of a full export.
    pub const ALL: [Field; 18] = [
        Field::Id,
        Field::Title,
        Field::Body,
        Field::Url,
        Field::Outlet,
        Field::Published,
        Field::PublishedGuessed,
        Field::Ingested,
        Field::Lang,
        Field::Authors,
        Field::Story,
        Field::StorySize,
        Field::StoryOutlets,
        Field::Warnings,
        Field::Removed,
        Field::Source,
        Field::Line,
        Field::Format,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Id => "id",
            Field::Title => "title",
            Field::Body => "body",
            Field::Url => "url",
            Field::Outlet => "outlet",
            Field::Published => "published",
            Field::PublishedGuessed => "published_guessed",
            Field::Ingested => "ingested_at",
            Field::Lang => "lang",
            Field::Authors => "authors",
            Field::Story => "story",
            Field::StorySize => "story_size",
            Field::StoryOutlets => "story_outlets",
            Field::Warnings => "warnings",
            Field::Removed => "removed",
            Field::Source => "source",
            Field::Line => "line",
            Field::Format => "format",
        }
    }

    /// A comma-separated list of field names (spaces around names allowed); `None` or
    /// empty: every field.
    pub fn parse_list(list: Option<&str>) -> Result<Vec<Field>, ExportError> {
        let Some(list) = list else { return Ok(Field::ALL.to_vec()) };
        let mut out: Vec<Field> = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let f = Field::ALL
                .into_iter()
                .find(|f| f.name() == name)
                .ok_or_else(|| ExportError::Field { given: name.to_string() })?;
            if out.contains(&f) {
                return Err(ExportError::Repeated(name.to_string()));
            }
            out.push(f);
        }
        if out.is_empty() {
            return Err(ExportError::NoFields);
        }
        Ok(out)
    }

    /// This field of `d`, borrowed where the document holds it (nothing is copied
    /// before it is written).
    pub(crate) fn cell(self, d: &ExportDoc) -> Cell<'_> {
        let a = &d.row.article;
        fn opt(s: &Option<String>) -> Cell<'_> {
            s.as_deref().map_or(Cell::Null, Cell::Text)
        }
        fn json(v: &impl serde::Serialize) -> Cell<'static> {
            Cell::Json(serde_json::to_string(v).unwrap_or_else(|_| "null".into()))
        }
        match self {
            Field::Id => Cell::Owned(a.id.to_string()),
            Field::Title => Cell::Text(&a.title),
            Field::Body => Cell::Text(&a.body),
            Field::Url => opt(&a.url),
            Field::Outlet => opt(&a.outlet),
            Field::Published => a.published.as_ref().map_or(Cell::Null, |p| Cell::Owned(p.display().to_string())),
            Field::PublishedGuessed => Cell::Bool(a.warnings.iter().any(|w| w.code == "date-guessed")),
            Field::Ingested => Cell::Text(&d.row.provenance.ingested_at),
            Field::Lang => opt(&a.lang),
            Field::Authors => json(&a.authors),
            Field::Story => Cell::Owned(d.story.to_string()),
            Field::StorySize => Cell::Int(d.story_size as u64),
            Field::StoryOutlets => Cell::Int(d.story_outlets as u64),
            Field::Warnings => json(&a.warnings),
            Field::Removed => json(&a.removed),
            Field::Source => Cell::Text(&d.row.provenance.source),
            Field::Line => d.row.provenance.line.map_or(Cell::Null, Cell::Int),
            Field::Format => Cell::Text(a.format.as_str()),
        }
    }
}

/// One field's value for one document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    Null,
    Text(&'a str),
    Owned(String),
    Bool(bool),
    Int(u64),
    /// A list or a record, as compact JSON (in CSV and Parquet, the cell's text).
    Json(String),
}

impl Cell<'_> {
    /// As text: what a CSV cell or a Parquet text column holds (`None`: empty, null).
    pub(crate) fn text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Cell::Null => None,
            Cell::Text(s) => Some(Cow::Borrowed(s)),
            Cell::Owned(s) | Cell::Json(s) => Some(Cow::Borrowed(s.as_str())),
            Cell::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Cell::Int(n) => Some(Cow::Owned(n.to_string())),
        }
    }

    /// As a JSON value, appended to `out`.
    fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Cell::Null => out.extend_from_slice(b"null"),
            Cell::Text(s) => json_string(out, s),
            Cell::Owned(s) => json_string(out, s),
            Cell::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Cell::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
            Cell::Json(s) => out.extend_from_slice(s.as_bytes()),
        }
    }
}

/// `s` as a JSON string, appended to `out`, escaped exactly as serde_json escapes (`"`,
/// `\\`, the short forms `\b \f \n \r \t`, other control characters as `\u00xx`; nothing
/// else). Written here because serde_json looks up every byte in a table, which was a
/// tenth of an export's CPU time: this skips eight bytes at a time while none of them
/// needs escaping, and copies the runs between escapes whole. Checked against serde_json
/// by the property tests below.
fn json_string(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    // The start of the run not yet copied.
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(word) = b.get(i..i + 8)
            && !needs_escape(u64::from_le_bytes(word.try_into().expect("eight bytes")))
        {
            i += 8;
            continue;
        }
        let c = b[i];
        let short = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0..0x20 => b'u',
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&b[run..i]);
        if short == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]);
        } else {
            out.extend_from_slice(&[b'\\', short]);
        }
        i += 1;
        run = i;
    }
    out.extend_from_slice(&b[run..]);
    out.push(b'"');
}

/// Whether any of the eight bytes of `w` is a control character, `"` or `\\` (exact: the
/// classic "has a zero byte" and "has a byte less than n" tests on words).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    control | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\'))) != 0
}

/// Writes an export: a header (CSV), then one row per document.
#[derive(Debug, Clone)]
pub struct Exporter {
    pub format: Format,
    pub fields: Vec<Field>,
    /// Start a CSV with a UTF-8 byte-order mark (for spreadsheet programs).
    pub bom: bool,
}

impl Exporter {
    /// What comes before the first row.
    pub fn write_header(&self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.format != Format::Csv {
            return Ok(());
        }
        if self.bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        let mut line = Vec::new();
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            csv_cell(&mut line, f.name());
        }
        line.extend_from_slice(b"\r\n");
        out.write_all(&line)
    }

    /// One document.
    pub fn write_row(&self, out: &mut dyn Write, d: &ExportDoc) -> std::io::Result<()> {
        let mut line = Vec::with_capacity(d.row.article.body.len() + 512);
        self.encode_row(&mut line, d)?;
        out.write_all(&line)
    }

    /// Documents' rows, appended to `out` (what an export's reading threads do with each
    /// chunk they read).
    pub fn encode_rows(&self, docs: &[ExportDoc], out: &mut Vec<u8>) -> std::io::Result<()> {
        docs.iter().try_for_each(|d| self.encode_row(out, d))
    }

    /// One document's row, appended to `line`.
    pub fn encode_row(&self, line: &mut Vec<u8>, d: &ExportDoc) -> std::io::Result<()> {
        match self.format {
            Format::Parquet => Err(std::io::Error::other("a Parquet export is written by parquet::ParquetSink")),
            Format::Jsonl => {
                line.push(b'{');
                for (i, f) in self.fields.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    json_string(line, f.name());
                    line.push(b':');
                    f.cell(d).write_json(line);
                }
                line.extend_from_slice(b"}\n");
                Ok(())
            }
            Format::Csv => {
                for (i, f) in self.fields.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    if let Some(t) = f.cell(d).text() {
                        csv_cell(line, &t);
                    }
                }
                line.extend_from_slice(b"\r\n");
                Ok(())
            }
        }
    }
}

/// `s` as one RFC 4180 field: quoted when it holds a comma, a quote, CR or LF, with its
/// quotes doubled.
pub fn csv_cell(out: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\r', '\n']) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        let mut parts = s.split('"');
        out.extend_from_slice(parts.next().unwrap_or_default().as_bytes());
        for p in parts {
            out.extend_from_slice(b"\"\"");
            out.extend_from_slice(p.as_bytes());
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

/// A writer that passes bytes on while counting them and computing their SHA-256.
#[derive(Debug)]
pub struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Hashing<W> {
    pub fn new(inner: W) -> Hashing<W> {
        Hashing { inner, hash: Sha256::new(), bytes: 0 }
    }

    /// Flush, and give the byte count and the SHA-256 (lower-case hex).
    pub fn finish(mut self) -> std::io::Result<(W, u64, String)> {
        self.inner.flush()?;
        let digest = self.hash.finalize();
        let hex = digest.iter().map(|b| format!("{b:02x}")).collect();
        Ok((self.inner, self.bytes, hex))
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Data written to a [`SyncingFile`] between two requests to the kernel to start writing
/// it to disk.
pub const WRITE_BACK_EVERY: u64 = 32 << 20;

/// Bytes a [`SyncingFile`] writing around the page cache gathers and writes at once.
pub const DIRECT_BLOCK: usize = 4 << 20;
/// The alignment of a direct write's memory, file offset and length: a multiple of any
/// disk's logical block size.
const DIRECT_ALIGN: usize = 4096;

/// An export's output file, put on disk as it is written, and synced at its end: a whole
/// export is on disk before newsdex says it was written.
///
/// A regular file is written around the page cache where the file system allows it (on
/// Linux, `O_DIRECT`): whole [`DIRECT_BLOCK`]s from a buffer of its own, and the tail, a
/// part of a block, through the page cache at the end. An export is written once and not
/// read back by newsdex, so the page cache only cost a copy: on this project's 2-core
/// machine, putting 2.3 GB through the page cache took 10.3 s of system time (`dd
/// bs=1M`) against 1.9 s written direct (`dd oflag=direct bs=4M`), and that copy was a
/// fifth of a JSON Lines export's CPU (BENCHMARKS.md, 2026-12-07, issue #20).
///
/// Where direct writes are refused (a file system without them, or a write refused with
/// `EINVAL` on the way), the file is written through the page cache from that byte on.
/// Then every [`WRITE_BACK_EVERY`] bytes a thread of its own asks the kernel to start
/// writing the part just written (`posix_fadvise(DONTNEED)`, which starts write-back
/// without waiting for it or committing the journal, and lets the kernel drop the pages once
/// written). Synced only at its end, an export of a million documents spent its last 5 to
/// 8 seconds waiting for the disk; `fdatasync` every 64 MiB cost more than it saved (each
/// commits the file system's journal). Anything but a regular file (a pipe, `/dev/null`)
/// is written as it is.
#[derive(Debug)]
pub struct SyncingFile {
    file: std::fs::File,
    written: u64,
    asked: u64,
    worker: Option<WriteBack>,
    /// Set while the file is written around the page cache.
    direct: Option<Direct>,
}

/// A block being gathered for a direct write: `buf[start..start + DIRECT_BLOCK]` is
/// aligned to [`DIRECT_ALIGN`], and holds `len` bytes so far.
#[derive(Debug)]
struct Direct {
    buf: Vec<u8>,
    start: usize,
    len: usize,
}

/// The thread asking for write-back, and where to send it the ranges written.
type WriteBack = (std::sync::mpsc::SyncSender<(u64, u64)>, std::thread::JoinHandle<()>);

impl SyncingFile {
    /// Written around the page cache where the file system allows it.
    pub fn new(file: std::fs::File) -> SyncingFile {
        let mut f = SyncingFile::buffered(file);
        if f.worker.is_some() && at_start(&f.file) && set_direct(&f.file, true) {
            let buf = vec![0u8; DIRECT_BLOCK + DIRECT_ALIGN];
            let start = buf.as_ptr().align_offset(DIRECT_ALIGN);
            f.direct = Some(Direct { buf, start, len: 0 });
        }
        f
    }

    /// Always written through the page cache.
    pub fn buffered(file: std::fs::File) -> SyncingFile {
        let regular = file.metadata().is_ok_and(|m| m.is_file());
        let worker = regular.then(|| file.try_clone().ok()).flatten().and_then(|clone| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<(u64, u64)>(1);
            let spawned = std::thread::Builder::new().name("export-write-back".into()).spawn(move || {
                for (from, to) in rx {
                    write_back(&clone, from, to);
                }
            });
            spawned.ok().map(|h| (tx, h))
        });
        SyncingFile { file, written: 0, asked: 0, worker, direct: None }
    }

    /// Whether the bytes are still being written around the page cache.
    pub fn is_direct(&self) -> bool {
        self.direct.is_some()
    }

    /// Put the rest on disk (a regular file); give the file back.
    pub fn finish(mut self) -> std::io::Result<std::fs::File> {
        self.write_tail()?;
        if let Some((tx, worker)) = self.worker.take() {
            drop(tx);
            worker.join().map_err(|_| std::io::Error::other("the export's write-back thread panicked"))?;
            self.file.sync_all()?;
        }
        // Nothing is left for `drop` to write.
        let file = self.file.try_clone()?;
        Ok(file)
    }

    /// Write a gathered block's whole aligned part direct, then what is left through the
    /// page cache; the file is no longer written direct.
    fn write_tail(&mut self) -> std::io::Result<()> {
        let Some(aligned) = self.direct.as_ref().map(|d| d.len / DIRECT_ALIGN * DIRECT_ALIGN) else {
            return Ok(());
        };
        self.put_block(aligned)?;
        // `None` if the block went through the page cache whole.
        if let Some(d) = self.direct.take() {
            set_direct(&self.file, false);
            self.file.write_all(&d.buf[d.start + aligned..d.start + d.len])?;
        }
        Ok(())
    }

    /// Write the first `to` bytes of the gathered block direct. Where the file system
    /// refuses (`EINVAL`: no direct writes there, or a short write left the offset
    /// unaligned), the whole rest of the block goes through the page cache, and so does
    /// everything after it. After any other error nothing more is written.
    fn put_block(&mut self, to: usize) -> std::io::Result<()> {
        let Some(d) = self.direct.take() else { return Ok(()) };
        let mut at = 0;
        while at < to {
            match self.file.write(&d.buf[d.start + at..d.start + to]) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => at += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if refused(&e) => {
                    set_direct(&self.file, false);
                    return self.file.write_all(&d.buf[d.start + at..d.start + d.len]);
                }
                Err(e) => return Err(e),
            }
        }
        self.direct = Some(d);
        Ok(())
    }
}

/// A direct write refused by the file system.
fn refused(e: &std::io::Error) -> bool {
    #[cfg(target_os = "linux")]
    return rustix::io::Errno::from_io_error(e) == Some(rustix::io::Errno::INVAL);
    #[cfg(not(target_os = "linux"))]
    return e.kind() == std::io::ErrorKind::InvalidInput;
}

/// Whether the file's offset is 0 (where direct writes may start).
fn at_start(file: &std::fs::File) -> bool {
    use std::io::Seek;
    let mut f = file;
    f.stream_position().is_ok_and(|p| p == 0)
}

/// Turn direct writing on or off for `file`; whether it is now as asked.
fn set_direct(file: &std::fs::File, on: bool) -> bool {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::OFlags;
        let Ok(flags) = rustix::fs::fcntl_getfl(file) else { return !on };
        let want = if on { flags | OFlags::DIRECT } else { flags - OFlags::DIRECT };
        rustix::fs::fcntl_setfl(file, want).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = file;
        !on
    }
}

impl Drop for SyncingFile {
    /// What is still gathered for a direct write is written (not synced): a file dropped
    /// without [`SyncingFile::finish`] still holds every byte written to it.
    fn drop(&mut self) {
        let _ = self.write_tail();
    }
}

/// Ask the kernel to start writing `from..to` of `file` to disk, without waiting. Only a
/// request: an error is for the final sync to report.
fn write_back(file: &std::fs::File, from: u64, to: u64) {
    #[cfg(target_os = "linux")]
    if let Some(len) = std::num::NonZeroU64::new(to - from) {
        let _ = rustix::fs::fadvise(file, from, Some(len), rustix::fs::Advice::DontNeed);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, from, to);
}

impl Write for SyncingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(d) = self.direct.as_mut() {
            let n = buf.len().min(DIRECT_BLOCK - d.len);
            d.buf[d.start + d.len..d.start + d.len + n].copy_from_slice(&buf[..n]);
            d.len += n;
            if d.len == DIRECT_BLOCK {
                self.put_block(DIRECT_BLOCK)?;
                if let Some(d) = self.direct.as_mut() {
                    d.len = 0;
                }
            }
            self.written += n as u64;
            // Nothing of a direct write is in the page cache.
            self.asked = self.written;
            return Ok(n);
        }
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.asked >= WRITE_BACK_EVERY {
            if let Some((tx, _)) = &self.worker {
                // Still asking for the last part: asked on a later write, with this one.
                if tx.try_send((self.asked, self.written)).is_err() {
                    return Ok(n);
                }
            }
            self.asked = self.written;
        }
        Ok(n)
    }

    /// Gathered bytes of a direct write wait for a whole block or [`SyncingFile::finish`].
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The search filters an export was made with, as the manifest records them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Filters {
    pub lang: Vec<String>,
    pub outlet: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `and` or `or`.
    pub default_op: String,
    /// Words searched only as typed.
    pub exact: bool,
    /// One row per story.
    pub stories: bool,
}

/// What an export was and how to check it: written beside it with `--manifest`.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub query: String,
    pub filters: Filters,
    pub format: Format,
    pub fields: Vec<&'static str>,
    /// The snapshot (committed batch number) it was answered from: repeating the export
    /// with it gives the same bytes. Absent for a collection, which has no single
    /// snapshot (each shard numbers its own batches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<u64>,
    /// Documents matched, and rows written (fewer with one row per story).
    pub matched: u64,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
    pub newsdex_version: &'static str,
}

/// The version of newsdex writing exports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Run a whole export of `plan` into `out`: header, rows, and the figures of a manifest
/// (without the request's own fields, which the caller fills in).
///
/// Three stages run at once: the source's reading threads read and encode chunks of
/// documents; this thread puts them in order (and builds Parquet's row groups); a thread
/// of its own hashes what is written and writes it to `out` ([`PIPE_QUEUED`] buffers
/// between them). Hashing and the kernel's copying of the output were a fifth of the
/// Parquet writer's time, which was what a Parquet export waited on.
pub fn write_all<W: Write + Send, S: newsdex_engine::export::ExportSource + ?Sized>(
    source: &S,
    plan: &newsdex_engine::export::ExportPlan,
    exporter: &Exporter,
    one_per_story: bool,
    out: W,
) -> Result<(W, Written), newsdex_engine::EngineError> {
    use newsdex_engine::EngineError;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(PIPE_QUEUED);
        let sink = scope.spawn(move || {
            let mut out = Hashing::new(out);
            for buf in rx {
                out.write_all(&buf)?;
            }
            out.finish()
        });
        let mut pipe = Pipe { tx, buf: Vec::new() };
        let rows = encode_all(source, plan, exporter, one_per_story, &mut pipe)
            .and_then(|rows| pipe.flush().map(|()| rows).map_err(EngineError::Write));
        // The channel closes: the writing thread finishes what it was given.
        drop(pipe);
        let sunk =
            sink.join().map_err(|_| EngineError::Write(std::io::Error::other("the export's writer panicked")))?;
        match (rows, sunk) {
            (Ok(rows), Ok((inner, bytes, sha256))) => {
                Ok((inner, Written { matched: plan.total() as u64, rows, bytes, sha256 }))
            }
            // The writing thread's own error (a full disk, a client gone) is why a chunk
            // could not be handed to it.
            (_, Err(e)) => Err(EngineError::Write(e)),
            (Err(e), Ok(_)) => Err(e),
        }
    })
}

/// Buffers handed from the encoding to the writing thread that may wait at once.
pub const PIPE_QUEUED: usize = 4;

/// What a [`Pipe`] collects before handing it over.
const PIPE_BUF: usize = 1 << 20;

/// The encoding side of [`write_all`]'s hand-over to its writing thread: whole chunks go
/// as they are, small writes (a header, Parquet's pages) in buffers of [`PIPE_BUF`].
struct Pipe {
    tx: std::sync::mpsc::SyncSender<Vec<u8>>,
    buf: Vec<u8>,
}

impl Pipe {
    fn send(&mut self, bytes: Vec<u8>) -> std::io::Result<()> {
        // Refused only when the writing thread stopped, on an error `write_all` reports.
        self.tx.send(bytes).map_err(|_| std::io::Error::other("the export's writer stopped"))
    }

    /// Hand over what is buffered, then `bytes` as they are.
    fn send_whole(&mut self, bytes: Vec<u8>) -> std::io::Result<()> {
        self.flush()?;
        self.send(bytes)
    }
}

impl Write for Pipe {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + bytes.len() > PIPE_BUF {
            self.flush()?;
        }
        if bytes.len() >= PIPE_BUF {
            self.send(bytes.to_vec())?;
        } else {
            if self.buf.capacity() == 0 {
                self.buf.reserve(PIPE_BUF);
            }
            self.buf.extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let full = std::mem::take(&mut self.buf);
        self.send(full)
    }
}

/// The header and every row of `plan`, handed to `pipe`; how many rows.
fn encode_all<S: newsdex_engine::export::ExportSource + ?Sized>(
    source: &S,
    plan: &newsdex_engine::export::ExportPlan,
    exporter: &Exporter,
    one_per_story: bool,
    pipe: &mut Pipe,
) -> Result<u64, newsdex_engine::EngineError> {
    use newsdex_engine::EngineError;
    match exporter.format {
        Format::Parquet => {
            let mut sink = parquet::ParquetSink::new(&mut *pipe, &exporter.fields).map_err(EngineError::Write)?;
            let fields = &exporter.fields;
            let encode = |docs: &[ExportDoc], buf: &mut Vec<u8>| {
                parquet::encode_chunk(fields, docs, buf);
                Ok(())
            };
            let rows = source.export_encoded(plan, one_per_story, &encode, &mut |chunk| sink.push_chunk(chunk))?;
            sink.finish().map_err(EngineError::Write)?;
            Ok(rows)
        }
        Format::Csv | Format::Jsonl => {
            exporter.write_header(pipe).map_err(EngineError::Write)?;
            let encode = |docs: &[ExportDoc], buf: &mut Vec<u8>| exporter.encode_rows(docs, buf);
            source.export_encoded(plan, one_per_story, &encode, &mut |chunk| pipe.send_whole(chunk))
        }
    }
}

/// What [`write_all`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub matched: u64,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsdex_core::{Article, DocId, Provenance, RawHash, SourceFormat, Warning};
    use newsdex_engine::DocRow;
    use proptest::prelude::*;

    /// The writer before rows were written directly: each field as a `serde_json::Value`,
    /// a JSON object of them, or CSV cells from them. The model the writer must match.
    fn naive_row(format: Format, fields: &[Field], d: &ExportDoc) -> Vec<u8> {
        use serde_json::Value;
        let a = &d.row.article;
        let opt = |s: &Option<String>| s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()));
        let value = |f: Field| -> Value {
            match f {
                Field::Id => a.id.to_string().into(),
                Field::Title => a.title.clone().into(),
                Field::Body => a.body.clone().into(),
                Field::Url => opt(&a.url),
                Field::Outlet => opt(&a.outlet),
                Field::Published => a.published.as_ref().map_or(Value::Null, |p| p.display().into()),
                Field::PublishedGuessed => a.warnings.iter().any(|w| w.code == "date-guessed").into(),
                Field::Ingested => d.row.provenance.ingested_at.clone().into(),
                Field::Lang => opt(&a.lang),
                Field::Authors => a.authors.clone().into(),
                Field::Story => d.story.to_string().into(),
                Field::StorySize => d.story_size.into(),
                Field::StoryOutlets => d.story_outlets.into(),
                Field::Warnings => serde_json::to_value(&a.warnings).unwrap(),
                Field::Removed => a.removed.clone().into(),
                Field::Source => d.row.provenance.source.clone().into(),
                Field::Line => d.row.provenance.line.map_or(Value::Null, Value::from),
                Field::Format => a.format.as_str().into(),
            }
        };
        match format {
            Format::Jsonl => {
                let mut obj = serde_json::Map::new();
                for &f in fields {
                    obj.insert(f.name().to_string(), value(f));
                }
                let mut line = serde_json::to_vec(&obj).unwrap();
                line.push(b'\n');
                line
            }
            _ => {
                let mut line = Vec::new();
                for (i, &f) in fields.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    match value(f) {
                        Value::Null => {}
                        Value::String(s) => csv_cell(&mut line, &s),
                        Value::Bool(b) => line.extend_from_slice(if b { b"true" } else { b"false" }),
                        Value::Number(n) => line.extend_from_slice(n.to_string().as_bytes()),
                        v => csv_cell(&mut line, &v.to_string()),
                    }
                }
                line.extend_from_slice(b"\r\n");
                line
            }
        }
    }

    fn doc(text: Vec<String>, line: Option<u64>, dated: bool, guessed: bool, story_size: usize) -> ExportDoc {
        let t = |i: usize| text[i % text.len()].clone();
        let mut warnings = vec![Warning::new("repaired", t(5))];
        if guessed {
            warnings.push(Warning::counted("date-guessed", t(6), 2));
        }
        let article = Article {
            id: DocId::from_u64(line.unwrap_or(7) * 7919),
            format: SourceFormat::Jsonl,
            title: t(0),
            body: t(1),
            url: line.map(|_| t(2)),
            outlet: dated.then(|| t(3)),
            lang: Some("en".into()),
            published: if dated { newsdex_core::parse_date("2024-02-29T23:59:01+05:30") } else { None },
            authors: vec![t(4), t(2)],
            extra: Default::default(),
            warnings,
            removed: if dated { vec![t(7)] } else { vec![] },
        };
        let provenance = Provenance {
            source: t(3),
            raw: RawHash::of(t(0).as_bytes()),
            line,
            start: 0,
            end: 1,
            ingested_at: "2026-12-02T18:00:00Z".into(),
        };
        let row = DocRow { article, provenance, seq: 1 };
        let story = row.article.id;
        ExportDoc { row, story, story_size, story_outlets: story_size / 2 }
    }

    proptest! {
        /// Rows written field by field, borrowing the document, are byte for byte what the
        /// `serde_json::Value` writer wrote: quotes, commas, line breaks, control
        /// characters, emoji, empty and missing values, lists and records.
        #[test]
        fn rows_are_what_the_value_writer_wrote(
            text in proptest::collection::vec("[a-z\",\r\n\t\\ é\u{0}\u{1F}\u{7F}\u{2028}\u{1F447}]{0,24}", 1..9),
            line in proptest::option::of(1u64..1_000_000),
            dated: bool,
            guessed: bool,
            story_size in 1usize..40,
            pick in proptest::collection::vec(0usize..Field::ALL.len(), 1..6),
        ) {
            let d = doc(text, line, dated, guessed, story_size);
            let mut subset: Vec<Field> = Vec::new();
            for i in pick {
                if !subset.contains(&Field::ALL[i]) {
                    subset.push(Field::ALL[i]);
                }
            }
            for fields in [Field::ALL.to_vec(), subset] {
                for format in [Format::Jsonl, Format::Csv] {
                    let exporter = Exporter { format, fields: fields.clone(), bom: false };
                    let mut got = Vec::new();
                    exporter.write_row(&mut got, &d).unwrap();
                    let want = naive_row(format, &fields, &d);
                    prop_assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(&want));
                }
            }
        }
    }

    proptest::proptest! {
        /// Byte for byte serde_json's escaping, over every ASCII byte, runs longer than a
        /// word with escapes at every offset, and multi-byte characters.
        #[test]
        fn json_strings_are_escaped_as_serde_json_escapes(s in "([\\x00-\\x7f]|[é\u{2028}\u{1F447}]|[a-z]{8,20}){0,30}") {
            let mut ours = Vec::new();
            json_string(&mut ours, &s);
            proptest::prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&s).unwrap());
        }
    }

    #[test]
    fn csv_cells_are_quoted_as_rfc_4180_says() {
        let mut s = Vec::new();
        csv_cell(&mut s, "plain");
        s.push(b'|');
        csv_cell(&mut s, "a, b");
        s.push(b'|');
        csv_cell(&mut s, "say \"no\"");
        s.push(b'|');
        csv_cell(&mut s, "two\r\nlines");
        assert_eq!(String::from_utf8(s).unwrap(), "plain|\"a, b\"|\"say \"\"no\"\"\"|\"two\r\nlines\"");
    }

    proptest::proptest! {
        /// Against the naive model: quote when needed, every `"` doubled, a character at a
        /// time (what `csv_cell` did before it copied runs between quotes).
        #[test]
        fn csv_cell_matches_a_character_at_a_time(s in "[a-z\",\r\n é\u{1F447}]{0,40}") {
            let mut naive = String::new();
            if s.contains([',', '"', '\r', '\n']) {
                naive.push('"');
                for c in s.chars() {
                    if c == '"' {
                        naive.push('"');
                    }
                    naive.push(c);
                }
                naive.push('"');
            } else {
                naive.push_str(&s);
            }
            let mut fast = b"x".to_vec();
            csv_cell(&mut fast, &s);
            proptest::prop_assert_eq!(&fast[1..], naive.as_bytes());
        }
    }

    #[test]
    fn fields_and_formats_not_offered_are_named() {
        assert_eq!(Field::parse_list(Some("id, title")).unwrap(), vec![Field::Id, Field::Title]);
        assert_eq!(Field::parse_list(None).unwrap().len(), Field::ALL.len());
        let e = Field::parse_list(Some("id,titel")).unwrap_err().to_string();
        assert!(e.contains("\"titel\"") && e.contains("title"), "{e}");
        assert!(matches!(Field::parse_list(Some(" , ")), Err(ExportError::NoFields)));
        assert!(matches!(Field::parse_list(Some("id,id")), Err(ExportError::Repeated(_))));
        let e = Format::parse("xlsx").unwrap_err().to_string();
        assert!(e.contains("xlsx") && e.contains("csv, jsonl, parquet"), "{e}");
    }

    #[test]
    fn a_syncing_file_holds_every_byte_across_write_backs() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("export");
        let mut f = SyncingFile::buffered(std::fs::File::create(&path).unwrap());
        let block: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
        let n = 2 * WRITE_BACK_EVERY as usize / block.len() + 3;
        for _ in 0..n {
            f.write_all(&block).unwrap();
        }
        assert!(f.asked >= WRITE_BACK_EVERY, "write-back was asked for on the way: {}", f.asked);
        let file = f.finish().unwrap();
        assert_eq!(file.metadata().unwrap().len(), (n * block.len()) as u64);
        let back = std::fs::read(&path).unwrap();
        assert!(back.chunks(block.len()).all(|c| c == &block[..]));
        // Not a regular file: written, never synced (a device cannot be).
        let mut null = SyncingFile::new(std::fs::OpenOptions::new().write(true).open("/dev/null").unwrap());
        null.write_all(&block).unwrap();
        null.finish().unwrap();
    }

    /// Writes of every size, across direct blocks, to a length no block size divides.
    fn odd_writes() -> Vec<Vec<u8>> {
        let sizes = [1, 4095, 4097, (1 << 20) + 7, 3 << 20, 5, DIRECT_BLOCK, 12_345, 2 * DIRECT_BLOCK + 1];
        let mut next = 0u32;
        sizes
            .iter()
            .map(|&n| {
                (0..n)
                    .map(|_| {
                        next = next.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        (next >> 16) as u8
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_file_written_around_the_page_cache_holds_every_byte_in_order() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("export");
        let mut f = SyncingFile::new(std::fs::File::create(&path).unwrap());
        // Where the file system takes direct writes, they are used (ext4 and XFS do).
        eprintln!("written direct: {}", f.is_direct());
        let writes = odd_writes();
        for w in &writes {
            f.write_all(w).unwrap();
        }
        let direct_to_the_end = f.is_direct();
        let file = f.finish().unwrap();
        let want = writes.concat();
        assert_ne!(want.len() % DIRECT_ALIGN, 0, "the tail is not a whole block");
        assert_eq!(file.metadata().unwrap().len(), want.len() as u64);
        assert!(std::fs::read(&path).unwrap() == want, "direct to the end: {direct_to_the_end}");
        // Written through the page cache from the start: the same bytes.
        let path2 = tmp.path().join("export2");
        let mut f = SyncingFile::buffered(std::fs::File::create(&path2).unwrap());
        assert!(!f.is_direct());
        for w in &writes {
            f.write_all(w).unwrap();
        }
        f.finish().unwrap();
        assert!(std::fs::read(&path2).unwrap() == want);
    }

    /// A direct write the file system refuses on the way (here: the file's offset made
    /// unaligned under it, so the first block's write fails with `EINVAL`) sends that block
    /// and the rest through the page cache, and loses nothing.
    #[test]
    fn a_direct_write_refused_on_the_way_goes_through_the_page_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("export");
        let mut f = SyncingFile::new(std::fs::File::create(&path).unwrap());
        if !f.is_direct() {
            eprintln!("SKIPPED: {} takes no direct writes", tmp.path().display());
            return;
        }
        assert!(set_direct(&f.file, false));
        (&f.file).write_all(b"x").unwrap();
        assert!(set_direct(&f.file, true));
        let writes = odd_writes();
        for w in &writes {
            f.write_all(w).unwrap();
        }
        assert!(!f.is_direct(), "the refused block left direct writing");
        f.finish().unwrap();
        let mut want = b"x".to_vec();
        want.extend(writes.concat());
        assert!(std::fs::read(&path).unwrap() == want);
    }

    #[test]
    fn a_syncing_file_dropped_unfinished_keeps_its_gathered_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("export");
        let writes = odd_writes();
        {
            let mut f = SyncingFile::new(std::fs::File::create(&path).unwrap());
            for w in &writes[..5] {
                f.write_all(w).unwrap();
            }
        }
        assert!(std::fs::read(&path).unwrap() == writes[..5].concat());
    }

    #[test]
    fn hashing_gives_the_sha256_of_what_passed() {
        let mut h = Hashing::new(Vec::new());
        h.write_all(b"abc").unwrap();
        let (bytes, n, hex) = h.finish().unwrap();
        assert_eq!((bytes, n), (b"abc".to_vec(), 3));
        // FIPS 180-2, appendix B.1.
        assert_eq!(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
