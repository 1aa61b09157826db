//! The boolean condition of a [`KeyRange`], as a small tree printed to SQL for
//! the readers and evaluated in Rust for the planning tests.
//!
//! A tuple bound `(a, b) >= (x, y)` becomes
//! `a >= x AND (a > x OR (a = x AND b >= y))`: the leading `a >= x` is
//! redundant but is a plain conjunct every optimizer turns into an index range
//! (PostgreSQL does not derive one from the `OR` alone; MySQL and SQLite do
//! either way). Row-value syntax `(a, b) >= (x, y)` is avoided because MySQL
//! and SQLite do not always use an index for it.

use super::literal::literal;
use super::{KeyColumn, KeyRange, KeyValue};
use ferry_schema::{ident::quote, Dialect};
use std::cmp::Ordering;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `=`
    Eq,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl CmpOp {
    fn sql(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "=",
            CmpOp::Ge => ">=",
            CmpOp::Gt => ">",
        }
    }

    fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Lt => ord.is_lt(),
            CmpOp::Le => ord.is_le(),
            CmpOp::Eq => ord.is_eq(),
            CmpOp::Ge => ord.is_ge(),
            CmpOp::Gt => ord.is_gt(),
        }
    }
}

/// A condition over the key columns of a range (columns by index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Predicate {
    /// `column op value`.
    Cmp(usize, CmpOp, KeyValue),
    /// `column IS NULL`.
    IsNull(usize),
    /// `column IS NOT NULL`.
    IsNotNull(usize),
    /// Every child holds.
    And(Vec<Predicate>),
    /// Some child holds.
    Or(Vec<Predicate>),
}

impl Predicate {
    /// SQL text for `dialect`, naming `columns` by index.
    pub fn render(&self, dialect: Dialect, columns: &[KeyColumn]) -> String {
        let name = |i: &usize| {
            columns
                .get(*i)
                .map_or_else(String::new, |c| quote(dialect, &c.name))
        };
        let join = |children: &[Predicate], sep: &str| {
            children
                .iter()
                .map(|c| match c {
                    Predicate::And(_) | Predicate::Or(_) => {
                        format!("({})", c.render(dialect, columns))
                    }
                    _ => c.render(dialect, columns),
                })
                .collect::<Vec<_>>()
                .join(sep)
        };
        match self {
            Predicate::Cmp(i, op, v) => {
                format!("{} {} {}", name(i), op.sql(), literal(dialect, v))
            }
            Predicate::IsNull(i) => format!("{} IS NULL", name(i)),
            Predicate::IsNotNull(i) => format!("{} IS NOT NULL", name(i)),
            Predicate::And(children) => join(children, " AND "),
            Predicate::Or(children) => join(children, " OR "),
        }
    }

    /// SQL three-valued evaluation over a row of key values (`None` = NULL):
    /// `Some(true)`, `Some(false)` or unknown (`None`).
    pub fn eval(
        &self,
        row: &[Option<KeyValue>],
        cmp: &dyn Fn(&KeyValue, &KeyValue) -> Ordering,
    ) -> Option<bool> {
        let value = |i: &usize| row.get(*i).and_then(Option::as_ref);
        match self {
            Predicate::Cmp(i, op, v) => value(i).map(|x| op.holds(cmp(x, v))),
            Predicate::IsNull(i) => Some(value(i).is_none()),
            Predicate::IsNotNull(i) => Some(value(i).is_some()),
            Predicate::And(children) => {
                let mut out = Some(true);
                for c in children {
                    match c.eval(row, cmp) {
                        Some(false) => return Some(false),
                        None => out = None,
                        Some(true) => {}
                    }
                }
                out
            }
            Predicate::Or(children) => {
                let mut out = Some(false);
                for c in children {
                    match c.eval(row, cmp) {
                        Some(true) => return Some(true),
                        None => out = None,
                        Some(false) => {}
                    }
                }
                out
            }
        }
    }
}

/// The condition of `range`; see [`KeyRange`] for where NULLs go.
pub(super) fn of_range(range: &KeyRange) -> Option<Predicate> {
    let high = range
        .high
        .as_deref()
        .filter(|h| !h.is_empty())
        .map(|h| bound(h, false));
    let Some(low) = range.low.as_deref().filter(|l| !l.is_empty()) else {
        // The first part: also every row with a NULL in a key column.
        let high = high?;
        let nulls: Vec<Predicate> = nullable(range).map(Predicate::IsNull).collect();
        if nulls.is_empty() {
            return Some(high);
        }
        return Some(Predicate::Or(std::iter::once(high).chain(nulls).collect()));
    };
    let mut terms = vec![bound(low, true)];
    terms.extend(high);
    // A NULL in a later column would not stop `a > x` from holding; the
    // leading column's NULL already fails its comparison.
    terms.extend(nullable(range).filter(|&i| i > 0).map(Predicate::IsNotNull));
    Some(if terms.len() == 1 {
        terms.remove(0)
    } else {
        Predicate::And(flatten_and(terms))
    })
}

fn nullable(range: &KeyRange) -> impl Iterator<Item = usize> + '_ {
    range
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.nullable)
        .map(|(i, _)| i)
}

/// `tuple >= values` (a lower bound) or `tuple < values` (an upper one):
/// `c0 >= v0 AND (c0 > v0 OR (c0 = v0 AND (... c_last >= v_last)))`, with
/// `<=`, `<` and a final `<` for an upper bound.
fn bound(values: &[KeyValue], lower: bool) -> Predicate {
    let (lead, strict, last) = if lower {
        (CmpOp::Ge, CmpOp::Gt, CmpOp::Ge)
    } else {
        (CmpOp::Le, CmpOp::Lt, CmpOp::Lt)
    };
    match values {
        [] => Predicate::And(Vec::new()),
        [only] => Predicate::Cmp(0, last, only.clone()),
        [first, ..] => Predicate::And(vec![
            Predicate::Cmp(0, lead, first.clone()),
            lexicographic(values, 0, strict, last),
        ]),
    }
}

fn lexicographic(values: &[KeyValue], i: usize, strict: CmpOp, last: CmpOp) -> Predicate {
    let Some(v) = values.get(i) else {
        return Predicate::And(Vec::new());
    };
    if i + 1 == values.len() {
        return Predicate::Cmp(i, last, v.clone());
    }
    Predicate::Or(vec![
        Predicate::Cmp(i, strict, v.clone()),
        Predicate::And(vec![
            Predicate::Cmp(i, CmpOp::Eq, v.clone()),
            lexicographic(values, i + 1, strict, last),
        ]),
    ])
}

fn flatten_and(terms: Vec<Predicate>) -> Vec<Predicate> {
    terms
        .into_iter()
        .flat_map(|t| match t {
            Predicate::And(children) => children,
            other => vec![other],
        })
        .collect()
}
