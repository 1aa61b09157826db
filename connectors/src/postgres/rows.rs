//! Lays a batch's encoded columns out as the rows of a binary COPY stream, in
//! pieces of bounded size.
//!
//! Rows are written into one reused buffer, cut into a piece whenever it holds
//! [`PIECE`] bytes. A value of [`PIECE`] bytes or more is not copied into it:
//! the buffer is cut before it and the value follows in pieces of its own —
//! slices of the Arrow buffer itself for text and bytea, copies of one piece
//! at a time otherwise. The COPY stream does not care where messages end, so
//! a LOB goes to the server in bounded messages, and the connection's write
//! buffer never holds more than about one piece.

use super::encode::ColumnBuf;
use arrow_buffer::BooleanBuffer;
use bytes::{BufMut, Bytes, BytesMut};

/// Most bytes in one piece of the stream.
pub(crate) const PIECE: usize = 1 << 20;

/// Where the rows a flag picks go instead of the main stream.
pub(crate) struct Detour<'a> {
    /// One per row: true sends the row here.
    pub(crate) flags: &'a BooleanBuffer,
    /// The detour's reused row buffer.
    pub(crate) out: &'a mut BytesMut,
    /// The detour's pieces.
    pub(crate) pieces: &'a mut Vec<Bytes>,
}

/// Appends the rows of a batch to `pieces`, in order: per row the field
/// count, then per field its length (-1 = NULL) and bytes, taken from each
/// column's buffer in turn. `out` is the reused row buffer; what it holds
/// after the last cut is left there for the caller to send or add to. Rows
/// `detour` flags go to its buffer and pieces instead, the same way.
pub(crate) fn interleave(
    bufs: &[ColumnBuf],
    rows: usize,
    field_count: i16,
    out: &mut BytesMut,
    pieces: &mut Vec<Bytes>,
    mut detour: Option<Detour<'_>>,
) {
    let data: usize = bufs
        .iter()
        .map(|b| b.values().len() + 4 * b.lens.len())
        .sum();
    out.reserve((data + 2 * rows).min(2 * PIECE));
    let mut cursors = vec![0usize; bufs.len()];
    for row in 0..rows {
        let (out, pieces) = match detour.as_mut() {
            Some(d) if d.flags.value(row) => (&mut *d.out, &mut *d.pieces),
            _ => (&mut *out, &mut *pieces),
        };
        out.put_i16(field_count);
        for (buf, at) in bufs.iter().zip(cursors.iter_mut()) {
            let len = buf.lens.get(row).copied().unwrap_or(-1);
            out.put_i32(len);
            let Ok(n) = usize::try_from(len) else {
                continue;
            };
            let value = *at..*at + n;
            *at += n;
            if n < PIECE {
                out.extend_from_slice(&buf.values()[value]);
                if out.len() >= PIECE {
                    pieces.push(out.split().freeze());
                }
                continue;
            }
            if !out.is_empty() {
                pieces.push(out.split().freeze());
            }
            match &buf.shared {
                Some(shared) => {
                    let whole = Bytes::from_owner(shared.clone());
                    pieces.extend(chunks(value).map(|r| whole.slice(r)));
                }
                None => pieces.extend(chunks(value).map(|r| Bytes::copy_from_slice(&buf.data[r]))),
            }
        }
    }
}

