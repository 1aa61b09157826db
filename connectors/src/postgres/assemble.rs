//! Sets a table's long values from their pieces ([`crate::pieces`]), inside
//! the load's transaction, after its rows were copied with those values
//! empty.
//!
//! Per pieced column: the pieces are copied into a scratch table
//! (`pg_temp`, dropped at commit at the latest), then one `UPDATE` joins each
//! row's pieces in order (`string_agg`) and sets the column — through
//! `convert_from` for text, which also checks the joined bytes are UTF-8. The
//! statement counts the rows it set against the keys among the pieces, so a
//! piece without its row fails the load instead of going missing.

use super::copy_rows::CopyRows;
use super::encode::PgKind;
use super::error::{self as pgerr, DIALECT};
use crate::pieces::{pieces_of, PIECE_BYTES, PIECE_NUMBER};
use crate::{BatchReceiver, ConnectorError, Result};
use arrow_array::RecordBatch;
use bytes::Bytes;
use ferry_schema::{ident, Dialect, Table};
use futures_util::SinkExt;

/// The scratch table the pieces go to.
const SCRATCH: &str = "pg_temp.ferry_pieces";

/// Where the pieces of a load's long values go.
pub(super) struct LongValues<'a> {
    /// The load's transaction.
    pub(super) tx: &'a tokio_postgres::Transaction<'a>,
    /// The target table, quoted and qualified.
    pub(super) qualified: &'a str,
    /// The table as loaded.
    pub(super) table: &'a Table,
    /// The binary format of each copied column of the target table.
    pub(super) kinds: &'a [PgKind],
}

impl LongValues<'_> {
    /// Loads the piece batches, `first` and those that follow it on
    /// `batches`, one column after another. Returns the bytes sent and the
    /// values set; the caller checks the feed was finished.
    pub(super) async fn load(
        &self,
        first: (String, RecordBatch),
        batches: &mut BatchReceiver,
    ) -> Result<(u64, u64)> {
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

    /// Copies the pieces of `column` into the scratch table and sets the
    /// column from them.
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
            encoder.batch(b, &mut pieces)?;
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
            return Err(ConnectorError::Server {
                dialect: DIALECT,
                context: ctx(),
                detail: format!(
                    "COPY reported {loaded} pieces where {} were sent",
                    encoder.rows()
                ),
                code: None,
            });
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
             u AS (UPDATE {} AS t SET {target} = {value} FROM p WHERE {} RETURNING 1) \
             SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM u)",
            self.qualified,
            joined.join(" AND ")
        );
        let row = self
            .tx
            .query_one(update.as_str(), &[])
            .await
            .map_err(|e| err(&e))?;
        let (values, set): (i64, i64) = (row.get(0), row.get(1));
        if values != set {
            return Err(ConnectorError::Server {
                dialect: DIALECT,
                context: ctx(),
                detail: format!("{values} long values arrived in pieces but {set} rows took them"),
                code: None,
            });
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
