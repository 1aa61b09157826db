//! Casts a column's Arrow array from the source logical type to the target's,
//! when a type mapping changed it (an unsigned BIGINT becoming `numeric(20)`,
//! MySQL TIME becoming `interval`, a UUID becoming `CHAR(36)` text...).
//!
//! Runs on whole arrays, between reader and writer. A value the target type
//! cannot hold is an error naming the column and row, never a silent change.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, DurationMicrosecondType, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, IntervalMonthDayNanoType, Time64MicrosecondType, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, DurationMicrosecondArray, FixedSizeBinaryArray, IntervalMonthDayNanoArray,
    PrimitiveArray, StringArray, Time64MicrosecondArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, IntervalUnit, TimeUnit};
use std::fmt::Write as _;
use std::sync::Arc;

/// Why a value could not be cast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CastError {
    /// Row index within the batch, when one value is at fault.
    pub row: Option<usize>,
    /// What went wrong.
    pub detail: String,
}

type CastResult = Result<ArrayRef, CastError>;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Casts `array` (of type `from`) to Arrow type `to`.
pub fn cast_array(array: &ArrayRef, to: &DataType) -> CastResult {
    let from = array.data_type();
    if from == to {
        return Ok(Arc::clone(array));
    }
    match (from, to) {
        (
            DataType::Timestamp(TimeUnit::Microsecond, _),
            DataType::Timestamp(TimeUnit::Microsecond, tz),
        ) => {
            let a = array.as_primitive::<arrow_array::types::TimestampMicrosecondType>();
            Ok(Arc::new(
                TimestampMicrosecondArray::from(a.clone()).with_timezone_opt(tz.clone()),
            ))
        }
        (f, DataType::Int16) if is_integer(f) => int_to::<Int16Type>(array),
        (f, DataType::Int32) if is_integer(f) => int_to::<Int32Type>(array),
        (f, DataType::Int64) if is_integer(f) => int_to::<Int64Type>(array),
        (f, DataType::Utf8) if is_integer(f) => int_to_text(array),
        (DataType::Float32, DataType::Float64) => Ok(Arc::new(
            array
                .as_primitive::<Float32Type>()
                .unary::<_, Float64Type>(f64::from),
        )),
        (
            DataType::Duration(TimeUnit::Microsecond),
            DataType::Interval(IntervalUnit::MonthDayNano),
        ) => {
            let a = array.as_primitive::<DurationMicrosecondType>();
            let mut out = Vec::with_capacity(a.len());
            for (row, v) in a.iter().enumerate() {
                out.push(match v {
                    Some(us) => Some(micros_to_interval(us).ok_or_else(|| overflow(row))?),
                    None => None,
                });
            }
            Ok(Arc::new(IntervalMonthDayNanoArray::from(out)))
        }
        (DataType::Time64(TimeUnit::Microsecond), DataType::Duration(TimeUnit::Microsecond)) => {
            let a = array.as_primitive::<Time64MicrosecondType>();
            Ok(Arc::new(DurationMicrosecondArray::from(
                a.reinterpret_cast::<DurationMicrosecondType>(),
            )))
        }
        (DataType::Duration(TimeUnit::Microsecond), DataType::Time64(TimeUnit::Microsecond)) => {
            let a = array.as_primitive::<DurationMicrosecondType>();
            if let Some(row) = a
                .iter()
                .position(|v| v.is_some_and(|us| !(0..=MICROS_PER_DAY).contains(&us)))
            {
                return Err(CastError {
                    row: Some(row),
                    detail: "a time outside 00:00:00..24:00:00 cannot be a time of day".into(),
                });
            }
            Ok(Arc::new(Time64MicrosecondArray::from(
                a.reinterpret_cast::<Time64MicrosecondType>(),
            )))
        }
        (
            DataType::Interval(IntervalUnit::MonthDayNano),
            DataType::Duration(TimeUnit::Microsecond),
        ) => interval_to_duration(array),
        (DataType::Interval(IntervalUnit::MonthDayNano), DataType::Utf8) => interval_to_text(array),
        (DataType::FixedSizeBinary(16), DataType::Utf8) => uuid_to_text(array),
        (DataType::Utf8, DataType::FixedSizeBinary(16)) => text_to_uuid(array),
        _ => Err(CastError {
            row: None,
            detail: format!("ferry cannot convert {from} values to {to}"),
        }),
    }
}

fn overflow(row: usize) -> CastError {
    CastError {
        row: Some(row),
        detail: "value out of range for the target type".into(),
    }
}

