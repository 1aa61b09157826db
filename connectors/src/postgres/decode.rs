//! Column decoders for the binary COPY reader: one [`Decoder`] is chosen per column
//! before the first row, then each batch's column is built by one typed loop over
//! the raw field bytes into a builder pre-sized from the exact byte count.

use super::codec;
use super::error::{self as pgerr, DIALECT};
use crate::{ConnectorError, Result};
use arrow_array::builder::{BinaryBuilder, FixedSizeBinaryBuilder, StringBuilder};
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    IntervalMonthDayNanoType, Time64MicrosecondType, TimestampMicrosecondType,
};
use arrow_array::{ArrayRef, ArrowPrimitiveType, BooleanArray, PrimitiveArray};
use arrow_buffer::{BooleanBufferBuilder, IntervalMonthDayNano, NullBufferBuilder};
use ferry_schema::{Column, LogicalType, UTC_OFFSET};
use std::sync::Arc;

/// How one column's binary values become Arrow values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Numeric,
    /// text, varchar, json, enum labels: UTF-8 as is.
    Text,
    /// bpchar: pad spaces stripped.
    Bpchar,
    /// jsonb: a version byte (1) before the text.
    Jsonb,
    Bytea,
    Bit,
    Uuid,
    Date,
    Time,
    Timestamp {
        utc: bool,
    },
    Interval,
}

/// The decoder of one copied column.
#[derive(Debug, Clone)]
pub(crate) struct Decoder {
    column: String,
    kind: Kind,
}

impl Decoder {
    /// The decoder for a column of a table introspected from PostgreSQL.
    pub(crate) fn for_column(table: &str, column: &Column) -> Result<Decoder> {
        let kind = match &column.logical_type {
            LogicalType::Boolean => Kind::Bool,
            LogicalType::Int {
                bits: 16,
                unsigned: false,
            } => Kind::Int16,
            LogicalType::Int {
                bits: 32,
                unsigned: false,
            } => Kind::Int32,
            LogicalType::Int {
                bits: 64,
                unsigned: false,
            } => Kind::Int64,
            LogicalType::Float32 => Kind::Float32,
            LogicalType::Float64 => Kind::Float64,
            LogicalType::Decimal { .. } => Kind::Numeric,
            LogicalType::Char { .. } => Kind::Bpchar,
            LogicalType::Varchar { .. } | LogicalType::Text { .. } | LogicalType::Enum { .. } => {
                Kind::Text
            }
            LogicalType::Json { binary: false } => Kind::Text,
            LogicalType::Json { binary: true } => Kind::Jsonb,
            LogicalType::Varbinary { .. } => Kind::Bytea,
            LogicalType::Bit { .. } => Kind::Bit,
            LogicalType::Uuid => Kind::Uuid,
            LogicalType::Date => Kind::Date,
            LogicalType::Time { .. } => Kind::Time,
            LogicalType::Timestamp { with_time_zone, .. } => Kind::Timestamp {
                utc: *with_time_zone,
            },
            LogicalType::Interval => Kind::Interval,
            other => {
                return Err(ConnectorError::UnsupportedType {
                    dialect: DIALECT,
                    table: table.to_string(),
                    column: column.name.clone(),
                    type_name: other.describe(),
                })
            }
        };
        Ok(Decoder {
            column: column.name.clone(),
            kind,
        })
    }
}

/// One column's cells inside a batch's field table, which holds (offset into the
/// batch buffer, length or -1 for NULL) row by row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cells<'a> {
    /// The field table of the batch.
    pub(crate) fields: &'a [(usize, i32)],
    /// Column index.
    pub(crate) column: usize,
    /// Columns per row.
    pub(crate) stride: usize,
}

impl<'a> Cells<'a> {
    fn len(&self) -> usize {
        self.fields.len() / self.stride.max(1)
    }

