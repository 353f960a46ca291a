//! Cron schedules at fixed instants across DST, checked against the times Prefect 3.9.1's `CronSchedule`
//! returns for the same inputs, plus dialect and error cases.

use super::*;

fn cron(expr: &str, tz: Option<&str>, day_or: bool, start: &str, n: usize) -> Vec<String> {
    let s = Schedule::Cron {
        cron: expr.into(),
        timezone: tz.map(String::from),
        day_or,
    };
    let start = crate::domain::time::parse(start).unwrap();
    next_times(&s, start, None, n)
        .unwrap()
        .iter()
        .map(|t| t.to_rfc3339())
        .collect()
}

const NY: Option<&str> = Some("America/New_York");
const BERLIN: Option<&str> = Some("Europe/Berlin");

#[test]
fn new_york_2024_spring_forward() {
    // 02:30 does not exist on 03-10: it moves forward by the gap, to 03:30 EDT.
    assert_eq!(
        cron("30 2 * * *", NY, true, "2024-03-09T12:00:00Z", 3),
        [
            "2024-03-10T03:30:00-04:00",
            "2024-03-11T02:30:00-04:00",
            "2024-03-12T02:30:00-04:00"
        ]
    );
    // Starting after the gap but before the shifted time still finds it.
    assert_eq!(
        cron("30 2 * * *", NY, true, "2024-03-10T07:10:00Z", 2),
        ["2024-03-10T03:30:00-04:00", "2024-03-11T02:30:00-04:00"]
    );
    assert_eq!(
        cron("0 * * * *", NY, true, "2024-03-10T05:30:00Z", 3),
        [
            "2024-03-10T01:00:00-05:00",
            "2024-03-10T03:00:00-04:00",
            "2024-03-10T04:00:00-04:00"
        ]
    );
    assert_eq!(
        cron("*/20 2 * * *", NY, true, "2024-03-10T07:05:00Z", 3),
        [
            "2024-03-10T03:20:00-04:00",
            "2024-03-10T03:40:00-04:00",
            "2024-03-11T02:00:00-04:00"
        ]
    );
}

#[test]
fn new_york_2024_fall_back() {
    // 01:30 happens twice on 11-03: it fires once, at the first.
    assert_eq!(
        cron("30 1 * * *", NY, true, "2024-11-02T12:00:00Z", 3),
        [
            "2024-11-03T01:30:00-04:00",
            "2024-11-04T01:30:00-05:00",
            "2024-11-05T01:30:00-05:00"
        ]
    );
    // Hourly fires on each new wall hour: two hours between 01:00 EDT and 02:00 EST.
    assert_eq!(
        cron("0 * * * *", NY, true, "2024-11-03T04:30:00Z", 4),
        [
            "2024-11-03T01:00:00-04:00",
            "2024-11-03T02:00:00-05:00",
            "2024-11-03T03:00:00-05:00",
            "2024-11-03T04:00:00-05:00"
        ]
    );
    // Starting inside the repeated hour skips to its end.
    assert_eq!(
        cron("0 * * * *", NY, true, "2024-11-03T05:30:00Z", 3),
        [
            "2024-11-03T02:00:00-05:00",
            "2024-11-03T03:00:00-05:00",
            "2024-11-03T04:00:00-05:00"
        ]
    );
}

#[test]
fn berlin_2026_both_transitions() {
    assert_eq!(
        cron("30 2 * * *", BERLIN, true, "2026-03-28T12:00:00Z", 3),
        [
            "2026-03-29T03:30:00+02:00",
            "2026-03-30T02:30:00+02:00",
            "2026-03-31T02:30:00+02:00"
        ]
    );
    assert_eq!(
        cron("30 1 * * *", BERLIN, true, "2026-03-28T12:00:00Z", 2),
        ["2026-03-29T01:30:00+01:00", "2026-03-30T01:30:00+02:00"]
    );
    assert_eq!(
        cron("30 2 * * *", BERLIN, true, "2026-10-24T12:00:00Z", 3),
        [
            "2026-10-25T02:30:00+02:00",
            "2026-10-26T02:30:00+01:00",
            "2026-10-27T02:30:00+01:00"
        ]
    );
    assert_eq!(
        cron("0 * * * *", BERLIN, true, "2026-10-24T23:30:00Z", 4),
        [
            "2026-10-25T02:00:00+02:00",
            "2026-10-25T03:00:00+01:00",
            "2026-10-25T04:00:00+01:00",
            "2026-10-25T05:00:00+01:00"
        ]
    );
    assert_eq!(
        cron("0 * * * *", BERLIN, true, "2026-03-29T00:30:00Z", 3),
        [
            "2026-03-29T03:00:00+02:00",
            "2026-03-29T04:00:00+02:00",
            "2026-03-29T05:00:00+02:00"
        ]
    );
}

#[test]
fn half_hour_dst_in_lord_howe() {
    let lh = Some("Australia/Lord_Howe");
    assert_eq!(
        cron("15 2 * * *", lh, true, "2024-10-05T12:00:00Z", 2),
        ["2024-10-06T02:45:00+11:00", "2024-10-07T02:15:00+11:00"]
    );
    assert_eq!(
        cron("0 9 * * MON-FRI", lh, true, "2024-04-05T00:00:00Z", 3),
        [
            "2024-04-08T09:00:00+10:30",
            "2024-04-09T09:00:00+10:30",
            "2024-04-10T09:00:00+10:30"
        ]
    );
}

