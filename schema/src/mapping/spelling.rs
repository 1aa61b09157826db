//! How each dialect spells a logical type in DDL: the type table of the target side.
//!
//! [`sql_type_for`] is given a type the target *holds* (the `target_type` that
//! [`crate::map_type`] chose) and returns the sqlparser `DataType` to print in
//! `CREATE TABLE`. The spellings are chosen so that the dialect's catalog reader
//! (and [`crate::parse_type_override`]) recovers the same logical type.
//! ENUM/SET labels are stored pre-escaped for printing (see `ident::string_literal`).

use crate::ident::escaped_string_content;
use crate::{Dialect, LogicalType};
use sqlparser::ast::{
    BinaryLength, CharacterLength, DataType, EnumMember, ExactNumberInfo, Ident, ObjectName,
    TimezoneInfo,
};

/// Longest MySQL `VARCHAR` in utf8mb4 characters that still fits a row (65 535 bytes / 4).
pub(crate) const MYSQL_MAX_VARCHAR_CHARS: u32 = 16_383;
/// Longest MySQL `VARBINARY` ferry declares; longer ones become BLOBs (same row budget as VARCHAR).
pub(crate) const MYSQL_MAX_VARBINARY_BYTES: u64 = 16_383;
/// MySQL `CHAR(n)` / `BINARY(n)` limit.
pub(crate) const MYSQL_MAX_CHAR: u32 = 255;
/// Capacities of MySQL's TINY/plain/MEDIUM/LONG TEXT and BLOB types, in bytes.
pub(crate) const MYSQL_TINY_BYTES: u64 = 255;
/// `TEXT` / `BLOB` capacity.
pub(crate) const MYSQL_TEXT_BYTES: u64 = 65_535;
/// `MEDIUMTEXT` / `MEDIUMBLOB` capacity.
pub(crate) const MYSQL_MEDIUM_BYTES: u64 = 16_777_215;
/// `LONGTEXT` / `LONGBLOB` capacity.
pub(crate) const MYSQL_LONG_BYTES: u64 = 4_294_967_295;

/// The DDL spelling of `ty` in `dialect`. Total: a type the dialect does not hold
/// natively gets its closest spelling, but callers should pass a type chosen by
/// [`crate::map_type`] so that the spelling is exact.
pub fn sql_type_for(ty: &LogicalType, dialect: Dialect) -> DataType {
    match dialect {
        Dialect::Postgres => pg_type(ty),
        Dialect::MySql => mysql_type(ty),
        Dialect::Sqlite => sqlite_type(ty),
    }
}

fn chars(n: u32) -> Option<CharacterLength> {
    Some(CharacterLength::IntegerLength {
        length: u64::from(n),
        unit: None,
    })
}

fn custom(name: &str, modifiers: Vec<String>) -> DataType {
    DataType::Custom(ObjectName::from(vec![Ident::new(name)]), modifiers)
}

fn decimal_info(precision: Option<u16>, scale: Option<u16>) -> ExactNumberInfo {
    match (precision, scale) {
        (Some(p), s) => ExactNumberInfo::PrecisionAndScale(u64::from(p), i64::from(s.unwrap_or(0))),
        (None, _) => ExactNumberInfo::None,
    }
}

fn pg_type(ty: &LogicalType) -> DataType {
    match ty {
        LogicalType::Boolean => DataType::Boolean,
        LogicalType::Int { bits, unsigned } => match (bits, unsigned) {
            (8 | 16, false) | (8, true) => DataType::SmallInt(None),
            (24 | 32, false) | (16, true) => DataType::Integer(None),
            (24 | 32, true) | (_, false) => DataType::BigInt(None),
            (_, true) => DataType::Numeric(ExactNumberInfo::PrecisionAndScale(20, 0)),
        },
        LogicalType::Decimal { precision, scale } => {
            DataType::Numeric(decimal_info(*precision, *scale))
        }
        LogicalType::Float32 => DataType::Real,
        LogicalType::Float64 => DataType::DoublePrecision,
        LogicalType::Char { length } => DataType::Char(chars(*length)),
        LogicalType::Varchar { length } => DataType::Varchar(length.and_then(chars)),
        LogicalType::Text { .. } | LogicalType::Enum { .. } | LogicalType::Set { .. } => {
            DataType::Text
        }
        LogicalType::Binary { .. } | LogicalType::Varbinary { .. } => DataType::Bytea,
        LogicalType::Date => DataType::Date,
        LogicalType::Time { precision } => {
            DataType::Time(Some(u64::from(*precision)), TimezoneInfo::None)
        }
        LogicalType::Duration { .. } | LogicalType::Interval => DataType::Interval {
            fields: None,
            precision: None,
        },
        LogicalType::Timestamp {
            precision,
            with_time_zone,
        } => DataType::Timestamp(
            Some(u64::from(*precision)),
            if *with_time_zone {
                TimezoneInfo::WithTimeZone
            } else {
                TimezoneInfo::None
            },
        ),
        LogicalType::Year => DataType::SmallInt(None),
        LogicalType::Json { binary: true } => DataType::JSONB,
        LogicalType::Json { binary: false } => DataType::JSON,
        LogicalType::Uuid => DataType::Uuid,
        // Never printed: plans holding such a column are refused. Not the
        // catalog's own spelling, which is untrusted text.
        LogicalType::Unsupported { .. } => custom("UNSUPPORTED", Vec::new()),
        LogicalType::Bit {
            length,
            varying: false,
        } => DataType::Bit(Some(u64::from(*length))),
        LogicalType::Bit {
            length,
            varying: true,
        } => DataType::BitVarying(Some(u64::from(*length))),
    }
}

