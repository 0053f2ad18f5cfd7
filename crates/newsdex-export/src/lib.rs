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

/// `s` as a JSON string (serde_json's escaping), appended to `out`.
fn json_string(out: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
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
        let mut line = String::new();
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            csv_cell(&mut line, f.name());
        }
        line.push_str("\r\n");
        out.write_all(line.as_bytes())
    }

    /// One document.
    pub fn write_row(&self, out: &mut dyn Write, d: &ExportDoc) -> std::io::Result<()> {
        match self.format {
            Format::Parquet => Err(std::io::Error::other("a Parquet export is written by parquet::ParquetSink")),
            Format::Jsonl => {
                let mut line = Vec::with_capacity(d.row.article.body.len() + 512);
                line.push(b'{');
                for (i, f) in self.fields.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    json_string(&mut line, f.name());
                    line.push(b':');
                    f.cell(d).write_json(&mut line);
                }
                line.extend_from_slice(b"}\n");
                out.write_all(&line)
            }
            Format::Csv => {
                let mut line = String::with_capacity(d.row.article.body.len() + 512);
                for (i, f) in self.fields.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    if let Some(t) = f.cell(d).text() {
                        csv_cell(&mut line, &t);
                    }
                }
                line.push_str("\r\n");
                out.write_all(line.as_bytes())
            }
        }
    }
}

/// `s` as one RFC 4180 field: quoted when it holds a comma, a quote, CR or LF, with its
/// quotes doubled.
pub fn csv_cell(out: &mut String, s: &str) {
    if s.contains([',', '"', '\r', '\n']) {
        out.reserve(s.len() + 2);
        out.push('"');
        let mut parts = s.split('"');
        out.push_str(parts.next().unwrap_or_default());
        for p in parts {
            out.push_str("\"\"");
            out.push_str(p);
        }
        out.push('"');
    } else {
        out.push_str(s);
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
pub fn write_all<W: Write + Send, S: newsdex_engine::export::ExportSource + ?Sized>(
    source: &S,
    plan: &newsdex_engine::export::ExportPlan,
    exporter: &Exporter,
    one_per_story: bool,
    out: W,
) -> Result<(W, Written), newsdex_engine::EngineError> {
    use newsdex_engine::EngineError;
    let out = Hashing::new(std::io::BufWriter::with_capacity(256 << 10, out));
    let (out, rows) = match exporter.format {
        Format::Parquet => {
            let mut sink = parquet::ParquetSink::new(out, &exporter.fields).map_err(EngineError::Write)?;
            let rows = source.export_each(plan, one_per_story, &mut |d| sink.push(d))?;
            (sink.finish().map_err(EngineError::Write)?, rows)
        }
        Format::Csv | Format::Jsonl => {
            let mut out = out;
            exporter.write_header(&mut out).map_err(EngineError::Write)?;
            let rows = source.export_each(plan, one_per_story, &mut |d| exporter.write_row(&mut out, d))?;
            (out, rows)
        }
    };
    let (buf, bytes, sha256) = out.finish().map_err(EngineError::Write)?;
    let inner = buf.into_inner().map_err(|e| EngineError::Write(e.into_error()))?;
    Ok((inner, Written { matched: plan.total() as u64, rows, bytes, sha256 }))
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
                let mut line = String::new();
                for (i, &f) in fields.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    match value(f) {
                        Value::Null => {}
                        Value::String(s) => csv_cell(&mut line, &s),
                        Value::Bool(b) => line.push_str(if b { "true" } else { "false" }),
                        Value::Number(n) => line.push_str(&n.to_string()),
                        v => csv_cell(&mut line, &v.to_string()),
                    }
                }
                line.push_str("\r\n");
                line.into_bytes()
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

    #[test]
    fn csv_cells_are_quoted_as_rfc_4180_says() {
        let mut s = String::new();
        csv_cell(&mut s, "plain");
        s.push('|');
        csv_cell(&mut s, "a, b");
        s.push('|');
        csv_cell(&mut s, "say \"no\"");
        s.push('|');
        csv_cell(&mut s, "two\r\nlines");
        assert_eq!(s, "plain|\"a, b\"|\"say \"\"no\"\"\"|\"two\r\nlines\"");
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
            let mut fast = String::from("x");
            csv_cell(&mut fast, &s);
            proptest::prop_assert_eq!(&fast[1..], naive.as_str());
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
    fn hashing_gives_the_sha256_of_what_passed() {
        let mut h = Hashing::new(Vec::new());
        h.write_all(b"abc").unwrap();
        let (bytes, n, hex) = h.finish().unwrap();
        assert_eq!((bytes, n), (b"abc".to_vec(), 3));
        // FIPS 180-2, appendix B.1.
        assert_eq!(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
