//! One table read over the direct protocol: connect, the pool's session setup,
//! a consistent-snapshot read-only transaction, the `SELECT`, rows gathered
//! into batches and decoded, then COMMIT. The session can also be opened and
//! put in its snapshot beforehand ([`open`], [`begin`]), so that several
//! readers start their snapshots at one moment (`mysql::snapshot`).
//!
//! Errors are mapped here, where the endpoint and table are known: while
//! connecting as the pool would map them (wrong password → `Auth`, unknown
//! database → `NotFound`); after that as `Server` errors naming the table.

use super::handshake::{connect, Session};
use super::resultset::{Head, RowBatch};
use super::WireError;
use crate::mysql::binary::{CellFormat, CellLayout};
use crate::mysql::conn::SESSION_SETUP;
use crate::mysql::decode::TableDecoder;
use crate::mysql::error::{connect_refusal, statement_error, DIALECT};
use crate::{BatchSender, ConnectorError, Endpoint, ReadOptions, Result};

/// How a direct read ended.
#[derive(Debug)]
pub(crate) enum Scan {
    /// Every row was sent (or the receiver went away); the row count sent.
    Done(u64),
    /// The server needs something this reader does not speak (why, in words);
    /// nothing was read, the caller reads through the driver instead.
    Unsupported(String),
}

/// A session opened for reading, or why this reader cannot talk to the server.
pub(crate) enum Opened {
    /// Connected and authenticated; the session setup not run yet.
    Session(Session),
    /// As [`Scan::Unsupported`].
    Unsupported(String),
}

/// How a reading session talks to the server. Reads use
/// [`Protocol::PREFERRED`]; tests also run the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Protocol {
    /// Ask for `CLIENT_DEPRECATE_EOF` when the server offers it.
    pub(crate) deprecate_eof: bool,
    /// Run reads as prepared statements, for binary rows.
    pub(crate) binary_rows: bool,
}

impl Protocol {
    pub(crate) const PREFERRED: Protocol = Protocol {
        deprecate_eof: true,
        binary_rows: true,
    };
}

/// Connects a reading session to `endpoint`, mapping refusals as the pool
/// would (wrong password → `Auth`, unknown database → `NotFound`).
pub(crate) async fn open(endpoint: &Endpoint, protocol: Protocol) -> Result<Opened> {
    match connect(endpoint, protocol.deprecate_eof).await {
        Ok(mut session) => {
            session.binary_rows = protocol.binary_rows;
            Ok(Opened::Session(session))
        }
        Err(WireError::Unsupported(why)) => Ok(Opened::Unsupported(why)),
        // A greeting or reply this reader cannot parse: the driver may know better.
        Err(WireError::Malformed(what)) => Ok(Opened::Unsupported(what.to_string())),
        Err(WireError::Server { code, message }) => Err(connect_refusal(endpoint, code, message)),
        Err(WireError::Io(e)) => Err(ConnectorError::Unreachable {
            dialect: DIALECT,
            endpoint: endpoint.location(),
            detail: e.to_string(),
        }),
    }
}

