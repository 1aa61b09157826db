//! Arrow batches → MySQL load text, column by column.
//!
//! Each column of a batch is encoded by one typed loop into its own reused buffer
//! ([`ColumnBuf`]: bytes plus per-row end offsets); rows are then interleaved into
//! either `LOAD DATA` lines (`FIELDS TERMINATED BY '\t' ESCAPED BY '\\'`, NULL as
//! `\N`) or SQL literals for the multi-row INSERT fallback (strings quoted with
//! backslash escapes, bytes as `X'..'`, NULL as `NULL`).
//!
//! MySQL cannot store NaN or ±Infinity: such floats are refused with a data error
//! rather than loaded as something else.

use super::error::{data_error, DIALECT};
use super::literal::{escape_load_data, escape_sql_string, hex_literal, push_uuid};
use super::timefmt::{push_date, push_datetime, push_duration, push_year};
use crate::{ConnectorError, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, UInt16Type, UInt32Type, UInt64Type,
    UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use ferry_schema::{LogicalType, Table};
use std::fmt::Display;
use std::io::Write;

/// Which text the encoder produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `LOAD DATA` field text: `\`-escaped, NULL as `\N`.
    LoadData,
    /// SQL literal for `INSERT ... VALUES`.
    SqlLiteral,
}

/// How one column's Arrow values become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnEncoder {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    Utf8,
    Binary,
    /// BIT(n) as the unsigned number its big-endian bytes spell.
    Bit,
    Date,
    Duration,
    Timestamp,
    Year,
    Uuid,
}

impl ColumnEncoder {
    /// The encoder for a target column of `ty`.
    pub(crate) fn for_type(table: &str, column: &str, ty: &LogicalType) -> Result<ColumnEncoder> {
        Ok(match ty {
            LogicalType::Boolean => ColumnEncoder::Bool,
            // Widths follow the Arrow type the schema gives the column, so the
            // width rules (MEDIUMINT travels as 32 bits) live in one place.
            LogicalType::Int { .. } => match ty.arrow_type() {
                DataType::Int8 => ColumnEncoder::I8,
                DataType::Int16 => ColumnEncoder::I16,
                DataType::Int32 => ColumnEncoder::I32,
                DataType::UInt8 => ColumnEncoder::U8,
                DataType::UInt16 => ColumnEncoder::U16,
                DataType::UInt32 => ColumnEncoder::U32,
                DataType::UInt64 => ColumnEncoder::U64,
                _ => ColumnEncoder::I64,
            },
            LogicalType::Float32 => ColumnEncoder::F32,
            LogicalType::Float64 => ColumnEncoder::F64,
            LogicalType::Decimal { .. }
            | LogicalType::Char { .. }
            | LogicalType::Varchar { .. }
            | LogicalType::Text { .. }
            | LogicalType::Json { .. }
            | LogicalType::Enum { .. }
            | LogicalType::Set { .. } => ColumnEncoder::Utf8,
            LogicalType::Binary { .. } | LogicalType::Varbinary { .. } => ColumnEncoder::Binary,
            LogicalType::Bit { .. } => ColumnEncoder::Bit,
            LogicalType::Date => ColumnEncoder::Date,
            LogicalType::Duration { .. } => ColumnEncoder::Duration,
            LogicalType::Timestamp { .. } => ColumnEncoder::Timestamp,
            LogicalType::Year => ColumnEncoder::Year,
            LogicalType::Uuid => ColumnEncoder::Uuid,
            other => {
                return Err(ConnectorError::UnsupportedType {
                    dialect: DIALECT,
                    table: table.to_string(),
                    column: column.to_string(),
                    type_name: other.describe(),
                })
            }
        })
    }
}

