//! Planning: from the source catalog and the settings to the list of tables to
//! copy, each with its target model, DDL and the casts its columns need.
//! Nothing here touches a database; every refusal happens before data moves.

use crate::config::{Config, IfExists};
use crate::filter::TableFilter;
use crate::overrides;
use crate::{EngineError, Result};
use arrow_schema::DataType;
use ferry_schema::{
    self as ddl, Dialect, ForeignKey, LogicalType, LossyColumn, OtherObject, Schema, Table,
};

/// One table's part of the plan.
#[derive(Debug, Clone)]
pub struct TablePlan {
    /// The table as the reader reads it (excluded columns removed).
    pub source: Table,
    /// The table as it will exist on the target.
    pub target: Table,
    /// `CREATE TABLE` for the target.
    pub create: String,
    /// `ALTER TABLE ... ADD` primary key / unique constraints, built after the
    /// data is loaded where the dialect prefers that (PostgreSQL); empty when
    /// `create` holds them.
    pub keys: Vec<String>,
    /// `CREATE INDEX` statements, built after the data is loaded.
    pub indexes: Vec<String>,
    /// Foreign keys with their `ALTER TABLE ... ADD CONSTRAINT` statement (empty
    /// statement when the dialect declares them inline in `create`).
    pub foreign_keys: Vec<(ForeignKey, Option<String>)>,
    /// Comment statements run after creation.
    pub comments: Vec<String>,
    /// Per copied column: the Arrow type to cast to, when it differs from the source's.
    pub casts: Vec<Option<DataType>>,
    /// The table already exists on the target and rows are appended to it.
    pub append: bool,
    /// `ALTER TABLE ... SET LOGGED`, run after the load when the table was
    /// created `UNLOGGED` (`--unlogged-load` on PostgreSQL).
    pub set_logged: Option<String>,
}

/// The whole plan of a migration.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Source dialect.
    pub source_dialect: Dialect,
    /// Target dialect.
    pub target_dialect: Dialect,
    /// Target namespace (schema / database), `None` for SQLite.
    pub namespace: Option<String>,
    /// Tables in name order.
    pub tables: Vec<TablePlan>,
    /// Lossy conversions (all of them allowed, or planning would have failed).
    pub lossy: Vec<LossyColumn>,
    /// Objects that are not reproduced and why.
    pub warnings: Vec<String>,
    /// Lossless type changes worth a line in the report.
    pub notes: Vec<String>,
    /// Views, routines, triggers listed but not migrated.
    pub not_migrated: Vec<OtherObject>,
    /// Existing target tables dropped first (`--if-exists=replace`).
    pub replace: Vec<String>,
}

/// Settings that shape a plan.
#[derive(Debug, Clone, Default)]
pub struct PlanSettings {
    /// Table selection.
    pub filter: TableFilter,
    /// Accept every lossy conversion.
    pub allow_lossy: bool,
    /// Existing-table policy.
    pub if_exists: IfExists,
    /// Overrides from the config file.
    pub config: Config,
    /// Create new tables `UNLOGGED` for the load and `SET LOGGED` before their
    /// indexes are built (PostgreSQL targets; ignored with a warning elsewhere).
    pub unlogged_load: bool,
}

