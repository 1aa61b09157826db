//! [`MySqlTarget`]: runs DDL and bulk-loads Arrow batches into MySQL/MariaDB.
//!
//! The fast path is `LOAD DATA LOCAL INFILE` fed from memory: the connection's infile
//! handler is a stream that pulls batches from the channel as the server asks for
//! data, encodes each into `\t`/`\n` text (see `encode`), and hands it over in
//! packets under the server's `max_allowed_packet`, so a table is never held in
//! memory and a value larger than one packet still loads. With `local_infile` off, rows go in as
//! multi-row `INSERT` statements kept under `max_allowed_packet`.
//!
//! Rows whose long values were read in pieces ([`crate::pieces`]) wait in a
//! spool file for their pieces and end the same upload with each value
//! joined back (`long_values`); MySQL cannot join them in SQL past
//! `max_allowed_packet`.
//!
//! Each table loads in one transaction with `unique_checks` and `foreign_key_checks`
//! off (FKs are added or checked by the engine afterwards). `LOAD DATA LOCAL` turns
//! bad values into warnings instead of errors (the server cannot stop the upload),
//! so any warning rolls the load back and becomes a data error: a silent truncation
//! would be data corruption.

use super::conn::open_pool;
use super::encode::{BatchEncoder, ColumnEncoder, Format};
use super::error::{data_error, server_error, shorten};
use super::long_values::LongValues;
use super::read::count;
use crate::pieces::{long_rows, pieces_of};
use crate::{
    BatchReceiver, ConnectorError, Endpoint, LoadMethod, Result, Target, WriteOptions, WriteStats,
};
use arrow_array::RecordBatch;
use async_trait::async_trait;
use bytes::Bytes;
use ferry_schema::ident::{quote, quote_qualified};
use ferry_schema::{Dialect, LogicalType, Table};
use futures_util::StreamExt;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Pool};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const EXISTING_TABLES_SQL: &str = include_str!("sql/existing_tables.sql");
const TARGET_COLUMNS_SQL: &str = include_str!("sql/target_columns.sql");
const LOCAL_INFILE_SQL: &str = include_str!("sql/local_infile.sql");

/// Character sets whose bytes are UTF-8 (or raw), so `CHARACTER SET binary` input lands as is.
const BYTE_COPY_CHARSETS: [&str; 4] = ["utf8mb4", "utf8mb3", "utf8", "binary"];

/// A MySQL or MariaDB database ferry writes to.
pub struct MySqlTarget {
    pool: Pool,
    database: String,
    method: LoadMethod,
    max_packet: usize,
}

impl MySqlTarget {
    /// Connects with a pool sized for `jobs` tables loading at once (plus one for DDL),
    /// and picks `LOAD DATA LOCAL` when the server allows it (`@@local_infile`).
    pub async fn connect(endpoint: &Endpoint, jobs: usize) -> Result<Self> {
        let (pool, _flavor) = open_pool(endpoint, jobs.saturating_add(1)).await?;
        let mut conn = pool
            .get_conn()
            .await
            .map_err(|e| server_error("checking @@local_infile", e))?;
        let (local_infile, max_packet): (Option<u64>, Option<u64>) = conn
            .query_first(LOCAL_INFILE_SQL)
            .await
            .map_err(|e| server_error("checking @@local_infile", e))?
            .unwrap_or((None, None));
        drop(conn);
        // mysql_async always announces CLIENT_LOCAL_FILES, so the server setting decides.
        let method = if local_infile == Some(1) {
            LoadMethod::MySqlLoadData
        } else {
            LoadMethod::MultiRowInsert
        };
        let max_packet = max_packet
            .and_then(|p| usize::try_from(p).ok())
            .unwrap_or(4 << 20);
        Ok(MySqlTarget {
            pool,
            database: endpoint.database.clone(),
            method,
            max_packet,
        })
    }

    /// Loads with multi-row `INSERT` even when `LOAD DATA LOCAL` is available
    /// (the fallback path, e.g. for servers behind proxies that reject LOCAL).
    pub fn with_multi_row_insert(mut self) -> Self {
        self.method = LoadMethod::MultiRowInsert;
        self
    }

    async fn conn(&self, context: &str) -> Result<Conn> {
        self.pool
            .get_conn()
            .await
            .map_err(|e| server_error(format!("connecting for {context}"), e))
    }

