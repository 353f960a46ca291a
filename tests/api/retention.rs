//! Retention with an injected clock: logs go after 30 days, events after 7, finished runs (with their task
//! runs, logs and artifacts) after 90; unfinished runs and recent data stay; 0 keeps forever.

use baton::domain::filter::{Cond, Field, Order, Query};
use baton::domain::flow_run::{NewFlowRun, ProposedState};
use baton::domain::log::Log;
use baton::domain::retention::RetentionPolicy;
use baton::domain::task_run::TaskRun;
use baton::domain::{time, Doc, StateType, Ts};
use baton::services::artifacts::NewArtifact;
use baton::services::clock::Clock;
use baton::services::retention::{RetentionOutcome, BATCH};
use baton::services::Services;
use baton::store::Store;
use std::sync::Mutex;
use uuid::Uuid;

fn t(s: &str) -> Ts {
    time::parse(s).unwrap()
}

fn set(s: &Services, now: Ts) {
    if let Clock::Fixed(m) = &s.clock {
        *m.lock().unwrap() = now;
    }
}

fn all() -> Query {
    Query::new(Cond::all(), Order::asc(Field::Id), None, 0)
}

/// A flow run that ran at the clock's time and finished there, with a task run, two log lines, an artifact.
async fn finished_run(s: &Services, flow: Uuid, end: StateType) -> Uuid {
    let (run, _) = s
        .create_flow_run(NewFlowRun {
            flow_id: flow,
            ..Default::default()
        })
        .await
        .unwrap();
    for kind in [StateType::Pending, StateType::Running, end] {
        s.set_flow_run_state(run.id, ProposedState::of(kind), false)
            .await
            .unwrap();
    }
    let mut task = TaskRun::new(Uuid::now_v7(), s.clock.now());
    task.flow_run_id = Some(run.id);
    task.task_key = "k".into();
    s.create_task_run(task, None).await.unwrap();
    let now = s.clock.now();
    let logs = (0..2)
        .map(|i| Log {
            id: Uuid::now_v7(),
            created: now,
            name: "x".into(),
            level: 20,
            message: format!("line {i}"),
            timestamp: now,
            flow_run_id: Some(run.id),
            task_run_id: None,
        })
        .collect();
    s.create_logs(logs).await.unwrap();
    s.create_artifact(NewArtifact {
        key: Some("report".into()),
        flow_run_id: Some(run.id),
        data: Some(serde_json::json!(time::format(now))),
        ..Default::default()
    })
    .await
    .unwrap();
    run.id
}

async fn counts(s: &Services) -> (usize, usize, u64, u64) {
    let runs = s.flow_runs(all()).await.unwrap().len();
    let logs = s.logs(all()).await.unwrap().len();
    let tasks = s.count_task_runs(Cond::all()).await.unwrap();
    let artifacts = s.count_artifacts(Cond::all(), false).await.unwrap();
    (runs, logs, tasks, artifacts)
}

#[tokio::test]
async fn old_data_goes_in_order_of_its_retention() {
    let t0 = t("2026-01-01T00:00:00Z");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("baton.db")).await.unwrap();
    let s = Services::new(store, Clock::Fixed(Mutex::new(t0)));
    let flow = s
        .create_flow("old".into(), vec![], Doc::new())
        .await
        .unwrap()
        .0
        .id;
    let old = finished_run(&s, flow, StateType::Completed).await;
    let (stuck, _) = s
        .create_flow_run(NewFlowRun {
            flow_id: flow,
            state: Some(ProposedState::of(StateType::Running)),
            ..Default::default()
        })
        .await
        .unwrap();
    set(&s, t0 + chrono::Duration::days(60));
    let recent = finished_run(&s, flow, StateType::Failed).await;
    let policy = RetentionPolicy::default();

    // Day 60: the day-0 events are past 7 days; logs and runs are kept.
    let events_before = s
        .events_since(t0 - chrono::Duration::days(1), 1000)
        .await
        .unwrap()
        .len();
    assert!(
        events_before >= 6,
        "state events were stored: {events_before}"
    );
    let o = s.retention_tick(policy, s.clock.now()).await.unwrap();
    assert_eq!((o.flow_runs, o.logs), (0, 2), "{o:?}");
    assert!(o.events >= 3, "{o:?}");
    assert_eq!(counts(&s).await, (3, 2, 2, 2));
    let left = s
        .events_since(t0 - chrono::Duration::days(1), 1000)
        .await
        .unwrap();
    assert!(left
        .iter()
        .all(|e| e.occurred >= t0 + chrono::Duration::days(53)));

    // Day 91: the day-0 run goes with its task run and artifact; the unfinished run stays.
    set(&s, t0 + chrono::Duration::days(91));
    let o = s.retention_tick(policy, s.clock.now()).await.unwrap();
    assert_eq!(o.flow_runs, 1, "{o:?}");
    assert!(s.flow_run(old).await.is_err());
    assert!(
        s.flow_run(stuck.id).await.is_ok(),
        "unfinished runs are never deleted by retention"
    );
    assert!(s.flow_run(recent).await.is_ok());
    assert_eq!(counts(&s).await, (2, 0, 1, 1));
    let latest = s.latest_artifact("report".into()).await.unwrap();
    assert_eq!(
        latest.flow_run_id,
        Some(recent),
        "the key's latest artifact stays right"
    );

    // Twice is the same as once.
    assert_eq!(
        s.retention_tick(policy, s.clock.now()).await.unwrap(),
        RetentionOutcome::default()
    );

    // 0 keeps forever.
    set(&s, t0 + chrono::Duration::days(1000));
    let keep = RetentionPolicy {
        flow_run_days: 0,
        log_days: 0,
        event_days: 0,
    };
    assert_eq!(
        s.retention_tick(keep, s.clock.now()).await.unwrap(),
        RetentionOutcome::default()
    );
    assert_eq!(counts(&s).await.0, 2);
}

#[tokio::test]
async fn large_backlogs_go_in_batches() {
    let t0 = t("2026-01-01T00:00:00Z");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("baton.db")).await.unwrap();
    let s = Services::new(store, Clock::Fixed(Mutex::new(t0)));
    let n = BATCH as usize * 2 + 7;
    let logs: Vec<Log> = (0..n)
        .map(|i| Log {
            id: Uuid::now_v7(),
            created: t0,
            name: "x".into(),
            level: 20,
            message: format!("{i}"),
            timestamp: t0 + chrono::Duration::seconds(i as i64),
            flow_run_id: None,
            task_run_id: None,
        })
        .collect();
    s.create_logs(logs).await.unwrap();
    let policy = RetentionPolicy {
        flow_run_days: 0,
        log_days: 30,
        event_days: 0,
    };
    let o = s
        .retention_tick(policy, t0 + chrono::Duration::days(31))
        .await
        .unwrap();
    assert_eq!(o.logs, n as u64);
    assert!(s.logs(all()).await.unwrap().is_empty());
}