/// `range` in consecutive ranges of at most [`PIECE`] bytes.
fn chunks(range: std::ops::Range<usize>) -> impl Iterator<Item = std::ops::Range<usize>> {
    let end = range.end;
    range
        .step_by(PIECE)
        .map(move |start| start..(start + PIECE).min(end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_buffer::Buffer;

    fn column(values: &[Option<&[u8]>], shared: bool) -> ColumnBuf {
        let mut buf = ColumnBuf::default();
        for v in values {
            match v {
                Some(v) => {
                    buf.data.extend_from_slice(v);
                    buf.lens.push(i32::try_from(v.len()).unwrap_or(i32::MAX));
                }
                None => buf.lens.push(-1),
            }
        }
        if shared {
            buf.shared = Some(Buffer::from(std::mem::take(&mut buf.data)));
        }
        buf
    }

    /// The rows written in one buffer, as a reference.
    fn expected(columns: &[&[Option<&[u8]>]], rows: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for row in 0..rows {
            out.extend_from_slice(&i16::try_from(columns.len()).unwrap_or(0).to_be_bytes());
            for c in columns {
                match c[row] {
                    Some(v) => {
                        out.extend_from_slice(&i32::try_from(v.len()).unwrap_or(0).to_be_bytes());
                        out.extend_from_slice(v);
                    }
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                }
            }
        }
        out
    }

    #[test]
    fn large_values_go_out_in_bounded_pieces_and_the_stream_is_unchanged() {
        let big: Vec<u8> = (0..(2 * PIECE + 12_345))
            .map(|i| u8::try_from(i % 251).unwrap_or(0))
            .collect();
        let edge = vec![7u8; PIECE];
        let small: &[u8] = b"small";
        let ids: Vec<[u8; 4]> = (0..4i32).map(i32::to_be_bytes).collect();
        let a: Vec<Option<&[u8]>> = ids.iter().map(|b| Some(&b[..])).collect();
        let b: Vec<Option<&[u8]>> = vec![Some(small), Some(&big), None, Some(&edge)];
        for shared in [true, false] {
            let bufs = [column(&a, false), column(&b, shared)];
            let (mut out, mut pieces) = (BytesMut::new(), Vec::new());
            interleave(&bufs, 4, 2, &mut out, &mut pieces, None);
            pieces.push(out.split().freeze());
            assert!(
                pieces.iter().all(|p| p.len() <= PIECE + 64),
                "a piece over the bound: {:?}",
                pieces.iter().map(Bytes::len).collect::<Vec<_>>()
            );
            let stream: Vec<u8> = pieces.iter().flat_map(|p| p.iter().copied()).collect();
            assert_eq!(stream, expected(&[&a, &b], 4), "shared: {shared}");
            if shared {
                // The big value's pieces point into the column's own buffer.
                let base = bufs[1].values().as_ptr() as usize;
                let inside = pieces
                    .iter()
                    .filter(|p| {
                        let at = p.as_ptr() as usize;
                        at >= base && at < base + bufs[1].values().len()
                    })
                    .count();
                assert!(inside >= 3, "{inside} pieces shared the Arrow buffer");
            }
        }
    }

    #[test]
    fn flagged_rows_take_the_detour_in_order_and_the_rest_stay() {
        let ids: Vec<[u8; 4]> = (0..6i32).map(i32::to_be_bytes).collect();
        let a: Vec<Option<&[u8]>> = ids.iter().map(|b| Some(&b[..])).collect();
        let big = vec![3u8; PIECE + 10];
        let b: Vec<Option<&[u8]>> =
            vec![Some(b"x"), None, Some(&big), Some(b""), Some(b"yz"), None];
        let flags = BooleanBuffer::from(vec![false, true, true, false, true, false]);
        let bufs = [column(&a, false), column(&b, true)];
        let (mut out, mut pieces) = (BytesMut::new(), Vec::new());
        let (mut aside, mut aside_pieces) = (BytesMut::new(), Vec::new());
        let detour = Detour {
            flags: &flags,
            out: &mut aside,
            pieces: &mut aside_pieces,
        };
        interleave(&bufs, 6, 2, &mut out, &mut pieces, Some(detour));
        pieces.push(out.split().freeze());
        aside_pieces.push(aside.split().freeze());
        let pick = |rows: &[usize]| -> Vec<u8> {
            let a: Vec<Option<&[u8]>> = rows.iter().map(|&r| a[r]).collect();
            let b: Vec<Option<&[u8]>> = rows.iter().map(|&r| b[r]).collect();
            expected(&[&a, &b], rows.len())
        };
        let stream =
            |p: &[Bytes]| -> Vec<u8> { p.iter().flat_map(|p| p.iter().copied()).collect() };
        assert_eq!(stream(&pieces), pick(&[0, 3, 5]));
        assert_eq!(stream(&aside_pieces), pick(&[1, 2, 4]));
    }

    #[test]
    fn small_rows_are_cut_only_at_the_piece_size() {
        let values: Vec<Vec<u8>> = (0..40_000u32).map(|i| i.to_be_bytes().repeat(10)).collect();
        let col: Vec<Option<&[u8]>> = values.iter().map(|v| Some(&v[..])).collect();
        let bufs = [column(&col, true)];
        let (mut out, mut pieces) = (BytesMut::new(), Vec::new());
        interleave(&bufs, col.len(), 1, &mut out, &mut pieces, None);
        let rest = out.split().freeze();
        assert!(pieces
            .iter()
            .all(|p| p.len() >= PIECE && p.len() < PIECE + 64));
        let mut stream: Vec<u8> = pieces.iter().flat_map(|p| p.iter().copied()).collect();
        stream.extend_from_slice(&rest);
        assert_eq!(stream, expected(&[&col], col.len()));
    }
}
