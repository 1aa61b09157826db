//! The source side: [`PgSource`] streams a table with
//! `COPY (SELECT ...) TO STDOUT (FORMAT binary)` and turns the byte stream into
//! Arrow batches.
//!
//! ```text
//! wire::CopyOut (direct session) ─┐
//! CopyOutStream (tokio-postgres) ─┴▶ CopyParser (one reused buffer + field table per batch)
//!                          └─ every batch_rows rows / batch_bytes ─▶ decode.rs, column by column ─▶ RecordBatch ─▶ channel
//! ```
//!
//! Tables are read over direct sessions ([`super::wire`]) unless the server
//! needs something they do not speak or [`DRIVER_READER_ENV`] is `1`; then
//! through the tokio-postgres pool, which also serves every other query.

use super::catalog;
use super::conn::{self, Pool};
use super::decode::{self, Cells, Decoder, Field};
use super::error::{self as pgerr, DIALECT};
use super::snapshot::{self, BEGIN_READ};
use super::wire::{self, WireError};
use super::{pieces, sample};
use crate::digests::{long_values, LongValues};
use crate::{
    BatchSender, ConnectorError, Endpoint, KeyTuple, ReadOptions, Result, RowAddressing,
    SharedSnapshot, Source,
};
use arrow_array::{BooleanArray, RecordBatch, RecordBatchOptions};
use arrow_buffer::BooleanBuffer;
use async_trait::async_trait;
use ferry_schema::{ident, Dialect, LogicalType, Schema, Table};
use futures_util::StreamExt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use tokio_postgres::{CopyOutStream, IsolationLevel, NoTls};

/// Sessions a source opens at most (tables read concurrently).
const SOURCE_SESSIONS: usize = 16;
/// `PGCOPY\n\xff\r\n\0`: the binary COPY signature.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// Environment variable that makes every table read go through
/// tokio-postgres (`1`): for comparing the two readers, e.g. in benchmarks.
pub const DRIVER_READER_ENV: &str = "FERRY_PG_DRIVER_READER";

/// A PostgreSQL database read as a ferry source (one schema of it).
pub struct PgSource {
    pool: Pool,
    /// Read every table through tokio-postgres.
    driver_reader: bool,
    /// Why a direct session could not be opened, once one could not: later
    /// tables go straight to tokio-postgres.
    wire_refusal: OnceLock<String>,
    /// Direct sessions whose last read ended cleanly, for the next table.
    idle: Mutex<Vec<wire::Session>>,
}

