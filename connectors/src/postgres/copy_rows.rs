//! Turns batches into the rows of a binary COPY stream, in the pieces
//! [`rows::interleave`] cuts: the part of the writer shared by a table's
//! rows and the pieces of its long values ([`super::assemble`]).

use super::encode::{self, ColumnBuf, PgKind};
use super::error as pgerr;
use super::rows;
use crate::Result;
use arrow_array::RecordBatch;
use bytes::{Bytes, BytesMut};

/// Binary COPY header: signature, flags (no OIDs), no extension.
const HEADER: &[u8; 19] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// Encoder of one COPY stream: its columns' formats and reused buffers.
pub(super) struct CopyRows {
    table: String,
    names: Vec<String>,
    kinds: Vec<PgKind>,
    field_count: i16,
    bufs: Vec<ColumnBuf>,
    out: BytesMut,
    /// Rows encoded so far, to number a bad row in an error.
    rows: u64,
}

impl CopyRows {
    /// An encoder for rows of `names` (in the stream's column order) of
    /// formats `kinds`; the first piece will start with the COPY header.
    pub(super) fn new(table: &str, names: Vec<String>, kinds: Vec<PgKind>) -> Result<CopyRows> {
        let field_count = i16::try_from(kinds.len())
            .map_err(|_| pgerr::data(table, "(all)", "more columns than a COPY row can carry"))?;
        let mut out = BytesMut::with_capacity(rows::PIECE);
        out.extend_from_slice(HEADER);
        Ok(CopyRows {
            table: table.to_string(),
            names,
            bufs: kinds.iter().map(|_| ColumnBuf::default()).collect(),
            kinds,
            field_count,
            out,
            rows: 0,
        })
    }

    /// Rows encoded so far.
    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    /// Encodes `batch` and appends its pieces to `pieces` (the last rows may
    /// wait in the buffer for the next batch or [`CopyRows::trailer`]).
    pub(super) fn batch(&mut self, batch: RecordBatch, pieces: &mut Vec<Bytes>) -> Result<()> {
        if batch.num_columns() != self.kinds.len() {
            return Err(pgerr::data(
                &self.table,
                "(all)",
                format!(
                    "a batch has {} columns where {} were expected",
                    batch.num_columns(),
                    self.kinds.len()
                ),
            ));
        }
        for (c, (kind, buf)) in self.kinds.iter().zip(self.bufs.iter_mut()).enumerate() {
            encode::column(batch.column(c), *kind, buf).map_err(|(row, why)| {
                let n = self.rows + u64::try_from(row).unwrap_or(0) + 1;
                pgerr::data(&self.table, &self.names[c], format!("row {n}: {why}"))
            })?;
        }
        let batch_rows = batch.num_rows();
        rows::interleave(
            &self.bufs,
            batch_rows,
            self.field_count,
            &mut self.out,
            pieces,
        );
        // The batch's text and bytea values are shared by the pieces now.
        self.bufs.iter_mut().for_each(|b| b.shared = None);
        drop(batch);
        pieces.push(self.out.split().freeze());
        self.rows += u64::try_from(batch_rows).unwrap_or(u64::MAX);
        Ok(())
    }

    /// The stream's last piece: rows still buffered and the trailer.
    pub(super) fn trailer(&mut self) -> Bytes {
        bytes::BufMut::put_i16(&mut self.out, -1);
        self.out.split().freeze()
    }
}
