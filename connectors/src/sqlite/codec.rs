//! Text forms of temporal values, decimals and UUIDs as ferry stores them in
//! SQLite (which has no such storage classes), and their parsers.
//!
//! Stored forms are the ones SQLite's own date functions understand:
//! `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]`, `HH:MM:SS[.ffffff]`. The
//! fraction is written only when non-zero, so whole-second values keep the
//! common `YYYY-MM-DD HH:MM:SS` form. Parsers borrow the input and formatters
//! write into a caller's reused buffer: no allocation per value.

use chrono::{Datelike, NaiveDate};
use std::fmt::Write;

/// Microseconds per day.
const DAY_MICROS: i64 = 86_400_000_000;
/// `NaiveDate::num_days_from_ce` of 1970-01-01.
const UNIX_EPOCH_CE_DAYS: i32 = 719_163;

/// Cursor over ASCII digits and separators.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    /// Exactly `n` digits as a number.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let part = self.bytes.get(self.pos..self.pos + n)?;
        self.pos += n;
        part.iter().try_fold(0u32, |acc, b| {
            b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
        })
    }

    /// One or more digits (at most 19, so any i64 magnitude fits) as a number.
    fn some_digits(&mut self) -> Option<u64> {
        let start = self.pos;
        while self.pos < self.bytes.len()
            && self.bytes[self.pos].is_ascii_digit()
            && self.pos - start < 19
        {
            self.pos += 1;
        }
        (self.pos > start).then_some(())?;
        std::str::from_utf8(&self.bytes[start..self.pos])
            .ok()?
            .parse()
            .ok()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.bytes.get(self.pos) == Some(&b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn rest(&self) -> &'a [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }
}

fn date_days(c: &mut Cursor<'_>) -> Option<i32> {
    let year = c.digits(4)?;
    c.eat(b'-').then_some(())?;
    let month = c.digits(2)?;
    c.eat(b'-').then_some(())?;
    let day = c.digits(2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    Some(date.num_days_from_ce() - UNIX_EPOCH_CE_DAYS)
}

/// `HH:MM[:SS[.fraction]]` → microseconds; `max_hours` bounds HH (23 or 24 for
/// times of day, `u64::MAX` for durations, which may have any number of hour
/// digits as long as the total fits in an i64 of microseconds).
fn time_micros(c: &mut Cursor<'_>, max_hours: u64) -> Option<i64> {
    let hours = if max_hours > 99 {
        c.some_digits()?
    } else {
        u64::from(c.digits(2)?)
    };
    c.eat(b':').then_some(())?;
    let minutes = c.digits(2)?;
    let seconds = if c.eat(b':') { c.digits(2)? } else { 0 };
    let mut micros: i64 = 0;
    if c.eat(b'.') {
        let start = c.pos;
        let mut scale = 100_000;
        while let Some(b) = c.bytes.get(c.pos).filter(|b| b.is_ascii_digit()) {
            // Digits past the microsecond must be zero: ferry never rounds a value.
            if scale == 0 && *b != b'0' {
                return None;
            }
            micros += i64::from(b - b'0') * scale;
            scale /= 10;
            c.pos += 1;
        }
        (c.pos > start).then_some(())?;
    }
    if minutes > 59 || seconds > 59 || hours > max_hours {
        return None;
    }
    let total = i64::try_from(hours)
        .ok()?
        .checked_mul(3600)?
        .checked_add(i64::from(minutes * 60 + seconds))?
        .checked_mul(1_000_000)?
        .checked_add(micros)?;
    // For a time of day (max 24), 24:00:00 is the one valid value past 23:59:59.
    (max_hours != 24 || hours < 24 || total == DAY_MICROS).then_some(total)
}

/// `YYYY-MM-DD` (also with a `00:00:00` time) → days since 1970-01-01.
pub(crate) fn parse_date(text: &str) -> Option<i32> {
    let mut c = Cursor::new(text);
    let days = date_days(&mut c)?;
    match c.rest() {
        [] => Some(days),
        [b' ' | b'T', ..] => {
            c.pos += 1;
            (time_micros(&mut c, 23)? == 0 && c.rest().is_empty()).then_some(days)
        }
        _ => None,
    }
}

/// `YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|+00:00]` → microseconds since the epoch.
/// Only a zero offset is accepted: another offset would need a conversion.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let mut c = Cursor::new(text);
    let days = i64::from(date_days(&mut c)?);
    let time = if c.eat(b' ') || c.eat(b'T') {
        time_micros(&mut c, 23)?
    } else {
        0
    };
    match c.rest() {
        [] | b"Z" | b"z" | b"+00:00" | b"-00:00" | b"+0000" => {}
        _ => return None,
    }
    days.checked_mul(DAY_MICROS)?.checked_add(time)
}

/// `HH:MM[:SS[.ffffff]]` → microseconds since midnight.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let mut c = Cursor::new(text);
    let t = time_micros(&mut c, 24)?;
    c.rest().is_empty().then_some(t)
}

