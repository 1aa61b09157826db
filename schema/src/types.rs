//! Logical column types: the dialect-neutral vocabulary every connector maps its
//! catalog types into, and the Arrow type each one travels as.
//!
//! A logical type says what values a column can hold, not how a dialect spells
//! it. Readers produce arrays of [`LogicalType::arrow_type`]; writers accept
//! arrays of the arrow type of *their* column's logical type (the engine casts
//! between the two when a mapping changes the type).

use arrow_schema::{DataType, IntervalUnit, TimeUnit};
use serde::Serialize;

/// Time zone label carried by Arrow timestamps of zoned columns: values are UTC instants.
pub const UTC_OFFSET: &str = "+00:00";

/// `text` without the pad spaces a `CHAR(n)` value carries at its end (ferry
/// compares and stores `CHAR` values without them).
pub fn without_char_pad(text: &str) -> &str {
    text.get(..char_pad_start(text.as_bytes())).unwrap_or(text)
}

/// Where the pad spaces at the end of a `CHAR(n)` value's bytes begin. Works
/// on bytes: a space is one byte in UTF-8 and never part of another
/// character, so the cut is a character boundary, and it avoids
/// `trim_end_matches(' ')` decoding every character backwards, which showed
/// in the readers' profiles. Long pads (`CHAR(25)` holding a short word) are
/// read eight bytes at a time as one integer: whole words of spaces are
/// skipped, and in the first word that is not all spaces the spaces ending
/// it are counted from its leading zero bits, where a loop over single bytes
/// stood out in the PostgreSQL reader's profile (`CHAR(25)` values of 4 to 17
/// characters end their last word in a few spaces).
#[inline]
pub fn char_pad_start(bytes: &[u8]) -> usize {
    const EIGHT_SPACES: u64 = u64::from_le_bytes(*b"        ");
    let mut end = bytes.len();
    while let Some(word) = end
        .checked_sub(8)
        .and_then(|start| bytes.get(start..end))
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
    {
        // Read little-endian, the word's last byte is its most significant:
        // after XOR with spaces, each trailing space is a leading zero byte.
        let differs = u64::from_le_bytes(word) ^ EIGHT_SPACES;
        if differs != 0 {
            let spaces = usize::try_from(differs.leading_zeros() / 8).unwrap_or(0);
            return end - spaces;
        }
        end -= 8;
    }
    bytes[..end]
        .iter()
        .rposition(|b| *b != b' ')
        .map_or(0, |last| last + 1)
}

