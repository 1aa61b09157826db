//! Maps a whole source table to its target model: column types, defaults,
//! identity, generated columns, checks, indexes and foreign keys, recording what
//! is lossy and what cannot be reproduced.
//!
//! ```text
//! Table (source) ──map_table(source, target)──▶ MappedTable { table (target), lossy, warnings, notes }
//! ```
//!
//! Decisions (see docs/type-mapping.md):
//! - expressions (defaults, checks, generated columns, index expressions and
//!   predicates) survive only when written in the target's dialect;
//! - a generated column that cannot be reproduced becomes a plain column whose
//!   values are copied from the source (listed in `MappedTable::materialized`);
//! - on MySQL, unbounded text/blob columns that are part of a key become
//!   VARCHAR/VARBINARY sized to the 3072-byte key limit (reported as lossy).

use super::convert::{keep_type, map_type, TypeMapping};
use super::parse::parser_dialect;
use crate::ident::ident;
use crate::{
    CheckConstraint, Column, DefaultValue, Dialect, FkAction, Identity, IndexTarget, LogicalType,
    SchemaError, Table,
};
use sqlparser::ast::{Expr, Value};
use sqlparser::parser::Parser;

/// A column whose values do not all survive the mapping.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LossyColumn {
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
    /// Source type as the source spelled it.
    pub from: String,
    /// Target type as the target spells it.
    pub to: String,
    /// What is lost and why.
    pub reason: String,
}

/// A table mapped to a target dialect.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedTable {
    /// The target model: column types are target types, `Column::source_type` is the
    /// target's spelling, expressions are only those the target can run.
    pub table: Table,
    /// Columns whose values may not all survive.
    pub lossy: Vec<LossyColumn>,
    /// Objects dropped or weakened, each naming `table.column` or the constraint.
    pub warnings: Vec<String>,
    /// Lossless changes of representation worth a line in the report.
    pub notes: Vec<String>,
    /// Generated source columns that became plain target columns: the engine must
    /// read their values from the source (they are not in the source's `copied_columns`).
    pub materialized: Vec<String>,
}

/// Maps `table`, read from `source`, to the model of the table to create on `target`.
pub fn map_table(
    table: &Table,
    source: Dialect,
    target: Dialect,
) -> Result<MappedTable, SchemaError> {
    let mut out = MappedTable {
        table: table.clone(),
        lossy: Vec::new(),
        warnings: Vec::new(),
        notes: Vec::new(),
        materialized: Vec::new(),
    };
    let t = &table.name;
    let mut columns = Vec::with_capacity(table.columns.len());
    for column in &table.columns {
        columns.push(map_column(table, column, source, target, &mut out));
    }
    out.table.columns = columns;
    if target == Dialect::MySql {
        super::mysql_keys::fit_mysql_keys(table, &mut out);
    }

    if source != target {
        // Primary-key names do not travel: MySQL calls every one PRIMARY, which would
        // clash in PostgreSQL's per-schema namespace; the target picks its own.
        if let Some(pk) = &mut out.table.primary_key {
            pk.name = None;
        }
    }
    if source == Dialect::MySql && target != Dialect::MySql {
        // MySQL index names are per table; PostgreSQL and SQLite keep them per
        // schema, so they get the table name in front (unless they already have it).
        let prefix = format!("{t}_");
        for unique in &mut out.table.uniques {
            if !unique.name.starts_with(&prefix) {
                unique.name = derived_name(&[t, &unique.name], target);
            }
        }
    }
    out.table.checks.clear();
    for check in &table.checks {
        match expression_problem(&check.expression, check.dialect, target) {
            None => out.table.checks.push(check.clone()),
            Some(why) => out.warnings.push(format!(
                "{t}: check constraint {} ({}) not migrated: {why}",
                check.name, check.expression
            )),
        }
    }
    for column in &table.columns {
        if matches!(column.logical_type, LogicalType::Enum { .. }) && target != Dialect::MySql {
            out.table.checks.extend(enum_check(t, column, target));
        }
    }

    out.table.indexes.clear();
    for index in &table.indexes {
        let mut index = index.clone();
        let has_expr = index
            .keys
            .iter()
            .any(|k| matches!(k.target, IndexTarget::Expression(_)));
        let why = if has_expr && !target.supports_expression_indexes() {
            Some(format!("{target} cannot index expressions"))
        } else if index.predicate.is_some() && !target.supports_partial_indexes() {
            Some(format!("{target} has no partial indexes"))
        } else {
            let exprs = index.keys.iter().filter_map(|k| match &k.target {
                IndexTarget::Expression(e) => Some(e.as_str()),
                IndexTarget::Column(_) => None,
            });
            exprs
                .chain(index.predicate.as_deref())
                .find_map(|e| expression_problem(e, index.dialect, target))
        };
        if let Some(why) = why {
            out.warnings
                .push(format!("{t}: index {} not migrated: {why}", index.name));
            continue;
        }
        if target != Dialect::MySql && index.keys.iter().any(|k| k.prefix_length.is_some()) {
            out.notes.push(format!(
                "{t}: index {} indexes whole values ({target} has no prefix indexes)",
                index.name
            ));
            index.keys.iter_mut().for_each(|k| k.prefix_length = None);
        }
        if source == Dialect::MySql
            && target != Dialect::MySql
            && !index.name.starts_with(&format!("{t}_"))
        {
            index.name = derived_name(&[t, &index.name], target);
        }
        index.dialect = target;
        out.table.indexes.push(index);
    }

    let not_null: Vec<String> = out
        .table
        .columns
        .iter()
        .filter(|c| !c.nullable)
        .map(|c| c.name.clone())
        .collect();
    for fk in &mut out.table.foreign_keys {
        let on_not_null = fk.columns.iter().any(|c| not_null.contains(c));
        if fk.deferrable && !target.supports_deferrable_fks() {
            out.warnings.push(format!(
                "{t}: foreign key {} is DEFERRABLE on the source but {target} checks it immediately",
                fk.name
            ));
            fk.deferrable = false;
            fk.initially_deferred = false;
        }
        for action in [&mut fk.on_delete, &mut fk.on_update] {
            if *action == FkAction::SetDefault && !target.supports_fk_set_default() {
                out.warnings.push(format!(
                    "{t}: foreign key {} uses SET DEFAULT, which {target} rejects: NO ACTION instead",
                    fk.name
                ));
                *action = FkAction::NoAction;
            }
            if *action == FkAction::SetNull && on_not_null && target.fk_set_null_requires_nullable()
            {
                out.warnings.push(format!(
                    "{t}: foreign key {} uses SET NULL on a NOT NULL column, which {target} rejects: NO ACTION instead",
                    fk.name
                ));
                *action = FkAction::NoAction;
            }
        }
    }
    Ok(out)
}

