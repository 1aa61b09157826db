//! Large tables split into key-range parts copied by several workers — integer
//! keys by min/max, string, UUID and composite keys by sampled cut points,
//! PostgreSQL keyless tables by ctid blocks — equal their source (counts and
//! the built-in full verification); tables that cannot be split say why in the
//! report's warnings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ferry_engine::{migrate, PlanSettings, Progress, Report};
use ferry_fixtures::{sqlite_exec, unique_name, MySqlDb, PgDb};

/// Runs a migration with `--split-larger-than 1000 --jobs 4`.
async fn run_split(src: &str, dst: &str) -> Report {
    run_split_at(src, dst, 1000).await
}

/// Runs a migration with `--split-larger-than <threshold> --jobs 4`.
async fn run_split_at(src: &str, dst: &str, threshold: u64) -> Report {
    let mut options = common::options(src, dst, PlanSettings::default());
    options.split_larger_than = threshold;
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

fn warned(report: &Report, what: &str) -> bool {
    report.warnings.iter().any(|w| w.contains(what))
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
    // Small tables go in one part; unsigned 64-bit keys by sampled cut points.
    assert_eq!(parts_of(&report, "digits"), 1);
    assert_split(&report, "wide", 10_001);
    // A table copied in one part had one writer, which loaded it frozen.
    dst.execute("CREATE EXTENSION pg_visibility").await;
    let all_frozen: bool = dst
        .client()
        .await
        .query_one(
            "SELECT count(*) > 0 AND bool_and(all_frozen) FROM pg_visibility_map('digits')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(all_frozen, "digits was not loaded frozen");
    // MariaDB's parts start their snapshots at one moment (under a brief
    // LOCK TABLES ... READ), so no split table warns about points in time.
    assert!(
        !warned(&report, "not at one point in time"),
        "{:?}",
        report.warnings
    );
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
    // SQLite cannot share a snapshot between connections: the first part to
    // find out says so, once for the table.
    let unshared: Vec<&String> = report
        .warnings
        .iter()
        .filter(|w| w.contains("not at one point in time"))
        .collect();
    assert_eq!(unshared.len(), 1, "{:?}", report.warnings);
    assert!(
        unshared[0].starts_with(&format!(
            "table t was copied in {} parts",
            parts_of(&report, "t")
        )),
        "{unshared:?}"
    );
    let _ = std::fs::remove_file(&path);
}

/// A MariaDB script creating `digits` (0..9), for cross joins making rows.
const DIGITS: &str = "CREATE TABLE digits (n INT NOT NULL PRIMARY KEY);
     INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);";

/// `k` from 0 to 9 999 over `digits`.
const K10000: &str =
    "(SELECT a.n + 10*b.n + 100*c.n + 1000*d.n AS k FROM digits a, digits b, digits c, digits d) s";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mariadb_string_keys_split_into_postgres() {
    let src = MySqlDb::create("parts_str_src").await;
    // Case-insensitive, PAD SPACE keys: 'a', 'A' and 'a ' are equal to the
    // server, so cut points between them are ties; quotes, backslashes and
    // non-ASCII make hostile literals. A keyless table is refused.
    src.execute(&format!(
        "{DIGITS}
         CREATE TABLE words (name VARCHAR(40) COLLATE utf8mb4_general_ci NOT NULL, n INT NOT NULL, v INT,
                             PRIMARY KEY (name, n)) CHARSET utf8mb4;
         INSERT INTO words SELECT ELT(1 + k % 7, 'a', 'A', 'a ', 'O''Brien\\\\', 'ünï', 'Zed', 'it\\'s'), k, k % 13
           FROM {K10000} WHERE k < 6000;
         CREATE TABLE tags (tag VARCHAR(60) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, v INT NOT NULL) CHARSET utf8mb4;
         INSERT INTO tags SELECT CONCAT(ELT(1 + k % 5, 'x', 'Y', 'z''\\\\', 'Ä', '\\_%'), k), k FROM {K10000} WHERE k < 3000;
         CREATE TABLE ids (id UUID NOT NULL PRIMARY KEY, v INT NOT NULL);
         INSERT INTO ids SELECT UUID(), k FROM {K10000} WHERE k < 3000;
         CREATE TABLE heap (a INT, b VARCHAR(10));
         INSERT INTO heap SELECT k, 'h' FROM {K10000} WHERE k < 2000;"
    ))
    .await;
    let dst = PgDb::create("parts_str_dst").await;
    let report = run_split(&src.url, &dst.url).await;
    assert_split(&report, "words", 6000);
    assert_split(&report, "tags", 3000);
    // MariaDB's UUID type orders by its own rule (time fields first): the cut
    // points come in that order, as the comparisons use it.
    assert_split(&report, "ids", 3000);
    assert_eq!(parts_of(&report, "heap"), 1);
    assert!(
        warned(&report, "table heap (about 2000 rows) was copied in one part, not split: it has no primary key or NOT NULL unique key, and InnoDB has no stable row address"),
        "{:?}",
        report.warnings
    );
    common::compare_tables(&src.url, "words", &dst.url, "words").await;
    common::compare_tables(&src.url, "tags", &dst.url, "tags").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_string_keys_split_into_mariadb() {
    let src = PgDb::create("parts_pgstr_src").await;
    // An ICU collation orders 'B' after 'a' (bytes put it before): cut points
    // must follow the column's collation, as the range conditions do.
    src.execute(
        "CREATE TABLE names (name varchar(100) COLLATE \"und-x-icu\" PRIMARY KEY, v int NOT NULL);
         INSERT INTO names SELECT (ARRAY['a', 'B', 'c', E'it''s\\\\', 'ünï', 'Ω'])[1 + i % 6] || i, i
           FROM generate_series(1, 5000) AS i;
         CREATE TABLE codes (code varchar(20) NOT NULL, n int NOT NULL, PRIMARY KEY (code, n));
         INSERT INTO codes SELECT 'c' || (i % 3), i FROM generate_series(1, 4000) AS i;",
    )
    .await;
    let dst = MySqlDb::create("parts_pgstr_dst").await;
    let report = run_split(&src.url, &dst.url).await;
    assert_split(&report, "names", 5000);
    assert_split(&report, "codes", 4000);
    common::compare_tables(&src.url, "names", &dst.url, "names").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_uuid_bytes_and_narrow_composite_keys_split() {
    let src = PgDb::create("parts_uuid_src").await;
    src.execute(
        "CREATE TABLE u (id uuid PRIMARY KEY, v int NOT NULL);
         INSERT INTO u SELECT md5(i::text)::uuid, i FROM generate_series(1, 5000) AS i;
         CREATE TABLE b (k bytea PRIMARY KEY, v int NOT NULL);
         INSERT INTO b SELECT decode(md5(i::text), 'hex') || '\\x00'::bytea, i FROM generate_series(1, 3000) AS i;
         -- Two tenants: too few leading values for 8 parts, so the whole key is cut.
         CREATE TABLE t (tenant int NOT NULL, id int NOT NULL, PRIMARY KEY (tenant, id));
         INSERT INTO t SELECT i % 2, i FROM generate_series(1, 8000) AS i;",
    )
    .await;
    let dst = PgDb::create("parts_uuid_dst").await;
    let report = run_split(&src.url, &dst.url).await;
    assert_split(&report, "u", 5000);
    assert_split(&report, "b", 3000);
    assert_split(&report, "t", 8000);
    assert!(parts_of(&report, "t") > 2, "{}", report.summary());
    // PostgreSQL shares one snapshot between the parts: no warning.
    assert!(
        !warned(&report, "not at one point in time"),
        "{:?}",
        report.warnings
    );
    common::compare_tables(&src.url, "u", &dst.url, "u").await;
}

/// A keyless PostgreSQL table with dead tuples and gaps, cut into ctid ranges.
const KEYLESS_PG: &str = "CREATE TABLE heap (n int, note text);
     INSERT INTO heap SELECT i % 700, repeat('x', i % 50) FROM generate_series(1, 20000) AS i;
     UPDATE heap SET note = 'moved' WHERE n % 10 = 0;
     DELETE FROM heap WHERE n % 7 = 0;
     INSERT INTO heap VALUES (NULL, NULL), (NULL, NULL);";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_keyless_table_split_by_ctid() {
    let src = PgDb::create("parts_ctid_src").await;
    src.execute(KEYLESS_PG).await;
    let rows = {
        let client = src.client().await;
        let row = client
            .query_one("SELECT count(*) FROM heap", &[])
            .await
            .unwrap();
        u64::try_from(row.get::<_, i64>(0)).unwrap()
    };
    let pg = PgDb::create("parts_ctid_pg").await;
    let report = run_split(&src.url, &pg.url).await;
    assert_split(&report, "heap", rows);
    let my = MySqlDb::create("parts_ctid_my").await;
    let report = run_split(&src.url, &my.url).await;
    assert_split(&report, "heap", rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn empty_one_and_two_row_tables_go_through_with_tiny_thresholds() {
    let src = PgDb::create("parts_tiny_src").await;
    src.execute(
        "CREATE TABLE e (s text PRIMARY KEY);
         CREATE TABLE one (s text PRIMARY KEY); INSERT INTO one VALUES ('only');
         CREATE TABLE two (id uuid PRIMARY KEY);
         INSERT INTO two VALUES ('00000000-0000-0000-0000-000000000001'), ('ffffffff-0000-0000-0000-000000000000');
         CREATE TABLE eh (n int);
         CREATE TABLE oneh (n int); INSERT INTO oneh VALUES (NULL);
         CREATE TABLE twoi (id int PRIMARY KEY); INSERT INTO twoi VALUES (1), (2);",
    )
    .await;
    for threshold in [0, 1] {
        let dst = PgDb::create("parts_tiny_dst").await;
        let report = run_split_at(&src.url, &dst.url, threshold).await;
        assert!(report.ok, "{}", report.summary());
        assert!(
            report.verify.as_ref().is_some_and(|v| v.ok),
            "{}",
            report.summary()
        );
        let count = |t: &str| {
            report
                .tables
                .iter()
                .find(|r| r.source_table == t)
                .and_then(|r| r.target_count)
        };
        for (t, n) in [
            ("e", 0),
            ("one", 1),
            ("two", 2),
            ("eh", 0),
            ("oneh", 1),
            ("twoi", 2),
        ] {
            assert_eq!(count(t), Some(n), "{t}: {}", report.summary());
        }
        if threshold == 1 {
            assert_eq!(parts_of(&report, "two"), 2, "{}", report.summary());
            assert_eq!(parts_of(&report, "twoi"), 2, "{}", report.summary());
        }
    }
}
