//! The text-protocol decoder without a server: `decode_text_rows` on hand-made cells.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use arrow_array::cast::AsArray;
use arrow_array::types::{
    DurationMicrosecondType, Int64Type, TimestampMicrosecondType, UInt64Type,
};
use ferry_connectors::mysql::{decode_text_rows, encode_load_data};
use ferry_connectors::ConnectorError;
use ferry_schema::{Column, LogicalType, Table};

fn table(columns: Vec<(&str, LogicalType)>) -> Table {
    Table::new(
        "t",
        columns
            .into_iter()
            .map(|(n, ty)| Column::new(n, ty))
            .collect(),
    )
}

#[test]
fn times_beyond_a_day_negative_and_fractional() {
    let t = table(vec![("d", LogicalType::Duration { precision: 6 })]);
    let cells: [&[u8]; 5] = [
        b"838:59:59",
        b"-838:59:59.000000",
        b"25:00:00",
        b"-00:00:00.500000",
        b"00:00:00.000001",
    ];
    let rows: Vec<Vec<Option<&[u8]>>> = cells.iter().map(|c| vec![Some(*c)]).collect();
    let batch = decode_text_rows(&t, &rows, 0).unwrap();
    let d = batch.column(0).as_primitive::<DurationMicrosecondType>();
    assert_eq!(
        d.values().to_vec(),
        vec![
            3_020_399_000_000,
            -3_020_399_000_000,
            90_000_000_000,
            -500_000,
            1
        ]
    );
}

#[test]
fn bits_are_right_aligned_big_endian() {
    let t = table(vec![
        (
            "b1",
            LogicalType::Bit {
                length: 1,
                varying: false,
            },
        ),
        (
            "b13",
            LogicalType::Bit {
                length: 13,
                varying: false,
            },
        ),
        (
            "b64",
            LogicalType::Bit {
                length: 64,
                varying: false,
            },
        ),
    ]);
    let full = [0xffu8; 8];
    let rows: Vec<Vec<Option<&[u8]>>> = vec![
        vec![Some(&[1u8][..]), Some(&[0x15, 0x55][..]), Some(&full[..])],
        // A server may send fewer bytes than the width: the value is right-aligned.
        vec![Some(&[0u8][..]), Some(&[0x04][..]), Some(&[0x01, 0x00][..])],
        vec![None, None, None],
    ];
    let batch = decode_text_rows(&t, &rows, 0).unwrap();
    let b13 = batch.column(1).as_binary::<i32>();
    assert_eq!(b13.value(0), [0x15, 0x55]);
    assert_eq!(b13.value(1), [0x00, 0x04]);
    let b64 = batch.column(2).as_binary::<i32>();
    assert_eq!(b64.value(1), [0, 0, 0, 0, 0, 0, 1, 0]);
    assert!(batch.column(0).is_null(2));
    let too_wide: Vec<Vec<Option<&[u8]>>> =
        vec![vec![Some(&[1u8][..]), Some(&[1, 2, 3][..]), None]];
    assert!(decode_text_rows(&t, &too_wide, 0).is_err());
}

#[test]
fn integers_floats_and_timestamps() {
    let t = table(vec![
        (
            "i",
            LogicalType::Int {
                bits: 64,
                unsigned: false,
            },
        ),
        (
            "u",
            LogicalType::Int {
                bits: 64,
                unsigned: true,
            },
        ),
        ("f", LogicalType::Float64),
        (
            "ts",
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: true,
            },
        ),
    ]);
    let rows: Vec<Vec<Option<&[u8]>>> = vec![
        vec![
            Some(b"-9223372036854775808"),
            Some(b"18446744073709551615"),
            Some(b"-0"),
            Some(b"1970-01-01 00:00:00.000001"),
        ],
        vec![
            Some(b"9223372036854775807"),
            Some(b"0"),
            Some(b"1.7976931348623157e308"),
            Some(b"2038-01-19 03:14:07.999999"),
        ],
    ];
    let batch = decode_text_rows(&t, &rows, 0).unwrap();
    assert_eq!(
        batch
            .column(0)
            .as_primitive::<Int64Type>()
            .values()
            .to_vec(),
        vec![i64::MIN, i64::MAX]
    );
    assert_eq!(
        batch
            .column(1)
            .as_primitive::<UInt64Type>()
            .values()
            .to_vec(),
        vec![u64::MAX, 0]
    );
    let f = batch
        .column(2)
        .as_primitive::<arrow_array::types::Float64Type>();
    assert!(f.value(0) == 0.0 && f.value(0).is_sign_negative());
    assert_eq!(f.value(1), f64::MAX);
    let ts = batch.column(3).as_primitive::<TimestampMicrosecondType>();
    assert_eq!(ts.value(0), 1);
    assert_eq!(ts.value(1), 2_147_483_647_999_999);
    assert_eq!(
        batch.schema().field(3).data_type(),
        &t.arrow_schema().field(3).data_type().clone()
    );
}

