//! The few protocol messages the direct reader parses and builds, as pure
//! functions over byte slices: length-encoded integers, the v10 greeting, the
//! 4.1 handshake response, and the OK / EOF / ERR replies.

use super::packet::MAX_PACKET;
use super::WireError;

pub(crate) const CLIENT_LONG_PASSWORD: u32 = 0x1;
pub(crate) const CLIENT_CONNECT_WITH_DB: u32 = 0x8;
pub(crate) const CLIENT_PROTOCOL_41: u32 = 0x200;
pub(crate) const CLIENT_TRANSACTIONS: u32 = 0x2000;
pub(crate) const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
pub(crate) const CLIENT_MULTI_RESULTS: u32 = 0x2_0000;
pub(crate) const CLIENT_PLUGIN_AUTH: u32 = 0x8_0000;
pub(crate) const CLIENT_DEPRECATE_EOF: u32 = 0x100_0000;

/// Status flag of OK / EOF: another result of the same statement follows.
pub(crate) const SERVER_MORE_RESULTS_EXISTS: u16 = 0x8;

/// First byte of an ERR packet.
pub(crate) const ERR_HEADER: u8 = 0xFF;
/// First byte of an OK packet.
pub(crate) const OK_HEADER: u8 = 0x00;
/// First byte of an EOF packet, of an OK packet ending a resultset
/// (`CLIENT_DEPRECATE_EOF`), and of an AuthSwitchRequest.
pub(crate) const EOF_HEADER: u8 = 0xFE;
/// A text-resultset cell holding SQL NULL (no length-encoded integer starts so).
pub(crate) const NULL_CELL: u8 = 0xFB;

/// `utf8mb4_general_ci`, known to MySQL 5.5+ and every MariaDB; the session
/// setup's `SET NAMES utf8mb4` decides the connection charset anyway.
const CHARSET_UTF8MB4: u8 = 45;
/// Largest packet the client accepts: MySQL's maximum, so the server's own
/// `max_allowed_packet` is the only limit.
const MAX_ALLOWED_PACKET: u32 = 1 << 30;

/// Reads a length-encoded integer: its value and how many bytes it took.
/// `None` for the NULL marker 0xFB, the ERR marker 0xFF, or too few bytes.
pub(crate) fn read_lenenc(buf: &[u8]) -> Option<(u64, usize)> {
    let (&first, rest) = buf.split_first()?;
    let width = match first {
        0..=0xFA => return Some((u64::from(first), 1)),
        0xFC => 2,
        0xFD => 3,
        0xFE => 8,
        _ => return None,
    };
    let bytes = rest.get(..width)?;
    let value = bytes
        .iter()
        .rev()
        .fold(0u64, |v, &b| (v << 8) | u64::from(b));
    Some((value, 1 + width))
}

/// How a reply packet read while a resultset streams is to be treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowPacket {
    /// A row of cells.
    Row,
    /// The resultset's end: an EOF packet, or an OK packet with the 0xFE header
    /// when `CLIENT_DEPRECATE_EOF` was agreed.
    End,
    /// An ERR packet: the statement failed mid-stream.
    Err,
}

/// Classifies a (reassembled) payload read where a row may come. A row can
/// start with 0xFE only if its first cell is 16 MiB or longer (8-byte length),
/// so a 0xFE packet shorter than [`MAX_PACKET`] is always the terminator; no
/// length-encoded integer starts with 0xFF, so that is always an ERR.
pub(crate) fn classify_row_packet(payload: &[u8]) -> RowPacket {
    match payload.first() {
        Some(&ERR_HEADER) => RowPacket::Err,
        Some(&EOF_HEADER) if payload.len() < MAX_PACKET => RowPacket::End,
        _ => RowPacket::Row,
    }
}

/// The status flags of a resultset terminator: an EOF packet (warnings, then
/// status) or, under `CLIENT_DEPRECATE_EOF`, an OK packet (two length-encoded
/// integers, then status).
pub(crate) fn terminator_status(payload: &[u8], deprecate_eof: bool) -> Result<u16, WireError> {
    if deprecate_eof {
        ok_status(payload)
    } else {
        payload
            .get(3..5)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
            .ok_or(WireError::Malformed("short EOF packet"))
    }
}

/// The status flags of an OK packet (header 0x00 or 0xFE).
pub(crate) fn ok_status(payload: &[u8]) -> Result<u16, WireError> {
    let short = WireError::Malformed("short OK packet");
    // Skip the header, affected rows and last insert id.
    let mut at = 1;
    for _ in 0..2 {
        let (_, used) = read_lenenc(payload.get(at..).unwrap_or_default())
            .ok_or(WireError::Malformed("short OK packet"))?;
        at += used;
    }
    payload
        .get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or(short)
}

/// An ERR packet as [`WireError::Server`]. The `#` + SQLSTATE part is absent in
/// errors sent before protocol 4.1 was agreed (e.g. "too many connections").
pub(crate) fn parse_err(payload: &[u8]) -> WireError {
    let Some(code) = payload.get(1..3).map(|b| u16::from_le_bytes([b[0], b[1]])) else {
        return WireError::Malformed("short ERR packet");
    };
    let mut message = payload.get(3..).unwrap_or_default();
    if message.first() == Some(&b'#') && message.len() >= 6 {
        message = &message[6..];
    }
    WireError::Server {
        code,
        message: String::from_utf8_lossy(message).into_owned(),
    }
}

