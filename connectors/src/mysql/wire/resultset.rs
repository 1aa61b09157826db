//! Text resultsets: the batch buffer rows are appended to and split into cells
//! ([`RowBatch`]), and the statement-level reads on a [`Session`] — a query's
//! first reply, column definitions, rows up to the terminator.
//!
//! A row packet is a sequence of cells, each a length-encoded string or 0xFB
//! for NULL. `RowBatch` keeps every row's payload, back to back, in one `Vec`
//! and one `(start, end)` entry per cell in another; both are cleared and
//! reused batch after batch, so the stream allocates nothing per row.
//!
//! A binary row (a prepared statement's resultset) lands in the same buffer
//! and cell table: a 0x00 header, a NULL bitmap, then each non-NULL cell laid
//! out as its column's type says ([`CellLayout`]).

use super::handshake::Session;
use super::message::{
    classify_row_packet, ok_status, parse_err, read_lenenc, terminator_status, RowPacket,
    EOF_HEADER, ERR_HEADER, NULL_CELL, OK_HEADER, SERVER_MORE_RESULTS_EXISTS,
};
use super::WireError;
use crate::mysql::binary::{CellLayout, WireType};
use crate::mysql::decode::{TableDecoder, TextRow};
use crate::mysql::error::data_error;
use crate::Result;
use arrow_array::RecordBatch;
use ferry_schema::Table;

/// COM_QUERY command byte.
const COM_QUERY: u8 = 0x03;
/// First byte of a LOCAL INFILE request (the server wants a file from us).
const LOCAL_INFILE: u8 = 0xFB;

/// Where one cell lies in a batch's data: its start and length; a length of
/// [`NULL_LEN`] is SQL NULL. Eight bytes per cell, where an
/// `Option<(usize, usize)>` took 24.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    start: u32,
    len: u32,
}

/// The length that marks a NULL cell (no cell is that long: a batch's data
/// stays under 4 GiB, see [`RowBatch::push_row`]).
const NULL_LEN: u32 = u32::MAX;

/// Rows of one batch: their payloads in one buffer, their cells as ranges,
/// one table of cells per column. The decoder builds a batch column by
/// column, so each column's pass reads its own table in order; a table laid
/// out row by row made every pass stride over all the other columns' cells.
pub(crate) struct RowBatch {
    data: Vec<u8>,
    /// `cells[c][r]`: column `c` of row `r`.
    cells: Vec<Vec<Cell>>,
    rows: usize,
    /// Sum of the cells' lengths: the measure `ReadOptions::batch_bytes` limits
    /// (length prefixes excluded, as in the driver path, so both cut alike).
    cell_bytes: usize,
}

/// One row of a [`RowBatch`], as the decoder sees it.
pub(crate) struct RowView<'a> {
    data: &'a [u8],
    cells: &'a [Vec<Cell>],
    row: usize,
}

impl TextRow for RowView<'_> {
    fn cell(&self, i: usize) -> Option<&[u8]> {
        let cell = *self.cells.get(i)?.get(self.row)?;
        if cell.len == NULL_LEN {
            return None;
        }
        let start = usize::try_from(cell.start).ok()?;
        let len = usize::try_from(cell.len).ok()?;
        self.data.get(start..start + len)
    }
}

