//! Binary-protocol cells: what a prepared statement's resultset sends for
//! numbers, dates and times in place of text, and how each is read.
//!
//! Why the direct reader uses it: in a text resultset the server prints every
//! integer, date and time as ASCII and ferry parses it back; in a binary one
//! both sides copy fixed little-endian fields. On TPC-H lineitem that saves a
//! measurable share of the server's CPU, which is what bounds a one-connection
//! scan (docs/benchmarks.md). Decimals, strings, BIT, ENUM, SET, JSON and UUID
//! are length-encoded strings in both protocols, so their cells hold the text
//! protocol's bytes and keep the text decoders.
//!
//! Values read here must equal what the text decoders make of the same value
//! sent as text: `tests/mysql_wire.rs` compares the two readers on every type.

use super::decode::ColumnDecoder;
use super::timefmt::{civil_days, datetime_micros, time_of_day, MICROS_PER_DAY};
use std::borrow::Cow;

/// Column type codes (MySQL's `enum_field_types`) whose binary cells are not
/// length-encoded strings.
const TINY: u8 = 1;
const SHORT: u8 = 2;
const LONG: u8 = 3;
const FLOAT: u8 = 4;
const DOUBLE: u8 = 5;
const NULL: u8 = 6;
const TIMESTAMP: u8 = 7;
const LONGLONG: u8 = 8;
const INT24: u8 = 9;
const DATE: u8 = 10;
const TIME: u8 = 11;
const DATETIME: u8 = 12;
const YEAR: u8 = 13;

/// The UNSIGNED bit of a column definition's flags.
pub(crate) const UNSIGNED_FLAG: u16 = 0x20;

/// A resultset column's type as its definition packet gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WireType {
    /// The `enum_field_types` code.
    pub(crate) code: u8,
    /// The column definition's UNSIGNED flag.
    pub(crate) unsigned: bool,
}

/// How a non-NULL cell of a binary row is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellLayout {
    /// This many bytes, little-endian (none for the NULL type).
    Fixed(usize),
    /// A length byte, then that many bytes: dates, datetimes and times,
    /// which leave out trailing zero fields.
    Counted,
    /// A length-encoded string, as in a text row.
    Lenenc,
}

impl WireType {
    pub(crate) fn layout(self) -> CellLayout {
        match self.code {
            TINY => CellLayout::Fixed(1),
            SHORT | YEAR => CellLayout::Fixed(2),
            LONG | INT24 | FLOAT => CellLayout::Fixed(4),
            LONGLONG | DOUBLE => CellLayout::Fixed(8),
            NULL => CellLayout::Fixed(0),
            DATE | DATETIME | TIMESTAMP | TIME => CellLayout::Counted,
            _ => CellLayout::Lenenc,
        }
    }
}

/// How the cells of one column are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellFormat {
    /// The text protocol's bytes (every cell of a text resultset, and the
    /// length-encoded cells of a binary one).
    Text,
    /// A 1-, 2-, 4- or 8-byte integer.
    Int { unsigned: bool },
    /// A 4-byte IEEE float.
    Float,
    /// An 8-byte IEEE double.
    Double,
    /// A counted date (the time fields are absent or zero).
    Date,
    /// A counted date and time.
    DateTime,
    /// A counted signed duration.
    Time,
}

/// The format of a column decoded by `decoder` whose cells arrive as `wire`,
/// or `None` when ferry has no binary reading of that pair; the statement is
/// then run in the text protocol. Only pairs whose text form the text
/// decoder accepts are allowed, so both protocols accept the same values.
pub(crate) fn format_for(decoder: &ColumnDecoder, wire: WireType) -> Option<CellFormat> {
    if wire.layout() == CellLayout::Lenenc {
        return Some(CellFormat::Text);
    }
    let int = matches!(wire.code, TINY | SHORT | LONG | LONGLONG | INT24 | YEAR);
    use ColumnDecoder as D;
    match decoder {
        D::Bool | D::I8 | D::I16 | D::I32 | D::I64 | D::U8 | D::U16 | D::U32 | D::U64 | D::Year
            if int =>
        {
            Some(CellFormat::Int {
                unsigned: wire.unsigned,
            })
        }
        D::F32 if wire.code == FLOAT => Some(CellFormat::Float),
        // A FLOAT column is selected as a DOUBLE (`read::select_item`).
        D::F32 | D::F64 if wire.code == DOUBLE => Some(CellFormat::Double),
        D::Date if wire.code == DATE => Some(CellFormat::Date),
        D::Timestamp { .. } if matches!(wire.code, DATETIME | TIMESTAMP) => {
            Some(CellFormat::DateTime)
        }
        D::Duration if wire.code == TIME => Some(CellFormat::Time),
        _ => None,
    }
}

