//! MySQL date/time text ⇄ Arrow integers, by hand: the reader parses the text
//! protocol's `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.ffffff]` and `[-]HHH:MM:SS[.ffffff]`
//! without chrono or allocation; the writer prints the same forms into a reused buffer.
//!
//! Dates use the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
//! Zero dates (`0000-00-00`, or a zero month/day) have no calendar value and are refused.

pub(crate) const MICROS_PER_SECOND: i64 = 1_000_000;
pub(crate) const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of days since 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Fixed-width ASCII digits → number.
fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// `.ffffff` (1 to 6 digits, possibly absent) → microseconds.
fn fraction(s: &[u8]) -> Option<i64> {
    match s.split_first() {
        None => Some(0),
        Some((b'.', f)) if !f.is_empty() && f.len() <= 6 => {
            let v = digits(f)?;
            Some(v * 10i64.pow(u32::try_from(6 - f.len()).ok()?))
        }
        _ => None,
    }
}

fn date_days(s: &[u8]) -> Option<i64> {
    if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    civil_days(digits(&s[..4])?, digits(&s[5..7])?, digits(&s[8..10])?)
}

/// Days since 1970-01-01 of year `y`, month `m`, day `d`, or `None` when
/// that is no calendar date: month 0 or day 0 (zero dates, partial dates),
/// year 0, or a day past the month's end.
pub(crate) fn civil_days(y: i64, m: i64, d: i64) -> Option<i64> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let max_day = *month_days.get(usize::try_from(m - 1).ok()?)?;
    (y >= 1 && (1..=max_day).contains(&d)).then(|| days_from_civil(y, m, d))
}

/// `YYYY-MM-DD` → days since 1970-01-01.
pub(crate) fn parse_date(s: &[u8]) -> Option<i32> {
    i32::try_from(date_days(s)?).ok()
}

/// `YYYY-MM-DD HH:MM:SS[.ffffff]` → microseconds since 1970-01-01 00:00:00.
pub(crate) fn parse_datetime(s: &[u8]) -> Option<i64> {
    if s.len() < 19 || s[10] != b' ' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    let days = date_days(&s[..10])?;
    let (h, mi, se) = (
        digits(&s[11..13])?,
        digits(&s[14..16])?,
        digits(&s[17..19])?,
    );
    Some(days * MICROS_PER_DAY + time_of_day(h, mi, se, fraction(&s[19..])?)?)
}

/// Microseconds since midnight of a time of day, or `None` past 23:59:59.999999.
pub(crate) fn time_of_day(h: i64, mi: i64, s: i64, micros: i64) -> Option<i64> {
    ((0..=23).contains(&h)
        && (0..=59).contains(&mi)
        && (0..=59).contains(&s)
        && (0..MICROS_PER_SECOND).contains(&micros))
    .then(|| ((h * 60 + mi) * 60 + s) * MICROS_PER_SECOND + micros)
}

/// Microseconds since 1970-01-01 00:00:00 of a calendar date and a time of
/// day, or `None` when either is not a valid one ([`civil_days`], [`time_of_day`]).
pub(crate) fn datetime_micros(date: (i64, i64, i64), time: (i64, i64, i64, i64)) -> Option<i64> {
    let (y, m, d) = date;
    let (h, mi, s, micros) = time;
    Some(civil_days(y, m, d)? * MICROS_PER_DAY + time_of_day(h, mi, s, micros)?)
}

/// `[-]H..H:MM:SS[.ffffff]` (MySQL TIME, −838:59:59 to 838:59:59) → signed microseconds.
pub(crate) fn parse_duration(s: &[u8]) -> Option<i64> {
    let (negative, body) = match s.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, s),
    };
    let first_colon = body.iter().position(|&c| c == b':')?;
    let rest = body.get(first_colon + 1..)?;
    if rest.len() < 5 || rest[2] != b':' {
        return None;
    }
    let (h, mi, se) = (
        digits(&body[..first_colon])?,
        digits(&rest[..2])?,
        digits(&rest[3..5])?,
    );
    if mi > 59 || se > 59 || first_colon > 4 {
        return None;
    }
    let magnitude = ((h * 60 + mi) * 60 + se) * MICROS_PER_SECOND + fraction(&rest[5..])?;
    Some(if negative { -magnitude } else { magnitude })
}

/// Appends `n` as at least `width` zero-padded digits (n ≥ 0).
fn push_padded(out: &mut Vec<u8>, n: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut pos = buf.len();
    let mut v = n.unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + u8::try_from(v % 10).unwrap_or(0);
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let len = buf.len() - pos;
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(len)));
    out.extend_from_slice(&buf[pos..]);
}

