//! MySQL/MariaDB type spelling → [`LogicalType`], and `COLUMN_DEFAULT` text →
//! [`DefaultValue`]. Pure functions over catalog strings, tested without a server.

use super::conn::Flavor;
use ferry_schema::{DefaultValue, Dialect, LogicalType};

/// Parses `information_schema.COLUMNS.COLUMN_TYPE` (e.g. `int(10) unsigned`,
/// `enum('a','it''s')`). `None` means ferry does not support the type.
pub(crate) fn parse_column_type(column_type: &str) -> Option<LogicalType> {
    let lower = column_type.trim().to_ascii_lowercase();
    let (base, args, rest) = match lower.find('(') {
        Some(open) => {
            // Enum/set labels may contain ')' — take the last one as the closer.
            let close = lower.rfind(')')?;
            (
                &lower[..open],
                &column_type.trim()[open + 1..close],
                &lower[close + 1..],
            )
        }
        None => match lower.find(' ') {
            Some(sp) => (&lower[..sp], "", &lower[sp..]),
            None => (lower.as_str(), "", ""),
        },
    };
    let unsigned = rest.contains("unsigned");
    let nums = || args.split(',').map(|a| a.trim().parse::<u32>().ok());
    let first = || nums().next().flatten();
    let int = |bits| Some(LogicalType::Int { bits, unsigned });
    match base.trim() {
        // Only exactly `tinyint(1)` is MySQL's boolean; `tinyint(1) unsigned` is a number.
        "tinyint" if args == "1" && !unsigned => Some(LogicalType::Boolean),
        "bool" | "boolean" => Some(LogicalType::Boolean),
        "tinyint" => int(8),
        "smallint" => int(16),
        "mediumint" => int(24),
        "int" | "integer" => int(32),
        "bigint" => int(64),
        "decimal" | "numeric" => {
            let mut it = nums();
            let precision = it
                .next()
                .flatten()
                .and_then(|p| u16::try_from(p).ok())
                .unwrap_or(10);
            let scale = it
                .next()
                .flatten()
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0);
            Some(LogicalType::Decimal {
                precision: Some(precision),
                scale: Some(scale),
            })
        }
        "float" => Some(LogicalType::Float32),
        "double" | "real" | "double precision" => Some(LogicalType::Float64),
        "bit" => Some(LogicalType::Bit {
            length: first().unwrap_or(1),
            varying: false,
        }),
        "char" => Some(LogicalType::Char {
            length: first().unwrap_or(1),
        }),
        "varchar" => Some(LogicalType::Varchar { length: first() }),
        "tinytext" => Some(LogicalType::Text {
            max_bytes: Some(255),
        }),
        "text" => Some(LogicalType::Text {
            max_bytes: Some(65_535),
        }),
        "mediumtext" => Some(LogicalType::Text {
            max_bytes: Some(16_777_215),
        }),
        "longtext" => Some(LogicalType::Text {
            max_bytes: Some(4_294_967_295),
        }),
        "binary" => Some(LogicalType::Binary {
            length: first().unwrap_or(1),
        }),
        "varbinary" => Some(LogicalType::Varbinary {
            length: first().map(u64::from),
        }),
        "tinyblob" => Some(LogicalType::Varbinary { length: Some(255) }),
        "blob" => Some(LogicalType::Varbinary {
            length: Some(65_535),
        }),
        "mediumblob" => Some(LogicalType::Varbinary {
            length: Some(16_777_215),
        }),
        "longblob" => Some(LogicalType::Varbinary {
            length: Some(4_294_967_295),
        }),
        "date" => Some(LogicalType::Date),
        "time" => Some(LogicalType::Duration {
            precision: fsp(first()),
        }),
        "datetime" => Some(LogicalType::Timestamp {
            precision: fsp(first()),
            with_time_zone: false,
        }),
        "timestamp" => Some(LogicalType::Timestamp {
            precision: fsp(first()),
            with_time_zone: true,
        }),
        "year" => Some(LogicalType::Year),
        "json" => Some(LogicalType::Json { binary: false }),
        "uuid" => Some(LogicalType::Uuid),
        "enum" => Some(LogicalType::Enum {
            values: parse_labels(args),
        }),
        "set" => Some(LogicalType::Set {
            values: parse_labels(args),
        }),
        _ => None,
    }
}

/// Fractional-second precision 0..=6 from a type argument.
fn fsp(arg: Option<u32>) -> u8 {
    arg.and_then(|p| u8::try_from(p).ok()).unwrap_or(0).min(6)
}

/// Splits `'a','it''s','x,y'` into labels: quotes doubled inside a label are one quote,
/// and commas inside quotes belong to the label.
pub(crate) fn parse_labels(args: &str) -> Vec<String> {
    let mut labels = Vec::new();
    let mut chars = args.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue; // separators and spaces between labels
        }
        let mut label = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    label.push('\'');
                } else {
                    break;
                }
            } else if c == '\\' {
                // The catalog also escapes backslashes in labels.
                if let Some(next) = chars.next() {
                    label.push(next);
                }
            } else {
                label.push(c);
            }
        }
        labels.push(label);
    }
    labels
}

