//! Renders the type-mapping table from the code, so docs/type-mapping.md can
//! embed it verbatim and a test can keep the two in step.

use super::convert::map_type;
use crate::{Dialect, LogicalType};

/// A representative source type: how each dialect spells it (`—` when it has no
/// such type) and the logical type its reader reports.
struct Row {
    pg: &'static str,
    mysql: &'static str,
    sqlite: &'static str,
    logical: LogicalType,
}

fn row(pg: &'static str, mysql: &'static str, sqlite: &'static str, logical: LogicalType) -> Row {
    Row {
        pg,
        mysql,
        sqlite,
        logical,
    }
}

fn int(bits: u8, unsigned: bool) -> LogicalType {
    LogicalType::Int { bits, unsigned }
}

fn rows() -> Vec<Row> {
    use LogicalType as L;
    let labels = vec!["a".to_string(), "b".to_string()];
    vec![
        row("boolean", "TINYINT(1), BOOLEAN", "BOOLEAN", L::Boolean),
        row("—", "TINYINT", "—", int(8, false)),
        row("—", "TINYINT UNSIGNED", "—", int(8, true)),
        row("smallint", "SMALLINT", "—", int(16, false)),
        row("—", "SMALLINT UNSIGNED", "—", int(16, true)),
        row("—", "MEDIUMINT", "—", int(24, false)),
        row("—", "MEDIUMINT UNSIGNED", "—", int(24, true)),
        row("integer", "INT", "—", int(32, false)),
        row("—", "INT UNSIGNED", "—", int(32, true)),
        row(
            "bigint",
            "BIGINT",
            "INTEGER, INT, BIGINT, any *INT*",
            int(64, false),
        ),
        row("—", "BIGINT UNSIGNED", "—", int(64, true)),
        row(
            "numeric(12,2)",
            "DECIMAL(12,2)",
            "DECIMAL(12,2)",
            L::Decimal {
                precision: Some(12),
                scale: Some(2),
            },
        ),
        row(
            "numeric(40,0)",
            "DECIMAL(40,0)",
            "DECIMAL(40,0)",
            L::Decimal {
                precision: Some(40),
                scale: Some(0),
            },
        ),
        row(
            "numeric(80,10)",
            "—",
            "—",
            L::Decimal {
                precision: Some(80),
                scale: Some(10),
            },
        ),
        row(
            "numeric",
            "—",
            "NUMERIC",
            L::Decimal {
                precision: None,
                scale: None,
            },
        ),
        row("real", "FLOAT", "—", L::Float32),
        row("double precision", "DOUBLE", "REAL, DOUBLE", L::Float64),
        row("char(10)", "CHAR(10)", "CHAR(10)", L::Char { length: 10 }),
        row(
            "varchar(100)",
            "VARCHAR(100)",
            "VARCHAR(100)",
            L::Varchar { length: Some(100) },
        ),
        row(
            "varchar(20000)",
            "—",
            "VARCHAR(20000)",
            L::Varchar {
                length: Some(20_000),
            },
        ),
        row("varchar", "—", "—", L::Varchar { length: None }),
        row(
            "text",
            "—",
            "TEXT, VARCHAR, CLOB",
            L::Text { max_bytes: None },
        ),
        row(
            "—",
            "TINYTEXT",
            "—",
            L::Text {
                max_bytes: Some(255),
            },
        ),
        row(
            "—",
            "TEXT",
            "—",
            L::Text {
                max_bytes: Some(65_535),
            },
        ),
        row(
            "—",
            "MEDIUMTEXT",
            "—",
            L::Text {
                max_bytes: Some(16_777_215),
            },
        ),
        row(
            "—",
            "LONGTEXT",
            "—",
            L::Text {
                max_bytes: Some(4_294_967_295),
            },
        ),
        row("—", "BINARY(16)", "—", L::Binary { length: 16 }),
        row(
            "—",
            "VARBINARY(255)",
            "—",
            L::Varbinary { length: Some(255) },
        ),
        row(
            "—",
            "BLOB",
            "—",
            L::Varbinary {
                length: Some(65_535),
            },
        ),
        row(
            "—",
            "LONGBLOB",
            "—",
            L::Varbinary {
                length: Some(4_294_967_295),
            },
        ),
        row("bytea", "—", "BLOB", L::Varbinary { length: None }),
        row("date", "DATE", "DATE", L::Date),
        row("time(6)", "—", "TIME(6)", L::Time { precision: 6 }),
        row("—", "TIME(6)", "DURATION(6)", L::Duration { precision: 6 }),
        row(
            "timestamp(6)",
            "DATETIME(6)",
            "TIMESTAMP(6)",
            L::Timestamp {
                precision: 6,
                with_time_zone: false,
            },
        ),
        row(
            "timestamptz(6)",
            "TIMESTAMP(6)",
            "TIMESTAMP(6) WITH TIME ZONE",
            L::Timestamp {
                precision: 6,
                with_time_zone: true,
            },
        ),
        row("interval", "—", "INTERVAL", L::Interval),
        row("—", "YEAR", "—", L::Year),
        row("json", "JSON", "JSON", L::Json { binary: false }),
        row("jsonb", "—", "JSONB", L::Json { binary: true }),
        row("uuid", "—", "UUID", L::Uuid),
        row(
            "enum type",
            "ENUM('a','b')",
            "—",
            L::Enum {
                values: labels.clone(),
            },
        ),
        row("—", "SET('a','b')", "—", L::Set { values: labels }),
        row(
            "bit(8)",
            "BIT(8)",
            "BIT(8)",
            L::Bit {
                length: 8,
                varying: false,
            },
        ),
        row(
            "bit varying(16)",
            "—",
            "BIT VARYING(16)",
            L::Bit {
                length: 16,
                varying: true,
            },
        ),
        row(
            "bit(128)",
            "—",
            "BIT(128)",
            L::Bit {
                length: 128,
                varying: false,
            },
        ),
    ]
}

