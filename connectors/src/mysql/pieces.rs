//! The SQL that reads long values on MySQL and MariaDB: in pieces for a
//! copy ([`crate::pieces`]), where the row query shortens them and flags the
//! rows it shortened and one query per pieced column reads their pieces; as
//! a digest for a verification ([`crate::digests`]).
//!
//! The pieces query first lists the long values' keys and lengths (a derived
//! table kept apart from the rest by its `LIMIT`), joins each to the piece
//! numbers it needs, and reads every piece from its row by the key. Without
//! the `LIMIT` the server merges the derived table and recomputes each
//! value's length for every candidate piece number: a 20 MiB value took
//! 53 s instead of 1.5 s on MariaDB 10.11.

use crate::pieces::{Pieces, PIECE_BYTES, PIECE_NUMBER};
use ferry_schema::ident::{quote, quote_qualified};
use ferry_schema::{Column, Dialect, LogicalType};

/// The select-list item for `column`: its value, or an empty one when it is
/// longer than `over` bytes (its pieces follow).
pub(super) fn shortened(column: &Column, over: u32) -> String {
    let q = quote(Dialect::MySql, &column.name);
    format!("IF(LENGTH({q}) > {over}, '', {q})")
}

/// The select-list item for `column` in a verification: its value, or the
/// digest text of it ([`crate::digests::digest_text`]) when it is longer than
/// `over` bytes as stored. Text is measured and hashed as UTF-8 (`CONVERT`
/// is not bound by `max_allowed_packet`, so any length is hashed), and its
/// short values are converted too: `IF` refuses to mix a latin1 column with
/// the utf8mb4 digest, and the server converts them for the client anyway.
pub(super) fn digested(column: &Column, over: u32) -> String {
    let q = quote(Dialect::MySql, &column.name);
    let value = match column.logical_type {
        LogicalType::Varbinary { .. } => q.clone(),
        _ => format!("CONVERT({q} USING utf8mb4)"),
    };
    let prefix = crate::digests::DIGEST_PREFIX;
    format!(
        "IF(LENGTH({q}) > {over}, CONCAT('{prefix}', LENGTH({value}), ' bytes, md5 ', MD5({value})), {value})"
    )
}

/// A last select-list item: the length in bytes (as stored) of the longest
/// value of the row that was shortened, 0 when none was. The pieces query
/// needs no more piece numbers than the longest value takes.
pub(super) fn long_flag(columns: &[&Column], over: u32) -> String {
    let terms: Vec<String> = columns
        .iter()
        .map(|c| {
            let q = quote(Dialect::MySql, &c.name);
            format!("COALESCE(IF(LENGTH({q}) > {over}, LENGTH({q}), 0), 0)")
        })
        .collect();
    format!("GREATEST(0, {})", terms.join(", "))
}

/// The value of `column` (qualified by `prefix`) as the bytes that are cut:
/// text as UTF-8, bytes as they are. Text is relabelled as bytes with
/// `CONVERT(... USING binary)`, not `CAST(... AS BINARY)`: the cast is
/// refused (NULL, with warning 1301) once its result is larger than
/// `max_allowed_packet`, which a long value's UTF-8 form often is.
fn bytes_of(prefix: &str, column: &Column) -> String {
    let q = quote(Dialect::MySql, &column.name);
    match column.logical_type {
        LogicalType::Varbinary { .. } => format!("{prefix}{q}"),
        _ => format!("CONVERT(CONVERT({prefix}{q} USING utf8mb4) USING binary)"),
    }
}

/// Most bytes a value of `column` stored in `stored` bytes takes as UTF-8
/// (a stored character takes at most four bytes in any character set).
fn utf8_bound(column: &Column, stored: u64) -> u64 {
    match column.logical_type {
        LogicalType::Varbinary { .. } => stored,
        _ => stored.saturating_mul(4),
    }
}

/// A derived table of the numbers `0 .. 10^digits`, from digits joined.
fn numbers(digits: u32) -> String {
    const DIGITS: &str = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL \
        SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL \
        SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
    let terms: Vec<String> = (0..digits)
        .map(|i| format!("{} * d{i}.d", 10u64.pow(i)))
        .collect();
    let tables: Vec<String> = (0..digits).map(|i| format!("{DIGITS} AS d{i}")).collect();
    format!(
        "(SELECT {} AS n FROM {})",
        terms.join(" + "),
        tables.join(", ")
    )
}

/// What the pieces query reads.
pub(super) struct PieceQuery<'a> {
    pub(super) database: &'a str,
    pub(super) table: &'a str,
    /// The key columns, in key order.
    pub(super) key: &'a [&'a Column],
    /// The pieced column.
    pub(super) column: &'a Column,
    /// The part's key range, if any.
    pub(super) filter: Option<&'a str>,
    /// Bytes (as stored) of the longest value the row query shortened.
    pub(super) longest: u64,
}

