//! MySQL connector (placeholder until the connector lands).
use crate::{BatchReceiver, BatchSender, ConnectorError, Endpoint, LoadMethod, ReadOptions, Result, Source, Target, WriteStats};
use async_trait::async_trait;
use ferry_schema::{Dialect, Schema, Table};

fn todo_err() -> ConnectorError {
    ConnectorError::Server { dialect: "mysql", context: "connecting".into(), detail: "connector not built yet".into(), code: None }
}
/// MySQL source.
pub struct MySqlSource;
impl MySqlSource {
    /// Connects.
    pub async fn connect(_e: &Endpoint) -> Result<Self> { Err(todo_err()) }
}
#[async_trait]
impl Source for MySqlSource {
    fn dialect(&self) -> Dialect { Dialect::MySql }
    async fn introspect(&self) -> Result<Schema> { Err(todo_err()) }
    async fn read_table(&self, _t: &Table, _o: ReadOptions, _out: BatchSender) -> Result<u64> { Err(todo_err()) }
    async fn count_rows(&self, _t: &str) -> Result<u64> { Err(todo_err()) }
}
/// MySQL target.
pub struct MySqlTarget;
impl MySqlTarget {
    /// Connects.
    pub async fn connect(_e: &Endpoint, _jobs: usize) -> Result<Self> { Err(todo_err()) }
}
#[async_trait]
impl Target for MySqlTarget {
    fn dialect(&self) -> Dialect { Dialect::MySql }
    async fn existing_tables(&self) -> Result<Vec<String>> { Err(todo_err()) }
    async fn execute(&self, _c: &str, _s: &[String]) -> Result<()> { Err(todo_err()) }
    async fn write_table(&self, _t: &Table, _b: BatchReceiver) -> Result<WriteStats> { Err(todo_err()) }
    fn load_method(&self) -> LoadMethod { LoadMethod::MySqlLoadData }
    async fn query_u64(&self, _s: &str) -> Result<u64> { Err(todo_err()) }
    async fn count_rows(&self, _t: &str) -> Result<u64> { Err(todo_err()) }
    async fn reset_identity(&self, _t: &Table) -> Result<()> { Err(todo_err()) }
}
