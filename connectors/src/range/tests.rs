#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use proptest::prelude::*;

fn text(s: &str) -> KeyValue {
    KeyValue::Text(s.to_string())
}

fn range(columns: &[(&str, bool)], low: Option<KeyTuple>, high: Option<KeyTuple>) -> KeyRange {
    KeyRange {
        columns: columns
            .iter()
            .map(|(n, nullable)| KeyColumn {
                name: n.to_string(),
                nullable: *nullable,
            })
            .collect(),
        low,
        high,
    }
}

#[test]
fn integer_ranges_print_as_before() {
    let r = |low, high| KeyRange::integer("we\"ird", low, high);
    assert_eq!(r(None, None).condition(Dialect::Postgres), None);
    assert_eq!(
        r(Some(-5), None).condition(Dialect::Postgres).as_deref(),
        Some("\"we\"\"ird\" >= -5")
    );
    assert_eq!(
        r(None, Some(i64::MAX)).condition(Dialect::MySql).as_deref(),
        Some("`we\"ird` < 9223372036854775807")
    );
    assert_eq!(
        r(Some(i64::MIN), Some(0))
            .condition(Dialect::Sqlite)
            .as_deref(),
        Some("\"we\"\"ird\" >= -9223372036854775808 AND \"we\"\"ird\" < 0")
    );
}

#[test]
fn composite_bounds_lead_with_a_sargable_conjunct() {
    let r = range(
        &[("a", false), ("b", false)],
        Some(vec![text("x"), KeyValue::Int(3)]),
        Some(vec![text("y"), KeyValue::Int(7)]),
    );
    assert_eq!(
        r.condition(Dialect::Postgres).unwrap(),
        "\"a\" >= E'x' AND (\"a\" > E'x' OR (\"a\" = E'x' AND \"b\" >= 3)) \
         AND \"a\" <= E'y' AND (\"a\" < E'y' OR (\"a\" = E'y' AND \"b\" < 7))"
    );
    let three = range(
        &[("a", false), ("b", false), ("c", false)],
        None,
        Some(vec![KeyValue::Int(1), KeyValue::Int(2), KeyValue::Int(3)]),
    );
    assert_eq!(
        three.condition(Dialect::MySql).unwrap(),
        "`a` <= 1 AND (`a` < 1 OR (`a` = 1 AND (`b` < 2 OR (`b` = 2 AND `c` < 3))))"
    );
}

#[test]
fn hostile_text_is_escaped_per_dialect() {
    let hostile = "it's a \\'; DROP TABLE x; -- ünï\u{1F600}\\";
    let r = range(&[("k", false)], Some(vec![text(hostile)]), None);
    assert_eq!(
        r.condition(Dialect::Postgres).unwrap(),
        "\"k\" >= E'it''s a \\\\''; DROP TABLE x; -- ünï\u{1F600}\\\\'"
    );
    assert_eq!(
        r.condition(Dialect::Sqlite).unwrap(),
        "\"k\" >= 'it''s a \\''; DROP TABLE x; -- ünï\u{1F600}\\'"
    );
    // MySQL: hex, so neither quotes nor backslashes reach the parser.
    let my = r.condition(Dialect::MySql).unwrap();
    assert!(
        my.starts_with("`k` >= _utf8mb4 X'697427732061205c273b"),
        "{my}"
    );
    assert!(
        !my[7..].contains('\\') && my.matches('\'').count() == 2,
        "{my}"
    );
    let nul = range(&[("k", false)], None, Some(vec![text("a\0b")]));
    assert_eq!(
        nul.condition(Dialect::Sqlite).unwrap(),
        "\"k\" < CAST(X'610062' AS TEXT)"
    );
}

