//! A load that is its table's only writer arrives frozen (`COPY ... FREEZE`),
//! so no later vacuum rewrites the table; and it never removes rows a table
//! already held. Read off PostgreSQL's own visibility map (`pg_visibility`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use ferry_connectors::postgres::PgTarget;
use ferry_connectors::{Endpoint, Target, WriteOptions};
use ferry_fixtures::PgDb;
use ferry_schema::{Column, LogicalType, Table};
use std::sync::Arc;

const ROWS: i64 = 20_000;

fn table(name: &str) -> Table {
    Table::new(
        name,
        vec![
            Column::new(
                "id",
                LogicalType::Int {
                    bits: 64,
                    unsigned: false,
                },
            ),
            Column::new("v", LogicalType::Text { max_bytes: None }),
        ],
    )
}

/// Creates `name` with autovacuum off, so only the load can have set its
/// visibility map, optionally holding one row already.
async fn create(db: &PgDb, name: &str, with_row: bool) {
    db.execute(&format!(
        "CREATE TABLE {name} (id bigint, v text) WITH (autovacuum_enabled = false)"
    ))
    .await;
    if with_row {
        db.execute(&format!("INSERT INTO {name} VALUES (-1, 'already here')"))
            .await;
    }
}

/// Loads ids 0..ROWS into `t` in batches of 5,000.
async fn load(target: &PgTarget, t: &Table, sole_writer: bool) -> u64 {
    let (tx, rx) = ferry_connectors::batch_channel(2);
    let feed = {
        let schema = t.arrow_schema();
        async move {
            for start in (0..ROWS).step_by(5_000) {
                let ids: Vec<i64> = (start..start + 5_000).collect();
                let texts: Vec<String> = ids.iter().map(|i| format!("row {i}")).collect();
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(Int64Array::from(ids)),
                    Arc::new(StringArray::from(texts)),
                ];
                tx.send(RecordBatch::try_new(Arc::clone(&schema), columns).unwrap())
                    .await
                    .unwrap();
            }
            tx.finish().await.unwrap();
        }
    };
    let options = WriteOptions {
        record: &[],
        sole_writer,
    };
    let (written, ()) = tokio::join!(target.write_table_with(t, rx, options), feed);
    written.unwrap().rows
}

/// The first row of `sql`, every column a bigint.
async fn numbers(db: &PgDb, sql: &str) -> Vec<i64> {
    let row = db.client().await.query_one(sql, &[]).await.unwrap();
    (0..row.len()).map(|i| row.get(i)).collect()
}

/// (heap pages, pages the visibility map marks all-frozen) of the table
/// whose SQL name is `name` (quoted where it needs to be).
async fn frozen_pages(db: &PgDb, name: &str) -> (i64, i64) {
    let literal = name.replace('\'', "''");
    let sql = format!(
        "SELECT count(*), count(*) FILTER (WHERE all_frozen) FROM pg_visibility_map('{literal}')"
    );
    let n = numbers(db, &sql).await;
    (n[0], n[1])
}

/// (rows, lowest id, highest id) of the table whose SQL name is `name`.
async fn ids(db: &PgDb, name: &str) -> (i64, i64, i64) {
    let sql = format!("SELECT count(*), min(id), max(id) FROM {name}");
    let n = numbers(db, &sql).await;
    (n[0], n[1], n[2])
}

#[tokio::test]
async fn a_sole_writer_loads_every_page_frozen_and_a_shared_one_does_not() {
    let db = PgDb::create("pgfreeze_sole").await;
    db.execute("CREATE EXTENSION pg_visibility").await;
    let target = PgTarget::connect(&Endpoint::parse(&db.url).unwrap(), 2)
        .await
        .unwrap();
    create(&db, "sole", false).await;
    create(&db, "shared", false).await;

    assert_eq!(load(&target, &table("sole"), true).await, 20_000);
    assert_eq!(load(&target, &table("shared"), false).await, 20_000);

    assert_eq!(ids(&db, "sole").await, (ROWS, 0, ROWS - 1));
    assert_eq!(ids(&db, "shared").await, (ROWS, 0, ROWS - 1));
    let (pages, frozen) = frozen_pages(&db, "sole").await;
    assert!(
        pages > 10,
        "20,000 rows should take more than 10 pages, not {pages}"
    );
    assert_eq!(
        frozen, pages,
        "every page of the sole writer's load is frozen"
    );
    let (pages, frozen) = frozen_pages(&db, "shared").await;
    assert!(pages > 10, "{pages}");
    assert_eq!(frozen, 0, "an ordinary load leaves freezing to vacuum");
}

#[tokio::test]
async fn a_sole_writer_keeps_rows_the_table_already_held() {
    let db = PgDb::create("pgfreeze_held").await;
    db.execute("CREATE EXTENSION pg_visibility").await;
    let target = PgTarget::connect(&Endpoint::parse(&db.url).unwrap(), 2)
        .await
        .unwrap();
    create(&db, "held", true).await;

    assert_eq!(load(&target, &table("held"), true).await, 20_000);

    // The row from before is still there, beside every loaded one; the load
    // was an ordinary one, since only an empty table may be truncated.
    assert_eq!(ids(&db, "held").await, (ROWS + 1, -1, ROWS - 1));
    assert_eq!(frozen_pages(&db, "held").await.1, 0);
}

#[tokio::test]
async fn a_sole_writer_loads_a_referenced_table_the_ordinary_way() {
    // PostgreSQL refuses to truncate a table a foreign key references, even
    // an empty one: the load must still go through, just not frozen. The
    // name holds a quote of each kind, which the check has to carry intact.
    let db = PgDb::create("pgfreeze_ref").await;
    db.execute("CREATE EXTENSION pg_visibility").await;
    let target = PgTarget::connect(&Endpoint::parse(&db.url).unwrap(), 2)
        .await
        .unwrap();
    let name = r#"it's "odd""#;
    db.execute(
        r#"CREATE TABLE "it's ""odd""" (id bigint PRIMARY KEY, v text) WITH (autovacuum_enabled = false);
           CREATE TABLE child (parent bigint REFERENCES "it's ""odd""" (id))"#,
    )
    .await;

    assert_eq!(load(&target, &table(name), true).await, 20_000);

    let quoted = r#""it's ""odd""""#;
    assert_eq!(ids(&db, quoted).await, (ROWS, 0, ROWS - 1));
    let (pages, frozen) = frozen_pages(&db, quoted).await;
    assert!(pages > 10, "{pages}");
    assert_eq!(frozen, 0);
}
