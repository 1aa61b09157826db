//! A direct MySQL client/server protocol reader for one job: streaming a table
//! scan's text resultset into Arrow batches without a heap allocation per row.
//!
//! Why it exists: mysql_async hands every row over as an owned `Row` (a
//! `Vec<Value>` with one `Vec<u8>` per cell) and keeps its packet reader
//! private, so a 16-column TPC-H lineitem row costs ~17 allocations — the CPU
//! hot spot of a MySQL read. Here each row packet is appended to one reused
//! batch buffer, its cells are recorded as (offset, length) pairs, and
//! [`TableDecoder`](super::decode::TableDecoder) decodes the batch column by
//! column straight from that buffer.
//!
//! ```text
//! TcpStream ─packet─▶ PacketStream ─payload─▶ RowBatch (one buffer + cell table)
//!                                               │ batch_rows / batch_bytes reached
//!                                               ▼
//!                                   TableDecoder ─▶ RecordBatch ─▶ BatchSender
//! ```
//!
//! Scope is deliberately small: plain TCP, protocol 4.1, `mysql_native_password`
//! and the `caching_sha2_password` fast path, COM_QUERY with text resultsets
//! and prepared statements without parameters.
//! Whatever else a server asks for (TLS, full caching_sha2 authentication, other
//! plugins) is reported as [`WireError::Unsupported`] while connecting, and the
//! caller falls back to mysql_async, which stays in charge of the catalog,
//! counts, writes and pooling.
//!
//! A table's `SELECT` runs as a prepared statement, so that numbers, dates
//! and times arrive as binary fields the server need not print
//! (`mysql::binary`); when a column's type has no binary reading, it runs as
//! a COM_QUERY with a text resultset instead.
//!
//! `packet` frames payloads, `message` parses and builds the few packets
//! involved (pure), `handshake` connects and authenticates, `resultset` splits
//! rows into cells and reads statement replies, `prepared` prepares, executes
//! and closes statements, `scan` runs one table read.

mod handshake;
mod message;
mod packet;
mod prepared;
mod resultset;
mod scan;

#[cfg(test)]
mod tests;

pub(crate) use handshake::Session;
pub use resultset::{decode_binary_row_packets, decode_row_packets};
pub(crate) use scan::{
    failed, open, read_on, read_table, Opened, PieceRead, Protocol, Scan, START_SNAPSHOT,
};

/// What can go wrong below the table-level code, which maps it to a
/// [`ConnectorError`](crate::ConnectorError) naming the table or endpoint.
#[derive(Debug)]
pub(crate) enum WireError {
    /// The socket failed or closed.
    Io(std::io::Error),
    /// The server sent bytes this reader cannot make sense of.
    Malformed(&'static str),
    /// The server answered with an error packet.
    Server {
        /// MySQL error code (1045 access denied, 1146 no such table, ...).
        code: u16,
        /// The server's message (never holds the password).
        message: String,
    },
    /// The server or account needs something the direct reader does not speak;
    /// the caller reads through mysql_async instead.
    Unsupported(String),
}

impl From<std::io::Error> for WireError {
    fn from(e: std::io::Error) -> Self {
        WireError::Io(e)
    }
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Io(e) => write!(f, "connection failed: {e}"),
            WireError::Malformed(what) => write!(f, "unexpected reply from the server: {what}"),
            WireError::Server { code, message } => write!(f, "{message} (error {code})"),
            WireError::Unsupported(what) => {
                write!(f, "not supported by ferry's direct reader: {what}")
            }
        }
    }
}
