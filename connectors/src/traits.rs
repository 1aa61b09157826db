//! The small set of traits every dialect implements: a [`Source`] introspects its
//! catalog and streams tables as Arrow batches; a [`Target`] runs DDL, bulk-loads
//! batches and answers the questions the engine asks after the load.
//!
//! Batches flow through bounded tokio channels: a reader blocks when the channel
//! is full, so memory is bounded by `channel capacity × batch size`; a writer's
//! channel can also be bounded in bytes (`feed.rs`).

use crate::Result;
use arrow_array::RecordBatch;
use async_trait::async_trait;
use ferry_schema::{Dialect, Schema, Table};
use std::sync::Arc;

pub use crate::range::{KeyColumn, KeyRange, KeyTuple, KeyValue};

/// Sending half of a reader's batch channel (bounded).
pub type BatchSender = tokio::sync::mpsc::Sender<RecordBatch>;

use crate::digests::Digests;
use crate::feed::BatchReceiver;
use crate::pieces::Pieces;

/// A snapshot a reader joins, so every part of a split table sees the same
/// committed rows (PostgreSQL `pg_export_snapshot()`; on MySQL, sessions put
/// in their snapshots at one moment, one per reader).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotId(pub Arc<str>);

/// Holds an exported snapshot open (on PostgreSQL: the exporting transaction
/// and its session). Readers can join the snapshot only while the guard
/// lives; dropping it ends the transaction, on success or failure alike.
pub struct SnapshotGuard {
    id: SnapshotId,
    _holder: Box<dyn std::any::Any + Send + Sync>,
}

impl SnapshotGuard {
    /// A guard for snapshot `id`, kept alive by `holder` until dropped.
    pub fn new(id: impl Into<Arc<str>>, holder: Box<dyn std::any::Any + Send + Sync>) -> Self {
        SnapshotGuard {
            id: SnapshotId(id.into()),
            _holder: holder,
        }
    }

    /// The id readers put in [`ReadOptions::snapshot`].
    pub fn id(&self) -> &SnapshotId {
        &self.id
    }
}

impl std::fmt::Debug for SnapshotGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotGuard")
            .field("id", &self.id)
            .finish()
    }
}

/// What [`Source::begin_snapshot`] could start.
#[derive(Debug)]
pub enum SharedSnapshot {
    /// A snapshot the readers join, open until the guard is dropped.
    Shared(SnapshotGuard),
    /// None: why, in words for a warning.
    Unavailable(String),
}

impl SharedSnapshot {
    /// The guard, if there is one.
    pub fn guard(self) -> Option<SnapshotGuard> {
        match self {
            SharedSnapshot::Shared(guard) => Some(guard),
            SharedSnapshot::Unavailable(_) => None,
        }
    }
}

/// Whether a table without a key can be cut by physical row address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAddressing {
    /// Rows are addressed by heap block: ranges of `column` (values
    /// [`crate::KeyValue::Block`]) over `blocks` blocks. Addresses move when a
    /// row is updated, so such parts must share one snapshot.
    Blocks {
        /// The pseudo-column holding the address (PostgreSQL `ctid`).
        column: String,
        /// Blocks in the table when measured (later rows go to the last part).
        blocks: u64,
    },
    /// No stable row address; the reason, for the run's warnings.
    Unavailable(String),
}

/// How a reader cuts a table into batches.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Rows per batch (the last batch may hold fewer).
    pub batch_rows: usize,
    /// Also end a batch once its variable-width data reaches this many bytes,
    /// so wide rows and LOBs keep memory bounded.
    pub batch_bytes: usize,
    /// Return rows in ascending order of [`Table::verify_key`] (verification
    /// merges two such streams). The order must be the same on every dialect:
    /// NULLs first; integers, decimals, floats, dates and times by value; text
    /// by its UTF-8 bytes (a binary collation, never the column's own); bytes
    /// and UUIDs by their bytes; booleans false before true.
    pub order_by_key: bool,
    /// Read only the rows whose key falls in this range (one part of a split
    /// table); `None` reads every row.
    pub key_range: Option<KeyRange>,
    /// Read inside this exported snapshot (see [`Source::begin_snapshot`]);
    /// `None` reads in a snapshot of the reader's own.
    pub snapshot: Option<SnapshotId>,
    /// Send the long values of these columns in pieces after the rows
    /// ([`crate::pieces`]); `None`, or a reader that cannot, sends every
    /// value whole.
    pub pieces: Option<Pieces>,
    /// Replace the long values of these columns by a digest the server
    /// computes ([`crate::digests`]), for a verification; `None`, or a
    /// reader that cannot, sends every value whole.
    pub digests: Option<Digests>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            batch_rows: 8192,
            batch_bytes: 4 << 20,
            order_by_key: false,
            key_range: None,
            snapshot: None,
            pieces: None,
            digests: None,
        }
    }
}

/// What a writer did with one table's batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Rows loaded.
    pub rows: u64,
    /// Bytes sent to the server in the load format.
    pub bytes: u64,
    /// Values set from their pieces ([`crate::pieces`]).
    pub long_values: u64,
}

/// How the writer loaded the data, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadMethod {
    /// PostgreSQL `COPY ... FROM STDIN (FORMAT binary)`.
    PgBinaryCopy,
    /// MySQL `LOAD DATA LOCAL INFILE` fed from memory.
    MySqlLoadData,
    /// Multi-row `INSERT` (MySQL with `local_infile` off).
    MultiRowInsert,
    /// SQLite prepared `INSERT` inside large transactions.
    SqliteInsert,
}

/// A database ferry reads from.
#[async_trait]
pub trait Source: Send + Sync {
    /// The source's dialect.
    fn dialect(&self) -> Dialect;

