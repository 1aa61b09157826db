#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use ferry_connectors::{pick_quantiles, KeyColumn, KeyRange, KeyTuple, KeyValue};
use ferry_schema::{Column, LogicalType, PrimaryKey, Table, UniqueConstraint};
use proptest::prelude::*;

fn keyed(types: &[LogicalType], key: &[&str]) -> Table {
    let columns = types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut c = Column::new(format!("c{i}"), t.clone());
            c.nullable = false;
            c.source_type = format!("{t:?}");
            c
        })
        .collect();
    let mut table = Table::new("t", columns);
    if !key.is_empty() {
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: key.iter().map(|k| k.to_string()).collect(),
        });
    }
    table
}

fn int(bits: u8, unsigned: bool) -> LogicalType {
    LogicalType::Int { bits, unsigned }
}

fn text_type() -> LogicalType {
    LogicalType::Varchar { length: Some(20) }
}

fn cols(names: &[&str]) -> Vec<KeyColumn> {
    names.iter().map(|n| KeyColumn::not_null(*n)).collect()
}

fn integer(column: &str, key: Option<Vec<KeyColumn>>) -> SplitMethod {
    SplitMethod::Integer {
        column: column.into(),
        key,
    }
}

#[test]
fn integer_led_keys_split_evenly() {
    for t in [
        int(8, false),
        int(32, false),
        int(64, false),
        int(24, true),
        int(32, true),
    ] {
        assert_eq!(split_method(&keyed(&[t], &["c0"])), Ok(integer("c0", None)));
    }
    // A composite key led by an integer keeps the whole key for narrow spans.
    let pair = keyed(&[int(64, false), text_type()], &["c0", "c1"]);
    assert_eq!(
        split_method(&pair),
        Ok(integer("c0", Some(cols(&["c0", "c1"]))))
    );
    // ... and still splits on the integer when a later column cannot be a bound.
    let dated = keyed(&[int(64, false), LogicalType::Date], &["c0", "c1"]);
    assert_eq!(split_method(&dated), Ok(integer("c0", None)));
}

#[test]
fn text_uuid_binary_composite_and_wide_unsigned_keys_use_quantiles() {
    let quantiles = |names: &[&str]| {
        Ok(SplitMethod::Quantiles {
            columns: cols(names),
        })
    };
    assert_eq!(
        split_method(&keyed(&[text_type()], &["c0"])),
        quantiles(&["c0"])
    );
    assert_eq!(
        split_method(&keyed(&[LogicalType::Uuid], &["c0"])),
        quantiles(&["c0"])
    );
    assert_eq!(
        split_method(&keyed(&[LogicalType::Varbinary { length: None }], &["c0"])),
        quantiles(&["c0"])
    );
    assert_eq!(
        split_method(&keyed(&[int(64, true)], &["c0"])),
        quantiles(&["c0"])
    );
    assert_eq!(
        split_method(&keyed(&[text_type(), int(32, false)], &["c0", "c1"])),
        quantiles(&["c0", "c1"])
    );
}

#[test]
fn other_keys_are_refused_with_the_column_named() {
    let reason = split_method(&keyed(&[LogicalType::Date], &["c0"])).expect_err("refused");
    assert!(reason.contains("c0") && reason.contains("Date"), "{reason}");
    let reason = split_method(&keyed(&[text_type(), LogicalType::Float64], &["c0", "c1"]))
        .expect_err("refused");
    assert!(reason.contains("c1"), "{reason}");
}

#[test]
fn keyless_tables_go_by_row_address_and_nullable_uniques_are_not_keys() {
    assert_eq!(
        split_method(&keyed(&[int(32, false)], &[])),
        Ok(SplitMethod::RowAddress)
    );
    let mut table = keyed(&[int(64, false)], &[]);
    table.columns[0].nullable = true;
    table.uniques.push(UniqueConstraint {
        name: "u".into(),
        columns: vec!["c0".into()],
    });
    // A nullable UNIQUE column is not a verify key: the table is keyless.
    assert_eq!(split_method(&table), Ok(SplitMethod::RowAddress));
    table.columns[0].nullable = false;
    assert_eq!(split_method(&table), Ok(integer("c0", None)));
}

/// Checks the ranges are ordered, share bounds, and start and end unbounded.
fn assert_tiles(parts: &[KeyRange]) {
    assert!(!parts.is_empty());
    assert_eq!(parts[0].low, None);
    assert_eq!(parts[parts.len() - 1].high, None);
    for pair in parts.windows(2) {
        assert!(pair[0].high.is_some());
        assert_eq!(pair[0].high, pair[1].low, "gap or overlap: {parts:?}");
    }
}

