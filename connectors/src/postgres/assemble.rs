//! Loads a table's rows that hold long values ([`crate::pieces`]) and sets
//! those values from their pieces, inside the load's transaction.
//!
//! The rows the reader flagged (their long values arrive empty) never go
//! into the table with the others: the writer sets them aside
//! ([`super::copy_rows::Aside`]) and copies them into a scratch table
//! ([`LongRows`], in `pg_temp`, dropped at commit at the latest). Per pieced
//! column, the pieces are copied into a second scratch table and one
//! `UPDATE` of the first joins each row's pieces in order (`string_agg`) and
//! sets the column, through `convert_from` for text, which also checks the
//! joined bytes are UTF-8. Last, the rows are inserted into the table whole.
//! So the table is never searched for a row (it has no key yet while it
//! loads, and a split table's parts would each have scanned it) and no row of
//! it is written twice. The statements count what they set against the keys
//! among the pieces, and refuse a row whose value never came, so a piece
//! without its row, or a row without its pieces, fails the load instead of
//! going missing.

use super::copy_rows::CopyRows;
use super::encode::PgKind;
use super::error as pgerr;
use crate::pieces::{pieces_of, PIECE_BYTES, PIECE_NUMBER};
use crate::{BatchReceiver, Result};
use arrow_array::RecordBatch;
use bytes::Bytes;
use ferry_schema::{ident, Dialect, Table};
use futures_util::SinkExt;

/// The scratch table the pieces go to.
const SCRATCH: &str = "pg_temp.ferry_pieces";

/// The scratch table the rows holding long values go to.
const ROWS: &str = "pg_temp.ferry_long_rows";

/// Column of [`ROWS`] set once one of the row's long values was set.
const SET: &str = "ferry_long_value_set";

/// The rows of a load that hold long values, waiting in [`ROWS`] for their
/// values before they go into the table.
pub(super) struct LongRows<'a> {
    /// The load's transaction.
    tx: &'a tokio_postgres::Transaction<'a>,
    /// The target table, quoted and qualified.
    qualified: &'a str,
    /// The table as loaded.
    table: &'a Table,
    /// The table's copied columns, quoted, in the order of its COPY.
    columns: &'a str,
    /// The binary format of each copied column of the target table.
    kinds: &'a [PgKind],
    /// [`ROWS`] exists in this transaction.
    created: bool,
    /// Rows copied into [`ROWS`].
    rows: u64,
}