#[test]
fn zero_dates_name_the_row_and_the_fix() {
    let t = table(vec![("d", LogicalType::Date)]);
    let rows: Vec<Vec<Option<&[u8]>>> = vec![vec![Some(b"2000-01-01")], vec![Some(b"0000-00-00")]];
    let err = decode_text_rows(&t, &rows, 41).unwrap_err();
    match &err {
        ConnectorError::Data {
            table,
            column,
            detail,
        } => {
            assert_eq!((table.as_str(), column.as_str()), ("t", "d"));
            assert!(detail.contains("row 43"), "{detail}");
            assert!(detail.contains("zero date"), "{detail}");
        }
        other => panic!("expected Data, got {other}"),
    }
}

#[test]
fn encoded_lines_escape_separators() {
    let t = table(vec![
        ("s", LogicalType::Text { max_bytes: None }),
        ("b", LogicalType::Varbinary { length: None }),
    ]);
    let rows: Vec<Vec<Option<&[u8]>>> = vec![
        vec![Some(b"a\tb\nc\\N"), Some(b"\0\\")],
        vec![None, Some(b"")],
        vec![Some(b"\\N"), None],
    ];
    let batch = decode_text_rows(&t, &rows, 0).unwrap();
    let text = encode_load_data(&t, &batch).unwrap();
    assert_eq!(
        text,
        b"a\\tb\\nc\\\\N\t\\0\\\\\n\\N\t\n\\\\N\t\\N\n".to_vec()
    );
}

#[test]
fn nan_and_infinity_are_refused_by_the_encoder() {
    use arrow_array::{Float64Array, RecordBatch};
    use std::sync::Arc;
    let t = table(vec![("f", LogicalType::Float64)]);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let batch = RecordBatch::try_new(
            t.arrow_schema(),
            vec![Arc::new(Float64Array::from(vec![1.0, bad]))],
        )
        .unwrap();
        let err = encode_load_data(&t, &batch).unwrap_err();
        assert!(matches!(err, ConnectorError::Data { .. }), "{err}");
        assert!(err.to_string().contains("row 2"), "{err}");
    }
    let ok = RecordBatch::try_new(
        t.arrow_schema(),
        vec![Arc::new(Float64Array::from(vec![-0.0, 1e300, 0.1]))],
    )
    .unwrap();
    assert_eq!(
        encode_load_data(&t, &ok).unwrap(),
        b"-0.0\n1e300\n0.1\n".to_vec()
    );
}

#[test]
fn text_is_validated_per_cell_even_when_cells_join_into_valid_utf8() {
    let t = table(vec![("s", LogicalType::Text { max_bytes: None })]);
    // "é" is C3 A9: split over two cells, each cell alone is invalid although
    // the column's joined bytes are valid UTF-8.
    let rows: Vec<Vec<Option<&[u8]>>> = vec![
        vec![Some("ok ✓".as_bytes())],
        vec![None],
        vec![Some(b"\xC3")],
        vec![Some(b"\xA9")],
    ];
    let err = decode_text_rows(&t, &rows, 0).unwrap_err();
    match &err {
        ConnectorError::Data { column, detail, .. } => {
            assert_eq!(column, "s");
            assert!(
                detail.contains("row 3"),
                "the first bad row is named: {detail}"
            );
            assert!(detail.contains("UTF-8"), "{detail}");
        }
        other => panic!("expected Data, got {other}"),
    }

    let good: Vec<Vec<Option<&[u8]>>> = vec![
        vec![Some("ok ✓".as_bytes())],
        vec![None],
        vec![Some(b"")],
        vec![Some("é".as_bytes())],
    ];
    let batch = decode_text_rows(&t, &good, 0).unwrap();
    let s = batch.column(0).as_string::<i32>();
    assert_eq!(s.value(0), "ok ✓");
    assert!(arrow_array::Array::is_null(s, 1));
    assert_eq!((s.value(2), s.value(3)), ("", "é"));
}