/// Which part a key falls in; every key falls in exactly one.
fn part_of(parts: &[KeyRange], key: &[Option<KeyValue>]) -> usize {
    let hits: Vec<usize> = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.contains(key))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "key {key:?} in parts {hits:?} of {parts:?}");
    hits[0]
}

fn int_key(k: i64) -> [Option<KeyValue>; 1] {
    [Some(KeyValue::Int(k))]
}

#[test]
fn empty_table_is_one_part() {
    let parts = even_ranges("id", 0, 0, 0, 1000, MAX_PARTS);
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].condition(ferry_schema::Dialect::Postgres), None);
    assert_eq!(ranges_between(&cols(&["s"]), Vec::new()).len(), 1);
    assert_eq!(block_ranges("ctid", 0, 8).len(), 1);
    assert_eq!(parts_wanted(0, 1000, MAX_PARTS), 1);
}

#[test]
fn one_row_is_one_part() {
    let parts = even_ranges("id", 7, 7, 1, 1, MAX_PARTS);
    assert_eq!(parts.len(), 1);
    let sorted = vec![vec![KeyValue::Text("only".into())]];
    let cuts = pick_quantiles(&sorted, parts_wanted(1, 1, MAX_PARTS));
    assert!(cuts.is_empty());
    assert_eq!(ranges_between(&cols(&["s"]), cuts).len(), 1);
}

#[test]
fn even_integer_keys_cut_into_even_parts() {
    let parts = even_ranges("id", 1, 100_000, 100_000, 10_000, MAX_PARTS);
    assert_eq!(parts.len(), 10);
    assert_tiles(&parts);
    let mut counts = vec![0u64; parts.len()];
    for k in 1..=100_000 {
        counts[part_of(&parts, &int_key(k))] += 1;
    }
    assert!(counts.iter().all(|&c| c == 10_000), "{counts:?}");
}

#[test]
fn skewed_integer_keys_are_all_covered() {
    // 40 000 dense keys and 10 far away: parts are uneven, none is lost.
    let keys: Vec<i64> = (1..=40_000).chain(1_000_000_000..1_000_000_010).collect();
    let parts = even_ranges("id", 1, 1_000_000_009, 40_010, 1000, MAX_PARTS);
    assert_eq!(parts.len(), 41);
    assert_tiles(&parts);
    let mut counts = vec![0u64; parts.len()];
    for &k in &keys {
        counts[part_of(&parts, &int_key(k))] += 1;
    }
    assert_eq!(counts.iter().sum::<u64>(), 40_010);
    // Rows inserted outside the measured range after measuring still land somewhere.
    part_of(&parts, &int_key(-5));
    part_of(&parts, &int_key(i64::MAX));
}

#[test]
fn skewed_keys_cut_by_quantiles_give_even_parts() {
    // The same skew through sampled cut points: parts even in rows.
    let keys: Vec<KeyTuple> = (1..=40_000i64)
        .chain(1_000_000_000..1_000_000_010)
        .map(|k| vec![KeyValue::Int(k)])
        .collect();
    let parts = ranges_between(&cols(&["id"]), pick_quantiles(&keys, 8));
    assert_eq!(parts.len(), 8);
    let mut counts = vec![0u64; parts.len()];
    for k in &keys {
        counts[part_of(&parts, &[Some(k[0].clone())])] += 1;
    }
    assert!(
        counts.iter().all(|&c| (5000..=5011).contains(&c)),
        "{counts:?}"
    );
}

#[test]
fn fewer_distinct_values_than_parts_cap_the_parts() {
    let parts = even_ranges("id", 10, 12, 3_000, 1, MAX_PARTS);
    assert_eq!(parts.len(), 3);
    assert_tiles(&parts);
    // Three distinct strings over 3 000 rows: at most three parts.
    let sorted: Vec<KeyTuple> = ["a", "b", "c"]
        .iter()
        .flat_map(|s| std::iter::repeat_n(vec![KeyValue::Text(s.to_string())], 1000))
        .collect();
    let parts = ranges_between(&cols(&["s"]), pick_quantiles(&sorted, 64));
    assert_eq!(parts.len(), 3, "{parts:?}");
    assert_tiles(&parts);
    let owner = |s: &str| part_of(&parts, &[Some(KeyValue::Text(s.into()))]);
    assert_ne!(owner("a"), owner("b"));
    assert_ne!(owner("b"), owner("c"));
}

#[test]
fn composite_string_keys_tile() {
    let sorted: Vec<KeyTuple> = ["apple", "apple", "bean", "corn", "corn", "corn"]
        .iter()
        .zip([1, 2, 1, 1, 2, 3])
        .map(|(s, i)| vec![KeyValue::Text(s.to_string()), KeyValue::Int(i)])
        .collect();
    let parts = ranges_between(&cols(&["name", "n"]), pick_quantiles(&sorted, 3));
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[1].low, Some(sorted[2].clone()));
    assert_eq!(parts[2].low, Some(sorted[4].clone()));
    let owners: Vec<usize> = sorted
        .iter()
        .map(|k| part_of(&parts, &[Some(k[0].clone()), Some(k[1].clone())]))
        .collect();
    assert_eq!(owners, [0, 0, 1, 1, 2, 2]);
}

