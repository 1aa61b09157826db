//! Cutting a large table into parts: key ranges copied as separate work units.
//!
//! ```text
//! count_rows > --split-larger-than ─▶ split_key (key leads with an integer?)
//!   ─▶ Source::key_bounds (min, max) ─▶ plan_parts ─▶ [KeyRange; n] ─▶ one copy_table each
//! ```
//!
//! Pure: no I/O, so the planning is tested without a server. Ranges are cut
//! evenly over `[min, max]`, which assumes keys are spread roughly evenly; a
//! skewed key gives uneven (possibly empty) parts, never missing or doubled
//! rows, since the ranges always tile the whole key space.

use ferry_connectors::KeyRange;
use ferry_schema::{LogicalType, Table};

/// Most parts one table is cut into, whatever its size.
pub const MAX_PARTS: usize = 64;

/// The column a table can be split on, or why it cannot: the leading column
/// of its key ([`Table::verify_key`]), which must be a signed integer or an
/// unsigned one of at most 32 bits (an unsigned BIGINT may exceed `i64`).
/// Ranges of a composite key's first column still cut the rows into disjoint
/// parts (it is NOT NULL, like every key column ferry splits on).
pub fn split_key(table: &Table) -> Result<&str, String> {
    let key = table
        .verify_key()
        .ok_or_else(|| "it has no primary key or NOT NULL unique key".to_string())?;
    let Some(column) = key.first() else {
        return Err("its key has no columns".to_string());
    };
    let Some(col) = table.column(column) else {
        return Err(format!("its key column {column} is not in the model"));
    };
    match col.logical_type {
        LogicalType::Int {
            unsigned: false, ..
        } => Ok(column),
        LogicalType::Int {
            bits,
            unsigned: true,
        } if bits <= 32 => Ok(column),
        LogicalType::Int { .. } => Err(format!(
            "its key column {column} is an unsigned 64-bit integer, whose values may not fit a signed 64-bit range"
        )),
        _ => Err(format!(
            "its key column {column} is not an integer ({}); only integer keys are split",
            col.source_type
        )),
    }
}

