//! Tests of the type and table mapping against the behaviour the issue asks for,
//! plus property tests: every declared type reads back as the type it holds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::*;
use proptest::prelude::*;

fn int(bits: u8, unsigned: bool) -> LogicalType {
    LogicalType::Int { bits, unsigned }
}

fn spelled(ty: &LogicalType, d: Dialect) -> (String, LogicalType, bool) {
    let m = map_type(ty, d);
    (m.sql_type.to_string(), m.target_type, m.loss.is_some())
}

#[test]
fn mysql_unsigned_to_postgres() {
    let cases = [
        (int(8, true), "SMALLINT", int(16, false)),
        (int(16, true), "INTEGER", int(32, false)),
        (int(24, true), "BIGINT", int(64, false)),
        (int(32, true), "BIGINT", int(64, false)),
        (
            int(64, true),
            "NUMERIC(20,0)",
            LogicalType::Decimal {
                precision: Some(20),
                scale: Some(0),
            },
        ),
        (int(8, false), "SMALLINT", int(16, false)),
        (int(24, false), "INTEGER", int(32, false)),
    ];
    for (from, sql, to) in cases {
        assert_eq!(
            spelled(&from, Dialect::Postgres),
            (sql.to_string(), to, false),
            "{from:?}"
        );
    }
}

#[test]
fn decimals() {
    let unconstrained = LogicalType::Decimal {
        precision: None,
        scale: None,
    };
    let (sql, _, lossy) = spelled(&unconstrained, Dialect::MySql);
    assert_eq!((sql.as_str(), lossy), ("DECIMAL(65,30)", true));
    assert!(map_type(&unconstrained, Dialect::MySql)
        .loss
        .unwrap()
        .contains("30"));
    let d65 = LogicalType::Decimal {
        precision: Some(65),
        scale: Some(30),
    };
    assert_eq!(
        spelled(&d65, Dialect::MySql),
        ("DECIMAL(65,30)".into(), d65.clone(), false)
    );
    assert_eq!(spelled(&d65, Dialect::Postgres).0, "NUMERIC(65,30)");
    assert_eq!(spelled(&unconstrained, Dialect::Postgres).0, "NUMERIC");
}

#[test]
fn booleans_and_strings() {
    assert_eq!(
        spelled(&LogicalType::Boolean, Dialect::MySql),
        ("TINYINT(1)".into(), LogicalType::Boolean, false)
    );
    let long = LogicalType::Varchar {
        length: Some(20_000),
    };
    assert_eq!(spelled(&long, Dialect::MySql).0, "MEDIUMTEXT");
    assert_eq!(
        spelled(
            &LogicalType::Varchar {
                length: Some(16_383)
            },
            Dialect::MySql
        )
        .0,
        "VARCHAR(16383)"
    );
    assert_eq!(
        spelled(
            &LogicalType::Varchar {
                length: Some(5_000_000)
            },
            Dialect::MySql
        )
        .0,
        "LONGTEXT"
    );
    assert_eq!(
        spelled(&LogicalType::Char { length: 300 }, Dialect::MySql).0,
        "VARCHAR(300)"
    );
    assert_eq!(
        spelled(
            &LogicalType::Text {
                max_bytes: Some(255)
            },
            Dialect::MySql
        )
        .0,
        "TINYTEXT"
    );
    assert_eq!(
        spelled(&LogicalType::Text { max_bytes: None }, Dialect::MySql).0,
        "LONGTEXT"
    );
    assert_eq!(
        spelled(
            &LogicalType::Text {
                max_bytes: Some(65_535)
            },
            Dialect::Postgres
        )
        .0,
        "TEXT"
    );
    assert_eq!(
        spelled(&LogicalType::Varbinary { length: None }, Dialect::MySql).0,
        "LONGBLOB"
    );
    assert_eq!(
        spelled(&LogicalType::Binary { length: 16 }, Dialect::Postgres).0,
        "BYTEA"
    );
}

