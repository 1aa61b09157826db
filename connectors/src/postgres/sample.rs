//! Cut points for splitting a table on a key that is not a plain integer
//! range (text, UUID, bytes, composite keys), and the row-address layout of a
//! table without a key.
//!
//! Cut points are read in the server's `ORDER BY` over the raw key columns,
//! so text compares under each column's own collation, exactly as the
//! readers' range conditions will. Two ways, by table size:
//!
//! - up to [`SAMPLE_ABOVE`] rows: one ordered key scan numbered by
//!   `row_number()`, keeping every `stride`-th key server-side (only the cut
//!   points cross the wire);
//! - larger: `TABLESAMPLE SYSTEM` of about [`SAMPLE_KEYS`] keys per part
//!   (reads that share of the table's blocks), sorted, cut at its quantiles;
//!   a sample too small falls back to the full scan.

use super::error::{self as pgerr, DIALECT};
use crate::range::{parse_uuid, KeyKind};
use crate::{ConnectorError, KeyTuple, KeyValue, Result, RowAddressing};
use ferry_schema::{ident::quote, Dialect, Table};
use tokio_postgres::Client;

/// Tables with more rows than this are sampled rather than scanned.
const SAMPLE_ABOVE: u64 = 2_000_000;
/// Sampled keys wanted per part.
const SAMPLE_KEYS: u64 = 200;

/// Up to `parts - 1` cut points of `columns` in `qualified` (see the module docs).
pub(crate) async fn key_cut_points(
    client: &Client,
    qualified: &str,
    table: &Table,
    columns: &[String],
    rows: u64,
    parts: usize,
) -> Result<Vec<KeyTuple>> {
    if parts <= 1 || columns.is_empty() {
        return Ok(Vec::new());
    }
    let kinds = KeyKind::of_columns(table, columns, DIALECT)?;
    let context = format!("choosing the cut points of {}", table.name);
    let raw: Vec<String> = columns
        .iter()
        .map(|c| quote(Dialect::Postgres, c))
        .collect();
    let on = |alias: &str| -> Vec<String> { raw.iter().map(|c| format!("{alias}.{c}")).collect() };
    // Aliased outputs and qualified ORDER BY terms: an unqualified name in
    // ORDER BY would pick the text-cast output, sorting UUIDs by collation.
    let outputs = |alias: &str| -> String {
        on(alias)
            .iter()
            .zip(&kinds)
            .enumerate()
            .map(|(i, (c, k))| format!("{} AS k{i}", select_as(c, *k)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let wanted = u64::try_from(parts).unwrap_or(u64::MAX);
    if rows > SAMPLE_ABOVE {
        let target = wanted.saturating_mul(SAMPLE_KEYS);
        // Percent with 4 decimals, computed in integers.
        let per_million = (target.saturating_mul(100_000_000) / rows.max(1)).clamp(1, 100_000_000);
        let percent = format!("{}.{:06}", per_million / 1_000_000, per_million % 1_000_000);
        let sql = format!(
            "SELECT {} FROM {qualified} AS s TABLESAMPLE SYSTEM ({percent}) ORDER BY {}",
            outputs("s"),
            on("s").join(", ")
        );
        let sample = query_keys(client, &sql, &kinds, &context).await?;
        // Fewer than a handful of keys per part says little about the quantiles.
        if u64::try_from(sample.len()).unwrap_or(0) >= wanted.saturating_mul(8) {
            return Ok(crate::pick_quantiles(&sample, parts));
        }
    }
    let stride = crate::stride_for(rows, parts);
    let sql = format!(
        "SELECT {} FROM (SELECT {}, row_number() OVER (ORDER BY {}) AS \"ferry.rn\" FROM {qualified} AS s) AS w \
         WHERE w.\"ferry.rn\" % {stride} = 0 ORDER BY w.\"ferry.rn\" LIMIT {}",
        outputs("w"),
        on("s").join(", "),
        on("s").join(", "),
        parts - 1
    );
    let mut cuts = query_keys(client, &sql, &kinds, &context).await?;
    cuts.dedup();
    Ok(cuts)
}

/// The select expression reading a key column as its [`KeyKind`].
fn select_as(column: &str, kind: KeyKind) -> String {
    match kind {
        KeyKind::Int | KeyKind::UInt => format!("CAST({column} AS int8)"),
        KeyKind::Text | KeyKind::Uuid => format!("CAST({column} AS text)"),
        KeyKind::Bytes => column.to_string(),
    }
}

async fn query_keys(
    client: &Client,
    sql: &str,
    kinds: &[KeyKind],
    context: &str,
) -> Result<Vec<KeyTuple>> {
    let rows = client
        .query(sql, &[])
        .await
        .map_err(|e| pgerr::server(context, &e))?;
    rows.iter()
        .map(|row| {
            kinds
                .iter()
                .enumerate()
                .map(|(i, kind)| value(row, i, *kind, context))
                .collect()
        })
        .collect()
}

fn value(row: &tokio_postgres::Row, i: usize, kind: KeyKind, context: &str) -> Result<KeyValue> {
    let bad = |detail: String| ConnectorError::Server {
        dialect: DIALECT,
        context: context.to_string(),
        detail,
        code: None,
    };
    let get_err = |e: tokio_postgres::Error| bad(format!("key column {i}: {e}"));
    Ok(match kind {
        KeyKind::Int | KeyKind::UInt => KeyValue::Int(row.try_get(i).map_err(get_err)?),
        KeyKind::Text => KeyValue::Text(row.try_get(i).map_err(get_err)?),
        KeyKind::Bytes => KeyValue::Bytes(row.try_get(i).map_err(get_err)?),
        KeyKind::Uuid => {
            let text: String = row.try_get(i).map_err(get_err)?;
            KeyValue::Uuid(parse_uuid(&text).ok_or_else(|| bad(format!("not a UUID: {text}")))?)
        }
    })
}

/// The heap size of `qualified` in blocks: a keyless table is cut into `ctid`
/// ranges of whole blocks (a TID Range Scan on PostgreSQL 14 and later).
pub(crate) async fn row_addressing(client: &Client, qualified: &str) -> Result<RowAddressing> {
    let context = format!("measuring the size of {qualified}");
    let row = client
        .query_one(
            "SELECT CAST(pg_relation_size(CAST(CAST($1 AS text) AS regclass)) / current_setting('block_size')::int8 AS int8), \
             current_setting('server_version_num')::int4",
            &[&qualified],
        )
        .await
        .map_err(|e| pgerr::server(&context, &e))?;
    let blocks: i64 = row.get(0);
    let version: i32 = row.get(1);
    if version < 140_000 {
        return Ok(RowAddressing::Unavailable(
            "PostgreSQL before 14 has no TID range scan, so each ctid part would read the whole table".into(),
        ));
    }
    Ok(RowAddressing::Blocks {
        column: "ctid".into(),
        blocks: u64::try_from(blocks).unwrap_or(0),
    })
}