fn map_column(
    table: &Table,
    column: &Column,
    source: Dialect,
    target: Dialect,
    out: &mut MappedTable,
) -> Column {
    let (t, c) = (&table.name, &column.name);
    let ty = &column.logical_type;
    let keep =
        source == target && !matches!(ty, LogicalType::Enum { .. } | LogicalType::Set { .. });
    let mut mapping: TypeMapping = if keep {
        keep_type(ty, target)
    } else {
        map_type(ty, target)
    };
    // AUTO_INCREMENT BIGINT UNSIGNED is the usual MySQL id: keep it an integer identity
    // (ids never reach 2^63 in practice, and a larger one fails the engine's checked cast).
    if column.identity.is_some()
        && *ty
            == (LogicalType::Int {
                bits: 64,
                unsigned: true,
            })
        && target != Dialect::MySql
    {
        mapping = keep_type(
            &LogicalType::Int {
                bits: 64,
                unsigned: false,
            },
            target,
        );
        mapping.note = Some("auto-increment BIGINT UNSIGNED stored as a signed 64-bit integer; ids above 2^63-1 would be refused".into());
    }
    let to = mapping.sql_type.to_string();
    if let Some(reason) = mapping.loss {
        out.lossy.push(LossyColumn {
            table: t.clone(),
            column: c.clone(),
            from: column.source_type.clone(),
            to: to.clone(),
            reason,
        });
    }
    if let Some(note) = mapping.note {
        out.notes.push(format!("{t}.{c}: {note}"));
    }
    let mut mapped = column.clone();
    mapped.logical_type = mapping.target_type;
    mapped.source_type = to;
    mapped.default = column
        .default
        .as_ref()
        .and_then(|d| translate_default(d, &mapped.logical_type, target, &format!("{t}.{c}"), out));
    mapped.identity = map_identity(table, &mapped, target, out);
    if let Some(generated) = &column.generated {
        let why = expression_problem(&generated.expression, generated.dialect, target);
        if let Some(why) = why {
            out.warnings.push(format!(
                "{t}.{c}: generated column expression ({}) not migrated: {why}; the column becomes a plain column holding the source's values",
                generated.expression
            ));
            mapped.generated = None;
            out.materialized.push(c.clone());
        }
    }
    if column.comment.is_some() && !target.supports_comments() {
        mapped.comment = None;
    }
    mapped
}

