//! Value conventions through SQLite: every Arrow type a writer may receive goes
//! into an SQLite file and comes back identical through the reader; and values
//! of the type fixture decode to the documented Arrow forms.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::Array;
use arrow_array::IntervalMonthDayNanoArray;
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, DurationMicrosecondArray,
    FixedSizeBinaryArray, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
    Int8Array, RecordBatch, StringArray, Time64MicrosecondArray, TimestampMicrosecondArray,
    UInt16Array, UInt32Array, UInt64Array, UInt8Array,
};
use arrow_buffer::IntervalMonthDayNano;
use ferry_connectors::sqlite::{SqliteSource, SqliteTarget};
use ferry_connectors::{ConnectorError, Endpoint, ReadOptions, Source, Target};
use ferry_schema::{Column, LogicalType, Table};
use std::path::{Path, PathBuf};
use std::sync::Arc;

struct TempDb(PathBuf);

impl TempDb {
    fn new(tag: &str) -> TempDb {
        TempDb(std::env::temp_dir().join(format!("{}.sqlite", ferry_fixtures::unique_name(tag))))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn endpoint(path: &Path) -> Endpoint {
    Endpoint::parse(&format!("sqlite://{}", path.display())).unwrap()
}

/// Reads the whole table as one batch.
async fn read_one(src: &SqliteSource, table: &Table) -> RecordBatch {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let options = ReadOptions {
        batch_rows: 1000,
        batch_bytes: 1 << 30,
        ..ReadOptions::default()
    };
    let rows = src.read_table(table, options, tx).await.unwrap();
    let batch = rx.recv().await.unwrap();
    assert!(rx.recv().await.is_none());
    assert_eq!(rows, batch.num_rows() as u64);
    batch
}

async fn write(
    dst: &SqliteTarget,
    table: &Table,
    batch: RecordBatch,
) -> Result<u64, ConnectorError> {
    let (tx, rx) = ferry_connectors::batch_channel(2);
    tx.send(batch).await.unwrap();
    tx.finish().await.unwrap();
    dst.write_table(table, rx).await.map(|s| s.rows)
}

#[tokio::test]
async fn every_arrow_type_survives_sqlite() {
    let int = |bits, unsigned| LogicalType::Int { bits, unsigned };
    let columns: Vec<(&str, &str, LogicalType, ArrayRef)> = vec![
        (
            "b",
            "BOOLEAN",
            LogicalType::Boolean,
            Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
        ),
        (
            "i8",
            "INTEGER",
            int(8, false),
            Arc::new(Int8Array::from(vec![Some(i8::MIN), Some(i8::MAX), None])),
        ),
        (
            "i16",
            "INTEGER",
            int(16, false),
            Arc::new(Int16Array::from(vec![Some(i16::MIN), Some(i16::MAX), None])),
        ),
        (
            "i32",
            "INTEGER",
            int(32, false),
            Arc::new(Int32Array::from(vec![Some(i32::MIN), Some(i32::MAX), None])),
        ),
        (
            "i64",
            "INTEGER",
            int(64, false),
            Arc::new(Int64Array::from(vec![Some(i64::MIN), Some(i64::MAX), None])),
        ),
        (
            "u8",
            "INTEGER",
            int(8, true),
            Arc::new(UInt8Array::from(vec![Some(0), Some(u8::MAX), None])),
        ),
        (
            "u16",
            "INTEGER",
            int(16, true),
            Arc::new(UInt16Array::from(vec![Some(0), Some(u16::MAX), None])),
        ),
        (
            "u32",
            "INTEGER",
            int(32, true),
            Arc::new(UInt32Array::from(vec![Some(0), Some(u32::MAX), None])),
        ),
        (
            "u64",
            "INTEGER",
            int(64, true),
            Arc::new(UInt64Array::from(vec![
                Some(0),
                Some(i64::MAX.unsigned_abs()),
                None,
            ])),
        ),
        (
            "f32",
            "REAL",
            LogicalType::Float32,
            Arc::new(Float32Array::from(vec![
                Some(f32::INFINITY),
                Some(-1.5e-38),
                None,
            ])),
        ),
        (
            "f64",
            "REAL",
            LogicalType::Float64,
            Arc::new(Float64Array::from(vec![
                Some(f64::NEG_INFINITY),
                Some(5e-324),
                None,
            ])),
        ),
        (
            "dec",
            "NUMERIC(10,2)",
            LogicalType::Decimal {
                precision: Some(10),
                scale: Some(2),
            },
            Arc::new(StringArray::from(vec![
                Some("12.30"),
                Some("-99999999.99"),
                None,
            ])),
        ),
        (
            "ch",
            "CHARACTER(5)",
            LogicalType::Char { length: 5 },
            Arc::new(StringArray::from(vec![Some("abc"), Some("😀"), None])),
        ),
        (
            "vc",
            "VARCHAR(9)",
            LogicalType::Varchar { length: Some(9) },
            Arc::new(StringArray::from(vec![Some(""), Some("漢字"), None])),
        ),
        (
            "js",
            "JSON",
            LogicalType::Json { binary: false },
            Arc::new(StringArray::from(vec![Some("{\"a\":1}"), Some("[]"), None])),
        ),
        (
            "en",
            "TEXT",
            LogicalType::Enum {
                values: vec!["a".into(), "b".into()],
            },
            Arc::new(StringArray::from(vec![Some("a"), Some("b"), None])),
        ),
        (
            "bin",
            "BLOB",
            LogicalType::Varbinary { length: None },
            Arc::new(BinaryArray::from(vec![
                Some(&b"\0\x01"[..]),
                Some(&b""[..]),
                None,
            ])),
        ),
        (
            "bit",
            "BLOB",
            LogicalType::Bit {
                length: 12,
                varying: false,
            },
            Arc::new(BinaryArray::from(vec![
                Some(&[0x0f, 0xff][..]),
                Some(&[0, 1][..]),
                None,
            ])),
        ),
        (
            "d",
            "DATE",
            LogicalType::Date,
            Arc::new(Date32Array::from(vec![
                Some(-719_162),
                Some(2_932_896),
                None,
            ])),
        ),
        (
            "t",
            "TIME",
            LogicalType::Time { precision: 6 },
            Arc::new(Time64MicrosecondArray::from(vec![
                Some(0),
                Some(86_400_000_000),
                None,
            ])),
        ),
        (
            "dur",
            "TEXT",
            LogicalType::Duration { precision: 6 },
            Arc::new(DurationMicrosecondArray::from(vec![
                Some(-3_020_399_000_000),
                Some(1),
                None,
            ])),
        ),
        (
            "ts",
            "DATETIME",
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: false,
            },
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(-62_135_596_800_000_000),
                Some(253_402_300_799_999_999),
                None,
            ])),
        ),
        (
            "tz",
            "TIMESTAMP",
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: true,
            },
            Arc::new(
                TimestampMicrosecondArray::from(vec![Some(0), Some(1_700_000_000_123_456), None])
                    .with_timezone(ferry_schema::UTC_OFFSET),
            ),
        ),
        (
            "u",
            "UUID",
            LogicalType::Uuid,
            Arc::new(
                FixedSizeBinaryArray::try_from_sparse_iter_with_size(
                    vec![Some([0u8; 16]), Some([0xab; 16]), None].into_iter(),
                    16,
                )
                .unwrap(),
            ),
        ),
        (
            "iv",
            "INTERVAL",
            LogicalType::Interval,
            Arc::new(IntervalMonthDayNanoArray::from(vec![
                Some(IntervalMonthDayNano::new(14, -3, 3_723_500_000_000)),
                Some(IntervalMonthDayNano::new(0, 0, -1000)),
                None,
            ])),
        ),
        (
            "y",
            "INTEGER",
            LogicalType::Year,
            Arc::new(Int16Array::from(vec![Some(1901), Some(2155), None])),
        ),
    ];
    let table = Table::new(
        "all_types",
        columns
            .iter()
            .map(|(n, _, lt, _)| Column::new(*n, lt.clone()))
            .collect(),
    );
    let ddl = format!(
        "CREATE TABLE all_types ({})",
        columns
            .iter()
            .map(|(n, ty, _, _)| format!("{n} {ty}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let batch = RecordBatch::try_new(
        table.arrow_schema(),
        columns.into_iter().map(|c| c.3).collect(),
    )
    .unwrap();

    let db = TempDb::new("sqliteallvalues");
    let dst = SqliteTarget::open(&endpoint(&db.0)).unwrap();
    dst.execute("creating", &[ddl]).await.unwrap();
    assert_eq!(write(&dst, &table, batch.clone()).await.unwrap(), 3);
    let src = SqliteSource::open(&endpoint(&db.0)).unwrap();
    let back = read_one(&src, &table).await;
    for (i, field) in table.arrow_schema().fields().iter().enumerate() {
        assert_eq!(
            batch.column(i).as_ref(),
            back.column(i).as_ref(),
            "column {}",
            field.name()
        );
    }
}

#[tokio::test]
async fn writer_refuses_values_sqlite_would_change() {
    let db = TempDb::new("sqliterefuse");
    let dst = SqliteTarget::open(&endpoint(&db.0)).unwrap();
    dst.execute(
        "creating",
        &["CREATE TABLE r (u INTEGER, d NUMERIC, ts DATETIME)".to_string()],
    )
    .await
    .unwrap();
    let table = Table::new(
        "r",
        vec![
            Column::new(
                "u",
                LogicalType::Int {
                    bits: 64,
                    unsigned: true,
                },
            ),
            Column::new(
                "d",
                LogicalType::Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            Column::new(
                "ts",
                LogicalType::Timestamp {
                    precision: 6,
                    with_time_zone: false,
                },
            ),
        ],
    );
    let cases: Vec<(&str, [ArrayRef; 3])> = vec![
        (
            "u",
            [
                Arc::new(UInt64Array::from(vec![u64::MAX])),
                Arc::new(StringArray::from(vec!["1"])),
                Arc::new(TimestampMicrosecondArray::from(vec![0])),
            ],
        ),
        (
            "d",
            [
                Arc::new(UInt64Array::from(vec![1])),
                Arc::new(StringArray::from(vec!["NaN"])),
                Arc::new(TimestampMicrosecondArray::from(vec![0])),
            ],
        ),
        (
            "ts",
            [
                Arc::new(UInt64Array::from(vec![1])),
                Arc::new(StringArray::from(vec!["1"])),
                Arc::new(TimestampMicrosecondArray::from(vec![i64::MAX])),
            ],
        ),
    ];
    for (column, arrays) in cases {
        let batch = RecordBatch::try_new(table.arrow_schema(), arrays.to_vec()).unwrap();
        let err = write(&dst, &table, batch).await.unwrap_err();
        assert!(
            matches!(&err, ConnectorError::Data { column: c, .. } if c == column),
            "{err:?}"
        );
    }
    assert_eq!(dst.count_rows("r").await.unwrap(), 0);
}

#[tokio::test]
async fn fixture_values_decode_to_the_conventions() {
    let db = TempDb::new("sqlitefixturevalues");
    let sql = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/sql/types_sqlite.sql"
    ))
    .unwrap();
    rusqlite::Connection::open(&db.0)
        .unwrap()
        .execute_batch(&sql)
        .unwrap();
    let src = SqliteSource::open(&endpoint(&db.0)).unwrap();
    let table = common::table_model(&src, "types").await;
    let batch = read_one(&src, &table).await;
    let cols = batch.columns();
    let idx = |name: &str| table.copied_columns().position(|c| c.name == name).unwrap();
    let i = cols[idx("i")].as_primitive::<Int64Type>();
    assert!(i.is_null(0));
    assert_eq!(i.value(1), i64::MIN);
    assert_eq!(
        cols[idx("big")].as_primitive::<Int64Type>().value(1),
        i64::MAX
    );
    let money = cols[idx("money")].as_string::<i32>();
    assert_eq!(
        (money.value(1), money.value(2), money.value(3)),
        ("0.99", "100.00", "12345678.50")
    );
    assert_eq!(cols[idx("num")].as_string::<i32>().value(1), "12345.678");
    assert_eq!(cols[idx("dec")].as_string::<i32>().value(2), "-0.00001");
    let r = cols[idx("r")].as_primitive::<arrow_array::types::Float64Type>();
    assert_eq!(r.value(1), f64::INFINITY);
    assert_eq!(
        cols[idx("d")]
            .as_primitive::<arrow_array::types::Float64Type>()
            .value(1),
        f64::NEG_INFINITY
    );
    assert!(cols[idx("flag")].as_boolean().value(2));
    assert_eq!(cols[idx("nvc")].as_string::<i32>().value(1), "漢字テスト");
    assert_eq!(
        cols[idx("bl")].as_binary::<i32>().value(1),
        b"\x00\xff\x00\x10"
    );
    assert_eq!(cols[idx("bl")].as_binary::<i32>().value(3).len(), 2 << 20);
    assert_eq!(
        cols[idx("untyped")].as_binary::<i32>().value(1),
        b"\x00\x01\x02"
    );
    assert_eq!(cols[idx("dt")].as_primitive::<Date32Type>().value(2), 0);
    assert_eq!(
        cols[idx("dt")].as_primitive::<Date32Type>().value(3),
        -719_162
    );
    let ts = cols[idx("ts")].as_primitive::<TimestampMicrosecondType>();
    assert_eq!(ts.value(1), 1_709_251_199_123_456);
    assert_eq!(ts.value(3), 253_402_300_799_999_999);
    let uid = cols[idx("uid")].as_fixed_size_binary();
    assert_eq!(
        uid.value(1),
        [
            0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38,
            0x0a, 0x11
        ]
    );
}