fn is_integer(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

/// Applies `f` to every value of an integer array of any width, as i128 (which
/// holds every i64 and u64 exactly).
fn for_each_int(
    array: &ArrayRef,
    mut f: impl FnMut(usize, Option<i128>) -> Result<(), CastError>,
) -> Result<(), CastError> {
    fn walk<T: ArrowPrimitiveType>(
        a: &PrimitiveArray<T>,
        f: &mut impl FnMut(usize, Option<i128>) -> Result<(), CastError>,
    ) -> Result<(), CastError>
    where
        T::Native: Into<i128>,
    {
        for (row, v) in a.iter().enumerate() {
            f(row, v.map(Into::into))?;
        }
        Ok(())
    }
    match array.data_type() {
        DataType::Int8 => walk(array.as_primitive::<Int8Type>(), &mut f),
        DataType::Int16 => walk(array.as_primitive::<Int16Type>(), &mut f),
        DataType::Int32 => walk(array.as_primitive::<Int32Type>(), &mut f),
        DataType::Int64 => walk(array.as_primitive::<Int64Type>(), &mut f),
        DataType::UInt8 => walk(array.as_primitive::<UInt8Type>(), &mut f),
        DataType::UInt16 => walk(array.as_primitive::<UInt16Type>(), &mut f),
        DataType::UInt32 => walk(array.as_primitive::<UInt32Type>(), &mut f),
        DataType::UInt64 => walk(array.as_primitive::<UInt64Type>(), &mut f),
        other => Err(CastError {
            row: None,
            detail: format!("{other} is not an integer type"),
        }),
    }
}

fn int_to<T: ArrowPrimitiveType>(array: &ArrayRef) -> CastResult
where
    T::Native: TryFrom<i128>,
    PrimitiveArray<T>: From<Vec<Option<T::Native>>>,
{
    let mut out: Vec<Option<T::Native>> = Vec::with_capacity(array.len());
    for_each_int(array, |row, v| {
        out.push(match v {
            Some(x) => Some(T::Native::try_from(x).map_err(|_| overflow(row))?),
            None => None,
        });
        Ok(())
    })?;
    Ok(Arc::new(PrimitiveArray::<T>::from(out)))
}

fn int_to_text(array: &ArrayRef) -> CastResult {
    let mut builder =
        arrow_array::builder::StringBuilder::with_capacity(array.len(), array.len() * 8);
    for_each_int(array, |_, v| {
        match v {
            Some(x) => {
                // Writing into the builder directly: no String per value.
                let _ = write!(builder, "{x}");
                builder.append_value("");
            }
            None => builder.append_null(),
        }
        Ok(())
    })?;
    Ok(Arc::new(builder.finish()))
}

fn micros_to_interval(us: i64) -> Option<arrow_array::types::IntervalMonthDayNano> {
    us.checked_mul(1000)
        .map(|nanos| arrow_array::types::IntervalMonthDayNano::new(0, 0, nanos))
}

fn interval_to_duration(array: &ArrayRef) -> CastResult {
    let a = array.as_primitive::<IntervalMonthDayNanoType>();
    let mut out = Vec::with_capacity(a.len());
    for (row, v) in a.iter().enumerate() {
        out.push(match v {
            None => None,
            Some(iv) if iv.months != 0 => {
                return Err(CastError {
                    row: Some(row),
                    detail: format!(
                        "the interval has {} month(s), which have no fixed length",
                        iv.months
                    ),
                })
            }
            Some(iv) => Some(
                i64::from(iv.days)
                    .checked_mul(MICROS_PER_DAY)
                    .and_then(|d| d.checked_add(iv.nanoseconds / 1000))
                    .ok_or_else(|| overflow(row))?,
            ),
        });
    }
    Ok(Arc::new(DurationMicrosecondArray::from(out)))
}

fn interval_to_text(array: &ArrayRef) -> CastResult {
    let a = array.as_primitive::<IntervalMonthDayNanoType>();
    let mut builder = arrow_array::builder::StringBuilder::with_capacity(a.len(), a.len() * 24);
    for v in a.iter() {
        match v {
            Some(iv) => {
                // ISO 8601 duration: PnMnDTnS, exact to the microsecond.
                let micros = iv.nanoseconds / 1000;
                let sign = if micros < 0 { "-" } else { "" };
                let abs = micros.unsigned_abs();
                let _ = write!(
                    builder,
                    "P{}M{}DT{sign}{}.{:06}S",
                    iv.months,
                    iv.days,
                    abs / 1_000_000,
                    abs % 1_000_000
                );
                builder.append_value("");
            }
            None => builder.append_null(),
        }
    }
    Ok(Arc::new(builder.finish()))
}

fn uuid_to_text(array: &ArrayRef) -> CastResult {
    let a = array.as_fixed_size_binary();
    let mut builder = arrow_array::builder::StringBuilder::with_capacity(a.len(), a.len() * 36);
    let mut buf = [0u8; 36];
    for v in a.iter() {
        match v {
            Some(bytes) => {
                format_uuid(bytes, &mut buf);
                builder.append_value(std::str::from_utf8(&buf).unwrap_or_default());
            }
            None => builder.append_null(),
        }
    }
    Ok(Arc::new(builder.finish()))
}

/// Lower-case hyphenated UUID text of 16 bytes.
fn format_uuid(bytes: &[u8], out: &mut [u8; 36]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut pos = 0;
    for (i, b) in bytes.iter().take(16).enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out[pos] = b'-';
            pos += 1;
        }
        out[pos] = HEX[usize::from(b >> 4)];
        out[pos + 1] = HEX[usize::from(b & 0xf)];
        pos += 2;
    }
}

