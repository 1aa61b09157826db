//! Column encoders for the binary COPY writer: each Arrow column of a batch is
//! encoded by one typed loop into a reused [`ColumnBuf`] (values back to back plus
//! per-row lengths), in the binary format of the *actual* target column type read
//! from the catalog, so a domain, an enum or a widened integer column still loads.

use super::codec;
use super::error::DIALECT;
use crate::ConnectorError;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
    IntervalMonthDayNanoType, Time64MicrosecondType, TimestampMicrosecondType, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, BinaryArray, BooleanArray, FixedSizeBinaryArray,
    PrimitiveArray, StringArray,
};
use arrow_buffer::{Buffer, NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, IntervalUnit, TimeUnit};
use ferry_schema::LogicalType;

/// The binary input format of a target column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PgKind {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    /// text, varchar, bpchar, json and enum labels all take raw UTF-8.
    Text,
    Jsonb,
    Bytea,
    /// `bit(n)` (`Some(n)`) or `varbit` (`None`).
    Bit(Option<usize>),
    Uuid,
    Date,
    Time,
    Timestamp,
    Interval,
}

impl PgKind {
    /// The format of a base type (`typname`, `typtype`, `atttypmod`), if ferry writes it.
    pub(crate) fn of(typname: &str, typtype: &str, typmod: i32) -> Option<PgKind> {
        Some(match typname {
            _ if typtype == "e" => PgKind::Text,
            "bool" => PgKind::Bool,
            "int2" => PgKind::Int2,
            "int4" => PgKind::Int4,
            "int8" => PgKind::Int8,
            "float4" => PgKind::Float4,
            "float8" => PgKind::Float8,
            "numeric" => PgKind::Numeric,
            "text" | "varchar" | "bpchar" | "json" => PgKind::Text,
            "jsonb" => PgKind::Jsonb,
            "bytea" => PgKind::Bytea,
            "bit" => PgKind::Bit(Some(usize::try_from(typmod.max(1)).ok()?)),
            "varbit" => PgKind::Bit(None),
            "uuid" => PgKind::Uuid,
            "date" => PgKind::Date,
            "time" => PgKind::Time,
            "timestamp" | "timestamptz" => PgKind::Timestamp,
            "interval" => PgKind::Interval,
            _ => return None,
        })
    }

    /// The kind ferry's own DDL gives a column of logical type `ty` (see
    /// `ferry_schema::sql_type_for`); the writer itself reads the real column
    /// types from the catalog. Used where there is no server (benchmarks).
    pub(crate) fn for_logical(ty: &LogicalType) -> Option<PgKind> {
        Some(match ty {
            LogicalType::Boolean => PgKind::Bool,
            LogicalType::Int {
                bits: 8 | 16,
                unsigned: false,
            }
            | LogicalType::Year => PgKind::Int2,
            LogicalType::Int {
                bits: 8,
                unsigned: true,
            } => PgKind::Int2,
            LogicalType::Int {
                bits: 16 | 24 | 32, ..
            } => PgKind::Int4,
            LogicalType::Int { .. } => PgKind::Int8,
            LogicalType::Float32 => PgKind::Float4,
            LogicalType::Float64 => PgKind::Float8,
            LogicalType::Decimal { .. } => PgKind::Numeric,
            LogicalType::Char { .. }
            | LogicalType::Varchar { .. }
            | LogicalType::Text { .. }
            | LogicalType::Enum { .. }
            | LogicalType::Set { .. }
            | LogicalType::Json { binary: false } => PgKind::Text,
            LogicalType::Json { binary: true } => PgKind::Jsonb,
            LogicalType::Binary { .. } | LogicalType::Varbinary { .. } => PgKind::Bytea,
            LogicalType::Bit {
                length,
                varying: false,
            } => PgKind::Bit(usize::try_from(*length).ok()),
            LogicalType::Bit { varying: true, .. } => PgKind::Bit(None),
            LogicalType::Uuid => PgKind::Uuid,
            LogicalType::Date => PgKind::Date,
            LogicalType::Time { .. } => PgKind::Time,
            LogicalType::Timestamp { .. } => PgKind::Timestamp,
            LogicalType::Interval => PgKind::Interval,
            LogicalType::Duration { .. } | LogicalType::Unsupported { .. } => return None,
        })
    }