/// Cuts the key space of `column` into at most `max_parts` ranges of about
/// `target_rows_per_part` rows each (assuming keys spread evenly over
/// `[min, max]`), at least one key value wide.
///
/// The ranges tile every `i64`: the first has no lower bound and the last no
/// upper bound, so rows inserted outside `[min, max]` after measuring are still
/// read. `rows == 0`, a single part or `min >= max` give one unbounded range.
pub fn plan_parts(
    column: &str,
    min: i64,
    max: i64,
    rows: u64,
    target_rows_per_part: u64,
    max_parts: usize,
) -> Vec<KeyRange> {
    let whole = |low, high| KeyRange {
        column: column.to_string(),
        low,
        high,
    };
    // i128: max - min + 1 can reach 2^64.
    let span = i128::from(max) - i128::from(min) + 1;
    let wanted = i128::from(rows.div_ceil(target_rows_per_part.max(1)));
    let cap = i128::try_from(max_parts.max(1)).unwrap_or(i128::MAX);
    let parts = wanted.min(cap).min(span);
    if parts <= 1 {
        return vec![whole(None, None)];
    }
    // parts <= span, so the cuts are strictly increasing and inside (min, max].
    let cuts: Vec<i64> = (1..parts)
        .filter_map(|i| i64::try_from(i128::from(min) + span * i / parts).ok())
        .collect();
    let lows = std::iter::once(None).chain(cuts.iter().copied().map(Some));
    let highs = cuts.iter().copied().map(Some).chain(std::iter::once(None));
    lows.zip(highs)
        .map(|(low, high)| whole(low, high))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use ferry_schema::{Column, PrimaryKey, UniqueConstraint};

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

    #[test]
    fn split_key_takes_single_integer_keys() {
        for t in [
            int(8, false),
            int(32, false),
            int(64, false),
            int(24, true),
            int(32, true),
        ] {
            assert_eq!(split_key(&keyed(&[t], &["c0"])), Ok("c0"));
        }
    }

    #[test]
    fn split_key_refuses_other_keys_with_a_reason() {
        let refused = |table: Table, why: &str| {
            let reason = split_key(&table).expect_err("refused");
            assert!(reason.contains(why), "{reason}");
        };
        refused(keyed(&[int(64, true)], &["c0"]), "unsigned 64-bit");
        refused(keyed(&[LogicalType::Uuid], &["c0"]), "not an integer");
        refused(
            keyed(&[LogicalType::Uuid, int(32, false)], &["c0", "c1"]),
            "not an integer",
        );
        refused(keyed(&[int(32, false)], &[]), "no primary key");
    }

    /// A composite key splits on its leading column: ranges of it still cut
    /// the rows into disjoint parts (TPC-H lineitem: l_orderkey, l_linenumber).
    #[test]
    fn split_key_takes_the_leading_column_of_a_composite_key() {
        let table = keyed(&[int(64, false), int(32, false)], &["c0", "c1"]);
        assert_eq!(split_key(&table), Ok("c0"));
        let text_first = keyed(
            &[LogicalType::Text { max_bytes: None }, int(64, false)],
            &["c0", "c1"],
        );
        assert!(split_key(&text_first).is_err());
    }

    #[test]
    fn split_key_uses_a_not_null_unique_key_without_a_primary_key() {
        let mut table = keyed(&[int(64, false)], &[]);
        table.uniques.push(UniqueConstraint {
            name: "u".into(),
            columns: vec!["c0".into()],
        });
        assert_eq!(split_key(&table), Ok("c0"));
    }

    /// Checks the ranges tile all of i64 in order without gaps or overlaps.
    fn assert_tiles(parts: &[KeyRange]) {
        assert!(!parts.is_empty());
        assert_eq!(parts[0].low, None);
        assert_eq!(parts[parts.len() - 1].high, None);
        for pair in parts.windows(2) {
            assert!(pair[0].high.is_some());
            assert_eq!(pair[0].high, pair[1].low, "gap or overlap: {parts:?}");
        }
        for p in parts {
            if let (Some(l), Some(h)) = (p.low, p.high) {
                assert!(l < h, "empty range {p:?}");
            }
        }
    }

    /// Which part a key falls in; every key falls in exactly one.
    fn part_of(parts: &[KeyRange], key: i64) -> usize {
        let hits: Vec<usize> = parts
            .iter()
            .enumerate()
            .filter(|(_, p)| p.low.is_none_or(|l| key >= l) && p.high.is_none_or(|h| key < h))
            .map(|(i, _)| i)
            .collect();
        assert_eq!(hits.len(), 1, "key {key} in parts {hits:?} of {parts:?}");
        hits[0]
    }

    #[test]
    fn empty_table_is_not_split() {
        let parts = plan_parts("id", 0, 0, 0, 1000, MAX_PARTS);
        assert_eq!(parts.len(), 1);
        assert_tiles(&parts);
    }

    #[test]
    fn one_row_is_one_part() {
        let parts = plan_parts("id", 7, 7, 1, 1, MAX_PARTS);
        assert_eq!(parts.len(), 1);
        assert_tiles(&parts);
    }

    #[test]
    fn even_keys_cut_into_even_parts() {
        let parts = plan_parts("id", 1, 100_000, 100_000, 10_000, MAX_PARTS);
        assert_eq!(parts.len(), 10);
        assert_tiles(&parts);
        let mut counts = vec![0u64; parts.len()];
        for k in 1..=100_000 {
            counts[part_of(&parts, k)] += 1;
        }
        assert!(counts.iter().all(|&c| c == 10_000), "{counts:?}");
        assert_eq!(parts[0].column, "id");
    }

    #[test]
    fn skewed_keys_are_all_covered() {
        // 40 000 dense keys and 10 far away: parts are uneven, none is lost.
        let keys: Vec<i64> = (1..=40_000).chain(1_000_000_000..1_000_000_010).collect();
        let parts = plan_parts("id", 1, 1_000_000_009, 40_010, 1000, MAX_PARTS);
        assert_eq!(parts.len(), 41);
        assert_tiles(&parts);
        let mut counts = vec![0u64; parts.len()];
        for &k in &keys {
            counts[part_of(&parts, k)] += 1;
        }
        assert_eq!(counts.iter().sum::<u64>(), 40_010);
        // Rows inserted outside the measured range still land somewhere.
        part_of(&parts, -5);
        part_of(&parts, i64::MAX);
    }

    #[test]
    fn few_key_values_cap_the_parts() {
        // Three distinct values cannot make more than three non-empty ranges.
        let parts = plan_parts("id", 10, 12, 3_000, 1, MAX_PARTS);
        assert_eq!(parts.len(), 3);
        assert_tiles(&parts);
        assert_ne!(part_of(&parts, 10), part_of(&parts, 11));
        assert_ne!(part_of(&parts, 11), part_of(&parts, 12));
    }

    #[test]
    fn extreme_bounds_do_not_overflow() {
        let parts = plan_parts("id", i64::MIN, i64::MAX, u64::MAX, 1, MAX_PARTS);
        assert_eq!(parts.len(), MAX_PARTS);
        assert_tiles(&parts);
        for k in [i64::MIN, -1, 0, 1, i64::MAX] {
            part_of(&parts, k);
        }
        let parts = plan_parts("id", i64::MAX - 1, i64::MAX, 10, 1, MAX_PARTS);
        assert_eq!(parts.len(), 2);
        assert_tiles(&parts);
        assert_eq!(parts[0].high, Some(i64::MAX));
        let parts = plan_parts("id", i64::MIN, i64::MIN + 1, 10, 1, MAX_PARTS);
        assert_eq!(parts[0].high, Some(i64::MIN + 1));
    }

    #[test]
    fn parts_count_is_capped() {
        let parts = plan_parts("id", 0, 1_000_000_000, 1_000_000_000, 10, 8);
        assert_eq!(parts.len(), 8);
        assert_tiles(&parts);
        let parts = plan_parts("id", 0, 100, 100, 0, 4);
        assert_eq!(parts.len(), 4);
    }
}
