//! Values longer than `--lob-pieces-over` are copied in pieces and joined
//! back on the target: every row equals its source, the report counts the
//! values that went in pieces, and the built-in full verification passes.
//! The sizes here are small (a 3000-byte threshold, 1000-byte pieces) so the
//! edges are cheap to cover: values just under, at and over the threshold,
//! empty values, NULLs, NOT NULL columns, multi-byte characters cut between
//! pieces, and a table split into parts, each reading its own pieces.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ferry_connectors::Pieces;
use ferry_engine::{migrate, PlanSettings, Progress, Report};
use ferry_fixtures::{MySqlDb, PgDb};

const OVER: u32 = 3000;

async fn run_pieced(src: &str, dst: &str, split_larger_than: u64) -> Report {
    let mut options = common::options(src, dst, PlanSettings::default());
    options.read.pieces = Some(Pieces {
        over: OVER,
        piece: 1000,
        columns: Vec::new(),
    });
    options.split_larger_than = split_larger_than;
    options.jobs = 4;
    migrate(&options, &Progress::new(true))
        .await
        .unwrap_or_else(|e| panic!("migration {src} -> {dst} failed: {e}"))
}

fn assert_verified(report: &Report) {
    let summary = report.summary();
    assert!(report.ok, "{summary}");
    let verify = report.verify.as_ref().expect("full verification ran");
    assert!(verify.ok, "{summary}");
    assert!(
        verify.tables.iter().all(|v| v.status == "PASS"),
        "{summary}"
    );
}

/// Values of `docs.body` and `docs.data` on PostgreSQL longer than [`OVER`].
async fn long_pg_values(db: &PgDb) -> u64 {
    let row = db
        .client()
        .await
        .query_one(
            "SELECT count(*) FILTER (WHERE octet_length(body) > $1)
                  + count(*) FILTER (WHERE octet_length(data) > $1) FROM docs",
            &[&i32::try_from(OVER).unwrap()],
        )
        .await
        .unwrap();
    u64::try_from(row.get::<_, i64>(0)).unwrap()
}