impl<'a> LongRows<'a> {
    /// No row set aside yet.
    pub(super) fn new(
        tx: &'a tokio_postgres::Transaction<'a>,
        qualified: &'a str,
        table: &'a Table,
        columns: &'a str,
        kinds: &'a [PgKind],
    ) -> LongRows<'a> {
        LongRows {
            tx,
            qualified,
            table,
            columns,
            kinds,
            created: false,
            rows: 0,
        }
    }

    fn context(&self) -> String {
        format!(
            "loading the rows of {} that hold long values",
            self.table.name
        )
    }

    /// Creates [`ROWS`] with the table's copied columns, once.
    async fn create(&mut self) -> Result<()> {
        if self.created {
            return Ok(());
        }
        self.tx
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS {ROWS}; \
                 CREATE TEMP TABLE ferry_long_rows ON COMMIT DROP AS \
                 SELECT {} FROM {} WITH NO DATA; \
                 ALTER TABLE {ROWS} ADD {SET} boolean NOT NULL DEFAULT false",
                self.columns, self.qualified
            ))
            .await
            .map_err(|e| pgerr::server(self.context(), &e))?;
        self.created = true;
        Ok(())
    }

    /// Copies `stream` (a whole binary COPY stream of `rows` rows, from
    /// [`super::copy_rows::Aside::take`]) into [`ROWS`]. Returns its bytes.
    pub(super) async fn copy(&mut self, stream: Vec<Bytes>, rows: u64) -> Result<u64> {
        self.create().await?;
        let ctx = self.context();
        let sink = self
            .tx
            .copy_in::<_, Bytes>(
                format!("COPY {ROWS} ({}) FROM STDIN (FORMAT binary)", self.columns).as_str(),
            )
            .await
            .map_err(|e| pgerr::server(&ctx, &e))?;
        futures_util::pin_mut!(sink);
        let mut sent = 0u64;
        for piece in stream {
            sent += u64::try_from(piece.len()).unwrap_or(u64::MAX);
            sink.send(piece)
                .await
                .map_err(|e| pgerr::server(&ctx, &e))?;
        }
        let loaded = sink.finish().await.map_err(|e| pgerr::server(&ctx, &e))?;
        if loaded != rows {
            return Err(pgerr::mismatch(
                ctx,
                format!("COPY reported {loaded} rows where {rows} were sent"),
            ));
        }
        self.rows += rows;
        Ok(sent)
    }

    /// Sets the long values from the piece batches, `first` and those that
    /// follow it on `batches`, one column after another. Returns the bytes
    /// sent and the values set; the caller checks the feed was finished.
    pub(super) async fn set_values(
        &mut self,
        first: (String, RecordBatch),
        batches: &mut BatchReceiver,
    ) -> Result<(u64, u64)> {
        // Pieces without any row to take them fail in the count below.
        self.create().await?;
        let (mut sent, mut values) = (0, 0);
        let mut next = Some(first);
        while let Some((column, batch)) = next.take() {
            let set = self.column(&column, batch, batches).await?;
            sent += set.bytes;
            values += set.values;
            next = set.next;
        }
        Ok((sent, values))
    }

    /// Inserts the rows set aside into the table, once each of them took
    /// a long value. Returns how many rows were inserted.
    pub(super) async fn insert(&self) -> Result<u64> {
        if self.rows == 0 {
            return Ok(0);
        }
        let ctx = self.context();
        let row = self
            .tx
            .query_one(
                format!("SELECT count(*) FILTER (WHERE NOT {SET}), count(*) FROM {ROWS}").as_str(),
                &[],
            )
            .await
            .map_err(|e| pgerr::server(&ctx, &e))?;
        let (unset, waiting): (i64, i64) = (row.get(0), row.get(1));
        if unset != 0 {
            let detail = format!(
                "{unset} of {waiting} rows read with a long value shortened got none of their pieces"
            );
            return Err(pgerr::mismatch(ctx, detail));
        }
        let inserted = self
            .tx
            .execute(
                format!(
                    "INSERT INTO {} ({cols}) OVERRIDING SYSTEM VALUE SELECT {cols} FROM {ROWS}",
                    self.qualified,
                    cols = self.columns
                )
                .as_str(),
                &[],
            )
            .await
            .map_err(|e| pgerr::server(&ctx, &e))?;
        if inserted != self.rows {
            return Err(pgerr::mismatch(
                ctx,
                format!(
                    "{inserted} rows were inserted where {} were set aside",
                    self.rows
                ),
            ));
        }
        self.tx
            .batch_execute(&format!("DROP TABLE {ROWS}"))
            .await
            .map_err(|e| pgerr::server(&ctx, &e))?;
        Ok(inserted)
    }

    /// Copies the pieces of `column` into the scratch table and sets the
    /// column of the rows set aside from them.
    async fn column(
        &self,
        column: &str,
        first: RecordBatch,
        batches: &mut BatchReceiver,
    ) -> Result<ColumnSet> {
        let table = &self.table.name;
        let ctx = || format!("setting the long values of {table}.{column} from their pieces");
        let err = |e: &tokio_postgres::Error| pgerr::server(ctx(), e);
        let key = self.table.verify_key().ok_or_else(|| {
            pgerr::data(table, column, "pieces arrived for a table without a key")
        })?;
        let position = |name: &str| self.table.copied_columns().position(|c| c.name == name);
        let value_kind = position(column).and_then(|i| self.kinds.get(i).copied());
        let value = match value_kind {
            Some(PgKind::Bytea) => "p.ferry_value".to_string(),
            Some(PgKind::Text) => "convert_from(p.ferry_value, 'UTF8')".to_string(),
            _ => {
                return Err(pgerr::data(
                    table,
                    column,
                    "pieces arrived for a column that is neither text nor bytea on the target",
                ))
            }
        };
        let mut kinds = Vec::with_capacity(key.len() + 2);
        for k in key {
            let kind = position(k).and_then(|i| self.kinds.get(i).copied());
            kinds.push(kind.ok_or_else(|| pgerr::data(table, k, "key column not loaded"))?);
        }
        kinds.extend([PgKind::Int8, PgKind::Bytea]);
        let mut names = key.to_vec();
        names.extend([PIECE_NUMBER.to_string(), PIECE_BYTES.to_string()]);
        let keys: Vec<String> = key
            .iter()
            .map(|k| ident::quote(Dialect::Postgres, k))
            .collect();
        let keys = keys.join(", ");
        self.tx
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS {SCRATCH}; \
                 CREATE TEMP TABLE ferry_pieces ON COMMIT DROP AS \
                 SELECT {keys}, 0::int8 AS {PIECE_NUMBER}, ''::bytea AS {PIECE_BYTES} \
                 FROM {} WITH NO DATA",
                self.qualified
            ))
            .await
            .map_err(|e| err(&e))?;

        let sink = self
            .tx
            .copy_in::<_, Bytes>(format!("COPY {SCRATCH} FROM STDIN (FORMAT binary)").as_str())
            .await
            .map_err(|e| err(&e))?;
        futures_util::pin_mut!(sink);
        let mut encoder = CopyRows::new(table, names, kinds)?;
        let mut pieces = Vec::new();
        let mut sent = 0u64;
        let mut next = None;
        let mut batch = Some(first);
        while let Some(b) = batch.take() {
            encoder.batch(b, &mut pieces, None)?;
            for piece in pieces.drain(..) {
                sent += u64::try_from(piece.len()).unwrap_or(u64::MAX);
                sink.send(piece).await.map_err(|e| err(&e))?;
            }
            let Some(b) = batches.recv().await else {
                break;
            };
            match pieces_of(&b) {
                Some(c) if c == column => batch = Some(b),
                Some(c) => next = Some((c, b)),
                None => {
                    return Err(pgerr::data(
                        table,
                        column,
                        "rows arrived after the pieces of long values",
                    ))
                }
            }
        }
        let last = encoder.trailer();
        sent += u64::try_from(last.len()).unwrap_or(u64::MAX);
        sink.send(last).await.map_err(|e| err(&e))?;
        let loaded = sink.finish().await.map_err(|e| err(&e))?;
        if loaded != encoder.rows() {
            return Err(pgerr::mismatch(
                ctx(),
                format!(
                    "COPY reported {loaded} pieces where {} were sent",
                    encoder.rows()
                ),
            ));
        }

        let joined: Vec<String> = key
            .iter()
            .map(|k| {
                let q = ident::quote(Dialect::Postgres, k);
                format!("t.{q} = p.{q}")
            })
            .collect();
        let target = ident::quote(Dialect::Postgres, column);
        let update = format!(
            "WITH p AS (SELECT {keys}, string_agg({PIECE_BYTES}, ''::bytea ORDER BY {PIECE_NUMBER}) \
             AS ferry_value FROM {SCRATCH} GROUP BY {keys}), \
             u AS (UPDATE {ROWS} AS t SET {target} = {value}, {SET} = true FROM p WHERE {} RETURNING 1) \
             SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM u)",
            joined.join(" AND ")
        );
        let row = self
            .tx
            .query_one(update.as_str(), &[])
            .await
            .map_err(|e| err(&e))?;
        let (values, set): (i64, i64) = (row.get(0), row.get(1));
        if values != set {
            return Err(pgerr::mismatch(
                ctx(),
                format!("{values} long values arrived in pieces but {set} rows took them"),
            ));
        }
        self.tx
            .batch_execute(&format!("DROP TABLE {SCRATCH}"))
            .await
            .map_err(|e| err(&e))?;
        Ok(ColumnSet {
            bytes: sent,
            values: u64::try_from(set).unwrap_or(0),
            next,
        })
    }
}

/// What setting one column's long values did.
struct ColumnSet {
    /// Bytes of pieces sent.
    bytes: u64,
    /// Values set.
    values: u64,
    /// The first batch of the next column's pieces, if any.
    next: Option<(String, RecordBatch)>,
}