fn map_identity(
    table: &Table,
    column: &Column,
    target: Dialect,
    out: &mut MappedTable,
) -> Option<Identity> {
    let identity = column.identity?;
    let label = format!("{}.{}", table.name, column.name);
    let is_int = matches!(column.logical_type, LogicalType::Int { .. });
    let pk = table
        .primary_key
        .as_ref()
        .map(|pk| pk.columns.as_slice())
        .unwrap_or(&[]);
    let sole_pk = pk.len() == 1 && pk[0] == column.name;
    let leads_key = pk.first() == Some(&column.name)
        || table.uniques.iter().any(|u| u.columns.first() == Some(&column.name))
        || table.indexes.iter().any(|i| {
            matches!(i.keys.first().map(|k| &k.target), Some(IndexTarget::Column(n)) if *n == column.name)
        });
    let why = if !is_int {
        Some("its target type is not an integer")
    } else {
        match target {
            Dialect::Sqlite if !sole_pk => {
                Some("SQLite only auto-increments a single-column INTEGER PRIMARY KEY")
            }
            Dialect::MySql if !leads_key => {
                Some("MySQL only auto-increments the first column of a key")
            }
            _ => None,
        }
    };
    if let Some(why) = why {
        out.warnings.push(format!(
            "{label}: identity not migrated ({why}); values are still copied"
        ));
        return None;
    }
    if identity == Identity::Always && target == Dialect::MySql {
        out.notes.push(format!("{label}: GENERATED ALWAYS identity becomes AUTO_INCREMENT, which also accepts explicit values"));
        return Some(Identity::ByDefault);
    }
    Some(identity)
}

/// A default the target can hold, or `None` with a warning.
fn translate_default(
    default: &DefaultValue,
    ty: &LogicalType,
    target: Dialect,
    label: &str,
    out: &mut MappedTable,
) -> Option<DefaultValue> {
    match default {
        DefaultValue::Expression { sql, dialect } => {
            match expression_problem(sql, *dialect, target) {
                None => Some(default.clone()),
                Some(why) => {
                    out.warnings
                        .push(format!("{label}: default ({sql}) not migrated: {why}"));
                    None
                }
            }
        }
        DefaultValue::Number(n) if !is_number_literal(n) => {
            out.warnings.push(format!(
                "{label}: default {n:?} is not a number literal; not migrated"
            ));
            None
        }
        // MySQL reports a TINYINT(1) boolean's default as 0/1.
        DefaultValue::Number(n) if *ty == LogicalType::Boolean => {
            let zero = n.chars().all(|ch| matches!(ch, '0' | '.' | '-' | '+'));
            Some(DefaultValue::Boolean(!zero))
        }
        DefaultValue::Boolean(b) if matches!(ty, LogicalType::Int { .. }) => {
            Some(DefaultValue::Number(if *b { "1" } else { "0" }.into()))
        }
        _ => Some(default.clone()),
    }
}

/// Whether `text` is a plain numeric literal (so it can be printed verbatim).
pub(crate) fn is_number_literal(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e.strip_prefix(['-', '+']).unwrap_or(e))),
        None => (body, None),
    };
    let digits = mantissa.replacen('.', "", 1);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && exponent.is_none_or(|e| !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()))
}

/// Why an expression written in `written_in` cannot run on `target`, if it cannot.
fn expression_problem(sql: &str, written_in: Dialect, target: Dialect) -> Option<String> {
    if written_in != target {
        return Some(format!("it is written in {written_in} SQL"));
    }
    parse_expr(sql, target)
        .err()
        .map(|e| format!("it does not parse ({e})"))
}

/// Parses one expression in `dialect`, refusing trailing text.
pub(crate) fn parse_expr(sql: &str, dialect: Dialect) -> Result<Expr, String> {
    let d = parser_dialect(dialect);
    let mut parser = Parser::new(d.as_ref())
        .try_with_sql(sql)
        .map_err(|e| e.to_string())?;
    let expr = parser.parse_expr().map_err(|e| e.to_string())?;
    match parser.peek_token().token {
        sqlparser::tokenizer::Token::EOF => Ok(expr),
        other => Err(format!("unexpected {other} after the expression")),
    }
}

/// The CHECK constraint that keeps an ENUM column's labels on a dialect without
/// enums: `"column" IN ('a', 'b')`, named `<table>_<column>_check`. `None` for
/// columns that are not enums.
pub fn enum_check(table: &str, column: &Column, dialect: Dialect) -> Option<CheckConstraint> {
    let LogicalType::Enum { values } = &column.logical_type else {
        return None;
    };
    let expr = Expr::InList {
        expr: Box::new(Expr::Identifier(ident(dialect, &column.name))),
        list: values
            .iter()
            .map(|v| Expr::value(Value::SingleQuotedString(v.clone())))
            .collect(),
        negated: false,
    };
    Some(CheckConstraint {
        name: derived_name(&[table, &column.name, "check"], dialect),
        expression: expr.to_string(),
        dialect,
    })
}

/// `a_b_c`, cut to what the dialect keeps (at a character boundary).
pub(crate) fn derived_name(parts: &[&str], dialect: Dialect) -> String {
    let full = parts.join("_");
    let max_chars = dialect.max_identifier_chars().min(63);
    let max_bytes = dialect.max_identifier_bytes();
    let mut out = String::new();
    for (i, ch) in full.chars().enumerate() {
        if i >= max_chars || out.len() + ch.len_utf8() > max_bytes {
            break;
        }
        out.push(ch);
    }
    out
}
