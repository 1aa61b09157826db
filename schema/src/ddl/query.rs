//! Verification queries the engine runs on the target: orphan rows of a foreign
//! key (before adding it) and a column's maximum (to restart identity sequences).
//!
//! The query shape is a constant template parsed once per call; every name is
//! then put into the AST as a quoted identifier by replacing placeholders, so no
//! catalog text is ever parsed as SQL.

use super::build::object_name;
use crate::ident::{ident, quote, quote_qualified, string_literal};
use crate::{Dialect, ForeignKey, Table};
use sqlparser::ast::{
    visit_expressions_mut, visit_relations_mut, BinaryOperator, Expr, Ident, ObjectName, Statement,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

const ORPHANS: &str = "SELECT COUNT(*) FROM ferry_child AS c \
     WHERE ferry_child_filter AND NOT EXISTS (SELECT 1 FROM ferry_parent AS p WHERE ferry_join)";
const MAX_VALUE: &str = "SELECT MAX(ferry_column) FROM ferry_table";
const PG_RESTART: &str =
    "SELECT setval(pg_get_serial_sequence(ferry_seq_table, ferry_seq_column), \
     COALESCE(MAX(ferry_column), 0) + 1, false) FROM ferry_table";

/// Parses a constant template and substitutes placeholders: relation names by
/// `relations`, bare identifiers by `exprs`. The templates are constants, so the
/// parse cannot fail; if it ever did the result would be an empty string and the
/// engine's query would fail loudly.
fn fill(template: &str, relations: &[(&str, ObjectName)], exprs: &[(&str, Expr)]) -> String {
    let Ok(mut statements) = Parser::parse_sql(&GenericDialect {}, template) else {
        return String::new();
    };
    let Some(mut statement): Option<Statement> = statements.pop() else {
        return String::new();
    };
    let _ = visit_relations_mut(&mut statement, |name| {
        if let Some((_, replacement)) = relations.iter().find(|(p, _)| name.to_string() == *p) {
            *name = replacement.clone();
        }
        ControlFlow::<()>::Continue(())
    });
    let _ = visit_expressions_mut(&mut statement, |expr| {
        if let Expr::Identifier(id) = expr {
            if let Some((_, replacement)) = exprs.iter().find(|(p, _)| id.value == *p) {
                *expr = replacement.clone();
            }
        }
        ControlFlow::<()>::Continue(())
    });
    statement.to_string()
}

fn qualified(alias: &str, column: &str, dialect: Dialect) -> Expr {
    Expr::CompoundIdentifier(vec![Ident::new(alias), ident(dialect, column)])
}

fn and_all(exprs: Vec<Expr>) -> Expr {
    exprs
        .into_iter()
        .reduce(|left, right| Expr::BinaryOp {
            left: Box::new(left),
            op: BinaryOperator::And,
            right: Box::new(right),
        })
        .unwrap_or(Expr::value(sqlparser::ast::Value::Boolean(true)))
}

/// `SELECT COUNT(*)` of rows of `table` whose foreign key `fk` is fully set but
/// matches no row of the referenced table (MATCH SIMPLE: a row with any NULL key
/// column is not checked).
pub fn orphan_count_query(
    table: &Table,
    fk: &ForeignKey,
    namespace: Option<&str>,
    dialect: Dialect,
) -> String {
    let filter = and_all(
        fk.columns
            .iter()
            .map(|c| Expr::IsNotNull(Box::new(qualified("c", c, dialect))))
            .collect(),
    );
    let join = and_all(
        fk.referenced_columns
            .iter()
            .zip(&fk.columns)
            .map(|(parent, child)| Expr::BinaryOp {
                left: Box::new(qualified("p", parent, dialect)),
                op: BinaryOperator::Eq,
                right: Box::new(qualified("c", child, dialect)),
            })
            .collect(),
    );
    fill(
        ORPHANS,
        &[
            ("ferry_child", object_name(namespace, &table.name, dialect)),
            (
                "ferry_parent",
                object_name(namespace, &fk.referenced_table, dialect),
            ),
        ],
        &[("ferry_child_filter", filter), ("ferry_join", join)],
    )
}

/// `SELECT MAX(column) FROM table`, e.g. to restart an identity after the load.
pub fn max_value_query(
    table: &Table,
    column: &str,
    namespace: Option<&str>,
    dialect: Dialect,
) -> String {
    fill(
        MAX_VALUE,
        &[("ferry_table", object_name(namespace, &table.name, dialect))],
        &[("ferry_column", Expr::Identifier(ident(dialect, column)))],
    )
}

/// After a load with explicit identity values, the statement that moves the
/// column's sequence past the largest value, so the next generated id does not
/// collide. PostgreSQL only: `None` on MySQL (InnoDB advances AUTO_INCREMENT past
/// inserted values) and SQLite (AUTOINCREMENT tracks them in `sqlite_sequence`).
pub fn identity_restart_query(
    table: &Table,
    column: &str,
    namespace: Option<&str>,
    dialect: Dialect,
) -> Option<String> {
    if dialect != Dialect::Postgres {
        return None;
    }
    // pg_get_serial_sequence reads its first argument as SQL text (quoted names,
    // case-folded otherwise) and its second as a plain column name.
    let table_text = match namespace {
        Some(ns) => quote_qualified(dialect, ns, &table.name),
        None => quote(dialect, &table.name),
    };
    Some(fill(
        PG_RESTART,
        &[("ferry_table", object_name(namespace, &table.name, dialect))],
        &[
            (
                "ferry_seq_table",
                Expr::value(string_literal(dialect, &table_text)),
            ),
            (
                "ferry_seq_column",
                Expr::value(string_literal(dialect, column)),
            ),
            ("ferry_column", Expr::Identifier(ident(dialect, column))),
        ],
    ))
}
