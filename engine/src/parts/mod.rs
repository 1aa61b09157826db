//! Cutting a large table into parts: key ranges copied as separate work units.
//!
//! ```text
//! count_rows > --split-larger-than ─▶ split_method (what the key allows)
//!   ├─ Integer:   Source::key_bounds (min, max) ─▶ even_ranges
//!   ├─ Quantiles: Source::key_cut_points (server order) ─▶ ranges_between
//!   └─ RowAddress (no key): Source::row_addressing (blocks) ─▶ block_ranges
//!        ─▶ [KeyRange; n] ─▶ one copy_table each (sharing a snapshot where the source can)
//! ```
//!
//! Pure: no I/O, so the planning is tested without a server. Whatever the
//! method, the ranges of a table tile the whole key space: the first part has
//! no lower bound (and takes NULL keys), the last no upper bound, and each
//! part starts where the previous ends. Uneven cuts make uneven (possibly
//! empty) parts, never missing or doubled rows.

mod even;
mod method;
mod tiles;

#[cfg(test)]
mod tests;

pub use even::even_ranges;
pub use method::{split_method, SplitMethod};
pub use tiles::{block_ranges, ranges_between};

/// Most parts one table is cut into, whatever its size.
pub const MAX_PARTS: usize = 64;

/// How many parts of about `target_rows_per_part` rows `rows` rows make,
/// capped at `max_parts` (at least 1).
pub fn parts_wanted(rows: u64, target_rows_per_part: u64, max_parts: usize) -> usize {
    let wanted = rows.div_ceil(target_rows_per_part.max(1));
    usize::try_from(wanted)
        .unwrap_or(usize::MAX)
        .clamp(1, max_parts.max(1))
}
