//! Read `types_mysql` from one MariaDB database and load it into another, through
//! both load paths (LOAD DATA LOCAL and the multi-row INSERT fallback), then compare
//! every value server-side (HEX of each column, row by row).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_connectors::mysql::{MySqlSource, MySqlTarget};
use ferry_connectors::{Endpoint, LoadMethod, ReadOptions, Source, Target};
use ferry_fixtures::MySqlDb;
use mysql_async::prelude::Queryable;

const TYPES_SQL: &str = include_str!("../../fixtures/sql/types_mysql.sql");

/// Every copied column of `types_mysql` as HEX text, ordered by id.
async fn dump(db: &MySqlDb) -> Vec<Vec<Option<String>>> {
    let mut conn = db.conn().await;
    let cols: Vec<String> = conn
        .exec(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'types_mysql' ORDER BY ORDINAL_POSITION",
            (&db.name,),
        )
        .await
        .unwrap();
    // HEX() of a float/double prints its integer part only; CONCAT keeps full text too.
    let exprs: Vec<String> = cols
        .iter()
        .map(|c| format!("CONCAT(HEX(`{c}`), '|', `{c}`)"))
        .collect();
    let sql = format!("SELECT {} FROM types_mysql ORDER BY id", exprs.join(", "));
    let rows: Vec<mysql_async::Row> = conn.query(sql).await.unwrap();
    rows.into_iter()
        .map(|r| {
            r.unwrap()
                .into_iter()
                .map(|v| match v {
                    mysql_async::Value::NULL => None,
                    mysql_async::Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
                    other => Some(format!("{other:?}")),
                })
                .collect()
        })
        .collect()
}

/// The model of `name (id INT NOT NULL, second logical)`.
fn keyed_table(
    name: &str,
    second: &str,
    logical: ferry_schema::LogicalType,
) -> ferry_schema::Table {
    let mut id = ferry_schema::Column::new(
        "id",
        ferry_schema::LogicalType::Int {
            bits: 32,
            unsigned: false,
        },
    );
    id.nullable = false;
    ferry_schema::Table::new(name, vec![id, ferry_schema::Column::new(second, logical)])
}

async fn round_trip(tag: &str, force_insert: bool, options: ReadOptions) {
    let src_db = MySqlDb::create(&format!("{tag}_src")).await;
    src_db.execute(TYPES_SQL).await;
    let dst_db = MySqlDb::create(&format!("{tag}_dst")).await;
    let mut conn = src_db.conn().await;
    let (_, create): (String, String) = conn
        .query_first("SHOW CREATE TABLE types_mysql")
        .await
        .unwrap()
        .unwrap();
    dst_db.execute(&create).await;

    let source = MySqlSource::connect(&Endpoint::parse(&src_db.url).unwrap())
        .await
        .unwrap();
    let mut target = MySqlTarget::connect(&Endpoint::parse(&dst_db.url).unwrap(), 2)
        .await
        .unwrap();
    assert_eq!(
        target.load_method(),
        LoadMethod::MySqlLoadData,
        "local_infile is ON on the test server"
    );
    if force_insert {
        target = target.with_multi_row_insert();
        assert_eq!(target.load_method(), LoadMethod::MultiRowInsert);
    }
    let schema = source.introspect().await.unwrap();
    let table = schema.table("types_mysql").unwrap().clone();

    let (read, stats) = ferry_connectors::copy_direct(&source, &target, &table, options).await;
    let (read, stats) = (read.unwrap(), stats.unwrap());
    assert_eq!(read, 4);
    assert_eq!(stats.rows, 4);
    assert!(
        stats.bytes > 2_000_000,
        "the 2 MB longblob was sent: {stats:?}"
    );
    assert_eq!(target.count_rows("types_mysql").await.unwrap(), 4);

    let (a, b) = (dump(&src_db).await, dump(&dst_db).await);
    assert_eq!((a.len(), b.len()), (4, 4));
    for (row_a, row_b) in a.iter().zip(&b) {
        for (i, (x, y)) in row_a.iter().zip(row_b).enumerate() {
            assert_eq!(x, y, "column {i} differs");
        }
    }
    let mut dconn = dst_db.conn().await;

    target.reset_identity(&table).await.unwrap();
    dconn
        .query_drop("INSERT INTO types_mysql (c_int) VALUES (1)")
        .await
        .unwrap();
    let id: Option<u64> = dconn
        .query_first("SELECT MAX(id) FROM types_mysql")
        .await
        .unwrap();
    assert_eq!(id, Some(5));
}

#[tokio::test]
async fn load_data_round_trip() {
    round_trip("my_rt_load", false, ReadOptions::default()).await;
}

#[tokio::test]
async fn insert_fallback_round_trip_small_batches() {
    // One row per batch and a byte limit below the longblob: batches cut by both rules.
    round_trip(
        "my_rt_insert",
        true,
        ReadOptions {
            batch_rows: 1,
            batch_bytes: 1 << 20,
            ..ReadOptions::default()
        },
    )
    .await;
}

