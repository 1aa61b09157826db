//! The `ferry` command line. Exit codes: 0 every table copied and verified,
//! 1 copied but not verified (count mismatch, foreign key refused), 2 bad
//! usage or configuration, 3 connection or server failure, 4 refused before any
//! data moved (lossy types, existing tables, unsupported types).

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use ferry_connectors::{mask_password_in_text, Endpoint, Pieces, ReadOptions};
use ferry_engine::filter::TableFilter;
use ferry_engine::pieces::{DEFAULT_PIECES_OVER, PIECE_BYTES};
use ferry_engine::{
    migrate, verify, Config, EngineError, IfExists, MigrateOptions, PlanSettings, Progress, Report,
    VerifyLevel, VerifyLimits, VerifyOptions, VERIFY_BATCH_ROWS,
};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ferry",
    version,
    about = "Migrate databases between PostgreSQL, MySQL/MariaDB and SQLite, with every constraint."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Copy one database (schema, data, indexes, foreign keys) from a source to a target.
    Migrate(MigrateArgs),
    /// Compare every row of the selected tables between a source and a target.
    Verify(VerifyArgs),
}

/// Options every command shares: the two databases, the tables, the batches,
/// the config file and where the report goes.
#[derive(Args)]
struct CommonArgs {
    /// Source URL: postgres://user@host:5432/db?schema=s, mysql://user@host:3306/db or sqlite:///path/file.db.
    /// Passwords may come from PGPASSWORD / MYSQL_PWD instead of the URL.
    #[arg(long, env = "FERRY_SOURCE", hide_env_values = true)]
    source: Option<String>,
    /// Target URL, same forms as --source.
    #[arg(long, env = "FERRY_TARGET", hide_env_values = true)]
    target: Option<String>,
    /// Only tables matching these patterns (* and ? wildcards); repeatable.
    #[arg(long = "tables", num_args = 1.., value_name = "PATTERN")]
    tables: Vec<String>,
    /// Leave out tables matching these patterns; repeatable.
    #[arg(long, num_args = 1.., value_name = "PATTERN")]
    exclude: Vec<String>,
    /// Tables processed at once.
    #[arg(long)]
    jobs: Option<usize>,
    /// Rows per batch read (default: 8192 for migrate's copy, 2048 for
    /// verify; a migration's own verification reads at most 2048).
    #[arg(long)]
    batch_rows: Option<usize>,
    /// TOML config file with the same settings plus per-table/column overrides.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Write a JSON report to this file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct VerifyArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Compare tables with more rows than this in ranges of their integer key,
    /// --jobs ranges at once, and list the ranges that differ; 0 compares
    /// every table whole. Default: as for migrate (1000000 on more than 2
    /// cores, never on 2 cores or fewer).
    #[arg(long, value_name = "ROWS")]
    split_larger_than: Option<u64>,
    /// Compare text and byte values longer than this many bytes by their
    /// length and MD5, which each server computes, so no value that long is
    /// read whole; 0 reads every value whole.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_PIECES_OVER)]
    lob_digest_over: u32,
}

#[derive(Args)]
struct MigrateArgs {
    #[command(flatten)]
    common: CommonArgs,
    /// Print the plan and DDL; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// What to do with tables that already exist on the target.
    #[arg(long, value_enum)]
    if_exists: Option<IfExists>,
    /// Accept lossy type conversions (they are listed in the report).
    #[arg(long)]
    allow_lossy: bool,
    /// Verification after the copy: none, count (row counts only) or full (every row).
    #[arg(long, value_enum, default_value_t = VerifyLevel::Full)]
    verify: VerifyLevel,
    /// Cut tables with more rows than this into key-range parts (integer keys
    /// by min/max, text/binary/UUID/composite keys by sampled cut points,
    /// PostgreSQL keyless tables by ctid blocks), copied concurrently by the
    /// --jobs workers; 0 never splits. Default: 1000000 on a machine with more
    /// than 2 cores, no splitting on 2 cores or fewer (measured there: parts
    /// made a co-located MariaDB -> PostgreSQL copy of 6M rows 25% slower).
    #[arg(long, value_name = "ROWS")]
    split_larger_than: Option<u64>,
    /// PostgreSQL targets: create the new tables UNLOGGED (no WAL during the
    /// load) and SET LOGGED before their indexes are built. A crash of the
    /// target during the load empties those tables; replicas see them only
    /// once they are logged.
    #[arg(long)]
    unlogged_load: bool,
    /// Finish a run that was stopped (killed, crashed, lost its connection)
    /// before it completed, from the ledger it left on the target
    /// (ferry_ledger): parts already committed are kept, the rest are copied.
    /// Give the same source, target and options as the stopped run.
    #[arg(long)]
    resume: bool,
    /// Copy text and byte values longer than this many bytes in 1 MiB pieces,
    /// so the copy never holds one whole (tables with a key, into
    /// PostgreSQL), and compare them by the length and MD5 each server
    /// computes in the verification after it; 0 copies and compares every
    /// value whole.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_PIECES_OVER)]
    lob_pieces_over: u32,
}

