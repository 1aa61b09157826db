//! `ferry verify` (and the last stage of `ferry migrate`): reads each table
//! from both sides in key order, in parallel and streaming, casts the source's
//! columns to the target's types the way the migration did, and hands both
//! streams to the comparison core in [`crate::verify`].
//!
//! ```text
//! source reader (ordered by key) ─queue─┐
//!                                       ├─▶ blocking thread: cast + KeyedDiff (hashing; rayon past 2,048 rows)
//! target reader (ordered by key) ─queue─┘
//! ```
//! Each queue holds at most 4 batches and 16 MiB ([`read_side`]), so a
//! table of large values is compared with one or two of them per side in
//! memory, not four.
//! A large table with an integer-led key is compared in key ranges, each
//! range a work unit of its own ([`crate::verify_parts`]); the report lists
//! the ranges that differ. A table without a key is compared as a multiset
//! (two passes when the first finds differing buckets). A problem with one
//! table (missing on a side, a missing column, an incompatible type) is
//! reported for that table and the others are still verified.

use crate::cast::cast_array;
use crate::part_snapshot::{Joined, PartSnapshot};
use crate::plan::{Plan, TablePlan};
use crate::progress::Progress;
use crate::report::{PartVerify, TableVerify, VerifyReport};
use crate::verify::{digest_long_values, KeyedDiff, KeylessDiff, Side, TableDiff};
use crate::verify_parts::{verify_parts, VerifyPart};
use arrow_array::RecordBatch;
use arrow_schema::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use ferry_connectors::digests::digest_threshold;
use ferry_connectors::pieces::can_exceed;
use ferry_connectors::{
    batch_channel_within, BatchReceiver, Digests, ReadOptions, SnapshotId, Source,
};
use ferry_schema::{Dialect, LogicalType, PrimaryKey, Schema, Table};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, Semaphore};

/// How much verification to do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum, Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum VerifyLevel {
    /// No row-by-row comparison (the migration still compares row counts).
    None,
    /// Row counts on both sides only (what the migration always does).
    Count,
    /// Every row compared by canonical hash, differences down to the column.
    #[default]
    Full,
}

/// Rows per chunk digest.
const CHUNK_ROWS: usize = 10_000;

/// Rows per batch a verification reads unless told otherwise (a migration's
/// copy reads 8,192). Measured on SF1 lineitem, MariaDB against PostgreSQL:
/// less of ferry's CPU than 8,192-row batches in every interleaved triple
/// (about 10%), less system time, and half the peak RSS (docs/benchmarks.md,
/// ninth session). The MariaDB reader alone is not faster with them, so the
/// gain is in the comparison, which touches each batch again: the likely
/// reasons, not isolated, are that a 2,048-row batch (the hashing's chunk)
/// is still in cache when it is hashed, and that its arrays come from memory
/// malloc keeps rather than fresh pages.
pub const VERIFY_BATCH_ROWS: usize = 2048;

/// How much of the machine a verification uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyLimits {
    /// Tables (or parts of tables) compared at once.
    pub jobs: usize,
    /// Rows per batch read.
    pub batch_rows: usize,
    /// Compare tables with more rows than this in key ranges (0: never).
    pub split_larger_than: u64,
    /// Compare text and byte values longer than this many bytes by a digest
    /// each server computes, so they are never read whole (0: read every
    /// value whole). See [`ferry_connectors::digests`].
    pub long_over: u32,
}

