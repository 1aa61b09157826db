//! Reads one table through a ferry source connector into Arrow batches and drops
//! them: the "source → Arrow" half of a migration alone, for the end-to-end
//! benchmark's comparison with ConnectorX (`benches/e2e/run.sh`).
//!
//! ```text
//! cargo run --release -p ferry-benches --example read_only -- mysql://root@127.0.0.1:3306/ferry_bench lineitem [parts] [batch-rows]
//! ```
//! With `parts` > 1 the table is cut into that many even ranges of its leading
//! integer key column, read at once over as many connections inside one
//! shared snapshot, the way `ferry migrate` reads a split table. `batch-rows`
//! defaults to the readers' default (8,192).
//! Prints rows, batches, Arrow bytes and seconds on one line. Not a test.

use ferry_connectors::{open_source, Endpoint, KeyRange, ReadOptions, Source};
use ferry_engine::parts::even_ranges;
use ferry_schema::Table;
use std::time::Instant;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(table_name)) = (args.next(), args.next()) else {
        return Err("usage: read_only <source-url> <table> [parts] [batch-rows]".into());
    };
    let parts: usize = args.next().map_or(Ok(1), |p| p.parse())?;
    let batch_rows: usize = args
        .next()
        .map_or(Ok(ReadOptions::default().batch_rows), |b| b.parse())?;
    let endpoint = Endpoint::parse(&url)?;
    let source = open_source(&endpoint).await?;
    let schema = source.introspect().await?;
    let table = schema
        .tables
        .iter()
        .find(|t| t.name == table_name)
        .ok_or_else(|| format!("table {table_name} not found in the source"))?
        .clone();

    let started = Instant::now();
    let ranges = key_ranges(&*source, &table, parts).await?;
    let snapshot = if ranges.len() > 1 {
        source.begin_snapshot(&table, ranges.len()).await?.guard()
    } else {
        None
    };
    let reads = ranges.into_iter().map(|key_range| {
        let options = ReadOptions {
            key_range,
            snapshot: snapshot.as_ref().map(|g| g.id().clone()),
            batch_rows,
            ..ReadOptions::default()
        };
        read_part(&*source, &table, options)
    });
    let mut totals = (0u64, 0u64, 0usize);
    for part in futures_util::future::join_all(reads).await {
        let (rows, batches, bytes) = part?;
        totals = (totals.0 + rows, totals.1 + batches, totals.2 + bytes);
    }
    drop(snapshot);
    let (rows, batches, bytes) = totals;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "rows={rows} batches={batches} arrow_bytes={bytes} parts={parts} seconds={seconds:.2} rows_per_s={:.0}",
        rows as f64 / seconds
    );
    Ok(())
}

/// `parts` even ranges of the table's leading key column (one unbounded
/// range when `parts` is 1).
async fn key_ranges(
    source: &dyn Source,
    table: &Table,
    parts: usize,
) -> Result<Vec<Option<KeyRange>>, BoxError> {
    if parts <= 1 {
        return Ok(vec![None]);
    }
    let column = table
        .verify_key()
        .and_then(|key| key.first().cloned())
        .ok_or("parts need a table with a key")?;
    // The catalog's estimate: it only sizes the ranges, which cover every key.
    let rows = source.estimate_rows(&table.name).await?;
    let (min, max) = source
        .key_bounds(table, &column)
        .await?
        .ok_or("the table is empty")?;
    let per_part = rows.div_ceil(u64::try_from(parts)?).max(1);
    Ok(even_ranges(&column, min, max, rows, per_part, parts)
        .into_iter()
        .map(Some)
        .collect())
}

/// Reads one part, dropping its batches as they arrive: (rows, batches, Arrow bytes).
async fn read_part(
    source: &dyn Source,
    table: &Table,
    options: ReadOptions,
) -> Result<(u64, u64, usize), BoxError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let reader = source.read_table(table, options, tx);
    let consumer = async {
        let (mut batches, mut bytes) = (0u64, 0usize);
        while let Some(batch) = rx.recv().await {
            batches += 1;
            bytes += batch.get_array_memory_size();
        }
        (batches, bytes)
    };
    let (rows, (batches, bytes)) = tokio::join!(reader, consumer);
    Ok((rows?, batches, bytes))
}