#[test]
fn time_types() {
    let mysql_time = LogicalType::Duration { precision: 6 };
    assert_eq!(
        spelled(&mysql_time, Dialect::Postgres),
        ("INTERVAL".into(), LogicalType::Interval, false)
    );
    assert_eq!(spelled(&mysql_time, Dialect::Sqlite).0, "DURATION(6)");
    let pg_time = LogicalType::Time { precision: 3 };
    assert_eq!(
        spelled(&pg_time, Dialect::MySql),
        (
            "TIME(3)".into(),
            LogicalType::Duration { precision: 3 },
            false
        )
    );
    let tz = LogicalType::Timestamp {
        precision: 6,
        with_time_zone: true,
    };
    let m = map_type(&tz, Dialect::MySql);
    assert_eq!(m.sql_type.to_string(), "DATETIME(6)");
    assert!(m.loss.is_none() && m.note.unwrap().contains("UTC"));
    assert_eq!(
        spelled(&tz, Dialect::Postgres).0,
        "TIMESTAMP(6) WITH TIME ZONE"
    );
    let interval = map_type(&LogicalType::Interval, Dialect::MySql);
    assert!(interval.loss.unwrap().contains("text"));
    assert_eq!(
        spelled(&LogicalType::Year, Dialect::Postgres),
        ("SMALLINT".into(), int(16, false), false)
    );
}

#[test]
fn json_uuid_enum_set_bit() {
    assert_eq!(
        spelled(&LogicalType::Json { binary: false }, Dialect::Postgres).0,
        "JSONB"
    );
    assert_eq!(
        spelled(&LogicalType::Json { binary: true }, Dialect::MySql).0,
        "JSON"
    );
    assert_eq!(
        spelled(&LogicalType::Uuid, Dialect::MySql),
        ("CHAR(36)".into(), LogicalType::Char { length: 36 }, false)
    );
    assert_eq!(spelled(&LogicalType::Uuid, Dialect::Postgres).0, "UUID");
    let e = LogicalType::Enum {
        values: vec!["a".into(), r"b\'c".into()],
    };
    assert_eq!(spelled(&e, Dialect::MySql).0, r"ENUM('a', 'b\\''c')");
    assert_eq!(
        parse_type_override(&spelled(&e, Dialect::MySql).0, Dialect::MySql).unwrap(),
        e
    );
    assert_eq!(spelled(&e, Dialect::Postgres).0, "TEXT");
    let set = LogicalType::Set {
        values: vec!["x".into()],
    };
    assert!(map_type(&set, Dialect::Postgres)
        .note
        .unwrap()
        .contains("comma-separated"));
    assert_eq!(
        spelled(
            &LogicalType::Bit {
                length: 64,
                varying: false
            },
            Dialect::MySql
        )
        .0,
        "BIT(64)"
    );
    assert!(
        spelled(
            &LogicalType::Bit {
                length: 65,
                varying: false
            },
            Dialect::MySql
        )
        .2
    );
    assert_eq!(
        spelled(
            &LogicalType::Bit {
                length: 5,
                varying: true
            },
            Dialect::Postgres
        )
        .0,
        "BIT VARYING(5)"
    );
}

