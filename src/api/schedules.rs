//! Schedule JSON (Prefect's `CronSchedule`, `IntervalSchedule` and `RRuleSchedule` objects) and Baton's own
//! `POST /api/baton/schedules/preview`, which answers the next fire times of a schedule with the same
//! computation the scheduler uses.
//!
//! Parsing follows Prefect's models: unknown keys are refused; `interval` is seconds (a number) or a duration
//! string as pydantic reads one (`PT1H`, `P1DT12H`, `P1W`, `1 day, 2:00:00`, `01:30:00`…; a year is 365 days
//! and a month 30); `anchor_date` is an RFC 3339 time (naive means UTC, as in Prefect), a date, or Unix
//! seconds, and defaults to the current time when missing, as Prefect's `now()` default does; an interval
//! without a timezone gets "UTC", an rrule without one gets "UTC", a cron keeps none; `day_or` defaults to true.

use super::error::{ApiError, ApiResult, ObjectBody};
use super::AppState;
use crate::domain::schedule::Schedule;
use crate::domain::schedule::{next_times, ScheduleError};
use crate::domain::time::{self, Ts};
use crate::wire::dashboard::{SchedulePreview, SchedulePreviewRequest};
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// The most times a preview returns.
const MAX_COUNT: u64 = 1000;

fn bad(path: &str, detail: impl std::fmt::Display) -> ApiError {
    ApiError::invalid(format!("{path}: {detail}"))
}

/// Reads a Prefect schedule object; a missing `anchor_date` means now.
pub fn parse_schedule(v: &Value, path: &str) -> ApiResult<Schedule> {
    parse_schedule_at(v, path, time::micros(Utc::now()))
}

/// Reads a Prefect schedule object, with `now` as the default `anchor_date`.
pub fn parse_schedule_at(v: &Value, path: &str, now: Ts) -> ApiResult<Schedule> {
    let o = v.as_object().ok_or_else(|| {
        bad(
            path,
            "must be a schedule object ({\"cron\": …}, {\"interval\": …} or {\"rrule\": …})",
        )
    })?;
    let kinds: Vec<&str> = ["cron", "interval", "rrule"]
        .into_iter()
        .filter(|k| o.contains_key(*k))
        .collect();
    let (kind, allowed): (&str, &[&str]) = match kinds.as_slice() {
        ["cron"] => ("cron", &["cron", "timezone", "day_or"]),
        ["interval"] => ("interval", &["interval", "anchor_date", "timezone"]),
        ["rrule"] => ("rrule", &["rrule", "timezone"]),
        [] => return Err(bad(path, "must have one of 'cron', 'interval' or 'rrule'")),
        _ => {
            return Err(bad(
                path,
                format!("has both {}: a schedule is one kind", kinds.join(" and ")),
            ))
        }
    };
    if let Some(k) = o.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad(
            &format!("{path}.{k}"),
            format!(
                "unknown field (a {kind} schedule allows {})",
                allowed.join(", ")
            ),
        ));
    }
    let field = |k: &str| format!("{path}.{k}");
    let timezone = match o.get("timezone") {
        None => match kind {
            "cron" => None,
            _ => Some("UTC".to_string()),
        },
        Some(Value::Null) => (kind == "interval").then(|| "UTC".to_string()),
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(bad(
                &field("timezone"),
                "must be a string (an IANA zone name) or null",
            ))
        }
    };
    let schedule = match kind {
        "cron" => Schedule::Cron {
            cron: match o.get("cron") {
                Some(Value::String(s)) => s.clone(),
                _ => return Err(bad(&field("cron"), "must be a string")),
            },
            timezone,
            day_or: match o.get("day_or") {
                None => true,
                Some(v) => lax_bool(v).ok_or_else(|| bad(&field("day_or"), "must be a boolean"))?,
            },
        },
        "interval" => Schedule::Interval {
            interval: match o.get("interval") {
                Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
                Some(Value::String(s)) => duration_seconds(s).ok_or_else(|| {
                    bad(
                        &field("interval"),
                        format!("'{s}' is not a duration (seconds, or e.g. 'PT1H')"),
                    )
                })?,
                _ => {
                    return Err(bad(
                        &field("interval"),
                        "must be a number of seconds or a duration string",
                    ))
                }
            },
            anchor_date: match o.get("anchor_date") {
                None | Some(Value::Null) => now,
                Some(v) => anchor(v).ok_or_else(|| {
                    bad(
                        &field("anchor_date"),
                        format!("{v} is not a valid datetime"),
                    )
                })?,
            },
            timezone,
        },
        _ => Schedule::RRule {
            rrule: match o.get("rrule") {
                Some(Value::String(s)) => s.clone(),
                _ => return Err(bad(&field("rrule"), "must be a string")),
            },
            timezone,
        },
    };
    schedule.validate().map_err(|e| {
        let key = match &e {
            ScheduleError::InvalidCron { .. } => "cron",
            ScheduleError::UnknownTimezone(_) => "timezone",
            ScheduleError::InvalidRRule { .. } => "rrule",
            ScheduleError::NonPositiveInterval(_) | ScheduleError::IntervalTooLarge(_) => {
                "interval"
            }
            ScheduleError::AnchorOutOfRange => "anchor_date",
        };
        bad(&field(key), e)
    })?;
    Ok(schedule)
}

