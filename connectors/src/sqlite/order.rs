//! The `ORDER BY` of a key-ordered read ([`crate::ReadOptions::order_by_key`]).
//!
//! The order must match the other dialects': NULLs first, numbers and temporal
//! values by value, text and blobs by their bytes. SQLite sorts NULLs first and
//! numbers by value already, and `COLLATE BINARY` compares UTF-8 text as bytes
//! (ferry's files are UTF-8 databases). Two forms ferry stores as TEXT do not
//! sort by value as text, so they get an expression:
//!
//! - decimals too wide for a REAL (`DECIMAL_TEXT`, see `types.rs`): `-9.75`,
//!   `10.5`, `9.75` — by sign, then integer digit count, then digits, with
//!   negatives in reverse;
//! - durations `[-]H+:MM:SS[.ffffff]`: by sign, then hour digit count, then text.
//!
//! Dates, times and timestamps are fixed-width ISO text (years 0000..=9999, the
//! fraction written only when non-zero), so their text order is their value order.

use ferry_schema::ident::quote;
use ferry_schema::{Dialect, LogicalType, Table};

/// The ORDER BY list over [`Table::verify_key`], `None` without a key.
pub(crate) fn order_by(table: &Table) -> Option<String> {
    let key = table.verify_key()?;
    let terms: Vec<String> = key
        .iter()
        .map(|name| {
            let quoted = quote(Dialect::Sqlite, name);
            match table.column(name).map(|c| &c.logical_type) {
                Some(
                    LogicalType::Char { .. }
                    | LogicalType::Varchar { .. }
                    | LogicalType::Text { .. }
                    | LogicalType::Json { .. }
                    | LogicalType::Enum { .. }
                    | LogicalType::Set { .. }
                    | LogicalType::Uuid,
                ) => format!("{quoted} COLLATE BINARY"),
                Some(LogicalType::Decimal { .. }) => decimal_terms(&quoted),
                Some(LogicalType::Duration { .. }) => duration_terms(&quoted),
                _ => quoted,
            }
        })
        .collect();
    Some(terms.join(", "))
}

/// Sort terms ordering a decimal column by value whether a cell is a number
/// (INTEGER/REAL, NUMERIC affinity) or plain decimal text (TEXT affinity).
/// Cells fall in classes NULL < negative < zero < positive; within a class,
/// numbers by value, text by integer digit count (leading zeros dropped), then
/// integer digits, then fraction digits (trailing zeros dropped), descending
/// for negatives. A column mixing numbers and text within a class (never
/// written by ferry) sorts its text before its numbers there.
fn decimal_terms(k: &str) -> String {
    let text = format!("typeof({k}) = 'text'");
    let body = format!("ltrim({k}, '+-')");
    let dot = format!("instr({body}, '.')");
    let int = format!(
        "ltrim(CASE WHEN {dot} > 0 THEN substr({body}, 1, {dot} - 1) ELSE {body} END, '0')"
    );
    let frac =
        format!("rtrim(CASE WHEN {dot} > 0 THEN substr({body}, {dot} + 1) ELSE '' END, '0')");
    let class = format!(
        "CASE WHEN {k} IS NULL THEN 0 \
         WHEN NOT {text} THEN CASE WHEN {k} < 0 THEN 1 WHEN {k} = 0 THEN 2 ELSE 3 END \
         WHEN {int} = '' AND {frac} = '' THEN 2 \
         WHEN substr({k}, 1, 1) = '-' THEN 1 ELSE 3 END"
    );
    let within = |class: u8, dir: &str| {
        format!(
            "CASE WHEN {text} AND substr({k}, 1, 1) {op} '-' THEN length({int}) END {dir}, \
             CASE WHEN {text} AND substr({k}, 1, 1) {op} '-' THEN {int} END COLLATE BINARY {dir}, \
             CASE WHEN {text} AND substr({k}, 1, 1) {op} '-' THEN {frac} END COLLATE BINARY {dir}",
            op = if class == 1 { "=" } else { "<>" },
        )
    };
    format!(
        "{class}, CASE WHEN NOT {text} THEN {k} END, {}, {}",
        within(3, "ASC"),
        within(1, "DESC")
    )
}

/// Sort terms ordering `[-]H+:MM:SS[.ffffff]` text by value: negatives first
/// (larger magnitudes first), then by hour digit count and text. Hours are
/// written with at least two digits and no other leading zero, and the rest is
/// fixed-width, so equal-length texts compare like their values.
fn duration_terms(k: &str) -> String {
    let negative = format!("substr({k}, 1, 1) = '-'");
    let hours = format!("length(substr({k}, 1, instr({k}, ':')))");
    format!(
        "{k} IS NOT NULL, {negative} DESC, \
         CASE WHEN {negative} THEN {hours} END DESC, \
         CASE WHEN {negative} THEN {k} END COLLATE BINARY DESC, \
         {hours}, {k} COLLATE BINARY"
    )
}
