//! `Source::introspect` for MySQL/MariaDB: reads `information_schema` of one
//! database into the neutral [`Schema`] model. Queries live in `sql/*.sql`.
//!
//! Flavour differences handled here: MariaDB keeps JSON as LONGTEXT plus a
//! `json_valid(col)` CHECK (detected, turned into `Json`, the check dropped), names
//! column-level checks after the column, and has no `STATISTICS.EXPRESSION`.

use super::conn::Flavor;
use super::dialect::{parse_column_type, parse_default};
use super::error::server_error;
use crate::Result;
use ferry_schema::ident::quote;
use ferry_schema::{
    CheckConstraint, Column, Dialect, FkAction, ForeignKey, GeneratedColumn, Identity, Index,
    IndexKey, IndexTarget, LogicalType, OtherObject, PrimaryKey, Schema, Table, UniqueConstraint,
};
use mysql_async::prelude::Queryable;
use mysql_async::Conn;
use std::collections::{BTreeMap, HashSet};

const TABLES_SQL: &str = include_str!("sql/tables.sql");
const COLUMNS_SQL: &str = include_str!("sql/columns.sql");
const CHECKS_MARIADB_SQL: &str = include_str!("sql/checks_mariadb.sql");
const CHECKS_MYSQL_SQL: &str = include_str!("sql/checks_mysql.sql");
const KEY_COLUMNS_SQL: &str = include_str!("sql/key_columns.sql");
const INDEXES_MARIADB_SQL: &str = include_str!("sql/indexes_mariadb.sql");
const INDEXES_MYSQL_SQL: &str = include_str!("sql/indexes_mysql.sql");
const OTHER_OBJECTS_SQL: &str = include_str!("sql/other_objects.sql");

type ColumnRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);
type KeyRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);
type IndexRow = (
    String,
    String,
    u64,
    Option<String>,
    Option<String>,
    Option<u64>,
    Option<String>,
);

