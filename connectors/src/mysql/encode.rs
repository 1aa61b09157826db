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
use super::timefmt::{push_date, push_datetime, push_duration, push_year};
use crate::{ConnectorError, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, UInt16Type, UInt32Type, UInt64Type,
    UInt8Type,
};
use arrow_array::{Array, RecordBatch};
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
            LogicalType::Int {
                bits: 8,
                unsigned: false,
            } => ColumnEncoder::I8,
            LogicalType::Int {
                bits: 16,
                unsigned: false,
            } => ColumnEncoder::I16,
            LogicalType::Int {
                bits: 24 | 32,
                unsigned: false,
            } => ColumnEncoder::I32,
            LogicalType::Int {
                unsigned: false, ..
            } => ColumnEncoder::I64,
            LogicalType::Int {
                bits: 8,
                unsigned: true,
            } => ColumnEncoder::U8,
            LogicalType::Int {
                bits: 16,
                unsigned: true,
            } => ColumnEncoder::U16,
            LogicalType::Int {
                bits: 24 | 32,
                unsigned: true,
            } => ColumnEncoder::U32,
            LogicalType::Int { unsigned: true, .. } => ColumnEncoder::U64,
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
            for (i, buf) in self.bufs.iter().enumerate() {
                if i > 0 {
                    out.push(b'\t');
                }
                out.extend_from_slice(buf.value(r));
            }
            out.push(b'\n');
        }
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

    fn quote(&self, buf: &mut Vec<u8>) {
        if self.format == Format::SqlLiteral {
            buf.push(b'\'');
        }
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
    match enc {
        ColumnEncoder::Bool => {
            let a = array
                .as_boolean_opt()
                .ok_or_else(|| col.wrong_type(array))?;
            for r in 0..a.len() {
                if a.is_null(r) {
                    col.null(&mut buf.data);
                } else {
                    buf.data.push(if a.value(r) { b'1' } else { b'0' });
                }
                buf.ends.push(buf.data.len());
            }
        }
        ColumnEncoder::I8 => display::<Int8Type>(array, buf, col)?,
        ColumnEncoder::I16 => display::<Int16Type>(array, buf, col)?,
        ColumnEncoder::Year => {
            let a = array
                .as_primitive_opt::<Int16Type>()
                .ok_or_else(|| col.wrong_type(array))?;
            for r in 0..a.len() {
                if a.is_null(r) {
                    col.null(&mut buf.data);
                } else {
                    push_year(&mut buf.data, a.value(r));
                }
                buf.ends.push(buf.data.len());
            }
        }
        ColumnEncoder::I32 => display::<Int32Type>(array, buf, col)?,
        ColumnEncoder::I64 => display::<Int64Type>(array, buf, col)?,
        ColumnEncoder::U8 => display::<UInt8Type>(array, buf, col)?,
        ColumnEncoder::U16 => display::<UInt16Type>(array, buf, col)?,
        ColumnEncoder::U32 => display::<UInt32Type>(array, buf, col)?,
        ColumnEncoder::U64 => display::<UInt64Type>(array, buf, col)?,
        ColumnEncoder::F32 => {
            let a = array
                .as_primitive_opt::<Float32Type>()
                .ok_or_else(|| col.wrong_type(array))?;
            floats(
                a.len(),
                |r| a.is_null(r),
                |r| f64::from(a.value(r)),
                |r, out| write!(out, "{:?}", a.value(r)),
                buf,
                col,
            )?;
        }
        ColumnEncoder::F64 => {
            let a = array
                .as_primitive_opt::<Float64Type>()
                .ok_or_else(|| col.wrong_type(array))?;
            floats(
                a.len(),
                |r| a.is_null(r),
                |r| a.value(r),
                |r, out| write!(out, "{:?}", a.value(r)),
                buf,
                col,
            )?;
        }
        ColumnEncoder::Utf8 => {
            let a = array
                .as_string_opt::<i32>()
                .ok_or_else(|| col.wrong_type(array))?;
            buf.data.reserve(a.value_data().len() + a.len() * 2);
            for r in 0..a.len() {
                if a.is_null(r) {
                    col.null(&mut buf.data);
                } else {
                    match col.format {
                        Format::LoadData => escape_load_data(a.value(r).as_bytes(), &mut buf.data),
                        Format::SqlLiteral => {
                            escape_sql_string(a.value(r).as_bytes(), &mut buf.data)
                        }
                    }
                }
                buf.ends.push(buf.data.len());
            }
        }
        ColumnEncoder::Binary => {
            let a = array
                .as_binary_opt::<i32>()
                .ok_or_else(|| col.wrong_type(array))?;
            for r in 0..a.len() {
                if a.is_null(r) {
                    col.null(&mut buf.data);
                } else {
                    match col.format {
                        Format::LoadData => escape_load_data(a.value(r), &mut buf.data),
                        Format::SqlLiteral => hex_literal(a.value(r), &mut buf.data),
                    }
                }
                buf.ends.push(buf.data.len());
            }
        }
        ColumnEncoder::Bit => {
            let a = array
                .as_binary_opt::<i32>()
                .ok_or_else(|| col.wrong_type(array))?;
            for r in 0..a.len() {
                if a.is_null(r) {
                    col.null(&mut buf.data);
                } else {
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
                    let _ = write!(buf.data, "{n}");
                }
                buf.ends.push(buf.data.len());
            }
        }
        ColumnEncoder::Date => {
            let a = array
                .as_primitive_opt::<Date32Type>()
                .ok_or_else(|| col.wrong_type(array))?;
            for r in 0..a.len() {
                if a.is_null(r) {
                    col.null(&mut buf.data);
                } else {
                    col.quote(&mut buf.data);
                    if !push_date(&mut buf.data, i64::from(a.value(r))) {
                        return Err(col.bad(
                            r,
                            "the date lies outside years 0..9999, which MySQL cannot store",
                        ));
                    }
                    col.quote(&mut buf.data);
                }
                buf.ends.push(buf.data.len());
            }
        }
        ColumnEncoder::Timestamp => {
            let a = array
                .as_primitive_opt::<TimestampMicrosecondType>()
                .ok_or_else(|| col.wrong_type(array))?;
            for r in 0..a.len() {
                if a.is_null(r) {
                    col.null(&mut buf.data);
                } else {
                    col.quote(&mut buf.data);
                    if !push_datetime(&mut buf.data, a.value(r)) {
                        return Err(col.bad(r, "the timestamp lies outside years 0..9999 (or is ±infinity), which MySQL cannot store"));
                    }
                    col.quote(&mut buf.data);
                }
                buf.ends.push(buf.data.len());
            }
        }
        ColumnEncoder::Duration => {
            let a = array
                .as_primitive_opt::<DurationMicrosecondType>()
                .ok_or_else(|| col.wrong_type(array))?;
            for r in 0..a.len() {
                if a.is_null(r) {
                    col.null(&mut buf.data);
                } else {
                    col.quote(&mut buf.data);
                    push_duration(&mut buf.data, a.value(r));
                    col.quote(&mut buf.data);
                }
                buf.ends.push(buf.data.len());
            }
        }
        ColumnEncoder::Uuid => {
            let a = array
                .as_fixed_size_binary_opt()
                .ok_or_else(|| col.wrong_type(array))?;
            for r in 0..a.len() {
                if a.is_null(r) {
                    col.null(&mut buf.data);
                } else {
                    col.quote(&mut buf.data);
                    push_uuid(a.value(r), &mut buf.data);
                    col.quote(&mut buf.data);
                }
                buf.ends.push(buf.data.len());
            }
        }
    }
    Ok(())
}