/// Verifies the tables of `plan` between `source` and `target` (opened as
/// sources). `target_schema` is the target's catalog as it is now.
pub async fn verify_plan(
    source: Arc<dyn Source>,
    target: Arc<dyn Source>,
    plan: &Plan,
    target_schema: &Schema,
    limits: VerifyLimits,
    progress: &Progress,
) -> VerifyReport {
    let started = Instant::now();
    // Each comparison (a whole table, or one part of one) holds a permit while
    // it reads; a table planning its parts holds one too, then lets it go.
    let semaphore = Arc::new(Semaphore::new(limits.jobs.max(1)));
    let mut handles = Vec::new();
    for t in &plan.tables {
        let (source, target) = (Arc::clone(&source), Arc::clone(&target));
        let table = Arc::new(t.clone());
        let actual = target_schema.table(&t.target.name).cloned();
        let semaphore = Arc::clone(&semaphore);
        let target_dialect = plan.target_dialect;
        handles.push(tokio::spawn(async move {
            let sides = (source, target, semaphore);
            verify_table(sides, table, actual, target_dialect, limits).await
        }));
    }
    let mut tables = Vec::new();
    for (h, t) in handles.into_iter().zip(&plan.tables) {
        let result = h.await.unwrap_or_else(|e| TableVerify {
            source_table: t.source.name.clone(),
            target_table: t.target.name.clone(),
            status: "ERROR".into(),
            error: Some(format!("the verification task stopped: {e}")),
            ..TableVerify::default()
        });
        let mut result = result;
        // Lossy columns are compared after the same conversion the copy made.
        for l in plan.lossy.iter().filter(|l| l.table == t.source.name) {
            result.warnings.push(format!(
                "column {} compared after its lossy conversion {} -> {} ({})",
                l.column, l.from, l.to, l.reason
            ));
        }
        progress.log(&format!(
            "verified {}: {}",
            result.target_table, result.status
        ));
        tables.push(result);
    }
    let ok = tables.iter().all(|t| t.status == "PASS");
    VerifyReport {
        level: Some(VerifyLevel::Full),
        tables,
        seconds: started.elapsed().as_secs_f64(),
        ok,
    }
}

/// The two sides and the permits comparisons take.
type Endpoints = (Arc<dyn Source>, Arc<dyn Source>, Arc<Semaphore>);

async fn verify_table(
    endpoints: Endpoints,
    plan: Arc<TablePlan>,
    actual: Option<Table>,
    target_dialect: Dialect,
    limits: VerifyLimits,
) -> TableVerify {
    let started = Instant::now();
    let mut result = TableVerify {
        source_table: plan.source.name.clone(),
        target_table: plan.target.name.clone(),
        ..TableVerify::default()
    };
    let outcome = match actual {
        None => Err(format!(
            "table {} does not exist on the target. Migrate it first, or leave it out with --exclude.",
            plan.target.name
        )),
        Some(actual) => {
            full_table(endpoints, &plan, actual, target_dialect, limits, &mut result).await
        }
    };
    match outcome {
        Ok(()) => {
            let matched = result.diff.as_ref().is_some_and(|d| d.is_match());
            result.status = if matched { "PASS" } else { "FAIL" }.into();
        }
        Err(e) => {
            result.status = "ERROR".into();
            result.error = Some(e);
        }
    }
    result.seconds = started.elapsed().as_secs_f64();
    result
}

/// The target table as it is read for comparison: the plan's copied columns,
/// looked up by name in the target's catalog, with the plan's key.
fn target_read_model(
    plan: &TablePlan,
    actual: &Table,
    result: &mut TableVerify,
) -> std::result::Result<Table, String> {
    let mut columns = Vec::new();
    for c in plan.target.copied_columns() {
        match actual.column(&c.name) {
            Some(found) => columns.push(found.clone()),
            None => {
                return Err(format!(
                    "column {}.{} is missing on the target. Re-run the migration of this table, or exclude the column in the config file.",
                    plan.target.name, c.name
                ))
            }
        }
    }
    let mut model = Table::new(actual.name.clone(), columns);
    // Generated columns on the target are read as plain values for comparison.
    for c in &mut model.columns {
        c.generated = None;
    }
    let key = plan.target.verify_key().map(<[String]>::to_vec);
    if let Some(key) = &key {
        if actual.verify_key().map(<[String]>::to_vec).as_ref() != Some(key) {
            result.warnings.push(format!(
                "the target has no primary or unique key on ({}); rows were matched on those columns anyway",
                key.join(", ")
            ));
        }
        model.primary_key = Some(PrimaryKey {
            name: None,
            columns: key.clone(),
        });
    }
    Ok(model)
}

