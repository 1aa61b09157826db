//! Message framing: each backend message is a type byte, a 4-byte big-endian
//! length that counts itself, then the body.
//!
//! [`MessageStream`] reads through one buffer. Control messages are handed
//! out whole and borrowed ([`MessageStream::next`]); the bodies of
//! `CopyData` messages are appended to a caller's `Vec` instead
//! ([`MessageStream::copy_data`]), as many as one read brought in, so a row
//! reaches the parser's buffer with one copy and no allocation.

use super::{ServerError, WireError};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Read buffer size: a few hundred rows per `read` call. The buffer grows
/// past it only for a control message longer than that.
const READ_BUFFER: usize = 128 * 1024;
/// Type byte and length.
const HEADER: usize = 5;
/// The longest message PostgreSQL sends (`PQ_LARGE_MESSAGE_LIMIT`, 1 GiB
/// less one byte); a longer length means the stream is corrupt, and is
/// refused before anything that size is allocated.
const MAX_MESSAGE: usize = (1 << 30) - 1;

/// `CopyData` (both directions).
pub(super) const COPY_DATA: u8 = b'd';
/// `CopyDone` (both directions).
pub(super) const COPY_DONE: u8 = b'c';
pub(super) const ERROR_RESPONSE: u8 = b'E';
pub(super) const NOTICE_RESPONSE: u8 = b'N';
pub(super) const PARAMETER_STATUS: u8 = b'S';

/// What [`MessageStream::copy_data`] stopped at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CopyStep {
    /// At least one `CopyData` body was appended.
    Data,
    /// The server's `CopyDone`: the stream's bytes are all delivered.
    Done,
}

