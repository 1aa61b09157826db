//! Turns tokio-postgres errors into [`ConnectorError`]s: connect-time failures
//! become `Unreachable` / `Auth` / `NotFound`, everything else `Server` with the
//! SQLSTATE in `code` so the engine can tell constraint violations apart.
//!
//! The direct reader's errors ([`super::wire`]) are mapped the same way.
//!
//! tokio-postgres never puts the password into its messages, and neither do we.

use super::wire::{ServerError, WireError};
use crate::{ConnectorError, Endpoint};
use tokio_postgres::error::SqlState;

/// Dialect name used in every error this connector raises.
pub(crate) const DIALECT: &str = "postgres";

/// The server's message with its DETAIL and HINT, or the driver's own text.
fn describe(e: &tokio_postgres::Error) -> (String, Option<String>) {
    match e.as_db_error() {
        Some(db) => {
            let fields = ServerError {
                code: db.code().code().to_string(),
                message: db.message().to_string(),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
            };
            (fields.describe(), Some(fields.code))
        }
        None => (e.to_string(), None),
    }
}

/// A failed statement: `context` says what ferry was doing and names the object.
pub(crate) fn server(context: impl Into<String>, e: &tokio_postgres::Error) -> ConnectorError {
    let (detail, code) = describe(e);
    ConnectorError::Server {
        dialect: DIALECT,
        context: context.into(),
        detail,
        code,
    }
}

/// A statement that did something else than ferry checked for (rows
/// copied, values set): `context` says what ferry was doing, `detail` what
/// differed.
pub(crate) fn mismatch(context: impl Into<String>, detail: impl Into<String>) -> ConnectorError {
    ConnectorError::Server {
        dialect: DIALECT,
        context: context.into(),
        detail: detail.into(),
        code: None,
    }
}

/// A failed connection attempt, classified by SQLSTATE. Errors without a
/// SQLSTATE never reached a server that could answer: the endpoint is unreachable.
pub(crate) fn connect(endpoint: &Endpoint, e: &tokio_postgres::Error) -> ConnectorError {
    let (detail, code) = describe(e);
    refusal(endpoint, detail, code)
}

/// As [`connect`], for the direct reader's sessions ([`super::wire`]).
pub(crate) fn wire_connect(endpoint: &Endpoint, e: WireError) -> ConnectorError {
    match e {
        WireError::Server(s) => refusal(endpoint, s.describe(), Some(s.code)),
        other => refusal(endpoint, other.to_string(), None),
    }
}

/// A connection refused with SQLSTATE `code` (none: no server answered).
fn refusal(endpoint: &Endpoint, detail: String, code: Option<String>) -> ConnectorError {
    let Some(state) = code.as_deref().map(SqlState::from_code) else {
        return ConnectorError::Unreachable {
            dialect: DIALECT,
            endpoint: endpoint.location(),
            detail,
        };
    };
    if state == SqlState::INVALID_PASSWORD || state == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
    {
        ConnectorError::Auth {
            dialect: DIALECT,
            endpoint: endpoint.location(),
            user: endpoint.user.clone(),
            password_env: Endpoint::password_env(endpoint.dialect),
            detail,
        }
    } else if state == SqlState::INVALID_CATALOG_NAME {
        ConnectorError::NotFound {
            what: "database",
            name: endpoint.database.clone(),
            endpoint: endpoint.location(),
            hint: ", or create the database first".to_string(),
        }
    } else {
        ConnectorError::Server {
            dialect: DIALECT,
            context: format!("connecting to {endpoint}"),
            detail,
            code,
        }
    }
}

/// A failed statement on a direct session: as [`server`].
pub(crate) fn wire(context: impl Into<String>, e: WireError) -> ConnectorError {
    let (detail, code) = match e {
        WireError::Server(s) => (s.describe(), Some(s.code)),
        other => (other.to_string(), None),
    };
    ConnectorError::Server {
        dialect: DIALECT,
        context: context.into(),
        detail,
        code,
    }
}

/// A value that cannot be decoded or encoded.
pub(crate) fn data(table: &str, column: &str, detail: impl Into<String>) -> ConnectorError {
    ConnectorError::Data {
        table: table.to_string(),
        column: column.to_string(),
        detail: detail.into(),
    }
}
