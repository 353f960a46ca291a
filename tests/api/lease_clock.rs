//! Leases against an injected clock: an expired lease frees its slots by itself (no sweep needed), comes
//! back on renewal only while its slots are still free, rate limits drain by the clock, and a deployment
//! run whose slot lapsed while it was pending is cancelled rather than run over the limit.

use baton::domain::deployment::DeploymentPatch;
use baton::domain::flow_run::ProposedState;
use baton::domain::lease::{SlotMode, SlotRequest};
use baton::domain::{time, Decision, Doc, StateType, Ts};
use baton::services::clock::Clock;
use baton::services::concurrency_limits::{LimitRef, NewLimit};
use baton::services::deployments::DeploymentRunRequest;
use baton::services::leases::Hold;
use baton::services::{ServiceError, Services};
use baton::store::Store;
use std::sync::Mutex;

fn t(s: &str) -> Ts {
    time::parse(s).unwrap()
}

fn advance(s: &Services, seconds: f64) {
    if let Clock::Fixed(m) = &s.clock {
        let mut now = m.lock().unwrap();
        *now += chrono::Duration::microseconds((seconds * 1e6) as i64);
    }
}

async fn services() -> (tempfile::TempDir, Services) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("baton.db")).await.unwrap();
    let s = Services::new(store, Clock::Fixed(Mutex::new(t("2026-03-01T00:00:00Z"))));
    (dir, s)
}

async fn limit(s: &Services, name: &str, limit: i64, decay: f64) {
    s.create_limit(NewLimit {
        name: name.into(),
        limit,
        active: true,
        active_slots: 0,
        denied_slots: 0,
        slot_decay_per_second: decay,
    })
    .await
    .unwrap();
}

fn req(name: &str, mode: SlotMode) -> SlotRequest {
    SlotRequest {
        names: vec![name.into()],
        slots: 1,
        mode,
    }
}

fn leased(seconds: i64) -> Hold {
    Hold {
        lease: Some(chrono::Duration::seconds(seconds)),
        holder: None,
    }
}

async fn in_use(s: &Services, name: &str) -> i64 {
    s.limit(LimitRef::Name(name.into()))
        .await
        .unwrap()
        .in_use(s.clock.now())
}

/// A deployment with a concurrency limit of 1 on the default pool.
async fn one_at_a_time(s: &Services, name: &str) -> baton::domain::deployment::Deployment {
    s.ensure_default_pool().await.unwrap();
    let (flow, _) = s
        .create_flow("etl".into(), vec![], Doc::new())
        .await
        .unwrap();
    let patch = DeploymentPatch {
        concurrency_limit: Some(Some(1)),
        work_pool_name: Some(Some("default".into())),
        ..Default::default()
    };
    s.upsert_deployment(name.into(), flow.id, patch)
        .await
        .unwrap()
        .0
}

#[tokio::test]
async fn an_expired_lease_frees_its_slots_and_renews_only_while_they_are_free() {
    let (_dir, s) = services().await;
    limit(&s, "one", 1, 0.0).await;
    let first = s
        .take_slots(&req("one", SlotMode::Concurrency), leased(60))
        .await
        .unwrap();
    let first = first.lease.unwrap().id;
    assert_eq!(in_use(&s, "one").await, 1);
    advance(&s, 59.0);
    s.renew_lease(first, Some(60.0)).await.unwrap();
    advance(&s, 61.0);
    assert_eq!(
        in_use(&s, "one").await,
        0,
        "expired: free without any sweep"
    );
    s.renew_lease(first, Some(60.0)).await.unwrap();
    assert_eq!(
        in_use(&s, "one").await,
        1,
        "renewed while nobody took the slot"
    );
    advance(&s, 61.0);
    let second = s
        .take_slots(&req("one", SlotMode::Concurrency), leased(60))
        .await
        .unwrap();
    let err = s.renew_lease(first, Some(60.0)).await.unwrap_err();
    assert!(matches!(err, ServiceError::Gone(_)), "{err:?}");
    assert_eq!(in_use(&s, "one").await, 1);
    advance(&s, 61.0);
    assert_eq!(
        s.sweep_leases().await.unwrap(),
        1,
        "the second lease is swept"
    );
    assert_eq!(in_use(&s, "one").await, 0);
    assert!(s.renew_lease(second.lease.unwrap().id, None).await.is_err());
}

