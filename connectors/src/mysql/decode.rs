//! Text-protocol values → Arrow arrays, column by column.
//!
//! The text protocol sends every value as bytes (`"-12"`, `"2024-02-29 23:59:59.999999"`,
//! raw bytes for BIT and BINARY). A [`ColumnDecoder`] is chosen once per column from
//! its logical type; a batch of rows is then decoded one column at a time by a typed
//! loop into a pre-sized builder. Numbers, dates and times are parsed by hand from
//! the ASCII bytes (see `timefmt`), so no value allocates.
//!
//! The direct reader may run a table's `SELECT` as a prepared statement, whose
//! resultset sends numbers, dates and times as binary fields: a column's
//! [`CellFormat`] then says how its cells are read (`binary`), and every other
//! column is decoded from text as before.

use super::binary::{self, CellFormat, WireType};
use super::error::{data_error, DIALECT};
use super::timefmt::{parse_date, parse_datetime, parse_duration};
use crate::{ConnectorError, Result};
use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, FixedSizeBinaryBuilder, PrimitiveBuilder,
};
use arrow_array::types::{
    ArrowPrimitiveType, Date32Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type,
    Int32Type, Int64Type, Int8Type, TimestampMicrosecondType, UInt16Type, UInt32Type, UInt64Type,
    UInt8Type,
};
use arrow_array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_buffer::BooleanBuffer;
use arrow_schema::{DataType, SchemaRef};
use ferry_schema::{LogicalType, Table};
use std::sync::Arc;

/// One row of text-protocol cells: `None` is SQL NULL.
pub(crate) trait TextRow {
    /// The bytes of cell `i`, or `None` for NULL.
    fn cell(&self, i: usize) -> Option<&[u8]>;
}

impl TextRow for mysql_async::Row {
    fn cell(&self, i: usize) -> Option<&[u8]> {
        match self.as_ref(i) {
            Some(mysql_async::Value::Bytes(b)) => Some(b),
            _ => None,
        }
    }
}

impl TextRow for Vec<Option<&[u8]>> {
    fn cell(&self, i: usize) -> Option<&[u8]> {
        self.get(i).copied().flatten()
    }
}

/// How one column's text values become Arrow values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ColumnDecoder {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
    Utf8,
    Binary,
    /// BIT(n): raw big-endian bytes, right-aligned to `bytes`.
    Bit {
        bytes: usize,
    },
    Date,
    Duration,
    Timestamp {
        tz: Option<Arc<str>>,
    },
    Year,
    Uuid,
}

impl ColumnDecoder {
    /// The decoder for a column of `ty` in `table`.
    pub(crate) fn for_type(table: &str, column: &str, ty: &LogicalType) -> Result<ColumnDecoder> {
        Ok(match ty {
            LogicalType::Boolean => ColumnDecoder::Bool,
            // Widths follow the Arrow type the schema gives the column, so the
            // width rules (MEDIUMINT travels as 32 bits) live in one place.
            LogicalType::Int { .. } => match ty.arrow_type() {
                DataType::Int8 => ColumnDecoder::I8,
                DataType::Int16 => ColumnDecoder::I16,
                DataType::Int32 => ColumnDecoder::I32,
                DataType::UInt8 => ColumnDecoder::U8,
                DataType::UInt16 => ColumnDecoder::U16,
                DataType::UInt32 => ColumnDecoder::U32,
                DataType::UInt64 => ColumnDecoder::U64,
                _ => ColumnDecoder::I64,
            },
            LogicalType::Float32 => ColumnDecoder::F32,
            LogicalType::Float64 => ColumnDecoder::F64,
            LogicalType::Decimal { .. }
            | LogicalType::Char { .. }
            | LogicalType::Varchar { .. }
            | LogicalType::Text { .. }
            | LogicalType::Json { .. }
            | LogicalType::Enum { .. }
            | LogicalType::Set { .. } => ColumnDecoder::Utf8,
            LogicalType::Binary { .. } | LogicalType::Varbinary { .. } => ColumnDecoder::Binary,
            LogicalType::Bit { length, .. } => ColumnDecoder::Bit {
                bytes: usize::try_from(length.div_ceil(8)).unwrap_or(usize::MAX),
            },
            LogicalType::Date => ColumnDecoder::Date,
            LogicalType::Duration { .. } => ColumnDecoder::Duration,
            LogicalType::Timestamp { with_time_zone, .. } => ColumnDecoder::Timestamp {
                tz: with_time_zone.then(|| Arc::from(ferry_schema::UTC_OFFSET)),
            },
            LogicalType::Year => ColumnDecoder::Year,
            LogicalType::Uuid => ColumnDecoder::Uuid,
            other => {
                return Err(ConnectorError::UnsupportedType {
                    dialect: DIALECT,
                    table: table.to_string(),
                    column: column.to_string(),
                    type_name: other.describe(),
                })
            }
        })
    }
}