/// The typed loop for integer columns: `Display` writes digits into the reused buffer.
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
    for r in 0..a.len() {
        if a.is_null(r) {
            col.null(&mut buf.data);
        } else {
            let _ = write!(buf.data, "{}", a.value(r));
        }
        buf.ends.push(buf.data.len());
    }
    Ok(())
}

/// Floats print with `{:?}`: the shortest text that parses back to the same value,
/// with an exponent for very large/small magnitudes (MySQL reads both forms).
fn floats(
    len: usize,
    is_null: impl Fn(usize) -> bool,
    value: impl Fn(usize) -> f64,
    print: impl Fn(usize, &mut Vec<u8>) -> std::io::Result<()>,
    buf: &mut ColumnBuf,
    col: &Col<'_>,
) -> Result<()> {
    for r in 0..len {
        if is_null(r) {
            col.null(&mut buf.data);
        } else {
            if !value(r).is_finite() {
                return Err(col.bad(r, "NaN and ±Infinity cannot be stored in MySQL; set them to NULL on the source or exclude the column"));
            }
            let _ = print(r, &mut buf.data);
        }
        buf.ends.push(buf.data.len());
    }
    Ok(())
}

/// `LOAD DATA ... ESCAPED BY '\\'` field text: escapes the field and line terminators,
/// the escape character itself, and NUL (so `\N` inside data is never read as NULL).
pub(crate) fn escape_load_data(value: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        let esc = match b {
            b'\\' => b'\\',
            b'\t' => b't',
            b'\n' => b'n',
            0 => b'0',
            _ => continue,
        };
        out.extend_from_slice(&value[start..i]);
        out.push(b'\\');
        out.push(esc);
        start = i + 1;
    }
    out.extend_from_slice(&value[start..]);
}

