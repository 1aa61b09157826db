//! MySQL / MariaDB connector.
//!
//! ```text
//! information_schema ──catalog──▶ Schema
//! SELECT (binary or text rows) ──decode──▶ RecordBatch ──encode──▶ LOAD DATA LOCAL / INSERT
//! ```
//!
//! `conn` builds pools and session settings, `dialect` parses type and default
//! spellings, `catalog` reads `information_schema`, `read`/`decode` stream tables
//! out (`wire`: the direct protocol reader used for that, falling back to the
//! driver; `binary`: its binary-protocol cells), `write`/`encode` load them in,
//! `timefmt` converts date/time text, `literal` spells escaped values, `error`
//! maps driver errors.

mod binary;
mod catalog;
mod conn;
mod decode;
mod dialect;
mod encode;
mod error;
mod literal;
mod long_values;
mod pieces;
mod read;
mod sample;
mod snapshot;
mod timefmt;
mod wire;
mod write;

pub use decode::decode_text_rows;
pub use encode::encode_load_data;
pub use read::{MySqlSource, DRIVER_READER_ENV};
pub use wire::{decode_binary_row_packets, decode_row_packets};
pub use write::MySqlTarget;
