//! [`SqliteTarget`]: the SQLite file ferry writes into. SQLite admits one writer
//! at a time, so the target keeps a single connection behind a mutex and runs
//! each call on a blocking thread; concurrent table loads simply take turns.

use super::catalog::has_autoincrement;
use super::connect::{open_read_write, path_of};
use super::error::{join, server, DIALECT};
use super::{count, write};
use crate::{
    BatchReceiver, ConnectorError, Endpoint, LoadMethod, Result, Target, WriteOptions, WriteStats,
};
use async_trait::async_trait;
use ferry_schema::ident::quote;
use ferry_schema::{Dialect, Table};
use rusqlite::{params, Connection};
use std::sync::{Arc, Mutex};

const TABLES_SQL: &str = include_str!("sql/tables.sql");
const BUMP_SEQUENCE_SQL: &str = include_str!("sql/bump_sequence.sql");
const INSERT_SEQUENCE_SQL: &str = include_str!("sql/insert_sequence.sql");

/// An SQLite database file opened for writing (created when missing), with
/// foreign-key enforcement off for the load.
#[derive(Debug, Clone)]
pub struct SqliteTarget {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteTarget {
    /// Opens `endpoint.database` read-write, creating the file if needed. A missing
    /// parent directory is [`ConnectorError::NotFound`]; a file that is not a
    /// database is `NotFound` with `what = "SQLite database"`.
    pub fn open(endpoint: &Endpoint) -> Result<Self> {
        let conn = open_read_write(path_of(endpoint))?;
        Ok(SqliteTarget {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    async fn run<T, F>(&self, what: String, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let context = what.clone();
        tokio::task::spawn_blocking(move || {
            // A poisoned lock means an earlier call panicked mid-statement; the
            // connection itself is still usable (SQLite rolls back on its own).
            let guard = conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&guard)
        })
        .await
        .map_err(|e| join(context, &e))?
    }
}

fn negative(context: &str, value: i64) -> ConnectorError {
    ConnectorError::Server {
        dialect: DIALECT,
        context: context.to_string(),
        detail: format!(
            "the query returned {value}, where a count or a non-negative number was expected"
        ),
        code: None,
    }
}

#[async_trait]
impl Target for SqliteTarget {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn existing_tables(&self) -> Result<Vec<String>> {
        self.run("listing tables".into(), |conn| {
            let ctx = "listing tables";
            let mut stmt = conn
                .prepare_cached(TABLES_SQL)
                .map_err(|e| server(ctx, &e))?;
            let names = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(|e| server(ctx, &e))?;
            Ok(names)
        })
        .await
    }

    async fn execute(&self, context: &str, statements: &[String]) -> Result<()> {
        let statements = statements.to_vec();
        let context = context.to_string();
        self.run(context.clone(), move |conn| {
            for sql in &statements {
                conn.execute_batch(sql)
                    .map_err(|e| server(context.clone(), &e))?;
            }
            Ok(())
        })
        .await
    }

    async fn write_table_with(
        &self,
        table: &Table,
        mut batches: BatchReceiver,
        options: WriteOptions<'_>,
    ) -> Result<WriteStats> {
        let record = options.record;
        let table = table.clone();
        let record = record.to_vec();
        let what = format!("loading table {:?}", table.name);
        self.run(what, move |conn| {
            write::write_table(conn, &table, &mut batches, &record)
        })
        .await
    }

    fn load_method(&self) -> LoadMethod {
        LoadMethod::SqliteInsert
    }

    /// A NULL result (e.g. `MAX` of an empty table) is 0.
    async fn query_u64(&self, sql: &str) -> Result<u64> {
        let sql = sql.to_string();
        self.run("running a check query".into(), move |conn| {
            let ctx = format!("running {sql:?}");
            let value: Option<i64> = conn
                .query_row(&sql, [], |r| r.get(0))
                .map_err(|e| server(ctx.clone(), &e))?;
            let value = value.unwrap_or(0);
            u64::try_from(value).map_err(|_| negative(&ctx, value))
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

    /// `AUTOINCREMENT` tables: moves `sqlite_sequence` up to the column's maximum.
    /// A plain `INTEGER PRIMARY KEY` (rowid alias) always continues after the
    /// largest rowid, so it needs nothing.
    async fn reset_identity(&self, table: &Table) -> Result<()> {
        let Some(column) = table.identity_column().map(|c| c.name.clone()) else {
            return Ok(());
        };
        let name = table.name.clone();
        self.run(
            format!("resetting the AUTOINCREMENT counter of {name:?}"),
            move |conn| {
                if !has_autoincrement(conn, &name)? {
                    return Ok(());
                }
                let ctx = format!("resetting the AUTOINCREMENT counter of {name:?}");
                let sql = format!(
                    "SELECT MAX({}) FROM {}",
                    quote(Dialect::Sqlite, &column),
                    quote(Dialect::Sqlite, &name)
                );
                let max: Option<i64> = conn
                    .query_row(&sql, [], |r| r.get(0))
                    .map_err(|e| server(ctx.clone(), &e))?;
                let Some(max) = max else { return Ok(()) };
                let changed = conn
                    .execute(BUMP_SEQUENCE_SQL, params![name, max])
                    .map_err(|e| server(ctx.clone(), &e))?;
                if changed == 0 {
                    conn.execute(INSERT_SEQUENCE_SQL, params![name, max])
                        .map_err(|e| server(ctx, &e))?;
                }
                Ok(())
            },
        )
        .await
    }
}
