//! SQLite catalog → ferry's [`Schema`]: tables from `sqlite_schema`, columns, keys
//! and indexes from the `pragma_*` table-valued functions (names are bound as
//! parameters, never spliced into SQL), and what only the `CREATE` text knows
//! (checks, generated expressions, constraint names) from [`super::ddl_text`].
//!
//! Runs on a blocking thread inside the source's `introspect`.

use super::ddl_text::{self, IndexText, TableText};
use super::error::{server, DIALECT};
use super::types::logical_type;
use crate::{ConnectorError, Result};
use ferry_schema::{
    CheckConstraint, Column, DefaultValue, Dialect, FkAction, ForeignKey, GeneratedColumn,
    Identity, Index, IndexKey, IndexTarget, OtherObject, PrimaryKey, Schema, Table,
    UniqueConstraint,
};
use rusqlite::{params, Connection};

const OBJECTS_SQL: &str = include_str!("sql/objects.sql");
const COLUMNS_SQL: &str = include_str!("sql/columns.sql");
const FOREIGN_KEYS_SQL: &str = include_str!("sql/foreign_keys.sql");
const INDEXES_SQL: &str = include_str!("sql/indexes.sql");
const INDEX_KEYS_SQL: &str = include_str!("sql/index_keys.sql");

/// One row of `pragma_table_xinfo`.
struct RawColumn {
    name: String,
    declared: String,
    not_null: bool,
    default: Option<String>,
    pk: i64,
    hidden: i64,
}

/// Reads the whole catalog of the `main` schema; tables sorted by name.
pub(crate) fn introspect(conn: &Connection) -> Result<Schema> {
    let ctx = "reading the list of tables";
    let mut stmt = conn
        .prepare_cached(OBJECTS_SQL)
        .map_err(|e| server(ctx, &e))?;
    let objects = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| server(ctx, &e))?;
    let mut schema = Schema::default();
    for (kind, name, sql, table_kind, without_rowid) in objects {
        match (kind.as_str(), table_kind.as_str()) {
            ("table", "virtual") => schema.not_migrated.push(other("virtual table", name)),
            // Storage of a virtual table (FTS, R-tree): recreated with it, never copied.
            ("table", "shadow") => schema.not_migrated.push(other("shadow table", name)),
            ("table", _) => schema
                .tables
                .push(read_table(conn, &name, &sql, without_rowid != 0)?),
            (kind, _) => schema.not_migrated.push(other(kind, name)),
        }
    }
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(schema)
}

fn other(kind: &str, name: String) -> OtherObject {
    OtherObject {
        kind: kind.to_string(),
        name,
    }
}

/// Whether `table` is declared with `AUTOINCREMENT` (so `sqlite_sequence` tracks it).
pub(crate) fn has_autoincrement(conn: &Connection, table: &str) -> Result<bool> {
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .map_err(|e| server(format!("reading the definition of table {table:?}"), &e))?;
    Ok(sql.is_some_and(|s| s.to_ascii_uppercase().contains("AUTOINCREMENT")))
}

fn read_table(conn: &Connection, name: &str, sql: &str, without_rowid: bool) -> Result<Table> {
    let ctx = || format!("reading the catalog of table {name:?}");
    let raw = read_columns(conn, name).map_err(|e| server(ctx(), &e))?;
    let text = ddl_text::parse_table(sql);
    let unparsed = |what: &str| ConnectorError::UnsupportedType {
        dialect: DIALECT,
        table: name.to_string(),
        column: what.to_string(),
        type_name: "a CREATE TABLE statement ferry's SQL parser cannot read".to_string(),
    };
    let mut key: Vec<&RawColumn> = raw.iter().filter(|c| c.pk > 0).collect();
    key.sort_by_key(|c| c.pk);
    // A single INTEGER primary key of a rowid table is an alias of the rowid:
    // inserting NULL assigns max(rowid)+1, like an identity.
    let rowid_alias = !without_rowid
        && key.len() == 1
        && key
            .iter()
            .all(|c| c.declared.eq_ignore_ascii_case("INTEGER"));

    let mut columns = Vec::with_capacity(raw.len());
    for c in &raw {
        let generated = if c.hidden == 2 || c.hidden == 3 {
            let lowered = c.name.to_lowercase();
            let found = text
                .as_ref()
                .and_then(|t| t.generated.iter().find(|(n, _, _)| *n == lowered))
                .ok_or_else(|| unparsed(&c.name))?;
            Some(GeneratedColumn {
                expression: found.1.clone(),
                stored: c.hidden == 3,
                dialect: Dialect::Sqlite,
            })
        } else {
            None
        };
        let identity = (rowid_alias && c.pk == 1).then_some(Identity::ByDefault);
        columns.push(Column {
            name: c.name.clone(),
            logical_type: logical_type(&c.declared),
            source_type: c.declared.clone(),
            nullable: !c.not_null && identity.is_none(),
            default: c.default.as_deref().map(parse_default),
            identity,
            generated,
            comment: None,
        });
    }
    let mut table = Table::new(name, columns);
    if !key.is_empty() {
        table.primary_key = Some(PrimaryKey {
            name: text.as_ref().and_then(|t| t.primary_key_name.clone()),
            columns: key.iter().map(|c| c.name.clone()).collect(),
        });
    }
    table.foreign_keys =
        read_foreign_keys(conn, name, text.as_ref()).map_err(|e| server(ctx(), &e))?;
    read_indexes(conn, &mut table, text.as_ref())?;
    match &text {
        Some(t) => {
            table.checks = t
                .checks
                .iter()
                .enumerate()
                .map(|(i, c)| CheckConstraint {
                    name: c
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("{name}_check{}", i + 1)),
                    expression: c.expression.clone(),
                    dialect: Dialect::Sqlite,
                })
                .collect();
        }
        // Without a parse the checks would be silently lost: refuse instead.
        None if sql.to_ascii_uppercase().contains("CHECK") => return Err(unparsed("CHECK")),
        None => {}
    }
    Ok(table)
}