async fn full_table(
    (source, target, semaphore): Endpoints,
    plan: &TablePlan,
    actual: Table,
    target_dialect: Dialect,
    limits: VerifyLimits,
    result: &mut TableVerify,
) -> std::result::Result<(), String> {
    let permit = Arc::clone(&semaphore)
        .acquire_owned()
        .await
        .map_err(|e| e.to_string())?;
    let target_model = target_read_model(plan, &actual, result)?;
    // The plan's target types are what the source is cast to; the target's
    // own arrays are cast to them too when its catalog says otherwise.
    let plan_types: Vec<DataType> = plan
        .target
        .copied_columns()
        .map(|c| c.logical_type.arrow_type())
        .collect();
    let logical: Vec<_> = plan
        .target
        .copied_columns()
        .map(|c| c.logical_type.clone())
        .collect();
    let names: Vec<String> = plan
        .target
        .copied_columns()
        .map(|c| c.name.clone())
        .collect();
    let schema: SchemaRef = Arc::new(ArrowSchema::new(
        names
            .iter()
            .zip(&plan_types)
            .map(|(n, t)| Field::new(n.clone(), t.clone(), true))
            .collect::<Vec<_>>(),
    ));
    // MySQL stores -0.0 as 0: the sign of zero only counts where the target keeps it.
    let zero_sign_matters = vec![target_dialect != Dialect::MySql; names.len()];
    if target_dialect == Dialect::MySql
        && logical.iter().any(|l| {
            matches!(
                l,
                ferry_schema::LogicalType::Float32 | ferry_schema::LogicalType::Float64
            )
        })
    {
        result
            .warnings
            .push("floats compared with -0.0 equal to 0.0: MySQL stores both as 0".into());
    }
    let key_positions: Option<Vec<usize>> = plan.target.verify_key().map(|key| {
        key.iter()
            .filter_map(|k| names.iter().position(|n| n == k))
            .collect()
    });

    let mut source_model = plan.source.clone();
    for c in &mut source_model.columns {
        if plan.target.column(&c.name).is_some() && c.generated.is_some() {
            c.generated = None;
        }
    }
    let options = ReadOptions {
        batch_rows: limits.batch_rows,
        order_by_key: key_positions.is_some(),
        ..ReadOptions::default()
    };
    let target_casts: Vec<Option<DataType>> = target_model
        .copied_columns()
        .zip(&plan_types)
        .map(|(c, t)| (c.logical_type.arrow_type() != *t).then(|| t.clone()))
        .collect();
    let long = DigestedColumns::of(&logical, key_positions.as_deref(), limits.long_over);
    let source_options = ReadOptions {
        digests: long.digests(&source_model, &plan.casts),
        ..options.clone()
    };
    let target_options = ReadOptions {
        digests: long.digests(&target_model, &target_casts),
        ..options
    };

    let sides = Sides {
        source,
        target,
        source_model,
        target_model,
        source_casts: plan.casts.clone(),
        target_casts,
        schema: Arc::clone(&schema),
        long,
        source_options,
        target_options,
    };
    match key_positions {
        Some(key) => {
            result.method = "key".into();
            result.key = key.iter().map(|&i| names[i].clone()).collect();
            let parts = verify_parts(
                &*sides.source,
                plan,
                limits.split_larger_than,
                &mut result.warnings,
            )
            .await
            .map_err(|e| e.to_string())?;
            let new_diff = move || {
                KeyedDiff::new(
                    Arc::clone(&schema),
                    key.clone(),
                    logical.clone(),
                    zero_sign_matters.clone(),
                    CHUNK_ROWS,
                )
            };
            if parts.len() <= 1 {
                result.diff = Some(sides.stream(new_diff()).await?.finish());
            } else {
                // The parts take permits of their own.
                drop(permit);
                let ranges = PartRanges {
                    parts,
                    dialect: target_dialect,
                    jobs: limits.jobs,
                };
                compare_parts(sides, ranges, new_diff, &semaphore, result).await?;
            }
        }
        None => {
            result.method = "multiset".into();
            let diff = KeylessDiff::new(schema, logical, zero_sign_matters);
            let mut diff = sides.stream(diff).await?;
            // Only buckets whose digests differ are read again, to name the rows.
            if diff.needs_second_pass() {
                diff.start_second_pass();
                diff = sides.stream(diff).await?;
            }
            result.diff = Some(diff.finish());
        }
    }
    Ok(())
}

