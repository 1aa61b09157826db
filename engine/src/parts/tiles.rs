//! Ranges between cut points: sampled key tuples, or heap blocks.

use ferry_connectors::{KeyColumn, KeyRange, KeyTuple, KeyValue};

/// The ranges `(-inf, c1), [c1, c2), ..., [cn, +inf)` between cut points
/// given in increasing order *as the source compares them*. Only exact
/// duplicates are dropped (they would make empty parts); points equal under
/// the source's collation but different in bytes make an empty part between
/// them, which loses or doubles no row. No cut points: one unbounded range.
pub fn ranges_between(columns: &[KeyColumn], mut cuts: Vec<KeyTuple>) -> Vec<KeyRange> {
    cuts.dedup();
    let range = |low: Option<KeyTuple>, high: Option<KeyTuple>| KeyRange {
        columns: columns.to_vec(),
        low,
        high,
    };
    let lows = std::iter::once(None).chain(cuts.iter().cloned().map(Some));
    let highs = cuts.iter().cloned().map(Some).chain(std::iter::once(None));
    lows.zip(highs).map(|(l, h)| range(l, h)).collect()
}

/// Up to `parts` ranges of whole heap blocks of the address `column` over a
/// table of `blocks` blocks; the last is unbounded, so rows added past the
/// measured end (new blocks) are still read.
pub fn block_ranges(column: &str, blocks: u64, parts: usize) -> Vec<KeyRange> {
    let parts = u64::try_from(parts.max(1))
        .unwrap_or(u64::MAX)
        .min(blocks.max(1));
    let cuts: Vec<KeyTuple> = (1..parts)
        .filter_map(|i| {
            let block = u128::from(blocks) * u128::from(i) / u128::from(parts);
            u32::try_from(block).ok().map(|b| vec![KeyValue::Block(b)])
        })
        .collect();
    ranges_between(&[KeyColumn::not_null(column)], cuts)
}
