//! Reading a table into Arrow batches.
//!
//! SQLite is dynamically typed: a column's declared type is only an affinity and
//! any cell may hold NULL, INTEGER, REAL, TEXT or BLOB. Each column gets a
//! decoder chosen once from its logical type; it accepts the storage classes
//! that convert without loss and refuses the others with a data error naming
//! the table, column and row (in scan order). Accepted conversions:
//!
//! | logical type | accepts |
//! |---|---|
//! | Boolean | INTEGER 0/1, TEXT `true`/`false` |
//! | Int | INTEGER (in range of the width) |
//! | Float64 | REAL, INTEGER up to ±2^53 (exact) |
//! | Float32 | REAL exactly representable as f32 |
//! | Decimal{s} | INTEGER, REAL (printed with scale `s`), TEXT holding a plain decimal |
//! | Char / Varchar / Text / Json / Enum / Set | TEXT, INTEGER, REAL (printed), UTF-8 BLOB |
//! | Binary / Varbinary / Bit | BLOB, TEXT (its bytes), INTEGER, REAL (printed) |
//! | Date | TEXT `YYYY-MM-DD` (or with a 00:00:00 time), INTEGER unix seconds at midnight |
//! | Timestamp | TEXT `YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]]` (optional `Z`/`+00:00`), INTEGER unix seconds |
//! | Time / Duration | TEXT `HH:MM[:SS[.ffffff]]` (`[-]H+:MM:SS...` for durations) |
//! | Uuid | TEXT of 36 or 32 hex characters, BLOB of 16 bytes |
//! | Interval | TEXT `P<months>M<days>DT<seconds>S` as ferry's writer stores it |
//!
//! An untyped column (BLOB affinity) is read as bytes, whatever its storage class.
//! SQLite has no REAL NaN (it stores NULL instead), so none can appear.

use super::codec;
use super::error::{data, server};
use super::order;
use crate::{BatchSender, ConnectorError, ReadOptions, Result};
use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, DurationMicrosecondBuilder,
    FixedSizeBinaryBuilder, Float32Builder, Float64Builder, Int16Builder, Int32Builder,
    Int64Builder, Int8Builder, IntervalMonthDayNanoBuilder, StringBuilder,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder, UInt16Builder, UInt32Builder,
    UInt64Builder, UInt8Builder,
};
use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_buffer::IntervalMonthDayNano;
use arrow_schema::DataType;
use ferry_schema::ident::quote;
use ferry_schema::{Dialect, LogicalType, Table};
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use std::sync::Arc;

/// How one column's values are decoded, chosen once per table.
#[derive(Debug, Clone)]
enum Kind {
    Bool,
    Int(DataType),
    Float32,
    Float64,
    Decimal(Option<u16>),
    Text,
    Binary,
    Date,
    Time,
    Duration,
    Timestamp(Option<Arc<str>>),
    Uuid,
    Interval,
}

