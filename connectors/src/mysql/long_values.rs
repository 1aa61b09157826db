//! Long values joined back on a MySQL target, inside the table's own `LOAD
//! DATA` upload ([`crate::pieces`] says how they arrive).
//!
//! MySQL cannot join them in SQL: `CONCAT` and `GROUP_CONCAT` results are
//! cut at `max_allowed_packet` (MariaDB 10.11 stops `GROUP_CONCAT` of 1 MiB
//! pieces at the 17th under a 16 MiB limit: "Row 17 was cut by
//! GROUP_CONCAT()"). A `LOAD DATA LOCAL` upload has no such limit on a
//! field, so the writer sends each long value whole there, reading it back
//! from a spool file a chunk at a time:
//!
//! ```text
//! rows, flag false ──▶ upload, as they come
//! rows, flag true  ──▶ spool: their line (long fields empty), and their key in memory
//! piece batches    ──▶ spool: each piece's escaped bytes, listed under its row and column
//! end of the feed  ──▶ upload: each row set aside, its empty long fields replaced
//!                      by their pieces read back in order, ≤ one upload chunk at a time
//! ```
//!
//! The `LOAD DATA` format escapes byte by byte (`\\`, tab, newline, NUL), so
//! the escaped pieces of a value, joined, are the escaped value, and no
//! field of a line holds a raw tab: a spooled line splits back into its
//! fields at its tabs. The spool file is removed from its directory as soon
//! as it is open, so its space goes back to the filesystem when the load
//! ends, however it ends.