    /// `(column list, SET clause)` of the LOAD DATA statement. Columns that cannot take
    /// their text directly go through a user variable: BIT (LOAD DATA has no bit
    /// literal, the number is cast), JSON (MySQL refuses JSON from a binary charset) and
    /// UUID (MariaDB's UUID type refuses binary-charset text) and text columns in a
    /// non-UTF-8 charset (converted, so the server transcodes).
    async fn load_columns(
        &self,
        conn: &mut Conn,
        table: &Table,
        encoders: &[ColumnEncoder],
    ) -> Result<(String, String)> {
        let rows: Vec<(String, Option<String>, String)> = conn
            .exec(TARGET_COLUMNS_SQL, (&self.database, &table.name))
            .await
            .map_err(|e| {
                server_error(
                    format!("reading the columns of target table {}", table.name),
                    e,
                )
            })?;
        let charsets: HashMap<String, Option<String>> =
            rows.into_iter().map(|(n, cs, _)| (n, cs)).collect();
        let mut list = Vec::new();
        let mut sets = Vec::new();
        for (i, (c, enc)) in table.copied_columns().zip(encoders).enumerate() {
            let name = quote(Dialect::MySql, &c.name);
            let foreign_charset = charsets
                .get(&c.name)
                .and_then(|cs| cs.as_deref())
                .is_some_and(|cs| !BYTE_COPY_CHARSETS.contains(&cs));
            let expr = if *enc == ColumnEncoder::Bit {
                Some("CAST(@v AS UNSIGNED)")
            } else if matches!(c.logical_type, LogicalType::Json { .. })
                || *enc == ColumnEncoder::Uuid
                || (*enc == ColumnEncoder::Utf8 && foreign_charset)
            {
                Some("CONVERT(@v USING utf8mb4)")
            } else {
                None
            };
            match expr {
                Some(expr) => {
                    let var = format!("@ferry_v{i}");
                    sets.push(format!("{name} = {}", expr.replace("@v", &var)));
                    list.push(var);
                }
                None => list.push(name),
            }
        }
        let set = if sets.is_empty() {
            String::new()
        } else {
            format!(" SET {}", sets.join(", "))
        };
        Ok((list.join(", "), set))
    }

    /// Runs a load's record statements in its open transaction.
    async fn run_record(&self, conn: &mut Conn, record: &[String], context: &str) -> Result<()> {
        for statement in record {
            conn.query_drop(statement)
                .await
                .map_err(|e| server_error(format!("{context} (recording it)"), e))?;
        }
        Ok(())
    }

    /// Loads the feed with one `LOAD DATA LOCAL` upload; rows holding long
    /// values wait for their pieces ([`LongValues`]).
    async fn load_data(
        &self,
        conn: &mut Conn,
        table: &Table,
        batches: BatchReceiver,
    ) -> Result<WriteStats> {
        let encoder = BatchEncoder::new(table)?;
        let (columns, set) = self.load_columns(conn, table, encoder.encoders()).await?;
        // The file name only labels the upload; the handler below supplies the bytes.
        let label: String = table
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let sql = format!(
            "LOAD DATA LOCAL INFILE 'ferry-{label}' INTO TABLE {} CHARACTER SET binary \
             FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ({columns}){set}",
            quote_qualified(Dialect::MySql, &self.database, &table.name)
        );
        let failure: Arc<Mutex<Option<ConnectorError>>> = Arc::default();
        let stats: Arc<Mutex<WriteStats>> = Arc::default();
        let feed = LoadFeed {
            rx: batches,
            rows: encoder,
            long: None,
            table: table.clone(),
            stats: stats.clone(),
            pending: Bytes::new(),
            chunk: upload_piece_bytes(self.max_packet),
            rows_done: false,
        };
        let stream = futures_util::stream::unfold(
            (feed, failure.clone()),
            |(mut feed, failure)| async move {
                match feed.next().await {
                    Ok(Some(chunk)) => Some((Ok(chunk), (feed, failure))),
                    Ok(None) => None,
                    Err(e) => {
                        // Keep the typed error; the driver only carries an io::Error.
                        if let Ok(mut f) = failure.lock() {
                            *f = Some(e);
                        }
                        let stop = Err(std::io::Error::other(
                            "ferry stopped the upload (its own error says why)",
                        ));
                        Some((stop, (feed, failure)))
                    }
                }
            },
        )
        .boxed();
        // The handler future must be Sync; the stream is only Send, so it sits in a Mutex.
        let handed_over = Mutex::new(Some(stream));
        conn.set_infile_handler(async move {
            handed_over.into_inner().ok().flatten().ok_or_else(|| {
                mysql_async::Error::Other("the LOAD DATA stream was already used".into())
            })
        });
        let context = format!("loading table {} with LOAD DATA LOCAL INFILE", table.name);
        let outcome = conn.query_drop(&sql).await;
        if let Some(err) = failure.lock().ok().and_then(|mut f| f.take()) {
            return Err(err);
        }
        outcome.map_err(|e| server_error(&context, e))?;
        let affected = conn.affected_rows();
        let stats = stats.lock().map(|s| *s).unwrap_or_default();
        let warnings: Vec<(String, u32, String)> = conn
            .query("SHOW WARNINGS LIMIT 5")
            .await
            .map_err(|e| server_error(&context, e))?;
        if !warnings.is_empty() {
            let list: Vec<String> = warnings
                .into_iter()
                .map(|(level, code, msg)| format!("{level} {code}: {msg}"))
                .collect();
            return Err(data_error(
                &table.name,
                "*",
                format!(
                    "the server changed or rejected values while loading (nothing was kept): {}. \
                     Check the target column types against the source, or exclude the column.",
                    list.join("; ")
                ),
            ));
        }
        if affected != stats.rows {
            return Err(data_error(
                &table.name,
                "*",
                format!("{} rows were sent but the server stored {affected} (nothing was kept); check for duplicate keys", stats.rows),
            ));
        }
        Ok(stats)
    }