/// Streams the rows of `sql` (a `SELECT` of the decoder's columns) as batches
/// to `out`, on a session of its own in a snapshot of its own.
pub(crate) async fn read_table(
    endpoint: &Endpoint,
    decoder: &TableDecoder,
    sql: &str,
    pieces: &[PieceRead<'_>],
    options: &ReadOptions,
    out: &BatchSender,
    protocol: Protocol,
) -> Result<Scan> {
    let mut session = match open(endpoint, protocol).await? {
        Opened::Session(session) => session,
        Opened::Unsupported(why) => return Ok(Scan::Unsupported(why)),
    };
    let context = format!("reading table {}", decoder.table_name());
    begin(&mut session).await.map_err(|e| failed(&context, e))?;
    let streamed = read_on(&mut session, decoder, sql, pieces, options, out).await?;
    if streamed.complete {
        // Ends the snapshot; the session is dropped (closed) right after.
        session
            .execute("COMMIT")
            .await
            .map_err(|e| failed(&context, e))?;
    }
    Ok(Scan::Done(streamed.rows))
}

/// The transaction every read runs in.
pub(crate) const START_SNAPSHOT: &str = "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY";

/// Runs the session setup and starts a consistent-snapshot, read-only
/// transaction: the state every read starts from.
async fn begin(session: &mut Session) -> Result<(), WireError> {
    session.execute(SESSION_SETUP).await?;
    session.execute(START_SNAPSHOT).await
}

/// How a read on a session ended.
pub(crate) struct Streamed {
    /// Rows sent.
    pub(crate) rows: u64,
    /// The whole result was read: the session is ready for another statement
    /// in the same transaction. `false` when the receiver went away first and
    /// rows are left unread (the session can only be closed).
    pub(crate) complete: bool,
    /// Rows with a value shortened (their pieces follow), and the longest
    /// such value in bytes ([`crate::pieces`]).
    shortened: (u64, u64),
}

/// A read of a pieced column's pieces: how its rows decode, and its SQL
/// given the length of the longest value the row query shortened.
pub(crate) struct PieceRead<'a> {
    pub(crate) decoder: TableDecoder,
    pub(crate) sql: Box<dyn Fn(u64) -> String + Send + Sync + 'a>,
}

