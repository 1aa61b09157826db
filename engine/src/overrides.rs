//! Applies the config file's per-table and per-column overrides to the schema
//! model: excluded columns leave the source model (so they are never read),
//! renames and type overrides change the target model, and every constraint
//! that names a renamed or removed object follows.

use crate::config::{Config, TableOverride};
use ferry_schema::{Dialect, SchemaError, Table};

/// Removes the columns the config excludes from a source table, and the
/// constraints and indexes that use them. Returns one warning per removed object.
pub fn exclude_columns(table: &mut Table, ov: &TableOverride) -> Result<Vec<String>, String> {
    let excluded: Vec<&String> = ov
        .columns
        .iter()
        .filter(|(_, c)| c.exclude)
        .map(|(n, _)| n)
        .collect();
    let mut warnings = Vec::new();
    for name in &excluded {
        if table.column(name).is_none() {
            return Err(format!(
                "the config excludes column {}.{name}, which the source table does not have",
                table.name
            ));
        }
    }
    if excluded.is_empty() {
        return Ok(warnings);
    }
    let gone = |c: &String| excluded.contains(&c);
    if let Some(pk) = &table.primary_key {
        if pk.columns.iter().any(gone) {
            return Err(format!(
                "the config excludes a primary-key column of {} ({}); exclude the table instead",
                table.name,
                pk.columns.join(", ")
            ));
        }
    }
    table.columns.retain(|c| !gone(&c.name));
    let tname = table.name.clone();
    table.uniques.retain(|u| {
        let keep = !u.columns.iter().any(gone);
        if !keep {
            warnings.push(format!(
                "unique constraint {} on {tname} dropped: it uses an excluded column",
                u.name
            ));
        }
        keep
    });
    table.foreign_keys.retain(|fk| {
        let keep = !fk.columns.iter().any(gone);
        if !keep {
            warnings.push(format!(
                "foreign key {} on {tname} dropped: it uses an excluded column",
                fk.name
            ));
        }
        keep
    });
    table.indexes.retain(|ix| {
        let keep = !ix
            .keys
            .iter()
            .any(|k| matches!(&k.target, ferry_schema::IndexTarget::Column(c) if gone(c)));
        if !keep {
            warnings.push(format!(
                "index {} on {tname} dropped: it uses an excluded column",
                ix.name
            ));
        }
        keep
    });
    Ok(warnings)
}

/// Applies type overrides to a mapped (target) table. Returns the columns whose
/// type the user chose, so the lossy check skips them.
pub fn override_types(
    table: &mut Table,
    source_name: &str,
    ov: &TableOverride,
    target: Dialect,
) -> Result<Vec<String>, SchemaError> {
    let mut chosen = Vec::new();
    for (col, c) in &ov.columns {
        let Some(sql) = &c.sql_type else { continue };
        let ty = ferry_schema::parse_type_override(sql, target).map_err(|e| match e {
            SchemaError::BadTypeOverride { given, reason, .. } => SchemaError::BadTypeOverride {
                table: source_name.to_string(),
                column: col.clone(),
                given,
                reason,
            },
            other => other,
        })?;
        if let Some(column) = table.columns.iter_mut().find(|x| &x.name == col) {
            column.source_type = sql.clone();
            column.logical_type = ty;
            chosen.push(col.clone());
        }
    }
    Ok(chosen)
}

/// Renames tables and columns in the target models, following every reference
/// (keys, indexes, foreign keys of other tables).
pub fn apply_renames(tables: &mut [Table], config: &Config) {
    for (source_table, ov) in &config.tables {
        for (col, c) in &ov.columns {
            let Some(new) = &c.rename else { continue };
            for t in tables.iter_mut() {
                let own = &t.name == source_table;
                if own {
                    for column in t.columns.iter_mut().filter(|x| &x.name == col) {
                        column.name = new.clone();
                    }
                    rename_in(
                        &mut t
                            .primary_key
                            .iter_mut()
                            .flat_map(|p| p.columns.iter_mut())
                            .collect::<Vec<_>>(),
                        col,
                        new,
                    );
                    for u in &mut t.uniques {
                        rename_in(&mut u.columns.iter_mut().collect::<Vec<_>>(), col, new);
                    }
                    for ix in &mut t.indexes {
                        for k in &mut ix.keys {
                            if let ferry_schema::IndexTarget::Column(name) = &mut k.target {
                                if name == col {
                                    *name = new.clone();
                                }
                            }
                        }
                    }
                }
                for fk in &mut t.foreign_keys {
                    if own {
                        rename_in(&mut fk.columns.iter_mut().collect::<Vec<_>>(), col, new);
                    }
                    if &fk.referenced_table == source_table {
                        rename_in(
                            &mut fk.referenced_columns.iter_mut().collect::<Vec<_>>(),
                            col,
                            new,
                        );
                    }
                }
            }
        }
    }
    for (source_table, ov) in &config.tables {
        let Some(new) = &ov.rename else { continue };
        for t in tables.iter_mut() {
            for fk in &mut t.foreign_keys {
                if &fk.referenced_table == source_table {
                    fk.referenced_table = new.clone();
                }
            }
        }
        for t in tables.iter_mut().filter(|t| &t.name == source_table) {
            t.name = new.clone();
        }
    }
}

fn rename_in(names: &mut [&mut String], from: &str, to: &str) {
    for n in names.iter_mut() {
        if n.as_str() == from {
            **n = to.to_string();
        }
    }
}