#[tokio::test]
async fn rate_limits_drain_by_the_clock() {
    let (_dir, s) = services().await;
    limit(&s, "api", 2, 5.0).await;
    for _ in 0..2 {
        s.take_slots(
            &req("api", SlotMode::RateLimit),
            Hold {
                lease: None,
                holder: None,
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(in_use(&s, "api").await, 2);
    advance(&s, 0.2);
    assert_eq!(in_use(&s, "api").await, 1);
    advance(&s, 0.2);
    assert_eq!(in_use(&s, "api").await, 0);
}

#[tokio::test]
async fn a_pending_run_whose_slot_lapsed_is_cancelled_when_another_took_it() {
    let (_dir, s) = services().await;
    let dep = one_at_a_time(&s, "one-at-a-time").await;
    let scheduled = || DeploymentRunRequest {
        state: Some(ProposedState::of(StateType::Scheduled)),
        ..Default::default()
    };
    let (a, _) = s.create_deployment_run(dep.id, scheduled()).await.unwrap();
    let (b, _) = s.create_deployment_run(dep.id, scheduled()).await.unwrap();
    let claim = s
        .set_flow_run_state(a.id, ProposedState::of(StateType::Pending), false)
        .await
        .unwrap();
    assert!(
        matches!(claim.decision, Decision::Accept(_)),
        "{:?}",
        claim.decision
    );
    // Its infrastructure takes longer than the lease: the slot lapses and `b` takes it.
    advance(&s, 301.0);
    let claim_b = s
        .set_flow_run_state(b.id, ProposedState::of(StateType::Pending), false)
        .await
        .unwrap();
    assert!(
        matches!(claim_b.decision, Decision::Accept(_)),
        "{:?}",
        claim_b.decision
    );
    let start_a = s
        .set_flow_run_state(a.id, ProposedState::of(StateType::Running), false)
        .await
        .unwrap();
    let state = start_a.state.unwrap();
    assert_eq!(state.kind, StateType::Cancelled, "{:?}", start_a.decision);
    assert!(state.message.unwrap_or_default().contains("slot lost"));
    let start_b = s
        .set_flow_run_state(b.id, ProposedState::of(StateType::Running), false)
        .await
        .unwrap();
    assert!(matches!(start_b.decision, Decision::Accept(_)));
    assert_eq!(
        in_use(&s, &format!("deployment:{}", dep.id)).await,
        1,
        "only `b` holds the slot"
    );
}

#[tokio::test]
async fn a_live_workers_heartbeat_keeps_its_runs_deployment_slots() {
    let (_dir, s) = services().await;
    let dep = one_at_a_time(&s, "kept").await;
    let gate = format!("deployment:{}", dep.id);
    let mut runs = Vec::new();
    for _ in 0..2 {
        let req = DeploymentRunRequest {
            state: Some(ProposedState::of(StateType::Scheduled)),
            ..Default::default()
        };
        runs.push(s.create_deployment_run(dep.id, req).await.unwrap().0.id);
    }
    // The first run is let through; the second waits behind it.
    s.set_flow_run_state(runs[0], ProposedState::of(StateType::Pending), false)
        .await
        .unwrap();
    s.set_flow_run_state(runs[0], ProposedState::of(StateType::Running), false)
        .await
        .unwrap();
    let mut labels = Doc::new();
    labels.insert("prefect.worker.name".into(), "w1".into());
    s.update_flow_run_labels(runs[0], labels).await.unwrap();
    for _ in 0..4 {
        advance(&s, 200.0);
        s.worker_heartbeat("default".into(), "w1".into(), Some(30))
            .await
            .unwrap();
        assert_eq!(in_use(&s, &gate).await, 1, "the heartbeat kept the slot");
    }
    let claim = s
        .set_flow_run_state(runs[1], ProposedState::of(StateType::Pending), false)
        .await
        .unwrap();
    assert!(
        matches!(claim.decision, Decision::Reject { .. }),
        "{:?}",
        claim.decision
    );
    // Without heartbeats (the worker died) the lease runs out and the next run gets the slot.
    advance(&s, 301.0);
    assert_eq!(in_use(&s, &gate).await, 0);
}
