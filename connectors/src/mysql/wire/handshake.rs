//! Connect and authenticate: TCP, the v10 greeting, a 4.1 handshake response,
//! then the authentication exchange until the server's OK.
//!
//! Supported: `mysql_native_password`, and `caching_sha2_password` when the
//! server has the account cached (its fast path: a SHA-256 scramble answered by
//! `0x01 0x03`); an AuthSwitchRequest to either is followed. Everything else —
//! full caching_sha2 authentication (needs TLS or the server's RSA key), other
//! plugins, pre-4.1 servers, a server insisting on TLS — is
//! [`WireError::Unsupported`], so the caller reads through mysql_async instead.

use super::message::{
    handshake_response, parse_err, parse_greeting, CLIENT_CONNECT_WITH_DB, CLIENT_DEPRECATE_EOF,
    CLIENT_LONG_PASSWORD, CLIENT_MULTI_RESULTS, CLIENT_PLUGIN_AUTH, CLIENT_PROTOCOL_41,
    CLIENT_SECURE_CONNECTION, CLIENT_TRANSACTIONS, EOF_HEADER, ERR_HEADER, OK_HEADER,
};
use super::packet::PacketStream;
use super::WireError;
use crate::Endpoint;
use tokio::net::TcpStream;

/// Capabilities the reader cannot work without.
const REQUIRED: u32 = CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;
/// Capabilities asked for when the server offers them. No CLIENT_SSL and no
/// compression: the scan runs over plain TCP, byte for byte.
const WANTED: u32 = REQUIRED
    | CLIENT_LONG_PASSWORD
    | CLIENT_CONNECT_WITH_DB
    | CLIENT_TRANSACTIONS
    | CLIENT_MULTI_RESULTS
    | CLIENT_DEPRECATE_EOF;

/// MySQL 8 "Connections using insecure transport are prohibited".
const ER_SECURE_TRANSPORT_REQUIRED: u16 = 3159;
/// "Client does not support authentication protocol requested by server".
const ER_NOT_SUPPORTED_AUTH_MODE: u16 = 1251;
/// First byte of an AuthMoreData packet.
const AUTH_MORE_DATA: u8 = 0x01;
/// caching_sha2_password's AuthMoreData bodies.
const FAST_AUTH_OK: u8 = 0x03;
const FULL_AUTH_NEEDED: u8 = 0x04;

/// An authenticated connection, ready for commands.
pub(crate) struct Session {
    pub(crate) stream: PacketStream<TcpStream>,
    /// Whether resultsets end with an OK packet and have no EOF after the
    /// column definitions (`CLIENT_DEPRECATE_EOF` agreed).
    pub(crate) deprecate_eof: bool,
    /// Reused for replies that are not rows.
    pub(crate) scratch: Vec<u8>,
    /// Run table reads as prepared statements, for binary rows (see
    /// `mysql::binary`); false only in tests, which compare both protocols.
    pub(crate) binary_rows: bool,
}

/// The password plugins the reader speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plugin {
    Native,
    CachingSha2,
}

impl Plugin {
    pub(crate) fn from_name(name: &str) -> Option<Plugin> {
        match name {
            "mysql_native_password" => Some(Plugin::Native),
            "caching_sha2_password" => Some(Plugin::CachingSha2),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Plugin::Native => "mysql_native_password",
            Plugin::CachingSha2 => "caching_sha2_password",
        }
    }

    /// The scrambled password for `nonce`; empty for an empty password, which
    /// both plugins send as no data at all.
    pub(crate) fn scramble(self, nonce: &[u8], password: &str) -> Vec<u8> {
        let password = password.as_bytes();
        match self {
            Plugin::Native => mysql_common::scramble::scramble_native(nonce, password)
                .map(|s| s.to_vec())
                .unwrap_or_default(),
            Plugin::CachingSha2 => mysql_common::scramble::scramble_sha256(nonce, password)
                .map(|s| s.to_vec())
                .unwrap_or_default(),
        }
    }
}

/// Connects to `endpoint` and logs in to its database. `allow_deprecate_eof`
/// is false only in tests, which run the reader in both terminator modes.
pub(crate) async fn connect(
    endpoint: &Endpoint,
    allow_deprecate_eof: bool,
) -> Result<Session, WireError> {
    let tcp = TcpStream::connect((endpoint.host.as_str(), endpoint.port)).await?;
    // Commands are single small packets answered before the next is sent.
    tcp.set_nodelay(true)?;
    let mut stream = PacketStream::new(tcp);
    let mut buf = Vec::with_capacity(256);
    stream.read_payload(&mut buf).await?;
    let greeting = parse_greeting(&buf)?;
    if greeting.capabilities & REQUIRED != REQUIRED {
        return Err(WireError::Unsupported(
            "a server without protocol 4.1 plugin authentication".to_string(),
        ));
    }
    let mut capabilities = greeting.capabilities & WANTED;
    if endpoint.database.is_empty() {
        capabilities &= !CLIENT_CONNECT_WITH_DB;
    }
    if !allow_deprecate_eof {
        capabilities &= !CLIENT_DEPRECATE_EOF;
    }
    let password = endpoint.password.as_deref().unwrap_or("");
    // An unknown default plugin: answer as native; the server switches us to
    // the account's plugin if that is not it.
    let mut plugin = Plugin::from_name(&greeting.plugin).unwrap_or(Plugin::Native);
    let response = handshake_response(
        capabilities,
        &endpoint.user,
        &plugin.scramble(&greeting.nonce, password),
        &endpoint.database,
        plugin.name(),
    )?;
    stream.write_payload(&response).await?;

    loop {
        buf.clear();
        stream.read_payload(&mut buf).await?;
        match auth_step(&buf, plugin)? {
            AuthStep::Done => break,
            AuthStep::Wait => {}
            AuthStep::Switch(to, nonce) => {
                plugin = to;
                let reply = plugin.scramble(nonce, password);
                stream.write_payload(&reply).await?;
            }
        }
    }
    Ok(Session {
        stream,
        deprecate_eof: capabilities & CLIENT_DEPRECATE_EOF != 0,
        scratch: buf,
        binary_rows: true,
    })
}

