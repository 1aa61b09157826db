//! [`MySqlSource`]: catalog introspection and streaming a table as Arrow batches.
//!
//! A table is read with one `SELECT` inside a consistent-snapshot, read-only
//! transaction, streamed off the socket without buffering the result.
//! Rows are gathered into a batch (`batch_rows`, or fewer once `batch_bytes` of
//! cell data accumulated), then decoded column by column.
//!
//! Two readers do this and produce the same batches. By default the direct
//! protocol reader (`wire`) on its own connection, which allocates nothing per
//! row and runs the `SELECT` as a prepared statement for binary rows. When it cannot talk to the server (TLS required, an authentication
//! plugin it lacks), and when `FERRY_MYSQL_DRIVER_READER=1` asks for it, a
//! pooled mysql_async connection and `query_iter`: mysql_async hands each row
//! over as an owned `Row` (a `Vec<Value>` holding one `Vec<u8>` per cell), an
//! allocation that is the driver's and unavoidable with its API.

use super::catalog;
use super::conn::{open_pool, Flavor};
use super::decode::{TableDecoder, TextRow};
use super::error::server_error;
use super::pieces;
use super::sample;
use super::snapshot::{self, Origin, SnapshotSessions};
use super::wire::{self, PieceRead, Scan};
use crate::digests::{long_values, LongValues};
use crate::{
    BatchSender, ConnectorError, Endpoint, KeyTuple, ReadOptions, Result, RowAddressing,
    SharedSnapshot, SnapshotId, Source,
};
use async_trait::async_trait;
use ferry_schema::ident::{quote, quote_qualified};
use ferry_schema::{Column, Dialect, LogicalType, Schema, Table};
use mysql_async::prelude::Queryable;
use mysql_async::{Pool, Row};
use std::sync::{Arc, OnceLock};

/// Environment variable that makes every table read go through mysql_async
/// (`1`): for comparing the two readers, e.g. in benchmarks.
pub const DRIVER_READER_ENV: &str = "FERRY_MYSQL_DRIVER_READER";

/// A MySQL or MariaDB database read by ferry.
pub struct MySqlSource {
    pool: Pool,
    /// Kept for the direct reader's own connections (password included; never printed).
    endpoint: Endpoint,
    database: String,
    flavor: Flavor,
    /// Read every table through mysql_async.
    driver_reader: bool,
    /// Why the direct reader could not connect, once it failed to: later
    /// tables go straight to mysql_async.
    wire_refusal: OnceLock<String>,
    /// Reading sessions waiting in shared snapshots ([`Source::begin_snapshot`]).
    snapshots: Arc<SnapshotSessions>,
}

impl MySqlSource {
    /// Connects to `endpoint` (a pool of a few connections: readers run in parallel).
    pub async fn connect(endpoint: &Endpoint) -> Result<Self> {
        let (pool, flavor) = open_pool(endpoint, 8).await?;
        Ok(MySqlSource {
            pool,
            endpoint: endpoint.clone(),
            database: endpoint.database.clone(),
            flavor,
            driver_reader: std::env::var_os(DRIVER_READER_ENV).is_some_and(|v| v == "1"),
            wire_refusal: OnceLock::new(),
            snapshots: Arc::default(),
        })
    }

    /// Chooses the reader: `true` reads tables through mysql_async rather than
    /// the direct protocol reader (the default unless [`DRIVER_READER_ENV`] is `1`).
    pub fn with_driver_reader(mut self, driver: bool) -> Self {
        self.driver_reader = driver;
        self
    }

    /// Why the direct protocol reader is not used for this server (the reason
    /// it gave when it could not connect); `None` while it is.
    pub fn wire_refusal(&self) -> Option<&str> {
        self.wire_refusal.get().map(String::as_str)
    }

    async fn conn(&self, context: &str) -> Result<mysql_async::Conn> {
        self.pool
            .get_conn()
            .await
            .map_err(|e| server_error(format!("connecting for {context}"), e))
    }
}

