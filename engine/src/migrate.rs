//! `ferry migrate`: the order of work.
//!
//! ```text
//! introspect source ─▶ plan (map types, DDL, refuse lossy/existing) ─▶ create tables
//!   ─▶ cut large tables into key-range parts ─▶ copy parts (--jobs at once) ─▶ indexes ─▶ foreign keys (orphans counted)
//!   ─▶ identities past max ─▶ row counts on both sides ─▶ report
//! ```
//!
//! A failure before or during the copy drops the tables this run created, so the
//! target is left as it was found. A run that dies without cleaning up leaves
//! its ledger (`crate::ledger`), from which `--resume` finishes it.

use crate::copy::{copy_table, CopyOutcome};
use crate::ledger::{Ledger, TableRecord, LEDGER_TABLE};
use crate::part_snapshot::{Joined, PartSnapshot};
use crate::parts::{
    block_ranges, even_ranges, parts_wanted, ranges_between, split_method, SplitMethod, MAX_PARTS,
};
use crate::pieces::pieces_for;
use crate::plan::{build_plan, Plan, PlanSettings, TablePlan};
use crate::progress::Progress;
use crate::report::{ForeignKeyReport, Report, TableReport};
use crate::verify_parts::rows_above;
use crate::verify_run::{verify_plan, VerifyLevel, VerifyLimits, VERIFY_BATCH_ROWS};
use crate::{EngineError, Result};
use ferry_connectors::{
    open_source, open_target, Endpoint, ErrorKind, KeyColumn, KeyRange, LoadMethod, ReadOptions,
    RowAddressing, SharedSnapshot, SnapshotGuard, Source, Target,
};
use ferry_schema as ddl;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Everything `ferry migrate` needs.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// Source endpoint.
    pub source: Endpoint,
    /// Target endpoint.
    pub target: Endpoint,
    /// Tables (or parts of tables) copied at once.
    pub jobs: usize,
    /// Tables with more rows than this are cut into key-range parts (integer
    /// keys by min/max, other keys by sampled cut points, PostgreSQL keyless
    /// tables by `ctid` blocks), copied concurrently; 0 never splits.
    pub split_larger_than: u64,
    /// Batch sizing.
    pub read: ReadOptions,
    /// Planning settings.
    pub settings: PlanSettings,
    /// Print the plan, change nothing.
    pub dry_run: bool,
    /// Verification after the copy.
    pub verify: VerifyLevel,
    /// Finish the unfinished run recorded in the target's ledger instead of
    /// starting one (see [`crate::ledger`]).
    pub resume: bool,
}

