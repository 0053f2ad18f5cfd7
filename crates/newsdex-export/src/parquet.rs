//! Parquet exports with the `parquet` crate (Apache arrow-rs) without its arrow layer:
//! columns are written through the low-level column writers, which needs none of the
//! arrow-* crates (a smaller build). Pages are compressed with Zstandard at level 1
//! ([`ZSTD_LEVEL`]; the zstd library is already built for the store and the index), which
//! pyarrow, pandas, Polars, DuckDB and Spark read. Snappy, pyarrow's default, was used
//! before: on the same million articles (issue #20, BENCHMARKS.md, 2026-12-07) Zstandard's
//! file was 34 % smaller (926 MB against 1,396 MB) in the same time (13.8-14.4 s against
//! 14.6-15.1 s, three alternated runs each); LZ4 (raw) was no smaller than Snappy.
//!
//! Rows are buffered column by column; when the buffered text reaches [`ROW_GROUP_BYTES`]
//! (or [`ROW_GROUP_ROWS`] rows) the row group is encoded and compressed on a thread of its
//! own, into memory, while the next one is buffered, then appended to the file in order
//! (`SerializedRowGroupWriter::append_column`). Compressing on the writing thread held an
//! export back: Snappy was 30 % of a Parquet export's CPU, all of it on that thread, while
//! the reading threads waited (BENCHMARKS.md, 2026-12-07). Memory holds the row group being
//! buffered and at most [`GROUPS_IN_FLIGHT`] being encoded, never the export.
//!
//! Strings are UTF-8 (`STRING` logical type); absent values are nulls; list-valued fields
//! (authors, warnings, removed lines) are JSON text, as in CSV.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical, ZstdLevel};
use parquet::column::writer::{ColumnCloseResult, get_column_writer, get_typed_column_writer_mut};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::{WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::types::{ColumnDescPtr, Type};

use crate::Field;
use newsdex_engine::export::ExportDoc;

/// Text buffered before a row group is encoded. 8 MiB rather than the 16 it was before row
/// groups were encoded aside: with one group in flight, 16 MiB raised a 200,000-article
/// export's peak RSS from 127 to 185 MB, 8 MiB to 152 MB, at the same speed (2.13-2.19 s
/// against 2.18-2.23 s) and a file 0.14 % larger.
pub const ROW_GROUP_BYTES: usize = 8 << 20;
/// Most rows in a row group.
pub const ROW_GROUP_ROWS: usize = 50_000;
/// Zstandard's level for Parquet pages.
pub const ZSTD_LEVEL: i32 = 1;
/// Row groups being encoded while the next is buffered.
pub const GROUPS_IN_FLIGHT: usize = 1;

/// A row group's column chunks, encoded: each chunk's bytes and what closing its writer
/// said (page offsets relative to those bytes).
type EncodedGroup = Vec<(bytes::Bytes, ColumnCloseResult)>;

/// How a field is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text { optional: bool },
    Bool,
    Int { optional: bool },
}

fn kind(f: Field) -> Kind {
    match f {
        Field::Url | Field::Outlet | Field::Published | Field::Lang => Kind::Text { optional: true },
        Field::PublishedGuessed => Kind::Bool,
        Field::StorySize | Field::StoryOutlets => Kind::Int { optional: false },
        Field::Line => Kind::Int { optional: true },
        _ => Kind::Text { optional: false },
    }
}

/// One column's values of the row group being buffered.
#[derive(Debug)]
enum Column {
    Text(Vec<ByteArray>, Vec<i16>),
    Bool(Vec<bool>),
    Int(Vec<i64>, Vec<i16>),
}

