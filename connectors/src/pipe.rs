//! A direct copy of one table from a source to a target with no conversion in
//! between: for tests and tools where both sides share one table model. The
//! engine's own pipeline (with casts) lives in `engine/src/copy.rs`.

use crate::{batch_channel, ReadOptions, Result, Source, Target, WriteStats};
use ferry_schema::Table;

/// Reads `table` from `source` and loads it into the same table on `target`.
/// The writer commits only if the whole read succeeded.
pub async fn copy_direct(
    source: &dyn Source,
    target: &dyn Target,
    table: &Table,
    options: ReadOptions,
) -> (Result<u64>, Result<WriteStats>) {
    let (read_tx, mut read_rx) = tokio::sync::mpsc::channel(4);
    let (feeder, write_rx) = batch_channel(4);
    let forward = async move {
        while let Some(batch) = read_rx.recv().await {
            if feeder.send(batch).await.is_err() {
                return None;
            }
        }
        Some(feeder)
    };
    let read_and_forward = async {
        let (read, feeder) = tokio::join!(source.read_table(table, options, read_tx), forward);
        if let (Ok(_), Some(feeder)) = (&read, feeder) {
            // Err means the writer already stopped; its own result says why.
            let _ = feeder.finish().await;
        }
        read
    };
    tokio::join!(read_and_forward, target.write_table(table, write_rx))
}
