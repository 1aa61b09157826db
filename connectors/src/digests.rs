//! Long values compared by digest, so a verification never reads one whole.
//!
//! The copy moves a long value in pieces ([`crate::pieces`]); a verification
//! only needs to know whether the two sides hold the same bytes. When the
//! engine asks for it ([`ReadOptions::digests`](crate::ReadOptions::digests)),
//! a reader replaces every value of a *digested* column longer than
//! [`Digests::over`] bytes (as stored) by a short text computed by the
//! server, [`digest_text`]: the value's length in bytes and its MD5, both
//! taken over its UTF-8 form (text) or its bytes (byte strings). The value
//! never leaves the server.
//!
//! The two servers measure "longer than" in their own storage (a latin1
//! value is shorter there than as UTF-8), so the same value may arrive whole
//! from one side and as a digest from the other. The comparison therefore
//! turns every whole value longer than a quarter of `over` into the same
//! text ([`digest_threshold`]); no character set stores a character in more
//! than four times its UTF-8 bytes, so every value a server replaced is over
//! that mark on the other side too. A reader that cannot compute digests
//! sends values whole and the comparison digests them itself: slower, and
//! held in memory, but the same result.

use crate::ReadOptions;
use ferry_schema::{Column, Table};

/// Which long values a reader replaces by their digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests {
    /// Values longer than this many bytes (as stored) are replaced.
    pub over: u32,
    /// The columns whose long values are replaced (see [`digestable`]).
    pub columns: Vec<String>,
}

/// How every digest text begins; the rest is `<bytes> bytes, md5 <hex>`.
pub const DIGEST_PREFIX: &str = "ferry long value: ";

/// The text a long value is replaced by: its length in bytes and the
/// lowercase hex of its MD5, e.g. `ferry long value: 9000000 bytes, md5
/// 0cc175b9c0f1b6a831c399e269772661`. Readers build the same text in SQL.
pub fn digest_text(bytes: u64, md5_hex: &str) -> String {
    format!("{DIGEST_PREFIX}{bytes} bytes, md5 {md5_hex}")
}

/// Whether `bytes` is a digest text as [`digest_text`] writes it: the prefix,
/// and no longer than the longest one (a 20-digit length and 32 hex
/// digits), so a long value that merely starts with the prefix is not
/// taken for one.
pub fn is_digest_text(bytes: &[u8]) -> bool {
    const LONGEST: usize = DIGEST_PREFIX.len() + 20 + " bytes, md5 ".len() + 32;
    bytes.len() <= LONGEST && bytes.starts_with(DIGEST_PREFIX.as_bytes())
}

/// Values longer than this many bytes (UTF-8 for text) are compared by
/// their digest whichever side they came from (see the module doc).
pub fn digest_threshold(over: u32) -> usize {
    usize::try_from(over / 4).unwrap_or(usize::MAX)
}

/// Whether a column can hold values longer than `over` bytes and be replaced
/// by their digest: text and byte strings without a limit, or with one above
/// `over`; never a key column (rows are ordered and matched by it).
pub fn digestable(table: &Table, column: &Column, over: u32) -> bool {
    let in_key = table
        .verify_key()
        .is_some_and(|key| key.iter().any(|k| k == &column.name));
    crate::pieces::can_exceed(&column.logical_type, over) && !in_key
}

/// How a reader selects one column: as it is, with long values shortened
/// (their pieces follow, [`crate::pieces`]) or replaced by their digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LongValues {
    /// Every value whole.
    Whole,
    /// Values longer than `over` bytes read as empty; pieces follow.
    Shortened { over: u32 },
    /// Values longer than `over` bytes read as their digest text.
    Digested { over: u32 },
}

/// How `options` asks for `column` of `table` to be read. Pieces win over
/// digests should both name the column (the engine asks for one or the other).
pub(crate) fn long_values(table: &Table, column: &Column, options: &ReadOptions) -> LongValues {
    let named = |columns: &[String]| columns.contains(&column.name);
    if let Some(p) = &options.pieces {
        if named(&p.columns) && crate::pieces::pieceable(table, column, p.over) {
            return LongValues::Shortened { over: p.over };
        }
    }
    match &options.digests {
        Some(d) if named(&d.columns) && digestable(table, column, d.over) => {
            LongValues::Digested { over: d.over }
        }
        _ => LongValues::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_schema::{LogicalType, PrimaryKey};

    #[test]
    fn key_columns_and_short_columns_are_never_digested() {
        let mut t = Table::new(
            "docs",
            vec![
                Column::new("id", LogicalType::Text { max_bytes: None }),
                Column::new("body", LogicalType::Text { max_bytes: None }),
                Column::new("note", LogicalType::Varchar { length: Some(100) }),
                Column::new("blob", LogicalType::Varbinary { length: None }),
                Column::new("n", LogicalType::Float64),
            ],
        );
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        let all = ReadOptions {
            digests: Some(Digests {
                over: 1000,
                columns: t.columns.iter().map(|c| c.name.clone()).collect(),
            }),
            ..ReadOptions::default()
        };
        let reads: Vec<LongValues> = t.columns.iter().map(|c| long_values(&t, c, &all)).collect();
        let digested = LongValues::Digested { over: 1000 };
        assert_eq!(
            reads,
            [
                LongValues::Whole,
                digested,
                LongValues::Whole,
                digested,
                LongValues::Whole
            ]
        );
        // A keyless table's text columns qualify: digests need no key.
        t.primary_key = None;
        assert!(digestable(&t, &t.columns[0], 1000));
        // Pieces, when asked for, win; without a key there are none.
        let both = ReadOptions {
            pieces: Some(crate::Pieces {
                over: 1000,
                piece: 100,
                columns: vec!["body".into()],
            }),
            ..all
        };
        assert_eq!(long_values(&t, &t.columns[1], &both), digested);
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        assert_eq!(
            long_values(&t, &t.columns[1], &both),
            LongValues::Shortened { over: 1000 }
        );
        assert_eq!(
            long_values(&t, &t.columns[1], &ReadOptions::default()),
            LongValues::Whole
        );
    }

    #[test]
    fn the_digest_text_is_stable() {
        assert_eq!(
            digest_text(1, "0cc175b9c0f1b6a831c399e269772661"),
            "ferry long value: 1 bytes, md5 0cc175b9c0f1b6a831c399e269772661"
        );
        assert_eq!(digest_threshold(8 << 20), 2 << 20);
        let longest = digest_text(u64::MAX, &"f".repeat(32));
        assert!(is_digest_text(longest.as_bytes()));
        let padded = format!("{longest} and then the value goes on");
        assert!(!is_digest_text(padded.as_bytes()));
        assert!(!is_digest_text(b"ferry short value"));
    }
}
