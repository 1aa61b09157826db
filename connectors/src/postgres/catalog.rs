//! Catalog introspection: reads one schema's tables, columns, constraints and
//! indexes from `pg_catalog` (queries in `sql/*.sql`) into ferry's neutral model,
//! and lists what is not migrated (views, routines, triggers, loose sequences).
//!
//! A column whose type has no logical type becomes `LogicalType::Unsupported`:
//! the plan refuses it by name unless the user excludes the column or table.

use super::error as pgerr;
use crate::Result;
use ferry_schema::{
    CheckConstraint, Column, DefaultValue, Dialect, FkAction, ForeignKey, GeneratedColumn,
    Identity, Index, IndexKey, IndexTarget, LogicalType, OtherObject, PrimaryKey, Schema, Table,
    UniqueConstraint,
};
use std::collections::HashMap;
use tokio_postgres::{Client, Row};

/// Longest `bit varying` PostgreSQL accepts; stands for an unconstrained `varbit`.
const VARBIT_MAX: u32 = 83_886_080;
/// `atttypmod` of character types counts the 4-byte varlena header.
const VARHDRSZ: i32 = 4;

/// Reads the catalog of `schema` (tables sorted by name).
pub(crate) async fn introspect(client: &Client, schema: &str) -> Result<Schema> {
    let ctx = |what: &str| format!("reading the {what} of schema {schema:?}");
    let q = |sql: &'static str, what: &'static str| async move {
        client
            .query(sql, &[&schema])
            .await
            .map_err(|e| pgerr::server(ctx(what), &e))
    };
    let mut tables: Vec<(u32, Table)> = Vec::new();
    let mut by_oid: HashMap<u32, usize> = HashMap::new();
    for row in q(include_str!("sql/tables.sql"), "tables").await? {
        let oid: u32 = row.get(0);
        let mut table = Table::new(row.get::<_, String>(1), Vec::new());
        table.comment = row.get(2);
        by_oid.insert(oid, tables.len());
        tables.push((oid, table));
    }
    let mut attnames: HashMap<(u32, i16), String> = HashMap::new();
    for row in q(include_str!("sql/columns.sql"), "columns").await? {
        let oid: u32 = row.get(0);
        let Some(&i) = by_oid.get(&oid) else { continue };
        let table = &mut tables[i].1;
        let column = column_from_row(&row)?;
        attnames.insert((oid, row.get(2)), column.name.clone());
        table.columns.push(column);
    }
    let mut not_migrated = Vec::new();
    for row in q(include_str!("sql/constraints.sql"), "constraints").await? {
        let Some(&i) = by_oid.get(&row.get::<_, u32>(0)) else {
            continue;
        };
        add_constraint(&mut tables[i].1, schema, &row, &mut not_migrated);
    }
    for row in q(include_str!("sql/indexes.sql"), "indexes").await? {
        let oid: u32 = row.get(0);
        let Some(&i) = by_oid.get(&oid) else { continue };
        let table = &mut tables[i].1;
        let name: String = row.get(1);
        let method: String = row.get(2);
        if method != "btree" {
            // The model has no access method: a GIN or GiST index rebuilt as btree would be wrong.
            not_migrated.push(OtherObject {
                kind: format!("{method} index"),
                name: format!("{}.{name}", table.name),
            });
            continue;
        }
        let attnums: Vec<i16> = row.get(4);
        let options: Vec<i16> = row.get(5);
        let defs: Vec<String> = row.get(6);
        let keys = attnums
            .iter()
            .zip(&options)
            .zip(&defs)
            .map(|((&num, &opt), def)| IndexKey {
                target: match attnames.get(&(oid, num)) {
                    Some(col) if num != 0 => IndexTarget::Column(col.clone()),
                    _ => IndexTarget::Expression(def.clone()),
                },
                // INDOPTION_DESC
                descending: opt & 1 != 0,
                prefix_length: None,
            })
            .collect();
        table.indexes.push(Index {
            name,
            unique: row.get(3),
            keys,
            predicate: row.get(7),
            dialect: Dialect::Postgres,
        });
    }
    for row in q(include_str!("sql/other_objects.sql"), "other objects").await? {
        not_migrated.push(OtherObject {
            kind: row.get(0),
            name: row.get(1),
        });
    }
    let mut tables: Vec<Table> = tables.into_iter().map(|(_, t)| t).collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Schema {
        tables,
        not_migrated,
    })
}

