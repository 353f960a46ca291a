//! Cron next times, as Prefect 3.9 computes them: croniter's search on naive wall-clock time in the zone, each
//! wall time read as its first occurrence (a time inside a spring-forward gap moves forward by the gap), a start
//! inside a repeated hour skipping past the repeat, a start just after a gap also collecting the gap's shifted
//! times, instants compared as instants, duplicates dropped, and at most 1,002 candidates examined.
//!
//! The search itself follows croniter: candidates begin at the next whole minute (whole second with a seconds
//! field) after the current point; day-of-month and day-of-week are OR-ed when `day_or` is set and both are
//! restricted (each half searched separately, the earlier wins); `d#n`/`Ld` weekdays replace the weekday test;
//! no match within 50 years ends the series (croniter raises there, so Prefect returns nothing at all).

use super::cron_parse::{CronSpec, Nth};
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

impl CronSpec {
    fn nth_matches(&self, d: NaiveDate) -> bool {
        let wd = i64::from(d.weekday().num_days_from_sunday());
        self.nth.get(&wd).is_some_and(|kinds| {
            let occurrence = (d.day() - 1) / 7 + 1;
            let last = d.day() + 7 > days_in_month(d);
            kinds
                .iter()
                .any(|k| *k == Nth::N(occurrence) || (*k == Nth::Last && last))
        })
    }

    /// The day test of one croniter search; `use_dom`/`use_dow` say which day fields take part.
    fn day_matches(&self, d: NaiveDate, use_dom: bool, use_dow: bool) -> bool {
        let dom = !use_dom
            || self.days.has(i64::from(d.day()))
            || (self.days.last && d.day() == days_in_month(d));
        let dow = if !self.nth.is_empty() {
            self.nth_matches(d)
        } else {
            !use_dow
                || self
                    .weekdays
                    .has(i64::from(d.weekday().num_days_from_sunday()))
        };
        dom && dow
    }

    /// The first time of day at or after `from` allowed by the hour, minute and second fields.
    fn first_time(&self, from: NaiveTime) -> Option<NaiveTime> {
        for h in from.hour()..24 {
            if !self.hours.has(i64::from(h)) {
                continue;
            }
            let m0 = if h == from.hour() { from.minute() } else { 0 };
            for m in m0..60 {
                if !self.minutes.has(i64::from(m)) {
                    continue;
                }
                let s0 = if h == from.hour() && m == from.minute() {
                    from.second()
                } else {
                    0
                };
                if let Some(s) = (s0..60).find(|s| self.seconds.has(i64::from(*s))) {
                    return NaiveTime::from_hms_opt(h, m, s);
                }
            }
        }
        None
    }

    /// One croniter `_calc`: the first match at or after `t0` within the 50-year window.
    fn search(&self, t0: NaiveDateTime, use_dom: bool, use_dow: bool) -> Option<NaiveDateTime> {
        let limit = (t0.year() + MAX_YEARS_BETWEEN_MATCHES).min(LAST_YEAR);
        let mut day = t0.date();
        let mut from = t0.time();
        while day.year() <= limit {
            let year_ok = self.years.has(i64::from(day.year()));
            if !year_ok || !self.months.has(i64::from(day.month())) {
                day = if year_ok {
                    NaiveDate::from_ymd_opt(day.year(), day.month(), 1)? + Duration::days(32)
                } else {
                    NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)?
                }
                .with_day(1)?;
                from = NaiveTime::MIN;
                continue;
            }
            if self.day_matches(day, use_dom, use_dow) {
                if let Some(t) = self.first_time(from) {
                    return Some(day.and_time(t));
                }
            }
            day = day.succ_opt()?;
            from = NaiveTime::MIN;
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
