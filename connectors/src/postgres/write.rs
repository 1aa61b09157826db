//! The target side: [`PgTarget`] runs DDL and loads tables with
//! `COPY ... FROM STDIN (FORMAT binary)`.
//!
//! ```text
//! RecordBatch ─▶ encode.rs, column by column into reused ColumnBufs
//!                (text and bytea share the Arrow buffer instead)
//!             ─▶ rows.rs, rows interleaved into pieces of at most 1 MiB
//!             ─▶ CopyInSink (one COPY, one transaction per table or part)
//! ```
//!
//! A table loaded by one writer into a table this run created empty
//! ([`WriteOptions::sole_writer`]) is locked, truncated and loaded with
//! `FREEZE`: its rows arrive already frozen and all-visible.

use super::assemble;
use super::conn::{self, Pool};
use super::copy_rows::{Aside, CopyRows};
use super::encode::{self, ColumnBuf, PgKind};
use super::error::{self as pgerr, DIALECT};
use super::read::count_rows;
use super::rows;
use crate::{
    pieces_of, BatchReceiver, ConnectorError, Endpoint, LoadMethod, Result, Target, WriteOptions,
    WriteStats,
};
use arrow_array::RecordBatch;
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use ferry_schema::{ident, Dialect, Table};
use futures_util::SinkExt;
use tokio_postgres::{CopyInSink, SimpleQueryMessage};

/// Bytes of rows holding long values a load sets aside before it pauses its
/// `COPY` to send them to their scratch table ([`assemble::LongRows`]). Their
/// long values are empty here, so this is the rest of those rows.
const ASIDE_BYTES: usize = 8 << 20;

/// A PostgreSQL database written as a ferry target (one schema of it).
pub struct PgTarget {
    pool: Pool,
}

impl PgTarget {
    /// Connects to `endpoint` with room for `jobs` concurrent table loads. A
    /// missing target schema is created (`CREATE SCHEMA IF NOT EXISTS`).
    pub async fn connect(endpoint: &Endpoint, jobs: usize) -> Result<PgTarget> {
        let client = conn::connect(endpoint).await?;
        conn::ensure_schema(&client, endpoint).await?;
        Ok(PgTarget {
            pool: Pool::new(endpoint, client, jobs.max(1)),
        })
    }

    fn qualified(&self, table: &str) -> String {
        ident::quote_qualified(Dialect::Postgres, self.pool.endpoint().namespace(), table)
    }

    /// Each copied column's binary format, from the target table's actual column types.
    async fn column_kinds(
        &self,
        client: &tokio_postgres::Client,
        table: &Table,
    ) -> Result<Vec<PgKind>> {
        let rows = client
            .query(
                include_str!("sql/target_columns.sql"),
                &[&self.qualified(&table.name)],
            )
            .await
            .map_err(|e| {
                pgerr::server(
                    format!("reading the columns of target table {}", table.name),
                    &e,
                )
            })?;
        let not_found = |what: &'static str, name: &str| ConnectorError::NotFound {
            what,
            name: name.to_string(),
            endpoint: format!("{}", self.pool.endpoint()),
            hint: "; create the tables (ferry's DDL stage) before loading them".to_string(),
        };
        if rows.is_empty() {
            return Err(not_found("table", &table.name));
        }
        table
            .copied_columns()
            .map(|c| {
                let row = rows
                    .iter()
                    .find(|r| r.get::<_, String>(0) == c.name)
                    .ok_or_else(|| not_found("column", &format!("{}.{}", table.name, c.name)))?;
                let (typname, typtype, typmod): (String, String, i32) =
                    (row.get(1), row.get(2), row.get(3));
                let arrow = c.logical_type.arrow_type();
                match PgKind::of(&typname, &typtype, typmod) {
                    Some(kind) if kind.accepts(&arrow) => Ok(kind),
                    _ => Err(encode::unsupported(
                        &table.name,
                        &c.name,
                        format!("{typname} (loading Arrow {arrow})"),
                    )),
                }
            })
            .collect()
    }
}

