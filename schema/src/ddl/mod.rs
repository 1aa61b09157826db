//! Target DDL, built as sqlparser ASTs and printed: one `String` per statement,
//! without a trailing `;`. Given the *target* model (the output of
//! [`crate::map_table`]), so every type, default and expression here is already
//! one the target holds.
//!
//! ```text
//! MappedTable.table ─▶ create_table ─▶ (load data) ─▶ create_indexes ─▶ add_foreign_keys
//!                                                    └▶ comment_statements
//! ```
//!
//! `namespace` is the PostgreSQL schema or MySQL database that qualifies every
//! table name; SQLite takes `None`.

mod build;
mod fk;
mod index;
mod query;
mod table;
#[cfg(test)]
mod tests;

pub use fk::add_foreign_keys;
pub use index::{create_indexes, MYSQL_TEXT_PREFIX};
pub use query::{identity_restart_query, max_value_query, orphan_count_query};
pub use table::{
    add_keys, comment_statements, create_table, create_table_for_load, drop_table, set_logged,
};
