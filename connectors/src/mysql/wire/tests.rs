//! The direct reader against the real MariaDB in both resultset terminator
//! modes, with `CLIENT_DEPRECATE_EOF` (OK packets end resultsets, no EOF after
//! the column definitions) and without it (EOF packets), and in both row
//! protocols, binary (prepared statements) and text. The public read path
//! always asks for the former of each when it can.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::scan::start;
use super::{open, read_table, Opened, Protocol, Scan, Session};
use crate::mysql::binary::CellFormat;
use crate::mysql::decode::TableDecoder;
use crate::mysql::read::select_sql;
use crate::mysql::MySqlSource;
use crate::{Endpoint, ReadOptions, Source};
use arrow_array::RecordBatch;
use ferry_fixtures::MySqlDb;
use ferry_schema::Table;

const TYPES_SQL: &str = include_str!("../../../../fixtures/sql/types_mysql.sql");

/// A fresh database holding the type fixture, and its `types_mysql` table as introspected.
async fn types_fixture(name: &str) -> (MySqlDb, Endpoint, Table) {
    let db = MySqlDb::create(name).await;
    db.execute(TYPES_SQL).await;
    let endpoint = Endpoint::parse(&db.url).unwrap();
    let source = MySqlSource::connect(&endpoint).await.unwrap();
    let schema = source.introspect().await.unwrap();
    let table = schema.table("types_mysql").unwrap().clone();
    (db, endpoint, table)
}

/// A direct-reader session that asks for what the public read path asks for.
async fn preferred_session(endpoint: &Endpoint) -> Session {
    let Opened::Session(session) = open(endpoint, Protocol::PREFERRED).await.unwrap() else {
        panic!("the direct reader cannot talk to the test server");
    };
    session
}

async fn scan(endpoint: &Endpoint, table: &Table, protocol: Protocol) -> Vec<RecordBatch> {
    let options = ReadOptions {
        batch_rows: 2,
        ..ReadOptions::default()
    };
    let decoder = TableDecoder::new(table).unwrap();
    let sql = select_sql(&endpoint.database, table, &options);
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let scanned = read_table(endpoint, &decoder, &sql, &[], &options, &tx, protocol)
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
async fn eof_and_ok_terminated_binary_and_text_resultsets_read_alike() {
    let (_db, endpoint, table) = types_fixture("my_wire_eof").await;
    let preferred = scan(&endpoint, &table, Protocol::PREFERRED).await;
    assert_eq!(preferred.len(), 2);
    for (deprecate_eof, binary_rows) in [(false, true), (true, false), (false, false)] {
        let protocol = Protocol {
            deprecate_eof,
            binary_rows,
        };
        let other = scan(&endpoint, &table, protocol).await;
        assert_eq!(preferred, other, "{protocol:?}");
    }
}

#[tokio::test]
async fn numbers_dates_and_times_arrive_as_binary_cells() {
    let (_db, endpoint, table) = types_fixture("my_wire_binary").await;
    let decoder = TableDecoder::new(&table).unwrap();
    let sql = select_sql(&endpoint.database, &table, &ReadOptions::default());
    let mut session = preferred_session(&endpoint).await;
    let binary = start(&mut session, &decoder, &sql)
        .await
        .unwrap()
        .expect("every column of types_mysql has a binary reading");
    let formats = &binary.formats;
    let kinds = |f: fn(&CellFormat) -> bool| formats.iter().filter(|c| f(c)).count();
    // id, c_bool, 11 other integers and YEAR; c_float and c_double; c_date;
    // 3 DATETIME / TIMESTAMP; 2 TIMEs; everything else length-encoded text.
    assert_eq!(
        kinds(|f| matches!(f, CellFormat::Int { .. })),
        14,
        "{formats:?}"
    );
    assert_eq!(kinds(|f| *f == CellFormat::Double), 2, "{formats:?}");
    assert_eq!(kinds(|f| *f == CellFormat::Date), 1, "{formats:?}");
    assert_eq!(kinds(|f| *f == CellFormat::DateTime), 3, "{formats:?}");
    assert_eq!(kinds(|f| *f == CellFormat::Time), 2, "{formats:?}");
    assert!(formats.contains(&CellFormat::Int { unsigned: true }));
}

#[tokio::test]
async fn a_column_without_a_binary_reading_is_read_as_text() {
    use ferry_schema::{Column, LogicalType};
    let db = MySqlDb::create("my_wire_text").await;
    let endpoint = Endpoint::parse(&db.url).unwrap();
    // An integer expression read into a text column: the binary protocol
    // would send 8 bytes the text decoder cannot take, so the read runs as text.
    let table = Table::new(
        "t",
        vec![Column::new("c", LogicalType::Text { max_bytes: None })],
    );
    let decoder = TableDecoder::new(&table).unwrap();
    let sql = "SELECT 42 AS c UNION ALL SELECT NULL";
    let mut session = preferred_session(&endpoint).await;
    assert!(start(&mut session, &decoder, sql).await.unwrap().is_none());
    drop(session);

    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let options = ReadOptions::default();
    let scanned = read_table(
        &endpoint,
        &decoder,
        sql,
        &[],
        &options,
        &tx,
        Protocol::PREFERRED,
    )
    .await
    .unwrap();
    drop(tx);
    assert!(matches!(scanned, Scan::Done(2)), "{scanned:?}");
    let batch = rx.recv().await.unwrap();
    let c = arrow_array::cast::AsArray::as_string::<i32>(batch.column(0));
    use arrow_array::Array;
    assert_eq!((c.value(0), c.is_valid(1)), ("42", false));
}