/// Streams the rows of `sql` on `session`, already set up and in its snapshot
/// ([`begin`]), then, if it shortened any value, the `pieces` of each pieced
/// column, leaving the transaction open. Counts the table's rows only.
pub(crate) async fn read_on(
    session: &mut Session,
    decoder: &TableDecoder,
    sql: &str,
    pieces: &[PieceRead<'_>],
    options: &ReadOptions,
    out: &BatchSender,
) -> Result<Streamed> {
    let context = format!("reading table {}", decoder.table_name());
    let fail = |e| match e {
        Stop::Wire(e) => failed(&context, e),
        Stop::Decode(e) => e,
    };
    let rows = stream(session, decoder, sql, options, out)
        .await
        .map_err(fail)?;
    let (shortened, longest) = rows.shortened;
    if !rows.complete || shortened == 0 {
        return Ok(rows);
    }
    for piece in pieces {
        let sql = (piece.sql)(longest);
        let read = stream(session, &piece.decoder, &sql, options, out)
            .await
            .map_err(fail)?;
        if !read.complete {
            return Ok(Streamed {
                complete: false,
                ..rows
            });
        }
    }
    Ok(rows)
}

/// A failed statement of a read as a `Server` error in `context`.
pub(crate) fn failed(context: &str, e: WireError) -> ConnectorError {
    match e {
        WireError::Server { code, message } => statement_error(context, message, Some(code)),
        other => statement_error(context, other.to_string(), None),
    }
}

/// Why the stream stopped early.
enum Stop {
    Wire(WireError),
    Decode(ConnectorError),
}

impl From<WireError> for Stop {
    fn from(e: WireError) -> Self {
        Stop::Wire(e)
    }
}

/// "Can't create more than max_prepared_stmt_count statements".
const ER_MAX_PREPARED_STMT_COUNT_REACHED: u16 = 1461;

/// A resultset of binary rows: the statement to close after it, how its
/// rows are laid out and how their cells are read.
pub(super) struct BinaryRows {
    statement: u32,
    layouts: Vec<CellLayout>,
    pub(super) formats: Vec<CellFormat>,
}

/// Runs `sql` up to its first row: as a prepared statement when the session
/// reads binary rows and every column has a binary reading, else as a query.
pub(super) async fn start(
    session: &mut Session,
    decoder: &TableDecoder,
    sql: &str,
) -> Result<Option<BinaryRows>, WireError> {
    let prepared = if session.binary_rows {
        match session.prepare(sql).await {
            Ok(prepared) => Some(prepared),
            // The server's limit on prepared statements is reached (other
            // clients hold them): a query needs none.
            Err(WireError::Server {
                code: ER_MAX_PREPARED_STMT_COUNT_REACHED,
                ..
            }) => None,
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    if let Some(prepared) = prepared {
        let planned = (prepared.params == 0)
            .then(|| decoder.binary_formats(&prepared.columns))
            .flatten();
        if planned.is_some() {
            let columns = resultset_columns(session.execute_prepared(prepared.id).await?, decoder)?;
            // The rows follow the definitions sent with them.
            let types = session.read_definitions(columns).await?;
            let formats = decoder.binary_formats(&types).ok_or(WireError::Malformed(
                "the executed statement's column types differ from the prepared one's",
            ))?;
            return Ok(Some(BinaryRows {
                statement: prepared.id,
                layouts: types.iter().map(|t| t.layout()).collect(),
                formats,
            }));
        }
        session.close_prepared(prepared.id).await?;
    }
    session.send_query(sql).await?;
    let columns = resultset_columns(session.read_head().await?, decoder)?;
    session.skip_columns(columns).await?;
    Ok(None)
}

/// The column count a `SELECT`'s first reply announces, checked against the decoder's.
fn resultset_columns(head: Head, decoder: &TableDecoder) -> Result<u64, WireError> {
    let columns = match head {
        Head::Columns(n) => n,
        Head::Ok(_) => return Err(WireError::Malformed("a SELECT without a resultset")),
    };
    if usize::try_from(columns).ok() != Some(decoder.column_count()) {
        return Err(WireError::Malformed(
            "a resultset with other columns than selected",
        ));
    }
    Ok(columns)
}

async fn stream(
    session: &mut Session,
    decoder: &TableDecoder,
    sql: &str,
    options: &ReadOptions,
    out: &BatchSender,
) -> Result<Streamed, Stop> {
    let binary = start(session, decoder, sql).await?;
    let layouts = binary.as_ref().map(|b| b.layouts.as_slice());
    let formats = binary.as_ref().map_or(&[][..], |b| b.formats.as_slice());

    let batch_rows = options.batch_rows.max(1);
    let mut batch = RowBatch::new(decoder.column_count());
    let mut streamed = Streamed {
        rows: 0,
        complete: false,
        shortened: (0, 0),
    };
    let status = loop {
        if let Some(status) = session.read_row(&mut batch, layouts).await? {
            break status;
        }
        let full = batch.rows() >= batch_rows || batch.cell_bytes() >= options.batch_bytes;
        if full && !send(decoder, formats, &mut batch, &mut streamed, out, options).await? {
            // The receiver is gone (another stage stopped): stop quietly.
            // Dropping the session closes the socket; the server aborts the
            // SELECT, rolls the snapshot back and releases its metadata locks.
            // No pooled connection is left holding them, unlike the driver
            // path, which must drain and COMMIT.
            return Ok(streamed);
        }
    };
    session.finish_results(status).await?;
    if let Some(binary) = &binary {
        session.close_prepared(binary.statement).await?;
    }
    if batch.rows() > 0 {
        send(decoder, formats, &mut batch, &mut streamed, out, options).await?;
    }
    streamed.complete = true;
    Ok(streamed)
}

/// Decodes the gathered rows into one batch and sends it; `false` when the receiver is gone.
async fn send(
    decoder: &TableDecoder,
    formats: &[CellFormat],
    batch: &mut RowBatch,
    streamed: &mut Streamed,
    out: &BatchSender,
    options: &ReadOptions,
) -> Result<bool, Stop> {
    let views = batch.views();
    let (rows, longest) = decoder.shortened(&views, formats);
    let (before, most) = streamed.shortened;
    streamed.shortened = (before + rows, most.max(longest));
    let decoded = decoder
        .decode(&views, streamed.rows, formats)
        .map_err(Stop::Decode)?;
    drop(views);
    streamed.rows += u64::try_from(batch.rows()).unwrap_or(u64::MAX);
    batch.clear(options.batch_bytes);
    Ok(out.send(decoded).await.is_ok())
}