/// MySQL's fractional-seconds precision: omitted when 0, its default.
fn fsp(precision: u8) -> Option<u64> {
    (precision > 0).then(|| u64::from(precision))
}

/// The smallest MySQL TEXT type holding `bytes`.
pub(crate) fn mysql_text_for(bytes: u64) -> (DataType, u64) {
    if bytes <= MYSQL_TINY_BYTES {
        (DataType::TinyText, MYSQL_TINY_BYTES)
    } else if bytes <= MYSQL_TEXT_BYTES {
        (DataType::Text, MYSQL_TEXT_BYTES)
    } else if bytes <= MYSQL_MEDIUM_BYTES {
        (DataType::MediumText, MYSQL_MEDIUM_BYTES)
    } else {
        (DataType::LongText, MYSQL_LONG_BYTES)
    }
}

/// The smallest MySQL BLOB type holding `bytes`.
pub(crate) fn mysql_blob_for(bytes: u64) -> (DataType, u64) {
    if bytes <= MYSQL_TINY_BYTES {
        (DataType::TinyBlob, MYSQL_TINY_BYTES)
    } else if bytes <= MYSQL_TEXT_BYTES {
        (DataType::Blob(None), MYSQL_TEXT_BYTES)
    } else if bytes <= MYSQL_MEDIUM_BYTES {
        (DataType::MediumBlob, MYSQL_MEDIUM_BYTES)
    } else {
        (DataType::LongBlob, MYSQL_LONG_BYTES)
    }
}

fn mysql_type(ty: &LogicalType) -> DataType {
    match ty {
        // MySQL's BOOLEAN is an alias of TINYINT(1); the (1) is what readers recognise.
        LogicalType::Boolean => DataType::TinyInt(Some(1)),
        LogicalType::Int { bits, unsigned } => match (bits, unsigned) {
            (8, false) => DataType::TinyInt(None),
            (8, true) => DataType::TinyIntUnsigned(None),
            (16, false) => DataType::SmallInt(None),
            (16, true) => DataType::SmallIntUnsigned(None),
            (24, false) => DataType::MediumInt(None),
            (24, true) => DataType::MediumIntUnsigned(None),
            (32, false) => DataType::Int(None),
            (32, true) => DataType::IntUnsigned(None),
            (_, false) => DataType::BigInt(None),
            (_, true) => DataType::BigIntUnsigned(None),
        },
        LogicalType::Decimal {
            precision: Some(p),
            scale,
        } => DataType::Decimal(decimal_info(Some(*p), *scale)),
        LogicalType::Decimal {
            precision: None, ..
        } => DataType::Decimal(ExactNumberInfo::PrecisionAndScale(65, 30)),
        LogicalType::Float32 => DataType::Float(ExactNumberInfo::None),
        LogicalType::Float64 => DataType::Double(ExactNumberInfo::None),
        LogicalType::Char { length } if *length <= MYSQL_MAX_CHAR => DataType::Char(chars(*length)),
        LogicalType::Char { length }
        | LogicalType::Varchar {
            length: Some(length),
        } if *length <= MYSQL_MAX_VARCHAR_CHARS => DataType::Varchar(chars(*length)),
        LogicalType::Char { length }
        | LogicalType::Varchar {
            length: Some(length),
        } => mysql_text_for(u64::from(*length).saturating_mul(4)).0,
        LogicalType::Varchar { length: None } => DataType::LongText,
        LogicalType::Text { max_bytes } => mysql_text_for(max_bytes.unwrap_or(u64::MAX)).0,
        LogicalType::Binary { length } if *length <= MYSQL_MAX_CHAR => {
            DataType::Binary(Some(u64::from(*length)))
        }
        LogicalType::Binary { length } => mysql_varbinary(Some(u64::from(*length))),
        LogicalType::Varbinary { length } => mysql_varbinary(*length),
        LogicalType::Date => DataType::Date,
        LogicalType::Time { precision } | LogicalType::Duration { precision } => {
            DataType::Time(fsp(*precision), TimezoneInfo::None)
        }
        LogicalType::Timestamp {
            precision,
            with_time_zone: false,
        } => DataType::Datetime(fsp(*precision)),
        LogicalType::Timestamp {
            precision,
            with_time_zone: true,
        } => DataType::Timestamp(fsp(*precision), TimezoneInfo::None),
        // Text form of the interval (see mapping); 64 characters hold any PostgreSQL interval.
        LogicalType::Interval => DataType::Varchar(chars(64)),
        LogicalType::Year => custom("YEAR", Vec::new()),
        LogicalType::Json { .. } => DataType::JSON,
        LogicalType::Uuid => DataType::Char(chars(36)),
        LogicalType::Unsupported { .. } => custom("UNSUPPORTED", Vec::new()),
        LogicalType::Enum { values } => DataType::Enum(
            values
                .iter()
                .map(|v| EnumMember::Name(escaped_string_content(Dialect::MySql, v)))
                .collect(),
            None,
        ),
        LogicalType::Set { values } => DataType::Set(
            values
                .iter()
                .map(|v| escaped_string_content(Dialect::MySql, v))
                .collect(),
        ),
        LogicalType::Bit { length, .. } if *length <= 64 => DataType::Bit(Some(u64::from(*length))),
        LogicalType::Bit { length, .. } => mysql_varbinary(Some(u64::from(length.div_ceil(8)))),
    }
}

