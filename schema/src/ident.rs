//! Identifier quoting: the one place a catalog name becomes SQL text.
//!
//! Every table, column, index and constraint name that came from a catalog is
//! untrusted. It is always quoted, never interpolated bare, whatever it contains
//! (reserved words, mixed case, spaces, quote characters, `;`).

use crate::{Dialect, SchemaError};
use sqlparser::ast::{Ident, Value};

/// The quote character a dialect uses for identifiers.
pub fn quote_char(dialect: Dialect) -> char {
    match dialect {
        Dialect::MySql => '`',
        Dialect::Postgres | Dialect::Sqlite => '"',
    }
}

/// `name` quoted for `dialect`: wrapped in the dialect's quote character, with that
/// character doubled inside. The only function that turns a name into SQL text.
pub fn quote(dialect: Dialect, name: &str) -> String {
    let q = quote_char(dialect);
    let mut out = String::with_capacity(name.len() + 2);
    out.push(q);
    for ch in name.chars() {
        if ch == q {
            out.push(q);
        }
        out.push(ch);
    }
    out.push(q);
    out
}

/// `schema.name` with both parts quoted.
pub fn quote_qualified(dialect: Dialect, schema: &str, name: &str) -> String {
    format!("{}.{}", quote(dialect, schema), quote(dialect, name))
}

/// A sqlparser identifier that prints as [`quote`] does.
///
/// sqlparser 0.63 prints a quoted identifier by doubling only the quote characters
/// that do not already look escaped (it leaves `""` and `\"` alone), so printing a
/// raw name like `x\"; DROP TABLE y; --` would end the identifier early. The value
/// is therefore stored with the quote character already doubled, which that printer
/// passes through unchanged. Use the returned `Ident` for printing only: its `value`
/// is the escaped form, not the name.
pub fn ident(dialect: Dialect, name: &str) -> Ident {
    let q = quote_char(dialect);
    Ident::with_quote(q, double_char(name, q))
}

/// A string literal holding exactly `text` when printed for `dialect` (same
/// printer caveat as [`ident`]: `'` is doubled here; MySQL also gets `\` doubled,
/// because its string literals treat backslash as an escape).
pub fn string_literal(dialect: Dialect, text: &str) -> Value {
    Value::SingleQuotedString(escaped_string_content(dialect, text))
}

/// The content of a single-quoted literal for `dialect`, escaped so that
/// sqlparser's printer emits it verbatim (see [`string_literal`]).
pub fn escaped_string_content(dialect: Dialect, text: &str) -> String {
    let text = match dialect {
        Dialect::MySql => text.replace('\\', "\\\\"),
        Dialect::Postgres | Dialect::Sqlite => text.to_string(),
    };
    double_char(&text, '\'')
}

fn double_char(text: &str, q: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for ch in text.chars() {
        if ch == q {
            out.push(q);
        }
        out.push(ch);
    }
    out
}

/// Refuses names the dialect cannot hold intact: empty, containing NUL, or
/// longer than the dialect keeps (PostgreSQL would silently truncate them).
pub fn check_identifier(dialect: Dialect, object: &str, name: &str) -> Result<(), SchemaError> {
    let problem = if name.is_empty() {
        Some("it is empty".to_string())
    } else if name.contains('\0') {
        Some("it contains a NUL character".to_string())
    } else if name.len() > dialect.max_identifier_bytes()
        || name.chars().count() > dialect.max_identifier_chars()
    {
        Some(format!(
            "it is longer than {dialect} keeps ({} characters)",
            dialect.max_identifier_chars()
        ))
    } else {
        None
    };
    match problem {
        Some(reason) => Err(SchemaError::BadIdentifier {
            object: object.to_string(),
            name: name.to_string(),
            dialect,
            reason,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn doubles_the_quote_character() {
        assert_eq!(
            quote(Dialect::Postgres, r#"x"; DROP TABLE y; --"#),
            r#""x""; DROP TABLE y; --""#
        );
        assert_eq!(quote(Dialect::MySql, "a`b"), "`a``b`");
        assert_eq!(quote(Dialect::MySql, r#"a"b"#), r#"`a"b`"#);
        assert_eq!(quote(Dialect::Sqlite, "select"), r#""select""#);
    }

    #[test]
    fn sqlparser_ident_prints_like_quote() {
        for name in [
            "plain",
            "Mixed Case",
            r#"x"; DROP TABLE y; --"#,
            r#"x\"; DROP TABLE y; --"#,
            r#"a""b"#,
            "a``b",
            r"a\`b",
            "a`b",
            "ünïcødé 🚀",
        ] {
            for d in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
                assert_eq!(ident(d, name).to_string(), quote(d, name), "{d} {name}");
            }
        }
    }

    #[test]
    fn string_literals_print_exactly() {
        let pg = string_literal(Dialect::Postgres, r"it's \' ''").to_string();
        assert_eq!(pg, r"'it''s \'' '''''");
        assert_eq!(
            string_literal(Dialect::MySql, r"a\'b").to_string(),
            r"'a\\''b'"
        );
    }

    #[test]
    fn refuses_names_a_dialect_would_truncate() {
        let long = "a".repeat(64);
        assert!(check_identifier(Dialect::Postgres, "table", &long).is_err());
        assert!(check_identifier(Dialect::MySql, "table", &long).is_ok());
        assert!(check_identifier(Dialect::MySql, "table", &"a".repeat(65)).is_err());
        assert!(check_identifier(Dialect::Postgres, "column", "").is_err());
        assert!(check_identifier(Dialect::Postgres, "column", "a\0b").is_err());
    }
}
