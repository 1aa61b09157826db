//! Chinook migrated between every pair of supported dialects: same row counts,
//! every row equal, all 11 foreign keys, the composite primary key and the
//! self-reference present on the target, identities continuing past the max.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use ferry_connectors::{open_source, Endpoint};
use ferry_fixtures::{
    chinook_mysql_script, chinook_pg_script, chinook_sqlite_path, unique_name, MySqlDb, PgDb,
};
use std::path::PathBuf;

const TABLES: [(&str, u64); 11] = [
    ("Album", 347),
    ("Artist", 275),
    ("Customer", 59),
    ("Employee", 8),
    ("Genre", 25),
    ("Invoice", 412),
    ("InvoiceLine", 2240),
    ("MediaType", 5),
    ("Playlist", 18),
    ("PlaylistTrack", 8715),
    ("Track", 3503),
];

/// A Chinook source of one dialect, kept alive for the test.
enum Seeded {
    MySql(MySqlDb),
    Pg(PgDb),
    Sqlite(PathBuf),
}

impl Seeded {
    fn url(&self) -> String {
        match self {
            Seeded::MySql(db) => db.url.clone(),
            Seeded::Pg(db) => db.url_with_schema("public"),
            Seeded::Sqlite(path) => format!("sqlite://{}", path.display()),
        }
    }
}

/// A copied SQLite file goes with its handle, like the server databases do.
impl Drop for Seeded {
    fn drop(&mut self) {
        if let Seeded::Sqlite(path) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

async fn seed_mysql(auto: bool) -> Seeded {
    let db = MySqlDb::create("chinook_src").await;
    db.execute(&chinook_mysql_script(auto)).await;
    Seeded::MySql(db)
}

async fn seed_pg(auto: bool) -> Seeded {
    let db = PgDb::create("chinook_src").await;
    db.execute(&chinook_pg_script(auto)).await;
    Seeded::Pg(db)
}

fn sqlite_copy(auto: bool) -> Seeded {
    let path = std::env::temp_dir().join(format!("{}.sqlite", unique_name("chinook")));
    std::fs::copy(chinook_sqlite_path(auto), &path).unwrap();
    Seeded::Sqlite(path)
}

/// The table names on a target: PostgreSQL's Chinook script uses snake_case.
fn table_name(seeded: &Seeded, camel: &str) -> String {
    match seeded {
        Seeded::Pg(_) => {
            let mut out = String::new();
            for (i, ch) in camel.chars().enumerate() {
                if ch.is_ascii_uppercase() && i > 0 {
                    out.push('_');
                }
                out.push(ch.to_ascii_lowercase());
            }
            out
        }
        _ => camel.to_string(),
    }
}

async fn check_pair(source: Seeded, target: Seeded) {
    let (src, dst) = (source.url(), target.url());
    let report = common::run(&src, &dst).await;
    assert!(
        report.ok,
        "migration {src} -> {dst} not ok:\n{}",
        report.summary()
    );
    assert_eq!(report.tables.len(), 11, "{}", report.summary());
    let fks: Vec<_> = report.foreign_keys.iter().filter(|f| f.created).collect();
    assert_eq!(fks.len(), 11, "{}", report.summary());
    // Every Chinook table has a primary key, and the summary counts them
    // beside the secondary indexes.
    assert_eq!(report.keys_created, 11, "{}", report.summary());
    assert!(
        report
            .summary()
            .contains("11 tables, 15607 rows, 11 keys, "),
        "{}",
        report.summary()
    );

    for (name, rows) in TABLES {
        let s = table_name(&source, name);
        let t = report
            .tables
            .iter()
            .find(|t| t.source_table == s)
            .unwrap_or_else(|| panic!("{s} not in report"));
        assert_eq!(t.rows_written, rows, "{s}");
        assert_eq!(t.target_count, Some(rows), "{s}");
        common::compare_tables(&src, &s, &dst, &t.target_table).await;
    }

    // The target's catalog has the keys the source had.
    let target_schema = open_source(&Endpoint::parse(&dst).unwrap())
        .await
        .unwrap()
        .introspect()
        .await
        .unwrap();
    let pt = target_schema
        .table(&table_name(&source, "PlaylistTrack"))
        .unwrap();
    assert_eq!(pt.primary_key.as_ref().map(|p| p.columns.len()), Some(2));
    let employee = target_schema
        .table(&table_name(&source, "Employee"))
        .unwrap();
    assert!(
        employee
            .foreign_keys
            .iter()
            .any(|fk| fk.referenced_table == employee.name),
        "self-reference missing: {:?}",
        employee.foreign_keys
    );
    let total_fks: usize = target_schema
        .tables
        .iter()
        .map(|t| t.foreign_keys.len())
        .sum();
    assert_eq!(total_fks, 11);
    let indexes: usize = target_schema.tables.iter().map(|t| t.indexes.len()).sum();
    assert!(
        indexes >= 11,
        "secondary indexes missing on the target: {indexes}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_to_pg() {
    check_pair(
        seed_mysql(false).await,
        Seeded::Pg(PgDb::create("chinook_dst").await),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_to_mysql() {
    check_pair(
        seed_pg(false).await,
        Seeded::MySql(MySqlDb::create("chinook_dst").await),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_pg() {
    check_pair(
        sqlite_copy(false),
        Seeded::Pg(PgDb::create("chinook_dst").await),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_mysql() {
    check_pair(
        sqlite_copy(false),
        Seeded::MySql(MySqlDb::create("chinook_dst").await),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_to_pg() {
    check_pair(
        seed_pg(false).await,
        Seeded::Pg(PgDb::create("chinook_dst").await),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_to_mysql() {
    check_pair(
        seed_mysql(false).await,
        Seeded::MySql(MySqlDb::create("chinook_dst").await),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_to_sqlite() {
    let target = std::env::temp_dir().join(format!("{}.sqlite", unique_name("chinook_dst")));
    check_pair(seed_mysql(false).await, Seeded::Sqlite(target.clone())).await;
    let _ = std::fs::remove_file(target);
}

/// Identity columns continue past the highest copied value on every target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identities_continue_past_the_max() {
    // MySQL AUTO_INCREMENT -> PostgreSQL identity.
    let src = seed_mysql(true).await;
    let pg = PgDb::create("chinook_ident").await;
    let report = common::run(&src.url(), &pg.url_with_schema("public")).await;
    assert!(report.ok, "{}", report.summary());
    let client = pg.client().await;
    let row = client
        .query_one(
            r#"INSERT INTO "Artist" ("Name") VALUES ('ferry') RETURNING "ArtistId""#,
            &[],
        )
        .await
        .unwrap();
    let id: i32 = row.get(0);
    assert_eq!(
        id, 276,
        "the identity must continue after the 275 copied artists"
    );

    // PostgreSQL identity -> MySQL AUTO_INCREMENT.
    let src = seed_pg(true).await;
    let my = MySqlDb::create("chinook_ident").await;
    let report = common::run(&src.url(), &my.url).await;
    assert!(report.ok, "{}", report.summary());
    use mysql_async::prelude::Queryable;
    let mut conn = my.conn().await;
    conn.query_drop("INSERT INTO artist (name) VALUES ('ferry')")
        .await
        .unwrap();
    let id: Option<u64> = conn
        .query_first("SELECT MAX(artist_id) FROM artist")
        .await
        .unwrap();
    assert_eq!(id, Some(276));
    drop(src);
}
