//! Canonical value bytes: one byte form per logical type, so that equal data
//! read from MySQL, PostgreSQL or SQLite (already cast to the target's Arrow
//! types) gives equal bytes, and anything else gives different bytes.
//!
//! Each value becomes a tag byte ([`NULL_TAG`] or [`VALUE_TAG`]) followed by its
//! payload. `digest` prefixes each value with its length when it joins a row's
//! bytes, so ("ab","c") cannot meet ("a","bc").
//!
//! Type dispatch happens once per column per batch ([`CanonColumn::new`] and the
//! `match` in [`CanonColumn::append_values`]); the per-row loops only append to
//! one buffer per column. JSON is the exception: it is parsed into a tree per value.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, Date64Type, Decimal128Type, Decimal256Type,
    DurationMicrosecondType, DurationMillisecondType, DurationNanosecondType, DurationSecondType,
    Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, IntervalDayTimeType,
    IntervalMonthDayNanoType, IntervalYearMonthType, Time32MillisecondType, Time32SecondType,
    Time64MicrosecondType, Time64NanosecondType, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, BinaryArray, BooleanArray, FixedSizeBinaryArray, GenericStringArray, LargeBinaryArray,
    LargeStringArray, OffsetSizeTrait, StringArray,
};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, IntervalUnit, TimeUnit};
use ferry_schema::{char_pad_start, without_char_pad, LogicalType};
use std::io::Write as _;

use super::error::VerifyError;

/// Tag byte of a NULL: no payload follows, so it differs from every value.
pub(crate) const NULL_TAG: u8 = 0;
/// Tag byte in front of every non-NULL value's payload.
pub(crate) const VALUE_TAG: u8 = 1;

/// How a column's values are canonicalized, chosen from the target column's
/// logical type (the Arrow type alone cannot tell a decimal from text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnRule {
    /// The value's own bytes (integers, dates, times, text, bytes, UUIDs...).
    Raw,
    /// Decimal text compared by value: `1.50` = `1.5`, `-0.0` = `0`. A value
    /// with at most `scale` fraction digits is written with exactly `scale` of
    /// them (`1.5` as `1.50` for scale 2), which is how MySQL and PostgreSQL
    /// print a column of that scale, so such columns usually hash as they
    /// arrive, without a rewrite ([`CanonColumn::direct`]). Other values, and
    /// every value when the scale is unknown, are written in their shortest form.
    Decimal {
        /// The target column's scale, if it has one.
        scale: Option<u16>,
    },
    /// JSON text re-serialized compactly with sorted keys and numbers by value;
    /// text that does not parse is compared raw.
    Json,
    /// `CHAR(n)` text without trailing pad spaces.
    Char,
    /// Floats bit-exact with every NaN made one NaN; `-0.0` folds into `0.0`
    /// unless `zero_sign_matters` (the target can store a negative zero).
    Float {
        /// Whether `-0.0` and `0.0` are different values on the target.
        zero_sign_matters: bool,
    },
}

impl ColumnRule {
    /// The rule for a column of the target's `logical` type.
    pub fn new(logical: &LogicalType, zero_sign_matters: bool) -> Self {
        match logical {
            LogicalType::Decimal { scale, .. } => ColumnRule::Decimal { scale: *scale },
            LogicalType::Json { .. } => ColumnRule::Json,
            LogicalType::Char { .. } => ColumnRule::Char,
            LogicalType::Float32 | LogicalType::Float64 => ColumnRule::Float { zero_sign_matters },
            _ => ColumnRule::Raw,
        }
    }
}

/// One column of one batch, downcast once, ready to canonicalize row by row.
pub(crate) struct CanonColumn<'a> {
    array: &'a dyn Array,
    kind: Kind<'a>,
}

