//! Name checks before any DDL runs: every identifier must survive intact on the
//! target ([`crate::ident::check_identifier`]), and no two objects that share a
//! namespace on the target may end up with the same name after its case folding.
//!
//! Namespaces per dialect:
//! - PostgreSQL: tables, indexes and the indexes behind primary-key / unique
//!   constraints share one namespace per schema; constraint names are per table.
//! - MySQL: column and index names (unique constraints are indexes) are per table
//!   and ignore case; foreign-key and check constraint names are per database.
//! - SQLite: tables and indexes share one case-insensitive namespace; column
//!   names ignore case.

use crate::ident::check_identifier;
use crate::{Dialect, SchemaError, Table};
use std::collections::HashMap;

/// One namespace: folded name → description of the object holding it.
struct Namespace {
    fold: bool,
    seen: HashMap<String, String>,
}

impl Namespace {
    fn new(fold: bool) -> Self {
        Namespace {
            fold,
            seen: HashMap::new(),
        }
    }

    fn claim(&mut self, name: &str, what: String, dialect: Dialect) -> Result<(), SchemaError> {
        let key = if self.fold {
            name.to_lowercase()
        } else {
            name.to_string()
        };
        match self.seen.get(&key) {
            Some(first) => Err(SchemaError::NameClash {
                first: first.clone(),
                second: what,
                dialect,
            }),
            None => {
                self.seen.insert(key, what);
                Ok(())
            }
        }
    }
}

/// Checks every table, column, index and constraint name of `tables` (already
/// mapped and renamed for the target) against `dialect`.
pub fn check_names(tables: &[Table], dialect: Dialect) -> Result<(), SchemaError> {
    let mysql = dialect == Dialect::MySql;
    // Relations: tables (+ indexes on PostgreSQL and SQLite).
    let mut relations = Namespace::new(dialect.folds_table_case());
    // Database-wide constraint names (MySQL foreign keys and checks).
    let mut db_constraints = Namespace::new(true);
    for table in tables {
        let t = &table.name;
        check_identifier(dialect, "table", t)?;
        relations.claim(t, format!("table {t:?}"), dialect)?;
        let mut columns = Namespace::new(dialect.folds_column_case());
        for column in &table.columns {
            let what = format!("column {t:?}.{:?}", column.name);
            check_identifier(dialect, &what, &column.name)?;
            columns.claim(&column.name, what, dialect)?;
        }
        // Per-table namespaces: constraints (PostgreSQL) and indexes (MySQL).
        let mut constraints = Namespace::new(mysql);
        let mut indexes = Namespace::new(true);
        let index_like = table
            .primary_key
            .iter()
            .filter_map(|pk| pk.name.as_deref().map(|n| (n, "primary key")))
            .filter(|_| !mysql)
            .chain(
                table
                    .uniques
                    .iter()
                    .map(|u| (u.name.as_str(), "unique constraint")),
            )
            .chain(table.indexes.iter().map(|i| (i.name.as_str(), "index")));
        for (name, kind) in index_like {
            let what = format!("{kind} {name:?} on {t:?}");
            check_identifier(dialect, &what, name)?;
            match dialect {
                Dialect::Postgres | Dialect::Sqlite => {
                    relations.claim(name, what.clone(), dialect)?
                }
                Dialect::MySql => indexes.claim(name, what.clone(), dialect)?,
            }
            if kind != "index" {
                constraints.claim(name, what, dialect)?;
            }
        }
        let others = table
            .foreign_keys
            .iter()
            .map(|f| (f.name.as_str(), "foreign key"))
            .chain(
                table
                    .checks
                    .iter()
                    .map(|c| (c.name.as_str(), "check constraint")),
            );
        for (name, kind) in others {
            let what = format!("{kind} {name:?} on {t:?}");
            check_identifier(dialect, &what, name)?;
            if mysql {
                db_constraints.claim(name, what, dialect)?;
            } else {
                constraints.claim(name, what, dialect)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{Column, Index, IndexKey, IndexTarget, LogicalType, UniqueConstraint};

    fn table(name: &str, columns: &[&str]) -> Table {
        Table::new(
            name,
            columns
                .iter()
                .map(|c| Column::new(*c, LogicalType::Boolean))
                .collect(),
        )
    }

    fn index(name: &str) -> Index {
        Index {
            name: name.into(),
            unique: false,
            keys: vec![IndexKey {
                target: IndexTarget::Column("a".into()),
                descending: false,
                prefix_length: None,
            }],
            predicate: None,
            dialect: Dialect::Postgres,
        }
    }

    #[test]
    fn column_case_clash_depends_on_dialect() {
        let t = [table("t", &["Id", "id"])];
        assert!(check_names(&t, Dialect::Postgres).is_ok());
        let err = check_names(&t, Dialect::MySql).unwrap_err().to_string();
        assert!(
            err.contains(r#"column "t"."Id""#) && err.contains(r#"column "t"."id""#),
            "{err}"
        );
        assert!(check_names(&t, Dialect::Sqlite).is_err());
    }

    #[test]
    fn table_case_clash_only_on_sqlite() {
        let t = [table("Users", &["a"]), table("users", &["a"])];
        assert!(check_names(&t, Dialect::Postgres).is_ok());
        assert!(check_names(&t, Dialect::MySql).is_ok());
        assert!(check_names(&t, Dialect::Sqlite).is_err());
    }

    #[test]
    fn postgres_index_and_table_share_a_namespace() {
        let mut a = table("a", &["a"]);
        a.indexes.push(index("b"));
        let t = [a, table("b", &["a"])];
        let err = check_names(&t, Dialect::Postgres).unwrap_err().to_string();
        assert!(
            err.contains(r#"index "b" on "a""#) && err.contains(r#"table "b""#),
            "{err}"
        );
        // MySQL keeps index names per table.
        assert!(check_names(&t, Dialect::MySql).is_ok());
    }

    #[test]
    fn unique_constraint_and_index_clash_on_mysql() {
        let mut a = table("a", &["a"]);
        a.indexes.push(index("K"));
        a.uniques.push(UniqueConstraint {
            name: "k".into(),
            columns: vec!["a".into()],
        });
        assert!(check_names(&[a], Dialect::MySql).is_err());
    }

    #[test]
    fn mysql_foreign_key_names_are_per_database() {
        let fk_table = |name: &str| {
            let mut t = table(name, &["a"]);
            t.foreign_keys.push(crate::ForeignKey {
                name: "fk_parent".into(),
                columns: vec!["a".into()],
                referenced_table: "p".into(),
                referenced_columns: vec!["a".into()],
                on_delete: crate::FkAction::NoAction,
                on_update: crate::FkAction::NoAction,
                deferrable: false,
                initially_deferred: false,
            });
            t
        };
        let t = [fk_table("x"), fk_table("y")];
        assert!(check_names(&t, Dialect::Postgres).is_ok());
        assert!(check_names(&t, Dialect::MySql).is_err());
    }

    #[test]
    fn long_and_empty_names_are_refused() {
        let t = [table(&"t".repeat(64), &["a"])];
        assert!(check_names(&t, Dialect::Postgres).is_err());
        assert!(check_names(&t, Dialect::MySql).is_ok());
        assert!(check_names(&[table("t", &[""])], Dialect::Sqlite).is_err());
    }
}