/// Why a cell was refused (turned into a message only when it happens).
enum Refusal {
    /// The storage class does not convert to the column's type.
    Class(&'static str),
    /// The storage class fits but the value does not (range, format).
    Value(&'static str),
}

/// The decoder for a column of `logical` type; `None` for a type ferry does not carry.
fn kind_of(logical: &LogicalType) -> Option<Kind> {
    Some(match logical {
        LogicalType::Boolean => Kind::Bool,
        LogicalType::Int { .. } | LogicalType::Year => Kind::Int(logical.arrow_type()),
        LogicalType::Float32 => Kind::Float32,
        LogicalType::Float64 => Kind::Float64,
        LogicalType::Decimal { scale, .. } => Kind::Decimal(*scale),
        LogicalType::Char { .. }
        | LogicalType::Varchar { .. }
        | LogicalType::Text { .. }
        | LogicalType::Json { .. }
        | LogicalType::Enum { .. }
        | LogicalType::Set { .. } => Kind::Text,
        LogicalType::Binary { .. } | LogicalType::Varbinary { .. } | LogicalType::Bit { .. } => {
            Kind::Binary
        }
        LogicalType::Date => Kind::Date,
        LogicalType::Time { .. } => Kind::Time,
        LogicalType::Duration { .. } => Kind::Duration,
        LogicalType::Timestamp { with_time_zone, .. } => {
            Kind::Timestamp(with_time_zone.then(|| Arc::from(ferry_schema::UTC_OFFSET)))
        }
        LogicalType::Uuid => Kind::Uuid,
        LogicalType::Interval => Kind::Interval,
        LogicalType::Unsupported { .. } => return None,
    })
}

/// One column's builder for the batch being filled.
enum Slot {
    Bool(BooleanBuilder),
    I8(Int8Builder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    U8(UInt8Builder),
    U16(UInt16Builder),
    U32(UInt32Builder),
    U64(UInt64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Decimal(StringBuilder, Option<u16>),
    Text(StringBuilder),
    Binary(BinaryBuilder),
    Date(Date32Builder),
    Time(Time64MicrosecondBuilder),
    Duration(DurationMicrosecondBuilder),
    Timestamp(TimestampMicrosecondBuilder),
    Uuid(FixedSizeBinaryBuilder),
    Interval(IntervalMonthDayNanoBuilder),
}

impl Slot {
    fn new(kind: &Kind, rows: usize) -> Slot {
        // Pre-sized for a full batch of short values (capped so a huge batch_rows
        // setting cannot reserve gigabytes up front); builders grow past it.
        let rows = rows.min(1 << 16);
        let bytes = rows * 16;
        match kind {
            Kind::Bool => Slot::Bool(BooleanBuilder::with_capacity(rows)),
            Kind::Int(DataType::Int8) => Slot::I8(Int8Builder::with_capacity(rows)),
            Kind::Int(DataType::Int16) => Slot::I16(Int16Builder::with_capacity(rows)),
            Kind::Int(DataType::Int32) => Slot::I32(Int32Builder::with_capacity(rows)),
            Kind::Int(DataType::UInt8) => Slot::U8(UInt8Builder::with_capacity(rows)),
            Kind::Int(DataType::UInt16) => Slot::U16(UInt16Builder::with_capacity(rows)),
            Kind::Int(DataType::UInt32) => Slot::U32(UInt32Builder::with_capacity(rows)),
            Kind::Int(DataType::UInt64) => Slot::U64(UInt64Builder::with_capacity(rows)),
            Kind::Int(_) => Slot::I64(Int64Builder::with_capacity(rows)),
            Kind::Float32 => Slot::F32(Float32Builder::with_capacity(rows)),
            Kind::Float64 => Slot::F64(Float64Builder::with_capacity(rows)),
            Kind::Decimal(scale) => {
                Slot::Decimal(StringBuilder::with_capacity(rows, bytes), *scale)
            }
            Kind::Text => Slot::Text(StringBuilder::with_capacity(rows, bytes)),
            Kind::Binary => Slot::Binary(BinaryBuilder::with_capacity(rows, bytes)),
            Kind::Date => Slot::Date(Date32Builder::with_capacity(rows)),
            Kind::Time => Slot::Time(Time64MicrosecondBuilder::with_capacity(rows)),
            Kind::Duration => Slot::Duration(DurationMicrosecondBuilder::with_capacity(rows)),
            Kind::Timestamp(tz) => Slot::Timestamp(
                TimestampMicrosecondBuilder::with_capacity(rows).with_timezone_opt(tz.clone()),
            ),
            Kind::Uuid => Slot::Uuid(FixedSizeBinaryBuilder::with_capacity(rows, 16)),
            Kind::Interval => Slot::Interval(IntervalMonthDayNanoBuilder::with_capacity(rows)),
        }
    }

    /// Appends one cell; returns the variable-width bytes it added.
    fn push(&mut self, v: ValueRef<'_>, scratch: &mut String) -> Result<usize, Refusal> {
        if v == ValueRef::Null {
            self.push_null();
            return Ok(0);
        }
        match self {
            Slot::Bool(b) => b.append_value(match v {
                ValueRef::Integer(0) => false,
                ValueRef::Integer(1) => true,
                ValueRef::Text(t) if t.eq_ignore_ascii_case(b"true") => true,
                ValueRef::Text(t) if t.eq_ignore_ascii_case(b"false") => false,
                ValueRef::Integer(_) => return Err(Refusal::Value("a boolean (0 or 1)")),
                _ => return Err(Refusal::Class("a boolean (0 or 1)")),
            }),
            Slot::I8(b) => b.append_value(int(v)?),
            Slot::I16(b) => b.append_value(int(v)?),
            Slot::I32(b) => b.append_value(int(v)?),
            Slot::I64(b) => b.append_value(int(v)?),
            Slot::U8(b) => b.append_value(int(v)?),
            Slot::U16(b) => b.append_value(int(v)?),
            Slot::U32(b) => b.append_value(int(v)?),
            Slot::U64(b) => b.append_value(int(v)?),
            Slot::F32(b) => b.append_value(match v {
                ValueRef::Real(f) => narrow(f)?,
                _ => return Err(Refusal::Class("a number")),
            }),
            Slot::F64(b) => b.append_value(match v {
                ValueRef::Real(f) => f,
                // Exact: every integer of magnitude up to 2^53 is a double.
                #[allow(clippy::cast_precision_loss)]
                ValueRef::Integer(i) if i.unsigned_abs() <= 1 << 53 => i as f64,
                ValueRef::Integer(_) => return Err(Refusal::Value("a double without rounding")),
                _ => return Err(Refusal::Class("a number")),
            }),
            Slot::Decimal(b, scale) => {
                scratch.clear();
                let text = match v {
                    ValueRef::Integer(i) => {
                        codec::format_int_decimal(scratch, i, *scale);
                        scratch.as_str()
                    }
                    ValueRef::Real(f) => {
                        codec::format_real_decimal(scratch, f, *scale)
                            .ok_or(Refusal::Value("a finite decimal"))?;
                        scratch.as_str()
                    }
                    ValueRef::Text(t) => std::str::from_utf8(t)
                        .ok()
                        .and_then(codec::decimal_text)
                        .ok_or(Refusal::Value("a plain decimal number"))?,
                    _ => return Err(Refusal::Class("a decimal number")),
                };
                b.append_value(text);
                return Ok(text.len());
            }
            Slot::Text(b) => {
                scratch.clear();
                let text = match v {
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        std::str::from_utf8(t).map_err(|_| Refusal::Value("UTF-8 text"))?
                    }
                    ValueRef::Integer(_) | ValueRef::Real(_) => printed(v, scratch),
                    ValueRef::Null => "",
                };
                b.append_value(text);
                return Ok(text.len());
            }
            Slot::Binary(b) => {
                scratch.clear();
                let bytes = match v {
                    ValueRef::Text(t) | ValueRef::Blob(t) => t,
                    _ => printed(v, scratch).as_bytes(),
                };
                b.append_value(bytes);
                return Ok(bytes.len());
            }
            Slot::Date(b) => b.append_value(match v {
                ValueRef::Text(t) => text(t)
                    .and_then(codec::parse_date)
                    .ok_or(Refusal::Value("a date YYYY-MM-DD"))?,
                ValueRef::Integer(s) if s % 86_400 == 0 => {
                    i32::try_from(s / 86_400).map_err(|_| Refusal::Value("a date in range"))?
                }
                _ => return Err(Refusal::Class("a date (text YYYY-MM-DD)")),
            }),
            Slot::Time(b) => b.append_value(match v {
                ValueRef::Text(t) => text(t)
                    .and_then(codec::parse_time)
                    .ok_or(Refusal::Value("a time HH:MM:SS[.ffffff]"))?,
                _ => return Err(Refusal::Class("a time (text HH:MM:SS)")),
            }),
            Slot::Duration(b) => b.append_value(match v {
                ValueRef::Text(t) => text(t)
                    .and_then(codec::parse_duration)
                    .ok_or(Refusal::Value("a duration [-]HH:MM:SS[.ffffff]"))?,
                _ => return Err(Refusal::Class("a duration (text [-]HH:MM:SS)")),
            }),
            Slot::Timestamp(b) => b.append_value(match v {
                ValueRef::Text(t) => text(t)
                    .and_then(codec::parse_timestamp)
                    .ok_or(Refusal::Value("a timestamp YYYY-MM-DD HH:MM:SS[.ffffff]"))?,
                ValueRef::Integer(s) => s
                    .checked_mul(1_000_000)
                    .ok_or(Refusal::Value("a timestamp in range"))?,
                _ => return Err(Refusal::Class("a timestamp (text or unix seconds)")),
            }),
            Slot::Interval(b) => {
                let parsed = match v {
                    ValueRef::Text(t) => text(t).and_then(codec::parse_interval),
                    _ => return Err(Refusal::Class("an interval (text P<m>M<d>DT<s>S)")),
                };
                let (months, days, nanos) =
                    parsed.ok_or(Refusal::Value("an interval P<m>M<d>DT<s>S"))?;
                b.append_value(IntervalMonthDayNano::new(months, days, nanos));
            }
            Slot::Uuid(b) => {
                let bytes = match v {
                    ValueRef::Blob(raw) if raw.len() == 16 => {
                        let mut out = [0u8; 16];
                        out.copy_from_slice(raw);
                        out
                    }
                    ValueRef::Text(t) => text(t)
                        .and_then(codec::parse_uuid)
                        .ok_or(Refusal::Value("a UUID"))?,
                    _ => return Err(Refusal::Class("a UUID (36-character text or 16-byte blob)")),
                };
                b.append_value(bytes)
                    .map_err(|_| Refusal::Value("a UUID"))?;
            }
        }
        Ok(0)
    }

    fn push_null(&mut self) {
        match self {
            Slot::Bool(b) => b.append_null(),
            Slot::I8(b) => b.append_null(),
            Slot::I16(b) => b.append_null(),
            Slot::I32(b) => b.append_null(),
            Slot::I64(b) => b.append_null(),
            Slot::U8(b) => b.append_null(),
            Slot::U16(b) => b.append_null(),
            Slot::U32(b) => b.append_null(),
            Slot::U64(b) => b.append_null(),
            Slot::F32(b) => b.append_null(),
            Slot::F64(b) => b.append_null(),
            Slot::Decimal(b, _) | Slot::Text(b) => b.append_null(),
            Slot::Binary(b) => b.append_null(),
            Slot::Date(b) => b.append_null(),
            Slot::Time(b) => b.append_null(),
            Slot::Duration(b) => b.append_null(),
            Slot::Timestamp(b) => b.append_null(),
            Slot::Uuid(b) => b.append_null(),
            Slot::Interval(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Slot::Bool(b) => Arc::new(b.finish()),
            Slot::I8(b) => Arc::new(b.finish()),
            Slot::I16(b) => Arc::new(b.finish()),
            Slot::I32(b) => Arc::new(b.finish()),
            Slot::I64(b) => Arc::new(b.finish()),
            Slot::U8(b) => Arc::new(b.finish()),
            Slot::U16(b) => Arc::new(b.finish()),
            Slot::U32(b) => Arc::new(b.finish()),
            Slot::U64(b) => Arc::new(b.finish()),
            Slot::F32(b) => Arc::new(b.finish()),
            Slot::F64(b) => Arc::new(b.finish()),
            Slot::Decimal(b, _) | Slot::Text(b) => Arc::new(b.finish()),
            Slot::Binary(b) => Arc::new(b.finish()),
            Slot::Date(b) => Arc::new(b.finish()),
            Slot::Time(b) => Arc::new(b.finish()),
            Slot::Duration(b) => Arc::new(b.finish()),
            Slot::Timestamp(b) => Arc::new(b.finish()),
            Slot::Uuid(b) => Arc::new(b.finish()),
            Slot::Interval(b) => Arc::new(b.finish()),
        }
    }
}

fn int<T: TryFrom<i64>>(v: ValueRef<'_>) -> Result<T, Refusal> {
    match v {
        ValueRef::Integer(i) => {
            T::try_from(i).map_err(|_| Refusal::Value("an integer in the column's range"))
        }
        _ => Err(Refusal::Class("an integer")),
    }
}

/// A REAL as f32, only when that is exact (what a Float32 column wrote).
fn narrow(v: f64) -> Result<f32, Refusal> {
    // The cast may round; the comparison below refuses any value it changed.
    #[allow(clippy::cast_possible_truncation)]
    let narrowed = v as f32;
    if f64::from(narrowed) == v || v.is_nan() {
        Ok(narrowed)
    } else {
        Err(Refusal::Value("a single-precision float without rounding"))
    }
}

fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// A number cell printed the way SQLite's `CAST(x AS TEXT)` would, into `scratch`.
fn printed<'s>(v: ValueRef<'_>, scratch: &'s mut String) -> &'s str {
    use std::fmt::Write;
    let _ = match v {
        ValueRef::Integer(i) => write!(scratch, "{i}"),
        ValueRef::Real(f) => write!(scratch, "{f:?}"),
        _ => Ok(()),
    };
    scratch.as_str()
}

/// The message for a refused cell: what was found, what was expected, and the fix.
fn refusal_detail(row: u64, v: ValueRef<'_>, refusal: &Refusal) -> String {
    let found = match v {
        ValueRef::Null => "NULL".to_string(),
        ValueRef::Integer(i) => format!("the integer {i}"),
        ValueRef::Real(f) => format!("the real {f:?}"),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            let preview: String = s.chars().take(40).collect();
            let more = if preview.len() < s.len() { "..." } else { "" };
            format!("the text {preview:?}{more}")
        }
        ValueRef::Blob(b) => format!("a blob of {} bytes", b.len()),
    };
    let (expected, hint) = match refusal {
        Refusal::Class(e) => (e, "; SQLite does not enforce declared column types: exclude the column or override its type (e.g. as text) in the config file"),
        Refusal::Value(e) => (e, "; fix the value in the source or override the column type in the config file"),
    };
    format!("row {row} (in table scan order) holds {found}, which is not {expected}{hint}")
}

/// Streams every row of `table` into `out`; returns the rows read. Stops quietly
/// (returning the rows sent so far) when the receiver is gone.
pub(crate) fn read_table(
    conn: &Connection,
    table: &Table,
    options: ReadOptions,
    out: &BatchSender,
) -> Result<u64> {
    let schema = table.arrow_schema();
    let columns: Vec<_> = table.copied_columns().collect();
    let kinds = columns
        .iter()
        .map(|c| {
            kind_of(&c.logical_type).ok_or_else(|| ConnectorError::UnsupportedType {
                dialect: "sqlite",
                table: table.name.clone(),
                column: c.name.clone(),
                type_name: c.source_type.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let list: Vec<String> = columns
        .iter()
        .map(|c| quote(Dialect::Sqlite, &c.name))
        .collect();
    let select = if list.is_empty() {
        "1".to_string()
    } else {
        list.join(", ")
    };
    let mut sql = format!(
        "SELECT {select} FROM {}",
        quote(Dialect::Sqlite, &table.name)
    );
    if let Some(condition) = options
        .key_range
        .as_ref()
        .and_then(|r| r.condition(Dialect::Sqlite))
    {
        sql.push_str(" WHERE ");
        sql.push_str(&condition);
    }
    if let Some(key) = options
        .order_by_key
        .then(|| order::order_by(table))
        .flatten()
    {
        sql.push_str(" ORDER BY ");
        sql.push_str(&key);
    }
    let ctx = || format!("reading table {:?}", table.name);
    let mut stmt = conn.prepare(&sql).map_err(|e| server(ctx(), &e))?;
    let mut rows = stmt.query([]).map_err(|e| server(ctx(), &e))?;

    let batch_rows = options.batch_rows.max(1);
    let new_slots = || {
        kinds
            .iter()
            .map(|k| Slot::new(k, batch_rows))
            .collect::<Vec<_>>()
    };
    let mut slots = new_slots();
    let mut scratch = String::with_capacity(64);
    let (mut total, mut in_batch, mut bytes) = (0u64, 0usize, 0usize);
    while let Some(row) = rows.next().map_err(|e| server(ctx(), &e))? {
        total += 1;
        for (i, slot) in slots.iter_mut().enumerate() {
            let v = row.get_ref(i).map_err(|e| server(ctx(), &e))?;
            bytes += slot
                .push(v, &mut scratch)
                .map_err(|r| data(&table.name, &columns[i].name, refusal_detail(total, v, &r)))?;
        }
        in_batch += 1;
        if in_batch >= batch_rows || bytes >= options.batch_bytes {
            let batch = finish_batch(table, &schema, &mut slots, in_batch)?;
            if out.blocking_send(batch).is_err() {
                return Ok(total);
            }
            slots = new_slots();
            (in_batch, bytes) = (0, 0);
        }
    }
    if in_batch > 0 {
        let batch = finish_batch(table, &schema, &mut slots, in_batch)?;
        // A closed channel here just means nobody wants the last batch.
        let _ = out.blocking_send(batch);
    }
    Ok(total)
}

fn finish_batch(
    table: &Table,
    schema: &arrow_schema::SchemaRef,
    slots: &mut [Slot],
    rows: usize,
) -> Result<RecordBatch> {
    let arrays: Vec<ArrayRef> = slots.iter_mut().map(Slot::finish).collect();
    // SQLite lets NULL into some columns the model calls NOT NULL (legacy
    // non-INTEGER primary keys): name the column rather than Arrow's message.
    for (field, array) in schema.fields().iter().zip(&arrays) {
        if !field.is_nullable() && array.null_count() > 0 {
            return Err(data(&table.name, field.name(), format!(
                "{} NULL value(s) in a column declared NOT NULL; fix the rows or mark the column nullable",
                array.null_count()
            )));
        }
    }
    let options = RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(schema.clone(), arrays, &options)
        .map_err(|e| data(&table.name, "", format!("cannot assemble a batch: {e}")))
}
