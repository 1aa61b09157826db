//! PostgreSQL catalog introspection against a live server: Chinook and the type fixture.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ferry_connectors::postgres::PgSource;
use ferry_connectors::{Endpoint, Source};
use ferry_fixtures::PgDb;
use ferry_schema::{
    DefaultValue, Dialect, FkAction, Identity, IndexTarget, LogicalType, PrimaryKey,
};

const TYPES_PG: &str = include_str!("../../fixtures/sql/types_pg.sql");

async fn source(db: &PgDb) -> PgSource {
    PgSource::connect(&Endpoint::parse(&db.url).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn chinook_catalog() {
    let db = PgDb::create("pgcat_chinook").await;
    db.execute(&ferry_fixtures::chinook_pg_script(false)).await;
    let schema = source(&db).await.introspect().await.unwrap();
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "album",
            "artist",
            "customer",
            "employee",
            "genre",
            "invoice",
            "invoice_line",
            "media_type",
            "playlist",
            "playlist_track",
            "track"
        ]
    );
    let fks: usize = schema.tables.iter().map(|t| t.foreign_keys.len()).sum();
    assert_eq!(fks, 11);
    let pt = schema.table("playlist_track").unwrap();
    assert_eq!(
        pt.primary_key,
        Some(PrimaryKey {
            name: Some("playlist_track_pkey".into()),
            columns: vec!["playlist_id".into(), "track_id".into()]
        })
    );
    let employee = schema.table("employee").unwrap();
    let self_ref = &employee.foreign_keys[0];
    assert_eq!(self_ref.referenced_table, "employee");
    assert_eq!(self_ref.columns, ["reports_to"]);
    assert_eq!(self_ref.referenced_columns, ["employee_id"]);
    assert_eq!(
        (self_ref.on_delete, self_ref.on_update),
        (FkAction::NoAction, FkAction::NoAction)
    );
    assert!(!self_ref.deferrable);
    // The script's FK indexes are plain secondary indexes.
    let idx = &schema.table("track").unwrap().indexes;
    assert_eq!(idx.len(), 3);
    assert!(idx
        .iter()
        .all(|i| !i.unique && i.keys.len() == 1 && i.predicate.is_none()));
    let track = schema.table("track").unwrap();
    assert_eq!(
        track.column("unit_price").unwrap().logical_type,
        LogicalType::Decimal {
            precision: Some(10),
            scale: Some(2)
        }
    );
    assert_eq!(
        track.column("name").unwrap().logical_type,
        LogicalType::Varchar { length: Some(200) }
    );
    assert!(!track.column("name").unwrap().nullable);
    assert!(schema.not_migrated.is_empty(), "{:?}", schema.not_migrated);
}

#[tokio::test]
async fn chinook_identity_keys() {
    let db = PgDb::create("pgcat_chinook_id").await;
    db.execute(&ferry_fixtures::chinook_pg_script(true)).await;
    let schema = source(&db).await.introspect().await.unwrap();
    let album = schema.table("album").unwrap();
    let id = album.column("album_id").unwrap();
    assert!(id.identity.is_some(), "{id:?}");
    assert_eq!(id.default, None);
    assert_eq!(
        album.identity_column().map(|c| c.name.as_str()),
        Some("album_id")
    );
}