/// The format of the long-value length cell that ends a row of a pieced
/// read (an integer expression), or `None` if it arrives as something else.
pub(crate) fn flag_format(wire: WireType) -> Option<CellFormat> {
    match wire.layout() {
        CellLayout::Lenenc => Some(CellFormat::Text),
        _ if matches!(wire.code, TINY | SHORT | LONG | LONGLONG | INT24) => Some(CellFormat::Int {
            unsigned: wire.unsigned,
        }),
        _ => None,
    }
}

/// A little-endian integer cell of 1, 2, 4 or 8 bytes, sign-extended unless
/// `unsigned`.
#[inline]
pub(crate) fn int_cell(raw: &[u8], unsigned: bool) -> Option<i128> {
    Some(match (raw.len(), unsigned) {
        (8, false) => i128::from(i64::from_le_bytes(raw.try_into().ok()?)),
        (8, true) => i128::from(u64::from_le_bytes(raw.try_into().ok()?)),
        (4, false) => i128::from(i32::from_le_bytes(raw.try_into().ok()?)),
        (4, true) => i128::from(u32::from_le_bytes(raw.try_into().ok()?)),
        (2, false) => i128::from(i16::from_le_bytes(raw.try_into().ok()?)),
        (2, true) => i128::from(u16::from_le_bytes(raw.try_into().ok()?)),
        (1, false) => i128::from(i8::from_le_bytes([raw[0]])),
        (1, true) => i128::from(raw[0]),
        _ => return None,
    })
}

pub(crate) fn float_cell(raw: &[u8]) -> Option<f32> {
    Some(f32::from_le_bytes(raw.try_into().ok()?))
}

pub(crate) fn double_cell(raw: &[u8]) -> Option<f64> {
    Some(f64::from_le_bytes(raw.try_into().ok()?))
}

/// A double that holds a FLOAT column's value (selected as a DOUBLE) as the
/// single it is: exact, as every single is a double.
#[allow(clippy::cast_possible_truncation)]
pub(crate) fn single_of_double(raw: &[u8]) -> Option<f32> {
    double_cell(raw).map(|v| v as f32)
}

/// The fields of a counted date or datetime cell; a zero-length cell is the
/// zero date `0000-00-00 00:00:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Stamp {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micros: i64,
}

fn stamp(raw: &[u8]) -> Option<Stamp> {
    let mut s = Stamp::default();
    match raw.len() {
        0 => {}
        4 | 7 | 11 => {
            s.year = i64::from(u16::from_le_bytes([raw[0], raw[1]]));
            s.month = i64::from(raw[2]);
            s.day = i64::from(raw[3]);
            if raw.len() >= 7 {
                s.hour = i64::from(raw[4]);
                s.minute = i64::from(raw[5]);
                s.second = i64::from(raw[6]);
            }
            if raw.len() == 11 {
                s.micros = i64::from(u32::from_le_bytes([raw[7], raw[8], raw[9], raw[10]]));
            }
        }
        _ => return None,
    }
    Some(s)
}

/// A counted DATE cell → days since 1970-01-01; zero and partial dates
/// (a zero month or day) have no calendar value.
pub(crate) fn date_cell(raw: &[u8]) -> Option<i32> {
    let s = stamp(raw)?;
    if raw.len() > 4 && (s.hour, s.minute, s.second, s.micros) != (0, 0, 0, 0) {
        return None;
    }
    i32::try_from(civil_days(s.year, s.month, s.day)?).ok()
}

/// A counted DATETIME or TIMESTAMP cell → microseconds since 1970-01-01 00:00:00.
pub(crate) fn datetime_cell(raw: &[u8]) -> Option<i64> {
    let s = stamp(raw)?;
    datetime_micros(
        (s.year, s.month, s.day),
        (s.hour, s.minute, s.second, s.micros),
    )
}

/// The fields of a counted TIME cell: sign, days, hours, minutes, seconds,
/// microseconds; a zero-length cell is `00:00:00`.
fn duration_fields(raw: &[u8]) -> Option<(bool, i64, i64, i64, i64, i64)> {
    match raw.len() {
        0 => Some((false, 0, 0, 0, 0, 0)),
        8 | 12 => {
            let days = i64::from(u32::from_le_bytes([raw[1], raw[2], raw[3], raw[4]]));
            let micros = match raw.get(8..12) {
                Some(m) => i64::from(u32::from_le_bytes([m[0], m[1], m[2], m[3]])),
                None => 0,
            };
            let (h, mi, s) = (i64::from(raw[5]), i64::from(raw[6]), i64::from(raw[7]));
            Some((raw[0] != 0, days, h, mi, s, micros))
        }
        _ => None,
    }
}