/// Decodes rows of text-protocol cells (one `Option<&[u8]>` per copied column, in
/// order) into a batch of `table.arrow_schema()`. `first_row` is the 0-based position
/// of `rows[0]` in the table, used in error messages. Entry point for benchmarks.
pub fn decode_text_rows(
    table: &Table,
    rows: &[Vec<Option<&[u8]>>],
    first_row: u64,
) -> Result<RecordBatch> {
    TableDecoder::new(table)?.decode(rows, first_row, &[])
}

/// Everything decoding one table needs, resolved once before the first row:
/// the Arrow schema, column names for errors, and one decoder per copied column.
pub(crate) struct TableDecoder {
    table: String,
    columns: Vec<String>,
    decoders: Vec<ColumnDecoder>,
    schema: SchemaRef,
    /// Rows end with one more cell: the length of the longest value the row
    /// query shortened, 0 for none ([`crate::pieces`]).
    long_flag: bool,
}

impl TableDecoder {
    /// Resolves the decoders of `table`'s copied columns; refuses unsupported types.
    pub(crate) fn new(table: &Table) -> Result<TableDecoder> {
        let mut columns = Vec::new();
        let mut decoders = Vec::new();
        for c in table.copied_columns() {
            decoders.push(ColumnDecoder::for_type(
                &table.name,
                &c.name,
                &c.logical_type,
            )?);
            columns.push(c.name.clone());
        }
        Ok(TableDecoder {
            table: table.name.clone(),
            columns,
            decoders,
            schema: table.arrow_schema(),
            long_flag: false,
        })
    }

    /// The same decoder for rows that end with the long-value cell; its
    /// batches end with the long-row flag ([`crate::pieces::flagged_schema`]).
    pub(crate) fn with_long_flag(mut self) -> TableDecoder {
        self.long_flag = true;
        self.schema = crate::pieces::flagged_schema(&self.schema);
        self
    }

    /// The same decoder producing batches of `schema` (the same fields,
    /// other metadata: piece batches are marked so).
    pub(crate) fn with_schema(mut self, schema: SchemaRef) -> TableDecoder {
        self.schema = schema;
        self
    }

    /// How many columns each row holds.
    pub(crate) fn column_count(&self) -> usize {
        self.decoders.len() + usize::from(self.long_flag)
    }

    /// How each cell of a binary resultset whose columns arrive as `wire` is
    /// read, or `None` when some column has no binary reading into its Arrow
    /// type ([`binary::format_for`]): the statement is then run as text.
    pub(crate) fn binary_formats(&self, wire: &[WireType]) -> Option<Vec<CellFormat>> {
        if wire.len() != self.column_count() {
            return None;
        }
        let mut formats: Vec<CellFormat> = self
            .decoders
            .iter()
            .zip(wire)
            .map(|(decoder, wire)| binary::format_for(decoder, *wire))
            .collect::<Option<_>>()?;
        if self.long_flag {
            formats.push(binary::flag_format(*wire.last()?)?);
        }
        Some(formats)
    }

    /// Of `rows`, how many had a value shortened, and the longest such
    /// value's length in bytes (from the long-value cell; zeros without it).
    /// `formats` as for [`TableDecoder::decode`].
    pub(crate) fn shortened<R: TextRow>(&self, rows: &[R], formats: &[CellFormat]) -> (u64, u64) {
        if !self.long_flag {
            return (0, 0);
        }
        let at = self.decoders.len();
        let format = format_of(formats, at);
        rows.iter()
            .filter_map(|r| long_value_len(r.cell(at), format))
            .filter(|len| *len > 0)
            .fold((0, 0), |(n, most), len| (n + 1, most.max(len)))
    }