#[test]
fn type_overrides() {
    let cases = [
        (
            "varchar(200)",
            Dialect::Postgres,
            LogicalType::Varchar { length: Some(200) },
        ),
        (
            "numeric(20,0)",
            Dialect::Postgres,
            LogicalType::Decimal {
                precision: Some(20),
                scale: Some(0),
            },
        ),
        (
            "text",
            Dialect::Postgres,
            LogicalType::Text { max_bytes: None },
        ),
        ("bigint", Dialect::Postgres, int(64, false)),
        (
            "timestamptz",
            Dialect::Postgres,
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: true,
            },
        ),
        (
            "timestamp(3) with time zone",
            Dialect::Postgres,
            LogicalType::Timestamp {
                precision: 3,
                with_time_zone: true,
            },
        ),
        ("double precision", Dialect::Postgres, LogicalType::Float64),
        ("real", Dialect::Postgres, LogicalType::Float32),
        ("bigint unsigned", Dialect::MySql, int(64, true)),
        ("tinyint(1)", Dialect::MySql, LogicalType::Boolean),
        (
            "datetime(6)",
            Dialect::MySql,
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: false,
            },
        ),
        (
            "time",
            Dialect::MySql,
            LogicalType::Duration { precision: 0 },
        ),
        ("year", Dialect::MySql, LogicalType::Year),
        (
            "mediumtext",
            Dialect::MySql,
            LogicalType::Text {
                max_bytes: Some(16_777_215),
            },
        ),
        ("INTEGER", Dialect::Sqlite, int(64, false)),
        ("REAL", Dialect::Sqlite, LogicalType::Float64),
    ];
    for (text, d, expected) in cases {
        assert_eq!(
            parse_type_override(text, d).unwrap(),
            expected,
            "{text} on {d}"
        );
    }
    assert!(parse_type_override("int; DROP TABLE t", Dialect::Postgres).is_err());
    assert!(parse_type_override("no such type at all", Dialect::Postgres).is_err());
    assert!(parse_type_override("", Dialect::MySql).is_err());
}

fn table_with(columns: Vec<Column>) -> Table {
    Table::new("t", columns)
}

#[test]
fn unsigned_auto_increment_stays_an_integer_identity() {
    let mut id = Column::new("id", int(64, true));
    id.identity = Some(Identity::ByDefault);
    id.nullable = false;
    let mut t = table_with(vec![id]);
    t.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["id".into()],
    });
    let m = map_table(&t, Dialect::MySql, Dialect::Postgres).unwrap();
    assert_eq!(m.table.columns[0].logical_type, int(64, false));
    assert_eq!(m.table.columns[0].identity, Some(Identity::ByDefault));
    assert!(
        m.lossy.is_empty() && m.notes[0].starts_with("t.id:"),
        "{:?}",
        m.notes
    );
    let sql = create_table(&m.table, None, Dialect::Postgres).unwrap();
    assert_eq!(
        sql,
        r#"CREATE TABLE "t" ("id" BIGINT NOT NULL GENERATED BY DEFAULT AS IDENTITY, PRIMARY KEY ("id"))"#
    );
}

#[test]
fn mysql_text_keys_become_varchar() {
    let mut t = table_with(vec![
        Column::new("code", LogicalType::Text { max_bytes: None }),
        Column::new("a", LogicalType::Text { max_bytes: None }),
        Column::new("b", LogicalType::Varbinary { length: None }),
    ]);
    t.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["code".into()],
    });
    t.uniques.push(UniqueConstraint {
        name: "ab".into(),
        columns: vec!["a".into(), "b".into()],
    });
    let m = map_table(&t, Dialect::Postgres, Dialect::MySql).unwrap();
    let types: Vec<_> = m
        .table
        .columns
        .iter()
        .map(|c| c.source_type.as_str())
        .collect();
    assert_eq!(types, ["VARCHAR(768)", "VARCHAR(384)", "VARBINARY(1536)"]);
    assert_eq!(m.lossy.len(), 3);
    assert_eq!(m.lossy[0].from, "text");
    assert!(m.lossy[0].reason.contains("3072"));
}

