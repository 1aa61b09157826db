//! Set-up shared by the connector tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use ferry_connectors::Source;
use ferry_schema::Table;

/// The model of table `name` as `source` introspects it.
pub async fn table_model(source: &dyn Source, name: &str) -> Table {
    let schema = source.introspect().await.unwrap();
    schema
        .table(name)
        .unwrap_or_else(|| panic!("table {name} is not in the source's catalog"))
        .clone()
}
