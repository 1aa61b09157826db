//! Connect and authenticate: TCP, the startup message, the authentication
//! exchange, then the parameter reports and the cancel key up to the first
//! ReadyForQuery.
//!
//! Supported: trust, cleartext password, MD5 and SCRAM-SHA-256 (without
//! channel binding, as there is no TLS to bind to). GSSAPI, SSPI, Kerberos,
//! other SASL mechanisms and a protocol-version negotiation are
//! [`WireError::Unsupported`], so the caller reads through tokio-postgres.

use super::session::Session;
use super::stream::{MessageStream, ERROR_RESPONSE, NOTICE_RESPONSE, PARAMETER_STATUS};
use super::{ServerError, WireError};
use crate::Endpoint;
use bytes::BytesMut;
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256, SCRAM_SHA_256};
use postgres_protocol::message::frontend;
use std::time::Duration;
use tokio::net::TcpStream;

/// As long as the driver's sessions wait (`conn::connect`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

const AUTHENTICATION: u8 = b'R';
const BACKEND_KEY_DATA: u8 = b'K';
const READY_FOR_QUERY: u8 = b'Z';
const NEGOTIATE_PROTOCOL_VERSION: u8 = b'v';

/// Authentication request codes (the first four bytes of an `R` message).
const AUTH_OK: i32 = 0;
const AUTH_CLEARTEXT: i32 = 3;
const AUTH_MD5: i32 = 5;
const AUTH_SASL: i32 = 10;
const AUTH_SASL_CONTINUE: i32 = 11;
const AUTH_SASL_FINAL: i32 = 12;

/// Opens a session on `endpoint` as `application_name=ferry`, with the
/// same startup parameters as the driver's sessions (`client_encoding`
/// UTF8, so text arrives as UTF-8 whatever the server's encoding).
pub(crate) async fn connect(endpoint: &Endpoint) -> Result<Session, WireError> {
    if endpoint.host.starts_with('/') {
        return Err(WireError::Unsupported(
            "a Unix socket directory as the host".to_string(),
        ));
    }
    let tcp = tokio::time::timeout(
        CONNECT_TIMEOUT,
        TcpStream::connect((endpoint.host.as_str(), endpoint.port)),
    )
    .await
    .map_err(|_| {
        WireError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "no answer within 15 s",
        ))
    })??;
    // Statements are single small messages: send them at once.
    tcp.set_nodelay(true)?;
    let mut stream = MessageStream::new(tcp);
    let mut out = BytesMut::new();
    frontend::startup_message(
        [
            ("client_encoding", "UTF8"),
            ("user", endpoint.user.as_str()),
            ("database", endpoint.database.as_str()),
            ("application_name", "ferry"),
        ],
        &mut out,
    )?;
    stream.send(&out).await?;
    authenticate(&mut stream, endpoint, &mut out).await?;
    loop {
        let (tag, body) = stream.next().await?;
        match tag {
            // The cancel key is not kept: ferry closes a session instead (`session`).
            BACKEND_KEY_DATA | PARAMETER_STATUS | NOTICE_RESPONSE => {}
            READY_FOR_QUERY => break,
            ERROR_RESPONSE => return Err(WireError::Server(ServerError::parse(body)?)),
            _ => {
                return Err(WireError::Malformed(
                    "an unexpected message after authentication",
                ))
            }
        }
    }
    Ok(Session::new(stream))
}

