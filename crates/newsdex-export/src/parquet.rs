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
        for (f, col) in self.fields.iter().zip(&mut self.columns) {
            let v = f.cell(d);
            match col {
                Column::Text(values, defs) => match v.text() {
                    Some(s) => {
                        self.bytes += s.len();
                        values.push(ByteArray::from(s.as_bytes().to_vec()));
                        defs.push(1);
                    }
                    None => defs.push(0),
                },
                Column::Bool(values) => values.push(v == crate::Cell::Bool(true)),
                Column::Int(values, defs) => match v {
                    crate::Cell::Int(n) => {
                        values.push(n as i64);
                        defs.push(1);
                    }
                    _ => defs.push(0),
                },
            }
        }
        self.rows += 1;
        if self.bytes >= ROW_GROUP_BYTES || self.rows >= ROW_GROUP_ROWS {
            self.flush_group()?;
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
