//! The direct reader against the real MariaDB in both resultset terminator
//! modes: with `CLIENT_DEPRECATE_EOF` (OK packets end resultsets, no EOF after
//! the column definitions) and without it (EOF packets). The public read path
//! always asks for the former when the server offers it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{read_table, Scan};
use crate::mysql::decode::TableDecoder;
use crate::mysql::read::select_sql;
use crate::mysql::MySqlSource;
use crate::{Endpoint, ReadOptions, Source};
use arrow_array::RecordBatch;
use ferry_fixtures::MySqlDb;

const TYPES_SQL: &str = include_str!("../../../../fixtures/sql/types_mysql.sql");

async fn scan(
    endpoint: &Endpoint,
    table: &ferry_schema::Table,
    deprecate_eof: bool,
) -> Vec<RecordBatch> {
    let options = ReadOptions {
        batch_rows: 2,
        ..ReadOptions::default()
    };
    let decoder = TableDecoder::new(table).unwrap();
    let sql = select_sql(&endpoint.database, table, &options);
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let scanned = read_table(endpoint, &decoder, &sql, &[], &options, &tx, deprecate_eof)
        .await
        .unwrap();
    drop(tx);
    assert!(matches!(scanned, Scan::Done(4)), "{scanned:?}");
    let mut batches = Vec::new();
    while let Some(b) = rx.recv().await {
        batches.push(b);
    }
    batches
}

#[tokio::test]
async fn eof_and_ok_terminated_resultsets_read_alike() {
    let db = MySqlDb::create("my_wire_eof").await;
    db.execute(TYPES_SQL).await;
    let endpoint = Endpoint::parse(&db.url).unwrap();
    let source = MySqlSource::connect(&endpoint).await.unwrap();
    let table = source.introspect().await.unwrap();
    let table = table.table("types_mysql").unwrap();
    let with_ok = scan(&endpoint, table, true).await;
    let with_eof = scan(&endpoint, table, false).await;
    assert_eq!(with_ok.len(), 2);
    assert_eq!(with_ok, with_eof);
}
