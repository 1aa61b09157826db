//! What only the stored `CREATE TABLE` / `CREATE INDEX` text knows: check
//! constraints, generated-column expressions, constraint names, deferrability
//! and index expressions / predicates. SQLite keeps no catalog for these, so
//! the text from `sqlite_schema.sql` is parsed with sqlparser's SQLite dialect.
//!
//! Expressions are printed back by sqlparser (SQLite syntax), so they are
//! normalised but equivalent to what the user wrote.

use ferry_schema::sqlparser::ast::{
    ColumnOption, DeferrableInitial, Expr, GeneratedExpressionMode, Ident, ObjectName, Statement,
    TableConstraint,
};
use ferry_schema::sqlparser::dialect::SQLiteDialect;
use ferry_schema::sqlparser::parser::Parser;

/// A `CHECK` constraint as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CheckText {
    /// `CONSTRAINT <name>`, when given.
    pub name: Option<String>,
    /// The expression, without `CHECK`.
    pub expression: String,
}

/// A foreign key's properties the pragmas do not report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FkText {
    /// Referencing columns, lowercased (SQLite names are case-insensitive).
    pub columns: Vec<String>,
    /// Referenced table, lowercased.
    pub referenced_table: String,
    /// `CONSTRAINT <name>`, when given.
    pub name: Option<String>,
    /// `DEFERRABLE`.
    pub deferrable: bool,
    /// `INITIALLY DEFERRED`.
    pub initially_deferred: bool,
}

/// What the `CREATE TABLE` text adds to the pragmas.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct TableText {
    /// Column- and table-level checks, in the order written.
    pub checks: Vec<CheckText>,
    /// Generated columns: (lowercased name, expression, stored).
    pub generated: Vec<(String, String, bool)>,
    /// `CONSTRAINT <name> PRIMARY KEY`.
    pub primary_key_name: Option<String>,
    /// Foreign keys, in the order written.
    pub foreign_keys: Vec<FkText>,
    /// Named unique constraints: (lowercased columns, name).
    pub unique_names: Vec<(Vec<String>, String)>,
}

/// Parses one statement, or `None` when sqlparser cannot read it.
fn parse_one(sql: &str) -> Option<Statement> {
    Parser::parse_sql(&SQLiteDialect {}, sql)
        .ok()?
        .into_iter()
        .next()
}

fn lower(ident: &Ident) -> String {
    ident.value.to_lowercase()
}

fn object_name(name: &ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(lower)
        .unwrap_or_default()
}

/// The column an index / constraint key names, lowercased, or its printed expression.
fn key_name(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(ident) => lower(ident),
        other => other.to_string(),
    }
}

/// Parses a table's `CREATE TABLE` text. `None` when sqlparser cannot read it;
/// the caller decides whether anything it needed was lost.
pub(crate) fn parse_table(sql: &str) -> Option<TableText> {
    let Statement::CreateTable(create) = parse_one(sql)? else {
        return None;
    };
    let mut text = TableText::default();
    for column in &create.columns {
        for option in &column.options {
            match &option.option {
                ColumnOption::Check(check) => text.checks.push(CheckText {
                    name: option
                        .name
                        .as_ref()
                        .or(check.name.as_ref())
                        .map(|i| i.value.clone()),
                    expression: check.expr.to_string(),
                }),
                ColumnOption::Generated {
                    generation_expr: Some(expr),
                    generation_expr_mode,
                    ..
                } => {
                    let stored =
                        matches!(generation_expr_mode, Some(GeneratedExpressionMode::Stored));
                    text.generated
                        .push((lower(&column.name), expr.to_string(), stored));
                }
                ColumnOption::PrimaryKey(pk) => {
                    text.primary_key_name = option
                        .name
                        .as_ref()
                        .or(pk.name.as_ref())
                        .map(|i| i.value.clone());
                }
                ColumnOption::Unique(unique) => {
                    if let Some(name) = option.name.as_ref().or(unique.name.as_ref()) {
                        text.unique_names
                            .push((vec![lower(&column.name)], name.value.clone()));
                    }
                }
                ColumnOption::ForeignKey(fk) => {
                    let characteristics = fk.characteristics.as_ref();
                    text.foreign_keys.push(FkText {
                        columns: vec![lower(&column.name)],
                        referenced_table: object_name(&fk.foreign_table),
                        name: option
                            .name
                            .as_ref()
                            .or(fk.name.as_ref())
                            .map(|i| i.value.clone()),
                        deferrable: characteristics.and_then(|c| c.deferrable).unwrap_or(false),
                        initially_deferred: characteristics
                            .and_then(|c| c.initially)
                            .is_some_and(|i| i == DeferrableInitial::Deferred),
                    });
                }
                _ => {}
            }
        }
    }
    for constraint in &create.constraints {
        match constraint {
            TableConstraint::Check(check) => text.checks.push(CheckText {
                name: check.name.as_ref().map(|i| i.value.clone()),
                expression: check.expr.to_string(),
            }),
            TableConstraint::PrimaryKey(pk) => {
                text.primary_key_name = pk.name.as_ref().map(|i| i.value.clone());
            }
            TableConstraint::Unique(unique) => {
                if let Some(name) = &unique.name {
                    let columns = unique
                        .columns
                        .iter()
                        .map(|c| key_name(&c.column.expr))
                        .collect();
                    text.unique_names.push((columns, name.value.clone()));
                }
            }
            TableConstraint::ForeignKey(fk) => {
                let characteristics = fk.characteristics.as_ref();
                text.foreign_keys.push(FkText {
                    columns: fk.columns.iter().map(lower).collect(),
                    referenced_table: object_name(&fk.foreign_table),
                    name: fk.name.as_ref().map(|i| i.value.clone()),
                    deferrable: characteristics.and_then(|c| c.deferrable).unwrap_or(false),
                    initially_deferred: characteristics
                        .and_then(|c| c.initially)
                        .is_some_and(|i| i == DeferrableInitial::Deferred),
                });
            }
            _ => {}
        }
    }
    Some(text)
}

