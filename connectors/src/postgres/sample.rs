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
    let key = KeyQuery::new(qualified, table, columns)?;
    if rows > SAMPLE_ABOVE {
        if let Some(cuts) = key.sampled_cuts(client, rows, parts, SAMPLE_KEYS).await? {
            return Ok(cuts);
        }
    }
    key.scanned_cuts(client, rows, parts).await
}

/// The key columns of one table, and how to select and order them.
struct KeyQuery<'a> {
    qualified: &'a str,
    kinds: Vec<KeyKind>,
    /// Quoted column names.
    raw: Vec<String>,
    context: String,
}

impl<'a> KeyQuery<'a> {
    fn new(qualified: &'a str, table: &Table, columns: &[String]) -> Result<Self> {
        Ok(KeyQuery {
            qualified,
            kinds: KeyKind::of_columns(table, columns, DIALECT)?,
            raw: columns
                .iter()
                .map(|c| quote(Dialect::Postgres, c))
                .collect(),
            context: format!("choosing the cut points of {}", table.name),
        })
    }

    /// The key columns qualified by `alias`, in key order.
    fn on(&self, alias: &str) -> Vec<String> {
        self.raw.iter().map(|c| format!("{alias}.{c}")).collect()
    }

    /// Aliased outputs (`k0, k1, ...`) read as their kinds. The ORDER BY terms
    /// stay qualified raw columns: an unqualified name there would pick the
    /// text-cast output, sorting UUIDs by collation.
    fn outputs(&self, alias: &str) -> String {
        self.on(alias)
            .iter()
            .zip(&self.kinds)
            .enumerate()
            .map(|(i, (c, k))| format!("{} AS k{i}", select_as(c, *k)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Cut points at the quantiles of a `TABLESAMPLE SYSTEM` of about
    /// `keys_per_part` keys per part, or `None` when the sample came back too
    /// small to say much (fewer than 8 keys per part).
    async fn sampled_cuts(
        &self,
        client: &Client,
        rows: u64,
        parts: usize,
        keys_per_part: u64,
    ) -> Result<Option<Vec<KeyTuple>>> {
        let wanted = u64::try_from(parts).unwrap_or(u64::MAX);
        let target = wanted.saturating_mul(keys_per_part);
        // Percent with 6 decimals, computed in integers.
        let per_million = (target.saturating_mul(100_000_000) / rows.max(1)).clamp(1, 100_000_000);
        let percent = format!("{}.{:06}", per_million / 1_000_000, per_million % 1_000_000);
        let sql = format!(
            "SELECT {} FROM {} AS s TABLESAMPLE SYSTEM ({percent}) ORDER BY {}",
            self.outputs("s"),
            self.qualified,
            self.on("s").join(", ")
        );
        let sample = query_keys(client, &sql, &self.kinds, &self.context).await?;
        if u64::try_from(sample.len()).unwrap_or(0) < wanted.saturating_mul(8) {
            return Ok(None);
        }
        Ok(Some(crate::pick_quantiles(&sample, parts)))
    }

    /// Cut points from one ordered key scan, every `rows / parts`-th key kept
    /// server-side.
    async fn scanned_cuts(
        &self,
        client: &Client,
        rows: u64,
        parts: usize,
    ) -> Result<Vec<KeyTuple>> {
        let stride = crate::stride_for(rows, parts);
        let sql = format!(
            "SELECT {} FROM (SELECT {}, row_number() OVER (ORDER BY {}) AS \"ferry.rn\" FROM {} AS s) AS w \
             WHERE w.\"ferry.rn\" % {stride} = 0 ORDER BY w.\"ferry.rn\" LIMIT {}",
            self.outputs("w"),
            self.on("s").join(", "),
            self.on("s").join(", "),
            self.qualified,
            parts - 1
        );
        let mut cuts = query_keys(client, &sql, &self.kinds, &self.context).await?;
        cuts.dedup();
        Ok(cuts)
    }
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::KeyQuery;
    use crate::KeyValue;
    use ferry_fixtures::PgDb;
    use ferry_schema::{Column, LogicalType, Table};

    /// The `TABLESAMPLE` path on a real table: its SQL runs, its keys decode,
    /// and its cut points split the table into roughly equal parts. (ferry
    /// takes this path above 2M rows; here the keys wanted per part are raised
    /// so a 100k-row table gives a sample big enough to be used.)
    #[tokio::test]
    async fn sampled_cut_points_split_a_real_table_evenly() {
        let db = PgDb::create("pg_sample").await;
        db.execute(
            "CREATE TABLE t (k text PRIMARY KEY, pad text NOT NULL);
             INSERT INTO t SELECT md5(i::text), repeat('x', 40) FROM generate_series(1, 100000) i;
             ANALYZE t",
        )
        .await;
        let client = db.client().await;
        let table = Table::new(
            "t",
            vec![
                Column::new("k", LogicalType::Text { max_bytes: None }),
                Column::new("pad", LogicalType::Text { max_bytes: None }),
            ],
        );
        let key = KeyQuery::new("public.t", &table, &["k".to_string()]).unwrap();
        let cuts = key
            .sampled_cuts(&client, 100_000, 4, 5_000)
            .await
            .unwrap()
            .expect("a 20% sample of 100k rows is large enough to use");
        assert_eq!(cuts.len(), 3, "{cuts:?}");
        let text: Vec<String> = cuts
            .iter()
            .map(|tuple| match tuple.as_slice() {
                [KeyValue::Text(t)] => t.clone(),
                other => panic!("expected one text key, got {other:?}"),
            })
            .collect();
        // Rows in each part, counted by the server under its own collation.
        let bounds: Vec<Option<&str>> = std::iter::once(None)
            .chain(text.iter().map(|t| Some(t.as_str())))
            .chain(std::iter::once(None))
            .collect();
        for pair in bounds.windows(2) {
            let row = client
                .query_one(
                    "SELECT count(*) FROM t WHERE ($1::text IS NULL OR k >= $1) AND ($2::text IS NULL OR k < $2)",
                    &[&pair[0], &pair[1]],
                )
                .await
                .unwrap();
            let rows: i64 = row.get(0);
            assert!(
                (15_000..=35_000).contains(&rows),
                "a part between {pair:?} holds {rows} of 100000 rows"
            );
        }

        // A sample of fewer than 8 keys per part is refused (here the whole
        // 10-row table is sampled), and the caller scans instead.
        db.execute("CREATE TABLE small AS SELECT k, pad FROM t ORDER BY k LIMIT 10")
            .await;
        let small = KeyQuery::new("public.small", &table, &["k".to_string()]).unwrap();
        let refused = small.sampled_cuts(&client, 10, 4, 5_000).await.unwrap();
        assert!(refused.is_none(), "{refused:?}");
        let scanned = small.scanned_cuts(&client, 10, 4).await.unwrap();
        assert_eq!(scanned.len(), 3, "{scanned:?}");
    }
}
