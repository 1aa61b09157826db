//! Keyless comparison: a table without a usable key is compared as a multiset
//! of rows, in two passes over both sides.
//!
//! ```text
//!  pass 1: row hash ─▶ bucket (top bits) ─▶ ChunkDigest per bucket and side
//!          └─ differing buckets? ── no ──▶ match
//!  pass 2: (both sides re-read) rows of differing buckets only
//!          ─▶ row hash → (count per side, one rendered sample)
//!          ─▶ count differences = missing / extra rows with multiplicity
//! ```
//!
//! Pass 2 memory grows with the rows of the differing buckets, not the table.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use ferry_schema::LogicalType;
use std::collections::HashMap;

use super::diff::{RowDiff, TableDiff};
use super::digest::{check_schema, ChunkDigest, RowHasher};
use super::error::VerifyError;
use super::keyed::Side;
use super::render::render_columns;

/// Buckets per side by default: with 100 M rows, ~24 k rows per bucket to
/// re-read in pass 2 for each differing row.
pub const DEFAULT_BUCKETS: usize = 4096;

/// Upper bound on the bucket count (2^20): more buys nothing but memory.
const MAX_BUCKET_BITS: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    First,
    Second,
}

/// Occurrences of one distinct row in the differing buckets.
struct Tally {
    counts: [u64; 2],
    sample: String,
}

/// Two-pass multiset comparison of one table without a key.
pub struct KeylessDiff {
    hasher: RowHasher,
    logical: Vec<LogicalType>,
    bits: u32,
    pass: Pass,
    buckets: [Vec<ChunkDigest>; 2],
    totals: [ChunkDigest; 2],
    differing: Vec<bool>,
    second_totals: [ChunkDigest; 2],
    tallies: HashMap<u128, Tally>,
    failure: Option<VerifyError>,
}

impl KeylessDiff {
    /// A comparison of batches of `schema`, each column canonicalized by the
    /// target's `logical` type and `zero_sign_matters` flag, with
    /// [`DEFAULT_BUCKETS`] digests per side. Settings that cannot work are
    /// reported by [`KeylessDiff::finish`] (see [`KeyedDiff::new`](super::KeyedDiff::new)).
    pub fn new(schema: SchemaRef, logical: Vec<LogicalType>, zero_sign_matters: Vec<bool>) -> Self {
        Self::with_buckets(schema, logical, zero_sign_matters, DEFAULT_BUCKETS)
    }

    /// Like [`KeylessDiff::new`] with `buckets` digests per side (rounded up to
    /// a power of two, at most 2^20).
    pub fn with_buckets(
        schema: SchemaRef,
        logical: Vec<LogicalType>,
        zero_sign_matters: Vec<bool>,
        buckets: usize,
    ) -> Self {
        let hasher = RowHasher::new(schema.clone(), &logical, &zero_sign_matters);
        let failure = hasher.as_ref().err().cloned();
        let bits = buckets
            .max(1)
            .checked_next_power_of_two()
            .map_or(MAX_BUCKET_BITS, |n| n.trailing_zeros())
            .min(MAX_BUCKET_BITS);
        let count = 1usize << bits;
        KeylessDiff {
            hasher: hasher.unwrap_or_else(|_| RowHasher::empty(schema)),
            logical,
            bits,
            pass: Pass::First,
            buckets: [
                vec![ChunkDigest::default(); count],
                vec![ChunkDigest::default(); count],
            ],
            totals: [ChunkDigest::default(); 2],
            differing: Vec::new(),
            second_totals: [ChunkDigest::default(); 2],
            tallies: HashMap::new(),
            failure,
        }
    }

    /// Adds a source batch to the current pass (any order, any split).
    pub fn push_source(&mut self, batch: RecordBatch) {
        self.push(Side::Source, batch);
    }

    /// Adds a target batch to the current pass (any order, any split).
    pub fn push_target(&mut self, batch: RecordBatch) {
        self.push(Side::Target, batch);
    }

    /// The error that stopped the comparison, if any.
    pub fn error(&self) -> Option<&VerifyError> {
        self.failure.as_ref()
    }

    /// Whether some bucket's digests differ, so the rows must be read a second
    /// time to name them (meaningful once both sides' first pass is pushed).
    pub fn needs_second_pass(&self) -> bool {
        self.failure.is_none()
            && self.buckets[0]
                .iter()
                .zip(&self.buckets[1])
                .any(|(s, t)| s != t)
    }