/// What a `CREATE INDEX` text adds to the pragmas.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct IndexText {
    /// Every key part as printed (a lowercased column name or an expression).
    pub keys: Vec<String>,
    /// The `WHERE` predicate of a partial index.
    pub predicate: Option<String>,
}

/// Parses an index's `CREATE INDEX` text; `None` when sqlparser cannot read it.
pub(crate) fn parse_index(sql: &str) -> Option<IndexText> {
    let Statement::CreateIndex(create) = parse_one(sql)? else {
        return None;
    };
    Some(IndexText {
        keys: create
            .columns
            .iter()
            .map(|c| key_name(&c.column.expr))
            .collect(),
        predicate: create.predicate.as_ref().map(ToString::to_string),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_checks_generated_and_names() {
        let t = parse_table(
            "CREATE TABLE [t] ([a] INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \
             b REAL CHECK (b >= 0), c INTEGER GENERATED ALWAYS AS (a * 2) STORED, \
             d TEXT AS (upper(b)), e INTEGER CONSTRAINT fk_e REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED, \
             CONSTRAINT pos CHECK (a > 0), CONSTRAINT uq_bd UNIQUE (b, d), \
             FOREIGN KEY ([b]) REFERENCES [P] ([x]) ON DELETE CASCADE)",
        )
        .unwrap();
        assert_eq!(t.checks.len(), 2);
        assert_eq!(
            t.checks[0],
            CheckText {
                name: None,
                expression: "b >= 0".into()
            }
        );
        assert_eq!(t.checks[1].name.as_deref(), Some("pos"));
        assert_eq!(
            t.generated,
            vec![
                ("c".into(), "a * 2".into(), true),
                ("d".into(), "upper(b)".into(), false)
            ]
        );
        assert_eq!(
            t.unique_names,
            vec![(vec!["b".to_string(), "d".to_string()], "uq_bd".into())]
        );
        assert_eq!(t.foreign_keys.len(), 2);
        assert_eq!(t.foreign_keys[0].name.as_deref(), Some("fk_e"));
        assert!(t.foreign_keys[0].deferrable && t.foreign_keys[0].initially_deferred);
        assert_eq!(t.foreign_keys[1].referenced_table, "p");
        assert_eq!(t.foreign_keys[1].columns, vec!["b".to_string()]);
    }

    #[test]
    fn reads_index_expressions_and_predicates() {
        let i =
            parse_index("CREATE INDEX ix ON t (lower(name) DESC, [Id]) WHERE deleted = 0").unwrap();
        assert_eq!(i.keys, vec!["lower(name)".to_string(), "id".to_string()]);
        assert_eq!(i.predicate.as_deref(), Some("deleted = 0"));
    }
}