/// Runs a migration. An `Err` means nothing usable happened (and the target was
/// left as found); an `Ok` report may still say `ok: false` (count mismatch,
/// foreign keys refused by orphan rows).
pub async fn migrate(options: &MigrateOptions, progress: &Progress) -> Result<Report> {
    let started = Instant::now();
    let mut report = Report {
        ferry_version: env!("CARGO_PKG_VERSION"),
        source: options.source.to_string(),
        target: options.target.to_string(),
        dry_run: options.dry_run,
        ..Report::default()
    };
    let source: Arc<dyn Source> = Arc::from(open_source(&options.source).await?);
    let schema = source.introspect().await?;
    let target_dialect = options.target.dialect;
    let namespace = match target_dialect {
        ferry_schema::Dialect::Sqlite => None,
        _ => Some(options.target.namespace().to_string()),
    };

    if options.dry_run {
        let plan = build_plan(
            &schema,
            source.dialect(),
            target_dialect,
            namespace.as_deref(),
            &[],
            &options.settings,
        )?;
        fill_from_plan(&mut report, &plan);
        report.statements = plan.statements();
        report.ok = true;
        report.seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    let target: Arc<dyn Target> = Arc::from(open_target(&options.target, options.jobs).await?);
    let ledger = Ledger::new(namespace.as_deref(), target_dialect);
    let on_target = target.existing_tables().await?;
    let (records, target_schema) = read_ledger(&ledger, &on_target, options).await?;
    // Tables an earlier run created are this run's to finish, not "existing".
    let existing: Vec<String> = on_target
        .iter()
        .filter(|t| *t != LEDGER_TABLE && !records.get(*t).is_some_and(|r| r.created))
        .cloned()
        .collect();
    let plan = build_plan(
        &schema,
        source.dialect(),
        target_dialect,
        namespace.as_deref(),
        &existing,
        &options.settings,
    )?;
    fill_from_plan(&mut report, &plan);
    report.load_method = Some(load_method_name(target.load_method()).to_string());
    report.statements = plan.statements();
    if target.load_method() == LoadMethod::MultiRowInsert {
        report.warnings.push(
            "the MySQL target does not allow LOAD DATA LOCAL INFILE (local_infile is OFF): rows were loaded with multi-row INSERT, which is slower".into(),
        );
    }

    if options.resume {
        let done = records
            .values()
            .flat_map(|r| &r.parts)
            .filter(|p| p.1)
            .count();
        progress.log(&format!(
            "resuming the unfinished run recorded in {LEDGER_TABLE}: {done} part(s) already copied"
        ));
        report.notes.push(format!(
            "resumed an unfinished run: {done} part(s) copied by the earlier run were kept, the rest copied now"
        ));
    } else {
        target
            .execute("creating the run ledger", &[ledger.create()?])
            .await?;
    }
    // Rows already in tables appended to, so their count can be checked too
    // (a resumed run reads the count its first run recorded).
    let mut before = HashMap::new();
    let mut appending = Vec::new();
    for t in plan.tables.iter().filter(|t| t.append) {
        let name = &t.target.name;
        let rows = match records.get(name).and_then(|r| r.appended_to) {
            Some(rows) => rows,
            None => {
                let rows = target.count_rows(name).await?;
                appending.push(ledger.appending(name, rows));
                rows
            }
        };
        before.insert(name.clone(), rows);
    }
    if !appending.is_empty() {
        target
            .execute("recording the tables appended to", &appending)
            .await?;
    }
    let created =
        match create_tables(&*target, &plan, &ledger, &records, &on_target, progress).await {
            Ok(created) => created,
            Err(e) => {
                forget_run(&*target, &ledger, options, progress).await;
                return Err(e);
            }
        };
    let run = RunLedger {
        ledger: ledger.clone(),
        records,
        on_target: target_schema,
    };
    let outcomes = match copy_all(
        &source,
        &target,
        &plan,
        options,
        &run,
        progress,
        &mut report.warnings,
    )
    .await
    {
        Ok(o) => o,
        Err(e) => {
            if options.resume {
                progress.log("the run stopped again; its ledger is kept: fix the cause and re-run with --resume");
            } else {
                drop_created(&*target, &plan, &created, progress).await;
                forget_run(&*target, &ledger, options, progress).await;
            }
            return Err(e);
        }
    };

    report.keys_created += outcomes.iter().map(|o| o.built.keys).sum::<usize>();
    report.indexes_created += outcomes.iter().map(|o| o.built.indexes).sum::<usize>();
    progress.log("adding foreign keys");
    report.foreign_keys = add_foreign_keys(&*target, &plan, &run).await?;
    for t in plan
        .tables
        .iter()
        .filter(|t| t.target.identity_column().is_some())
    {
        target.reset_identity(&t.target).await?;
    }

    progress.log("counting rows on both sides");
    let mut all_ok = report.foreign_keys.iter().all(|f| f.created);
    // The planned entries are replaced by what actually happened.
    report.tables.clear();
    for (t, outcome) in plan.tables.iter().zip(outcomes) {
        // The source was usually counted while the keys were built; if not,
        // both servers count at once and the slower one sets the time.
        let counted = outcome.source_count;
        let (source_count, target_count) = tokio::join!(
            async {
                match counted {
                    Some(rows) => Ok(rows),
                    None => source.count_rows(&t.source.name).await,
                }
            },
            target.count_rows(&t.target.name)
        );
        let (source_count, target_count) = (source_count?, target_count?);
        let mut table = table_report(t, &outcome);
        table.source_count = Some(source_count);
        table.target_count = Some(target_count);
        let already = before.get(&t.target.name).copied().unwrap_or(0);
        // A resumed table's earlier parts were read by the earlier run: its
        // whole source must be on the target.
        let matches = if options.resume {
            outcome.rows_read == outcome.written.rows
                && target_count == already.saturating_add(source_count)
        } else {
            outcome.rows_read == outcome.written.rows
                && target_count == already.saturating_add(outcome.rows_read)
                && source_count == outcome.rows_read
        };
        if !matches {
            all_ok = false;
            table.status = "count_mismatch".into();
            if !options.resume && source_count != outcome.rows_read {
                table.warnings.push(format!(
                    "the source now has {source_count} rows but {} were read: it changed during the copy",
                    outcome.rows_read
                ));
            }
        }
        report.tables.push(table);
    }
    // Every table is in and finished: the run no longer needs its ledger.
    target
        .execute("dropping the run ledger", &[ledger.drop()])
        .await?;
    if options.verify == VerifyLevel::Full {
        progress.log("verifying every row");
        let target_as_source: Arc<dyn Source> = Arc::from(open_source(&options.target).await?);
        let target_schema = target_as_source.introspect().await?;
        // A table appended to holds rows the source never had: comparing it
        // row by row would only list them. Its count was checked above.
        let mut verified_plan = plan.clone();
        verified_plan.tables.retain(|t| !t.append);
        for t in plan.tables.iter().filter(|t| t.append) {
            report.warnings.push(format!(
                "{} was appended to, so it is checked by its row count, not row by row",
                t.target.name
            ));
        }
        let verified = verify_plan(
            Arc::clone(&source),
            target_as_source,
            &verified_plan,
            &target_schema,
            VerifyLimits {
                jobs: options.jobs,
                // Smaller batches compare faster (see VERIFY_BATCH_ROWS);
                // a smaller --batch-rows still wins.
                batch_rows: options.read.batch_rows.min(VERIFY_BATCH_ROWS),
                split_larger_than: options.split_larger_than,
                // Long values are compared by digest from the size the copy
                // moved them in pieces (none when the copy read them whole).
                long_over: options.read.pieces.as_ref().map_or(0, |p| p.over),
            },
            progress,
        )
        .await;
        all_ok &= verified.ok;
        report.verify = Some(verified);
    }
    report.ok = all_ok;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The ledger and what an earlier run recorded in it (nothing on a fresh run).
struct RunLedger {
    ledger: Ledger,
    records: HashMap<String, TableRecord>,
    /// When resuming: the target's schema as the stopped run left it.
    on_target: Option<ferry_schema::Schema>,
}

impl RunLedger {
    fn record(&self, table: &str) -> Option<&TableRecord> {
        self.records.get(table)
    }

    /// `t` without the indexes the stopped run already built. A MySQL index
    /// build is not in the ledger's transaction, and a killed client does not
    /// stop an `ALTER TABLE` the server is running, so an index may exist
    /// while its table is not noted `finished`.
    fn unbuilt(&self, t: &TablePlan, plan: &Plan) -> TablePlan {
        let mut t = t.clone();
        let Some(existing) = self
            .on_target
            .as_ref()
            .and_then(|s| s.table(&t.target.name))
        else {
            return t;
        };
        let built = |name: &str| existing.indexes.iter().any(|i| i.name == name);
        if t.target.indexes.iter().any(|i| built(&i.name)) {
            let mut rest = t.target.clone();
            rest.indexes.retain(|i| !built(&i.name));
            t.indexes =
                ddl::create_indexes(&rest, plan.namespace.as_deref(), plan.target_dialect).0;
        }
        t
    }

    /// Whether foreign key `name` of `table` is already on the target (added
    /// by the stopped run after its last ledger note).
    fn has_foreign_key(&self, table: &str, name: &str) -> bool {
        self.on_target
            .as_ref()
            .and_then(|s| s.table(table))
            .is_some_and(|t| t.foreign_keys.iter().any(|fk| fk.name == name))
    }
}

/// What an earlier run recorded, when resuming; refuses to start over a
/// ledger left by an unfinished run, and to resume without one.
async fn read_ledger(
    ledger: &Ledger,
    on_target: &[String],
    options: &MigrateOptions,
) -> Result<(HashMap<String, TableRecord>, Option<ferry_schema::Schema>)> {
    let has_ledger = on_target.iter().any(|t| t == LEDGER_TABLE);
    let namespace = || options.target.to_string();
    match (options.resume, has_ledger) {
        (false, false) => Ok((HashMap::new(), None)),
        (false, true) => Err(EngineError::UnfinishedRun {
            namespace: namespace(),
        }),
        (true, false) => Err(EngineError::NothingToResume {
            namespace: namespace(),
        }),
        (true, true) => {
            let as_source = open_source(&options.target).await?;
            let records = ledger.read(&*as_source).await?;
            Ok((records, Some(as_source.introspect().await?)))
        }
    }
}

/// Drops the ledger of a first run that failed and cleaned up after itself.
async fn forget_run(
    target: &dyn Target,
    ledger: &Ledger,
    options: &MigrateOptions,
    progress: &Progress,
) {
    if options.resume {
        return;
    }
    if let Err(e) = target
        .execute("dropping the run ledger", &[ledger.drop()])
        .await
    {
        progress.log(&format!("could not drop {LEDGER_TABLE}: {e}"));
    }
}

fn fill_from_plan(report: &mut Report, plan: &Plan) {
    report.lossy = plan.lossy.clone();
    report.warnings = plan.warnings.clone();
    report.notes = plan.notes.clone();
    report.not_migrated = plan
        .not_migrated
        .iter()
        .map(|o| format!("{} {}", o.kind, o.name))
        .collect();
    report.tables = plan
        .tables
        .iter()
        .map(|t| TableReport {
            source_table: t.source.name.clone(),
            target_table: t.target.name.clone(),
            status: "planned".into(),
            ..TableReport::default()
        })
        .collect();
}

fn load_method_name(m: LoadMethod) -> &'static str {
    match m {
        LoadMethod::PgBinaryCopy => "pg_binary_copy",
        LoadMethod::MySqlLoadData => "mysql_load_data",
        LoadMethod::MultiRowInsert => "multi_row_insert",
        LoadMethod::SqliteInsert => "sqlite_insert",
    }
}

fn table_report(t: &TablePlan, outcome: &TableCopy) -> TableReport {
    TableReport {
        source_table: t.source.name.clone(),
        target_table: t.target.name.clone(),
        rows_read: outcome.rows_read,
        rows_written: outcome.written.rows,
        bytes: outcome.written.bytes,
        long_values: outcome.written.long_values,
        seconds: outcome.seconds,
        parts: outcome.parts,
        status: "copied".into(),
        ..TableReport::default()
    }
}

/// Drops replaced tables, then creates every table of the plan. Returns the
/// names created, for clean-up after a failure.
async fn create_tables(
    target: &dyn Target,
    plan: &Plan,
    ledger: &Ledger,
    records: &HashMap<String, TableRecord>,
    on_target: &[String],
    progress: &Progress,
) -> Result<Vec<String>> {
    let ns = plan.namespace.as_deref();
    if !plan.replace.is_empty() {
        progress.log(&format!(
            "dropping {} existing table(s) (--if-exists=replace)",
            plan.replace.len()
        ));
        let drops: Vec<String> = plan
            .replace
            .iter()
            .map(|n| ddl::drop_table(n, ns, plan.target_dialect))
            .collect();
        target
            .execute("dropping the tables to replace", &drops)
            .await?;
    }
    let mut created = Vec::new();
    for t in plan.tables.iter().filter(|t| !t.append) {
        let recorded = records.get(&t.target.name).is_some_and(|r| r.created);
        if recorded && on_target.contains(&t.target.name) {
            // Created by the run being resumed.
            continue;
        }
        // Recorded first: a table ferry may have created is never mistaken
        // for one it must not touch.
        let mut statements = Vec::new();
        if !recorded {
            statements.push(ledger.creating(&t.target.name));
        }
        statements.push(t.create.clone());
        statements.extend(t.comments.iter().cloned());
        if let Err(e) = target
            .execute(&format!("creating table {}", t.target.name), &statements)
            .await
        {
            drop_created(target, plan, &created, progress).await;
            return Err(e.into());
        }
        created.push(t.target.name.clone());
    }
    Ok(created)
}

/// What [`finish_table`] built, for the run summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Built {
    /// Primary and unique keys the table was created with (in its `CREATE
    /// TABLE` or added after the load, as the target prefers).
    keys: usize,
    /// Secondary indexes.
    indexes: usize,
}