#[test]
fn defaults_and_expressions_across_dialects() {
    let mut a = Column::new(
        "a",
        LogicalType::Timestamp {
            precision: 0,
            with_time_zone: false,
        },
    );
    a.default = Some(DefaultValue::Expression {
        sql: "now() + interval '1 day'".into(),
        dialect: Dialect::Postgres,
    });
    let mut b = Column::new("b", LogicalType::Boolean);
    b.default = Some(DefaultValue::Number("0".into()));
    let t = table_with(vec![a, b]);
    let m = map_table(&t, Dialect::Postgres, Dialect::MySql).unwrap();
    assert!(
        m.warnings.iter().any(|w| w.starts_with("t.a: default")),
        "{:?}",
        m.warnings
    );
    assert_eq!(m.table.columns[0].default, None);
    assert_eq!(
        m.table.columns[1].default,
        Some(DefaultValue::Boolean(false))
    );
    let same = map_table(&t, Dialect::Postgres, Dialect::Postgres).unwrap();
    assert!(same.table.columns[0].default.is_some());
    let sql = create_table(&same.table, None, Dialect::Postgres).unwrap();
    assert!(
        sql.contains(r#""a" TIMESTAMP(0) DEFAULT now() + INTERVAL '1 day'"#),
        "{sql}"
    );
}

#[test]
fn foreign_key_capabilities() {
    let mut t = table_with(vec![Column::new("p", int(32, false))]);
    t.foreign_keys.push(ForeignKey {
        name: "fk".into(),
        columns: vec!["p".into()],
        referenced_table: "parent".into(),
        referenced_columns: vec!["id".into()],
        on_delete: FkAction::SetDefault,
        on_update: FkAction::Cascade,
        deferrable: true,
        initially_deferred: false,
    });
    let m = map_table(&t, Dialect::Postgres, Dialect::MySql).unwrap();
    assert_eq!(m.warnings.len(), 2, "{:?}", m.warnings);
    assert!(m.warnings.iter().all(|w| w.contains("foreign key fk")));
    assert_eq!(
        add_foreign_keys(&m.table, Some("db"), Dialect::MySql),
        ["ALTER TABLE `db`.`t` ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `db`.`parent`(`id`) ON UPDATE CASCADE"]
    );
    let pg = map_table(&t, Dialect::Postgres, Dialect::Postgres).unwrap();
    assert!(add_foreign_keys(&pg.table, None, Dialect::Postgres)[0]
        .ends_with("ON DELETE SET DEFAULT ON UPDATE CASCADE DEFERRABLE INITIALLY IMMEDIATE"));
    assert!(add_foreign_keys(&pg.table, None, Dialect::Sqlite).is_empty());
}

fn logical_type() -> impl Strategy<Value = LogicalType> {
    let label = "[a-z'\\\\ ,]{1,8}";
    prop_oneof![
        Just(LogicalType::Boolean),
        (
            prop::sample::select(vec![8u8, 16, 24, 32, 64]),
            any::<bool>()
        )
            .prop_map(|(bits, unsigned)| LogicalType::Int { bits, unsigned }),
        (1u16..=1000, 0u16..=40).prop_map(|(p, s)| LogicalType::Decimal {
            precision: Some(p),
            scale: Some(s.min(p))
        }),
        Just(LogicalType::Decimal {
            precision: None,
            scale: None
        }),
        Just(LogicalType::Float32),
        Just(LogicalType::Float64),
        (1u32..=20_000).prop_map(|length| LogicalType::Char { length }),
        prop::option::of(1u32..=10_000_000).prop_map(|length| LogicalType::Varchar { length }),
        prop::option::of(1u64..=5_000_000_000)
            .prop_map(|max_bytes| LogicalType::Text { max_bytes }),
        (1u32..=70_000).prop_map(|length| LogicalType::Binary { length }),
        prop::option::of(1u64..=5_000_000_000).prop_map(|length| LogicalType::Varbinary { length }),
        Just(LogicalType::Date),
        (0u8..=6).prop_map(|precision| LogicalType::Time { precision }),
        (0u8..=6).prop_map(|precision| LogicalType::Duration { precision }),
        (0u8..=6, any::<bool>()).prop_map(|(precision, with_time_zone)| LogicalType::Timestamp {
            precision,
            with_time_zone
        }),
        Just(LogicalType::Interval),
        Just(LogicalType::Year),
        any::<bool>().prop_map(|binary| LogicalType::Json { binary }),
        Just(LogicalType::Uuid),
        prop::collection::vec(label, 1..4).prop_map(|values| LogicalType::Enum { values }),
        prop::collection::vec(label, 1..4).prop_map(|values| LogicalType::Set { values }),
        (1u32..=200, any::<bool>())
            .prop_map(|(length, varying)| LogicalType::Bit { length, varying }),
    ]
}

proptest! {
    /// Whatever the source type, the target's DDL spelling reads back (with the
    /// dialect's own type parser) as exactly the type map_type says the target holds.
    #[test]
    fn declared_types_read_back_as_target_type(ty in logical_type()) {
        for d in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let m = map_type(&ty, d);
            let printed = m.sql_type.to_string();
            let back = parse_type_override(&printed, d);
            prop_assert_eq!(back.ok(), Some(m.target_type.clone()), "{:?} on {}: {}", ty, d, printed);
            // Mapping what the target holds again changes nothing.
            prop_assert_eq!(map_type(&m.target_type, d).target_type, m.target_type);
        }
    }
}