/// The rows of `docs` as [`ParquetSink::push_chunk`] reads them, appended to `out`: what
/// an export's reading threads make of each chunk, so that the writing thread only copies
/// slices into columns. Per row, per field: a text is `0` (null) or `1`, its length (u32,
/// little-endian) and its UTF-8; a flag `0` or `1`; a number `0` (null) or `1` and its
/// value (i64, little-endian).
pub fn encode_chunk(fields: &[Field], docs: &[ExportDoc], out: &mut Vec<u8>) {
    for d in docs {
        for &f in fields {
            let v = f.cell(d);
            match kind(f) {
                Kind::Text { .. } => match v.text() {
                    Some(s) => {
                        out.push(1);
                        // A text longer than 4 GiB cannot be stored (documents are capped
                        // far below it); it is cut rather than corrupting the chunk.
                        let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
                        out.extend_from_slice(&len.to_le_bytes());
                        out.extend_from_slice(&s.as_bytes()[..len as usize]);
                    }
                    None => out.push(0),
                },
                Kind::Bool => out.push(u8::from(v == crate::Cell::Bool(true))),
                Kind::Int { .. } => match v {
                    crate::Cell::Int(n) => {
                        out.push(1);
                        out.extend_from_slice(&(n as i64).to_le_bytes());
                    }
                    _ => out.push(0),
                },
            }
        }
    }
}

/// Writes rows into a Parquet file on `W`.
pub struct ParquetSink<W: Write + Send> {
    fields: Vec<Field>,
    writer: SerializedFileWriter<W>,
    columns: Vec<Column>,
    rows: usize,
    bytes: usize,
    /// Row groups being encoded, oldest first.
    pending: std::collections::VecDeque<std::thread::JoinHandle<std::io::Result<EncodedGroup>>>,
}

impl<W: Write + Send> std::fmt::Debug for ParquetSink<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetSink").field("fields", &self.fields).field("rows", &self.rows).finish()
    }
}

fn io(e: parquet::errors::ParquetError) -> std::io::Error {
    match e {
        parquet::errors::ParquetError::External(inner) => match inner.downcast::<std::io::Error>() {
            Ok(io) => *io,
            Err(other) => std::io::Error::other(other),
        },
        other => std::io::Error::other(other),
    }
}