/// The common options resolved against the config file (the command line wins).
struct Resolved {
    source: Endpoint,
    target: Endpoint,
    jobs: usize,
    /// `None` when neither the command line nor the config sets it: each
    /// command then has its own default.
    batch_rows: Option<usize>,
    settings: PlanSettings,
}

fn resolve(args: CommonArgs) -> Result<Resolved, EngineError> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let source = args.source.or(config.source.clone()).ok_or_else(|| {
        EngineError::Usage(
            "no source given: pass --source URL (or set source in the config file)".into(),
        )
    })?;
    let target = args.target.or(config.target.clone()).ok_or_else(|| {
        EngineError::Usage(
            "no target given: pass --target URL (or set target in the config file)".into(),
        )
    })?;
    let jobs = args.jobs.or(config.jobs).unwrap_or(4);
    let batch_rows = args.batch_rows.or(config.batch_rows);
    if jobs == 0 || batch_rows == Some(0) {
        return Err(EngineError::Usage(
            "--jobs and --batch-rows must be at least 1".into(),
        ));
    }
    let include = if args.tables.is_empty() {
        config.include.clone()
    } else {
        args.tables
    };
    let exclude = [config.exclude.clone(), args.exclude].concat();
    Ok(Resolved {
        source: Endpoint::parse(&source)?,
        target: Endpoint::parse(&target)?,
        jobs,
        batch_rows,
        settings: PlanSettings {
            filter: TableFilter::new(include, exclude),
            allow_lossy: config.allow_lossy.unwrap_or(false),
            if_exists: config.if_exists.unwrap_or_default(),
            config,
            unlogged_load: false,
        },
    })
}

/// Allocations of this size or more are mapped on their own (see below).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 4 << 20;

/// Makes glibc map every allocation of [`MMAP_THRESHOLD`] or more on its own,
/// so that freeing it gives the memory back to the system at once.
///
/// By default glibc raises its threshold to the size of a freed mapped block
/// (up to 32 MiB): after a table's first large values, later ones come from
/// per-thread heaps, where freed blocks stay resident. A table of 16 MiB
/// values then peaked at 200–250 MiB on a busy machine instead of 120–155
/// (docs/benchmarks.md). Batches of ordinary rows stay below the threshold.
/// A `MALLOC_MMAP_THRESHOLD_` set by the user wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn large_allocations_use_mmap() {
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        // SAFETY: mallopt only changes a malloc parameter; it is called before
        // any other thread exists, and its failure (0) leaves the default.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn large_allocations_use_mmap() {}

fn main() -> ExitCode {
    large_allocations_use_mmap();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ferry: error: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match cli.command {
        Command::Migrate(args) => runtime.block_on(run_migrate(args)),
        Command::Verify(args) => runtime.block_on(run_verify(args)),
    }
}