/// Where the batches of both sides go.
trait Sink: Send + 'static {
    fn push(&mut self, side: Side, batch: RecordBatch);
    /// The side's stream ended.
    fn close(&mut self, _side: Side) {}
    /// The side the comparison cannot go on without, if any.
    fn waiting_on(&self) -> Option<Side> {
        None
    }
}

impl Sink for KeyedDiff {
    fn push(&mut self, side: Side, batch: RecordBatch) {
        match side {
            Side::Source => self.push_source(batch),
            Side::Target => self.push_target(batch),
        }
    }

    /// Lets the merge settle the other side's remaining rows at once instead of
    /// holding them until the end (an empty target would otherwise hold the source).
    fn close(&mut self, side: Side) {
        match side {
            Side::Source => self.close_source(),
            Side::Target => self.close_target(),
        }
    }

    fn waiting_on(&self) -> Option<Side> {
        KeyedDiff::waiting_on(self)
    }
}

impl Sink for KeylessDiff {
    fn push(&mut self, side: Side, batch: RecordBatch) {
        match side {
            Side::Source => self.push_source(batch),
            Side::Target => self.push_target(batch),
        }
    }
}

/// A table's key ranges, the dialect the report spells them in, and how many
/// can be compared at once.
struct PartRanges {
    parts: Vec<VerifyPart>,
    dialect: Dialect,
    jobs: usize,
}

/// Compares each part of a table as its own work unit (each side read at one
/// point in time where it can share a snapshot), then adds the parts up into
/// the table's result, with one report entry per part.
async fn compare_parts(
    sides: Sides,
    ranges: PartRanges,
    new_diff: impl Fn() -> KeyedDiff,
    semaphore: &Arc<Semaphore>,
    result: &mut TableVerify,
) -> std::result::Result<(), String> {
    let count = ranges.parts.len();
    // Each side's snapshot is begun when the first part starts (so a table
    // waiting for permits holds no session), and ends with the last part.
    let snapshot = |s: &Arc<dyn Source>, table: &Table| {
        Arc::new(PartSnapshot::new(
            Arc::clone(s),
            table.clone(),
            count,
            ranges.jobs,
        ))
    };
    let source_snapshot = snapshot(&sides.source, &sides.source_model);
    let target_snapshot = snapshot(&sides.target, &sides.target_model);
    let handles: Vec<_> = ranges
        .parts
        .iter()
        .map(|part| {
            let part = part.clone();
            let sides = sides.clone();
            let diff = new_diff();
            let semaphore = Arc::clone(semaphore);
            let snapshots = (Arc::clone(&source_snapshot), Arc::clone(&target_snapshot));
            tokio::spawn(async move {
                let _permit = semaphore.acquire_owned().await;
                let (on_source, on_target) = snapshots;
                let compared = async {
                    // The joined snapshots stay held until this part is read.
                    let (source, target) = tokio::try_join!(
                        joined("source", &on_source),
                        joined("target", &on_target)
                    )?;
                    let sides = sides.for_part(&part, source.id(), target.id());
                    sides.stream(diff).await.map(KeyedDiff::finish)
                }
                .await;
                on_source.part_ended().await;
                on_target.part_ended().await;
                compared
            })
        })
        .collect();
    let mut whole = TableDiff::default();
    let mut first_error = None;
    for (i, (handle, part)) in handles.into_iter().zip(&ranges.parts).enumerate() {
        let range = part
            .target
            .as_ref()
            .and_then(|r| r.condition(ranges.dialect))
            .unwrap_or_default();
        let mut entry = PartVerify {
            part: i + 1,
            range,
            ..PartVerify::default()
        };
        match handle.await.map_err(|e| e.to_string()).and_then(|r| r) {
            Ok(diff) => {
                entry.status = match (diff.is_match(), &diff.error) {
                    (true, _) => "PASS",
                    (false, None) => "FAIL",
                    (false, Some(_)) => "ERROR",
                }
                .into();
                entry.rows_source = diff.rows_source;
                entry.rows_target = diff.rows_target;
                entry.missing_count = diff.missing_count;
                entry.extra_count = diff.extra_count;
                entry.changed_count = diff.changed_count;
                entry.error.clone_from(&diff.error);
                whole.absorb(diff);
            }
            Err(e) => {
                first_error.get_or_insert_with(|| {
                    format!("part {}/{count} ({}): {e}", i + 1, entry.range)
                });
                entry.status = "ERROR".into();
                entry.error = Some(e);
            }
        }
        result.parts.push(entry);
    }
    result.diff = Some(whole);
    first_error.map_or(Ok(()), Err)
}

