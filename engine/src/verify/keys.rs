//! Key order: compares keys of two batches the way the databases sorted them
//! (`ORDER BY key`: NULLs first, numbers by value, text by UTF-8 bytes, bytes
//! by bytes, false < true), so the keyed merge can walk both sides at once.
//!
//! Keys are extracted once per batch into typed vectors (integers widened to
//! i128) or kept as cheap clones of their string/binary arrays, so a comparison
//! is a `match` on two already-typed columns.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, Time64MicrosecondType, TimestampMicrosecondType, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, BinaryArray, FixedSizeBinaryArray, LargeBinaryArray, LargeStringArray, RecordBatch,
    StringArray,
};
use arrow_schema::{DataType, TimeUnit};
use ferry_schema::{without_char_pad, LogicalType};
use std::cmp::Ordering;

use super::canonical::split_decimal;
use super::error::VerifyError;

/// How a text key orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextOrder {
    /// UTF-8 bytes (the `C` / binary collation the orchestration sorts with).
    Bytes,
    /// UTF-8 bytes without trailing pad spaces, matching the canonical CHAR form.
    Char,
    /// Decimal text by numeric value.
    Decimal,
}

#[derive(Debug, Clone)]
enum KeyCol {
    Int(Vec<Option<i128>>),
    Float(Vec<Option<f64>>),
    Text(StringArray, TextOrder),
    LargeText(LargeStringArray, TextOrder),
    Bytes(BinaryArray),
    LargeBytes(LargeBinaryArray),
    FixedBytes(FixedSizeBinaryArray),
}

/// The key columns of one batch, ready to compare row against row.
#[derive(Debug, Clone)]
pub(crate) struct KeyColumns {
    cols: Vec<KeyCol>,
}

