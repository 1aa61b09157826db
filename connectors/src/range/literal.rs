//! Key values spelled as SQL literals, one spelling per dialect.
//!
//! Each spelling is immune to the session settings that change how a string
//! literal is read, and keeps the comparison under the column's own collation
//! (the literal is coercible, the column is not):
//!
//! - PostgreSQL text is an `E'...'` string: backslashes are escapes whatever
//!   `standard_conforming_strings` says, so both `\` and `'` are doubled.
//! - MySQL text is `_utf8mb4 X'<hex>'`: no quoting or backslash escaping at all
//!   (`NO_BACKSLASH_ESCAPES` on or off), converted to the column's character
//!   set and compared under its collation like any string literal.
//! - SQLite text doubles `'` (SQLite has no backslash escapes); a NUL, which
//!   would end the literal, goes through `CAST(X'..' AS TEXT)`.

use super::KeyValue;
use ferry_schema::Dialect;
use std::fmt::Write;

/// `value` as a literal for `dialect`.
pub(super) fn literal(dialect: Dialect, value: &KeyValue) -> String {
    match (dialect, value) {
        (_, KeyValue::Int(v)) => v.to_string(),
        (_, KeyValue::UInt(v)) => v.to_string(),
        (Dialect::Postgres, KeyValue::Block(b)) => format!("'({b},0)'::tid"),
        (_, KeyValue::Block(b)) => b.to_string(),
        (Dialect::Postgres, KeyValue::Text(t)) => {
            format!("E'{}'", t.replace('\\', "\\\\").replace('\'', "''"))
        }
        (Dialect::MySql, KeyValue::Text(t)) => format!("_utf8mb4 X'{}'", hex(t.as_bytes())),
        (Dialect::Sqlite, KeyValue::Text(t)) if t.contains('\0') => {
            format!("CAST(X'{}' AS TEXT)", hex(t.as_bytes()))
        }
        (Dialect::Sqlite, KeyValue::Text(t)) => format!("'{}'", t.replace('\'', "''")),
        (Dialect::Postgres, KeyValue::Bytes(b)) => format!("E'\\\\x{}'::bytea", hex(b)),
        (Dialect::MySql | Dialect::Sqlite, KeyValue::Bytes(b)) => format!("X'{}'", hex(b)),
        (Dialect::Postgres, KeyValue::Uuid(u)) => format!("'{}'::uuid", uuid_text(u)),
        (Dialect::MySql | Dialect::Sqlite, KeyValue::Uuid(u)) => format!("'{}'", uuid_text(u)),
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Canonical `8-4-4-4-12` lowercase text.
pub fn uuid_text(u: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Parses `8-4-4-4-12` (or 32 bare hex digits) text into bytes.
pub(crate) fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let digits: Vec<u8> = text.bytes().filter(|&b| b != b'-').collect();
    if digits.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (slot, pair) in out.iter_mut().zip(digits.chunks(2)) {
        let text = std::str::from_utf8(pair).ok()?;
        *slot = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}
