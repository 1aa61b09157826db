//! Driver errors → [`ConnectorError`]: the one place mysql_async's error type is
//! translated, so every other file deals in ferry's structured errors only.
//!
//! Connect-time errors get their own mapping (refused socket → `Unreachable`,
//! 1045 → `Auth`, 1049 → `NotFound`); everything later becomes `Server` with the
//! server error code in `code`, which `ConnectorError::kind` uses to spot
//! constraint violations (1062, 1452).

use crate::{ConnectorError, Endpoint};
use mysql_async::{Error as DriverError, IoError};

/// Dialect name used in every error this connector builds.
pub(crate) const DIALECT: &str = "mysql";

/// MySQL "Access denied for user" error code.
const ER_ACCESS_DENIED: u16 = 1045;
/// MySQL "Unknown database" error code.
const ER_BAD_DB: u16 = 1049;

/// Maps an error raised while opening a connection to `endpoint`.
pub(crate) fn connect_error(endpoint: &Endpoint, err: DriverError) -> ConnectorError {
    match err {
        DriverError::Server(e) => connect_refusal(endpoint, e.code, e.message),
        DriverError::Io(IoError::Io(e)) => ConnectorError::Unreachable {
            dialect: DIALECT,
            endpoint: endpoint.location(),
            detail: e.to_string(),
        },
        // TLS, URL and driver errors: the driver's text never contains the password
        // because options are built field by field, not from a URL.
        other => ConnectorError::Unreachable {
            dialect: DIALECT,
            endpoint: endpoint.location(),
            detail: other.to_string(),
        },
    }
}

/// Maps a server error packet (`code`, `message`) received while a connection
/// to `endpoint` was being opened; shared by the pool and the direct reader
/// (`wire`), so both report a wrong password or database the same way.
pub(crate) fn connect_refusal(endpoint: &Endpoint, code: u16, message: String) -> ConnectorError {
    match code {
        ER_ACCESS_DENIED => ConnectorError::Auth {
            dialect: DIALECT,
            endpoint: endpoint.location(),
            user: endpoint.user.clone(),
            password_env: Endpoint::password_env(endpoint.dialect),
            // The server's message names the user and host, never the password.
            detail: message,
        },
        ER_BAD_DB => ConnectorError::NotFound {
            what: "database",
            name: endpoint.database.clone(),
            endpoint: endpoint.location(),
            hint: "; list the databases with SHOW DATABASES".to_string(),
        },
        _ => ConnectorError::Server {
            dialect: DIALECT,
            context: format!("connecting to {endpoint}"),
            detail: message,
            code: Some(code.to_string()),
        },
    }
}

/// Maps an error raised while `context` (which names the object) was running.
pub(crate) fn server_error(context: impl Into<String>, err: DriverError) -> ConnectorError {
    let (detail, code) = match err {
        DriverError::Server(e) => (e.message, Some(e.code)),
        other => (other.to_string(), None),
    };
    statement_error(context, detail, code)
}

/// An error of a statement run while `context`, with the server's error code
/// when the server sent one (none for a lost connection or a protocol error).
pub(crate) fn statement_error(
    context: impl Into<String>,
    detail: String,
    code: Option<u16>,
) -> ConnectorError {
    ConnectorError::Server {
        dialect: DIALECT,
        context: context.into(),
        detail,
        code: code.map(|c| c.to_string()),
    }
}

/// A data error about `table.column`.
pub(crate) fn data_error(table: &str, column: &str, detail: impl Into<String>) -> ConnectorError {
    ConnectorError::Data {
        table: table.to_string(),
        column: column.to_string(),
        detail: detail.into(),
    }
}

/// Shortens a statement for an error message: long DDL is cut at a char boundary.
pub(crate) fn shorten(sql: &str) -> String {
    const MAX: usize = 200;
    if sql.len() <= MAX {
        return sql.to_string();
    }
    let mut end = MAX;
    while !sql.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &sql[..end])
}