    /// Whether an Arrow column of type `t` can be written to this kind.
    pub(crate) fn accepts(self, t: &DataType) -> bool {
        use DataType as D;
        match self {
            PgKind::Bool => *t == D::Boolean,
            PgKind::Int2 | PgKind::Int4 | PgKind::Int8 => t.is_integer(),
            PgKind::Float4 => *t == D::Float32,
            PgKind::Float8 => matches!(t, D::Float32 | D::Float64),
            PgKind::Numeric | PgKind::Text | PgKind::Jsonb => *t == D::Utf8,
            PgKind::Bytea | PgKind::Bit(_) => *t == D::Binary,
            PgKind::Uuid => *t == D::FixedSizeBinary(16),
            PgKind::Date => *t == D::Date32,
            PgKind::Time => *t == D::Time64(TimeUnit::Microsecond),
            PgKind::Timestamp => matches!(t, D::Timestamp(TimeUnit::Microsecond, _)),
            PgKind::Interval => *t == D::Interval(IntervalUnit::MonthDayNano),
        }
    }
}

/// One column of a batch in COPY binary form: values back to back, and each row's
/// length (-1 for NULL). Reused from batch to batch.
#[derive(Debug, Default)]
pub(crate) struct ColumnBuf {
    pub(crate) data: Vec<u8>,
    pub(crate) lens: Vec<i32>,
    /// Set instead of `data` for a column whose binary form is its bytes as
    /// Arrow holds them (text, bytea): the array's values, back to back. They
    /// are not copied here, and a large one is sent straight from this buffer.
    pub(crate) shared: Option<Buffer>,
}

impl ColumnBuf {
    /// The column's value bytes, back to back.
    pub(crate) fn values(&self) -> &[u8] {
        self.shared.as_deref().unwrap_or(&self.data)
    }
}

/// A reused `data` buffer grown past this by one large value is let go
/// rather than kept, so one LOB does not pin its size for the rest of the table.
const KEEP_CAPACITY: usize = 16 << 20;

/// A value the encoder refused: row index in the batch and why.
pub(crate) type Refusal = (usize, String);

fn downcast<T: 'static>(a: &ArrayRef) -> std::result::Result<&T, Refusal> {
    a.as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| (0, format!("unexpected Arrow type {}", a.data_type())))
}