/// One column's encoded values: bytes, and where each row's value ends.
#[derive(Debug, Default)]
pub(crate) struct ColumnBuf {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl ColumnBuf {
    fn value(&self, row: usize) -> &[u8] {
        let start = if row == 0 { 0 } else { self.ends[row - 1] };
        &self.data[start..self.ends[row]]
    }
}

/// Capacity of a column buffer kept from batch to batch.
const KEEP_CAPACITY: usize = 16 << 20;

/// Encodes batches of one table, reusing its column buffers from batch to batch.
pub(crate) struct BatchEncoder {
    table: String,
    columns: Vec<String>,
    encoders: Vec<ColumnEncoder>,
    bufs: Vec<ColumnBuf>,
    rows: usize,
}

impl BatchEncoder {
    /// An encoder for the copied columns of `table`.
    pub(crate) fn new(table: &Table) -> Result<BatchEncoder> {
        let mut columns = Vec::new();
        let mut encoders = Vec::new();
        for c in table.copied_columns() {
            encoders.push(ColumnEncoder::for_type(
                &table.name,
                &c.name,
                &c.logical_type,
            )?);
            columns.push(c.name.clone());
        }
        let bufs = columns.iter().map(|_| ColumnBuf::default()).collect();
        Ok(BatchEncoder {
            table: table.name.clone(),
            columns,
            encoders,
            bufs,
            rows: 0,
        })
    }

    /// The encoders, in column order (the writer picks `@var` columns from them).
    pub(crate) fn encoders(&self) -> &[ColumnEncoder] {
        &self.encoders
    }

    /// Rows of the last encoded batch.
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    /// Encodes every column of `batch` into the column buffers.
    pub(crate) fn encode(&mut self, batch: &RecordBatch, format: Format) -> Result<()> {
        if batch.num_columns() != self.encoders.len() {
            return Err(data_error(
                &self.table,
                "*",
                format!(
                    "a batch has {} columns where the table has {}",
                    batch.num_columns(),
                    self.encoders.len()
                ),
            ));
        }
        self.rows = batch.num_rows();
        for (i, buf) in self.bufs.iter_mut().enumerate() {
            if buf.data.capacity() > KEEP_CAPACITY {
                // One large value grew it: let it go rather than hold that
                // size for the rest of the table.
                buf.data = Vec::new();
            }
            buf.data.clear();
            buf.ends.clear();
            buf.ends.reserve(self.rows);
            let col = Col {
                table: &self.table,
                column: &self.columns[i],
                format,
            };
            encode_column(self.encoders[i], batch.column(i).as_ref(), buf, &col)?;
        }
        Ok(())
    }

    /// Appends the last batch as `LOAD DATA` lines to `out`.
    pub(crate) fn write_lines(&self, out: &mut Vec<u8>) {
        out.reserve(self.bufs.iter().map(|b| b.data.len() + self.rows).sum());
        for r in 0..self.rows {
            self.write_line(r, out);
        }
    }

    /// Appends row `r` of the last batch as a `LOAD DATA` line to `out`.
    pub(crate) fn write_line(&self, r: usize, out: &mut Vec<u8>) {
        for (i, buf) in self.bufs.iter().enumerate() {
            if i > 0 {
                out.push(b'\t');
            }
            out.extend_from_slice(buf.value(r));
        }
        out.push(b'\n');
    }

    /// Column `c` of row `r` of the last batch, as encoded. In the `LOAD
    /// DATA` format no field holds a raw tab or newline (both are escaped),
    /// so fields joined by tabs split back the same way.
    pub(crate) fn field(&self, r: usize, c: usize) -> &[u8] {
        self.bufs.get(c).map_or(&[], |b| b.value(r))
    }

    /// Bytes row `r` of the last batch takes as `(v1,v2,...)`.
    pub(crate) fn tuple_len(&self, r: usize) -> usize {
        self.bufs
            .iter()
            .map(|b| b.value(r).len() + 1)
            .sum::<usize>()
            + 2
    }

    /// Appends row `r` of the last batch as a SQL tuple `(v1,v2,...)`.
    pub(crate) fn write_tuple(&self, r: usize, out: &mut Vec<u8>) {
        out.push(b'(');
        for (i, buf) in self.bufs.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(buf.value(r));
        }
        out.push(b')');
    }
}

/// Encodes a whole batch of `table` as `LOAD DATA` text (one line per row).
/// Entry point for benchmarks of the writer's hot path.
pub fn encode_load_data(table: &Table, batch: &RecordBatch) -> Result<Vec<u8>> {
    let mut enc = BatchEncoder::new(table)?;
    enc.encode(batch, Format::LoadData)?;
    let mut out = Vec::new();
    enc.write_lines(&mut out);
    Ok(out)
}

/// The column being encoded, for errors and the output format.
struct Col<'a> {
    table: &'a str,
    column: &'a str,
    format: Format,
}

