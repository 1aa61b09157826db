//! Property tests: a chunk digest depends on the multiset of rows only, and
//! every single-value change or column swap changes it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use arrow_array::{ArrayRef, BinaryArray, Float64Array, Int64Array, StringArray};
use arrow_schema::{DataType, Field, Schema};
use proptest::prelude::*;
use std::sync::Arc;

type Row = (
    Option<i64>,
    Option<String>,
    Option<f64>,
    Option<String>,
    Option<Vec<u8>>,
    Option<String>,
);

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("i", DataType::Int64, true),
        Field::new("s", DataType::Utf8, true),
        Field::new("f", DataType::Float64, true),
        Field::new("d", DataType::Utf8, true),
        Field::new("b", DataType::Binary, true),
        Field::new("t", DataType::Utf8, true),
    ]))
}

fn hasher() -> RowHasher {
    let logical = [
        LogicalType::Int {
            bits: 64,
            unsigned: false,
        },
        LogicalType::Text { max_bytes: None },
        LogicalType::Float64,
        LogicalType::Decimal {
            precision: Some(10),
            scale: Some(2),
        },
        LogicalType::Varbinary { length: None },
        LogicalType::Text { max_bytes: None },
    ];
    RowHasher::new(schema(), &logical, &[true; 6]).unwrap()
}

fn batch(rows: &[Row]) -> RecordBatch {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(rows.iter().map(|r| r.0).collect::<Int64Array>()),
        Arc::new(rows.iter().map(|r| r.1.clone()).collect::<StringArray>()),
        Arc::new(rows.iter().map(|r| r.2).collect::<Float64Array>()),
        Arc::new(rows.iter().map(|r| r.3.clone()).collect::<StringArray>()),
        Arc::new(rows.iter().map(|r| r.4.as_deref()).collect::<BinaryArray>()),
        Arc::new(rows.iter().map(|r| r.5.clone()).collect::<StringArray>()),
    ];
    RecordBatch::try_new(schema(), cols).unwrap()
}

fn digest_of(parts: &[&[Row]]) -> ChunkDigest {
    let h = hasher();
    let mut d = ChunkDigest::default();
    for p in parts {
        d.merge(h.digest_batch(&batch(p)).unwrap());
    }
    d
}

fn row() -> impl Strategy<Value = Row> {
    (
        proptest::option::of(any::<i64>()),
        proptest::option::of("[a-c]{0,3}"),
        proptest::option::of(any::<f64>()),
        proptest::option::of((any::<i32>(), 0u32..4).prop_map(|(v, s)| {
            let sign = if v < 0 { "-" } else { "" };
            let abs = v.unsigned_abs();
            let p = 10u32.pow(s);
            format!("{sign}{}.{:0w$}", abs / p, abs % p, w = s as usize)
        })),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..4)),
        proptest::option::of("[a-c]{0,3}"),
    )
}

/// Changes one value so its canonical form differs.
fn mutate(r: &mut Row, col: usize) {
    match col {
        0 => r.0 = r.0.map_or(Some(0), |v| Some(v ^ 1)),
        1 => r.1 = r.1.take().map_or(Some(String::new()), |v| Some(v + "x")),
        2 => {
            r.2 = match r.2 {
                Some(v) if !v.is_nan() => Some(f64::from_bits(v.to_bits() ^ 1)),
                Some(_) => Some(0.0),
                None => Some(f64::NAN),
            }
        }
        3 => r.3 = r.3.take().map_or(Some("0".into()), |v| Some(v + "1")),
        4 => {
            r.4 = r.4.take().map_or(Some(vec![]), |mut v| {
                v.push(0);
                Some(v)
            })
        }
        _ => {
            r.5 = if r.5.is_some() {
                None
            } else {
                Some("a".into())
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn digest_ignores_order_and_batch_split(
        rows in proptest::collection::vec(row(), 1..60),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..5),
        perm in any::<u64>(),
    ) {
        let whole = digest_of(&[&rows]);
        let mut shuffled = rows.clone();
        // Deterministic shuffle from `perm` (Fisher-Yates with an LCG).
        let mut state = perm | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let j = usize::try_from(state >> 33).unwrap() % (i + 1);
            shuffled.swap(i, j);
        }
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(shuffled.len() + 1)).collect();
        points.sort_unstable();
        let mut parts: Vec<&[Row]> = Vec::new();
        let mut start = 0;
        for p in points {
            parts.push(&shuffled[start..p]);
            start = p;
        }
        parts.push(&shuffled[start..]);
        prop_assert_eq!(digest_of(&parts), whole);
    }

    #[test]
    fn any_single_value_change_alters_digest(
        rows in proptest::collection::vec(row(), 1..40),
        at in any::<prop::sample::Index>(),
        col in 0usize..6,
    ) {
        let before = digest_of(&[&rows]);
        let mut changed = rows.clone();
        mutate(&mut changed[at.index(rows.len())], col);
        prop_assert_ne!(digest_of(&[&changed]), before);
    }

    #[test]
    fn swapping_two_columns_alters_digest(
        rows in proptest::collection::vec(row(), 1..40),
        at in any::<prop::sample::Index>(),
    ) {
        let r = at.index(rows.len());
        prop_assume!(rows[r].1 != rows[r].5);
        let before = digest_of(&[&rows]);
        let mut swapped = rows.clone();
        let row = &mut swapped[r];
        std::mem::swap(&mut row.1, &mut row.5);
        prop_assert_ne!(digest_of(&[&swapped]), before);
    }
}

