//! A writer whose feed stops without its end marker (the source failed) rolls
//! the whole table back, for every target: nothing partial is ever committed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use arrow_array::{Int64Array, RecordBatch};
use ferry_connectors::{batch_channel, open_target, ConnectorError, Endpoint, Target};
use ferry_fixtures::{unique_name, MySqlDb, PgDb};
use ferry_schema::{Column, Dialect, LogicalType, Table};
use std::sync::Arc;

fn table() -> Table {
    let id = Column::new(
        "id",
        LogicalType::Int {
            bits: 64,
            unsigned: false,
        },
    )
    .not_null();
    Table::new("fed", vec![id])
}

fn batch(from: i64) -> RecordBatch {
    let ids = Int64Array::from_iter_values(from..from + 100);
    RecordBatch::try_new(table().arrow_schema(), vec![Arc::new(ids)]).unwrap()
}

/// Writes two batches, then drops the feeder: the load must fail as cancelled
/// and leave the table empty. Then a finished feed commits.
async fn check(target: &dyn Target, namespace: Option<&str>, dialect: Dialect) {
    let t = table();
    let ddl = ferry_schema::create_table(&t, namespace, dialect).unwrap();
    target.execute("creating fed", &[ddl]).await.unwrap();

    let (feeder, rx) = batch_channel(4);
    let write = target.write_table(&t, rx);
    let feed = async move {
        feeder.send(batch(0)).await.unwrap();
        feeder.send(batch(100)).await.unwrap();
        drop(feeder);
    };
    let (written, ()) = tokio::join!(write, feed);
    assert!(
        matches!(written, Err(ConnectorError::Cancelled { .. })),
        "{dialect}: {written:?}"
    );
    assert_eq!(
        target.count_rows("fed").await.unwrap(),
        0,
        "{dialect}: partial rows committed"
    );

    let (feeder, rx) = batch_channel(4);
    let feed = async move {
        feeder.send(batch(0)).await.unwrap();
        feeder.finish().await.unwrap();
    };
    let (written, ()) = tokio::join!(target.write_table(&t, rx), feed);
    assert_eq!(written.unwrap().rows, 100);
    assert_eq!(target.count_rows("fed").await.unwrap(), 100);
}

#[tokio::test]
async fn postgres_rolls_back_an_unfinished_feed() {
    let db = PgDb::create("feed_cancel").await;
    let target = open_target(&Endpoint::parse(&db.url).unwrap(), 1)
        .await
        .unwrap();
    check(&*target, Some("public"), Dialect::Postgres).await;
}

#[tokio::test]
async fn mysql_rolls_back_an_unfinished_feed() {
    let db = MySqlDb::create("feed_cancel").await;
    let target = open_target(&Endpoint::parse(&db.url).unwrap(), 1)
        .await
        .unwrap();
    check(&*target, Some(&db.name), Dialect::MySql).await;
}

#[tokio::test]
async fn sqlite_rolls_back_an_unfinished_feed() {
    let path = std::env::temp_dir().join(format!("{}.sqlite", unique_name("feed_cancel")));
    let target = open_target(
        &Endpoint::parse(&format!("sqlite://{}", path.display())).unwrap(),
        1,
    )
    .await
    .unwrap();
    check(&*target, None, Dialect::Sqlite).await;
    drop(target);
    let _ = std::fs::remove_file(path);
}