#[async_trait]
impl Target for PgTarget {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn existing_tables(&self) -> Result<Vec<String>> {
        let client = self.pool.get().await?;
        let schema = self.pool.endpoint().namespace();
        let rows = client
            .query(include_str!("sql/existing_tables.sql"), &[&schema])
            .await
            .map_err(|e| pgerr::server(format!("listing the tables of schema {schema:?}"), &e))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    async fn execute(&self, context: &str, statements: &[String]) -> Result<()> {
        let client = self.pool.get().await?;
        for statement in statements {
            client
                .batch_execute(statement)
                .await
                .map_err(|e| statement_error(context, &e, statement))?;
        }
        Ok(())
    }

    /// Index builds sort: more `maintenance_work_mem` keeps the sort in memory,
    /// and parallel workers split it. Both are `SET LOCAL`, so they end with the
    /// transaction and never leak to the pooled session. Risk: each build may use
    /// up to 256 MB of server memory per worker, `--jobs` builds at once.
    async fn build_indexes(&self, table: &str, statements: &[String]) -> Result<()> {
        if statements.is_empty() {
            return Ok(());
        }
        let context = format!("building the keys and indexes of {table}");
        let mut client = self.pool.get().await?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pgerr::server(&context, &e))?;
        tx.batch_execute(
            "SET LOCAL maintenance_work_mem = '256MB'; SET LOCAL max_parallel_maintenance_workers = 2",
        )
        .await
        .map_err(|e| pgerr::server(&context, &e))?;
        for statement in statements {
            tx.batch_execute(statement)
                .await
                .map_err(|e| statement_error(&context, &e, statement))?;
        }
        tx.commit().await.map_err(|e| pgerr::server(&context, &e))
    }

    async fn write_table_with(
        &self,
        table: &Table,
        mut batches: BatchReceiver,
        options: WriteOptions<'_>,
    ) -> Result<WriteStats> {
        let ctx = || format!("loading table {}", table.name);
        let mut client = self.pool.get().await?;
        let kinds = self.column_kinds(&client, table).await?;
        let names: Vec<String> = table.copied_columns().map(|c| c.name.clone()).collect();
        let quoted: Vec<String> = names
            .iter()
            .map(|n| ident::quote(Dialect::Postgres, n))
            .collect();
        let mut encoder = CopyRows::new(&table.name, names, kinds.clone())?;
        let tx = client
            .transaction()
            .await
            .map_err(|e| pgerr::server(ctx(), &e))?;
        // The load is one transaction and is verified afterwards: losing it in a crash
        // means re-running it, so waiting for the WAL flush buys nothing.
        tx.batch_execute("SET LOCAL synchronous_commit = off")
            .await
            .map_err(|e| pgerr::server(ctx(), &e))?;
        let qualified = self.qualified(&table.name);
        let frozen = options.sole_writer
            && claim_empty_table(&tx, &qualified)
                .await
                .map_err(|e| pgerr::server(ctx(), &e))?;
        let columns = quoted.join(", ");
        let sql = format!(
            "COPY {qualified} ({columns}) FROM STDIN (FORMAT binary{})",
            if frozen { ", FREEZE" } else { "" }
        );
        let copy_in = || async {
            tx.copy_in::<_, Bytes>(sql.as_str())
                .await
                .map(Box::pin)
                .map_err(|e| pgerr::server(ctx(), &e))
        };
        let mut sink = copy_in().await?;
        let mut long_rows = assemble::LongRows::new(&tx, &qualified, table, &columns, &kinds);
        let mut aside = Aside::default();
        let mut stats = WriteStats::default();
        let mut pieces = Vec::new();
        let mut first_pieces = None;
        while let Some(batch) = batches.recv().await {
            if let Some(column) = pieces_of(&batch) {
                first_pieces = Some((column, batch));
                break;
            }
            encoder.batch(batch, &mut pieces, Some(&mut aside))?;
            for piece in pieces.drain(..) {
                stats.bytes += u64::try_from(piece.len()).unwrap_or(u64::MAX);
                sink.send(piece)
                    .await
                    .map_err(|e| pgerr::server(ctx(), &e))?;
            }
            if aside.bytes() >= ASIDE_BYTES {
                // Rows set aside are held in memory until their own COPY:
                // pause the table's COPY to send them, then go on.
                stats.bytes += finish_copy(sink, &mut encoder, &ctx).await?;
                let (stream, rows) = aside.take();
                stats.bytes += long_rows.copy(stream, rows).await?;
                encoder.restart();
                sink = copy_in().await?;
            }
        }
        if first_pieces.is_none() && !batches.is_finished() {
            // The source failed mid-table: dropping the sink aborts the COPY and
            // dropping the transaction rolls it back, so nothing partial stays.
            return Err(ConnectorError::Cancelled {
                table: table.name.clone(),
            });
        }
        stats.bytes += finish_copy(sink, &mut encoder, &ctx).await?;
        stats.rows = encoder.rows();
        if aside.rows() > 0 {
            let (stream, rows) = aside.take();
            stats.bytes += long_rows.copy(stream, rows).await?;
        }
        if let Some(first) = first_pieces {
            let (bytes, values) = long_rows.set_values(first, &mut batches).await?;
            stats.bytes += bytes;
            stats.long_values = values;
            if !batches.is_finished() {
                return Err(ConnectorError::Cancelled {
                    table: table.name.clone(),
                });
            }
        }
        stats.rows += long_rows.insert().await?;
        for statement in options.record {
            tx.batch_execute(statement)
                .await
                .map_err(|e| pgerr::server(format!("{} (recording it)", ctx()), &e))?;
        }
        tx.commit().await.map_err(|e| pgerr::server(ctx(), &e))?;
        Ok(stats)
    }