enum Kind<'a> {
    Null,
    Bool(&'a BooleanArray),
    /// Little-endian native values of `width` bytes each (already offset-sliced).
    Fixed {
        bytes: &'a [u8],
        width: usize,
    },
    F32(&'a [f32], bool),
    F64(&'a [f64], bool),
    Utf8(&'a StringArray, ColumnRule),
    LargeUtf8(&'a LargeStringArray, ColumnRule),
    Binary(&'a BinaryArray),
    LargeBinary(&'a LargeBinaryArray),
    FixedBinary(&'a FixedSizeBinaryArray),
}

impl<'a> CanonColumn<'a> {
    /// Downcasts `array` by its Arrow type; `name` only labels errors.
    pub(crate) fn new(
        array: &'a dyn Array,
        rule: ColumnRule,
        name: &str,
    ) -> Result<Self, VerifyError> {
        let unsupported = || VerifyError::UnsupportedType {
            column: name.to_string(),
            data_type: array.data_type().to_string(),
        };
        let zero_sign = match rule {
            ColumnRule::Float { zero_sign_matters } => zero_sign_matters,
            _ => true,
        };
        let kind = match array.data_type() {
            DataType::Null => Some(Kind::Null),
            DataType::Boolean => array.as_boolean_opt().map(Kind::Bool),
            DataType::Int8 => fixed::<Int8Type>(array),
            DataType::Int16 => fixed::<Int16Type>(array),
            DataType::Int32 => fixed::<Int32Type>(array),
            DataType::Int64 => fixed::<Int64Type>(array),
            DataType::UInt8 => fixed::<UInt8Type>(array),
            DataType::UInt16 => fixed::<UInt16Type>(array),
            DataType::UInt32 => fixed::<UInt32Type>(array),
            DataType::UInt64 => fixed::<UInt64Type>(array),
            DataType::Date32 => fixed::<Date32Type>(array),
            DataType::Date64 => fixed::<Date64Type>(array),
            DataType::Time32(TimeUnit::Second) => fixed::<Time32SecondType>(array),
            DataType::Time32(TimeUnit::Millisecond) => fixed::<Time32MillisecondType>(array),
            DataType::Time64(TimeUnit::Microsecond) => fixed::<Time64MicrosecondType>(array),
            DataType::Time64(TimeUnit::Nanosecond) => fixed::<Time64NanosecondType>(array),
            // Zoned timestamps already hold the UTC instant (value conventions):
            // the i64 is the canonical form whatever the zone label says.
            DataType::Timestamp(TimeUnit::Second, _) => fixed::<TimestampSecondType>(array),
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                fixed::<TimestampMillisecondType>(array)
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                fixed::<TimestampMicrosecondType>(array)
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => fixed::<TimestampNanosecondType>(array),
            DataType::Duration(TimeUnit::Second) => fixed::<DurationSecondType>(array),
            DataType::Duration(TimeUnit::Millisecond) => fixed::<DurationMillisecondType>(array),
            DataType::Duration(TimeUnit::Microsecond) => fixed::<DurationMicrosecondType>(array),
            DataType::Duration(TimeUnit::Nanosecond) => fixed::<DurationNanosecondType>(array),
            DataType::Interval(IntervalUnit::YearMonth) => fixed::<IntervalYearMonthType>(array),
            DataType::Interval(IntervalUnit::DayTime) => fixed::<IntervalDayTimeType>(array),
            DataType::Interval(IntervalUnit::MonthDayNano) => {
                fixed::<IntervalMonthDayNanoType>(array)
            }
            DataType::Decimal128(_, _) => fixed::<Decimal128Type>(array),
            DataType::Decimal256(_, _) => fixed::<Decimal256Type>(array),
            DataType::Float32 => array
                .as_primitive_opt::<Float32Type>()
                .map(|a| Kind::F32(a.values(), zero_sign)),
            DataType::Float64 => array
                .as_primitive_opt::<Float64Type>()
                .map(|a| Kind::F64(a.values(), zero_sign)),
            DataType::Utf8 => array.as_string_opt::<i32>().map(|a| Kind::Utf8(a, rule)),
            DataType::LargeUtf8 => array
                .as_string_opt::<i64>()
                .map(|a| Kind::LargeUtf8(a, rule)),
            DataType::Binary => array.as_binary_opt::<i32>().map(Kind::Binary),
            DataType::LargeBinary => array.as_binary_opt::<i64>().map(Kind::LargeBinary),
            DataType::FixedSizeBinary(_) => array.as_fixed_size_binary_opt().map(Kind::FixedBinary),
            _ => None,
        }
        .ok_or_else(unsupported)?;
        Ok(CanonColumn { array, kind })
    }

    /// Whether `row` is NULL.
    pub(crate) fn is_null(&self, row: usize) -> bool {
        matches!(self.kind, Kind::Null) || self.array.is_null(row)
    }

    /// Clears `buf` and writes the canonical bytes (tag + payload) of `row`.
    pub(crate) fn write(&self, row: usize, buf: &mut Vec<u8>) {
        buf.clear();
        if self.is_null(row) {
            buf.push(NULL_TAG);
            return;
        }
        buf.push(VALUE_TAG);
        match &self.kind {
            Kind::Null => {}
            Kind::Bool(a) => buf.push(u8::from(a.value(row))),
            Kind::Fixed { bytes, width } => fixed_payload(bytes, *width, row, buf),
            Kind::F32(v, z) => f32_payload(v, *z, row, buf),
            Kind::F64(v, z) => f64_payload(v, *z, row, buf),
            Kind::Utf8(a, rule) => text_payload(a.value(row), *rule, buf),
            Kind::LargeUtf8(a, rule) => text_payload(a.value(row), *rule, buf),
            Kind::Binary(a) => buf.extend_from_slice(a.value(row)),
            Kind::LargeBinary(a) => buf.extend_from_slice(a.value(row)),
            Kind::FixedBinary(a) => buf.extend_from_slice(a.value(row)),
        }
    }

    /// Appends the canonical bytes (tag + payload) of each row of `rows` to
    /// `bytes`, and after each row the length of `bytes` to `ends`.
    pub(crate) fn append_values(
        &self,
        rows: std::ops::Range<usize>,
        bytes: &mut Vec<u8>,
        ends: &mut Vec<usize>,
    ) {
        ends.reserve(rows.len());
        // One match per column; each arm runs its own monomorphized row loop.
        match &self.kind {
            Kind::Null => {
                for _ in rows {
                    bytes.push(NULL_TAG);
                    ends.push(bytes.len());
                }
            }
            Kind::Bool(a) => {
                self.append_rows(rows, bytes, ends, |r, b| b.push(u8::from(a.value(r))))
            }
            Kind::Fixed {
                bytes: values,
                width,
            } => self.append_rows(rows, bytes, ends, |r, b| {
                fixed_payload(values, *width, r, b)
            }),
            Kind::F32(v, z) => self.append_rows(rows, bytes, ends, |r, b| f32_payload(v, *z, r, b)),
            Kind::F64(v, z) => self.append_rows(rows, bytes, ends, |r, b| f64_payload(v, *z, r, b)),
            Kind::Utf8(a, rule) => {
                self.append_rows(rows, bytes, ends, |r, b| text_payload(a.value(r), *rule, b))
            }
            Kind::LargeUtf8(a, rule) => {
                self.append_rows(rows, bytes, ends, |r, b| text_payload(a.value(r), *rule, b))
            }
            Kind::Binary(a) => {
                self.append_rows(rows, bytes, ends, |r, b| b.extend_from_slice(a.value(r)))
            }
            Kind::LargeBinary(a) => {
                self.append_rows(rows, bytes, ends, |r, b| b.extend_from_slice(a.value(r)))
            }
            Kind::FixedBinary(a) => {
                self.append_rows(rows, bytes, ends, |r, b| b.extend_from_slice(a.value(r)))
            }
        }
    }

    /// The column's values in `rows` as they sit in its Arrow buffers, when
    /// their canonical payload is exactly those bytes: raw fixed-width values,
    /// binary, text compared as is, and `CHAR` or decimal text that is already
    /// in canonical form (no pad spaces; exactly the scale's fraction digits),
    /// which is checked here value by value. `None` when a rule rewrites any
    /// of them.
    pub(crate) fn direct(&self, rows: std::ops::Range<usize>) -> Option<Direct<'a>> {
        let nulls = self.array.nulls();
        let values = match &self.kind {
            Kind::Fixed { bytes, width } => DirectValues::Fixed {
                bytes,
                width: *width,
            },
            Kind::FixedBinary(a) => DirectValues::Fixed {
                bytes: a.value_data(),
                width: usize::try_from(a.value_length()).ok()?,
            },
            Kind::Utf8(a, rule) if kept_whole(a, *rule, rows.clone()) => DirectValues::Offsets32 {
                offsets: a.value_offsets(),
                data: a.value_data(),
            },
            Kind::LargeUtf8(a, rule) if kept_whole(a, *rule, rows) => DirectValues::Offsets64 {
                offsets: a.value_offsets(),
                data: a.value_data(),
            },
            Kind::Binary(a) => DirectValues::Offsets32 {
                offsets: a.value_offsets(),
                data: a.value_data(),
            },
            Kind::LargeBinary(a) => DirectValues::Offsets64 {
                offsets: a.value_offsets(),
                data: a.value_data(),
            },
            _ => return None,
        };
        Some(Direct { values, nulls })
    }

    fn append_rows(
        &self,
        rows: std::ops::Range<usize>,
        bytes: &mut Vec<u8>,
        ends: &mut Vec<usize>,
        mut payload: impl FnMut(usize, &mut Vec<u8>),
    ) {
        for row in rows {
            if self.array.is_null(row) {
                bytes.push(NULL_TAG);
            } else {
                bytes.push(VALUE_TAG);
                payload(row, bytes);
            }
            ends.push(bytes.len());
        }
    }
}

/// A column whose canonical payloads are read straight from its Arrow buffers
/// (see [`CanonColumn::direct`]): no canonical copy is made.
pub(crate) struct Direct<'a> {
    pub(crate) values: DirectValues<'a>,
    pub(crate) nulls: Option<&'a NullBuffer>,
}

/// Where a [`Direct`] column's values lie.
pub(crate) enum DirectValues<'a> {
    /// `width` bytes per row (already offset-sliced).
    Fixed {
        bytes: &'a [u8],
        width: usize,
    },
    Offsets32 {
        offsets: &'a [i32],
        data: &'a [u8],
    },
    Offsets64 {
        offsets: &'a [i64],
        data: &'a [u8],
    },
}

impl<'a> Direct<'a> {
    /// The tag byte and payload of `row`: the same bytes
    /// [`CanonColumn::write`] would produce, without copying them.
    #[inline]
    pub(crate) fn value(&self, row: usize) -> (u8, &'a [u8]) {
        if self.nulls.is_some_and(|n| n.is_null(row)) {
            return (NULL_TAG, &[]);
        }
        let payload = match self.values {
            DirectValues::Fixed { bytes, width } => bytes.get(row * width..(row + 1) * width),
            DirectValues::Offsets32 { offsets, data } => between(offsets, data, row),
            DirectValues::Offsets64 { offsets, data } => between(offsets, data, row),
        };
        (VALUE_TAG, payload.unwrap_or_default())
    }
}

/// Value `row` of a variable-width array: `data` between two offsets.
pub(crate) fn between<'d, O: Copy + TryInto<usize>>(
    offsets: &[O],
    data: &'d [u8],
    row: usize,
) -> Option<&'d [u8]> {
    let at = |i: usize| offsets.get(i).and_then(|o| (*o).try_into().ok());
    data.get(at(row)?..at(row + 1)?)
}

fn fixed<T: ArrowPrimitiveType>(array: &dyn Array) -> Option<Kind<'_>> {
    array.as_primitive_opt::<T>().map(|a| Kind::Fixed {
        bytes: a.values().inner().as_slice(),
        width: std::mem::size_of::<T::Native>(),
    })
}

fn fixed_payload(bytes: &[u8], width: usize, row: usize, buf: &mut Vec<u8>) {
    let start = row * width;
    buf.extend_from_slice(bytes.get(start..start + width).unwrap_or_default());
}

fn f32_payload(values: &[f32], zero_sign: bool, row: usize, buf: &mut Vec<u8>) {
    let v = values.get(row).copied().unwrap_or_default();
    let bits = if v.is_nan() {
        f32::NAN.to_bits()
    } else if v == 0.0 && !zero_sign {
        0
    } else {
        v.to_bits()
    };
    buf.extend_from_slice(&bits.to_le_bytes());
}

fn f64_payload(values: &[f64], zero_sign: bool, row: usize, buf: &mut Vec<u8>) {
    let v = values.get(row).copied().unwrap_or_default();
    let bits = if v.is_nan() {
        f64::NAN.to_bits()
    } else if v == 0.0 && !zero_sign {
        0
    } else {
        v.to_bits()
    };
    buf.extend_from_slice(&bits.to_le_bytes());
}

/// Whether every non-NULL value of `rows` in `array` is its own canonical
/// payload under `rule`, so that [`text_payload`] would copy it unchanged.
/// Cheaper than writing them: a few bytes of each are looked at, nothing is
/// copied.
fn kept_whole<O: OffsetSizeTrait>(
    array: &GenericStringArray<O>,
    rule: ColumnRule,
    rows: std::ops::Range<usize>,
) -> bool {
    match rule {
        ColumnRule::Raw => true,
        ColumnRule::Char => each_value(array, rows, |v| char_pad_start(v) == v.len()),
        ColumnRule::Decimal { scale: Some(scale) } => {
            let scale = usize::from(scale);
            each_value(array, rows, |v| in_scaled_form(v, scale))
        }
        ColumnRule::Decimal { scale: None } | ColumnRule::Json | ColumnRule::Float { .. } => false,
    }
}

/// Whether `kept` holds for every non-NULL value of `rows` in `array`.
#[inline]
fn each_value<O: OffsetSizeTrait>(
    array: &GenericStringArray<O>,
    rows: std::ops::Range<usize>,
    kept: impl Fn(&[u8]) -> bool,
) -> bool {
    let (data, nulls) = (array.value_data(), array.nulls());
    let Some(offsets) = array.value_offsets().get(rows.start..=rows.end) else {
        return false;
    };
    offsets.windows(2).zip(rows).all(|(ends, row)| {
        nulls.is_some_and(|n| n.is_null(row))
            || data
                .get(ends[0].as_usize()..ends[1].as_usize())
                .is_some_and(&kept)
    })
}

/// Whether `text` is a decimal already written as [`decimal_payload`] writes
/// it for `scale`: an optional `-`, integer digits without a leading zero (or
/// one `0`), then exactly `scale` fraction digits after a point (none and no
/// point for scale 0), and not a negative zero.
///
/// Text that is not a decimal at all is compared as it is, so saying `true`
/// for it is right too; what matters is never saying `true` for a decimal
/// the canonical form rewrites. That is why the digits themselves are not
/// checked: a decimal has digits on both sides of its one point, so a point
/// `scale` places from the end and a first digit other than `0` settle it.
#[inline]
fn in_scaled_form(text: &[u8], scale: usize) -> bool {
    let (neg, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let int_len = if scale == 0 {
        if digits.contains(&b'.') {
            return false;
        }
        digits.len()
    } else {
        match digits.len().checked_sub(scale + 1) {
            Some(n) if digits.get(n) == Some(&b'.') => n,
            _ => return false,
        }
    };
    match digits.first() {
        Some(b'1'..=b'9') => true,
        // 0.xx: a zero with a sign is written without it.
        Some(b'0') if int_len == 1 => {
            !neg || digits
                .get(2..)
                .is_some_and(|frac| frac.iter().any(|c| *c != b'0'))
        }
        _ => false,
    }
}

fn text_payload(text: &str, rule: ColumnRule, buf: &mut Vec<u8>) {
    match rule {
        ColumnRule::Decimal { scale } => decimal_payload(text, scale, buf),
        ColumnRule::Json => json_payload(text, buf),
        ColumnRule::Char => buf.extend_from_slice(without_char_pad(text).as_bytes()),
        ColumnRule::Raw | ColumnRule::Float { .. } => buf.extend_from_slice(text.as_bytes()),
    }
}

/// A plain decimal split into sign, integer digits without leading zeros and
/// fraction digits without trailing zeros; `None` for anything else
/// (`NaN`, `Infinity`, exponents, garbage), which is then compared as text.
pub(crate) fn split_decimal(text: &str) -> Option<(bool, &[u8], &[u8])> {
    let b = text.as_bytes();
    let (neg, rest) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    let (int, frac) = match rest.iter().position(|c| *c == b'.') {
        Some(dot) => (&rest[..dot], &rest[dot + 1..]),
        None => (rest, &rest[rest.len()..]),
    };
    if (int.is_empty() && frac.is_empty())
        || !int.iter().all(u8::is_ascii_digit)
        || !frac.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let int_start = int.iter().position(|c| *c != b'0').unwrap_or(int.len());
    let frac_end = frac.iter().rposition(|c| *c != b'0').map_or(0, |p| p + 1);
    let (int, frac) = (&int[int_start..], &frac[..frac_end]);
    // Zero has no sign: PostgreSQL prints -0.0 as 0.0 but MySQL can keep "-0.0".
    let neg = neg && !(int.is_empty() && frac.is_empty());
    Some((neg, int, frac))
}

/// Writes the plain form of a decimal: `-012.340` → `-12.34`, `-0.0` → `0`;
/// with a `scale`, values with at most that many fraction digits get exactly
/// that many (`-012.340` → `-12.340` for scale 3, `7` → `7.00` for scale 2).
pub(crate) fn decimal_payload(text: &str, scale: Option<u16>, buf: &mut Vec<u8>) {
    let Some((neg, int, frac)) = split_decimal(text) else {
        buf.extend_from_slice(text.as_bytes());
        return;
    };
    if neg {
        buf.push(b'-');
    }
    if int.is_empty() {
        buf.push(b'0');
    } else {
        buf.extend_from_slice(int);
    }
    let pad = scale
        .map(usize::from)
        .and_then(|scale| scale.checked_sub(frac.len()))
        .unwrap_or(0);
    if !frac.is_empty() || pad > 0 {
        buf.push(b'.');
        buf.extend_from_slice(frac);
        buf.resize(buf.len() + pad, b'0');
    }
}

fn json_payload(text: &str, buf: &mut Vec<u8>) {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => write_json(&value, buf),
        Err(_) => buf.extend_from_slice(text.as_bytes()),
    }
}

/// Compact JSON with object keys sorted explicitly (serde_json's map keeps
/// insertion order when any crate in the build enables `preserve_order`) and
/// numbers by decimal value, since jsonb prints `1.0` where MySQL prints `1.0`
/// or `1`. Recursion is bounded by serde_json's parser depth limit (128).
fn write_json(value: &serde_json::Value, buf: &mut Vec<u8>) {
    use serde_json::Value;
    match value {
        Value::Null => buf.extend_from_slice(b"null"),
        Value::Bool(b) => buf.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            let text = n.to_string();
            if split_decimal(&text).is_some() {
                decimal_payload(&text, None, buf);
            } else if let Some(f) = n.as_f64() {
                // Exponent forms (1e2): Display of f64 is plain decimal.
                decimal_payload(&f.to_string(), None, buf);
            } else {
                buf.extend_from_slice(text.as_bytes());
            }
        }
        Value::String(s) => write_json_string(s, buf),
        Value::Array(items) => {
            buf.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                write_json(item, buf);
            }
            buf.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            buf.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    buf.push(b',');
                }
                write_json_string(key, buf);
                buf.push(b':');
                write_json(item, buf);
            }
            buf.push(b'}');
        }
    }
}

