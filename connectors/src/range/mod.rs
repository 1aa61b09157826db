//! Key ranges: the rows one part of a split table covers, and the `WHERE`
//! clause that selects them on each dialect.
//!
//! ```text
//! engine plans parts ─▶ KeyRange { columns, low, high } ─▶ predicate() ─▶ Predicate tree
//!                                                          ├─ render(dialect) ─▶ SQL (readers)
//!                                                          └─ eval(row)       ─▶ bool (tests)
//! ```
//!
//! Pure: no I/O. The SQL a reader runs and the Rust evaluation used by the
//! tiling tests come from the same [`Predicate`] tree, so what is tested is
//! what the server is asked.

mod literal;
mod predicate;
mod quantile;

pub(crate) use literal::parse_uuid;
pub use literal::uuid_text;
pub use predicate::{CmpOp, Predicate};
pub(crate) use quantile::StrideCuts;
pub use quantile::{pick_quantiles, stride_for};

use ferry_schema::{Dialect, LogicalType};
use std::cmp::Ordering;

/// One value of a key tuple, typed so each dialect can spell it as a literal
/// its optimizer compares with the column directly (an index range).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum KeyValue {
    /// A signed integer.
    Int(i64),
    /// An unsigned integer (MySQL `BIGINT UNSIGNED` may exceed `i64`).
    UInt(u64),
    /// Character data, compared by the server under the column's collation.
    Text(String),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A UUID's 16 bytes.
    Uuid([u8; 16]),
    /// The first row address of a heap block (PostgreSQL `ctid` `(block,0)`).
    Block(u32),
}

impl KeyValue {
    /// The order ferry assumes when it evaluates ranges itself (tests): numbers
    /// by value, text, bytes and UUIDs by their bytes. Servers compare text
    /// under the column's collation instead, which is why cut points are always
    /// taken in the server's own order and never re-sorted in Rust.
    pub fn natural_cmp(&self, other: &KeyValue) -> Ordering {
        use KeyValue as V;
        match (self, other) {
            (V::Int(a), V::Int(b)) => a.cmp(b),
            (V::UInt(a), V::UInt(b)) => a.cmp(b),
            (V::Int(a), V::UInt(b)) => i128::from(*a).cmp(&i128::from(*b)),
            (V::UInt(a), V::Int(b)) => i128::from(*a).cmp(&i128::from(*b)),
            (V::Text(a), V::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (V::Bytes(a), V::Bytes(b)) => a.cmp(b),
            (V::Uuid(a), V::Uuid(b)) => a.cmp(b),
            (V::Block(a), V::Block(b)) => a.cmp(b),
            // Mixed kinds only meet in SQLite, whose order is numbers < text < blobs.
            _ => self.class().cmp(&other.class()),
        }
    }

    fn class(&self) -> u8 {
        match self {
            KeyValue::Int(_) | KeyValue::UInt(_) | KeyValue::Block(_) => 0,
            KeyValue::Text(_) => 1,
            KeyValue::Uuid(_) | KeyValue::Bytes(_) => 2,
        }
    }
}

/// How a key column's values are read back as [`KeyValue`]s for cut points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Integers that fit `i64`.
    Int,
    /// Unsigned 64-bit integers.
    UInt,
    /// Character strings (CHAR, VARCHAR, TEXT).
    Text,
    /// Byte strings (BINARY, VARBINARY, bytea, BLOB).
    Bytes,
    /// UUIDs.
    Uuid,
}

impl KeyKind {
    /// The kind for a column of `logical` type; `None` for types whose
    /// values ferry does not spell as range bounds (decimals, dates, times,
    /// floats, booleans, enums, JSON, ...).
    pub fn of(logical: &LogicalType) -> Option<KeyKind> {
        Some(match logical {
            LogicalType::Int {
                bits: 64,
                unsigned: true,
            } => KeyKind::UInt,
            LogicalType::Int { .. } => KeyKind::Int,
            LogicalType::Char { .. } | LogicalType::Varchar { .. } | LogicalType::Text { .. } => {
                KeyKind::Text
            }
            LogicalType::Binary { .. } | LogicalType::Varbinary { .. } => KeyKind::Bytes,
            LogicalType::Uuid => KeyKind::Uuid,
            _ => return None,
        })
    }

