//! Keyed merge scenarios: single differences found among many rows, value
//! conventions that must compare equal, batch splits, order errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::verify::ColumnDiff;
use arrow_array::{ArrayRef, BinaryArray, Int64Array, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};

#[derive(Clone)]
struct Row {
    id: i64,
    name: Option<String>,
    amount: String,
    ts: i64,
    blob: Vec<u8>,
}

fn logical() -> Vec<LogicalType> {
    vec![
        LogicalType::Int {
            bits: 64,
            unsigned: false,
        },
        LogicalType::Text { max_bytes: None },
        LogicalType::Decimal {
            precision: Some(12),
            scale: Some(2),
        },
        LogicalType::Timestamp {
            precision: 6,
            with_time_zone: true,
        },
        LogicalType::Varbinary { length: None },
    ]
}

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("amount", DataType::Utf8, false),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Microsecond, Some("+00:00".into())),
            false,
        ),
        Field::new("blob", DataType::Binary, false),
    ]))
}

fn row(id: i64) -> Row {
    Row {
        id,
        name: Some(format!("name {id}")),
        amount: format!("{}.{:02}", id / 7, id % 100),
        ts: 1_700_000_000_000_000 + id * 1_000_003,
        blob: id.to_le_bytes().to_vec(),
    }
}

fn rows(n: i64) -> Vec<Row> {
    (0..n).map(row).collect()
}

fn batch(rows: &[Row]) -> RecordBatch {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.id))),
        Arc::new(rows.iter().map(|r| r.name.clone()).collect::<StringArray>()),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| &r.amount),
        )),
        Arc::new(
            TimestampMicrosecondArray::from_iter_values(rows.iter().map(|r| r.ts))
                .with_timezone("+00:00"),
        ),
        Arc::new(BinaryArray::from_iter_values(rows.iter().map(|r| &r.blob))),
    ];
    RecordBatch::try_new(schema(), cols).unwrap()
}

fn batches(rows: &[Row], size: usize) -> Vec<RecordBatch> {
    rows.chunks(size).map(batch).collect()
}

fn new_diff(chunk_rows: usize) -> KeyedDiff {
    KeyedDiff::new(schema(), vec![0], logical(), vec![true; 5], chunk_rows)
}

/// Feeds both sides the way the orchestration does: the side the merge waits on first.
fn compare(source: Vec<RecordBatch>, target: Vec<RecordBatch>, chunk_rows: usize) -> TableDiff {
    let mut diff = new_diff(chunk_rows);
    let (mut s, mut t) = (source.into_iter(), target.into_iter());
    loop {
        let side = match diff.waiting_on() {
            Some(Side::Target) if t.len() > 0 => Side::Target,
            _ if s.len() > 0 => Side::Source,
            _ if t.len() > 0 => Side::Target,
            _ => break,
        };
        match side {
            Side::Source => {
                if let Some(b) = s.next() {
                    diff.push_source(b);
                }
                if s.len() == 0 {
                    diff.close_source();
                }
            }
            Side::Target => {
                if let Some(b) = t.next() {
                    diff.push_target(b);
                }
                if t.len() == 0 {
                    diff.close_target();
                }
            }
        }
        let (ps, pt) = diff.pending_rows();
        assert!(ps + pt <= 3 * 8192, "queues must stay bounded: {ps} + {pt}");
    }
    diff.finish()
}

fn compare_rows(source: &[Row], target: &[Row]) -> TableDiff {
    compare(batches(source, 3), batches(target, 4), 10)
}

