//! Time-zone helpers for schedules: parsing IANA names, finding the transition around an instant, and turning a
//! wall-clock time into an instant under the three gap/fold policies Prefect's date libraries use.
//!
//! All arithmetic is on naive date-times: a "wall" is local civil time in the zone, a "utc" is the instant as a
//! naive UTC date-time. chrono-tz knows offsets but not transitions, so transitions are found by bisection over
//! a window of ±26 hours (no zone has two transitions that close together).

use super::ScheduleError;
use chrono::{Duration, LocalResult, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

/// Half-width of the window searched for a transition next to a time.
const WINDOW: Duration = Duration::hours(26);

/// The zone named by a schedule; no name or an empty one means UTC, as in Prefect.
pub fn parse_zone(name: Option<&str>) -> Result<Tz, ScheduleError> {
    match name {
        None | Some("") => Ok(Tz::UTC),
        Some(n) => n
            .parse::<Tz>()
            .map_err(|_| ScheduleError::UnknownTimezone(n.to_string())),
    }
}

/// UTC offset in seconds in force at an instant.
pub fn offset_at(tz: Tz, utc: NaiveDateTime) -> i64 {
    i64::from(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc())
}

/// The wall time of an instant.
pub fn wall_of(tz: Tz, utc: NaiveDateTime) -> NaiveDateTime {
    utc + Duration::seconds(offset_at(tz, utc))
}

/// A change of offset: the first instant of the new offset, and the offsets before and after (seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub at: NaiveDateTime,
    pub before: i64,
    pub after: i64,
}

/// The transition in `(lo, hi]` if the offset differs at the two ends (bisection over whole seconds, where
/// transitions fall).
fn transition_between(tz: Tz, lo: NaiveDateTime, hi: NaiveDateTime) -> Option<Transition> {
    let before = offset_at(tz, lo);
    if before == offset_at(tz, hi) {
        return None;
    }
    let hi_ceil = i64::from(hi.and_utc().timestamp_subsec_nanos() > 0);
    let (mut lo, mut hi) = (lo.and_utc().timestamp(), hi.and_utc().timestamp() + hi_ceil);
    let at = |s: i64| chrono::DateTime::from_timestamp(s, 0).map(|t| t.naive_utc());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset_at(tz, at(mid)?) == before {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let at = at(hi)?;
    Some(Transition {
        at,
        before,
        after: offset_at(tz, at),
    })
}

/// The latest transition at or before `utc`, if one happened within the last 26 hours.
pub fn transition_before(tz: Tz, utc: NaiveDateTime) -> Option<Transition> {
    transition_between(tz, utc.checked_sub_signed(WINDOW)?, utc)
}

/// Offsets just before and just after the gap that swallows the wall time `wall`.
fn gap_offsets(tz: Tz, wall: NaiveDateTime) -> (i64, i64) {
    let around = wall
        .checked_sub_signed(WINDOW)
        .zip(wall.checked_add_signed(WINDOW))
        .and_then(|(lo, hi)| transition_between(tz, lo, hi));
    match around {
        Some(t) => (t.before, t.after),
        None => {
            let o = offset_at(tz, wall);
            (o, o)
        }
    }
}

/// Which instant an ambiguous (repeated) wall time means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    /// The first occurrence (Python `fold=0`).
    First,
    /// The second occurrence (Python `fold=1`, what pendulum's calendar arithmetic produces).
    Second,
}

/// Which instant a skipped wall time (inside a spring-forward gap) means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// Read with the offset before the gap: the time moves forward by the gap (zoneinfo, whenever, pendulum).
    Forward,
    /// Read with the offset after the gap: the time moves back by the gap (dateutil's tzfile).
    Backward,
}

/// The instant (naive UTC) a wall time denotes under a fold and gap policy.
pub fn resolve(tz: Tz, wall: NaiveDateTime, fold: Fold, gap: Gap) -> NaiveDateTime {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(t) => t.naive_utc(),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.naive_utc(), b.naive_utc());
            match fold {
                Fold::First => a.min(b),
                Fold::Second => a.max(b),
            }
        }
        LocalResult::None => {
            let (before, after) = gap_offsets(tz, wall);
            let used = match gap {
                Gap::Forward => before,
                Gap::Backward => after,
            };
            wall - Duration::seconds(used)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|x| x.and_hms_opt(h, mi, 0))
            .unwrap()
    }

    #[test]
    fn finds_transitions_and_resolves_both_policies() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let t = transition_before(ny, at(2024, 3, 10, 8, 0)).unwrap();
        assert_eq!(t.at, at(2024, 3, 10, 7, 0));
        assert_eq!((t.before, t.after), (-5 * 3600, -4 * 3600));
        let gap = at(2024, 3, 10, 2, 30);
        assert_eq!(
            resolve(ny, gap, Fold::First, Gap::Forward),
            at(2024, 3, 10, 7, 30)
        );
        assert_eq!(
            resolve(ny, gap, Fold::First, Gap::Backward),
            at(2024, 3, 10, 6, 30)
        );
        let fold = at(2024, 11, 3, 1, 30);
        assert_eq!(
            resolve(ny, fold, Fold::First, Gap::Forward),
            at(2024, 11, 3, 5, 30)
        );
        assert_eq!(
            resolve(ny, fold, Fold::Second, Gap::Forward),
            at(2024, 11, 3, 6, 30)
        );
        assert!(transition_before(ny, at(2024, 6, 1, 0, 0)).is_none());
    }

    #[test]
    fn zone_names() {
        assert_eq!(parse_zone(None).unwrap(), Tz::UTC);
        assert_eq!(parse_zone(Some("")).unwrap(), Tz::UTC);
        assert!(parse_zone(Some("Europe/Berlin")).is_ok());
        assert_eq!(
            parse_zone(Some("utc")),
            Err(ScheduleError::UnknownTimezone("utc".into()))
        );
    }
}
