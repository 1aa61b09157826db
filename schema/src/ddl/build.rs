//! Small AST builders shared by the DDL statements: qualified names, key column
//! lists, literals, defaults and expressions parsed from catalog text.

use crate::ident::{ident, string_literal};
use crate::mapping::{is_number_literal, parse_expr};
use crate::{Column, DefaultValue, Dialect, LogicalType, SchemaError};
use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident,
    IndexColumn, ObjectName, OrderByExpr, OrderByOptions, OrderBySort, Value,
};

/// `namespace.name` (or `name`) with every part quoted.
/// `ALTER TABLE <namespace>.<table> <operation>`, printed.
pub(crate) fn alter_table(
    namespace: Option<&str>,
    table: &str,
    dialect: Dialect,
    operation: sqlparser::ast::AlterTableOperation,
) -> String {
    sqlparser::ast::Statement::AlterTable(sqlparser::ast::AlterTable {
        name: object_name(namespace, table, dialect),
        if_exists: false,
        only: false,
        operations: vec![operation],
        location: None,
        on_cluster: None,
        table_type: None,
        end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
    })
    .to_string()
}

pub(crate) fn object_name(namespace: Option<&str>, name: &str, dialect: Dialect) -> ObjectName {
    let mut parts = Vec::with_capacity(2);
    parts.extend(namespace.map(|ns| ident(dialect, ns)));
    parts.push(ident(dialect, name));
    ObjectName::from(parts)
}

/// Quoted identifiers for a list of column names.
pub(crate) fn idents(names: &[String], dialect: Dialect) -> Vec<Ident> {
    names.iter().map(|n| ident(dialect, n)).collect()
}

/// One key part: an expression, optionally `DESC`.
pub(crate) fn key_part(expr: Expr, descending: bool) -> IndexColumn {
    IndexColumn {
        column: OrderByExpr {
            expr,
            options: OrderByOptions {
                sort: descending.then_some(OrderBySort::Desc),
                nulls_first: None,
            },
            with_fill: None,
        },
        operator_class: None,
    }
}

/// Key parts for plain columns, ascending.
pub(crate) fn column_keys(names: &[String], dialect: Dialect) -> Vec<IndexColumn> {
    names
        .iter()
        .map(|n| key_part(Expr::Identifier(ident(dialect, n)), false))
        .collect()
}

/// A call `name(args)` of a built-in (unquoted, fixed name).
pub(crate) fn call(name: &str, args: Vec<Expr>) -> Expr {
    call_object(ObjectName::from(vec![Ident::new(name)]), args)
}

/// A call-shaped expression `name(args)`; MySQL also spells prefix keys so.
pub(crate) fn call_object(name: ObjectName, args: Vec<Expr>) -> Expr {
    Expr::Function(Function {
        name,
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: if args.is_empty() {
            FunctionArguments::None
        } else {
            FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment: None,
                args: args
                    .into_iter()
                    .map(|a| FunctionArg::Unnamed(FunctionArgExpr::Expr(a)))
                    .collect(),
                clauses: Vec::new(),
            })
        },
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

/// A numeric literal we produced ourselves (lengths, precisions).
pub(crate) fn number(n: u64) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}

/// Parses catalog expression text (check, generated column, index key, default)
/// written in `dialect`, naming `object` in the error.
pub(crate) fn expression(sql: &str, dialect: Dialect, object: &str) -> Result<Expr, SchemaError> {
    parse_expr(sql, dialect).map_err(|reason| SchemaError::BadExpression {
        object: object.to_string(),
        dialect,
        reason,
    })
}

/// MySQL only accepts literal defaults on scalar columns; TEXT/BLOB/JSON columns
/// and non-literal defaults need the parenthesized expression form (8.0.13+, MariaDB 10.2+).
fn mysql_needs_parens(ty: &LogicalType, default: &DefaultValue) -> bool {
    let blob_like = matches!(
        ty,
        LogicalType::Text { .. }
            | LogicalType::Json { .. }
            | LogicalType::Varbinary { length: None }
    ) || matches!(ty, LogicalType::Varbinary { length: Some(n) } if *n > 16_383);
    blob_like
        || matches!(
            default,
            DefaultValue::CurrentDate | DefaultValue::CurrentTime | DefaultValue::Expression { .. }
        )
}

/// The `DEFAULT` expression of `column` on `dialect`, `None` when it has none
/// (or an expression written for another dialect, which map_table already reported).
pub(crate) fn default_expr(
    table: &str,
    column: &Column,
    dialect: Dialect,
) -> Result<Option<Expr>, SchemaError> {
    let Some(default) = &column.default else {
        return Ok(None);
    };
    let precision = match column.logical_type {
        LogicalType::Timestamp { precision, .. } | LogicalType::Time { precision } => precision,
        _ => 0,
    };
    let expr = match default {
        DefaultValue::Null => Expr::value(Value::Null),
        DefaultValue::Number(n) if is_number_literal(n) => {
            Expr::value(Value::Number(n.clone(), false))
        }
        DefaultValue::Number(n) => {
            return Err(SchemaError::BadDefault {
                table: table.to_string(),
                column: column.name.clone(),
                reason: format!("{n:?} is not a number literal"),
            })
        }
        DefaultValue::Text(text) => Expr::value(string_literal(dialect, text)),
        DefaultValue::Boolean(b) => match dialect {
            // SQLite before 3.23 has no TRUE/FALSE keywords; 1/0 work everywhere.
            Dialect::Sqlite => Expr::value(Value::Number(u8::from(*b).to_string(), false)),
            Dialect::Postgres | Dialect::MySql => Expr::value(Value::Boolean(*b)),
        },
        // MySQL requires CURRENT_TIMESTAMP's precision to equal the column's.
        DefaultValue::CurrentTimestamp if dialect == Dialect::MySql && precision > 0 => {
            call("CURRENT_TIMESTAMP", vec![number(u64::from(precision))])
        }
        DefaultValue::CurrentTimestamp => Expr::Identifier(Ident::new("CURRENT_TIMESTAMP")),
        DefaultValue::CurrentDate => Expr::Identifier(Ident::new("CURRENT_DATE")),
        DefaultValue::CurrentTime => Expr::Identifier(Ident::new("CURRENT_TIME")),
        DefaultValue::Expression {
            sql,
            dialect: written_in,
        } if *written_in == dialect => {
            expression(sql, dialect, &format!("default of {table}.{}", column.name))?
        }
        DefaultValue::Expression { .. } => return Ok(None),
    };
    let needs_parens = match dialect {
        Dialect::MySql => mysql_needs_parens(&column.logical_type, default),
        // SQLite accepts only literals and CURRENT_* bare; anything else must be parenthesized.
        Dialect::Sqlite => matches!(default, DefaultValue::Expression { .. }),
        Dialect::Postgres => false,
    };
    Ok(Some(match (needs_parens, &expr) {
        (true, Expr::Nested(_)) | (false, _) => expr,
        (true, _) => Expr::Nested(Box::new(expr)),
    }))
}