impl KeyColumns {
    /// Extracts `key_columns` of `batch`; `logical` holds every column's type.
    pub(crate) fn new(
        batch: &RecordBatch,
        key_columns: &[usize],
        logical: &[LogicalType],
    ) -> Result<Self, VerifyError> {
        let schema = batch.schema();
        let cols = key_columns
            .iter()
            .map(|&c| {
                let (Some(array), Some(field), Some(ty)) = (
                    batch.columns().get(c),
                    schema.fields().get(c),
                    logical.get(c),
                ) else {
                    return Err(VerifyError::Setup {
                        detail: format!("key column index {c} is out of range"),
                    });
                };
                key_col(array.as_ref(), ty).ok_or_else(|| VerifyError::UnsupportedKey {
                    column: field.name().clone(),
                    data_type: format!("{} ({})", ty.describe(), array.data_type()),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(KeyColumns { cols })
    }

    /// Orders row `a` of `self` against row `b` of `other` (same key schema).
    pub(crate) fn cmp_rows(&self, a: usize, other: &KeyColumns, b: usize) -> Ordering {
        for (x, y) in self.cols.iter().zip(&other.cols) {
            let ord = match (x, y) {
                (KeyCol::Int(x), KeyCol::Int(y)) => x.get(a).cmp(&y.get(b)),
                (KeyCol::Float(x), KeyCol::Float(y)) => match (x.get(a), y.get(b)) {
                    (Some(Some(p)), Some(Some(q))) => cmp_float(*p, *q),
                    (p, q) => p
                        .is_some_and(Option::is_some)
                        .cmp(&q.is_some_and(Option::is_some)),
                },
                (KeyCol::Text(x, o), KeyCol::Text(y, _)) => {
                    cmp_nullable(x, a, y, b, |p, q| cmp_text(x.value(p), y.value(q), *o))
                }
                (KeyCol::LargeText(x, o), KeyCol::LargeText(y, _)) => {
                    cmp_nullable(x, a, y, b, |p, q| cmp_text(x.value(p), y.value(q), *o))
                }
                (KeyCol::Bytes(x), KeyCol::Bytes(y)) => {
                    cmp_nullable(x, a, y, b, |p, q| x.value(p).cmp(y.value(q)))
                }
                (KeyCol::LargeBytes(x), KeyCol::LargeBytes(y)) => {
                    cmp_nullable(x, a, y, b, |p, q| x.value(p).cmp(y.value(q)))
                }
                (KeyCol::FixedBytes(x), KeyCol::FixedBytes(y)) => {
                    cmp_nullable(x, a, y, b, |p, q| x.value(p).cmp(y.value(q)))
                }
                // Both sides share one schema, so the variants always pair up.
                _ => Ordering::Equal,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

fn key_col(array: &dyn Array, logical: &LogicalType) -> Option<KeyCol> {
    let text_order = match logical {
        LogicalType::Decimal { .. } => TextOrder::Decimal,
        LogicalType::Char { .. } => TextOrder::Char,
        // JSON has no total order shared by the dialects.
        LogicalType::Json { .. } => return None,
        _ => TextOrder::Bytes,
    };
    Some(match array.data_type() {
        DataType::Boolean => {
            let a = array.as_boolean_opt()?;
            KeyCol::Int(a.iter().map(|v| v.map(i128::from)).collect())
        }
        DataType::Int8 => ints::<Int8Type>(array)?,
        DataType::Int16 => ints::<Int16Type>(array)?,
        DataType::Int32 => ints::<Int32Type>(array)?,
        DataType::Int64 => ints::<Int64Type>(array)?,
        DataType::UInt8 => ints::<UInt8Type>(array)?,
        DataType::UInt16 => ints::<UInt16Type>(array)?,
        DataType::UInt32 => ints::<UInt32Type>(array)?,
        DataType::UInt64 => ints::<UInt64Type>(array)?,
        DataType::Date32 => ints::<Date32Type>(array)?,
        DataType::Time64(TimeUnit::Microsecond) => ints::<Time64MicrosecondType>(array)?,
        DataType::Duration(TimeUnit::Microsecond) => ints::<DurationMicrosecondType>(array)?,
        DataType::Timestamp(TimeUnit::Microsecond, _) => ints::<TimestampMicrosecondType>(array)?,
        DataType::Float32 => {
            let a = array.as_primitive_opt::<Float32Type>()?;
            KeyCol::Float(a.iter().map(|v| v.map(f64::from)).collect())
        }
        DataType::Float64 => {
            KeyCol::Float(array.as_primitive_opt::<Float64Type>()?.iter().collect())
        }
        DataType::Utf8 => KeyCol::Text(array.as_string_opt::<i32>()?.clone(), text_order),
        DataType::LargeUtf8 => KeyCol::LargeText(array.as_string_opt::<i64>()?.clone(), text_order),
        DataType::Binary => KeyCol::Bytes(array.as_binary_opt::<i32>()?.clone()),
        DataType::LargeBinary => KeyCol::LargeBytes(array.as_binary_opt::<i64>()?.clone()),
        DataType::FixedSizeBinary(_) => {
            KeyCol::FixedBytes(array.as_fixed_size_binary_opt()?.clone())
        }
        _ => return None,
    })
}

fn ints<T: ArrowPrimitiveType>(array: &dyn Array) -> Option<KeyCol>
where
    T::Native: Into<i128>,
{
    let a = array.as_primitive_opt::<T>()?;
    Some(KeyCol::Int(a.iter().map(|v| v.map(Into::into)).collect()))
}

/// NULLs first, then `cmp` on the two non-NULL rows.
fn cmp_nullable(
    x: &dyn Array,
    a: usize,
    y: &dyn Array,
    b: usize,
    cmp: impl FnOnce(usize, usize) -> Ordering,
) -> Ordering {
    match (x.is_null(a), y.is_null(b)) {
        (false, false) => cmp(a, b),
        (p, q) => q.cmp(&p),
    }
}

/// PostgreSQL's float order: `-0.0 = 0.0`, NaN above everything.
fn cmp_float(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        (p, q) => p.cmp(&q),
    }
}

fn cmp_text(a: &str, b: &str, order: TextOrder) -> Ordering {
    match order {
        TextOrder::Bytes => a.as_bytes().cmp(b.as_bytes()),
        TextOrder::Char => without_char_pad(a).cmp(without_char_pad(b)),
        TextOrder::Decimal => cmp_decimal(a, b),
    }
}

/// Numeric order of decimal text, with PostgreSQL's specials placed where it
/// sorts them: `-Infinity` < numbers < `Infinity` < `NaN`; text that is no
/// decimal at all sorts last, by bytes.
pub(crate) fn cmp_decimal(a: &str, b: &str) -> Ordering {
    fn class(t: &str) -> u8 {
        match t {
            "-Infinity" => 0,
            "Infinity" => 2,
            "NaN" => 3,
            _ if split_decimal(t).is_some() => 1,
            _ => 4,
        }
    }
    let (ca, cb) = (class(a), class(b));
    if ca != cb {
        return ca.cmp(&cb);
    }
    match (split_decimal(a), split_decimal(b)) {
        (Some((na, ia, fa)), Some((nb, ib, fb))) => {
            if na != nb {
                return nb.cmp(&na);
            }
            let magnitude = ia
                .len()
                .cmp(&ib.len())
                .then_with(|| ia.cmp(ib))
                .then_with(|| fa.cmp(fb));
            if na {
                magnitude.reverse()
            } else {
                magnitude
            }
        }
        _ if ca == 4 => a.as_bytes().cmp(b.as_bytes()),
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn decimal_order_is_numeric() {
        let sorted = [
            "-Infinity",
            "-100",
            "-9.5",
            "-9.49",
            "-0.001",
            "0",
            "-0.0",
            "0.001",
            "0.01",
            "1.5",
            "1.50",
            "9.9",
            "10",
            "100.01",
            "Infinity",
            "NaN",
        ];
        for w in sorted.windows(2) {
            assert_ne!(
                cmp_decimal(w[0], w[1]),
                Ordering::Greater,
                "{} vs {}",
                w[0],
                w[1]
            );
            assert_ne!(
                cmp_decimal(w[1], w[0]),
                Ordering::Less,
                "{} vs {}",
                w[1],
                w[0]
            );
        }
        assert_eq!(cmp_decimal("1.5", "1.50"), Ordering::Equal);
        assert_eq!(cmp_decimal("-0.0", "0"), Ordering::Equal);
        assert_eq!(cmp_decimal("2", "10"), Ordering::Less);
    }

    #[test]
    fn nulls_first_and_floats_like_postgres() {
        let s = StringArray::from(vec![None, Some(""), Some("a")]);
        assert_eq!(
            cmp_nullable(&s, 0, &s, 1, |_, _| Ordering::Equal),
            Ordering::Less
        );
        assert_eq!(
            cmp_nullable(&s, 1, &s, 0, |_, _| Ordering::Equal),
            Ordering::Greater
        );
        assert_eq!(cmp_float(-0.0, 0.0), Ordering::Equal);
        assert_eq!(cmp_float(f64::NAN, f64::INFINITY), Ordering::Greater);
        assert_eq!(cmp_text("ab  ", "ab", TextOrder::Char), Ordering::Equal);
    }
}
