//! The channel that feeds a writer: batches, then an explicit end, bounded in
//! batches and, optionally, in bytes.
//!
//! A writer commits only after the feeder called [`BatchFeeder::finish`]; a
//! feeder dropped without finishing (the reader failed, a stage panicked, the
//! run was cancelled) makes the writer roll back instead. So a failed source
//! never leaves a partial table behind, even when appending to an existing one.
//!
//! The byte bound is what keeps wide rows in check: a batch ends at
//! `ReadOptions::batch_bytes`, but a single row holding a 16 MiB value is a
//! batch of 16 MiB, and four of them queued would be 64 MiB per table.

use arrow_array::RecordBatch;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What travels to a writer: batches (with their share of the byte budget,
/// given back when the writer takes them), then an explicit end.
enum Feed {
    Batch(RecordBatch, Option<OwnedSemaphorePermit>),
    End,
}

/// Creates the channel that feeds a writer, holding at most `depth` batches.
pub fn batch_channel(depth: usize) -> (BatchFeeder, BatchReceiver) {
    let (tx, rx) = tokio::sync::mpsc::channel(depth);
    let finished = Arc::new(AtomicBool::new(false));
    let feeder = BatchFeeder { tx, budget: None };
    (feeder, BatchReceiver { rx, finished })
}

/// As [`batch_channel`], also holding at most `max_bytes` of batch data at
/// once (see [`batch_bytes`]). A batch larger than that still goes through,
/// alone, once the channel is empty.
pub fn batch_channel_within(depth: usize, max_bytes: usize) -> (BatchFeeder, BatchReceiver) {
    let (mut feeder, receiver) = batch_channel(depth);
    let max = u32::try_from(max_bytes).unwrap_or(u32::MAX).max(1);
    feeder.budget = Some(Budget {
        bytes: Arc::new(Semaphore::new(usize::try_from(max).unwrap_or(usize::MAX))),
        max,
    });
    (feeder, receiver)
}

/// Bytes of data a batch holds: its slices, not the capacity of the buffers
/// behind them, which a reader may share between batches.
pub fn batch_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| c.to_data().get_slice_memory_size().unwrap_or(0))
        .sum()
}

/// The bytes a channel may hold, as semaphore permits.
#[derive(Debug)]
struct Budget {
    bytes: Arc<Semaphore>,
    max: u32,
}

impl Budget {
    /// Permits for `batch`: its bytes, at most the whole budget.
    fn share(&self, batch: &RecordBatch) -> u32 {
        u32::try_from(batch_bytes(batch))
            .unwrap_or(u32::MAX)
            .min(self.max)
    }
}

/// The engine's side of a writer's channel.
#[derive(Debug)]
pub struct BatchFeeder {
    tx: tokio::sync::mpsc::Sender<Feed>,
    budget: Option<Budget>,
}

/// The writer went away; the batch was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterGone;

impl BatchFeeder {
    /// Sends a batch, waiting while the channel is full.
    pub async fn send(&self, batch: RecordBatch) -> Result<(), WriterGone> {
        let permit = match &self.budget {
            Some(b) => Some(
                Arc::clone(&b.bytes)
                    .acquire_many_owned(b.share(&batch))
                    .await
                    .map_err(|_| WriterGone)?,
            ),
            None => None,
        };
        self.tx
            .send(Feed::Batch(batch, permit))
            .await
            .map_err(|_| WriterGone)
    }

    /// [`BatchFeeder::send`] from a blocking thread (one of tokio's blocking
    /// pool, which may wait on the runtime).
    pub fn blocking_send(&self, batch: RecordBatch) -> Result<(), WriterGone> {
        let permit = match &self.budget {
            Some(b) => {
                let wanted = Arc::clone(&b.bytes).acquire_many_owned(b.share(&batch));
                Some(
                    tokio::runtime::Handle::current()
                        .block_on(wanted)
                        .map_err(|_| WriterGone)?,
                )
            }
            None => None,
        };
        self.tx
            .blocking_send(Feed::Batch(batch, permit))
            .map_err(|_| WriterGone)
    }

