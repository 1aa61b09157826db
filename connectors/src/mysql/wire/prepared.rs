//! Prepared statements, for binary resultsets: COM_STMT_PREPARE, then
//! COM_STMT_EXECUTE with no parameters and no cursor (the server streams the
//! rows as it does for a query), then COM_STMT_CLOSE.
//!
//! The reply to a prepare says the statement's id and its columns'
//! definitions; the reader takes each column's type code and UNSIGNED flag
//! from them ([`WireType`]), as the layout of binary rows depends on them.

use super::handshake::Session;
use super::message::{parse_err, read_lenenc, EOF_HEADER, ERR_HEADER, OK_HEADER};
use super::resultset::Head;
use super::WireError;
use crate::mysql::binary::{WireType, UNSIGNED_FLAG};

const COM_STMT_PREPARE: u8 = 0x16;
const COM_STMT_EXECUTE: u8 = 0x17;
const COM_STMT_CLOSE: u8 = 0x19;
/// COM_STMT_EXECUTE flags: no cursor, rows are streamed.
const CURSOR_TYPE_NO_CURSOR: u8 = 0;

/// A statement prepared on a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prepared {
    pub(crate) id: u32,
    /// How many `?` placeholders it has (the reader runs none with any).
    pub(crate) params: u16,
    /// Its resultset's columns.
    pub(crate) columns: Vec<WireType>,
}

/// The first packet of a prepare's reply: (statement id, columns, parameters).
fn parse_prepare_ok(p: &[u8]) -> Result<(u32, u16, u16), WireError> {
    match p.first() {
        Some(&OK_HEADER) => {}
        Some(&ERR_HEADER) => return Err(parse_err(p)),
        _ => return Err(WireError::Malformed("no OK in reply to a prepare")),
    }
    let field = |at: usize, width: usize| {
        p.get(at..at + width)
            .ok_or(WireError::Malformed("short prepare OK packet"))
    };
    let id = field(1, 4)?;
    let columns = field(5, 2)?;
    let params = field(7, 2)?;
    Ok((
        u32::from_le_bytes([id[0], id[1], id[2], id[3]]),
        u16::from_le_bytes([columns[0], columns[1]]),
        u16::from_le_bytes([params[0], params[1]]),
    ))
}

/// The type of a column from its definition packet: six length-encoded
/// strings (catalog, schema, table, original table, name, original name),
/// the length of the fixed fields, then charset (2), length (4), type (1),
/// flags (2) and decimals (1).
fn parse_column_type(def: &[u8]) -> Result<WireType, WireError> {
    let short = || WireError::Malformed("short column definition");
    let mut at = 0;
    for _ in 0..6 {
        let (len, prefix) = read_lenenc(def.get(at..).unwrap_or_default()).ok_or_else(short)?;
        let len = usize::try_from(len).map_err(|_| short())?;
        at = at.checked_add(prefix + len).ok_or_else(short)?;
    }
    let (_, prefix) = read_lenenc(def.get(at..).unwrap_or_default()).ok_or_else(short)?;
    let fixed = def.get(at + prefix..at + prefix + 9).ok_or_else(short)?;
    Ok(WireType {
        code: fixed[6],
        unsigned: u16::from_le_bytes([fixed[7], fixed[8]]) & UNSIGNED_FLAG != 0,
    })
}

impl Session {
    /// Prepares `sql`: its id, placeholders and column types.
    pub(crate) async fn prepare(&mut self, sql: &str) -> Result<Prepared, WireError> {
        self.stream.reset_sequence();
        self.scratch.clear();
        self.scratch.push(COM_STMT_PREPARE);
        self.scratch.extend_from_slice(sql.as_bytes());
        self.stream.write_payload(&self.scratch).await?;
        self.scratch.clear();
        self.stream.read_payload(&mut self.scratch).await?;
        let (id, columns, params) = parse_prepare_ok(&self.scratch)?;
        // Parameter definitions, then column definitions, each block ended
        // by an EOF unless CLIENT_DEPRECATE_EOF was agreed.
        self.read_definitions(u64::from(params)).await?;
        let columns = self.read_definitions(u64::from(columns)).await?;
        Ok(Prepared {
            id,
            params,
            columns,
        })
    }