#[test]
fn uuid_keys_tile() {
    let sorted: Vec<KeyTuple> = (0u8..100)
        .map(|i| {
            let mut u = [0u8; 16];
            u[0] = i;
            u[15] = 255 - i;
            vec![KeyValue::Uuid(u)]
        })
        .collect();
    let parts = ranges_between(&cols(&["id"]), pick_quantiles(&sorted, 4));
    assert_eq!(parts.len(), 4);
    let mut counts = [0usize; 4];
    for k in &sorted {
        counts[part_of(&parts, &[Some(k[0].clone())])] += 1;
    }
    assert_eq!(counts, [25, 25, 25, 25]);
}

#[test]
fn null_bearing_keys_land_in_the_first_part() {
    let columns = vec![
        KeyColumn::not_null("a"),
        KeyColumn {
            name: "b".into(),
            nullable: true,
        },
    ];
    let cuts = vec![
        vec![KeyValue::Int(5), KeyValue::Int(0)],
        vec![KeyValue::Int(9), KeyValue::Int(0)],
    ];
    let parts = ranges_between(&columns, cuts);
    for a in [0, 5, 7, 9, 12] {
        assert_eq!(part_of(&parts, &[Some(KeyValue::Int(a)), None]), 0);
        part_of(&parts, &[Some(KeyValue::Int(a)), Some(KeyValue::Int(-1))]);
    }
}

#[test]
fn block_ranges_cover_every_block_and_later_ones() {
    let parts = block_ranges("ctid", 1000, 4);
    assert_eq!(parts.len(), 4);
    assert_tiles(&parts);
    assert_eq!(parts[1].low, Some(vec![KeyValue::Block(250)]));
    for b in [0, 249, 250, 999, 5000] {
        part_of(&parts, &[Some(KeyValue::Block(b))]);
    }
    // Fewer blocks than parts: one part per block at most.
    assert_eq!(block_ranges("ctid", 3, 64).len(), 3);
}

#[test]
fn extreme_bounds_do_not_overflow() {
    let parts = even_ranges("id", i64::MIN, i64::MAX, u64::MAX, 1, MAX_PARTS);
    assert_eq!(parts.len(), MAX_PARTS);
    assert_tiles(&parts);
    for k in [i64::MIN, -1, 0, 1, i64::MAX] {
        part_of(&parts, &int_key(k));
    }
    let parts = even_ranges("id", i64::MAX - 1, i64::MAX, 10, 1, MAX_PARTS);
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].high, Some(vec![KeyValue::Int(i64::MAX)]));
    assert_eq!(parts_wanted(u64::MAX, 1, MAX_PARTS), MAX_PARTS);
    assert_eq!(parts_wanted(100, 0, 4), 4);
}

proptest! {
    /// For random keys and random cut points (sorted, possibly repeated),
    /// every key falls in exactly one range.
    #[test]
    fn random_cuts_tile_random_keys(
        keys in proptest::collection::vec((-50i64..50, "[ab]{0,2}"), 0..80),
        cuts in proptest::collection::vec((-60i64..60, "[ab]{0,2}"), 0..10),
    ) {
        let tuple = |(i, s): (i64, String)| vec![KeyValue::Int(i), KeyValue::Text(s)];
        let mut cuts: Vec<KeyTuple> = cuts.into_iter().map(tuple).collect();
        cuts.sort_by(|a, b| {
            a.iter().zip(b).map(|(x, y)| x.natural_cmp(y)).find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let parts = ranges_between(&cols(&["i", "s"]), cuts);
        for key in keys.into_iter().map(tuple) {
            let row: Vec<Option<KeyValue>> = key.into_iter().map(Some).collect();
            let hits = parts.iter().filter(|p| p.contains(&row)).count();
            prop_assert_eq!(hits, 1, "{:?}", row);
        }
    }

    /// Integer ranges tile too, whatever the bounds and sizes.
    #[test]
    fn even_ranges_tile(min in any::<i64>(), len in 0u64..1_000_000, rows in 0u64..10_000, per in 0u64..500, k in any::<i64>()) {
        let max = min.saturating_add_unsigned(len);
        let parts = even_ranges("id", min, max, rows, per, MAX_PARTS);
        prop_assert!(parts.len() <= MAX_PARTS);
        let hits = parts.iter().filter(|p| p.contains(&int_key(k))).count();
        prop_assert_eq!(hits, 1);
    }
}