#[tokio::test]
async fn load_data_refuses_values_the_server_would_change() {
    use arrow_array::{Int32Array, RecordBatch, StringArray};
    use std::sync::Arc;
    let db = MySqlDb::create("my_rt_warn").await;
    db.execute("CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(3))")
        .await;
    let target = MySqlTarget::connect(&Endpoint::parse(&db.url).unwrap(), 1)
        .await
        .unwrap();
    let table = keyed_table(
        "t",
        "s",
        ferry_schema::LogicalType::Varchar { length: Some(3) },
    );
    let batch = RecordBatch::try_new(
        table.arrow_schema(),
        vec![
            Arc::new(Int32Array::from(vec![1, 2])),
            Arc::new(StringArray::from(vec!["abc", "too long"])),
        ],
    )
    .unwrap();
    let (tx, rx) = ferry_connectors::batch_channel(2);
    tx.send(batch).await.unwrap();
    tx.finish().await.unwrap();
    let err = target.write_table(&table, rx).await.unwrap_err();
    assert_eq!(err.kind(), ferry_connectors::ErrorKind::Data, "{err}");
    assert!(err.to_string().contains("s"), "{err}");
    assert_eq!(
        target.count_rows("t").await.unwrap(),
        0,
        "the load was rolled back"
    );
}

#[tokio::test]
async fn empty_table_loads_nothing() {
    let db = MySqlDb::create("my_rt_empty").await;
    db.execute("CREATE TABLE e (id INT PRIMARY KEY)").await;
    let target = MySqlTarget::connect(&Endpoint::parse(&db.url).unwrap(), 1)
        .await
        .unwrap();
    let table = ferry_schema::Table::new(
        "e",
        vec![ferry_schema::Column::new(
            "id",
            ferry_schema::LogicalType::Int {
                bits: 32,
                unsigned: false,
            },
        )],
    );
    let (tx, rx) = ferry_connectors::batch_channel(1);
    tx.finish().await.unwrap();
    let stats = target.write_table(&table, rx).await.unwrap();
    assert_eq!(stats.rows, 0);
    // Without an identity column reset_identity has nothing to do.
    target.reset_identity(&table).await.unwrap();
}

#[tokio::test]
async fn reader_stops_quietly_when_the_receiver_is_gone() {
    let db = MySqlDb::create("my_rt_stop").await;
    db.execute("CREATE TABLE n (id INT PRIMARY KEY); INSERT INTO n SELECT seq FROM seq_1_to_5000")
        .await;
    let source = MySqlSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap();
    assert_eq!(source.count_rows("n").await.unwrap(), 5000);
    let schema = source.introspect().await.unwrap();
    let table = schema.table("n").unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let options = ReadOptions {
        batch_rows: 100,
        batch_bytes: 1 << 20,
        ..ReadOptions::default()
    };
    let reading = tokio::spawn({
        let table = table.clone();
        async move { source.read_table(&table, options, tx).await }
    });
    let first = rx.recv().await.unwrap();
    assert_eq!(first.num_rows(), 100);
    drop(rx);
    let read = reading.await.unwrap().unwrap();
    assert!(read < 5000, "stopped early after {read} rows");
}

/// A value larger than the server's max_allowed_packet (16 MiB here): the
/// upload goes out in packets under the limit, and the server keeps every byte
/// (read back through ferry's direct reader, which reassembles such rows).
#[tokio::test]
async fn load_data_takes_a_value_larger_than_max_allowed_packet() {
    use arrow_array::cast::AsArray;
    use arrow_array::{Array, BinaryArray, Int32Array, RecordBatch};
    use std::sync::Arc;
    let db = MySqlDb::create("my_rt_big").await;
    db.execute("CREATE TABLE b (id INT PRIMARY KEY, v LONGBLOB)")
        .await;
    let mut conn = db.conn().await;
    let limit: u64 = conn
        .query_first("SELECT @@max_allowed_packet")
        .await
        .unwrap()
        .unwrap();
    let target = MySqlTarget::connect(&Endpoint::parse(&db.url).unwrap(), 1)
        .await
        .unwrap();
    let table = keyed_table(
        "b",
        "v",
        ferry_schema::LogicalType::Varbinary { length: None },
    );
    let size = usize::try_from(limit).unwrap() + (4 << 20) + 3;
    // Every byte value, the LOAD DATA separators and escape included.
    let big: Vec<u8> = (0..=255u8).cycle().take(size).collect();
    let batch = RecordBatch::try_new(
        table.arrow_schema(),
        vec![
            Arc::new(Int32Array::from(vec![1, 2])),
            Arc::new(BinaryArray::from(vec![&b"small"[..], &big[..]])),
        ],
    )
    .unwrap();
    let (tx, rx) = ferry_connectors::batch_channel(2);
    tx.send(batch).await.unwrap();
    tx.finish().await.unwrap();
    let stats = target.write_table(&table, rx).await.unwrap();
    assert_eq!(stats.rows, 2);

    let lengths: Vec<(i32, u64)> = conn
        .query("SELECT id, LENGTH(v) FROM b ORDER BY id")
        .await
        .unwrap();
    assert_eq!(lengths, vec![(1, 5), (2, size as u64)]);
    let source = MySqlSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let read =
        tokio::spawn(async move { source.read_table(&table, ReadOptions::default(), tx).await });
    let mut values = Vec::new();
    while let Some(batch) = rx.recv().await {
        let column = batch.column(1).as_binary::<i32>();
        values.extend((0..column.len()).map(|i| column.value(i).to_vec()));
    }
    assert_eq!(read.await.unwrap().unwrap(), 2);
    assert_eq!(values[0], b"small");
    assert!(values[1] == big, "the large value came back byte for byte");
}
