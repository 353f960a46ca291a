//! Reading command-line values: `k=v` pairs whose values are JSON when they parse as JSON and strings
//! otherwise, `--params` objects, durations (`10m`, `1h30m`, `90`), times (`2026-01-02 03:04`, RFC 3339,
//! `14:30` today) and schedule flags (`--cron` / `--interval` / `--rrule` with `--timezone`).

use anyhow::{anyhow, bail, Context};
use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde_json::{json, Map, Value};

/// A value from the command line: JSON when it parses, else the text itself.
pub fn loose_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// `k=v` pairs (later pairs win) over the object `base` (from `--params`).
pub fn key_values(
    base: Option<&str>,
    pairs: &[String],
    what: &str,
) -> anyhow::Result<Map<String, Value>> {
    let mut out = match base {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => bail!("--{what}s must be a JSON object, like '{{\"day\": \"2026-01-01\"}}'"),
            Err(e) => bail!("--{what}s is not valid JSON: {e}"),
        },
    };
    for p in pairs {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| anyhow!("--{what} {p:?} must look like key=value"))?;
        let k = k.trim();
        if k.is_empty() {
            bail!("--{what} {p:?} has an empty key");
        }
        out.insert(k.to_string(), loose_value(v));
    }
    Ok(out)
}

/// Seconds in `90`, `90s`, `10m`, `1h30m`, `2d`, `1w`.
pub fn duration_secs(text: &str) -> anyhow::Result<f64> {
    let t = text.trim();
    if let Ok(n) = t.parse::<f64>() {
        if n.is_finite() && n >= 0.0 {
            return Ok(n);
        }
    }
    let mut total = 0.0;
    let mut num = String::new();
    let mut any = false;
    for c in t.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let unit = match c {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86_400.0,
            'w' => 604_800.0,
            ' ' if num.is_empty() => continue,
            _ => bail!("'{text}' is not a duration (try 30s, 10m, 1h30m or 2d)"),
        };
        let n: f64 = num
            .parse()
            .map_err(|_| anyhow!("'{text}' is not a duration (try 30s, 10m, 1h30m or 2d)"))?;
        total += n * unit;
        num.clear();
        any = true;
    }
    if !num.is_empty() || !any {
        bail!("'{text}' is not a duration (try 30s, 10m, 1h30m or 2d)");
    }
    Ok(total)
}

/// A time given by a person: RFC 3339, `YYYY-MM-DD[ HH:MM[:SS]]` or `HH:MM[:SS]` (local time; a bare time
/// means its next occurrence).
pub fn parse_when(text: &str, now: DateTime<Utc>) -> anyhow::Result<DateTime<Utc>> {
    parse_when_in(text, now, &Local)
}

/// Like [`parse_when`], with times without an offset read in `zone`.
pub fn parse_when_in<Z: TimeZone>(
    text: &str,
    now: DateTime<Utc>,
    zone: &Z,
) -> anyhow::Result<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    let local = |n: NaiveDateTime| -> anyhow::Result<DateTime<Utc>> {
        zone.from_local_datetime(&n)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| anyhow!("'{text}' does not exist in that time zone"))
    };
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return local(n);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return local(d.and_time(NaiveTime::MIN));
    }
    for f in ["%H:%M:%S", "%H:%M"] {
        if let Ok(clock) = NaiveTime::parse_from_str(t, f) {
            let today = now.with_timezone(zone).date_naive();
            let at = local(today.and_time(clock))?;
            return Ok(if at < now {
                local((today + chrono::Days::new(1)).and_time(clock))?
            } else {
                at
            });
        }
    }
    bail!("'{text}' is not a time (try 2026-01-02 14:30, 14:30 or an RFC 3339 time)")
}

/// The schedule flags shared by `deploy` and `schedule create`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ScheduleFlags {
    /// A cron expression, e.g. "0 2 * * *".
    #[arg(long, conflicts_with_all = ["interval", "rrule"])]
    pub cron: Option<String>,
    /// An interval in seconds (or 10m, 1h, 1d).
    #[arg(long, conflicts_with = "rrule")]
    pub interval: Option<String>,
    /// An RFC 5545 recurrence rule, e.g. "FREQ=WEEKLY;BYDAY=MO".
    #[arg(long)]
    pub rrule: Option<String>,
    /// The IANA time zone of the schedule, e.g. Europe/Berlin (default UTC).
    #[arg(long)]
    pub timezone: Option<String>,
    /// When an interval starts counting (default now).
    #[arg(long)]
    pub anchor_date: Option<String>,
}

