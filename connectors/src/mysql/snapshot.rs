//! The parts of one table read at one point in time.
//!
//! MySQL cannot hand a snapshot to another session (PostgreSQL's
//! `pg_export_snapshot`), so the reading sessions are opened first, one per
//! part that can run at once (not one per part: a table cut in 64 parts must
//! not hold 64 connections). Then, while another session holds
//! `LOCK TABLES <table> READ`, each reading session starts its consistent
//! snapshot, and the lock is released. Taking the lock waits for the table's
//! open write transactions to commit, and holding it keeps new writes out, so
//! every snapshot sees the same committed rows. Writers of the table wait only
//! while the snapshots start (one round trip per session).
//!
//! A part's read borrows a session and, once it has read its whole range,
//! gives it back still inside its transaction: the next part's `SELECT` on it
//! sees the same snapshot. A read that stopped early leaves rows unread on its
//! session, which is then closed instead.
//!
//! The lock is given up after [`LOCK_WAIT_SECONDS`]: a long write transaction
//! on the table must not stall its application behind ferry's queued lock.
//! Then, as without the `LOCK TABLES` privilege or the direct protocol
//! reader, the parts are read each in its own snapshot and the caller is told
//! why.

use super::conn::SESSION_SETUP;
use super::error::server_error;
use super::wire::{self, Opened, Session, START_SNAPSHOT};
use crate::{Endpoint, Result, SharedSnapshot, SnapshotGuard, SnapshotId};
use ferry_schema::ident::quote_qualified;
use ferry_schema::Dialect;
use mysql_async::prelude::Queryable;
use mysql_async::Pool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// How long the `LOCK TABLES` waits for the table's writers.
pub(crate) const LOCK_WAIT_SECONDS: u32 = 5;

/// `wait_timeout` of the reading sessions: the last part of a large table
/// may wait hours for its turn, idle, past the server's default 8 hours.
const IDLE_SECONDS: u32 = 7 * 24 * 3600;

/// Reading sessions in shared snapshots, by snapshot id.
#[derive(Default)]
pub(crate) struct SnapshotSessions {
    by_id: Mutex<HashMap<Arc<str>, Arc<Idle>>>,
    next_id: AtomicU64,
}

/// The idle sessions of one snapshot, and a permit for each.
struct Idle {
    sessions: Mutex<Vec<Session>>,
    ready: Semaphore,
}

impl SnapshotSessions {
    /// Borrows a session of snapshot `id`, set up and in its snapshot, waiting
    /// while all are in use; `None` when the snapshot is unknown or ended, or
    /// every session was closed.
    pub(crate) async fn take(&self, id: &SnapshotId) -> Option<Lease> {
        let idle = Arc::clone(self.by_id.lock().ok()?.get(&id.0)?);
        idle.ready.acquire().await.ok()?.forget();
        let session = idle.sessions.lock().ok()?.pop()?;
        Some(Lease { session, idle })
    }
}

/// A session borrowed from a snapshot.
pub(crate) struct Lease {
    pub(crate) session: Session,
    idle: Arc<Idle>,
}

impl Lease {
    /// Returns the session, after a read that consumed its whole result, for
    /// the next part; closes it if the snapshot has ended meanwhile.
    pub(crate) fn give_back(self) {
        if self.idle.ready.is_closed() {
            return;
        }
        if let Ok(mut sessions) = self.idle.sessions.lock() {
            sessions.push(self.session);
            self.idle.ready.add_permits(1);
        }
    }
}

/// Ends a snapshot when its guard drops: closes the idle sessions, and any
/// borrowed one when it comes back.
struct Release {
    sessions: Arc<SnapshotSessions>,
    id: Arc<str>,
}

impl Drop for Release {
    fn drop(&mut self) {
        let idle = match self.sessions.by_id.lock() {
            Ok(mut by_id) => by_id.remove(&self.id),
            Err(_) => None,
        };
        if let Some(idle) = idle {
            idle.ready.close();
            if let Ok(mut sessions) = idle.sessions.lock() {
                sessions.clear();
            }
        }
    }
}

