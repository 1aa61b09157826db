//! Reads one table through a ferry source connector into Arrow batches and drops
//! them: the "source → Arrow" half of a migration alone, for the end-to-end
//! benchmark's comparison with ConnectorX (`benches/e2e/run.sh`).
//!
//! ```text
//! cargo run --release -p ferry-benches --example read_only -- mysql://root@127.0.0.1:3306/ferry_bench lineitem
//! ```
//! Prints rows, batches, Arrow bytes and seconds on one line. Not a test.

use ferry_connectors::{open_source, Endpoint, ReadOptions};
use std::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(table_name)) = (args.next(), args.next()) else {
        return Err("usage: read_only <source-url> <table>".into());
    };
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
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let reader = async { source.read_table(&table, ReadOptions::default(), tx).await };
    let consumer = async {
        let (mut batches, mut bytes) = (0u64, 0usize);
        while let Some(batch) = rx.recv().await {
            batches += 1;
            bytes += batch.get_array_memory_size();
        }
        (batches, bytes)
    };
    let (rows, (batches, bytes)) = tokio::join!(reader, consumer);
    let rows = rows?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "rows={rows} batches={batches} arrow_bytes={bytes} seconds={seconds:.2} rows_per_s={:.0}",
        rows as f64 / seconds
    );
    Ok(())
}
