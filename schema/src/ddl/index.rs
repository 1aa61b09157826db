//! `CREATE [UNIQUE] INDEX` for secondary indexes, built after the load.
//!
//! Composite, DESC, partial and expression indexes are reproduced where the
//! target can; MySQL prefix lengths are kept on MySQL. MySQL cannot index a
//! TEXT/BLOB column without a prefix: a non-unique index gets a prefix of
//! [`MYSQL_TEXT_PREFIX`] (a warning says so); a unique one is skipped with a
//! warning, because a prefix would reject rows that differ only further on.

use super::build::{call_object, expression, key_part, number, object_name};
use crate::ident::ident;
use crate::{Dialect, Index, IndexTarget, LogicalType, SchemaError, Table};
use sqlparser::ast::{CreateIndex, Expr, IndexColumn, ObjectName, Statement};

/// Prefix (characters or bytes) ferry gives MySQL TEXT/BLOB keys that have none:
/// 191 utf8mb4 characters is 764 bytes, within every InnoDB row format's limit.
pub const MYSQL_TEXT_PREFIX: u32 = 191;

/// One CREATE INDEX per reproducible index of `table`, and one warning (naming
/// the table and index) per index that cannot be reproduced or was changed.
pub fn create_indexes(
    table: &Table,
    namespace: Option<&str>,
    dialect: Dialect,
) -> (Vec<String>, Vec<String>) {
    let mut statements = Vec::new();
    let mut warnings = Vec::new();
    for index in &table.indexes {
        match index_statement(table, index, namespace, dialect, &mut warnings) {
            Ok(Some(sql)) => statements.push(sql),
            Ok(None) => {}
            Err(e) => warnings.push(format!(
                "{}: index {} not created: {e}",
                table.name, index.name
            )),
        }
    }
    (statements, warnings)
}

fn needs_mysql_prefix(ty: &LogicalType) -> bool {
    matches!(
        ty,
        LogicalType::Text { .. } | LogicalType::Varbinary { length: None }
    ) || matches!(ty, LogicalType::Varbinary { length: Some(n) } if *n > 16_383)
}

fn index_statement(
    table: &Table,
    index: &Index,
    namespace: Option<&str>,
    dialect: Dialect,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, SchemaError> {
    let label = format!("{}: index {}", table.name, index.name);
    let has_expr = index
        .keys
        .iter()
        .any(|k| matches!(k.target, IndexTarget::Expression(_)));
    let why_not = if (has_expr || index.predicate.is_some()) && index.dialect != dialect {
        Some(format!(
            "its expressions are written in {} SQL",
            index.dialect
        ))
    } else if has_expr && !dialect.supports_expression_indexes() {
        Some(format!("{dialect} cannot index expressions"))
    } else if index.predicate.is_some() && !dialect.supports_partial_indexes() {
        Some(format!("{dialect} has no partial indexes"))
    } else {
        None
    };
    if let Some(why) = why_not {
        warnings.push(format!("{label} not created: {why}"));
        return Ok(None);
    }
    let mut columns: Vec<IndexColumn> = Vec::with_capacity(index.keys.len());
    for key in &index.keys {
        let expr = match &key.target {
            IndexTarget::Expression(sql) => {
                // PostgreSQL and SQLite need an expression key in parentheses.
                Expr::Nested(Box::new(expression(sql, dialect, &label)?))
            }
            IndexTarget::Column(name) => {
                let column_ident = Expr::Identifier(ident(dialect, name));
                let blob = table
                    .column(name)
                    .is_some_and(|c| needs_mysql_prefix(&c.logical_type));
                let prefix = match (dialect, key.prefix_length) {
                    (Dialect::MySql, Some(p)) => Some(p),
                    (Dialect::MySql, None) if blob && index.unique => {
                        warnings.push(format!(
                            "{label} not created: MySQL can only make a unique index on TEXT/BLOB column {name} over a prefix, which would reject rows the source accepts"
                        ));
                        return Ok(None);
                    }
                    (Dialect::MySql, None) if blob => {
                        warnings.push(format!(
                            "{label}: TEXT/BLOB column {name} indexed on its first {MYSQL_TEXT_PREFIX} characters (MySQL needs a prefix)"
                        ));
                        Some(MYSQL_TEXT_PREFIX)
                    }
                    _ => None,
                };
                match prefix {
                    // MySQL spells a prefix key like a call: `name`(10).
                    Some(p) => prefix_key(name, p, dialect),
                    None => column_ident,
                }
            }
        };
        columns.push(key_part(expr, key.descending));
    }
    let predicate = match &index.predicate {
        Some(sql) => Some(expression(sql, dialect, &label)?),
        None => None,
    };
    // The index lives in its table's schema: PostgreSQL and MySQL refuse a qualified
    // index name, SQLite wants the schema on the index name instead of the table.
    let (name, table_name) = match dialect {
        Dialect::Sqlite => (
            object_name(namespace, &index.name, dialect),
            object_name(None, &table.name, dialect),
        ),
        Dialect::Postgres | Dialect::MySql => (
            ObjectName::from(vec![ident(dialect, &index.name)]),
            object_name(namespace, &table.name, dialect),
        ),
    };
    let statement = Statement::CreateIndex(CreateIndex {
        name: Some(name),
        table_name,
        using: None,
        columns,
        unique: index.unique,
        concurrently: false,
        r#async: false,
        if_not_exists: false,
        include: Vec::new(),
        nulls_distinct: None,
        with: Vec::new(),
        predicate,
        index_options: Vec::new(),
        alter_options: Vec::new(),
    });
    Ok(Some(statement.to_string()))
}

fn prefix_key(column: &str, prefix: u32, dialect: Dialect) -> Expr {
    call_object(
        ObjectName::from(vec![ident(dialect, column)]),
        vec![number(u64::from(prefix))],
    )
}
