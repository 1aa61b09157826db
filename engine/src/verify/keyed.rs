//! Keyed comparison: both sides arrive in ascending key order and are merged
//! like a sorted-merge join. Equal keys compare row hashes (and, when they
//! differ, column values); a key on one side only is a missing or extra row.
//!
//! Memory stays bounded by the batches in flight: a batch is dropped as soon
//! as the merge has consumed its last row. The orchestration keeps the queues
//! short by pushing the side [`KeyedDiff::waiting_on`] names.

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use ferry_schema::LogicalType;
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::sync::Arc;

use super::diff::{ColumnDiff, RowDiff, TableDiff};
use super::digest::{check_schema, ChunkDigest, RowHasher};
use super::error::VerifyError;
use super::keys::KeyColumns;
use super::render::{render_columns, render_value};

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The database copied from.
    Source,
    /// The database copied to.
    Target,
}

impl Side {
    fn index(self) -> usize {
        match self {
            Side::Source => 0,
            Side::Target => 1,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }
}

/// A pushed batch with its row hashes, keys and merge position.
struct Pending {
    batch: RecordBatch,
    keys: Arc<KeyColumns>,
    hashes: Vec<u128>,
    pos: usize,
}

/// The last row pushed on a side, to check the next batch continues the order.
struct LastKey {
    batch: RecordBatch,
    keys: Arc<KeyColumns>,
    row: usize,
}

/// Streaming comparison of one table with a unique key, read in key order on both sides.
pub struct KeyedDiff {
    hasher: RowHasher,
    key_columns: Vec<usize>,
    logical: Vec<LogicalType>,
    chunk_rows: usize,
    queues: [VecDeque<Pending>; 2],
    last: [Option<LastKey>; 2],
    closed: [bool; 2],
    chunk: [ChunkDigest; 2],
    chunk_positions: usize,
    failure: Option<VerifyError>,
    diff: TableDiff,
}

impl KeyedDiff {
    /// A comparison of batches of `schema` keyed on the columns at `key_columns`,
    /// each column canonicalized by the target's `logical` type and
    /// `zero_sign_matters` flag; chunk digests cover `chunk_rows` merged rows.
    ///
    /// Settings that cannot work (unsupported types, mismatched lengths) do not
    /// fail here: pushes are then refused and [`KeyedDiff::finish`] reports the
    /// error, so the orchestration handles every table the same way.
    pub fn new(
        schema: SchemaRef,
        key_columns: Vec<usize>,
        logical: Vec<LogicalType>,
        zero_sign_matters: Vec<bool>,
        chunk_rows: usize,
    ) -> Self {
        let hasher = RowHasher::new(schema.clone(), &logical, &zero_sign_matters);
        let failure = match &hasher {
            Err(e) => Some(e.clone()),
            Ok(_) if key_columns.is_empty() => Some(VerifyError::Setup {
                detail: "a keyed comparison needs at least one key column".into(),
            }),
            // Refuse key types without a shared order before any data is read.
            Ok(_) => KeyColumns::new(
                &RecordBatch::new_empty(schema.clone()),
                &key_columns,
                &logical,
            )
            .err(),
        };
        KeyedDiff {
            hasher: hasher.unwrap_or_else(|_| RowHasher::empty(schema)),
            key_columns,
            logical,
            chunk_rows: chunk_rows.max(1),
            queues: [VecDeque::new(), VecDeque::new()],
            last: [None, None],
            closed: [false, false],
            chunk: [ChunkDigest::default(); 2],
            chunk_positions: 0,
            failure,
            diff: TableDiff::default(),
        }
    }

    /// Adds the next source batch (keys ascending, continuing the previous batch).
    /// After an error (see [`KeyedDiff::error`]) batches are dropped unread.
    pub fn push_source(&mut self, batch: RecordBatch) {
        self.push(Side::Source, batch);
    }

    /// Adds the next target batch (keys ascending, continuing the previous batch).
    pub fn push_target(&mut self, batch: RecordBatch) {
        self.push(Side::Target, batch);
    }

    /// Marks the source stream as ended: target rows still to come cannot meet
    /// a source row, so they are reported (and dropped) as soon as they arrive.
    pub fn close_source(&mut self) {
        self.close(Side::Source);
    }

    /// Marks the target stream as ended (see [`KeyedDiff::close_source`]).
    pub fn close_target(&mut self) {
        self.close(Side::Target);
    }

