//! Cutting a large keyed table's verification into parts: integer key ranges,
//! each compared on its own (its own readers, merge and digest) so the parts
//! run on the `--jobs` workers and the report names the ranges that differ.
//!
//! Only a table whose key leads with an integer column is cut. Integers
//! compare the same on every dialect, so a range selects the same rows on
//! both sides. Text ranges would not: each side compares a range bound under
//! its column's own collation (the readers order by bytes, but the `WHERE`
//! follows the column), so a row could fall in one part on the source and
//! another on the target and be reported as missing from both.

use crate::error::Result;
use crate::parts::{even_ranges, split_method, SplitMethod, MAX_PARTS};
use crate::plan::TablePlan;
use ferry_connectors::{KeyRange, Source};

/// One part of a table's comparison: the same key range named by each side's
/// column (they differ when the config renames the key column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VerifyPart {
    /// The range on the source, `None` for the whole table.
    pub source: Option<KeyRange>,
    /// The range on the target.
    pub target: Option<KeyRange>,
}

impl VerifyPart {
    fn whole() -> VerifyPart {
        VerifyPart {
            source: None,
            target: None,
        }
    }
}

/// The rows `table` has when that is more than `threshold`, else `None`.
/// The catalog's estimate spares a `COUNT(*)` of clearly large tables (it
/// only sizes the parts, whose ranges cover every key whatever the real
/// count); near the threshold the exact count decides.
pub(crate) async fn rows_above(
    source: &dyn Source,
    table: &str,
    threshold: u64,
) -> Result<Option<u64>> {
    if threshold == 0 {
        return Ok(None);
    }
    let estimate = source.estimate_rows(table).await?;
    let rows = if estimate / 2 > threshold {
        estimate
    } else {
        source.count_rows(table).await?
    };
    Ok((rows > threshold).then_some(rows))
}

/// The parts `plan`'s table is compared in: one unless it has more than
/// `split_larger_than` rows and an integer-led key. A large table that stays
/// whole gets a warning saying why.
pub(crate) async fn verify_parts(
    source: &dyn Source,
    plan: &TablePlan,
    split_larger_than: u64,
    warnings: &mut Vec<String>,
) -> Result<Vec<VerifyPart>> {
    let Some(rows) = rows_above(source, &plan.source.name, split_larger_than).await? else {
        return Ok(vec![VerifyPart::whole()]);
    };
    let column = match split_method(&plan.source) {
        Ok(SplitMethod::Integer { column, .. }) => column,
        Ok(SplitMethod::RowAddress) => return Ok(vec![VerifyPart::whole()]),
        Ok(SplitMethod::Quantiles { .. }) | Err(_) => {
            warnings.push(format!(
                "compared in one part although it has about {rows} rows: only keys led by an integer column are compared in ranges (other key types order differently on each side)"
            ));
            return Ok(vec![VerifyPart::whole()]);
        }
    };
    // The target's key is the source's, column for column, perhaps renamed.
    let Some(target_column) = plan
        .source
        .verify_key()
        .and_then(|key| key.iter().position(|k| *k == column))
        .and_then(|i| plan.target.verify_key().and_then(|key| key.get(i)))
    else {
        return Ok(vec![VerifyPart::whole()]);
    };
    let Some((min, max)) = source.key_bounds(&plan.source, &column).await? else {
        return Ok(vec![VerifyPart::whole()]);
    };
    let cut = |name: &str| even_ranges(name, min, max, rows, split_larger_than, MAX_PARTS);
    let parts: Vec<VerifyPart> = cut(&column)
        .into_iter()
        .zip(cut(target_column))
        .map(|(s, t)| VerifyPart {
            source: Some(s),
            target: Some(t),
        })
        .collect();
    if parts.len() <= 1 {
        return Ok(vec![VerifyPart::whole()]);
    }
    Ok(parts)
}
