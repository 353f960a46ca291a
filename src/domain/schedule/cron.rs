//! Cron next times, as Prefect 3.9 computes them: croniter's search on naive wall-clock time in the zone, each
//! wall time read as its first occurrence (a time inside a spring-forward gap moves forward by the gap), a start
//! inside a repeated hour skipping past the repeat, a start just after a gap also collecting the gap's shifted
//! times, instants compared as instants, duplicates dropped, and at most 1,002 candidates examined.
//!
//! The search itself follows croniter: candidates begin at the next whole minute (whole second with a seconds
//! field) after the current point; day-of-month and day-of-week are OR-ed when `day_or` is set and both are
//! restricted (each half searched separately, the earlier wins); `d#n`/`Ld` weekdays replace the weekday test;
//! no match within 50 years ends the series (croniter raises there, so Prefect returns nothing at all).

use super::cron_parse::{CronSpec, Field, Nth};
use super::zone::{self, Fold, Gap};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use chrono_tz::Tz;
use std::collections::HashSet;

/// Prefect's bound on candidates examined per call (`MAX_ITERATIONS + 2`).
const MAX_CANDIDATES: usize = 1002;
/// croniter gives up when the next match is more than this many years away.
const MAX_YEARS_BETWEEN_MATCHES: i32 = 50;
/// Python's datetime stops at year 9999.
const LAST_YEAR: i32 = 9999;

fn days_in_month(d: NaiveDate) -> u32 {
    let (y, m) = (d.year(), d.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(31, |l| l.day())
}

/// croniter's distance from `x` to the next allowed value (wrapping at `range`); `last` stands for `range`.
fn nearest(x: i64, values: &[i64], last: bool, range: i64) -> i64 {
    let mut all = values.iter().copied().chain(last.then_some(range));
    match all.find(|v| *v >= x) {
        Some(v) => v - x,
        None => values.first().copied().unwrap_or(range) - x + range,
    }
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

impl CronSpec {
    /// How far a time field must move to its next allowed value (`None` when it is allowed or `*`).
    fn time_step(&self, field: &Field, x: u32, range: i64, unit: Duration) -> Option<Duration> {
        if field.any {
            return None;
        }
        let diff = nearest(i64::from(x), &field.values, false, range);
        (diff != 0).then(|| unit * diff as i32)
    }

    /// One field test of croniter's search: `Some(None)` when `d` passes, `Some(Some(next))` when the search
    /// must continue from `next`, `None` when it must stop.
    fn step(
        &self,
        d: NaiveDateTime,
        use_dom: bool,
        use_dow: bool,
    ) -> Option<Option<NaiveDateTime>> {
        let date = d.date();
        if !self.years.any {
            let y = i64::from(date.year());
            let target = self.years.values.iter().find(|v| **v >= y)?;
            if *target != y {
                let year = i32::try_from(*target).ok()?;
                return Some(Some(midnight(NaiveDate::from_ymd_opt(year, 1, 1)?)));
            }
        }
        if !self.months.any {
            let diff = nearest(i64::from(date.month()), &self.months.values, false, 12);
            if diff != 0 {
                let total = i64::from(date.year()) * 12 + i64::from(date.month0()) + diff;
                let (y, m) = (
                    i32::try_from(total.div_euclid(12)).ok()?,
                    total.rem_euclid(12) as u32 + 1,
                );
                return Some(Some(midnight(NaiveDate::from_ymd_opt(y, m, 1)?)));
            }
        }
        let days = i64::from(days_in_month(date));
        if use_dom && !self.days.any && !(self.days.last && i64::from(date.day()) == days) {
            let diff = nearest(
                i64::from(date.day()),
                &self.days.values,
                self.days.last,
                days,
            );
            if diff != 0 {
                return Some(Some(midnight(
                    date.checked_add_signed(Duration::days(diff))?,
                )));
            }
        }
        if !self.nth.is_empty() {
            let day = date.day();
            let first_wd = i64::from(date.with_day(1)?.weekday().num_days_from_sunday());
            let mut best: Option<u32> = None;
            for (wd, kinds) in &self.nth {
                let first = (wd - first_wd).rem_euclid(7) as u32 + 1;
                let count = (days as u32 - first) / 7 + 1;
                for k in kinds {
                    let n = match k {
                        Nth::Last => count,
                        Nth::N(n) if *n <= count => *n,
                        Nth::N(_) => continue,
                    };
                    let candidate = first + 7 * (n - 1);
                    if day <= candidate {
                        best = Some(best.map_or(candidate, |b: u32| b.min(candidate)));
                    }
                }
            }
            let diff = match best {
                Some(c) => i64::from(c - day),
                None => days - i64::from(day) + 1,
            };
            if diff != 0 {
                return Some(Some(midnight(
                    date.checked_add_signed(Duration::days(diff))?,
                )));
            }
        } else if use_dow && !self.weekdays.any {
            let wd = i64::from(date.weekday().num_days_from_sunday());
            let diff = nearest(wd, &self.weekdays.values, false, 7);
            if diff != 0 {
                return Some(Some(midnight(
                    date.checked_add_signed(Duration::days(diff))?,
                )));
            }
        }
        // Hour, minute, second: each moves to its next allowed value and zeroes the smaller units.
        let hour = self.time_step(&self.hours, d.hour(), 24, Duration::hours(1));
        let zeroed = |t: NaiveDateTime| t.with_minute(0)?.with_second(0);
        if let Some(diff) = hour {
            return Some(Some(zeroed(d)?.checked_add_signed(diff)?));
        }
        if let Some(diff) = self.time_step(&self.minutes, d.minute(), 60, Duration::minutes(1)) {
            return Some(Some(d.with_second(0)?.checked_add_signed(diff)?));
        }
        if self.fields > 5 {
            if let Some(diff) = self.time_step(&self.seconds, d.second(), 60, Duration::seconds(1))
            {
                return Some(Some(d.checked_add_signed(diff)?));
            }
        }
        Some(None)
    }

    /// One croniter `_calc`: its field-by-field search from `t0`, given up beyond 50 years.
    fn search(&self, t0: NaiveDateTime, use_dom: bool, use_dow: bool) -> Option<NaiveDateTime> {
        let limit = (t0.year() + MAX_YEARS_BETWEEN_MATCHES).min(LAST_YEAR);
        let mut d = t0;
        while d.year() <= limit {
            match self.step(d, use_dom, use_dow)? {
                None => return Some(d),
                Some(next) => d = next,
            }
        }
        None
    }

    /// croniter's `get_next` from the current point `cur` (naive wall time).
    pub fn next_after(&self, cur: NaiveDateTime, day_or: bool) -> Option<NaiveDateTime> {
        let floor = cur.with_nanosecond(0)?;
        let t0 = if self.fields == 5 {
            (floor + Duration::seconds(60)).with_second(0)?
        } else {
            floor + Duration::seconds(1)
        };
        let union = !self.days.any && !self.weekdays.any;
        if union && day_or {
            let by_dom = self.search(t0, true, false)?;
            let by_dow = self.search(t0, false, true)?;
            Some(by_dom.min(by_dow))
        } else {
            self.search(t0, true, true)
        }
    }
}

/// Successive croniter matches after a starting wall time.
struct Walls<'a> {
    spec: &'a CronSpec,
    day_or: bool,
    cur: Option<NaiveDateTime>,
}

impl Iterator for Walls<'_> {
    type Item = NaiveDateTime;
    fn next(&mut self) -> Option<NaiveDateTime> {
        let next = self.spec.next_after(self.cur?, self.day_or);
        self.cur = next;
        next
    }
}