#[test]
fn length_prefix_separates_adjacent_values() {
    let a: Row = (None, Some("ab".into()), None, None, None, Some("c".into()));
    let b: Row = (None, Some("a".into()), None, None, None, Some("bc".into()));
    assert_ne!(digest_of(&[&[a]]), digest_of(&[&[b]]));
}

#[test]
fn null_differs_from_empty_string() {
    let a: Row = (None, None, None, None, None, None);
    let b: Row = (None, Some(String::new()), None, None, None, None);
    assert_ne!(digest_of(&[&[a]]), digest_of(&[&[b]]));
}

#[test]
fn setup_errors_are_typed() {
    let err = RowHasher::new(schema(), &[], &[]).unwrap_err();
    assert!(matches!(err, VerifyError::Setup { .. }));
    let list = Arc::new(Schema::new(vec![Field::new(
        "l",
        DataType::List(Arc::new(Field::new("x", DataType::Int32, true))),
        true,
    )]));
    let err = RowHasher::new(list, &[LogicalType::Text { max_bytes: None }], &[true]).unwrap_err();
    assert!(matches!(err, VerifyError::UnsupportedType { .. }), "{err}");
}

#[test]
fn row_hashes_do_not_depend_on_chunk_boundaries() {
    // More rows than one rayon chunk: hashing the whole batch must give each
    // row the hash it gets when hashed alone.
    let rows: Vec<Row> = (0..5000)
        .map(|i| {
            (
                Some(i64::from(i)),
                Some(format!("v{i}")),
                (i % 3 == 0).then_some(1.5),
                None,
                Some(vec![0xFB; usize::try_from(i % 5).unwrap()]),
                Some("x".repeat(usize::try_from(i % 7).unwrap())),
            )
        })
        .collect();
    let whole = batch(&rows);
    let h = hasher();
    let all = h.hash_batch(&whole).unwrap();
    assert_eq!(all.len(), 5000);
    for i in [0usize, 1, 2047, 2048, 2049, 4095, 4096, 4999] {
        let one = h.hash_batch(&whole.slice(i, 1)).unwrap();
        assert_eq!(one, [all[i]], "row {i}");
    }
}

#[test]
fn a_long_row_hashed_value_by_value_hashes_as_if_gathered() {
    let long: Row = (
        Some(7),
        Some("k".into()),
        None,
        Some("1.50".into()),
        Some(vec![0xAB; 3 * GATHER_LIMIT]),
        Some("tail".into()),
    );
    let short: Row = (Some(8), None, Some(2.5), None, Some(vec![1, 2]), None);
    let b = batch(&[short.clone(), long, short]);
    let h = hasher();
    let columns = h.columns(&b).unwrap();
    let streamed = hash_chunk(&columns, 0..3, GATHER_LIMIT);
    let gathered = hash_chunk(&columns, 0..3, usize::MAX);
    assert_eq!(streamed, gathered);
    assert_eq!(streamed[0], streamed[2]);
    assert_ne!(streamed[0], streamed[1]);
    assert_eq!(h.hash_batch(&b).unwrap(), streamed);
}

#[test]
fn equal_values_hash_equal_whether_read_direct_or_rewritten() {
    // Scale 2: the first batch is already in canonical form (its decimal
    // column is hashed from the Arrow buffer), the second needs rewriting.
    let row = |d: &str| -> Row { (Some(1), Some("k".into()), None, Some(d.into()), None, None) };
    let direct = batch(&[row("1.50"), row("-0.25"), row("7.00"), row("0.00")]);
    let rewritten = batch(&[row("1.5"), row("-0.250"), row("7"), row("-0")]);
    let h = hasher();
    assert_eq!(
        h.hash_batch(&direct).unwrap(),
        h.hash_batch(&rewritten).unwrap()
    );
    let cols = h.columns(&direct).unwrap();
    assert!(cols[3].direct(0..4).is_some());
    assert!(h.columns(&rewritten).unwrap()[3].direct(0..4).is_none());
}

#[test]
fn rows_in_later_gather_blocks_hash_as_when_alone() {
    // ~1 KiB rows: one 2,048-row chunk spans several gather blocks, so the
    // written float column and the direct text column are scattered from
    // chunk rows past the first block's.
    let rows: Vec<Row> = (0..2048)
        .map(|i| {
            (
                Some(i64::from(i)),
                Some("y".repeat(1000 + usize::try_from(i % 13).unwrap())),
                (i % 2 == 0).then_some(f64::from(i) / 3.0),
                Some(format!("{i}.5")),
                None,
                (i % 5 == 0).then(|| format!("t{i}")),
            )
        })
        .collect();
    let whole = batch(&rows);
    assert!(whole.get_array_memory_size() > 2 * super::super::gather::BLOCK_BYTES);
    let h = hasher();
    let all = h.hash_batch(&whole).unwrap();
    for i in [0usize, 200, 255, 256, 700, 1500, 2047] {
        let one = h.hash_batch(&whole.slice(i, 1)).unwrap();
        assert_eq!(one, [all[i]], "row {i}");
    }
}