    /// The table's name, for messages.
    pub(crate) fn table_name(&self) -> &str {
        &self.table
    }

    /// Decodes a batch of rows column by column. `first_row` is the 0-based
    /// position of `rows[0]` in the table, for error messages. `formats` says
    /// how each cell is read ([`TableDecoder::binary_formats`]); empty when
    /// every cell is text.
    pub(crate) fn decode<R: TextRow>(
        &self,
        rows: &[R],
        first_row: u64,
        formats: &[CellFormat],
    ) -> Result<RecordBatch> {
        let mut arrays = Vec::with_capacity(self.decoders.len());
        for (i, (decoder, column)) in self.decoders.iter().zip(&self.columns).enumerate() {
            let ctx = Ctx {
                table: &self.table,
                column,
                first_row,
            };
            arrays.push(match format_of(formats, i) {
                CellFormat::Text => decode_column(decoder, rows, i, &ctx)?,
                format => decode_binary_column(decoder, format, rows, i, &ctx)?,
            });
        }
        if self.long_flag {
            let at = self.decoders.len();
            let format = format_of(formats, at);
            let flags: BooleanBuffer = rows
                .iter()
                .map(|r| long_value_len(r.cell(at), format).is_some_and(|len| len > 0))
                .collect();
            arrays.push(Arc::new(BooleanArray::new(flags, None)));
        }
        RecordBatch::try_new(self.schema.clone(), arrays)
            .map_err(|e| data_error(&self.table, "*", format!("cannot assemble a batch: {e}")))
    }
}

/// The format of cell `i`: text unless `formats` says otherwise.
fn format_of(formats: &[CellFormat], i: usize) -> CellFormat {
    formats.get(i).copied().unwrap_or(CellFormat::Text)
}

/// The long-value length a row's last cell holds ([`crate::pieces`]).
fn long_value_len(cell: Option<&[u8]>, format: CellFormat) -> Option<u64> {
    let raw = cell?;
    match format {
        CellFormat::Int { unsigned } => {
            binary::int_cell(raw, unsigned).and_then(|v| u64::try_from(v).ok())
        }
        _ => parse_u64(raw),
    }
}

/// Names the value being decoded in errors.
struct Ctx<'a> {
    table: &'a str,
    column: &'a str,
    first_row: u64,
}

impl Ctx<'_> {
    fn bad(&self, row: usize, what: &str, raw: &[u8]) -> ConnectorError {
        let position = self.first_row + u64::try_from(row).unwrap_or(u64::MAX) + 1;
        let shown = String::from_utf8_lossy(&raw[..raw.len().min(64)]);
        // Zero dates and partial dates (`2020-00-10`) are MySQL's, and common.
        let zero_date = raw.len() >= 10
            && (&raw[..4] == b"0000" || &raw[5..7] == b"00" || &raw[8..10] == b"00");
        let hint = if zero_date && matches!(what, "date" | "date and time") {
            " MySQL's zero dates have no calendar value: fix the row (e.g. UPDATE ... SET col = NULL) or exclude the column."
        } else {
            " Fix the value on the source or exclude the column."
        };
        data_error(self.table, self.column, format!("row {position} (in read order) holds {shown:?}, which is not a valid {what}.{hint}"))
    }
}