#[test]
fn one_changed_value_among_200k_rows_is_found() {
    let source = rows(200_000);
    let mut target = source.clone();
    target[123_456].name = Some("renamed".into());
    let diff = compare(batches(&source, 8192), batches(&target, 5000), 10_000);
    assert_eq!(diff.error, None);
    assert_eq!((diff.rows_source, diff.rows_target), (200_000, 200_000));
    assert_eq!(diff.changed_count, 1);
    assert_eq!((diff.missing_count, diff.extra_count), (0, 0));
    assert_eq!(diff.changed[0].key, "id=123456");
    assert_eq!(
        diff.changed[0].columns,
        vec![ColumnDiff {
            name: "name".into(),
            source: "\"name 123456\"".into(),
            target: "\"renamed\"".into(),
        }]
    );
    assert_eq!((diff.chunks, diff.chunks_differing), (20, 1));
    assert!(!diff.is_match());
}

#[test]
fn identical_tables_match_whatever_the_batch_split() {
    let source = rows(1000);
    for (a, b) in [(1, 1000), (7, 13), (999, 2), (64, 64)] {
        let diff = compare(batches(&source, a), batches(&source, b), 100);
        assert!(diff.is_match(), "{a}/{b}: {diff:?}");
        assert_eq!((diff.chunks, diff.chunks_differing), (10, 0));
    }
}

#[test]
fn deleted_and_inserted_rows_are_missing_and_extra() {
    let source = rows(50);
    let mut target = source.clone();
    target.remove(20);
    target.push(row(77));
    let diff = compare_rows(&source, &target);
    assert_eq!(
        (diff.missing_count, diff.extra_count, diff.changed_count),
        (1, 1, 0)
    );
    assert_eq!(diff.missing[0].key, "id=20");
    let missing_row = diff.missing[0].row.as_deref().unwrap();
    assert!(
        missing_row.starts_with("id=20, name=\"name 20\", amount=2.20"),
        "{missing_row}"
    );
    assert_eq!(diff.extra[0].key, "id=77");
    // Rows at the very start and end of a side.
    let diff = compare_rows(&source[1..], &source[..49]);
    assert_eq!(diff.extra[0].key, "id=0");
    assert_eq!(diff.missing[0].key, "id=49");
}

#[test]
fn null_and_empty_string_differ() {
    let mut source = rows(5);
    let mut target = source.clone();
    source[2].name = None;
    target[2].name = Some(String::new());
    let diff = compare_rows(&source, &target);
    assert_eq!(diff.changed_count, 1);
    let c = &diff.changed[0].columns[0];
    assert_eq!((c.source.as_str(), c.target.as_str()), ("NULL", "\"\""));
}

#[test]
fn decimals_compare_by_value() {
    let mut source = rows(5);
    let mut target = source.clone();
    source[1].amount = "1.50".into();
    target[1].amount = "1.5".into();
    source[2].amount = "-0.00".into();
    target[2].amount = "0".into();
    assert!(compare_rows(&source, &target).is_match());
    source[3].amount = "123.45".into();
    target[3].amount = "123.4".into();
    let diff = compare_rows(&source, &target);
    assert_eq!(diff.changed_count, 1);
    assert_eq!(diff.changed[0].key, "id=3");
    assert_eq!(diff.changed[0].columns[0].name, "amount");
    assert_eq!(diff.changed[0].columns[0].source, "123.45");
}

#[test]
fn timestamp_shifted_by_an_hour_differs() {
    let source = rows(5);
    let mut target = source.clone();
    target[4].ts += 3_600_000_000;
    let diff = compare_rows(&source, &target);
    assert_eq!(diff.changed_count, 1);
    let c = &diff.changed[0].columns[0];
    assert_eq!(c.name, "ts");
    assert!(
        c.source.ends_with("+00:00") && c.source != c.target,
        "{c:?}"
    );
}

#[test]
fn flipped_byte_in_a_megabyte_blob_differs_and_renders_short() {
    let mut source = rows(3);
    source[1].blob = vec![7u8; 1 << 20];
    let mut target = source.clone();
    target[1].blob[700_000] ^= 0x10;
    let diff = compare_rows(&source, &target);
    assert_eq!(diff.changed_count, 1);
    let c = &diff.changed[0].columns[0];
    assert_eq!(c.name, "blob");
    assert!(c.source.ends_with("… (1048576 bytes)"), "{}", c.source);
    assert!(c.source.len() < 200 && c.target.len() < 200);
}

