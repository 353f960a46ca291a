//! `same` must agree with the stored values: a column it calls unchanged is never left stale.

use super::{same, value, values, COLUMNS, INSERT};
use crate::domain::flow_run::FlowRun;
use crate::domain::policy::tests::{run, t};
use crate::domain::{State, StateType};
use serde_json::json;
use uuid::Uuid;

/// A run with every optional field set, so that each change below alters something.
fn base() -> FlowRun {
    let mut state = State::new(StateType::Scheduled, t("2026-01-01T00:00:00Z"));
    state.message = Some("waiting".into());
    let mut r = run(Some(state));
    r.deployment_id = Some(Uuid::now_v7());
    r.deployment_schedule_id = Some(Uuid::now_v7());
    r.deployment_version = Some("1".into());
    r.work_queue_name = Some("default".into());
    r.work_queue_id = Some(Uuid::now_v7());
    r.work_pool_id = Some(Uuid::now_v7());
    r.work_pool_name = Some("pool".into());
    r.flow_version = Some("abc".into());
    r.parameters.insert("x".into(), json!(1));
    r.idempotency_key = Some("key".into());
    r.context.insert("c".into(), json!("v"));
    r.tags = vec!["a".into()];
    r.labels.insert("l".into(), json!("v"));
    r.parent_task_run_id = Some(Uuid::now_v7());
    r.expected_start_time = Some(t("2026-01-01T00:00:00Z"));
    r.next_scheduled_start_time = Some(t("2026-01-01T00:00:00Z"));
    r.start_time = Some(t("2026-01-01T00:00:05Z"));
    r.end_time = Some(t("2026-01-01T00:00:09Z"));
    r.infrastructure_document_id = Some(Uuid::now_v7());
    r.infrastructure_pid = Some("1".into());
    r.created_by = Some(json!({"type": "USER"}));
    r.job_variables.insert("env".into(), json!({}));
    r
}

/// A named change of a run.
type Change = (&'static str, fn(&mut FlowRun));

/// One change of each field (and of each part of the state).
fn changes() -> Vec<Change> {
    vec![
        ("id", |r| r.id = Uuid::now_v7()),
        ("created", |r| r.created = t("2026-02-01T00:00:00Z")),
        ("updated", |r| r.updated = t("2026-02-01T00:00:00Z")),
        ("name", |r| r.name = "other".into()),
        ("flow_id", |r| r.flow_id = Uuid::now_v7()),
        ("deployment_id", |r| r.deployment_id = None),
        ("deployment_version", |r| {
            r.deployment_version = Some("2".into())
        }),
        ("work_queue_name", |r| r.work_queue_name = None),
        ("work_queue_id", |r| r.work_queue_id = Some(Uuid::now_v7())),
        ("work_pool_id", |r| r.work_pool_id = None),
        ("work_pool_name", |r| r.work_pool_name = Some("p2".into())),
        ("flow_version", |r| r.flow_version = None),
        ("parameters", |r| {
            r.parameters.insert("y".into(), json!(2));
        }),
        ("idempotency_key", |r| r.idempotency_key = None),
        ("context", |r| r.context.clear()),
        ("empirical_policy", |r| r.empirical_policy.retries = Some(3)),
        ("pause keys", |r| {
            r.empirical_policy.pause_keys.push("k".into())
        }),
        ("tags", |r| r.tags.push("b".into())),
        ("labels", |r| {
            r.labels.insert("m".into(), json!(1));
        }),
        ("parent_task_run_id", |r| r.parent_task_run_id = None),
        ("state kind", |r| {
            if let Some(s) = &mut r.state {
                s.kind = StateType::Running;
            }
        }),
        ("state name", |r| {
            if let Some(s) = &mut r.state {
                s.name = "Late".into();
            }
        }),
        ("state id", |r| {
            if let Some(s) = &mut r.state {
                s.id = Uuid::now_v7();
            }
        }),
        ("state timestamp", |r| {
            if let Some(s) = &mut r.state {
                s.timestamp = t("2026-01-01T00:01:00Z");
            }
        }),
        ("state message", |r| {
            if let Some(s) = &mut r.state {
                s.message = None;
            }
        }),
        ("state data", |r| {
            if let Some(s) = &mut r.state {
                s.data = Some(json!({"result": 1}));
            }
        }),
        ("state details", |r| {
            if let Some(s) = &mut r.state {
                s.details.cache_key = Some("k".into());
            }
        }),
        ("no state", |r| r.state = None),
        ("run_count", |r| r.run_count = 2),
        ("expected_start_time", |r| {
            r.expected_start_time = Some(t("2026-01-01T00:00:01Z"))
        }),
        ("next_scheduled_start_time", |r| {
            r.next_scheduled_start_time = None
        }),
        ("start_time", |r| r.start_time = None),
        ("end_time", |r| r.end_time = None),
        ("total_run_time", |r| r.total_run_time = 4.0),
        ("auto_scheduled", |r| r.auto_scheduled = true),
        ("infrastructure_document_id", |r| {
            r.infrastructure_document_id = None
        }),
        ("infrastructure_pid", |r| {
            r.infrastructure_pid = Some("2".into())
        }),
        ("created_by", |r| r.created_by = None),
        ("job_variables", |r| r.job_variables.clear()),
        ("deployment_schedule_id", |r| {
            r.deployment_schedule_id = None
        }),
    ]
}

#[test]
fn a_column_is_the_same_exactly_when_its_stored_value_is() {
    let before = base();
    let mut covered = vec![false; COLUMNS.len()];
    for (what, change) in changes() {
        let mut after = before.clone();
        change(&mut after);
        for (i, column) in COLUMNS.iter().enumerate() {
            let stored_same = value(&before, i).value() == value(&after, i).value();
            assert_eq!(
                same(i, &before, &after),
                stored_same,
                "column {column} after changing {what}"
            );
            covered[i] |= !stored_same;
        }
    }
    let missed: Vec<_> = COLUMNS
        .iter()
        .zip(&covered)
        .filter(|(_, c)| !**c)
        .map(|(name, _)| name)
        .collect();
    assert!(missed.is_empty(), "no change altered {missed:?}");
}

/// The column list, the INSERT built from it and the values bound agree in number.
#[test]
fn every_column_has_a_value() {
    let columns = COLUMNS.len();
    assert_eq!(values(&base()).len(), columns);
    assert_eq!(INSERT.matches('?').count(), columns);
}
