//! The run report: what happened to every table, printed on the terminal and
//! written as JSON with `--report`. Pipelines read `ok` and the exit code.

use crate::verify::TableDiff;
use crate::verify_run::VerifyLevel;
use ferry_schema::LossyColumn;
use serde::Serialize;

/// The outcome of one `ferry migrate` run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// ferry's version.
    pub ferry_version: &'static str,
    /// Source URL, password masked.
    pub source: String,
    /// Target URL, password masked.
    pub target: String,
    /// Nothing was changed: the plan and DDL only.
    pub dry_run: bool,
    /// How rows were loaded (`pg_binary_copy`, `mysql_load_data`, `multi_row_insert`, `sqlite_insert`).
    pub load_method: Option<String>,
    /// One entry per table, in name order.
    pub tables: Vec<TableReport>,
    /// Foreign keys and whether they were created.
    pub foreign_keys: Vec<ForeignKeyReport>,
    /// Primary and unique keys of the tables this run created.
    pub keys_created: usize,
    /// Secondary indexes built.
    pub indexes_created: usize,
    /// Lossy conversions that were allowed.
    pub lossy: Vec<LossyColumn>,
    /// Things not reproduced, one sentence each.
    pub warnings: Vec<String>,
    /// Lossless changes worth knowing (a SET stored as text, a zone kept as UTC).
    pub notes: Vec<String>,
    /// Views, triggers, routines on the source that were not migrated.
    pub not_migrated: Vec<String>,
    /// Row-by-row verification after the copy (`--verify=full`).
    pub verify: Option<VerifyReport>,
    /// DDL statements, in order (always in a dry run).
    pub statements: Vec<String>,
    /// Total seconds.
    pub seconds: f64,
    /// Every table copied, every count matched, every foreign key created.
    pub ok: bool,
    /// The error that stopped the run, if any.
    pub error: Option<String>,
}

/// One table's outcome.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableReport {
    /// Source table name.
    pub source_table: String,
    /// Target table name.
    pub target_table: String,
    /// Rows the reader produced.
    pub rows_read: u64,
    /// Rows the writer loaded.
    pub rows_written: u64,
    /// `COUNT(*)` on the source after the copy.
    pub source_count: Option<u64>,
    /// `COUNT(*)` on the target after the copy.
    pub target_count: Option<u64>,
    /// Bytes sent to the target in its load format.
    pub bytes: u64,
    /// Seconds spent copying (from the first part's start to the last one's end).
    pub seconds: f64,
    /// Parts the table was copied in (1 unless it was split on its key).
    pub parts: usize,
    /// Values longer than `--lob-pieces-over` copied in pieces.
    pub long_values: u64,
    /// `copied`, `failed`, `count_mismatch`, `planned`.
    pub status: String,
    /// Problems specific to this table.
    pub warnings: Vec<String>,
}

/// One foreign key's outcome.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ForeignKeyReport {
    /// Constraint name.
    pub name: String,
    /// Referencing table (target name).
    pub table: String,
    /// Referenced table (target name).
    pub references: String,
    /// Whether the constraint exists on the target now.
    pub created: bool,
    /// Rows of `table` whose key matches no row of `references`.
    pub orphan_rows: u64,
    /// Why it was not created.
    pub error: Option<String>,
}

impl Report {
    /// A plain-text summary for the terminal.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        if self.dry_run {
            out.push_str(&format!(
                "dry run: {} table(s) would be created and copied, {} statement(s); nothing was changed\n",
                self.tables.len(),
                self.statements.len()
            ));
            self.push_notes(&mut out);
            return out;
        }
        let width = self
            .tables
            .iter()
            .map(|t| t.target_table.len())
            .max()
            .unwrap_or(5)
            .max(5);
        out.push_str(&format!(
            "{:<width$}  {:>10}  {:>10}  {:>10}  {:>7}  {}\n",
            "table", "read", "written", "target", "seconds", "status"
        ));
        for t in &self.tables {
            out.push_str(&format!(
                "{:<width$}  {:>10}  {:>10}  {:>10}  {:>7.2}  {}\n",
                t.target_table,
                t.rows_read,
                t.rows_written,
                t.target_count
                    .map(|c| c.to_string())
                    .unwrap_or_else(|| "-".into()),
                t.seconds,
                t.status
            ));
        }
        let created = self.foreign_keys.iter().filter(|f| f.created).count();
        out.push_str(&format!(
            "{} tables, {} rows, {} keys, {} indexes, {}/{} foreign keys, {:.1}s",
            self.tables.len(),
            self.tables.iter().map(|t| t.rows_written).sum::<u64>(),
            self.keys_created,
            self.indexes_created,
            created,
            self.foreign_keys.len(),
            self.seconds
        ));
        if let Some(m) = &self.load_method {
            out.push_str(&format!(", loaded with {m}"));
        }
        out.push('\n');
        for f in self.foreign_keys.iter().filter(|f| !f.created) {
            out.push_str(&format!(
                "foreign key {} on {} NOT created: {}\n",
                f.name,
                f.table,
                f.error.as_deref().unwrap_or("unknown error")
            ));
        }
        self.push_notes(&mut out);
        if let Some(v) = &self.verify {
            out.push_str(&v.summary());
        }
        out.push_str(if self.ok {
            "result: OK\n"
        } else {
            "result: FAILED\n"
        });
        out
    }

    /// Lossy conversions, notes, warnings and objects left behind.
    fn push_notes(&self, out: &mut String) {
        for l in &self.lossy {
            out.push_str(&format!(
                "lossy: {}.{}: {} -> {} ({})\n",
                l.table, l.column, l.from, l.to, l.reason
            ));
        }
        for w in &self.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        if !self.not_migrated.is_empty() {
            out.push_str(&format!("not migrated: {}\n", self.not_migrated.join(", ")));
        }
    }
}