    fn load_method(&self) -> LoadMethod {
        LoadMethod::PgBinaryCopy
    }

    fn assembles_pieces(&self) -> bool {
        true
    }

    async fn query_u64(&self, sql: &str) -> Result<u64> {
        let client = self.pool.get().await?;
        let ctx = || format!("running the check query {sql}");
        // The simple protocol returns every column as text, so any integer or
        // numeric result type reads the same way.
        let messages = client
            .simple_query(sql)
            .await
            .map_err(|e| pgerr::server(ctx(), &e))?;
        let value = messages.iter().find_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(row.try_get(0).ok().flatten()),
            _ => None,
        });
        let bad = |detail: String| ConnectorError::Server {
            dialect: DIALECT,
            context: ctx(),
            detail,
            code: None,
        };
        match value {
            None => Err(bad("the query returned no row".to_string())),
            // max() over no rows.
            Some(None) => Ok(0),
            Some(Some(text)) => {
                let int = text.split_once('.').map_or(text, |(i, f)| {
                    if f.bytes().all(|b| b == b'0') {
                        i
                    } else {
                        text
                    }
                });
                int.parse::<u64>()
                    .map_err(|_| bad(format!("the result {text:?} is not a non-negative integer")))
            }
        }
    }

    async fn count_rows(&self, table: &str) -> Result<u64> {
        let client = self.pool.get().await?;
        count_rows(&client, &self.qualified(table), table).await
    }

    async fn reset_identity(&self, table: &Table) -> Result<()> {
        let Some(column) = table.identity_column() else {
            return Ok(());
        };
        let client = self.pool.get().await?;
        let ctx = || {
            format!(
                "moving the identity sequence of {}.{} past the copied rows",
                table.name, column.name
            )
        };
        let qualified = self.qualified(&table.name);
        let sequence: Option<String> = client
            .query_one(
                include_str!("sql/reset_identity.sql"),
                &[&qualified, &column.name],
            )
            .await
            .map_err(|e| pgerr::server(ctx(), &e))?
            .get(0);
        let Some(sequence) = sequence else {
            return Ok(());
        };
        let sql = format!(
            "SELECT setval($1::text::regclass, COALESCE(max({}), 0) + 1, false) FROM {qualified}",
            ident::quote(Dialect::Postgres, &column.name)
        );
        client
            .query_one(sql.as_str(), &[&sequence])
            .await
            .map_err(|e| pgerr::server(ctx(), &e))?;
        Ok(())
    }
}

