//! Time helpers: Baton's timestamps are UTC with microsecond precision, written as RFC 3339 with `Z`.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, SubsecRound, Utc};

/// A point in time, always UTC and truncated to microseconds.
pub type Ts = DateTime<Utc>;

/// Truncates to microseconds, the precision Baton stores and Prefect emits.
pub fn micros(ts: Ts) -> Ts {
    ts.trunc_subsecs(6)
}

/// Formats as `2026-11-22T11:40:06.084511Z` (always six fractional digits, so text order is time order).
/// Written digit by digit: every stored row and every answer carries several timestamps, and chrono's
/// general formatter was a tenth of the writer's time creating scheduled runs.
pub fn format(ts: Ts) -> String {
    use chrono::{Datelike, Timelike};
    let (year, nanos) = (ts.year(), ts.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        // Outside four-digit years, or a leap second: chrono's own (rare) form.
        return ts.to_rfc3339_opts(SecondsFormat::Micros, true);
    }
    let mut out = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut n: u32| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    };
    put(0, 4, year.unsigned_abs());
    put(5, 2, ts.month());
    put(8, 2, ts.day());
    put(11, 2, ts.hour());
    put(14, 2, ts.minute());
    put(17, 2, ts.second());
    put(20, 6, nanos / 1_000);
    // Every byte is an ASCII digit or separator.
    std::str::from_utf8(&out).unwrap_or_default().to_owned()
}

/// Parses the forms Prefect clients send: `T` or space separator, any offset or `Z`, optional fraction;
/// a time without an offset is taken as UTC.
pub fn parse(text: &str) -> Option<Ts> {
    parse_any(text).filter(|t| (1..=9999).contains(&chrono::Datelike::year(t)))
}

fn parse_any(text: &str) -> Option<Ts> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(micros(t.with_timezone(&Utc)));
    }
    let with_t = text.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&with_t) {
        return Some(micros(t.with_timezone(&Utc)));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(&with_t, fmt) {
            return Some(micros(t.with_timezone(&Utc)));
        }
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&with_t, fmt) {
            return Some(micros(t.and_utc()));
        }
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    None
}

/// The latest time Baton reads or writes (the last instant of year 9999): "no upper bound" in a time query.
pub fn latest() -> Ts {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_micro_opt(23, 59, 59, 999_999))
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.and_utc())
}

/// Seconds between two instants as a float (negative when `b` is before `a`).
pub fn seconds_between(a: Ts, b: Ts) -> f64 {
    (b - a).num_microseconds().unwrap_or(0) as f64 / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_client_forms() {
        let want = "2026-11-22T11:40:06.084511Z";
        for s in [
            "2026-11-22 11:40:06.084511+00:00",
            "2026-11-22T11:40:06.084511Z",
            "2026-11-22T12:40:06.084511+01:00",
            "2026-11-22T11:40:06.084511",
        ] {
            assert_eq!(format(parse(s).unwrap()), want, "{s}");
        }
        assert_eq!(
            format(parse("2026-11-22T11:40:06Z").unwrap()),
            "2026-11-22T11:40:06.000000Z"
        );
        assert!(parse("yesterday").is_none());
        assert!(parse("2026-13-01T00:00:00Z").is_none());
        assert!(
            parse("+262143-06-01T00:00:00+00:00").is_none(),
            "years beyond 9999 are refused"
        );
    }

    #[test]
    fn formats_like_chrono() {
        for s in [
            "2026-11-22T11:40:06.084511Z",
            "0001-01-01T00:00:00.000000Z",
            "9999-12-31T23:59:59.999999Z",
            "2024-02-29T07:05:09.000001Z",
        ] {
            let t = parse(s).unwrap();
            assert_eq!(format(t), t.to_rfc3339_opts(SecondsFormat::Micros, true));
            assert_eq!(format(t), s);
        }
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_micro_opt(23, 59, 59, 1_500_000))
            .unwrap()
            .and_utc();
        assert_eq!(format(leap), "2016-12-31T23:59:60.500000Z");
    }

    #[test]
    fn truncates_to_micros() {
        let t = parse("2026-01-01T00:00:00.123456789Z").unwrap();
        assert_eq!(format(t), "2026-01-01T00:00:00.123456Z");
    }
}
