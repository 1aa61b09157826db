//! Statements on an authenticated session, over the simple query protocol:
//! [`Session::execute`] for those that return no rows (`BEGIN`, `SET
//! TRANSACTION SNAPSHOT`, `COMMIT`) and [`Session::copy_out`] for a binary
//! `COPY ... TO STDOUT`, whose bytes [`CopyOut::feed`] hands over.
//!
//! A session that failed or stopped in the middle of a `COPY` is dropped,
//! never reused: closing the socket ends the backend's statement as soon as
//! it next writes, so no cancel request is needed.

use super::stream::{CopyStep, MessageStream, ERROR_RESPONSE, NOTICE_RESPONSE, PARAMETER_STATUS};
use super::{ServerError, WireError};
use bytes::BytesMut;
use postgres_protocol::message::frontend;
use tokio::net::TcpStream;

const COMMAND_COMPLETE: u8 = b'C';
const EMPTY_QUERY: u8 = b'I';
const READY_FOR_QUERY: u8 = b'Z';
const COPY_OUT_RESPONSE: u8 = b'H';
const ROW_DESCRIPTION: u8 = b'T';
const DATA_ROW: u8 = b'D';

/// An authenticated session, idle and ready for a statement.
pub(crate) struct Session {
    stream: MessageStream<TcpStream>,
    /// Reused for outgoing messages.
    out: BytesMut,
}

impl Session {
    pub(super) fn new(stream: MessageStream<TcpStream>) -> Self {
        Session {
            stream,
            out: BytesMut::new(),
        }
    }

    /// Runs `sql`, statements that return no rows worth reading (rows are
    /// skipped), and waits until the server is ready again.
    pub(crate) async fn execute(&mut self, sql: &str) -> Result<(), WireError> {
        self.query(sql).await?;
        self.finish().await
    }

    /// Reads the replies to the statement in progress up to ReadyForQuery;
    /// the first error, once the server is ready again.
    async fn finish(&mut self) -> Result<(), WireError> {
        let mut failed = None;
        loop {
            let (tag, body) = self.stream.next().await?;
            match tag {
                COMMAND_COMPLETE | EMPTY_QUERY | ROW_DESCRIPTION | DATA_ROW | NOTICE_RESPONSE
                | PARAMETER_STATUS => {}
                ERROR_RESPONSE => {
                    if failed.is_none() {
                        failed = Some(ServerError::parse(body)?);
                    }
                }
                READY_FOR_QUERY => return failed.map_or(Ok(()), |e| Err(WireError::Server(e))),
                _ => return Err(WireError::Malformed("an unexpected reply to a statement")),
            }
        }
    }

    /// Starts `sql`, a `COPY ... TO STDOUT (FORMAT binary)`; its bytes
    /// follow through the returned [`CopyOut`].
    pub(crate) async fn copy_out(&mut self, sql: &str) -> Result<CopyOut<'_>, WireError> {
        self.query(sql).await?;
        loop {
            let (tag, body) = self.stream.next().await?;
            match tag {
                COPY_OUT_RESPONSE => {
                    // Overall format: 1 is binary.
                    if body.first() != Some(&1) {
                        return Err(WireError::Malformed("a COPY in text format"));
                    }
                    return Ok(CopyOut {
                        session: self,
                        done: false,
                    });
                }
                NOTICE_RESPONSE | PARAMETER_STATUS => {}
                ERROR_RESPONSE => {
                    let error = ServerError::parse(body)?;
                    self.wait_ready().await?;
                    return Err(WireError::Server(error));
                }
                _ => return Err(WireError::Malformed("a reply other than COPY to a COPY")),
            }
        }
    }

    /// Sends a simple Query message.
    async fn query(&mut self, sql: &str) -> Result<(), WireError> {
        self.out.clear();
        frontend::query(sql, &mut self.out)?;
        self.stream.send(&self.out).await
    }

    /// Skips messages up to ReadyForQuery (after an error).
    async fn wait_ready(&mut self) -> Result<(), WireError> {
        loop {
            if self.stream.next().await?.0 == READY_FOR_QUERY {
                return Ok(());
            }
        }
    }
}

/// A `COPY ... TO STDOUT` in progress on a [`Session`].
pub(crate) struct CopyOut<'a> {
    session: &'a mut Session,
    done: bool,
}

impl CopyOut<'_> {
    /// Appends the next bytes of the COPY stream to `dst`: `true` when some
    /// were, `false` once the statement has completed and the session is
    /// ready for the next one.
    pub(crate) async fn feed(&mut self, dst: &mut Vec<u8>) -> Result<bool, WireError> {
        if self.done {
            return Ok(false);
        }
        let session = &mut *self.session;
        match session.stream.copy_data(dst).await {
            Ok(CopyStep::Data) => Ok(true),
            Ok(CopyStep::Done) => {
                session.finish().await?;
                self.done = true;
                Ok(false)
            }
            Err(WireError::Server(e)) => {
                session.wait_ready().await?;
                Err(WireError::Server(e))
            }
            Err(e) => Err(e),
        }
    }
}