    /// Runs a prepared statement that has no placeholders; its first reply.
    pub(crate) async fn execute_prepared(&mut self, id: u32) -> Result<Head, WireError> {
        self.stream.reset_sequence();
        self.scratch.clear();
        self.scratch.push(COM_STMT_EXECUTE);
        self.scratch.extend_from_slice(&id.to_le_bytes());
        self.scratch.push(CURSOR_TYPE_NO_CURSOR);
        // Iteration count, always 1.
        self.scratch.extend_from_slice(&1u32.to_le_bytes());
        self.stream.write_payload(&self.scratch).await?;
        self.read_head().await
    }

    /// Frees a prepared statement; the server sends no reply.
    pub(crate) async fn close_prepared(&mut self, id: u32) -> Result<(), WireError> {
        self.stream.reset_sequence();
        self.scratch.clear();
        self.scratch.push(COM_STMT_CLOSE);
        self.scratch.extend_from_slice(&id.to_le_bytes());
        self.stream.write_payload(&self.scratch).await
    }

    /// Reads `count` column (or parameter) definitions and, without
    /// `CLIENT_DEPRECATE_EOF`, the EOF after them: their types.
    pub(crate) async fn read_definitions(
        &mut self,
        count: u64,
    ) -> Result<Vec<WireType>, WireError> {
        let mut types = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for _ in 0..count {
            self.scratch.clear();
            self.stream.read_payload(&mut self.scratch).await?;
            types.push(parse_column_type(&self.scratch)?);
        }
        if count > 0 && !self.deprecate_eof {
            self.scratch.clear();
            self.stream.read_payload(&mut self.scratch).await?;
            if self.scratch.first() != Some(&EOF_HEADER) {
                return Err(WireError::Malformed("no EOF after the column definitions"));
            }
        }
        Ok(types)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A column definition as MariaDB sends it.
    fn definition(name: &str, code: u8, flags: u16) -> Vec<u8> {
        let mut p = Vec::new();
        for s in ["def", "db", "t", "t", name, name] {
            p.push(u8::try_from(s.len()).unwrap());
            p.extend_from_slice(s.as_bytes());
        }
        p.push(0x0C);
        p.extend_from_slice(&63u16.to_le_bytes());
        p.extend_from_slice(&20u32.to_le_bytes());
        p.push(code);
        p.extend_from_slice(&flags.to_le_bytes());
        p.extend_from_slice(&[0, 0, 0]);
        p
    }

    #[test]
    fn column_definitions_give_type_and_sign() {
        let t = parse_column_type(&definition("l_orderkey", 8, 0x1003)).unwrap();
        assert_eq!(
            t,
            WireType {
                code: 8,
                unsigned: false
            }
        );
        let t = parse_column_type(&definition("u", 3, UNSIGNED_FLAG | 1)).unwrap();
        assert_eq!(
            t,
            WireType {
                code: 3,
                unsigned: true
            }
        );
        // A name of twelve bytes, the fixed fields' length, is a name still.
        let t = parse_column_type(&definition("twelve_bytes", 10, 0)).unwrap();
        assert_eq!(t.code, 10);
        let mut cut = definition("c", 3, 0);
        cut.truncate(cut.len() - 6);
        assert!(parse_column_type(&cut).is_err());
    }

    #[test]
    fn prepare_ok_gives_id_columns_and_parameters() {
        let p = [0, 7, 0, 0, 0, 16, 0, 2, 0, 0, 0, 0];
        assert_eq!(parse_prepare_ok(&p).unwrap(), (7, 16, 2));
        assert!(parse_prepare_ok(&[0, 7, 0]).is_err());
        let mut err = vec![0xFF, 0x7A, 0x04];
        err.extend_from_slice(b"#42S02Table 'db.t' doesn't exist");
        assert!(matches!(
            parse_prepare_ok(&err),
            Err(WireError::Server { code: 1146, .. })
        ));
    }
}