/// A column type in ferry's neutral model.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LogicalType {
    /// true/false (PostgreSQL `boolean`, MySQL `TINYINT(1)`/`BOOLEAN`).
    Boolean,
    /// Two's-complement integer of `bits` (8, 16, 24, 32 or 64) bits, optionally unsigned.
    Int {
        /// Storage width in bits: 8, 16, 24 (MySQL MEDIUMINT), 32 or 64.
        bits: u8,
        /// MySQL `UNSIGNED`.
        unsigned: bool,
    },
    /// Exact decimal. `precision: None` is PostgreSQL's unconstrained `numeric`.
    /// Values travel as their exact decimal text (Arrow Utf8) so no precision is lost.
    Decimal {
        /// Total significant digits, 1..=1000 (MySQL caps at 65).
        precision: Option<u16>,
        /// Digits after the point.
        scale: Option<u16>,
    },
    /// IEEE-754 binary32.
    Float32,
    /// IEEE-754 binary64.
    Float64,
    /// Fixed-length, blank-padded character string (`CHAR(n)`), length in characters.
    Char {
        /// Length in characters.
        length: u32,
    },
    /// Variable-length character string with an optional limit in characters.
    Varchar {
        /// Limit in characters; `None` means unlimited (PostgreSQL `varchar`).
        length: Option<u32>,
    },
    /// Unlimited-in-practice text. `max_bytes` is the dialect's capacity when it has one
    /// (MySQL TINYTEXT 255, TEXT 65 535, MEDIUMTEXT 16 777 215, LONGTEXT 4 GiB − 1).
    Text {
        /// Capacity in bytes, when the source type has one.
        max_bytes: Option<u64>,
    },
    /// Fixed-length byte string (`BINARY(n)`).
    Binary {
        /// Length in bytes.
        length: u32,
    },
    /// Variable-length byte string with an optional limit (`VARBINARY(n)`, `bytea`, BLOBs).
    Varbinary {
        /// Limit in bytes; `None` means unlimited.
        length: Option<u64>,
    },
    /// Calendar date without time.
    Date,
    /// Time of day, 00:00:00 to 24:00:00, with `precision` fractional digits (0..=6).
    Time {
        /// Fractional-second digits, 0..=6.
        precision: u8,
    },
    /// Signed elapsed time (MySQL `TIME`, which spans −838:59:59 to 838:59:59).
    Duration {
        /// Fractional-second digits, 0..=6.
        precision: u8,
    },
    /// Date and time with `precision` fractional digits; with a time zone the value is a UTC instant.
    Timestamp {
        /// Fractional-second digits, 0..=6.
        precision: u8,
        /// PostgreSQL `timestamptz`, MySQL `TIMESTAMP` (stored as UTC).
        with_time_zone: bool,
    },
    /// PostgreSQL `interval`: months, days and microseconds kept apart.
    Interval,
    /// MySQL `YEAR` (1901..=2155, or 0).
    Year,
    /// JSON document; `binary` is PostgreSQL `jsonb` (normalized on write).
    Json {
        /// PostgreSQL `jsonb` rather than `json`.
        binary: bool,
    },
    /// 128-bit UUID.
    Uuid,
    /// One of a fixed list of labels.
    Enum {
        /// The labels in declaration order.
        values: Vec<String>,
    },
    /// MySQL `SET`: any subset of the labels, written comma-separated.
    Set {
        /// The labels in declaration order.
        values: Vec<String>,
    },
    /// A source type ferry cannot carry (PostgreSQL arrays, geometry, ...).
    /// Introspection keeps such columns so the plan can name them and the user
    /// can exclude them; a plan that still contains one is refused.
    Unsupported {
        /// The type as the source catalog spells it.
        type_name: String,
    },
    /// Bit string of `length` bits (`BIT(n)`, PostgreSQL `bit varying(n)` when `varying`).
    /// Values travel as big-endian bytes, `ceil(length / 8)` of them, right-aligned.
    Bit {
        /// Number of bits (maximum for `varying`).
        length: u32,
        /// PostgreSQL `bit varying`.
        varying: bool,
    },
}

impl LogicalType {
    /// The Arrow type a column of this logical type travels as between reader and writer.
    pub fn arrow_type(&self) -> DataType {
        match self {
            LogicalType::Boolean => DataType::Boolean,
            LogicalType::Int { bits, unsigned } => match (bits, unsigned) {
                (8, false) => DataType::Int8,
                (16, false) => DataType::Int16,
                (24 | 32, false) => DataType::Int32,
                (8, true) => DataType::UInt8,
                (16, true) => DataType::UInt16,
                (24 | 32, true) => DataType::UInt32,
                (_, true) => DataType::UInt64,
                (_, false) => DataType::Int64,
            },
            LogicalType::Float32 => DataType::Float32,
            LogicalType::Float64 => DataType::Float64,
            LogicalType::Decimal { .. }
            | LogicalType::Char { .. }
            | LogicalType::Varchar { .. }
            | LogicalType::Text { .. }
            | LogicalType::Json { .. }
            | LogicalType::Enum { .. }
            | LogicalType::Set { .. } => DataType::Utf8,
            LogicalType::Binary { .. }
            | LogicalType::Varbinary { .. }
            | LogicalType::Bit { .. } => DataType::Binary,
            LogicalType::Date => DataType::Date32,
            LogicalType::Time { .. } => DataType::Time64(TimeUnit::Microsecond),
            LogicalType::Duration { .. } => DataType::Duration(TimeUnit::Microsecond),
            LogicalType::Timestamp { with_time_zone, .. } => DataType::Timestamp(
                TimeUnit::Microsecond,
                with_time_zone.then(|| UTC_OFFSET.into()),
            ),
            LogicalType::Interval => DataType::Interval(IntervalUnit::MonthDayNano),
            LogicalType::Year => DataType::Int16,
            LogicalType::Uuid => DataType::FixedSizeBinary(16),
            LogicalType::Unsupported { .. } => DataType::Null,
        }
    }