/// Builds the plan. `existing` lists the tables already on the target.
pub fn build_plan(
    schema: &Schema,
    source_dialect: Dialect,
    target_dialect: Dialect,
    namespace: Option<&str>,
    existing: &[String],
    settings: &PlanSettings,
) -> Result<Plan> {
    let config = &settings.config;
    for name in config.tables.keys() {
        if schema.table(name).is_none() {
            return Err(EngineError::Usage(format!(
                "the config has overrides for table {name:?}, which the source does not have. Check the name (it is case-sensitive)."
            )));
        }
    }
    let selected: Vec<&Table> = schema
        .tables
        .iter()
        .filter(|t| settings.filter.selects(&t.name))
        .filter(|t| !config.tables.get(&t.name).is_some_and(|o| o.exclude))
        .collect();
    if selected.is_empty() {
        let names: Vec<&str> = schema
            .tables
            .iter()
            .take(5)
            .map(|t| t.name.as_str())
            .collect();
        return Err(EngineError::NoTables {
            source_name: source_dialect.to_string(),
            available: format!(
                "{} tables: {}{}",
                schema.tables.len(),
                names.join(", "),
                if schema.tables.len() > 5 { ", ..." } else { "" }
            ),
        });
    }

    let mut unsupported = Vec::new();
    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    if settings.unlogged_load {
        if target_dialect.supports_unlogged_tables() {
            notes.push(
                "--unlogged-load: new tables are created UNLOGGED and made LOGGED (rewritten to the WAL once) before their indexes are built; a crash during the load empties them".to_string(),
            );
        } else {
            warnings.push(format!(
                "--unlogged-load was ignored: {target_dialect} has no unlogged tables"
            ));
        }
    }
    let mut lossy = Vec::new();
    let mut sources = Vec::new();
    let mut targets = Vec::new();
    let default_override = Default::default();
    for table in selected {
        let ov = config.tables.get(&table.name).unwrap_or(&default_override);
        let mut source = table.clone();
        warnings.extend(overrides::exclude_columns(&mut source, ov).map_err(EngineError::Usage)?);
        for c in &source.columns {
            if let LogicalType::Unsupported { type_name } = &c.logical_type {
                unsupported.push(format!("  {}.{} ({type_name})", source.name, c.name));
            }
        }
        if !unsupported.is_empty() {
            // Keep collecting, to name every such column in one message.
            continue;
        }
        let mapped = ferry_schema::map_table(&source, source_dialect, target_dialect)?;
        warnings.extend(mapped.warnings);
        notes.extend(mapped.notes);
        let mut target = mapped.table;
        let chosen = overrides::override_types(&mut target, &table.name, ov, target_dialect)?;
        // A column whose type the user chose in the config is not reported as lossy.
        lossy.extend(
            mapped
                .lossy
                .into_iter()
                .filter(|l| !chosen.contains(&l.column)),
        );
        // A generated column the target stores as a plain column must be read.
        for col in &mut source.columns {
            let plain_on_target = target
                .column(&col.name)
                .is_some_and(|c| c.generated.is_none());
            if col.generated.is_some() && plain_on_target {
                col.generated = None;
            }
        }
        sources.push(source);
        targets.push(target);
    }
    if !unsupported.is_empty() {
        return Err(EngineError::Unsupported {
            columns: unsupported,
        });
    }
    let refused: Vec<String> = lossy
        .iter()
        .filter(|l| {
            !settings.allow_lossy
                && !config
                    .tables
                    .get(&l.table)
                    .and_then(|t| t.columns.get(&l.column))
                    .is_some_and(|c| c.allow_lossy)
        })
        .map(|l| {
            format!(
                "  {}.{}: {} -> {} ({})",
                l.table, l.column, l.from, l.to, l.reason
            )
        })
        .collect();
    if !refused.is_empty() {
        return Err(EngineError::LossyRefused { columns: refused });
    }

    overrides::apply_renames(&mut targets, config);
    // Foreign keys into tables that are not migrated cannot be created.
    let names: Vec<String> = targets.iter().map(|t| t.name.clone()).collect();
    for t in &mut targets {
        let tname = t.name.clone();
        t.foreign_keys.retain(|fk| {
            let keep = names.contains(&fk.referenced_table);
            if !keep {
                warnings.push(format!(
                    "foreign key {} on {tname} not created: it references {}, which is not migrated",
                    fk.name, fk.referenced_table
                ));
            }
            keep
        });
    }
    ferry_schema::check_names(&targets, target_dialect)?;

    let clash: Vec<String> = targets
        .iter()
        .filter(|t| existing.contains(&t.name))
        .map(|t| t.name.clone())
        .collect();
    if !clash.is_empty() && settings.if_exists == IfExists::Fail {
        return Err(EngineError::TargetExists { tables: clash });
    }

    let mut tables = Vec::new();
    for (source, target) in sources.into_iter().zip(targets) {
        let append = existing.contains(&target.name) && settings.if_exists == IfExists::Append;
        let unlogged = settings.unlogged_load && !append;
        let create = ddl::create_table_for_load(&target, namespace, target_dialect, unlogged)?;
        let keys = if append {
            Vec::new()
        } else {
            ddl::add_keys(&target, namespace, target_dialect)
        };
        let set_logged = unlogged
            .then(|| ddl::set_logged(&target.name, namespace, target_dialect))
            .flatten();
        let (indexes, index_warnings) = ddl::create_indexes(&target, namespace, target_dialect);
        warnings.extend(index_warnings);
        let fk_statements = ddl::add_foreign_keys(&target, namespace, target_dialect);
        let foreign_keys = if target_dialect.supports_alter_add_fk() {
            target
                .foreign_keys
                .iter()
                .cloned()
                .zip(fk_statements.into_iter().map(Some))
                .collect()
        } else {
            target
                .foreign_keys
                .iter()
                .cloned()
                .map(|fk| (fk, None))
                .collect()
        };
        let comments = ddl::comment_statements(&target, namespace, target_dialect);
        let casts = source
            .copied_columns()
            .zip(target.copied_columns())
            .map(|(s, t)| {
                let (from, to) = (s.logical_type.arrow_type(), t.logical_type.arrow_type());
                (from != to).then_some(to)
            })
            .collect();
        tables.push(TablePlan {
            source,
            target,
            create,
            keys,
            indexes,
            foreign_keys,
            comments,
            casts,
            append,
            set_logged,
        });
    }
    let replace = if settings.if_exists == IfExists::Replace {
        clash
    } else {
        Vec::new()
    };
    Ok(Plan {
        source_dialect,
        target_dialect,
        namespace: namespace.map(str::to_string),
        tables,
        lossy,
        warnings,
        notes,
        not_migrated: schema.not_migrated.clone(),
        replace,
    })
}

impl Plan {
    /// Every statement the migration will run on the target, in order, for `--dry-run`.
    pub fn statements(&self) -> Vec<String> {
        let mut out = Vec::new();
        for name in &self.replace {
            out.push(ddl::drop_table(
                name,
                self.namespace.as_deref(),
                self.target_dialect,
            ));
        }
        for t in self.tables.iter().filter(|t| !t.append) {
            out.push(t.create.clone());
            out.extend(t.comments.iter().cloned());
        }
        out.extend(self.tables.iter().filter_map(|t| t.set_logged.clone()));
        for t in self.tables.iter().filter(|t| !t.append) {
            out.extend(t.keys.iter().cloned());
            out.extend(t.indexes.iter().cloned());
        }
        for t in self.tables.iter().filter(|t| !t.append) {
            out.extend(t.foreign_keys.iter().filter_map(|(_, s)| s.clone()));
        }
        out
    }
}