/// `[-]H+:MM:SS[.ffffff]` → signed microseconds: the whole range
/// [`format_duration`] writes, `-(2^63-1)..=2^63-1`.
pub(crate) fn parse_duration(text: &str) -> Option<i64> {
    let mut c = Cursor::new(text);
    let negative = c.eat(b'-');
    let t = time_micros(&mut c, u64::MAX)?;
    c.rest().is_empty().then_some(if negative { -t } else { t })
}

fn push_fraction(out: &mut String, micros: i64) {
    if micros != 0 {
        let _ = write!(out, ".{micros:06}");
    }
}

/// Appends `YYYY-MM-DD`; `None` outside years 0000..=9999 (SQLite's date range).
pub(crate) fn format_date(out: &mut String, days: i32) -> Option<()> {
    let date = NaiveDate::from_num_days_from_ce_opt(days.checked_add(UNIX_EPOCH_CE_DAYS)?)?;
    if !(0..=9999).contains(&date.year()) {
        return None;
    }
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month(),
        date.day()
    );
    Some(())
}

fn push_clock(out: &mut String, micros: i64) {
    let secs = micros / 1_000_000;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    push_fraction(out, micros % 1_000_000);
}

/// Appends `YYYY-MM-DD HH:MM:SS[.ffffff]`; `None` outside SQLite's date range.
pub(crate) fn format_timestamp(out: &mut String, micros: i64) -> Option<()> {
    let days = i32::try_from(micros.div_euclid(DAY_MICROS)).ok()?;
    format_date(out, days)?;
    out.push(' ');
    push_clock(out, micros.rem_euclid(DAY_MICROS));
    Some(())
}

/// Appends `HH:MM:SS[.ffffff]`; `None` outside 00:00:00..=24:00:00.
pub(crate) fn format_time(out: &mut String, micros: i64) -> Option<()> {
    (0..=DAY_MICROS)
        .contains(&micros)
        .then(|| push_clock(out, micros))
}

/// Appends `[-]HH:MM:SS[.ffffff]` (hours may exceed 24); `None` only for `i64::MIN`.
pub(crate) fn format_duration(out: &mut String, micros: i64) -> Option<()> {
    let magnitude = micros.checked_abs()?;
    if micros < 0 {
        out.push('-');
    }
    push_clock(out, magnitude);
    Some(())
}

/// Appends an interval as `P<months>M<days>DT<seconds>S` (each part signed, seconds
/// with up to 6 fraction digits), e.g. `P14M-3DT3723.5S`; `None` when the
/// nanoseconds are not whole microseconds (ferry's convention says they are).
pub(crate) fn format_interval(out: &mut String, months: i32, days: i32, nanos: i64) -> Option<()> {
    if nanos % 1000 != 0 {
        return None;
    }
    let micros = nanos / 1000;
    let _ = write!(out, "P{months}M{days}DT");
    if micros < 0 {
        out.push('-');
    }
    let magnitude = micros.unsigned_abs();
    let _ = write!(out, "{}", magnitude / 1_000_000);
    let fraction = magnitude % 1_000_000;
    if fraction != 0 {
        let _ = write!(out, ".{fraction:06}");
    }
    out.push('S');
    Some(())
}

