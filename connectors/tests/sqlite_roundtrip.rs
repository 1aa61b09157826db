//! SQLite → Arrow → SQLite round trips: every table of a source file is read by
//! `SqliteSource`, written by `SqliteTarget` into a fresh file whose tables are
//! created from the source's own `CREATE TABLE` text, and compared row by row.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ferry_connectors::sqlite::{SqliteSource, SqliteTarget};
use ferry_connectors::{Endpoint, ReadOptions, Source, Target};
use rusqlite::types::Value;
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// A temp file removed on drop.
struct TempDb(PathBuf);

impl TempDb {
    fn new(tag: &str) -> TempDb {
        TempDb(std::env::temp_dir().join(format!("{}.sqlite", ferry_fixtures::unique_name(tag))))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn endpoint(path: &Path) -> Endpoint {
    Endpoint::parse(&format!("sqlite://{}", path.display())).unwrap()
}

/// `(name, create sql, without rowid)` of every ordinary table of `path`.
fn tables(path: &Path) -> Vec<(String, String, bool)> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT s.name, s.sql, t.wr FROM sqlite_schema s JOIN pragma_table_list t \
             ON t.schema = 'main' AND t.name = s.name \
             WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY s.name",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? != 0)))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Every row of `table`, in rowid order (key order for WITHOUT ROWID tables).
fn rows(path: &Path, table: &str, without_rowid: bool) -> Vec<Vec<Value>> {
    let conn = Connection::open(path).unwrap();
    let quoted = ferry_schema::ident::quote(ferry_schema::Dialect::Sqlite, table);
    let order = if without_rowid { "1" } else { "rowid" };
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {quoted} ORDER BY {order}"))
        .unwrap();
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |r| {
            (0..n)
                .map(|i| r.get::<_, Value>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// Copies every table of `source` into a new file and compares all rows.
async fn round_trip(source: &Path, options: ReadOptions) {
    let target_db = TempDb::new("sqliteroundtrip");
    let src = SqliteSource::open(&endpoint(source)).unwrap();
    let dst = SqliteTarget::open(&endpoint(&target_db.0)).unwrap();
    let schema = src.introspect().await.unwrap();
    let defs = tables(source);
    let creates: Vec<String> = defs.iter().map(|(_, sql, _)| sql.clone()).collect();
    dst.execute("creating tables", &creates).await.unwrap();
    let mut existing = dst.existing_tables().await.unwrap();
    existing.sort();
    assert_eq!(
        existing,
        schema
            .tables
            .iter()
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
    );

    for table in &schema.tables {
        let (read, stats) = ferry_connectors::copy_direct(&src, &dst, table, options.clone()).await;
        let (read, stats) = (read.unwrap(), stats.unwrap());
        assert_eq!(read, stats.rows, "{}", table.name);
        assert_eq!(src.count_rows(&table.name).await.unwrap(), read);
        assert_eq!(dst.count_rows(&table.name).await.unwrap(), read);
        dst.reset_identity(table).await.unwrap();
    }
    for (name, _, without_rowid) in &defs {
        let expected = rows(source, name, *without_rowid);
        let actual = rows(&target_db.0, name, *without_rowid);
        assert_eq!(expected.len(), actual.len(), "{name}");
        for (i, (e, a)) in expected.iter().zip(&actual).enumerate() {
            assert_eq!(e, a, "table {name}, row {}", i + 1);
        }
    }
}

#[tokio::test]
async fn chinook_round_trip() {
    round_trip(
        &ferry_fixtures::chinook_sqlite_path(false),
        ReadOptions::default(),
    )
    .await;
}

#[tokio::test]
async fn chinook_autoincrement_round_trip_small_batches() {
    let source = ferry_fixtures::chinook_sqlite_path(true);
    round_trip(
        &source,
        ReadOptions {
            batch_rows: 333,
            batch_bytes: 4096,
            ..ReadOptions::default()
        },
    )
    .await;
}

#[tokio::test]
async fn type_fixture_round_trip() {
    let source = TempDb::new("sqlitetypesrc");
    let sql = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/sql/types_sqlite.sql"
    ))
    .unwrap();
    Connection::open(&source.0)
        .unwrap()
        .execute_batch(&sql)
        .unwrap();
    round_trip(
        &source.0,
        ReadOptions {
            batch_rows: 2,
            batch_bytes: 1 << 20,
            ..ReadOptions::default()
        },
    )
    .await;
}

#[tokio::test]
async fn reset_identity_moves_the_sequence() {
    let db = TempDb::new("sqliteseq");
    let dst = SqliteTarget::open(&endpoint(&db.0)).unwrap();
    dst.execute(
        "creating",
        &[
            "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT)".to_string(),
            "INSERT INTO a VALUES (41, 'x')".to_string(),
            "DELETE FROM sqlite_sequence".to_string(),
        ],
    )
    .await
    .unwrap();
    let src = SqliteSource::open(&endpoint(&db.0)).unwrap();
    let table = common::table_model(&src, "a").await;
    dst.reset_identity(&table).await.unwrap();
    assert_eq!(
        dst.query_u64("SELECT seq FROM sqlite_sequence WHERE name = 'a'")
            .await
            .unwrap(),
        41
    );
    assert_eq!(
        dst.query_u64("SELECT MAX(id) FROM a WHERE id > 100")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn odd_identifiers_round_trip() {
    let source = TempDb::new("sqliteoddnames");
    Connection::open(&source.0)
        .unwrap()
        .execute_batch(
            r#"CREATE TABLE "we""ird name; --" ("sel""ect" INTEGER PRIMARY KEY, "from" TEXT, [ünï 🚀] BLOB);
               INSERT INTO "we""ird name; --" VALUES (1, 'a', x'01'), (2, NULL, NULL);
               CREATE INDEX "i""x" ON "we""ird name; --" ("from");"#,
        )
        .unwrap();
    let schema = SqliteSource::open(&endpoint(&source.0))
        .unwrap()
        .introspect()
        .await
        .unwrap();
    let table = &schema.tables[0];
    assert_eq!(table.name, "we\"ird name; --");
    assert_eq!(table.columns[0].name, "sel\"ect");
    assert_eq!(table.indexes[0].name, "i\"x");
    round_trip(&source.0, ReadOptions::default()).await;
}