/// Appends `.ffffff` when `micros` (0..1_000_000) is not zero.
fn push_fraction(out: &mut Vec<u8>, micros: i64) {
    if micros != 0 {
        out.push(b'.');
        push_padded(out, micros, 6);
    }
}

/// Appends `YYYY-MM-DD`. Returns false for years MySQL cannot spell (outside 0..=9999).
pub(crate) fn push_date(out: &mut Vec<u8>, days: i64) -> bool {
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return false;
    }
    push_padded(out, y, 4);
    out.push(b'-');
    push_padded(out, m, 2);
    out.push(b'-');
    push_padded(out, d, 2);
    true
}

/// Appends `YYYY-MM-DD HH:MM:SS[.ffffff]`. Returns false when out of MySQL's range.
pub(crate) fn push_datetime(out: &mut Vec<u8>, micros: i64) -> bool {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let in_day = micros.rem_euclid(MICROS_PER_DAY);
    if !push_date(out, days) {
        return false;
    }
    let secs = in_day / MICROS_PER_SECOND;
    out.push(b' ');
    push_padded(out, secs / 3600, 2);
    out.push(b':');
    push_padded(out, secs / 60 % 60, 2);
    out.push(b':');
    push_padded(out, secs % 60, 2);
    push_fraction(out, in_day % MICROS_PER_SECOND);
    true
}

/// Appends a YEAR as four digits: LOAD DATA reads the text `0` as 2000, `0000` as year 0.
pub(crate) fn push_year(out: &mut Vec<u8>, year: i16) {
    if year < 0 {
        out.push(b'-');
    }
    push_padded(out, i64::from(year).abs(), 4);
}

/// Appends `[-]HH:MM:SS[.ffffff]` (hours may exceed 24, as MySQL TIME allows).
pub(crate) fn push_duration(out: &mut Vec<u8>, micros: i64) {
    if micros < 0 {
        out.push(b'-');
    }
    let m = i64::try_from(micros.unsigned_abs()).unwrap_or(i64::MAX);
    let secs = m / MICROS_PER_SECOND;
    push_padded(out, secs / 3600, 2);
    out.push(b':');
    push_padded(out, secs / 60 % 60, 2);
    out.push(b':');
    push_padded(out, secs % 60, 2);
    push_fraction(out, m % MICROS_PER_SECOND);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for (text, days) in [
            ("1970-01-01", 0),
            ("1000-01-01", -354_285),
            ("9999-12-31", 2_932_896),
            ("2000-02-29", 11_016),
        ] {
            assert_eq!(parse_date(text.as_bytes()), Some(days), "{text}");
            let mut out = Vec::new();
            assert!(push_date(&mut out, i64::from(days)));
            assert_eq!(out, text.as_bytes());
        }
        for zero in ["0000-00-00", "2020-00-10", "2020-01-00", "2021-02-29"] {
            assert_eq!(parse_date(zero.as_bytes()), None, "{zero}");
        }
    }

    #[test]
    fn datetimes_with_microseconds() {
        assert_eq!(parse_datetime(b"1970-01-01 00:00:00.000001"), Some(1));
        assert_eq!(parse_datetime(b"1969-12-31 23:59:59.5"), Some(-500_000));
        assert_eq!(
            parse_datetime(b"2024-02-29 23:59:59.999999"),
            Some(1_709_251_199_999_999)
        );
        assert_eq!(parse_datetime(b"0000-00-00 00:00:00"), None);
        let mut out = Vec::new();
        assert!(push_datetime(&mut out, -500_000));
        assert_eq!(out, b"1969-12-31 23:59:59.500000");
    }

    #[test]
    fn durations_beyond_a_day_and_negative() {
        let cases: [(&str, i64); 6] = [
            ("838:59:59", 3_020_399_000_000),
            ("-838:59:59.000000", -3_020_399_000_000),
            ("25:00:00", 90_000_000_000),
            ("-00:00:01", -1_000_000),
            ("-00:00:00.500000", -500_000),
            ("00:00:00.000001", 1),
        ];
        for (text, micros) in cases {
            assert_eq!(parse_duration(text.as_bytes()), Some(micros), "{text}");
            let mut out = Vec::new();
            push_duration(&mut out, micros);
            assert_eq!(
                parse_duration(&out),
                Some(micros),
                "{}",
                String::from_utf8_lossy(&out)
            );
        }
        assert_eq!(parse_duration(b"12:61:00"), None);
    }
}