/// Encodes `array` into `out` (cleared first) as `kind`. The caller checked
/// [`PgKind::accepts`]; a mismatch here is reported, not assumed away.
pub(crate) fn column(
    array: &ArrayRef,
    kind: PgKind,
    out: &mut ColumnBuf,
) -> std::result::Result<(), Refusal> {
    if out.data.capacity() > KEEP_CAPACITY {
        out.data = Vec::new();
    }
    out.data.clear();
    out.lens.clear();
    out.lens.reserve(array.len());
    out.shared = None;
    if let Some(strings) = array.as_any().downcast_ref::<StringArray>() {
        refuse_nul(strings)?;
        if kind == PgKind::Text && share(strings.offsets(), strings.values(), strings.nulls(), out)
        {
            return Ok(());
        }
    }
    if let Some(bytes) = array.as_any().downcast_ref::<BinaryArray>() {
        if kind == PgKind::Bytea && share(bytes.offsets(), bytes.values(), bytes.nulls(), out) {
            return Ok(());
        }
    }
    match (array.data_type(), kind) {
        (DataType::Boolean, _) => fixed(downcast::<BooleanArray>(array)?.iter(), out, |v| {
            Some([u8::from(v)])
        }),
        (DataType::Int8, k) => ints::<Int8Type>(array, k, out),
        (DataType::Int16, k) => ints::<Int16Type>(array, k, out),
        (DataType::Int32, k) => ints::<Int32Type>(array, k, out),
        (DataType::Int64, k) => ints::<Int64Type>(array, k, out),
        (DataType::UInt8, k) => ints::<UInt8Type>(array, k, out),
        (DataType::UInt16, k) => ints::<UInt16Type>(array, k, out),
        (DataType::UInt32, k) => ints::<UInt32Type>(array, k, out),
        (DataType::UInt64, k) => ints::<UInt64Type>(array, k, out),
        (DataType::Float32, PgKind::Float8) => {
            fixed(prim::<Float32Type>(array)?.iter(), out, |v| {
                Some(f64::from(v).to_be_bytes())
            })
        }
        (DataType::Float32, _) => fixed(prim::<Float32Type>(array)?.iter(), out, |v| {
            Some(v.to_be_bytes())
        }),
        (DataType::Float64, _) => fixed(prim::<Float64Type>(array)?.iter(), out, |v| {
            Some(v.to_be_bytes())
        }),
        (DataType::Utf8, PgKind::Numeric) => {
            variable(downcast::<StringArray>(array)?.iter(), out, |v, b| {
                codec::numeric_from_text(v, b)
            })
        }
        (DataType::Utf8, PgKind::Jsonb) => {
            variable(downcast::<StringArray>(array)?.iter(), out, |v, b| {
                // jsonb binary input: format version 1, then the document text.
                b.push(1);
                b.extend_from_slice(v.as_bytes());
                Ok(())
            })
        }
        (DataType::Utf8, _) => variable(downcast::<StringArray>(array)?.iter(), out, |v, b| {
            b.extend_from_slice(v.as_bytes());
            Ok(())
        }),
        (DataType::Binary, PgKind::Bit(n)) => {
            variable(downcast::<BinaryArray>(array)?.iter(), out, |v, b| {
                codec::bits_to_pg(v, n, b)
            })
        }
        (DataType::Binary, _) => variable(downcast::<BinaryArray>(array)?.iter(), out, |v, b| {
            b.extend_from_slice(v);
            Ok(())
        }),
        (DataType::FixedSizeBinary(_), _) => variable(
            downcast::<FixedSizeBinaryArray>(array)?.iter(),
            out,
            |v, b| {
                b.extend_from_slice(v);
                Ok(())
            },
        ),
        (DataType::Date32, _) => fixed(prim::<Date32Type>(array)?.iter(), out, |v| {
            codec::date_to_pg(v).map(i32::to_be_bytes)
        }),
        (DataType::Time64(_), _) => fixed(prim::<Time64MicrosecondType>(array)?.iter(), out, |v| {
            Some(v.to_be_bytes())
        }),
        (DataType::Timestamp(..), _) => {
            fixed(prim::<TimestampMicrosecondType>(array)?.iter(), out, |v| {
                codec::timestamp_to_pg(v).map(i64::to_be_bytes)
            })
        }
        (DataType::Interval(_), _) => {
            fixed(prim::<IntervalMonthDayNanoType>(array)?.iter(), out, |v| {
                // PostgreSQL keeps microseconds: a sub-microsecond part would be lost.
                if v.nanoseconds % 1000 != 0 {
                    return None;
                }
                let mut b = [0u8; 16];
                b[..8].copy_from_slice(&(v.nanoseconds / 1000).to_be_bytes());
                b[8..12].copy_from_slice(&v.days.to_be_bytes());
                b[12..].copy_from_slice(&v.months.to_be_bytes());
                Some(b)
            })
        }
        (t, k) => Err((
            0,
            format!("cannot write Arrow {t} into a PostgreSQL {k:?} column"),
        )),
    }
}

/// Records the lengths of a column whose values go out as Arrow holds them,
/// and shares its value buffer instead of copying it. `false`, with nothing
/// recorded, when a NULL slot spans bytes (Arrow allows it), which the walk
/// over values back to back cannot skip: the caller copies instead.
fn share(
    offsets: &OffsetBuffer<i32>,
    values: &Buffer,
    nulls: Option<&NullBuffer>,
    out: &mut ColumnBuf,
) -> bool {
    for (row, pair) in offsets.windows(2).enumerate() {
        let len = pair[1] - pair[0];
        if nulls.is_some_and(|n| n.is_null(row)) {
            if len != 0 {
                out.lens.clear();
                return false;
            }
            out.lens.push(-1);
        } else {
            out.lens.push(len);
        }
    }
    let first = usize::try_from(offsets.first()).unwrap_or(0);
    let last = usize::try_from(offsets.last()).unwrap_or(0);
    out.shared = Some(values.slice_with_length(first, last.saturating_sub(first)));
    true
}