/// What the server's v10 greeting says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Greeting {
    /// Capability flags the server offers.
    pub(crate) capabilities: u32,
    /// The 20-byte challenge both password plugins scramble with.
    pub(crate) nonce: Vec<u8>,
    /// The server's default authentication plugin.
    pub(crate) plugin: String,
}

/// Parses the initial handshake packet (protocol version 10).
pub(crate) fn parse_greeting(p: &[u8]) -> Result<Greeting, WireError> {
    let short = || WireError::Malformed("short handshake packet");
    match p.first() {
        Some(&ERR_HEADER) => return Err(parse_err(p)),
        Some(10) => {}
        Some(v) => {
            return Err(WireError::Unsupported(format!(
                "handshake protocol version {v}"
            )))
        }
        None => return Err(short()),
    }
    let version_end = p.iter().skip(1).position(|&b| b == 0).ok_or_else(short)? + 1;
    // After the version: connection id (4), nonce part 1 (8), filler (1),
    // capabilities low (2), charset (1), status (2), capabilities high (2),
    // nonce length (1), reserved (10), then nonce part 2.
    let at = version_end + 1;
    let nonce1 = p.get(at + 4..at + 12).ok_or_else(short)?;
    let low = p.get(at + 13..at + 15).ok_or_else(short)?;
    let high = p.get(at + 18..at + 20).unwrap_or(&[0, 0]);
    let capabilities = u32::from(u16::from_le_bytes([low[0], low[1]]))
        | u32::from(u16::from_le_bytes([high[0], high[1]])) << 16;
    let nonce_len = usize::from(p.get(at + 20).copied().unwrap_or(0));
    let mut rest = p.get(at + 31..).unwrap_or_default();
    let mut nonce = nonce1.to_vec();
    if capabilities & CLIENT_SECURE_CONNECTION != 0 {
        // Part 2 is max(13, len - 8) bytes; its last byte is a NUL terminator.
        let len2 = nonce_len.saturating_sub(8).max(13).min(rest.len());
        let part2 = &rest[..len2];
        nonce.extend_from_slice(part2.strip_suffix(&[0]).unwrap_or(part2));
        rest = &rest[len2..];
    }
    // Some servers omit the NUL after the plugin name.
    let name_end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    Ok(Greeting {
        capabilities,
        nonce,
        plugin: String::from_utf8_lossy(&rest[..name_end]).into_owned(),
    })
}