/// Ends one `COPY` of a load: sends the rows `encoder` still holds and the
/// trailer, and checks the server took every row sent since the last
/// [`CopyRows::restart`]. Returns the bytes sent.
async fn finish_copy(
    mut sink: std::pin::Pin<Box<CopyInSink<Bytes>>>,
    encoder: &mut CopyRows,
    ctx: &impl Fn() -> String,
) -> Result<u64> {
    let last = encoder.trailer();
    let bytes = u64::try_from(last.len()).unwrap_or(u64::MAX);
    sink.send(last)
        .await
        .map_err(|e| pgerr::server(ctx(), &e))?;
    let loaded = sink
        .as_mut()
        .finish()
        .await
        .map_err(|e| pgerr::server(ctx(), &e))?;
    let sent = encoder.stream_rows();
    if loaded != sent {
        // Rolled back when the transaction drops: a load that lost rows is not kept.
        return Err(pgerr::mismatch(
            ctx(),
            format!("COPY reported {loaded} rows where {sent} were sent"),
        ));
    }
    Ok(bytes)
}

/// Locks `table` for the load's transaction and, if it holds no row,
/// truncates it: a `COPY ... FREEZE` is only allowed into a table created or
/// truncated in its own transaction. Returns whether it did. A table holding
/// rows is left as it is, so this never removes data, and the lock stops any
/// other session writing between the check and the truncation. A table some
/// foreign key references is left too, since PostgreSQL refuses to truncate
/// it even when empty. Simple-protocol queries only, since a portal left
/// open would make PostgreSQL refuse FREEZE.
async fn claim_empty_table(
    tx: &tokio_postgres::Transaction<'_>,
    qualified: &str,
) -> std::result::Result<bool, tokio_postgres::Error> {
    let literal = ident::escaped_string_content(Dialect::Postgres, qualified);
    let messages = tx
        .simple_query(&format!(
            "LOCK TABLE {qualified} IN ACCESS EXCLUSIVE MODE;
             SELECT EXISTS (SELECT 1 FROM {qualified})
                 OR EXISTS (SELECT 1 FROM pg_constraint
                            WHERE contype = 'f' AND confrelid = '{literal}'::regclass)"
        ))
        .await?;
    let keep = messages.iter().any(|m| match m {
        SimpleQueryMessage::Row(row) => row.get(0) == Some("t"),
        _ => false,
    });
    if keep {
        return Ok(false);
    }
    tx.batch_execute(&format!("TRUNCATE ONLY {qualified}"))
        .await?;
    Ok(true)
}

/// A failed DDL statement, with the statement itself in the message.
fn statement_error(context: &str, e: &tokio_postgres::Error, statement: &str) -> ConnectorError {
    let mut err = pgerr::server(context, e);
    if let ConnectorError::Server { detail, .. } = &mut err {
        detail.push_str(" — in statement: ");
        detail.push_str(statement);
    }
    err
}

/// Encodes one batch of `table` as the rows of a binary COPY stream (no header
/// or trailer), in the pieces the writer would send, with the column kinds
/// ferry's own DDL would give the table. The writer's hot path without a
/// server: the entry point of the benchmarks.
pub fn encode_copy_batch(table: &Table, batch: &RecordBatch) -> Result<Vec<Bytes>> {
    let mut out = BytesMut::new();
    let mut pieces = Vec::new();
    let mut bufs = Vec::new();
    for (c, column) in table.copied_columns().enumerate() {
        let kind = PgKind::for_logical(&column.logical_type).ok_or_else(|| {
            encode::unsupported(&table.name, &column.name, column.logical_type.describe())
        })?;
        let mut buf = ColumnBuf::default();
        encode::column(batch.column(c), kind, &mut buf).map_err(|(row, why)| {
            pgerr::data(&table.name, &column.name, format!("row {}: {why}", row + 1))
        })?;
        bufs.push(buf);
    }
    let fields = i16::try_from(bufs.len())
        .map_err(|_| pgerr::data(&table.name, "(all)", "more than 32767 columns".to_string()))?;
    rows::interleave(&bufs, batch.num_rows(), fields, &mut out, &mut pieces, None);
    pieces.push(out.freeze());
    Ok(pieces)
}