    async fn insert_rows(
        &self,
        conn: &mut Conn,
        table: &Table,
        mut batches: BatchReceiver,
    ) -> Result<WriteStats> {
        let mut encoder = BatchEncoder::new(table)?;
        let columns: Vec<String> = table
            .copied_columns()
            .map(|c| quote(Dialect::MySql, &c.name))
            .collect();
        let prefix = format!(
            "INSERT INTO {} ({}) VALUES ",
            quote_qualified(Dialect::MySql, &self.database, &table.name),
            columns.join(", ")
        );
        // Leave room for the packet header and the server's own overhead.
        let limit = self.max_packet.saturating_sub(1024).max(prefix.len() + 1);
        let context = format!("loading table {} with multi-row INSERT", table.name);
        let mut stats = WriteStats::default();
        let mut stmt: Vec<u8> = Vec::with_capacity(limit.min(8 << 20));
        stmt.extend_from_slice(prefix.as_bytes());
        let mut pending = 0u64;
        while let Some(batch) = batches.recv().await {
            encoder.encode(&batch, Format::SqlLiteral)?;
            for r in 0..encoder.rows() {
                let len = encoder.tuple_len(r);
                if prefix.len() + len > limit {
                    return Err(data_error(
                        &table.name,
                        "*",
                        format!("a row needs {len} bytes as SQL, more than max_allowed_packet allows ({}); raise max_allowed_packet or enable local_infile", self.max_packet),
                    ));
                }
                if pending > 0 && stmt.len() + len + 1 > limit {
                    flush(conn, &mut stmt, &prefix, &context, &mut stats, &mut pending).await?;
                }
                if pending > 0 {
                    stmt.push(b',');
                }
                encoder.write_tuple(r, &mut stmt);
                pending += 1;
            }
        }
        if pending > 0 {
            flush(conn, &mut stmt, &prefix, &context, &mut stats, &mut pending).await?;
        }
        Ok(stats)
    }
}

/// Sends one multi-row INSERT and starts the next one.
async fn flush(
    conn: &mut Conn,
    stmt: &mut Vec<u8>,
    prefix: &str,
    context: &str,
    stats: &mut WriteStats,
    pending: &mut u64,
) -> Result<()> {
    conn.query_drop(stmt.as_slice())
        .await
        .map_err(|e| server_error(context, e))?;
    stats.rows += *pending;
    stats.bytes += u64::try_from(stmt.len()).unwrap_or(u64::MAX);
    *pending = 0;
    stmt.clear();
    stmt.extend_from_slice(prefix.as_bytes());
    Ok(())
}

#[async_trait]
impl Target for MySqlTarget {
    fn dialect(&self) -> Dialect {
        Dialect::MySql
    }

    async fn existing_tables(&self) -> Result<Vec<String>> {
        let context = format!("listing the tables of database {}", self.database);
        let mut conn = self.conn(&context).await?;
        conn.exec(EXISTING_TABLES_SQL, (&self.database,))
            .await
            .map_err(|e| server_error(&context, e))
    }

