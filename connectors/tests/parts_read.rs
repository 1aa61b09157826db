//! Reading parts of a table on the real servers: a key range read with the
//! conditions and cut points each dialect builds, PostgreSQL parts joining one
//! exported snapshot (which ctid ranges depend on), and MySQL parts reading
//! sessions whose snapshots started at one moment.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use ferry_connectors::mysql::MySqlSource;
use ferry_connectors::postgres::PgSource;
use ferry_connectors::{Endpoint, KeyColumn, KeyRange, ReadOptions, SharedSnapshot, Source};
use ferry_fixtures::{MySqlDb, PgDb};
use ferry_schema::Table;
use mysql_async::prelude::Queryable;
use std::time::{Duration, Instant};

/// Reads `table` with `options`; returns the `v` column's values, sorted.
async fn read_v(source: &dyn Source, table: &Table, options: ReadOptions) -> Vec<i32> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let rows = source.read_table(table, options, tx).await.unwrap();
    let mut out = Vec::new();
    while let Some(batch) = rx.recv().await {
        let index = batch.schema().index_of("v").unwrap();
        out.extend(
            batch
                .column(index)
                .as_primitive::<Int32Type>()
                .iter()
                .flatten(),
        );
    }
    assert_eq!(u64::try_from(out.len()).unwrap(), rows);
    out.sort_unstable();
    out
}

/// Cut points from the server, then every range read back: each row once.
async fn check_cut_ranges(source: &dyn Source, table: &Table, columns: &[&str], rows: u64) {
    let names: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let cuts = source.key_cut_points(table, &names, rows, 7).await.unwrap();
    assert!(cuts.len() >= 3, "{cuts:?}");
    let key: Vec<KeyColumn> = names
        .iter()
        .map(|n| KeyColumn::not_null(n.clone()))
        .collect();
    let lows = std::iter::once(None).chain(cuts.iter().cloned().map(Some));
    let highs = cuts.iter().cloned().map(Some).chain(std::iter::once(None));
    let mut all = Vec::new();
    for (low, high) in lows.zip(highs) {
        let options = ReadOptions {
            key_range: Some(KeyRange {
                columns: key.clone(),
                low,
                high,
            }),
            ..ReadOptions::default()
        };
        all.extend(read_v(source, table, options).await);
    }
    all.sort_unstable();
    let expected: Vec<i32> = (0..i32::try_from(rows).unwrap()).collect();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn mysql_case_insensitive_and_hostile_keys_cut_into_exact_ranges() {
    let db = MySqlDb::create("partsread_my").await;
    // Under utf8mb4_general_ci 'a' = 'A' = 'a ' (PAD SPACE): many ties.
    db.execute(
        "CREATE TABLE t (s VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL, n INT NOT NULL,
                         v INT NOT NULL, PRIMARY KEY (s, n)) CHARSET utf8mb4;
         INSERT INTO t (s, n, v) WITH RECURSIVE r(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM r WHERE i < 699)
           SELECT ELT(1 + i % 7, 'a', 'A', 'a ', 'b''\\\\', '\\\\''', 'é', 'B'), i, i FROM r;",
    )
    .await;
    let source = MySqlSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap();
    let table = common::table_model(&source, "t").await;
    check_cut_ranges(&source, &table, &["s", "n"], 700).await;
    // The leading column alone: ranges of equal-under-collation values.
    check_cut_ranges(&source, &table, &["s"], 700).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_parts_read_sessions_whose_snapshots_start_at_one_moment() {
    let db = MySqlDb::create("partsnap_my").await;
    db.execute(
        "CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL);
         INSERT INTO t SELECT seq, seq FROM seq_0_to_699;",
    )
    .await;
    let source = MySqlSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap();
    let table = common::table_model(&source, "t").await;
    // Two sessions for three parts: the third waits for one, whose
    // transaction (and snapshot) is still open after the part it read.
    let guard = match source.begin_snapshot(&table, 2).await.unwrap() {
        SharedSnapshot::Shared(guard) => guard,
        SharedSnapshot::Unavailable(why) => panic!("no shared snapshot: {why}"),
    };
    db.execute("INSERT INTO t VALUES (1000, 1000); UPDATE t SET v = v + 5000 WHERE id < 10;")
        .await;
    // The three parts all see the rows as they were.
    let part = |low, high| ReadOptions {
        key_range: Some(KeyRange::integer("id", low, high)),
        snapshot: Some(guard.id().clone()),
        ..ReadOptions::default()
    };
    let (a, b, c) = tokio::join!(
        read_v(&source, &table, part(None, Some(200))),
        read_v(&source, &table, part(Some(200), Some(500))),
        read_v(&source, &table, part(Some(500), None)),
    );
    let seen: Vec<i32> = a.into_iter().chain(b).chain(c).collect();
    assert_eq!(seen, (0..700).collect::<Vec<i32>>());
    // So does a later read of the whole table in the same snapshot.
    let again = read_v(&source, &table, part(None, None)).await;
    assert_eq!(again, (0..700).collect::<Vec<i32>>());
    // Once the guard is gone, the snapshot is refused by name.
    let ended = part(None, None);
    drop(guard);
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let err = source
        .read_table(&table, ended, tx)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("has ended"), "{err}");
    assert_eq!(
        read_v(&source, &table, ReadOptions::default()).await.len(),
        701
    );

    // An open write transaction on the table: the lock that would hold
    // writes off waits for it only briefly, then the parts go unshared.
    let mut writer = db.conn().await;
    writer.query_drop("START TRANSACTION").await.unwrap();
    writer
        .query_drop("UPDATE t SET v = v + 1 WHERE id = 1")
        .await
        .unwrap();
    let started = Instant::now();
    let outcome = source.begin_snapshot(&table, 2).await.unwrap();
    let waited = started.elapsed();
    match outcome {
        SharedSnapshot::Unavailable(why) => {
            assert!(why.contains("LOCK TABLES t READ"), "{why}")
        }
        SharedSnapshot::Shared(_) => panic!("a snapshot was shared past an open write"),
    }
    assert!(waited < Duration::from_secs(30), "waited {waited:?}");
    writer.query_drop("COMMIT").await.unwrap();
    // The writer was not left blocked: its commit went through (id 1 had
    // been moved to 5001 above).
    assert_eq!(
        read_v(&source, &table, part_free(Some(1), Some(2))).await,
        vec![5002]
    );
}

