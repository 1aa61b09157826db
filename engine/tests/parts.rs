//! Large tables split into key-range parts (ranges of the key's leading integer
//! column) copied by several workers: the target equals the source (counts and
//! the built-in full verification), and tables that cannot be split say why in
//! the report's warnings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ferry_engine::{migrate, PlanSettings, Progress, Report};
use ferry_fixtures::{sqlite_exec, unique_name, MySqlDb, PgDb};

/// Runs a migration with `--split-larger-than 1000 --jobs 4`.
async fn run_split(src: &str, dst: &str) -> Report {
    let mut options = common::options(src, dst, PlanSettings::default());
    options.split_larger_than = 1000;
    options.jobs = 4;
    migrate(&options, &Progress::new(true))
        .await
        .unwrap_or_else(|e| panic!("migration {src} -> {dst} failed: {e}"))
}

/// Checks the run is OK, `table` went in more than one part with `rows` rows,
/// and every table passed the full verification.
fn assert_split(report: &Report, table: &str, rows: u64) {
    let summary = report.summary();
    assert!(report.ok, "{summary}");
    let t = report
        .tables
        .iter()
        .find(|t| t.source_table == table)
        .unwrap_or_else(|| panic!("{table} not in the report: {summary}"));
    assert!(t.parts > 1, "{table} was not split: {summary}");
    assert_eq!(t.rows_read, rows, "{summary}");
    assert_eq!(t.rows_written, rows, "{summary}");
    assert_eq!(t.source_count, Some(rows), "{summary}");
    assert_eq!(t.target_count, Some(rows), "{summary}");
    let verify = report.verify.as_ref().expect("full verification ran");
    assert!(verify.ok, "{summary}");
    assert!(
        verify.tables.iter().all(|v| v.status == "PASS"),
        "{summary}"
    );
    assert!(verify.tables.iter().any(|v| v.source_table == table));
}

fn parts_of(report: &Report, table: &str) -> usize {
    report
        .tables
        .iter()
        .find(|t| t.source_table == table)
        .map_or(0, |t| t.parts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn skewed_mariadb_table_split_into_postgres() {
    let src = MySqlDb::create("parts_src").await;
    // 50 000 ids in 1..=60 000 (every sixth missing) plus 10 far away: the
    // key range is wide and almost empty past 60 000.
    src.execute(
        "CREATE TABLE digits (n INT NOT NULL PRIMARY KEY);
         INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
         CREATE TABLE big (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL, amount DECIMAL(12,2));
         INSERT INTO big
           SELECT k, CONCAT('row ', k), IF(k % 10 = 0, NULL, k / 100)
           FROM (SELECT a.n + 10*b.n + 100*c.n + 1000*d.n + 10000*e.n + 1 AS k
                 FROM digits a, digits b, digits c, digits d, digits e) s
           WHERE k <= 60000 AND k % 6 <> 0;
         INSERT INTO big SELECT 1000000000 + n, CONCAT('far ', n), NULL FROM digits;
         CREATE TABLE pairs (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b));
         INSERT INTO pairs SELECT x.n + 10*y.n, z.n + 10*w.n FROM digits x, digits y, digits z, digits w WHERE z.n < 2;
         CREATE TABLE wide (id BIGINT UNSIGNED NOT NULL PRIMARY KEY);
         INSERT INTO wide SELECT a.n + 10*b.n + 100*c.n + 1000*d.n FROM digits a, digits b, digits c, digits d;
         INSERT INTO wide VALUES (18446744073709551615);",
    )
    .await;
    let dst = PgDb::create("parts_dst").await;
    let report = run_split(&src.url, &dst.url).await;
    assert_split(&report, "big", 50_010);
    // A composite key splits on its leading integer column.
    assert_split(&report, "pairs", 2_000);
    // Small tables, and keys that may not fit i64, go in one part.
    assert_eq!(parts_of(&report, "digits"), 1);
    assert_eq!(parts_of(&report, "wide"), 1);
    let warned = |what: &str| report.warnings.iter().any(|w| w.contains(what));
    assert!(warned("unsigned 64-bit"), "{:?}", report.warnings);
    common::compare_tables(&src.url, "big", &dst.url, "big").await;
    common::compare_tables(&src.url, "pairs", &dst.url, "pairs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_table_split_into_mariadb() {
    let src = PgDb::create("parts_pg_src").await;
    // Negative keys, gaps, and a spread the parts cut evenly.
    src.execute(
        "CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL, at timestamp);
         INSERT INTO events
           SELECT k, 'kind ' || (k % 7), timestamp '2024-01-01' + k * interval '1 second'
           FROM generate_series(-20000, 20000, 3) AS k;",
    )
    .await;
    let dst = MySqlDb::create("parts_my_dst").await;
    let report = run_split(&src.url, &dst.url).await;
    assert_split(&report, "events", 13_334);
    assert!(parts_of(&report, "events") >= 10, "{}", report.summary());
    common::compare_tables(&src.url, "events", &dst.url, "events").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_table_split_into_postgres() {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name("parts")));
    sqlite_exec(
        &path,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
         WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < 5000)
         INSERT INTO t SELECT k * 2, 'v' || k FROM s;",
    );
    let src = format!("sqlite://{}", path.display());
    let dst = PgDb::create("parts_lite_dst").await;
    let report = run_split(&src, &dst.url).await;
    assert_split(&report, "t", 5000);
    let _ = std::fs::remove_file(&path);
}