impl Col<'_> {
    fn null(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(match self.format {
            Format::LoadData => b"\\N",
            Format::SqlLiteral => b"NULL",
        });
    }

    fn bad(&self, row: usize, detail: &str) -> ConnectorError {
        data_error(
            self.table,
            self.column,
            format!("row {} of a batch: {detail}", row + 1),
        )
    }

    fn wrong_type(&self, array: &dyn Array) -> ConnectorError {
        data_error(
            self.table,
            self.column,
            format!(
                "the batch holds {} values, which do not match the column's type",
                array.data_type()
            ),
        )
    }
}

fn encode_column(
    enc: ColumnEncoder,
    array: &dyn Array,
    buf: &mut ColumnBuf,
    col: &Col<'_>,
) -> Result<()> {
    let wrong = || col.wrong_type(array);
    let sql = col.format == Format::SqlLiteral;
    match enc {
        ColumnEncoder::Bool => {
            let a = array.as_boolean_opt().ok_or_else(wrong)?;
            each(a, buf, col, |r, out| {
                out.push(if a.value(r) { b'1' } else { b'0' });
                Ok(())
            })
        }
        ColumnEncoder::I8 => display::<Int8Type>(array, buf, col),
        ColumnEncoder::I16 => display::<Int16Type>(array, buf, col),
        ColumnEncoder::I32 => display::<Int32Type>(array, buf, col),
        ColumnEncoder::I64 => display::<Int64Type>(array, buf, col),
        ColumnEncoder::U8 => display::<UInt8Type>(array, buf, col),
        ColumnEncoder::U16 => display::<UInt16Type>(array, buf, col),
        ColumnEncoder::U32 => display::<UInt32Type>(array, buf, col),
        ColumnEncoder::U64 => display::<UInt64Type>(array, buf, col),
        ColumnEncoder::Year => {
            let a = array.as_primitive_opt::<Int16Type>().ok_or_else(wrong)?;
            each(a, buf, col, |r, out| {
                push_year(out, a.value(r));
                Ok(())
            })
        }
        // Floats print with `{:?}`: the shortest text that parses back to the same
        // value, with an exponent for very large/small magnitudes (MySQL reads both).
        ColumnEncoder::F32 => {
            let a = array.as_primitive_opt::<Float32Type>().ok_or_else(wrong)?;
            each(a, buf, col, |r, out| {
                finite(a.value(r).is_finite(), r, col, out, a.value(r))
            })
        }
        ColumnEncoder::F64 => {
            let a = array.as_primitive_opt::<Float64Type>().ok_or_else(wrong)?;
            each(a, buf, col, |r, out| {
                finite(a.value(r).is_finite(), r, col, out, a.value(r))
            })
        }
        ColumnEncoder::Utf8 => {
            let a = array.as_string_opt::<i32>().ok_or_else(wrong)?;
            buf.data.reserve(a.value_data().len() + a.len() * 2);
            each(a, buf, col, |r, out| {
                let v = a.value(r).as_bytes();
                if sql {
                    escape_sql_string(v, out)
                } else {
                    escape_load_data(v, out)
                }
                Ok(())
            })
        }
        ColumnEncoder::Binary => {
            let a = array.as_binary_opt::<i32>().ok_or_else(wrong)?;
            buf.data.reserve(a.value_data().len() + a.len() * 2);
            each(a, buf, col, |r, out| {
                if sql {
                    hex_literal(a.value(r), out)
                } else {
                    escape_load_data(a.value(r), out)
                }
                Ok(())
            })
        }
        ColumnEncoder::Bit => {
            let a = array.as_binary_opt::<i32>().ok_or_else(wrong)?;
            each(a, buf, col, |r, out| {
                let v = a.value(r);
                let start = v.iter().position(|&b| b != 0).unwrap_or(v.len());
                if v.len() - start > 8 {
                    return Err(col.bad(
                        r,
                        "a bit string wider than 64 bits cannot be stored in MySQL BIT",
                    ));
                }
                let n = v[start..]
                    .iter()
                    .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
                let _ = write!(out, "{n}");
                Ok(())
            })
        }
        ColumnEncoder::Date => {
            let a = array.as_primitive_opt::<Date32Type>().ok_or_else(wrong)?;
            each(a, buf, col, |r, out| {
                quoted(sql, out, |out| push_date(out, i64::from(a.value(r))))
                    .then_some(())
                    .ok_or_else(|| {
                        col.bad(
                            r,
                            "the date lies outside years 0..9999, which MySQL cannot store",
                        )
                    })
            })
        }
        ColumnEncoder::Timestamp => {
            let a = array
                .as_primitive_opt::<TimestampMicrosecondType>()
                .ok_or_else(wrong)?;
            each(a, buf, col, |r, out| {
                quoted(sql, out, |out| push_datetime(out, a.value(r))).then_some(()).ok_or_else(|| {
                    col.bad(r, "the timestamp lies outside years 0..9999 (or is ±infinity), which MySQL cannot store")
                })
            })
        }
        ColumnEncoder::Duration => {
            let a = array
                .as_primitive_opt::<DurationMicrosecondType>()
                .ok_or_else(wrong)?;
            each(a, buf, col, |r, out| {
                quoted(sql, out, |out| {
                    push_duration(out, a.value(r));
                    true
                });
                Ok(())
            })
        }
        ColumnEncoder::Uuid => {
            let a = array.as_fixed_size_binary_opt().ok_or_else(wrong)?;
            each(a, buf, col, |r, out| {
                quoted(sql, out, |out| {
                    push_uuid(a.value(r), out);
                    true
                });
                Ok(())
            })
        }
    }
}