/// pydantic's lax booleans.
fn lax_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => {
            let x = n.as_f64()?;
            if x == 0.0 {
                Some(false)
            } else if x == 1.0 {
                Some(true)
            } else {
                None
            }
        }
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "1" | "on" | "t" | "true" | "y" | "yes" => Some(true),
            "0" | "off" | "f" | "false" | "n" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn anchor(v: &Value) -> Option<Ts> {
    let from_secs =
        |x: f64| DateTime::from_timestamp_micros((x * 1e6).round() as i64).map(time::micros);
    match v {
        Value::Number(n) => from_secs(n.as_f64()?),
        Value::String(s) => time::parse(s).or_else(|| from_secs(s.trim().parse::<f64>().ok()?)),
        _ => None,
    }
}

/// Seconds in one `<number><unit>` run of an ISO 8601 duration part.
fn iso_part(text: &str, units: &[(char, f64)]) -> Option<f64> {
    let mut total = 0.0;
    let mut num = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let (_, secs) = units.iter().find(|(u, _)| *u == c)?;
        total += num.parse::<f64>().ok()? * secs;
        num.clear();
    }
    num.is_empty().then_some(total)
}

/// A duration string as pydantic accepts it, in seconds (negative values come back negative).
fn duration_seconds(s: &str) -> Option<f64> {
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, s.strip_prefix('+').unwrap_or(s)),
    };
    if let Some(iso) = body.strip_prefix('P') {
        let (date, clock) = iso.split_once('T').unwrap_or((iso, ""));
        if date.is_empty() && clock.is_empty() {
            return None;
        }
        let d = 86_400.0;
        let days = iso_part(
            date,
            &[('Y', 365.0 * d), ('M', 30.0 * d), ('W', 7.0 * d), ('D', d)],
        )?;
        let secs = iso_part(clock, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
        return Some(sign * (days + secs));
    }
    let (days, clock) = match body.split_once('d') {
        Some((n, rest)) => {
            let rest = rest
                .strip_prefix("ays")
                .or_else(|| rest.strip_prefix("ay"))
                .unwrap_or(rest);
            let rest = rest.trim_start_matches(',').trim_start();
            (n.trim_end().parse::<f64>().ok()?, rest)
        }
        None => (0.0, body),
    };
    let mut secs = 0.0;
    if !clock.is_empty() {
        let parts: Vec<&str> = clock.split(':').collect();
        let [h, m, sec] = parts.as_slice() else {
            return None;
        };
        let (h, m, sec): (u64, u64, f64) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
        if m >= 60 || !(0.0..60.0).contains(&sec) || parts[1].len() != 2 {
            return None;
        }
        secs = h as f64 * 3600.0 + (m * 60) as f64 + sec;
    }
    Some(sign * (days * 86_400.0 + secs))
}

/// RFC 3339 the way Prefect writes its datetimes: `Z`, fraction only when there is one.
fn prefect_time(t: Ts) -> String {
    t.to_rfc3339_opts(seconds_format(t.timestamp_subsec_nanos()), true)
}

/// Whole seconds, or microseconds when there is a fraction (Python's `isoformat`).
fn seconds_format(nanos: u32) -> SecondsFormat {
    if nanos == 0 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Micros
    }
}

/// The JSON Prefect returns for a schedule.
pub fn schedule_json(s: &Schedule) -> Value {
    match s {
        Schedule::Cron {
            cron,
            timezone,
            day_or,
        } => json!({"cron": cron, "timezone": timezone, "day_or": day_or}),
        Schedule::Interval {
            interval,
            anchor_date,
            timezone,
        } => {
            json!({"interval": interval, "anchor_date": prefect_time(*anchor_date), "timezone": timezone})
        }
        Schedule::RRule { rrule, timezone } => json!({"rrule": rrule, "timezone": timezone}),
    }
}