/// Answers the server's authentication requests up to AuthenticationOk.
async fn authenticate(
    stream: &mut MessageStream<TcpStream>,
    endpoint: &Endpoint,
    out: &mut BytesMut,
) -> Result<(), WireError> {
    let password = || {
        endpoint
            .password
            .as_deref()
            .map(str::as_bytes)
            .ok_or_else(|| {
                WireError::Unsupported("the server asks for a password and none was given".into())
            })
    };
    let mut scram: Option<ScramSha256> = None;
    loop {
        let (tag, body) = stream.next().await?;
        match tag {
            AUTHENTICATION => {}
            NOTICE_RESPONSE => continue,
            ERROR_RESPONSE => return Err(WireError::Server(ServerError::parse(body)?)),
            NEGOTIATE_PROTOCOL_VERSION => {
                return Err(WireError::Unsupported(
                    "the server negotiates the protocol version".into(),
                ))
            }
            _ => return Err(WireError::Malformed("expected an authentication request")),
        }
        let (code, data) = split_i32(body)?;
        out.clear();
        match code {
            AUTH_OK => return Ok(()),
            AUTH_CLEARTEXT => frontend::password_message(password()?, out)?,
            AUTH_MD5 => {
                let salt: [u8; 4] = data
                    .get(..4)
                    .and_then(|s| s.try_into().ok())
                    .ok_or(WireError::Malformed("an MD5 request without its salt"))?;
                let hash = md5_hash(endpoint.user.as_bytes(), password()?, salt);
                frontend::password_message(hash.as_bytes(), out)?;
            }
            AUTH_SASL => {
                let offered = sasl_mechanisms(data);
                if !offered.contains(&SCRAM_SHA_256) {
                    return Err(WireError::Unsupported(format!(
                        "SASL mechanisms {}",
                        offered.join(", ")
                    )));
                }
                let exchange = ScramSha256::new(password()?, ChannelBinding::unsupported());
                frontend::sasl_initial_response(SCRAM_SHA_256, exchange.message(), out)?;
                scram = Some(exchange);
            }
            AUTH_SASL_CONTINUE => {
                let exchange = scram
                    .as_mut()
                    .ok_or(WireError::Malformed("a SASL continuation before its start"))?;
                exchange
                    .update(data)
                    .map_err(|_| WireError::Malformed("an invalid SCRAM server-first message"))?;
                frontend::sasl_response(exchange.message(), out)?;
            }
            AUTH_SASL_FINAL => {
                scram
                    .as_mut()
                    .ok_or(WireError::Malformed(
                        "a SASL final message before its start",
                    ))?
                    .finish(data)
                    // The server did not prove it knows the password: not the server asked for.
                    .map_err(|_| {
                        WireError::Malformed("the server's SCRAM signature does not verify")
                    })?;
            }
            other => {
                return Err(WireError::Unsupported(format!(
                    "authentication method {} (request code {other})",
                    auth_name(other)
                )))
            }
        }
        if !out.is_empty() {
            stream.send(out).await?;
        }
    }
}

/// A message body's leading big-endian `i32` and the rest.
fn split_i32(body: &[u8]) -> Result<(i32, &[u8]), WireError> {
    match body.split_first_chunk::<4>() {
        Some((head, rest)) => Ok((i32::from_be_bytes(*head), rest)),
        None => Err(WireError::Malformed("a message shorter than its fields")),
    }
}

/// The NUL-terminated names of an AuthenticationSASL request.
fn sasl_mechanisms(data: &[u8]) -> Vec<&str> {
    data.split(|&b| b == 0)
        .take_while(|name| !name.is_empty())
        .filter_map(|name| std::str::from_utf8(name).ok())
        .collect()
}

fn auth_name(code: i32) -> &'static str {
    match code {
        2 => "Kerberos V5",
        6 => "SCM credentials",
        7 | 8 => "GSSAPI",
        9 => "SSPI",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::{sasl_mechanisms, split_i32};

    #[test]
    fn sasl_mechanisms_stop_at_the_empty_name() {
        assert_eq!(
            sasl_mechanisms(b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"),
            vec!["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]
        );
        assert!(sasl_mechanisms(b"\0").is_empty());
    }

    #[test]
    fn short_bodies_are_malformed_not_a_panic() {
        assert!(split_i32(b"\0\0\0").is_err());
        assert_eq!(split_i32(b"\xff\xff\xff\xfe!").unwrap(), (-2, &b"!"[..]));
    }
}