impl RowBatch {
    pub(crate) fn new(columns: usize) -> RowBatch {
        RowBatch {
            data: Vec::new(),
            cells: vec![Vec::new(); columns],
            rows: 0,
            cell_bytes: 0,
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows
    }

    pub(crate) fn cell_bytes(&self) -> usize {
        self.cell_bytes
    }

    /// Splits the row payload stored at `data[from..]` into its cells: a
    /// text row, or a binary row whose columns are laid out as `binary` says.
    fn push_row(&mut self, from: usize, binary: Option<&[CellLayout]>) -> Result<(), WireError> {
        let split = match binary {
            None => self.split_row(from),
            Some(layouts) => self.split_binary_row(from, layouts),
        };
        if split.is_err() {
            // Keep every column's table at `rows` entries.
            for column in &mut self.cells {
                column.truncate(self.rows);
            }
        }
        split
    }

    fn split_row(&mut self, from: usize) -> Result<(), WireError> {
        let end = self.data.len();
        let mut at = from;
        for column in &mut self.cells {
            let rest = self.data.get(at..end).unwrap_or_default();
            if rest.first() == Some(&NULL_CELL) {
                column.push(Cell {
                    start: offset(at)?,
                    len: NULL_LEN,
                });
                at += 1;
                continue;
            }
            let (len, prefix) =
                read_lenenc(rest).ok_or(WireError::Malformed("a row has too few cells"))?;
            let start = at + prefix;
            let stop = usize::try_from(len)
                .ok()
                .and_then(|len| start.checked_add(len))
                .filter(|&stop| stop <= end)
                .ok_or(WireError::Malformed("a cell runs past the end of its row"))?;
            column.push(Cell {
                start: offset(start)?,
                len: offset(stop - start)?,
            });
            self.cell_bytes += stop - start;
            at = stop;
        }
        if at != end {
            return Err(WireError::Malformed("a row has more cells than columns"));
        }
        self.rows += 1;
        Ok(())
    }

    fn split_binary_row(&mut self, from: usize, layouts: &[CellLayout]) -> Result<(), WireError> {
        let end = self.data.len();
        if layouts.len() != self.cells.len() {
            return Err(WireError::Malformed(
                "a binary row of other columns than selected",
            ));
        }
        // The bitmap leaves its first two bits unused.
        let bitmap_at = from + 1;
        let mut at = bitmap_at + (self.cells.len() + 9) / 8;
        if at > end {
            return Err(WireError::Malformed(
                "a binary row shorter than its NULL bitmap",
            ));
        }
        for (c, (column, layout)) in self.cells.iter_mut().zip(layouts).enumerate() {
            let bit = c + 2;
            if self.data[bitmap_at + bit / 8] & (1 << (bit % 8)) != 0 {
                column.push(Cell {
                    start: offset(at)?,
                    len: NULL_LEN,
                });
                continue;
            }
            let rest = self.data.get(at..end).unwrap_or_default();
            let (start, len) = match *layout {
                CellLayout::Fixed(width) => (at, width),
                CellLayout::Counted => {
                    let len = rest
                        .first()
                        .ok_or(WireError::Malformed("a binary row has too few cells"))?;
                    (at + 1, usize::from(*len))
                }
                CellLayout::Lenenc => {
                    let (len, prefix) = read_lenenc(rest)
                        .ok_or(WireError::Malformed("a binary row has too few cells"))?;
                    let len = usize::try_from(len)
                        .map_err(|_| WireError::Malformed("a cell runs past the end of its row"))?;
                    (at + prefix, len)
                }
            };
            let stop = start
                .checked_add(len)
                .filter(|&stop| stop <= end)
                .ok_or(WireError::Malformed("a cell runs past the end of its row"))?;
            column.push(Cell {
                start: offset(start)?,
                len: offset(len)?,
            });
            self.cell_bytes += len;
            at = stop;
        }
        if at != end {
            return Err(WireError::Malformed(
                "a binary row has more cells than columns",
            ));
        }
        self.rows += 1;
        Ok(())
    }

    /// The rows as the decoder takes them (one small view per row, made once per batch).
    pub(crate) fn views(&self) -> Vec<RowView<'_>> {
        (0..self.rows)
            .map(|row| RowView {
                data: &self.data,
                cells: &self.cells,
                row,
            })
            .collect()
    }

    /// Empties the batch for reuse, keeping the buffers unless a huge row
    /// grew the data buffer far past `keep` bytes.
    pub(crate) fn clear(&mut self, keep: usize) {
        self.data.clear();
        if self.data.capacity() > keep.saturating_mul(4) {
            self.data.shrink_to(keep);
        }
        for column in &mut self.cells {
            column.clear();
        }
        self.rows = 0;
        self.cell_bytes = 0;
    }
}

