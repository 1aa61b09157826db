//! Keyless multiset scenarios.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use arrow_array::{ArrayRef, Int32Array, StringArray};
use arrow_schema::{DataType, Field, Schema};
use std::sync::Arc;

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("n", DataType::Int32, true),
        Field::new("s", DataType::Utf8, true),
    ]))
}

fn batch(rows: &[(i32, &str)]) -> RecordBatch {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.0))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
    ];
    RecordBatch::try_new(schema(), cols).unwrap()
}

fn new_diff() -> KeylessDiff {
    let logical = vec![
        LogicalType::Int {
            bits: 32,
            unsigned: false,
        },
        LogicalType::Char { length: 4 },
    ];
    KeylessDiff::with_buckets(schema(), logical, vec![true; 2], 64)
}

/// Runs both passes the way the orchestration does.
fn compare(source: &[(i32, &str)], target: &[(i32, &str)]) -> TableDiff {
    let mut d = new_diff();
    let feed = |d: &mut KeylessDiff| {
        for part in source.chunks(3) {
            d.push_source(batch(part));
        }
        for part in target.chunks(5) {
            d.push_target(batch(part));
        }
    };
    feed(&mut d);
    if d.needs_second_pass() {
        assert!(d.start_second_pass());
        feed(&mut d);
    }
    d.finish()
}

#[test]
fn same_rows_in_any_order_match() {
    let rows: Vec<(i32, &str)> = (0..100).map(|i| (i % 10, "x")).collect();
    let mut reversed = rows.clone();
    reversed.reverse();
    let diff = compare(&rows, &reversed);
    assert!(diff.is_match(), "{diff:?}");
    assert!(diff.chunks > 0 && diff.chunks <= 64);
}

#[test]
fn duplicate_row_on_one_side_is_extra_once() {
    let source = [(1, "a"), (2, "b"), (2, "b"), (3, "c")];
    let target = [(2, "b"), (1, "a  "), (2, "b"), (3, "c"), (2, "b")];
    let diff = compare(&source, &target);
    assert_eq!(diff.error, None);
    assert_eq!((diff.missing_count, diff.extra_count), (0, 1));
    assert_eq!(diff.extra[0].row.as_deref(), Some("n=2, s=\"b\""));
    assert_eq!(diff.extra[0].count, 1);
    assert_eq!(diff.chunks_differing, 1);
}

#[test]
fn changed_row_is_missing_plus_extra_with_multiplicity() {
    let source = [(1, "a"), (1, "a"), (2, "b")];
    let target = [(1, "z"), (1, "z"), (2, "b")];
    let diff = compare(&source, &target);
    assert_eq!((diff.missing_count, diff.extra_count), (2, 2));
    assert_eq!(diff.missing[0].count, 2);
    assert_eq!(diff.missing[0].row.as_deref(), Some("n=1, s=\"a\""));
    assert_eq!(diff.extra[0].row.as_deref(), Some("n=1, s=\"z\""));
}

#[test]
fn data_changing_between_passes_is_an_error() {
    let mut d = new_diff();
    d.push_source(batch(&[(1, "a")]));
    d.push_target(batch(&[(2, "a")]));
    assert!(d.start_second_pass());
    d.push_source(batch(&[(1, "a"), (5, "new")]));
    d.push_target(batch(&[(2, "a")]));
    let err = d.finish().error.unwrap();
    assert!(err.contains("source rows changed between"), "{err}");
}

#[test]
fn skipping_the_second_pass_is_reported() {
    let mut d = new_diff();
    d.push_source(batch(&[(1, "a")]));
    let diff = d.finish();
    assert!(diff.error.is_some() && !diff.is_match());
}
