//! rusqlite errors → [`ConnectorError`]: every SQLite failure becomes a typed error
//! naming what ferry was doing, with constraint violations classified so the
//! engine can tell them from other server errors.

use crate::ConnectorError;
use rusqlite::ErrorCode;

/// Dialect name used in every SQLite error.
pub(crate) const DIALECT: &str = "sqlite";

/// A rusqlite error met while doing `context` (e.g. `reading table "Album"`).
pub(crate) fn server(context: impl Into<String>, err: &rusqlite::Error) -> ConnectorError {
    let code = match err {
        // SQLSTATE class 23 so `ErrorKind::Constraint` recognises it without
        // knowing SQLite's numeric codes.
        rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::ConstraintViolation => {
            Some("23000".to_string())
        }
        // Prefixed so an extended code like 2314 (an I/O error) is never read
        // as SQLSTATE class 23.
        rusqlite::Error::SqliteFailure(e, _) => Some(format!("sqlite-{}", e.extended_code)),
        _ => None,
    };
    ConnectorError::Server {
        dialect: DIALECT,
        context: context.into(),
        detail: err.to_string(),
        code,
    }
}

/// Whether SQLite refused a file because it is not a database (wrong format or encrypted).
pub(crate) fn is_not_a_database(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.code == ErrorCode::NotADatabase)
}

/// A blocking task that panicked or was cancelled, reported against `context`.
pub(crate) fn join(context: impl Into<String>, err: &tokio::task::JoinError) -> ConnectorError {
    ConnectorError::Server {
        dialect: DIALECT,
        context: context.into(),
        detail: format!("the blocking SQLite task stopped: {err}"),
        code: None,
    }
}

/// A value ferry cannot convert, in `table`.`column`.
pub(crate) fn data(table: &str, column: &str, detail: impl Into<String>) -> ConnectorError {
    ConnectorError::Data {
        table: table.to_string(),
        column: column.to_string(),
        detail: detail.into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn constraint_violations_are_classified() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER PRIMARY KEY); INSERT INTO t VALUES (1)")
            .unwrap();
        let err = conn.execute("INSERT INTO t VALUES (1)", []).unwrap_err();
        assert_eq!(server("loading t", &err).kind(), ErrorKind::Constraint);
        let err = conn.execute("SELECT * FROM missing", []).unwrap_err();
        assert_eq!(server("reading", &err).kind(), ErrorKind::Server);
    }
}
