//! A direct PostgreSQL frontend/backend protocol client for one job: running a
//! table's `COPY ... TO STDOUT (FORMAT binary)` and handing its bytes to the
//! reader's `CopyParser` in large slices.
//!
//! Why it exists: tokio-postgres runs each session's socket in a task of its
//! own and hands the query every read's messages through a channel of
//! capacity one, then yields each `CopyData` message (one per row) as its
//! own `Bytes`. On two cores that hand-over parked and woke a thread some
//! 320,000 times per SF1 `lineitem` read (`strace -c`), and the messages
//! and the parser took 12% of a verify's CPU in ferry. Here the reading
//! task owns the socket: one `read` of up to 128 KiB, then every whole
//! `CopyData` body in it is appended to the parser's buffer in one loop.
//!
//! ```text
//! TcpStream ─read─▶ MessageStream (128 KiB buffer) ─CopyData bodies─▶ CopyParser.buf ─▶ decode.rs
//! ```
//!
//! Scope is deliberately small: plain TCP, protocol 3.0, the simple query
//! protocol, and the password exchanges PostgreSQL offers without TLS
//! (trust, cleartext, MD5, SCRAM-SHA-256 without channel binding, all from
//! `postgres-protocol`, the crate tokio-postgres itself uses). Anything else
//! the server asks for (GSSAPI, SSPI, another SASL mechanism, a Unix socket
//! path as the host) is [`WireError::Unsupported`] while connecting, and the
//! caller reads through tokio-postgres instead, which stays in charge of the
//! catalog, counts, samples and writes.
//!
//! `stream` frames messages, `startup` connects and authenticates, `session`
//! runs statements and `COPY`s on an authenticated session.

mod session;
mod startup;
mod stream;

pub(crate) use session::{CopyOut, Session};
pub(crate) use startup::connect;

/// What can go wrong below the table-level code, which maps it to a
/// [`ConnectorError`](crate::ConnectorError) naming the table or endpoint.
#[derive(Debug)]
pub(crate) enum WireError {
    /// The socket failed or closed.
    Io(std::io::Error),
    /// The server sent bytes this client cannot make sense of.
    Malformed(&'static str),
    /// The server answered with an ErrorResponse.
    Server(ServerError),
    /// The server or account needs something the direct reader does not
    /// speak; the caller reads through tokio-postgres instead.
    Unsupported(String),
}

/// The fields of an ErrorResponse ferry reports.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct ServerError {
    /// SQLSTATE (`28P01` wrong password, `3D000` no such database, ...).
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) detail: Option<String>,
    pub(crate) hint: Option<String>,
}

impl ServerError {
    /// Parses an ErrorResponse body: fields of a type byte and a
    /// NUL-terminated string, up to a lone NUL. Unknown field types are
    /// skipped, as the protocol asks.
    pub(crate) fn parse(body: &[u8]) -> Result<ServerError, WireError> {
        let mut error = ServerError::default();
        let mut rest = body;
        while let Some((&kind, tail)) = rest.split_first() {
            if kind == 0 {
                return Ok(error);
            }
            let end = tail
                .iter()
                .position(|&b| b == 0)
                .ok_or(WireError::Malformed(
                    "an error field without its terminator",
                ))?;
            let text = String::from_utf8_lossy(&tail[..end]).into_owned();
            match kind {
                b'C' => error.code = text,
                b'M' => error.message = text,
                b'D' => error.detail = Some(text),
                b'H' => error.hint = Some(text),
                _ => {}
            }
            rest = &tail[end + 1..];
        }
        Err(WireError::Malformed(
            "an error response without its terminator",
        ))
    }

    /// The message with its DETAIL and HINT, worded as for a driver error.
    pub(crate) fn describe(&self) -> String {
        let mut text = self.message.clone();
        if let Some(detail) = &self.detail {
            text.push_str(" (");
            text.push_str(detail);
            text.push(')');
        }
        if let Some(hint) = &self.hint {
            text.push_str("; hint: ");
            text.push_str(hint);
        }
        text
    }
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
            WireError::Server(e) => write!(f, "{} (SQLSTATE {})", e.describe(), e.code),
            WireError::Unsupported(what) => {
                write!(f, "not supported by ferry's direct reader: {what}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{ServerError, WireError};

    #[test]
    fn error_fields_are_read_and_unknown_ones_skipped() {
        let body = b"SERROR\0VERROR\0C42P01\0Mrelation \"t\" does not exist\0Dno such thing\0Hcreate it\0P15\0\0";
        let e = ServerError::parse(body).unwrap();
        assert_eq!(e.code, "42P01");
        assert_eq!(
            e.describe(),
            "relation \"t\" does not exist (no such thing); hint: create it"
        );
    }

    #[test]
    fn a_truncated_error_is_malformed() {
        for body in [&b"C42P01"[..], b"C42P01\0", b""] {
            assert!(
                matches!(ServerError::parse(body), Err(WireError::Malformed(_))),
                "{body:?}"
            );
        }
    }
}
