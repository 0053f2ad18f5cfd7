//! Parquet exports with the `parquet` crate (Apache arrow-rs) without its arrow layer:
//! columns are written through the low-level column writers, which needs none of the
//! arrow-* crates (a smaller build), and only Snappy compression (pure Rust; what pyarrow
//! and pandas read by default) is compiled in.
//!
//! Rows are buffered column by column and written as a row group when the buffered text
//! reaches [`ROW_GROUP_BYTES`] (or [`ROW_GROUP_ROWS`] rows), so memory holds one row group,
//! never the export. Strings are UTF-8 (`STRING` logical type); absent values are nulls;
//! list-valued fields (authors, warnings, removed lines) are JSON text, as in CSV.

use std::io::Write;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use crate::Field;
use newsdex_engine::export::ExportDoc;

/// Text buffered before a row group is written.
pub const ROW_GROUP_BYTES: usize = 16 << 20;
/// Most rows in a row group.
pub const ROW_GROUP_ROWS: usize = 50_000;

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
        let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let writer = SerializedFileWriter::new(out, Arc::new(schema), Arc::new(props)).map_err(io)?;
        let mut sink = ParquetSink { fields: fields.to_vec(), writer, columns: Vec::new(), rows: 0, bytes: 0 };
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
        let mut group = self.writer.next_row_group().map_err(io)?;
        for (col, optional) in columns.into_iter().zip(optional) {
            let mut w =
                group.next_column().map_err(io)?.ok_or_else(|| std::io::Error::other("parquet: fewer columns"))?;
            let defs = |d: &Vec<i16>| if optional { Some(d.clone()) } else { None };
            match &col {
                Column::Text(values, d) => {
                    w.typed::<ByteArrayType>().write_batch(values, defs(d).as_deref(), None).map_err(io)?;
                }
                Column::Bool(values) => {
                    w.typed::<BoolType>().write_batch(values, None, None).map_err(io)?;
                }
                Column::Int(values, d) => {
                    w.typed::<Int64Type>().write_batch(values, defs(d).as_deref(), None).map_err(io)?;
                }
            }
            w.close().map_err(io)?;
        }
        group.close().map_err(io)?;
        (self.rows, self.bytes) = (0, 0);
        Ok(())
    }

    /// Write the last row group and the footer; give the writer back.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.flush_group()?;
        self.writer.into_inner().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
