//! The snapshot a split table's parts share, begun when the first of them
//! starts reading rather than when the table is planned.
//!
//! A run plans every table before the first copy ends, and the parts of later
//! tables wait for `--jobs` permits. A snapshot begun at planning would hold
//! its sessions (MySQL: one per part that can run at once; PostgreSQL: the
//! exporting one) and its read view for the whole run: connections the source
//! may run short of, and purge or vacuum held back by a view older than it
//! needs to be. Begun by the first part to run, it lives from that part's
//! start to the end of the table's last part.

use ferry_connectors::{ConnectorError, SharedSnapshot, SnapshotGuard, SnapshotId, Source};
use ferry_schema::Table;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Mutex;

/// One table's shared snapshot, for `parts` parts of it.
pub struct PartSnapshot {
    source: Arc<dyn Source>,
    table: Table,
    /// Sessions to prepare: the parts that can read at once.
    readers: usize,
    /// Parts that have not ended yet; the last to end releases the snapshot.
    parts_left: AtomicUsize,
    state: Mutex<State>,
}

enum State {
    NotBegun,
    Shared(Arc<SnapshotGuard>),
    Unavailable(String),
    /// Every part ended; the guard was dropped.
    Ended,
}

/// What a part reads in.
pub enum Joined {
    /// The shared snapshot.
    Shared {
        /// What the part's reader joins.
        id: SnapshotId,
        /// Keeps the snapshot open while the part reads.
        hold: Arc<SnapshotGuard>,
    },
    /// No shared snapshot: the part reads in one of its own.
    Unshared {
        /// Why, in words for a warning.
        why: String,
        /// True for the one part that found out, so the run warns once.
        first: bool,
    },
}

impl Joined {
    /// The id to put in [`ferry_connectors::ReadOptions::snapshot`].
    pub fn id(&self) -> Option<SnapshotId> {
        match self {
            Joined::Shared { id, .. } => Some(id.clone()),
            Joined::Unshared { .. } => None,
        }
    }
}

impl PartSnapshot {
    /// A snapshot not begun yet, for `parts` parts of `table` of which at
    /// most `jobs` read at once.
    pub fn new(source: Arc<dyn Source>, table: Table, parts: usize, jobs: usize) -> Self {
        PartSnapshot {
            source,
            table,
            readers: parts.min(jobs.max(1)),
            parts_left: AtomicUsize::new(parts),
            state: Mutex::new(State::NotBegun),
        }
    }

    /// A snapshot begun already (the planning had to know it could be shared).
    pub fn begun(
        source: Arc<dyn Source>,
        table: Table,
        guard: SnapshotGuard,
        parts: usize,
    ) -> Self {
        PartSnapshot {
            source,
            table,
            readers: 0,
            parts_left: AtomicUsize::new(parts),
            state: Mutex::new(State::Shared(Arc::new(guard))),
        }
    }

    /// The snapshot a part about to read joins, begun now if this is the
    /// first part. Parts arriving while it begins wait for it.
    pub async fn join(&self) -> Result<Joined, ConnectorError> {
        let mut state = self.state.lock().await;
        match &*state {
            State::Shared(guard) => Ok(Joined::Shared {
                id: guard.id().clone(),
                hold: Arc::clone(guard),
            }),
            State::Unavailable(why) => Ok(Joined::Unshared {
                why: why.clone(),
                first: false,
            }),
            State::Ended => Ok(Joined::Unshared {
                why: "its shared snapshot was already released".into(),
                first: false,
            }),
            State::NotBegun => {
                match self
                    .source
                    .begin_snapshot(&self.table, self.readers)
                    .await?
                {
                    SharedSnapshot::Shared(guard) => {
                        let guard = Arc::new(guard);
                        *state = State::Shared(Arc::clone(&guard));
                        Ok(Joined::Shared {
                            id: guard.id().clone(),
                            hold: guard,
                        })
                    }
                    SharedSnapshot::Unavailable(why) => {
                        *state = State::Unavailable(why.clone());
                        Ok(Joined::Unshared { why, first: true })
                    }
                }
            }
        }
    }

    /// A part ended (whatever its outcome): after the last one, the snapshot
    /// is released as soon as the parts' holds are dropped.
    pub async fn part_ended(&self) {
        if self.parts_left.fetch_sub(1, Ordering::SeqCst) == 1 {
            *self.state.lock().await = State::Ended;
        }
    }
}
