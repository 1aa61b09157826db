//! Which type a target column gets for a source column's logical type, and what
//! (if anything) is lost on the way: the core of the type-mapping table.
//!
//! ```text
//! LogicalType (source) ──map_type(target)──▶ TypeMapping { target_type, sql_type, loss, note }
//! ```
//!
//! `target_type` is what the target column holds (what its catalog reader would
//! report); the engine casts each Arrow array from the source's logical type to it.

use super::spelling::{
    mysql_blob_for, mysql_text_for, sql_type_for, MYSQL_MAX_CHAR, MYSQL_MAX_VARBINARY_BYTES,
    MYSQL_MAX_VARCHAR_CHARS,
};
use crate::{Dialect, LogicalType};
use sqlparser::ast::DataType;

/// The outcome of mapping one column type to a target dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeMapping {
    /// What the target column holds, i.e. what the target would report if introspected.
    pub target_type: LogicalType,
    /// The DDL spelling of `target_type` in the target dialect.
    pub sql_type: DataType,
    /// `None` when every source value survives; otherwise why some do not.
    pub loss: Option<String>,
    /// Lossless, but worth a line in the report (a changed representation or range).
    pub note: Option<String>,
}

/// PostgreSQL's largest `numeric` precision.
const PG_MAX_NUMERIC_PRECISION: u16 = 1000;
/// PostgreSQL's largest declared `varchar(n)` / `char(n)`.
const PG_MAX_VARCHAR: u32 = 10_485_760;
/// Largest single value PostgreSQL stores (1 GB).
const PG_MAX_VALUE_BYTES: u64 = 1 << 30;
/// MySQL's largest DECIMAL precision and scale.
const MYSQL_MAX_DECIMAL_PRECISION: u16 = 65;
const MYSQL_MAX_DECIMAL_SCALE: u16 = 30;
/// Significant digits SQLite keeps of a non-integer number stored with NUMERIC affinity.
const SQLITE_REAL_DIGITS: u16 = 15;
/// Digits of an integer SQLite keeps exactly (a signed 64-bit integer).
const SQLITE_INTEGER_DIGITS: u16 = 18;

/// Whether every value of `decimal(precision, scale)` survives SQLite's NUMERIC
/// affinity (which turns numeric text into a 64-bit integer or a double). Other
/// decimals are spelled with TEXT affinity (`DECIMAL_TEXT`), which keeps the text.
pub(crate) fn sqlite_keeps_decimal(precision: Option<u16>, scale: Option<u16>) -> bool {
    match (precision, scale.unwrap_or(0)) {
        (Some(p), 0) => p <= SQLITE_INTEGER_DIGITS,
        (Some(p), _) => p <= SQLITE_REAL_DIGITS,
        (None, _) => false,
    }
}

/// Maps a column's logical type, as read from any source, to what `target` will hold.
pub fn map_type(ty: &LogicalType, target: Dialect) -> TypeMapping {
    let (target_type, loss, note) = match target {
        Dialect::Postgres => to_pg(ty),
        Dialect::MySql => to_mysql(ty),
        Dialect::Sqlite => to_sqlite(ty),
    };
    let sql_type = sql_type_for(&target_type, target);
    TypeMapping {
        target_type,
        sql_type,
        loss,
        note,
    }
}

/// The identity mapping: `ty` kept as it is (same dialect on both sides).
pub fn keep_type(ty: &LogicalType, target: Dialect) -> TypeMapping {
    TypeMapping {
        target_type: ty.clone(),
        sql_type: sql_type_for(ty, target),
        loss: None,
        note: None,
    }
}

type Mapped = (LogicalType, Option<String>, Option<String>);

fn same(ty: &LogicalType) -> Mapped {
    (ty.clone(), None, None)
}

fn noted(ty: LogicalType, note: &str) -> Mapped {
    (ty, None, Some(note.to_string()))
}

fn lossy(ty: LogicalType, loss: String) -> Mapped {
    (ty, Some(loss), None)
}

fn int(bits: u8) -> LogicalType {
    LogicalType::Int {
        bits,
        unsigned: false,
    }
}

