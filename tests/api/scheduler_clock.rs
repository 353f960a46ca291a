//! The scheduler and late-runs services driven with an injected clock (no real waiting): exact times across
//! DST, idempotent ticks, top-ups as runs come due, and Late marking.

use baton::domain::deployment::{DeploymentPatch, NewSchedule};
use baton::domain::filter::{Cond, Field, Order, Query, Val};
use baton::domain::schedule::Schedule;
use baton::domain::{time, Doc, Ts};
use baton::services::clock::Clock;
use baton::services::Services;
use baton::store::Store;
use std::sync::Mutex;

fn t(s: &str) -> Ts {
    time::parse(s).unwrap()
}

async fn services(now: Ts) -> (tempfile::TempDir, Services) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("baton.db")).await.unwrap();
    let s = Services::new(store, Clock::Fixed(Mutex::new(now)));
    s.ensure_default_pool().await.unwrap();
    (dir, s)
}

async fn scheduled(s: &Services) -> Vec<String> {
    let cond = Cond::In(Field::StateType, vec![Val::Text("SCHEDULED".into())]);
    let q = Query::new(cond, Order::asc(Field::ExpectedStartTime), None, 0);
    s.flow_runs(q)
        .await
        .unwrap()
        .iter()
        .map(|r| time::format(r.expected_start_time.unwrap()))
        .collect()
}

#[tokio::test]
async fn cron_runs_are_exact_across_dst_and_created_once() {
    let t0 = t("2024-03-08T12:00:00Z");
    let (_dir, s) = services(t0).await;
    let (flow, _) = s
        .create_flow("etl".into(), vec![], Doc::new())
        .await
        .unwrap();
    let schedule = Schedule::Cron {
        cron: "30 2 * * *".into(),
        timezone: Some("America/New_York".into()),
        day_or: true,
    };
    let new = NewSchedule {
        schedule,
        active: true,
        max_scheduled_runs: None,
        parameters: Doc::new(),
        slug: None,
    };
    let patch = DeploymentPatch {
        schedules: Some(vec![new]),
        work_pool_name: Some(Some("default".into())),
        ..Default::default()
    };
    s.upsert_deployment("nightly".into(), flow.id, patch)
        .await
        .unwrap();
    let first = s.schedule_tick(t0).await.unwrap();
    assert_eq!(first.runs_created, 3);
    assert_eq!(
        scheduled(&s).await,
        [
            "2024-03-09T07:30:00.000000Z",
            "2024-03-10T07:30:00.000000Z",
            "2024-03-11T06:30:00.000000Z"
        ],
        "02:30 EST, then 03:30 EDT (the gap moves forward), then 02:30 EDT"
    );
    assert_eq!(
        s.schedule_tick(t0).await.unwrap().runs_created,
        0,
        "a repeated tick creates nothing"
    );
    let after_first = t("2024-03-09T07:31:00Z");
    assert_eq!(
        s.schedule_tick(after_first).await.unwrap().runs_created,
        1,
        "topped up once a run came due"
    );
    assert_eq!(
        s.mark_late_runs(after_first).await.unwrap(),
        1,
        "the run 60 s past due is Late"
    );
    let late = s
        .flow_runs(Query::new(
            Cond::In(Field::StateName, vec![Val::Text("Late".into())]),
            Order::asc(Field::Id),
            None,
            0,
        ))
        .await
        .unwrap();
    assert_eq!(
        time::format(late[0].expected_start_time.unwrap()),
        "2024-03-09T07:30:00.000000Z"
    );
    assert_eq!(s.mark_late_runs(after_first).await.unwrap(), 0);
}
