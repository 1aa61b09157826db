//! ferry's schema layer: a dialect-neutral model of tables, columns, types and
//! constraints; type mapping between dialects; DDL generation through sqlparser
//! ASTs. Pure: no I/O, no async.
//!
//! ```text
//! source catalog ──(connector)──▶ Table (source logical types)
//!                                   │ map_table(source, target)   (map_type per column)
//!                                   ▼
//!                                 MappedTable { table (target types), lossy, warnings, notes, materialized }
//!                                   │ check_names(all target tables, target)
//!                                   ▼
//!                                 create_table ─▶ (load) ─▶ create_indexes ─▶ orphan_count_query
//!                                   ─▶ add_foreign_keys ─▶ comment_statements / identity_restart_query
//! ```
//!
//! Every identifier is printed through [`ident`] (`quote` / `ident` / `string_literal`).
//! docs/type-mapping.md holds the full mapping table, rendered from this code.

mod ddl;
mod dialect;
mod error;
pub mod ident;
mod mapping;
mod model;
mod names;
mod types;

pub use ddl::{
    add_foreign_keys, add_keys, comment_statements, create_indexes, create_table,
    create_table_for_load, drop_table, identity_restart_query, max_value_query, orphan_count_query,
    set_logged, MYSQL_TEXT_PREFIX,
};
pub use dialect::Dialect;
pub use error::SchemaError;
pub use mapping::{
    enum_check, keep_type, map_table, map_type, mapping_table_markdown, parse_type_override,
    sql_type_for, LossyColumn, MappedTable, TypeMapping,
};
pub use model::{
    CheckConstraint, Column, DefaultValue, FkAction, ForeignKey, GeneratedColumn, Identity, Index,
    IndexKey, IndexTarget, OtherObject, PrimaryKey, Schema, Table, UniqueConstraint,
};
pub use names::check_names;
/// The SQL parser ferry builds DDL with, re-exported so every crate uses the same version.
pub use sqlparser;
pub use types::{char_pad_start, without_char_pad, LogicalType, UTC_OFFSET};