/// A counted TIME cell → signed microseconds.
pub(crate) fn time_cell(raw: &[u8]) -> Option<i64> {
    let (negative, days, h, mi, s, micros) = duration_fields(raw)?;
    let magnitude = days * MICROS_PER_DAY + time_of_day(h, mi, s, micros)?;
    Some(if negative { -magnitude } else { magnitude })
}

/// A cell as the text protocol would have shown it, for error messages:
/// they quote the value and recognise zero dates by their text.
pub(crate) fn shown(format: CellFormat, raw: &[u8]) -> Cow<'_, [u8]> {
    let text = match format {
        CellFormat::Text => return Cow::Borrowed(raw),
        CellFormat::Int { unsigned } => int_cell(raw, unsigned).map(|v| v.to_string()),
        CellFormat::Float => float_cell(raw).map(|v| v.to_string()),
        CellFormat::Double => double_cell(raw).map(|v| v.to_string()),
        CellFormat::Date => {
            stamp(raw).map(|s| format!("{:04}-{:02}-{:02}", s.year, s.month, s.day))
        }
        CellFormat::DateTime => stamp(raw).map(|s| {
            let mut t = format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                s.year, s.month, s.day, s.hour, s.minute, s.second
            );
            if s.micros != 0 {
                t.push_str(&format!(".{:06}", s.micros));
            }
            t
        }),
        CellFormat::Time => duration_fields(raw).map(|(negative, days, h, mi, s, micros)| {
            let sign = if negative { "-" } else { "" };
            let mut t = format!("{sign}{:02}:{mi:02}:{s:02}", days * 24 + h);
            if micros != 0 {
                t.push_str(&format!(".{micros:06}"));
            }
            t
        }),
    };
    Cow::Owned(text.map_or_else(|| format!("{raw:02x?}").into_bytes(), String::into_bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::mysql::timefmt::{parse_date, parse_datetime, parse_duration};

    fn wire(code: u8, unsigned: bool) -> WireType {
        WireType { code, unsigned }
    }

    #[test]
    fn layouts_of_every_binary_type() {
        assert_eq!(wire(TINY, false).layout(), CellLayout::Fixed(1));
        assert_eq!(wire(YEAR, false).layout(), CellLayout::Fixed(2));
        assert_eq!(wire(INT24, true).layout(), CellLayout::Fixed(4));
        assert_eq!(wire(DOUBLE, false).layout(), CellLayout::Fixed(8));
        assert_eq!(wire(NULL, false).layout(), CellLayout::Fixed(0));
        assert_eq!(wire(TIME, false).layout(), CellLayout::Counted);
        // NEWDECIMAL, VAR_STRING, BLOB, BIT, STRING (ENUM/SET/UUID).
        for code in [246, 253, 252, 16, 254] {
            assert_eq!(wire(code, false).layout(), CellLayout::Lenenc, "{code}");
        }
    }

    #[test]
    fn formats_only_for_pairs_the_text_decoders_also_accept() {
        let int = wire(LONGLONG, true);
        assert_eq!(
            format_for(&ColumnDecoder::U64, int),
            Some(CellFormat::Int { unsigned: true })
        );
        assert_eq!(
            format_for(&ColumnDecoder::Bool, wire(TINY, false)),
            Some(CellFormat::Int { unsigned: false })
        );
        assert_eq!(format_for(&ColumnDecoder::Utf8, int), None);
        assert_eq!(
            format_for(&ColumnDecoder::F32, wire(DOUBLE, false)),
            Some(CellFormat::Double)
        );
        assert_eq!(format_for(&ColumnDecoder::F64, wire(FLOAT, false)), None);
        assert_eq!(
            format_for(&ColumnDecoder::Date, wire(DATETIME, false)),
            None
        );
        assert_eq!(
            format_for(
                &ColumnDecoder::Timestamp { tz: None },
                wire(TIMESTAMP, false)
            ),
            Some(CellFormat::DateTime)
        );
        assert_eq!(
            format_for(&ColumnDecoder::Duration, wire(DATE, false)),
            None
        );
        // Length-encoded cells are text to every decoder.
        assert_eq!(
            format_for(&ColumnDecoder::I32, wire(246, false)),
            Some(CellFormat::Text)
        );
        assert_eq!(
            flag_format(wire(LONGLONG, false)),
            Some(CellFormat::Int { unsigned: false })
        );
        assert_eq!(flag_format(wire(DATE, false)), None);
    }

    #[test]
    fn integers_of_each_width_and_sign() {
        assert_eq!(int_cell(&[0xFF], false), Some(-1));
        assert_eq!(int_cell(&[0xFF], true), Some(255));
        assert_eq!(int_cell(&(-2i16).to_le_bytes(), false), Some(-2));
        assert_eq!(
            int_cell(&u32::MAX.to_le_bytes(), true),
            Some(i128::from(u32::MAX))
        );
        assert_eq!(
            int_cell(&i64::MIN.to_le_bytes(), false),
            Some(i128::from(i64::MIN))
        );
        assert_eq!(
            int_cell(&u64::MAX.to_le_bytes(), true),
            Some(i128::from(u64::MAX))
        );
        assert_eq!(int_cell(&[1, 2, 3], false), None);
        assert_eq!(int_cell(&[], true), None);
    }

    #[test]
    fn floats_and_the_single_inside_a_double() {
        assert_eq!(float_cell(&1.5f32.to_le_bytes()), Some(1.5));
        let single = 1.234_567_8_f32;
        assert_eq!(
            single_of_double(&f64::from(single).to_le_bytes()),
            Some(single)
        );
        assert_eq!(double_cell(&[0; 4]), None);
    }

    fn date_bytes(y: u16, m: u8, d: u8) -> Vec<u8> {
        let mut b = y.to_le_bytes().to_vec();
        b.extend([m, d]);
        b
    }

    #[test]
    fn dates_and_datetimes_match_their_text_forms() {
        assert_eq!(
            date_cell(&date_bytes(2024, 2, 29)),
            parse_date(b"2024-02-29")
        );
        assert_eq!(
            date_cell(&date_bytes(1000, 1, 1)),
            parse_date(b"1000-01-01")
        );
        // Zero, partial and impossible dates are refused, as their text is.
        assert_eq!(date_cell(&[]), None);
        assert_eq!(date_cell(&date_bytes(2020, 0, 10)), None);
        assert_eq!(date_cell(&date_bytes(2023, 2, 29)), None);

        let mut dt = date_bytes(2024, 2, 29);
        dt.extend([23, 59, 59]);
        assert_eq!(datetime_cell(&dt), parse_datetime(b"2024-02-29 23:59:59"));
        dt.extend(999_999u32.to_le_bytes());
        assert_eq!(
            datetime_cell(&dt),
            parse_datetime(b"2024-02-29 23:59:59.999999")
        );
        assert_eq!(
            datetime_cell(&date_bytes(1970, 1, 2)),
            parse_datetime(b"1970-01-02 00:00:00")
        );
        assert_eq!(datetime_cell(&[]), None);
        assert_eq!(datetime_cell(&[1, 2, 3]), None);
    }

    fn time_bytes(negative: bool, days: u32, h: u8, m: u8, s: u8, micros: Option<u32>) -> Vec<u8> {
        let mut b = vec![u8::from(negative)];
        b.extend(days.to_le_bytes());
        b.extend([h, m, s]);
        if let Some(us) = micros {
            b.extend(us.to_le_bytes());
        }
        b
    }

    #[test]
    fn times_beyond_a_day_and_negative_match_their_text_forms() {
        assert_eq!(time_cell(&[]), Some(0));
        assert_eq!(
            time_cell(&time_bytes(true, 34, 22, 59, 59, None)),
            parse_duration(b"-838:59:59")
        );
        assert_eq!(
            time_cell(&time_bytes(false, 1, 1, 0, 0, Some(1))),
            parse_duration(b"25:00:00.000001")
        );
        assert_eq!(
            time_cell(&time_bytes(true, 0, 0, 0, 0, Some(500_000))),
            parse_duration(b"-00:00:00.500000")
        );
        assert_eq!(time_cell(&time_bytes(false, 0, 24, 0, 0, None)), None);
    }

    #[test]
    fn cells_are_shown_as_their_text() {
        assert_eq!(&*shown(CellFormat::Date, &[]), b"0000-00-00");
        assert_eq!(
            &*shown(CellFormat::Date, &date_bytes(2020, 0, 10)),
            b"2020-00-10"
        );
        assert_eq!(&*shown(CellFormat::DateTime, &[]), b"0000-00-00 00:00:00");
        assert_eq!(
            &*shown(CellFormat::Time, &time_bytes(true, 1, 2, 3, 4, Some(5))),
            b"-26:03:04.000005"
        );
        assert_eq!(&*shown(CellFormat::Int { unsigned: false }, &[0xFE]), b"-2");
        assert_eq!(&*shown(CellFormat::Text, b"abc"), b"abc");
        assert_eq!(&*shown(CellFormat::Date, &[1, 2]), b"[01, 02]");
    }
}
