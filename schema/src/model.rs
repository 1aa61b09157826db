//! The neutral schema model: what a source catalog says, in one shape for every dialect.
//!
//! Connectors fill it from their catalogs (`connectors/*/catalog.rs`), the mapping
//! stage rewrites column types for the target, and the DDL stage prints it.

use crate::{Dialect, LogicalType};
use arrow_schema::{Field, Schema as ArrowSchema};
use serde::Serialize;
use std::sync::Arc;

/// Everything ferry knows about one source database / schema.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Schema {
    /// Tables in catalog order (sorted by name).
    pub tables: Vec<Table>,
    /// Views, triggers, routines and other objects ferry lists but does not migrate.
    pub not_migrated: Vec<OtherObject>,
}

impl Schema {
    /// The table with exactly this name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// An object the report lists as present on the source but not migrated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherObject {
    /// `view`, `trigger`, `function`, `procedure`, `sequence`, ...
    pub kind: String,
    /// Its name in the source.
    pub name: String,
}

/// A table with its columns and constraints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Name as the catalog spells it (untrusted: always quote).
    pub name: String,
    /// Columns in ordinal order.
    pub columns: Vec<Column>,
    /// Primary key, if any.
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints (not unique indexes; those are in `indexes`).
    pub uniques: Vec<UniqueConstraint>,
    /// Foreign keys from this table.
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints.
    pub checks: Vec<CheckConstraint>,
    /// Secondary indexes (excluding those backing the primary key and unique constraints).
    pub indexes: Vec<Index>,
    /// Table comment.
    pub comment: Option<String>,
}

impl Table {
    /// A table with columns only.
    pub fn new(name: impl Into<String>, columns: Vec<Column>) -> Self {
        Table {
            name: name.into(),
            columns,
            primary_key: None,
            uniques: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
            comment: None,
        }
    }

    /// The column with exactly this name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Columns whose values are copied (generated columns are recomputed by the target).
    pub fn copied_columns(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.generated.is_none())
    }

    /// The Arrow schema of the batches a reader produces for this table:
    /// one field per copied column, in order, named as the column.
    pub fn arrow_schema(&self) -> Arc<ArrowSchema> {
        let fields: Vec<Field> = self
            .copied_columns()
            .map(|c| Field::new(c.name.clone(), c.logical_type.arrow_type(), c.nullable))
            .collect();
        Arc::new(ArrowSchema::new(fields))
    }

    /// The columns that identify a row for verification: the primary key, else
    /// the first unique constraint whose columns are all NOT NULL. `None` for a
    /// table compared as a multiset of rows.
    pub fn verify_key(&self) -> Option<&[String]> {
        if let Some(pk) = &self.primary_key {
            return Some(&pk.columns);
        }
        self.uniques
            .iter()
            .find(|u| {
                u.columns
                    .iter()
                    .all(|c| self.column(c).is_some_and(|col| !col.nullable))
            })
            .map(|u| u.columns.as_slice())
    }

    /// The column that auto-generates its values, if any.
    pub fn identity_column(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.identity.is_some())
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Name as the catalog spells it (untrusted: always quote).
    pub name: String,
    /// The neutral type.
    pub logical_type: LogicalType,
    /// The type as the source spelled it, e.g. `tinyint(3) unsigned`, for reports.
    pub source_type: String,
    /// Accepts NULL.
    pub nullable: bool,
    /// Default value, if any.
    pub default: Option<DefaultValue>,
    /// Auto-generated values (identity, serial, AUTO_INCREMENT).
    pub identity: Option<Identity>,
    /// Generated (computed) column expression in the source dialect.
    pub generated: Option<GeneratedColumn>,
    /// Column comment.
    pub comment: Option<String>,
}

impl Column {
    /// A nullable column with no default.
    pub fn new(name: impl Into<String>, logical_type: LogicalType) -> Self {
        let source_type = logical_type.describe();
        Column {
            name: name.into(),
            logical_type,
            source_type,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            comment: None,
        }
    }

    /// The same column, NOT NULL.
    pub fn not_null(mut self) -> Self {
        self.nullable = false;
        self
    }
}

/// A column default.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum DefaultValue {
    /// Explicit `DEFAULT NULL`.
    Null,
    /// A numeric literal kept as exact text (`0`, `-1.50`).
    Number(String),
    /// A string literal's content, unquoted and unescaped.
    Text(String),
    /// A boolean literal.
    Boolean(bool),
    /// `CURRENT_TIMESTAMP` / `now()`.
    CurrentTimestamp,
    /// `CURRENT_DATE`.
    CurrentDate,
    /// `CURRENT_TIME`.
    CurrentTime,
    /// Any other expression, in the SQL of the dialect it came from. Reproduced only
    /// on a target of the same dialect; otherwise reported as not migrated.
    Expression {
        /// The expression text.
        sql: String,
        /// The dialect it is written in.
        dialect: Dialect,
    },
}

/// How a column generates its own values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`.
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`, `serial`, MySQL `AUTO_INCREMENT`, SQLite `AUTOINCREMENT`.
    ByDefault,
}

/// A computed column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneratedColumn {
    /// The expression, in the source dialect.
    pub expression: String,
    /// Stored (true) or virtual.
    pub stored: bool,
    /// Dialect the expression is written in.
    pub dialect: Dialect,
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrimaryKey {
    /// Constraint name, when the source has a meaningful one (MySQL's is always `PRIMARY`).
    pub name: Option<String>,
    /// Key columns in key order.
    pub columns: Vec<String>,
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UniqueConstraint {
    /// Constraint name.
    pub name: String,
    /// Columns in key order.
    pub columns: Vec<String>,
}

/// What a foreign key does when the referenced row changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// `NO ACTION` (the default).
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

/// A foreign key constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: String,
    /// Referencing columns, in order.
    pub columns: Vec<String>,
    /// Referenced table (in the same schema).
    pub referenced_table: String,
    /// Referenced columns, paired with `columns`.
    pub referenced_columns: Vec<String>,
    /// `ON DELETE` action.
    pub on_delete: FkAction,
    /// `ON UPDATE` action.
    pub on_update: FkAction,
    /// `DEFERRABLE`.
    pub deferrable: bool,
    /// `INITIALLY DEFERRED` (only meaningful when deferrable).
    pub initially_deferred: bool,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckConstraint {
    /// Constraint name.
    pub name: String,
    /// The boolean expression, in the source dialect (without the `CHECK` keyword).
    pub expression: String,
    /// Dialect the expression is written in.
    pub dialect: Dialect,
}

/// A secondary index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Unique index.
    pub unique: bool,
    /// Key parts in order.
    pub keys: Vec<IndexKey>,
    /// Partial-index predicate in the source dialect.
    pub predicate: Option<String>,
    /// Dialect `predicate` and any expression keys are written in.
    pub dialect: Dialect,
}

/// One key part of an index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexKey {
    /// What is indexed.
    pub target: IndexTarget,
    /// `DESC`.
    pub descending: bool,
    /// MySQL prefix length in characters/bytes (`KEY (name(10))`).
    pub prefix_length: Option<u32>,
}

/// A column or an expression indexed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum IndexTarget {
    /// A plain column.
    Column(String),
    /// An expression in the index's dialect.
    Expression(String),
}
