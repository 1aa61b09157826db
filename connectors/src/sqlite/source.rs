//! [`SqliteSource`]: the SQLite file ferry reads from. Every call opens its own
//! read-only connection on a blocking thread, so tables can be read in parallel
//! and the source needs no lock.

use super::connect::{open_read_only, path_of};
use super::error::join;
use super::{catalog, count, key_bounds, read, sample};
use crate::{BatchSender, Endpoint, KeyTuple, ReadOptions, Result, RowAddressing, Source};
use async_trait::async_trait;
use ferry_schema::{Dialect, Schema, Table};

/// An SQLite database file opened for reading (`SQLITE_OPEN_READ_ONLY`).
#[derive(Debug, Clone)]
pub struct SqliteSource {
    path: String,
}

impl SqliteSource {
    /// Checks that `endpoint.database` names an existing SQLite database file.
    /// A missing file is [`crate::ConnectorError::NotFound`] with `what = "file"`;
    /// a file that is not a database is `NotFound` with `what = "SQLite database"`.
    pub fn open(endpoint: &Endpoint) -> Result<Self> {
        let path = path_of(endpoint).to_string();
        open_read_only(&path)?;
        Ok(SqliteSource { path })
    }

    /// Runs `f` on a fresh read-only connection on a blocking thread.
    async fn run<T, F>(&self, what: String, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T> + Send + 'static,
    {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || f(&open_read_only(&path)?))
            .await
            .map_err(|e| join(what, &e))?
    }
}

#[async_trait]
impl Source for SqliteSource {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn introspect(&self) -> Result<Schema> {
        self.run("reading the catalog".into(), |conn| {
            catalog::introspect(conn)
        })
        .await
    }

    async fn read_table(
        &self,
        table: &Table,
        options: ReadOptions,
        out: BatchSender,
    ) -> Result<u64> {
        let table = table.clone();
        let what = format!("reading table {:?}", table.name);
        self.run(what, move |conn| {
            read::read_table(conn, &table, options, &out)
        })
        .await
    }

    async fn count_rows(&self, table: &str) -> Result<u64> {
        let table = table.to_string();
        self.run(format!("counting rows of {table:?}"), move |conn| {
            count(conn, &table)
        })
        .await
    }

    async fn key_bounds(&self, table: &Table, column: &str) -> Result<Option<(i64, i64)>> {
        let (table, column) = (table.name.clone(), column.to_string());
        self.run(
            format!("measuring the key range of {table:?}"),
            move |conn| key_bounds(conn, &table, &column),
        )
        .await
    }

    async fn key_cut_points(
        &self,
        table: &Table,
        columns: &[String],
        rows: u64,
        parts: usize,
    ) -> Result<Vec<KeyTuple>> {
        let (table, columns) = (table.name.clone(), columns.to_vec());
        self.run(
            format!("choosing the cut points of {table:?}"),
            move |conn| sample::key_cut_points(conn, &table, &columns, rows, parts),
        )
        .await
    }

    async fn row_addressing(&self, _table: &Table) -> Result<RowAddressing> {
        // A rowid of a table without an INTEGER PRIMARY KEY may change on
        // VACUUM, and ferry does not range over it.
        Ok(RowAddressing::Unavailable(
            "ferry does not cut SQLite tables by rowid".into(),
        ))
    }
}
