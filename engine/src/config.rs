//! The `ferry.toml` configuration file: the same settings as the command line,
//! plus per-table and per-column overrides (rename, type, exclude).
//!
//! Unknown keys are refused, so a misspelt setting cannot be silently ignored.

use crate::{EngineError, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// What to do when a table to be created already exists on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum IfExists {
    /// Stop before changing anything (the default).
    #[default]
    Fail,
    /// Drop the existing table and create it anew.
    Replace,
    /// Keep the existing table and load the rows into it.
    Append,
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Source URL.
    pub source: Option<String>,
    /// Target URL.
    pub target: Option<String>,
    /// Tables copied at once.
    pub jobs: Option<usize>,
    /// Rows per batch.
    pub batch_rows: Option<usize>,
    /// Table name patterns to include.
    #[serde(default)]
    pub include: Vec<String>,
    /// Table name patterns to exclude.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Existing-table policy.
    pub if_exists: Option<IfExists>,
    /// Accept every lossy type conversion.
    pub allow_lossy: Option<bool>,
    /// Per-table overrides, keyed by the source table name.
    #[serde(default)]
    pub tables: BTreeMap<String, TableOverride>,
}

/// Overrides for one source table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableOverride {
    /// Name of the table on the target.
    pub rename: Option<String>,
    /// Leave the table out.
    #[serde(default)]
    pub exclude: bool,
    /// Per-column overrides, keyed by the source column name.
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnOverride>,
}

/// Overrides for one source column.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnOverride {
    /// Name of the column on the target.
    pub rename: Option<String>,
    /// Target type, in the target dialect's spelling (`varchar(200)`, `numeric(20,0)`).
    #[serde(rename = "type")]
    pub sql_type: Option<String>,
    /// Leave the column out (it must be nullable or have a default on the target).
    #[serde(default)]
    pub exclude: bool,
    /// Accept a lossy conversion for this column only.
    #[serde(default)]
    pub allow_lossy: bool,
}

impl Config {
    /// Reads and parses a config file. Errors name the file and the line.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| EngineError::Config {
            path: path.display().to_string(),
            detail: format!("cannot be read: {e}"),
        })?;
        Config::parse(&text).map_err(|detail| EngineError::Config {
            path: path.display().to_string(),
            detail,
        })
    }

    /// Parses config text; the error is a one-paragraph explanation.
    pub fn parse(text: &str) -> std::result::Result<Config, String> {
        toml::from_str::<Config>(text).map_err(|e| {
            // toml's message already carries line/column and a caret excerpt; keep it,
            // but never echo a source/target line, which may hold a password.
            let msg = e.to_string();
            let redacted: Vec<String> = msg
                .lines()
                .map(ferry_connectors::mask_password_in_text)
                .collect();
            format!(
                "{} (see docs/config.md for the format)",
                redacted.join("\n").trim_end()
            )
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides() {
        let c = Config::parse(
            r#"
            source = "mysql://root@h/db"
            jobs = 3
            exclude = ["tmp_*"]
            if_exists = "replace"
            [tables.Customer]
            rename = "customers"
            [tables.Customer.columns.SupportRepId]
            rename = "support_rep_id"
            type = "bigint"
            "#,
        )
        .unwrap();
        assert_eq!(c.jobs, Some(3));
        assert_eq!(c.if_exists, Some(IfExists::Replace));
        let t = &c.tables["Customer"];
        assert_eq!(t.rename.as_deref(), Some("customers"));
        assert_eq!(
            t.columns["SupportRepId"].sql_type.as_deref(),
            Some("bigint")
        );
    }

    #[test]
    fn refuses_unknown_keys_with_the_line() {
        let err = Config::parse("jobs = 2\nbatch_size = 5\n").unwrap_err();
        assert!(err.contains("batch_size"), "{err}");
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn never_echoes_a_password() {
        let err = Config::parse("source = \"mysql://u:hunter2@h/db\"\njobs = \"x\"\n").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        let err = Config::parse("source = \"mysql://u:hunter2@h/db\" oops\n").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