#[test]
fn day_of_month_and_day_of_week() {
    let start = "2024-01-01T00:00:00Z";
    assert_eq!(
        cron("0 0 1 * MON", None, true, start, 4),
        [
            "2024-01-01T00:00:00+00:00",
            "2024-01-08T00:00:00+00:00",
            "2024-01-15T00:00:00+00:00",
            "2024-01-22T00:00:00+00:00"
        ]
    );
    assert_eq!(
        cron("0 0 1 * MON", None, false, start, 3),
        [
            "2024-01-01T00:00:00+00:00",
            "2024-04-01T00:00:00+00:00",
            "2024-07-01T00:00:00+00:00"
        ]
    );
    assert_eq!(
        cron("0 0 L * *", BERLIN, true, "2024-01-15T00:00:00Z", 3),
        [
            "2024-01-31T00:00:00+01:00",
            "2024-02-29T00:00:00+01:00",
            "2024-03-31T00:00:00+01:00"
        ]
    );
    assert_eq!(
        cron("0 0 * * 5#3", None, true, start, 3),
        [
            "2024-01-19T00:00:00+00:00",
            "2024-02-16T00:00:00+00:00",
            "2024-03-15T00:00:00+00:00"
        ]
    );
    assert_eq!(
        cron("0 0 * * L5", None, true, start, 2),
        ["2024-01-26T00:00:00+00:00", "2024-02-23T00:00:00+00:00"]
    );
    assert_eq!(
        cron("0 0 * * 7", None, true, start, 2),
        ["2024-01-07T00:00:00+00:00", "2024-01-14T00:00:00+00:00"]
    );
    assert_eq!(
        cron("@daily", None, true, start, 1),
        ["2024-01-01T00:00:00+00:00"]
    );
    // croniter: the 1st OR the 3rd Friday is searched as "the 1st that is a 3rd Friday", which never
    // happens, so croniter fails and Prefect returns nothing.
    assert!(cron("0 0 1 * 5#3", None, true, start, 3).is_empty());
}

#[test]
fn seconds_and_year_fields() {
    assert_eq!(
        cron("*/20 * * * * 10", None, true, "2024-01-01T00:00:05Z", 3),
        [
            "2024-01-01T00:00:10+00:00",
            "2024-01-01T00:20:10+00:00",
            "2024-01-01T00:40:10+00:00"
        ]
    );
    // Only one match exists; Prefect's call fails after it, Baton returns it.
    assert_eq!(
        cron("0 0 1 1 * 0 2030", None, true, "2024-01-01T00:00:05Z", 3),
        ["2030-01-01T00:00:00+00:00"]
    );
}

#[test]
fn never_firing_expressions_return_nothing_quickly() {
    let t = std::time::Instant::now();
    for expr in ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30 2 MON"] {
        assert!(
            cron(expr, NY, false, "2024-01-01T00:00:00Z", 10).is_empty(),
            "{expr}"
        );
    }
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn end_bound_is_inclusive() {
    let s = Schedule::Cron {
        cron: "0 * * * *".into(),
        timezone: None,
        day_or: true,
    };
    let p = |x| crate::domain::time::parse(x).unwrap();
    let got = next_times(
        &s,
        p("2024-01-01T00:00:00Z"),
        Some(p("2024-01-01T02:00:00Z")),
        10,
    )
    .unwrap();
    assert_eq!(got.len(), 3);
}

#[test]
fn invalid_expressions_say_why() {
    let check = |expr: &str, want: &str| {
        let s = Schedule::Cron {
            cron: expr.into(),
            timezone: None,
            day_or: true,
        };
        let err = s.validate().unwrap_err().to_string();
        assert!(err.contains(want), "{expr}: {err}");
    };
    check("0 0 * *", "expected 5, 6 or 7 fields");
    check("0 0 15W * *", "not a valid day-of-month value");
    check("60 * * * *", "minute value 60 is out of range");
    check("0 0 * * 8", "day-of-week value 8 is out of range");
    check("R 0 * * *", "random (R) and hashed (H)");
    check("r/5 0 * * *", "random (R) and hashed (H)");
    check("*/0 * * * *", "step of 0");
    check("0 0 * * 5#6", "1 to 5");
    check("0 0 * * 1,5#3", "cannot mix");
    check("0 0 1 ? *", "'?' is only allowed");
    let tz = Schedule::Cron {
        cron: "0 0 * * *".into(),
        timezone: Some("Mars/Olympus".into()),
        day_or: true,
    };
    assert_eq!(
        tz.validate(),
        Err(ScheduleError::UnknownTimezone("Mars/Olympus".into()))
    );
}

#[test]
fn croniter_dialect_details() {
    let ok = |e: &str| {
        cron_parse::parse(e)
            .map(|_| ())
            .map_err(|r| format!("{e}: {r}"))
    };
    for e in [
        "0 0 * * 0-7",
        "0 0 * * 7-1",
        "0 0 31-2 * *",
        "0 0 ? * *",
        "0 0 * * ?",
        "0 0 1,L * *",
        "0 0 * * 1#1,1#3",
    ] {
        ok(e).unwrap();
    }
    // croniter jumps to "February 30th", lands on March 2nd and so never sees March 1st; Prefect (and Baton)
    // follow it.
    assert_eq!(
        cron("0 0 1,30 * *", None, true, "2018-02-17T00:00:00Z", 3),
        [
            "2018-03-30T00:00:00+00:00",
            "2018-04-01T00:00:00+00:00",
            "2018-04-30T00:00:00+00:00"
        ]
    );
    // croniter reads `a-a` as the whole field and `MON-MON` as every day.
    assert_eq!(
        cron("0 0 * * 1-1", None, true, "2024-01-01T00:00:00Z", 2).len(),
        2
    );
    assert_eq!(
        cron("0 0 * * 1-1", None, true, "2024-01-02T00:00:00Z", 1),
        ["2024-01-02T00:00:00+00:00"]
    );
}
