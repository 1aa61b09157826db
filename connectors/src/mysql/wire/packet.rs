//! Packet framing: a 4-byte header (payload length as 3 bytes little-endian,
//! then a sequence id) before each payload. A payload of 2^24-1 bytes or more
//! travels as several packets; every full one (exactly `0xFFFFFF` bytes) is
//! continued by the next, down to a shorter (possibly empty) last packet.
//!
//! [`PacketStream`] reads through its own buffer and appends each reassembled
//! payload to a caller's `Vec`, so a row lands in the batch buffer with one copy
//! and no allocation once the buffers have grown.

use super::WireError;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest payload of one physical packet; a packet this long is continued.
pub(crate) const MAX_PACKET: usize = 0xFF_FFFF;
/// Read buffer size: many small rows per `read` call.
const READ_BUFFER: usize = 64 * 1024;
const HEADER: usize = 4;

/// A connection's byte stream, framed into payloads, with the sequence id
/// checked on every packet (a gap means the client lost track of the stream).
pub(crate) struct PacketStream<S> {
    io: S,
    buf: Vec<u8>,
    /// Unconsumed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    /// Sequence id of the next packet, read or written.
    seq: u8,
    /// Reused for outgoing packets.
    out: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> PacketStream<S> {
    pub(crate) fn new(io: S) -> Self {
        PacketStream {
            io,
            buf: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
            seq: 0,
            out: Vec::new(),
        }
    }

    /// Starts a new command: its first packet has sequence id 0.
    pub(crate) fn reset_sequence(&mut self) {
        self.seq = 0;
    }

    /// Reads the next payload, reassembled across continuation packets, and
    /// appends it to `dst`. Returns its length.
    pub(crate) async fn read_payload(&mut self, dst: &mut Vec<u8>) -> Result<usize, WireError> {
        let begin = dst.len();
        loop {
            self.fill(HEADER).await?;
            let h = &self.buf[self.start..self.start + HEADER];
            let len = usize::from(h[0]) | usize::from(h[1]) << 8 | usize::from(h[2]) << 16;
            if h[3] != self.seq {
                return Err(WireError::Malformed("packet out of sequence"));
            }
            self.seq = self.seq.wrapping_add(1);
            self.start += HEADER;
            self.copy_into(len, dst).await?;
            if len < MAX_PACKET {
                return Ok(dst.len() - begin);
            }
        }
    }

    /// Sends `payload` as the next packet(s) and flushes.
    pub(crate) async fn write_payload(&mut self, payload: &[u8]) -> Result<(), WireError> {
        self.out.clear();
        let mut rest = payload;
        loop {
            // A payload that is an exact multiple of the maximum ends with an empty packet.
            let take = rest.len().min(MAX_PACKET);
            push_header(&mut self.out, take, self.seq);
            self.seq = self.seq.wrapping_add(1);
            self.out.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if take < MAX_PACKET {
                break;
            }
        }
        self.io.write_all(&self.out).await?;
        self.io.flush().await?;
        Ok(())
    }

    /// Makes at least `n` bytes (`n <= READ_BUFFER`) available at `buf[start..]`.
    async fn fill(&mut self, n: usize) -> Result<(), WireError> {
        if self.end - self.start >= n {
            return Ok(());
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        while self.end < n {
            let got = self.io.read(&mut self.buf[self.end..]).await?;
            if got == 0 {
                return Err(WireError::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            self.end += got;
        }
        Ok(())
    }

    /// Moves the next `len` payload bytes to `dst`: from the buffer first, then
    /// straight from the socket when the rest is larger than the buffer (a big
    /// BLOB is not copied twice).
    async fn copy_into(&mut self, mut len: usize, dst: &mut Vec<u8>) -> Result<(), WireError> {
        while len > 0 {
            if self.start == self.end {
                if len >= READ_BUFFER {
                    let at = dst.len();
                    dst.resize(at + len, 0);
                    self.io.read_exact(&mut dst[at..]).await?;
                    return Ok(());
                }
                self.start = 0;
                self.end = 0;
                self.fill(1).await?;
            }
            let take = len.min(self.end - self.start);
            dst.extend_from_slice(&self.buf[self.start..self.start + take]);
            self.start += take;
            len -= take;
        }
        Ok(())
    }
}

/// Appends a packet header for a payload of `len` (at most [`MAX_PACKET`]) bytes.
fn push_header(out: &mut Vec<u8>, len: usize, seq: u8) {
    let bytes = len.to_le_bytes();
    out.extend_from_slice(&[bytes[0], bytes[1], bytes[2], seq]);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Cursor;

    /// Frames `payloads` the way a server would, sequence ids from `seq`.
    fn frame(payloads: &[&[u8]], mut seq: u8) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            push_header(&mut out, p.len(), seq);
            out.extend_from_slice(p);
            seq = seq.wrapping_add(1);
        }
        out
    }

    fn stream(bytes: Vec<u8>) -> PacketStream<Cursor<Vec<u8>>> {
        PacketStream::new(Cursor::new(bytes))
    }

    #[tokio::test]
    async fn reads_small_payloads_back_to_back_and_checks_sequence() {
        let mut s = stream(frame(&[b"abc", b"", b"\x00\x01"], 0));
        let mut dst = Vec::new();
        assert_eq!(s.read_payload(&mut dst).await.unwrap(), 3);
        assert_eq!(s.read_payload(&mut dst).await.unwrap(), 0);
        assert_eq!(s.read_payload(&mut dst).await.unwrap(), 2);
        assert_eq!(dst, b"abc\x00\x01");
        assert!(matches!(
            s.read_payload(&mut dst).await,
            Err(WireError::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof
        ));

        let mut wrong = stream(frame(&[b"x"], 3));
        assert!(matches!(
            wrong.read_payload(&mut dst).await,
            Err(WireError::Malformed(_))
        ));
    }

    #[tokio::test]
    async fn sequence_ids_wrap_after_255() {
        let payloads: Vec<&[u8]> = vec![b"r"; 300];
        let mut s = stream(frame(&payloads, 0));
        let mut dst = Vec::new();
        for _ in 0..300 {
            s.read_payload(&mut dst).await.unwrap();
        }
        assert_eq!(dst.len(), 300);
    }

    #[tokio::test]
    async fn continuation_packets_are_reassembled() {
        // 0xFFFFFF + 5 bytes: one full packet, then a short one.
        let big: Vec<u8> = (0..MAX_PACKET + 5)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        let (a, b) = big.split_at(MAX_PACKET);
        let mut s = stream(frame(&[a, b, b"next"], 7));
        s.seq = 7;
        let mut dst = vec![9u8];
        assert_eq!(s.read_payload(&mut dst).await.unwrap(), big.len());
        assert_eq!(&dst[1..], &big[..]);
        dst.clear();
        s.read_payload(&mut dst).await.unwrap();
        assert_eq!(dst, b"next");

        // Exactly 0xFFFFFF bytes: continued by an empty packet.
        let exact = vec![0xFBu8; MAX_PACKET];
        let mut s = stream(frame(&[&exact, b""], 0));
        let mut dst = Vec::new();
        assert_eq!(s.read_payload(&mut dst).await.unwrap(), MAX_PACKET);
    }

    #[tokio::test]
    async fn writes_split_long_payloads() {
        for (len, packets) in [(0, 1), (10, 1), (MAX_PACKET, 2), (MAX_PACKET + 1, 2)] {
            let payload = vec![1u8; len];
            let mut s = stream(Vec::new());
            s.write_payload(&payload).await.unwrap();
            let written = s.io.into_inner();
            assert_eq!(written.len(), len + HEADER * packets, "payload of {len}");
            // Read it back with the same framing.
            let mut back = stream(written);
            let mut dst = Vec::new();
            assert_eq!(back.read_payload(&mut dst).await.unwrap(), len);
        }
    }
}