fn column_from_row(row: &Row) -> Result<Column> {
    let name: String = row.get(1);
    let source_type: String = row.get(4);
    let base: String = row.get(5);
    let kind: String = row.get(6);
    let typmod: i32 = row.get(7);
    let logical_type = if kind == "e" {
        LogicalType::Enum {
            values: row.get(12),
        }
    } else {
        logical_type(&base, typmod).unwrap_or_else(|| LogicalType::Unsupported {
            type_name: source_type.clone(),
        })
    };
    let expr: Option<String> = row.get(8);
    let identity_flag: String = row.get(9);
    let generated_flag: String = row.get(10);
    let mut column = Column::new(name, logical_type);
    column.source_type = source_type;
    column.nullable = !row.get::<_, bool>(3);
    column.comment = row.get(11);
    column.identity = match identity_flag.as_str() {
        "a" => Some(Identity::Always),
        "d" => Some(Identity::ByDefault),
        _ => None,
    };
    match (generated_flag.as_str(), expr) {
        ("s", Some(expression)) => {
            column.generated = Some(GeneratedColumn {
                expression,
                stored: true,
                dialect: Dialect::Postgres,
            });
        }
        (_, Some(expr)) => match parse_default(&expr) {
            // `serial` is a sequence default: the model calls it an identity.
            None => column.identity = Some(Identity::ByDefault),
            Some(d) => column.default = Some(d),
        },
        (_, None) => {}
    }
    Ok(column)
}

/// The logical type of a built-in base type with its `atttypmod` (-1 = none).
pub(crate) fn logical_type(base: &str, typmod: i32) -> Option<LogicalType> {
    let chars = |m: i32| u32::try_from(m - VARHDRSZ).ok();
    let precision = |m: i32| if m < 0 { Some(6) } else { u8::try_from(m).ok() };
    Some(match base {
        "bool" => LogicalType::Boolean,
        "int2" => LogicalType::Int {
            bits: 16,
            unsigned: false,
        },
        "int4" => LogicalType::Int {
            bits: 32,
            unsigned: false,
        },
        "int8" => LogicalType::Int {
            bits: 64,
            unsigned: false,
        },
        "float4" => LogicalType::Float32,
        "float8" => LogicalType::Float64,
        "numeric" if typmod < 0 => LogicalType::Decimal {
            precision: None,
            scale: None,
        },
        "numeric" => {
            let m = typmod - VARHDRSZ;
            // PostgreSQL 15 stores the scale as an 11-bit signed field; a negative
            // scale has no place in the model.
            let scale = u16::try_from(((m & 0x7ff) ^ 1024) - 1024).ok()?;
            LogicalType::Decimal {
                precision: u16::try_from((m >> 16) & 0xffff).ok(),
                scale: Some(scale),
            }
        }
        "bpchar" if typmod < 0 => LogicalType::Text { max_bytes: None },
        "bpchar" => LogicalType::Char {
            length: chars(typmod)?,
        },
        "varchar" if typmod < 0 => LogicalType::Varchar { length: None },
        "varchar" => LogicalType::Varchar {
            length: Some(chars(typmod)?),
        },
        "text" => LogicalType::Text { max_bytes: None },
        "bytea" => LogicalType::Varbinary { length: None },
        "date" => LogicalType::Date,
        "time" => LogicalType::Time {
            precision: precision(typmod)?,
        },
        "timestamp" | "timestamptz" => LogicalType::Timestamp {
            precision: precision(typmod)?,
            with_time_zone: base == "timestamptz",
        },
        "interval" => LogicalType::Interval,
        "json" => LogicalType::Json { binary: false },
        "jsonb" => LogicalType::Json { binary: true },
        "uuid" => LogicalType::Uuid,
        "bit" => LogicalType::Bit {
            length: u32::try_from(typmod.max(1)).ok()?,
            varying: false,
        },
        "varbit" if typmod < 0 => LogicalType::Bit {
            length: VARBIT_MAX,
            varying: true,
        },
        "varbit" => LogicalType::Bit {
            length: u32::try_from(typmod).ok()?,
            varying: true,
        },
        // timetz (no zoned time in the model), arrays, ranges, geometry, money, ...
        _ => return None,
    })
}

