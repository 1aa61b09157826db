//! One snapshot shared by every part of a split table.
//!
//! A dedicated session opens a read-only `REPEATABLE READ` transaction and
//! exports its snapshot; each part's reader imports it with `SET TRANSACTION
//! SNAPSHOT` right after its own `BEGIN`, so all parts see the same committed
//! rows (and `ctid` ranges stay valid: an update elsewhere moves a row's
//! address only in later snapshots). The session is owned by the
//! [`SnapshotGuard`]: dropping the guard closes it, which ends the exporting
//! transaction whether the parts succeeded or not.

use super::conn;
use super::error as pgerr;
use crate::{Endpoint, Result, SnapshotGuard, SnapshotId};

/// The transaction a table read (and the session exporting its snapshot)
/// runs in: one snapshot for the whole table, and a guarantee that ferry
/// never writes to its source.
pub(crate) const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// Exports a snapshot from a new session held by the returned guard.
pub(crate) async fn export(endpoint: &Endpoint) -> Result<SnapshotGuard> {
    let client = conn::connect(endpoint).await?;
    let context = "exporting a snapshot for the parts of a table";
    client
        .batch_execute(BEGIN_READ)
        .await
        .map_err(|e| pgerr::server(context, &e))?;
    let row = client
        .query_one("SELECT pg_export_snapshot()", &[])
        .await
        .map_err(|e| pgerr::server(context, &e))?;
    let id: String = row.get(0);
    Ok(SnapshotGuard::new(id, Box::new(client)))
}

/// `SET TRANSACTION SNAPSHOT '<id>'`; the id is server-made (hex and `-`),
/// quoted anyway.
pub(crate) fn import_sql(id: &SnapshotId) -> String {
    format!("SET TRANSACTION SNAPSHOT '{}'", id.0.replace('\'', "''"))
}
