//! Deployment schedules and their fire times, computed exactly as Prefect 3.9's server computes them (its
//! `CronSchedule`, `IntervalSchedule` and `RRuleSchedule.get_dates`), so a deployment moved from Prefect to Baton
//! fires at the same instants, DST included.
//!
//! Pure: callers pass the start instant; nothing reads the clock. Every loop is bounded: a schedule that never
//! fires returns no times, quickly.
//!
//! Decisions where Prefect's behaviour is not a time list (details in the submodules):
//! - cron: croniter's 6th field (seconds, at the end) and 7th (year) are supported like croniter; `W` and
//!   random/hashed (`R`/`H`) fields are rejected, as Prefect does (Prefect lets `R/5`-style random fields
//!   through; Baton does not, their times are random by design). Where croniter finds no further match within
//!   50 years Prefect's call fails; Baton returns the times found before that point.
//! - interval: a missing timezone is "UTC", as Prefect infers it from a JSON anchor (done by the API layer).
//! - rrule: `EXRULE` is supported; `BYEASTER` and a few rule combinations the `rrule` crate refuses (e.g.
//!   `BYWEEKNO` outside `FREQ=YEARLY`, `INTERVAL` above 65,535) are rejected. Reachability of an HOURLY
//!   BYHOUR (MINUTELY BYMINUTE, SECONDLY BYSECOND) is checked against DTSTART or the 2020 default, where
//!   Prefect's validator uses the current time. After 2037 dateutil stops applying DST (it ignores the zone
//!   file's rule for later years); Baton keeps applying the zone's rules there.

mod cron;
mod cron_parse;
mod interval;
mod recurrence;
mod subdaily;
mod words;
mod zone;

#[cfg(test)]
mod tests_cron;
#[cfg(test)]
mod tests_cron_table;
#[cfg(test)]
mod tests_other;

use crate::domain::time::Ts;
use chrono::{DateTime, NaiveDate, TimeZone};
use chrono_tz::Tz;

pub use words::describe;
pub use zone::parse_zone;

/// A schedule as Prefect models it.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// A cron expression (croniter dialect), read on the wall clock of `timezone` (UTC when none).
    Cron {
        cron: String,
        timezone: Option<String>,
        /// True: day-of-month OR day-of-week (when both are restricted); false: AND.
        day_or: bool,
    },
    /// `anchor_date + k × interval` (seconds); whole days follow the wall clock of `timezone`.
    Interval {
        interval: f64,
        anchor_date: Ts,
        timezone: Option<String>,
    },
    /// An RFC 5545 recurrence (dateutil's reading), relabelled into `timezone` (UTC when none).
    RRule {
        rrule: String,
        timezone: Option<String>,
    },
}

/// Why a schedule is not valid.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("invalid cron expression '{expr}': {reason}")]
    InvalidCron { expr: String, reason: String },
    #[error("unknown timezone '{0}' (use an IANA name such as 'America/New_York')")]
    UnknownTimezone(String),
    #[error("invalid rrule '{rrule}': {reason}")]
    InvalidRRule { rrule: String, reason: String },
    #[error("interval must be positive (got {0} seconds)")]
    NonPositiveInterval(f64),
    #[error("interval of {0} seconds is too large")]
    IntervalTooLarge(f64),
    #[error("anchor_date must be between years 1 and 9999")]
    AnchorOutOfRange,
}

/// The longest interval Python's `timedelta` holds (999,999,999 days), in seconds.
const MAX_INTERVAL_SECS: f64 = 86_399_999_999_999.0;

fn interval_micros(interval: f64) -> Result<i64, ScheduleError> {
    if interval.is_nan() || interval <= 0.0 {
        return Err(ScheduleError::NonPositiveInterval(interval));
    }
    if interval > MAX_INTERVAL_SECS {
        return Err(ScheduleError::IntervalTooLarge(interval));
    }
    let micros = (interval * 1e6).round() as i64;
    if micros <= 0 {
        return Err(ScheduleError::NonPositiveInterval(interval));
    }
    Ok(micros)
}

fn anchor_in_range(anchor: Ts) -> Result<(), ScheduleError> {
    let lo = NaiveDate::from_ymd_opt(1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let hi = NaiveDate::from_ymd_opt(10_000, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    match (lo, hi) {
        (Some(lo), Some(hi)) if anchor.naive_utc() >= lo && anchor.naive_utc() < hi => Ok(()),
        _ => Err(ScheduleError::AnchorOutOfRange),
    }
}

impl Schedule {
    /// The zone name, if any.
    pub fn timezone(&self) -> Option<&str> {
        match self {
            Schedule::Cron { timezone, .. }
            | Schedule::Interval { timezone, .. }
            | Schedule::RRule { timezone, .. } => timezone.as_deref(),
        }
    }

    /// The zone the times are computed and reported in (UTC when none).
    pub fn zone(&self) -> Result<Tz, ScheduleError> {
        parse_zone(self.timezone())
    }

    /// Checks the schedule the way Prefect validates it when a schedule is created.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        self.zone()?;
        match self {
            Schedule::Cron { cron, .. } => {
                cron_parse::parse(cron)
                    .map(|_| ())
                    .map_err(|reason| ScheduleError::InvalidCron {
                        expr: cron.clone(),
                        reason,
                    })
            }
            Schedule::Interval {
                interval,
                anchor_date,
                ..
            } => {
                interval_micros(*interval)?;
                anchor_in_range(*anchor_date)
            }
            Schedule::RRule { rrule, .. } => {
                recurrence::parse(rrule)
                    .map(|_| ())
                    .map_err(|reason| ScheduleError::InvalidRRule {
                        rrule: rrule.clone(),
                        reason,
                    })
            }
        }
    }
}

/// The first `n` fire times at or after `start` (inclusive) and, when `end` is given, not after `end`
/// (inclusive, as Prefect), as instants in the schedule's zone, earliest first.
pub fn next_times(
    s: &Schedule,
    start: Ts,
    end: Option<Ts>,
    n: usize,
) -> Result<Vec<DateTime<Tz>>, ScheduleError> {
    s.validate()?;
    let tz = s.zone()?;
    let (from, until) = (start.naive_utc(), end.map(|e| e.naive_utc()));
    let mut times = match s {
        Schedule::Cron { cron, day_or, .. } => {
            let spec = cron_parse::parse(cron).map_err(|reason| ScheduleError::InvalidCron {
                expr: cron.clone(),
                reason,
            })?;
            cron::times(&spec, *day_or, tz, from, until, n)
        }
        Schedule::Interval {
            interval,
            anchor_date,
            timezone,
        } => {
            let utc_name = matches!(timezone.as_deref(), None | Some("") | Some("UTC"));
            let micros = interval_micros(*interval)?;
            interval::times(
                micros,
                anchor_date.naive_utc(),
                tz,
                utc_name,
                from,
                until,
                n,
            )
        }
        Schedule::RRule { rrule, .. } => {
            let r = recurrence::parse(rrule).map_err(|reason| ScheduleError::InvalidRRule {
                rrule: rrule.clone(),
                reason,
            })?;
            recurrence::times(&r, tz, from, until, n)
        }
    };
    times.sort();
    Ok(times
        .into_iter()
        .map(|t| tz.from_utc_datetime(&t))
        .collect())
}
