//! Loading Arrow batches into an SQLite table with one prepared `INSERT`
//! reused for every row, inside one transaction per table: a commit per row
//! would cost an fsync each, and one transaction makes the load all or nothing.
//!
//! Storage forms (SQLite has no date, decimal or UUID storage class):
//! Boolean → INTEGER 0/1; integers → INTEGER (u64 above i64::MAX refused);
//! floats → REAL (NaN refused: SQLite would store NULL); Decimal → TEXT, which a
//! NUMERIC-affinity column converts to INTEGER/REAL as SQLite always does;
//! Date / Time / Timestamp / Duration → ISO-8601 TEXT (see [`super::codec`]),
//! zoned timestamps with a `+00:00` suffix; Interval → TEXT `P<m>M<d>DT<s>S`;
//! Uuid → 36-character TEXT; Json, Enum, Set, strings → TEXT; Binary, Bit → BLOB.
//!
//! If a batch fails, or the feed stops without its end marker (the source
//! failed), the transaction is rolled back and the table keeps none of the rows.

use super::codec;
use super::error::{data, server, DIALECT};
use crate::{BatchReceiver, ConnectorError, Result, WriteStats};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, IntervalMonthDayNanoType, Time64MicrosecondType, TimestampMicrosecondType,
    UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, FixedSizeBinaryArray, PrimitiveArray, StringArray,
};
use arrow_schema::{DataType, IntervalUnit, TimeUnit};
use ferry_schema::ident::quote;
use ferry_schema::{Dialect, LogicalType, Table};
use rusqlite::types::Null;
use rusqlite::{Connection, Statement};