/// Parses what [`format_interval`] writes → (months, days, nanoseconds).
pub(crate) fn parse_interval(text: &str) -> Option<(i32, i32, i64)> {
    let rest = text.strip_prefix('P')?;
    let (months, rest) = rest.split_once('M')?;
    let (days, rest) = rest.split_once('D')?;
    let seconds = rest.strip_prefix('T')?.strip_suffix('S')?;
    let (negative, seconds) = match seconds.strip_prefix('-') {
        Some(s) => (true, s),
        None => (false, seconds),
    };
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 6 {
        return None;
    }
    let mut micros = whole.parse::<i64>().ok()?.checked_mul(1_000_000)?;
    if !fraction.is_empty() {
        let scale = 10i64.pow(u32::try_from(6 - fraction.len()).ok()?);
        micros = micros.checked_add(fraction.parse::<i64>().ok()? * scale)?;
    }
    let micros = if negative { -micros } else { micros };
    Some((
        months.parse().ok()?,
        days.parse().ok()?,
        micros.checked_mul(1000)?,
    ))
}

/// Plain decimal text (`[-+]digits[.digits]`, or `.digits`) → the text with any `+` removed.
pub(crate) fn decimal_text(text: &str) -> Option<&str> {
    let body = text.strip_prefix('+').unwrap_or(text);
    let digits = body.strip_prefix('-').unwrap_or(body);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = !(int.is_empty() && frac.is_empty())
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(body)
}

/// Appends `value` as plain decimal text with `scale` digits (shortest exact form when `None`).
pub(crate) fn format_real_decimal(out: &mut String, value: f64, scale: Option<u16>) -> Option<()> {
    if !value.is_finite() {
        return None;
    }
    let _ = match scale {
        Some(s) => write!(out, "{:.*}", usize::from(s), value),
        // f64's Display never uses an exponent and prints the shortest round-trip digits.
        None => write!(out, "{value}"),
    };
    Some(())
}