#[test]
fn keys_out_of_order_are_an_error_not_a_diff() {
    let mut source = rows(10);
    source.swap(4, 5);
    let diff = compare_rows(&source, &rows(10));
    let err = diff.error.unwrap();
    assert!(
        err.contains("source rows are not in ascending key order"),
        "{err}"
    );
    assert!(err.contains("id=4") && err.contains("id=5"), "{err}");
    // Across a batch boundary, and duplicates.
    let mut d = new_diff(10);
    d.push_target(batch(&rows(3)));
    d.push_target(batch(&rows(3)[2..]));
    assert!(matches!(
        d.error(),
        Some(VerifyError::KeyOrder { side: "target", .. })
    ));
}

#[test]
fn decimal_keys_merge_by_numeric_value() {
    let logical = vec![LogicalType::Decimal {
        precision: None,
        scale: None,
    }];
    let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Utf8, false)]));
    let b = |v: &[&str]| {
        RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(StringArray::from(v.to_vec()))],
        )
        .unwrap()
    };
    let mut d = KeyedDiff::new(schema.clone(), vec![0], logical, vec![true], 10);
    d.push_source(b(&["-1", "1.50", "2", "10"]));
    d.push_target(b(&["-1.0", "1.5", "2.00", "10", "11"]));
    let diff = d.finish();
    assert_eq!(diff.error, None);
    assert_eq!(
        (diff.changed_count, diff.missing_count, diff.extra_count),
        (0, 0, 1)
    );
    assert_eq!(diff.extra[0].key, "k=11");
}

#[test]
fn recorded_rows_are_capped_but_counted() {
    let diff = compare(batches(&rows(2500), 500), vec![], 1000);
    assert_eq!(diff.missing_count, 2500);
    assert_eq!(diff.missing.len(), crate::verify::MAX_RECORDED_ROWS);
    assert_eq!(diff.rows_target, 0);
}

#[test]
fn closing_a_side_releases_the_other_sides_rows() {
    let mut d = new_diff(10);
    d.push_source(batch(&rows(5)));
    d.close_target();
    assert_eq!(d.pending_rows(), (0, 0));
    d.push_source(batch(&rows(8)[5..]));
    assert_eq!(d.pending_rows(), (0, 0));
    d.push_target(batch(&rows(1)));
    assert!(matches!(d.error(), Some(VerifyError::Protocol { .. })));
    let mut d = new_diff(10);
    d.push_source(batch(&rows(5)));
    d.close_target();
    d.close_source();
    let diff = d.finish();
    assert_eq!((diff.missing_count, diff.chunks), (5, 1));
}

#[test]
fn bad_settings_are_reported_by_finish() {
    let json = vec![LogicalType::Json { binary: true }];
    let schema = Arc::new(Schema::new(vec![Field::new("j", DataType::Utf8, false)]));
    let d = KeyedDiff::new(schema.clone(), vec![0], json.clone(), vec![true], 10);
    assert!(matches!(
        d.error(),
        Some(VerifyError::UnsupportedKey { .. })
    ));
    let d = KeyedDiff::new(schema.clone(), vec![3], json.clone(), vec![true], 10);
    assert!(matches!(d.error(), Some(VerifyError::Setup { .. })));
    let mut d = KeyedDiff::new(schema, vec![], json, vec![true], 10);
    d.push_source(batch(&rows(1)));
    assert!(d.finish().error.unwrap().contains("key column"));
    let mut d = new_diff(10);
    let other = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)])),
        vec![Arc::new(Int64Array::from(vec![1]))],
    )
    .unwrap();
    d.push_source(other);
    assert!(matches!(
        d.error(),
        Some(VerifyError::SchemaMismatch { .. })
    ));
}