/// Where the snapshot's sessions come from and go.
pub(crate) struct Origin<'a> {
    pub endpoint: &'a Endpoint,
    pub database: &'a str,
    /// For the `LOCK TABLES` session.
    pub pool: &'a Pool,
    pub sessions: &'a Arc<SnapshotSessions>,
}

/// Opens `readers` sessions (the most reads that run at once) in snapshots of
/// `table` taken at one moment.
pub(crate) async fn begin(
    origin: Origin<'_>,
    table: &str,
    readers: usize,
) -> Result<SharedSnapshot> {
    let context = format!("starting the snapshots of the parts of {table}");
    let readers = readers.max(1);
    let mut opened = Vec::with_capacity(readers);
    for _ in 0..readers {
        match wire::open(origin.endpoint, wire::Protocol::PREFERRED).await? {
            Opened::Session(mut session) => {
                let set_up = match session.execute(SESSION_SETUP).await {
                    Ok(()) => {
                        let idle = format!("SET SESSION wait_timeout = {IDLE_SECONDS}");
                        session.execute(&idle).await
                    }
                    Err(e) => Err(e),
                };
                set_up.map_err(|e| wire::failed(&context, e))?;
                opened.push(session);
            }
            Opened::Unsupported(why) => {
                return Ok(SharedSnapshot::Unavailable(format!(
                    "ferry's direct MySQL reader cannot talk to this server ({why})"
                )))
            }
        }
    }
    let mut lock = origin
        .pool
        .get_conn()
        .await
        .map_err(|e| server_error(&context, e))?;
    lock.query_drop(format!(
        "SET SESSION lock_wait_timeout = {LOCK_WAIT_SECONDS}"
    ))
    .await
    .map_err(|e| server_error(&context, e))?;
    let qualified = quote_qualified(Dialect::MySql, origin.database, table);
    if let Err(e) = lock
        .query_drop(format!("LOCK TABLES {qualified} READ"))
        .await
    {
        let _ = lock
            .query_drop("SET SESSION lock_wait_timeout = DEFAULT")
            .await;
        return Ok(SharedSnapshot::Unavailable(format!(
            "LOCK TABLES {table} READ, which holds writes off while the parts' snapshots start (waiting at most {LOCK_WAIT_SECONDS} s for open writes), failed: {e}"
        )));
    }
    let mut started = Ok(());
    for session in &mut opened {
        started = session.execute(START_SNAPSHOT).await;
        if started.is_err() {
            break;
        }
    }
    let unlocked = lock.query_drop("UNLOCK TABLES").await;
    let restored = match unlocked {
        Ok(()) => lock
            .query_drop("SET SESSION lock_wait_timeout = DEFAULT")
            .await
            .map_err(|e| server_error(&context, e)),
        Err(e) => Err(server_error(&context, e)),
    };
    if restored.is_err() {
        // Not back to the pool with a lock or a changed timeout. Closing the
        // session releases its lock on the server in any case.
        let _ = lock.disconnect().await;
    }
    started.map_err(|e| wire::failed(&context, e))?;
    restored?;

    let id: Arc<str> = format!(
        "mysql-{}-{}",
        std::process::id(),
        origin.sessions.next_id.fetch_add(1, Ordering::Relaxed)
    )
    .into();
    let idle = Idle {
        ready: Semaphore::new(opened.len()),
        sessions: Mutex::new(opened),
    };
    if let Ok(mut by_id) = origin.sessions.by_id.lock() {
        by_id.insert(Arc::clone(&id), Arc::new(idle));
    }
    let release = Release {
        sessions: Arc::clone(origin.sessions),
        id: Arc::clone(&id),
    };
    Ok(SharedSnapshot::Shared(SnapshotGuard::new(
        id,
        Box::new(release),
    )))
}
