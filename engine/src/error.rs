//! The engine's error type: what stopped a run, with the object named and the way out.

use ferry_connectors::ConnectorError;
use ferry_schema::SchemaError;
use thiserror::Error;

/// Why a `ferry` command could not do its job.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The configuration file could not be read or understood.
    #[error("config file {path}: {detail}")]
    Config {
        /// Path of the file.
        path: String,
        /// What is wrong, with line and column when known.
        detail: String,
    },
    /// A command-line or config setting is invalid.
    #[error("{0}")]
    Usage(String),
    /// A connector failed.
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// The schema cannot be reproduced on the target.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// Tables to be created already exist on the target.
    #[error("the target already has {} of the tables to migrate: {}. Nothing was changed. Use --if-exists=replace to drop and recreate them, or --if-exists=append to load into them.", tables.len(), tables.join(", "))]
    TargetExists {
        /// The existing tables.
        tables: Vec<String>,
    },
    /// Lossy type conversions were found and not allowed.
    #[error("{} column(s) would lose data on the target:\n{}\nNothing was changed. Re-run with --allow-lossy to accept these conversions, or give the columns a lossless type with a [tables.<name>.columns.<column>] type override in the config file.", columns.len(), columns.join("\n"))]
    LossyRefused {
        /// One line per lossy column: `table.column: from → to (reason)`.
        columns: Vec<String>,
    },
    /// Columns of types ferry cannot carry are still selected.
    #[error("{} column(s) have types ferry cannot migrate yet:\n{}\nNothing was changed. Leave a column out with `exclude = true` under [tables.<table>.columns.<column>] in the config file, or leave its table out with --exclude <table>.", columns.len(), columns.join("\n"))]
    Unsupported {
        /// One line per column: `table.column (type)`.
        columns: Vec<String>,
    },
    /// The patterns selected no table.
    #[error("no table of {source_name} matches the --tables/--exclude patterns (the source has {available}). Check the patterns: they are matched against table names with * and ? wildcards.")]
    NoTables {
        /// The source, password masked.
        source_name: String,
        /// How many tables the source has, and a few names.
        available: String,
    },
    /// The target holds the ledger of an unfinished run, and `--resume` was not given.
    #[error("the target {namespace} holds the ledger of an unfinished ferry run (table ferry_ledger): a run into it was stopped before it completed. Nothing was changed. Re-run the same command with --resume to finish it, or drop the tables it was migrating and ferry_ledger to start over.")]
    UnfinishedRun {
        /// The target namespace.
        namespace: String,
    },
    /// `--resume` was given but there is no unfinished run to resume.
    #[error("--resume: the target {namespace} holds no ledger (table ferry_ledger), so there is no unfinished run to resume. Nothing was changed. Run without --resume to start a migration.")]
    NothingToResume {
        /// The target namespace.
        namespace: String,
    },
    /// A pipeline stage stopped unexpectedly.
    #[error("internal error while copying {table}: {detail}")]
    Internal {
        /// The table being copied.
        table: String,
        /// What happened.
        detail: String,
    },
}

impl EngineError {
    /// Process exit code for this error (see docs/cli.md).
    pub fn exit_code(&self) -> i32 {
        use ferry_connectors::ErrorKind;
        match self {
            EngineError::Config { .. }
            | EngineError::Usage(_)
            | EngineError::NoTables { .. }
            | EngineError::NothingToResume { .. } => 2,
            EngineError::TargetExists { .. }
            | EngineError::UnfinishedRun { .. }
            | EngineError::LossyRefused { .. }
            | EngineError::Unsupported { .. } => 4,
            EngineError::Schema(_) => 4,
            EngineError::Connector(e) => match e.kind() {
                ErrorKind::Config => 2,
                ErrorKind::Unsupported => 4,
                _ => 3,
            },
            EngineError::Internal { .. } => 3,
        }
    }
}

/// Result alias for engine operations.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
