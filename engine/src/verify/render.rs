//! Display text of single values for difference reports: readable, typed by
//! the logical type (decimals bare, text quoted, bytes in hex, timestamps as
//! dates), and truncated so a 1 MB blob costs a line, not a megabyte.
//!
//! Only differing rows are rendered, so allocation here is off the hot path.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Int8Type, IntervalMonthDayNanoType, Time64MicrosecondType, TimestampMicrosecondType,
    UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, IntervalUnit, TimeUnit};
use ferry_schema::LogicalType;
use std::fmt::Write as _;

/// Longest rendered value, in characters, before it is cut with `…`.
pub const MAX_RENDERED_CHARS: usize = 100;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Display text of `array[row]`, for a column of the target's `logical` type.
pub fn render_value(array: &dyn Array, row: usize, logical: &LogicalType) -> String {
    if array.is_null(row) {
        return "NULL".into();
    }
    let text = match array.data_type() {
        DataType::Boolean => array.as_boolean_opt().map(|a| a.value(row).to_string()),
        DataType::Int8 => array
            .as_primitive_opt::<Int8Type>()
            .map(|a| a.value(row).to_string()),
        DataType::Int16 => array
            .as_primitive_opt::<Int16Type>()
            .map(|a| a.value(row).to_string()),
        DataType::Int32 => array
            .as_primitive_opt::<Int32Type>()
            .map(|a| a.value(row).to_string()),
        DataType::Int64 => array
            .as_primitive_opt::<Int64Type>()
            .map(|a| a.value(row).to_string()),
        DataType::UInt8 => array
            .as_primitive_opt::<UInt8Type>()
            .map(|a| a.value(row).to_string()),
        DataType::UInt16 => array
            .as_primitive_opt::<UInt16Type>()
            .map(|a| a.value(row).to_string()),
        DataType::UInt32 => array
            .as_primitive_opt::<UInt32Type>()
            .map(|a| a.value(row).to_string()),
        DataType::UInt64 => array
            .as_primitive_opt::<UInt64Type>()
            .map(|a| a.value(row).to_string()),
        DataType::Float32 => array
            .as_primitive_opt::<Float32Type>()
            .map(|a| a.value(row).to_string()),
        DataType::Float64 => array
            .as_primitive_opt::<Float64Type>()
            .map(|a| a.value(row).to_string()),
        DataType::Utf8 => array
            .as_string_opt::<i32>()
            .map(|a| render_text(a.value(row), logical)),
        DataType::LargeUtf8 => array
            .as_string_opt::<i64>()
            .map(|a| render_text(a.value(row), logical)),
        DataType::Binary => array
            .as_binary_opt::<i32>()
            .map(|a| render_bytes(a.value(row))),
        DataType::LargeBinary => array
            .as_binary_opt::<i64>()
            .map(|a| render_bytes(a.value(row))),
        DataType::FixedSizeBinary(16) if *logical == LogicalType::Uuid => array
            .as_fixed_size_binary_opt()
            .map(|a| render_uuid(a.value(row))),
        DataType::FixedSizeBinary(_) => array
            .as_fixed_size_binary_opt()
            .map(|a| render_bytes(a.value(row))),
        DataType::Date32 => array
            .as_primitive_opt::<Date32Type>()
            .map(|a| render_date(a.value(row))),
        DataType::Time64(TimeUnit::Microsecond) => array
            .as_primitive_opt::<Time64MicrosecondType>()
            .map(|a| render_time(a.value(row))),
        DataType::Duration(TimeUnit::Microsecond) => array
            .as_primitive_opt::<DurationMicrosecondType>()
            .map(|a| render_duration(a.value(row))),
        DataType::Timestamp(TimeUnit::Microsecond, zone) => array
            .as_primitive_opt::<TimestampMicrosecondType>()
            .map(|a| render_timestamp(a.value(row), zone.as_deref())),
        DataType::Interval(IntervalUnit::MonthDayNano) => array
            .as_primitive_opt::<IntervalMonthDayNanoType>()
            .map(|a| {
                let v = a.value(row);
                format!("{} months {} days {} ns", v.months, v.days, v.nanoseconds)
            }),
        _ => None,
    };
    text.unwrap_or_else(|| format!("<{}>", array.data_type()))
}

/// `name=value, name=value` for the given columns of one row.
pub(crate) fn render_columns(
    batch: &RecordBatch,
    row: usize,
    logical: &[LogicalType],
    columns: impl IntoIterator<Item = usize>,
) -> String {
    let schema = batch.schema();
    let mut out = String::new();
    for (i, col) in columns.into_iter().enumerate() {
        let (Some(field), Some(array), Some(ty)) = (
            schema.fields().get(col),
            batch.columns().get(col),
            logical.get(col),
        ) else {
            continue;
        };
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}={}", field.name(), render_value(array, row, ty));
    }
    out
}

fn render_text(text: &str, logical: &LogicalType) -> String {
    if let Some(digest) = render_digest(text.as_bytes()) {
        return digest;
    }
    // Decimals read as numbers; everything else is quoted so that '' and
    // NULL, or trailing spaces, stay visible.
    let bare = matches!(logical, LogicalType::Decimal { .. });
    let cut = text.char_indices().nth(MAX_RENDERED_CHARS).map(|(i, _)| i);
    let shown = cut.map_or(text, |i| &text[..i]);
    let mut out = if bare {
        shown.to_string()
    } else {
        serde_json::to_string(shown).unwrap_or_else(|_| shown.to_string())
    };
    if cut.is_some() {
        let _ = write!(out, "… ({} bytes)", text.len());
    }
    out
}