    /// Reads the catalog of the source namespace (PostgreSQL schema, MySQL database,
    /// SQLite file) into the neutral model. Tables are sorted by name.
    async fn introspect(&self) -> Result<Schema>;

    /// Streams every row of `table` (its copied columns, in order) into `out` as
    /// batches whose schema is `table.arrow_schema()`. Returns the number of rows read.
    /// Stops early, without error, when the receiver is dropped.
    async fn read_table(
        &self,
        table: &Table,
        options: ReadOptions,
        out: BatchSender,
    ) -> Result<u64>;

    /// `SELECT COUNT(*)` of the table.
    async fn count_rows(&self, table: &str) -> Result<u64>;

    /// About how many rows the table holds, for deciding whether and how finely
    /// to split it: the catalog's estimate where the source keeps one (a full
    /// `COUNT(*)` of a large InnoDB table costs seconds), else the exact count.
    async fn estimate_rows(&self, table: &str) -> Result<u64> {
        self.count_rows(table).await
    }

    /// `SELECT MIN(column), MAX(column)` of an integer column of `table`, for
    /// planning the parts of a split table; `None` when the table is empty (or
    /// the column holds only NULLs).
    async fn key_bounds(&self, table: &Table, column: &str) -> Result<Option<(i64, i64)>>;

    /// Up to `parts - 1` cut points over the key `columns` of `table` (about
    /// `rows` rows), in increasing order *as the server compares them* (each
    /// column under its own collation), so the ranges between consecutive
    /// points tile the rows; empty when the table cannot be cut (too few keys).
    async fn key_cut_points(
        &self,
        table: &Table,
        columns: &[String],
        rows: u64,
        parts: usize,
    ) -> Result<Vec<KeyTuple>>;

    /// How a table without a key could be cut by row address.
    async fn row_addressing(&self, table: &Table) -> Result<RowAddressing> {
        let _ = table;
        Ok(RowAddressing::Unavailable(
            "the source has no stable row address to range over".into(),
        ))
    }

    /// Starts a snapshot of `table` that reads will share
    /// ([`ReadOptions::snapshot`]), held until the guard is dropped; at most
    /// `readers` of them run at once. When the
    /// source cannot give one, each reader reads in a consistent snapshot of
    /// its own, not at one point in time, and the answer says why.
    async fn begin_snapshot(&self, table: &Table, readers: usize) -> Result<SharedSnapshot> {
        let _ = (table, readers);
        Ok(SharedSnapshot::Unavailable(
            "the source cannot share a snapshot between sessions".into(),
        ))
    }
}

/// What a load may do beyond inserting its rows, and what it must record.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions<'a> {
    /// Complete statements run in the load's own transaction just before it
    /// commits: a record of the load (a run's ledger) then commits or rolls
    /// back with its rows, which is what lets a killed run resume with no row
    /// missing or twice.
    pub record: &'a [String],
    /// This run created the table empty and this load is its only writer
    /// (a table copied in one part). The target may then take the table for
    /// itself while loading: PostgreSQL locks it and writes its rows already
    /// frozen (`COPY ... FREEZE`), so no later scan or vacuum rewrites every
    /// page to set hint bits or freeze them. A table the target cannot take
    /// (it holds rows after all; for PostgreSQL, a foreign key references
    /// it) is loaded the ordinary way.
    pub sole_writer: bool,
}

/// A database ferry writes to.
#[async_trait]
pub trait Target: Send + Sync {
    /// The target's dialect.
    fn dialect(&self) -> Dialect;

    /// Names of the tables that already exist in the target namespace.
    async fn existing_tables(&self) -> Result<Vec<String>>;

    /// Runs DDL statements in order (each one a complete statement without a trailing `;`).
    /// `context` names what is being done, for error messages.
    async fn execute(&self, context: &str, statements: &[String]) -> Result<()>;

    /// Builds a table's secondary indexes (after its data is loaded). The
    /// default runs them as plain DDL; a dialect may tune its session for
    /// index builds first (PostgreSQL raises `maintenance_work_mem`).
    async fn build_indexes(&self, table: &str, statements: &[String]) -> Result<()> {
        self.execute(
            &format!("building the keys and indexes of {table}"),
            statements,
        )
        .await
    }

    /// Loads every batch received on `batches` into `table` (which exists, created from
    /// the same model). Batches have schema `table.arrow_schema()`. Commits only when
    /// the feed was finished; a feed that stops without finishing is rolled back and
    /// reported as [`crate::ConnectorError::Cancelled`].
    async fn write_table(&self, table: &Table, batches: BatchReceiver) -> Result<WriteStats> {
        self.write_table_with(table, batches, WriteOptions::default())
            .await
    }

    /// [`Target::write_table`] with what else the load may do or must record
    /// ([`WriteOptions`]).
    async fn write_table_with(
        &self,
        table: &Table,
        batches: BatchReceiver,
        options: WriteOptions<'_>,
    ) -> Result<WriteStats>;

    /// How `write_table` loads data on this server (decided at connect time).
    fn load_method(&self) -> LoadMethod;

    /// Whether `write_table` accepts piece batches after a table's rows and
    /// sets the long values from them ([`crate::pieces`]). Readers are asked
    /// for pieces only when the target says yes.
    fn assembles_pieces(&self) -> bool {
        false
    }

    /// Runs a query returning one integer (a count, a max), e.g. for orphan-row checks.
    async fn query_u64(&self, sql: &str) -> Result<u64>;

    /// `SELECT COUNT(*)` of the table.
    async fn count_rows(&self, table: &str) -> Result<u64>;

    /// Moves `table`'s identity / sequence / AUTO_INCREMENT past the highest value
    /// of its identity column, so new inserts do not collide with copied rows.
    async fn reset_identity(&self, table: &Table) -> Result<()>;
}
