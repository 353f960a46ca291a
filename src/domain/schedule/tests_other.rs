//! Interval and RRule schedules at fixed instants across DST, checked against the times Prefect 3.9.1's
//! `IntervalSchedule` and `RRuleSchedule` return for the same inputs, plus error cases.

use super::*;

fn p(s: &str) -> Ts {
    crate::domain::time::parse(s).unwrap()
}

fn times(s: &Schedule, start: &str, n: usize) -> Vec<String> {
    next_times(s, p(start), None, n)
        .unwrap()
        .iter()
        .map(|t| t.to_rfc3339())
        .collect()
}

fn every(secs: f64, anchor: &str, tz: Option<&str>) -> Schedule {
    Schedule::Interval {
        interval: secs,
        anchor_date: p(anchor),
        timezone: tz.map(String::from),
    }
}

fn rrule(rule: &str, tz: &str) -> Schedule {
    Schedule::RRule {
        rrule: rule.into(),
        timezone: Some(tz.into()),
    }
}

const NY: Option<&str> = Some("America/New_York");

#[test]
fn daily_interval_keeps_wall_time_across_dst() {
    let nine = every(86400.0, "2024-01-01T14:00:00Z", NY);
    assert_eq!(
        times(&nine, "2024-03-08T00:00:00Z", 4),
        [
            "2024-03-08T09:00:00-05:00",
            "2024-03-09T09:00:00-05:00",
            "2024-03-10T09:00:00-04:00",
            "2024-03-11T09:00:00-04:00"
        ]
    );
    assert_eq!(
        times(&nine, "2024-11-01T00:00:00Z", 4),
        [
            "2024-11-01T09:00:00-04:00",
            "2024-11-02T09:00:00-04:00",
            "2024-11-03T09:00:00-05:00",
            "2024-11-04T09:00:00-05:00"
        ]
    );
    // A repeated wall time is read as its second occurrence (pendulum's calendar arithmetic)…
    assert_eq!(
        times(
            &every(86400.0, "2024-01-01T06:30:00Z", NY),
            "2024-11-01T00:00:00Z",
            4
        )[2],
        "2024-11-03T01:30:00-05:00"
    );
    // …and a skipped one moves forward by the gap, for good.
    assert_eq!(
        times(
            &every(86400.0, "2024-01-01T07:30:00Z", NY),
            "2024-03-08T00:00:00Z",
            4
        ),
        [
            "2024-03-08T02:30:00-05:00",
            "2024-03-09T02:30:00-05:00",
            "2024-03-10T03:30:00-04:00",
            "2024-03-11T03:30:00-04:00"
        ]
    );
    // Before a future anchor, dates are counted back from it.
    let berlin = every(86400.0, "2026-06-01T07:00:00Z", Some("Europe/Berlin"));
    assert_eq!(
        times(&berlin, "2026-03-27T00:00:00Z", 4),
        [
            "2026-03-27T09:00:00+01:00",
            "2026-03-28T09:00:00+01:00",
            "2026-03-29T09:00:00+02:00",
            "2026-03-30T09:00:00+02:00"
        ]
    );
}

#[test]
fn short_intervals_are_absolute() {
    assert_eq!(
        times(
            &every(900.0, "2024-01-01T00:00:00Z", Some("Europe/Berlin")),
            "2026-03-29T00:40:00Z",
            4
        ),
        [
            "2026-03-29T01:45:00+01:00",
            "2026-03-29T03:00:00+02:00",
            "2026-03-29T03:15:00+02:00",
            "2026-03-29T03:30:00+02:00"
        ]
    );
    // Every instant is kept: the repeated 01:30 and 01:45 of the fall-back run twice (Prefect on Python
    // < 3.13 drops the second ones; DESIGN §6 and Prefect on Python >= 3.13 keep them).
    assert_eq!(
        times(
            &every(900.0, "2024-01-01T00:00:00Z", NY),
            "2024-11-03T05:20:00Z",
            8
        ),
        [
            "2024-11-03T01:30:00-04:00",
            "2024-11-03T01:45:00-04:00",
            "2024-11-03T01:00:00-05:00",
            "2024-11-03T01:15:00-05:00",
            "2024-11-03T01:30:00-05:00",
            "2024-11-03T01:45:00-05:00",
            "2024-11-03T02:00:00-05:00",
            "2024-11-03T02:15:00-05:00"
        ]
    );
    assert_eq!(
        times(
            &every(3600.0, "2024-01-01T00:00:00Z", None),
            "2024-01-01T00:30:00Z",
            2
        ),
        ["2024-01-01T01:00:00+00:00", "2024-01-01T02:00:00+00:00"]
    );
}