fn read_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<RawColumn>> {
    let mut stmt = conn.prepare_cached(COLUMNS_SQL)?;
    let rows = stmt.query_map(params![table], |r| {
        Ok(RawColumn {
            name: r.get(1)?,
            declared: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            not_null: r.get::<_, i64>(3)? != 0,
            default: r.get(4)?,
            pk: r.get(5)?,
            hidden: r.get(6)?,
        })
    })?;
    rows.collect()
}

/// The primary-key columns of `table`, in key order (what a bare `REFERENCES t` means).
fn primary_key_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut key: Vec<(i64, String)> = read_columns(conn, table)?
        .into_iter()
        .filter(|c| c.pk > 0)
        .map(|c| (c.pk, c.name))
        .collect();
    key.sort();
    Ok(key.into_iter().map(|(_, n)| n).collect())
}

fn read_foreign_keys(
    conn: &Connection,
    table: &str,
    text: Option<&TableText>,
) -> rusqlite::Result<Vec<ForeignKey>> {
    let mut stmt = conn.prepare_cached(FOREIGN_KEYS_SQL)?;
    let rows = stmt
        .query_map(params![table], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut keys: Vec<ForeignKey> = Vec::new();
    let mut ids: Vec<i64> = Vec::new();
    for (id, parent, from, to, on_update, on_delete) in rows {
        if ids.last() != Some(&id) {
            ids.push(id);
            keys.push(ForeignKey {
                name: String::new(),
                columns: Vec::new(),
                referenced_table: parent,
                referenced_columns: Vec::new(),
                on_delete: fk_action(&on_delete),
                on_update: fk_action(&on_update),
                deferrable: false,
                initially_deferred: false,
            });
        }
        if let Some(fk) = keys.last_mut() {
            fk.columns.push(from);
            if let Some(to) = to {
                fk.referenced_columns.push(to);
            }
        }
    }
    let mut used = vec![false; text.map_or(0, |t| t.foreign_keys.len())];
    for (n, fk) in keys.iter_mut().enumerate() {
        if fk.referenced_columns.is_empty() {
            fk.referenced_columns = primary_key_columns(conn, &fk.referenced_table)?;
        }
        let columns: Vec<String> = fk.columns.iter().map(|c| c.to_lowercase()).collect();
        let parent = fk.referenced_table.to_lowercase();
        let written = text.and_then(|t| {
            t.foreign_keys
                .iter()
                .enumerate()
                .find(|(i, w)| !used[*i] && w.columns == columns && w.referenced_table == parent)
        });
        fk.name = format!("fk_{table}_{}", n + 1);
        if let Some((i, w)) = written {
            used[i] = true;
            fk.deferrable = w.deferrable;
            fk.initially_deferred = w.deferrable && w.initially_deferred;
            if let Some(name) = &w.name {
                fk.name.clone_from(name);
            }
        }
    }
    Ok(keys)
}

fn fk_action(text: &str) -> FkAction {
    match text.to_ascii_uppercase().as_str() {
        "RESTRICT" => FkAction::Restrict,
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// Fills `table.uniques` (origin `u`) and `table.indexes` (origin `c`).
fn read_indexes(conn: &Connection, table: &mut Table, text: Option<&TableText>) -> Result<()> {
    let ctx = || format!("reading the indexes of table {:?}", table.name);
    let mut stmt = conn
        .prepare_cached(INDEXES_SQL)
        .map_err(|e| server(ctx(), &e))?;
    let list = stmt
        .query_map(params![table.name], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)? != 0,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)? != 0,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
        .map_err(|e| server(ctx(), &e))?;
    for (index_name, unique, origin, partial, sql) in list {
        if origin == "pk" {
            continue;
        }
        let keys = read_index_keys(conn, &index_name).map_err(|e| server(ctx(), &e))?;
        if origin == "u" {
            let columns: Vec<String> = keys
                .iter()
                .map(|k| k.name.clone().unwrap_or_default())
                .collect();
            let lowered: Vec<String> = columns.iter().map(|c| c.to_lowercase()).collect();
            let name = text
                .and_then(|t| t.unique_names.iter().find(|(cols, _)| *cols == lowered))
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| format!("uq_{}_{}", table.name, table.uniques.len() + 1));
            table.uniques.push(UniqueConstraint { name, columns });
            continue;
        }
        let needs_text = partial || keys.iter().any(|k| k.cid == -2);
        let parsed: Option<IndexText> = sql.as_deref().and_then(ddl_text::parse_index);
        let unparsed = || ConnectorError::UnsupportedType {
            dialect: DIALECT,
            table: table.name.clone(),
            column: index_name.clone(),
            type_name: "an index whose CREATE INDEX text ferry's SQL parser cannot read"
                .to_string(),
        };
        if needs_text && parsed.is_none() {
            return Err(unparsed());
        }
        let mut parts = Vec::with_capacity(keys.len());
        for KeyPart {
            seqno,
            cid,
            name,
            descending,
        } in keys
        {
            let target = match name {
                Some(column) if cid >= 0 => IndexTarget::Column(column),
                _ => {
                    let expr = parsed
                        .as_ref()
                        .and_then(|p| usize::try_from(seqno).ok().and_then(|i| p.keys.get(i)))
                        .ok_or_else(unparsed)?;
                    IndexTarget::Expression(expr.clone())
                }
            };
            parts.push(IndexKey {
                target,
                descending,
                prefix_length: None,
            });
        }
        table.indexes.push(Index {
            name: index_name.clone(),
            unique,
            keys: parts,
            predicate: if partial {
                parsed.and_then(|p| p.predicate)
            } else {
                None
            },
            dialect: Dialect::Sqlite,
        });
    }
    Ok(())
}

/// One row of `pragma_index_xinfo` for a key column.
struct KeyPart {
    /// Position in the key.
    seqno: i64,
    /// Table column number; -2 for an expression, -1 for the rowid.
    cid: i64,
    /// Column name (NULL for expressions).
    name: Option<String>,
    descending: bool,
}

fn read_index_keys(conn: &Connection, index: &str) -> rusqlite::Result<Vec<KeyPart>> {
    let mut stmt = conn.prepare_cached(INDEX_KEYS_SQL)?;
    let rows = stmt.query_map(params![index], |r| {
        Ok(KeyPart {
            seqno: r.get(0)?,
            cid: r.get(1)?,
            name: r.get(2)?,
            descending: r.get::<_, i64>(3)? != 0,
        })
    })?;
    rows.collect()
}

/// `dflt_value` as SQLite keeps it (the default's SQL text) → [`DefaultValue`].
pub(crate) fn parse_default(text: &str) -> DefaultValue {
    let t = text.trim();
    let upper = t.to_ascii_uppercase();
    match upper.as_str() {
        "NULL" => return DefaultValue::Null,
        "TRUE" => return DefaultValue::Boolean(true),
        "FALSE" => return DefaultValue::Boolean(false),
        "CURRENT_TIMESTAMP" => return DefaultValue::CurrentTimestamp,
        "CURRENT_DATE" => return DefaultValue::CurrentDate,
        "CURRENT_TIME" => return DefaultValue::CurrentTime,
        _ => {}
    }
    if is_number(t) {
        return DefaultValue::Number(t.trim_start_matches('+').to_string());
    }
    if let Some(inner) = t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        // A lone quote inside means this is not one literal ('a' || 'b').
        if !inner.replace("''", "").contains('\'') {
            return DefaultValue::Text(inner.replace("''", "'"));
        }
    }
    DefaultValue::Expression {
        sql: t.to_string(),
        dialect: Dialect::Sqlite,
    }
}

/// `[+-]digits[.digits][e[+-]digits]`, at least one digit before the exponent.
fn is_number(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac) && exponent_ok
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults() {
        assert_eq!(parse_default("0"), DefaultValue::Number("0".into()));
        assert_eq!(
            parse_default("-1.5e3"),
            DefaultValue::Number("-1.5e3".into())
        );
        assert_eq!(parse_default("'it''s'"), DefaultValue::Text("it's".into()));
        assert_eq!(parse_default("NULL"), DefaultValue::Null);
        assert_eq!(
            parse_default("current_timestamp"),
            DefaultValue::CurrentTimestamp
        );
        assert_eq!(
            parse_default("'a' || 'b'"),
            DefaultValue::Expression {
                sql: "'a' || 'b'".into(),
                dialect: Dialect::Sqlite
            }
        );
        assert_eq!(
            parse_default("(strftime('%s','now'))"),
            DefaultValue::Expression {
                sql: "(strftime('%s','now'))".into(),
                dialect: Dialect::Sqlite
            }
        );
        assert!(!is_number("."));
        assert!(!is_number("1e"));
    }
}