async fn run_migrate(args: MigrateArgs) -> ExitCode {
    let report_path = args.common.report.clone();
    let quiet = args.common.quiet;
    let options = match options_from(args) {
        Ok(o) => o,
        Err(e) => return fail(&e, report_path.as_deref(), None),
    };
    let progress = Progress::new(quiet);
    match migrate(&options, &progress).await {
        Ok(report) => {
            if options.dry_run {
                for s in &report.statements {
                    println!("{s};");
                }
                println!();
            }
            print!("{}", report.summary());
            if let Some(path) = &report_path {
                if let Err(e) = write_report(path, &report) {
                    eprintln!("ferry: error: {e:#}");
                    return ExitCode::from(3);
                }
            }
            if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => fail(&e, report_path.as_deref(), Some(&options)),
    }
}

/// Prints one paragraph (never a backtrace, never a password) and writes the
/// failure into the report file too, so a pipeline can read why.
fn fail(
    e: &EngineError,
    report_path: Option<&std::path::Path>,
    options: Option<&MigrateOptions>,
) -> ExitCode {
    let message = mask_password_in_text(&e.to_string());
    eprintln!("ferry: error: {message}");
    if let Some(path) = report_path {
        let report = Report {
            ferry_version: env!("CARGO_PKG_VERSION"),
            source: options.map(|o| o.source.to_string()).unwrap_or_default(),
            target: options.map(|o| o.target.to_string()).unwrap_or_default(),
            error: Some(message),
            ..Report::default()
        };
        if let Err(e) = write_report(path, &report) {
            eprintln!("ferry: error: {e:#}");
        }
    }
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(3))
}

fn write_report(path: &std::path::Path, report: &impl serde::Serialize) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(report).context("serializing the report")?;
    std::fs::write(path, json + "\n")
        .with_context(|| format!("writing the report to {}", path.display()))
}

/// `--split-larger-than` when not given. On 2 cores the parts of one table
/// only compete for the CPU the servers need (docs/benchmarks.md: SF1 lineitem
/// MariaDB -> PostgreSQL took 19.3 s whole and 24.1 s in 6 parts); with more
/// cores, tables above a million rows are split (not yet measured there).
fn default_split_larger_than() -> u64 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if cores > 2 {
        1_000_000
    } else {
        0
    }
}

fn options_from(args: MigrateArgs) -> Result<MigrateOptions, EngineError> {
    let Resolved {
        source,
        target,
        jobs,
        batch_rows,
        mut settings,
    } = resolve(args.common)?;
    settings.allow_lossy |= args.allow_lossy;
    settings.unlogged_load = args.unlogged_load;
    if let Some(policy) = args.if_exists {
        settings.if_exists = policy;
    }
    Ok(MigrateOptions {
        source,
        target,
        jobs,
        read: ReadOptions {
            batch_rows: batch_rows.unwrap_or(ReadOptions::default().batch_rows),
            pieces: (args.lob_pieces_over > 0).then(|| Pieces {
                over: args.lob_pieces_over,
                piece: PIECE_BYTES.min(args.lob_pieces_over),
                columns: Vec::new(),
            }),
            ..ReadOptions::default()
        },
        split_larger_than: args
            .split_larger_than
            .unwrap_or_else(default_split_larger_than),
        settings,
        dry_run: args.dry_run,
        verify: args.verify,
        resume: args.resume,
    })
}

async fn run_verify(args: VerifyArgs) -> ExitCode {
    let report_path = args.common.report.clone();
    let progress = Progress::new(args.common.quiet);
    let options = match verify_options_from(args) {
        Ok(o) => o,
        Err(e) => return fail(&e, report_path.as_deref(), None),
    };
    match verify(&options, &progress).await {
        Ok(report) => {
            print!("{}", report.summary());
            if let Some(path) = &report_path {
                if let Err(e) = write_report(path, &report) {
                    eprintln!("ferry: error: {e:#}");
                    return ExitCode::from(3);
                }
            }
            if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => fail(&e, report_path.as_deref(), None),
    }
}

fn verify_options_from(args: VerifyArgs) -> Result<VerifyOptions, EngineError> {
    let Resolved {
        source,
        target,
        jobs,
        batch_rows,
        settings,
    } = resolve(args.common)?;
    Ok(VerifyOptions {
        source,
        target,
        limits: VerifyLimits {
            jobs,
            batch_rows: batch_rows.unwrap_or(VERIFY_BATCH_ROWS),
            split_larger_than: args
                .split_larger_than
                .unwrap_or_else(default_split_larger_than),
            long_over: args.lob_digest_over,
        },
        settings,
    })
}
