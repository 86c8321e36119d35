//! ISO 8601 timestamps (as JSON servers and IRC's server-time send them) to epoch milliseconds,
//! and back (IRC's `CHATHISTORY BEFORE timestamp=`).

/// `2023-11-14T22:13:20Z`, with optional fraction and `±HH:MM` offset, to milliseconds since
/// the Unix epoch; `None` for anything else.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0.0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        // Up to nanoseconds; more digits cannot matter to a chat's clock. Integers only: the
        // float parser is 14 KB of the wasm module.
        let kept = &fraction[..digits.min(9)];
        millis = kept.parse::<u32>().ok()? as f64 * 1000.0 / 10f64.powi(kept.len() as i32);
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        "" | "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hm = rest[1..].replace(':', "");
            if hm.len() != 4 || !hm.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            sign * (hm[..2].parse::<i64>().ok()? * 60 + hm[2..].parse::<i64>().ok()?)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds as f64 * 1000.0 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Milliseconds since the Unix epoch as `2023-11-14T22:13:20.123Z` (UTC); times before 1970 or
/// not numbers as the epoch. Integer arithmetic only (no float formatting in the module).
pub fn format_iso8601(ms: f64) -> String {
    let ms = if ms.is_finite() && ms > 0.0 { ms as i64 } else { 0 };
    let (days, in_day) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    // Howard Hinnant's days-to-civil, for the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let (hour, minute, second, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1_000 % 60, in_day % 1_000);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_common_shapes() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_iso8601("2023-11-14T22:13:20Z"), Some(1.7e12));
        assert_eq!(parse_iso8601("2023-11-14T22:13:20.123Z"), Some(1_700_000_000_123.0));
        assert_eq!(parse_iso8601("2023-11-15T00:13:20+02:00"), Some(1.7e12));
        assert_eq!(parse_iso8601("2023-11-14T22:13:20"), Some(1.7e12));
        assert_eq!(parse_iso8601("2000-02-29T00:00:00Z"), Some(951_782_400_000.0));
        assert_eq!(parse_iso8601("1970-01-01T00:00:00.5Z"), Some(500.0));
        // Beyond nanoseconds the digits are dropped, not overflowed.
        assert_eq!(parse_iso8601("1970-01-01T00:00:01.000250999999999Z"), Some(1000.250999));
    }

    #[test]
    fn rejects_the_rest() {
        for bad in [
            "",
            "yesterday",
            "2023-13-01T00:00:00Z",
            "2023-11-14",
            "2023-11-14T25:00:00Z",
            "2023-11-14T22:13:20.Z",
            "2023-11-14T22:13:20+2",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_what_it_parses() {
        for text in [
            "1970-01-01T00:00:00.000Z",
            "2000-02-29T23:59:59.999Z",
            "2023-11-14T22:13:20.123Z",
            "2100-03-01T00:00:00.000Z",
        ] {
            let ms = parse_iso8601(text).expect(text);
            assert_eq!(format_iso8601(ms), text);
        }
        assert_eq!(format_iso8601(f64::NAN), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_iso8601(-5.0), "1970-01-01T00:00:00.000Z");
    }
}