/// The typed loop every column runs: NULLs spelled by the format, other values by
/// `write` (a closure monomorphized per column type, so no per-cell dispatch).
fn each(
    array: &dyn Array,
    buf: &mut ColumnBuf,
    col: &Col<'_>,
    mut write: impl FnMut(usize, &mut Vec<u8>) -> Result<()>,
) -> Result<()> {
    // The validity bitmap is fetched once; per row it is a plain bit test.
    let nulls = array.nulls();
    for r in 0..array.len() {
        if nulls.is_some_and(|n| n.is_null(r)) {
            col.null(&mut buf.data);
        } else {
            write(r, &mut buf.data)?;
        }
        buf.ends.push(buf.data.len());
    }
    Ok(())
}

/// Runs `write` between single quotes when writing SQL literals.
fn quoted(sql: bool, out: &mut Vec<u8>, write: impl FnOnce(&mut Vec<u8>) -> bool) -> bool {
    if sql {
        out.push(b'\'');
    }
    let ok = write(out);
    if sql {
        out.push(b'\'');
    }
    ok
}

/// Integer columns: `Display` writes digits straight into the reused buffer.
fn display<T: ArrowPrimitiveType>(
    array: &dyn Array,
    buf: &mut ColumnBuf,
    col: &Col<'_>,
) -> Result<()>
where
    T::Native: Display,
{
    let a = array
        .as_primitive_opt::<T>()
        .ok_or_else(|| col.wrong_type(array))?;
    each(a, buf, col, |r, out| {
        let _ = write!(out, "{}", a.value(r));
        Ok(())
    })
}

/// Writes a float, refusing NaN and ±Infinity, which MySQL cannot store.
fn finite(
    is_finite: bool,
    r: usize,
    col: &Col<'_>,
    out: &mut Vec<u8>,
    v: impl std::fmt::Debug,
) -> Result<()> {
    if !is_finite {
        return Err(col.bad(
            r,
            "NaN and ±Infinity cannot be stored in MySQL; set them to NULL on the source or exclude the column",
        ));
    }
    let _ = write!(out, "{v:?}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use arrow_array::{ArrayRef, BinaryArray};
    use ferry_schema::Column;
    use std::sync::Arc;

    #[test]
    fn a_buffer_one_large_value_grew_is_let_go_at_the_next_batch() {
        let table = Table::new(
            "t",
            vec![Column::new("b", LogicalType::Varbinary { length: None })],
        );
        let batch = |values: Vec<&[u8]>| {
            let array: ArrayRef = Arc::new(BinaryArray::from(values));
            RecordBatch::try_new(table.arrow_schema(), vec![array]).unwrap()
        };
        let mut enc = BatchEncoder::new(&table).unwrap();
        let large = vec![b'x'; KEEP_CAPACITY + 1];
        enc.encode(&batch(vec![&large]), Format::LoadData).unwrap();
        assert!(enc.bufs[0].data.capacity() > KEEP_CAPACITY);

        enc.encode(&batch(vec![b"ab", b"c"]), Format::LoadData)
            .unwrap();
        assert!(enc.bufs[0].data.capacity() <= KEEP_CAPACITY);
        let mut out = Vec::new();
        enc.write_lines(&mut out);
        assert_eq!(out, b"ab\nc\n");
    }
}