#[test]
fn bytes_uuids_and_blocks_are_typed_literals() {
    let u = parse_uuid_text("123e4567-e89b-12d3-a456-426614174000");
    let r = range(
        &[("b", false), ("u", false)],
        Some(vec![
            KeyValue::Bytes(vec![0, 0xff, b'\'']),
            KeyValue::Uuid(u),
        ]),
        None,
    );
    let pg = r.condition(Dialect::Postgres).unwrap();
    assert!(pg.starts_with("\"b\" >= E'\\\\x00ff27'::bytea"), "{pg}");
    assert!(
        pg.ends_with("\"u\" >= '123e4567-e89b-12d3-a456-426614174000'::uuid))"),
        "{pg}"
    );
    let my = r.condition(Dialect::MySql).unwrap();
    assert!(my.starts_with("`b` >= X'00ff27'"), "{my}");
    assert!(my.contains("`u` >= '123e4567-e89b-12d3-a456-426614174000'"));
    let ctid = KeyRange {
        columns: vec![KeyColumn::not_null("ctid")],
        low: Some(vec![KeyValue::Block(8)]),
        high: Some(vec![KeyValue::Block(16)]),
    };
    assert_eq!(
        ctid.condition(Dialect::Postgres).unwrap(),
        "\"ctid\" >= '(8,0)'::tid AND \"ctid\" < '(16,0)'::tid"
    );
    assert_eq!(
        KeyValue::UInt(u64::MAX).natural_cmp(&KeyValue::Int(-1)),
        std::cmp::Ordering::Greater
    );
}

fn parse_uuid_text(s: &str) -> [u8; 16] {
    literal::parse_uuid(s).unwrap()
}

#[test]
fn nulls_go_to_the_first_part_only() {
    let cols = [("a", true), ("b", true)];
    let cut = vec![KeyValue::Int(5), KeyValue::Int(5)];
    let parts = [
        range(&cols, None, Some(cut.clone())),
        range(&cols, Some(cut), None),
    ];
    assert_eq!(
        parts[0].condition(Dialect::Postgres).unwrap(),
        "(\"a\" <= 5 AND (\"a\" < 5 OR (\"a\" = 5 AND \"b\" < 5))) OR \"a\" IS NULL OR \"b\" IS NULL"
    );
    assert_eq!(
        parts[1].condition(Dialect::MySql).unwrap(),
        "`a` >= 5 AND (`a` > 5 OR (`a` = 5 AND `b` >= 5)) AND `b` IS NOT NULL"
    );
    let i = |v| Some(KeyValue::Int(v));
    for row in [
        [None, None],
        [None, i(9)],
        [i(9), None],
        [i(1), None],
        [i(5), None],
        [i(5), i(5)],
        [i(5), i(4)],
        [i(9), i(0)],
    ] {
        let hits = parts.iter().filter(|p| p.contains(&row)).count();
        assert_eq!(hits, 1, "{row:?}");
    }
}

#[test]
fn quantiles_follow_the_given_order_and_skip_duplicates() {
    let keys: Vec<KeyTuple> = [1, 1, 1, 1, 2, 3, 3, 3]
        .iter()
        .map(|&v| vec![KeyValue::Int(v)])
        .collect();
    // Quantile positions 2, 4, 6 are 1, 2, 3: the leading 1 would only make
    // an empty first part.
    assert_eq!(
        pick_quantiles(&keys, 4),
        vec![vec![KeyValue::Int(2)], vec![KeyValue::Int(3)]]
    );
    assert!(pick_quantiles(&[], 4).is_empty());
    assert!(pick_quantiles(&keys, 1).is_empty());
    assert_eq!(stride_for(1000, 4), 250);
    assert_eq!(stride_for(3, 64), 1);
}

/// Cuts in increasing order under `cmp` make ranges that take every key
/// exactly once, ties (equal under `cmp`, different bytes) included.
fn check_tiling(
    keys: &[Vec<Option<KeyValue>>],
    cuts: &[KeyTuple],
    nullable: bool,
    cmp: &dyn Fn(&KeyValue, &KeyValue) -> std::cmp::Ordering,
) -> Result<(), TestCaseError> {
    let width = keys.first().map_or(1, Vec::len);
    let names: Vec<(String, bool)> = (0..width).map(|i| (format!("c{i}"), nullable)).collect();
    let columns: Vec<(&str, bool)> = names.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let lows = std::iter::once(None).chain(cuts.iter().cloned().map(Some));
    let highs = cuts.iter().cloned().map(Some).chain(std::iter::once(None));
    let parts: Vec<KeyRange> = lows
        .zip(highs)
        .map(|(l, h)| range(&columns, l, h))
        .collect();
    for key in keys {
        let hits = parts.iter().filter(|p| p.contains_by(key, cmp)).count();
        prop_assert_eq!(hits, 1, "{:?} with cuts {:?}", key, cuts);
    }
    Ok(())
}

