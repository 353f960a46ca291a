//! RRule schedules, as Prefect reads them with `dateutil.rrule.rrulestr` and iterates them.
//!
//! - The string: one rule (`FREQ=…`, optionally `RRULE:`-prefixed), or whitespace-separated `DTSTART`,
//!   `RRULE`, `RDATE`, `EXDATE` and `EXRULE` lines; case-insensitive. Without `DTSTART` the rule starts at
//!   2020-01-01T00:00:00, Prefect's anchor.
//! - Zones: Prefect relabels DTSTART, UNTIL, RDATE and EXDATE with the schedule's zone, keeping their wall-clock
//!   digits (a `Z` or `TZID` only matters for dateutil's rule that DTSTART and UNTIL agree on having a zone).
//!   So the rule is iterated on floating wall time (the `rrule` crate, in UTC used as a floating zone) and each
//!   wall time is then read in the zone the way dateutil does: a repeated time is its first occurrence, a skipped
//!   time is read with the offset after the gap (so it lands a gap-length earlier).
//! - `xafter(start, inc=True)`: times before `start` are skipped; at most 1,002 further times are examined;
//!   `end` is inclusive; duplicates are dropped.
//! - Iteration: DAILY and longer rules with the `rrule` crate; HOURLY/MINUTELY/SECONDLY on Baton's own period
//!   grid (`subdaily`), which also jumps straight to `start` when there is no COUNT.
//! - Bounded: the crate gives up after 100,000 periods without a match, the grid after 2,000,000 periods, and
//!   at most 5,000,000 occurrences are walked to reach `start`.

use super::subdaily::Grid;
use super::zone::{self, Fold, Gap};
use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use rrule::{RRule, RRuleSet, Unvalidated};
use std::collections::HashSet;
use std::str::FromStr;

const MAX_ITERATIONS: usize = 1000;
const MAX_WALKED: usize = 5_000_000;

/// A parsed rule string, with every date as floating wall time.
#[derive(Debug, Clone)]
pub struct Recurrence {
    dtstart: NaiveDateTime,
    rules: Vec<Rule>,
    exrules: Vec<Rule>,
    rdates: Vec<NaiveDateTime>,
    exdates: Vec<NaiveDateTime>,
}

#[derive(Debug, Clone)]
struct Rule {
    rule: RRule<Unvalidated>,
    until: Option<NaiveDateTime>,
}

/// Parses an RFC 5545 date or date-time value as dateutil's parser reads these forms: the wall time, and
/// whether it carried a zone (`Z` or an offset).
fn parse_value(v: &str) -> Option<(NaiveDateTime, bool)> {
    let (body, aware) = match v.strip_suffix('Z') {
        Some(b) => (b, true),
        None => (v, false),
    };
    for f in [
        "%Y%m%dT%H%M%S",
        "%Y%m%dT%H%M",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(body, f) {
            return Some((t, aware));
        }
    }
    for f in ["%Y%m%d", "%Y-%m-%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(body, f) {
            return Some((d.and_hms_opt(0, 0, 0)?, aware));
        }
    }
    if !aware {
        for f in [
            "%Y-%m-%dT%H:%M:%S%.f%:z",
            "%Y%m%dT%H%M%S%z",
            "%Y-%m-%dT%H:%M:%S%.f%z",
        ] {
            if let Ok(t) = chrono::DateTime::parse_from_str(v, f) {
                return Some((t.naive_local(), true));
            }
        }
    }
    None
}

/// A DTSTART/EXDATE value list with its parameters (`TZID=…`, `VALUE=DATE[-TIME]`).
fn date_list(
    value: &str,
    params: &[&str],
    original: &str,
) -> Result<Vec<(NaiveDateTime, bool)>, String> {
    let mut zoned = false;
    let mut value_seen = false;
    for p in params {
        if let Some(name) = p.strip_prefix("TZID=") {
            // The zone name keeps the case it was written in.
            let written = original
                .split("TZID=")
                .skip(1)
                .filter_map(|s| s.split(':').next())
                .find(|s| s.eq_ignore_ascii_case(name))
                .unwrap_or(name);
            zoned = written.parse::<Tz>().is_ok();
        } else if *p == "VALUE=DATE-TIME" || *p == "VALUE=DATE" {
            if value_seen {
                return Err(format!("duplicate VALUE parameter: {p}"));
            }
            value_seen = true;
        } else {
            return Err(format!("unsupported parameter: {p}"));
        }
    }
    value
        .split(',')
        .map(|d| {
            let (t, aware) = parse_value(d).ok_or_else(|| format!("invalid date '{d}'"))?;
            if zoned && aware {
                return Err(format!("'{d}' specifies two time zones"));
            }
            Ok((t, aware || zoned))
        })
        .collect()
}

