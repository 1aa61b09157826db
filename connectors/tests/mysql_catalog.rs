//! MySQL/MariaDB catalog introspection against the live test server: Chinook and
//! the `types_mysql` fixture (one column per supported type, constraint shapes).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_connectors::mysql::MySqlSource;
use ferry_connectors::{Endpoint, Source};
use ferry_fixtures::{chinook_mysql_script, MySqlDb};
use ferry_schema::{DefaultValue, FkAction, Identity, IndexTarget, LogicalType};

const TYPES_SQL: &str = include_str!("../../fixtures/sql/types_mysql.sql");

async fn source(db: &MySqlDb) -> MySqlSource {
    MySqlSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn chinook_catalog() {
    let db = MySqlDb::create("my_cat_chinook").await;
    db.execute(&chinook_mysql_script(true)).await;
    let schema = source(&db).await.introspect().await.unwrap();
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
    let fks: usize = schema.tables.iter().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(fks, 11);

    let pt = schema.table("PlaylistTrack").unwrap();
    assert_eq!(
        pt.primary_key.as_ref().unwrap().columns,
        ["PlaylistId", "TrackId"]
    );

    let employee = schema.table("Employee").unwrap();
    let reports_to = employee
        .foreign_keys
        .iter()
        .find(|f| f.columns == ["ReportsTo"])
        .unwrap();
    assert_eq!(reports_to.referenced_table, "Employee");
    assert_eq!(reports_to.referenced_columns, ["EmployeeId"]);
    assert_eq!(reports_to.on_delete, FkAction::NoAction);
    let id = employee.column("EmployeeId").unwrap();
    assert_eq!(id.identity, Some(Identity::ByDefault));
    assert_eq!(
        id.logical_type,
        LogicalType::Int {
            bits: 32,
            unsigned: false
        }
    );
    assert!(!id.nullable);
    assert_eq!(
        employee.column("LastName").unwrap().logical_type,
        LogicalType::Varchar { length: Some(20) }
    );
    assert_eq!(
        employee.column("BirthDate").unwrap().logical_type,
        LogicalType::Timestamp {
            precision: 0,
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
    // Chinook's explicit IFK_ indexes are kept.
    let idx: Vec<&str> = track.indexes.iter().map(|i| i.name.as_str()).collect();
    for expected in [
        "IFK_TrackAlbumId",
        "IFK_TrackGenreId",
        "IFK_TrackMediaTypeId",
    ] {
        assert!(idx.contains(&expected), "{idx:?}");
    }
    assert!(track.indexes.iter().all(|i| !i.unique));
}

#[tokio::test]
async fn type_fixture_catalog() {
    let db = MySqlDb::create("my_cat_types").await;
    db.execute(TYPES_SQL).await;
    let schema = source(&db).await.introspect().await.unwrap();
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["child", "parent", "types_mysql"]);
    assert_eq!(schema.not_migrated.len(), 1);
    assert_eq!(
        (
            schema.not_migrated[0].kind.as_str(),
            schema.not_migrated[0].name.as_str()
        ),
        ("view", "v_parent")
    );

    let t = schema.table("types_mysql").unwrap();
    assert_eq!(t.comment.as_deref(), Some("one column per type"));
    let ty = |c: &str| {
        t.column(c)
            .unwrap_or_else(|| panic!("no column {c}"))
            .logical_type
            .clone()
    };
    use LogicalType as L;
    let expected = [
        (
            "id",
            L::Int {
                bits: 32,
                unsigned: false,
            },
        ),
        ("c_bool", L::Boolean),
        (
            "c_tinyint",
            L::Int {
                bits: 8,
                unsigned: false,
            },
        ),
        (
            "c_tinyint_u",
            L::Int {
                bits: 8,
                unsigned: true,
            },
        ),
        (
            "c_tinyint1_u",
            L::Int {
                bits: 8,
                unsigned: true,
            },
        ),
        (
            "c_smallint",
            L::Int {
                bits: 16,
                unsigned: false,
            },
        ),
        (
            "c_smallint_u",
            L::Int {
                bits: 16,
                unsigned: true,
            },
        ),
        (
            "c_mediumint",
            L::Int {
                bits: 24,
                unsigned: false,
            },
        ),
        (
            "c_mediumint_u",
            L::Int {
                bits: 24,
                unsigned: true,
            },
        ),
        (
            "c_int",
            L::Int {
                bits: 32,
                unsigned: false,
            },
        ),
        (
            "c_int_u",
            L::Int {
                bits: 32,
                unsigned: true,
            },
        ),
        (
            "c_bigint",
            L::Int {
                bits: 64,
                unsigned: false,
            },
        ),
        (
            "c_bigint_u",
            L::Int {
                bits: 64,
                unsigned: true,
            },
        ),
        (
            "c_decimal",
            L::Decimal {
                precision: Some(65),
                scale: Some(30),
            },
        ),
        (
            "c_money",
            L::Decimal {
                precision: Some(10),
                scale: Some(2),
            },
        ),
        ("c_float", L::Float32),
        ("c_double", L::Float64),
        (
            "c_bit1",
            L::Bit {
                length: 1,
                varying: false,
            },
        ),
        (
            "c_bit13",
            L::Bit {
                length: 13,
                varying: false,
            },
        ),
        (
            "c_bit64",
            L::Bit {
                length: 64,
                varying: false,
            },
        ),
        ("c_char", L::Char { length: 10 }),
        (
            "c_varchar",
            L::Varchar {
                length: Some(16000),
            },
        ),
        (
            "c_tinytext",
            L::Text {
                max_bytes: Some(255),
            },
        ),
        (
            "c_text",
            L::Text {
                max_bytes: Some(65_535),
            },
        ),
        (
            "c_mediumtext",
            L::Text {
                max_bytes: Some(16_777_215),
            },
        ),
        (
            "c_longtext",
            L::Text {
                max_bytes: Some(4_294_967_295),
            },
        ),
        ("c_binary", L::Binary { length: 4 }),
        ("c_varbinary", L::Varbinary { length: Some(100) }),
        ("c_tinyblob", L::Varbinary { length: Some(255) }),
        (
            "c_blob",
            L::Varbinary {
                length: Some(65_535),
            },
        ),
        (
            "c_mediumblob",
            L::Varbinary {
                length: Some(16_777_215),
            },
        ),
        (
            "c_longblob",
            L::Varbinary {
                length: Some(4_294_967_295),
            },
        ),
        ("c_date", L::Date),
        ("c_time", L::Duration { precision: 0 }),
        ("c_time6", L::Duration { precision: 6 }),
        (
            "c_datetime",
            L::Timestamp {
                precision: 0,
                with_time_zone: false,
            },
        ),
        (
            "c_datetime6",
            L::Timestamp {
                precision: 6,
                with_time_zone: false,
            },
        ),
        (
            "c_timestamp6",
            L::Timestamp {
                precision: 6,
                with_time_zone: true,
            },
        ),
        ("c_year", L::Year),
        ("c_json", L::Json { binary: false }),
        (
            "c_enum",
            L::Enum {
                values: vec!["small".into(), "it's".into(), "a,b".into()],
            },
        ),
        (
            "c_set",
            L::Set {
                values: vec!["red".into(), "green".into(), "blue".into()],
            },
        ),
        ("c_uuid", L::Uuid),
        (
            "c_generated",
            L::Int {
                bits: 32,
                unsigned: false,
            },
        ),
    ];
    assert_eq!(t.columns.len(), expected.len());
    for (i, (name, logical)) in expected.iter().enumerate() {
        assert_eq!(t.columns[i].name, *name, "ordinal order");
        assert_eq!(&ty(name), logical, "{name}");
    }
    // MariaDB's JSON guard is folded into the type, not kept as a check.
    assert!(t.checks.is_empty(), "{:?}", t.checks);
    assert_eq!(t.column("id").unwrap().identity, Some(Identity::ByDefault));
    assert_eq!(t.primary_key.as_ref().unwrap().columns, ["id"]);
    assert_eq!(
        t.column("c_bool").unwrap().default,
        Some(DefaultValue::Boolean(true))
    );
    assert_eq!(
        t.column("c_smallint").unwrap().default,
        Some(DefaultValue::Number("-5".into()))
    );
    assert_eq!(
        t.column("c_money").unwrap().default,
        Some(DefaultValue::Number("0.00".into()))
    );
    assert_eq!(
        t.column("c_char").unwrap().default,
        Some(DefaultValue::Text("it's".into()))
    );
    assert_eq!(
        t.column("c_datetime6").unwrap().default,
        Some(DefaultValue::CurrentTimestamp)
    );
    assert_eq!(t.column("c_timestamp6").unwrap().default, None);
    let generated = t.column("c_generated").unwrap();
    let g = generated.generated.as_ref().unwrap();
    assert_eq!((g.expression.as_str(), g.stored), ("`c_int` * 2", false));
    assert_eq!(generated.comment.as_deref(), Some("twice c_int"));
    assert!(
        t.arrow_schema().field_with_name("c_generated").is_err(),
        "generated columns are not copied"
    );

    let parent = schema.table("parent").unwrap();
    assert_eq!(parent.primary_key.as_ref().unwrap().columns, ["a", "b"]);
    assert_eq!(parent.uniques.len(), 1);
    assert_eq!(
        (
            parent.uniques[0].name.as_str(),
            parent.uniques[0].columns.clone()
        ),
        ("uq_parent_label", vec!["label".to_string()])
    );
    assert_eq!(parent.checks.len(), 1);
    assert_eq!(
        (
            parent.checks[0].name.as_str(),
            parent.checks[0].expression.as_str()
        ),
        ("ck_parent_score", "`score` >= 0")
    );
    let names: Vec<&str> = parent.indexes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["ix_parent_label_prefix", "ix_parent_score_desc"]);
    let prefix = &parent.indexes[0];
    assert_eq!(prefix.keys[0].target, IndexTarget::Column("label".into()));
    assert_eq!(prefix.keys[0].prefix_length, Some(10));
    let desc = &parent.indexes[1];
    assert!(desc.keys[0].descending && !desc.keys[1].descending);
    assert_eq!(desc.keys[1].target, IndexTarget::Column("a".into()));

    let child = schema.table("child").unwrap();
    let composite = child
        .foreign_keys
        .iter()
        .find(|f| f.name == "fk_child_parent")
        .unwrap();
    assert_eq!(composite.columns, ["pa", "pb"]);
    assert_eq!(composite.referenced_columns, ["a", "b"]);
    assert_eq!(
        (composite.on_delete, composite.on_update),
        (FkAction::Cascade, FkAction::SetNull)
    );
    let self_ref = child
        .foreign_keys
        .iter()
        .find(|f| f.name == "fk_child_manager")
        .unwrap();
    assert_eq!(self_ref.referenced_table, "child");
    // MariaDB's column-level CHECK is listed under the column's name.
    assert_eq!(child.checks.len(), 1);
    assert_eq!(child.checks[0].expression, "`qty` < 1000");
    assert_eq!(
        child.column("qty").unwrap().default,
        Some(DefaultValue::Number("0".into()))
    );
}

#[tokio::test]
async fn unsupported_type_is_kept_with_its_name() {
    let db = MySqlDb::create("my_cat_unsup").await;
    db.execute("CREATE TABLE net (id INT PRIMARY KEY, addr INET6)")
        .await;
    let schema = source(&db).await.introspect().await.unwrap();
    let addr = schema.table("net").unwrap().column("addr").unwrap();
    assert_eq!(
        addr.logical_type,
        LogicalType::Unsupported {
            type_name: "inet6".into()
        }
    );
}
