//! The small set of traits every dialect implements: a [`Source`] introspects its
//! catalog and streams tables as Arrow batches; a [`Target`] runs DDL, bulk-loads
//! batches and answers the questions the engine asks after the load.
//!
//! Batches flow through bounded tokio channels: a reader blocks when the channel
//! is full, so memory is bounded by `channel capacity × batch size`.

use crate::Result;
use arrow_array::RecordBatch;
use async_trait::async_trait;
use ferry_schema::{Dialect, Schema, Table};

/// Sending half of a batch channel (bounded).
pub type BatchSender = tokio::sync::mpsc::Sender<RecordBatch>;
/// Receiving half of a batch channel.
pub type BatchReceiver = tokio::sync::mpsc::Receiver<RecordBatch>;

/// How a reader cuts a table into batches.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Rows per batch (the last batch may hold fewer).
    pub batch_rows: usize,
    /// Also end a batch once its variable-width data reaches this many bytes,
    /// so wide rows and LOBs keep memory bounded.
    pub batch_bytes: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            batch_rows: 8192,
            batch_bytes: 32 << 20,
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

    /// Loads every batch received on `batches` into `table` (which exists, created from
    /// the same model). Batches have schema `table.arrow_schema()`.
    async fn write_table(&self, table: &Table, batches: BatchReceiver) -> Result<WriteStats>;

    /// How `write_table` loads data on this server (decided at connect time).
    fn load_method(&self) -> LoadMethod;

    /// Runs a query returning one integer (a count, a max), e.g. for orphan-row checks.
    async fn query_u64(&self, sql: &str) -> Result<u64>;

    /// `SELECT COUNT(*)` of the table.
    async fn count_rows(&self, table: &str) -> Result<u64>;

    /// Moves `table`'s identity / sequence / AUTO_INCREMENT past the highest value
    /// of its identity column, so new inserts do not collide with copied rows.
    async fn reset_identity(&self, table: &Table) -> Result<()>;
}
