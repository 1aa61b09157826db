//! Opening SQLite files: read-only for sources, read-write-create for targets,
//! with the file checked to be a database up front so a wrong path fails at
//! connect time with a clear message rather than at the first query.

use super::error::{is_not_a_database, server};
use crate::{ConnectorError, Endpoint, Result};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

fn not_a_database(path: &str) -> ConnectorError {
    ConnectorError::NotFound {
        what: "SQLite database",
        name: path.to_string(),
        endpoint: format!("sqlite://{path}"),
        hint: "; the file exists but SQLite says \"file is not a database\" (another format, encrypted, or corrupt)".to_string(),
    }
}

/// Runs a trivial catalog query so a non-database file is refused now.
fn check(conn: &Connection, path: &str) -> Result<()> {
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|_| ())
    .map_err(|e| {
        if is_not_a_database(&e) {
            not_a_database(path)
        } else {
            server(format!("opening {path}"), &e)
        }
    })
}

/// Opens `path` read-only; a missing file is [`ConnectorError::NotFound`].
pub(crate) fn open_read_only(path: &str) -> Result<Connection> {
    if !Path::new(path).is_file() {
        return Err(ConnectorError::NotFound {
            what: "file",
            name: path.to_string(),
            endpoint: format!("sqlite://{path}"),
            hint: " (a relative path is taken from the current directory)".to_string(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| server(format!("opening {path}"), &e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| server(format!("opening {path}"), &e))?;
    check(&conn, path)?;
    Ok(conn)
}

/// Opens `path` read-write, creating it when missing. Foreign keys are left
/// unenforced on this connection: the engine loads tables in any order and
/// checks orphans itself. The journal stays SQLite's default rollback journal,
/// so the file needs no `-wal` companion when ferry is done with it.
pub(crate) fn open_read_write(path: &str) -> Result<Connection> {
    let parent = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent.filter(|d| !d.is_dir()) {
        return Err(ConnectorError::NotFound {
            what: "directory",
            name: dir.display().to_string(),
            endpoint: format!("sqlite://{path}"),
            hint: "; create the directory first".to_string(),
        });
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let ctx = || format!("opening {path}");
    let conn = Connection::open_with_flags(path, flags).map_err(|e| server(ctx(), &e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| server(ctx(), &e))?;
    check(&conn, path)?;
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .map_err(|e| server(ctx(), &e))?;
    Ok(conn)
}

/// The file path of an SQLite endpoint.
pub(crate) fn path_of(endpoint: &Endpoint) -> &str {
    &endpoint.database
}
