//! HOURLY, MINUTELY and SECONDLY recurrence rules, iterated the way dateutil does: one period every
//! `INTERVAL` hours/minutes/seconds from DTSTART on the (floating) wall clock; a period yields only on a day
//! that passes BYMONTH/BYMONTHDAY/BYYEARDAY/BYDAY and in an hour/minute/second allowed by BYHOUR/BYMINUTE/
//! BYSECOND; its times are the BYMINUTE × BYSECOND (or BYSECOND) combinations, defaulting to DTSTART's, cut by
//! BYSETPOS; then COUNT and UNTIL. The `rrule` crate leaves the period grid when it skips hours or days for
//! these frequencies, so Baton steps the grid itself (jumping straight over excluded days, hours and minutes).

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rrule::{Frequency, NWeekday, RRule, Unvalidated};

/// Periods examined before giving up on a rule that never yields (dateutil would search to year 9999).
const MAX_PERIODS: usize = 2_000_000;

/// A sub-daily rule ready to iterate.
#[derive(Debug, Clone)]
pub struct Grid {
    freq: Frequency,
    origin: NaiveDateTime,
    step: i64,
    dtstart: NaiveDateTime,
    until: Option<NaiveDateTime>,
    count: Option<u32>,
    months: Vec<u32>,
    monthdays: Vec<i64>,
    yeardays: Vec<i64>,
    weekdays: Vec<u32>,
    hours: Vec<u32>,
    minutes: Vec<u32>,
    seconds: Vec<u32>,
    setpos: Vec<i64>,
}

/// dateutil's `__construct_byset`: values of the frequency's own BY field that the period grid can reach.
fn reachable(start: u32, values: &[u8], interval: i64, base: i64) -> Result<Vec<u32>, String> {
    let g = gcd(interval, base);
    let kept: Vec<u32> = values
        .iter()
        .map(|v| u32::from(*v))
        .filter(|v| g == 1 || (i64::from(*v) - i64::from(start)).rem_euclid(g) == 0)
        .collect();
    if kept.is_empty() {
        return Err("the BYxxx values can never be reached from DTSTART with this INTERVAL".into());
    }
    Ok(kept)
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a.abs()
    } else {
        gcd(b, a % b)
    }
}

fn sorted<T: Copy + Ord>(v: impl Iterator<Item = T>) -> Vec<T> {
    let mut v: Vec<T> = v.collect();
    v.sort_unstable();
    v.dedup();
    v
}

impl Grid {
    /// The grid of a HOURLY/MINUTELY/SECONDLY rule, or `Ok(None)` for other frequencies.
    pub fn new(
        rule: &RRule<Unvalidated>,
        dtstart: NaiveDateTime,
        until: Option<NaiveDateTime>,
    ) -> Result<Option<Grid>, String> {
        let freq = rule.get_freq();
        let unit = match freq {
            Frequency::Hourly => 3600,
            Frequency::Minutely => 60,
            Frequency::Secondly => 1,
            _ => return Ok(None),
        };
        let interval = i64::from(rule.get_interval().max(1));
        let mut hours = sorted(rule.get_by_hour().iter().map(|h| u32::from(*h)));
        let mut minutes = sorted(rule.get_by_minute().iter().map(|m| u32::from(*m)));
        let mut seconds = sorted(rule.get_by_second().iter().map(|s| u32::from(*s)));
        match freq {
            Frequency::Hourly if !hours.is_empty() => {
                hours = reachable(dtstart.hour(), rule.get_by_hour(), interval, 24)?
            }
            Frequency::Minutely if !minutes.is_empty() => {
                minutes = reachable(dtstart.minute(), rule.get_by_minute(), interval, 60)?
            }
            Frequency::Secondly if !seconds.is_empty() => {
                seconds = reachable(dtstart.second(), rule.get_by_second(), interval, 60)?
            }
            _ => {}
        }
        if freq == Frequency::Hourly && minutes.is_empty() {
            minutes = vec![dtstart.minute()];
        }
        if freq != Frequency::Secondly && seconds.is_empty() {
            seconds = vec![dtstart.second()];
        }
        let origin = match freq {
            Frequency::Hourly => dtstart.with_minute(0).and_then(|t| t.with_second(0)),
            Frequency::Minutely => dtstart.with_second(0),
            _ => Some(dtstart),
        }
        .ok_or("invalid DTSTART")?;
        Ok(Some(Grid {
            freq,
            origin,
            step: unit * interval,
            dtstart,
            until,
            count: rule.get_count(),
            months: sorted(rule.get_by_month().iter().map(|m| u32::from(*m))),
            monthdays: sorted(rule.get_by_month_day().iter().map(|d| i64::from(*d))),
            yeardays: sorted(rule.get_by_year_day().iter().map(|d| i64::from(*d))),
            weekdays: sorted(rule.get_by_weekday().iter().map(|w| match w {
                NWeekday::Every(d) | NWeekday::Nth(_, d) => d.num_days_from_monday(),
            })),
            hours,
            minutes,
            seconds,
            setpos: sorted(rule.get_by_set_pos().iter().map(|p| i64::from(*p))),
        }))
    }