/// A single-quoted SQL string with backslash escapes (the session has no
/// `NO_BACKSLASH_ESCAPES`).
fn escape_sql_string(value: &[u8], out: &mut Vec<u8>) {
    out.push(b'\'');
    for &b in value {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\'' => out.extend_from_slice(b"\\'"),
            0 => out.extend_from_slice(b"\\0"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x1a => out.extend_from_slice(b"\\Z"),
            _ => out.push(b),
        }
    }
    out.push(b'\'');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `X'0a1b'`: bytes as a hex literal, immune to any character set conversion.
fn hex_literal(value: &[u8], out: &mut Vec<u8>) {
    out.reserve(value.len() * 2 + 3);
    out.extend_from_slice(b"X'");
    for &b in value {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
    out.push(b'\'');
}

/// Canonical 36-character UUID text (what MariaDB's UUID type accepts).
fn push_uuid(bytes: &[u8], out: &mut Vec<u8>) {
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the server does with a field under `ESCAPED BY '\\'`.
    fn unescape_load_data(field: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut it = field.iter();
        while let Some(&b) = it.next() {
            if b == b'\\' {
                match it.next() {
                    Some(b'0') => out.push(0),
                    Some(b't') => out.push(b'\t'),
                    Some(b'n') => out.push(b'\n'),
                    Some(&c) => out.push(c),
                    None => out.push(b'\\'),
                }
            } else {
                out.push(b);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn load_data_escaping_round_trips(value in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut field = Vec::new();
            escape_load_data(&value, &mut field);
            // A field never contains a bare separator, so lines split unambiguously...
            prop_assert!(!field.contains(&b'\t') && !field.contains(&b'\n') && !field.contains(&0));
            // ...is never read as NULL...
            prop_assert_ne!(field.as_slice(), b"\\N".as_slice());
            // ...and unescapes to the original bytes.
            prop_assert_eq!(unescape_load_data(&field), value);
        }
    }

    #[test]
    fn uuid_and_hex_text() {
        let mut out = Vec::new();
        push_uuid(
            &[
                0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17,
                0x40, 0,
            ],
            &mut out,
        );
        assert_eq!(out, b"123e4567-e89b-12d3-a456-426614174000");
        out.clear();
        hex_literal(&[0, 0xff, b'\''], &mut out);
        assert_eq!(out, b"X'00ff27'");
        out.clear();
        escape_sql_string(b"a'b\\c\0", &mut out);
        assert_eq!(out, b"'a\\'b\\\\c\\0'");
    }
}