/// A part's share of one side's snapshot; a side that cannot share one is
/// read in a snapshot per part, which the comparison of a quiet pair of
/// databases does not need.
async fn joined(
    side: &'static str,
    snapshot: &PartSnapshot,
) -> std::result::Result<Joined, String> {
    snapshot
        .join()
        .await
        .map_err(|e| format!("opening a snapshot on the {side}: {e}"))
}

/// Everything needed to read one table (or one part of it) from both sides.
#[derive(Clone)]
struct Sides {
    source: Arc<dyn Source>,
    target: Arc<dyn Source>,
    source_model: Table,
    target_model: Table,
    source_casts: Vec<Option<DataType>>,
    target_casts: Vec<Option<DataType>>,
    schema: SchemaRef,
    long: DigestedColumns,
    source_options: ReadOptions,
    target_options: ReadOptions,
}

impl Sides {
    /// The same sides reading only `part`, in the given snapshots.
    fn for_part(
        &self,
        part: &VerifyPart,
        source_snapshot: Option<SnapshotId>,
        target_snapshot: Option<SnapshotId>,
    ) -> Sides {
        let mut sides = self.clone();
        sides.source_options.key_range.clone_from(&part.source);
        sides.source_options.snapshot = source_snapshot;
        sides.target_options.key_range.clone_from(&part.target);
        sides.target_options.snapshot = target_snapshot;
        sides
    }

