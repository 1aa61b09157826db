//! Choosing cut points from keys the server returned in its own order.
//!
//! Pure. The keys are never re-sorted here: a server compares text under the
//! column's collation (case-insensitive, PAD SPACE, ...), and only its own
//! order makes the ranges between consecutive cut points tile the rows.

use super::KeyTuple;

/// Every how many keys of an ordered scan of `rows` keys one is kept, to get
/// about `parts - 1` cut points (at least 1).
pub fn stride_for(rows: u64, parts: usize) -> u64 {
    let parts = u64::try_from(parts.max(1)).unwrap_or(u64::MAX);
    (rows / parts).max(1)
}

/// `parts - 1` cut points at the quantiles `i / parts` of `sorted` (keys in
/// the server's order), with adjacent duplicates removed; fewer when there
/// are fewer keys than parts.
pub fn pick_quantiles(sorted: &[KeyTuple], parts: usize) -> Vec<KeyTuple> {
    let n = sorted.len();
    if n == 0 || parts <= 1 {
        return Vec::new();
    }
    let mut cuts: Vec<KeyTuple> = Vec::with_capacity(parts - 1);
    for i in 1..parts {
        // i * n / parts < n for i < parts; u128 so the product cannot overflow.
        let at = u128::try_from(i).unwrap_or(0) * u128::try_from(n).unwrap_or(0)
            / u128::try_from(parts).unwrap_or(1);
        let Some(key) = usize::try_from(at).ok().and_then(|at| sorted.get(at)) else {
            continue;
        };
        if cuts.last() != Some(key) {
            cuts.push(key.clone());
        }
    }
    // The smallest key as a cut point would only make an empty first part.
    if cuts.first() == sorted.first() {
        cuts.remove(0);
    }
    cuts
}