fn decode_column<R: TextRow>(
    decoder: &ColumnDecoder,
    rows: &[R],
    i: usize,
    ctx: &Ctx<'_>,
) -> Result<ArrayRef> {
    Ok(match decoder {
        ColumnDecoder::Bool => {
            let mut b = BooleanBuilder::with_capacity(rows.len());
            for (r, row) in rows.iter().enumerate() {
                match row.cell(i) {
                    None => b.append_null(),
                    Some(raw) => b.append_value(
                        parse_i64(raw).ok_or_else(|| ctx.bad(r, "boolean", raw))? != 0,
                    ),
                }
            }
            Arc::new(b.finish())
        }
        ColumnDecoder::I8 => primitive::<Int8Type, R>(rows, i, ctx, "integer", |s| {
            parse_i64(s).and_then(|v| i8::try_from(v).ok())
        })?,
        ColumnDecoder::I16 => primitive::<Int16Type, R>(rows, i, ctx, "integer", |s| {
            parse_i64(s).and_then(|v| i16::try_from(v).ok())
        })?,
        ColumnDecoder::I32 => primitive::<Int32Type, R>(rows, i, ctx, "integer", |s| {
            parse_i64(s).and_then(|v| i32::try_from(v).ok())
        })?,
        ColumnDecoder::I64 => primitive::<Int64Type, R>(rows, i, ctx, "integer", parse_i64)?,
        ColumnDecoder::U8 => primitive::<UInt8Type, R>(rows, i, ctx, "integer", |s| {
            parse_u64(s).and_then(|v| u8::try_from(v).ok())
        })?,
        ColumnDecoder::U16 => primitive::<UInt16Type, R>(rows, i, ctx, "integer", |s| {
            parse_u64(s).and_then(|v| u16::try_from(v).ok())
        })?,
        ColumnDecoder::U32 => primitive::<UInt32Type, R>(rows, i, ctx, "integer", |s| {
            parse_u64(s).and_then(|v| u32::try_from(v).ok())
        })?,
        ColumnDecoder::U64 => primitive::<UInt64Type, R>(rows, i, ctx, "integer", parse_u64)?,
        ColumnDecoder::F32 => primitive::<Float32Type, R>(rows, i, ctx, "float", |s| {
            std::str::from_utf8(s).ok()?.parse().ok()
        })?,
        ColumnDecoder::F64 => primitive::<Float64Type, R>(rows, i, ctx, "double", |s| {
            std::str::from_utf8(s).ok()?.parse().ok()
        })?,
        ColumnDecoder::Year => primitive::<Int16Type, R>(rows, i, ctx, "year", |s| {
            parse_i64(s).and_then(|v| i16::try_from(v).ok())
        })?,
        ColumnDecoder::Date => primitive::<Date32Type, R>(rows, i, ctx, "date", parse_date)?,
        ColumnDecoder::Duration => {
            primitive::<DurationMicrosecondType, R>(rows, i, ctx, "time", parse_duration)?
        }
        ColumnDecoder::Timestamp { tz } => {
            let mut b = PrimitiveBuilder::<TimestampMicrosecondType>::with_capacity(rows.len())
                .with_timezone_opt(tz.clone());
            for (r, row) in rows.iter().enumerate() {
                match row.cell(i) {
                    None => b.append_null(),
                    Some(raw) => b.append_value(
                        parse_datetime(raw).ok_or_else(|| ctx.bad(r, "date and time", raw))?,
                    ),
                }
            }
            Arc::new(b.finish())
        }
        ColumnDecoder::Utf8 => {
            let bytes = rows
                .iter()
                .map(|row| row.cell(i).map_or(0, <[u8]>::len))
                .sum();
            // Gathered as bytes and validated as UTF-8 once per column: one
            // pass over the values buffer (plus a char-boundary check per
            // offset) instead of a `from_utf8` call per short cell, which was
            // a tenth of the reader's time on lineitem.
            let mut b = BinaryBuilder::with_capacity(rows.len(), bytes);
            for row in rows {
                match row.cell(i) {
                    None => b.append_null(),
                    Some(raw) => b.append_value(raw),
                }
            }
            match StringArray::try_from_binary(b.finish()) {
                Ok(text) => Arc::new(text),
                // Only on bad data: find the first offending row to name it.
                Err(_) => {
                    for (r, row) in rows.iter().enumerate() {
                        if let Some(raw) = row.cell(i) {
                            if std::str::from_utf8(raw).is_err() {
                                return Err(ctx.bad(r, "UTF-8 text", raw));
                            }
                        }
                    }
                    return Err(ctx.bad(0, "UTF-8 text", b""));
                }
            }
        }
        ColumnDecoder::Binary => {
            let bytes = rows
                .iter()
                .map(|row| row.cell(i).map_or(0, <[u8]>::len))
                .sum();
            let mut b = BinaryBuilder::with_capacity(rows.len(), bytes);
            for row in rows {
                match row.cell(i) {
                    None => b.append_null(),
                    Some(raw) => b.append_value(raw),
                }
            }
            Arc::new(b.finish())
        }
        ColumnDecoder::Bit { bytes } => {
            let mut b = BinaryBuilder::with_capacity(rows.len(), rows.len() * bytes);
            // Reused scratch: the server may send fewer bytes than ceil(n/8).
            let mut aligned = vec![0u8; *bytes];
            for (r, row) in rows.iter().enumerate() {
                match row.cell(i) {
                    None => b.append_null(),
                    Some(raw) if raw.len() == *bytes => b.append_value(raw),
                    Some(raw) => {
                        let significant = strip_leading_zeros(raw);
                        if significant.len() > *bytes {
                            return Err(ctx.bad(r, "bit string of this width", raw));
                        }
                        aligned.fill(0);
                        aligned[*bytes - significant.len()..].copy_from_slice(significant);
                        b.append_value(&aligned);
                    }
                }
            }
            Arc::new(b.finish())
        }
        ColumnDecoder::Uuid => {
            let mut b = FixedSizeBinaryBuilder::with_capacity(rows.len(), 16);
            for (r, row) in rows.iter().enumerate() {
                match row.cell(i) {
                    None => b.append_null(),
                    Some(raw) => {
                        let bytes = parse_uuid(raw).ok_or_else(|| ctx.bad(r, "UUID", raw))?;
                        b.append_value(bytes)
                            .map_err(|e| data_error(ctx.table, ctx.column, e.to_string()))?;
                    }
                }
            }
            Arc::new(b.finish())
        }
    })
}