/// A connection's byte stream, framed into messages.
pub(super) struct MessageStream<S> {
    io: S,
    buf: Vec<u8>,
    /// Unconsumed bytes are `buf[start..end]`.
    start: usize,
    end: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> MessageStream<S> {
    pub(super) fn new(io: S) -> Self {
        MessageStream {
            io,
            buf: vec![0; READ_BUFFER],
            start: 0,
            end: 0,
        }
    }

    /// Sends `bytes` (whole frontend messages) and flushes.
    pub(super) async fn send(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        self.io.write_all(bytes).await?;
        self.io.flush().await?;
        Ok(())
    }

    /// The next message: its type byte and body, borrowed until the next call.
    /// Notices and parameter reports are not skipped here; callers decide.
    pub(super) async fn next(&mut self) -> Result<(u8, &[u8]), WireError> {
        let len = self.header().await?;
        self.fill(HEADER + len).await?;
        let tag = self.buf[self.start];
        let at = self.start + HEADER;
        self.start = at + len;
        Ok((tag, &self.buf[at..at + len]))
    }

    /// Appends the bodies of the `CopyData` messages that follow to `dst`:
    /// every whole one already read, reading the socket only when there is
    /// none. A body the buffer cannot hold is read straight into `dst`.
    /// Notices and parameter reports are skipped; an ErrorResponse is
    /// returned as [`WireError::Server`]; any other message is malformed
    /// here.
    pub(super) async fn copy_data(&mut self, dst: &mut Vec<u8>) -> Result<CopyStep, WireError> {
        let mut appended = false;
        loop {
            let available = self.end - self.start;
            let whole = available >= HEADER && {
                let len = self.body_len()?;
                available >= HEADER + len
            };
            if !whole {
                if appended {
                    return Ok(CopyStep::Data);
                }
                if available < HEADER {
                    self.fill(HEADER).await?;
                    continue;
                }
                let len = self.body_len()?;
                if self.buf[self.start] == COPY_DATA && len > READ_BUFFER / 2 {
                    // A long value: straight into `dst`, not through this
                    // buffer (which would grow to its size).
                    self.start += HEADER;
                    self.take_into(len, dst).await?;
                    return Ok(CopyStep::Data);
                }
                // A short message cut by the last read: one more full read.
                self.fill(HEADER + len).await?;
                continue;
            }
            let len = self.body_len()?;
            let tag = self.buf[self.start];
            let at = self.start + HEADER;
            self.start = at + len;
            match tag {
                COPY_DATA => {
                    dst.extend_from_slice(&self.buf[at..at + len]);
                    appended = true;
                }
                COPY_DONE if appended => {
                    // Seen again on the next call, after the parser has these bytes.
                    self.start = at - HEADER;
                    return Ok(CopyStep::Data);
                }
                COPY_DONE => return Ok(CopyStep::Done),
                NOTICE_RESPONSE | PARAMETER_STATUS => {}
                ERROR_RESPONSE => {
                    return Err(WireError::Server(ServerError::parse(
                        &self.buf[at..at + len],
                    )?))
                }
                _ => return Err(WireError::Malformed("a message other than rows in a COPY")),
            }
        }
    }

    /// Body length of the message whose header starts at `start`.
    fn body_len(&self) -> Result<usize, WireError> {
        let h = &self.buf[self.start + 1..self.start + HEADER];
        let len = i32::from_be_bytes([h[0], h[1], h[2], h[3]]);
        match usize::try_from(len).ok().and_then(|n| n.checked_sub(4)) {
            Some(body) if body <= MAX_MESSAGE => Ok(body),
            Some(_) => Err(WireError::Malformed("a message longer than 1 GiB")),
            None => Err(WireError::Malformed("a message length below four")),
        }
    }

    /// Makes a whole header available and returns the body length.
    async fn header(&mut self) -> Result<usize, WireError> {
        self.fill(HEADER).await?;
        self.body_len()
    }

    /// Makes at least `n` bytes available at `buf[start..]`, growing the
    /// buffer for a message longer than it.
    async fn fill(&mut self, n: usize) -> Result<(), WireError> {
        if self.end - self.start >= n {
            return Ok(());
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() < n {
            self.buf.resize(n, 0);
        } else if self.buf.len() > READ_BUFFER && n <= READ_BUFFER && self.end <= READ_BUFFER {
            // One long control message does not pin its size.
            self.buf.truncate(READ_BUFFER);
            self.buf.shrink_to_fit();
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

    /// Moves the next `len` bytes to `dst`: what is buffered, then the rest
    /// straight from the socket.
    async fn take_into(&mut self, len: usize, dst: &mut Vec<u8>) -> Result<(), WireError> {
        let buffered = len.min(self.end - self.start);
        dst.extend_from_slice(&self.buf[self.start..self.start + buffered]);
        self.start += buffered;
        let rest = len - buffered;
        if rest > 0 {
            let at = dst.len();
            dst.resize(at + rest, 0);
            self.io.read_exact(&mut dst[at..]).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{CopyStep, MessageStream, WireError, READ_BUFFER};

    fn message(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![tag];
        m.extend_from_slice(&i32::try_from(body.len() + 4).unwrap().to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    /// A stream over `bytes` delivered in reads of at most `chunk` bytes.
    fn stream(bytes: Vec<u8>, chunk: usize) -> MessageStream<tokio::io::DuplexStream> {
        let (client, mut server) = tokio::io::duplex(chunk);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let _ = server.write_all(&bytes).await;
        });
        MessageStream::new(client)
    }

    /// Reads every CopyData body up to CopyDone, then the message after it.
    async fn drain(s: &mut MessageStream<tokio::io::DuplexStream>) -> (Vec<u8>, usize, u8) {
        let mut dst = Vec::new();
        let mut calls = 0;
        while s.copy_data(&mut dst).await.unwrap() == CopyStep::Data {
            calls += 1;
        }
        let (tag, _) = s.next().await.unwrap();
        (dst, calls, tag)
    }

    #[tokio::test]
    async fn copy_bodies_are_joined_across_reads_of_any_size() {
        let mut bytes = Vec::new();
        let mut expected = Vec::new();
        for i in 0..500u32 {
            let body: Vec<u8> = (0..(i % 37)).map(|b| u8::try_from(b).unwrap()).collect();
            expected.extend_from_slice(&body);
            bytes.extend(message(b'd', &body));
            if i % 100 == 0 {
                bytes.extend(message(b'N', b"SNOTICE\0Mhello\0\0"));
            }
        }
        bytes.extend(message(b'c', b""));
        bytes.extend(message(b'C', b"COPY 500\0"));
        for chunk in [1, 7, 64, 1 << 16] {
            let mut s = stream(bytes.clone(), chunk);
            let (dst, calls, tag) = drain(&mut s).await;
            assert_eq!(dst, expected, "reads of {chunk} bytes");
            assert!(calls >= 1);
            assert_eq!(tag, b'C');
        }
    }

    #[tokio::test]
    async fn a_body_longer_than_the_buffer_arrives_whole() {
        let body: Vec<u8> = (0..READ_BUFFER * 3 + 5)
            .map(|i| u8::try_from(i % 251).unwrap())
            .collect();
        let mut bytes = message(b'd', b"ab");
        bytes.extend(message(b'd', &body));
        bytes.extend(message(b'c', b""));
        bytes.extend(message(b'Z', b"T"));
        let mut s = stream(bytes, 4096);
        let (dst, _, tag) = drain(&mut s).await;
        assert_eq!(&dst[..2], b"ab");
        assert_eq!(&dst[2..], &body[..]);
        assert_eq!(tag, b'Z');
    }

    #[tokio::test]
    async fn an_error_in_the_copy_carries_its_sqlstate() {
        let mut bytes = message(b'd', b"row");
        bytes.extend(message(b'E', b"SERROR\0C57014\0Mcanceling statement\0\0"));
        let mut s = stream(bytes, 1 << 16);
        let mut dst = Vec::new();
        let got = loop {
            match s.copy_data(&mut dst).await {
                Ok(CopyStep::Data) => continue,
                other => break other,
            }
        };
        assert_eq!(dst, b"row");
        match got {
            Err(WireError::Server(e)) => assert_eq!(e.code, "57014"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn impossible_lengths_are_malformed() {
        for header in [[b'd', 0, 0, 0, 3], [b'N', 0x7f, 0xff, 0xff, 0xff]] {
            let mut s = stream(header.to_vec(), 64);
            let mut dst = Vec::new();
            assert!(
                matches!(s.copy_data(&mut dst).await, Err(WireError::Malformed(_))),
                "{header:?}"
            );
        }
    }
}
