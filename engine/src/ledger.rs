//! The run ledger: one table, `ferry_ledger`, in the target namespace for as
//! long as a migration is unfinished, so a killed run can be resumed.
//!
//! What it records, and when:
//! - a table row (`part_no` = -1) before ferry creates or appends to a table:
//!   `creating` / `appending` (with the row count already there), later
//!   `finished` once the table's keys and indexes are built;
//! - one row per part (`part_no` ≥ 0) with its key range, `planned` before any
//!   part of the table starts and set to `copied` **in the same transaction
//!   as the part's rows** (`WriteOptions::record` of `Target::write_table_with`),
//!   so a part is either loaded and recorded, or neither;
//! - one row per foreign key (`part_no` = -2 - its index) once it is added.
//!
//! A resumed run (`--resume`) reads it back, creates only the tables never
//! created, re-plans nothing already planned (the same ranges are read back),
//! copies only the parts not `copied`, and finishes what is not `finished`.
//! The ledger is dropped when a run completes.
//!
//! Names and ranges are stored hex-encoded: the ledger's literals are then
//! plain ASCII in every dialect, whatever a hostile table name or text key
//! holds, and need no escaping rules (MySQL's backslashes, `sql_mode`).

use crate::{EngineError, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, RecordBatch};
use ferry_connectors::{KeyRange, ReadOptions, Source};
use ferry_schema::ident::{quote, quote_qualified};
use ferry_schema::{Column, Dialect, LogicalType, PrimaryKey, Table};
use std::collections::HashMap;

/// The ledger table's name.
pub const LEDGER_TABLE: &str = "ferry_ledger";

/// The table row's `part_no`.
const TABLE_ROW: i32 = -1;
/// `part_no` of foreign key `i` is `FIRST_FK_ROW - i`.
const FIRST_FK_ROW: i32 = -2;

/// What an earlier run recorded about one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableRecord {
    /// ferry created the table (or started to: it may not exist yet).
    pub created: bool,
    /// ferry appended to it, which then held this many rows.
    pub appended_to: Option<u64>,
    /// Its keys and indexes are built.
    pub finished: bool,
    /// Its planned parts in order: the range (`None` = whole table) and
    /// whether the part's rows are committed.
    pub parts: Vec<(Option<KeyRange>, bool)>,
    /// Indexes (in the plan's order) of its foreign keys already added.
    pub foreign_keys_added: Vec<usize>,
}

/// The ledger of one target namespace.
#[derive(Debug, Clone)]
pub struct Ledger {
    namespace: Option<String>,
    dialect: Dialect,
}

impl Ledger {
    /// The ledger in `namespace` (none for SQLite) of a `dialect` target.
    pub fn new(namespace: Option<&str>, dialect: Dialect) -> Ledger {
        Ledger {
            namespace: namespace.map(str::to_string),
            dialect,
        }
    }