    /// A short human name used in reports and errors, e.g. `int64 unsigned`, `decimal(20,0)`.
    pub fn describe(&self) -> String {
        match self {
            LogicalType::Boolean => "boolean".into(),
            LogicalType::Int { bits, unsigned } => {
                format!("int{bits}{}", if *unsigned { " unsigned" } else { "" })
            }
            LogicalType::Decimal {
                precision: Some(p),
                scale,
            } => {
                format!("decimal({p},{})", scale.unwrap_or(0))
            }
            LogicalType::Decimal {
                precision: None, ..
            } => "decimal".into(),
            LogicalType::Float32 => "float32".into(),
            LogicalType::Float64 => "float64".into(),
            LogicalType::Char { length } => format!("char({length})"),
            LogicalType::Varchar { length: Some(n) } => format!("varchar({n})"),
            LogicalType::Varchar { length: None } => "varchar".into(),
            LogicalType::Text { .. } => "text".into(),
            LogicalType::Binary { length } => format!("binary({length})"),
            LogicalType::Varbinary { length: Some(n) } => format!("varbinary({n})"),
            LogicalType::Varbinary { length: None } => "varbinary".into(),
            LogicalType::Date => "date".into(),
            LogicalType::Time { precision } => format!("time({precision})"),
            LogicalType::Duration { precision } => format!("duration({precision})"),
            LogicalType::Timestamp {
                precision,
                with_time_zone,
            } => format!(
                "timestamp({precision}){}",
                if *with_time_zone {
                    " with time zone"
                } else {
                    ""
                }
            ),
            LogicalType::Interval => "interval".into(),
            LogicalType::Year => "year".into(),
            LogicalType::Json { binary } => if *binary { "jsonb" } else { "json" }.into(),
            LogicalType::Uuid => "uuid".into(),
            LogicalType::Enum { values } => format!("enum({})", values.len()),
            LogicalType::Set { values } => format!("set({})", values.len()),
            LogicalType::Bit { length, varying } => {
                format!("bit{}({length})", if *varying { " varying" } else { "" })
            }
            LogicalType::Unsupported { type_name } => format!("unsupported {type_name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{char_pad_start, without_char_pad};

    #[test]
    fn char_pad_start_agrees_with_a_byte_loop_on_every_short_string() {
        // Every string of up to 17 bytes over {space, 'a'}: pads and words
        // on each side of the eight-byte steps.
        for len in 0..=17_u32 {
            for bits in 0..(1_u32 << len) {
                let bytes: Vec<u8> = (0..len)
                    .map(|i| if bits >> i & 1 == 1 { b'a' } else { b' ' })
                    .collect();
                let expected = bytes
                    .iter()
                    .rposition(|b| *b != b' ')
                    .map_or(0, |last| last + 1);
                assert_eq!(char_pad_start(&bytes), expected, "{bytes:?}");
            }
        }
    }

    #[test]
    fn char_pad_is_cut_at_the_last_non_space_only() {
        assert_eq!(without_char_pad("ab  "), "ab");
        assert_eq!(without_char_pad("  ab"), "  ab");
        assert_eq!(without_char_pad("a b "), "a b");
        assert_eq!(without_char_pad("    "), "");
        assert_eq!(without_char_pad(""), "");
        // Pads longer than one eight-byte step, and words around the step.
        assert_eq!(
            without_char_pad("DELIVER IN PERSON        "),
            "DELIVER IN PERSON"
        );
        assert_eq!(without_char_pad(&" ".repeat(25)), "");
        assert_eq!(without_char_pad("x               "), "x");
        assert_eq!(without_char_pad("12345678        "), "12345678");
        assert_eq!(without_char_pad("é        "), "é");
        // Multi-byte characters before the pad stay whole; tabs are not pad.
        assert_eq!(without_char_pad("né€ "), "né€");
        assert_eq!(without_char_pad("x\t "), "x\t");
    }
}