    /// The kind of each of `columns` of `table`, or the error naming the first
    /// column whose type cannot bound a range (`dialect` names the source).
    pub(crate) fn of_columns(
        table: &ferry_schema::Table,
        columns: &[String],
        dialect: &'static str,
    ) -> crate::Result<Vec<KeyKind>> {
        columns
            .iter()
            .map(|name| {
                let col = table.column(name);
                col.and_then(|c| KeyKind::of(&c.logical_type))
                    .ok_or_else(|| crate::ConnectorError::UnsupportedType {
                        dialect,
                        table: table.name.clone(),
                        column: name.clone(),
                        type_name: col.map_or_else(String::new, |c| c.source_type.clone()),
                    })
            })
            .collect()
    }
}

/// A key tuple: one value per key column, in key order.
pub type KeyTuple = Vec<KeyValue>;

/// A column a range is expressed over.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyColumn {
    /// The column name as the catalog spells it (quoted when rendered).
    pub name: String,
    /// Whether NULLs can appear: those rows then all go to the first part.
    pub nullable: bool,
}

impl KeyColumn {
    /// A NOT NULL key column.
    pub fn not_null(name: impl Into<String>) -> KeyColumn {
        KeyColumn {
            name: name.into(),
            nullable: false,
        }
    }
}

/// The rows of one part: key tuples `t` with `low <= t < high` in the
/// server's order (lexicographic over `columns`). An absent bound is
/// unbounded on that side, so the first and last parts also take rows outside
/// what was measured when the parts were planned. Bounds may be shorter than
/// `columns` (a prefix); a part with no lower bound also takes every row with
/// a NULL in a nullable key column, so such rows land in exactly one part.
///
/// Serializable, so a run can record its parts and a resumed run reads back
/// exactly the same ranges.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyRange {
    /// The columns the bounds are over (a key, or its leading columns).
    pub columns: Vec<KeyColumn>,
    /// Inclusive lower bound.
    pub low: Option<KeyTuple>,
    /// Exclusive upper bound.
    pub high: Option<KeyTuple>,
}

impl KeyRange {
    /// The range `[low, high)` of a single NOT NULL integer column.
    pub fn integer(column: &str, low: Option<i64>, high: Option<i64>) -> KeyRange {
        KeyRange {
            columns: vec![KeyColumn::not_null(column)],
            low: low.map(|v| vec![KeyValue::Int(v)]),
            high: high.map(|v| vec![KeyValue::Int(v)]),
        }
    }

    /// The boolean condition selecting this range; `None` when both bounds
    /// are absent (the whole table).
    pub fn predicate(&self) -> Option<Predicate> {
        predicate::of_range(self)
    }

    /// The `WHERE` condition selecting this range, with columns quoted and
    /// values spelled as literals for `dialect`; `None` for the whole table.
    pub fn condition(&self, dialect: Dialect) -> Option<String> {
        self.predicate().map(|p| p.render(dialect, &self.columns))
    }

    /// Whether a row with these key values (`None` = NULL) is in the range,
    /// under `cmp` (SQL three-valued logic: unknown is not in). For tests of
    /// the planning; readers ask the server with [`KeyRange::condition`].
    pub fn contains_by(
        &self,
        row: &[Option<KeyValue>],
        cmp: &dyn Fn(&KeyValue, &KeyValue) -> Ordering,
    ) -> bool {
        self.predicate()
            .is_none_or(|p| p.eval(row, cmp) == Some(true))
    }

    /// [`KeyRange::contains_by`] under [`KeyValue::natural_cmp`].
    pub fn contains(&self, row: &[Option<KeyValue>]) -> bool {
        self.contains_by(row, &KeyValue::natural_cmp)
    }
}

#[cfg(test)]
mod tests;