/// One column of the batch being written, downcast once per batch.
enum Binder<'a> {
    Bool(&'a BooleanArray),
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
    F32(&'a PrimitiveArray<Float32Type>),
    F64(&'a PrimitiveArray<Float64Type>),
    Decimal(&'a StringArray),
    Text(&'a StringArray),
    Binary(&'a BinaryArray),
    Date(&'a PrimitiveArray<Date32Type>),
    Time(&'a PrimitiveArray<Time64MicrosecondType>),
    Duration(&'a PrimitiveArray<DurationMicrosecondType>),
    Timestamp(&'a PrimitiveArray<TimestampMicrosecondType>, bool),
    Uuid(&'a FixedSizeBinaryArray),
    Interval(&'a PrimitiveArray<IntervalMonthDayNanoType>),
}

impl<'a> Binder<'a> {
    /// The binder for `array` of a column of type `logical`; `None` for an Arrow type
    /// this writer does not take.
    fn new(array: &'a ArrayRef, logical: &LogicalType) -> Option<Binder<'a>> {
        let a = array.as_ref();
        Some(match a.data_type() {
            DataType::Boolean => Binder::Bool(a.as_boolean_opt()?),
            DataType::Int8 => Binder::I8(a.as_primitive_opt()?),
            DataType::Int16 => Binder::I16(a.as_primitive_opt()?),
            DataType::Int32 => Binder::I32(a.as_primitive_opt()?),
            DataType::Int64 => Binder::I64(a.as_primitive_opt()?),
            DataType::UInt8 => Binder::U8(a.as_primitive_opt()?),
            DataType::UInt16 => Binder::U16(a.as_primitive_opt()?),
            DataType::UInt32 => Binder::U32(a.as_primitive_opt()?),
            DataType::UInt64 => Binder::U64(a.as_primitive_opt()?),
            DataType::Float32 => Binder::F32(a.as_primitive_opt()?),
            DataType::Float64 => Binder::F64(a.as_primitive_opt()?),
            DataType::Utf8 if matches!(logical, LogicalType::Decimal { .. }) => {
                Binder::Decimal(a.as_string_opt()?)
            }
            DataType::Utf8 => Binder::Text(a.as_string_opt()?),
            DataType::Binary => Binder::Binary(a.as_binary_opt()?),
            DataType::Date32 => Binder::Date(a.as_primitive_opt()?),
            DataType::Time64(TimeUnit::Microsecond) => Binder::Time(a.as_primitive_opt()?),
            DataType::Duration(TimeUnit::Microsecond) => Binder::Duration(a.as_primitive_opt()?),
            DataType::Timestamp(TimeUnit::Microsecond, tz) => {
                Binder::Timestamp(a.as_primitive_opt()?, tz.is_some())
            }
            DataType::FixedSizeBinary(16) => Binder::Uuid(a.as_fixed_size_binary_opt()?),
            DataType::Interval(IntervalUnit::MonthDayNano) => {
                Binder::Interval(a.as_primitive_opt()?)
            }
            _ => return None,
        })
    }

    fn is_null(&self, row: usize) -> bool {
        match self {
            Binder::Bool(a) => a.is_null(row),
            Binder::I8(a) => a.is_null(row),
            Binder::I16(a) => a.is_null(row),
            Binder::I32(a) => a.is_null(row),
            Binder::I64(a) => a.is_null(row),
            Binder::U8(a) => a.is_null(row),
            Binder::U16(a) => a.is_null(row),
            Binder::U32(a) => a.is_null(row),
            Binder::U64(a) => a.is_null(row),
            Binder::F32(a) => a.is_null(row),
            Binder::F64(a) => a.is_null(row),
            Binder::Decimal(a) | Binder::Text(a) => a.is_null(row),
            Binder::Binary(a) => a.is_null(row),
            Binder::Date(a) => a.is_null(row),
            Binder::Time(a) => a.is_null(row),
            Binder::Duration(a) => a.is_null(row),
            Binder::Timestamp(a, _) => a.is_null(row),
            Binder::Uuid(a) => a.is_null(row),
            Binder::Interval(a) => a.is_null(row),
        }
    }

    /// Binds the value of `row` to parameter `idx`; returns the bytes bound, or
    /// why the value cannot be stored.
    fn bind(
        &self,
        stmt: &mut Statement<'_>,
        idx: usize,
        row: usize,
        scratch: &mut String,
    ) -> Result<usize, String> {
        let sql_err = |e: rusqlite::Error| e.to_string();
        if self.is_null(row) {
            stmt.raw_bind_parameter(idx, Null).map_err(sql_err)?;
            return Ok(0);
        }
        scratch.clear();
        let int = |v: i64, stmt: &mut Statement<'_>| {
            stmt.raw_bind_parameter(idx, v).map(|()| 8).map_err(sql_err)
        };
        let text = |s: &str, stmt: &mut Statement<'_>| {
            stmt.raw_bind_parameter(idx, s)
                .map(|()| s.len())
                .map_err(sql_err)
        };
        match self {
            Binder::Bool(a) => int(i64::from(a.value(row)), stmt),
            Binder::I8(a) => int(i64::from(a.value(row)), stmt),
            Binder::I16(a) => int(i64::from(a.value(row)), stmt),
            Binder::I32(a) => int(i64::from(a.value(row)), stmt),
            Binder::I64(a) => int(a.value(row), stmt),
            Binder::U8(a) => int(i64::from(a.value(row)), stmt),
            Binder::U16(a) => int(i64::from(a.value(row)), stmt),
            Binder::U32(a) => int(i64::from(a.value(row)), stmt),
            Binder::U64(a) => {
                let v = a.value(row);
                let v = i64::try_from(v).map_err(|_| {
                    format!("{v} is above SQLite's largest integer (2^63-1); map the column to a decimal")
                })?;
                int(v, stmt)
            }
            Binder::F32(a) => real(f64::from(a.value(row)), stmt, idx),
            Binder::F64(a) => real(a.value(row), stmt, idx),
            Binder::Decimal(a) => {
                let v = a.value(row);
                if codec::decimal_text(v).is_none() {
                    return Err(format!("{v:?} is not a plain decimal number SQLite can store (it has no NaN or Infinity)"));
                }
                text(v, stmt)
            }
            Binder::Text(a) => text(a.value(row), stmt),
            Binder::Binary(a) => {
                let v = a.value(row);
                stmt.raw_bind_parameter(idx, v)
                    .map(|()| v.len())
                    .map_err(sql_err)
            }
            Binder::Date(a) => {
                codec::format_date(scratch, a.value(row)).ok_or(
                    "the date is outside years 0000-9999, which SQLite's date text cannot hold",
                )?;
                text(scratch, stmt)
            }
            Binder::Time(a) => {
                codec::format_time(scratch, a.value(row))
                    .ok_or("the time is outside 00:00:00-24:00:00")?;
                text(scratch, stmt)
            }
            Binder::Duration(a) => {
                codec::format_duration(scratch, a.value(row))
                    .ok_or("the duration is out of range")?;
                text(scratch, stmt)
            }
            Binder::Timestamp(a, zoned) => {
                codec::format_timestamp(scratch, a.value(row)).ok_or(
                    "the timestamp (or a PostgreSQL infinity) is outside years 0000-9999, which SQLite's date text cannot hold",
                )?;
                if *zoned {
                    scratch.push_str(ferry_schema::UTC_OFFSET);
                }
                text(scratch, stmt)
            }
            Binder::Uuid(a) => {
                codec::format_uuid(scratch, a.value(row));
                text(scratch, stmt)
            }
            Binder::Interval(a) => {
                let v = a.value(row);
                codec::format_interval(scratch, v.months, v.days, v.nanoseconds)
                    .ok_or("the interval has nanoseconds below a microsecond")?;
                text(scratch, stmt)
            }
        }
    }
}

fn real(v: f64, stmt: &mut Statement<'_>, idx: usize) -> Result<usize, String> {
    if v.is_nan() {
        return Err("NaN cannot be stored: SQLite turns a NaN REAL into NULL".to_string());
    }
    stmt.raw_bind_parameter(idx, v)
        .map(|()| 8)
        .map_err(|e| e.to_string())
}

/// Loads every batch from `batches` into `table`; returns rows and bytes bound.
pub(crate) fn write_table(
    conn: &Connection,
    table: &Table,
    batches: &mut BatchReceiver,
    record: &[String],
) -> Result<WriteStats> {
    let columns: Vec<_> = table.copied_columns().collect();
    let sql = if columns.is_empty() {
        format!(
            "INSERT INTO {} DEFAULT VALUES",
            quote(Dialect::Sqlite, &table.name)
        )
    } else {
        let names: Vec<String> = columns
            .iter()
            .map(|c| quote(Dialect::Sqlite, &c.name))
            .collect();
        let params: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quote(Dialect::Sqlite, &table.name),
            names.join(", "),
            params.join(", ")
        )
    };
    let ctx = || format!("loading table {:?}", table.name);
    let mut stats = WriteStats::default();
    conn.execute_batch("BEGIN").map_err(|e| server(ctx(), &e))?;
    let result = (|| -> Result<()> {
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| server(ctx(), &e))?;
        let mut scratch = String::with_capacity(64);
        while let Some(batch) = batches.blocking_recv() {
            if batch.num_columns() != columns.len() {
                return Err(data(
                    &table.name,
                    "",
                    format!(
                        "a batch has {} columns where the table copies {}",
                        batch.num_columns(),
                        columns.len()
                    ),
                ));
            }
            let binders = columns
                .iter()
                .zip(batch.columns())
                .map(|(c, array)| {
                    Binder::new(array, &c.logical_type).ok_or_else(|| {
                        ConnectorError::UnsupportedType {
                            dialect: DIALECT,
                            table: table.name.clone(),
                            column: c.name.clone(),
                            type_name: array.data_type().to_string(),
                        }
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            for row in 0..batch.num_rows() {
                for (i, binder) in binders.iter().enumerate() {
                    stats.bytes += binder
                        .bind(&mut stmt, i + 1, row, &mut scratch)
                        .map_err(|detail| {
                            data(
                                &table.name,
                                &columns[i].name,
                                format!("row {} of the load: {detail}", stats.rows + 1),
                            )
                        })
                        .map(|n| u64::try_from(n).unwrap_or(u64::MAX))?;
                }
                stmt.raw_execute()
                    .map_err(|e| server(format!("{} (row {})", ctx(), stats.rows + 1), &e))?;
                stats.rows += 1;
            }
        }
        if batches.is_finished() {
            // The load's record commits with its rows.
            for statement in record {
                conn.execute_batch(statement)
                    .map_err(|e| server(format!("{} (recording it)", ctx()), &e))?;
            }
            Ok(())
        } else {
            // The source failed mid-table: roll the whole table back.
            Err(ConnectorError::Cancelled {
                table: table.name.clone(),
            })
        }
    })();
    match result {
        Ok(()) => {
            conn.execute_batch("COMMIT")
                .map_err(|e| server(ctx(), &e))?;
            Ok(stats)
        }
        Err(e) => {
            // The original error matters; a failed rollback only means none was open.
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