/// Decodes column `i` of rows whose cells of that column are binary fields
/// of `format` (never [`CellFormat::Text`]); the pairs are those
/// [`binary::format_for`] allows.
fn decode_binary_column<R: TextRow>(
    decoder: &ColumnDecoder,
    format: CellFormat,
    rows: &[R],
    i: usize,
    ctx: &Ctx<'_>,
) -> Result<ArrayRef> {
    use binary::{date_cell, datetime_cell, double_cell, float_cell, int_cell, time_cell};
    let column = Cells {
        rows,
        i,
        ctx,
        format,
    };
    Ok(match (decoder, format) {
        (ColumnDecoder::Bool, CellFormat::Int { unsigned }) => {
            let mut b = BooleanBuilder::with_capacity(rows.len());
            for (r, row) in rows.iter().enumerate() {
                match row.cell(i) {
                    None => b.append_null(),
                    Some(raw) => b.append_value(
                        int_cell(raw, unsigned).ok_or_else(|| column.bad(r, "boolean", raw))? != 0,
                    ),
                }
            }
            Arc::new(b.finish())
        }
        (ColumnDecoder::I8, CellFormat::Int { unsigned }) => {
            column.integers::<Int8Type>("integer", unsigned)?
        }
        (ColumnDecoder::I16, CellFormat::Int { unsigned }) => {
            column.integers::<Int16Type>("integer", unsigned)?
        }
        (ColumnDecoder::I32, CellFormat::Int { unsigned }) => {
            column.integers::<Int32Type>("integer", unsigned)?
        }
        (ColumnDecoder::I64, CellFormat::Int { unsigned }) => {
            column.integers::<Int64Type>("integer", unsigned)?
        }
        (ColumnDecoder::U8, CellFormat::Int { unsigned }) => {
            column.integers::<UInt8Type>("integer", unsigned)?
        }
        (ColumnDecoder::U16, CellFormat::Int { unsigned }) => {
            column.integers::<UInt16Type>("integer", unsigned)?
        }
        (ColumnDecoder::U32, CellFormat::Int { unsigned }) => {
            column.integers::<UInt32Type>("integer", unsigned)?
        }
        (ColumnDecoder::U64, CellFormat::Int { unsigned }) => {
            column.integers::<UInt64Type>("integer", unsigned)?
        }
        (ColumnDecoder::Year, CellFormat::Int { unsigned }) => {
            column.integers::<Int16Type>("year", unsigned)?
        }
        (ColumnDecoder::F32, CellFormat::Float) => {
            column.primitive::<Float32Type>("float", float_cell)?
        }
        (ColumnDecoder::F32, CellFormat::Double) => {
            column.primitive::<Float32Type>("float", binary::single_of_double)?
        }
        (ColumnDecoder::F64, CellFormat::Double) => {
            column.primitive::<Float64Type>("double", double_cell)?
        }
        (ColumnDecoder::Date, CellFormat::Date) => {
            column.primitive::<Date32Type>("date", date_cell)?
        }
        (ColumnDecoder::Duration, CellFormat::Time) => {
            column.primitive::<DurationMicrosecondType>("time", time_cell)?
        }
        (ColumnDecoder::Timestamp { tz }, CellFormat::DateTime) => {
            let mut b = PrimitiveBuilder::<TimestampMicrosecondType>::with_capacity(rows.len())
                .with_timezone_opt(tz.clone());
            for (r, row) in rows.iter().enumerate() {
                match row.cell(i) {
                    None => b.append_null(),
                    Some(raw) => b.append_value(
                        datetime_cell(raw).ok_or_else(|| column.bad(r, "date and time", raw))?,
                    ),
                }
            }
            Arc::new(b.finish())
        }
        (decoder, format) => {
            return Err(data_error(
                ctx.table,
                ctx.column,
                format!("internal error: no binary reading of {format:?} cells as {decoder:?}"),
            ))
        }
    })
}