fn long_values(report: &Report, table: &str) -> u64 {
    report
        .tables
        .iter()
        .find(|t| t.source_table == table)
        .map(|t| t.long_values)
        .unwrap_or_else(|| panic!("{table} not in the report"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn long_postgres_values_go_in_pieces_into_postgres() {
    let src = PgDb::create("pieces_pg_src").await;
    // body: 'é' is two bytes, so 1000-byte pieces cut characters in half.
    src.execute(
        "CREATE TABLE docs (id int PRIMARY KEY, title varchar(20), body text NOT NULL, data bytea);
         INSERT INTO docs VALUES
           (1, 'small', 'short body', NULL),
           (2, 'long', repeat('é', 5000) || 'end', decode(repeat('00ff', 2600), 'hex')),
           (3, 'edge', repeat('x', 3000), decode(repeat('ab', 3001), 'hex')),
           (4, 'empty', '', ''::bytea),
           (5, 'null data', repeat('z', 3001), NULL);
         INSERT INTO docs
           SELECT k, 'gen ' || k, repeat(md5(k::text), 1 + k % 200), decode(repeat(md5(k::text), k % 150), 'hex')
           FROM generate_series(10, 1200) AS k;
         CREATE TABLE plain (id int PRIMARY KEY, body text);
         INSERT INTO plain VALUES (1, repeat('q', 10));",
    )
    .await;
    let long = long_pg_values(&src).await;
    assert!(long > 100, "the fixture has only {long} long values");
    let dst = PgDb::create("pieces_pg_dst").await;
    let report = run_pieced(&src.url, &dst.url, 300).await;
    assert_verified(&report);
    let docs = report.tables.iter().find(|t| t.source_table == "docs");
    assert!(docs.is_some_and(|t| t.parts > 1), "{}", report.summary());
    assert_eq!(long_values(&report, "docs"), long);
    assert_eq!(long_values(&report, "plain"), 0);
    common::compare_tables(&src.url, "docs", &dst.url, "docs").await;
    let (body, data): (String, Vec<u8>) = {
        let row = dst
            .client()
            .await
            .query_one("SELECT body, data FROM docs WHERE id = 2", &[])
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(body, "é".repeat(5000) + "end");
    assert_eq!(data, [0u8, 0xff].repeat(2600));
    assert_no_scratch_left(&dst).await;
    assert_inserted_once_never_updated(&dst, "docs", 1196).await;
}

/// The scratch tables went with the load's transactions.
async fn assert_no_scratch_left(db: &PgDb) {
    let left: i64 = db
        .client()
        .await
        .query_one(
            "SELECT count(*) FROM pg_class WHERE relname IN ('ferry_pieces', 'ferry_long_rows')",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
}

/// Every row of `table` was written once: rows holding long values were set
/// whole in a scratch table and inserted, never updated in the table (which
/// would have meant scanning it for them). PostgreSQL's statistics reach the
/// view when the writing sessions report them, so wait for the inserts.
async fn assert_inserted_once_never_updated(db: &PgDb, table: &str, rows: i64) {
    let client = db.client().await;
    let mut seen = (0, 0);
    for _ in 0..60 {
        let row = client
            .query_one(
                "SELECT n_tup_ins, n_tup_upd FROM pg_stat_user_tables WHERE relname = $1",
                &[&table],
            )
            .await
            .unwrap();
        seen = (row.get::<_, i64>(0), row.get::<_, i64>(1));
        if seen.0 >= rows {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(seen, (rows, 0), "{table}: (rows inserted, rows updated)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_rows_with_long_values_are_set_aside_in_rounds() {
    // 4000 rows each with a long value and 2.5 kB besides: about 10 MB of
    // rows set aside, more than the writer holds before it pauses the
    // table's COPY (8 MiB) to send them to their scratch table. One part, so
    // the table's COPY is a FREEZE one: PostgreSQL would refuse the second
    // one after the pause if anything in between broke FREEZE's conditions.
    // The key is an identity the server always generates, which an INSERT
    // of the rows set aside must override.
    let src = PgDb::create("pieces_aside_src").await;
    src.execute(
        "CREATE TABLE notes (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                             pad char(2500) NOT NULL, body text NOT NULL);
         INSERT INTO notes (pad, body)
           SELECT 'pad ' || k, repeat(md5(k::text), 94) || k
           FROM generate_series(1, 4000) AS k ORDER BY k;
         INSERT INTO notes (pad, body)
           SELECT 'short', 'short ' || k FROM generate_series(4001, 4100) AS k ORDER BY k;",
    )
    .await;
    let dst = PgDb::create("pieces_aside_dst").await;
    let report = run_pieced(&src.url, &dst.url, 0).await;
    assert_verified(&report);
    assert_eq!(long_values(&report, "notes"), 4000);
    common::compare_tables(&src.url, "notes", &dst.url, "notes").await;
    assert_no_scratch_left(&dst).await;
    assert_inserted_once_never_updated(&dst, "notes", 4100).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn long_postgres_values_go_in_pieces_into_mariadb() {
    let src = PgDb::create("pieces_pg_src2").await;
    // body: 'ü' is two bytes, so 1000-byte pieces cut characters in half;
    // data holds every byte value, the LOAD DATA escapes (\\, tab, newline,
    // NUL) among them, cut between pieces too.
    src.execute(
        "CREATE TABLE docs (id int PRIMARY KEY, body text NOT NULL, data bytea, note text);
         INSERT INTO docs SELECT k, repeat('ü', 100 * k), NULL, 'n' || k FROM generate_series(1, 40) AS k;
         UPDATE docs SET data = (SELECT string_agg(set_byte('\\x00'::bytea, 0, (g * 7 + id) % 256), ''::bytea)
                                 FROM generate_series(1, 2500 + id * 30) g)
           WHERE id % 3 = 0;
         INSERT INTO docs VALUES (41, '', '', NULL), (42, repeat('x', 3000), '\\x5c090a00', '');",
    )
    .await;
    let long = long_pg_values(&src).await;
    assert!(long > 30, "the fixture has only {long} long values");
    for split in [0, 10] {
        let dst = MySqlDb::create("pieces_my_dst").await;
        let report = run_pieced(&src.url, &dst.url, split).await;
        assert_verified(&report);
        let docs = report.tables.iter().find(|t| t.source_table == "docs");
        assert_eq!(
            docs.map(|t| t.parts > 1),
            Some(split > 0),
            "{}",
            report.summary()
        );
        assert_eq!(long_values(&report, "docs"), long);
        common::compare_tables(&src.url, "docs", &dst.url, "docs").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn long_values_are_not_pieced_into_a_target_that_cannot_join_them() {
    // SQLite targets take values whole: the same table copies and verifies.
    let src = PgDb::create("pieces_pg_src3").await;
    src.execute(
        "CREATE TABLE docs (id int PRIMARY KEY, body text NOT NULL);
         INSERT INTO docs SELECT k, repeat('ü', 100 * k) FROM generate_series(1, 40) AS k;",
    )
    .await;
    let path = std::env::temp_dir().join(format!(
        "{}.db",
        ferry_fixtures::unique_name("pieces_sqlite_dst")
    ));
    let dst = format!("sqlite://{}", path.display());
    let report = run_pieced(&src.url, &dst, 0).await;
    assert_verified(&report);
    assert_eq!(long_values(&report, "docs"), 0);
    common::compare_tables(&src.url, "docs", &dst, "docs").await;
    let _ = std::fs::remove_file(&path);
}

/// A latin1 LONGTEXT (its bytes grow as UTF-8), a utf8mb4 MEDIUMTEXT with
/// 4-byte characters cut between pieces, and a MEDIUMBLOB, keyed by two
/// columns.
const MARIADB_DOCS: &str = "CREATE TABLE digits (n INT NOT NULL PRIMARY KEY);
         INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
         CREATE TABLE docs (
           id INT NOT NULL, part CHAR(2) NOT NULL,
           legacy LONGTEXT CHARACTER SET latin1 NOT NULL,
           body MEDIUMTEXT CHARACTER SET utf8mb4,
           data MEDIUMBLOB,
           PRIMARY KEY (id, part));
         INSERT INTO docs VALUES
           (1, 'a', 'short', 'short', NULL),
           (2, 'a', REPEAT('\u{e9}', 3500), CONCAT(REPEAT('\u{1f600}', 2000), 'end'), UNHEX(REPEAT('00FF', 2600))),
           (2, 'b', REPEAT('x', 3000), REPEAT('y', 3001), UNHEX(REPEAT('AB', 3000))),
           (3, 'a', '', '', '');
         INSERT INTO docs
           SELECT k, 'g', REPEAT(MD5(k), 1 + k % 150), REPEAT(MD5(k), k % 120), UNHEX(REPEAT(MD5(k), k % 140))
           FROM (SELECT a.n + 10*b.n + 100*c.n + 10 AS k FROM digits a, digits b, digits c) s;";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn long_mariadb_values_go_in_pieces_into_postgres() {
    let src = MySqlDb::create("pieces_my_src").await;
    src.execute(MARIADB_DOCS).await;
    let dst = PgDb::create("pieces_my_dst_pg").await;
    let report = run_pieced(&src.url, &dst.url, 300).await;
    assert_verified(&report);
    let docs = report.tables.iter().find(|t| t.source_table == "docs");
    assert!(docs.is_some_and(|t| t.parts > 1), "{}", report.summary());
    let mut conn = src.conn().await;
    let long: u64 = mysql_async::prelude::Queryable::query_first(
        &mut conn,
        "SELECT SUM(LENGTH(legacy) > 3000) + SUM(COALESCE(LENGTH(body) > 3000, 0))
              + SUM(COALESCE(LENGTH(data) > 3000, 0)) FROM docs",
    )
    .await
    .unwrap()
    .unwrap();
    drop(conn);
    assert!(long > 100, "the fixture has only {long} long values");
    assert_eq!(long_values(&report, "docs"), long);
    common::compare_tables(&src.url, "docs", &dst.url, "docs").await;
    let row = dst
        .client()
        .await
        .query_one(
            "SELECT legacy, body FROM docs WHERE id = 2 AND part = 'a'",
            &[],
        )
        .await
        .unwrap();
    let (legacy, body): (String, String) = (row.get(0), row.get(1));
    assert_eq!(legacy, "é".repeat(3500));
    assert_eq!(body, "😀".repeat(2000) + "end");
    assert_no_scratch_left(&dst).await;
    assert_inserted_once_never_updated(&dst, "docs", 1004).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn long_mariadb_values_go_in_pieces_into_mariadb() {
    let src = MySqlDb::create("pieces_my_src2").await;
    src.execute(MARIADB_DOCS).await;
    let dst = MySqlDb::create("pieces_my_dst_my").await;
    let report = run_pieced(&src.url, &dst.url, 300).await;
    assert_verified(&report);
    let docs = report.tables.iter().find(|t| t.source_table == "docs");
    assert!(docs.is_some_and(|t| t.parts > 1), "{}", report.summary());
    assert!(long_values(&report, "docs") > 100, "{}", report.summary());
    common::compare_tables(&src.url, "docs", &dst.url, "docs").await;
}