/// Reads the whole catalog of database `db`.
pub(crate) async fn introspect(conn: &mut Conn, db: &str, flavor: Flavor) -> Result<Schema> {
    let ctx = |what: &str| format!("reading the {what} of database {db} from information_schema");
    let table_rows: Vec<(String, Option<String>)> = conn
        .exec(TABLES_SQL, (db,))
        .await
        .map_err(|e| server_error(ctx("tables"), e))?;
    let mut tables: BTreeMap<String, Table> = table_rows
        .into_iter()
        .map(|(name, comment)| {
            let mut t = Table::new(name.clone(), Vec::new());
            t.comment = comment.filter(|c| !c.is_empty());
            (name, t)
        })
        .collect();

    let checks_sql = if flavor == Flavor::MariaDb {
        CHECKS_MARIADB_SQL
    } else {
        CHECKS_MYSQL_SQL
    };
    let check_rows: Vec<(String, String, String)> = conn
        .exec(checks_sql, (db,))
        .await
        .map_err(|e| server_error(ctx("check constraints"), e))?;
    // MariaDB's JSON columns: LONGTEXT guarded by CHECK (json_valid(`col`)).
    let mut json_checks: HashSet<(String, String)> = HashSet::new();

    let column_rows: Vec<ColumnRow> = conn
        .exec(COLUMNS_SQL, (db,))
        .await
        .map_err(|e| server_error(ctx("columns"), e))?;
    for (table, name, column_type, nullable, default, extra, generation, _charset, comment) in
        column_rows
    {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        // Unknown types are kept so the plan can name them and the user can
        // exclude the column; a plan that still holds one is refused.
        let mut logical =
            parse_column_type(&column_type).unwrap_or_else(|| LogicalType::Unsupported {
                type_name: column_type.clone(),
            });
        if flavor == Flavor::MariaDb && matches!(logical, LogicalType::Text { .. }) {
            let guard = format!("json_valid({})", quote(Dialect::MySql, &name));
            if check_rows
                .iter()
                .any(|(ct, cn, clause)| ct == &table && cn == &name && clause == &guard)
            {
                logical = LogicalType::Json { binary: false };
                json_checks.insert((table.clone(), name.clone()));
            }
        }
        let extra_lower = extra.to_ascii_lowercase();
        let generated = generation
            .filter(|g| !g.is_empty())
            .map(|expression| GeneratedColumn {
                expression,
                stored: extra_lower.contains("stored"),
                dialect: Dialect::MySql,
            });
        let default = if generated.is_some() {
            None
        } else {
            parse_default(default.as_deref(), &extra, &logical, flavor)
        };
        t.columns.push(Column {
            name,
            source_type: column_type,
            nullable: nullable == "YES",
            default,
            identity: extra_lower
                .contains("auto_increment")
                .then_some(Identity::ByDefault),
            generated,
            comment: comment.filter(|c| !c.is_empty()),
            logical_type: logical,
        });
    }

    for (table, name, clause) in check_rows {
        if json_checks.contains(&(table.clone(), name.clone())) {
            continue;
        }
        if let Some(t) = tables.get_mut(&table) {
            t.checks.push(CheckConstraint {
                name,
                expression: clause,
                dialect: Dialect::MySql,
            });
        }
    }

    let key_rows: Vec<KeyRow> = conn
        .exec(KEY_COLUMNS_SQL, (db,))
        .await
        .map_err(|e| server_error(ctx("keys"), e))?;
    let mut unique_names: HashSet<(String, String)> = HashSet::new();
    for (table, constraint, kind, column, ref_table, ref_column, update_rule, delete_rule) in
        key_rows
    {
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        match kind.as_str() {
            "PRIMARY KEY" => t
                .primary_key
                .get_or_insert_with(|| PrimaryKey {
                    name: None,
                    columns: Vec::new(),
                })
                .columns
                .push(column),
            "UNIQUE" => {
                unique_names.insert((table.clone(), constraint.clone()));
                match t.uniques.iter_mut().find(|u| u.name == constraint) {
                    Some(u) => u.columns.push(column),
                    None => t.uniques.push(UniqueConstraint {
                        name: constraint,
                        columns: vec![column],
                    }),
                }
            }
            _ => {
                let fk = match t.foreign_keys.iter_mut().position(|f| f.name == constraint) {
                    Some(i) => &mut t.foreign_keys[i],
                    None => {
                        t.foreign_keys.push(ForeignKey {
                            name: constraint,
                            columns: Vec::new(),
                            referenced_table: ref_table.unwrap_or_default(),
                            referenced_columns: Vec::new(),
                            on_delete: fk_action(delete_rule.as_deref()),
                            on_update: fk_action(update_rule.as_deref()),
                            deferrable: false,
                            initially_deferred: false,
                        });
                        let last = t.foreign_keys.len() - 1;
                        &mut t.foreign_keys[last]
                    }
                };
                fk.columns.push(column);
                fk.referenced_columns.push(ref_column.unwrap_or_default());
            }
        }
    }

    let index_sql = if flavor == Flavor::MariaDb {
        INDEXES_MARIADB_SQL
    } else {
        INDEXES_MYSQL_SQL
    };
    let index_rows: Vec<IndexRow> = conn
        .exec(index_sql, (db,))
        .await
        .map_err(|e| server_error(ctx("indexes"), e))?;
    for (table, index, non_unique, column, collation, sub_part, expression) in index_rows {
        // PRIMARY and unique-constraint indexes are already described by their
        // constraints; every other index is kept, including the ones MySQL made for
        // foreign keys: on the source they exist, so the target gets them too.
        if index == "PRIMARY" || unique_names.contains(&(table.clone(), index.clone())) {
            continue;
        }
        let Some(t) = tables.get_mut(&table) else {
            continue;
        };
        let target = match (column, expression) {
            (Some(c), _) => IndexTarget::Column(c),
            (None, Some(e)) => IndexTarget::Expression(e),
            (None, None) => continue,
        };
        let key = IndexKey {
            target,
            descending: collation.as_deref() == Some("D"),
            prefix_length: sub_part.and_then(|p| u32::try_from(p).ok()),
        };
        match t.indexes.iter_mut().find(|i| i.name == index) {
            Some(i) => i.keys.push(key),
            None => t.indexes.push(Index {
                name: index,
                unique: non_unique == 0,
                keys: vec![key],
                predicate: None,
                dialect: Dialect::MySql,
            }),
        }
    }

    let other_rows: Vec<(String, String)> = conn
        .exec(OTHER_OBJECTS_SQL, (db, db, db, db))
        .await
        .map_err(|e| server_error(ctx("views and routines"), e))?;
    let not_migrated = other_rows
        .into_iter()
        .map(|(kind, name)| OtherObject { kind, name })
        .collect();
    Ok(Schema {
        tables: tables.into_values().collect(),
        not_migrated,
    })
}

/// `REFERENTIAL_CONSTRAINTS.UPDATE_RULE` / `DELETE_RULE` text → action.
fn fk_action(rule: Option<&str>) -> FkAction {
    match rule {
        Some("CASCADE") => FkAction::Cascade,
        Some("SET NULL") => FkAction::SetNull,
        Some("SET DEFAULT") => FkAction::SetDefault,
        Some("RESTRICT") => FkAction::Restrict,
        _ => FkAction::NoAction,
    }
}