/// A long value's digest ([`ferry_connectors::digests`]) in angle brackets,
/// so it is not taken for the value itself; `None` for any other value.
fn render_digest(bytes: &[u8]) -> Option<String> {
    if !ferry_connectors::digests::is_digest_text(bytes) {
        return None;
    }
    std::str::from_utf8(bytes).ok().map(|d| format!("<{d}>"))
}

fn render_bytes(bytes: &[u8]) -> String {
    if let Some(digest) = render_digest(bytes) {
        return digest;
    }
    // Two hex digits per byte, after the "0x".
    let limit = (MAX_RENDERED_CHARS - 2) / 2;
    let mut out = String::from("0x");
    for b in bytes.iter().take(limit) {
        let _ = write!(out, "{b:02x}");
    }
    if bytes.len() > limit {
        let _ = write!(out, "… ({} bytes)", bytes.len());
    }
    out
}

/// A UUID as its canonical text (the form both dialects print).
fn render_uuid(b: &[u8]) -> String {
    match <&[u8; 16]>::try_from(b) {
        Ok(u) => ferry_connectors::uuid_text(u),
        Err(_) => render_bytes(b),
    }
}

/// Howard Hinnant's civil_from_days: (year, month, day) of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn render_date(days: i32) -> String {
    match days {
        i32::MAX => "infinity".into(),
        i32::MIN => "-infinity".into(),
        _ => {
            let (y, m, d) = civil_from_days(i64::from(days));
            format!("{y:04}-{m:02}-{d:02}")
        }
    }
}

fn push_clock(out: &mut String, micros: i64) {
    let secs = micros / MICROS_PER_SECOND;
    let frac = micros % MICROS_PER_SECOND;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if frac != 0 {
        let _ = write!(out, ".{frac:06}");
    }
}

fn render_time(micros: i64) -> String {
    let mut out = String::new();
    push_clock(&mut out, micros);
    out
}

fn render_duration(micros: i64) -> String {
    let mut out = String::new();
    if micros < 0 {
        out.push('-');
    }
    push_clock(&mut out, micros.checked_abs().unwrap_or(i64::MAX));
    out
}

fn render_timestamp(micros: i64, zone: Option<&str>) -> String {
    match micros {
        i64::MAX => return "infinity".into(),
        i64::MIN => return "-infinity".into(),
        _ => {}
    }
    let (y, m, d) = civil_from_days(micros.div_euclid(MICROS_PER_DAY));
    let mut out = format!("{y:04}-{m:02}-{d:02} ");
    push_clock(&mut out, micros.rem_euclid(MICROS_PER_DAY));
    if let Some(zone) = zone {
        out.push_str(zone);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use arrow_array::{BinaryArray, StringArray, TimestampMicrosecondArray};

    #[test]
    fn values_render_by_type() {
        let text = StringArray::from(vec![Some(""), None, Some("1.50")]);
        let t = LogicalType::Text { max_bytes: None };
        assert_eq!(render_value(&text, 0, &t), "\"\"");
        assert_eq!(render_value(&text, 1, &t), "NULL");
        let dec = LogicalType::Decimal {
            precision: None,
            scale: None,
        };
        assert_eq!(render_value(&text, 2, &dec), "1.50");
        let ts =
            TimestampMicrosecondArray::from(vec![1_700_000_000_123_456]).with_timezone("+00:00");
        let ty = LogicalType::Timestamp {
            precision: 6,
            with_time_zone: true,
        };
        assert_eq!(
            render_value(&ts, 0, &ty),
            "2023-11-14 22:13:20.123456+00:00"
        );
        assert_eq!(render_date(-1), "1969-12-31");
        assert_eq!(render_duration(-3_600_000_001), "-01:00:00.000001");
        let id: Vec<u8> = (0x10..0x20).collect();
        let uuids = arrow_array::FixedSizeBinaryArray::try_from_iter(std::iter::once(id)).unwrap();
        assert_eq!(
            render_value(&uuids, 0, &LogicalType::Uuid),
            "10111213-1415-1617-1819-1a1b1c1d1e1f"
        );
    }

    #[test]
    fn digests_of_long_values_render_as_themselves() {
        let digest = "ferry long value: 3 bytes, md5 900150983cd24fb0d6963f7d28e17f72";
        let shown = format!("<{digest}>");
        let text = StringArray::from(vec![digest]);
        let t = LogicalType::Text { max_bytes: None };
        assert_eq!(render_value(&text, 0, &t), shown);
        let bytes = BinaryArray::from(vec![digest.as_bytes()]);
        let b = LogicalType::Varbinary { length: None };
        assert_eq!(render_value(&bytes, 0, &b), shown);
    }

    #[test]
    fn big_values_are_truncated() {
        let blob = vec![0xabu8; 1 << 20];
        let a = BinaryArray::from(vec![Some(blob.as_slice())]);
        let r = render_value(&a, 0, &LogicalType::Varbinary { length: None });
        assert!(r.starts_with("0xabab"), "{r}");
        assert!(r.ends_with("… (1048576 bytes)"), "{r}");
        assert!(r.chars().count() < MAX_RENDERED_CHARS + 30);
        let long = "é".repeat(500);
        let s = StringArray::from(vec![long.as_str()]);
        let r = render_value(&s, 0, &LogicalType::Text { max_bytes: None });
        assert!(r.ends_with("… (1000 bytes)"), "{r}");
    }
}