/// `SELECT <copied columns> FROM <db>.<table> [WHERE <key range>] [ORDER BY
/// <verify key>]`, every name quoted.
///
/// FLOAT is selected as `CAST(f AS DOUBLE)`: the text protocol prints a FLOAT
/// with 6 significant digits (1234567 reads back 1234570), while the double is
/// exactly the stored single and its text parses back to that f32.
///
/// Long values of the columns [`ReadOptions::pieces`] names are shortened and
/// a last item says which rows had one ([`super::pieces`]); those of the
/// columns [`ReadOptions::digests`] names are replaced by their digest.
pub(crate) fn select_sql(database: &str, table: &Table, options: &ReadOptions) -> String {
    let pieced = crate::pieces::pieced(table, options.pieces.as_ref());
    let mut columns: Vec<String> = table
        .copied_columns()
        .map(|c| match long_values(table, c, options) {
            LongValues::Shortened { over } => pieces::shortened(c, over),
            LongValues::Digested { over } => pieces::digested(c, over),
            LongValues::Whole => select_item("", c),
        })
        .collect();
    if let (Some(p), false) = (&options.pieces, pieced.is_empty()) {
        columns.push(pieces::long_flag(&pieced, p.over));
    }
    let mut sql = format!(
        "SELECT {} FROM {}",
        columns.join(", "),
        quote_qualified(Dialect::MySql, database, &table.name)
    );
    if let Some(condition) = options
        .key_range
        .as_ref()
        .and_then(|r| r.condition(Dialect::MySql))
    {
        sql.push_str(" WHERE ");
        sql.push_str(&condition);
    }
    if let Some(key) = options.order_by_key.then(|| order_by(table)).flatten() {
        sql.push_str(" ORDER BY ");
        sql.push_str(&key);
    }
    sql
}

/// How column `c` (qualified by `prefix`) is selected.
fn select_item(prefix: &str, c: &Column) -> String {
    let name = quote(Dialect::MySql, &c.name);
    match c.logical_type {
        LogicalType::Float32 => format!("CAST({prefix}{name} AS DOUBLE)"),
        _ => format!("{prefix}{name}"),
    }
}

/// The reads of the pieces of `table`'s pieced columns, each with its
/// decoder; empty when nothing is pieced.
fn piece_reads<'a>(
    database: &'a str,
    table: &'a Table,
    options: &'a ReadOptions,
) -> Result<Vec<PieceRead<'a>>> {
    let (Some(pieces), Some(relation), Some(key)) = (
        options.pieces.as_ref(),
        crate::pieces::piece_table(table),
        table.verify_key(),
    ) else {
        return Ok(Vec::new());
    };
    let key: Vec<&Column> = key.iter().filter_map(|k| table.column(k)).collect();
    crate::pieces::pieced(table, Some(pieces))
        .into_iter()
        .map(|column| {
            let decoder = TableDecoder::new(&relation)?
                .with_schema(crate::pieces::piece_schema(&relation, &column.name));
            let key = key.clone();
            let filter = options
                .key_range
                .as_ref()
                .and_then(|r| r.condition(Dialect::MySql));
            let sql = move |longest: u64| {
                let query = pieces::PieceQuery {
                    database,
                    table: &table.name,
                    key: &key,
                    column,
                    filter: filter.as_deref(),
                    longest,
                };
                pieces::pieces_select(&query, pieces, select_item)
            };
            Ok(PieceRead {
                decoder,
                sql: Box::new(sql),
            })
        })
        .collect()
}

/// The ORDER BY list for [`ReadOptions::order_by_key`]: ascending over
/// [`Table::verify_key`] (`None` without one). NULLs sort first in ascending
/// order already; numbers and temporal types order by value, BINARY/VARBINARY
/// and BIT by bytes. Strings are compared as their UTF-8 bytes whatever the
/// column's charset and collation: `utf8mb4_bin` is not enough, it is PAD SPACE
/// (`'a\t'` sorts before `'a'`) and refuses latin1 columns. ENUM and SET sort
/// by their index in MySQL, so they go through their label text the same way.
fn order_by(table: &Table) -> Option<String> {
    let key = table.verify_key()?;
    let terms: Vec<String> = key
        .iter()
        .map(|name| {
            let quoted = quote(Dialect::MySql, name);
            match table.column(name).map(|c| &c.logical_type) {
                Some(
                    LogicalType::Char { .. }
                    | LogicalType::Varchar { .. }
                    | LogicalType::Text { .. }
                    | LogicalType::Json { .. }
                    | LogicalType::Enum { .. }
                    | LogicalType::Set { .. },
                ) => format!("CAST(CONVERT({quoted} USING utf8mb4) AS BINARY)"),
                _ => quoted,
            }
        })
        .collect();
    Some(terms.join(", "))
}

