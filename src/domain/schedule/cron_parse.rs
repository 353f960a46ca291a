//! Parsing cron expressions in croniter's dialect, the one Prefect validates and iterates with: 5 fields
//! (minute hour day-of-month month day-of-week), or 6 (plus seconds at the end) or 7 (plus a year, 1970–2099);
//! `@hourly`/`@daily`/`@midnight`/`@weekly`/`@monthly`/`@yearly`/`@annually`; names; lists, ranges and
//! steps (`a-b/n`, `*/n`, `a/n`); ranges that wrap (`FRI-MON`, `22-2`) and the croniter rule that `a-a` means
//! the whole field; `L` (last day of month) in the day field; `Ld` (the last weekday d of the month, croniter's
//! spelling: `5L` is not accepted) and `d#n` (n-th weekday, 1–5) in day-of-week; `?` in the day fields. `W` is
//! not part of the dialect, and random/hashed (`R`, `H`) expressions are refused, as Prefect does.

use std::collections::BTreeMap;

const MINUTE: usize = 0;
const DAY: usize = 2;
const MONTH: usize = 3;
const DOW: usize = 4;
const RANGES: [(i64, i64); 7] = [
    (0, 59),
    (0, 23),
    (1, 31),
    (1, 12),
    (0, 6),
    (0, 59),
    (1970, 2099),
];
const LEN_MEANS_ALL: [usize; 7] = [60, 24, 31, 12, 7, 60, 130];
const NAMES: [&str; 7] = [
    "minute",
    "hour",
    "day-of-month",
    "month",
    "day-of-week",
    "second",
    "year",
];
const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// One field after expansion: `*` (any value), or a set of values; `last` is the day field's `L`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Field {
    pub any: bool,
    pub values: Vec<i64>,
    pub last: bool,
}

impl Field {
    fn star() -> Field {
        Field {
            any: true,
            ..Field::default()
        }
    }
}

/// Which occurrence of a weekday in its month: 1–5, or the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Nth {
    N(u32),
    Last,
}

/// A parsed expression. `seconds` is `[0]` for 5-field expressions; `years` is `*` unless there are 7 fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSpec {
    pub fields: usize,
    pub minutes: Field,
    pub hours: Field,
    pub days: Field,
    pub months: Field,
    pub weekdays: Field,
    pub seconds: Field,
    pub years: Field,
    /// `d#n` and `Ld` entries by weekday (0 = Sunday); when present they replace the day-of-week test.
    pub nth: BTreeMap<i64, Vec<Nth>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Star,
    Last,
    Num(i64),
}

fn alias(expr: &str) -> Option<&'static str> {
    Some(match expr {
        "@midnight" | "@daily" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        "@weekly" => "0 0 * * 0",
        "@monthly" => "0 0 1 * *",
        "@yearly" | "@annually" => "0 0 1 1 *",
        _ => return None,
    })
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn number(s: &str, idx: usize) -> Result<i64, String> {
    s.parse::<i64>()
        .map_err(|_| format!("{} value '{s}' is out of range", NAMES[idx]))
}

/// croniter's name table per field: `l` in the day field, month and weekday names.
fn name_value(idx: usize, key: &str) -> Result<Tok, String> {
    let pos = |list: &[&str]| list.iter().position(|n| *n == key);
    let found = match idx {
        DAY if key == "l" => Some(Tok::Last),
        MONTH => pos(&MONTHS).map(|i| Tok::Num(i as i64 + 1)),
        DOW => pos(&WEEKDAYS).map(|i| Tok::Num(i as i64)),
        _ => None,
    };
    found.ok_or_else(|| format!("'{key}' is not a valid {} value", NAMES[idx]))
}

/// croniter maps 0 to 1 in the day field (6-field form only) and 7 to 0 in day-of-week (5-field form only).
fn value_alias(v: i64, idx: usize, fields: usize) -> i64 {
    match (idx, v, fields) {
        (DAY, 0, 6) => 1,
        (DOW, 7, 5) => 0,
        _ => v,
    }
}

