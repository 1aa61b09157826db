//! Index builds on PostgreSQL run with raised maintenance settings that end
//! with their transaction: the pooled session keeps its own afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_connectors::{open_target, Endpoint};
use ferry_fixtures::PgDb;

#[tokio::test]
async fn index_builds_tune_their_own_transaction_only() {
    let db = PgDb::create("pg_indexes").await;
    db.execute("CREATE TABLE t (a int, b text); INSERT INTO t SELECT g, g::text FROM generate_series(1, 1000) g;")
        .await;
    // One session in the pool, so every call below runs on the same one.
    let target = open_target(&Endpoint::parse(&db.url).unwrap(), 1)
        .await
        .unwrap();
    let before = target
        .query_u64("SELECT setting::bigint FROM pg_settings WHERE name = 'maintenance_work_mem'")
        .await
        .unwrap();
    target
        .build_indexes(
            "t",
            &[
                "CREATE INDEX t_a ON t (a)".to_string(),
                "CREATE UNIQUE INDEX t_b ON t (b)".to_string(),
            ],
        )
        .await
        .unwrap();
    let indexes = target
        .query_u64("SELECT count(*) FROM pg_indexes WHERE tablename = 't'")
        .await
        .unwrap();
    assert_eq!(indexes, 2);
    let after = target
        .query_u64("SELECT setting::bigint FROM pg_settings WHERE name = 'maintenance_work_mem'")
        .await
        .unwrap();
    assert_eq!(
        before, after,
        "SET LOCAL must not leak into the pooled session"
    );
    assert_ne!(after, 262_144, "the raised value is only for the build");

    // A failing statement names itself, and the transaction leaves nothing behind.
    let err = target
        .build_indexes(
            "t",
            &[
                "CREATE INDEX t_c ON t (a)".to_string(),
                "CREATE INDEX t_x ON t (nope)".to_string(),
            ],
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nope") && err.contains("indexes of t"),
        "{err}"
    );
    let indexes = target
        .query_u64("SELECT count(*) FROM pg_indexes WHERE tablename = 't'")
        .await
        .unwrap();
    assert_eq!(indexes, 2, "t_c was rolled back with the failed build");
}
