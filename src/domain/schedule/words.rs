//! Schedules in words for people: `every day at 02:00 Europe/Berlin`, `every 10 minutes`. Common cron
//! shapes get a sentence; anything else is shown as the expression itself, never a wrong sentence.

use super::Schedule;

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// One sentence describing when a schedule fires, ending with its time zone.
pub fn describe(s: &Schedule) -> String {
    match s {
        Schedule::Cron { cron, timezone, .. } => {
            let tz = zone(timezone);
            match cron_words(cron) {
                Some(w) => format!("{w} {tz}"),
                None => format!("cron {} {tz}", cron.trim()),
            }
        }
        Schedule::Interval {
            interval, timezone, ..
        } => {
            let every = every(*interval);
            if *interval >= 86_400.0 {
                format!("{every} {}", zone(timezone))
            } else {
                every
            }
        }
        Schedule::RRule { rrule, timezone } => format!("rrule {} {}", rrule.trim(), zone(timezone)),
    }
}

fn zone(tz: &Option<String>) -> &str {
    tz.as_deref().filter(|t| !t.is_empty()).unwrap_or("UTC")
}

fn plural(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("every {unit}")
    } else {
        format!("every {n} {unit}s")
    }
}

/// `every 10 minutes`, `every 2 hours`, `every day`, `every 90 seconds`.
fn every(secs: f64) -> String {
    if secs.fract() != 0.0 || secs < 1.0 {
        return format!("every {secs} seconds");
    }
    let s = secs as u64;
    for (size, unit) in [
        (604_800, "week"),
        (86_400, "day"),
        (3600, "hour"),
        (60, "minute"),
    ] {
        if s.is_multiple_of(size) {
            return plural(s / size, unit);
        }
    }
    plural(s, "second")
}

fn num(field: &str, max: u32) -> Option<u32> {
    field.parse::<u32>().ok().filter(|n| *n <= max)
}

fn list(field: &str, max: u32) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in field.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a, max)?, num(b, max)?);
                if a > b {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(num(part, max)?),
        }
    }
    Some(out)
}

fn and_join(items: Vec<String>) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

fn step(field: &str) -> Option<u32> {
    field.strip_prefix("*/")?.parse().ok().filter(|n| *n > 0)
}

/// Words for the five-field shapes people write most; None for anything else.
fn cron_words(expr: &str) -> Option<String> {
    let f: Vec<&str> = expr.split_whitespace().collect();
    let [min, hour, dom, month, dow] = f.as_slice() else {
        return None;
    };
    let time_part = match (*min, *hour) {
        ("*", "*") => "every minute".to_string(),
        (m, "*") if step(m).is_some() => plural(u64::from(step(m)?), "minute"),
        (m, "*") => format!("every hour at minute {}", num(m, 59)?),
        (m, h) if step(h).is_some() => format!(
            "{} at minute {}",
            plural(u64::from(step(h)?), "hour"),
            num(m, 59)?
        ),
        (m, h) => {
            let m = num(m, 59)?;
            let hours = list(h, 23)?;
            let times = hours.iter().map(|h| format!("{h:02}:{m:02}")).collect();
            format!("at {}", and_join(times))
        }
    };
    // (phrase before an "at HH:MM", phrase after an "every N minutes")
    let days: Option<(String, String)> = match (*dom, *dow) {
        ("*", "*") => None,
        ("*", "1-5") => Some(("every weekday".into(), "on weekdays".into())),
        ("*", d) => {
            let names = and_join(
                list(&d.replace('7', "0"), 6)?
                    .iter()
                    .map(|i| DAYS[*i as usize].to_string())
                    .collect(),
            );
            Some((format!("every {names}"), format!("on {names}")))
        }
        (m, "*") => {
            let m = list(m, 31)?;
            if m.contains(&0) {
                return None;
            }
            let days = and_join(m.iter().map(|d| d.to_string()).collect());
            let p = format!("on day {days} of the month");
            Some((p.clone(), p))
        }
        _ => return None,
    };
    let at = time_part.starts_with("at ");
    let sentence = match days {
        None if at => format!("every day {time_part}"),
        None => time_part,
        Some((before, _)) if at => format!("{before} {time_part}"),
        Some((_, after)) => format!("{time_part}, {after}"),
    };
    with_month(sentence, month)
}

fn with_month(sentence: String, month: &str) -> Option<String> {
    if month == "*" {
        return Some(sentence);
    }
    let months = list(month, 12)?;
    if months.contains(&0) {
        return None;
    }
    let names = months
        .iter()
        .map(|m| MONTHS[*m as usize - 1].to_string())
        .collect();
    Some(format!("{sentence}, in {}", and_join(names)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time;

    fn cron(c: &str, tz: Option<&str>) -> String {
        describe(&Schedule::Cron {
            cron: c.into(),
            timezone: tz.map(Into::into),
            day_or: true,
        })
    }

    #[test]
    fn cron_shapes_in_words() {
        assert_eq!(
            cron("0 2 * * *", Some("Europe/Berlin")),
            "every day at 02:00 Europe/Berlin"
        );
        assert_eq!(cron("* * * * *", None), "every minute UTC");
        assert_eq!(cron("*/5 * * * *", None), "every 5 minutes UTC");
        assert_eq!(cron("15 * * * *", None), "every hour at minute 15 UTC");
        assert_eq!(cron("0 */2 * * *", None), "every 2 hours at minute 0 UTC");
        assert_eq!(
            cron("30 9,17 * * *", None),
            "every day at 09:30 and 17:30 UTC"
        );
        assert_eq!(cron("0 9 * * 1", None), "every Monday at 09:00 UTC");
        assert_eq!(
            cron("*/10 * * * 0", None),
            "every 10 minutes, on Sunday UTC"
        );
        assert_eq!(cron("0 9 * * 1-5", None), "every weekday at 09:00 UTC");
        assert_eq!(
            cron("0 9 * * 1,3,5", None),
            "every Monday, Wednesday and Friday at 09:00 UTC"
        );
        assert_eq!(
            cron("0 0 1 * *", None),
            "on day 1 of the month at 00:00 UTC"
        );
        assert_eq!(
            cron("0 0 1 1 *", None),
            "on day 1 of the month at 00:00, in January UTC"
        );
    }

    #[test]
    fn unusual_cron_is_shown_as_is() {
        assert_eq!(cron("0 0 L * *", None), "cron 0 0 L * * UTC");
        assert_eq!(cron("0 0 1 * 1", None), "cron 0 0 1 * 1 UTC");
        assert_eq!(cron("0 0 * * * 5", None), "cron 0 0 * * * 5 UTC");
        assert_eq!(cron("0 25 * * *", None), "cron 0 25 * * * UTC");
    }

    #[test]
    fn intervals_in_words() {
        let i = |secs: f64, tz: Option<&str>| {
            describe(&Schedule::Interval {
                interval: secs,
                anchor_date: time::parse("2026-01-01T00:00:00Z").unwrap(),
                timezone: tz.map(Into::into),
            })
        };
        assert_eq!(i(600.0, None), "every 10 minutes");
        assert_eq!(i(3600.0, None), "every hour");
        assert_eq!(i(90.0, None), "every 90 seconds");
        assert_eq!(
            i(86_400.0, Some("America/New_York")),
            "every day America/New_York"
        );
        assert_eq!(i(0.5, None), "every 0.5 seconds");
    }
}
