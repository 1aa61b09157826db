//! A rough end-to-end throughput check of the PostgreSQL reader and writer
//! (ignored by default; run with `--ignored --nocapture` to see rows/s).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ferry_connectors::postgres::{PgSource, PgTarget};
use ferry_connectors::{Endpoint, ReadOptions, Source};
use ferry_fixtures::PgDb;
use std::time::Instant;

const CREATE: &str = "CREATE TABLE wide (id bigint PRIMARY KEY, n numeric(12,2), t text, ts timestamptz, f float8, b bool)";

#[tokio::test]
#[ignore = "throughput measurement, not a correctness test"]
async fn copy_one_million_rows() {
    let from = PgDb::create("pgtp_src").await;
    let to = PgDb::create("pgtp_dst").await;
    from.execute(CREATE).await;
    to.execute(CREATE).await;
    from.execute(
        "INSERT INTO wide SELECT g, g / 100.0, 'row number ' || g, now() - g * interval '1 second', g * 0.5, g % 2 = 0
         FROM generate_series(1, 1000000) g",
    )
    .await;
    let source = PgSource::connect(&Endpoint::parse(&from.url).unwrap())
        .await
        .unwrap();
    let target = PgTarget::connect(&Endpoint::parse(&to.url).unwrap(), 1)
        .await
        .unwrap();
    let table = common::table_model(&source, "wide").await;

    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let start = Instant::now();
    let drain = async move { while rx.recv().await.is_some() {} };
    let (rows, ()) = tokio::join!(source.read_table(&table, ReadOptions::default(), tx), drain);
    let read = start.elapsed();
    assert_eq!(rows.unwrap(), 1_000_000);

    let start = Instant::now();
    let (rows, stats) =
        ferry_connectors::copy_direct(&source, &target, &table, ReadOptions::default()).await;
    let both = start.elapsed();
    assert_eq!((rows.unwrap(), stats.unwrap().rows), (1_000_000, 1_000_000));
    println!("read only: {read:?}; read + write: {both:?} for 1M rows");
}