    /// Reads both sides at once and feeds `sink` on a blocking thread, taking
    /// the next batch from the side the comparison is waiting on (in turn when
    /// it waits on neither), so the two key ranges advance together and the
    /// comparison holds about one batch of the side that is ahead.
    async fn stream<S: Sink>(&self, mut sink: S) -> std::result::Result<S, String> {
        let (mut srx, source_read) = read_side(
            Arc::clone(&self.source),
            self.source_model.clone(),
            self.source_options.clone(),
        );
        let (mut trx, target_read) = read_side(
            Arc::clone(&self.target),
            self.target_model.clone(),
            self.target_options.clone(),
        );
        let (schema, scasts, tcasts, long) = (
            Arc::clone(&self.schema),
            self.source_casts.clone(),
            self.target_casts.clone(),
            self.long.clone(),
        );
        let conform = move |b: &RecordBatch, casts: &[Option<DataType>], side: &str| {
            conform(b, casts, &schema, side).map(|b| long.digest(b))
        };
        let consumer = tokio::task::spawn_blocking(move || -> std::result::Result<S, String> {
            let (mut s_open, mut t_open) = (true, true);
            let mut turn = Side::Source;
            while s_open || t_open {
                // The side the comparison is stuck on goes first; otherwise
                // the sides take turns. Strict turns would let a side whose
                // batches cover fewer keys fall behind, and the other side's
                // batches pile up in the comparison.
                let side = match (sink.waiting_on(), s_open, t_open) {
                    (Some(Side::Source), true, _) => Side::Source,
                    (Some(Side::Target), _, true) => Side::Target,
                    (_, true, false) => Side::Source,
                    (_, false, true) => Side::Target,
                    _ => turn,
                };
                turn = match side {
                    Side::Source => Side::Target,
                    Side::Target => Side::Source,
                };
                let (rx, casts, open, name) = match side {
                    Side::Source => (&mut srx, &scasts, &mut s_open, "source"),
                    Side::Target => (&mut trx, &tcasts, &mut t_open, "target"),
                };
                match rx.blocking_recv() {
                    Some(b) => sink.push(side, conform(&b, casts, name)?),
                    None => {
                        *open = false;
                        sink.close(side);
                    }
                }
            }
            Ok(sink)
        });
        let consumed = consumer.await.map_err(|e| e.to_string())?;
        let (s, t) = (source_read.await, target_read.await);
        s.map_err(|e| e.to_string())?
            .map_err(|e| format!("reading the source: {e}"))?;
        t.map_err(|e| e.to_string())?
            .map_err(|e| format!("reading the target: {e}"))?;
        consumed
    }
}

/// Batches queued per side between its reader and the comparison: a few
/// batches of ordinary rows, one or two of large values.
const SIDE_QUEUE_DEPTH: usize = 4;
const SIDE_QUEUE_BYTES: usize = 16 << 20;

/// Reads one side on a task of its own into a queue bounded in batches and
/// in bytes ([`SIDE_QUEUE_DEPTH`], [`SIDE_QUEUE_BYTES`]). The reader hands
/// its batches over one at a time; when the comparison stops taking them, the
/// hand-over stops and the reader ends early.
fn read_side(
    side: Arc<dyn Source>,
    model: Table,
    options: ReadOptions,
) -> (
    BatchReceiver,
    tokio::task::JoinHandle<ferry_connectors::Result<u64>>,
) {
    let (tx, mut rx) = mpsc::channel::<RecordBatch>(1);
    let (feeder, queue) = batch_channel_within(SIDE_QUEUE_DEPTH, SIDE_QUEUE_BYTES);
    let read = tokio::spawn(async move {
        let hand_over = async move {
            while let Some(batch) = rx.recv().await {
                if feeder.send(batch).await.is_err() {
                    return;
                }
            }
            // The comparison tells a side's end by the queue closing, finished
            // or not; a failed read is reported from this task's result.
            let _ = feeder.finish().await;
        };
        let (read, ()) = tokio::join!(side.read_table(&model, options, tx), hand_over);
        read
    });
    (queue, read)
}

