//! A run killed mid-copy (the process aborts right after its third part
//! commits, with no clean-up, as under `kill -9`) is finished by
//! `ferry migrate --resume`: the parts already committed are kept, the others
//! copied, and the target then verifies row for row with no row missing or
//! twice. Without `--resume` a second run refuses to touch the half-done
//! target; `--resume` with nothing to resume says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_fixtures::{MySqlDb, PgDb};
use mysql_async::prelude::Queryable;
use std::process::{Command, Output};

const ROWS: i64 = 60_000;

fn ferry(args: &[&str], abort_after_parts: Option<usize>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command
        .args(args)
        .env_remove("FERRY_TEST_ABORT_AFTER_PARTS");
    if let Some(n) = abort_after_parts {
        command.env("FERRY_TEST_ABORT_AFTER_PARTS", n.to_string());
    }
    command.output().expect("run ferry")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `migrate` with 2 jobs and parts of about 5000 rows.
fn migrate_args<'a>(source: &'a str, target: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "migrate",
        "--source",
        source,
        "--target",
        target,
        "--jobs",
        "2",
        "--split-larger-than",
        "5000",
        "-q",
    ];
    args.extend_from_slice(extra);
    args
}

/// Kills a run after 3 parts and checks the target is half done and guarded.
/// `count` reads a target table's row count (`None` when the table does not
/// exist).
async fn kill_mid_copy<F, Fut>(source: &str, target: &str, count: &F)
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = Option<i64>>,
{
    let killed = ferry(&migrate_args(source, target, &[]), Some(3));
    assert_eq!(
        killed.status.code(),
        None,
        "the run should have died by signal: {}",
        text(&killed.stderr)
    );
    assert!(
        count("ferry_ledger").await.is_some(),
        "the ledger survives the kill"
    );
    let partial = count("big").await.unwrap_or(0);
    assert!(
        partial > 0 && partial < ROWS,
        "the kill came after some parts of big and before all ({partial} rows)"
    );

    // Starting over on top of it is refused, and changes nothing.
    let refused = ferry(&migrate_args(source, target, &[]), None);
    assert_eq!(refused.status.code(), Some(4), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("--resume"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(count("big").await.unwrap_or(0), partial);
}

/// Resumes the killed run and checks the result.
async fn resume<F, Fut>(source: &str, target: &str, count: &F)
where
    F: Fn(&'static str) -> Fut,
    Fut: std::future::Future<Output = Option<i64>>,
{
    // The resumed run copies the rest and verifies every row (the default).
    let report = std::env::temp_dir().join(format!("ferry-resume-{}.json", std::process::id()));
    let report_arg = report.to_string_lossy().into_owned();
    let resumed = ferry(
        &migrate_args(source, target, &["--resume", "--report", &report_arg]),
        None,
    );
    let json = std::fs::read_to_string(&report).unwrap_or_default();
    let _ = std::fs::remove_file(&report);
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}\n{}\n{json}",
        text(&resumed.stdout),
        text(&resumed.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["ok"], true, "{json}");
    assert_eq!(report["verify"]["ok"], true, "{json}");
    assert!(json.contains("resumed an unfinished run"), "{json}");
    assert_eq!(count("big").await, Some(ROWS));
    assert_eq!(count("parent").await, Some(200));
    assert_eq!(count("ferry_ledger").await, None, "the ledger is dropped");

    let again = ferry(&migrate_args(source, target, &["--resume"]), None);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("no unfinished run"),
        "{}",
        text(&again.stderr)
    );
}

const PG_SOURCE: &str = "
    CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL);
    INSERT INTO parent SELECT i, 'p' || i FROM generate_series(1, 200) i;
    CREATE TABLE big (
        id bigint PRIMARY KEY,
        parent_id int NOT NULL REFERENCES parent (id),
        payload text,
        code varchar(20) NOT NULL UNIQUE
    );
    CREATE INDEX big_payload ON big (payload);
    INSERT INTO big SELECT i, 1 + i % 200, md5(i::text), 'c' || i FROM generate_series(1, 60000) i;";

const MYSQL_SOURCE: &str = "
    CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL);
    INSERT INTO parent SELECT seq, CONCAT('p', seq) FROM seq_1_to_200;
    CREATE TABLE big (
        id BIGINT PRIMARY KEY,
        parent_id INT NOT NULL,
        payload TEXT,
        code VARCHAR(20) NOT NULL UNIQUE,
        KEY big_payload (payload(20)),
        CONSTRAINT big_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
    );
    INSERT INTO big SELECT seq, 1 + seq % 200, MD5(seq), CONCAT('c', seq) FROM seq_1_to_60000;";

#[tokio::test]
async fn killed_postgres_to_mariadb_run_resumes() {
    let src = PgDb::create("resume_src").await;
    src.execute(PG_SOURCE).await;
    let dst = MySqlDb::create("resume_dst").await;
    let count = |table: &'static str| {
        let dst = &dst;
        async move {
            let mut conn = dst.conn().await;
            let n: Result<Option<i64>, _> = conn
                .query_first(format!("SELECT COUNT(*) FROM `{table}`"))
                .await;
            n.ok().flatten()
        }
    };
    kill_mid_copy(&src.url, &dst.url, &count).await;
    // As if the killed client's last ALTER TABLE had gone on in the server
    // after the kill: the index exists, and the ledger does not say so.
    let mut conn = dst.conn().await;
    conn.query_drop("CREATE INDEX big_payload ON big (payload(20))")
        .await
        .unwrap();
    resume(&src.url, &dst.url, &count).await;
    let indexes: Vec<String> = conn
        .query("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'big' ORDER BY 1")
        .await
        .unwrap();
    assert_eq!(
        indexes,
        [
            "big_code_key",
            "big_parent_id_fkey",
            "big_payload",
            "PRIMARY"
        ],
        "one big_payload, and the keys: {indexes:?}"
    );
}

#[tokio::test]
async fn killed_mariadb_to_postgres_run_resumes() {
    let src = MySqlDb::create("resume_src").await;
    src.execute(MYSQL_SOURCE).await;
    let dst = PgDb::create("resume_dst").await;
    let count = |table: &'static str| {
        let dst = &dst;
        async move {
            let client = dst.client().await;
            let row = client
                .query_one(&format!("SELECT COUNT(*) FROM public.\"{table}\""), &[])
                .await;
            row.ok().map(|r| r.get::<_, i64>(0))
        }
    };
    kill_mid_copy(&src.url, &dst.url, &count).await;
    resume(&src.url, &dst.url, &count).await;
    // The keys and the foreign key are on the target, so no row is there twice.
    let client = dst.client().await;
    let constraints: Vec<String> = client
        .query(
            "SELECT contype::text FROM pg_constraint WHERE conrelid = 'public.big'::regclass ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(constraints, ["f", "p", "u"], "{constraints:?}");
}