fn ci(a: &KeyValue, b: &KeyValue) -> std::cmp::Ordering {
    match (a, b) {
        // Case-insensitive and PAD SPACE, like utf8mb4_general_ci.
        (KeyValue::Text(x), KeyValue::Text(y)) => x
            .trim_end_matches(' ')
            .to_lowercase()
            .cmp(&y.trim_end_matches(' ').to_lowercase()),
        _ => a.natural_cmp(b),
    }
}

fn tuple_cmp(
    a: &[KeyValue],
    b: &[KeyValue],
    cmp: &dyn Fn(&KeyValue, &KeyValue) -> std::cmp::Ordering,
) -> std::cmp::Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| cmp(x, y))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

proptest! {
    #[test]
    fn sampled_cuts_tile_composite_keys(
        mut keys in proptest::collection::vec(
            ("[aAbB ]{0,3}", -3i64..3), 0..60),
        parts in 1usize..10,
    ) {
        let rows: Vec<KeyTuple> = keys
            .drain(..)
            .map(|(s, i)| vec![KeyValue::Text(s), KeyValue::Int(i)])
            .collect();
        let mut sorted = rows.clone();
        // The server's order: case-insensitive with ties in arbitrary order.
        sorted.sort_by(|a, b| tuple_cmp(a, b, &ci));
        let cuts = pick_quantiles(&sorted, parts);
        let keys: Vec<Vec<Option<KeyValue>>> =
            rows.into_iter().map(|r| r.into_iter().map(Some).collect()).collect();
        check_tiling(&keys, &cuts, false, &ci)?;
    }

    #[test]
    fn cuts_tile_nullable_keys(
        keys in proptest::collection::vec(
            (proptest::option::of(-5i64..5), proptest::option::of(-5i64..5)), 0..60),
        cuts in proptest::collection::vec((-6i64..6, -6i64..6), 0..6),
    ) {
        let mut cuts: Vec<KeyTuple> = cuts
            .into_iter()
            .map(|(a, b)| vec![KeyValue::Int(a), KeyValue::Int(b)])
            .collect();
        cuts.sort_by(|a, b| tuple_cmp(a, b, &KeyValue::natural_cmp));
        let keys: Vec<Vec<Option<KeyValue>>> = keys
            .into_iter()
            .map(|(a, b)| vec![a.map(KeyValue::Int), b.map(KeyValue::Int)])
            .collect();
        check_tiling(&keys, &cuts, true, &KeyValue::natural_cmp)?;
    }
}

#[test]
fn stride_cuts_keep_every_stride_th_key_without_ties_and_stop_when_full() {
    let key = |v: i64| vec![KeyValue::Int(v)];
    // 10 keys in 3 parts: stride 3, so keys 3, 6 (and 9 would be a third).
    let mut cuts = super::StrideCuts::new(10, 3);
    let mut offered = Vec::new();
    for v in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] {
        if cuts.next_is_cut() {
            offered.push(v);
            cuts.push(key(v));
        }
    }
    assert!(cuts.is_full());
    assert_eq!(offered, [3, 6], "nothing is decoded once full");
    assert_eq!(cuts.finish(), [key(3), key(6)]);

    // Ties under the collation: a cut equal to the last is dropped.
    let mut ties = super::StrideCuts::new(6, 4);
    for v in [1, 1, 1, 1, 2, 2] {
        if ties.next_is_cut() {
            ties.push(key(v));
        }
    }
    assert_eq!(ties.finish(), [key(1), key(2)]);
}
