//! The result of comparing one table: counts, chunk statistics and the first
//! differing rows with their values, ready for the `verify` report.

use serde::Serialize;

/// How many rows of each kind (missing, extra, changed) a [`TableDiff`] keeps;
/// the counts go on past it.
pub const MAX_RECORDED_ROWS: usize = 1000;

/// One column whose value differs between source and target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnDiff {
    /// Column name.
    pub name: String,
    /// The source's value, rendered (see [`super::render_value`]).
    pub source: String,
    /// The target's value, rendered.
    pub target: String,
}

/// One row that is missing on the target, extra on the target, or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowDiff {
    /// The row's key as `name=value, ...`; empty for tables compared without a key.
    pub key: String,
    /// For a changed row: the columns that differ, in column order.
    pub columns: Vec<ColumnDiff>,
    /// For a missing or extra row: the whole row as `name=value, ...`.
    pub row: Option<String>,
    /// How many copies of the row are missing or extra (1 for keyed tables).
    pub count: u64,
}

/// Everything `ferry verify` found for one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableDiff {
    /// Rows read from the source.
    pub rows_source: u64,
    /// Rows read from the target.
    pub rows_target: u64,
    /// Chunks (keyed: runs of merged rows; keyless: hash buckets) compared.
    pub chunks: u64,
    /// Chunks whose digests differ.
    pub chunks_differing: u64,
    /// Rows only on the source (first [`MAX_RECORDED_ROWS`]).
    pub missing: Vec<RowDiff>,
    /// Rows only on the target (first [`MAX_RECORDED_ROWS`]).
    pub extra: Vec<RowDiff>,
    /// Rows present on both sides with different values (first [`MAX_RECORDED_ROWS`]).
    pub changed: Vec<RowDiff>,
    /// Exact number of missing rows (with multiplicity).
    pub missing_count: u64,
    /// Exact number of extra rows (with multiplicity).
    pub extra_count: u64,
    /// Exact number of changed rows.
    pub changed_count: u64,
    /// Why the comparison stopped early; the other fields then cover only what
    /// was compared before.
    pub error: Option<String>,
}

impl TableDiff {
    /// Whether both sides hold the same rows and the comparison completed.
    pub fn is_match(&self) -> bool {
        self.error.is_none()
            && self.missing_count == 0
            && self.extra_count == 0
            && self.changed_count == 0
            && self.rows_source == self.rows_target
    }

    /// Records a missing row (counted always, kept while under the cap).
    pub(crate) fn add_missing(&mut self, diff: RowDiff) {
        self.missing_count += diff.count;
        if self.missing.len() < MAX_RECORDED_ROWS {
            self.missing.push(diff);
        }
    }

    /// Records an extra row.
    pub(crate) fn add_extra(&mut self, diff: RowDiff) {
        self.extra_count += diff.count;
        if self.extra.len() < MAX_RECORDED_ROWS {
            self.extra.push(diff);
        }
    }

    /// Whether another missing row would still be kept (so it is worth rendering).
    pub(crate) fn keeps_missing(&self) -> bool {
        self.missing.len() < MAX_RECORDED_ROWS
    }

    /// Whether another extra row would still be kept.
    pub(crate) fn keeps_extra(&self) -> bool {
        self.extra.len() < MAX_RECORDED_ROWS
    }

    /// Whether another changed row would still be kept.
    pub(crate) fn keeps_changed(&self) -> bool {
        self.changed.len() < MAX_RECORDED_ROWS
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn match_needs_no_difference_and_no_error() {
        let mut d = TableDiff {
            rows_source: 3,
            rows_target: 3,
            ..TableDiff::default()
        };
        assert!(d.is_match());
        d.error = Some("stopped".into());
        assert!(!d.is_match());
        let mut d = TableDiff::default();
        for _ in 0..MAX_RECORDED_ROWS + 5 {
            d.add_extra(RowDiff {
                key: String::new(),
                columns: vec![],
                row: None,
                count: 2,
            });
        }
        assert_eq!(d.extra.len(), MAX_RECORDED_ROWS);
        assert_eq!(d.extra_count, 2 * (MAX_RECORDED_ROWS as u64 + 5));
        assert!(!d.is_match());
    }
}