fn write_json_string(s: &str, buf: &mut Vec<u8>) {
    // Writing into a Vec cannot fail; fall back to the raw text just in case.
    if serde_json::to_writer(&mut *buf, s).is_err() {
        let _ = buf.write_all(s.as_bytes());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int64Array};
    use std::sync::Arc;

    fn canon(text: &str, rule: ColumnRule) -> String {
        let mut buf = Vec::new();
        text_payload(text, rule, &mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    }

    #[test]
    fn decimals_by_value() {
        for (a, b) in [
            ("1.50", "1.5"),
            ("-0.0", "0"),
            ("-0", "0"),
            ("007.10", "7.1"),
            (".5", "0.5"),
            ("-12.340", "-12.34"),
            ("100", "100"),
            ("100.000", "100"),
            ("NaN", "NaN"),
            ("-Infinity", "-Infinity"),
        ] {
            assert_eq!(canon(a, SHORTEST), b, "{a}");
        }
        assert_ne!(canon("1.5", SHORTEST), canon("1.05", SHORTEST));
        assert_ne!(canon("10", SHORTEST), canon("1", SHORTEST));
    }

    const SHORTEST: ColumnRule = ColumnRule::Decimal { scale: None };

    fn scaled(scale: u16) -> ColumnRule {
        ColumnRule::Decimal { scale: Some(scale) }
    }

    #[test]
    fn decimals_with_a_scale_keep_its_digits() {
        for (a, scale, b) in [
            ("1.5", 2, "1.50"),
            ("01.500", 2, "1.50"),
            ("-0.00", 2, "0.00"),
            ("-0", 2, "0.00"),
            (".5", 2, "0.50"),
            ("7", 0, "7"),
            ("7.0", 0, "7"),
            ("-0", 0, "0"),
            ("12345.67", 2, "12345.67"),
            // More fraction digits than the scale: the shortest form, which
            // cannot meet a scaled one (it has more digits after the point).
            ("1.2340", 2, "1.234"),
            ("1.5", 0, "1.5"),
            ("NaN", 2, "NaN"),
        ] {
            assert_eq!(canon(a, scaled(scale)), b, "{a} scale {scale}");
        }
        assert_ne!(canon("1.234", scaled(2)), canon("1.23", scaled(2)));
    }

    /// The direct path may skip the rewrite only where the rewrite changes
    /// nothing: checked on every string of up to five characters from an
    /// alphabet that makes valid, odd and invalid decimals.
    #[test]
    fn scaled_form_check_never_accepts_text_the_rewrite_changes() {
        let alphabet = [b'-', b'+', b'0', b'1', b'9', b'.', b'x'];
        let mut texts: Vec<Vec<u8>> = vec![Vec::new()];
        let mut last = texts.clone();
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|t| {
                    alphabet.iter().map(move |c| {
                        let mut t = t.clone();
                        t.push(*c);
                        t
                    })
                })
                .collect();
            texts.extend(last.iter().cloned());
        }
        let mut accepted = 0;
        for scale in 0..4u16 {
            for text in &texts {
                let text = std::str::from_utf8(text).unwrap();
                if in_scaled_form(text.as_bytes(), usize::from(scale)) {
                    accepted += 1;
                    assert_eq!(canon(text, scaled(scale)), text, "scale {scale}");
                }
            }
        }
        // And it does accept what the servers print.
        assert!(accepted > 1000, "{accepted}");
        for (text, scale) in [
            ("12345.67", 2),
            ("0.00", 2),
            ("-0.50", 2),
            ("7", 0),
            ("-3", 0),
        ] {
            assert!(in_scaled_form(text.as_bytes(), scale), "{text}");
        }
    }

    #[test]
    fn canonical_char_and_scaled_decimal_text_is_read_direct() {
        let cases = [
            (
                scaled(2),
                vec![Some("1.50"), None, Some("-0.25"), Some("1.5")],
            ),
            (
                ColumnRule::Char,
                vec![Some("ab"), None, Some(" c"), Some("d ")],
            ),
        ];
        for (rule, values) in cases {
            let array = StringArray::from(values);
            let col = CanonColumn::new(&array, rule, "t").unwrap();
            // The last value needs its rewrite; the rows before it do not.
            assert!(col.direct(0..4).is_none(), "{rule:?}");
            let direct = col.direct(0..3).expect("canonical already");
            for row in 0..3 {
                let mut written = Vec::new();
                col.write(row, &mut written);
                let (tag, payload) = direct.value(row);
                assert_eq!(
                    [&[tag][..], payload].concat(),
                    written,
                    "{rule:?} row {row}"
                );
            }
        }
    }

    #[test]
    fn json_sorted_and_numbers_by_value() {
        assert_eq!(
            canon(
                r#"{"b": [1.0, 2e1], "a": {"z": null, "y": "é\""}}"#,
                ColumnRule::Json
            ),
            r#"{"a":{"y":"é\"","z":null},"b":[1,20]}"#
        );
        assert_eq!(canon("{not json", ColumnRule::Json), "{not json");
    }

    #[test]
    fn char_strips_pad_only() {
        assert_eq!(canon("ab  ", ColumnRule::Char), "ab");
        assert_eq!(canon(" ab", ColumnRule::Char), " ab");
        assert_eq!(canon("ab  ", ColumnRule::Raw), "ab  ");
    }

    #[test]
    fn floats_nan_and_zero_sign() {
        let a = Float64Array::from(vec![f64::NAN, -f64::NAN, -0.0, 0.0, f64::INFINITY]);
        let bytes = |rule| {
            let col = CanonColumn::new(&a, rule, "f").unwrap();
            (0..a.len())
                .map(|r| {
                    let mut b = Vec::new();
                    col.write(r, &mut b);
                    b
                })
                .collect::<Vec<_>>()
        };
        let strict = bytes(ColumnRule::Float {
            zero_sign_matters: true,
        });
        assert_eq!(strict[0], strict[1]);
        assert_ne!(strict[2], strict[3]);
        let loose = bytes(ColumnRule::Float {
            zero_sign_matters: false,
        });
        assert_eq!(loose[2], loose[3]);
        assert_ne!(loose[3], loose[4]);
    }

    #[test]
    fn direct_values_are_the_bytes_write_produces() {
        use arrow_array::{
            ArrayRef, Date32Array, FixedSizeBinaryArray, LargeBinaryArray, LargeStringArray,
        };
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![
                Some(-1),
                None,
                Some(i64::MAX),
                Some(0),
            ])),
            Arc::new(Date32Array::from(vec![
                Some(19000),
                Some(-3),
                None,
                Some(1),
            ])),
            Arc::new(StringArray::from(vec![
                Some("é x "),
                None,
                Some(""),
                Some("z"),
            ])),
            Arc::new(LargeStringArray::from(vec![
                None,
                Some("ab"),
                Some("c"),
                None,
            ])),
            Arc::new(BinaryArray::from(vec![
                Some(&b"\x00\xff"[..]),
                Some(&b""[..]),
                None,
                Some(&b"q"[..]),
            ])),
            Arc::new(LargeBinaryArray::from(vec![
                Some(&b"long"[..]),
                None,
                Some(&b"x"[..]),
                Some(&b"yy"[..]),
            ])),
            Arc::new(
                FixedSizeBinaryArray::try_from_sparse_iter_with_size(
                    vec![Some([1u8, 2]), None, Some([3, 4]), Some([5, 6])].into_iter(),
                    2,
                )
                .unwrap(),
            ),
        ];
        for array in &arrays {
            // Whole and sliced, so offsets and null bits are read from the right place.
            for view in [array.clone(), array.slice(1, 3)] {
                let col = CanonColumn::new(view.as_ref(), ColumnRule::Raw, "c").unwrap();
                let direct = col.direct(0..view.len()).expect("raw column reads direct");
                for row in 0..view.len() {
                    let mut written = Vec::new();
                    col.write(row, &mut written);
                    let (tag, payload) = direct.value(row);
                    let mut read = vec![tag];
                    read.extend_from_slice(payload);
                    assert_eq!(read, written, "{} row {row}", view.data_type());
                }
            }
        }
    }

    #[test]
    fn rewritten_columns_are_not_read_direct() {
        let text = StringArray::from(vec!["1.50 "]);
        for rule in [
            ColumnRule::Decimal { scale: None },
            ColumnRule::Decimal { scale: Some(2) },
            ColumnRule::Json,
            ColumnRule::Char,
        ] {
            let col = CanonColumn::new(&text, rule, "t").unwrap();
            assert!(col.direct(0..1).is_none(), "{rule:?}");
        }
        let floats = Float64Array::from(vec![-0.0]);
        let rule = ColumnRule::Float {
            zero_sign_matters: false,
        };
        assert!(CanonColumn::new(&floats, rule, "f")
            .unwrap()
            .direct(0..1)
            .is_none());
    }

    #[test]
    fn null_differs_from_every_value_and_sliced_arrays_work() {
        let a = Int64Array::from(vec![Some(0), None, Some(7), Some(9)]);
        let sliced = a.slice(2, 2);
        let col = CanonColumn::new(&sliced, ColumnRule::Raw, "i").unwrap();
        let (mut part, mut part_ends) = (Vec::new(), Vec::new());
        col.append_values(0..2, &mut part, &mut part_ends);
        let full = CanonColumn::new(&a, ColumnRule::Raw, "i").unwrap();
        let (mut all, mut all_ends) = (Vec::new(), Vec::new());
        full.append_values(0..4, &mut all, &mut all_ends);
        assert_eq!(part, all[all_ends[1]..]);
        assert_eq!(&all[all_ends[0]..all_ends[1]], [NULL_TAG]);
        assert_ne!(all[..all_ends[0]], all[all_ends[0]..all_ends[1]]);
        let mut b = Vec::new();
        full.write(1, &mut b);
        assert_eq!(b, [NULL_TAG]);
    }
}
