//! The copy pipeline for one table:
//!
//! ```text
//! reader task ──mpsc(1)──▶ convert (blocking thread: casts on rayon) ──feed(4 batches, 16 MiB)──▶ writer task
//! ```
//!
//! Both channels are bounded, so a table's copy holds at most about seven
//! batches at once (one being read, one handed over, one converting, four
//! queued, one being written), and no more than 16 MiB of them queued,
//! whatever the table's size. Batches end at `ReadOptions::batch_bytes`, but
//! a row holding a large value is a batch of its own: the feed's byte bound
//! then keeps one such batch queued instead of four.
//!
//! Values longer than `--lob-pieces-over` arrive as piece batches after the
//! table's rows, on the same channels (`ferry_connectors::pieces`); the
//! conversion relabels them for the target instead of casting them, and
//! passes on the flag column that marks the rows whose pieces follow.

use crate::cast::cast_array;
use crate::pieces::PieceRoutes;
use crate::plan::TablePlan;
use crate::progress::TableProgress;
use crate::{EngineError, Result};
use arrow_array::{ArrayRef, RecordBatch};
use ferry_connectors::pieces::{flagged_schema, long_rows};
use ferry_connectors::{
    batch_bytes, batch_channel_within, pieces_of, BatchFeeder, ConnectorError, ReadOptions, Source,
    Target, WriteOptions, WriteStats,
};
use rayon::prelude::*;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Batches queued for the writer.
pub const QUEUE_DEPTH: usize = 4;

/// Bytes of batch data queued for the writer (a larger batch goes alone).
pub const QUEUE_BYTES: usize = 16 << 20;

/// What one table's copy produced.
#[derive(Debug, Clone, Copy, Default)]
pub struct CopyOutcome {
    /// Rows the reader produced.
    pub rows_read: u64,
    /// What the writer loaded.
    pub written: WriteStats,
}

/// Copies one table, or the part of it in `options.key_range`, from `source`
/// to `target` (which already has the table), in one writer transaction that
/// also runs `record` (the run ledger's note of this part) before it commits.
pub async fn copy_table(
    source: Arc<dyn Source>,
    target: Arc<dyn Target>,
    plan: Arc<TablePlan>,
    options: ReadOptions,
    record: Vec<String>,
    mut progress: TableProgress,
) -> Result<CopyOutcome> {
    // A table copied whole (not split) that is not appended to was created
    // by this run and has no other writer.
    let sole_writer = options.key_range.is_none() && !plan.append;
    // The reader hands batches over one at a time; the queue is the feed's.
    let (read_tx, mut read_rx) = mpsc::channel::<RecordBatch>(1);
    let (feeder, write_rx) = batch_channel_within(QUEUE_DEPTH, QUEUE_BYTES);

    let reader = {
        let (source, plan) = (Arc::clone(&source), Arc::clone(&plan));
        tokio::spawn(async move { source.read_table(&plan.source, options, read_tx).await })
    };
    let convert = {
        let plan = Arc::clone(&plan);
        tokio::task::spawn_blocking(move || -> Result<(TableProgress, BatchFeeder)> {
            let schema = plan.target.arrow_schema();
            let flagged = flagged_schema(&schema);
            let routes = PieceRoutes::new(&plan);
            while let Some(batch) = read_rx.blocking_recv() {
                let bytes = u64::try_from(batch_bytes(&batch)).unwrap_or(u64::MAX);
                let (rows, converted) = match pieces_of(&batch) {
                    // Pieces of long values: bytes, not rows.
                    Some(column) => (0, routes.convert(&plan, &column, &batch)?),
                    None => (
                        u64::try_from(batch.num_rows()).unwrap_or(u64::MAX),
                        convert_batch(&plan, &batch, &schema, &flagged)?,
                    ),
                };
                if feeder.blocking_send(converted).is_err() {
                    // The writer stopped; its own error explains why.
                    break;
                }
                progress.batch(rows, bytes);
            }
            Ok((progress, feeder))
        })
    };
    // The writer commits only if the feed is finished, which happens only when
    // the reader and the conversion both succeeded; any failure drops the
    // feeder instead and the writer rolls the table back.
    let feed = async {
        let converted = convert.await.map_err(|e| internal(&plan, e));
        let read = reader.await.map_err(|e| internal(&plan, e));
        let rows_read = read??;
        let (progress, feeder) = converted??;
        // An error here means the writer already stopped: its result says why.
        let _ = feeder.finish().await;
        Ok::<_, EngineError>((rows_read, progress))
    };
    let (written, fed) = tokio::join!(
        target.write_table_with(
            &plan.target,
            write_rx,
            WriteOptions {
                record: &record,
                sole_writer,
            }
        ),
        feed
    );
    // The reader's error comes first: the writer's "cancelled" is only a symptom.
    let (rows_read, progress) = fed?;
    match written {
        Ok(written) => {
            progress.finish(written.rows, true);
            Ok(CopyOutcome { rows_read, written })
        }
        Err(e) => {
            progress.finish(0, false);
            Err(e.into())
        }
    }
}

fn internal(plan: &TablePlan, e: impl std::fmt::Display) -> EngineError {
    EngineError::Internal {
        table: plan.source.name.clone(),
        detail: e.to_string(),
    }
}

/// Casts the columns whose type changed and relabels the batch with the
/// target schema, `schema`; a batch ending with the long-row flag keeps it,
/// as `flagged` (`ferry_connectors::pieces::long_rows`).
fn convert_batch(
    plan: &TablePlan,
    batch: &RecordBatch,
    schema: &arrow_schema::SchemaRef,
    flagged: &arrow_schema::SchemaRef,
) -> Result<RecordBatch> {
    let columns: Vec<Result<ArrayRef>> = batch
        .columns()
        .par_iter()
        .zip(plan.casts.par_iter())
        .enumerate()
        .map(|(i, (array, cast))| match cast {
            None => Ok(Arc::clone(array)),
            Some(to) => cast_array(array, to).map_err(|e| {
                let column = plan
                    .source
                    .copied_columns()
                    .nth(i)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                EngineError::Connector(ConnectorError::Data {
                    table: plan.source.name.clone(),
                    column,
                    detail: match e.row {
                        Some(r) => format!("{} (row {} of a batch)", e.detail, r + 1),
                        None => e.detail,
                    },
                })
            }),
        })
        .collect();
    let mut columns = columns.into_iter().collect::<Result<Vec<_>>>()?;
    let schema = match long_rows(batch) {
        Some(flags) => {
            columns.push(Arc::new(flags.clone()));
            flagged
        }
        None => schema,
    };
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(|e| internal(plan, e))
}