/// Cron fire times at or after `start` (and not after `end`), as UTC naive instants in firing order.
pub fn times(
    spec: &CronSpec,
    day_or: bool,
    tz: Tz,
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    n: usize,
) -> Vec<NaiveDateTime> {
    if n == 0 {
        return Vec::new();
    }
    let wall = zone::wall_of(tz, start);
    let mut start_naive = wall.with_nanosecond(0).unwrap_or(wall) - Duration::seconds(1);
    if wall.nanosecond() > 0 {
        start_naive += Duration::seconds(1);
    }
    let localize = |w: NaiveDateTime| zone::resolve(tz, w, Fold::First, Gap::Forward);
    let transition = zone::transition_before(tz, start + Duration::seconds(1));
    let mut lookback: Vec<NaiveDateTime> = Vec::new();
    if let Some(t) = transition {
        let gap = t.after - t.before;
        let since = (start - t.at).num_microseconds().unwrap_or(i64::MAX);
        let within = |len: i64| since >= 0 && since < len.saturating_mul(1_000_000);
        if gap < 0 && within(-gap) {
            // Start is inside the repeated hour: resume at the end of the repeat.
            start_naive = t.at + Duration::seconds(t.before) - Duration::seconds(1);
        } else if gap > 0 && within(gap) {
            // Start is just after a gap: wall times in the gap land at or after start once shifted.
            let gap_end = t.at + Duration::seconds(t.after);
            let from = start_naive - Duration::seconds(gap);
            lookback = Walls {
                spec,
                day_or,
                cur: Some(from),
            }
            .take_while(|w| *w < gap_end)
            .take(MAX_CANDIDATES)
            .map(localize)
            .collect();
        }
    }
    let mut main = Walls {
        spec,
        day_or,
        cur: Some(start_naive),
    }
    .map(localize)
    .peekable();
    let mut back = lookback.into_iter().peekable();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for _ in 0..MAX_CANDIDATES {
        // heapq.merge: take the smaller head; on a tie the lookback stream goes first.
        let take_back = match (back.peek(), main.peek()) {
            (Some(b), Some(m)) => b <= m,
            (Some(_), None) => true,
            _ => false,
        };
        let next = if take_back { back.next() } else { main.next() };
        let Some(next) = next else { break };
        if end.is_some_and(|e| next > e) {
            break;
        }
        if next >= start && seen.insert(next) {
            out.push(next);
        }
        if out.len() >= n {
            break;
        }
    }
    out
}
