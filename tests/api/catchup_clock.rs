//! Catch-up after downtime, driven with an injected clock: runs that went Late while nothing ran them are
//! all kept (`all`, Prefect's way), thinned to the newest (`latest`) or skipped (`none`), by the late-runs
//! sweep and when a worker claims one; runs someone asked for are never skipped.

use baton::domain::catchup::Catchup;
use baton::domain::deployment::{DeploymentPatch, NewSchedule};
use baton::domain::filter::{Cond, Field, Order, Query, Val};
use baton::domain::flow_run::ProposedState;
use baton::domain::schedule::Schedule;
use baton::domain::{time, Decision, Doc, StateType, Ts};
use baton::services::clock::Clock;
use baton::services::deployments::DeploymentRunRequest;
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

/// A server whose hourly deployment made its runs ahead at `t0`, then was down for five and a half hours.
async fn after_downtime(policy: Option<Catchup>) -> (tempfile::TempDir, Services, Uuid) {
    let t0 = t("2026-03-01T00:00:00Z");
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("baton.db")).await.unwrap();
    let s = Services::new(store, Clock::Fixed(Mutex::new(t0)));
    s.ensure_default_pool().await.unwrap();
    let (flow, _) = s
        .create_flow("etl".into(), vec![], Doc::new())
        .await
        .unwrap();
    let patch = DeploymentPatch {
        schedules: Some(vec![NewSchedule {
            schedule: Schedule::Interval {
                interval: 3600.0,
                anchor_date: t0,
                timezone: None,
            },
            active: true,
            max_scheduled_runs: None,
            parameters: Doc::new(),
            slug: None,
        }]),
        work_pool_name: Some(Some("default".into())),
        ..Default::default()
    };
    let (dep, _) = s
        .upsert_deployment("hourly".into(), flow.id, patch)
        .await
        .unwrap();
    if let Some(p) = policy {
        s.set_deployment_catchup(dep.id, p).await.unwrap();
        assert_eq!(s.deployment_catchup(dep.id).await.unwrap(), p);
    }
    assert!(s.schedule_tick(t0).await.unwrap().runs_created >= 3);
    let back = t("2026-03-01T05:30:00Z");
    set(&s, back);
    s.mark_late_runs(back).await.unwrap();
    (dir, s, dep.id)
}

async fn runs(s: &Services, state: &str, name: &str) -> Vec<String> {
    let cond = Cond::All(vec![
        Cond::In(Field::StateType, vec![Val::Text(state.into())]),
        Cond::In(Field::StateName, vec![Val::Text(name.into())]),
    ]);
    let q = Query::new(cond, Order::asc(Field::ExpectedStartTime), None, 0);
    s.flow_runs(q)
        .await
        .unwrap()
        .iter()
        .map(|r| time::format(r.expected_start_time.unwrap()))
        .collect()
}

#[tokio::test]
async fn all_runs_every_missed_run() {
    let (_d, s, _) = after_downtime(None).await;
    let late = runs(&s, "SCHEDULED", "Late").await;
    assert!(late.len() >= 3, "{late:?}");
    assert_eq!(s.skip_missed_runs(s.clock.now()).await.unwrap(), 0);
    assert_eq!(runs(&s, "SCHEDULED", "Late").await, late);
}

#[tokio::test]
async fn latest_keeps_only_the_newest_missed_run() {
    let (_d, s, _) = after_downtime(Some(Catchup::Latest)).await;
    let late = runs(&s, "SCHEDULED", "Late").await;
    assert!(late.len() >= 3, "{late:?}");
    let skipped = s.skip_missed_runs(s.clock.now()).await.unwrap();
    assert_eq!(skipped, late.len() - 1);
    assert_eq!(
        runs(&s, "SCHEDULED", "Late").await,
        [late.last().unwrap().clone()]
    );
    assert_eq!(
        runs(&s, "CANCELLED", "Skipped").await,
        late[..late.len() - 1]
    );
    assert_eq!(
        s.skip_missed_runs(s.clock.now()).await.unwrap(),
        0,
        "idempotent"
    );
}