/// After a table's last part is in: makes it logged if it was loaded
/// unlogged, then builds its deferred keys and its indexes. Returns what the
/// table now has that this run built.
async fn finish_table(
    target: &dyn Target,
    t: &TablePlan,
    ledger: &Ledger,
    progress: &Progress,
) -> Result<Built> {
    let finished = ledger.finished(&t.target.name);
    if t.append {
        target
            .execute(
                &format!("recording {} as loaded", t.target.name),
                &[finished],
            )
            .await?;
        return Ok(Built::default());
    }
    // Before the indexes: SET LOGGED rewrites the table and every index on it.
    if let Some(statement) = &t.set_logged {
        progress.log(&format!("making {} logged", t.target.name));
        target
            .execute(
                &format!(
                    "making table {} LOGGED after its unlogged load",
                    t.target.name
                ),
                std::slice::from_ref(statement),
            )
            .await?;
    }
    // Keys first: foreign keys and later indexes lean on them. The ledger's
    // note comes last, in the same transaction where DDL is transactional
    // (PostgreSQL, SQLite).
    let statements: Vec<String> = t.keys.iter().chain(&t.indexes).cloned().collect();
    if statements.is_empty() {
        target
            .execute(
                &format!("recording {} as loaded", t.target.name),
                &[finished],
            )
            .await?;
    } else {
        progress.log(&format!(
            "building the keys and indexes of {}",
            t.target.name
        ));
        let mut statements = statements;
        statements.push(finished);
        target.build_indexes(&t.target.name, &statements).await?;
    }
    Ok(Built {
        keys: usize::from(t.target.primary_key.is_some()) + t.target.uniques.len(),
        indexes: t.indexes.len(),
    })
}

