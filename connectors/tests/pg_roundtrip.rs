//! PostgreSQL → PostgreSQL through Arrow: every value of the type fixture and of
//! Chinook must come back identical, and the writer must refuse bad values by name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use ferry_connectors::postgres::{PgSource, PgTarget};
use ferry_connectors::{ConnectorError, Endpoint, LoadMethod, ReadOptions, Source, Target};
use ferry_fixtures::PgDb;
use ferry_schema::{Column, LogicalType, Table};
use std::sync::Arc;

const TYPES_PG: &str = include_str!("../../fixtures/sql/types_pg.sql");

fn endpoint(db: &PgDb) -> Endpoint {
    Endpoint::parse(&db.url).unwrap()
}

/// Copies `table` from `source` to `target` through a small channel.
async fn copy(
    source: &PgSource,
    target: &PgTarget,
    table: &Table,
    options: ReadOptions,
) -> (u64, u64) {
    let (read, written) = ferry_connectors::copy_direct(source, target, table, options).await;
    (read.unwrap(), written.unwrap().rows)
}

/// Every row of `table` in PostgreSQL's own text rendering, by primary key order.
async fn rows_as_text(db: &PgDb, table: &str, key: &str) -> Vec<String> {
    let client = db.client().await;
    let sql = format!("SELECT t::text FROM {table} t ORDER BY {key}");
    client
        .query(sql.as_str(), &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn type_fixture_round_trip() {
    let from = PgDb::create("pgrt_types_src").await;
    let to = PgDb::create("pgrt_types_dst").await;
    from.execute(TYPES_PG).await;
    to.execute(TYPES_PG).await;
    to.execute("TRUNCATE types_pg").await;
    let source = PgSource::connect(&endpoint(&from)).await.unwrap();
    let target = PgTarget::connect(&endpoint(&to), 2).await.unwrap();
    assert_eq!(target.load_method(), LoadMethod::PgBinaryCopy);
    let schema = source.introspect().await.unwrap();
    let table = schema.table("types_pg").unwrap();
    // Small batches by rows, then by bytes (the 2 MB bytea alone exceeds the limit).
    for options in [
        ReadOptions {
            batch_rows: 2,
            batch_bytes: 1 << 30,
            ..ReadOptions::default()
        },
        ReadOptions {
            batch_rows: 1000,
            batch_bytes: 1024,
            ..ReadOptions::default()
        },
    ] {
        to.execute("TRUNCATE types_pg").await;
        assert_eq!(copy(&source, &target, table, options).await, (6, 6));
        let expected = rows_as_text(&from, "types_pg", "id").await;
        let got = rows_as_text(&to, "types_pg", "id").await;
        assert_eq!(expected.len(), 6);
        for (e, g) in expected.iter().zip(&got) {
            assert_eq!(e, g);
        }
    }
    // -0.0 survives (PostgreSQL prints it as "-0"; ::text above already compared it).
    let client = to.client().await;
    let neg_zero: String = client
        .query_one("SELECT c_float8::text FROM types_pg WHERE id = 2", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(neg_zero, "-0");
    assert_eq!(source.count_rows("types_pg").await.unwrap(), 6);
    assert_eq!(target.count_rows("types_pg").await.unwrap(), 6);
}

#[tokio::test]
async fn chinook_round_trip_and_identity_reset() {
    let from = PgDb::create("pgrt_chinook_src").await;
    let to = PgDb::create("pgrt_chinook_dst").await;
    from.execute(&ferry_fixtures::chinook_pg_script(true)).await;
    to.execute(&ferry_fixtures::chinook_pg_script(true)).await;
    // The engine adds foreign keys after loading; tables here load in name order.
    to.execute(
        "DO $$ DECLARE r record; BEGIN
           FOR r IN SELECT conrelid::regclass AS t, conname FROM pg_constraint WHERE contype = 'f' LOOP
             EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.t, r.conname);
           END LOOP;
         END $$",
    )
    .await;
    let source = PgSource::connect(&endpoint(&from)).await.unwrap();
    let target = PgTarget::connect(&endpoint(&to), 3).await.unwrap();
    let schema = source.introspect().await.unwrap();
    let names: Vec<String> = schema.tables.iter().map(|t| t.name.clone()).collect();
    assert_eq!(target.existing_tables().await.unwrap(), names);
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    target
        .execute(
            "emptying the target",
            &[format!("TRUNCATE {}", quoted.join(", "))],
        )
        .await
        .unwrap();
    // Three tables at once share the pools.
    let mut total = 0;
    for chunk in schema.tables.chunks(3) {
        let copies = chunk
            .iter()
            .map(|t| copy(&source, &target, t, ReadOptions::default()));
        for (read, written) in futures_util::future::join_all(copies).await {
            assert_eq!(read, written);
            total += read;
        }
    }
    assert_eq!(total, 15_607);
    for table in &schema.tables {
        let key = table.primary_key.as_ref().unwrap().columns.join(", ");
        assert_eq!(
            rows_as_text(&from, &table.name, &key).await,
            rows_as_text(&to, &table.name, &key).await,
            "{}",
            table.name
        );
        target.reset_identity(table).await.unwrap();
    }
    let next: i32 = to
        .client()
        .await
        .query_one(
            "INSERT INTO artist (name) VALUES ('new') RETURNING artist_id",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(next, 276);
    assert_eq!(
        target
            .query_u64("SELECT max(artist_id) FROM artist")
            .await
            .unwrap(),
        276
    );
    assert_eq!(
        target
            .query_u64("SELECT sum(total) FROM invoice WHERE false")
            .await
            .unwrap(),
        0
    );
    assert!(target.query_u64("SELECT -1").await.is_err());
}

#[tokio::test]
async fn writer_refuses_bad_values_by_column_and_row() {
    let db = PgDb::create("pgrt_bad").await;
    let target = PgTarget::connect(&endpoint(&db), 1).await.unwrap();
    target
        .execute(
            "creating n",
            &["CREATE TABLE n (v numeric(10,2))".to_string()],
        )
        .await
        .unwrap();
    let err = target
        .execute("creating m", &["CREATE TABLE m (v nosuchtype)".to_string()])
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("creating m") && text.contains("nosuchtype"),
        "{text}"
    );
    let table = Table::new(
        "n",
        vec![Column::new(
            "v",
            LogicalType::Decimal {
                precision: Some(10),
                scale: Some(2),
            },
        )],
    );
    let (tx, rx) = ferry_connectors::batch_channel(2);
    let values: ArrayRef = Arc::new(StringArray::from(vec![Some("1.5"), None, Some("12abc")]));
    tx.send(RecordBatch::try_new(table.arrow_schema(), vec![values]).unwrap())
        .await
        .unwrap();
    tx.finish().await.unwrap();
    let err = target.write_table(&table, rx).await.unwrap_err();
    match &err {
        ConnectorError::Data {
            table,
            column,
            detail,
        } => {
            assert_eq!((table.as_str(), column.as_str()), ("n", "v"));
            assert!(
                detail.contains("row 3") && detail.contains("12abc"),
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Text with a NUL cannot be stored: refused by row, not by a server encoding error.
    let (tx, rx) = ferry_connectors::batch_channel(2);
    target
        .execute("creating s", &["CREATE TABLE s (v text)".to_string()])
        .await
        .unwrap();
    let s_table = Table::new(
        "s",
        vec![Column::new("v", LogicalType::Text { max_bytes: None })],
    );
    let values: ArrayRef = Arc::new(StringArray::from(vec![Some("ok"), Some("NUL\0inside")]));
    tx.send(RecordBatch::try_new(s_table.arrow_schema(), vec![values]).unwrap())
        .await
        .unwrap();
    tx.finish().await.unwrap();
    let err = target
        .write_table(&s_table, rx)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("row 2") && err.contains("NUL"), "{err}");
    // Nothing was committed, and the session is usable again.
    assert_eq!(target.count_rows("n").await.unwrap(), 0);
    let missing = Table::new("absent", vec![Column::new("v", LogicalType::Boolean)]);
    let (_tx, rx) = ferry_connectors::batch_channel(1);
    let err = target.write_table(&missing, rx).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::NotFound { what: "table", .. }),
        "{err:?}"
    );
}