impl<W: Write + Send> ParquetSink<W> {
    pub fn new(out: W, fields: &[Field]) -> std::io::Result<ParquetSink<W>> {
        let columns = fields
            .iter()
            .map(|&f| {
                let (physical, logical, optional) = match kind(f) {
                    Kind::Text { optional } => (Physical::BYTE_ARRAY, Some(LogicalType::String), optional),
                    Kind::Bool => (Physical::BOOLEAN, None, false),
                    Kind::Int { optional } => (Physical::INT64, None, optional),
                };
                let repetition = if optional { Repetition::OPTIONAL } else { Repetition::REQUIRED };
                Type::primitive_type_builder(f.name(), physical)
                    .with_repetition(repetition)
                    .with_logical_type(logical)
                    .build()
                    .map(Arc::new)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        let schema = Type::group_type_builder("newsdex_export").with_fields(columns).build().map_err(io)?;
        let level = ZstdLevel::try_new(ZSTD_LEVEL).map_err(io)?;
        let props = WriterProperties::builder().set_compression(Compression::ZSTD(level)).build();
        let writer = SerializedFileWriter::new(out, Arc::new(schema), Arc::new(props)).map_err(io)?;
        let mut sink = ParquetSink {
            fields: fields.to_vec(),
            writer,
            columns: Vec::new(),
            rows: 0,
            bytes: 0,
            pending: Default::default(),
        };
        sink.columns = sink.empty_columns();
        Ok(sink)
    }

    fn empty_columns(&self) -> Vec<Column> {
        self.fields
            .iter()
            .map(|&f| match kind(f) {
                Kind::Text { .. } => Column::Text(Vec::new(), Vec::new()),
                Kind::Bool => Column::Bool(Vec::new()),
                Kind::Int { .. } => Column::Int(Vec::new(), Vec::new()),
            })
            .collect()
    }

    /// Buffer one document; a full row group is written.
    pub fn push(&mut self, d: &ExportDoc) -> std::io::Result<()> {
        let mut chunk = Vec::new();
        encode_chunk(&self.fields, std::slice::from_ref(d), &mut chunk);
        self.push_chunk(chunk)
    }

    /// Buffer the documents [`encode_chunk`] encoded; each full row group is written.
    /// Texts are not copied again: each value is a slice of the chunk.
    pub fn push_chunk(&mut self, chunk: Vec<u8>) -> std::io::Result<()> {
        let chunk = bytes::Bytes::from(chunk);
        let mut at = 0usize;
        let bad = || std::io::Error::other("parquet: a malformed encoded chunk");
        // The next `n` bytes of the chunk.
        let take = |at: &mut usize, n: usize| {
            let part = chunk.get(*at..*at + n).ok_or_else(bad)?;
            *at += n;
            Ok::<_, std::io::Error>(part)
        };
        while at < chunk.len() {
            for col in &mut self.columns {
                let present = take(&mut at, 1)?[0] == 1;
                match col {
                    Column::Bool(values) => values.push(present),
                    Column::Text(_, defs) | Column::Int(_, defs) if !present => defs.push(0),
                    Column::Text(values, defs) => {
                        let len = u32::from_le_bytes(take(&mut at, 4)?.try_into().map_err(|_| bad())?) as usize;
                        let from = at;
                        take(&mut at, len)?;
                        values.push(ByteArray::from(chunk.slice(from..at)));
                        defs.push(1);
                        self.bytes += len;
                    }
                    Column::Int(values, defs) => {
                        values.push(i64::from_le_bytes(take(&mut at, 8)?.try_into().map_err(|_| bad())?));
                        defs.push(1);
                    }
                }
            }
            self.rows += 1;
            if self.bytes >= ROW_GROUP_BYTES || self.rows >= ROW_GROUP_ROWS {
                self.flush_group()?;
            }
        }
        Ok(())
    }

    /// Hand the buffered rows to a thread that encodes them as a row group; append the
    /// oldest encoded group once more than [`GROUPS_IN_FLIGHT`] are in flight.
    fn flush_group(&mut self) -> std::io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let empty = self.empty_columns();
        let columns = std::mem::replace(&mut self.columns, empty);
        let optional: Vec<bool> = self
            .fields
            .iter()
            .map(|&f| matches!(kind(f), Kind::Text { optional: true } | Kind::Int { optional: true }))
            .collect();
        let descrs: Vec<ColumnDescPtr> = self.writer.schema_descr().columns().to_vec();
        let props = self.writer.properties().clone();
        self.pending.push_back(std::thread::spawn(move || encode_group(columns, &optional, &descrs, &props)));
        (self.rows, self.bytes) = (0, 0);
        while self.pending.len() > GROUPS_IN_FLIGHT {
            self.append_oldest()?;
        }
        Ok(())
    }

    /// Wait for the oldest row group in flight and append it to the file.
    fn append_oldest(&mut self) -> std::io::Result<()> {
        let Some(handle) = self.pending.pop_front() else { return Ok(()) };
        let encoded = handle.join().map_err(|_| std::io::Error::other("parquet: encoding a row group panicked"))??;
        let mut group = self.writer.next_row_group().map_err(io)?;
        for (bytes, close) in encoded {
            group.append_column(&bytes, close).map_err(io)?;
        }
        group.close().map_err(io)?;
        Ok(())
    }

    /// Write the last row group and the footer; give the writer back.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.flush_group()?;
        while !self.pending.is_empty() {
            self.append_oldest()?;
        }
        self.writer.into_inner().map_err(io)
    }
}