    fn iter(&self) -> impl ExactSizeIterator<Item = (usize, i32)> + 'a {
        self.fields
            .iter()
            .skip(self.column)
            .step_by(self.stride.max(1))
            .copied()
            .take(self.len())
    }

    /// Total bytes of the non-NULL values: the exact size of a variable-width builder.
    fn bytes(&self) -> usize {
        self.iter()
            .map(|(_, n)| usize::try_from(n).unwrap_or(0))
            .sum()
    }
}

fn cell(buf: &[u8], (at, len): (usize, i32)) -> Option<&[u8]> {
    let n = usize::try_from(len).ok()?;
    buf.get(at..at + n)
}

/// Builds the Arrow array of one column of a batch. `row_base` is the number of
/// rows already emitted, for error messages.
pub(crate) fn column(
    d: &Decoder,
    buf: &[u8],
    cells: Cells<'_>,
    table: &str,
    row_base: u64,
) -> Result<ArrayRef> {
    let fail = |row: usize, what: &str| {
        let n = row_base + u64::try_from(row).unwrap_or(0) + 1;
        pgerr::data(
            table,
            &d.column,
            format!("row {n} of the COPY stream: {what}"),
        )
    };
    fn be<const N: usize>(b: &[u8]) -> Option<[u8; N]> {
        b.try_into().ok()
    }
    Ok(match d.kind {
        Kind::Bool => {
            let rows = cells.len();
            let mut values = BooleanBufferBuilder::new(rows);
            let mut nulls = NullBufferBuilder::new(rows);
            for (row, c) in cells.iter().enumerate() {
                match cell(buf, c) {
                    None => {
                        values.append(false);
                        nulls.append_null();
                    }
                    Some([v]) => {
                        values.append(*v != 0);
                        nulls.append_non_null();
                    }
                    Some(_) => return Err(fail(row, "malformed boolean")),
                }
            }
            Arc::new(BooleanArray::new(values.finish(), nulls.finish()))
        }
        Kind::Int16 => Arc::new(
            primitive::<Int16Type>(buf, cells, |b| be(b).map(i16::from_be_bytes))
                .map_err(|r| fail(r, "malformed int2"))?,
        ),
        Kind::Int32 => Arc::new(
            primitive::<Int32Type>(buf, cells, |b| be(b).map(i32::from_be_bytes))
                .map_err(|r| fail(r, "malformed int4"))?,
        ),
        Kind::Int64 => Arc::new(
            primitive::<Int64Type>(buf, cells, |b| be(b).map(i64::from_be_bytes))
                .map_err(|r| fail(r, "malformed int8"))?,
        ),
        Kind::Float32 => Arc::new(
            primitive::<Float32Type>(buf, cells, |b| be(b).map(f32::from_be_bytes))
                .map_err(|r| fail(r, "malformed float4"))?,
        ),
        Kind::Float64 => Arc::new(
            primitive::<Float64Type>(buf, cells, |b| be(b).map(f64::from_be_bytes))
                .map_err(|r| fail(r, "malformed float8"))?,
        ),
        Kind::Date => Arc::new(
            primitive::<Date32Type>(buf, cells, |b| {
                be(b).map(i32::from_be_bytes).and_then(codec::date_from_pg)
            })
            .map_err(|r| fail(r, "malformed or out-of-range date"))?,
        ),
        Kind::Time => Arc::new(
            primitive::<Time64MicrosecondType>(buf, cells, |b| be(b).map(i64::from_be_bytes))
                .map_err(|r| fail(r, "malformed time"))?,
        ),
        Kind::Timestamp { utc } => {
            let array = primitive::<TimestampMicrosecondType>(buf, cells, |b| {
                be(b)
                    .map(i64::from_be_bytes)
                    .and_then(codec::timestamp_from_pg)
            })
            .map_err(|r| fail(r, "malformed or out-of-range timestamp"))?;
            Arc::new(array.with_timezone_opt(utc.then_some(UTC_OFFSET)))
        }
        Kind::Interval => Arc::new(
            primitive::<IntervalMonthDayNanoType>(buf, cells, |b| {
                let micros = i64::from_be_bytes(be(b.get(..8)?)?);
                let days = i32::from_be_bytes(be(b.get(8..12)?)?);
                let months = i32::from_be_bytes(be(b.get(12..16)?)?);
                (b.len() == 16).then_some(())?;
                Some(IntervalMonthDayNano {
                    months,
                    days,
                    nanoseconds: micros.checked_mul(1000)?,
                })
            })
            .map_err(|r| fail(r, "malformed interval, or one too long for nanoseconds"))?,
        ),
        Kind::Text | Kind::Bpchar | Kind::Jsonb | Kind::Numeric => {
            strings(d.kind, buf, cells, fail)?
        }
        Kind::Bytea | Kind::Bit => {
            let mut builder = BinaryBuilder::with_capacity(cells.len(), cells.bytes());
            let mut scratch = Vec::new();
            for (row, c) in cells.iter().enumerate() {
                match (cell(buf, c), d.kind) {
                    (None, _) => builder.append_null(),
                    (Some(v), Kind::Bytea) => builder.append_value(v),
                    (Some(v), _) => {
                        scratch.clear();
                        codec::bits_from_pg(v, &mut scratch).map_err(|e| fail(row, e))?;
                        builder.append_value(&scratch);
                    }
                }
            }
            Arc::new(builder.finish())
        }
        Kind::Uuid => {
            let mut builder = FixedSizeBinaryBuilder::with_capacity(cells.len(), 16);
            for (row, c) in cells.iter().enumerate() {
                match cell(buf, c) {
                    None => builder.append_null(),
                    Some(v) if v.len() == 16 => builder
                        .append_value(v)
                        .map_err(|e| fail(row, &e.to_string()))?,
                    Some(_) => return Err(fail(row, "malformed uuid")),
                }
            }
            Arc::new(builder.finish())
        }
    })
}