/// What to do after one packet of the authentication exchange.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AuthStep<'a> {
    /// Authenticated.
    Done,
    /// Read the next packet (fast authentication succeeded, OK follows).
    Wait,
    /// Answer with `plugin`'s scramble of this nonce.
    Switch(Plugin, &'a [u8]),
}

/// Interprets one reply of the authentication exchange, `plugin` being the
/// one in use.
pub(crate) fn auth_step(p: &[u8], plugin: Plugin) -> Result<AuthStep<'_>, WireError> {
    match p.first() {
        Some(&OK_HEADER) => Ok(AuthStep::Done),
        Some(&ERR_HEADER) => Err(match parse_err(p) {
            WireError::Server { code, message }
                if code == ER_SECURE_TRANSPORT_REQUIRED || code == ER_NOT_SUPPORTED_AUTH_MODE =>
            {
                WireError::Unsupported(message)
            }
            other => other,
        }),
        Some(&EOF_HEADER) => {
            let body = &p[1..];
            if body.is_empty() {
                return Err(WireError::Unsupported(
                    "pre-4.1 (old) password authentication".to_string(),
                ));
            }
            let name_end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
            let name = String::from_utf8_lossy(&body[..name_end]);
            let data = body.get(name_end + 1..).unwrap_or_default();
            // The nonce is sent NUL-terminated.
            let nonce = data.strip_suffix(&[0]).unwrap_or(data);
            match Plugin::from_name(&name) {
                Some(to) => Ok(AuthStep::Switch(to, nonce)),
                None => Err(WireError::Unsupported(format!(
                    "authentication plugin {name}"
                ))),
            }
        }
        Some(&AUTH_MORE_DATA) => match (plugin, p.get(1)) {
            (Plugin::CachingSha2, Some(&FAST_AUTH_OK)) => Ok(AuthStep::Wait),
            (Plugin::CachingSha2, Some(&FULL_AUTH_NEEDED)) => Err(WireError::Unsupported(
                "caching_sha2_password full authentication (needs TLS or the server's RSA key)"
                    .to_string(),
            )),
            _ => Err(WireError::Unsupported(
                "an authentication exchange beyond a password scramble".to_string(),
            )),
        },
        _ => Err(WireError::Malformed(
            "unexpected packet during authentication",
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ok_and_errors_during_authentication() {
        assert_eq!(
            auth_step(&[0, 0, 0, 2, 0, 0, 0], Plugin::Native).unwrap(),
            AuthStep::Done
        );
        let mut denied = vec![0xFF, 0x15, 0x04];
        denied.extend_from_slice(b"#28000Access denied");
        assert!(matches!(
            auth_step(&denied, Plugin::Native),
            Err(WireError::Server { code: 1045, .. })
        ));
        let mut tls = vec![0xFF, 0x57, 0x0C];
        tls.extend_from_slice(b"#HY000Connections using insecure transport are prohibited");
        assert!(matches!(
            auth_step(&tls, Plugin::Native),
            Err(WireError::Unsupported(_))
        ));
    }

    #[test]
    fn auth_switch_to_a_known_plugin_carries_the_new_nonce() {
        let mut p = vec![0xFE];
        p.extend_from_slice(b"caching_sha2_password\0");
        p.extend_from_slice(b"01234567890123456789\0");
        assert_eq!(
            auth_step(&p, Plugin::Native).unwrap(),
            AuthStep::Switch(Plugin::CachingSha2, b"01234567890123456789")
        );
    }

    #[test]
    fn unknown_plugins_and_full_sha2_auth_are_unsupported() {
        let mut p = vec![0xFE];
        p.extend_from_slice(b"client_ed25519\0");
        p.extend_from_slice(b"0123456789012345678901234567890\0");
        assert!(matches!(
            auth_step(&p, Plugin::Native),
            Err(WireError::Unsupported(m)) if m.contains("client_ed25519")
        ));
        assert!(matches!(
            auth_step(&[0xFE], Plugin::Native),
            Err(WireError::Unsupported(_))
        ));
        assert_eq!(
            auth_step(&[0x01, 0x03], Plugin::CachingSha2).unwrap(),
            AuthStep::Wait
        );
        assert!(matches!(
            auth_step(&[0x01, 0x04], Plugin::CachingSha2),
            Err(WireError::Unsupported(_))
        ));
        // sha256_password-style key exchange under a plugin that has none.
        assert!(matches!(
            auth_step(&[0x01, b'-'], Plugin::Native),
            Err(WireError::Unsupported(_))
        ));
    }

    #[test]
    fn scrambles_match_the_reference_algorithms() {
        let nonce = b"abcdefghijklmnopqrst";
        assert!(Plugin::Native.scramble(nonce, "").is_empty());
        assert!(Plugin::CachingSha2.scramble(nonce, "").is_empty());
        assert_eq!(Plugin::Native.scramble(nonce, "pw").len(), 20);
        assert_eq!(Plugin::CachingSha2.scramble(nonce, "pw").len(), 32);
        assert_ne!(
            Plugin::Native.scramble(nonce, "pw"),
            Plugin::Native.scramble(b"tsrqponmlkjihgfedcba", "pw")
        );
    }
}