/// Splits `d#n`, `name#n`, `name-name#n` and `Ln` day-of-week items into the weekday part and the occurrence.
fn split_nth(e: &str) -> Result<Option<(String, Nth)>, String> {
    if let Some(rest) = e.strip_prefix('l') {
        if digits(rest) {
            return Ok(Some((rest.to_string(), Nth::Last)));
        }
    }
    let Some((he, last)) = e.split_once('#') else {
        return Ok(None);
    };
    let pair = |a: &str, b: &str, list: &[&str]| list.contains(&a) && list.contains(&b);
    let he_ok = word(he)
        || he
            .split_once('-')
            .is_some_and(|(a, b)| pair(a, b, &WEEKDAYS) || pair(a, b, &MONTHS));
    if !he_ok || !digits(last) {
        return Ok(None);
    }
    match last.parse::<u32>() {
        Ok(n @ 1..=5) => Ok(Some((he.to_string(), Nth::N(n)))),
        _ => Err(format!("'{e}': the occurrence after '#' must be 1 to 5")),
    }
}

/// `low-high[/step]` with croniter's shape rules, after `*/n` and `a/n` have been rewritten.
fn split_range(t: &str) -> Option<(&str, &str, &str)> {
    let (low, rest) = t.split_once('-')?;
    let (high, step) = match rest.split_once('/') {
        Some((h, s)) => (h, s),
        None => (rest, "1"),
    };
    let ok = !low.is_empty() && !high.is_empty() && !high.contains('-') && digits(step);
    ok.then_some((low, high, step))
}

fn band(idx: usize, s: &str) -> Result<i64, String> {
    if digits(s) {
        return number(s, idx);
    }
    match name_value(idx, s)? {
        Tok::Num(n) => Ok(n),
        _ => Err(format!("'{s}' cannot bound a {} range", NAMES[idx])),
    }
}

/// Expands a range to its values, croniter-style (wrapping ranges keep the step across the wrap).
fn expand_range(idx: usize, low: i64, high: i64, step: i64) -> Result<Vec<i64>, String> {
    let (min, max) = RANGES[idx];
    if step <= 0 {
        return Err(format!("a step of 0 in the {} field", NAMES[idx]));
    }
    let span = |a: i64, b: i64| (a..=b).step_by(step as usize).collect::<Vec<_>>();
    Ok(if low > high {
        let mut out = span(low, max);
        let mut skip = 0;
        if let Some(&lastv) = out.last() {
            let already = max - lastv;
            if lastv - min + step > max - min + 1 && already < step {
                skip = step - already;
            }
        }
        out.extend(span(min + skip, high));
        out
    } else if low == high {
        span(min, max)
    } else {
        span(low, high)
    })
}

/// Expands one item of a field (one comma-separated part, or a value a range produced).
fn expand_item(
    idx: usize,
    item: String,
    fields: usize,
    work: &mut Vec<String>,
    out: &mut Vec<Tok>,
    nth: &mut BTreeMap<i64, Vec<Nth>>,
) -> Result<(), String> {
    let (e, occurrence) = match if idx == DOW { split_nth(&item)? } else { None } {
        Some((e, n)) => (e, Some(n)),
        None => (item, None),
    };
    let (min, max) = RANGES[idx];
    let mut t = match e.strip_prefix("*/") {
        Some(rest) if !rest.is_empty() => format!("{min}-{max}/{rest}"),
        _ => e.clone(),
    };
    let mut parts = split_range(&t).map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
    if parts.is_none() {
        if let Some(slash) = e.rfind('/') {
            let (a, b) = (&e[..slash], &e[slash + 1..]);
            if !a.is_empty() && !b.is_empty() {
                t = format!("{a}-{max}/{b}");
                parts =
                    split_range(&t).map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
            }
        }
    }
    if let Some((low, mut high, step)) = parts {
        if idx == DAY && high == "l" {
            high = "31".into();
        }
        let low = value_alias(band(idx, &low)?, idx, fields);
        let high = value_alias(band(idx, &high)?, idx, fields);
        if low.max(high) > max {
            return Err(format!(
                "{} range {low}-{high} is out of bounds",
                NAMES[idx]
            ));
        }
        // Digits only here; a step too large for i64 behaves like any step beyond the field.
        let step = step.parse::<i64>().unwrap_or(i64::MAX);
        for v in expand_range(idx, low, high, step)? {
            work.push(match occurrence {
                Some(Nth::N(n)) => format!("{v}#{n}"),
                _ => v.to_string(),
            });
        }
        return Ok(());
    }
    if t.starts_with('-') {
        return Err(format!("negative values are not allowed ('{t}')"));
    }
    let tok = match t.as_str() {
        "*" => Tok::Star,
        s if digits(s) => Tok::Num(number(s, idx)?),
        s => name_value(idx, s)?,
    };
    let tok = match tok {
        Tok::Num(v) => {
            let v = value_alias(v, idx, fields);
            if v < min || v > max {
                return Err(format!(
                    "{} value {v} is out of range ({min}-{max})",
                    NAMES[idx]
                ));
            }
            if let Some(n) = occurrence {
                let list = nth.entry(v).or_default();
                if !list.contains(&n) {
                    list.push(n);
                }
            }
            Tok::Num(v)
        }
        other => other,
    };
    out.push(tok);
    Ok(())
}

