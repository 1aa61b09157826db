//! SQLite connector: reads and writes SQLite 3 database files through rusqlite
//! (bundled SQLite), on blocking threads.
//!
//! ```text
//! file ─connect─▶ catalog (sqlite_schema + pragma_* + CREATE text) ─▶ Schema
//!      ─read────▶ per-column decoders ─▶ RecordBatch ─▶ channel
//! channel ─write─▶ per-column binders ─▶ prepared INSERT in big transactions ─▶ file
//! ```

mod catalog;
mod codec;
mod connect;
mod ddl_text;
mod error;
mod order;
mod read;
mod sample;
mod source;
mod target;
mod types;
mod write;

pub use source::SqliteSource;
pub use target::SqliteTarget;

use crate::Result;
use ferry_schema::{ident::quote, Dialect};

/// `SELECT COUNT(*)` of `table`, shared by source and target.
fn count(conn: &rusqlite::Connection, table: &str) -> Result<u64> {
    let sql = format!("SELECT COUNT(*) FROM {}", quote(Dialect::Sqlite, table));
    let n: i64 = conn
        .query_row(&sql, [], |r| r.get(0))
        .map_err(|e| error::server(format!("counting rows of {table:?}"), &e))?;
    // COUNT(*) is never negative.
    Ok(u64::try_from(n).unwrap_or(0))
}

/// `SELECT MIN(column), MAX(column)` of `table`; `None` when it has no non-NULL
/// key. An INTEGER column holding a non-integer (SQLite does not enforce types)
/// is an error rather than a guess.
fn key_bounds(
    conn: &rusqlite::Connection,
    table: &str,
    column: &str,
) -> Result<Option<(i64, i64)>> {
    let column = quote(Dialect::Sqlite, column);
    let sql = format!(
        "SELECT MIN({column}), MAX({column}) FROM {}",
        quote(Dialect::Sqlite, table)
    );
    let (min, max): (Option<i64>, Option<i64>) = conn
        .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| error::server(format!("measuring the key range of {table:?}"), &e))?;
    Ok(min.zip(max))
}
