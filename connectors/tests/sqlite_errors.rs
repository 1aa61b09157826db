//! SQLite connector errors: what the user sees for a wrong path, a file that
//! is not a database, a value SQLite's dynamic typing let in, and a value the
//! writer refuses to change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use arrow_array::{Float64Array, RecordBatch};
use ferry_connectors::sqlite::{SqliteSource, SqliteTarget};
use ferry_connectors::{ConnectorError, Endpoint, ErrorKind, ReadOptions, Source, Target};
use ferry_schema::{Column, LogicalType, Table};
use std::path::PathBuf;
use std::sync::Arc;

struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str) -> TempFile {
        TempFile(std::env::temp_dir().join(format!("{}.sqlite", ferry_fixtures::unique_name(tag))))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn endpoint(path: &std::path::Path) -> Endpoint {
    Endpoint::parse(&format!("sqlite://{}", path.display())).unwrap()
}

#[test]
fn missing_file_is_not_found() {
    let missing = TempFile::new("sqlitemissing");
    let err = SqliteSource::open(&endpoint(&missing.0)).unwrap_err();
    assert!(
        matches!(err, ConnectorError::NotFound { what: "file", .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(
        err.to_string().contains(&missing.0.display().to_string()),
        "{err}"
    );
    assert!(!missing.0.exists(), "a source never creates its file");

    let in_missing_dir = std::env::temp_dir()
        .join("ferry_no_such_dir_x9")
        .join("t.db");
    let err = SqliteTarget::open(&endpoint(&in_missing_dir)).unwrap_err();
    assert!(
        matches!(
            err,
            ConnectorError::NotFound {
                what: "directory",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn non_database_file_is_refused() {
    let file = TempFile::new("sqlitenotadb");
    std::fs::write(&file.0, "this is a text file, not a database\n".repeat(100)).unwrap();
    let err = SqliteSource::open(&endpoint(&file.0)).unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
    assert!(
        err.to_string().contains(&file.0.display().to_string()),
        "{err}"
    );
    let err = SqliteTarget::open(&endpoint(&file.0)).unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");
}

#[tokio::test]
async fn text_in_an_integer_column_names_table_column_and_row() {
    let db = TempFile::new("sqlitebadint");
    rusqlite::Connection::open(&db.0)
        .unwrap()
        .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER); INSERT INTO t VALUES (1, 5), (2, 'abc');")
        .unwrap();
    let src = SqliteSource::open(&endpoint(&db.0)).unwrap();
    let table = common::table_model(&src, "t").await;
    let (tx, _rx) = tokio::sync::mpsc::channel(4);
    let err = src
        .read_table(&table, ReadOptions::default(), tx)
        .await
        .unwrap_err();
    let ConnectorError::Data {
        table,
        column,
        detail,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((table.as_str(), column.as_str()), ("t", "n"));
    assert!(
        detail.contains("row 2") && detail.contains("\"abc\""),
        "{detail}"
    );
    assert!(detail.contains("override its type"), "{detail}");
    assert_eq!(err.kind(), ErrorKind::Data);
}

#[tokio::test]
async fn nan_is_refused_not_nulled() {
    let db = TempFile::new("sqlitenan");
    let dst = SqliteTarget::open(&endpoint(&db.0)).unwrap();
    dst.execute("creating", &["CREATE TABLE f (x REAL)".to_string()])
        .await
        .unwrap();
    let table = Table::new("f", vec![Column::new("x", LogicalType::Float64)]);
    let batch = RecordBatch::try_new(
        table.arrow_schema(),
        vec![Arc::new(Float64Array::from(vec![1.0, f64::NAN]))],
    )
    .unwrap();
    let (tx, rx) = ferry_connectors::batch_channel(2);
    tx.send(batch).await.unwrap();
    tx.finish().await.unwrap();
    let err = dst.write_table(&table, rx).await.unwrap_err();
    assert!(
        matches!(&err, ConnectorError::Data { column, detail, .. } if column == "x" && detail.contains("NaN")),
        "{err:?}"
    );
    assert_eq!(
        dst.count_rows("f").await.unwrap(),
        0,
        "the failed transaction is rolled back"
    );
}

#[tokio::test]
async fn dropped_receiver_stops_the_reader_quietly() {
    let src = SqliteSource::open(&endpoint(&ferry_fixtures::chinook_sqlite_path(false))).unwrap();
    let table = common::table_model(&src, "Track").await;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    drop(rx);
    let read = src
        .read_table(
            &table,
            ReadOptions {
                batch_rows: 100,
                batch_bytes: 1 << 20,
                ..ReadOptions::default()
            },
            tx,
        )
        .await
        .unwrap();
    assert!(read < 3503, "{read}");
}
