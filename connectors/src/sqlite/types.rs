//! SQLite declared type names → ferry's [`LogicalType`].
//!
//! SQLite stores values by storage class, not by declared type: the declared
//! name only gives the column an *affinity* (rules in §3.1 of
//! <https://sqlite.org/datatype3.html>). ferry first recognises the names other
//! tools and ferry's own SQLite DDL write (`BOOLEAN`, `DATETIME`, `NUMERIC(10,2)`,
//! `UUID`, ...), then falls back to the affinity rules, so every column maps.
//!
//! Integer widths are not honoured: SQLite never enforces them, so any
//! INTEGER-affinity column may hold any 64-bit value and maps to `Int{64}`.

use ferry_schema::LogicalType;

/// The logical type of a column declared as `declared` (as `PRAGMA table_xinfo` spells it).
pub(crate) fn logical_type(declared: &str) -> LogicalType {
    let upper = declared.trim().to_ascii_uppercase();
    let (base, args) = split_args(&upper);
    let first = args.first().copied();
    // Fractional-second digits: ferry carries microseconds at most.
    let precision = first.and_then(|p| u8::try_from(p.min(6)).ok()).unwrap_or(6);
    let zoned = upper.contains("WITH TIME ZONE");
    match base.as_str() {
        "BOOLEAN" | "BOOL" => return LogicalType::Boolean,
        "DATE" => return LogicalType::Date,
        "DATETIME" | "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => {
            return LogicalType::Timestamp {
                precision,
                with_time_zone: zoned,
            }
        }
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => {
            return LogicalType::Timestamp {
                precision,
                with_time_zone: true,
            }
        }
        "TIME" | "TIME WITHOUT TIME ZONE" => return LogicalType::Time { precision },
        // Spellings ferry's own SQLite DDL uses for types SQLite lacks.
        "DURATION" => return LogicalType::Duration { precision },
        "INTERVAL" => return LogicalType::Interval,
        "BIT" | "BIT VARYING" => {
            return LogicalType::Bit {
                length: first.and_then(|n| u32::try_from(n).ok()).unwrap_or(1),
                varying: base == "BIT VARYING",
            }
        }
        // `JSON_TEXT`, `JSONB_TEXT` and `DECIMAL_TEXT` are ferry's own spellings:
        // TEXT affinity keeps JSON numbers and wide decimals as written.
        "JSON" | "JSON_TEXT" => return LogicalType::Json { binary: false },
        "JSONB" | "JSONB_TEXT" => return LogicalType::Json { binary: true },
        "UUID" => return LogicalType::Uuid,
        "NUMERIC" | "DECIMAL" | "DECIMAL_TEXT" => {
            return LogicalType::Decimal {
                precision: first.and_then(|p| u16::try_from(p).ok()),
                scale: match (first, args.get(1)) {
                    (Some(_), Some(s)) => u16::try_from(*s).ok(),
                    (Some(_), None) => Some(0),
                    _ => None,
                },
            }
        }
        _ => {}
    }
    let length = first.and_then(|n| u32::try_from(n).ok());
    // SQLite's affinity rules, in SQLite's order.
    if upper.contains("INT") {
        LogicalType::Int {
            bits: 64,
            unsigned: false,
        }
    } else if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") {
        let fixed = matches!(
            base.as_str(),
            "CHAR" | "CHARACTER" | "NCHAR" | "NATIVE CHARACTER"
        );
        match (fixed, length) {
            (true, Some(length)) => LogicalType::Char { length },
            (false, Some(n)) if base.contains("CHAR") => LogicalType::Varchar { length: Some(n) },
            _ => LogicalType::Text { max_bytes: None },
        }
    } else if upper.contains("BLOB") || upper.is_empty() {
        LogicalType::Varbinary { length: None }
    } else if upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB") {
        LogicalType::Float64
    } else {
        // NUMERIC affinity under another name (MONEY, NUMBER, ...): exact decimal text.
        LogicalType::Decimal {
            precision: None,
            scale: None,
        }
    }
}

