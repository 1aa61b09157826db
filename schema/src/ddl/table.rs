//! `CREATE TABLE`, `DROP TABLE` and PostgreSQL `COMMENT ON` statements.
//!
//! CREATE TABLE carries columns, NOT NULL, defaults, identity, same-dialect
//! generated columns, the primary key, unique and check constraints, and MySQL
//! comments. Foreign keys and secondary indexes come later (after the load),
//! except on SQLite, which cannot add a foreign key to an existing table: there
//! they are inline.
//!
//! MySQL tables are `ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`:
//! utf8mb4 holds every Unicode character (emoji included), and the binary
//! collation compares like PostgreSQL and SQLite do, so unique keys that hold
//! on the source ('a' vs 'A') also hold on the target.

use super::build::{alter_table, column_keys, default_expr, expression, object_name};
use super::fk::fk_constraint;
use crate::ident::{ident, string_literal};
use crate::{Column, Dialect, Identity, LogicalType, SchemaError, Table};
use sqlparser::ast::helpers::stmt_create_table::CreateTableBuilder;
use sqlparser::ast::{
    AlterTableOperation, CheckConstraint, ColumnDef, ColumnOption, ColumnOptionDef,
    CreateTableOptions, DataType, Expr, GeneratedAs, GeneratedExpressionMode, Ident,
    KeyOrIndexDisplay, NamedParenthesizedList, NullsDistinctOption, ObjectName, ObjectType,
    PrimaryKeyConstraint, SqlOption, Statement, TableConstraint, UniqueConstraint,
};
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Word};

/// `CREATE TABLE` for `table` (a target model) in `dialect`.
pub fn create_table(
    table: &Table,
    namespace: Option<&str>,
    dialect: Dialect,
) -> Result<String, SchemaError> {
    create_table_with(table, namespace, dialect, false, true)
}

/// The `CREATE TABLE` a bulk load starts from. Where the dialect builds keys
/// faster after the data ([`Dialect::adds_keys_after_load`], PostgreSQL), the
/// primary key and unique constraints are left out and [`add_keys`] adds them
/// once the rows are in. With `unlogged` on a dialect that has unlogged tables
/// (PostgreSQL) the table is `UNLOGGED`, switched back by [`set_logged`].
/// Elsewhere the statement equals [`create_table`]'s.
pub fn create_table_for_load(
    table: &Table,
    namespace: Option<&str>,
    dialect: Dialect,
    unlogged: bool,
) -> Result<String, SchemaError> {
    create_table_with(
        table,
        namespace,
        dialect,
        unlogged,
        !dialect.adds_keys_after_load(),
    )
}

/// `ALTER TABLE ... ADD` the primary key and unique constraints that
/// [`create_table_for_load`] left out (empty where it kept them).
pub fn add_keys(table: &Table, namespace: Option<&str>, dialect: Dialect) -> Vec<String> {
    if !dialect.adds_keys_after_load() {
        return Vec::new();
    }
    key_constraints(table, dialect)
        .into_iter()
        .map(|constraint| {
            alter_table(
                namespace,
                &table.name,
                dialect,
                AlterTableOperation::AddConstraint {
                    constraint,
                    not_valid: false,
                },
            )
        })
        .collect()
}

/// The primary key (unless SQLite's rowid alias carries it) and the unique constraints.
fn key_constraints(table: &Table, dialect: Dialect) -> Vec<TableConstraint> {
    let rowid = sqlite_rowid_column(table, dialect);
    let mut constraints = Vec::new();
    if let Some(pk) = table.primary_key.as_ref().filter(|_| rowid.is_none()) {
        constraints.push(TableConstraint::PrimaryKey(PrimaryKeyConstraint {
            // MySQL names every primary key PRIMARY and ignores (or rejects) another name.
            name: pk
                .name
                .as_deref()
                .filter(|_| dialect != Dialect::MySql)
                .map(|n| ident(dialect, n)),
            index_name: None,
            index_type: None,
            columns: column_keys(&pk.columns, dialect),
            include: Vec::new(),
            index_options: Vec::new(),
            characteristics: None,
        }));
    }
    for unique in &table.uniques {
        constraints.push(TableConstraint::Unique(UniqueConstraint {
            name: Some(ident(dialect, &unique.name)),
            index_name: None,
            index_type_display: KeyOrIndexDisplay::None,
            index_type: None,
            columns: column_keys(&unique.columns, dialect),
            include: Vec::new(),
            index_options: Vec::new(),
            characteristics: None,
            nulls_distinct: NullsDistinctOption::None,
        }));
    }
    constraints
}