fn mysql_varbinary(length: Option<u64>) -> DataType {
    match length {
        Some(n) if n <= MYSQL_MAX_VARBINARY_BYTES => {
            DataType::Varbinary(Some(BinaryLength::IntegerLength { length: n }))
        }
        Some(n) => mysql_blob_for(n).0,
        None => DataType::LongBlob,
    }
}

/// SQLite keeps any declared type name; ferry declares names from which the
/// SQLite reader recovers the logical type, and whose affinity suits the values
/// (INT → INTEGER, CHAR/TEXT → TEXT, BLOB → BLOB, REAL → REAL, others NUMERIC).
fn sqlite_type(ty: &LogicalType) -> DataType {
    match ty {
        LogicalType::Boolean => DataType::Boolean,
        LogicalType::Int { .. } | LogicalType::Year => DataType::BigInt(None),
        // NUMERIC affinity would turn wider decimals into doubles (15 significant
        // digits); a name containing TEXT has TEXT affinity and keeps the text.
        LogicalType::Decimal { precision, scale }
            if !super::convert::sqlite_keeps_decimal(*precision, *scale) =>
        {
            let modifiers = match precision {
                Some(p) => vec![p.to_string(), scale.unwrap_or(0).to_string()],
                None => Vec::new(),
            };
            custom("DECIMAL_TEXT", modifiers)
        }
        LogicalType::Decimal { precision, scale } => {
            DataType::Decimal(decimal_info(*precision, *scale))
        }
        LogicalType::Float32 | LogicalType::Float64 => DataType::Real,
        LogicalType::Char { length } => DataType::Char(chars(*length)),
        LogicalType::Varchar { length } => DataType::Varchar(length.and_then(chars)),
        LogicalType::Text { .. } | LogicalType::Enum { .. } | LogicalType::Set { .. } => {
            DataType::Text
        }
        LogicalType::Binary { .. } | LogicalType::Varbinary { .. } => DataType::Blob(None),
        LogicalType::Date => DataType::Date,
        LogicalType::Time { precision } => {
            DataType::Time(Some(u64::from(*precision)), TimezoneInfo::None)
        }
        LogicalType::Duration { precision } => custom("DURATION", vec![precision.to_string()]),
        // SQLite's parser takes a type name followed by `(n)`, nothing after it,
        // so the zoned form is spelt as one word.
        LogicalType::Timestamp {
            precision,
            with_time_zone: true,
        } => custom("TIMESTAMPTZ", vec![precision.to_string()]),
        LogicalType::Timestamp {
            precision,
            with_time_zone: false,
        } => DataType::Timestamp(Some(u64::from(*precision)), TimezoneInfo::None),
        LogicalType::Interval => DataType::Interval {
            fields: None,
            precision: None,
        },
        // `JSON` has NUMERIC affinity, which turns the document `1e5` into 100000:
        // these names contain TEXT, so the document is kept as written.
        LogicalType::Json { binary: true } => custom("JSONB_TEXT", Vec::new()),
        LogicalType::Json { binary: false } => custom("JSON_TEXT", Vec::new()),
        LogicalType::Uuid => DataType::Uuid,
        // Never printed: plans holding such a column are refused. Not the
        // catalog's own spelling, which is untrusted text.
        LogicalType::Unsupported { .. } => custom("UNSUPPORTED", Vec::new()),
        LogicalType::Bit {
            length,
            varying: false,
        } => DataType::Bit(Some(u64::from(*length))),
        LogicalType::Bit {
            length,
            varying: true,
        } => DataType::BitVarying(Some(u64::from(*length))),
    }
}
