//! Turns batches into the rows of a binary COPY stream, in the pieces
//! [`rows::interleave`] cuts: the part of the writer shared by a table's
//! rows and the pieces of its long values ([`super::assemble`]). Rows a batch
//! flags as long ([`crate::pieces::long_rows`]) are set aside, encoded the
//! same way, for a stream of their own ([`Aside`]).

use super::encode::{self, ColumnBuf, PgKind};
use super::error as pgerr;
use super::rows::{self, Detour};
use crate::pieces::long_rows;
use crate::Result;
use arrow_array::RecordBatch;
use bytes::{BufMut, Bytes, BytesMut};

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
    /// Rows encoded so far, set aside or not, to number a bad row in an
    /// error.
    encoded: u64,
    /// Rows encoded into this encoder's own stream (not set aside).
    rows: u64,
    /// Of those, rows encoded since the stream last (re)started.
    stream_rows: u64,
}

/// Rows set aside by [`CopyRows::batch`]: a binary COPY stream of their own,
/// held until the caller sends it ([`Aside::take`]).
#[derive(Default)]
pub(super) struct Aside {
    out: BytesMut,
    pieces: Vec<Bytes>,
    rows: u64,
}

impl Aside {
    /// Rows waiting.
    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    /// Bytes waiting.
    pub(super) fn bytes(&self) -> usize {
        self.out.len() + self.pieces.iter().map(Bytes::len).sum::<usize>()
    }

    /// The waiting rows as a whole COPY stream (header, rows, trailer), and
    /// how many they are; the aside is empty afterwards.
    pub(super) fn take(&mut self) -> (Vec<Bytes>, u64) {
        let mut stream = Vec::with_capacity(self.pieces.len() + 2);
        stream.push(Bytes::from_static(HEADER));
        stream.append(&mut self.pieces);
        self.out.put_i16(-1);
        stream.push(self.out.split().freeze());
        (stream, std::mem::take(&mut self.rows))
    }
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
            encoded: 0,
            rows: 0,
            stream_rows: 0,
        })
    }

    /// Rows encoded into this stream so far (not those set aside).
    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    /// Rows encoded since the stream last (re)started: what its `COPY`
    /// should report.
    pub(super) fn stream_rows(&self) -> u64 {
        self.stream_rows
    }

    /// Encodes `batch` and appends its pieces to `pieces` (the last rows may
    /// wait in the buffer for the next batch or [`CopyRows::trailer`]). A
    /// batch of rows read with pieces ends with their long-row flags: the
    /// rows it flags go to `aside` instead, and without one it is refused.
    pub(super) fn batch(
        &mut self,
        batch: RecordBatch,
        pieces: &mut Vec<Bytes>,
        aside: Option<&mut Aside>,
    ) -> Result<()> {
        let flags = long_rows(&batch).map(|f| f.values().clone());
        let columns = self.kinds.len() + usize::from(flags.is_some());
        if flags.is_some() && aside.is_none() {
            return Err(pgerr::data(
                &self.table,
                "(all)",
                "rows flagged as holding long values arrived where none can be set aside",
            ));
        }
        if batch.num_columns() != columns {
            return Err(pgerr::data(
                &self.table,
                "(all)",
                format!(
                    "a batch has {} columns where {} were expected",
                    batch.num_columns(),
                    columns
                ),
            ));
        }
        for (c, (kind, buf)) in self.kinds.iter().zip(self.bufs.iter_mut()).enumerate() {
            encode::column(batch.column(c), *kind, buf).map_err(|(row, why)| {
                let n = self.encoded + u64::try_from(row).unwrap_or(0) + 1;
                pgerr::data(&self.table, &self.names[c], format!("row {n}: {why}"))
            })?;
        }
        let batch_rows = batch.num_rows();
        let (detour, set_aside) = match (&flags, aside) {
            (Some(flags), Some(aside)) if flags.count_set_bits() > 0 => {
                let n = u64::try_from(flags.count_set_bits()).unwrap_or(u64::MAX);
                aside.rows += n;
                let detour = Detour {
                    flags,
                    out: &mut aside.out,
                    pieces: &mut aside.pieces,
                };
                (Some(detour), n)
            }
            _ => (None, 0),
        };
        rows::interleave(
            &self.bufs,
            batch_rows,
            self.field_count,
            &mut self.out,
            pieces,
            detour,
        );
        // The batch's text and bytea values are shared by the pieces now.
        self.bufs.iter_mut().for_each(|b| b.shared = None);
        drop(batch);
        pieces.push(self.out.split().freeze());
        let batch_rows = u64::try_from(batch_rows).unwrap_or(u64::MAX);
        self.encoded += batch_rows;
        self.rows += batch_rows - set_aside;
        self.stream_rows += batch_rows - set_aside;
        Ok(())
    }

    /// Starts the stream again after [`CopyRows::trailer`], for another
    /// `COPY` of the same columns.
    pub(super) fn restart(&mut self) {
        self.stream_rows = 0;
        self.out.extend_from_slice(HEADER);
    }

    /// The stream's last piece: rows still buffered and the trailer.
    pub(super) fn trailer(&mut self) -> Bytes {
        bytes::BufMut::put_i16(&mut self.out, -1);
        self.out.split().freeze()
    }
}