/// The outcome of verifying a set of tables.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// The level that ran.
    pub level: Option<VerifyLevel>,
    /// One entry per table.
    pub tables: Vec<TableVerify>,
    /// Seconds in all.
    pub seconds: f64,
    /// Every table matched.
    pub ok: bool,
}

/// One table's verification.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableVerify {
    /// Source table name.
    pub source_table: String,
    /// Target table name.
    pub target_table: String,
    /// `PASS`, `FAIL` or `ERROR`.
    pub status: String,
    /// `key` (merge on the key columns) or `multiset` (no key).
    pub method: String,
    /// Key columns used.
    pub key: Vec<String>,
    /// Seconds spent.
    pub seconds: f64,
    /// The comparison itself.
    pub diff: Option<TableDiff>,
    /// Why the table could not be compared.
    pub error: Option<String>,
    /// Things worth knowing (a key missing on the target, a relaxed rule).
    pub warnings: Vec<String>,
    /// The key ranges a large table was compared in, one entry each; empty
    /// when it was compared whole.
    pub parts: Vec<PartVerify>,
}

/// One key range of a table compared in parts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartVerify {
    /// 1-based position among the table's parts.
    pub part: usize,
    /// The range as the target's SQL condition (what to re-copy if it differs).
    pub range: String,
    /// `PASS`, `FAIL` or `ERROR`.
    pub status: String,
    /// Rows read from the source in this range.
    pub rows_source: u64,
    /// Rows read from the target in this range.
    pub rows_target: u64,
    /// Rows of the range missing on the target.
    pub missing_count: u64,
    /// Rows of the range extra on the target.
    pub extra_count: u64,
    /// Rows of the range that differ.
    pub changed_count: u64,
    /// Why this range could not be compared.
    pub error: Option<String>,
}

impl VerifyReport {
    /// A plain-text summary for the terminal: one line per table, then the
    /// differing rows (a few per table).
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let width = self
            .tables
            .iter()
            .map(|t| t.target_table.len())
            .max()
            .unwrap_or(5)
            .max(5);
        out.push_str(&format!(
            "{:<width$}  {:>6}  {:>10}  {:>10}  {:>7}  {:>8}  {}\n",
            "table", "status", "source", "target", "chunks", "seconds", "differences"
        ));
        for t in &self.tables {
            let in_parts = match t.parts.len() {
                0 => String::new(),
                n => format!(" ({n} parts)"),
            };
            let (rs, rt, chunks, diffs) = match &t.diff {
                Some(d) => (
                    d.rows_source.to_string(),
                    d.rows_target.to_string(),
                    d.chunks.to_string(),
                    format!(
                        "{} missing, {} extra, {} changed{in_parts}",
                        d.missing_count, d.extra_count, d.changed_count
                    ),
                ),
                None => ("-".into(), "-".into(), "-".into(), String::new()),
            };
            out.push_str(&format!(
                "{:<width$}  {:>6}  {:>10}  {:>10}  {:>7}  {:>8.2}  {}\n",
                t.target_table, t.status, rs, rt, chunks, t.seconds, diffs
            ));
        }
        for t in &self.tables {
            if let Some(e) = &t.error {
                out.push_str(&format!("{}: ERROR: {e}\n", t.target_table));
            }
            for w in &t.warnings {
                out.push_str(&format!("{}: warning: {w}\n", t.target_table));
            }
            let count = t.parts.len();
            for p in t.parts.iter().filter(|p| p.status != "PASS") {
                out.push_str(&format!(
                    "{}: part {}/{count} {}: {}: {} missing, {} extra, {} changed{}\n",
                    t.target_table,
                    p.part,
                    p.range,
                    p.status,
                    p.missing_count,
                    p.extra_count,
                    p.changed_count,
                    p.error
                        .as_ref()
                        .map_or_else(String::new, |e| format!(" ({e})"))
                ));
            }
            if let Some(d) = &t.diff {
                for m in d.missing.iter().take(5) {
                    out.push_str(&format!(
                        "{}: missing on target: key {}: {}\n",
                        t.target_table,
                        m.key,
                        m.row.as_deref().unwrap_or("")
                    ));
                }
                for m in d.extra.iter().take(5) {
                    out.push_str(&format!(
                        "{}: extra on target: key {}: {}\n",
                        t.target_table,
                        m.key,
                        m.row.as_deref().unwrap_or("")
                    ));
                }
                for c in d.changed.iter().take(5) {
                    for col in &c.columns {
                        out.push_str(&format!(
                            "{}: changed: key {} column {}: source {} / target {}\n",
                            t.target_table, c.key, col.name, col.source, col.target
                        ));
                    }
                }
                if let Some(e) = &d.error {
                    out.push_str(&format!("{}: ERROR: {e}\n", t.target_table));
                }
            }
        }
        out.push_str(&format!(
            "verify: {} of {} table(s) match{}\n",
            self.tables.iter().filter(|t| t.status == "PASS").count(),
            self.tables.len(),
            if self.ok { "" } else { " — FAILED" }
        ));
        out
    }
}
