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

/// Cut points taken from an ordered scan of every key as it streams by:
/// every [`stride_for`]-th key, adjacent duplicates (ties under the
/// collation) dropped, at most `parts - 1`. Only the chosen keys need
/// decoding, so the scan itself allocates nothing per row.
#[derive(Debug)]
pub(crate) struct StrideCuts {
    stride: u64,
    wanted: usize,
    seen: u64,
    cuts: Vec<KeyTuple>,
}

impl StrideCuts {
    /// For a scan of about `rows` keys cut into `parts`.
    pub(crate) fn new(rows: u64, parts: usize) -> StrideCuts {
        let wanted = parts.saturating_sub(1);
        StrideCuts {
            stride: stride_for(rows, parts),
            wanted,
            seen: 0,
            cuts: Vec::with_capacity(wanted),
        }
    }

    /// Counts the next key of the scan; `true` when it is a cut point, to be
    /// decoded and given to [`StrideCuts::push`].
    pub(crate) fn next_is_cut(&mut self) -> bool {
        self.seen += 1;
        self.seen.is_multiple_of(self.stride) && !self.is_full()
    }

    /// Whether every cut point wanted is chosen (the scan may stop).
    pub(crate) fn is_full(&self) -> bool {
        self.cuts.len() >= self.wanted
    }

    /// Adds a cut point, unless it equals the last one.
    pub(crate) fn push(&mut self, key: KeyTuple) {
        if self.cuts.last() != Some(&key) {
            self.cuts.push(key);
        }
    }

    /// The cut points chosen, in scan order.
    pub(crate) fn finish(self) -> Vec<KeyTuple> {
        self.cuts
    }
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