#[test]
fn rrule_daily_across_dst() {
    let nine = rrule("FREQ=DAILY;BYHOUR=9", "America/New_York");
    assert_eq!(
        times(&nine, "2024-03-08T00:00:00Z", 4),
        [
            "2024-03-08T09:00:00-05:00",
            "2024-03-09T09:00:00-05:00",
            "2024-03-10T09:00:00-04:00",
            "2024-03-11T09:00:00-04:00"
        ]
    );
    // dateutil reads a skipped time with the offset after the gap: 02:30 lands at 01:30 EST.
    let gap = rrule(
        "DTSTART:20240101T023000\nRRULE:FREQ=DAILY",
        "America/New_York",
    );
    assert_eq!(
        times(&gap, "2024-03-09T00:00:00Z", 3),
        [
            "2024-03-09T02:30:00-05:00",
            "2024-03-10T01:30:00-05:00",
            "2024-03-11T02:30:00-04:00"
        ]
    );
    let fold = rrule(
        "DTSTART:20240101T013000\nRRULE:FREQ=DAILY",
        "America/New_York",
    );
    assert_eq!(
        times(&fold, "2024-11-02T00:00:00Z", 3),
        [
            "2024-11-02T01:30:00-04:00",
            "2024-11-03T01:30:00-04:00",
            "2024-11-04T01:30:00-05:00"
        ]
    );
}

#[test]
fn rrule_count_until_and_default_start() {
    assert_eq!(
        times(
            &rrule("FREQ=WEEKLY;COUNT=3", "UTC"),
            "2019-01-01T00:00:00Z",
            5
        ),
        [
            "2020-01-01T00:00:00+00:00",
            "2020-01-08T00:00:00+00:00",
            "2020-01-15T00:00:00+00:00"
        ]
    );
    let until = rrule(
        "DTSTART:20240101T090000\nRRULE:FREQ=DAILY;UNTIL=20240103T090000",
        "Europe/Berlin",
    );
    assert_eq!(times(&until, "2023-01-01T00:00:00Z", 5).len(), 3);
    // A high-frequency rule from the 2020 default start is answered without walking six years of minutes.
    let minutely = rrule("FREQ=MINUTELY;INTERVAL=7", "UTC");
    assert_eq!(
        times(&minutely, "2026-05-05T10:00:30Z", 3),
        [
            "2026-05-05T10:07:00+00:00",
            "2026-05-05T10:14:00+00:00",
            "2026-05-05T10:21:00+00:00"
        ]
    );
    let set = rrule("DTSTART:20240101T090000\nRRULE:FREQ=DAILY\nEXRULE:FREQ=DAILY;INTERVAL=2\nEXDATE:20240104T090000", "UTC");
    assert_eq!(
        times(&set, "2024-01-01T00:00:00Z", 2),
        ["2024-01-02T09:00:00+00:00", "2024-01-06T09:00:00+00:00"]
    );
}

#[test]
fn sub_daily_rrules_stay_on_their_grid() {
    let r = rrule(
        "DTSTART:20261030T221100\nRRULE:FREQ=MINUTELY;INTERVAL=7;BYHOUR=8,22,23;BYMINUTE=45,59;BYDAY=MO,WE,FR;BYMONTH=3",
        "UTC",
    );
    assert_eq!(
        times(&r, "2026-11-01T06:30:00Z", 5),
        [
            "2027-03-01T08:45:00+00:00",
            "2027-03-01T08:59:00+00:00",
            "2027-03-01T22:45:00+00:00",
            "2027-03-01T22:59:00+00:00",
            "2027-03-03T23:45:00+00:00"
        ]
    );
    // dateutil refuses a BYHOUR the HOURLY grid can never reach.
    let unreachable = rrule(
        "DTSTART:20240101T010000\nRRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=2",
        "UTC",
    );
    assert!(unreachable
        .validate()
        .unwrap_err()
        .to_string()
        .contains("never be reached"));
}

#[test]
fn invalid_schedules() {
    let err = |s: Schedule| s.validate().unwrap_err().to_string();
    assert!(err(every(0.0, "2024-01-01T00:00:00Z", None)).contains("must be positive"));
    assert!(err(every(-5.0, "2024-01-01T00:00:00Z", None)).contains("must be positive"));
    assert!(
        err(every(60.0, "2024-01-01T00:00:00Z", Some("Nowhere/Land")))
            .contains("unknown timezone 'Nowhere/Land'")
    );
    assert!(err(rrule("FREQ=SOMETIMES", "UTC")).contains("invalid rrule"));
    assert!(err(rrule("", "UTC")).contains("empty"));
    assert!(err(rrule("INTERVAL=2", "UTC")).contains("FREQ is required"));
    assert!(err(rrule(
        "DTSTART:20240101T000000Z\nRRULE:FREQ=DAILY;UNTIL=20240105",
        "UTC"
    ))
    .contains("UNTIL"));
    assert!(err(rrule("FREQ=DAILY", "Bad/Zone")).contains("unknown timezone"));
}