fn cell(ty: &LogicalType, target: Dialect) -> String {
    let m = map_type(ty, target);
    let mut out = format!("`{}`", m.sql_type);
    if let Some(loss) = m.loss {
        out.push_str(&format!(" **lossy**: {loss}"));
    } else if let Some(note) = m.note {
        out.push_str(&format!(" ({note})"));
    }
    out
}

/// The mapping table of docs/type-mapping.md, rendered from [`crate::map_type`]:
/// one row per representative source type, one column per target dialect.
pub fn mapping_table_markdown() -> String {
    let mut out = String::from(
        "| PostgreSQL source | MySQL source | SQLite source | logical | → PostgreSQL | → MySQL | → SQLite |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in rows() {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            r.pg,
            r.mysql,
            r.sqlite,
            r.logical.describe(),
            cell(&r.logical, Dialect::Postgres),
            cell(&r.logical, Dialect::MySql),
            cell(&r.logical, Dialect::Sqlite),
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const START: &str = "<!-- mapping-table:start -->\n";
    const END: &str = "<!-- mapping-table:end -->";

    /// docs/type-mapping.md must embed the rendered table verbatim. After changing
    /// the mapping, run `FERRY_BLESS=1 cargo test -p ferry-schema mapping_doc` to
    /// rewrite the section.
    #[test]
    fn mapping_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/type-mapping.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let table = mapping_table_markdown();
        let start = doc.find(START).expect("start marker") + START.len();
        let end = doc.find(END).expect("end marker");
        if std::env::var("FERRY_BLESS").is_ok_and(|v| v == "1") {
            let updated = format!("{}{table}{}", &doc[..start], &doc[end..]);
            std::fs::write(path, updated).unwrap();
            return;
        }
        assert_eq!(
            &doc[start..end],
            table,
            "docs/type-mapping.md is stale: run FERRY_BLESS=1 cargo test -p ferry-schema mapping_doc"
        );
    }

    #[test]
    fn every_row_spelling_reads_back() {
        // What map_type declares on a target is what parse_type_override (and so the
        // SQLite reader) recovers: target_type survives a DDL round trip.
        for r in rows() {
            for d in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
                let m = map_type(&r.logical, d);
                let printed = m.sql_type.to_string();
                let back =
                    crate::parse_type_override(&printed, d).unwrap_or_else(|e| panic!("{e}"));
                let expected = match (&m.target_type, d) {
                    // MySQL reads TINYINT(1) back as boolean, which is what it holds.
                    (
                        LogicalType::Varbinary { length: None },
                        Dialect::Postgres | Dialect::Sqlite,
                    ) => LogicalType::Varbinary { length: None },
                    (t, _) => t.clone(),
                };
                assert_eq!(back, expected, "{} on {d}: {printed}", r.logical.describe());
            }
        }
    }
}