    /// The error that stopped the comparison (bad settings, a schema mismatch,
    /// keys out of order), so the orchestration can stop reading early.
    pub fn error(&self) -> Option<&VerifyError> {
        self.failure.as_ref()
    }

    /// The side whose queue is empty, so the merge cannot go on without its next
    /// batch; `None` when both sides have rows queued or both are empty.
    pub fn waiting_on(&self) -> Option<Side> {
        match (self.queues[0].is_empty(), self.queues[1].is_empty()) {
            (true, false) => Some(Side::Source),
            (false, true) => Some(Side::Target),
            _ => None,
        }
    }

    /// Rows pushed but not merged yet, per side (source, target).
    pub fn pending_rows(&self) -> (usize, usize) {
        let rows = |q: &VecDeque<Pending>| q.iter().map(|p| p.hashes.len() - p.pos).sum();
        (rows(&self.queues[0]), rows(&self.queues[1]))
    }

    /// Ends both streams: rows still queued on one side are missing or extra.
    pub fn finish(mut self) -> TableDiff {
        if self.failure.is_none() {
            for side in [Side::Source, Side::Target] {
                while !self.queues[side.index()].is_empty() {
                    self.step_one_side(side);
                }
            }
            if self.chunk_positions > 0 {
                self.close_chunk();
            }
        }
        self.diff.error = self.failure.map(|e| e.to_string());
        self.diff
    }

    fn close(&mut self, side: Side) {
        self.closed[side.index()] = true;
        self.merge();
    }

    fn push(&mut self, side: Side, batch: RecordBatch) {
        if self.failure.is_some() {
            return;
        }
        if let Err(e) = self.accept(side, batch) {
            // Stop for good: any further diff would be built on a broken merge.
            self.failure = Some(e);
            self.queues = [VecDeque::new(), VecDeque::new()];
            self.last = [None, None];
        }
    }

    fn accept(&mut self, side: Side, batch: RecordBatch) -> Result<(), VerifyError> {
        check_schema(self.hasher.schema(), &batch, side.name())?;
        if self.closed[side.index()] {
            return Err(VerifyError::Protocol {
                detail: format!("{} batch pushed after close", side.name()),
            });
        }
        let rows = batch.num_rows();
        if rows == 0 {
            return Ok(());
        }
        let keys = Arc::new(KeyColumns::new(&batch, &self.key_columns, &self.logical)?);
        self.check_order(side, &batch, &keys)?;
        let hashes = self.hasher.hash_batch(&batch)?;
        let counter = match side {
            Side::Source => &mut self.diff.rows_source,
            Side::Target => &mut self.diff.rows_target,
        };
        *counter += u64::try_from(rows).unwrap_or(u64::MAX);
        self.last[side.index()] = Some(LastKey {
            batch: batch.clone(),
            keys: Arc::clone(&keys),
            row: rows - 1,
        });
        self.queues[side.index()].push_back(Pending {
            batch,
            keys,
            hashes,
            pos: 0,
        });
        self.merge();
        Ok(())
    }

    /// Keys must be strictly ascending within the batch and after the last one
    /// pushed on this side: otherwise the merge would pair the wrong rows.
    fn check_order(
        &self,
        side: Side,
        batch: &RecordBatch,
        keys: &KeyColumns,
    ) -> Result<(), VerifyError> {
        let error = |prev_batch: &RecordBatch, prev_row: usize, row: usize| VerifyError::KeyOrder {
            side: side.name(),
            key: self.render_key(batch, row),
            previous: self.render_key(prev_batch, prev_row),
        };
        if let Some(last) = &self.last[side.index()] {
            if last.keys.cmp_rows(last.row, keys, 0) != Ordering::Less {
                return Err(error(&last.batch, last.row, 0));
            }
        }
        for row in 1..batch.num_rows() {
            if keys.cmp_rows(row - 1, keys, row) != Ordering::Less {
                return Err(error(batch, row - 1, row));
            }
        }
        Ok(())
    }

    fn merge(&mut self) {
        loop {
            let (Some(s), Some(t)) = (self.queues[0].front(), self.queues[1].front()) else {
                // A closed side will send nothing more: the other side's rows
                // are unmatched now, and holding them would grow memory.
                for side in [Side::Source, Side::Target] {
                    let other = 1 - side.index();
                    if self.closed[other] && self.failure.is_none() {
                        while !self.queues[side.index()].is_empty() {
                            self.step_one_side(side);
                        }
                    }
                }
                return;
            };
            match s.keys.cmp_rows(s.pos, &t.keys, t.pos) {
                Ordering::Less => self.step_one_side(Side::Source),
                Ordering::Greater => self.step_one_side(Side::Target),
                Ordering::Equal => self.step_both(),
            }
        }
    }