fn create_table_with(
    table: &Table,
    namespace: Option<&str>,
    dialect: Dialect,
    unlogged: bool,
    with_keys: bool,
) -> Result<String, SchemaError> {
    let rowid = sqlite_rowid_column(table, dialect);
    let mut columns = Vec::with_capacity(table.columns.len());
    for column in &table.columns {
        columns.push(column_def(
            table,
            column,
            dialect,
            rowid == Some(column.name.as_str()),
        )?);
    }

    let mut constraints = if with_keys {
        key_constraints(table, dialect)
    } else {
        Vec::new()
    };
    for check in table.checks.iter().filter(|c| c.dialect == dialect) {
        let object = format!("check constraint {}.{}", table.name, check.name);
        constraints.push(TableConstraint::Check(CheckConstraint {
            name: Some(ident(dialect, &check.name)),
            expr: Box::new(expression(&check.expression, dialect, &object)?),
            no_inherit: false,
            enforced: None,
        }));
    }
    if !dialect.supports_alter_add_fk() {
        for fk in &table.foreign_keys {
            constraints.push(TableConstraint::ForeignKey(fk_constraint(
                fk, namespace, dialect,
            )));
        }
    }

    let mut builder = CreateTableBuilder::new(object_name(namespace, &table.name, dialect))
        .columns(columns)
        .constraints(constraints)
        .unlogged(unlogged && dialect.supports_unlogged_tables());
    if dialect == Dialect::MySql {
        builder = builder.table_options(CreateTableOptions::Plain(mysql_table_options(table)));
    }
    Ok(Statement::CreateTable(builder.build()).to_string())
}

fn mysql_table_options(table: &Table) -> Vec<SqlOption> {
    let key_value = |key: &str, value: Expr| SqlOption::KeyValue {
        key: Ident::new(key),
        value,
    };
    let mut options = vec![
        SqlOption::NamedParenthesizedList(NamedParenthesizedList {
            key: Ident::new("ENGINE"),
            name: Some(Ident::new("InnoDB")),
            values: Vec::new(),
        }),
        key_value("DEFAULT CHARSET", Expr::Identifier(Ident::new("utf8mb4"))),
        key_value("COLLATE", Expr::Identifier(Ident::new("utf8mb4_bin"))),
    ];
    // sqlparser's own COMMENT option prints its text unescaped, so the comment is a
    // KeyValue whose value is an escaped string literal.
    if let Some(comment) = &table.comment {
        options.push(key_value(
            "COMMENT",
            Expr::value(string_literal(Dialect::MySql, comment)),
        ));
    }
    options
}

/// SQLite auto-increments only an `INTEGER PRIMARY KEY` column declared inline.
fn sqlite_rowid_column(table: &Table, dialect: Dialect) -> Option<&str> {
    if dialect != Dialect::Sqlite {
        return None;
    }
    let pk = table.primary_key.as_ref()?;
    let [only] = pk.columns.as_slice() else {
        return None;
    };
    let column = table.column(only)?;
    (column.identity.is_some() && matches!(column.logical_type, LogicalType::Int { .. }))
        .then_some(only.as_str())
}

fn keyword(word: &str, keyword: Keyword) -> Token {
    Token::Word(Word {
        value: word.to_string(),
        quote_style: None,
        keyword,
    })
}