/// One rule's parts; UNTIL is taken out (it is applied as floating wall time) and BYWEEKDAY renamed.
fn parse_rule(value: &str) -> Result<(Rule, Option<(NaiveDateTime, bool)>), String> {
    let value = match value.split_once(':') {
        Some(("RRULE" | "EXRULE", v)) if !v.contains(':') => v,
        Some(_) => return Err(format!("unknown rule line '{value}'")),
        None => value,
    };
    let mut until = None;
    let mut kept = Vec::new();
    for pair in value.split(';') {
        let (name, v) = pair
            .split_once('=')
            .filter(|(_, v)| !v.contains('='))
            .ok_or_else(|| format!("malformed rule part '{pair}'"))?;
        match name {
            "UNTIL" => until = Some(parse_value(v).ok_or_else(|| format!("invalid UNTIL '{v}'"))?),
            "BYEASTER" => return Err("BYEASTER is not supported".into()),
            "BYWEEKDAY" => kept.push(("BYDAY", v)),
            "FREQ" | "INTERVAL" | "COUNT" | "WKST" | "BYSETPOS" | "BYMONTH" | "BYMONTHDAY"
            | "BYYEARDAY" | "BYWEEKNO" | "BYHOUR" | "BYMINUTE" | "BYSECOND" | "BYDAY" => {
                kept.push((name, v))
            }
            other => return Err(format!("unknown rule part '{other}'")),
        }
    }
    if !kept.iter().any(|(n, _)| *n == "FREQ") {
        return Err("FREQ is required".into());
    }
    let text = |skip: &[&str]| {
        kept.iter()
            .filter(|(n, _)| !skip.contains(n))
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(";")
    };
    let rule = RRule::from_str(&text(&[])).map_err(|e| e.to_string())?;
    Ok((Rule { rule, until: None }, until))
}

fn floating(t: NaiveDateTime) -> chrono::DateTime<rrule::Tz> {
    rrule::Tz::UTC.from_utc_datetime(&t)
}

