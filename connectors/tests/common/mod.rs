//! Set-up shared by the connector tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use arrow_array::RecordBatch;
use ferry_connectors::{ReadOptions, Result, Source};
use ferry_schema::Table;

/// The model of table `name` as `source` introspects it.
pub async fn table_model(source: &dyn Source, name: &str) -> Table {
    let schema = source.introspect().await.unwrap();
    schema
        .table(name)
        .unwrap_or_else(|| panic!("table {name} is not in the source's catalog"))
        .clone()
}

/// Every batch `source` sends for `table`, and how its read ended.
pub async fn read_all(
    source: &dyn Source,
    table: &Table,
    options: ReadOptions,
) -> (Result<u64>, Vec<RecordBatch>) {
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let collect = async {
        let mut batches = Vec::new();
        while let Some(b) = rx.recv().await {
            batches.push(b);
        }
        batches
    };
    tokio::join!(source.read_table(table, options, tx), collect)
}