fn column_def(
    table: &Table,
    column: &Column,
    dialect: Dialect,
    rowid: bool,
) -> Result<ColumnDef, SchemaError> {
    let mut options = Vec::new();
    let mut push = |option: ColumnOption| options.push(ColumnOptionDef { name: None, option });
    let data_type = if rowid {
        DataType::Integer(None)
    } else {
        crate::sql_type_for(&column.logical_type, dialect)
    };
    if rowid {
        push(ColumnOption::PrimaryKey(PrimaryKeyConstraint {
            name: None,
            index_name: None,
            index_type: None,
            columns: Vec::new(),
            include: Vec::new(),
            index_options: Vec::new(),
            characteristics: None,
        }));
        push(ColumnOption::DialectSpecific(vec![keyword(
            "AUTOINCREMENT",
            Keyword::AUTOINCREMENT,
        )]));
    }
    if !column.nullable && !rowid {
        push(ColumnOption::NotNull);
    }
    let generated = column.generated.as_ref().filter(|g| g.dialect == dialect);
    if column.identity.is_none() && generated.is_none() {
        if let Some(expr) = default_expr(&table.name, column, dialect)? {
            push(ColumnOption::Default(expr));
        }
    }
    match (column.identity, dialect) {
        (Some(identity), Dialect::Postgres) => push(ColumnOption::Generated {
            generated_as: match identity {
                Identity::Always => GeneratedAs::Always,
                Identity::ByDefault => GeneratedAs::ByDefault,
            },
            sequence_options: None,
            generation_expr: None,
            generation_expr_mode: None,
            generated_keyword: true,
        }),
        (Some(_), Dialect::MySql) => push(ColumnOption::DialectSpecific(vec![keyword(
            "AUTO_INCREMENT",
            Keyword::AUTO_INCREMENT,
        )])),
        _ => {}
    }
    if let Some(generated) = generated {
        let object = format!("generated column {}.{}", table.name, column.name);
        // PostgreSQL (before 18) only has stored generated columns.
        let stored = generated.stored || dialect == Dialect::Postgres;
        push(ColumnOption::Generated {
            generated_as: GeneratedAs::Always,
            sequence_options: None,
            generation_expr: Some(expression(&generated.expression, dialect, &object)?),
            generation_expr_mode: Some(if stored {
                GeneratedExpressionMode::Stored
            } else {
                GeneratedExpressionMode::Virtual
            }),
            generated_keyword: true,
        });
    }
    if let (Some(comment), Dialect::MySql) = (&column.comment, dialect) {
        push(ColumnOption::Comment(crate::ident::escaped_string_content(
            dialect, comment,
        )));
    }
    Ok(ColumnDef {
        name: ident(dialect, &column.name),
        data_type,
        options,
    })
}

/// `DROP TABLE IF EXISTS` (with `CASCADE` on PostgreSQL, which drops dependent FKs and views).
pub fn drop_table(table_name: &str, namespace: Option<&str>, dialect: Dialect) -> String {
    Statement::Drop {
        object_type: ObjectType::Table,
        if_exists: true,
        names: vec![object_name(namespace, table_name, dialect)],
        cascade: dialect == Dialect::Postgres,
        restrict: false,
        purge: false,
        temporary: false,
        table: None,
    }
    .to_string()
}

/// `ALTER TABLE <name> SET LOGGED`, which turns a table created by
/// [`create_table_for_load`] with `unlogged` into an ordinary, crash-safe one
/// (PostgreSQL rewrites it, writing it to the WAL once); `None` for dialects
/// without unlogged tables.
pub fn set_logged(table_name: &str, namespace: Option<&str>, dialect: Dialect) -> Option<String> {
    dialect.supports_unlogged_tables().then(|| {
        alter_table(
            namespace,
            table_name,
            dialect,
            AlterTableOperation::SetLogged,
        )
    })
}

/// PostgreSQL `COMMENT ON TABLE/COLUMN` statements. Empty elsewhere: MySQL
/// comments are part of CREATE TABLE, SQLite has none.
///
/// Printed fragment: sqlparser 0.63 prints `COMMENT ON ... IS '<text>'` without
/// escaping the text, so the statement is `COMMENT ON <kind> <name> IS <literal>`
/// assembled from a printed ObjectName and an escaped string literal.
pub fn comment_statements(table: &Table, namespace: Option<&str>, dialect: Dialect) -> Vec<String> {
    if dialect != Dialect::Postgres {
        return Vec::new();
    }
    let table_name = object_name(namespace, &table.name, dialect);
    let mut out = Vec::new();
    if let Some(comment) = &table.comment {
        out.push(format!(
            "COMMENT ON TABLE {table_name} IS {}",
            string_literal(dialect, comment)
        ));
    }
    for column in &table.columns {
        if let Some(comment) = &column.comment {
            let mut parts = table_name.0.clone();
            parts.extend(ObjectName::from(vec![ident(dialect, &column.name)]).0);
            out.push(format!(
                "COMMENT ON COLUMN {} IS {}",
                ObjectName(parts),
                string_literal(dialect, comment)
            ));
        }
    }
    out
}
