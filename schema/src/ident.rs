//! Identifier quoting: the one place a catalog name becomes SQL text.
//!
//! Every table, column, index and constraint name that came from a catalog is
//! untrusted. It is always quoted, never interpolated bare, whatever it contains
//! (reserved words, mixed case, spaces, quote characters, `;`).

use crate::{Dialect, SchemaError};
use sqlparser::ast::Ident;

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
pub fn ident(dialect: Dialect, name: &str) -> Ident {
    Ident::with_quote(quote_char(dialect), name)
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
mod tests {
    use super::*;

    #[test]
    fn doubles_the_quote_character() {
        assert_eq!(quote(Dialect::Postgres, r#"x"; DROP TABLE y; --"#), r#""x""; DROP TABLE y; --""#);
        assert_eq!(quote(Dialect::MySql, "a`b"), "`a``b`");
        assert_eq!(quote(Dialect::MySql, r#"a"b"#), r#"`a"b`"#);
        assert_eq!(quote(Dialect::Sqlite, "select"), r#""select""#);
    }

    #[test]
    fn sqlparser_ident_prints_like_quote() {
        for name in ["plain", "Mixed Case", r#"x"; DROP TABLE y; --"#, "a`b", "ünïcødé 🚀"] {
            for d in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
                assert_eq!(ident(d, name).to_string(), quote(d, name), "{d} {name}");
            }
        }
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