fn to_pg(ty: &LogicalType) -> Mapped {
    match ty {
        LogicalType::Int {
            bits: 8,
            unsigned: false,
        } => noted(
            int(16),
            "PostgreSQL has no 1-byte integer: stored as smallint",
        ),
        LogicalType::Int {
            bits: 24,
            unsigned: false,
        } => noted(int(32), "MEDIUMINT stored as integer"),
        // Unsigned widths move up one signed size so the top half of the range fits.
        LogicalType::Int {
            bits: 8,
            unsigned: true,
        } => noted(int(16), "unsigned stored in the next wider signed type"),
        LogicalType::Int {
            bits: 16,
            unsigned: true,
        } => noted(int(32), "unsigned stored in the next wider signed type"),
        LogicalType::Int {
            bits: 24 | 32,
            unsigned: true,
        } => noted(int(64), "unsigned stored in the next wider signed type"),
        LogicalType::Int { unsigned: true, .. } => noted(
            LogicalType::Decimal {
                precision: Some(20),
                scale: Some(0),
            },
            "BIGINT UNSIGNED stored as numeric(20,0) so values above 2^63-1 survive",
        ),
        LogicalType::Decimal {
            precision: Some(p), ..
        } if *p > PG_MAX_NUMERIC_PRECISION => noted(
            LogicalType::Decimal {
                precision: None,
                scale: None,
            },
            "precision above 1000 stored as unconstrained numeric",
        ),
        LogicalType::Char { length }
        | LogicalType::Varchar {
            length: Some(length),
        } if *length > PG_MAX_VARCHAR => noted(
            LogicalType::Text { max_bytes: None },
            "length above 10485760 stored as text",
        ),
        LogicalType::Text { max_bytes: Some(n) } if *n > PG_MAX_VALUE_BYTES => noted(
            LogicalType::Text { max_bytes: None },
            "PostgreSQL text holds at most 1 GB per value; longer values are refused",
        ),
        LogicalType::Text { max_bytes: Some(_) } => same(&LogicalType::Text { max_bytes: None }),
        LogicalType::Binary { .. } => noted(
            LogicalType::Varbinary { length: None },
            "fixed-length binary stored as bytea (length not enforced)",
        ),
        LogicalType::Varbinary { length: Some(_) } => noted(
            LogicalType::Varbinary { length: None },
            "stored as bytea (length not enforced)",
        ),
        LogicalType::Duration { .. } => noted(
            LogicalType::Interval,
            "MySQL TIME (a signed duration) stored as interval",
        ),
        LogicalType::Timestamp {
            precision,
            with_time_zone,
        } if *precision > 6 => (
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: *with_time_zone,
            },
            None,
            None,
        ),
        LogicalType::Year => noted(int(16), "YEAR stored as smallint"),
        LogicalType::Json { binary: false } => noted(
            LogicalType::Json { binary: true },
            "stored as jsonb: whitespace, key order and duplicate keys are normalized",
        ),
        LogicalType::Enum { .. } => noted(
            LogicalType::Text { max_bytes: None },
            "ENUM stored as text with a CHECK constraint listing the labels",
        ),
        LogicalType::Set { .. } => noted(
            LogicalType::Text { max_bytes: None },
            "SET stored as comma-separated text",
        ),
        _ => same(ty),
    }
}

/// The note every MySQL date/time type shares: its years run 1000..=9999 only.
const MYSQL_RANGE: &str = "MySQL stores years 1000 to 9999 only; values outside are refused";

fn to_mysql(ty: &LogicalType) -> Mapped {
    match ty {
        LogicalType::Boolean => noted(LogicalType::Boolean, "stored as TINYINT(1)"),
        LogicalType::Decimal { precision: Some(p), scale }
            if *p > MYSQL_MAX_DECIMAL_PRECISION
                || scale.unwrap_or(0) > MYSQL_MAX_DECIMAL_SCALE =>
        {
            let s = scale.unwrap_or(0).min(MYSQL_MAX_DECIMAL_SCALE);
            lossy(
                LogicalType::Decimal { precision: Some(MYSQL_MAX_DECIMAL_PRECISION), scale: Some(s) },
                format!(
                    "MySQL DECIMAL holds at most 65 digits, 30 after the point: \
                     numeric({p},{}) becomes DECIMAL(65,{s})",
                    scale.unwrap_or(0)
                ),
            )
        }
        LogicalType::Decimal { precision: None, .. } => lossy(
            LogicalType::Decimal { precision: Some(65), scale: Some(30) },
            "unconstrained numeric stored as DECIMAL(65,30), MySQL's widest: digits beyond 30 \
             after the point are rounded, values with more than 35 integer digits and \
             NaN/Infinity are refused"
                .into(),
        ),
        LogicalType::Float32 | LogicalType::Float64 => {
            noted(ty.clone(), "MySQL cannot store NaN or Infinity; such values are refused")
        }
        LogicalType::Char { length } if *length > MYSQL_MAX_CHAR => mysql_varchar(*length),
        LogicalType::Varchar { length: Some(length) } => mysql_varchar(*length),
        LogicalType::Varchar { length: None } | LogicalType::Text { max_bytes: None } => {
            (LogicalType::Text { max_bytes: Some(mysql_text_for(u64::MAX).1) }, None, None)
        }
        LogicalType::Text { max_bytes: Some(n) } => {
            let (_, capacity) = mysql_text_for(*n);
            match *n > capacity {
                true => lossy(
                    LogicalType::Text { max_bytes: Some(capacity) },
                    "MySQL LONGTEXT holds at most 4 GiB - 1 bytes".into(),
                ),
                false => same(&LogicalType::Text { max_bytes: Some(capacity) }),
            }
        }
        LogicalType::Binary { length } if *length > MYSQL_MAX_CHAR => {
            mysql_bytes(Some(u64::from(*length)))
        }
        LogicalType::Varbinary { length } => mysql_bytes(*length),
        LogicalType::Date => noted(LogicalType::Date, MYSQL_RANGE),
        LogicalType::Time { precision } => noted(
            LogicalType::Duration { precision: (*precision).min(6) },
            "time of day stored as MySQL TIME (a duration type)",
        ),
        LogicalType::Timestamp { precision, with_time_zone: false } => noted(
            LogicalType::Timestamp { precision: (*precision).min(6), with_time_zone: false },
            MYSQL_RANGE,
        ),
        // MySQL TIMESTAMP ends in 2038, so zoned instants go to DATETIME holding UTC.
        LogicalType::Timestamp { precision, with_time_zone: true } => noted(
            LogicalType::Timestamp { precision: (*precision).min(6), with_time_zone: false },
            "time-zoned instant stored as DATETIME holding UTC; MySQL stores years 1000 to 9999 only",
        ),
        LogicalType::Interval => lossy(
            LogicalType::Varchar { length: Some(64) },
            "MySQL has no interval type: stored as its text form in VARCHAR(64), so it no longer \
             takes part in date arithmetic or sorts as a duration"
                .into(),
        ),
        LogicalType::Json { binary: true } => same(&LogicalType::Json { binary: false }),
        LogicalType::Uuid => noted(
            LogicalType::Char { length: 36 },
            "MySQL has no uuid type: stored as CHAR(36) text",
        ),
        LogicalType::Bit { length, varying: false } if *length <= 64 => same(ty),
        LogicalType::Bit { length, varying: true } if *length <= 64 => lossy(
            LogicalType::Bit { length: *length, varying: false },
            format!("bit varying({length}) stored as BIT({length}): the length of shorter values is lost (they read back zero-padded on the left)"),
        ),
        LogicalType::Bit { length, .. } => {
            let bytes = length.div_ceil(8);
            lossy(
                LogicalType::Varbinary { length: Some(u64::from(bytes)) },
                format!("MySQL BIT holds at most 64 bits: bit({length}) stored as VARBINARY({bytes}) bytes, no longer a bit string"),
            )
        }
        _ => same(ty),
    }
}

