//! Byte-level spelling of values in the two load formats: `LOAD DATA` field escaping,
//! SQL string and hex literals, canonical UUID text. Used by `encode`'s column loops;
//! each function appends to a reused buffer and never allocates on its own.

/// `LOAD DATA ... ESCAPED BY '\\'` field text: escapes the field and line terminators,
/// the escape character itself, and NUL (so `\N` inside data is never read as NULL).
pub(crate) fn escape_load_data(value: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    for (i, &b) in value.iter().enumerate() {
        let esc = match b {
            b'\\' => b'\\',
            b'\t' => b't',
            b'\n' => b'n',
            0 => b'0',
            _ => continue,
        };
        out.extend_from_slice(&value[start..i]);
        out.push(b'\\');
        out.push(esc);
        start = i + 1;
    }
    out.extend_from_slice(&value[start..]);
}

/// A single-quoted SQL string with backslash escapes (the session has no
/// `NO_BACKSLASH_ESCAPES`).
pub(crate) fn escape_sql_string(value: &[u8], out: &mut Vec<u8>) {
    out.push(b'\'');
    for &b in value {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\'' => out.extend_from_slice(b"\\'"),
            0 => out.extend_from_slice(b"\\0"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x1a => out.extend_from_slice(b"\\Z"),
            _ => out.push(b),
        }
    }
    out.push(b'\'');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `X'0a1b'`: bytes as a hex literal, immune to any character set conversion.
pub(crate) fn hex_literal(value: &[u8], out: &mut Vec<u8>) {
    out.reserve(value.len() * 2 + 3);
    out.extend_from_slice(b"X'");
    for &b in value {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
    out.push(b'\'');
}

/// Canonical 36-character UUID text (what MariaDB's UUID type accepts).
pub(crate) fn push_uuid(bytes: &[u8], out: &mut Vec<u8>) {
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push(b'-');
        }
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the server does with a field under `ESCAPED BY '\\'`.
    fn unescape_load_data(field: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut it = field.iter();
        while let Some(&b) = it.next() {
            if b == b'\\' {
                match it.next() {
                    Some(b'0') => out.push(0),
                    Some(b't') => out.push(b'\t'),
                    Some(b'n') => out.push(b'\n'),
                    Some(&c) => out.push(c),
                    None => out.push(b'\\'),
                }
            } else {
                out.push(b);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn load_data_escaping_round_trips(value in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut field = Vec::new();
            escape_load_data(&value, &mut field);
            // A field never contains a bare separator, so lines split unambiguously...
            prop_assert!(!field.contains(&b'\t') && !field.contains(&b'\n') && !field.contains(&0));
            // ...is never read as NULL...
            prop_assert_ne!(field.as_slice(), b"\\N".as_slice());
            // ...and unescapes to the original bytes.
            prop_assert_eq!(unescape_load_data(&field), value);
        }
    }

    #[test]
    fn uuid_and_hex_text() {
        let mut out = Vec::new();
        push_uuid(
            &[
                0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17,
                0x40, 0,
            ],
            &mut out,
        );
        assert_eq!(out, b"123e4567-e89b-12d3-a456-426614174000");
        out.clear();
        hex_literal(&[0, 0xff, b'\''], &mut out);
        assert_eq!(out, b"X'00ff27'");
        out.clear();
        escape_sql_string(b"a'b\\c\0", &mut out);
        assert_eq!(out, b"'a\\'b\\\\c\\0'");
    }
}