    fn day_ok(&self, d: NaiveDate) -> bool {
        let dim = NaiveDate::from_ymd_opt(d.year(), d.month(), 1)
            .and_then(|f| f.checked_add_months(chrono::Months::new(1)))
            .and_then(|n| n.pred_opt())
            .map_or(31, |l| i64::from(l.day()));
        let year_len = if d.leap_year() { 366 } else { 365 };
        let (day, doy) = (i64::from(d.day()), i64::from(d.ordinal()));
        (self.months.is_empty() || self.months.contains(&d.month()))
            && (self.weekdays.is_empty()
                || self.weekdays.contains(&d.weekday().num_days_from_monday()))
            && (self.monthdays.is_empty()
                || self.monthdays.contains(&day)
                || self.monthdays.contains(&(day - dim - 1)))
            && (self.yeardays.is_empty()
                || self.yeardays.contains(&doy)
                || self.yeardays.contains(&(doy - year_len - 1)))
    }

    /// The times of the period starting at `p` (already known to pass the filters), BYSETPOS applied.
    fn period_times(&self, p: NaiveDateTime) -> Vec<NaiveDateTime> {
        let date = p.date();
        let at =
            |h: u32, m: u32, s: u32| NaiveTime::from_hms_opt(h, m, s).map(|t| date.and_time(t));
        let set: Vec<NaiveDateTime> = match self.freq {
            Frequency::Hourly => self
                .minutes
                .iter()
                .flat_map(|m| {
                    self.seconds
                        .iter()
                        .filter_map(move |s| at(p.hour(), *m, *s))
                })
                .collect(),
            Frequency::Minutely => self
                .seconds
                .iter()
                .filter_map(|s| at(p.hour(), p.minute(), *s))
                .collect(),
            _ => vec![p],
        };
        let mut set = sorted(set.into_iter());
        if !self.setpos.is_empty() {
            let n = set.len() as i64;
            let picked = self.setpos.iter().filter_map(|pos| {
                let i = if *pos < 0 { n + pos } else { pos - 1 };
                (0..n).contains(&i).then(|| set[i as usize])
            });
            set = sorted(picked);
        }
        set
    }

    /// The index of the first period starting at or after `t`.
    fn period_at(&self, t: NaiveDateTime) -> i64 {
        let secs = (t - self.origin).num_seconds();
        (secs + self.step - 1).div_euclid(self.step)
    }

    /// Occurrences (floating wall times) in order; with no COUNT, periods before `hint` are skipped.
    pub fn into_iter(self, hint: NaiveDateTime) -> impl Iterator<Item = NaiveDateTime> {
        let mut j = if self.count.is_none() {
            (self.period_at(hint) - 1).max(0)
        } else {
            0
        };
        let mut left = self.count;
        let mut buf: Vec<NaiveDateTime> = Vec::new();
        let mut periods = 0;
        let mut done = false;
        std::iter::from_fn(move || loop {
            if let Some(t) = (!buf.is_empty()).then(|| buf.remove(0)) {
                return Some(t);
            }
            if done || left == Some(0) || periods > MAX_PERIODS {
                return None;
            }
            periods += 1;
            let p = self
                .origin
                .checked_add_signed(Duration::seconds(self.step.checked_mul(j)?))?;
            if p.year() > 9999 || self.until.is_some_and(|u| p > u) {
                return None;
            }
            let next = |t: Option<NaiveDateTime>| t.map(|t| self.period_at(t));
            let skip_to = if !self.day_ok(p.date()) {
                next(p.date().succ_opt().map(|d| d.and_time(NaiveTime::MIN)))
            } else if !self.hours.is_empty() && !self.hours.contains(&p.hour()) {
                next(
                    p.with_minute(0)
                        .and_then(|t| t.with_second(0))
                        .map(|t| t + Duration::hours(1)),
                )
            } else if self.freq != Frequency::Hourly
                && !self.minutes.is_empty()
                && !self.minutes.contains(&p.minute())
            {
                next(p.with_second(0).map(|t| t + Duration::minutes(1)))
            } else if self.freq == Frequency::Secondly
                && !self.seconds.is_empty()
                && !self.seconds.contains(&p.second())
            {
                Some(j + 1)
            } else {
                None
            };
            if let Some(k) = skip_to {
                j = k.max(j + 1);
                continue;
            }
            j += 1;
            for t in self.period_times(p) {
                if t < self.dtstart {
                    continue;
                }
                if self.until.is_some_and(|u| t > u) {
                    done = true;
                    break;
                }
                if let Some(c) = left.as_mut() {
                    if *c == 0 {
                        break;
                    }
                    *c -= 1;
                }
                buf.push(t);
            }
        })
    }
}
