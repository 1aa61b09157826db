//! ferry's connectors: one module per dialect, each behind a cargo feature,
//! implementing the same traits.
//!
//! ```text
//!   Endpoint::parse(url) ──▶ open_source / open_target (registry)
//!         │                          │
//!   Source::introspect ──▶ Schema     Target::execute(DDL)
//!   Source::read_table ──▶ RecordBatch ─channel─▶ Target::write_table
//! ```

pub mod digests;
mod endpoint;
mod error;
mod feed;
pub mod pieces;
mod pipe;
mod range;
mod registry;
mod traits;

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use digests::Digests;
pub use endpoint::{mask_password, mask_password_in_text, Endpoint};
pub use error::{ConnectorError, ErrorKind, Result};
pub use feed::{
    batch_bytes, batch_channel, batch_channel_within, BatchFeeder, BatchReceiver, FeedCompletion,
    WriterGone,
};
pub use pieces::{pieces_of, Pieces};
pub use pipe::copy_direct;
pub use range::{pick_quantiles, stride_for, uuid_text, CmpOp, KeyKind, Predicate};
pub use registry::{open_source, open_target};
pub use traits::{
    BatchSender, KeyColumn, KeyRange, KeyTuple, KeyValue, LoadMethod, ReadOptions, RowAddressing,
    SharedSnapshot, SnapshotGuard, SnapshotId, Source, Target, WriteOptions, WriteStats,
};