fn text_to_uuid(array: &ArrayRef) -> CastResult {
    let a: &StringArray = array.as_string::<i32>();
    let mut values: Vec<Option<[u8; 16]>> = Vec::with_capacity(a.len());
    for (row, v) in a.iter().enumerate() {
        values.push(match v {
            Some(text) => Some(parse_uuid(text).ok_or_else(|| CastError {
                row: Some(row),
                detail: format!("{:?} is not a UUID", truncate(text, 60)),
            })?),
            None => None,
        });
    }
    let out = FixedSizeBinaryArray::try_from_sparse_iter_with_size(values.into_iter(), 16)
        .map_err(|e| CastError {
            row: None,
            detail: e.to_string(),
        })?;
    Ok(Arc::new(out))
}

fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = text.bytes().filter(|b| *b != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use arrow_array::{UInt64Array, UInt8Array};

    #[test]
    fn unsigned_bigint_becomes_exact_decimal_text() {
        let a: ArrayRef = Arc::new(UInt64Array::from(vec![Some(u64::MAX), None, Some(0)]));
        let out = cast_array(&a, &DataType::Utf8).unwrap();
        let s = out.as_string::<i32>();
        assert_eq!(s.value(0), "18446744073709551615");
        assert!(s.is_null(1));
        assert_eq!(s.value(2), "0");
    }

    #[test]
    fn widening_and_checked_narrowing() {
        let a: ArrayRef = Arc::new(UInt8Array::from(vec![255u8]));
        let out = cast_array(&a, &DataType::Int16).unwrap();
        assert_eq!(out.as_primitive::<Int16Type>().value(0), 255);
        let big: ArrayRef = Arc::new(UInt64Array::from(vec![1, u64::MAX]));
        let err = cast_array(&big, &DataType::Int64).unwrap_err();
        assert_eq!(err.row, Some(1));
    }

    #[test]
    fn durations_become_intervals_and_back() {
        let a: ArrayRef = Arc::new(DurationMicrosecondArray::from(vec![
            Some(-3_020_399_000_000),
            None,
        ]));
        let iv = cast_array(&a, &DataType::Interval(IntervalUnit::MonthDayNano)).unwrap();
        let back = cast_array(&iv, &DataType::Duration(TimeUnit::Microsecond)).unwrap();
        assert_eq!(
            back.as_primitive::<DurationMicrosecondType>().value(0),
            -3_020_399_000_000
        );
        assert!(back.is_null(1));
    }

    #[test]
    fn uuid_text_round_trip() {
        let text: ArrayRef = Arc::new(StringArray::from(vec![
            Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            None,
        ]));
        let bin = cast_array(&text, &DataType::FixedSizeBinary(16)).unwrap();
        let back = cast_array(&bin, &DataType::Utf8).unwrap();
        assert_eq!(
            back.as_string::<i32>().value(0),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
        );
        assert!(back.is_null(1));
        let bad: ArrayRef = Arc::new(StringArray::from(vec!["nope"]));
        assert!(cast_array(&bad, &DataType::FixedSizeBinary(16)).is_err());
    }

    #[test]
    fn time_of_day_refuses_durations_beyond_a_day() {
        let a: ArrayRef = Arc::new(DurationMicrosecondArray::from(vec![Some(
            25 * 3_600_000_000,
        )]));
        assert!(cast_array(&a, &DataType::Time64(TimeUnit::Microsecond)).is_err());
    }
}