/// Builds the HandshakeResponse41 payload. `auth` is at most 255 bytes (the
/// scrambles are 20 or 32), so its length fits the one-byte form.
pub(crate) fn handshake_response(
    capabilities: u32,
    user: &str,
    auth: &[u8],
    database: &str,
    plugin: &str,
) -> Result<Vec<u8>, WireError> {
    let auth_len = u8::try_from(auth.len())
        .map_err(|_| WireError::Malformed("authentication data too long"))?;
    let mut p = Vec::with_capacity(64 + user.len() + database.len());
    p.extend_from_slice(&capabilities.to_le_bytes());
    p.extend_from_slice(&MAX_ALLOWED_PACKET.to_le_bytes());
    p.push(CHARSET_UTF8MB4);
    p.extend_from_slice(&[0; 23]);
    p.extend_from_slice(user.as_bytes());
    p.push(0);
    p.push(auth_len);
    p.extend_from_slice(auth);
    if capabilities & CLIENT_CONNECT_WITH_DB != 0 {
        p.extend_from_slice(database.as_bytes());
        p.push(0);
    }
    p.extend_from_slice(plugin.as_bytes());
    p.push(0);
    Ok(p)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lenenc_integers_of_every_width() {
        assert_eq!(read_lenenc(&[0]), Some((0, 1)));
        assert_eq!(read_lenenc(&[0xFA]), Some((250, 1)));
        assert_eq!(read_lenenc(&[0xFC, 0xFB, 0x00]), Some((251, 3)));
        assert_eq!(read_lenenc(&[0xFC, 0xFF, 0xFF]), Some((65535, 3)));
        assert_eq!(read_lenenc(&[0xFD, 0x00, 0x00, 0x01]), Some((1 << 16, 4)));
        assert_eq!(
            read_lenenc(&[0xFE, 1, 2, 3, 4, 5, 6, 7, 0x80]),
            Some((0x8007_0605_0403_0201, 9))
        );
        // NULL, ERR, and truncated forms.
        assert_eq!(read_lenenc(&[0xFB]), None);
        assert_eq!(read_lenenc(&[0xFF]), None);
        assert_eq!(read_lenenc(&[0xFD, 1, 2]), None);
        assert_eq!(read_lenenc(&[]), None);
    }

    #[test]
    fn row_packets_are_told_from_terminators() {
        assert_eq!(classify_row_packet(&[3, b'a', b'b', b'c']), RowPacket::Row);
        assert_eq!(classify_row_packet(&[NULL_CELL]), RowPacket::Row);
        // EOF (5 bytes) and OK-as-EOF (DEPRECATE_EOF, 7+ bytes).
        assert_eq!(classify_row_packet(&[0xFE, 0, 0, 0x22, 0]), RowPacket::End);
        assert_eq!(
            classify_row_packet(&[0xFE, 0, 0, 0x22, 0, 0, 0]),
            RowPacket::End
        );
        assert_eq!(classify_row_packet(&[0xFF, 0x7a, 0x04]), RowPacket::Err);
        // A first cell of 16 MiB or more starts with 0xFE too, but is long.
        let mut big = vec![0xFE, 0, 0, 0, 1, 0, 0, 0, 0];
        big.resize(MAX_PACKET + 9, b'x');
        assert_eq!(classify_row_packet(&big), RowPacket::Row);
    }

    #[test]
    fn terminator_status_in_both_forms() {
        // EOF: warnings 0, status 0x0022 (autocommit | no index used).
        assert_eq!(
            terminator_status(&[0xFE, 0, 0, 0x22, 0], false).unwrap(),
            0x22
        );
        // OK: affected rows 0, insert id 0, status 0x000A, warnings 0.
        assert_eq!(
            terminator_status(&[0xFE, 0, 0, 0x0A, 0, 0, 0], true).unwrap(),
            0x0A
        );
        assert_eq!(
            ok_status(&[0x00, 0xFC, 0x10, 0x27, 0, 0x02, 0x00, 0, 0]).unwrap(),
            2
        );
        assert!(ok_status(&[0x00, 0]).is_err());
    }

    #[test]
    fn err_packets_with_and_without_sqlstate() {
        let mut p = vec![0xFF, 0x15, 0x04];
        p.extend_from_slice(b"#28000Access denied for user 'u'@'h'");
        match parse_err(&p) {
            WireError::Server { code, message } => {
                assert_eq!(code, 1045);
                assert_eq!(message, "Access denied for user 'u'@'h'");
            }
            other => panic!("{other:?}"),
        }
        let mut p = vec![0xFF, 0x10, 0x04];
        p.extend_from_slice(b"Too many connections");
        assert!(matches!(
            parse_err(&p),
            WireError::Server { code: 1040, ref message } if message == "Too many connections"
        ));
    }

    /// A MariaDB 10.11 greeting as captured on the wire.
    fn mariadb_greeting() -> Vec<u8> {
        let mut p = vec![10];
        p.extend_from_slice(b"5.5.5-10.11.6-MariaDB-0+deb12u1\0");
        p.extend_from_slice(&[0x2a, 0, 0, 0]); // connection id
        p.extend_from_slice(b"abcdefgh"); // nonce part 1
        p.push(0);
        p.extend_from_slice(&[0xfe, 0xf7]); // capabilities low
        p.push(45);
        p.extend_from_slice(&[0x02, 0x00]);
        p.extend_from_slice(&[0xff, 0x81]); // capabilities high
        p.push(21);
        p.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0x1d, 0, 0, 0]);
        p.extend_from_slice(b"ijklmnopqrst\0"); // nonce part 2
        p.extend_from_slice(b"mysql_native_password\0");
        p
    }

    #[test]
    fn greeting_gives_capabilities_nonce_and_plugin() {
        let g = parse_greeting(&mariadb_greeting()).unwrap();
        assert_eq!(g.nonce, b"abcdefghijklmnopqrst");
        assert_eq!(g.plugin, "mysql_native_password");
        assert_eq!(g.capabilities, 0x81ff_f7fe);
        assert_ne!(g.capabilities & CLIENT_PLUGIN_AUTH, 0);
        assert_ne!(g.capabilities & CLIENT_DEPRECATE_EOF, 0);

        // No NUL after the plugin name (some MySQL versions).
        let mut p = mariadb_greeting();
        p.pop();
        assert_eq!(parse_greeting(&p).unwrap().plugin, "mysql_native_password");

        let mut old = mariadb_greeting();
        old[0] = 9;
        assert!(matches!(
            parse_greeting(&old),
            Err(WireError::Unsupported(_))
        ));
        assert!(parse_greeting(&[10, b'5', 0, 1]).is_err());
    }

    #[test]
    fn handshake_response_layout() {
        let caps = CLIENT_PROTOCOL_41 | CLIENT_CONNECT_WITH_DB | CLIENT_PLUGIN_AUTH;
        let p = handshake_response(caps, "me", &[7; 20], "db", "mysql_native_password").unwrap();
        assert_eq!(&p[..4], &caps.to_le_bytes());
        assert_eq!(p[8], CHARSET_UTF8MB4);
        assert!(p[9..32].iter().all(|&b| b == 0));
        assert_eq!(&p[32..35], b"me\0");
        assert_eq!(p[35], 20);
        assert_eq!(&p[36..56], &[7; 20]);
        assert_eq!(&p[56..], b"db\0mysql_native_password\0");
        assert!(handshake_response(caps, "me", &[0; 300], "db", "x").is_err());
    }
}
