//! Even ranges of an integer key column.

use ferry_connectors::KeyRange;

/// Cuts the key space of `column` into at most `max_parts` ranges of about
/// `target_rows_per_part` rows each (assuming keys spread evenly over
/// `[min, max]`), at least one key value wide.
///
/// The ranges tile every `i64`: the first has no lower bound and the last no
/// upper bound, so rows inserted outside `[min, max]` after measuring are still
/// read. `rows == 0`, a single part or `min >= max` give one unbounded range.
pub fn even_ranges(
    column: &str,
    min: i64,
    max: i64,
    rows: u64,
    target_rows_per_part: u64,
    max_parts: usize,
) -> Vec<KeyRange> {
    // i128: max - min + 1 can reach 2^64.
    let span = i128::from(max) - i128::from(min) + 1;
    let wanted = i128::from(rows.div_ceil(target_rows_per_part.max(1)));
    let cap = i128::try_from(max_parts.max(1)).unwrap_or(i128::MAX);
    let parts = wanted.min(cap).min(span);
    if parts <= 1 {
        return vec![KeyRange::integer(column, None, None)];
    }
    // parts <= span, so the cuts are strictly increasing and inside (min, max].
    let cuts: Vec<i64> = (1..parts)
        .filter_map(|i| i64::try_from(i128::from(min) + span * i / parts).ok())
        .collect();
    let lows = std::iter::once(None).chain(cuts.iter().copied().map(Some));
    let highs = cuts.iter().copied().map(Some).chain(std::iter::once(None));
    lows.zip(highs)
        .map(|(low, high)| KeyRange::integer(column, low, high))
        .collect()
}
