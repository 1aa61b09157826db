//! The type-coverage fixtures (`fixtures/sql/types_*.sql`) migrated to every
//! target and compared value by value, with the source's values cast by
//! ferry's own casts wherever the mapping changed a column's type.

#![allow(clippy::unwrap_used, clippy::expect_used)]

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
    migrate_and_compare_with(src, dst, "").await
}

/// Same, with a config file's text for overrides.
async fn migrate_and_compare_with(src: &str, dst: &str, config: &str) -> ferry_engine::Report {
    let settings = PlanSettings {
        allow_lossy: true,
        config: ferry_engine::Config::parse(config).unwrap(),
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
        common::compare_tables(src, &t.source_table, dst, &t.target_table).await;
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
    // PostgreSQL text cannot hold NUL: the copy stops naming the column, and
    // removes the tables it created.
    let settings = PlanSettings::default();
    let err = ferry_engine::migrate(
        &common::options(&src.url, &dst.url, settings),
        &ferry_engine::Progress::new(true),
    )
    .await
    .expect_err("NUL inside text cannot go to PostgreSQL");
    assert!(
        err.to_string().contains("c_tinytext") && err.to_string().contains("NUL"),
        "{err}"
    );
    let left: i64 = dst
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "the failed run must remove the tables it created");
    src.execute("UPDATE types_mysql SET c_tinytext = REPLACE(c_tinytext, CHAR(0), '?')")
        .await;
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
    let dst = format!("sqlite://{}", path.display());
    // SQLite integers are signed 64-bit: 18446744073709551615 cannot be one.
    // The copy refuses it by name, and a type override carries it as text.
    let settings = PlanSettings {
        allow_lossy: true,
        ..PlanSettings::default()
    };
    let err = ferry_engine::migrate(
        &common::options(&src.url, &dst, settings),
        &ferry_engine::Progress::new(true),
    )
    .await
    .expect_err("u64::MAX does not fit a SQLite integer");
    assert!(err.to_string().contains("c_bigint_u"), "{err}");
    // DECIMAL(65,30) has more digits than SQLite's NUMERIC affinity keeps
    // (a REAL): text keeps every digit.
    let config = "[tables.types_mysql.columns.c_bigint_u]\ntype = \"text\"\n\
                  [tables.types_mysql.columns.c_decimal]\ntype = \"text\"\n";
    let report = migrate_and_compare_with(&src.url, &dst, config).await;
    assert!(
        report.lossy.iter().all(|l| l.column != "c_bigint_u"),
        "an overridden column is the user's choice"
    );
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
    // MySQL has no infinities: the copy stops naming the column, then goes
    // through once they are NULL on the source.
    let my = MySqlDb::create("types_dst").await;
    let settings = PlanSettings {
        allow_lossy: true,
        ..PlanSettings::default()
    };
    let err = ferry_engine::migrate(
        &common::options(&src, &my.url, settings),
        &ferry_engine::Progress::new(true),
    )
    .await
    .expect_err("MySQL cannot store Infinity");
    assert!(err.to_string().contains("column r"), "{err}");
    ferry_fixtures::sqlite_exec(&path, "UPDATE types SET r = NULL WHERE abs(r) > 1e308; UPDATE types SET d = NULL WHERE abs(d) > 1e308; UPDATE types SET f = NULL WHERE abs(f) > 1e308;");
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