/// `VARCHAR (10)` → (`VARCHAR`, [10]); `NUMERIC(10, 2)` → (`NUMERIC`, [10, 2]).
/// Non-numeric arguments are dropped; inner whitespace runs collapse to one space.
fn split_args(upper: &str) -> (String, Vec<u64>) {
    let (name, rest) = match upper.split_once('(') {
        Some((name, rest)) => (name, rest),
        None => (upper, ""),
    };
    let base = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let args = rest
        .split(')')
        .next()
        .unwrap_or("")
        .split(',')
        .filter_map(|a| a.trim().parse::<u64>().ok())
        .collect();
    (base, args)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn lt(s: &str) -> LogicalType {
        logical_type(s)
    }

    #[test]
    fn maps_named_types() {
        let int64 = LogicalType::Int {
            bits: 64,
            unsigned: false,
        };
        for s in [
            "INTEGER",
            "int",
            "BIGINT",
            "TINYINT(1)",
            "SMALLINT",
            "UNSIGNED BIG INT",
        ] {
            assert_eq!(lt(s), int64, "{s}");
        }
        assert_eq!(lt("BOOLEAN"), LogicalType::Boolean);
        assert_eq!(lt("bool"), LogicalType::Boolean);
        assert_eq!(
            lt("NVARCHAR(160)"),
            LogicalType::Varchar { length: Some(160) }
        );
        assert_eq!(
            lt("VARCHAR ( 10 )"),
            LogicalType::Varchar { length: Some(10) }
        );
        assert_eq!(
            lt("VARYING CHARACTER(5)"),
            LogicalType::Varchar { length: Some(5) }
        );
        assert_eq!(lt("CHARACTER(20)"), LogicalType::Char { length: 20 });
        assert_eq!(lt("NCHAR(3)"), LogicalType::Char { length: 3 });
        assert_eq!(lt("TEXT"), LogicalType::Text { max_bytes: None });
        assert_eq!(lt("CLOB"), LogicalType::Text { max_bytes: None });
        assert_eq!(lt("VARCHAR"), LogicalType::Text { max_bytes: None });
        assert_eq!(lt("BLOB"), LogicalType::Varbinary { length: None });
        assert_eq!(lt(""), LogicalType::Varbinary { length: None });
        for s in ["REAL", "DOUBLE", "DOUBLE PRECISION", "FLOAT"] {
            assert_eq!(lt(s), LogicalType::Float64, "{s}");
        }
        assert_eq!(
            lt("NUMERIC(10,2)"),
            LogicalType::Decimal {
                precision: Some(10),
                scale: Some(2)
            }
        );
        assert_eq!(
            lt("DECIMAL(7)"),
            LogicalType::Decimal {
                precision: Some(7),
                scale: Some(0)
            }
        );
        assert_eq!(
            lt("NUMERIC"),
            LogicalType::Decimal {
                precision: None,
                scale: None
            }
        );
        assert_eq!(
            lt("MONEY"),
            LogicalType::Decimal {
                precision: None,
                scale: None
            }
        );
        assert_eq!(lt("DATE"), LogicalType::Date);
        assert_eq!(
            lt("DATETIME"),
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: false
            }
        );
        assert_eq!(
            lt("timestamp"),
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: false
            }
        );
        assert_eq!(lt("TIME"), LogicalType::Time { precision: 6 });
        assert_eq!(lt("JSON"), LogicalType::Json { binary: false });
        assert_eq!(lt("JSON_TEXT"), LogicalType::Json { binary: false });
        assert_eq!(lt("JSONB_TEXT"), LogicalType::Json { binary: true });
        assert_eq!(
            lt("DECIMAL_TEXT(20, 6)"),
            LogicalType::Decimal {
                precision: Some(20),
                scale: Some(6)
            }
        );
        assert_eq!(
            lt("DECIMAL_TEXT"),
            LogicalType::Decimal {
                precision: None,
                scale: None
            }
        );
        assert_eq!(lt("UUID"), LogicalType::Uuid);
    }

    #[test]
    fn maps_what_ferrys_sqlite_ddl_writes() {
        assert_eq!(lt("TIME(3)"), LogicalType::Time { precision: 3 });
        assert_eq!(
            lt("TIMESTAMP(6) WITH TIME ZONE"),
            LogicalType::Timestamp {
                precision: 6,
                with_time_zone: true
            }
        );
        assert_eq!(
            lt("TIMESTAMP(0)"),
            LogicalType::Timestamp {
                precision: 0,
                with_time_zone: false
            }
        );
        assert_eq!(lt("DURATION(6)"), LogicalType::Duration { precision: 6 });
        assert_eq!(lt("INTERVAL"), LogicalType::Interval);
        assert_eq!(
            lt("BIT(12)"),
            LogicalType::Bit {
                length: 12,
                varying: false
            }
        );
        assert_eq!(
            lt("BIT VARYING(5)"),
            LogicalType::Bit {
                length: 5,
                varying: true
            }
        );
        assert_eq!(lt("JSONB"), LogicalType::Json { binary: true });
        assert_eq!(
            lt("MEDIUMINT"),
            LogicalType::Int {
                bits: 64,
                unsigned: false
            }
        );
    }
}
