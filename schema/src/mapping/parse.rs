//! Reads a type name written in a dialect (`"varchar(200)"`, `"numeric(20,0)"`,
//! `"bigint unsigned"`) back into a logical type. Used for config type overrides,
//! and by readers whose catalog reports declared type names (SQLite): it recovers
//! every spelling [`crate::sql_type_for`] prints.

use crate::{Dialect, LogicalType, SchemaError};
use sqlparser::ast::{
    BinaryLength, CharacterLength, DataType, EnumMember, ExactNumberInfo, TimezoneInfo,
};
use sqlparser::parser::Parser;

/// The sqlparser dialect matching a ferry dialect.
pub(crate) fn parser_dialect(dialect: Dialect) -> Box<dyn sqlparser::dialect::Dialect> {
    match dialect {
        Dialect::Postgres => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
        Dialect::MySql => Box::new(sqlparser::dialect::MySqlDialect {}),
        Dialect::Sqlite => Box::new(sqlparser::dialect::SQLiteDialect {}),
    }
}

/// Parses a type name in `dialect` into the logical type a column so declared holds.
///
/// Errors are `SchemaError::BadTypeOverride` with empty `table` and `column`: the
/// caller, which knows the column, fills them in.
pub fn parse_type_override(sql_type: &str, dialect: Dialect) -> Result<LogicalType, SchemaError> {
    let fail = |reason: String| SchemaError::BadTypeOverride {
        table: String::new(),
        column: String::new(),
        given: sql_type.to_string(),
        reason: format!("{reason} (read as {dialect})"),
    };
    let parser_dialect = parser_dialect(dialect);
    let mut parser = Parser::new(parser_dialect.as_ref())
        .try_with_sql(sql_type)
        .map_err(|e| fail(e.to_string()))?;
    let data_type = parser.parse_data_type().map_err(|e| fail(e.to_string()))?;
    // Anything after the type (e.g. `int; drop table`) is refused rather than ignored.
    if parser.peek_token().token != sqlparser::tokenizer::Token::EOF {
        return Err(fail("unexpected text after the type".into()));
    }
    logical_from_sql(&data_type, dialect).ok_or_else(|| fail("ferry has no mapping for it".into()))
}

fn length(len: &Option<CharacterLength>) -> Option<u32> {
    match len {
        Some(CharacterLength::IntegerLength { length, .. }) => u32::try_from(*length).ok(),
        _ => None,
    }
}

fn narrow_u8(p: Option<u64>, default: u8) -> u8 {
    p.and_then(|p| u8::try_from(p).ok())
        .unwrap_or(default)
        .min(6)
}

fn decimal(info: &ExactNumberInfo) -> LogicalType {
    match info {
        ExactNumberInfo::None => LogicalType::Decimal {
            precision: None,
            scale: None,
        },
        ExactNumberInfo::Precision(p) => LogicalType::Decimal {
            precision: u16::try_from(*p).ok(),
            scale: Some(0),
        },
        ExactNumberInfo::PrecisionAndScale(p, s) => LogicalType::Decimal {
            precision: u16::try_from(*p).ok(),
            scale: u16::try_from(*s).ok(),
        },
    }
}

fn int(bits: u8, unsigned: bool) -> LogicalType {
    LogicalType::Int { bits, unsigned }
}