/// A position or length in a batch's data as a cell stores it. A batch is
/// cut once its cells pass `batch_bytes`, and a row is at most
/// `max_allowed_packet` (1 GiB): they fit in 32 bits.
fn offset(at: usize) -> Result<u32, WireError> {
    u32::try_from(at).map_err(|_| WireError::Malformed("a batch grew past 4 GiB"))
}

/// The first reply to a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Head {
    /// No resultset; the status flags of the OK packet.
    Ok(u16),
    /// A resultset of this many columns follows.
    Columns(u64),
}

impl Session {
    /// Sends a COM_QUERY; the replies are read by the caller.
    pub(crate) async fn send_query(&mut self, sql: &str) -> Result<(), WireError> {
        self.stream.reset_sequence();
        self.scratch.clear();
        self.scratch.push(COM_QUERY);
        self.scratch.extend_from_slice(sql.as_bytes());
        self.stream.write_payload(&self.scratch).await
    }

    /// Reads a statement's first reply (or the next one's, after
    /// `SERVER_MORE_RESULTS_EXISTS`).
    pub(crate) async fn read_head(&mut self) -> Result<Head, WireError> {
        self.scratch.clear();
        self.stream.read_payload(&mut self.scratch).await?;
        match self.scratch.first() {
            Some(&OK_HEADER) => Ok(Head::Ok(ok_status(&self.scratch)?)),
            Some(&ERR_HEADER) => Err(parse_err(&self.scratch)),
            Some(&LOCAL_INFILE) => Err(WireError::Malformed("a LOCAL INFILE request")),
            _ => read_lenenc(&self.scratch)
                .map(|(n, _)| Head::Columns(n))
                .ok_or(WireError::Malformed("bad column count")),
        }
    }

    /// Skips a resultset's column definitions (the decoder already knows the
    /// types from the catalog) and, without `CLIENT_DEPRECATE_EOF`, their EOF.
    pub(crate) async fn skip_columns(&mut self, count: u64) -> Result<(), WireError> {
        for _ in 0..count {
            self.scratch.clear();
            self.stream.read_payload(&mut self.scratch).await?;
        }
        if !self.deprecate_eof {
            self.scratch.clear();
            self.stream.read_payload(&mut self.scratch).await?;
            if self.scratch.first() != Some(&EOF_HEADER) {
                return Err(WireError::Malformed("no EOF after the column definitions"));
            }
        }
        Ok(())
    }

    /// Reads the next row into `batch`: `None` after a row, the terminator's
    /// status flags at the end of the resultset. Rows are text, or binary
    /// with their columns laid out as `binary` says.
    pub(crate) async fn read_row(
        &mut self,
        batch: &mut RowBatch,
        binary: Option<&[CellLayout]>,
    ) -> Result<Option<u16>, WireError> {
        let from = batch.data.len();
        self.stream.read_payload(&mut batch.data).await?;
        let payload = batch.data.get(from..).unwrap_or_default();
        // A binary row starts with 0x00, never with a terminator's header.
        match classify_row_packet(payload) {
            RowPacket::Row => batch.push_row(from, binary).map(|()| None),
            RowPacket::End => {
                let status = terminator_status(payload, self.deprecate_eof)?;
                batch.data.truncate(from);
                Ok(Some(status))
            }
            RowPacket::Err => Err(parse_err(payload)),
        }
    }

    /// Reads and drops rows up to the end of the resultset: its status flags.
    async fn drain_rows(&mut self) -> Result<u16, WireError> {
        loop {
            self.scratch.clear();
            self.stream.read_payload(&mut self.scratch).await?;
            match classify_row_packet(&self.scratch) {
                RowPacket::Row => {}
                RowPacket::End => return terminator_status(&self.scratch, self.deprecate_eof),
                RowPacket::Err => return Err(parse_err(&self.scratch)),
            }
        }
    }

    /// Reads whatever results follow one that ended with `status`.
    pub(crate) async fn finish_results(&mut self, mut status: u16) -> Result<(), WireError> {
        while status & SERVER_MORE_RESULTS_EXISTS != 0 {
            status = match self.read_head().await? {
                Head::Ok(status) => status,
                Head::Columns(n) => {
                    self.skip_columns(n).await?;
                    self.drain_rows().await?
                }
            };
        }
        Ok(())
    }