/// Interprets `COLUMN_DEFAULT` for a column of `ty`.
///
/// MariaDB quotes string literals (`'abc'`), prints `NULL` for an absent default
/// and lower-case functions (`current_timestamp(6)`); MySQL 8 leaves literals bare and
/// flags expression defaults with `DEFAULT_GENERATED` in `EXTRA`.
pub(crate) fn parse_default(
    raw: Option<&str>,
    extra: &str,
    ty: &LogicalType,
    flavor: Flavor,
) -> Option<DefaultValue> {
    let raw = raw?;
    let lower = raw.to_ascii_lowercase();
    if lower.starts_with("current_timestamp")
        || lower.starts_with("now(")
        || lower == "localtimestamp"
    {
        return Some(DefaultValue::CurrentTimestamp);
    }
    if lower == "curdate()" || lower == "current_date" || lower == "current_date()" {
        return Some(DefaultValue::CurrentDate);
    }
    let literal = match flavor {
        Flavor::MariaDb => {
            if raw == "NULL" {
                // MariaDB spells "no default / NULL default" this way for nullable columns.
                return None;
            }
            if let Some(inner) = raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
                return Some(DefaultValue::Text(unescape_literal(inner)));
            }
            if is_number(raw) {
                raw
            } else {
                return Some(DefaultValue::Expression {
                    sql: raw.to_string(),
                    dialect: Dialect::MySql,
                });
            }
        }
        Flavor::MySql => {
            if extra.to_ascii_lowercase().contains("default_generated") {
                return Some(DefaultValue::Expression {
                    sql: raw.to_string(),
                    dialect: Dialect::MySql,
                });
            }
            raw
        }
    };
    Some(match ty {
        LogicalType::Boolean if literal == "0" || literal == "1" => {
            DefaultValue::Boolean(literal == "1")
        }
        LogicalType::Int { .. }
        | LogicalType::Decimal { .. }
        | LogicalType::Float32
        | LogicalType::Float64
        | LogicalType::Year
        | LogicalType::Boolean
            if is_number(literal) =>
        {
            DefaultValue::Number(literal.to_string())
        }
        LogicalType::Bit { .. } => DefaultValue::Expression {
            sql: literal.to_string(),
            dialect: Dialect::MySql,
        },
        _ if flavor == Flavor::MariaDb => DefaultValue::Number(literal.to_string()),
        _ => DefaultValue::Text(literal.to_string()),
    })
}

/// A plain numeric literal: optional sign, digits, optional fraction and exponent.
fn is_number(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    !body.is_empty()
        && body
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && body.parse::<f64>().is_ok()
}

/// Undoes MariaDB's quoting of a string default: `''` → `'`, `\\` → `\`, `\n` → newline.
fn unescape_literal(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                // Doubled quote: keep one.
                if let Some(n) = chars.next() {
                    if n != '\'' {
                        out.push('\'');
                    }
                    out.push(n);
                }
            }
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some('Z') => out.push('\u{1a}'),
                Some(n) => out.push(n),
                None => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_types() {
        assert_eq!(parse_column_type("tinyint(1)"), Some(LogicalType::Boolean));
        assert_eq!(
            parse_column_type("tinyint(1) unsigned"),
            Some(LogicalType::Int {
                bits: 8,
                unsigned: true
            })
        );
        assert_eq!(
            parse_column_type("mediumint(8) unsigned"),
            Some(LogicalType::Int {
                bits: 24,
                unsigned: true
            })
        );
        assert_eq!(
            parse_column_type("decimal(65,30)"),
            Some(LogicalType::Decimal {
                precision: Some(65),
                scale: Some(30)
            })
        );
        assert_eq!(
            parse_column_type("time(6)"),
            Some(LogicalType::Duration { precision: 6 })
        );
        assert_eq!(
            parse_column_type("timestamp(3)"),
            Some(LogicalType::Timestamp {
                precision: 3,
                with_time_zone: true
            })
        );
        assert_eq!(
            parse_column_type("enum('small','it''s','a,b)')"),
            Some(LogicalType::Enum {
                values: vec!["small".into(), "it's".into(), "a,b)".into()]
            })
        );
        assert_eq!(parse_column_type("inet6"), None);
        assert_eq!(parse_column_type("geometry"), None);
    }

    #[test]
    fn parses_defaults_of_both_flavors() {
        let text = LogicalType::Varchar { length: Some(5) };
        let int = LogicalType::Int {
            bits: 32,
            unsigned: false,
        };
        assert_eq!(
            parse_default(Some("'it''s'"), "", &text, Flavor::MariaDb),
            Some(DefaultValue::Text("it's".into()))
        );
        assert_eq!(
            parse_default(Some("it's"), "", &text, Flavor::MySql),
            Some(DefaultValue::Text("it's".into()))
        );
        assert_eq!(parse_default(Some("NULL"), "", &int, Flavor::MariaDb), None);
        assert_eq!(
            parse_default(Some("-5"), "", &int, Flavor::MariaDb),
            Some(DefaultValue::Number("-5".into()))
        );
        assert_eq!(
            parse_default(Some("current_timestamp(6)"), "", &int, Flavor::MariaDb),
            Some(DefaultValue::CurrentTimestamp)
        );
        assert_eq!(
            parse_default(Some("curdate()"), "", &int, Flavor::MariaDb),
            Some(DefaultValue::CurrentDate)
        );
        assert!(matches!(
            parse_default(Some("(rand())"), "DEFAULT_GENERATED", &int, Flavor::MySql),
            Some(DefaultValue::Expression { .. })
        ));
    }
}