    /// Ends pass 1. Returns whether a second pass is needed: if so, push both
    /// sides' rows again, then call [`KeylessDiff::finish`]; if not, the
    /// sides match and `finish` can be called at once.
    pub fn start_second_pass(&mut self) -> bool {
        if self.pass == Pass::Second {
            return self.differing.iter().any(|d| *d);
        }
        self.differing = self.buckets[0]
            .iter()
            .zip(&self.buckets[1])
            .map(|(s, t)| s != t)
            .collect();
        self.pass = Pass::Second;
        self.differing.iter().any(|d| *d)
    }

    /// The comparison result. Rows missing or extra are reported with their
    /// multiplicity, sorted by their rendered text.
    pub fn finish(self) -> TableDiff {
        let buckets = self.buckets[0].iter().zip(&self.buckets[1]);
        let mut diff = TableDiff {
            rows_source: self.totals[0].rows,
            rows_target: self.totals[1].rows,
            chunks: count_u64(buckets.clone().filter(|(s, t)| s.rows + t.rows > 0)),
            chunks_differing: count_u64(buckets.filter(|(s, t)| s != t)),
            ..TableDiff::default()
        };
        if let Some(failure) = self.failure {
            diff.error = Some(failure.to_string());
            return diff;
        }
        if diff.chunks_differing == 0 {
            return diff;
        }
        if self.pass == Pass::First {
            diff.error =
                Some("keyless comparison: buckets differ but the second pass was not run".into());
            return diff;
        }
        for (i, side) in [Side::Source, Side::Target].into_iter().enumerate() {
            if self.second_totals[i] != self.totals[i] {
                let err = VerifyError::PassMismatch {
                    side: side_name(side),
                    detail: format!(
                        "{} rows in pass 1, {} in pass 2",
                        self.totals[i].rows, self.second_totals[i].rows
                    ),
                };
                diff.error = Some(err.to_string());
                return diff;
            }
        }
        let mut rows: Vec<Tally> = self
            .tallies
            .into_values()
            .filter(|t| t.counts[0] != t.counts[1])
            .collect();
        rows.sort_unstable_by(|a, b| a.sample.cmp(&b.sample));
        for t in rows {
            let [s, g] = t.counts;
            let row = RowDiff {
                key: String::new(),
                columns: Vec::new(),
                row: Some(t.sample),
                count: s.abs_diff(g),
            };
            if s > g {
                diff.add_missing(row);
            } else {
                diff.add_extra(row);
            }
        }
        diff
    }

    fn push(&mut self, side: Side, batch: RecordBatch) {
        if self.failure.is_some() {
            return;
        }
        if let Err(e) = self.accept(side, batch) {
            self.failure = Some(e);
        }
    }

    fn accept(&mut self, side: Side, batch: RecordBatch) -> Result<(), VerifyError> {
        check_schema(self.hasher.schema(), &batch, side_name(side))?;
        let hashes = self.hasher.hash_batch(&batch)?;
        let i = match side {
            Side::Source => 0,
            Side::Target => 1,
        };
        let shift = 128 - self.bits;
        match self.pass {
            Pass::First => {
                let buckets = &mut self.buckets[i];
                for h in &hashes {
                    if let Some(b) = bucket(*h, shift).and_then(|b| buckets.get_mut(b)) {
                        b.add(*h);
                    }
                    self.totals[i].add(*h);
                }
            }
            Pass::Second => {
                for (row, h) in hashes.iter().enumerate() {
                    self.second_totals[i].add(*h);
                    let differs = bucket(*h, shift)
                        .and_then(|b| self.differing.get(b))
                        .is_some_and(|d| *d);
                    if !differs {
                        continue;
                    }
                    let tally = self.tallies.entry(*h).or_insert_with(|| Tally {
                        counts: [0, 0],
                        sample: render_columns(&batch, row, &self.logical, 0..batch.num_columns()),
                    });
                    tally.counts[i] += 1;
                }
            }
        }
        Ok(())
    }
}

/// The bucket of a row hash: its top `128 - shift` bits.
fn bucket(hash: u128, shift: u32) -> Option<usize> {
    usize::try_from(hash.checked_shr(shift).unwrap_or(0)).ok()
}

fn count_u64<T>(items: impl Iterator<Item = T>) -> u64 {
    u64::try_from(items.count()).unwrap_or(u64::MAX)
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Source => "source",
        Side::Target => "target",
    }
}

#[cfg(test)]
#[path = "keyless_tests.rs"]
mod tests;
