//! Key-ordered reads (`ReadOptions::order_by_key`): PostgreSQL, MariaDB and
//! SQLite return the same rows in the same key order, whatever collation the
//! key columns have. The keys break naive orders: mixed case ('B' < 'a' in
//! bytes), accents ('é' after 'z'), emoji, the empty string, a tab (PAD SPACE
//! collations put "a\t" before "a"), decimals (10.5 after 9.75), negative
//! integers, a composite (int, text) key, and MySQL ENUM (sorted by index).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use ferry_connectors::{open_source, Endpoint, ReadOptions, Source};
use ferry_fixtures::{MySqlDb, PgDb};

/// Text keys, inserted in this (unsorted) order. Distinct under MariaDB's
/// case- and accent-insensitive `utf8mb4_general_ci`, which also equates all
/// emoji, so there is one.
const TEXT_KEYS: &[&str] = &["z", "B", "a\t", "😀", "", "é", "ab", "a", "Ca", "~", "ÿ"];
/// Keys a latin1 column holds.
const LATIN_KEYS: &[&str] = &["z", "B", "a\t", "", "é", "ab", "a", "ÿ", "Z1"];
/// Composite (int, text) keys.
const COMPOSITE_KEYS: &[(i32, &str)] = &[
    (1, "é"),
    (1, "f"),
    (1, "Z"),
    (-5, "x"),
    (10, "a"),
    (2, "a"),
    (2, ""),
    (-5, "B"),
];
/// DECIMAL(24,6) keys as every dialect prints them.
const DECIMAL_KEYS: &[&str] = &[
    "10.500000",
    "9.750000",
    "-1.000000",
    "-10.250000",
    "0.000000",
    "123456789012345678.123456",
    "-0.500000",
    "123456789012345678.123457",
    "100.000000",
    "-123456789012345678.123456",
];
/// The same DECIMAL keys in value order.
const DECIMAL_SORTED: &[&str] = &[
    "-123456789012345678.123456",
    "-10.250000",
    "-1.000000",
    "-0.500000",
    "0.000000",
    "9.750000",
    "10.500000",
    "100.000000",
    "123456789012345678.123456",
    "123456789012345678.123457",
];
const INT_KEYS: &[i64] = &[3, -5, -100, 0, i64::MAX, i64::MIN, 42];
/// Labels of an ENUM declared in the order `z`, `a`, `B`.
const ENUM_KEYS: &[&str] = &["a", "z", "B"];

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn values(rows: impl Iterator<Item = String>) -> String {
    rows.map(|r| format!("({r})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The INSERTs every dialect runs (after its own CREATE TABLEs).
fn inserts() -> String {
    let text = |keys: &[&str]| {
        values(
            keys.iter()
                .enumerate()
                .map(|(i, k)| format!("{}, {i}", lit(k))),
        )
    };
    [
        format!("INSERT INTO t_text (k, v) VALUES {}", text(TEXT_KEYS)),
        format!("INSERT INTO t_latin (k, v) VALUES {}", text(LATIN_KEYS)),
        format!("INSERT INTO t_enum (k, v) VALUES {}", text(ENUM_KEYS)),
        format!(
            "INSERT INTO t_comp (g, s, v) VALUES {}",
            values(
                COMPOSITE_KEYS
                    .iter()
                    .enumerate()
                    .map(|(i, (g, s))| format!("{g}, {}, {i}", lit(s)))
            )
        ),
        format!(
            "INSERT INTO t_dec (k) VALUES {}",
            values(DECIMAL_KEYS.iter().map(|k| lit(k)))
        ),
        format!(
            "INSERT INTO t_int (k) VALUES {}",
            values(INT_KEYS.iter().map(i64::to_string))
        ),
    ]
    .join(";\n")
        + ";\n"
}

const PG_DDL: &str = r#"
CREATE TABLE t_text (k varchar(20) COLLATE "und-x-icu" PRIMARY KEY, v int);
CREATE TABLE t_latin (k text COLLATE "fr-x-icu" PRIMARY KEY, v int);
CREATE TYPE mood AS ENUM ('z', 'a', 'B');
CREATE TABLE t_enum (k mood PRIMARY KEY, v int);
CREATE TABLE t_comp (g int, s text COLLATE "und-x-icu", v int, PRIMARY KEY (g, s));
CREATE TABLE t_dec (k numeric(24,6) PRIMARY KEY);
CREATE TABLE t_int (k bigint NOT NULL, UNIQUE (k));
"#;

const MYSQL_DDL: &str = "
CREATE TABLE t_text (k varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci PRIMARY KEY, v int);
CREATE TABLE t_latin (k varchar(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci PRIMARY KEY, v int);
CREATE TABLE t_enum (k enum('z', 'a', 'B') CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY, v int);
CREATE TABLE t_comp (g int, s varchar(20) COLLATE utf8mb4_unicode_ci, v int, PRIMARY KEY (g, s));
CREATE TABLE t_dec (k decimal(24,6) PRIMARY KEY);
CREATE TABLE t_int (k bigint NOT NULL, UNIQUE (k));
";

const SQLITE_DDL: &str = "
CREATE TABLE t_text (k TEXT COLLATE NOCASE PRIMARY KEY, v INTEGER);
CREATE TABLE t_latin (k TEXT COLLATE NOCASE PRIMARY KEY, v INTEGER);
CREATE TABLE t_enum (k TEXT COLLATE RTRIM PRIMARY KEY, v INTEGER);
CREATE TABLE t_comp (g INTEGER NOT NULL, s TEXT NOT NULL COLLATE NOCASE, v INTEGER, PRIMARY KEY (g, s));
CREATE TABLE t_dec (k DECIMAL_TEXT(24,6) NOT NULL PRIMARY KEY);
CREATE TABLE t_int (k INTEGER NOT NULL, UNIQUE (k));
";

/// One row's key as text: the key columns' values joined with `|`.
fn keys_of(batch: &RecordBatch, key: &[String], out: &mut Vec<String>) {
    for row in 0..batch.num_rows() {
        let parts: Vec<String> = key
            .iter()
            .map(|name| {
                let col = batch.column_by_name(name).unwrap();
                assert!(!col.is_null(row));
                match col.data_type() {
                    DataType::Utf8 => col.as_string::<i32>().value(row).to_string(),
                    DataType::Int32 => col.as_primitive::<Int32Type>().value(row).to_string(),
                    DataType::Int64 => col.as_primitive::<Int64Type>().value(row).to_string(),
                    other => panic!("no key rendering for {other}"),
                }
            })
            .collect();
        out.push(parts.join("|"));
    }
}

/// Every table's keys in the order a key-ordered read returns them.
async fn ordered_keys(url: &str) -> Vec<(String, Vec<String>)> {
    let source = open_source(&Endpoint::parse(url).unwrap()).await.unwrap();
    read_all(source.as_ref()).await
}

async fn read_all(source: &dyn Source) -> Vec<(String, Vec<String>)> {
    let schema = source.introspect().await.unwrap();
    let mut all = Vec::new();
    for name in ["t_comp", "t_dec", "t_enum", "t_int", "t_latin", "t_text"] {
        let table = schema.table(name).unwrap().clone();
        let key = table.verify_key().unwrap().to_vec();
        // Small batches: the order must hold across batch boundaries too.
        let options = ReadOptions {
            batch_rows: 3,
            order_by_key: true,
            ..ReadOptions::default()
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let rows = source.read_table(&table, options, tx).await.unwrap();
        let mut keys = Vec::new();
        while let Some(batch) = rx.recv().await {
            keys_of(&batch, &key, &mut keys);
        }
        assert_eq!(rows, u64::try_from(keys.len()).unwrap());
        all.push((name.to_string(), keys));
    }
    all
}

/// What every dialect must return: Rust's order (`str` compares UTF-8 bytes).
fn expected() -> Vec<(String, Vec<String>)> {
    let sorted_text = |keys: &[&str]| {
        let mut v: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        v.sort();
        v
    };
    let mut comp = COMPOSITE_KEYS.to_vec();
    comp.sort();
    let mut ints = INT_KEYS.to_vec();
    ints.sort_unstable();
    vec![
        (
            "t_comp".into(),
            comp.iter().map(|(g, s)| format!("{g}|{s}")).collect(),
        ),
        (
            "t_dec".into(),
            DECIMAL_SORTED.iter().map(|k| k.to_string()).collect(),
        ),
        ("t_enum".into(), sorted_text(ENUM_KEYS)),
        ("t_int".into(), ints.iter().map(i64::to_string).collect()),
        ("t_latin".into(), sorted_text(LATIN_KEYS)),
        ("t_text".into(), sorted_text(TEXT_KEYS)),
    ]
}

#[test]
fn expected_order_is_byte_order() {
    let e = expected();
    let text = &e.iter().find(|(n, _)| n == "t_text").unwrap().1;
    let pos = |k: &str| text.iter().position(|t| t == k).unwrap();
    assert!(pos("") < pos("B") && pos("B") < pos("a"));
    assert!(pos("a") < pos("a\t") && pos("z") < pos("é") && pos("ÿ") < pos("😀"));
}

async fn postgres_keys() -> Vec<(String, Vec<String>)> {
    let db = PgDb::create("ordread").await;
    db.execute(&format!("{PG_DDL}{}", inserts())).await;
    ordered_keys(&db.url_with_schema("public")).await
}

async fn mysql_keys() -> Vec<(String, Vec<String>)> {
    let db = MySqlDb::create("ordread").await;
    for stmt in format!("{MYSQL_DDL}{}", inserts()).split(";\n") {
        if !stmt.trim().is_empty() {
            db.execute(stmt).await;
        }
    }
    ordered_keys(&db.url).await
}

/// A temp SQLite file removed on drop.
struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn sqlite_keys() -> Vec<(String, Vec<String>)> {
    let file = TempFile(
        std::env::temp_dir().join(format!("{}.sqlite", ferry_fixtures::unique_name("ordread"))),
    );
    ferry_fixtures::sqlite_exec(&file.0, &format!("{SQLITE_DDL}{}", inserts()));
    ordered_keys(&format!("sqlite://{}", file.0.display())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_reads_in_byte_order() {
    assert_eq!(postgres_keys().await, expected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_reads_in_byte_order() {
    assert_eq!(mysql_keys().await, expected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_reads_in_byte_order() {
    assert_eq!(sqlite_keys().await, expected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_dialects_agree() {
    let pg = postgres_keys().await;
    assert_eq!(mysql_keys().await, pg);
    assert_eq!(sqlite_keys().await, pg);
}

/// SQLite stores durations as `[-]H+:MM:SS[.ffffff]` text, whose text order is
/// not its value order: the reader sorts them by value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_orders_durations_by_value() {
    let file = TempFile(
        std::env::temp_dir().join(format!("{}.sqlite", ferry_fixtures::unique_name("orddur"))),
    );
    let texts = [
        "100:00:00",
        "-05:00:00",
        "1000000000:00:00",
        "05:00:00.500000",
        "-100:00:00",
        "00:00:00",
        "-00:00:00.500000",
        "05:00:00",
        "-1000000000:00:00",
    ];
    ferry_fixtures::sqlite_exec(
        &file.0,
        &format!(
            "CREATE TABLE d (k DURATION(6) NOT NULL PRIMARY KEY);\nINSERT INTO d VALUES {};",
            values(texts.iter().map(|t| lit(t)))
        ),
    );
    let source = open_source(&Endpoint::parse(&format!("sqlite://{}", file.0.display())).unwrap())
        .await
        .unwrap();
    let table = common::table_model(&*source, "d").await;
    let options = ReadOptions {
        order_by_key: true,
        ..ReadOptions::default()
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    source.read_table(&table, options, tx).await.unwrap();
    let mut got = Vec::new();
    while let Some(b) = rx.recv().await {
        let col = b
            .column(0)
            .as_primitive::<arrow_array::types::DurationMicrosecondType>();
        got.extend(col.values().iter().copied());
    }
    let mut want = got.clone();
    want.sort_unstable();
    assert_eq!(got.len(), texts.len());
    assert_eq!(got, want);
}
