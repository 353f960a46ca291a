//! Interval next times, as Prefect 3.9's `IntervalSchedule` computes them on the server (Python 3.10–3.12,
//! pendulum): anchor + k·interval in the schedule's zone.
//!
//! - An interval of whole days steps in calendar days on the wall clock (a 09:00 schedule stays at 09:00 across
//!   DST); an ambiguous wall time is read as its second occurrence and a skipped one moves forward by the gap,
//!   and that shift then sticks for later occurrences. From an anchor in the past the series is walked day by
//!   day from the anchor; before a future anchor each date is counted back from the anchor.
//! - A shorter interval is absolute (every 3,600 s of real time).
//! - A mixed one (e.g. 1.5 days) jumps near the start in absolute seconds, then steps days and seconds on the
//!   wall clock.
//! - Intervals shorter than a day are absolute instants (see [`absolute`]), as DESIGN §6 asks and as Prefect
//!   does on Python ≥ 3.13; the rest of this note describes longer intervals.
//! - Prefect compares, bounds and de-duplicates these times by their wall-clock reading in the zone (Python's
//!   same-zone datetime semantics), so a sub-daily interval yields no second run for a wall time repeated at
//!   fall-back; Baton reproduces that exactly.

use super::zone::{self, Fold, Gap};
use chrono::{Duration, NaiveDateTime};
use chrono_tz::Tz;
use std::collections::HashSet;

/// Prefect examines at most this many further candidates (`counter > MAX_ITERATIONS`).
const MAX_ITERATIONS: usize = 1000;
/// Safety bound on the walks that position the series at the start (never reached in practice).
const MAX_WALK: usize = 5_000_000;
const DAY_MICROS: i64 = 86_400_000_000;

/// A zoned time as Python holds it: the wall reading (used for comparisons) and the instant.
#[derive(Debug, Clone, Copy)]
struct Py {
    wall: NaiveDateTime,
    utc: NaiveDateTime,
}

struct Series {
    tz: Tz,
    anchor: Py,
    days: i64,
    rest_micros: i64,
    total_secs: f64,
}

fn micros(secs: f64) -> Duration {
    Duration::microseconds((secs * 1e6).round() as i64)
}

impl Series {
    fn at(&self, utc: NaiveDateTime) -> Py {
        Py {
            wall: zone::wall_of(self.tz, utc),
            utc,
        }
    }

    /// pendulum `add` with a calendar part: add on the wall clock, then read the result with `fold=1`.
    fn wall_add(&self, p: Py, days: i64, rest: Duration) -> Option<Py> {
        let wall = p
            .wall
            .checked_add_signed(Duration::days(days))?
            .checked_add_signed(rest)?;
        Some(self.at(zone::resolve(self.tz, wall, Fold::Second, Gap::Forward)))
    }

    /// pendulum `add` with only seconds: absolute.
    fn abs_add(&self, p: Py, d: Duration) -> Option<Py> {
        Some(self.at(p.utc.checked_add_signed(d)?))
    }

    /// The `k`-th time counted from the anchor (Prefect's `_jump`).
    fn jump(&self, k: i64) -> Option<Py> {
        if self.days == 0 || self.rest_micros == 0 {
            if self.days != 0 && k != 0 {
                self.wall_add(self.anchor, self.days.checked_mul(k)?, Duration::zero())
            } else {
                let rest = self.rest_micros as f64 / 1e6;
                self.abs_add(self.anchor, micros(rest * k as f64))
            }
        } else {
            self.abs_add(self.anchor, micros(self.total_secs * k as f64))
        }
    }

    /// One interval later (pendulum `add(days=…, seconds=…)`).
    fn advance(&self, p: Py) -> Option<Py> {
        let rest = Duration::microseconds(self.rest_micros);
        if self.days == 0 {
            self.abs_add(p, rest)
        } else {
            self.wall_add(p, self.days, rest)
        }
    }
}

