//! `ferry verify` finds each kind of corruption on the target and names it
//! precisely: the right key, the right column, both values.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_fixtures::{MySqlDb, PgDb};
use serde_json::Value;
use std::process::{Command, Output};

fn ferry(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(args)
        .output()
        .expect("run ferry")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `ferry verify` and returns its exit code and JSON report.
fn verify(src: &str, dst: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let path = std::env::temp_dir().join(format!(
        "ferry-verify-{}-{}.json",
        std::process::id(),
        rand_suffix()
    ));
    let mut args = vec![
        "verify",
        "--source",
        src,
        "--target",
        dst,
        "--report",
        path.to_str().unwrap(),
        "-q",
    ];
    args.extend_from_slice(extra);
    let out = ferry(&args);
    let report = std::fs::read_to_string(&path)
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or(Value::Null);
    let _ = std::fs::remove_file(&path);
    (out.status.code(), report, text(&out))
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn table<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target_table"] == name)
        .unwrap_or_else(|| panic!("{name} not in {report:#}"))
}

/// Keys of a diff list (`missing`, `extra`, `changed`) as strings.
fn keys(t: &Value, list: &str) -> Vec<String> {
    t["diff"][list]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap().to_string())
        .collect()
}

/// The changed columns recorded for the row whose key is `key` (`id=5`).
fn changed_columns(t: &Value, key: &str) -> Vec<String> {
    t["diff"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["key"] == key)
        .flat_map(|d| {
            d["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corruption_on_the_target_is_found_row_by_row() {
    let src = MySqlDb::create("verify_src").await;
    src.execute(
        "CREATE TABLE big (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, amount DECIMAL(12,3), ts DATETIME(6), note VARCHAR(20), data LONGBLOB);
         INSERT INTO big SELECT seq, CONCAT('name-', seq), seq / 7, TIMESTAMP('2024-01-01') + INTERVAL seq SECOND,
                IF(seq % 5 = 0, NULL, 'n'), NULL FROM seq_1_to_200000;
         UPDATE big SET data = REPEAT(X'00FF10', 350000) WHERE id = 42;
         CREATE TABLE log (msg VARCHAR(20), n INT);
         INSERT INTO log VALUES ('a', 1), ('b', 2), ('b', 2), ('c', NULL);",
    )
    .await;
    let dst = PgDb::create("verify_dst").await;
    let out = ferry(&["migrate", "--source", &src.url, "--target", &dst.url, "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("verify: 2 of 2 table(s) match"),
        "{}",
        text(&out)
    );

    let (code, report, out) = verify(&src.url, &dst.url, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(report["ok"], true);

    dst.execute(
        r#"UPDATE big SET name = 'tampered' WHERE id = 100000;
           DELETE FROM big WHERE id = 150000;
           INSERT INTO big (id, name) VALUES (200001, 'intruder');
           UPDATE big SET note = '' WHERE id = 5;
           UPDATE big SET amount = trunc(amount, 2) WHERE id = 77778;
           UPDATE big SET ts = ts + interval '1 hour' WHERE id = 12345;
           UPDATE big SET data = set_byte(data, 524288, get_byte(data, 524288) # 1) WHERE id = 42;
           INSERT INTO log VALUES ('b', 2);"#,
    )
    .await;
    let (code, report, out) = verify(&src.url, &dst.url, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(report["ok"], false);
    let big = table(&report, "big");
    assert_eq!(big["parts"].as_array().map(Vec::len), Some(0), "{big:#}");
    big_corruption_is_named(big);

    let log = table(&report, "log");
    assert_eq!(log["status"], "FAIL");
    assert_eq!(log["method"], "multiset");
    assert_eq!(log["diff"]["extra_count"], 1, "{log:#}");
    assert!(
        log["diff"]["extra"][0]["row"]
            .as_str()
            .unwrap()
            .contains('b'),
        "{log:#}"
    );
    assert!(out.contains("big") && out.contains("150000"), "{out}");

    // Compared in key ranges (about 20000 rows each; the count of parts
    // follows the server's row estimate), the same rows are found, and the
    // report names exactly the ranges that hold them.
    let (code, report, out) = verify(&src.url, &dst.url, &["--split-larger-than", "20000"]);
    assert_eq!(code, Some(1), "{out}");
    let big = table(&report, "big");
    big_corruption_is_named(big);
    let parts = big["parts"].as_array().unwrap();
    assert!(parts.len() >= 8, "{big:#}");
    let corrupted = [5, 42, 12345, 77778, 100000, 150000, 200001];
    let mut rows = 0;
    for (i, p) in parts.iter().enumerate() {
        assert_eq!(p["part"], i + 1);
        let (low, high) = id_bounds(p["range"].as_str().unwrap());
        let holds = |id: i64| low.is_none_or(|l| id >= l) && high.is_none_or(|h| id < h);
        let expected = if corrupted.iter().any(|&id| holds(id)) {
            "FAIL"
        } else {
            "PASS"
        };
        assert_eq!(p["status"], expected, "{p:#}");
        if holds(150000) {
            assert_eq!(p["missing_count"], 1, "{p:#}");
            let line = format!(
                "big: part {}/{} {}: FAIL: 1 missing, 0 extra, 0 changed",
                i + 1,
                parts.len(),
                p["range"].as_str().unwrap()
            );
            assert!(out.contains(&line), "{line} not in {out}");
        }
        rows += p["rows_source"].as_u64().unwrap();
    }
    assert_eq!(rows, 200000);
    assert!(out.contains(&format!("({} parts)", parts.len())), "{out}");
}

/// The bounds of a part's range as the report spells it for PostgreSQL:
/// `"id" < 18182`, `"id" >= 18182 AND "id" < 36364` or `"id" >= 181820`.
fn id_bounds(range: &str) -> (Option<i64>, Option<i64>) {
    let (mut low, mut high) = (None, None);
    for term in range.split(" AND ") {
        if let Some(v) = term.strip_prefix(r#""id" >= "#) {
            low = Some(v.parse().unwrap());
        } else if let Some(v) = term.strip_prefix(r#""id" < "#) {
            high = Some(v.parse().unwrap());
        } else {
            panic!("unexpected range term {term:?} in {range:?}");
        }
    }
    (low, high)
}

/// The corruption made on the target's `big`, found row by row and column by
/// column whether the table was compared whole or in parts.
fn big_corruption_is_named(big: &Value) {
    assert_eq!(big["status"], "FAIL");
    assert_eq!(big["method"], "key");
    assert_eq!(
        keys(big, "missing"),
        vec!["id=150000".to_string()],
        "{big:#}"
    );
    assert_eq!(keys(big, "extra"), vec!["id=200001".to_string()], "{big:#}");
    assert_eq!(changed_columns(big, "id=100000"), vec!["name"]);
    assert_eq!(changed_columns(big, "id=77778"), vec!["amount"]);
    assert_eq!(changed_columns(big, "id=12345"), vec!["ts"]);
    assert_eq!(changed_columns(big, "id=42"), vec!["data"]);
    assert_eq!(
        changed_columns(big, "id=5"),
        vec!["note"],
        "NULL turned into '' must be a change"
    );
    assert_eq!(big["diff"]["changed_count"], 5, "{big:#}");
    assert_eq!(big["diff"]["rows_source"], 200000);
    assert_eq!(big["diff"]["rows_target"], 200000);
    // Big values are shown truncated, not in full.
    let blob = big["diff"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "id=42")
        .unwrap();
    assert!(
        blob["columns"][0]["source"].as_str().unwrap().len() < 400,
        "{blob:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_reported_per_table_and_the_rest_verified() {
    let src = PgDb::create("verify_bad").await;
    src.execute(
        "CREATE TABLE a (id int PRIMARY KEY, v text);
         CREATE TABLE b (id int PRIMARY KEY, v text, w int);
         CREATE TABLE c (id int PRIMARY KEY, v text);
         INSERT INTO a VALUES (1, 'x'); INSERT INTO b VALUES (1, 'y', 2); INSERT INTO c VALUES (1, 'z');",
    )
    .await;
    let dst = MySqlDb::create("verify_bad").await;
    dst.execute(
        "CREATE TABLE a (id INT PRIMARY KEY, v TEXT); INSERT INTO a VALUES (1, 'x');
         CREATE TABLE b (id INT PRIMARY KEY, v TEXT); INSERT INTO b VALUES (1, 'y');",
    )
    .await;
    let (code, report, out) = verify(&src.url, &dst.url, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert_eq!(table(&report, "a")["status"], "PASS", "{report:#}");
    let b = table(&report, "b");
    assert_eq!(b["status"], "ERROR");
    assert!(b["error"].as_str().unwrap().contains("b.w"), "{b:#}");
    let c = table(&report, "c");
    assert_eq!(c["status"], "ERROR");
    assert!(
        c["error"].as_str().unwrap().contains("does not exist"),
        "{c:#}"
    );
}

/// Values over `--lob-digest-over` (8 MiB by default) are compared by the
/// length and MD5 each server computes, never read whole; a value one
/// server stores short and the other long (latin1 on MariaDB, UTF-8 on
/// PostgreSQL) still compares equal, and a difference shows both digests.
/// The 28 MB texts are also past MariaDB's 16 MiB max_allowed_packet, which
/// the copy's pieces query must not run into.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_values_are_compared_by_digest() {
    let src = MySqlDb::create("verify_long_src").await;
    // Row 1: 14 M latin1 'é' (28 MB as UTF-8), the same as utf8mb4, 9 MB of
    // bytes. Row 2: 5 MB stored, 10 MB as UTF-8: whole from MariaDB, a
    // digest from PostgreSQL.
    src.execute(
        "CREATE TABLE docs (id INT PRIMARY KEY, legacy LONGTEXT CHARACTER SET latin1,
                            body LONGTEXT CHARACTER SET utf8mb4, data LONGBLOB);
         INSERT INTO docs VALUES (1, REPEAT(_latin1 X'E9', 14000000), NULL, REPEAT(X'00FF', 4500000)),
                                 (2, REPEAT(_latin1 X'E9', 5000000), 'short', NULL),
                                 (3, 'small', '', X'01');
         UPDATE docs SET body = CONVERT(legacy USING utf8mb4) WHERE id = 1;",
    )
    .await;
    let dst = PgDb::create("verify_long_dst").await;
    let out = ferry(&["migrate", "--source", &src.url, "--target", &dst.url, "-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("verify: 1 of 1 table(s) match"),
        "{}",
        text(&out)
    );
    // The copy checked apart from ferry: the MD5 of 14 M 'é' as UTF-8.
    let client = dst.client().await;
    let row = client
        .query_one(
            "SELECT md5(legacy), md5(body), octet_length(data) FROM docs WHERE id = 1",
            &[],
        )
        .await
        .unwrap();
    let expected = "79177aeb6dff61892239d0a20c47cb41";
    assert_eq!(row.get::<_, String>(0), expected);
    assert_eq!(row.get::<_, String>(1), expected);
    assert_eq!(row.get::<_, i32>(2), 9_000_000);

    dst.execute(
        "UPDATE docs SET body = body || 'x', data = '\\x0102'::bytea WHERE id = 1;
         UPDATE docs SET legacy = legacy || 'é' WHERE id = 2;",
    )
    .await;
    let (code, report, out) = verify(&src.url, &dst.url, &[]);
    assert_eq!(code, Some(1), "{out}");
    let docs = table(&report, "docs");
    assert_eq!(docs["diff"]["changed_count"], 2, "{docs:#}");
    assert_eq!(changed_columns(docs, "id=1"), vec!["body", "data"]);
    assert_eq!(changed_columns(docs, "id=2"), vec!["legacy"]);
    let columns = |key: &str| {
        docs["diff"]["changed"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["key"] == key)
            .map(|d| d["columns"].clone())
            .unwrap()
    };
    let body = &columns("id=1")[0];
    assert_eq!(
        body["source"],
        format!("<ferry long value: 28000000 bytes, md5 {expected}>")
    );
    assert!(
        body["target"]
            .as_str()
            .unwrap()
            .starts_with("<ferry long value: 28000001 bytes, md5 "),
        "{body:#}"
    );
    let data = &columns("id=1")[1];
    assert_eq!(data["target"], "0x0102", "{data:#}");
    assert!(
        data["source"]
            .as_str()
            .unwrap()
            .starts_with("<ferry long value: 9000000 bytes, md5 "),
        "{data:#}"
    );
    let legacy = &columns("id=2")[0];
    for (side, bytes) in [("source", 10_000_000), ("target", 10_000_002)] {
        assert!(
            legacy[side]
                .as_str()
                .unwrap()
                .starts_with(&format!("<ferry long value: {bytes} bytes, md5 ")),
            "{legacy:#}"
        );
    }
}