/// PostgreSQL text types cannot hold U+0000 (MySQL and SQLite strings can). One
/// scan of the whole value buffer; rows are only looked at when it finds a NUL.
fn refuse_nul(strings: &StringArray) -> std::result::Result<(), Refusal> {
    if !strings.values().contains(&0) {
        return Ok(());
    }
    let row = strings
        .iter()
        .position(|v| v.is_some_and(|v| v.contains('\0')))
        .unwrap_or(0);
    Err((
        row,
        "PostgreSQL text cannot contain the NUL character (U+0000): remove it at the source, \
         or map the column to a binary type"
            .to_string(),
    ))
}

fn prim<T: ArrowPrimitiveType>(a: &ArrayRef) -> std::result::Result<&PrimitiveArray<T>, Refusal> {
    downcast::<PrimitiveArray<T>>(a)
}

/// Any Arrow integer into int2/int4/int8, refusing values the column cannot hold.
fn ints<T>(array: &ArrayRef, kind: PgKind, out: &mut ColumnBuf) -> std::result::Result<(), Refusal>
where
    T: ArrowPrimitiveType,
    T::Native: TryInto<i64>,
{
    let values = prim::<T>(array)?;
    let wide = |n: T::Native| -> Option<i64> { n.try_into().ok() };
    match kind {
        PgKind::Int2 => fixed(values.iter(), out, |n| {
            wide(n)
                .and_then(|n| i16::try_from(n).ok())
                .map(i16::to_be_bytes)
        }),
        PgKind::Int4 => fixed(values.iter(), out, |n| {
            wide(n)
                .and_then(|n| i32::try_from(n).ok())
                .map(i32::to_be_bytes)
        }),
        _ => fixed(values.iter(), out, |n| wide(n).map(i64::to_be_bytes)),
    }
    .map_err(|(row, _)| (row, format!("the value does not fit the {kind:?} column")))
}

/// Fixed-width values: `f` returns the big-endian bytes, or `None` to refuse the value.
fn fixed<A, const N: usize>(
    values: impl Iterator<Item = Option<A>>,
    out: &mut ColumnBuf,
    f: impl Fn(A) -> Option<[u8; N]>,
) -> std::result::Result<(), Refusal> {
    let width = i32::try_from(N).map_err(|_| (0, "value too wide".to_string()))?;
    for (row, v) in values.enumerate() {
        match v {
            None => out.lens.push(-1),
            Some(v) => {
                let bytes = f(v)
                    .ok_or_else(|| (row, "the value is out of range for the column".to_string()))?;
                out.data.extend_from_slice(&bytes);
                out.lens.push(width);
            }
        }
    }
    Ok(())
}

/// Variable-width values: `f` appends one value's bytes.
fn variable<A>(
    values: impl Iterator<Item = Option<A>>,
    out: &mut ColumnBuf,
    mut f: impl FnMut(A, &mut Vec<u8>) -> std::result::Result<(), String>,
) -> std::result::Result<(), Refusal> {
    for (row, v) in values.enumerate() {
        match v {
            None => out.lens.push(-1),
            Some(v) => {
                let start = out.data.len();
                f(v, &mut out.data).map_err(|e| (row, e))?;
                // COPY field lengths are i32: PostgreSQL caps a value at 1 GB anyway.
                let len = i32::try_from(out.data.len() - start).map_err(|_| {
                    (
                        row,
                        "the value is larger than PostgreSQL's 1 GB field limit".to_string(),
                    )
                })?;
                out.lens.push(len);
            }
        }
    }
    Ok(())
}

/// The error for a target column whose type ferry cannot write.
pub(crate) fn unsupported(table: &str, column: &str, type_name: String) -> ConnectorError {
    ConnectorError::UnsupportedType {
        dialect: DIALECT,
        table: table.to_string(),
        column: column.to_string(),
        type_name,
    }
}