#[tokio::test]
async fn type_fixture_catalog() {
    let db = PgDb::create("pgcat_types").await;
    db.execute(TYPES_PG).await;
    let schema = source(&db).await.introspect().await.unwrap();
    let t = schema.table("types_pg").unwrap();
    let ty = |c: &str| {
        t.column(c)
            .unwrap_or_else(|| panic!("{c}"))
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
            "c_int2",
            L::Int {
                bits: 16,
                unsigned: false,
            },
        ),
        (
            "c_int4",
            L::Int {
                bits: 32,
                unsigned: false,
            },
        ),
        (
            "c_int8",
            L::Int {
                bits: 64,
                unsigned: false,
            },
        ),
        (
            "c_num",
            L::Decimal {
                precision: None,
                scale: None,
            },
        ),
        (
            "c_num_10_2",
            L::Decimal {
                precision: Some(10),
                scale: Some(2),
            },
        ),
        (
            "c_num_20",
            L::Decimal {
                precision: Some(20),
                scale: Some(0),
            },
        ),
        ("c_float4", L::Float32),
        ("c_float8", L::Float64),
        ("c_char", L::Char { length: 5 }),
        ("c_varchar", L::Varchar { length: Some(40) }),
        ("c_varchar_u", L::Varchar { length: None }),
        ("c_text", L::Text { max_bytes: None }),
        ("c_bytea", L::Varbinary { length: None }),
        ("c_date", L::Date),
        ("c_time", L::Time { precision: 6 }),
        ("c_time_3", L::Time { precision: 3 }),
        (
            "c_ts",
            L::Timestamp {
                precision: 6,
                with_time_zone: false,
            },
        ),
        (
            "c_ts_0",
            L::Timestamp {
                precision: 0,
                with_time_zone: false,
            },
        ),
        (
            "c_tstz",
            L::Timestamp {
                precision: 6,
                with_time_zone: true,
            },
        ),
        ("c_interval", L::Interval),
        ("c_json", L::Json { binary: false }),
        ("c_jsonb", L::Json { binary: true }),
        ("c_uuid", L::Uuid),
        (
            "c_bit5",
            L::Bit {
                length: 5,
                varying: false,
            },
        ),
        (
            "c_varbit",
            L::Bit {
                length: 16,
                varying: true,
            },
        ),
        (
            "c_mood",
            L::Enum {
                values: vec![
                    "sad".into(),
                    "ok".into(),
                    "happy".into(),
                    "ünïcode 'quoted'".into(),
                ],
            },
        ),
        (
            "c_domain",
            L::Int {
                bits: 32,
                unsigned: false,
            },
        ),
    ];
    assert_eq!(t.columns.len(), expected.len());
    for (name, logical) in expected {
        assert_eq!(ty(name), logical, "{name}");
    }
    assert_eq!(t.column("c_num_20").unwrap().source_type, "numeric(20,0)");
    assert_eq!(t.comment.as_deref(), Some("every type ferry maps"));
    assert_eq!(
        t.column("c_text").unwrap().comment.as_deref(),
        Some("free text")
    );
    assert!(!t.column("id").unwrap().nullable);

    let parent = schema.table("parent").unwrap();
    let col = |n: &str| parent.column(n).unwrap();
    assert_eq!(col("id").identity, Some(Identity::Always));
    assert_eq!(col("name").default, Some(DefaultValue::Text("it's".into())));
    assert_eq!(
        col("score").default,
        Some(DefaultValue::Number("0.00".into()))
    );
    assert_eq!(col("created").default, Some(DefaultValue::CurrentTimestamp));
    assert_eq!(
        col("Mixed Case").default,
        Some(DefaultValue::Number("-1".into()))
    );
    assert_eq!(parent.uniques.len(), 1);
    assert_eq!(parent.uniques[0].columns, ["code"]);
    assert_eq!(parent.checks.len(), 1);
    assert_eq!(parent.checks[0].expression, "score >= 0::numeric");

    let child = schema.table("child").unwrap();
    assert_eq!(
        child.column("id").unwrap().identity,
        Some(Identity::ByDefault)
    );
    assert_eq!(child.column("id").unwrap().default, None);
    assert_eq!(
        child.column("born").unwrap().default,
        Some(DefaultValue::CurrentDate)
    );
    let total = child.column("total").unwrap().generated.as_ref().unwrap();
    assert_eq!((total.expression.as_str(), total.stored), ("(a + b)", true));
    assert_eq!(child.copied_columns().count(), 6);
    let fk = &child.foreign_keys[0];
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (FkAction::Cascade, FkAction::SetNull)
    );
    assert_eq!(child.checks[0].expression, "a < b");
    let by_name = |n: &str| {
        child
            .indexes
            .iter()
            .find(|i| i.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(child.indexes.len(), 3, "{:?}", child.indexes);
    let partial = by_name("child_label_partial");
    assert_eq!(partial.predicate.as_deref(), Some("label IS NOT NULL"));
    assert_eq!(partial.keys[0].target, IndexTarget::Column("label".into()));
    assert_eq!(
        by_name("child_lower_label").keys[0].target,
        IndexTarget::Expression("lower(label)".into())
    );
    let desc = by_name("child_b_desc");
    assert!(desc.unique && desc.keys[0].descending && !desc.keys[1].descending);
    assert_eq!(desc.dialect, Dialect::Postgres);

    let gc = schema.table("grandchild").unwrap();
    let fk = &gc.foreign_keys[0];
    assert_eq!(fk.columns, ["a", "b"]);
    assert_eq!(fk.referenced_columns, ["a", "b"]);
    assert!(fk.deferrable && fk.initially_deferred);

    let other: Vec<(&str, &str)> = schema
        .not_migrated
        .iter()
        .map(|o| (o.kind.as_str(), o.name.as_str()))
        .collect();
    assert!(other.contains(&("view", "child_view")), "{other:?}");
    assert!(
        other.contains(&("function", "add_one(x integer)")),
        "{other:?}"
    );
    assert!(other.contains(&("sequence", "loose_seq")), "{other:?}");
    assert_eq!(other.len(), 3, "{other:?}");
}

#[tokio::test]
async fn unsupported_type_is_kept_with_its_name() {
    let db = PgDb::create("pgcat_unsup").await;
    db.execute("CREATE TABLE t (id int, tags text[])").await;
    let schema = source(&db).await.introspect().await.unwrap();
    let tags = schema.table("t").unwrap().column("tags").unwrap();
    assert_eq!(
        tags.logical_type,
        LogicalType::Unsupported {
            type_name: "text[]".into()
        }
    );
}