/// A range read outside any shared snapshot.
fn part_free(low: Option<i64>, high: Option<i64>) -> ReadOptions {
    ReadOptions {
        key_range: Some(KeyRange::integer("id", low, high)),
        ..ReadOptions::default()
    }
}

#[tokio::test]
async fn postgres_parts_share_one_exported_snapshot() {
    let db = PgDb::create("partsread_pg").await;
    db.execute(
        "CREATE TABLE t (s text NOT NULL, v int NOT NULL, PRIMARY KEY (s, v));
         INSERT INTO t SELECT (ARRAY['a', 'B', E'\\\\''', 'é'])[1 + i % 4], i FROM generate_series(0, 699) i;",
    )
    .await;
    let source = PgSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap();
    let table = common::table_model(&source, "t").await;
    check_cut_ranges(&source, &table, &["s", "v"], 700).await;

    let guard = source
        .begin_snapshot(&table, 2)
        .await
        .unwrap()
        .guard()
        .unwrap();
    db.execute("INSERT INTO t VALUES ('late', 1000); UPDATE t SET v = v + 5000 WHERE v < 10;")
        .await;
    let in_snapshot = ReadOptions {
        snapshot: Some(guard.id().clone()),
        ..ReadOptions::default()
    };
    let seen = read_v(&source, &table, in_snapshot.clone()).await;
    assert_eq!(seen, (0..700).collect::<Vec<i32>>());
    // Without the snapshot, the changes are visible.
    let now = read_v(&source, &table, ReadOptions::default()).await;
    assert_eq!(now.len(), 701);
    // Dropping the guard ends the exporting transaction: the id is gone.
    drop(guard);
    let mut gone = false;
    for _ in 0..50 {
        let (tx, _rx) = tokio::sync::mpsc::channel(64);
        if source
            .read_table(&table, in_snapshot.clone(), tx)
            .await
            .is_err()
        {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "the snapshot outlived its guard");
}

#[tokio::test]
async fn row_estimates_come_from_the_catalog_or_the_exact_count() {
    let pg = PgDb::create("estimate_pg").await;
    pg.execute(
        "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 5000);",
    )
    .await;
    let source = PgSource::connect(&Endpoint::parse(&pg.url).unwrap())
        .await
        .unwrap();
    // Never analyzed: reltuples says nothing, so the exact count answers.
    assert_eq!(source.estimate_rows("t").await.unwrap(), 5000);
    pg.execute("ANALYZE t").await;
    assert_eq!(source.estimate_rows("t").await.unwrap(), 5000);

    let my = MySqlDb::create("estimate_my").await;
    my.execute(
        "CREATE TABLE t (id INT PRIMARY KEY);
         INSERT INTO t SELECT seq FROM seq_1_to_5000;
         ANALYZE TABLE t;",
    )
    .await;
    let source = MySqlSource::connect(&Endpoint::parse(&my.url).unwrap())
        .await
        .unwrap();
    let estimate = source.estimate_rows("t").await.unwrap();
    // InnoDB samples pages: an estimate, not the count.
    assert!((2500..=10_000).contains(&estimate), "{estimate}");
}