/// Interval fire times at or after `start` (not after `end`), as UTC naive instants.
pub fn times(
    interval_micros: i64,
    anchor: NaiveDateTime,
    tz: Tz,
    tz_is_utc_name: bool,
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    n: usize,
) -> Vec<NaiveDateTime> {
    walk(interval_micros, anchor, tz, tz_is_utc_name, start, end, n).unwrap_or_default()
}

fn walk(
    interval_micros: i64,
    anchor: NaiveDateTime,
    tz: Tz,
    tz_is_utc_name: bool,
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    n: usize,
) -> Option<Vec<NaiveDateTime>> {
    if n == 0 || interval_micros <= 0 {
        return Some(Vec::new());
    }
    let days = interval_micros / DAY_MICROS;
    if days == 0 {
        return absolute(interval_micros, anchor, start, end, n);
    }
    let s = Series {
        tz,
        anchor: Py {
            wall: zone::wall_of(tz, anchor),
            utc: anchor,
        },
        days,
        rest_micros: interval_micros - days * DAY_MICROS,
        total_secs: interval_micros as f64 / 1e6,
    };
    let start = s.at(start);
    let end = end.map(|e| s.at(e));
    let calendar_days = s.days != 0 && s.rest_micros == 0;
    let mut offset: i64 = 0;
    let mut next;
    if start.wall >= s.anchor.wall && calendar_days && !tz_is_utc_name {
        // Walk from the anchor: a skipped wall time shifts every later occurrence.
        next = s.anchor;
        let mut steps = 0;
        while next.utc < start.utc {
            next = s.wall_add(next, s.days, Duration::zero())?;
            steps += 1;
            if steps > MAX_WALK {
                return None;
            }
        }
    } else {
        let diff = (start.utc - s.anchor.utc).num_microseconds()? as f64 / 1e6;
        offset = (diff / s.total_secs).trunc() as i64;
        next = s.jump(offset)?;
        let mut steps = 0;
        while next.wall > start.wall {
            offset -= 1;
            next = s.jump(offset)?;
            steps += 1;
            if steps > MAX_WALK {
                return None;
            }
        }
    }
    let before_anchor_days = start.wall < s.anchor.wall && calendar_days;
    let step = |p: Py, offset: &mut i64| -> Option<Py> {
        if before_anchor_days && *offset < 0 {
            *offset += 1;
            s.jump(*offset)
        } else {
            s.advance(p)
        }
    };
    let mut steps = 0;
    while next.wall < start.wall {
        next = step(next, &mut offset)?;
        steps += 1;
        if steps > MAX_WALK {
            return None;
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut counter = 0;
    loop {
        if end.is_some_and(|e| next.wall > e.wall) {
            break;
        }
        if seen.insert(next.wall) {
            out.push(next.utc);
        }
        if out.len() >= n || counter > MAX_ITERATIONS {
            break;
        }
        counter += 1;
        match step(next, &mut offset) {
            Some(p) => next = p,
            None => break,
        }
    }
    out.sort();
    Some(out)
}

/// Intervals shorter than a day are absolute (DESIGN §6): `anchor + k·interval` in UTC, every instant kept,
/// so a wall hour repeated at fall-back gets both of its runs.
fn absolute(
    interval_micros: i64,
    anchor: NaiveDateTime,
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    n: usize,
) -> Option<Vec<NaiveDateTime>> {
    let at = |k: i64| -> Option<NaiveDateTime> {
        anchor.checked_add_signed(Duration::microseconds(k.checked_mul(interval_micros)?))
    };
    let mut k = (start - anchor)
        .num_microseconds()?
        .div_euclid(interval_micros);
    while at(k)? < start {
        k += 1;
    }
    let mut out = Vec::new();
    while out.len() < n {
        let t = at(k)?;
        if end.is_some_and(|e| t > e) {
            break;
        }
        out.push(t);
        k += 1;
    }
    Some(out)
}