impl PgSource {
    /// Connects to `endpoint` and checks that its schema (`?schema=`, default
    /// `public`) exists.
    pub async fn connect(endpoint: &Endpoint) -> Result<PgSource> {
        let client = conn::connect(endpoint).await?;
        conn::check_schema(&client, endpoint).await?;
        Ok(PgSource {
            pool: Pool::new(endpoint, client, SOURCE_SESSIONS),
            driver_reader: std::env::var_os(DRIVER_READER_ENV).is_some_and(|v| v == "1"),
            wire_refusal: OnceLock::new(),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Chooses the reader: `true` reads tables through tokio-postgres rather
    /// than direct sessions (the default unless [`DRIVER_READER_ENV`] is `1`).
    pub fn with_driver_reader(mut self, driver: bool) -> Self {
        self.driver_reader = driver;
        self
    }

    /// Why direct sessions are not used for this server (the reason given
    /// when one could not be opened); `None` while they are.
    pub fn wire_refusal(&self) -> Option<&str> {
        self.wire_refusal.get().map(String::as_str)
    }

    /// A direct session inside a new read-only transaction: an idle one
    /// when there is one still open, else a new one. `None` when the server
    /// needs something direct sessions do not speak (remembered, so later
    /// tables do not try again).
    async fn begin_direct(&self, context: &str) -> Result<Option<wire::Session>> {
        if self.driver_reader || self.wire_refusal.get().is_some() {
            return Ok(None);
        }
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        if let Some(mut session) = reused {
            // The server may have closed it meanwhile (idle timeout, restart).
            if session.execute(BEGIN_READ).await.is_ok() {
                return Ok(Some(session));
            }
        }
        let endpoint = self.pool.endpoint();
        let mut session = match wire::connect(endpoint).await {
            Ok(session) => session,
            Err(WireError::Unsupported(why)) => {
                let _ = self.wire_refusal.set(why);
                return Ok(None);
            }
            Err(WireError::Malformed(what)) => {
                // A reply this client cannot parse: the driver may know better.
                let _ = self.wire_refusal.set(what.to_string());
                return Ok(None);
            }
            Err(e) => return Err(pgerr::wire_connect(endpoint, e)),
        };
        session
            .execute(BEGIN_READ)
            .await
            .map_err(|e| pgerr::wire(context, e))?;
        Ok(Some(session))
    }

    /// Keeps a session whose read ended cleanly for the next table, up to
    /// as many as the pool holds.
    fn keep_idle(&self, session: wire::Session) {
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < SOURCE_SESSIONS {
                idle.push(session);
            }
        }
    }

    fn qualified(&self, table: &str) -> String {
        ident::quote_qualified(Dialect::Postgres, self.pool.endpoint().namespace(), table)
    }
}

#[async_trait]
impl Source for PgSource {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn introspect(&self) -> Result<Schema> {
        let client = self.pool.get().await?;
        catalog::introspect(&client, self.pool.endpoint().namespace()).await
    }

    async fn read_table(
        &self,
        table: &Table,
        options: ReadOptions,
        out: BatchSender,
    ) -> Result<u64> {
        let decoders = table
            .copied_columns()
            .map(|c| Decoder::for_column(&table.name, c))
            .collect::<Result<Vec<_>>>()?;
        let pieced = crate::pieces::pieced(table, options.pieces.as_ref());
        let mut columns: Vec<String> = table
            .copied_columns()
            .map(|c| match long_values(table, c, &options) {
                LongValues::Shortened { over } => pieces::shortened(c, over),
                LongValues::Digested { over } => pieces::digested(c, over),
                LongValues::Whole => ident::quote(Dialect::Postgres, &c.name),
            })
            .collect();
        if let (Some(p), false) = (&options.pieces, pieced.is_empty()) {
            columns.push(pieces::long_flag(&pieced, p.over));
        }
        let order = match options.order_by_key.then(|| order_by(table)).flatten() {
            Some(key) => format!(" ORDER BY {key}"),
            None => String::new(),
        };
        let range = options
            .key_range
            .as_ref()
            .and_then(|r| r.condition(Dialect::Postgres));
        let filter = match &range {
            Some(condition) => format!(" WHERE {condition}"),
            None => String::new(),
        };
        let sql = format!(
            "COPY (SELECT {} FROM {}{filter}{order}) TO STDOUT (FORMAT binary)",
            columns.join(", "),
            self.qualified(&table.name)
        );
        let ctx = || format!("reading table {}", table.name);
        let rows = Batches {
            table,
            decoders: &decoders,
            schema: if pieced.is_empty() {
                table.arrow_schema()
            } else {
                crate::pieces::flagged_schema(&table.arrow_schema())
            },
            flagged: !pieced.is_empty(),
        };
        let mut queries = vec![(sql, rows)];
        let piece_table = crate::pieces::piece_table(table);
        let piece_decoders = match &piece_table {
            Some(t) if !pieced.is_empty() => t
                .copied_columns()
                .map(|c| Decoder::for_column(&table.name, c))
                .collect::<Result<Vec<_>>>()?,
            _ => Vec::new(),
        };
        if let (Some(p), Some(t), Some(key)) = (&options.pieces, &piece_table, table.verify_key()) {
            for column in &pieced {
                let sql = pieces::pieces_copy(
                    &self.qualified(&table.name),
                    key,
                    column,
                    p,
                    range.as_deref(),
                );
                let batches = Batches {
                    table: t,
                    decoders: &piece_decoders,
                    schema: crate::pieces::piece_schema(t, &column.name),
                    flagged: false,
                };
                queries.push((sql, batches));
            }
        }
        if let Some(mut session) = self.begin_direct(&ctx()).await? {
            let read = read_direct(&mut session, &queries, &options, &out).await?;
            // A read stopped early left rows unsent: that session is dropped
            // (closing it ends the COPY), never reused.
            if read.complete {
                self.keep_idle(session);
            }
            return Ok(read.rows);
        }
        let mut client = self.pool.get().await?;
        let cancel = client.cancel_token();
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .map_err(|e| pgerr::server(ctx(), &e))?;
        if let Some(id) = &options.snapshot {
            // Must be the transaction's first statement; the exporting
            // session (held by the engine's guard) keeps the snapshot alive.
            tx.batch_execute(&snapshot::import_sql(id))
                .await
                .map_err(|e| pgerr::server(ctx(), &e))?;
        }
        let mut rows_read = 0;
        for (i, (sql, batches)) in queries.iter().enumerate() {
            let stream = tx
                .copy_out(sql.as_str())
                .await
                .map_err(|e| pgerr::server(ctx(), &e))?;
            futures_util::pin_mut!(stream);
            let pumped = pump(&mut Feed::Driver(stream.as_mut()), batches, &options, &out).await;
            if !matches!(pumped, Ok(Pumped { complete: true, .. })) {
                // The consumer went away or a value could not be decoded: stop the COPY
                // server-side instead of streaming the rest of the table, and drain what
                // is in flight so the session goes back to the pool idle.
                let _ = cancel.cancel_query(NoTls).await;
                while let Some(Ok(_)) = stream.next().await {}
                return pumped.map(|p| rows_read + if i == 0 { p.rows } else { 0 });
            }
            let pumped = pumped?;
            if i == 0 {
                rows_read = pumped.rows;
                if pumped.long_rows == 0 {
                    // No value was shortened: there are no pieces to read.
                    break;
                }
            }
        }
        tx.commit().await.map_err(|e| pgerr::server(ctx(), &e))?;
        Ok(rows_read)
    }

    async fn count_rows(&self, table: &str) -> Result<u64> {
        let client = self.pool.get().await?;
        count_rows(&client, &self.qualified(table), table).await
    }

    async fn estimate_rows(&self, table: &str) -> Result<u64> {
        let client = self.pool.get().await?;
        let qualified = self.qualified(table);
        // reltuples is -1 (PostgreSQL 14+) or 0 before the first VACUUM/ANALYZE:
        // then only the exact count says anything.
        let row = client
            .query_one(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = $1::text::regclass",
                &[&qualified],
            )
            .await
            .map_err(|e| pgerr::server(format!("estimating the rows of {table}"), &e))?;
        let estimate: i64 = row.get(0);
        match u64::try_from(estimate) {
            Ok(rows) if rows > 0 => Ok(rows),
            _ => count_rows(&client, &qualified, table).await,
        }
    }

    async fn key_bounds(&self, table: &Table, column: &str) -> Result<Option<(i64, i64)>> {
        let column = ident::quote(Dialect::Postgres, column);
        // Cast so every integer width (and an unsigned one stored wider) reads as int8.
        let sql = format!(
            "SELECT CAST(min({column}) AS int8), CAST(max({column}) AS int8) FROM {}",
            self.qualified(&table.name)
        );
        let context = format!("measuring the key range of {}", table.name);
        let client = self.pool.get().await?;
        let row = client
            .query_one(sql.as_str(), &[])
            .await
            .map_err(|e| pgerr::server(context, &e))?;
        let min: Option<i64> = row.get(0);
        let max: Option<i64> = row.get(1);
        Ok(min.zip(max))
    }

    async fn key_cut_points(
        &self,
        table: &Table,
        columns: &[String],
        rows: u64,
        parts: usize,
    ) -> Result<Vec<KeyTuple>> {
        let client = self.pool.get().await?;
        let qualified = self.qualified(&table.name);
        sample::key_cut_points(&client, &qualified, table, columns, rows, parts).await
    }

    async fn row_addressing(&self, table: &Table) -> Result<RowAddressing> {
        let client = self.pool.get().await?;
        sample::row_addressing(&client, &self.qualified(&table.name)).await
    }

    async fn begin_snapshot(&self, _table: &Table, _readers: usize) -> Result<SharedSnapshot> {
        snapshot::export(self.pool.endpoint())
            .await
            .map(SharedSnapshot::Shared)
    }
}

/// The ORDER BY list for [`ReadOptions::order_by_key`]: ascending over
/// [`Table::verify_key`], NULLs first (PostgreSQL puts them last by default);
/// `None` without a key. Strings compare in the "C" collation, i.e. by their
/// UTF-8 bytes whatever the column's collation (COLLATE applies to collatable
/// types only). Enums sort by declaration order and jsonb by its own rules, so
/// both go through their text. Numbers and temporal types order by value,
/// bytea and uuid by bytes.
fn order_by(table: &Table) -> Option<String> {
    let key = table.verify_key()?;
    let terms: Vec<String> = key
        .iter()
        .map(|name| {
            let quoted = ident::quote(Dialect::Postgres, name);
            let term = match table.column(name).map(|c| &c.logical_type) {
                Some(
                    LogicalType::Char { .. }
                    | LogicalType::Varchar { .. }
                    | LogicalType::Text { .. },
                ) => {
                    format!("{quoted} COLLATE \"C\"")
                }
                Some(
                    LogicalType::Enum { .. } | LogicalType::Set { .. } | LogicalType::Json { .. },
                ) => {
                    format!("CAST({quoted} AS text) COLLATE \"C\"")
                }
                _ => quoted,
            };
            // NULLS FIRST only where a NULL can occur: on a NOT NULL column it
            // changes nothing but stops PostgreSQL from walking the key's
            // (NULLS LAST) btree, so a 6M-row table was sorted instead.
            match table.column(name) {
                Some(c) if !c.nullable => term,
                _ => format!("{term} NULLS FIRST"),
            }
        })
        .collect();
    Some(terms.join(", "))
}

/// `SELECT count(*)` of a quoted, qualified table.
pub(crate) async fn count_rows(
    client: &tokio_postgres::Client,
    qualified: &str,
    table: &str,
) -> Result<u64> {
    let row = client
        .query_one(&format!("SELECT count(*) FROM {qualified}"), &[])
        .await
        .map_err(|e| pgerr::server(format!("counting the rows of {table}"), &e))?;
    let n: i64 = row.get(0);
    u64::try_from(n).map_err(|_| ConnectorError::Server {
        dialect: DIALECT,
        context: format!("counting the rows of {table}"),
        detail: format!("count(*) returned {n}"),
        code: None,
    })
}

/// Decodes the rows the parser holds into one batch, column by column.
/// Decodes the parsed rows into a batch of `schema`: one array per decoder,
/// then `flags` (the long-row flag column, [`crate::pieces::flagged_schema`])
/// when given.
fn build_batch(
    parser: &CopyParser,
    decoders: &[Decoder],
    flags: Option<BooleanArray>,
    table: &Table,
    schema: &arrow_schema::SchemaRef,
    first_row: u64,
) -> Result<RecordBatch> {
    let mut arrays = decoders
        .iter()
        .enumerate()
        .map(|(c, d)| decode::column(d, &parser.buf, parser.column(c), &table.name, first_row))
        .collect::<Result<Vec<_>>>()?;
    if let Some(flags) = flags {
        arrays.push(Arc::new(flags));
    }
    RecordBatch::try_new_with_options(
        schema.clone(),
        arrays,
        &RecordBatchOptions::new().with_row_count(Some(parser.rows)),
    )
    .map_err(|e| pgerr::data(&table.name, "(batch)", e.to_string()))
}

/// Decodes a whole binary COPY stream of `table` (signature, header, rows,
/// trailer) into one batch: the reader's hot path without a server, for the
/// benchmarks (`benches/benches/pg_codec.rs`).
pub fn decode_copy_stream(table: &Table, stream: &[u8]) -> Result<RecordBatch> {
    let decoders = table
        .copied_columns()
        .map(|c| Decoder::for_column(&table.name, c))
        .collect::<Result<Vec<_>>>()?;
    let mut parser = CopyParser::new(decoders.len());
    parser.buf.extend_from_slice(stream);
    loop {
        match parser
            .step()
            .map_err(|d| pgerr::data(&table.name, "(row)", d))?
        {
            Step::Row => {}
            Step::End => break,
            Step::More => {
                return Err(pgerr::data(
                    &table.name,
                    "(row)",
                    "the COPY stream ended without its trailer",
                ))
            }
        }
    }
    build_batch(&parser, &decoders, None, table, &table.arrow_schema(), 0)
}

/// How far [`pump`] got.
#[derive(Debug, Clone, Copy)]
struct Pumped {
    /// Rows sent to the channel.
    rows: u64,
    /// The trailer was reached (false: the receiver was dropped first).
    complete: bool,
    /// Rows whose long-value flag (the last field) was true.
    long_rows: u64,
}

/// What one COPY stream holds and how its rows become batches.
struct Batches<'a> {
    /// The table (or piece relation) read, for decoding and error messages.
    table: &'a Table,
    /// One per field, except the flag.
    decoders: &'a [Decoder],
    /// The batches' schema.
    schema: arrow_schema::SchemaRef,
    /// Each row ends with one more field, a boolean: "a value was shortened".
    flagged: bool,
}

/// Runs a table's queries (its rows, then the pieces of its long values)
/// on a direct session that [`PgSource::begin_direct`] put in a
/// transaction, and commits. `complete` is false when the consumer went
/// away: the session is then in the middle of a `COPY`.
async fn read_direct(
    session: &mut wire::Session,
    queries: &[(String, Batches<'_>)],
    options: &ReadOptions,
    out: &BatchSender,
) -> Result<Pumped> {
    let table = queries.first().map_or("", |(_, b)| b.table.name.as_str());
    let ctx = || format!("reading table {table}");
    if let Some(id) = &options.snapshot {
        // Must be the transaction's first statement; the exporting
        // session (held by the engine's guard) keeps the snapshot alive.
        session
            .execute(&snapshot::import_sql(id))
            .await
            .map_err(|e| pgerr::wire(ctx(), e))?;
    }
    let mut read = Pumped {
        rows: 0,
        complete: true,
        long_rows: 0,
    };
    for (i, (sql, batches)) in queries.iter().enumerate() {
        let copy = session
            .copy_out(sql)
            .await
            .map_err(|e| pgerr::wire(ctx(), e))?;
        let pumped = pump(&mut Feed::Direct(copy), batches, options, out).await?;
        if i == 0 {
            read = pumped;
        }
        if !pumped.complete {
            read.complete = false;
            return Ok(read);
        }
        if read.long_rows == 0 {
            // No value was shortened: there are no pieces to read.
            break;
        }
    }
    session
        .execute("COMMIT")
        .await
        .map_err(|e| pgerr::wire(ctx(), e))?;
    Ok(read)
}

/// Where a `COPY`'s bytes come from.
enum Feed<'a> {
    /// tokio-postgres, one `CopyData` message per item.
    Driver(Pin<&'a mut CopyOutStream>),
    /// A direct session, every whole message of a read at once.
    Direct(wire::CopyOut<'a>),
}

impl Feed<'_> {
    /// Appends the stream's next bytes to `buf`; `false` once it is over.
    async fn next_into(&mut self, buf: &mut Vec<u8>, table: &str) -> Result<bool> {
        let ctx = || format!("reading table {table}");
        match self {
            Feed::Driver(stream) => match stream.next().await {
                Some(Ok(chunk)) => {
                    buf.extend_from_slice(&chunk);
                    Ok(true)
                }
                Some(Err(e)) => Err(pgerr::server(ctx(), &e)),
                None => Ok(false),
            },
            Feed::Direct(copy) => copy.feed(buf).await.map_err(|e| pgerr::wire(ctx(), e)),
        }
    }
}

/// Feeds the COPY stream through the parser and sends a batch every
/// `batch_rows` rows or `batch_bytes` bytes.
async fn pump(
    feed: &mut Feed<'_>,
    batches: &Batches<'_>,
    options: &ReadOptions,
    out: &BatchSender,
) -> Result<Pumped> {
    let table = batches.table;
    let fields = batches.decoders.len() + usize::from(batches.flagged);
    let mut parser = CopyParser::new(fields);
    let mut total = 0u64;
    let mut long_rows = 0u64;
    let batch_rows = options.batch_rows.max(1);
    let mut ended = false;
    while feed.next_into(&mut parser.buf, &table.name).await? {
        if ended {
            // Nothing follows the trailer; whatever did is not parsed.
            parser.buf.truncate(parser.pos);
            continue;
        }
        loop {
            let step = parser
                .step()
                .map_err(|d| pgerr::data(&table.name, "(row)", d))?;
            ended |= step == Step::End;
            let full = parser.rows >= batch_rows || parser.pos >= options.batch_bytes;
            if parser.rows > 0 && (full || ended) {
                let rows = parser.rows;
                let flags = batches.flagged.then(|| parser.flags(fields - 1));
                if let Some(flags) = &flags {
                    long_rows += u64::try_from(flags.true_count()).unwrap_or(u64::MAX);
                }
                let batch = build_batch(
                    &parser,
                    batches.decoders,
                    flags,
                    table,
                    &batches.schema,
                    total,
                )?;
                parser.compact();
                total += u64::try_from(rows).unwrap_or(u64::MAX);
                if out.send(batch).await.is_err() {
                    return Ok(Pumped {
                        rows: total,
                        complete: false,
                        long_rows,
                    });
                }
            }
            if step != Step::Row {
                break;
            }
        }
    }
    if !ended {
        return Err(pgerr::data(
            &table.name,
            "(row)",
            "the COPY stream ended without its trailer",
        ));
    }
    Ok(Pumped {
        rows: total,
        complete: true,
        long_rows,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// A whole tuple was parsed.
    Row,
    /// The buffer ends inside a tuple (or the header): feed more bytes.
    More,
    /// The trailer (-1 field count) was reached.
    End,
}

/// Capacity of the parser's buffer kept from batch to batch.
const KEEP_CAPACITY: usize = 16 << 20;

/// Incremental parser of the binary COPY stream. Bytes of the current batch stay
/// in one buffer; `fields[c]` records where each row's field of column `c`
/// lies, so decoding reads a column's values in place, its table in order.
struct CopyParser {
    buf: Vec<u8>,
    pos: usize,
    header_done: bool,
    ncols: usize,
    fields: Vec<Vec<Field>>,
    rows: usize,
    /// Buffer length below which the pending tuple cannot be complete: avoids
    /// re-parsing a large row on every chunk that carries part of it.
    need: usize,
}

impl CopyParser {
    fn new(ncols: usize) -> CopyParser {
        CopyParser {
            buf: Vec::new(),
            pos: 0,
            header_done: false,
            ncols,
            fields: vec![Vec::new(); ncols],
            rows: 0,
            need: 0,
        }
    }

    fn i32_at(&self, at: usize) -> Option<i32> {
        let b = self.buf.get(at..at + 4)?;
        Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn step(&mut self) -> Result<Step, String> {
        if self.buf.len() < self.need {
            return Ok(Step::More);
        }
        if !self.header_done {
            let Some(ext) = self.i32_at(15) else {
                return Ok(Step::More);
            };
            if self.buf[..11] != SIGNATURE[..] {
                return Err("the COPY stream does not start with the binary signature".into());
            }
            let flags = self.i32_at(11).unwrap_or(0);
            if flags & (1 << 16) != 0 {
                return Err("the COPY stream carries OIDs, which ferry does not request".into());
            }
            let end =
                19 + usize::try_from(ext).map_err(|_| "negative COPY header extension length")?;
            if self.buf.len() < end {
                self.need = end;
                return Ok(Step::More);
            }
            self.pos = end;
            self.header_done = true;
        }
        let Some(b) = self.buf.get(self.pos..self.pos + 2) else {
            return Ok(Step::More);
        };
        let count = i16::from_be_bytes([b[0], b[1]]);
        if count == -1 {
            return Ok(Step::End);
        }
        if usize::try_from(count).ok() != Some(self.ncols) {
            return Err(format!(
                "a row has {count} fields where {} columns were selected",
                self.ncols
            ));
        }
        let mut p = self.pos + 2;
        for c in 0..self.ncols {
            let Some(len) = self.i32_at(p) else {
                self.need = p + 4;
                self.drop_partial_row();
                return Ok(Step::More);
            };
            p += 4;
            // A COPY row is at most 1 GiB and a batch is cut once it passes
            // `batch_bytes`, so offsets fit; a buffer past 4 GiB is refused.
            let at = u32::try_from(p).map_err(|_| "a batch buffer grew past 4 GiB")?;
            if len == -1 {
                self.push_field(c, Field { at, len });
                continue;
            }
            let n = usize::try_from(len).map_err(|_| format!("invalid field length {len}"))?;
            if self.buf.len() < p + n {
                self.need = p + n;
                self.drop_partial_row();
                return Ok(Step::More);
            }
            self.push_field(c, Field { at, len });
            p += n;
        }
        self.pos = p;
        self.rows += 1;
        Ok(Step::Row)
    }

    fn push_field(&mut self, column: usize, field: Field) {
        if let Some(fields) = self.fields.get_mut(column) {
            fields.push(field);
        }
    }

    /// Forgets the fields of a row only partly in the buffer (it is parsed
    /// again once more bytes arrive).
    fn drop_partial_row(&mut self) {
        for fields in &mut self.fields {
            fields.truncate(self.rows);
        }
    }

    /// Boolean column `c` of the parsed rows, NULL read as false.
    fn flags(&self, c: usize) -> BooleanArray {
        let cells = self.fields.get(c).map_or(&[][..], Vec::as_slice);
        let bits: BooleanBuffer = cells
            .iter()
            .map(|f| {
                f.len == 1
                    && usize::try_from(f.at)
                        .ok()
                        .and_then(|at| self.buf.get(at))
                        .is_some_and(|b| *b != 0)
            })
            .collect();
        BooleanArray::new(bits, None)
    }

    /// Cells of column `c` of the parsed rows.
    fn column(&self, c: usize) -> Cells<'_> {
        Cells(self.fields.get(c).map_or(&[], Vec::as_slice))
    }

    /// Drops the bytes of the batch just emitted, keeping a partial tuple. A
    /// buffer one large value grew past [`KEEP_CAPACITY`] is given back, so
    /// a LOB does not pin its size for the rest of the table.
    fn compact(&mut self) {
        self.buf.drain(..self.pos);
        if self.buf.capacity() > KEEP_CAPACITY && self.buf.len() <= KEEP_CAPACITY / 2 {
            self.buf.shrink_to(KEEP_CAPACITY / 2);
        }
        self.pos = 0;
        self.need = 0;
        for fields in &mut self.fields {
            fields.clear();
        }
        self.rows = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::order_by;
    use ferry_schema::{Column, LogicalType, PrimaryKey, Table};

    #[test]
    fn key_order_follows_the_btree_on_not_null_columns() {
        let id = Column::new(
            "id",
            LogicalType::Int {
                bits: 64,
                unsigned: false,
            },
        )
        .not_null();
        let name = Column::new("name", LogicalType::Text { max_bytes: None }).not_null();
        let mut table = Table::new("t", vec![id, name]);
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into(), "name".into()],
        });
        assert_eq!(
            order_by(&table).as_deref(),
            Some("\"id\", \"name\" COLLATE \"C\"")
        );
    }
}