/// Parses and validates a rule string (dateutil's structure; the `rrule` crate checks each rule).
pub fn parse(text: &str) -> Result<Recurrence, String> {
    let upper = text.to_uppercase();
    if upper.trim().is_empty() {
        return Err("empty string".into());
    }
    let lines: Vec<&str> = upper.split_whitespace().collect();
    let mut dtstart: Option<(NaiveDateTime, bool)> = None;
    let (mut rules, mut exrules, mut rdates, mut exdates) = (vec![], vec![], vec![], vec![]);
    if lines.len() == 1 && (!upper.contains(':') || upper.starts_with("RRULE:")) {
        rules.push(lines[0].to_string());
    } else {
        for line in lines {
            let (head, value) = line.split_once(':').unwrap_or(("RRULE", line));
            let mut params: Vec<&str> = head.split(';').collect();
            let name = params.remove(0);
            match name {
                "RRULE" | "EXRULE" if !params.is_empty() => {
                    return Err(format!(
                        "unsupported {name} parameter: {}",
                        params.join(";")
                    ))
                }
                "RRULE" => rules.push(value.to_string()),
                "EXRULE" => exrules.push(value.to_string()),
                "RDATE" => {
                    if let Some(p) = params.iter().find(|p| **p != "VALUE=DATE-TIME") {
                        return Err(format!("unsupported RDATE parameter: {p}"));
                    }
                    for d in value.split(',') {
                        rdates.push(
                            parse_value(d)
                                .ok_or_else(|| format!("invalid RDATE '{d}'"))?
                                .0,
                        );
                    }
                }
                "EXDATE" => {
                    exdates.extend(date_list(value, &params, text)?.into_iter().map(|d| d.0))
                }
                "DTSTART" => match date_list(value, &params, text)?.as_slice() {
                    [one] => dtstart = Some(*one),
                    _ => return Err(format!("multiple DTSTART values: {value}")),
                },
                other => return Err(format!("unsupported property: {other}")),
            }
        }
        let is_set =
            rules.len() > 1 || !rdates.is_empty() || !exrules.is_empty() || !exdates.is_empty();
        if !is_set && rules.is_empty() {
            return Err("no RRULE found".into());
        }
    }
    let default_start = NaiveDate::from_ymd_opt(2020, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let start = match dtstart {
        Some((t, _)) => t.with_nanosecond(0).unwrap_or(t),
        None => default_start.ok_or("no default DTSTART")?,
    };
    let build = |values: Vec<String>| -> Result<Vec<Rule>, String> {
        values
            .iter()
            .map(|v| {
                let (mut rule, until) = parse_rule(v)?;
                if let (Some((_, dt_aware)), Some((_, until_aware))) = (dtstart, until) {
                    if dt_aware != until_aware {
                        return Err("UNTIL must be in UTC when DTSTART has a time zone (and floating when it does not)".into());
                    }
                }
                rule.until = until.map(|u| u.0);
                let mut check = rule.rule.clone();
                if let Some(u) = rule.until.filter(|u| *u >= start) {
                    check = check.until(floating(u));
                }
                check.validate(floating(start)).map_err(|e| e.to_string())?;
                Grid::new(&rule.rule, start, rule.until)?;
                Ok(rule)
            })
            .collect()
    };
    Ok(Recurrence {
        dtstart: start,
        rules: build(rules)?,
        exrules: build(exrules)?,
        rdates,
        exdates,
    })
}

/// The rule's occurrences from `dtstart`, validated against it (`None` for a rule whose UNTIL precedes it).
fn validated(rule: &Rule, dtstart: NaiveDateTime) -> Option<RRule> {
    let mut r = rule.rule.clone();
    if let Some(u) = rule.until {
        if u < dtstart {
            return None;
        }
        r = r.until(floating(u));
    }
    r.validate(floating(dtstart)).ok()
}

/// One rule's occurrences (floating wall times) from `dtstart`; sub-daily rules skip periods before `hint`.
fn occurrences(
    rule: &Rule,
    dtstart: NaiveDateTime,
    hint: NaiveDateTime,
) -> Box<dyn Iterator<Item = NaiveDateTime>> {
    if let Ok(Some(grid)) = Grid::new(&rule.rule, dtstart, rule.until) {
        return Box::new(grid.into_iter(hint));
    }
    match validated(rule, dtstart) {
        Some(valid) => Box::new(
            (&RRuleSet::new(floating(dtstart)).limit().rrule(valid))
                .into_iter()
                .map(|d| d.naive_utc()),
        ),
        None => Box::new(std::iter::empty()),
    }
}

/// dateutil's rruleset: the rules' occurrences and the RDATEs merged in order, without repeats, minus
/// EXDATEs and EXRULE occurrences.
fn walls(r: &Recurrence, hint: NaiveDateTime) -> impl Iterator<Item = NaiveDateTime> {
    let dtstart = r.dtstart;
    let mut rdates = r.rdates.clone();
    rdates.sort();
    let mut sources: Vec<_> = r
        .rules
        .iter()
        .map(|x| occurrences(x, dtstart, hint).peekable())
        .collect();
    sources
        .push((Box::new(rdates.into_iter()) as Box<dyn Iterator<Item = NaiveDateTime>>).peekable());
    let mut excluded: Vec<_> = r
        .exrules
        .iter()
        .map(|x| occurrences(x, dtstart, hint).peekable())
        .collect();
    let exdates: HashSet<NaiveDateTime> = r.exdates.iter().copied().collect();
    let mut last = None;
    std::iter::from_fn(move || loop {
        let (i, _) = sources
            .iter_mut()
            .enumerate()
            .filter_map(|(i, s)| s.peek().map(|w| (i, *w)))
            .min_by_key(|(_, w)| *w)?;
        let wall = sources[i].next()?;
        if last == Some(wall) {
            continue;
        }
        last = Some(wall);
        let mut skip = exdates.contains(&wall);
        for ex in &mut excluded {
            while ex.next_if(|e| *e < wall).is_some() {}
            skip |= ex.peek() == Some(&wall);
        }
        if !skip {
            return Some(wall);
        }
    })
}

/// RRule fire times at or after `start` (not after `end`), as UTC naive instants in firing order.
pub fn times(
    r: &Recurrence,
    tz: Tz,
    start: NaiveDateTime,
    end: Option<NaiveDateTime>,
    n: usize,
) -> Vec<NaiveDateTime> {
    if n == 0 {
        return Vec::new();
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut counter = 0;
    for wall in walls(r, start - Duration::days(2)).take(MAX_WALKED) {
        let utc = zone::resolve(tz, wall, Fold::First, Gap::Backward);
        if utc < start {
            continue;
        }
        if end.is_some_and(|e| utc > e) {
            break;
        }
        if seen.insert(utc) {
            out.push(utc);
        }
        if out.len() >= n || counter > MAX_ITERATIONS {
            break;
        }
        counter += 1;
    }
    out
}