#[async_trait]
impl Source for MySqlSource {
    fn dialect(&self) -> Dialect {
        Dialect::MySql
    }

    async fn introspect(&self) -> Result<Schema> {
        let mut conn = self.conn("reading the catalog").await?;
        catalog::introspect(&mut conn, &self.database, self.flavor).await
    }

    async fn read_table(
        &self,
        table: &Table,
        options: ReadOptions,
        out: BatchSender,
    ) -> Result<u64> {
        let pieced = !crate::pieces::pieced(table, options.pieces.as_ref()).is_empty();
        let mut decoder = TableDecoder::new(table)?;
        if pieced {
            decoder = decoder.with_long_flag();
        }
        let sql = select_sql(&self.database, table, &options);
        let pieces = piece_reads(&self.database, table, &options)?;
        if let Some(id) = &options.snapshot {
            let mut lease = self
                .snapshots
                .take(id)
                .await
                .ok_or_else(|| snapshot_ended(&table.name, id))?;
            let streamed =
                wire::read_on(&mut lease.session, &decoder, &sql, &pieces, &options, &out).await?;
            // An early stop left rows unread: the lease is dropped, closing it.
            if streamed.complete {
                lease.give_back();
            }
            return Ok(streamed.rows);
        }
        if !self.driver_reader && self.wire_refusal.get().is_none() {
            match wire::read_table(
                &self.endpoint,
                &decoder,
                &sql,
                &pieces,
                &options,
                &out,
                wire::Protocol::PREFERRED,
            )
            .await?
            {
                Scan::Done(rows) => return Ok(rows),
                Scan::Unsupported(why) => {
                    let _ = self.wire_refusal.set(why);
                }
            }
        }
        // The driver reads every value whole.
        drop(pieces);
        let whole = ReadOptions {
            pieces: None,
            ..options.clone()
        };
        let decoder = TableDecoder::new(table)?;
        let sql = select_sql(&self.database, table, &whole);
        self.read_with_driver(&decoder, &sql, &whole, &out).await
    }

    async fn count_rows(&self, table: &str) -> Result<u64> {
        let context = format!("counting the rows of {table}");
        let mut conn = self.conn(&context).await?;
        count(&mut conn, &self.database, table, &context).await
    }

    async fn estimate_rows(&self, table: &str) -> Result<u64> {
        let context = format!("estimating the rows of {table}");
        let mut conn = self.conn(&context).await?;
        super::sample::estimate_rows(&mut conn, &self.database, table, &context).await
    }

    async fn key_bounds(&self, table: &Table, column: &str) -> Result<Option<(i64, i64)>> {
        let column = quote(Dialect::MySql, column);
        // SIGNED reads every width as a BIGINT; callers only ask about keys
        // that fit one (an unsigned BIGINT above i64::MAX is never split).
        let sql = format!(
            "SELECT CAST(MIN({column}) AS SIGNED), CAST(MAX({column}) AS SIGNED) FROM {}",
            quote_qualified(Dialect::MySql, &self.database, &table.name)
        );
        let context = format!("measuring the key range of {}", table.name);
        let mut conn = self.conn(&context).await?;
        let row: Option<(Option<i64>, Option<i64>)> = conn
            .query_first(sql)
            .await
            .map_err(|e| server_error(&context, e))?;
        Ok(row.and_then(|(min, max)| min.zip(max)))
    }

    async fn key_cut_points(
        &self,
        table: &Table,
        columns: &[String],
        rows: u64,
        parts: usize,
    ) -> Result<Vec<KeyTuple>> {
        let mut conn = self.conn("choosing cut points").await?;
        sample::key_cut_points(&mut conn, &self.database, table, columns, rows, parts).await
    }

    async fn row_addressing(&self, _table: &Table) -> Result<RowAddressing> {
        Ok(sample::row_addressing())
    }