/// The `SELECT` of the piece relation of `q.column`: key, piece number,
/// bytes, one row per `piece` bytes of each value longer than `over`.
/// `item` is how a key column is selected (as in the row query).
pub(super) fn pieces_select(
    q: &PieceQuery<'_>,
    pieces: &Pieces,
    item: impl Fn(&str, &Column) -> String,
) -> String {
    let PieceQuery {
        database,
        table,
        key,
        column,
        filter,
        longest,
    } = *q;
    let (over, piece) = (pieces.over, pieces.piece.max(1));
    let most = utf8_bound(column, longest)
        .div_ceil(u64::from(piece))
        .max(1);
    let digits = (most - 1).checked_ilog10().map_or(1, |d| d + 1);
    let names: Vec<String> = key.iter().map(|k| quote(Dialect::MySql, &k.name)).collect();
    let outer: Vec<String> = key.iter().map(|k| item("t.", k)).collect();
    let joined: Vec<String> = names.iter().map(|k| format!("t.{k} = v.{k}")).collect();
    let range = filter.map(|f| format!(" AND ({f})")).unwrap_or_default();
    let q = quote(Dialect::MySql, &column.name);
    format!(
        "SELECT {}, ferry_n.n AS {PIECE_NUMBER}, \
         SUBSTRING({}, ferry_n.n * {piece} + 1, {piece}) AS {PIECE_BYTES} \
         FROM (SELECT {}, LENGTH({}) AS ferry_len FROM {} WHERE LENGTH({q}) > {over}{range} \
         LIMIT 18446744073709551615) AS v \
         JOIN {} AS ferry_n ON ferry_n.n * {piece} < v.ferry_len \
         JOIN {} AS t ON {}",
        outer.join(", "),
        bytes_of("t.", column),
        names.join(", "),
        bytes_of("", column),
        quote_qualified(Dialect::MySql, database, table),
        numbers(digits),
        quote_qualified(Dialect::MySql, database, table),
        joined.join(" AND "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enough_piece_numbers_for_the_longest_value_the_column_can_hold() {
        let blob = Column::new(
            "b",
            LogicalType::Varbinary {
                length: Some(16_777_215),
            },
        );
        let id = Column::new(
            "id",
            LogicalType::Int {
                bits: 32,
                unsigned: false,
            },
        );
        let p = Pieces {
            over: 100,
            piece: 1 << 20,
            columns: vec!["b".into()],
        };
        let plain = |prefix: &str, c: &Column| format!("{prefix}`{}`", c.name);
        let key = [&id];
        let mut q = PieceQuery {
            database: "db",
            table: "t",
            key: &key,
            column: &blob,
            filter: Some("`id` > 3"),
            longest: 16 << 20,
        };
        // 16 MiB in 1 MiB pieces: 16 numbers, two digits.
        let sql = pieces_select(&q, &p, plain);
        assert!(sql.contains("10 * d1.d"), "{sql}");
        assert!(!sql.contains("d2.d"), "{sql}");
        assert!(
            sql.contains("WHERE LENGTH(`b`) > 100 AND (`id` > 3)"),
            "{sql}"
        );
        assert!(
            sql.contains("JOIN `db`.`t` AS t ON t.`id` = v.`id`"),
            "{sql}"
        );
        // 1 MiB of text in 1000-byte pieces: up to 4 MiB of UTF-8, 4195
        // pieces, four digits.
        let text = Column::new("x", LogicalType::Text { max_bytes: None });
        let small = Pieces { piece: 1000, ..p };
        q.column = &text;
        q.filter = None;
        q.longest = 1 << 20;
        let sql = pieces_select(&q, &small, plain);
        assert!(sql.contains("1000 * d3.d"), "{sql}");
        assert!(!sql.contains("d4.d"), "{sql}");
        assert!(
            sql.contains("CONVERT(CONVERT(t.`x` USING utf8mb4) USING binary)"),
            "{sql}"
        );
        assert_eq!(
            long_flag(&[&blob, &text], 9),
            "GREATEST(0, COALESCE(IF(LENGTH(`b`) > 9, LENGTH(`b`), 0), 0), \
             COALESCE(IF(LENGTH(`x`) > 9, LENGTH(`x`), 0), 0))"
        );
        assert_eq!(shortened(&blob, 9), "IF(LENGTH(`b`) > 9, '', `b`)");
        assert_eq!(
            digested(&blob, 9),
            "IF(LENGTH(`b`) > 9, CONCAT('ferry long value: ', LENGTH(`b`), ' bytes, md5 ', MD5(`b`)), `b`)"
        );
        let utf8 = "CONVERT(`x` USING utf8mb4)";
        assert_eq!(
            digested(&text, 9),
            format!(
                "IF(LENGTH(`x`) > 9, CONCAT('ferry long value: ', LENGTH({utf8}), ' bytes, md5 ', MD5({utf8})), {utf8})"
            )
        );
    }
}