fn strings(
    kind: Kind,
    buf: &[u8],
    cells: Cells<'_>,
    fail: impl Fn(usize, &str) -> ConnectorError,
) -> Result<ArrayRef> {
    let rows = cells.len();
    let bytes = cells.bytes();
    // numeric text is about twice its binary size (4 digits per 2 bytes).
    let capacity = if kind == Kind::Numeric {
        bytes * 2
    } else {
        bytes
    };
    let mut builder = StringBuilder::with_capacity(rows, capacity);
    let mut scratch = String::new();
    for (row, c) in cells.iter().enumerate() {
        let Some(v) = cell(buf, c) else {
            builder.append_null();
            continue;
        };
        let bad_utf8 = || fail(row, "text that is not valid UTF-8");
        let text = |b| std::str::from_utf8(b).map_err(|_| bad_utf8());
        match kind {
            Kind::Text => builder.append_value(text(v)?),
            Kind::Bpchar => builder.append_value(text(v)?.trim_end_matches(' ')),
            Kind::Jsonb => match v.split_first() {
                Some((1, doc)) => builder.append_value(text(doc)?),
                _ => return Err(fail(row, "jsonb in an unknown binary version")),
            },
            _ => {
                scratch.clear();
                codec::numeric_to_text(v, &mut scratch).map_err(|e| fail(row, e))?;
                builder.append_value(&scratch);
            }
        }
    }
    Ok(Arc::new(builder.finish()))
}

/// A fixed-width column: `decode` turns one cell into a value; `Err(row)` names the
/// first cell it refused.
fn primitive<T: ArrowPrimitiveType>(
    buf: &[u8],
    cells: Cells<'_>,
    decode: impl Fn(&[u8]) -> Option<T::Native>,
) -> Result<PrimitiveArray<T>, usize> {
    let rows = cells.len();
    let mut values = Vec::with_capacity(rows);
    let mut nulls = NullBufferBuilder::new(rows);
    for (row, c) in cells.iter().enumerate() {
        match cell(buf, c) {
            None => {
                values.push(T::Native::default());
                nulls.append_null();
            }
            Some(b) => {
                values.push(decode(b).ok_or(row)?);
                nulls.append_non_null();
            }
        }
    }
    Ok(PrimitiveArray::new(values.into(), nulls.finish()))
}