    /// Tells the writer every batch was sent: it may commit.
    pub async fn finish(self) -> Result<(), WriterGone> {
        self.tx.send(Feed::End).await.map_err(|_| WriterGone)
    }

    /// [`BatchFeeder::finish`] from a blocking thread.
    pub fn blocking_finish(self) -> Result<(), WriterGone> {
        self.tx.blocking_send(Feed::End).map_err(|_| WriterGone)
    }
}

/// A writer's side of its channel.
#[derive(Debug)]
pub struct BatchReceiver {
    rx: tokio::sync::mpsc::Receiver<Feed>,
    finished: Arc<AtomicBool>,
}

/// Whether a writer's feed ended with [`BatchFeeder::finish`]; cloneable, so a
/// writer that hands its receiver to a driver can still ask after the load.
#[derive(Debug, Clone)]
pub struct FeedCompletion(Arc<AtomicBool>);

impl FeedCompletion {
    /// True once the end marker arrived.
    pub fn is_finished(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

impl BatchReceiver {
    /// The next batch, or `None` when the feed is over, finished or not:
    /// check [`BatchReceiver::is_finished`] before committing. Taking a batch
    /// gives its bytes back to the channel's budget.
    pub async fn recv(&mut self) -> Option<RecordBatch> {
        let feed = self.rx.recv().await;
        self.open(feed)
    }

    /// [`BatchReceiver::recv`] from a blocking thread.
    pub fn blocking_recv(&mut self) -> Option<RecordBatch> {
        let feed = self.rx.blocking_recv();
        self.open(feed)
    }

    fn open(&self, feed: Option<Feed>) -> Option<RecordBatch> {
        match feed {
            Some(Feed::Batch(batch, _permit)) => Some(batch),
            Some(Feed::End) => {
                self.finished.store(true, Ordering::Release);
                None
            }
            None => None,
        }
    }

    /// Whether the feeder finished (commit) rather than went away (roll back).
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// A handle answering [`BatchReceiver::is_finished`] after the receiver moved.
    pub fn completion(&self) -> FeedCompletion {
        FeedCompletion(Arc::clone(&self.finished))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{ArrayRef, BinaryArray};

    fn batch_of(bytes: usize) -> RecordBatch {
        let value = vec![0u8; bytes];
        let array: ArrayRef = Arc::new(BinaryArray::from_iter_values([value.as_slice()]));
        RecordBatch::try_from_iter([("v", array)]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn the_byte_budget_holds_back_a_second_large_batch_until_the_first_is_taken() {
        let (feeder, mut receiver) = batch_channel_within(4, 1000);
        feeder
            .send(batch_of(600))
            .await
            .unwrap_or_else(|_| panic!("sent"));
        // 600 of 1000 bytes are queued: another 600 must wait...
        let second = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            feeder.send(batch_of(600)),
        )
        .await;
        assert!(second.is_err(), "a batch went past the byte budget");
        // ...until the writer takes the first one.
        assert!(receiver.recv().await.is_some());
        feeder
            .send(batch_of(600))
            .await
            .unwrap_or_else(|_| panic!("sent"));
        // A batch over the whole budget goes alone once the channel is empty.
        assert!(receiver.recv().await.is_some());
        feeder
            .send(batch_of(5000))
            .await
            .unwrap_or_else(|_| panic!("sent"));
        assert_eq!(receiver.recv().await.map(|b| b.num_rows()), Some(1));
        feeder.finish().await.unwrap_or_else(|_| panic!("finished"));
        assert!(receiver.recv().await.is_none());
        assert!(receiver.is_finished());
    }

    #[tokio::test]
    async fn a_writer_gone_while_the_feeder_waits_for_bytes_is_reported() {
        let (feeder, mut receiver) = batch_channel_within(4, 1000);
        feeder
            .send(batch_of(900))
            .await
            .unwrap_or_else(|_| panic!("sent"));
        let waiting = tokio::spawn(async move { feeder.send(batch_of(900)).await });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        receiver.rx.close();
        drop(receiver);
        // The queued batch (and its bytes) went with the receiver.
        assert_eq!(waiting.await.ok(), Some(Err(WriterGone)));
    }
}
