//! Unit and property tests of the PostgreSQL value codecs.

#![allow(clippy::unwrap_used)]

use super::*;
use proptest::prelude::*;

fn round_trip(text: &str) -> String {
    let mut bin = Vec::new();
    numeric_from_text(text, &mut bin).unwrap();
    let mut back = Vec::new();
    numeric_text(&bin, |text| back.extend_from_slice(text)).unwrap();
    String::from_utf8(back).unwrap()
}

fn binary(text: &str) -> Vec<u8> {
    let mut bin = Vec::new();
    numeric_from_text(text, &mut bin).unwrap();
    bin
}

#[test]
fn numeric_binary_layout_matches_postgres() {
    // Expected bytes as PostgreSQL's numeric_send produces them.
    assert_eq!(binary("0"), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(binary("10000"), [0, 1, 0, 1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(binary("0.0001"), [0, 1, 0xff, 0xff, 0, 0, 0, 4, 0, 1]);
    assert_eq!(binary("-0.001"), [0, 1, 0xff, 0xff, 0x40, 0, 0, 3, 0, 10]);
    assert_eq!(
        binary("12.340"),
        [0, 2, 0, 0, 0, 0, 0, 3, 0, 12, 0x0d, 0x48]
    );
    assert_eq!(binary("NaN"), [0, 0, 0, 0, 0xc0, 0, 0, 0]);
}

#[test]
fn numeric_tricky_values_round_trip() {
    for v in [
        "0",
        "0.000",
        "-0.001",
        "10000",
        "0.0001",
        "12.340",
        "-12345678.9",
        "NaN",
        "Infinity",
        "-Infinity",
        "18446744073709551615",
        "0.00000001",
        "99999999999999999999.99999999999999999999",
        "1234567890123456789012345678901234567890123",
        "-1000000000000000000000000000000000000000000.5",
    ] {
        assert_eq!(round_trip(v), v);
    }
    assert_eq!(round_trip("-0.000"), "0.000");
    assert_eq!(round_trip("+007.50"), "7.50");
    assert_eq!(round_trip(".5"), "0.5");
    let mut out = Vec::new();
    for bad in ["", "-", ".", "1e5", "1.2.3", "abc", " 1", "inf"] {
        assert!(numeric_from_text(bad, &mut out).is_err(), "{bad:?}");
    }
}

proptest! {
    /// The integer fast path writes exactly what the general path writes.
    #[test]
    fn numeric_short_text_matches_the_general_path(
        sign in prop::sample::select(vec!["", "-", "+"]),
        int in "[0-9]{0,19}",
        point in any::<bool>(),
        frac in "[0-9]{0,17}",
    ) {
        let text = if point { format!("{sign}{int}.{frac}") } else { format!("{sign}{int}") };
        let mut general = Vec::new();
        let expected = numeric_from_any_text(&text, &mut general);
        let mut fast = Vec::new();
        if numeric_from_short_text(text.as_bytes(), &mut fast) {
            prop_assert!(expected.is_ok(), "{text:?} fast path took what the general path refuses");
            prop_assert_eq!(fast, general, "{:?}", text);
        } else {
            prop_assert!(fast.is_empty());
            let short = int.len() <= 18 && frac.len() <= 16 && !(int.is_empty() && (frac.is_empty() || !point));
            prop_assert!(!short, "{text:?} should have taken the fast path");
        }
    }
}

#[test]
fn bits_shift_between_alignments() {
    // B'10110' (5 bits): PostgreSQL sends 0b10110_000; ferry carries 0b000_10110.
    let mut right = Vec::new();
    bits_from_pg(&[0, 0, 0, 5, 0b1011_0000], &mut right).unwrap();
    assert_eq!(right, [0b0001_0110]);
    let mut left = Vec::new();
    bits_to_pg(&right, Some(5), &mut left).unwrap();
    assert_eq!(left, [0, 0, 0, 5, 0b1011_0000]);
    // 12 bits B'1010_1111_0001' spans two bytes.
    let mut right = Vec::new();
    bits_from_pg(&[0, 0, 0, 12, 0b1010_1111, 0b0001_0000], &mut right).unwrap();
    assert_eq!(right, [0b0000_1010, 0b1111_0001]);
    let mut left = Vec::new();
    bits_to_pg(&right, Some(12), &mut left).unwrap();
    assert_eq!(left, [0, 0, 0, 12, 0b1010_1111, 0b0001_0000]);
    // varbit: significant bits only.
    let mut left = Vec::new();
    bits_to_pg(&[0b101], None, &mut left).unwrap();
    assert_eq!(left, [0, 0, 0, 3, 0b1010_0000]);
    assert!(bits_to_pg(&[0xff], Some(5), &mut Vec::new()).is_err());
}

#[test]
fn dates_and_timestamps_shift_epochs() {
    assert_eq!(date_from_pg(0), Some(10_957));
    assert_eq!(date_to_pg(0), Some(-10_957));
    assert_eq!(date_from_pg(i32::MAX), Some(i32::MAX));
    assert_eq!(date_to_pg(i32::MIN), Some(i32::MIN));
    assert_eq!(timestamp_from_pg(0), Some(946_684_800_000_000));
    assert_eq!(timestamp_to_pg(0), Some(-946_684_800_000_000));
    assert_eq!(timestamp_from_pg(i64::MIN), Some(i64::MIN));
}

/// PostgreSQL's text form of a plain decimal: no `+`, no leading zeros, no `-0`.
fn canonical(negative: bool, int: &str, frac: &str) -> String {
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let zero = int == "0" && frac.bytes().all(|b| b == b'0');
    let mut s = String::new();
    if negative && !zero {
        s.push('-');
    }
    s.push_str(int);
    if !frac.is_empty() {
        s.push('.');
        s.push_str(frac);
    }
    s
}

proptest! {
    #[test]
    fn numeric_text_binary_text(negative: bool, int in "[0-9]{1,45}", frac in "[0-9]{0,30}") {
        let text = format!("{}{int}{}{frac}", if negative { "-" } else { "" }, if frac.is_empty() { "" } else { "." });
        prop_assert_eq!(round_trip(&text), canonical(negative, &int, &frac));
    }
}

#[test]
fn every_base_10000_digit_prints_as_four_ascii_digits() {
    for d in 0..=9999u16 {
        assert_eq!(group_ascii(d), format!("{d:04}").as_bytes(), "{d}");
    }
}
