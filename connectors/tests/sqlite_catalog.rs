//! SQLite catalog introspection against the Chinook files and the type fixture.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_connectors::sqlite::SqliteSource;
use ferry_connectors::{Endpoint, Source};
use ferry_schema::{DefaultValue, Dialect, FkAction, Identity, IndexTarget, LogicalType, Schema};
use std::path::{Path, PathBuf};

fn endpoint(path: &Path) -> Endpoint {
    Endpoint::parse(&format!("sqlite://{}", path.display())).unwrap()
}

async fn introspect(path: &Path) -> Schema {
    SqliteSource::open(&endpoint(path))
        .unwrap()
        .introspect()
        .await
        .unwrap()
}

/// A temporary database built from `fixtures/sql/types_sqlite.sql`; removed on drop.
struct Fixture(PathBuf);

impl Fixture {
    fn new() -> Fixture {
        let path = std::env::temp_dir().join(format!(
            "{}.sqlite",
            ferry_fixtures::unique_name("sqlitetypes")
        ));
        let sql = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/sql/types_sqlite.sql"
        ))
        .unwrap();
        // The guard exists before the file does, so a failing script still cleans up.
        let fixture = Fixture(path);
        rusqlite::Connection::open(&fixture.0)
            .unwrap()
            .execute_batch(&sql)
            .unwrap();
        fixture
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test]
async fn chinook_catalog() {
    let schema = introspect(&ferry_fixtures::chinook_sqlite_path(false)).await;
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Album",
            "Artist",
            "Customer",
            "Employee",
            "Genre",
            "Invoice",
            "InvoiceLine",
            "MediaType",
            "Playlist",
            "PlaylistTrack",
            "Track"
        ]
    );
    assert_eq!(
        schema
            .tables
            .iter()
            .map(|t| t.foreign_keys.len())
            .sum::<usize>(),
        11
    );
    assert!(schema.not_migrated.is_empty(), "{:?}", schema.not_migrated);

    let album = schema.table("Album").unwrap();
    let pk = album.primary_key.as_ref().unwrap();
    assert_eq!(
        (pk.name.as_deref(), pk.columns.as_slice()),
        (Some("PK_Album"), &["AlbumId".to_string()][..])
    );
    // A single INTEGER primary key is a rowid alias: auto-assigned like an identity.
    assert_eq!(album.columns[0].identity, Some(Identity::ByDefault));
    assert!(!album.columns[0].nullable);
    assert_eq!(
        album.columns[1].logical_type,
        LogicalType::Varchar { length: Some(160) }
    );
    assert_eq!(album.columns[1].source_type, "NVARCHAR(160)");
    assert_eq!(
        album.columns[2].logical_type,
        LogicalType::Int {
            bits: 64,
            unsigned: false
        }
    );
    assert_eq!(album.indexes.len(), 1);
    assert_eq!(album.indexes[0].name, "IFK_AlbumArtistId");
    assert_eq!(
        album.indexes[0].keys[0].target,
        IndexTarget::Column("ArtistId".into())
    );

    let pt = schema.table("PlaylistTrack").unwrap();
    assert_eq!(
        pt.primary_key.as_ref().unwrap().columns,
        ["PlaylistId", "TrackId"]
    );
    assert!(
        pt.columns.iter().all(|c| c.identity.is_none()),
        "a composite key is no rowid alias"
    );
    assert_eq!(pt.foreign_keys.len(), 2);
    assert!(
        pt.uniques.is_empty(),
        "the PK's automatic index is not a unique constraint"
    );

    let employee = schema.table("Employee").unwrap();
    let self_ref = &employee.foreign_keys[0];
    assert_eq!(self_ref.referenced_table, "Employee");
    assert_eq!(
        (
            self_ref.columns.as_slice(),
            self_ref.referenced_columns.as_slice()
        ),
        (
            &["ReportsTo".to_string()][..],
            &["EmployeeId".to_string()][..]
        )
    );
    assert_eq!(self_ref.name, "fk_Employee_1");
    assert_eq!(self_ref.on_delete, FkAction::NoAction);
    assert_eq!(
        employee.column("BirthDate").unwrap().logical_type,
        LogicalType::Timestamp {
            precision: 6,
            with_time_zone: false
        }
    );

    let track = schema.table("Track").unwrap();
    assert_eq!(
        track.column("UnitPrice").unwrap().logical_type,
        LogicalType::Decimal {
            precision: Some(10),
            scale: Some(2)
        }
    );
    // Named in declaration order (SQLite's pragma numbers them backwards).
    let parents: Vec<&str> = track
        .foreign_keys
        .iter()
        .map(|f| f.referenced_table.as_str())
        .collect();
    assert_eq!(parents, ["Album", "Genre", "MediaType"]);
    assert_eq!(track.foreign_keys[0].name, "fk_Track_1");
}