impl ScheduleFlags {
    /// The Prefect schedule object the flags describe, if any.
    pub fn schedule(&self) -> anyhow::Result<Option<Value>> {
        if let Some(tz) = &self.timezone {
            tz.parse::<chrono_tz::Tz>().map_err(|_| {
                anyhow!("unknown time zone '{tz}'; use an IANA name like Europe/Berlin or America/New_York")
            })?;
        }
        let tz = self.timezone.clone();
        Ok(if let Some(cron) = &self.cron {
            Some(json!({"cron": cron, "timezone": tz, "day_or": true}))
        } else if let Some(iv) = &self.interval {
            let secs = duration_secs(iv).context("--interval")?;
            if secs <= 0.0 {
                bail!("--interval must be more than 0 seconds");
            }
            let mut s = json!({"interval": secs, "timezone": tz.unwrap_or_else(|| "UTC".into())});
            if let Some(a) = &self.anchor_date {
                let at = parse_when(a, Utc::now()).context("--anchor-date")?;
                s["anchor_date"] = json!(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            }
            Some(s)
        } else {
            self.rrule
                .as_ref()
                .map(|r| json!({"rrule": r, "timezone": tz.unwrap_or_else(|| "UTC".into())}))
        })
    }
}

/// A schedule entry of a deployment (`{schedule, active, ...}`).
pub fn schedule_entry(schedule: Value, active: bool) -> Value {
    json!({"schedule": schedule, "active": active, "max_scheduled_runs": null, "parameters": {}, "slug": null})
}

/// A schedule in words: `cron 0 2 * * * (Europe/Berlin)`, `every 10m`, `rrule FREQ=DAILY`.
pub fn describe_schedule(s: &Value) -> String {
    let tz = s
        .get("timezone")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty() && *t != "UTC")
        .map(|t| format!(" ({t})"))
        .unwrap_or_default();
    if let Some(c) = s.get("cron").and_then(Value::as_str) {
        format!("cron {c}{tz}")
    } else if let Some(i) = s.get("interval").and_then(Value::as_f64) {
        format!("every {}{tz}", crate::output::human_duration(i))
    } else if let Some(r) = s.get("rrule").and_then(Value::as_str) {
        format!("rrule {r}{tz}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_json_when_they_parse() {
        let m = key_values(
            Some(r#"{"a": 1, "b": 2}"#),
            &[
                "b=3".into(),
                "c=hello".into(),
                "d=[1,2]".into(),
                "e=".into(),
            ],
            "param",
        )
        .unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"a": 1, "b": 3, "c": "hello", "d": [1, 2], "e": ""})
        );
        assert!(key_values(None, &["novalue".into()], "param").is_err());
        assert!(key_values(Some("[1]"), &[], "param").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(duration_secs("90").unwrap(), 90.0);
        assert_eq!(duration_secs("10m").unwrap(), 600.0);
        assert_eq!(duration_secs("1h30m").unwrap(), 5400.0);
        assert_eq!(duration_secs("2d").unwrap(), 172_800.0);
        assert!(duration_secs("soon").is_err());
        assert!(duration_secs("10x").is_err());
        assert!(duration_secs("").is_err());
    }

    #[test]
    fn times() {
        let now = Utc::now();
        let t = parse_when("2024-03-10T07:00:00Z", now).unwrap();
        assert_eq!(t.to_rfc3339(), "2024-03-10T07:00:00+00:00");
        assert!(parse_when("2024-03-10 07:00", now).is_ok());
        assert!(parse_when("2024-03-10", now).is_ok());
        assert!(parse_when("07:00", now).unwrap() >= now);
        assert!(parse_when("tomorrowish", now).is_err());
    }

    #[test]
    fn schedule_flags() {
        let f = ScheduleFlags {
            cron: Some("0 2 * * *".into()),
            timezone: Some("Europe/Berlin".into()),
            ..Default::default()
        };
        assert_eq!(
            f.schedule().unwrap(),
            Some(json!({"cron": "0 2 * * *", "timezone": "Europe/Berlin", "day_or": true}))
        );
        let f = ScheduleFlags {
            interval: Some("10m".into()),
            ..Default::default()
        };
        assert_eq!(f.schedule().unwrap().unwrap()["interval"], json!(600.0));
        let f = ScheduleFlags {
            cron: Some("* * * * *".into()),
            timezone: Some("Mars/Olympus".into()),
            ..Default::default()
        };
        assert!(f.schedule().is_err());
        assert_eq!(
            describe_schedule(&json!({"interval": 600.0, "timezone": "UTC"})),
            "every 10m"
        );
    }
}