fn expand_field(
    idx: usize,
    raw: &str,
    tokens: &[&str],
    nth: &mut BTreeMap<i64, Vec<Nth>>,
) -> Result<Field, String> {
    let raw = if raw.contains('?') {
        if raw != "?" {
            return Err("'?' cannot be combined with other characters".into());
        }
        if idx != DAY && idx != DOW {
            return Err("'?' is only allowed in the day-of-month and day-of-week fields".into());
        }
        "*"
    } else {
        raw
    };
    let mut work: Vec<String> = raw.split(',').map(str::to_string).collect();
    let mut toks = Vec::new();
    let mut guard = 0;
    while let Some(item) = work.pop() {
        guard += 1;
        if guard > 10_000 {
            return Err(format!(
                "the {} field expands to too many values",
                NAMES[idx]
            ));
        }
        expand_item(idx, item, tokens.len(), &mut work, &mut toks, nth)?;
    }
    let mut field = Field::default();
    for t in &toks {
        match t {
            Tok::Star => field.any = true,
            Tok::Last => field.last = true,
            Tok::Num(v) => field.values.push(*v),
        }
    }
    field.values.sort_unstable();
    field.values.dedup();
    let distinct = field.values.len() + usize::from(field.any) + usize::from(field.last);
    let keep_full =
        (idx == DAY && !tokens[DOW].contains('*')) || (idx == DOW && !tokens[DAY].contains('*'));
    if distinct == LEN_MEANS_ALL[idx] && !keep_full {
        return Ok(Field::star());
    }
    Ok(field)
}

fn is_random_or_hashed(token: &str) -> bool {
    let Some(rest) = token.strip_prefix(['r', 'h']) else {
        return false;
    };
    let rest = match rest.strip_prefix('(') {
        Some(r) => match r.split_once(')') {
            Some((range, after)) => match range.split_once('-') {
                Some((a, b)) if digits(a) && digits(b) => after,
                _ => return false,
            },
            None => return false,
        },
        None => rest,
    };
    rest.is_empty() || rest.strip_prefix('/').is_some_and(digits)
}

/// Parses an expression, or says why it is not one croniter (and so Prefect) accepts.
pub fn parse(expr: &str) -> Result<CronSpec, String> {
    let lower = expr.to_lowercase();
    let text = alias(&lower).unwrap_or(&lower);
    let tokens: Vec<&str> = text.split_whitespace().collect();
    if !(5..=7).contains(&tokens.len()) {
        return Err(format!("expected 5, 6 or 7 fields, found {}", tokens.len()));
    }
    if tokens.iter().any(|t| is_random_or_hashed(t)) {
        return Err("random (R) and hashed (H) expressions are not supported".into());
    }
    let mut nth = BTreeMap::new();
    let mut fields = Vec::with_capacity(7);
    for (idx, raw) in tokens.iter().enumerate() {
        fields.push(expand_field(idx, raw, &tokens, &mut nth)?);
    }
    if !nth.is_empty() {
        let dow = &fields[DOW];
        let plain = dow.values.iter().filter(|v| !nth.contains_key(v)).count();
        if plain > 0 && dow.values.len() + usize::from(dow.any) != LEN_MEANS_ALL[DOW] {
            return Err("day-of-week cannot mix plain weekdays with '#'/'L' weekdays".into());
        }
    }
    let take = |i: usize| fields.get(i).cloned();
    let fixed_zero = Field {
        values: vec![0],
        ..Field::default()
    };
    Ok(CronSpec {
        fields: tokens.len(),
        minutes: take(MINUTE).unwrap_or_default(),
        hours: take(1).unwrap_or_default(),
        days: take(DAY).unwrap_or_default(),
        months: take(MONTH).unwrap_or_default(),
        weekdays: take(DOW).unwrap_or_default(),
        seconds: take(5).unwrap_or(fixed_zero),
        years: take(6).unwrap_or_else(Field::star),
        nth,
    })
}