#[test]
fn mysql_index_names_get_the_table_prefix_elsewhere() {
    let mut t = table_with(vec![Column::new(
        "email",
        LogicalType::Varchar { length: Some(100) },
    )]);
    t.primary_key = Some(PrimaryKey {
        name: Some("PRIMARY".into()),
        columns: vec!["email".into()],
    });
    t.uniques.push(UniqueConstraint {
        name: "email".into(),
        columns: vec!["email".into()],
    });
    t.indexes.push(Index {
        name: "t_email_idx".into(),
        unique: false,
        keys: vec![IndexKey {
            target: IndexTarget::Column("email".into()),
            descending: false,
            prefix_length: Some(10),
        }],
        predicate: None,
        dialect: Dialect::MySql,
    });
    let m = map_table(&t, Dialect::MySql, Dialect::Postgres).unwrap();
    assert_eq!(m.table.primary_key.as_ref().unwrap().name, None);
    assert_eq!(m.table.uniques[0].name, "t_email");
    assert_eq!(m.table.indexes[0].name, "t_email_idx");
    assert_eq!(m.table.indexes[0].keys[0].prefix_length, None);
    let same = map_table(&t, Dialect::MySql, Dialect::MySql).unwrap();
    assert_eq!(same.table.uniques[0].name, "email");
    assert_eq!(same.table.indexes[0].keys[0].prefix_length, Some(10));
}

#[test]
fn sqlite_keeps_wide_decimals_and_json_as_text() {
    let dec = |precision, scale| LogicalType::Decimal { precision, scale };
    // Up to 15 significant digits (18 for integers) a REAL/INTEGER is exact.
    assert_eq!(
        spelled(&dec(Some(15), Some(2)), Dialect::Sqlite),
        ("DECIMAL(15,2)".into(), dec(Some(15), Some(2)), false)
    );
    assert_eq!(
        spelled(&dec(Some(18), Some(0)), Dialect::Sqlite).0,
        "DECIMAL(18,0)"
    );
    // Wider ones get a TEXT-affinity name, so no digit is lost.
    assert_eq!(
        spelled(&dec(Some(20), Some(6)), Dialect::Sqlite),
        ("DECIMAL_TEXT(20, 6)".into(), dec(Some(20), Some(6)), false)
    );
    assert_eq!(
        spelled(&dec(None, None), Dialect::Sqlite),
        ("DECIMAL_TEXT".into(), dec(None, None), false)
    );
    assert_eq!(
        spelled(&LogicalType::Json { binary: false }, Dialect::Sqlite).0,
        "JSON_TEXT"
    );
    assert_eq!(
        spelled(&LogicalType::Json { binary: true }, Dialect::Sqlite).0,
        "JSONB_TEXT"
    );
}
