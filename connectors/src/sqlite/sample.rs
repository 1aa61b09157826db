//! Cut points for splitting an SQLite table on a key that is not a plain
//! integer range: one ordered key scan (`ORDER BY` the key, under each
//! column's declared collation), keeping every `stride`-th key.
//!
//! SQLite is dynamically typed, so a cut point keeps the storage class the
//! key cell had (INTEGER, TEXT, BLOB) whatever the declared type: SQLite
//! orders and compares values of different classes the same way (numbers <
//! text < blobs), so the ranges still tile the rows. A REAL or NULL key cell
//! gives no cut points (the table goes in one part).

use super::error::server;
use crate::range::StrideCuts;
use crate::{KeyTuple, KeyValue, Result};
use ferry_schema::ident::quote;
use ferry_schema::Dialect;
use rusqlite::types::ValueRef;

/// Up to `parts - 1` cut points of `columns` in `table`.
pub(crate) fn key_cut_points(
    conn: &rusqlite::Connection,
    table: &str,
    columns: &[String],
    rows: u64,
    parts: usize,
) -> Result<Vec<KeyTuple>> {
    if parts <= 1 || columns.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = columns.iter().map(|c| quote(Dialect::Sqlite, c)).collect();
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        list.join(", "),
        quote(Dialect::Sqlite, table),
        list.join(", ")
    );
    let ctx = || format!("choosing the cut points of {table:?}");
    let mut stmt = conn.prepare(&sql).map_err(|e| server(ctx(), &e))?;
    let mut result = stmt.query([]).map_err(|e| server(ctx(), &e))?;
    let mut cuts = StrideCuts::new(rows, parts);
    while let Some(row) = result.next().map_err(|e| server(ctx(), &e))? {
        if cuts.is_full() {
            break;
        }
        if !cuts.next_is_cut() {
            continue;
        }
        let mut key = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            let value = match row.get_ref(i).map_err(|e| server(ctx(), &e))? {
                ValueRef::Integer(v) => KeyValue::Int(v),
                ValueRef::Text(t) => match std::str::from_utf8(t) {
                    Ok(t) => KeyValue::Text(t.to_string()),
                    Err(_) => return Ok(Vec::new()),
                },
                ValueRef::Blob(b) => KeyValue::Bytes(b.to_vec()),
                ValueRef::Real(_) | ValueRef::Null => return Ok(Vec::new()),
            };
            key.push(value);
        }
        cuts.push(key);
    }
    Ok(cuts.finish())
}