/// Column `i` of a batch's rows, its cells in `format`: the typed loop
/// shared by every fixed-width column, and errors that quote a value as
/// the text protocol would show it.
struct Cells<'a, R> {
    rows: &'a [R],
    i: usize,
    ctx: &'a Ctx<'a>,
    format: CellFormat,
}

impl<R: TextRow> Cells<'_, R> {
    fn bad(&self, row: usize, what: &str, raw: &[u8]) -> ConnectorError {
        self.ctx.bad(row, what, &binary::shown(self.format, raw))
    }

    /// Integer cells of their wire width into the column's own width, whose
    /// range a value must fit (as `parse_i64` text must).
    fn integers<T: ArrowPrimitiveType>(&self, what: &str, unsigned: bool) -> Result<ArrayRef>
    where
        T::Native: TryFrom<i128>,
    {
        self.primitive::<T>(what, |s| {
            binary::int_cell(s, unsigned).and_then(|v| T::Native::try_from(v).ok())
        })
    }

    fn primitive<T: ArrowPrimitiveType>(
        &self,
        what: &str,
        parse: impl Fn(&[u8]) -> Option<T::Native>,
    ) -> Result<ArrayRef> {
        let mut b = PrimitiveBuilder::<T>::with_capacity(self.rows.len());
        for (r, row) in self.rows.iter().enumerate() {
            match row.cell(self.i) {
                None => b.append_null(),
                Some(raw) => b.append_value(parse(raw).ok_or_else(|| self.bad(r, what, raw))?),
            }
        }
        Ok(Arc::new(b.finish()))
    }
}

/// The typed loop shared by every fixed-width column of text cells.
fn primitive<T: ArrowPrimitiveType, R: TextRow>(
    rows: &[R],
    i: usize,
    ctx: &Ctx<'_>,
    what: &str,
    parse: impl Fn(&[u8]) -> Option<T::Native>,
) -> Result<ArrayRef> {
    let column = Cells {
        rows,
        i,
        ctx,
        format: CellFormat::Text,
    };
    column.primitive::<T>(what, parse)
}

fn strip_leading_zeros(raw: &[u8]) -> &[u8] {
    let start = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
    &raw[start..]
}

/// Parses an optionally signed ASCII decimal integer without allocating.
pub(crate) fn parse_i64(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        // Accumulate negatively so i64::MIN parses without overflow.
        v = v.checked_mul(10)?.checked_sub(i64::from(d - b'0'))?;
    }
    if negative {
        Some(v)
    } else {
        v.checked_neg()
    }
}

/// Parses an unsigned ASCII decimal integer without allocating.
pub(crate) fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &d in s {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(v)
}

/// Parses `8-4-4-4-12` hex text (MariaDB's UUID type) into its 16 bytes.
pub(crate) fn parse_uuid(s: &[u8]) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut high: Option<u8> = None;
    for &c in s {
        if c == b'-' {
            continue;
        }
        let v = char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())?;
        match high.take() {
            None => high = Some(v),
            Some(h) => {
                *out.get_mut(n)? = (h << 4) | v;
                n += 1;
            }
        }
    }
    (n == 16 && high.is_none()).then_some(out)
}