/// One row group's columns encoded and compressed into memory, in the file's order.
fn encode_group(
    columns: Vec<Column>,
    optional: &[bool],
    descrs: &[ColumnDescPtr],
    props: &WriterPropertiesPtr,
) -> std::io::Result<EncodedGroup> {
    columns
        .into_iter()
        .zip(optional)
        .zip(descrs)
        .map(|((col, &optional), descr)| {
            let mut out = TrackedWrite::new(Vec::new());
            let mut w = get_column_writer(descr.clone(), props.clone(), Box::new(SerializedPageWriter::new(&mut out)));
            match &col {
                Column::Text(values, d) => {
                    get_typed_column_writer_mut::<ByteArrayType>(&mut w)
                        .write_batch(values, optional.then_some(d.as_slice()), None)
                        .map_err(io)?;
                }
                Column::Bool(values) => {
                    get_typed_column_writer_mut::<BoolType>(&mut w).write_batch(values, None, None).map_err(io)?;
                }
                Column::Int(values, d) => {
                    get_typed_column_writer_mut::<Int64Type>(&mut w)
                        .write_batch(values, optional.then_some(d.as_slice()), None)
                        .map_err(io)?;
                }
            }
            let close = w.close().map_err(io)?;
            Ok((bytes::Bytes::from(out.into_inner().map_err(io)?), close))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Row groups are encoded on threads of their own and appended in order: several
    /// groups, read back with parquet's own reader, hold every row in the order pushed,
    /// nulls and numbers in their places.
    #[test]
    fn row_groups_encoded_aside_come_back_in_order() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use parquet::record::RowAccessor;
        let fields = [Field::Id, Field::Url, Field::Line];
        let n = ROW_GROUP_ROWS * 5 / 2;
        let mut sink = ParquetSink::new(Vec::new(), &fields).unwrap();
        for k in 0..n {
            let mut row = vec![1];
            let id = format!("doc-{k}");
            row.extend((id.len() as u32).to_le_bytes());
            row.extend(id.as_bytes());
            if k % 3 == 0 {
                row.push(0);
            } else {
                let url = format!("https://example.org/{k}");
                row.push(1);
                row.extend((url.len() as u32).to_le_bytes());
                row.extend(url.as_bytes());
            }
            if k % 7 == 0 {
                row.push(0);
            } else {
                row.push(1);
                row.extend((k as i64).to_le_bytes());
            }
            sink.push_chunk(row).unwrap();
        }
        let file = bytes::Bytes::from(sink.finish().unwrap());
        let reader = SerializedFileReader::new(file).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 3);
        let mut k = 0usize;
        for row in reader.get_row_iter(None).unwrap() {
            let row = row.unwrap();
            assert_eq!(row.get_string(0).unwrap(), &format!("doc-{k}"));
            match k % 3 {
                0 => assert!(row.get_string(1).is_err(), "row {k}: a null address"),
                _ => assert_eq!(row.get_string(1).unwrap(), &format!("https://example.org/{k}")),
            }
            match k % 7 {
                0 => assert!(row.get_long(2).is_err(), "row {k}: a null number"),
                _ => assert_eq!(row.get_long(2).unwrap(), k as i64),
            }
            k += 1;
        }
        assert_eq!(k, n);
    }

    /// A chunk cut short, or naming more text than it holds, is an error, not a panic or
    /// a column out of step with the others.
    #[test]
    fn a_malformed_chunk_is_an_error() {
        let fields = [Field::Id, Field::Url, Field::Line];
        let mut chunk = vec![1];
        chunk.extend(4u32.to_le_bytes());
        chunk.extend(b"abcd");
        chunk.push(1);
        chunk.extend(100u32.to_le_bytes());
        chunk.extend(b"abc");
        for bad in [chunk, vec![1, 2], vec![0, 0, 1, 7]] {
            let mut sink = ParquetSink::new(Vec::new(), &fields).unwrap();
            assert!(sink.push_chunk(bad.clone()).is_err(), "{bad:?}");
        }
        // A whole row: a text, no address, a number.
        let mut sink = ParquetSink::new(Vec::new(), &fields).unwrap();
        let mut row = vec![1];
        row.extend(2u32.to_le_bytes());
        row.extend(b"id");
        row.push(0);
        row.push(1);
        row.extend(7i64.to_le_bytes());
        sink.push_chunk(row).unwrap();
        assert_eq!(sink.rows, 1);
        assert!(sink.finish().unwrap().starts_with(b"PAR1"));
    }
}
