//! Shared helpers for the engine's end-to-end tests: run a migration through the
//! library, and read whole tables from both sides in a canonical text form so
//! every row can be compared across dialects.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use ferry_connectors::{open_source, Endpoint, ReadOptions};
use ferry_engine::{migrate, MigrateOptions, PlanSettings, Progress, Report};

/// Options for a migration with the given settings.
pub fn options(source: &str, target: &str, settings: PlanSettings) -> MigrateOptions {
    MigrateOptions {
        source: Endpoint::parse(source).unwrap(),
        target: Endpoint::parse(target).unwrap(),
        jobs: 3,
        split_larger_than: 0,
        read: ReadOptions {
            batch_rows: 1000,
            ..ReadOptions::default()
        },
        settings,
        dry_run: false,
        verify: ferry_engine::VerifyLevel::Full,
        resume: false,
    }
}

/// Runs a migration with default settings and returns its report.
pub async fn run(source: &str, target: &str) -> Report {
    migrate(
        &options(source, target, PlanSettings::default()),
        &Progress::new(true),
    )
    .await
    .unwrap_or_else(|e| panic!("migration {source} -> {target} failed: {e}"))
}

/// Every row of `table` at `url`, each value rendered canonically, rows sorted.
pub async fn table_rows(url: &str, table: &str) -> Vec<Vec<String>> {
    let source = open_source(&Endpoint::parse(url).unwrap()).await.unwrap();
    let schema = source.introspect().await.unwrap();
    let t = schema
        .table(table)
        .unwrap_or_else(|| panic!("table {table} missing at {url}"))
        .clone();
    read_rows(source, t, None).await
}

/// Compares every row of a source table with its copy on the target. Source
/// values are first cast (by ferry's own casts) to the target column's Arrow
/// type, and generated columns the target stores as plain columns are read, as
/// the engine does.
pub async fn compare_tables(src: &str, src_table: &str, dst: &str, dst_table: &str) {
    let target = open_source(&Endpoint::parse(dst).unwrap()).await.unwrap();
    let tt = target
        .introspect()
        .await
        .unwrap()
        .table(dst_table)
        .unwrap_or_else(|| panic!("{dst_table} missing at {dst}"))
        .clone();
    let source = open_source(&Endpoint::parse(src).unwrap()).await.unwrap();
    let mut st = source
        .introspect()
        .await
        .unwrap()
        .table(src_table)
        .unwrap_or_else(|| panic!("{src_table} missing at {src}"))
        .clone();
    for c in &mut st.columns {
        if tt.column(&c.name).is_some_and(|t| t.generated.is_none()) {
            c.generated = None;
        }
    }
    let types = tt
        .arrow_schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    let a = read_rows(source, st, Some(types)).await;
    let b = read_rows(target, tt, None).await;
    assert_same_rows(&a, &b, &format!("{src} {src_table} -> {dst} {dst_table}"));
}

async fn read_rows(
    source: Box<dyn ferry_connectors::Source>,
    t: ferry_schema::Table,
    types: Option<Vec<DataType>>,
) -> Vec<Vec<String>> {
    let table = t.name.clone();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let reader =
        tokio::spawn(async move { source.read_table(&t, ReadOptions::default(), tx).await });
    let mut rows = Vec::new();
    while let Some(batch) = rx.recv().await {
        let batch = match &types {
            Some(types) => {
                let columns = batch
                    .columns()
                    .iter()
                    .zip(types)
                    .enumerate()
                    .map(|(i, (a, t))| {
                        ferry_engine::cast::cast_array(a, t).unwrap_or_else(|e| {
                            panic!("{table} column {i}: cast {} -> {t}: {e:?}", a.data_type())
                        })
                    })
                    .collect::<Vec<_>>();
                let fields: Vec<arrow_schema::Field> = columns
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        arrow_schema::Field::new(format!("c{i}"), c.data_type().clone(), true)
                    })
                    .collect();
                RecordBatch::try_new(
                    std::sync::Arc::new(arrow_schema::Schema::new(fields)),
                    columns,
                )
                .unwrap()
            }
            None => batch,
        };
        append_rows(&batch, &mut rows);
    }
    reader.await.unwrap().unwrap();
    rows.sort();
    rows
}

fn append_rows(batch: &RecordBatch, rows: &mut Vec<Vec<String>>) {
    let start = rows.len();
    rows.extend((0..batch.num_rows()).map(|_| Vec::with_capacity(batch.num_columns())));
    for col in batch.columns() {
        for (i, row) in rows[start..].iter_mut().enumerate() {
            row.push(render(col.as_ref(), i));
        }
    }
}

/// One value as text that is equal across dialects when the values are equal.
pub fn render(a: &dyn Array, i: usize) -> String {
    if a.is_null(i) {
        return "NULL".into();
    }
    match a.data_type() {
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).to_string(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).to_string(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).to_string(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).to_string(),
        DataType::UInt64 => a.as_primitive::<UInt64Type>().value(i).to_string(),
        DataType::Float32 => format!("f{:?}", a.as_primitive::<Float32Type>().value(i)),
        DataType::Float64 => format!("f{:?}", a.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => normalize_decimal(a.as_string::<i32>().value(i)),
        DataType::Binary => hex(a.as_binary::<i32>().value(i)),
        DataType::FixedSizeBinary(_) => hex(a.as_fixed_size_binary().value(i)),
        DataType::Date32 => format!("d{}", a.as_primitive::<Date32Type>().value(i)),
        DataType::Time64(TimeUnit::Microsecond) => {
            format!("t{}", a.as_primitive::<Time64MicrosecondType>().value(i))
        }
        DataType::Duration(TimeUnit::Microsecond) => {
            format!("t{}", a.as_primitive::<DurationMicrosecondType>().value(i))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => format!(
            "ts{}",
            a.as_primitive::<TimestampMicrosecondType>().value(i)
        ),
        DataType::Interval(_) => format!(
            "{:?}",
            a.as_primitive::<IntervalMonthDayNanoType>().value(i)
        ),
        other => panic!("render: unexpected type {other}"),
    }
}

/// Decimal text compared by value: `1.50` and `1.5` render alike. Other text is unchanged.
fn normalize_decimal(s: &str) -> String {
    let is_decimal = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && s.bytes().filter(|b| *b == b'.').count() == 1
        && s.bytes().any(|b| b.is_ascii_digit());
    if is_decimal {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        return if t.is_empty() || t == "-" {
            "0".into()
        } else {
            t.to_string()
        };
    }
    s.to_string()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Asserts two sorted row sets are equal; on a difference, names the first
/// differing row's columns with both values (truncated), not whole rows.
pub fn assert_same_rows(a: &[Vec<String>], b: &[Vec<String>], context: &str) {
    let cut = |s: &str| -> String {
        if s.chars().count() > 80 {
            format!(
                "{}... ({} chars)",
                s.chars().take(80).collect::<String>(),
                s.chars().count()
            )
        } else {
            s.to_string()
        }
    };
    assert_eq!(a.len(), b.len(), "{context}: row counts differ");
    for (n, (x, y)) in a.iter().zip(b).enumerate() {
        if x != y {
            let diffs: Vec<String> = x
                .iter()
                .zip(y)
                .enumerate()
                .filter(|(_, (p, q))| p != q)
                .map(|(i, (p, q))| format!("column {i}: source {} / target {}", cut(p), cut(q)))
                .collect();
            panic!(
                "{context}: sorted row {n} differs (key {}):\n{}",
                cut(&x[0]),
                diffs.join("\n")
            );
        }
    }
}