    async fn execute(&self, context: &str, statements: &[String]) -> Result<()> {
        let mut conn = self.conn(context).await?;
        for (i, sql) in statements.iter().enumerate() {
            conn.query_drop(sql.as_str()).await.map_err(|e| {
                server_error(
                    format!(
                        "{context} (statement {} of {}: {})",
                        i + 1,
                        statements.len(),
                        shorten(sql)
                    ),
                    e,
                )
            })?;
        }
        Ok(())
    }

    async fn write_table_with(
        &self,
        table: &Table,
        batches: BatchReceiver,
        options: WriteOptions<'_>,
    ) -> Result<WriteStats> {
        let record = options.record;
        let context = format!("loading table {}", table.name);
        let mut conn = self.conn(&context).await?;
        // Checks are off only on this connection, and only for this load.
        conn.query_drop("SET unique_checks=0, foreign_key_checks=0")
            .await
            .map_err(|e| server_error(&context, e))?;
        conn.query_drop("START TRANSACTION")
            .await
            .map_err(|e| server_error(&context, e))?;
        let completion = batches.completion();
        let outcome = match self.method {
            LoadMethod::MySqlLoadData => self.load_data(&mut conn, table, batches).await,
            _ => self.insert_rows(&mut conn, table, batches).await,
        }
        .and_then(|stats| {
            // The feed stopped without its end marker: the source failed, so
            // what was loaded is incomplete and is rolled back below.
            if completion.is_finished() {
                Ok(stats)
            } else {
                Err(ConnectorError::Cancelled {
                    table: table.name.clone(),
                })
            }
        });
        let outcome = match outcome {
            Ok(stats) => self
                .run_record(&mut conn, record, &context)
                .await
                .map(|()| stats),
            Err(e) => Err(e),
        };
        let end = if outcome.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let ended = conn
            .query_drop(end)
            .await
            .map_err(|e| server_error(&context, e));
        let restored = conn
            .query_drop("SET unique_checks=1, foreign_key_checks=1")
            .await
            .map_err(|e| server_error(&context, e));
        let stats = outcome?;
        ended?;
        restored?;
        Ok(stats)
    }

    fn load_method(&self) -> LoadMethod {
        self.method
    }

    /// With `LOAD DATA LOCAL` only: a multi-row `INSERT` is one packet,
    /// which a long value cannot exceed.
    fn assembles_pieces(&self) -> bool {
        self.method == LoadMethod::MySqlLoadData
    }

    async fn query_u64(&self, sql: &str) -> Result<u64> {
        let context = format!("running {}", shorten(sql));
        let mut conn = self.conn(&context).await?;
        // NULL (e.g. MAX of an empty table) reads as 0.
        let v: Option<Option<u64>> = conn
            .query_first(sql)
            .await
            .map_err(|e| server_error(&context, e))?;
        Ok(v.flatten().unwrap_or(0))
    }

    async fn count_rows(&self, table: &str) -> Result<u64> {
        let context = format!("counting the rows of {table}");
        let mut conn = self.conn(&context).await?;
        count(&mut conn, &self.database, table, &context).await
    }

    async fn reset_identity(&self, table: &Table) -> Result<()> {
        let Some(column) = table.identity_column() else {
            return Ok(());
        };
        let context = format!(
            "moving the AUTO_INCREMENT of {} past its copied rows",
            table.name
        );
        let mut conn = self.conn(&context).await?;
        let qualified = quote_qualified(Dialect::MySql, &self.database, &table.name);
        let max_sql = format!(
            "SELECT GREATEST(COALESCE(MAX({}), 0), 0) FROM {qualified}",
            quote(Dialect::MySql, &column.name)
        );
        let max: Option<u64> = conn
            .query_first(max_sql)
            .await
            .map_err(|e| server_error(&context, e))?;
        let next = max.unwrap_or(0).saturating_add(1);
        conn.query_drop(format!("ALTER TABLE {qualified} AUTO_INCREMENT = {next}"))
            .await
            .map_err(|e| server_error(&context, e))?;
        Ok(())
    }
}