fn mysql_varchar(length: u32) -> Mapped {
    if length <= MYSQL_MAX_VARCHAR_CHARS {
        return same(&LogicalType::Varchar {
            length: Some(length),
        });
    }
    let (_, capacity) = mysql_text_for(u64::from(length).saturating_mul(4));
    noted(
        LogicalType::Text {
            max_bytes: Some(capacity),
        },
        "longer than 16383 utf8mb4 characters, which no MySQL row can hold: stored as a TEXT type",
    )
}

fn mysql_bytes(length: Option<u64>) -> Mapped {
    match length {
        Some(n) if n <= MYSQL_MAX_VARBINARY_BYTES => {
            same(&LogicalType::Varbinary { length: Some(n) })
        }
        Some(n) => match mysql_blob_for(n).1 {
            capacity if capacity == n => same(&LogicalType::Varbinary { length: Some(n) }),
            capacity => noted(
                LogicalType::Varbinary {
                    length: Some(capacity),
                },
                "stored as a BLOB type",
            ),
        },
        None => (
            LogicalType::Varbinary {
                length: Some(mysql_blob_for(u64::MAX).1),
            },
            None,
            None,
        ),
    }
}

fn to_sqlite(ty: &LogicalType) -> Mapped {
    match ty {
        LogicalType::Int {
            bits: 64,
            unsigned: true,
        } => lossy(
            int(64),
            "SQLite integers are signed 64-bit: values above 9223372036854775807 are refused"
                .into(),
        ),
        // SQLite never enforces integer widths; its reader reports every INTEGER-affinity
        // column as a 64-bit integer, so that is what the target holds.
        LogicalType::Int { .. } => same(&int(64)),
        LogicalType::Float32 => same(&LogicalType::Float64),
        LogicalType::Binary { .. } | LogicalType::Varbinary { .. } => {
            same(&LogicalType::Varbinary { length: None })
        }
        LogicalType::Text { .. } | LogicalType::Varchar { length: None } => {
            same(&LogicalType::Text { max_bytes: None })
        }
        LogicalType::Timestamp {
            precision,
            with_time_zone,
        } if *precision > 6 => same(&LogicalType::Timestamp {
            precision: 6,
            with_time_zone: *with_time_zone,
        }),
        LogicalType::Year => noted(int(64), "YEAR stored as an integer"),
        LogicalType::Enum { .. } => noted(
            LogicalType::Text { max_bytes: None },
            "ENUM stored as TEXT with a CHECK constraint listing the labels",
        ),
        LogicalType::Set { .. } => noted(
            LogicalType::Text { max_bytes: None },
            "SET stored as comma-separated text",
        ),
        _ => same(ty),
    }
}