use super::encode::{BatchEncoder, Format};
use super::error::data_error;
use crate::pieces::piece_table;
use crate::{ConnectorError, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::RecordBatch;
use ferry_schema::Table;
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Numbers spool files within this process.
static SPOOLS: AtomicU64 = AtomicU64::new(0);

/// Rows set aside and the pieces of their long values, for one load.
pub(super) struct LongValues {
    table: String,
    /// Copied column names, in field order.
    columns: Vec<String>,
    /// Field positions of the verification key's columns.
    key_fields: Vec<usize>,
    /// Encodes piece batches: the key's columns, the number, the bytes.
    pieces: BatchEncoder,
    spool: Spool,
    rows: Vec<SetAside>,
    /// A set-aside row's index by its key's encoded fields.
    by_key: HashMap<Vec<u8>, usize>,
    /// Values set from pieces, counted as they are sent.
    values: u64,
    /// Next row to send, and what is left of the one being sent.
    next_row: usize,
    sending: VecDeque<Segment>,
}

/// A row set aside: where its line lies in the spool, and its long values.
struct SetAside {
    line: Range<u64>,
    pieces: Vec<LongValue>,
}

/// One long value of a row set aside: its field, and where each numbered
/// piece lies in the spool.
struct LongValue {
    field: usize,
    pieces: Vec<(i64, Range<u64>)>,
}

/// Part of a row being sent.
enum Segment {
    Inline(Vec<u8>),
    Spooled(Range<u64>),
}

impl LongValues {
    /// For loads of `table`; `None` when it has no verification key (no
    /// pieces are ever asked for then).
    pub(super) async fn new(table: &Table) -> Result<Option<LongValues>> {
        let (Some(key), Some(piece_table)) = (table.verify_key(), piece_table(table)) else {
            return Ok(None);
        };
        let columns: Vec<String> = table.copied_columns().map(|c| c.name.clone()).collect();
        let key_fields = key
            .iter()
            .map(|k| {
                columns.iter().position(|c| c == k).ok_or_else(|| {
                    data_error(
                        &table.name,
                        k,
                        "a key column is not copied, so pieces cannot find their row",
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(LongValues {
            table: table.name.clone(),
            columns,
            key_fields,
            pieces: BatchEncoder::new(&piece_table)?,
            spool: Spool::create(&table.name).await?,
            rows: Vec::new(),
            by_key: HashMap::new(),
            values: 0,
            next_row: 0,
            sending: VecDeque::new(),
        }))
    }

    /// Rows set aside so far.
    pub(super) fn rows(&self) -> u64 {
        u64::try_from(self.rows.len()).unwrap_or(u64::MAX)
    }

    /// Values set from their pieces in what was sent so far.
    pub(super) fn values(&self) -> u64 {
        self.values
    }

    /// Sets aside row `r` of the batch `encoded` holds: its line goes to the
    /// spool, its key to memory.
    pub(super) async fn set_aside(&mut self, encoded: &BatchEncoder, r: usize) -> Result<()> {
        let key = join(self.key_fields.iter().map(|&c| encoded.field(r, c)));
        let line = join((0..self.columns.len()).map(|c| encoded.field(r, c)));
        let line = self.spool.append(line).await?;
        let index = self.rows.len();
        if self.by_key.insert(key, index).is_some() {
            return Err(data_error(
                &self.table,
                "*",
                "two rows with long values have the same key",
            ));
        }
        self.rows.push(SetAside {
            line,
            pieces: Vec::new(),
        });
        Ok(())
    }

    /// Spools a batch of pieces of `column` and lists each under its row.
    pub(super) async fn add_pieces(&mut self, column: &str, batch: &RecordBatch) -> Result<()> {
        let field = self
            .columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| {
                data_error(
                    &self.table,
                    column,
                    "pieces arrived for a column not loaded",
                )
            })?;
        let keys = self.key_fields.len();
        self.pieces.encode(batch, Format::LoadData)?;
        let numbers = batch
            .column(keys)
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| {
                data_error(&self.table, column, "piece numbers are not 64-bit integers")
            })?
            .clone();
        for r in 0..batch.num_rows() {
            let key = join((0..keys).map(|c| self.pieces.field(r, c)));
            let Some(&row) = self.by_key.get(&key) else {
                return Err(data_error(
                    &self.table,
                    column,
                    "a piece arrived for a row that was not set aside",
                ));
            };
            let range = self
                .spool
                .append(self.pieces.field(r, keys + 1).to_vec())
                .await?;
            let piece = (numbers.value(r), range);
            let values = &mut self.rows[row].pieces;
            match values.iter_mut().find(|v| v.field == field) {
                Some(value) => value.pieces.push(piece),
                None => values.push(LongValue {
                    field,
                    pieces: vec![piece],
                }),
            }
        }
        Ok(())
    }

    /// Checks that every row set aside got its pieces, each value's
    /// numbered 0, 1, ... without a gap, and puts them in order.
    pub(super) fn finish(&mut self) -> Result<()> {
        for row in &mut self.rows {
            if row.pieces.is_empty() {
                return Err(data_error(
                    &self.table,
                    "*",
                    "a row flagged as holding long values got no pieces",
                ));
            }
            for value in &mut row.pieces {
                value.pieces.sort_unstable_by_key(|(n, _)| *n);
                let numbered =
                    |(i, (n, _)): (usize, &(i64, Range<u64>))| usize::try_from(*n).ok() == Some(i);
                if !value.pieces.iter().enumerate().all(numbered) {
                    let column = self.columns.get(value.field).map_or("*", String::as_str);
                    return Err(data_error(
                        &self.table,
                        column,
                        "the pieces of a long value are not numbered 0, 1, ... without a gap",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The next bytes of the rows set aside, as `LOAD DATA` lines with
    /// their long values joined in: about `max` bytes (more only for a
    /// line's own fields), `None` once every row was sent.
    pub(super) async fn next_chunk(&mut self, max: usize) -> Result<Option<Vec<u8>>> {
        let mut out = Vec::new();
        while out.len() < max {
            if self.sending.is_empty() && !self.start_next_row().await? {
                break;
            }
            match self.sending.pop_front() {
                Some(Segment::Inline(bytes)) => out.extend_from_slice(&bytes),
                Some(Segment::Spooled(range)) => {
                    let room = u64::try_from(max - out.len()).unwrap_or(u64::MAX);
                    let take = room.min(range.end - range.start);
                    self.spool
                        .read_into(range.start..range.start + take, &mut out)
                        .await?;
                    if range.start + take < range.end {
                        self.sending
                            .push_front(Segment::Spooled(range.start + take..range.end));
                    }
                }
                None => break,
            }
        }
        Ok((!out.is_empty()).then_some(out))
    }

    /// Lays out the next row set aside as segments; false when none is left.
    async fn start_next_row(&mut self) -> Result<bool> {
        let Some(row) = self.rows.get(self.next_row) else {
            return Ok(false);
        };
        self.next_row += 1;
        let mut line = Vec::new();
        self.spool.read_into(row.line.clone(), &mut line).await?;
        let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
        if fields.len() != self.columns.len() {
            return Err(data_error(
                &self.table,
                "*",
                "a row set aside came back with a different number of fields",
            ));
        }
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.sending.push_back(Segment::Inline(b"\t".to_vec()));
            }
            match row.pieces.iter().find(|v| v.field == i) {
                Some(value) => {
                    self.values += 1;
                    self.sending.extend(
                        value
                            .pieces
                            .iter()
                            .map(|(_, r)| Segment::Spooled(r.clone())),
                    );
                }
                None => self.sending.push_back(Segment::Inline(field.to_vec())),
            }
        }
        self.sending.push_back(Segment::Inline(b"\n".to_vec()));
        Ok(true)
    }
}

/// Fields joined by tabs.
fn join<'a>(fields: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        out.extend_from_slice(f);
    }
    out
}

/// An unlinked temporary file written and read at offsets, each call on a
/// blocking thread.
struct Spool {
    file: Arc<File>,
    /// The table loaded and where the file was created, for messages.
    table: String,
    dir: PathBuf,
    len: u64,
}

impl Spool {
    async fn create(table: &str) -> Result<Spool> {
        let dir = std::env::temp_dir();
        let name = format!(
            "ferry-long-values-{}-{}",
            std::process::id(),
            SPOOLS.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        let table = table.to_string();
        let file = tokio::task::spawn_blocking(move || {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)?;
            std::fs::remove_file(&path)?;
            Ok::<File, std::io::Error>(file)
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|opened| opened)
        .map_err(|e| spool_error(&table, &dir, e))?;
        Ok(Spool {
            file: Arc::new(file),
            table,
            dir,
            len: 0,
        })
    }

    /// Writes `bytes` at the end; where they lie.
    async fn append(&mut self, bytes: Vec<u8>) -> Result<Range<u64>> {
        let at = self.len;
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let file = Arc::clone(&self.file);
        tokio::task::spawn_blocking(move || file.write_all_at(&bytes, at))
            .await
            .map_err(std::io::Error::other)
            .and_then(|written| written)
            .map_err(|e| spool_error(&self.table, &self.dir, e))?;
        self.len = at + len;
        Ok(at..self.len)
    }

    /// Appends the bytes at `range` to `out`.
    async fn read_into(&mut self, range: Range<u64>, out: &mut Vec<u8>) -> Result<()> {
        let len = usize::try_from(range.end - range.start).unwrap_or(usize::MAX);
        let file = Arc::clone(&self.file);
        let bytes = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0; len];
            file.read_exact_at(&mut buf, range.start).map(|()| buf)
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|read| read)
        .map_err(|e| spool_error(&self.table, &self.dir, e))?;
        out.extend_from_slice(&bytes);
        Ok(())
    }
}

fn spool_error(table: &str, dir: &std::path::Path, e: std::io::Error) -> ConnectorError {
    ConnectorError::LocalFile {
        context: format!(
            "holding the long values of {table} in a temporary file under {}",
            dir.display()
        ),
        detail: format!("{e}; free space there or point TMPDIR at a larger disk"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::LongValues;
    use crate::mysql::encode::{BatchEncoder, Format};
    use crate::pieces::{piece_schema, piece_table};
    use arrow_array::{ArrayRef, BinaryArray, Int32Array, Int64Array, RecordBatch, StringArray};
    use ferry_schema::{Column, LogicalType, PrimaryKey, Table};
    use std::sync::Arc;

    fn table() -> Table {
        let id = Column::new(
            "id",
            LogicalType::Int {
                bits: 32,
                unsigned: false,
            },
        )
        .not_null();
        let body = Column::new("body", LogicalType::Text { max_bytes: None });
        let note = Column::new("note", LogicalType::Text { max_bytes: None });
        let mut t = Table::new("docs", vec![id, body, note]);
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        t
    }

    /// Long values for `docs` with rows 1 and 2 set aside (long bodies emptied).
    async fn set_aside() -> LongValues {
        let t = table();
        let mut long = LongValues::new(&t).await.unwrap().unwrap();
        let rows = RecordBatch::try_new(
            t.arrow_schema(),
            vec![
                Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef,
                Arc::new(StringArray::from(vec!["", ""])),
                Arc::new(StringArray::from(vec![Some("a\tb"), None])),
            ],
        )
        .unwrap();
        let mut encoder = BatchEncoder::new(&t).unwrap();
        encoder.encode(&rows, Format::LoadData).unwrap();
        long.set_aside(&encoder, 0).await.unwrap();
        long.set_aside(&encoder, 1).await.unwrap();
        long
    }

    /// A batch of pieces of `body`: (id, number, bytes).
    fn pieces(rows: &[(i32, i64, &[u8])]) -> RecordBatch {
        let p = piece_table(&table()).unwrap();
        RecordBatch::try_new(
            piece_schema(&p, "body"),
            vec![
                Arc::new(Int32Array::from_iter_values(rows.iter().map(|r| r.0))) as ArrayRef,
                Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1))),
                Arc::new(BinaryArray::from_iter_values(rows.iter().map(|r| r.2))),
            ],
        )
        .unwrap()
    }

    async fn sent(long: &mut LongValues, max: usize) -> Vec<u8> {
        let mut all = Vec::new();
        while let Some(chunk) = long.next_chunk(max).await.unwrap() {
            assert!(!chunk.is_empty());
            all.extend(chunk);
        }
        all
    }

    #[tokio::test]
    async fn rows_come_back_with_their_pieces_joined_in_order_and_escaped() {
        for max in [1, 3, 1 << 20] {
            let mut long = set_aside().await;
            // Out of order, and with bytes the format escapes cut between pieces.
            long.add_pieces(
                "body",
                &pieces(&[(2, 1, b"\n!"), (1, 0, b"x\\"), (2, 0, b"\0")]),
            )
            .await
            .unwrap();
            long.add_pieces("body", &pieces(&[(1, 1, b"y")]))
                .await
                .unwrap();
            long.finish().unwrap();
            assert_eq!(
                sent(&mut long, max).await,
                b"1\tx\\\\y\ta\\tb\n2\t\\0\\n!\t\\N\n",
                "chunks of {max}"
            );
            assert_eq!((long.rows(), long.values()), (2, 2));
        }
    }

    #[tokio::test]
    async fn missing_or_stray_pieces_fail_the_load() {
        let mut long = set_aside().await;
        long.add_pieces("body", &pieces(&[(1, 0, b"a")]))
            .await
            .unwrap();
        assert!(long.finish().is_err(), "row 2 got no pieces");

        let mut long = set_aside().await;
        long.add_pieces("body", &pieces(&[(1, 0, b"a"), (1, 2, b"c"), (2, 0, b"b")]))
            .await
            .unwrap();
        let gap = long.finish().unwrap_err().to_string();
        assert!(gap.contains("without a gap"), "{gap}");

        let mut long = set_aside().await;
        let stray = long.add_pieces("body", &pieces(&[(3, 0, b"a")])).await;
        assert!(stray.is_err(), "a piece for a row never set aside");
        let unknown = long.add_pieces("nope", &pieces(&[(1, 0, b"a")])).await;
        assert!(unknown.is_err(), "pieces of a column not loaded");
    }
}