#[tokio::test]
async fn none_skips_every_missed_run_but_not_a_manual_one() {
    let (_d, s, dep) = after_downtime(Some(Catchup::None)).await;
    let mut asked = ProposedState::of(StateType::Scheduled);
    asked.details.scheduled_time = baton::domain::time::parse("2026-03-01T02:00:00.000000Z");
    let req = DeploymentRunRequest {
        state: Some(asked),
        ..Default::default()
    };
    let (manual, _) = s.create_deployment_run(dep, req).await.unwrap();
    let manual = manual.id;
    s.mark_late_runs(s.clock.now()).await.unwrap();
    let late = runs(&s, "SCHEDULED", "Late").await;
    assert!(
        late.contains(&"2026-03-01T02:00:00.000000Z".to_string()),
        "{late:?}"
    );
    let skipped = s.skip_missed_runs(s.clock.now()).await.unwrap();
    assert_eq!(skipped, late.len() - 1);
    assert_eq!(
        runs(&s, "SCHEDULED", "Late").await,
        ["2026-03-01T02:00:00.000000Z"]
    );
    let m = s.flow_run(manual).await.unwrap();
    assert_eq!(
        m.state_type(),
        Some(StateType::Scheduled),
        "a run someone asked for is never skipped"
    );
}

#[tokio::test]
async fn a_claim_of_a_superseded_run_is_rejected_into_skipped() {
    let (_d, s, _) = after_downtime(Some(Catchup::Latest)).await;
    let cond = Cond::In(Field::StateName, vec![Val::Text("Late".into())]);
    let q = Query::new(cond, Order::asc(Field::ExpectedStartTime), None, 0);
    let late = s.flow_runs(q).await.unwrap();
    let (oldest, newest) = (late[0].id, late.last().unwrap().id);
    let out = s
        .set_flow_run_state(oldest, ProposedState::of(StateType::Pending), false)
        .await
        .unwrap();
    assert!(
        matches!(out.decision, Decision::Reject { .. }),
        "{:?}",
        out.decision
    );
    let st = out.state.unwrap();
    assert_eq!(
        (st.kind, st.name.as_str()),
        (StateType::Cancelled, "Skipped")
    );
    let out = s
        .set_flow_run_state(newest, ProposedState::of(StateType::Pending), false)
        .await
        .unwrap();
    assert!(
        matches!(out.decision, Decision::Accept(_)),
        "{:?}",
        out.decision
    );
}

#[tokio::test]
async fn the_api_reads_and_sets_the_policy() {
    let app = crate::helpers::spawn_app_without_worker().await;
    let flow = app.flow("f").await;
    let (st, d) = app
        .post(
            "/deployments/",
            serde_json::json!({"name": "d", "flow_id": flow}),
        )
        .await;
    assert!(st.is_success(), "{d}");
    let path = format!("/baton/deployments/{}/catchup", d["id"].as_str().unwrap());
    let (_, v) = app.get(&path).await;
    assert_eq!(v, serde_json::json!({"catchup": "all"}));
    let r = app
        .client
        .put(app.url(&path))
        .json(&serde_json::json!({"catchup": "latest"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, v) = app.get(&path).await;
    assert_eq!(v["catchup"], "latest");
    let r = app
        .client
        .put(app.url(&path))
        .json(&serde_json::json!({"catchup": "some"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let (st, _) = app
        .get(&format!("/baton/deployments/{}/catchup", Uuid::new_v4()))
        .await;
    assert_eq!(st, 404);
    let (_, dep) = app
        .get(&format!("/deployments/{}", d["id"].as_str().unwrap()))
        .await;
    assert!(
        dep.get("catchup").is_none(),
        "Prefect's deployment shape is unchanged"
    );
    app.stop().await;
}
