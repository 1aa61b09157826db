//! Large values copied in pieces, so no process of ferry ever holds one whole.
//!
//! A value is a row's field, and both protocols hand a row over whole
//! (PostgreSQL one `CopyData` message, MySQL one packet sequence), so a 500 MiB
//! bytea would be held, copied and encoded whole several times over. When the
//! engine asks for it ([`ReadOptions::pieces`](crate::ReadOptions::pieces)) a
//! reader instead:
//!
//! 1. reads the table's rows with every value of a *pieced* column longer
//!    than [`Pieces::over`] bytes replaced by an empty one (empty, not NULL,
//!    so a NOT NULL column loads), and counts the rows it shortened;
//! 2. if it shortened any, reads in the same transaction, for each pieced
//!    column, the *piece relation* ([`piece_table`]): one row per piece of
//!    [`Pieces::piece`] bytes of each long value, with the row's key, the
//!    piece's number and its bytes (text as UTF-8), in key order. These
//!    batches follow the table's own and are marked ([`pieces_of`]).
//!
//! The rows of step 1 carry one more column, [`LONG_ROW`]: whether the row
//! had a value shortened ([`long_rows`]). A target that [assembles
//! pieces](crate::Target::assembles_pieces) loads such rows into a scratch
//! table instead of the table, sets their long values there from the piece
//! batches, and then inserts them whole, all in the load's own transaction,
//! so a run that stops midway keeps nothing of it and the table itself is
//! never searched for the rows. Pieces are only asked for on tables with a verification key (the pieces
//! must find their row) and on columns the copy does not cast.

use arrow_array::{Array, BooleanArray, RecordBatch};
use arrow_schema::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use ferry_schema::{Column, LogicalType, Table};
use std::collections::HashMap;
use std::sync::Arc;

/// Metadata key on a piece batch's schema; its value names the pieced column.
pub const PIECES_OF: &str = "ferry.pieces_of";

/// Metadata key on the schema of a batch of rows whose last column is the
/// long-row flag ([`LONG_ROW`]).
pub const LONG_ROW_FLAG: &str = "ferry.long_row_flag";

/// Name of the flag column that ends a batch of rows read with pieces: true
/// where the row had a value shortened, whose pieces follow.
pub const LONG_ROW: &str = "ferry_long_row";

/// Name of the piece relation's column holding the piece's number (0, 1, ...).
pub const PIECE_NUMBER: &str = "ferry_piece";

/// Name of the piece relation's column holding the piece's bytes.
pub const PIECE_BYTES: &str = "ferry_bytes";

/// Which values a reader sends in pieces, and how long a piece is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pieces {
    /// Values longer than this many bytes (as stored) are sent in pieces.
    pub over: u32,
    /// Bytes per piece (text is cut as UTF-8 bytes; the target joins them
    /// back before checking the encoding).
    pub piece: u32,
    /// The columns whose long values go in pieces (see [`pieceable`]).
    pub columns: Vec<String>,
}

/// Whether a column may hold values longer than `over` bytes and can be
/// copied in pieces: text and byte strings without a limit, or with one
/// above `over` (a character can take four bytes). Key columns are never
/// pieced: the pieces find their row by the key.
pub fn pieceable(table: &Table, column: &Column, over: u32) -> bool {
    can_exceed(&column.logical_type, over)
        && column.generated.is_none()
        && table.verify_key().is_some_and(|key| {
            !key.iter()
                .any(|k| k == &column.name || k == PIECE_NUMBER || k == PIECE_BYTES)
        })
}

/// Whether a column of type `logical` is text or a byte string that can
/// hold more than `over` bytes: no limit, or one above `over` (a character
/// can take four bytes).
pub fn can_exceed(logical: &LogicalType, over: u32) -> bool {
    let over = u64::from(over);
    match *logical {
        LogicalType::Text { max_bytes } => max_bytes.is_none_or(|m| m > over),
        LogicalType::Varchar { length } => length.is_none_or(|l| u64::from(l) * 4 > over),
        LogicalType::Varbinary { length } => length.is_none_or(|l| l > over),
        _ => false,
    }
}

/// The copied columns of `table` whose long values go in pieces.
pub fn pieced<'a>(table: &'a Table, pieces: Option<&Pieces>) -> Vec<&'a Column> {
    let Some(p) = pieces else {
        return Vec::new();
    };
    table
        .copied_columns()
        .filter(|c| p.columns.contains(&c.name) && pieceable(table, c, p.over))
        .collect()
}

/// The piece relation of a column of `table`: the table's verification key
/// columns, then [`PIECE_NUMBER`] (64-bit integer) and [`PIECE_BYTES`]
/// (bytes), all NOT NULL, keyed by the key and the number. `None` when the
/// table has no verification key.
pub fn piece_table(table: &Table) -> Option<Table> {
    let key = table.verify_key()?;
    let mut columns: Vec<Column> = key
        .iter()
        .filter_map(|k| table.column(k).cloned())
        .map(|mut c| {
            c.nullable = false;
            c.default = None;
            c.identity = None;
            c.comment = None;
            c
        })
        .collect();
    if columns.len() != key.len() {
        return None;
    }
    let number = Column::new(
        PIECE_NUMBER,
        LogicalType::Int {
            bits: 64,
            unsigned: false,
        },
    )
    .not_null();
    let bytes = Column::new(PIECE_BYTES, LogicalType::Varbinary { length: None }).not_null();
    columns.push(number);
    columns.push(bytes);
    let mut pieces = Table::new(table.name.clone(), columns);
    let mut key_columns = key.to_vec();
    key_columns.push(PIECE_NUMBER.to_string());
    pieces.primary_key = Some(ferry_schema::PrimaryKey {
        name: None,
        columns: key_columns,
    });
    Some(pieces)
}

