//! SQLite connector (placeholder until the connector lands).
use crate::{BatchReceiver, BatchSender, ConnectorError, Endpoint, LoadMethod, ReadOptions, Result, Source, Target, WriteStats};
use async_trait::async_trait;
use ferry_schema::{Dialect, Schema, Table};

fn todo_err() -> ConnectorError {
    ConnectorError::Server { dialect: "sqlite", context: "connecting".into(), detail: "connector not built yet".into(), code: None }
}
/// SQLite source.
pub struct SqliteSource;
impl SqliteSource {
    /// Connects.
    pub fn open(_e: &Endpoint) -> Result<Self> { Err(todo_err()) }
}
#[async_trait]
impl Source for SqliteSource {
    fn dialect(&self) -> Dialect { Dialect::Sqlite }
    async fn introspect(&self) -> Result<Schema> { Err(todo_err()) }
    async fn read_table(&self, _t: &Table, _o: ReadOptions, _out: BatchSender) -> Result<u64> { Err(todo_err()) }
    async fn count_rows(&self, _t: &str) -> Result<u64> { Err(todo_err()) }
}
/// SQLite target.
pub struct SqliteTarget;
impl SqliteTarget {
    /// Connects.
    pub fn open(_e: &Endpoint) -> Result<Self> { Err(todo_err()) }
}
#[async_trait]
impl Target for SqliteTarget {
    fn dialect(&self) -> Dialect { Dialect::Sqlite }
    async fn existing_tables(&self) -> Result<Vec<String>> { Err(todo_err()) }
    async fn execute(&self, _c: &str, _s: &[String]) -> Result<()> { Err(todo_err()) }
    async fn write_table(&self, _t: &Table, _b: BatchReceiver) -> Result<WriteStats> { Err(todo_err()) }
    fn load_method(&self) -> LoadMethod { LoadMethod::SqliteInsert }
    async fn query_u64(&self, _s: &str) -> Result<u64> { Err(todo_err()) }
    async fn count_rows(&self, _t: &str) -> Result<u64> { Err(todo_err()) }
    async fn reset_identity(&self, _t: &Table) -> Result<()> { Err(todo_err()) }
}
