//! Long values compared by digest on ferry's side too
//! ([`ferry_connectors::digests`]).
//!
//! A server replaces a value by its digest text when the value is longer
//! than the threshold *as that server stores it*; the other side may send
//! the same value whole. Every whole value longer than
//! [`digest_threshold`](ferry_connectors::digests::digest_threshold) is
//! therefore turned into the same text here, on both sides, before it is
//! hashed: equal values then compare equal whichever side measured them
//! long, and a difference is still shown as two lengths and two MD5s.

use arrow_array::builder::GenericBinaryBuilder;
use arrow_array::types::ByteArrayType;
use arrow_array::{
    Array, ArrayRef, GenericBinaryArray, GenericByteArray, GenericStringArray, OffsetSizeTrait,
};
use arrow_buffer::ArrowNativeType;
use arrow_schema::DataType;
use ferry_connectors::digests::{digest_text, is_digest_text};
use md5::{Digest, Md5};
use std::fmt::Write;
use std::sync::Arc;

/// `array` with every value longer than `threshold` bytes replaced by its
/// digest text (a text column) or the text's bytes (a byte column). Values
/// already digested by a server are left alone. Arrays of other types, and
/// arrays with no such value, come back as they are, uncopied.
pub fn digest_long_values(array: &ArrayRef, threshold: usize) -> ArrayRef {
    let replaced = match array.data_type() {
        DataType::Utf8 => text::<i32>(array, threshold),
        DataType::LargeUtf8 => text::<i64>(array, threshold),
        DataType::Binary => bytes::<i32>(array, threshold),
        DataType::LargeBinary => bytes::<i64>(array, threshold),
        _ => None,
    };
    replaced.unwrap_or_else(|| Arc::clone(array))
}

fn text<O: OffsetSizeTrait>(array: &ArrayRef, threshold: usize) -> Option<ArrayRef> {
    let values = array.as_any().downcast_ref::<GenericStringArray<O>>()?;
    let replaced = replace(values, threshold)?;
    // Digest texts are ASCII and the other values were text already.
    let text = GenericStringArray::<O>::try_from_binary(replaced).ok()?;
    Some(Arc::new(text))
}

fn bytes<O: OffsetSizeTrait>(array: &ArrayRef, threshold: usize) -> Option<ArrayRef> {
    let values = array.as_any().downcast_ref::<GenericBinaryArray<O>>()?;
    Some(Arc::new(replace(values, threshold)?))
}

/// The values of `values` as bytes with the long ones replaced, or `None`
/// when none is long.
fn replace<T: ByteArrayType>(
    values: &GenericByteArray<T>,
    threshold: usize,
) -> Option<GenericBinaryArray<T::Offset>>
where
    T::Native: AsRef<[u8]>,
{
    let long = |i: usize| {
        let bytes: &[u8] = values.value(i).as_ref();
        values.is_valid(i) && bytes.len() > threshold && !is_digest_text(bytes)
    };
    // The offsets alone tell whether any value is long: most batches stop here.
    let offsets = values.value_offsets();
    let any_long = offsets
        .windows(2)
        .any(|w| (w[1] - w[0]).as_usize() > threshold);
    if !any_long || !(0..values.len()).any(long) {
        return None;
    }
    let mut out = GenericBinaryBuilder::<T::Offset>::with_capacity(values.len(), 1024);
    for i in 0..values.len() {
        if values.is_null(i) {
            out.append_null();
        } else if long(i) {
            out.append_value(digest_of(values.value(i).as_ref()));
        } else {
            out.append_value(values.value(i).as_ref());
        }
    }
    Some(out.finish())
}

/// The digest text of `bytes`, as the servers spell it.
fn digest_of(bytes: &[u8]) -> String {
    let hash = Md5::digest(bytes);
    let mut hex = String::with_capacity(32);
    for b in hash.iter() {
        let _ = write!(hex, "{b:02x}");
    }
    digest_text(u64::try_from(bytes.len()).unwrap_or(u64::MAX), &hex)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use arrow_array::{BinaryArray, StringArray};

    #[test]
    fn long_values_become_the_servers_digest_text() {
        let long = "é".repeat(40);
        let array: ArrayRef = Arc::new(StringArray::from(vec![
            Some("short"),
            None,
            Some(long.as_str()),
            Some("ferry long value: 99999 bytes, md5 00000000000000000000000000000000 and then the value goes on"),
        ]));
        let out = digest_long_values(&array, 20);
        let out = out.as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(out.value(0), "short");
        assert!(out.is_null(1));
        // 80 UTF-8 bytes; the MD5 of "é" x 40 as UTF-8, as Python's hashlib gives it.
        assert_eq!(
            out.value(2),
            "ferry long value: 80 bytes, md5 639258863c18c505cc2183a5e4b63394"
        );
        // A value that only starts like a digest text is digested like any other.
        assert_eq!(
            out.value(3),
            "ferry long value: 94 bytes, md5 cda6830c6d4b95148702c9cf54262ca7"
        );
        // A server's digest text is not digested again.
        let server = "ferry long value: 99999 bytes, md5 00000000000000000000000000000000";
        let array: ArrayRef = Arc::new(StringArray::from(vec![server]));
        assert!(Arc::ptr_eq(&digest_long_values(&array, 20), &array));
    }

    #[test]
    fn arrays_without_a_long_value_are_not_copied() {
        let array: ArrayRef = Arc::new(BinaryArray::from(vec![Some(&b"abc"[..]), None]));
        let out = digest_long_values(&array, 3);
        assert!(Arc::ptr_eq(&array, &out));
        let out = digest_long_values(&array, 2);
        let out = out.as_any().downcast_ref::<BinaryArray>().unwrap();
        assert_eq!(
            out.value(0),
            b"ferry long value: 3 bytes, md5 900150983cd24fb0d6963f7d28e17f72"
        );
    }
}
