//! Reading parts of a table on the real servers: a key range read with the
//! conditions and cut points each dialect builds, and PostgreSQL parts
//! joining one exported snapshot (which ctid ranges depend on).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use ferry_connectors::mysql::MySqlSource;
use ferry_connectors::postgres::PgSource;
use ferry_connectors::{Endpoint, KeyColumn, KeyRange, ReadOptions, Source};
use ferry_fixtures::{MySqlDb, PgDb};
use ferry_schema::Table;

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
    let table = source
        .introspect()
        .await
        .unwrap()
        .table("t")
        .unwrap()
        .clone();
    check_cut_ranges(&source, &table, &["s", "n"], 700).await;
    // The leading column alone: ranges of equal-under-collation values.
    check_cut_ranges(&source, &table, &["s"], 700).await;
    assert!(source.begin_snapshot().await.unwrap().is_none());
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
    let table = source
        .introspect()
        .await
        .unwrap()
        .table("t")
        .unwrap()
        .clone();
    check_cut_ranges(&source, &table, &["s", "v"], 700).await;

    let guard = source.begin_snapshot().await.unwrap().unwrap();
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
