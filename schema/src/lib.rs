//! ferry's schema layer: a dialect-neutral model of tables, columns, types and
//! constraints; type mapping between dialects; DDL generation through sqlparser
//! ASTs. Pure: no I/O, no async.
//!
//! ```text
//! source catalog ──(connector)──▶ Schema (source types)
//!                                   │ mapping::map_schema(target dialect)
//!                                   ▼
//!                                 Schema (target types) + lossy report
//!                                   │ ddl::*
//!                                   ▼
//!                                 CREATE TABLE / INDEX / ALTER TABLE ... FK
//! ```

mod dialect;
mod error;
pub mod ident;
mod model;
mod types;

pub use dialect::Dialect;
pub use error::SchemaError;
pub use model::{
    CheckConstraint, Column, DefaultValue, FkAction, ForeignKey, GeneratedColumn, Identity, Index,
    IndexKey, IndexTarget, OtherObject, PrimaryKey, Schema, Table, UniqueConstraint,
};
pub use types::{LogicalType, UTC_OFFSET};
/// The SQL parser ferry builds DDL with, re-exported so every crate uses the same version.
pub use sqlparser;
