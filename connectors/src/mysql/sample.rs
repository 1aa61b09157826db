//! Cut points for splitting a MySQL/MariaDB table on a key that is not a
//! plain integer range (text, UUID, bytes, composite keys).
//!
//! One key-only scan in the server's order, `SELECT <key> FROM t ORDER BY
//! <key>` (the primary key's or unique index's order, so no sort), streamed;
//! every `stride`-th key is kept, the stride chosen from the row count. Text
//! compares under each column's own collation, exactly as the readers' range
//! conditions will; keys equal under a case-insensitive or PAD SPACE
//! collation ('a', 'A', 'a ') may come back in any order among themselves,
//! which only makes an empty part between two such cut points, never a lost
//! or doubled row.
//!
//! Cost: the scan reads every key once (an index-only scan of the key, its
//! bytes sent to ferry); MySQL has no cheap block sample to draw from.

use super::decode::TextRow;
use super::error::{data_error, server_error};
use crate::range::{parse_uuid, KeyKind, StrideCuts};
use crate::{KeyTuple, KeyValue, Result, RowAddressing};
use ferry_schema::ident::{quote, quote_qualified};
use ferry_schema::{Dialect, Table};
use mysql_async::prelude::Queryable;
use mysql_async::Row;

const DIALECT: &str = "mysql";

/// Up to `parts - 1` cut points of `columns` in `database.table`.
pub(crate) async fn key_cut_points(
    conn: &mut mysql_async::Conn,
    database: &str,
    table: &Table,
    columns: &[String],
    rows: u64,
    parts: usize,
) -> Result<Vec<KeyTuple>> {
    if parts <= 1 || columns.is_empty() {
        return Ok(Vec::new());
    }
    let kinds = KeyKind::of_columns(table, columns, DIALECT)?;
    let list: Vec<String> = columns.iter().map(|c| quote(Dialect::MySql, c)).collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        list.join(", "),
        quote_qualified(Dialect::MySql, database, &table.name),
        list.join(", ")
    );
    let context = format!("choosing the cut points of {}", table.name);
    let mut cuts = StrideCuts::new(rows, parts);
    let mut result = conn
        .query_iter(sql)
        .await
        .map_err(|e| server_error(&context, e))?;
    // Read to the end even once full: the driver drains the rest anyway.
    while let Some(row) = result.next().await.map_err(|e| server_error(&context, e))? {
        if cuts.next_is_cut() {
            cuts.push(tuple(&row, &kinds, table, columns)?);
        }
    }
    Ok(cuts.finish())
}

/// One row of key cells as typed values.
fn tuple(row: &Row, kinds: &[KeyKind], table: &Table, columns: &[String]) -> Result<KeyTuple> {
    kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let column = columns.get(i).map_or("", String::as_str);
            let bad = |what: &str| {
                data_error(
                    &table.name,
                    column,
                    format!("a key value read for a cut point is not {what}"),
                )
            };
            let cell = row.cell(i).ok_or_else(|| bad("NOT NULL"))?;
            let text = || std::str::from_utf8(cell).map_err(|_| bad("UTF-8 text"));
            Ok(match kind {
                KeyKind::Int => KeyValue::Int(text()?.parse().map_err(|_| bad("an integer"))?),
                KeyKind::UInt => KeyValue::UInt(text()?.parse().map_err(|_| bad("an integer"))?),
                KeyKind::Text => KeyValue::Text(text()?.to_string()),
                KeyKind::Bytes => KeyValue::Bytes(cell.to_vec()),
                KeyKind::Uuid => KeyValue::Uuid(parse_uuid(text()?).ok_or_else(|| bad("a UUID"))?),
            })
        })
        .collect()
}

/// Why a MySQL table without a key is copied in one part.
pub(crate) fn row_addressing() -> RowAddressing {
    RowAddressing::Unavailable(
        "InnoDB has no stable row address to range over (rows without a key live in the order of a hidden clustered key SQL cannot name)".into(),
    )
}

/// InnoDB's row estimate from `information_schema.TABLES` (kept by its
/// persistent statistics, typically within tens of percent), or the exact
/// `COUNT(*)` when the catalog has none (other engines, a table too new).
pub(crate) async fn estimate_rows(
    conn: &mut mysql_async::Conn,
    database: &str,
    table: &str,
    context: &str,
) -> Result<u64> {
    let estimate: Option<Option<u64>> = conn
        .exec_first(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
            (database, table),
        )
        .await
        .map_err(|e| server_error(context, e))?;
    match estimate.flatten() {
        Some(rows) if rows > 0 => Ok(rows),
        _ => super::read::count(conn, database, table, context).await,
    }
}
