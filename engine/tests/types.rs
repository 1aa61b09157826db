//! The type-coverage fixtures (`fixtures/sql/types_*.sql`) migrated to every
//! target and compared value by value, with the source's values cast by
//! ferry's own casts wherever the mapping changed a column's type.

mod common;

use ferry_engine::PlanSettings;
use ferry_fixtures::{unique_name, MySqlDb, PgDb};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/sql")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn temp_sqlite(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{}.sqlite", unique_name(tag)))
}

/// Migrates with lossy conversions allowed (each is listed in the report) and
/// compares every row of every table of the source with the target.
async fn migrate_and_compare(src: &str, dst: &str) -> ferry_engine::Report {
    let settings = PlanSettings {
        allow_lossy: true,
        ..PlanSettings::default()
    };
    let report = ferry_engine::migrate(
        &common::options(src, dst, settings),
        &ferry_engine::Progress::new(true),
    )
    .await
    .unwrap_or_else(|e| panic!("{src} -> {dst}: {e}"));
    assert!(report.ok, "{src} -> {dst}:\n{}", report.summary());
    for t in &report.tables {
        let target_types = common::arrow_types(dst, &t.target_table).await;
        let a = common::table_rows_as(src, &t.source_table, Some(target_types)).await;
        let b = common::table_rows(dst, &t.target_table).await;
        assert_eq!(a.len(), b.len(), "row count of {}", t.source_table);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                x, y,
                "{src} -> {dst}: first differing row of {}",
                t.source_table
            );
        }
    }
    report
}

async fn mysql_types() -> MySqlDb {
    let db = MySqlDb::create("types_src").await;
    db.execute(&fixture("types_mysql.sql")).await;
    db
}

async fn pg_types() -> PgDb {
    let db = PgDb::create("types_src").await;
    db.execute(&fixture("types_pg.sql")).await;
    db
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_types_to_mysql() {
    let (src, dst) = (mysql_types().await, MySqlDb::create("types_dst").await);
    let report = migrate_and_compare(&src.url, &dst.url).await;
    assert!(
        report.lossy.is_empty(),
        "same dialect must be lossless: {:?}",
        report.lossy
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_types_to_pg() {
    let (src, dst) = (mysql_types().await, PgDb::create("types_dst").await);
    let report = migrate_and_compare(&src.url, &dst.url).await;
    assert!(
        report.lossy.is_empty(),
        "MySQL -> PostgreSQL must be lossless: {:?}",
        report.lossy
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_types_to_sqlite() {
    let src = mysql_types().await;
    let path = temp_sqlite("types_dst");
    migrate_and_compare(&src.url, &format!("sqlite://{}", path.display())).await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_types_to_pg() {
    let (src, dst) = (pg_types().await, PgDb::create("types_dst").await);
    let report = migrate_and_compare(&src.url, &dst.url).await;
    assert!(
        report.lossy.is_empty(),
        "same dialect must be lossless: {:?}",
        report.lossy
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_types_to_pg_and_mysql() {
    let path = temp_sqlite("types_src");
    ferry_fixtures::sqlite_exec(&path, &fixture("types_sqlite.sql"));
    let src = format!("sqlite://{}", path.display());
    let pg = PgDb::create("types_dst").await;
    migrate_and_compare(&src, &pg.url).await;
    let my = MySqlDb::create("types_dst").await;
    migrate_and_compare(&src, &my.url).await;
    let _ = std::fs::remove_file(path);
}

/// PostgreSQL values MySQL cannot hold (NaN, infinities) stop the copy with a
/// message naming the column, and the target is left without the tables.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_values_mysql_cannot_hold_are_refused_by_name() {
    let (src, dst) = (pg_types().await, MySqlDb::create("types_dst").await);
    let settings = PlanSettings {
        allow_lossy: true,
        ..PlanSettings::default()
    };
    let err = ferry_engine::migrate(
        &common::options(&src.url, &dst.url, settings),
        &ferry_engine::Progress::new(true),
    )
    .await
    .expect_err("NaN cannot be stored by MySQL");
    let text = err.to_string();
    assert!(text.contains("types_pg"), "{text}");
    use mysql_async::prelude::Queryable;
    let mut conn = dst.conn().await;
    let n: Option<i64> = conn
        .query_first(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
        )
        .await
        .unwrap();
    assert_eq!(
        n,
        Some(0),
        "the failed run must remove the tables it created"
    );
}