    async fn begin_snapshot(&self, table: &Table, readers: usize) -> Result<SharedSnapshot> {
        if self.driver_reader {
            return Ok(SharedSnapshot::Unavailable(format!(
                "{DRIVER_READER_ENV}=1 reads through mysql_async, whose sessions cannot be put in their snapshots beforehand"
            )));
        }
        if let Some(why) = self.wire_refusal.get() {
            return Ok(SharedSnapshot::Unavailable(format!(
                "ferry's direct MySQL reader cannot talk to this server ({why})"
            )));
        }
        let origin = Origin {
            endpoint: &self.endpoint,
            database: &self.database,
            pool: &self.pool,
            sessions: &self.snapshots,
        };
        snapshot::begin(origin, &table.name, readers).await
    }
}

impl MySqlSource {
    /// Reads one table through a pooled mysql_async connection.
    async fn read_with_driver(
        &self,
        decoder: &TableDecoder,
        sql: &str,
        options: &ReadOptions,
        out: &BatchSender,
    ) -> Result<u64> {
        let context = format!("reading table {}", decoder.table_name());
        let mut conn = self.conn(&context).await?;
        conn.query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            .await
            .map_err(|e| server_error(&context, e))?;
        let streamed = stream_with_driver(&mut conn, decoder, sql, options, out, &context).await;
        // On an error the connection goes back as it is: the server ends a
        // failed statement's snapshot, and the driver closes a connection
        // dropped with rows pending (tests/mysql_wire.rs checks both leave no
        // transaction open).
        let total = streamed?;
        // Also after a quiet stop: the driver drains the rest of the result
        // first, and ending the snapshot here releases its metadata locks before
        // the connection goes back to the pool (an idle pooled connection holding
        // them blocks DDL on the table, e.g. a DROP DATABASE, until it is reused).
        conn.query_drop("COMMIT")
            .await
            .map_err(|e| server_error(&context, e))?;
        Ok(total)
    }
}

/// The rows of `sql` read through the driver and sent as batches; the rows sent.
async fn stream_with_driver(
    conn: &mut mysql_async::Conn,
    decoder: &TableDecoder,
    sql: &str,
    options: &ReadOptions,
    out: &BatchSender,
    context: &str,
) -> Result<u64> {
    let batch_rows = options.batch_rows.max(1);
    let mut total: u64 = 0;
    let mut result = conn
        .query_iter(sql)
        .await
        .map_err(|e| server_error(context, e))?;
    let mut rows: Vec<Row> = Vec::with_capacity(batch_rows);
    let mut bytes = 0usize;
    while let Some(row) = result.next().await.map_err(|e| server_error(context, e))? {
        bytes += (0..row.len())
            .map(|i| row.cell(i).map_or(0, <[u8]>::len))
            .sum::<usize>();
        rows.push(row);
        if rows.len() >= batch_rows || bytes >= options.batch_bytes {
            bytes = 0;
            if !send(decoder, &mut rows, &mut total, out).await? {
                // The receiver is gone (another stage stopped): stop quietly.
                return Ok(total);
            }
        }
    }
    if !rows.is_empty() {
        send(decoder, &mut rows, &mut total, out).await?;
    }
    Ok(total)
}

/// Decodes the gathered rows into one batch and sends it; `false` when the receiver is gone.
async fn send(
    decoder: &TableDecoder,
    rows: &mut Vec<Row>,
    total: &mut u64,
    out: &BatchSender,
) -> Result<bool> {
    let batch = decoder.decode(rows, *total, &[])?;
    *total += u64::try_from(rows.len()).unwrap_or(u64::MAX);
    rows.clear();
    Ok(out.send(batch).await.is_ok())
}

/// A read asked for a snapshot whose sessions are gone.
fn snapshot_ended(table: &str, id: &SnapshotId) -> ConnectorError {
    ConnectorError::Server {
        dialect: super::error::DIALECT,
        context: format!("reading table {table}"),
        detail: format!(
            "snapshot {} has ended, or lost every reading session to earlier failures",
            id.0
        ),
        code: None,
    }
}

/// `SELECT COUNT(*)` of `database.table`.
pub(crate) async fn count(
    conn: &mut mysql_async::Conn,
    database: &str,
    table: &str,
    context: &str,
) -> Result<u64> {
    let sql = format!(
        "SELECT COUNT(*) FROM {}",
        quote_qualified(Dialect::MySql, database, table)
    );
    let n: Option<u64> = conn
        .query_first(sql)
        .await
        .map_err(|e| server_error(context, e))?;
    Ok(n.unwrap_or(0))
}
