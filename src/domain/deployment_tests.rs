//! Unit tests for deployment rules: schedule replacement, look-ahead, parameter merging.

use super::*;
use crate::domain::time;

fn t(s: &str) -> Ts {
    time::parse(s).unwrap()
}

fn cron(expr: &str) -> Schedule {
    Schedule::Cron {
        cron: expr.into(),
        timezone: None,
        day_or: true,
    }
}

fn new(expr: &str) -> NewSchedule {
    NewSchedule {
        schedule: cron(expr),
        active: true,
        max_scheduled_runs: None,
        parameters: Doc::new(),
        slug: None,
    }
}

#[test]
fn identical_schedules_keep_their_ids() {
    let dep = Uuid::now_v7();
    let now = t("2026-01-01T00:00:00Z");
    let a = new("0 * * * *").into_stored(dep, now);
    let b = new("0 2 * * *").into_stored(dep, now);
    let changes = replace_schedules(
        &[a.clone(), b.clone()],
        vec![new("0 * * * *"), new("*/5 * * * *")],
    );
    assert_eq!(changes.keep, vec![a.id]);
    assert_eq!(changes.remove, vec![b.id]);
    assert_eq!(changes.add, vec![new("*/5 * * * *")]);
    let mut inactive = new("0 * * * *");
    inactive.active = false;
    let changes = replace_schedules(std::slice::from_ref(&a), vec![inactive.clone()]);
    assert_eq!(
        (changes.keep.len(), changes.remove, changes.add.len()),
        (0, vec![a.id], 1)
    );
}

#[test]
fn looks_ahead_at_least_three_runs_and_an_hour() {
    let now = t("2026-01-01T00:00:30Z");
    let minutely = times_ahead(&cron("* * * * *"), now, None).unwrap();
    assert_eq!(
        minutely.len(),
        61,
        "every minute up to and including one hour ahead"
    );
    assert_eq!(minutely[0], t("2026-01-01T00:01:00Z"));
    let daily = times_ahead(&cron("0 2 * * *"), now, None).unwrap();
    assert_eq!(
        daily,
        vec![
            t("2026-01-01T02:00:00Z"),
            t("2026-01-02T02:00:00Z"),
            t("2026-01-03T02:00:00Z")
        ]
    );
    let capped = times_ahead(&cron("* * * * *"), now, Some(5)).unwrap();
    assert_eq!(capped.len(), 5);
    let never = times_ahead(&cron("0 0 30 2 *"), now, None).unwrap();
    assert!(never.is_empty());
}

#[test]
fn parameters_and_tags_merge_in_order() {
    let mut a = Doc::new();
    a.insert("x".into(), Value::from(1));
    a.insert("y".into(), Value::from(1));
    let mut b = Doc::new();
    b.insert("y".into(), Value::from(2));
    let m = merge_parameters(&[&a, &b]);
    assert_eq!(
        (m["x"].clone(), m["y"].clone()),
        (Value::from(1), Value::from(2))
    );
    assert_eq!(
        merge_tags(&["a".into(), "b".into()], &["b".into(), "c".into()]),
        ["a", "b", "c"]
    );
}

#[test]
fn scheduled_keys_are_stable() {
    let d = Uuid::nil();
    let k = scheduled_run_key(d, d, t("2026-01-01T02:00:00Z"));
    assert_eq!(k, format!("scheduled {d} {d} 2026-01-01T02:00:00.000000Z"));
}

#[test]
fn slugged_schedules_survive_and_update_in_place() {
    let dep = Uuid::now_v7();
    let now = t("2026-01-01T00:00:00Z");
    let mut slugged = new("0 * * * *");
    slugged.slug = Some("hourly".into());
    let a = slugged.clone().into_stored(dep, now);
    let b = new("0 2 * * *").into_stored(dep, now);
    let changes = replace_schedules(&[a.clone(), b.clone()], vec![]);
    assert_eq!(
        (changes.keep, changes.remove),
        (vec![a.id], vec![b.id]),
        "an empty list keeps only slugged schedules"
    );
    let mut changed = new("30 * * * *");
    changed.slug = Some("hourly".into());
    let changes = replace_schedules(std::slice::from_ref(&a), vec![changed.clone()]);
    assert_eq!(changes.update, vec![(a.id, changed)]);
    assert!(changes.add.is_empty() && changes.remove.is_empty());
}
