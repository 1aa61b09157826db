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

/// [`lineitem_text_rows`] as the server sends them: one text-resultset row
/// packet payload per row, each cell a length-encoded string.
pub fn lineitem_row_packets(rows: usize) -> Vec<Vec<u8>> {
    lineitem_text_rows(rows)
        .iter()
        .map(|cells| {
            let mut packet = Vec::new();
            for cell in cells {
                // Bench cells are short: the one-byte length form (< 251).
                let len = u8::try_from(cell.len())
                    .ok()
                    .filter(|&l| l < 251)
                    .unwrap_or_else(|| panic!("bench data: cell too long"));
                packet.push(len);
                packet.extend_from_slice(cell);
            }
            packet
        })
        .collect()
}

/// The type codes and UNSIGNED flags of `lineitem_table()`'s columns in a
/// resultset: BIGINT, INT, two DECIMALs, CHAR, DATE, VARCHAR.
pub const LINEITEM_WIRE_TYPES: [(u8, bool); 7] = [
    (8, false),
    (3, false),
    (246, false),
    (246, false),
    (254, false),
    (10, false),
    (253, false),
];

/// [`lineitem_text_rows`] as a prepared statement's binary rows: a 0x00
/// header, a NULL bitmap (no NULLs), integers as little-endian fields, the
/// date as a length byte and year, month, day, the rest length-encoded.
pub fn lineitem_binary_row_packets(rows: usize) -> Vec<Vec<u8>> {
    let short = |cell: &[u8]| {
        u8::try_from(cell.len())
            .ok()
            .filter(|&l| l < 251)
            .unwrap_or_else(|| panic!("bench data: cell too long"))
    };
    lineitem_text_rows(rows)
        .iter()
        .enumerate()
        .map(|(i, cells)| {
            // Header, then a bitmap of (7 + 2) bits.
            let mut packet = vec![0, 0, 0];
            let key = i64::try_from(i / 4).unwrap_or_else(|_| panic!("bench data: key"));
            packet.extend_from_slice(&key.to_le_bytes());
            let line = i32::try_from(i % 7 + 1).unwrap_or_else(|_| panic!("bench data: line"));
            packet.extend_from_slice(&line.to_le_bytes());
            for cell in &cells[2..5] {
                packet.push(short(cell));
                packet.extend_from_slice(cell);
            }
            let date = chrono::NaiveDate::parse_from_str(
                std::str::from_utf8(&cells[5]).unwrap_or_default(),
                "%Y-%m-%d",
            )
            .unwrap_or_else(|e| panic!("bench data: bad date: {e}"));
            use chrono::Datelike;
            let year = u16::try_from(date.year()).unwrap_or_else(|_| panic!("bench data: year"));
            packet.push(4);
            packet.extend_from_slice(&year.to_le_bytes());
            packet.push(u8::try_from(date.month()).unwrap_or_default());
            packet.push(u8::try_from(date.day()).unwrap_or_default());
            packet.push(short(&cells[6]));
            packet.extend_from_slice(&cells[6]);
            packet
        })
        .collect()
}

/// Days since 1970-01-01 of an ISO `YYYY-MM-DD` date.
fn days_from_iso(text: &[u8]) -> i32 {
    let date = std::str::from_utf8(text)
        .ok()
        .and_then(|t| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
        .unwrap_or_else(|| panic!("bench data: bad date {text:?}"));
    let days = date
        .signed_duration_since(chrono::NaiveDate::default())
        .num_days();
    i32::try_from(days).unwrap_or_else(|_| panic!("bench data: date out of range"))
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
    let dates = Date32Array::from_iter_values(text.iter().map(|r| days_from_iso(&r[5])));
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

/// A complete binary COPY stream (signature, header, rows, trailer) of
/// `batch`, as PostgreSQL sends it for `COPY ... TO STDOUT (FORMAT binary)`:
/// the PostgreSQL reader's input in the benchmarks.
pub fn lineitem_copy_stream(batch: &RecordBatch) -> Vec<u8> {
    let pieces = ferry_connectors::postgres::encode_copy_batch(&lineitem_table(), batch)
        .unwrap_or_else(|e| panic!("bench COPY rows: {e}"));
    let rows: Vec<u8> = pieces.concat();
    let mut stream = Vec::with_capacity(rows.len() + 21);
    stream.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    stream.extend_from_slice(&0i32.to_be_bytes()); // flags
    stream.extend_from_slice(&0i32.to_be_bytes()); // header extension length
    stream.extend_from_slice(&rows);
    stream.extend_from_slice(&(-1i16).to_be_bytes()); // trailer
    stream
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use ferry_connectors::mysql::{
        decode_binary_row_packets, decode_row_packets, decode_text_rows, encode_load_data,
    };
    use ferry_connectors::postgres::{decode_copy_stream, encode_copy_batch};

    /// The PostgreSQL decoder reads back exactly what the encoder wrote.
    #[test]
    fn copy_stream_decodes_to_the_encoded_batch() {
        let batch = lineitem_batch(500);
        let decoded = decode_copy_stream(&lineitem_table(), &lineitem_copy_stream(&batch)).unwrap();
        assert_eq!(decoded, batch);
    }

    /// The bench inputs agree with each other: decoding the text rows gives the
    /// Arrow batch the encoders are benchmarked on.
    #[test]
    fn decoder_input_matches_encoder_input() {
        let owned = lineitem_text_rows(100);
        let rows: Vec<Vec<Option<&[u8]>>> = owned
            .iter()
            .map(|r| r.iter().map(|v| Some(v.as_slice())).collect())
            .collect();
        let decoded = decode_text_rows(&lineitem_table(), &rows, 0).unwrap();
        assert_eq!(decoded, lineitem_batch(100));
        let packets = lineitem_row_packets(100);
        let packets: Vec<&[u8]> = packets.iter().map(Vec::as_slice).collect();
        let from_packets = decode_row_packets(&lineitem_table(), &packets).unwrap();
        assert_eq!(from_packets, decoded);
        let binary = lineitem_binary_row_packets(100);
        let binary: Vec<&[u8]> = binary.iter().map(Vec::as_slice).collect();
        let from_binary =
            decode_binary_row_packets(&lineitem_table(), &LINEITEM_WIRE_TYPES, &binary).unwrap();
        assert_eq!(from_binary, decoded);
    }

    #[test]
    fn encoders_produce_one_record_per_row() {
        let batch = lineitem_batch(10);
        let text = encode_load_data(&lineitem_table(), &batch).unwrap();
        assert_eq!(text.iter().filter(|b| **b == b'\n').count(), 10);
        assert!(
            text.starts_with(b"0\t1\t1.00\t900.00\tR\t"),
            "{}",
            String::from_utf8_lossy(&text[..40])
        );
        let copy = encode_copy_batch(&lineitem_table(), &batch)
            .unwrap()
            .concat();
        // Row 0: field count 7, then l_orderkey as a length-8 big-endian zero.
        assert_eq!(&copy[..2], &7i16.to_be_bytes());
        assert_eq!(&copy[2..6], &8i32.to_be_bytes());
        assert_eq!(&copy[6..14], &0i64.to_be_bytes());
    }
}
