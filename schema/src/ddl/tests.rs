//! Golden and round-trip tests for the DDL builders.

use crate::mapping::parser_dialect;
use crate::*;
use sqlparser::parser::Parser;

pub(crate) const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

fn col(name: &str, ty: LogicalType) -> Column {
    Column::new(name, ty)
}

/// A representative source table written in `dialect` (expressions in that dialect).
pub(crate) fn sample(dialect: Dialect) -> Table {
    let mut id = col("id", LogicalType::Int { bits: 64, unsigned: false });
    id.nullable = false;
    id.identity = Some(Identity::ByDefault);
    let mut name = col("Name", LogicalType::Varchar { length: Some(100) });
    name.nullable = false;
    name.default = Some(DefaultValue::Text("it's".into()));
    name.comment = Some("display name".into());
    let mut price = col("price", LogicalType::Decimal { precision: Some(12), scale: Some(2) });
    price.default = Some(DefaultValue::Number("0.00".into()));
    let mut active = col("active", LogicalType::Boolean);
    active.default = Some(DefaultValue::Boolean(true));
    let mut created = col("created", LogicalType::Timestamp { precision: 6, with_time_zone: true });
    created.default = Some(DefaultValue::CurrentTimestamp);
    let parent = col("parent_id", LogicalType::Int { bits: 64, unsigned: false });
    let org = col("org", LogicalType::Int { bits: 32, unsigned: false });
    let region = col("region", LogicalType::Char { length: 2 });
    let body = col("select", LogicalType::Text { max_bytes: None });
    let mut table = Table::new(
        "items",
        vec![id, name, price, active, created, parent, org, region, body],
    );
    table.comment = Some("catalog items".into());
    table.primary_key = Some(PrimaryKey { name: Some("items_pkey".into()), columns: vec!["id".into()] });
    table.uniques.push(UniqueConstraint { name: "items_name_key".into(), columns: vec!["Name".into(), "org".into()] });
    table.checks.push(CheckConstraint { name: "price_positive".into(), expression: "price >= 0".into(), dialect });
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
            IndexKey { target: IndexTarget::Column("created".into()), descending: true, prefix_length: None },
            IndexKey { target: IndexTarget::Column("org".into()), descending: false, prefix_length: None },
        ],
        predicate: None,
        dialect,
    });
    table.indexes.push(Index {
        name: "items_active_name".into(),
        unique: true,
        keys: vec![IndexKey { target: IndexTarget::Column("Name".into()), descending: false, prefix_length: None }],
        predicate: Some("active".into()),
        dialect,
    });
    table.indexes.push(Index {
        name: "items_body_idx".into(),
        unique: false,
        keys: vec![IndexKey { target: IndexTarget::Column("select".into()), descending: false, prefix_length: None }],
        predicate: None,
        dialect,
    });
    table
}

/// Parses `sql` in `dialect` and prints it again: a faithful statement prints identically.
pub(crate) fn reparse(sql: &str, dialect: Dialect) -> String {
    let d = parser_dialect(dialect);
    let statements = Parser::parse_sql(d.as_ref(), sql).unwrap_or_else(|e| panic!("{dialect}: {e}\n{sql}"));
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

#[test]
fn print_samples() {
    for d in ALL {
        let ns = (d != Dialect::Sqlite).then_some("app");
        let mapped = map_table(&sample(d), d, d).unwrap();
        println!("== {d} {:?}", mapped.warnings);
        for s in all_ddl(&mapped.table, ns, d) {
            println!("{s}");
        }
        println!("{:?}", create_indexes(&mapped.table, ns, d).1);
    }
}