/// Casts a side's batch to the plan's column types and labels it with `schema`.
fn conform(
    batch: &RecordBatch,
    casts: &[Option<DataType>],
    schema: &SchemaRef,
    side: &str,
) -> std::result::Result<RecordBatch, String> {
    let columns = batch
        .columns()
        .iter()
        .zip(casts)
        .zip(schema.fields())
        .map(|((a, cast), field)| match cast {
            None => Ok(Arc::clone(a)),
            Some(t) => cast_array(a, t).map_err(|e| {
                format!(
                    "the {side} column {} ({}) cannot be compared as {t}: {}",
                    field.name(),
                    a.data_type(),
                    e.detail
                )
            }),
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(|e| e.to_string())
}

/// The columns whose long values are compared by digest, and from how many
/// bytes ([`ferry_connectors::digests`]).
#[derive(Clone, Default)]
struct DigestedColumns {
    /// Positions of the compared text and byte columns outside the key.
    columns: Vec<usize>,
    /// `--lob-pieces-over`: what a server replaces; 0 turns it all off.
    over: u32,
}

impl DigestedColumns {
    /// The text and byte columns among `logical` (the compared types) that
    /// are not in `key` and can hold a value ferry would digest; none when
    /// `over` is 0. A `VARCHAR(44)` is left out, so tables without long
    /// values pay nothing.
    fn of(logical: &[LogicalType], key: Option<&[usize]>, over: u32) -> DigestedColumns {
        let threshold = u32::try_from(digest_threshold(over)).unwrap_or(u32::MAX);
        let columns = (0..logical.len())
            .filter(|i| over > 0 && !key.is_some_and(|k| k.contains(i)))
            .filter(|&i| can_exceed(&logical[i], threshold))
            .collect();
        DigestedColumns { columns, over }
    }

    /// What a side's reader is asked to digest: the columns of `model` at
    /// these positions that the comparison does not cast (a digest text
    /// cast to another type would no longer be one).
    fn digests(&self, model: &Table, casts: &[Option<DataType>]) -> Option<Digests> {
        let copied: Vec<&ferry_schema::Column> = model.copied_columns().collect();
        let columns: Vec<String> = self
            .columns
            .iter()
            .filter(|&&i| casts.get(i).is_some_and(Option::is_none))
            .filter_map(|&i| copied.get(i).map(|c| c.name.clone()))
            .collect();
        (!columns.is_empty()).then_some(Digests {
            over: self.over,
            columns,
        })
    }

    /// `batch` with its long values digested the way the servers do, so a
    /// value one side sent whole meets the other side's digest of it.
    fn digest(&self, batch: RecordBatch) -> RecordBatch {
        if self.columns.is_empty() {
            return batch;
        }
        let threshold = digest_threshold(self.over);
        let mut columns = batch.columns().to_vec();
        let mut changed = false;
        for &i in &self.columns {
            if let Some(c) = columns.get_mut(i) {
                let digested = digest_long_values(c, threshold);
                changed |= !Arc::ptr_eq(c, &digested);
                *c = digested;
            }
        }
        // Most batches hold no long value: they go on as they came.
        if !changed {
            return batch;
        }
        RecordBatch::try_new(batch.schema(), columns).unwrap_or(batch)
    }
}

/// Everything `ferry verify` needs.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Source endpoint.
    pub source: ferry_connectors::Endpoint,
    /// Target endpoint.
    pub target: ferry_connectors::Endpoint,
    /// Tables (or parts of tables) verified at once, rows per batch, and the
    /// size above which a table is compared in key ranges.
    pub limits: VerifyLimits,
    /// Table selection and the config's overrides (renames, excluded columns,
    /// type overrides), so the comparison follows what the migration did.
    pub settings: crate::PlanSettings,
}

/// Runs `ferry verify`: plans the tables as a migration would (without
/// refusing lossy or existing ones), then compares every selected table.
pub async fn verify(options: &VerifyOptions, progress: &Progress) -> crate::Result<VerifyReport> {
    let source: Arc<dyn Source> = Arc::from(ferry_connectors::open_source(&options.source).await?);
    let target: Arc<dyn Source> = Arc::from(ferry_connectors::open_source(&options.target).await?);
    let (source_schema, target_schema) = tokio::join!(source.introspect(), target.introspect());
    let (source_schema, target_schema) = (source_schema?, target_schema?);
    let namespace = match options.target.dialect {
        Dialect::Sqlite => None,
        _ => Some(options.target.namespace().to_string()),
    };
    let settings = crate::PlanSettings {
        allow_lossy: true,
        if_exists: crate::IfExists::Append,
        ..options.settings.clone()
    };
    let existing: Vec<String> = target_schema
        .tables
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let plan = crate::build_plan(
        &source_schema,
        source.dialect(),
        options.target.dialect,
        namespace.as_deref(),
        &existing,
        &settings,
    )?;
    Ok(verify_plan(
        source,
        target,
        &plan,
        &target_schema,
        options.limits,
        progress,
    )
    .await)
}