/// What a `LOAD DATA LOCAL` upload sends, pulled chunk by chunk as the
/// driver sends them: the feed's rows as they come, except rows flagged as
/// holding long values, which wait for their pieces and follow at the end.
struct LoadFeed {
    rx: BatchReceiver,
    rows: BatchEncoder,
    /// Opened at the first row flagged as holding long values.
    long: Option<LongValues>,
    table: Table,
    stats: Arc<Mutex<WriteStats>>,
    /// Encoded bytes not sent yet.
    pending: Bytes,
    /// Bytes per chunk ([`upload_piece_bytes`]).
    chunk: usize,
    /// The feed has ended (or was cut: the load then fails as cancelled).
    rows_done: bool,
}

impl LoadFeed {
    /// The next chunk of the upload; `None` at its end.
    async fn next(&mut self) -> Result<Option<Bytes>> {
        loop {
            if !self.pending.is_empty() {
                // The driver sends each chunk as one packet, which may not
                // exceed the server's max_allowed_packet: encoded batches go
                // out in pieces, so neither a large batch nor a value bigger
                // than the packet limit stops the load (the server reads the
                // upload as one stream, whatever its packets).
                let n = self.pending.len().min(self.chunk);
                return Ok(Some(self.pending.split_to(n)));
            }
            if !self.rows_done {
                match self.rx.recv().await {
                    Some(batch) => self.batch(batch).await?,
                    None => {
                        self.rows_done = true;
                        if !self.rx.is_finished() {
                            // Cut short: end the upload; the load is rolled back.
                            return Ok(None);
                        }
                        if let Some(long) = &mut self.long {
                            long.finish()?;
                        }
                    }
                }
                continue;
            }
            let Some(long) = &mut self.long else {
                return Ok(None);
            };
            match long.next_chunk(self.chunk).await? {
                Some(bytes) => {
                    self.count(0, bytes.len());
                    self.pending = Bytes::from(bytes);
                }
                None => {
                    let (rows, values) = (long.rows(), long.values());
                    if let Ok(mut s) = self.stats.lock() {
                        s.rows += rows;
                        s.long_values += values;
                    }
                    self.long = None;
                    return Ok(None);
                }
            }
        }
    }

    /// Encodes a batch of rows, setting aside those flagged as holding long
    /// values, or spools a batch of pieces.
    async fn batch(&mut self, batch: RecordBatch) -> Result<()> {
        if let Some(column) = pieces_of(&batch) {
            let long = self.long.as_mut().ok_or_else(|| {
                data_error(
                    &self.table.name,
                    &column,
                    "pieces arrived for no row set aside",
                )
            })?;
            return long.add_pieces(&column, &batch).await;
        }
        let flags = long_rows(&batch).cloned();
        let batch = match &flags {
            // The flag is the last column; the table's columns come before it.
            Some(_) => {
                let table_columns: Vec<usize> = (0..batch.num_columns() - 1).collect();
                batch
                    .project(&table_columns)
                    .map_err(|e| data_error(&self.table.name, "*", e.to_string()))?
            }
            None => batch,
        };
        self.rows.encode(&batch, Format::LoadData)?;
        let mut out = Vec::new();
        let mut sent = self.rows.rows();
        match &flags {
            Some(flags) if flags.true_count() > 0 => {
                let long = match self.long.take() {
                    Some(long) => long,
                    None => LongValues::new(&self.table).await?.ok_or_else(|| {
                        data_error(
                            &self.table.name,
                            "*",
                            "rows flagged as holding long values arrived for a table without a key",
                        )
                    })?,
                };
                let long = self.long.insert(long);
                for r in 0..self.rows.rows() {
                    if flags.value(r) {
                        long.set_aside(&self.rows, r).await?;
                        sent -= 1;
                    } else {
                        self.rows.write_line(r, &mut out);
                    }
                }
            }
            _ => self.rows.write_lines(&mut out),
        }
        self.count(sent, out.len());
        self.pending = Bytes::from(out);
        Ok(())
    }

    fn count(&self, rows: usize, bytes: usize) {
        if let Ok(mut s) = self.stats.lock() {
            s.rows += u64::try_from(rows).unwrap_or(u64::MAX);
            s.bytes += u64::try_from(bytes).unwrap_or(u64::MAX);
        }
    }
}

/// Bytes per `LOAD DATA LOCAL` upload packet: half the server's
/// `max_allowed_packet`, at most 4 MiB (large enough that packet overhead is
/// noise), and never under 1 KiB.
fn upload_piece_bytes(max_packet: usize) -> usize {
    (max_packet / 2).clamp(1024, 4 << 20)
}