    /// The ledger table's model.
    pub fn model() -> Table {
        let not_null = |name: &str, logical_type: LogicalType| {
            let mut c = Column::new(name, logical_type);
            c.nullable = false;
            c
        };
        let int = || LogicalType::Int {
            bits: 32,
            unsigned: false,
        };
        let mut table = Table::new(
            LEDGER_TABLE,
            vec![
                not_null("table_hex", LogicalType::Varchar { length: Some(512) }),
                not_null("part_no", int()),
                not_null("part_count", int()),
                not_null("state", LogicalType::Varchar { length: Some(16) }),
                Column::new("range_hex", LogicalType::Text { max_bytes: None }),
                Column::new(
                    "rows_before",
                    LogicalType::Int {
                        bits: 64,
                        unsigned: false,
                    },
                ),
            ],
        );
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["table_hex".into(), "part_no".into()],
        });
        table
    }

    /// `CREATE TABLE ferry_ledger ...`.
    pub fn create(&self) -> Result<String> {
        Ok(ferry_schema::create_table(
            &Ledger::model(),
            self.namespace.as_deref(),
            self.dialect,
        )?)
    }

    /// `DROP TABLE ferry_ledger`.
    pub fn drop(&self) -> String {
        ferry_schema::drop_table(LEDGER_TABLE, self.namespace.as_deref(), self.dialect)
    }

    fn qualified(&self) -> String {
        match &self.namespace {
            Some(ns) => quote_qualified(self.dialect, ns, LEDGER_TABLE),
            None => quote(self.dialect, LEDGER_TABLE),
        }
    }

    fn insert(
        &self,
        table: &str,
        part: i32,
        count: usize,
        state: &str,
        range: Option<&str>,
        rows_before: Option<u64>,
    ) -> String {
        let range = range.map_or_else(|| "NULL".to_string(), |r| format!("'{r}'"));
        let before = rows_before.map_or_else(|| "NULL".to_string(), |n| n.to_string());
        format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES ('{}', {part}, {count}, '{state}', {range}, {before})",
            self.qualified(),
            self.col("table_hex"),
            self.col("part_no"),
            self.col("part_count"),
            self.col("state"),
            self.col("range_hex"),
            self.col("rows_before"),
            hex(table.as_bytes()),
        )
    }

    fn col(&self, name: &str) -> String {
        quote(self.dialect, name)
    }

    fn set_state(&self, table: &str, part: i32, state: &str) -> String {
        format!(
            "UPDATE {} SET {} = '{state}' WHERE {} = '{}' AND {} = {part}",
            self.qualified(),
            self.col("state"),
            self.col("table_hex"),
            hex(table.as_bytes()),
            self.col("part_no"),
        )
    }

    /// Records that ferry is about to create `table`.
    pub fn creating(&self, table: &str) -> String {
        self.insert(table, TABLE_ROW, 0, "creating", None, None)
    }

    /// Records that ferry is about to append to `table`, which holds `rows`.
    pub fn appending(&self, table: &str, rows: u64) -> String {
        self.insert(table, TABLE_ROW, 0, "appending", None, Some(rows))
    }

    /// Records the parts `table` is copied in, before any of them starts.
    pub fn planned(&self, table: &str, ranges: &[Option<KeyRange>]) -> Result<Vec<String>> {
        ranges
            .iter()
            .enumerate()
            .map(|(i, range)| {
                let encoded = match range {
                    Some(r) => Some(hex(&serde_json::to_vec(r).map_err(|e| {
                        EngineError::Internal {
                            table: table.to_string(),
                            detail: format!("recording a part's range: {e}"),
                        }
                    })?)),
                    None => None,
                };
                Ok(self.insert(
                    table,
                    part_no(i)?,
                    ranges.len(),
                    "planned",
                    encoded.as_deref(),
                    None,
                ))
            })
            .collect()
    }

    /// Marks part `part` of `table` copied; runs in the part's own load transaction.
    pub fn copied(&self, table: &str, part: usize) -> Result<String> {
        Ok(self.set_state(table, part_no(part)?, "copied"))
    }

    /// Marks `table`'s keys and indexes built.
    pub fn finished(&self, table: &str) -> String {
        self.set_state(table, TABLE_ROW, "finished")
    }

    /// Records foreign key `index` (in the plan's order) of `table` as added.
    pub fn foreign_key_added(&self, table: &str, index: usize) -> Result<String> {
        let part = part_no(index)
            .ok()
            .and_then(|i| FIRST_FK_ROW.checked_sub(i))
            .ok_or_else(|| internal(table, "too many foreign keys to record"))?;
        Ok(self.insert(table, part, 0, "added", None, None))
    }

    /// Everything recorded, by table name, read through `target` opened as a source.
    pub async fn read(&self, target: &dyn Source) -> Result<HashMap<String, TableRecord>> {
        let model = Ledger::model();
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let reading = target.read_table(&model, ReadOptions::default(), tx);
        let collecting = async {
            let mut batches = Vec::new();
            while let Some(b) = rx.recv().await {
                batches.push(b);
            }
            batches
        };
        let (read, batches) = tokio::join!(reading, collecting);
        read?;
        let mut records: HashMap<String, TableRecord> = HashMap::new();
        let mut parts: HashMap<String, Vec<(i32, Option<KeyRange>, bool)>> = HashMap::new();
        for batch in &batches {
            for row in ledger_rows(batch)? {
                let table = String::from_utf8(unhex(row.table_hex)?)
                    .map_err(|_| internal(LEDGER_TABLE, "a table name that is not UTF-8"))?;
                let record = records.entry(table.clone()).or_default();
                match row.part_no {
                    TABLE_ROW => match row.state {
                        "creating" => record.created = true,
                        "appending" => {
                            record.appended_to =
                                Some(u64::try_from(row.rows_before.unwrap_or(0)).unwrap_or(0))
                        }
                        // The table row's state moves on; its count stays.
                        "finished" => {
                            record.finished = true;
                            match row.rows_before {
                                None => record.created = true,
                                Some(n) => record.appended_to = Some(u64::try_from(n).unwrap_or(0)),
                            }
                        }
                        other => return Err(internal(&table, &format!("unknown state {other}"))),
                    },
                    n if n >= 0 => {
                        let range = match row.range_hex {
                            Some(h) => Some(serde_json::from_slice(&unhex(h)?).map_err(|e| {
                                internal(&table, &format!("a recorded range does not parse: {e}"))
                            })?),
                            None => None,
                        };
                        parts
                            .entry(table)
                            .or_default()
                            .push((n, range, row.state == "copied"));
                    }
                    n => {
                        let index = usize::try_from(FIRST_FK_ROW - n).unwrap_or(usize::MAX);
                        record.foreign_keys_added.push(index);
                    }
                }
            }
        }
        for (table, mut list) in parts {
            list.sort_by_key(|(n, _, _)| *n);
            let record = records.entry(table).or_default();
            record.parts = list.into_iter().map(|(_, r, done)| (r, done)).collect();
        }
        Ok(records)
    }
}

