//! PostgreSQL connector: catalog introspection and binary COPY in both directions.
//!
//! ```text
//! conn.rs     sessions, schema check, small pool      error.rs  driver error → ConnectorError
//! catalog.rs  pg_catalog (sql/*.sql) → Schema         codec.rs  numeric / bit / epoch conversions
//! read.rs     PgSource: COPY TO binary → decode.rs → RecordBatch
//! wire/       the direct protocol client read.rs streams COPY through
//! write.rs    PgTarget: RecordBatch → encode.rs → COPY FROM binary
//! ```

mod assemble;
mod catalog;
mod codec;
mod conn;
mod copy_rows;
mod decode;
mod encode;
mod error;
mod pieces;
mod read;
mod rows;
mod sample;
mod snapshot;
mod wire;
mod write;

pub use read::{decode_copy_stream, PgSource, DRIVER_READER_ENV};
pub use write::{encode_copy_batch, PgTarget};