/// Maps a parsed type to its logical type; `None` for types ferry does not know.
pub(crate) fn logical_from_sql(ty: &DataType, dialect: Dialect) -> Option<LogicalType> {
    let mysql = dialect == Dialect::MySql;
    if dialect == Dialect::Sqlite {
        if let Some(t) = sqlite_special(ty) {
            return Some(t);
        }
    }
    Some(match ty {
        DataType::Boolean | DataType::Bool => LogicalType::Boolean,
        DataType::TinyInt(Some(1)) if mysql => LogicalType::Boolean,
        DataType::TinyInt(_) => int(8, false),
        DataType::TinyIntUnsigned(_) => int(8, true),
        DataType::SmallInt(_) | DataType::Int2(_) => int(16, false),
        DataType::SmallIntUnsigned(_) => int(16, true),
        DataType::MediumInt(_) => int(24, false),
        DataType::MediumIntUnsigned(_) => int(24, true),
        // SQLite's INTEGER is its 64-bit rowid type; elsewhere INT and INTEGER are 32-bit.
        DataType::Integer(_) if dialect == Dialect::Sqlite => int(64, false),
        DataType::Int(_) | DataType::Integer(_) | DataType::Int4(_) => int(32, false),
        DataType::IntUnsigned(_) | DataType::IntegerUnsigned(_) => int(32, true),
        DataType::BigInt(_) | DataType::Int8(_) => int(64, false),
        DataType::BigIntUnsigned(_) => int(64, true),
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => decimal(info),
        DataType::Real | DataType::Float4 if dialect == Dialect::Postgres => LogicalType::Float32,
        DataType::Float(ExactNumberInfo::None) if mysql => LogicalType::Float32,
        // FLOAT(p): binary32 up to 24 bits of mantissa in both PostgreSQL and MySQL.
        DataType::Float(ExactNumberInfo::Precision(p))
            if *p <= 24 && dialect != Dialect::Sqlite =>
        {
            LogicalType::Float32
        }
        DataType::Real
        | DataType::Float4
        | DataType::Float(_)
        | DataType::Float8
        | DataType::Double(_)
        | DataType::DoublePrecision => LogicalType::Float64,
        DataType::Char(len) | DataType::Character(len) => LogicalType::Char {
            length: length(len).unwrap_or(1),
        },
        DataType::Varchar(len) | DataType::CharacterVarying(len) | DataType::CharVarying(len) => {
            LogicalType::Varchar {
                length: length(len),
            }
        }
        DataType::Text if mysql => LogicalType::Text {
            max_bytes: Some(65_535),
        },
        DataType::Text | DataType::String(_) => LogicalType::Text { max_bytes: None },
        DataType::TinyText => LogicalType::Text {
            max_bytes: Some(255),
        },
        DataType::MediumText => LogicalType::Text {
            max_bytes: Some(16_777_215),
        },
        DataType::LongText => LogicalType::Text {
            max_bytes: Some(4_294_967_295),
        },
        DataType::Binary(n) => LogicalType::Binary {
            length: n.and_then(|n| u32::try_from(n).ok()).unwrap_or(1),
        },
        DataType::Varbinary(n) => LogicalType::Varbinary {
            length: match n {
                Some(BinaryLength::IntegerLength { length }) => Some(*length),
                _ => None,
            },
        },
        DataType::TinyBlob => LogicalType::Varbinary { length: Some(255) },
        DataType::Blob(_) if mysql => LogicalType::Varbinary {
            length: Some(65_535),
        },
        DataType::MediumBlob => LogicalType::Varbinary {
            length: Some(16_777_215),
        },
        DataType::LongBlob => LogicalType::Varbinary {
            length: Some(4_294_967_295),
        },
        DataType::Blob(_) | DataType::Bytea => LogicalType::Varbinary { length: None },
        DataType::Date => LogicalType::Date,
        // MySQL TIME is a signed duration (−838:59:59..838:59:59), not a time of day.
        DataType::Time(p, _) if mysql => LogicalType::Duration {
            precision: narrow_u8(*p, 0),
        },
        DataType::Time(p, _) => LogicalType::Time {
            precision: narrow_u8(*p, 6),
        },
        DataType::Datetime(p) => LogicalType::Timestamp {
            precision: narrow_u8(*p, if mysql { 0 } else { 6 }),
            with_time_zone: false,
        },
        // MySQL TIMESTAMP is stored as UTC (sessions run at +00:00).
        DataType::Timestamp(p, _) if mysql => LogicalType::Timestamp {
            precision: narrow_u8(*p, 0),
            with_time_zone: true,
        },
        DataType::Timestamp(p, tz) => LogicalType::Timestamp {
            precision: narrow_u8(*p, 6),
            with_time_zone: matches!(tz, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz),
        },
        DataType::Interval { .. } => LogicalType::Interval,
        DataType::JSON => LogicalType::Json { binary: false },
        DataType::JSONB => LogicalType::Json { binary: true },
        DataType::Uuid => LogicalType::Uuid,
        DataType::Enum(members, _) => LogicalType::Enum {
            values: members
                .iter()
                .map(|m| match m {
                    EnumMember::Name(n) | EnumMember::NamedValue(n, _) => n.clone(),
                })
                .collect(),
        },
        DataType::Set(values) => LogicalType::Set {
            values: values.clone(),
        },
        DataType::Bit(n) => LogicalType::Bit {
            length: n.and_then(|n| u32::try_from(n).ok()).unwrap_or(1),
            varying: false,
        },
        DataType::BitVarying(n) | DataType::VarBit(n) => LogicalType::Bit {
            length: n.and_then(|n| u32::try_from(n).ok()).unwrap_or(u32::MAX),
            varying: true,
        },
        DataType::Custom(name, modifiers) => return custom_type(&name.to_string(), modifiers),
        _ => return None,
    })
}

/// SQLite's reader ignores integer widths (every INTEGER-affinity column holds a
/// 64-bit integer) and reads an unsized VARCHAR as text.
fn sqlite_special(ty: &DataType) -> Option<LogicalType> {
    let name = ty.to_string().to_ascii_uppercase();
    match ty {
        DataType::Varchar(None) => Some(LogicalType::Text { max_bytes: None }),
        DataType::Custom(..) | DataType::Interval { .. } => None,
        _ if name.contains("INT") && !name.contains("INTERVAL") => Some(int(64, false)),
        _ => None,
    }
}

/// Names sqlparser does not model: MySQL `YEAR`, ferry's SQLite `DURATION(p)`,
/// `DECIMAL_TEXT(p,s)`, `JSON_TEXT`, `JSONB_TEXT`, PostgreSQL aliases (`serial`,
/// `timestamptz`, `int8`...).
fn custom_type(name: &str, modifiers: &[String]) -> Option<LogicalType> {
    let precision = modifiers.first().and_then(|m| m.parse::<u8>().ok());
    Some(match name.to_ascii_lowercase().as_str() {
        "year" => LogicalType::Year,
        "decimal_text" => {
            let arg = |i: usize| modifiers.get(i).and_then(|m| m.trim().parse::<u16>().ok());
            LogicalType::Decimal {
                precision: arg(0),
                scale: arg(0).map(|_| arg(1).unwrap_or(0)),
            }
        }
        "json_text" => LogicalType::Json { binary: false },
        "jsonb_text" => LogicalType::Json { binary: true },
        "duration" => LogicalType::Duration {
            precision: precision.unwrap_or(6).min(6),
        },
        "smallserial" | "serial2" => int(16, false),
        "serial" | "serial4" => int(32, false),
        "bigserial" | "serial8" => int(64, false),
        "timestamptz" => LogicalType::Timestamp {
            precision: precision.unwrap_or(6).min(6),
            with_time_zone: true,
        },
        "citext" => LogicalType::Text { max_bytes: None },
        _ => return None,
    })
}