    /// Runs a statement whose results are not needed (SET, START TRANSACTION, COMMIT).
    pub(crate) async fn execute(&mut self, sql: &str) -> Result<(), WireError> {
        self.send_query(sql).await?;
        let status = match self.read_head().await? {
            Head::Ok(status) => status,
            Head::Columns(n) => {
                self.skip_columns(n).await?;
                self.drain_rows().await?
            }
        };
        self.finish_results(status).await
    }
}

/// Decodes text-resultset row payloads (each cell a length-encoded string, or
/// 0xFB for NULL — the bytes a server sends for a `SELECT` of `table`'s copied
/// columns) into one batch, through the buffer and cell table the direct
/// MySQL reader uses. Entry point for benchmarks.
pub fn decode_row_packets(table: &Table, payloads: &[&[u8]]) -> Result<RecordBatch> {
    let decoder = TableDecoder::new(table)?;
    let mut batch = RowBatch::new(decoder.column_count());
    for payload in payloads {
        let from = batch.data.len();
        batch.data.extend_from_slice(payload);
        batch
            .push_row(from, None)
            .map_err(|e| data_error(&table.name, "*", e.to_string()))?;
    }
    decoder.decode(&batch.views(), 0, &[])
}

/// Decodes binary-resultset row payloads (a 0x00 header, the NULL bitmap,
/// then the cells: what a server sends for a prepared `SELECT` of `table`'s
/// copied columns) into one batch, as the direct MySQL reader does.
/// `column_types` holds each column's type code and UNSIGNED flag, as its
/// column definition gives them. Entry point for benchmarks.
pub fn decode_binary_row_packets(
    table: &Table,
    column_types: &[(u8, bool)],
    payloads: &[&[u8]],
) -> Result<RecordBatch> {
    let decoder = TableDecoder::new(table)?;
    let types: Vec<WireType> = column_types
        .iter()
        .map(|&(code, unsigned)| WireType { code, unsigned })
        .collect();
    let formats = decoder
        .binary_formats(&types)
        .ok_or_else(|| data_error(&table.name, "*", "no binary reading of these column types"))?;
    let layouts: Vec<CellLayout> = types.iter().map(|t| t.layout()).collect();
    let mut batch = RowBatch::new(decoder.column_count());
    for payload in payloads {
        let from = batch.data.len();
        batch.data.extend_from_slice(payload);
        batch
            .push_row(from, Some(&layouts))
            .map_err(|e| data_error(&table.name, "*", e.to_string()))?;
    }
    decoder.decode(&batch.views(), 0, &formats)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Encodes cells as a server's text-resultset row.
    pub(crate) fn row_packet(cells: &[Option<&[u8]>]) -> Vec<u8> {
        let mut p = Vec::new();
        for cell in cells {
            match cell {
                None => p.push(NULL_CELL),
                Some(v) => {
                    let len = u64::try_from(v.len()).unwrap();
                    match len {
                        0..=250 => p.push(u8::try_from(len).unwrap()),
                        251..=0xFFFF => {
                            p.push(0xFC);
                            p.extend_from_slice(&len.to_le_bytes()[..2]);
                        }
                        0x1_0000..=0xFF_FFFF => {
                            p.push(0xFD);
                            p.extend_from_slice(&len.to_le_bytes()[..3]);
                        }
                        _ => {
                            p.push(0xFE);
                            p.extend_from_slice(&len.to_le_bytes());
                        }
                    }
                    p.extend_from_slice(v);
                }
            }
        }
        p
    }

    fn batch_of(columns: usize, rows: &[Vec<u8>]) -> Result<RowBatch, WireError> {
        let mut b = RowBatch::new(columns);
        for r in rows {
            let from = b.data.len();
            b.data.extend_from_slice(r);
            b.push_row(from, None)?;
        }
        Ok(b)
    }

    #[test]
    fn cells_nulls_and_empty_strings_are_split() {
        let long = vec![0xFBu8; 300];
        let huge = vec![0u8; 70_000];
        let rows = vec![
            row_packet(&[Some(b"1"), None, Some(b"")]),
            // Payload bytes equal to the NULL marker are data, not NULL.
            row_packet(&[Some(&[0xFB, 0x00]), Some(&long), Some(&huge)]),
        ];
        let b = batch_of(3, &rows).unwrap();
        assert_eq!(b.rows(), 2);
        assert_eq!(b.cell_bytes(), 1 + 2 + 300 + 70_000);
        let views = b.views();
        assert_eq!(views[0].cell(0), Some(&b"1"[..]));
        assert_eq!(views[0].cell(1), None);
        assert_eq!(views[0].cell(2), Some(&b""[..]));
        assert_eq!(views[1].cell(0), Some(&[0xFB, 0x00][..]));
        assert_eq!(views[1].cell(1), Some(&long[..]));
        assert_eq!(views[1].cell(2).map(<[u8]>::len), Some(70_000));
        assert_eq!(views[1].cell(3), None);
    }

    #[test]
    fn rows_with_wrong_cell_counts_are_refused() {
        assert!(batch_of(3, &[row_packet(&[Some(b"1"), None])]).is_err());
        assert!(batch_of(1, &[row_packet(&[Some(b"1"), None])]).is_err());
        // A length pointing past the end of the packet.
        assert!(batch_of(1, &[vec![5, b'a', b'b']]).is_err());
        assert!(batch_of(
            1,
            &[vec![0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]]
        )
        .is_err());
    }

    #[test]
    fn a_refused_row_leaves_the_rows_before_it_whole() {
        let mut b = batch_of(2, &[row_packet(&[Some(b"a"), None])]).unwrap();
        // One good cell, then the row ends: the first column's table must
        // not keep the half row's cell.
        let from = b.data.len();
        b.data.extend_from_slice(&row_packet(&[Some(b"b")]));
        assert!(b.push_row(from, None).is_err());
        assert_eq!(b.rows(), 1);
        assert!(b.cells.iter().all(|column| column.len() == 1));
        let from = b.data.len();
        b.data.extend_from_slice(&row_packet(&[None, Some(b"c")]));
        b.push_row(from, None).unwrap();
        let views = b.views();
        assert_eq!(
            (views[0].cell(0), views[0].cell(1)),
            (Some(&b"a"[..]), None)
        );
        assert_eq!(
            (views[1].cell(0), views[1].cell(1)),
            (None, Some(&b"c"[..]))
        );
    }

    #[test]
    fn clear_keeps_the_buffers_but_not_a_huge_one() {
        let mut b = batch_of(1, &[row_packet(&[Some(&[7u8; 1000])])]).unwrap();
        b.clear(4096);
        assert_eq!((b.rows(), b.cell_bytes(), b.views().len()), (0, 0, 0));
        assert!(b.data.capacity() >= 1000);
        let mut b = batch_of(1, &[row_packet(&[Some(&vec![7u8; 100_000])])]).unwrap();
        b.clear(4096);
        assert!(b.data.capacity() < 100_000);
    }

    #[test]
    fn packets_decode_like_cell_vectors() {
        use ferry_schema::{Column, LogicalType};
        let table = Table::new(
            "t",
            vec![
                Column::new(
                    "i",
                    LogicalType::Int {
                        bits: 32,
                        unsigned: false,
                    },
                ),
                Column::new("s", LogicalType::Text { max_bytes: None }),
                Column::new("b", LogicalType::Varbinary { length: None }),
            ],
        );
        let cells: Vec<Vec<Option<&[u8]>>> = vec![
            vec![Some(b"-7"), Some("é😀".as_bytes()), Some(&[0, 0xFB, 0xFF])],
            vec![None, Some(b""), None],
        ];
        let packets: Vec<Vec<u8>> = cells.iter().map(|r| row_packet(r)).collect();
        let refs: Vec<&[u8]> = packets.iter().map(Vec::as_slice).collect();
        let a = decode_row_packets(&table, &refs).unwrap();
        let b = crate::mysql::decode_text_rows(&table, &cells, 0).unwrap();
        assert_eq!(a, b);
    }
}
