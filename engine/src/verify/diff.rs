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

    /// Adds the comparison of another part of the same table, compared after
    /// this one: counts add up, rows are kept in order while under the caps,
    /// and the first error stays.
    pub fn absorb(&mut self, part: TableDiff) {
        self.rows_source += part.rows_source;
        self.rows_target += part.rows_target;
        self.chunks += part.chunks;
        self.chunks_differing += part.chunks_differing;
        self.missing_count += part.missing_count;
        self.extra_count += part.extra_count;
        self.changed_count += part.changed_count;
        let keep = |kept: &mut Vec<RowDiff>, more: Vec<RowDiff>| {
            let room = MAX_RECORDED_ROWS.saturating_sub(kept.len());
            kept.extend(more.into_iter().take(room));
        };
        keep(&mut self.missing, part.missing);
        keep(&mut self.extra, part.extra);
        keep(&mut self.changed, part.changed);
        if self.error.is_none() {
            self.error = part.error;
        }
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
    fn absorbing_parts_adds_counts_and_caps_the_kept_rows() {
        let row = |key: &str| RowDiff {
            key: key.into(),
            columns: Vec::new(),
            row: None,
            count: 1,
        };
        let part = |missing: usize, first: &str| {
            let mut d = TableDiff {
                rows_source: 10,
                rows_target: 9,
                chunks: 2,
                chunks_differing: 1,
                ..TableDiff::default()
            };
            for i in 0..missing {
                d.add_missing(row(&format!("{first}{i}")));
            }
            d
        };
        let mut whole = part(MAX_RECORDED_ROWS - 1, "a");
        whole.absorb(part(3, "b"));
        let mut failed = part(0, "c");
        failed.error = Some("part 3 stopped".into());
        whole.absorb(failed);
        whole.absorb(TableDiff {
            error: Some("later".into()),
            ..TableDiff::default()
        });
        assert_eq!(whole.rows_source, 30);
        assert_eq!(whole.rows_target, 27);
        assert_eq!((whole.chunks, whole.chunks_differing), (6, 3));
        assert_eq!(whole.missing_count, MAX_RECORDED_ROWS as u64 + 2);
        assert_eq!(whole.missing.len(), MAX_RECORDED_ROWS);
        // The kept rows stay in part order: the first of part two fills the cap.
        assert_eq!(whole.missing.last().map(|r| r.key.as_str()), Some("b0"));
        assert_eq!(whole.error.as_deref(), Some("part 3 stopped"));
        assert!(!whole.is_match());
    }

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