#[tokio::test]
async fn chinook_autoincrement_catalog() {
    let schema = introspect(&ferry_fixtures::chinook_sqlite_path(true)).await;
    assert_eq!(
        schema.tables.len(),
        11,
        "sqlite_sequence is SQLite's own table"
    );
    let album = schema.table("Album").unwrap();
    assert_eq!(album.identity_column().unwrap().name, "AlbumId");
    assert_eq!(album.primary_key.as_ref().unwrap().name, None);
}

#[tokio::test]
async fn type_fixture_catalog() {
    let fixture = Fixture::new();
    let schema = introspect(&fixture.0).await;
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["child", "kv", "types"]);
    let kinds: Vec<(&str, &str)> = schema
        .not_migrated
        .iter()
        .map(|o| (o.kind.as_str(), o.name.as_str()))
        .collect();
    assert_eq!(kinds, [("trigger", "trg_child_note"), ("view", "v_types")]);

    let types = schema.table("types").unwrap();
    let lt = |name: &str| types.column(name).unwrap().logical_type.clone();
    let int64 = LogicalType::Int {
        bits: 64,
        unsigned: false,
    };
    assert_eq!(lt("i"), int64);
    assert_eq!(lt("big"), int64);
    assert_eq!(lt("small"), int64);
    assert_eq!(lt("flag"), LogicalType::Boolean);
    assert_eq!(lt("r"), LogicalType::Float64);
    assert_eq!(lt("d"), LogicalType::Float64);
    assert_eq!(lt("f"), LogicalType::Float64);
    assert_eq!(
        lt("money"),
        LogicalType::Decimal {
            precision: Some(10),
            scale: Some(2)
        }
    );
    assert_eq!(
        lt("num"),
        LogicalType::Decimal {
            precision: None,
            scale: None
        }
    );
    assert_eq!(
        lt("dec"),
        LogicalType::Decimal {
            precision: Some(20),
            scale: Some(5)
        }
    );
    assert_eq!(lt("vc"), LogicalType::Varchar { length: Some(50) });
    assert_eq!(lt("nvc"), LogicalType::Varchar { length: Some(20) });
    assert_eq!(lt("ch"), LogicalType::Char { length: 10 });
    assert_eq!(lt("nch"), LogicalType::Char { length: 5 });
    assert_eq!(lt("t"), LogicalType::Text { max_bytes: None });
    assert_eq!(lt("cl"), LogicalType::Text { max_bytes: None });
    assert_eq!(lt("bl"), LogicalType::Varbinary { length: None });
    assert_eq!(lt("untyped"), LogicalType::Varbinary { length: None });
    assert_eq!(lt("dt"), LogicalType::Date);
    assert_eq!(
        lt("ts"),
        LogicalType::Timestamp {
            precision: 6,
            with_time_zone: false
        }
    );
    assert_eq!(
        lt("tstamp"),
        LogicalType::Timestamp {
            precision: 6,
            with_time_zone: false
        }
    );
    assert_eq!(lt("tm"), LogicalType::Time { precision: 6 });
    assert_eq!(lt("js"), LogicalType::Json { binary: false });
    assert_eq!(lt("uid"), LogicalType::Uuid);

    let default = |name: &str| types.column(name).unwrap().default.clone();
    assert_eq!(default("i"), Some(DefaultValue::Number("0".into())));
    assert_eq!(default("flag"), Some(DefaultValue::Boolean(false)));
    assert_eq!(default("money"), Some(DefaultValue::Number("0.00".into())));
    assert_eq!(default("vc"), Some(DefaultValue::Text("it's".into())));
    assert_eq!(default("dt"), Some(DefaultValue::CurrentDate));
    assert_eq!(default("ts"), Some(DefaultValue::CurrentTimestamp));
    assert_eq!(default("tm"), Some(DefaultValue::CurrentTime));
    assert_eq!(
        default("expr_default"),
        Some(DefaultValue::Expression {
            sql: "abs(-1) + 1".into(),
            dialect: Dialect::Sqlite
        })
    );
    assert_eq!(default("big"), None);
    assert_eq!(types.identity_column().unwrap().name, "id");

    let child = schema.table("child").unwrap();
    let total = child.column("total").unwrap().generated.as_ref().unwrap();
    assert_eq!(
        (total.expression.as_str(), total.stored),
        ("qty * 2.5", true)
    );
    let label = child.column("label").unwrap().generated.as_ref().unwrap();
    assert_eq!(
        (label.expression.as_str(), label.stored),
        ("upper(note)", false)
    );
    assert_eq!(
        child.arrow_schema().fields().len(),
        5,
        "generated columns are not copied"
    );
    let checks: Vec<(&str, &str)> = child
        .checks
        .iter()
        .map(|c| (c.name.as_str(), c.expression.as_str()))
        .collect();
    assert_eq!(
        checks,
        [("child_check1", "qty > 0"), ("qty_small", "qty < 1000")]
    );
    let uniques: Vec<(&str, Vec<&str>)> = child
        .uniques
        .iter()
        .map(|u| {
            (
                u.name.as_str(),
                u.columns.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert!(
        uniques.contains(&("uq_child_note", vec!["type_id", "note"])),
        "{uniques:?}"
    );
    assert!(
        uniques
            .iter()
            .any(|(n, c)| n.starts_with("uq_child_") && c == &vec!["created"]),
        "{uniques:?}"
    );
    assert_eq!(child.foreign_keys.len(), 2);
    let to_types = child
        .foreign_keys
        .iter()
        .find(|f| f.referenced_table == "types")
        .unwrap();
    assert_eq!(
        to_types.referenced_columns,
        ["id"],
        "a bare REFERENCES means the parent's key"
    );
    assert_eq!(to_types.on_delete, FkAction::Cascade);
    assert!(to_types.deferrable && to_types.initially_deferred);
    let named = child
        .foreign_keys
        .iter()
        .find(|f| f.name == "fk_child_self")
        .unwrap();
    assert_eq!(named.on_update, FkAction::SetNull);

    let index = |name: &str| child.indexes.iter().find(|i| i.name == name).unwrap();
    let lower = index("ix_child_lower");
    assert_eq!(
        lower.keys[0].target,
        IndexTarget::Expression("lower(note)".into())
    );
    assert!(lower.keys[0].descending);
    assert_eq!(lower.keys[1].target, IndexTarget::Column("qty".into()));
    assert_eq!(
        index("ix_child_partial").predicate.as_deref(),
        Some("note IS NOT NULL")
    );
    let ux = index("ux_child_type");
    assert!(ux.unique && ux.keys[0].descending);
    assert_eq!(child.indexes.len(), 3);

    let kv = schema.table("kv").unwrap();
    assert_eq!(kv.primary_key.as_ref().unwrap().columns, ["k"]);
    assert!(kv.identity_column().is_none());
}