/// One ledger row, borrowed from a batch.
struct LedgerRow<'a> {
    table_hex: &'a str,
    part_no: i32,
    state: &'a str,
    range_hex: Option<&'a str>,
    rows_before: Option<i64>,
}

/// The rows of one batch read from the ledger.
fn ledger_rows(batch: &RecordBatch) -> Result<Vec<LedgerRow<'_>>> {
    let bad = || internal(LEDGER_TABLE, "its columns are not the ones ferry writes");
    let text = |i: usize| batch.column(i).as_string_opt::<i32>().ok_or_else(bad);
    let (tables, states, ranges) = (text(0)?, text(3)?, text(4)?);
    let parts = batch
        .column(1)
        .as_primitive_opt::<Int32Type>()
        .ok_or_else(bad)?;
    let before = batch
        .column(5)
        .as_primitive_opt::<arrow_array::types::Int64Type>()
        .ok_or_else(bad)?;
    Ok((0..batch.num_rows())
        .map(|i| LedgerRow {
            table_hex: tables.value(i),
            part_no: parts.value(i),
            state: states.value(i),
            range_hex: (!ranges.is_null(i)).then(|| ranges.value(i)),
            rows_before: (!before.is_null(i)).then(|| before.value(i)),
        })
        .collect())
}

fn part_no(i: usize) -> Result<i32> {
    i32::try_from(i).map_err(|_| internal(LEDGER_TABLE, "too many parts to record"))
}

fn internal(table: &str, detail: &str) -> EngineError {
    EngineError::Internal {
        table: table.to_string(),
        detail: format!("run ledger: {detail}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn unhex(text: &str) -> Result<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [h, l] => digit(*h).zip(digit(*l)).map(|(h, l)| h << 4 | l),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| internal(LEDGER_TABLE, "a value that is not hex"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use ferry_connectors::KeyValue;

    #[test]
    fn hex_round_trips_any_bytes() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unhex(&hex(&all)).unwrap(), all);
        assert!(unhex("0g").is_err());
        assert!(unhex("abc").is_err());
    }

    #[test]
    fn statements_hold_only_hex_literals() {
        let ledger = Ledger::new(Some("app"), Dialect::MySql);
        let hostile = "x'); DROP TABLE t; --\\";
        let range = KeyRange {
            columns: vec![ferry_connectors::KeyColumn::not_null("k")],
            low: Some(vec![KeyValue::Text("it's \\ 'quoted'".into())]),
            high: None,
        };
        let planned = ledger.planned(hostile, &[Some(range), None]).unwrap();
        for sql in planned
            .iter()
            .chain([&ledger.creating(hostile), &ledger.finished(hostile)])
        {
            assert!(!sql.contains("DROP"), "{sql}");
            assert!(!sql.contains('\\'), "{sql}");
            assert_eq!(sql.matches('\'').count() % 2, 0, "{sql}");
        }
        assert!(ledger.create().unwrap().contains("ferry_ledger"));
    }
}