/// Parts of one table still copying, shared by its part tasks: the task that
/// finishes the last part builds the table's keys and indexes, unless a part
/// failed.
struct PartsLeft {
    remaining: std::sync::atomic::AtomicUsize,
    failed: std::sync::atomic::AtomicBool,
}

impl PartsLeft {
    fn new(parts: usize) -> Self {
        PartsLeft {
            remaining: std::sync::atomic::AtomicUsize::new(parts),
            failed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Records one part's end; `true` when it was the last and none failed.
    fn part_done(&self, ok: bool) -> bool {
        use std::sync::atomic::Ordering;
        if !ok {
            self.failed.store(true, Ordering::SeqCst);
        }
        self.remaining.fetch_sub(1, Ordering::SeqCst) == 1 && !self.failed.load(Ordering::SeqCst)
    }
}

/// Best-effort removal of the tables this run created.
async fn drop_created(target: &dyn Target, plan: &Plan, created: &[String], progress: &Progress) {
    if created.is_empty() {
        return;
    }
    progress.log(&format!(
        "removing the {} table(s) this run created",
        created.len()
    ));
    // Reverse order so inline foreign keys (SQLite) never point at a dropped table.
    let drops: Vec<String> = created
        .iter()
        .rev()
        .map(|n| ddl::drop_table(n, plan.namespace.as_deref(), plan.target_dialect))
        .collect();
    if let Err(e) = target
        .execute("removing the tables created by the failed run", &drops)
        .await
    {
        progress.log(&format!("could not remove them: {e}"));
    }
}

/// One table's copy, its parts summed.
#[derive(Debug, Clone, Default)]
struct TableCopy {
    rows_read: u64,
    written: ferry_connectors::WriteStats,
    /// From the first part's start to the last part's end.
    seconds: f64,
    parts: usize,
    /// Keys and secondary indexes built once the last part was in.
    built: Built,
    /// The source's row count, taken as soon as the last part was in, while
    /// the target built the keys; `None` when it was not taken then (a table
    /// the earlier run finished, or a count that failed and is retried later).
    source_count: Option<u64>,
}

/// How one table is copied: its key ranges (one unbounded `None` when it is
/// not split), and the snapshot its parts share if the planning had to begin
/// it. Otherwise the parts begin one when the first of them starts
/// ([`PartSnapshot`]).
struct TableParts {
    ranges: Vec<Option<KeyRange>>,
    begun: Option<SnapshotGuard>,
}

impl TableParts {
    fn whole() -> TableParts {
        TableParts {
            ranges: vec![None],
            begun: None,
        }
    }
}

/// The parts `t` is copied in: one unless the table is large enough and its
/// key (or, without one, the source's row addresses) can be cut. A large
/// table that cannot be split gets a warning saying why. Parts cut by row
/// address begin their shared snapshot now, since without one the table is
/// not split; parts cut by key begin theirs when the first part starts.
async fn plan_table_parts(
    source: &dyn Source,
    t: &TablePlan,
    options: &MigrateOptions,
    warnings: &mut Vec<String>,
) -> Result<TableParts> {
    // Each part commits on its own: fine for a table this run created empty
    // (dropped on failure), not for rows appended to an existing one. SQLite
    // serializes writers, so parts would only queue.
    if t.append || options.target.dialect == ferry_schema::Dialect::Sqlite {
        return Ok(TableParts::whole());
    }
    let Some(rows) = rows_above(source, &t.source.name, options.split_larger_than).await? else {
        return Ok(TableParts::whole());
    };
    let name = &t.source.name;
    let wanted = parts_wanted(rows, options.split_larger_than, MAX_PARTS);
    let not_split = |warnings: &mut Vec<String>, reason: &str| {
        warnings.push(format!(
            "table {name} (about {rows} rows) was copied in one part, not split: {reason}"
        ));
        TableParts::whole()
    };
    let sampled = |columns: Vec<KeyColumn>| async move {
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let cuts = source
            .key_cut_points(&t.source, &names, rows, wanted)
            .await?;
        Ok::<_, EngineError>(ranges_between(&columns, cuts))
    };
    let mut by_address = false;
    let ranges = match split_method(&t.source) {
        Err(reason) => return Ok(not_split(warnings, &reason)),
        Ok(SplitMethod::Integer { column, key }) => {
            let Some((min, max)) = source.key_bounds(&t.source, &column).await? else {
                return Ok(TableParts::whole());
            };
            let span = i128::from(max) - i128::from(min) + 1;
            match key {
                // Fewer leading values than parts: cut the whole key instead.
                Some(key) if span < i128::try_from(wanted).unwrap_or(i128::MAX) => {
                    sampled(key).await?
                }
                _ => even_ranges(
                    &column,
                    min,
                    max,
                    rows,
                    options.split_larger_than,
                    MAX_PARTS,
                ),
            }
        }
        Ok(SplitMethod::Quantiles { columns }) => sampled(columns).await?,
        Ok(SplitMethod::RowAddress) => match source.row_addressing(&t.source).await? {
            RowAddressing::Blocks { column, blocks } => {
                by_address = true;
                block_ranges(&column, blocks, wanted)
            }
            RowAddressing::Unavailable(reason) => {
                let reason = format!("it has no primary key or NOT NULL unique key, and {reason}");
                return Ok(not_split(warnings, &reason));
            }
        },
    };
    if ranges.len() <= 1 {
        return Ok(TableParts::whole());
    }
    let begun = if by_address {
        // A row address is only stable within one snapshot.
        let readers = ranges.len().min(options.jobs.max(1));
        match source.begin_snapshot(&t.source, readers).await? {
            SharedSnapshot::Shared(guard) => Some(guard),
            SharedSnapshot::Unavailable(why) => {
                let reason = format!("its row-address parts need one shared snapshot, and {why}");
                return Ok(not_split(warnings, &reason));
            }
        }
    } else {
        None
    };
    Ok(TableParts {
        ranges: ranges.into_iter().map(Some).collect(),
        begun,
    })
}

/// The warning for a table whose parts read in snapshots of their own.
fn unshared_warning(table: &str, parts: usize, why: &str) -> String {
    format!(
        "table {table} was copied in {parts} parts, each read in its own consistent snapshot but not at one point in time ({why}): quiesce writes to the source during the copy, or check the result with ferry verify"
    )
}

/// A table's parts as the run being resumed planned them, and which of them
/// are already copied. The rest share a snapshot begun when the first starts.
fn recorded_parts(r: &TableRecord) -> (TableParts, Vec<bool>) {
    let ranges: Vec<Option<KeyRange>> = r.parts.iter().map(|(range, _)| range.clone()).collect();
    let done: Vec<bool> = r.parts.iter().map(|(_, done)| *done).collect();
    (
        TableParts {
            ranges,
            begun: None,
        },
        done,
    )
}

/// A table's parts, planned now and recorded in the ledger before any starts.
async fn planned_parts(
    source: &dyn Source,
    target: &dyn Target,
    t: &TablePlan,
    options: &MigrateOptions,
    ledger: &Ledger,
    warnings: &mut Vec<String>,
) -> Result<(TableParts, Vec<bool>)> {
    let parts = plan_table_parts(source, t, options, warnings).await?;
    target
        .execute(
            &format!("recording the parts of {}", t.target.name),
            &ledger.planned(&t.target.name, &parts.ranges)?,
        )
        .await?;
    let done = vec![false; parts.ranges.len()];
    Ok((parts, done))
}

/// Test hook: with `FERRY_TEST_ABORT_AFTER_PARTS=N` set, the process aborts
/// (no clean-up at all, as under `kill -9`) right after its N-th part commits,
/// so tests can resume a run that really died mid-copy.
fn abort_for_tests() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static LIMIT: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
    static COMMITTED: AtomicUsize = AtomicUsize::new(0);
    let limit = LIMIT.get_or_init(|| {
        std::env::var("FERRY_TEST_ABORT_AFTER_PARTS")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(limit) = *limit {
        if COMMITTED.fetch_add(1, Ordering::SeqCst) + 1 == limit {
            std::process::abort();
        }
    }
}

/// Copies every table, large ones as several parts; each part is one work unit
/// (its own reader, feed and writer transaction) taking one of `--jobs` permits.
async fn copy_all(
    source: &Arc<dyn Source>,
    target: &Arc<dyn Target>,
    plan: &Plan,
    options: &MigrateOptions,
    run: &RunLedger,
    progress: &Progress,
    warnings: &mut Vec<String>,
) -> Result<Vec<TableCopy>> {
    let jobs = options.jobs.max(1);
    let semaphore = Arc::new(tokio::sync::Semaphore::new(jobs));
    // Warnings from the parts themselves, added to the run's at the end.
    let late_warnings = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    let mut copies = Vec::with_capacity(plan.tables.len());
    let mut first_error = None;
    for (index, t) in plan.tables.iter().enumerate() {
        // Earlier tables are already copying: on a failure here, stop adding
        // units but wait for those before the caller drops the tables.
        let record = run.record(&t.target.name);
        let unbuilt = run.unbuilt(t, plan);
        let t = &unbuilt;
        if let Some(r) = record.filter(|r| r.finished) {
            progress.log(&format!(
                "{}: already copied by the earlier run",
                t.target.name
            ));
            copies.push(TableCopy {
                parts: r.parts.len().max(1),
                ..TableCopy::default()
            });
            continue;
        }
        let parts = match record.filter(|r| !r.parts.is_empty()) {
            Some(r) => Ok(recorded_parts(r)),
            None => planned_parts(&**source, &**target, t, options, &run.ledger, warnings).await,
        };
        let (TableParts { ranges, begun }, done) = match parts {
            Ok(p) => p,
            Err(e) => {
                first_error = Some(e);
                break;
            }
        };
        let count = ranges.len();
        let remaining = done.iter().filter(|d| !**d).count();
        let pieces = match &options.read.pieces {
            Some(template) if target.assembles_pieces() => pieces_for(t, template),
            _ => None,
        };
        copies.push(TableCopy {
            parts: count,
            ..TableCopy::default()
        });
        if remaining == 0 {
            // Every part is in (the run being resumed stopped before the keys).
            match finish_table(&**target, t, &run.ledger, progress).await {
                Ok(built) => {
                    if let Some(copy) = copies.last_mut() {
                        copy.built = built;
                    }
                    continue;
                }
                Err(e) => {
                    first_error = Some(e);
                    break;
                }
            }
        }
        if remaining < count {
            progress.log(&format!(
                "{}: copying the {remaining} of its {count} parts not copied yet",
                t.source.name
            ));
        } else if count > 1 {
            progress.log(&format!("{}: copying in {count} parts", t.source.name));
        }
        let table = Arc::new(t.clone());
        let parts_left = Arc::new(PartsLeft::new(remaining));
        let snapshot = (remaining > 1).then(|| {
            let (source, model) = (Arc::clone(source), t.source.clone());
            Arc::new(match begun {
                Some(guard) => PartSnapshot::begun(source, model, guard, remaining),
                None => PartSnapshot::new(source, model, remaining, jobs),
            })
        });
        for (part, range) in ranges.into_iter().enumerate() {
            if done.get(part).copied().unwrap_or(false) {
                continue;
            }
            let record = match run.ledger.copied(&t.target.name, part) {
                Ok(r) => vec![r],
                Err(e) => {
                    first_error = Some(e);
                    break;
                }
            };
            let ledger = run.ledger.clone();
            let permit_source = Arc::clone(&semaphore);
            let (source, target) = (Arc::clone(source), Arc::clone(target));
            let table = Arc::clone(&table);
            let progress = progress.clone();
            let read = ReadOptions {
                key_range: range,
                pieces: pieces.clone(),
                ..options.read.clone()
            };
            let snapshot = snapshot.clone();
            let late_warnings = Arc::clone(&late_warnings);
            let parts_left = Arc::clone(&parts_left);
            let label = if count > 1 {
                format!("{} [part {}/{count}]", table.target.name, part + 1)
            } else {
                table.target.name.clone()
            };
            handles.push((
                index,
                tokio::spawn(async move {
                    let _permit = permit_source.acquire_owned().await;
                    let started = Instant::now();
                    let counter = Arc::clone(&source);
                    let outcome = async {
                        // `_hold` keeps the shared snapshot open while this part reads.
                        let (read, _hold) = match &snapshot {
                            None => (read, None),
                            Some(s) => {
                                join_snapshot(s, read, &table, count, &late_warnings).await?
                            }
                        };
                        let table_progress = progress.table(&label, None);
                        let copied = copy_table(
                            source,
                            Arc::clone(&target),
                            Arc::clone(&table),
                            read,
                            record,
                            table_progress,
                        )
                        .await?;
                        abort_for_tests();
                        Ok(copied)
                    }
                    .await;
                    if let Some(s) = &snapshot {
                        s.part_ended().await;
                    }
                    let copied_at = Instant::now();
                    // The last part builds the table's keys and indexes while
                    // other tables still copy, under the permit it holds. The
                    // source counts its rows meanwhile: the two servers work at
                    // once (counting SF1 lineitem takes MariaDB about 2 s, as
                    // long as PostgreSQL takes to build its primary key).
                    let (built, source_count) = if parts_left.part_done(outcome.is_ok()) {
                        let (built, counted) = tokio::join!(
                            finish_table(&*target, &table, &ledger, &progress),
                            counter.count_rows(&table.source.name)
                        );
                        (built?, counted.ok())
                    } else {
                        (Built::default(), None)
                    };
                    outcome.map(|o| (o, built, source_count, started, copied_at))
                }),
            ));
        }
    }
    let mut spans: Vec<Option<(Instant, Instant)>> = vec![None; copies.len()];
    for (index, h) in handles {
        match h.await {
            Ok(Ok((o, built, source_count, started, ended))) => {
                if let Some(copy) = copies.get_mut(index) {
                    add_part(copy, &o);
                    copy.built.keys += built.keys;
                    copy.built.indexes += built.indexes;
                    copy.source_count = copy.source_count.or(source_count);
                }
                if let Some(span) = spans.get_mut(index) {
                    let (s, e) = span.get_or_insert((started, ended));
                    *s = (*s).min(started);
                    *e = (*e).max(ended);
                }
            }
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(EngineError::Internal {
                    table: plan
                        .tables
                        .get(index)
                        .map(|t| t.source.name.clone())
                        .unwrap_or_default(),
                    detail: e.to_string(),
                });
            }
        }
    }
    if let Ok(mut late) = late_warnings.lock() {
        warnings.append(&mut late);
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    for (copy, span) in copies.iter_mut().zip(spans) {
        if let Some((started, ended)) = span {
            copy.seconds = ended.duration_since(started).as_secs_f64();
        }
    }
    Ok(copies)
}

/// Puts a part's read in its table's shared snapshot, beginning it if this
/// part is the first to start; the returned hold keeps the snapshot open
/// while the part reads. Without one, the first part to find out warns.
async fn join_snapshot(
    snapshot: &PartSnapshot,
    mut read: ReadOptions,
    table: &TablePlan,
    parts: usize,
    warnings: &std::sync::Mutex<Vec<String>>,
) -> Result<(ReadOptions, Option<Arc<SnapshotGuard>>)> {
    match snapshot.join().await? {
        Joined::Shared { id, hold } => {
            read.snapshot = Some(id);
            Ok((read, Some(hold)))
        }
        Joined::Unshared { why, first } => {
            if first {
                if let Ok(mut w) = warnings.lock() {
                    w.push(unshared_warning(&table.source.name, parts, &why));
                }
            }
            Ok((read, None))
        }
    }
}

fn add_part(copy: &mut TableCopy, part: &CopyOutcome) {
    copy.rows_read = copy.rows_read.saturating_add(part.rows_read);
    copy.written.rows = copy.written.rows.saturating_add(part.written.rows);
    copy.written.bytes = copy.written.bytes.saturating_add(part.written.bytes);
    copy.written.long_values = copy
        .written
        .long_values
        .saturating_add(part.written.long_values);
}

/// Adds each foreign key; when the target refuses one because rows have no
/// parent, counts those rows so the report says which key and how many.
async fn add_foreign_keys(
    target: &dyn Target,
    plan: &Plan,
    run: &RunLedger,
) -> Result<Vec<ForeignKeyReport>> {
    let ns = plan.namespace.as_deref();
    let mut out = Vec::new();
    for t in plan.tables.iter().filter(|t| !t.append) {
        let added_before = run
            .record(&t.target.name)
            .map(|r| r.foreign_keys_added.as_slice())
            .unwrap_or_default();
        for (fk_index, (fk, statement)) in t.foreign_keys.iter().enumerate() {
            let mut r = ForeignKeyReport {
                name: fk.name.clone(),
                table: t.target.name.clone(),
                references: fk.referenced_table.clone(),
                created: true,
                ..ForeignKeyReport::default()
            };
            let orphans_query = ddl::orphan_count_query(&t.target, fk, ns, plan.target_dialect);
            if added_before.contains(&fk_index) || run.has_foreign_key(&t.target.name, &fk.name) {
                // Added by the run being resumed.
                out.push(r);
                continue;
            }
            match statement {
                Some(sql) => {
                    // With its ledger note, in one transaction where DDL is
                    // transactional.
                    let added = run.ledger.foreign_key_added(&t.target.name, fk_index)?;
                    if let Err(e) = target
                        .execute(
                            &format!("adding foreign key {} on {}", fk.name, t.target.name),
                            &[sql.clone(), added],
                        )
                        .await
                    {
                        if e.kind() != ErrorKind::Constraint {
                            return Err(e.into());
                        }
                        r.created = false;
                        r.orphan_rows = target.query_u64(&orphans_query).await?;
                    }
                }
                None => {
                    // Declared inline (SQLite), where nothing validated it during the load.
                    r.orphan_rows = target.query_u64(&orphans_query).await?;
                    r.created = r.orphan_rows == 0;
                }
            }
            if r.orphan_rows > 0 {
                r.error = Some(format!(
                    "{} row(s) of {} reference no row of {} ({} -> {}). The rows were copied as they are; fix or delete them on the source and run again, or fix them on the target and add the constraint by hand.",
                    r.orphan_rows,
                    t.target.name,
                    fk.referenced_table,
                    fk.columns.join(", "),
                    fk.referenced_columns.join(", ")
                ));
            }
            out.push(r);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::PartsLeft;

    #[test]
    fn only_the_last_part_of_a_clean_table_builds_its_indexes() {
        let left = PartsLeft::new(3);
        assert!(!left.part_done(true));
        assert!(!left.part_done(true));
        assert!(left.part_done(true));

        let failed = PartsLeft::new(3);
        assert!(!failed.part_done(false));
        assert!(!failed.part_done(true));
        assert!(
            !failed.part_done(true),
            "a failed part means no index build"
        );

        assert!(PartsLeft::new(1).part_done(true));
    }
}
