//! `ferry verify`'s comparison core: pure functions over Arrow batches, no I/O.
//!
//! ```text
//!  source batches ─┐                          ┌─▶ KeyedDiff   (merge by key)   ─┐
//!  (cast to target │ canonical ─▶ digest ─────┤                                  ├─▶ TableDiff
//!   Arrow types)   │ (per type)  (xxh3-128)   └─▶ KeylessDiff (hash buckets)    ─┘
//!  target batches ─┘
//! ```
//!
//! The orchestration reads both sides in key order, casts the source's columns
//! to the target's Arrow types and pushes batches here; this module canonicalizes
//! each value by the target column's logical type, hashes rows, and merges or
//! buckets them into a [`TableDiff`].

mod canonical;
mod diff;
mod digest;
mod error;
mod gather;
mod keyed;
mod keyless;
mod keys;
mod long_values;
mod render;

pub use canonical::ColumnRule;
pub use diff::{ColumnDiff, RowDiff, TableDiff, MAX_RECORDED_ROWS};
pub use digest::{ChunkDigest, RowHasher};
pub use error::VerifyError;
pub use keyed::{KeyedDiff, Side};
pub use keyless::{KeylessDiff, DEFAULT_BUCKETS};
pub use long_values::digest_long_values;
pub use render::{render_value, MAX_RENDERED_CHARS};