/// `POST /api/baton/schedules/preview` `{"schedule", "start"?, "end"?, "count"?}` → `{"times": […]}`: the
/// next `count` (default 10, at most 1000) fire times at or after `start` (default now) and not after `end`,
/// each in the schedule's zone with its offset.
pub async fn preview(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<SchedulePreviewRequest>,
) -> ApiResult<Json<SchedulePreview>> {
    let now = s.clock.now();
    let schedule = parse_schedule_at(&b.schedule, "schedule", now)?;
    let when = |key: &str, t: Option<String>| -> ApiResult<Option<Ts>> {
        t.map(|t| time::parse(&t).ok_or_else(|| bad(key, format!("'{t}' is not a valid datetime"))))
            .transpose()
    };
    let start = when("start", b.start)?.unwrap_or(now);
    let end = when("end", b.end)?;
    let count = match b.count {
        None => 10,
        Some(c) if (1..=MAX_COUNT).contains(&c) => c,
        Some(_) => {
            return Err(bad(
                "count",
                format!("must be an integer from 1 to {MAX_COUNT}"),
            ))
        }
    };
    let times =
        next_times(&schedule, start, end, count as usize).map_err(|e| bad("schedule", e))?;
    let times: Vec<String> = times
        .iter()
        .map(|t| t.to_rfc3339_opts(seconds_format(t.timestamp_subsec_nanos()), false))
        .collect();
    Ok(Json(SchedulePreview { times }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Ts {
        time::parse("2026-01-01T00:00:00Z").unwrap()
    }

    #[test]
    fn durations_as_pydantic_reads_them() {
        for (s, want) in [
            ("PT1H", 3600.0),
            ("P1DT12H", 129_600.0),
            ("P1W", 604_800.0),
            ("P1M", 2_592_000.0),
            ("PT0.5S", 0.5),
            ("1 day, 1:00:00", 90_000.0),
            ("2 days 3:00:00", 183_600.0),
            ("1d", 86_400.0),
            ("01:02:03", 3723.0),
            ("-PT1H", -3600.0),
        ] {
            assert_eq!(duration_seconds(s), Some(want), "{s}");
        }
        for s in ["PT", "P", "3600", "pt1h", "1:2:3.5", "0:60:00"] {
            assert_eq!(duration_seconds(s), None, "{s}");
        }
    }

    #[test]
    fn schedules_round_trip_in_prefect_shape() {
        let v = json!({"interval": "PT15M", "anchor_date": "2024-01-01T00:00:00.5Z"});
        let s = parse_schedule_at(&v, "schedule", now()).unwrap();
        assert_eq!(
            schedule_json(&s),
            json!({"interval": 900.0, "anchor_date": "2024-01-01T00:00:00.500000Z", "timezone": "UTC"})
        );
        let s = parse_schedule_at(&json!({"interval": 60}), "s", now()).unwrap();
        assert_eq!(schedule_json(&s)["anchor_date"], "2026-01-01T00:00:00Z");
        let s = parse_schedule_at(&json!({"cron": "0 9 * * *", "day_or": "false"}), "s", now())
            .unwrap();
        assert_eq!(
            schedule_json(&s),
            json!({"cron": "0 9 * * *", "timezone": null, "day_or": false})
        );
        let s = parse_schedule_at(&json!({"rrule": "FREQ=DAILY"}), "s", now()).unwrap();
        assert_eq!(
            schedule_json(&s),
            json!({"rrule": "FREQ=DAILY", "timezone": "UTC"})
        );
    }

    #[test]
    fn errors_name_the_field() {
        let err = |v: Value| {
            parse_schedule_at(&v, "schedules[0].schedule", now())
                .unwrap_err()
                .detail
        };
        assert!(err(json!({"cron": "0 0 * *"}))
            .starts_with("schedules[0].schedule.cron: invalid cron expression"));
        assert!(err(json!({"cron": "* * * * *", "timezone": "X/Y"}))
            .contains(".timezone: unknown timezone 'X/Y'"));
        assert!(err(json!({"interval": -1})).contains(".interval: interval must be positive"));
        assert!(err(json!({"interval": 60, "anchor_date": "soon"})).contains(".anchor_date:"));
        assert!(err(json!({"rrule": "FREQ=DAILY", "every": 1})).contains(".every: unknown field"));
        assert!(err(json!({"cron": "* * * * *", "rrule": "FREQ=DAILY"})).contains("one kind"));
        assert!(err(json!(5)).contains("must be a schedule object"));
    }
}
