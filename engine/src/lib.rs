//! ferry's engine: planning, the copy pipeline, reporting and the `ferry` binary.
//!
//! ```text
//!  Config/CLI ─▶ plan::build_plan ─▶ migrate::migrate
//!                                       │ per table (--jobs at once):
//!                                       │   Source::read_table ─▶ cast (rayon) ─▶ Target::write_table
//!                                       ▼
//!                          indexes ─▶ foreign keys ─▶ identities ─▶ counts ─▶ Report
//! ```

pub mod cast;
pub mod config;
mod copy;
mod error;
pub mod filter;
pub mod ledger;
pub mod migrate;
mod overrides;
pub mod part_snapshot;
pub mod parts;
pub mod pieces;
pub mod plan;
pub mod progress;
pub mod report;
pub mod verify;
mod verify_parts;
pub mod verify_run;

pub use config::{Config, IfExists};
pub use error::{EngineError, Result};
pub use migrate::{migrate, MigrateOptions};
pub use plan::{build_plan, Plan, PlanSettings, TablePlan};
pub use progress::Progress;
pub use report::{Report, VerifyReport};
pub use verify_run::{verify, VerifyLevel, VerifyLimits, VerifyOptions, VERIFY_BATCH_ROWS};