    /// Consumes the front row of `side` as a row the other side lacks.
    fn step_one_side(&mut self, side: Side) {
        let Some(p) = self.queues[side.index()].front() else {
            return;
        };
        let (row, hash) = (p.pos, p.hashes.get(p.pos).copied().unwrap_or_default());
        let keep = match side {
            Side::Source => self.diff.keeps_missing(),
            Side::Target => self.diff.keeps_extra(),
        };
        let diff = RowDiff {
            key: if keep {
                self.render_key(&p.batch, row)
            } else {
                String::new()
            },
            columns: Vec::new(),
            row: keep
                .then(|| render_columns(&p.batch, row, &self.logical, 0..p.batch.num_columns())),
            count: 1,
        };
        match side {
            Side::Source => self.diff.add_missing(diff),
            Side::Target => self.diff.add_extra(diff),
        }
        self.chunk[side.index()].add(hash);
        self.advance(side);
        self.count_position();
    }

    /// Consumes the front rows of both sides, which have equal keys.
    fn step_both(&mut self) {
        let (Some(s), Some(t)) = (self.queues[0].front(), self.queues[1].front()) else {
            return;
        };
        let hs = s.hashes.get(s.pos).copied().unwrap_or_default();
        let ht = t.hashes.get(t.pos).copied().unwrap_or_default();
        if hs != ht {
            self.diff.changed_count += 1;
            if self.diff.keeps_changed() {
                let changed = RowDiff {
                    key: self.render_key(&s.batch, s.pos),
                    columns: self.column_diffs(s, t),
                    row: None,
                    count: 1,
                };
                self.diff.changed.push(changed);
            }
        }
        self.chunk[0].add(hs);
        self.chunk[1].add(ht);
        self.advance(Side::Source);
        self.advance(Side::Target);
        self.count_position();
    }

    /// The columns whose canonical values differ between two rows of equal key.
    fn column_diffs(&self, s: &Pending, t: &Pending) -> Vec<ColumnDiff> {
        // Both batches passed the schema check when pushed, so these succeed.
        let (Ok(sc), Ok(tc)) = (self.hasher.columns(&s.batch), self.hasher.columns(&t.batch))
        else {
            return Vec::new();
        };
        let schema = self.hasher.schema();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let mut out = Vec::new();
        for (i, (x, y)) in sc.iter().zip(&tc).enumerate() {
            x.write(s.pos, &mut a);
            y.write(t.pos, &mut b);
            if a != b {
                out.push(self.column_diff(i, schema, s, t));
            }
        }
        out
    }

    fn column_diff(&self, col: usize, schema: &SchemaRef, s: &Pending, t: &Pending) -> ColumnDiff {
        let ty = self
            .logical
            .get(col)
            .cloned()
            .unwrap_or(LogicalType::Unsupported {
                type_name: String::new(),
            });
        let render = |p: &Pending| {
            p.batch
                .columns()
                .get(col)
                .map_or_else(String::new, |a| render_value(a, p.pos, &ty))
        };
        ColumnDiff {
            name: schema
                .fields()
                .get(col)
                .map_or_else(String::new, |f| f.name().clone()),
            source: render(s),
            target: render(t),
        }
    }

    fn advance(&mut self, side: Side) {
        let queue = &mut self.queues[side.index()];
        if let Some(p) = queue.front_mut() {
            p.pos += 1;
            if p.pos >= p.hashes.len() {
                queue.pop_front();
            }
        }
    }

    fn count_position(&mut self) {
        self.chunk_positions += 1;
        if self.chunk_positions >= self.chunk_rows {
            self.close_chunk();
        }
    }

    fn close_chunk(&mut self) {
        self.diff.chunks += 1;
        if self.chunk[0] != self.chunk[1] {
            self.diff.chunks_differing += 1;
        }
        self.chunk = [ChunkDigest::default(); 2];
        self.chunk_positions = 0;
    }

    fn render_key(&self, batch: &RecordBatch, row: usize) -> String {
        render_columns(batch, row, &self.logical, self.key_columns.iter().copied())
    }
}

#[cfg(test)]
#[path = "keyed_tests.rs"]
mod tests;