/// Appends an integer as decimal text with `scale` zero digits after the point.
pub(crate) fn format_int_decimal(out: &mut String, value: i64, scale: Option<u16>) {
    let _ = write!(out, "{value}");
    if let Some(s) = scale.filter(|s| *s > 0) {
        out.push('.');
        out.extend(std::iter::repeat_n('0', usize::from(s)));
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` or 32 hex digits → the 16 bytes.
pub(crate) fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    const HYPHENS: [usize; 4] = [8, 13, 18, 23];
    let bytes = text.as_bytes();
    let hyphenated = match bytes.len() {
        32 => false,
        36 => true,
        _ => return None,
    };
    if hyphenated && HYPHENS.iter().any(|i| bytes[*i] != b'-') {
        return None;
    }
    let mut hex = bytes
        .iter()
        .enumerate()
        .filter(|(i, _)| !(hyphenated && HYPHENS.contains(i)))
        .map(|(_, b)| {
            char::from(*b)
                .to_digit(16)
                .and_then(|d| u8::try_from(d).ok())
        });
    let mut out = [0u8; 16];
    for slot in &mut out {
        let hi = hex.next()??;
        let lo = hex.next()??;
        *slot = hi << 4 | lo;
    }
    Some(out)
}

/// Appends the UUID in lowercase hyphenated form.
pub(crate) fn format_uuid(out: &mut String, bytes: &[u8]) {
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{b:02x}");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fmt(f: impl Fn(&mut String)) -> String {
        let mut s = String::new();
        f(&mut s);
        s
    }

    #[test]
    fn temporal_text_round_trips() {
        assert_eq!(parse_date("1970-01-02"), Some(1));
        assert_eq!(parse_date("1962-02-18 00:00:00"), Some(-2874));
        assert_eq!(parse_date("1962-02-18 10:00:00"), None);
        assert_eq!(parse_date("2021-02-30"), None);
        let ts = parse_timestamp("2024-02-29T23:59:59.123456").unwrap();
        assert_eq!(
            fmt(|s| format_timestamp(s, ts).unwrap()),
            "2024-02-29 23:59:59.123456"
        );
        assert_eq!(parse_timestamp("2024-02-29 23:59:59.1234560Z"), Some(ts));
        assert_eq!(parse_timestamp("2024-02-29 23:59:59.1234567"), None);
        assert_eq!(parse_timestamp("2024-02-29 10:00+02:00"), None);
        let before = parse_timestamp("1900-01-01 00:00:00.5").unwrap();
        assert_eq!(
            fmt(|s| format_timestamp(s, before).unwrap()),
            "1900-01-01 00:00:00.500000"
        );
        assert_eq!(parse_time("24:00:00"), Some(DAY_MICROS));
        assert_eq!(parse_time("24:00:01"), None);
        assert_eq!(
            fmt(|s| format_time(s, 3_600_000_001).unwrap()),
            "01:00:00.000001"
        );
        let d = parse_duration("-838:59:59.5").unwrap();
        assert_eq!(fmt(|s| format_duration(s, d).unwrap()), "-838:59:59.500000");
        assert!(format_date(&mut String::new(), i32::MAX).is_none());
    }

    #[test]
    fn decimals_and_uuids() {
        assert_eq!(decimal_text("+1.50"), Some("1.50"));
        assert_eq!(decimal_text("-.5"), Some("-.5"));
        assert_eq!(decimal_text("1e5"), None);
        assert_eq!(decimal_text("abc"), None);
        assert_eq!(
            fmt(|s| format_real_decimal(s, 0.99, Some(2)).unwrap()),
            "0.99"
        );
        assert_eq!(
            fmt(|s| format_real_decimal(s, 1e-7, None).unwrap()),
            "0.0000001"
        );
        assert_eq!(fmt(|s| format_int_decimal(s, -3, Some(2))), "-3.00");
        let text = "0123abcd-4567-89ef-0123-456789ABCDEF";
        let bytes = parse_uuid(text).unwrap();
        assert_eq!(fmt(|s| format_uuid(s, &bytes)), text.to_lowercase());
        assert_eq!(parse_uuid("0123abcd456789ef0123456789abcdef"), Some(bytes));
        assert_eq!(parse_uuid("0123abcd-4567-89ef-0123-456789abcdeg"), None);
        let iv = fmt(|s| format_interval(s, 14, -3, 3_723_500_000_000).unwrap());
        assert_eq!(iv, "P14M-3DT3723.500000S");
        assert_eq!(parse_interval(&iv), Some((14, -3, 3_723_500_000_000)));
        assert_eq!(parse_interval("P0M0DT-0.5S"), Some((0, 0, -500_000_000)));
        assert!(format_interval(&mut String::new(), 0, 0, 1).is_none());
    }

    #[test]
    fn durations_span_the_whole_i64_range() {
        for micros in [i64::MAX, -i64::MAX, 3_600_000_000_000_000, 0, -1] {
            let s = fmt(|s| format_duration(s, micros).unwrap());
            assert_eq!(parse_duration(&s), Some(micros), "{s}");
        }
        assert_eq!(
            fmt(|s| format_duration(s, i64::MAX).unwrap()),
            "2562047788:00:54.775807"
        );
        assert_eq!(parse_duration("2562047788:00:54.775808"), None);
        assert_eq!(parse_duration("99999999999999999999:00:00"), None);
        assert!(format_duration(&mut String::new(), i64::MIN).is_none());
    }

    proptest::proptest! {
        #[test]
        fn timestamps_round_trip(micros in -62_135_596_800_000_000i64..=253_402_300_799_999_999) {
            let mut s = String::new();
            format_timestamp(&mut s, micros).unwrap();
            proptest::prop_assert_eq!(parse_timestamp(&s), Some(micros), "{}", s);
        }

        #[test]
        fn dates_times_durations_round_trip(
            days in -719_162i32..=2_932_896,
            time in 0i64..=DAY_MICROS,
            duration in i64::MIN + 1..=i64::MAX,
        ) {
            let mut s = String::new();
            format_date(&mut s, days).unwrap();
            proptest::prop_assert_eq!(parse_date(&s), Some(days));
            s.clear();
            format_time(&mut s, time).unwrap();
            proptest::prop_assert_eq!(parse_time(&s), Some(time));
            s.clear();
            format_duration(&mut s, duration).unwrap();
            proptest::prop_assert_eq!(parse_duration(&s), Some(duration), "{}", s);
        }

        #[test]
        fn intervals_round_trip(months: i32, days: i32, micros in -(i64::MAX / 1000)..=(i64::MAX / 1000)) {
            let mut s = String::new();
            format_interval(&mut s, months, days, micros * 1000).unwrap();
            proptest::prop_assert_eq!(parse_interval(&s), Some((months, days, micros * 1000)), "{}", s);
        }

        #[test]
        fn uuids_round_trip(bytes in proptest::array::uniform16(proptest::num::u8::ANY)) {
            let mut s = String::new();
            format_uuid(&mut s, &bytes);
            proptest::prop_assert_eq!(parse_uuid(&s), Some(bytes));
        }
    }
}
