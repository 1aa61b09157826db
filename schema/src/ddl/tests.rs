//! Golden and round-trip tests for the DDL builders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::mapping::parser_dialect;
use crate::*;
use sqlparser::parser::Parser;

pub(crate) const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

fn col(name: &str, ty: LogicalType) -> Column {
    Column::new(name, ty)
}

/// A representative source table written in `dialect` (expressions in that dialect).
pub(crate) fn sample(dialect: Dialect) -> Table {
    let mut id = col(
        "id",
        LogicalType::Int {
            bits: 64,
            unsigned: false,
        },
    );
    id.nullable = false;
    id.identity = Some(Identity::ByDefault);
    let mut name = col("Name", LogicalType::Varchar { length: Some(100) });
    name.nullable = false;
    name.default = Some(DefaultValue::Text("it's".into()));
    name.comment = Some("display name".into());
    let mut price = col(
        "price",
        LogicalType::Decimal {
            precision: Some(12),
            scale: Some(2),
        },
    );
    price.default = Some(DefaultValue::Number("0.00".into()));
    let mut active = col("active", LogicalType::Boolean);
    active.default = Some(DefaultValue::Boolean(true));
    let mut created = col(
        "created",
        LogicalType::Timestamp {
            precision: 6,
            with_time_zone: true,
        },
    );
    created.default = Some(DefaultValue::CurrentTimestamp);
    let parent = col(
        "parent_id",
        LogicalType::Int {
            bits: 64,
            unsigned: false,
        },
    );
    let org = col(
        "org",
        LogicalType::Int {
            bits: 32,
            unsigned: false,
        },
    );
    let region = col("region", LogicalType::Char { length: 2 });
    let body = col("select", LogicalType::Text { max_bytes: None });
    let mut table = Table::new(
        "items",
        vec![id, name, price, active, created, parent, org, region, body],
    );
    table.comment = Some("catalog items".into());
    table.primary_key = Some(PrimaryKey {
        name: Some("items_pkey".into()),
        columns: vec!["id".into()],
    });
    table.uniques.push(UniqueConstraint {
        name: "items_name_key".into(),
        columns: vec!["Name".into(), "org".into()],
    });
    table.checks.push(CheckConstraint {
        name: "price_positive".into(),
        expression: "price >= 0".into(),
        dialect,
    });
    table.foreign_keys.push(ForeignKey {
        name: "items_parent_fk".into(),
        columns: vec!["parent_id".into()],
        referenced_table: "items".into(),
        referenced_columns: vec!["id".into()],
        on_delete: FkAction::SetNull,
        on_update: FkAction::NoAction,
        deferrable: true,
        initially_deferred: true,
    });
    table.foreign_keys.push(ForeignKey {
        name: "items_org_fk".into(),
        columns: vec!["org".into(), "region".into()],
        referenced_table: "orgs".into(),
        referenced_columns: vec!["id".into(), "region".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::Restrict,
        deferrable: false,
        initially_deferred: false,
    });
    table.indexes.push(Index {
        name: "items_created_idx".into(),
        unique: false,
        keys: vec![
            IndexKey {
                target: IndexTarget::Column("created".into()),
                descending: true,
                prefix_length: None,
            },
            IndexKey {
                target: IndexTarget::Column("org".into()),
                descending: false,
                prefix_length: None,
            },
        ],
        predicate: None,
        dialect,
    });
    table.indexes.push(Index {
        name: "items_active_name".into(),
        unique: true,
        keys: vec![IndexKey {
            target: IndexTarget::Column("Name".into()),
            descending: false,
            prefix_length: None,
        }],
        predicate: Some("active".into()),
        dialect,
    });
    table.indexes.push(Index {
        name: "items_body_idx".into(),
        unique: false,
        keys: vec![IndexKey {
            target: IndexTarget::Column("select".into()),
            descending: false,
            prefix_length: None,
        }],
        predicate: None,
        dialect,
    });
    table
}

/// Parses `sql` in `dialect` and prints it again: a faithful statement prints identically.
pub(crate) fn reparse(sql: &str, dialect: Dialect) -> String {
    let d = parser_dialect(dialect);
    let statements =
        Parser::parse_sql(d.as_ref(), sql).unwrap_or_else(|e| panic!("{dialect}: {e}\n{sql}"));
    assert_eq!(statements.len(), 1, "{sql}");
    statements[0].to_string()
}

fn all_ddl(table: &Table, ns: Option<&str>, dialect: Dialect) -> Vec<String> {
    let mut out = vec![create_table(table, ns, dialect).unwrap()];
    out.extend(create_indexes(table, ns, dialect).0);
    out.extend(add_foreign_keys(table, ns, dialect));
    out.extend(comment_statements(table, ns, dialect));
    out.push(drop_table(&table.name, ns, dialect));
    for fk in &table.foreign_keys {
        out.push(orphan_count_query(table, fk, ns, dialect));
    }
    out.push(max_value_query(table, "id", ns, dialect));
    out
}

/// The sample table (PostgreSQL source) mapped to postgres: every statement, in order.
const GOLDEN_PG: &[&str] = &[
    r#"CREATE TABLE "app"."items" ("id" BIGINT NOT NULL GENERATED BY DEFAULT AS IDENTITY, "Name" VARCHAR(100) NOT NULL DEFAULT 'it''s', "price" NUMERIC(12,2) DEFAULT 0.00, "active" BOOLEAN DEFAULT true, "created" TIMESTAMP(6) WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP, "parent_id" BIGINT, "org" INTEGER, "region" CHAR(2), "select" TEXT, CONSTRAINT "items_pkey" PRIMARY KEY ("id"), CONSTRAINT "items_name_key" UNIQUE ("Name", "org"), CONSTRAINT "price_positive" CHECK (price >= 0))"#,
    r#"CREATE INDEX "items_created_idx" ON "app"."items"("created" DESC, "org")"#,
    r#"CREATE UNIQUE INDEX "items_active_name" ON "app"."items"("Name") WHERE active"#,
    r#"CREATE INDEX "items_body_idx" ON "app"."items"("select")"#,
    r#"ALTER TABLE "app"."items" ADD CONSTRAINT "items_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "app"."items"("id") ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED"#,
    r#"ALTER TABLE "app"."items" ADD CONSTRAINT "items_org_fk" FOREIGN KEY ("org", "region") REFERENCES "app"."orgs"("id", "region") ON DELETE CASCADE ON UPDATE RESTRICT"#,
    r#"COMMENT ON TABLE "app"."items" IS 'catalog items'"#,
    r#"COMMENT ON COLUMN "app"."items"."Name" IS 'display name'"#,
    r#"DROP TABLE IF EXISTS "app"."items" CASCADE"#,
    r#"SELECT COUNT(*) FROM "app"."items" AS c WHERE c."parent_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "app"."items" AS p WHERE p."id" = c."parent_id")"#,
    r#"SELECT COUNT(*) FROM "app"."items" AS c WHERE c."org" IS NOT NULL AND c."region" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "app"."orgs" AS p WHERE p."id" = c."org" AND p."region" = c."region")"#,
    r#"SELECT MAX("id") FROM "app"."items""#,
];

/// The sample table (PostgreSQL source) mapped to mysql: every statement, in order.
const GOLDEN_MYSQL: &[&str] = &[
    r#"CREATE TABLE `app`.`items` (`id` BIGINT NOT NULL AUTO_INCREMENT, `Name` VARCHAR(100) NOT NULL DEFAULT 'it''s' COMMENT 'display name', `price` DECIMAL(12,2) DEFAULT 0.00, `active` TINYINT(1) DEFAULT true, `created` DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6), `parent_id` BIGINT, `org` INT, `region` CHAR(2), `select` LONGTEXT, PRIMARY KEY (`id`), CONSTRAINT `items_name_key` UNIQUE (`Name`, `org`)) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin COMMENT = 'catalog items'"#,
    r#"CREATE INDEX `items_created_idx` ON `app`.`items`(`created` DESC, `org`)"#,
    r#"CREATE INDEX `items_body_idx` ON `app`.`items`(`select`(191))"#,
    r#"ALTER TABLE `app`.`items` ADD CONSTRAINT `items_parent_fk` FOREIGN KEY (`parent_id`) REFERENCES `app`.`items`(`id`) ON DELETE SET NULL"#,
    r#"ALTER TABLE `app`.`items` ADD CONSTRAINT `items_org_fk` FOREIGN KEY (`org`, `region`) REFERENCES `app`.`orgs`(`id`, `region`) ON DELETE CASCADE ON UPDATE RESTRICT"#,
    r#"DROP TABLE IF EXISTS `app`.`items`"#,
    r#"SELECT COUNT(*) FROM `app`.`items` AS c WHERE c.`parent_id` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `app`.`items` AS p WHERE p.`id` = c.`parent_id`)"#,
    r#"SELECT COUNT(*) FROM `app`.`items` AS c WHERE c.`org` IS NOT NULL AND c.`region` IS NOT NULL AND NOT EXISTS (SELECT 1 FROM `app`.`orgs` AS p WHERE p.`id` = c.`org` AND p.`region` = c.`region`)"#,
    r#"SELECT MAX(`id`) FROM `app`.`items`"#,
];

/// The sample table (PostgreSQL source) mapped to sqlite: every statement, in order.
const GOLDEN_SQLITE: &[&str] = &[
    r#"CREATE TABLE "items" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "Name" VARCHAR(100) NOT NULL DEFAULT 'it''s', "price" DECIMAL(12,2) DEFAULT 0.00, "active" BOOLEAN DEFAULT 1, "created" TIMESTAMPTZ(6) DEFAULT CURRENT_TIMESTAMP, "parent_id" BIGINT, "org" BIGINT, "region" CHAR(2), "select" TEXT, CONSTRAINT "items_name_key" UNIQUE ("Name", "org"), CONSTRAINT "items_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "items"("id") ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED, CONSTRAINT "items_org_fk" FOREIGN KEY ("org", "region") REFERENCES "orgs"("id", "region") ON DELETE CASCADE ON UPDATE RESTRICT)"#,
    r#"CREATE INDEX "items_created_idx" ON "items"("created" DESC, "org")"#,
    r#"CREATE INDEX "items_body_idx" ON "items"("select")"#,
    r#"DROP TABLE IF EXISTS "items""#,
    r#"SELECT COUNT(*) FROM "items" AS c WHERE c."parent_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "items" AS p WHERE p."id" = c."parent_id")"#,
    r#"SELECT COUNT(*) FROM "items" AS c WHERE c."org" IS NOT NULL AND c."region" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "orgs" AS p WHERE p."id" = c."org" AND p."region" = c."region")"#,
    r#"SELECT MAX("id") FROM "items""#,
];

#[test]
fn golden_ddl_for_each_target() {
    for (d, golden) in [
        (Dialect::Postgres, GOLDEN_PG),
        (Dialect::MySql, GOLDEN_MYSQL),
        (Dialect::Sqlite, GOLDEN_SQLITE),
    ] {
        let ns = (d != Dialect::Sqlite).then_some("app");
        let mapped = map_table(&sample(Dialect::Postgres), Dialect::Postgres, d).unwrap();
        assert_eq!(all_ddl(&mapped.table, ns, d), golden, "{d}");
    }
}

#[test]
fn every_statement_parses_back_identically() {
    for source in ALL {
        for d in ALL {
            let ns = (d != Dialect::Sqlite).then_some("app");
            let mapped = map_table(&sample(source), source, d).unwrap();
            for sql in all_ddl(&mapped.table, ns, d) {
                assert_eq!(reparse(&sql, d), sql, "{source} -> {d}");
            }
        }
    }
}

#[test]
fn same_dialect_keeps_checks_and_partial_indexes() {
    for d in [Dialect::Postgres, Dialect::Sqlite] {
        let mapped = map_table(&sample(d), d, d).unwrap();
        assert!(mapped.warnings.is_empty(), "{:?}", mapped.warnings);
        let create = create_table(&mapped.table, None, d).unwrap();
        assert!(
            create.contains(r#"CONSTRAINT "price_positive" CHECK (price >= 0)"#),
            "{create}"
        );
        let (indexes, _) = create_indexes(&mapped.table, None, d);
        assert!(
            indexes.iter().any(|i| i.ends_with("WHERE active")),
            "{indexes:?}"
        );
    }
}

/// Names that must stay intact and quoted, whatever they contain.
pub(crate) const HOSTILE: &[&str] = &[
    r#"x"; DROP TABLE y; --"#,
    r#"x\"; DROP TABLE y; --"#,
    "x`; DROP TABLE y; --",
    r"x\`; DROP TABLE y; --",
    "x'; DROP TABLE y; --",
    r#"a""b"#,
    "a``b",
    "select",
    "with space",
    "MiXeD Case",
    "ünïcødé 🚀",
];

/// Collects every identifier of a parsed statement, unescaped by the parser.
fn identifiers(sql: &str, dialect: Dialect) -> Vec<String> {
    use sqlparser::ast::Visit;
    use std::ops::ControlFlow;
    struct Idents(Vec<String>);
    impl sqlparser::ast::Visitor for Idents {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &sqlparser::ast::Expr) -> ControlFlow<()> {
            if let sqlparser::ast::Expr::Identifier(i) = expr {
                self.0.push(i.value.clone());
            }
            if let sqlparser::ast::Expr::CompoundIdentifier(parts) = expr {
                self.0.extend(parts.iter().map(|i| i.value.clone()));
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_relation(&mut self, name: &sqlparser::ast::ObjectName) -> ControlFlow<()> {
            self.0.extend(
                name.0
                    .iter()
                    .filter_map(|p| p.as_ident())
                    .map(|i| i.value.clone()),
            );
            ControlFlow::Continue(())
        }
    }
    let d = parser_dialect(dialect);
    let statements =
        Parser::parse_sql(d.as_ref(), sql).unwrap_or_else(|e| panic!("{dialect}: {e}\n{sql}"));
    let mut v = Idents(Vec::new());
    let _ = statements.visit(&mut v);
    // COMMENT ON and DROP names are not visited as relations.
    let names: Vec<&sqlparser::ast::ObjectName> = match &statements[0] {
        sqlparser::ast::Statement::Comment { object_name, .. } => vec![object_name],
        sqlparser::ast::Statement::Drop { names, .. } => names.iter().collect(),
        _ => Vec::new(),
    };
    for name in names {
        v.0.extend(
            name.0
                .iter()
                .filter_map(|p| p.as_ident())
                .map(|i| i.value.clone()),
        );
    }
    v.0
}

fn hostile_table(name: &str) -> Table {
    let mut c = Column::new(
        name,
        LogicalType::Int {
            bits: 32,
            unsigned: false,
        },
    );
    c.default = Some(DefaultValue::Text(name.to_string()));
    c.comment = Some(name.to_string());
    let mut t = Table::new(name, vec![c]);
    t.comment = Some(name.to_string());
    t.primary_key = Some(PrimaryKey {
        name: Some(name.into()),
        columns: vec![name.into()],
    });
    t.uniques.push(UniqueConstraint {
        name: name.into(),
        columns: vec![name.into()],
    });
    t.foreign_keys.push(ForeignKey {
        name: name.into(),
        columns: vec![name.into()],
        referenced_table: name.into(),
        referenced_columns: vec![name.into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
        deferrable: false,
        initially_deferred: false,
    });
    t.indexes.push(Index {
        name: name.into(),
        unique: false,
        keys: vec![IndexKey {
            target: IndexTarget::Column(name.into()),
            descending: true,
            prefix_length: None,
        }],
        predicate: None,
        dialect: Dialect::Postgres,
    });
    t
}

#[test]
fn hostile_identifiers_stay_intact_and_quoted() {
    for name in HOSTILE {
        for d in ALL {
            let t = hostile_table(name);
            let ns = (d != Dialect::Sqlite).then_some(*name);
            for sql in all_ddl(&t, ns, d) {
                // Parses as one statement: nothing escaped its quotes. (No reprint
                // comparison: sqlparser's printer mangles parsed text holding quotes next
                // to backslashes, and prints parsed COMMENT texts unescaped.)
                reparse(&sql, d);
                let found = identifiers(&sql, d);
                assert!(
                    found.iter().any(|i| i == name),
                    "{d} {name:?}: {found:?} in {sql}"
                );
                assert!(
                    found.iter().all(|i| i == name
                        || ["c", "p", "id", "utf8mb4", "utf8mb4_bin"].contains(&i.as_str())),
                    "{d} {name:?}: {found:?}"
                );
            }
            // Comments and defaults come back as the same text.
            let create = create_table(&t, ns, d).unwrap();
            let parsed = Parser::parse_sql(parser_dialect(d).as_ref(), &create).unwrap();
            let sqlparser::ast::Statement::CreateTable(ct) = &parsed[0] else {
                panic!()
            };
            let default = ct.columns[0].options.iter().find_map(|o| match &o.option {
                sqlparser::ast::ColumnOption::Default(sqlparser::ast::Expr::Value(v)) => {
                    Some(v.value.clone())
                }
                _ => None,
            });
            assert_eq!(
                default,
                Some(sqlparser::ast::Value::SingleQuotedString(name.to_string())),
                "{d}"
            );
            let comments: Vec<String> = ct.columns[0]
                .options
                .iter()
                .filter_map(|o| match &o.option {
                    sqlparser::ast::ColumnOption::Comment(c) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            let expected_comments = if d == Dialect::MySql {
                vec![name.to_string()]
            } else {
                Vec::new()
            };
            assert_eq!(comments, expected_comments, "{d}");
            if let sqlparser::ast::CreateTableOptions::Plain(options) = &ct.table_options {
                let comment = options.iter().find_map(|o| match o {
                    sqlparser::ast::SqlOption::Comment(c) => Some(c.to_string()),
                    sqlparser::ast::SqlOption::KeyValue { key, value }
                        if key.value == "COMMENT" =>
                    {
                        Some(value.to_string())
                    }
                    _ => None,
                });
                assert_eq!(comment.as_deref(), Some(*name), "{d}");
            }
        }
    }
}

#[test]
fn long_names_are_kept_whole() {
    let pg = "n".repeat(63);
    let my = "m".repeat(64);
    for (d, name) in [(Dialect::Postgres, pg), (Dialect::MySql, my)] {
        let t = hostile_table(&name);
        ident::check_identifier(d, "table", &name).unwrap();
        let sql = create_table(&t, None, d).unwrap();
        assert!(identifiers(&sql, d).contains(&name), "{sql}");
    }
}

#[test]
fn comment_on_escapes_quotes() {
    let t = hostile_table("x'; DROP TABLE y; --");
    let statements = comment_statements(&t, Some("s"), Dialect::Postgres);
    assert_eq!(statements.len(), 2);
    for sql in &statements {
        let parsed = Parser::parse_sql(parser_dialect(Dialect::Postgres).as_ref(), sql).unwrap();
        let sqlparser::ast::Statement::Comment { comment, .. } = &parsed[0] else {
            panic!("{sql}")
        };
        assert_eq!(comment.as_deref(), Some("x'; DROP TABLE y; --"));
    }
}

#[test]
fn mysql_unique_index_on_text_is_skipped_with_a_warning() {
    let mut t = Table::new(
        "t",
        vec![Column::new(
            "body",
            LogicalType::Text {
                max_bytes: Some(65_535),
            },
        )],
    );
    t.indexes.push(Index {
        name: "u".into(),
        unique: true,
        keys: vec![IndexKey {
            target: IndexTarget::Column("body".into()),
            descending: false,
            prefix_length: None,
        }],
        predicate: None,
        dialect: Dialect::MySql,
    });
    let (sql, warnings) = create_indexes(&t, None, Dialect::MySql);
    assert!(sql.is_empty());
    assert!(
        warnings[0].contains("t: index u not created"),
        "{warnings:?}"
    );
    t.indexes[0].keys[0].prefix_length = Some(10);
    let (sql, _) = create_indexes(&t, None, Dialect::MySql);
    assert_eq!(sql, ["CREATE UNIQUE INDEX `u` ON `t`(`body`(10))"]);
}

#[test]
fn expression_index_on_same_dialect() {
    let mut t = Table::new(
        "t",
        vec![Column::new("email", LogicalType::Text { max_bytes: None })],
    );
    t.indexes.push(Index {
        name: "lower_email".into(),
        unique: true,
        keys: vec![IndexKey {
            target: IndexTarget::Expression("lower(email)".into()),
            descending: false,
            prefix_length: None,
        }],
        predicate: Some("email IS NOT NULL".into()),
        dialect: Dialect::Postgres,
    });
    let (sql, warnings) = create_indexes(&t, Some("s"), Dialect::Postgres);
    assert!(warnings.is_empty());
    assert_eq!(
        sql,
        [r#"CREATE UNIQUE INDEX "lower_email" ON "s"."t"((lower(email))) WHERE email IS NOT NULL"#]
    );
    let (sql, warnings) = create_indexes(&t, None, Dialect::Sqlite);
    assert!(sql.is_empty() && warnings.len() == 1, "{warnings:?}");
}

#[test]
fn generated_columns_on_same_dialect() {
    let mut total = Column::new(
        "total",
        LogicalType::Int {
            bits: 64,
            unsigned: false,
        },
    );
    total.generated = Some(GeneratedColumn {
        expression: "a * 2".into(),
        stored: false,
        dialect: Dialect::MySql,
    });
    let t = Table::new(
        "t",
        vec![
            Column::new(
                "a",
                LogicalType::Int {
                    bits: 64,
                    unsigned: false,
                },
            ),
            total,
        ],
    );
    let mysql = create_table(
        &map_table(&t, Dialect::MySql, Dialect::MySql).unwrap().table,
        None,
        Dialect::MySql,
    )
    .unwrap();
    assert!(
        mysql.contains("`total` BIGINT GENERATED ALWAYS AS (a * 2) VIRTUAL"),
        "{mysql}"
    );
    let mapped = map_table(&t, Dialect::MySql, Dialect::Postgres).unwrap();
    assert_eq!(mapped.materialized, ["total"]);
    assert!(mapped.table.columns[1].generated.is_none());
    assert!(
        mapped.warnings[0].starts_with("t.total: generated column"),
        "{:?}",
        mapped.warnings
    );
    let pg = create_table(&mapped.table, None, Dialect::Postgres).unwrap();
    assert_eq!(pg, r#"CREATE TABLE "t" ("a" BIGINT, "total" BIGINT)"#);
}

#[test]
fn sqlite_identity_needs_a_single_integer_primary_key() {
    let mut id = Column::new(
        "id",
        LogicalType::Int {
            bits: 32,
            unsigned: false,
        },
    );
    id.identity = Some(Identity::Always);
    let mut t = Table::new("t", vec![id, Column::new("b", LogicalType::Boolean)]);
    t.primary_key = Some(PrimaryKey {
        name: None,
        columns: vec!["id".into(), "b".into()],
    });
    let mapped = map_table(&t, Dialect::Postgres, Dialect::Sqlite).unwrap();
    assert!(mapped.table.columns[0].identity.is_none());
    assert!(
        mapped.warnings[0].starts_with("t.id: identity not migrated"),
        "{:?}",
        mapped.warnings
    );
    assert_eq!(
        create_table(&mapped.table, None, Dialect::Sqlite).unwrap(),
        r#"CREATE TABLE "t" ("id" BIGINT, "b" BOOLEAN, PRIMARY KEY ("id", "b"))"#
    );
}

#[test]
fn enum_becomes_text_with_check() {
    let mut c = Column::new(
        "state",
        LogicalType::Enum {
            values: vec!["on".into(), "it's".into()],
        },
    );
    c.default = Some(DefaultValue::Text("on".into()));
    let t = Table::new("t", vec![c]);
    let mapped = map_table(&t, Dialect::MySql, Dialect::Postgres).unwrap();
    let sql = create_table(&mapped.table, None, Dialect::Postgres).unwrap();
    assert_eq!(
        sql,
        r#"CREATE TABLE "t" ("state" TEXT DEFAULT 'on', CONSTRAINT "t_state_check" CHECK ("state" IN ('on', 'it''s')))"#
    );
    let mysql = create_table(
        &map_table(&t, Dialect::MySql, Dialect::MySql).unwrap().table,
        None,
        Dialect::MySql,
    )
    .unwrap();
    assert!(
        mysql.contains("`state` ENUM('on', 'it''s') DEFAULT 'on'"),
        "{mysql}"
    );
}

#[test]
fn mysql_defaults() {
    let mut body = Column::new("body", LogicalType::Text { max_bytes: None });
    body.default = Some(DefaultValue::Text(r"back\slash".into()));
    let mut day = Column::new("day", LogicalType::Date);
    day.default = Some(DefaultValue::CurrentDate);
    let mut flag = Column::new("flag", LogicalType::Boolean);
    flag.default = Some(DefaultValue::Number("1".into()));
    let t = Table::new("t", vec![body, day, flag]);
    let mapped = map_table(&t, Dialect::Postgres, Dialect::MySql).unwrap();
    let sql = create_table(&mapped.table, None, Dialect::MySql).unwrap();
    assert!(
        sql.contains(r"`body` LONGTEXT DEFAULT ('back\\slash')"),
        "{sql}"
    );
    assert!(sql.contains("`day` DATE DEFAULT (CURRENT_DATE)"), "{sql}");
    assert!(sql.contains("`flag` TINYINT(1) DEFAULT true"), "{sql}");
    reparse(&sql, Dialect::MySql);
}

#[test]
fn bad_number_default_is_refused() {
    let mut c = Column::new(
        "n",
        LogicalType::Int {
            bits: 32,
            unsigned: false,
        },
    );
    c.default = Some(DefaultValue::Number("1); DROP TABLE t; --".into()));
    let t = Table::new("t", vec![c]);
    assert!(create_table(&t, None, Dialect::Postgres).is_err());
    let mapped = map_table(&t, Dialect::Postgres, Dialect::MySql).unwrap();
    assert!(mapped.table.columns[0].default.is_none());
    assert_eq!(mapped.warnings.len(), 1);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Names mixing quotes, backslashes, separators, keywords and non-ASCII.
    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9_ \"'`\\\\;\\-(),.é🚀]{1,20}",
            Just("select".to_string()),
            Just("\\\"".to_string()),
        ]
    }

    proptest! {
        /// Any name survives every DDL statement: each prints as exactly one
        /// statement of the dialect, and the parser gives back the same names.
        #[test]
        fn quoted_names_never_escape(n in name(), text in name()) {
            for d in ALL {
                let mut t = hostile_table(&n);
                t.columns[0].default = Some(DefaultValue::Text(text.clone()));
                let ns = (d != Dialect::Sqlite).then_some(n.as_str());
                for sql in all_ddl(&t, ns, d) {
                    let found = identifiers(&sql, d);
                    prop_assert!(found.contains(&n), "{} {:?}: {:?} in {}", d, n, found, sql);
                    let allowed = ["c", "p", "id", "utf8mb4", "utf8mb4_bin"];
                    prop_assert!(found.iter().all(|i| *i == n || allowed.contains(&i.as_str())), "{:?}", found);
                }
                let create = create_table(&t, ns, d).unwrap();
                let parsed = Parser::parse_sql(parser_dialect(d).as_ref(), &create).unwrap();
                let sqlparser::ast::Statement::CreateTable(ct) = &parsed[0] else { panic!() };
                let default = ct.columns[0].options.iter().find_map(|o| match &o.option {
                    sqlparser::ast::ColumnOption::Default(sqlparser::ast::Expr::Value(v)) => Some(v.value.clone()),
                    _ => None,
                });
                prop_assert_eq!(default, Some(sqlparser::ast::Value::SingleQuotedString(text.clone())));
            }
        }
    }
}

#[test]
fn identity_restart_on_postgres_only() {
    let t = Table::new(
        "Items",
        vec![Column::new(
            "Id",
            LogicalType::Int {
                bits: 64,
                unsigned: false,
            },
        )],
    );
    assert_eq!(
        identity_restart_query(&t, "Id", Some("app"), Dialect::Postgres).unwrap(),
        r#"SELECT setval(pg_get_serial_sequence('"app"."Items"', 'Id'), COALESCE(MAX("Id"), 0) + 1, false) FROM "app"."Items""#
    );
    assert!(identity_restart_query(&t, "Id", None, Dialect::MySql).is_none());
    let hostile = Table::new("it's", vec![]);
    let sql = identity_restart_query(&hostile, "x'y", None, Dialect::Postgres).unwrap();
    assert_eq!(reparse(&sql, Dialect::Postgres), sql);
}

#[test]
fn unlogged_load_is_postgres_only_and_set_logged_undoes_it() {
    let table = hostile_table("we\"ird");
    let pg = create_table_for_load(&table, Some("s"), Dialect::Postgres, true).expect("ddl");
    assert!(
        pg.starts_with("CREATE UNLOGGED TABLE \"s\".\"we\"\"ird\""),
        "{pg}"
    );
    assert_eq!(reparse(&pg, Dialect::Postgres), pg);
    assert_eq!(
        set_logged("we\"ird", Some("s"), Dialect::Postgres).as_deref(),
        Some("ALTER TABLE \"s\".\"we\"\"ird\" SET LOGGED")
    );
    for dialect in [Dialect::MySql, Dialect::Sqlite] {
        let ns = (dialect == Dialect::MySql).then_some("s");
        assert_eq!(
            create_table_for_load(&table, ns, dialect, true).expect("ddl"),
            create_table(&table, ns, dialect).expect("ddl"),
            "{dialect}: unlogged is ignored"
        );
        assert_eq!(set_logged("t", ns, dialect), None);
    }
}

#[test]
fn postgres_keys_are_added_after_the_load_and_equal_the_inline_ones() {
    let table = sample(Dialect::Postgres);
    assert!(table.primary_key.is_some() && !table.uniques.is_empty());
    let inline = create_table(&table, Some("s"), Dialect::Postgres).unwrap();
    let for_load = create_table_for_load(&table, Some("s"), Dialect::Postgres, false).unwrap();
    assert!(inline.contains("PRIMARY KEY"), "{inline}");
    assert!(
        !for_load.contains("PRIMARY KEY") && !for_load.contains("UNIQUE"),
        "{for_load}"
    );
    let keys = add_keys(&table, Some("s"), Dialect::Postgres);
    assert_eq!(keys.len(), 1 + table.uniques.len(), "{keys:?}");
    assert!(keys[0].contains("ADD PRIMARY KEY") || keys[0].contains("PRIMARY KEY ("));
    for statement in &keys {
        assert!(statement.starts_with("ALTER TABLE \"s\"."), "{statement}");
        assert_eq!(reparse(statement, Dialect::Postgres), *statement);
    }
    // MySQL keeps its clustered primary key in CREATE TABLE; SQLite cannot add keys later.
    for dialect in [Dialect::MySql, Dialect::Sqlite] {
        let table = sample(dialect);
        let ns = (dialect == Dialect::MySql).then_some("s");
        assert_eq!(
            create_table_for_load(&table, ns, dialect, false).unwrap(),
            create_table(&table, ns, dialect).unwrap()
        );
        assert!(add_keys(&table, ns, dialect).is_empty());
    }
}
