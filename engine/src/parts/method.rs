//! Which way a table's key lets it be cut.

use ferry_connectors::{KeyColumn, KeyKind};
use ferry_schema::Table;

/// How a table is cut into parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitMethod {
    /// Even ranges of the key's leading integer column over its `[min, max]`
    /// (cheap: one `MIN`/`MAX` on an index).
    Integer {
        /// The leading key column.
        column: String,
        /// The whole key, when it has more columns and every one can be a
        /// range bound: used instead when the leading column has fewer
        /// distinct values than parts wanted.
        key: Option<Vec<KeyColumn>>,
    },
    /// Ranges between cut points the source samples from its key, in its
    /// own order (text, binary and UUID keys, composite keys not led by an
    /// integer, unsigned 64-bit integers).
    Quantiles {
        /// The key columns.
        columns: Vec<KeyColumn>,
    },
    /// No key: ranges of physical row addresses, where the source has them.
    RowAddress,
}

/// The method for `table`, or why its key cannot be cut (a column type ferry
/// does not spell as a range bound).
pub fn split_method(table: &Table) -> Result<SplitMethod, String> {
    let Some(key) = table.verify_key() else {
        return Ok(SplitMethod::RowAddress);
    };
    let mut columns = Vec::with_capacity(key.len());
    let mut refused = None;
    for name in key {
        let Some(col) = table.column(name) else {
            return Err(format!("its key column {name} is not in the model"));
        };
        match KeyKind::of(&col.logical_type) {
            Some(kind) => columns.push((
                kind,
                KeyColumn {
                    name: name.clone(),
                    nullable: col.nullable,
                },
            )),
            None => {
                refused.get_or_insert_with(|| {
                    format!(
                        "its key column {name} is {}; only integer, text, binary and UUID key columns are cut into ranges",
                        col.source_type
                    )
                });
            }
        }
    }
    let leading = columns
        .first()
        .filter(|(kind, c)| *kind == KeyKind::Int && key.first() == Some(&c.name));
    if let Some((_, first)) = leading {
        let whole = (refused.is_none() && key.len() > 1)
            .then(|| columns.iter().map(|(_, c)| c.clone()).collect());
        return Ok(SplitMethod::Integer {
            column: first.name.clone(),
            key: whole,
        });
    }
    match refused {
        Some(reason) => Err(reason),
        None => Ok(SplitMethod::Quantiles {
            columns: columns.into_iter().map(|(_, c)| c).collect(),
        }),
    }
}
