//! MySQL-only step of [`super::map_table`]: InnoDB cannot key a TEXT/BLOB column
//! without a prefix length, so such columns that take part in a primary key,
//! unique constraint, unique index or foreign key become VARCHAR/VARBINARY sized
//! so that each key fits InnoDB's 3072-byte limit. Reported as lossy.

use super::spelling::{sql_type_for, MYSQL_MAX_VARBINARY_BYTES};
use super::table::{LossyColumn, MappedTable};
use crate::{Dialect, IndexTarget, LogicalType, Table};

/// MySQL/InnoDB's longest index key, in bytes.
const MYSQL_MAX_KEY_BYTES: u32 = 3072;

/// MySQL cannot key TEXT/BLOB columns without a prefix: columns in a primary key,
/// unique constraint, unique index or foreign key become VARCHAR/VARBINARY sized
/// so the key fits 3072 bytes.
pub(super) fn fit_mysql_keys(source: &Table, out: &mut MappedTable) {
    let table = &out.table;
    let mut keys: Vec<Vec<String>> = Vec::new();
    keys.extend(table.primary_key.iter().map(|pk| pk.columns.clone()));
    keys.extend(table.uniques.iter().map(|u| u.columns.clone()));
    keys.extend(table.foreign_keys.iter().map(|f| f.columns.clone()));
    keys.extend(table.indexes.iter().filter(|i| i.unique).map(|i| {
        i.keys
            .iter()
            .filter_map(|k| match (&k.target, k.prefix_length) {
                (IndexTarget::Column(c), None) => Some(c.clone()),
                _ => None,
            })
            .collect()
    }));
    let unbounded = |ty: &LogicalType| {
        matches!(ty, LogicalType::Text { .. } | LogicalType::Json { .. })
            || matches!(ty, LogicalType::Varbinary { length: Some(n) } if *n > MYSQL_MAX_VARBINARY_BYTES)
            || matches!(ty, LogicalType::Varbinary { length: None })
    };
    let mut budget: Vec<(usize, u32)> = Vec::new();
    for key in &keys {
        let idx: Vec<usize> = key
            .iter()
            .filter_map(|name| table.columns.iter().position(|c| &c.name == name))
            .filter(|&i| unbounded(&table.columns[i].logical_type))
            .collect();
        let count = u32::try_from(idx.len()).unwrap_or(u32::MAX).max(1);
        for i in idx {
            let bytes = MYSQL_MAX_KEY_BYTES / count;
            match budget.iter_mut().find(|(j, _)| *j == i) {
                Some((_, b)) => *b = (*b).min(bytes),
                None => budget.push((i, bytes)),
            }
        }
    }
    for (i, bytes) in budget {
        let column = &mut out.table.columns[i];
        let is_text = !matches!(column.logical_type, LogicalType::Varbinary { .. });
        if matches!(column.logical_type, LogicalType::Json { .. }) {
            out.warnings.push(format!(
                "{}.{}: JSON column in a key cannot be keyed on MySQL",
                out.table.name, column.name
            ));
            continue;
        }
        let (ty, what) = if is_text {
            (
                LogicalType::Varchar {
                    length: Some(bytes / 4),
                },
                format!("{} characters", bytes / 4),
            )
        } else {
            (
                LogicalType::Varbinary {
                    length: Some(u64::from(bytes)),
                },
                format!("{bytes} bytes"),
            )
        };
        let sql = sql_type_for(&ty, Dialect::MySql).to_string();
        out.lossy.push(LossyColumn {
            table: out.table.name.clone(),
            column: column.name.clone(),
            from: source.columns[i].source_type.clone(),
            to: sql.clone(),
            reason: format!("MySQL keys hold at most 3072 bytes, so this key column keeps {what}; longer values are refused"),
        });
        column.logical_type = ty;
        column.source_type = sql;
    }
}
