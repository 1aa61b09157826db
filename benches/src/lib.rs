//! Shared inputs for ferry's criterion benches: a lineitem-like table model and
//! deterministic batches of it, so every hot path is measured on the same data
//! without a database.

use arrow_array::{Date32Array, Int32Array, Int64Array, RecordBatch, StringArray};
use ferry_schema::{Column, LogicalType, Table};

/// A table shaped like TPC-H `lineitem`'s most common column kinds.
pub fn lineitem_table() -> Table {
    let col = |name: &str, ty: LogicalType, nullable: bool| {
        let mut c = Column::new(name, ty);
        c.nullable = nullable;
        c
    };
    Table::new(
        "lineitem",
        vec![
            col(
                "l_orderkey",
                LogicalType::Int {
                    bits: 64,
                    unsigned: false,
                },
                false,
            ),
            col(
                "l_linenumber",
                LogicalType::Int {
                    bits: 32,
                    unsigned: false,
                },
                false,
            ),
            col(
                "l_quantity",
                LogicalType::Decimal {
                    precision: Some(15),
                    scale: Some(2),
                },
                false,
            ),
            col(
                "l_extendedprice",
                LogicalType::Decimal {
                    precision: Some(15),
                    scale: Some(2),
                },
                false,
            ),
            col("l_returnflag", LogicalType::Char { length: 1 }, false),
            col("l_shipdate", LogicalType::Date, false),
            col("l_comment", LogicalType::Varchar { length: Some(44) }, true),
        ],
    )
}

/// `rows` rows of text cells as the MySQL text protocol sends them.
pub fn lineitem_text_rows(rows: usize) -> Vec<Vec<Vec<u8>>> {
    (0..rows)
        .map(|i| {
            vec![
                (i / 4).to_string().into_bytes(),
                (i % 7 + 1).to_string().into_bytes(),
                format!("{}.00", i % 50 + 1).into_bytes(),
                format!("{}.{:02}", 900 + i % 100_000, i % 100).into_bytes(),
                if i % 3 == 0 {
                    b"R".to_vec()
                } else {
                    b"N".to_vec()
                },
                format!("199{}-{:02}-{:02}", i % 8 + 2, i % 12 + 1, i % 28 + 1).into_bytes(),
                format!("carefully final deposits {i} haggle").into_bytes(),
            ]
        })
        .collect()
}

/// The same data as an Arrow batch of `lineitem_table().arrow_schema()`.
pub fn lineitem_batch(rows: usize) -> RecordBatch {
    let text = lineitem_text_rows(rows);
    let s = |c: usize| -> StringArray {
        text.iter()
            .map(|r| Some(String::from_utf8_lossy(&r[c]).into_owned()))
            .collect()
    };
    let keys = Int64Array::from_iter_values((0..rows).map(|i| i64::try_from(i / 4).unwrap_or(0)));
    let lines =
        Int32Array::from_iter_values((0..rows).map(|i| i32::try_from(i % 7 + 1).unwrap_or(0)));
    let dates = Date32Array::from_iter_values(
        (0..rows).map(|i| 8000 + i32::try_from(i % 2500).unwrap_or(0)),
    );
    RecordBatch::try_new(
        lineitem_table().arrow_schema(),
        vec![
            std::sync::Arc::new(keys),
            std::sync::Arc::new(lines),
            std::sync::Arc::new(s(2)),
            std::sync::Arc::new(s(3)),
            std::sync::Arc::new(s(4)),
            std::sync::Arc::new(dates),
            std::sync::Arc::new(s(6)),
        ],
    )
    .unwrap_or_else(|e| panic!("bench batch: {e}"))
}