/// The Arrow schema of `pieces` (from [`piece_table`]) marked as the pieces
/// of `column`.
pub fn piece_schema(pieces: &Table, column: &str) -> Arc<ArrowSchema> {
    let plain = pieces.arrow_schema();
    let metadata = HashMap::from([(PIECES_OF.to_string(), column.to_string())]);
    Arc::new(ArrowSchema::new_with_metadata(
        plain.fields().clone(),
        metadata,
    ))
}

/// The schema of a table's rows read with pieces: `rows`' fields, then the
/// non-nullable boolean [`LONG_ROW`], marked by [`LONG_ROW_FLAG`]. The
/// marker, not the name, says the flag is there: a table may have a column
/// of any name.
pub fn flagged_schema(rows: &ArrowSchema) -> SchemaRef {
    let mut fields: Vec<Arc<Field>> = rows.fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new(LONG_ROW, DataType::Boolean, false)));
    let mut metadata = rows.metadata().clone();
    metadata.insert(LONG_ROW_FLAG.to_string(), "true".to_string());
    Arc::new(ArrowSchema::new_with_metadata(fields, metadata))
}

/// The long-row flags of a batch of rows read with pieces (its last column,
/// see [`flagged_schema`]); `None` for any other batch.
pub fn long_rows(batch: &RecordBatch) -> Option<&BooleanArray> {
    if !batch.schema_ref().metadata().contains_key(LONG_ROW_FLAG) {
        return None;
    }
    let last = batch.num_columns().checked_sub(1)?;
    batch.column(last).as_any().downcast_ref::<BooleanArray>()
}

/// The column a batch holds pieces of, or `None` for a batch of rows.
pub fn pieces_of(batch: &RecordBatch) -> Option<String> {
    batch.schema_ref().metadata().get(PIECES_OF).cloned()
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use ferry_schema::PrimaryKey;

    fn table() -> Table {
        let id = Column::new(
            "id",
            LogicalType::Int {
                bits: 32,
                unsigned: false,
            },
        )
        .not_null();
        let mut t = Table::new(
            "docs",
            vec![
                id,
                Column::new("body", LogicalType::Text { max_bytes: None }),
                Column::new(
                    "tiny",
                    LogicalType::Text {
                        max_bytes: Some(255),
                    },
                ),
                Column::new("blob", LogicalType::Varbinary { length: None }),
                Column::new("name", LogicalType::Varchar { length: Some(100) }),
            ],
        );
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        t
    }

    #[test]
    fn only_long_capable_non_key_columns_are_pieceable() {
        let t = table();
        let names: Vec<&str> = t
            .columns
            .iter()
            .filter(|c| pieceable(&t, c, 1000))
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["body", "blob"]);
        // Under a small threshold a VARCHAR(100) can be longer (400 bytes).
        assert!(pieceable(&t, &t.columns[4], 399));
        assert!(!pieceable(&t, &t.columns[4], 400));
    }

    #[test]
    fn a_table_without_a_key_has_no_pieces() {
        let mut t = table();
        t.primary_key = None;
        assert!(!pieceable(&t, &t.columns[1], 10));
        assert!(piece_table(&t).is_none());
    }

    #[test]
    fn the_piece_relation_is_key_number_bytes() {
        let t = table();
        let p = piece_table(&t).expect("keyed");
        let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", PIECE_NUMBER, PIECE_BYTES]);
        assert!(p.columns.iter().all(|c| !c.nullable));
        assert_eq!(
            p.verify_key().map(<[String]>::to_vec),
            Some(vec!["id".to_string(), PIECE_NUMBER.to_string()])
        );
        let schema = piece_schema(&p, "body");
        let batch = RecordBatch::new_empty(schema);
        assert_eq!(pieces_of(&batch).as_deref(), Some("body"));
        assert_eq!(pieces_of(&RecordBatch::new_empty(t.arrow_schema())), None);
    }

    #[test]
    fn the_flag_is_found_by_its_marker_not_its_name() {
        let plain = ArrowSchema::new(vec![
            Field::new("id", DataType::Int32, true),
            Field::new("body", DataType::Utf8, true),
        ]);
        let flagged = flagged_schema(&plain);
        assert_eq!(flagged.fields().len(), plain.fields().len() + 1);
        let mut columns: Vec<arrow_array::ArrayRef> = plain
            .fields()
            .iter()
            .map(|f| arrow_array::new_null_array(f.data_type(), 2))
            .collect();
        columns.push(Arc::new(BooleanArray::from(vec![false, true])));
        let batch = RecordBatch::try_new(flagged, columns.clone()).expect("flagged batch");
        let flags = long_rows(&batch).expect("flags");
        assert_eq!(flags.iter().collect::<Vec<_>>(), [Some(false), Some(true)]);
        // A user's column of that name, without the marker, is a column.
        let mut fields: Vec<Arc<Field>> = plain.fields().iter().cloned().collect();
        fields.push(Arc::new(Field::new(LONG_ROW, DataType::Boolean, false)));
        let unmarked = RecordBatch::try_new(Arc::new(ArrowSchema::new(fields)), columns)
            .expect("unmarked batch");
        assert!(long_rows(&unmarked).is_none());
    }
}