/// A column default as the model sees it; `None` for a `nextval(...)` (serial).
pub(crate) fn parse_default(expr: &str) -> Option<DefaultValue> {
    let e = expr.trim();
    if e.starts_with("nextval(") {
        return None;
    }
    let is_number = |s: &str| {
        let body = s.strip_prefix('-').unwrap_or(s);
        let (i, f) = body.split_once('.').unwrap_or((body, ""));
        !i.is_empty()
            && i.bytes().all(|b| b.is_ascii_digit())
            && f.bytes().all(|b| b.is_ascii_digit())
    };
    Some(match e {
        "true" => DefaultValue::Boolean(true),
        "false" => DefaultValue::Boolean(false),
        "now()" | "CURRENT_TIMESTAMP" => DefaultValue::CurrentTimestamp,
        "CURRENT_DATE" => DefaultValue::CurrentDate,
        "CURRENT_TIME" => DefaultValue::CurrentTime,
        _ if e == "NULL" || e.starts_with("NULL::") => DefaultValue::Null,
        _ if is_number(e) => DefaultValue::Number(e.to_string()),
        _ => match quoted_literal(e) {
            // Negative numbers print as '-1'::integer.
            Some((text, cast)) if is_number(&text) && is_numeric_type(cast) => {
                DefaultValue::Number(text)
            }
            Some((text, _)) => DefaultValue::Text(text),
            None => DefaultValue::Expression {
                sql: e.to_string(),
                dialect: Dialect::Postgres,
            },
        },
    })
}

fn is_numeric_type(name: &str) -> bool {
    matches!(
        name,
        "integer" | "bigint" | "smallint" | "real" | "double precision"
    ) || name.starts_with("numeric")
}

/// `'it''s'::text` → (`it's`, `text`): a whole expression that is one string literal
/// with a cast (or none).
fn quoted_literal(e: &str) -> Option<(String, &str)> {
    let body = e.strip_prefix('\'')?;
    let mut text = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                chars.next();
                text.push('\'');
                continue;
            }
            let rest = &body[i + 1..];
            return match rest.strip_prefix("::") {
                // A bare type name; anything more (`|| ...`, a second cast) is an expression.
                Some(cast)
                    if !cast.contains("::")
                        && cast
                            .chars()
                            .all(|c| c.is_alphanumeric() || " _(),.\"".contains(c)) =>
                {
                    Some((text, cast))
                }
                None if rest.is_empty() => Some((text, "")),
                _ => None,
            };
        }
        text.push(c);
    }
    None
}

fn fk_action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

fn add_constraint(table: &mut Table, schema: &str, row: &Row, not_migrated: &mut Vec<OtherObject>) {
    let name: String = row.get(1);
    let kind: String = row.get(2);
    let columns: Vec<String> = row.get(3);
    match kind.as_str() {
        "p" => {
            table.primary_key = Some(PrimaryKey {
                name: Some(name),
                columns,
            })
        }
        "u" => table.uniques.push(UniqueConstraint { name, columns }),
        "f" => {
            let ref_schema: Option<String> = row.get(4);
            if ref_schema.as_deref() != Some(schema) {
                // The model's references are schema-local; the user must recreate it.
                not_migrated.push(OtherObject {
                    kind: "cross-schema foreign key".to_string(),
                    name: format!("{}.{name}", table.name),
                });
                return;
            }
            table.foreign_keys.push(ForeignKey {
                name,
                columns,
                referenced_table: row.get::<_, Option<String>>(5).unwrap_or_default(),
                referenced_columns: row.get(6),
                on_delete: fk_action(&row.get::<_, String>(7)),
                on_update: fk_action(&row.get::<_, String>(8)),
                deferrable: row.get(9),
                initially_deferred: row.get(10),
            });
        }
        "c" => {
            let def: String = row.get(11);
            table.checks.push(CheckConstraint {
                name,
                expression: check_expression(&def),
                dialect: Dialect::Postgres,
            });
        }
        _ => not_migrated.push(OtherObject {
            kind: "exclusion constraint".to_string(),
            name: format!("{}.{name}", table.name),
        }),
    }
}

/// `CHECK (price > 0) NOT VALID` → `price > 0`: pg_get_constraintdef always wraps
/// the expression in exactly one pair of parentheses after `CHECK `.
pub(crate) fn check_expression(def: &str) -> String {
    let mut e = def.trim();
    for suffix in [" NOT VALID", " NO INHERIT"] {
        e = e.strip_suffix(suffix).unwrap_or(e);
    }
    match e.strip_prefix("CHECK (").and_then(|x| x.strip_suffix(')')) {
        Some(inner) => inner.to_string(),
        None => e.to_string(),
    }
}

#[cfg(test)]
#[path = "catalog_tests.rs"]
mod tests;
