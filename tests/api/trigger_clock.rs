//! The trigger loop against an injected clock: a proactive trigger fires when its window closes with no
//! event (and says when to look again), a half-counted threshold survives a restart and fires once, a
//! resent event does not count twice, compound and sequence triggers wait for their children, and a
//! run-deployment action renders its parameters from the event and runs once.

use baton::domain::event::{resource, Event, EventFilter};
use baton::domain::filter::{Cond, Field, Order, Query};
use baton::domain::{time, Doc, Ts};
use baton::services::automations::NewAutomation;
use baton::services::clock::Clock;
use baton::services::Services;
use baton::store::Store;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn t(s: &str) -> Ts {
    time::parse(s).unwrap()
}

async fn open(dir: &Path, at: Ts) -> Arc<Services> {
    let store = Store::open(&dir.join("baton.db")).await.unwrap();
    Arc::new(Services::new(store, Clock::Fixed(Mutex::new(at))))
}

fn advance(s: &Services, seconds: i64) {
    if let Clock::Fixed(m) = &s.clock {
        *m.lock().unwrap() += chrono::Duration::seconds(seconds);
    }
}

fn event(s: &Services, name: &str, res: &str) -> Event {
    let now = s.clock.now();
    Event {
        id: uuid::Uuid::now_v7(),
        occurred: now,
        event: name.into(),
        resource: resource(res.into(), &[]),
        related: Vec::new(),
        payload: Doc::new(),
        follows: None,
        received: now,
    }
}

async fn automation(s: &Services, name: &str, trigger: Value, actions: Value) -> uuid::Uuid {
    let a = s
        .create_automation(NewAutomation {
            name: name.into(),
            description: String::new(),
            enabled: true,
            tags: Vec::new(),
            trigger: serde_json::from_value(trigger).unwrap(),
            actions: serde_json::from_value(actions).unwrap(),
            actions_on_trigger: Vec::new(),
            actions_on_resolve: Vec::new(),
            owner_resource: None,
        })
        .await
        .unwrap();
    a.id
}

/// Stores events and lets the loop read them.
async fn feed(s: &Services, evs: Vec<Event>) -> Option<Ts> {
    s.ingest_events(evs).await.unwrap();
    s.evaluate_triggers().await.unwrap().next
}

async fn firings(s: &Services, id: uuid::Uuid) -> Vec<Event> {
    let f = EventFilter {
        names: vec!["prefect.automation.triggered".into()],
        resource_ids: vec![format!("prefect.automation.{id}")],
        ..Default::default()
    };
    s.filter_events(f, false, 0, 50).await.unwrap().0
}

fn all_runs() -> Query {
    Query::new(Cond::All(Vec::new()), Order::asc(Field::Id), None, 0)
}

fn reactive(expect: &str, threshold: i64, within: f64) -> Value {
    json!({"type": "event", "expect": [expect], "posture": "Reactive", "threshold": threshold,
           "within": within, "for_each": ["prefect.resource.id"]})
}

#[tokio::test]
async fn a_proactive_trigger_fires_when_its_window_closes_in_silence() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), t("2026-05-01T12:00:00Z")).await;
    s.evaluate_triggers().await.unwrap();
    let trigger = json!({"type": "event", "after": ["prefect.flow-run.Running"],
        "expect": ["prefect.flow-run.Completed"], "for_each": ["prefect.resource.id"],
        "posture": "Proactive", "threshold": 1, "within": 10});
    let id = automation(&s, "slow", trigger, json!([{"type": "do-nothing"}])).await;
    let next = feed(
        &s,
        vec![event(&s, "prefect.flow-run.Running", "prefect.flow-run.a")],
    )
    .await;
    assert_eq!(
        next,
        Some(t("2026-05-01T12:00:10Z")),
        "the loop wakes when the window closes"
    );
    feed(
        &s,
        vec![event(&s, "prefect.flow-run.Running", "prefect.flow-run.b")],
    )
    .await;
    advance(&s, 4);
    feed(
        &s,
        vec![event(
            &s,
            "prefect.flow-run.Completed",
            "prefect.flow-run.b",
        )],
    )
    .await;
    advance(&s, 5);
    s.evaluate_triggers().await.unwrap();
    assert!(
        firings(&s, id).await.is_empty(),
        "fired before the deadline"
    );
    advance(&s, 1);
    s.evaluate_triggers().await.unwrap();
    let fired = firings(&s, id).await;
    assert_eq!(
        fired.len(),
        1,
        "only the run that never completed: {fired:?}"
    );
    assert_eq!(
        fired[0].payload["triggering_labels"]["prefect.resource.id"],
        "prefect.flow-run.a"
    );
    advance(&s, 60);
    s.evaluate_triggers().await.unwrap();
    assert_eq!(firings(&s, id).await.len(), 1, "a window fires once");
}

#[tokio::test]
async fn a_half_counted_threshold_survives_a_restart_and_fires_once() {
    let dir = tempfile::tempdir().unwrap();
    let at = t("2026-05-01T12:00:00Z");
    let s = open(dir.path(), at).await;
    s.evaluate_triggers().await.unwrap();
    let id = automation(
        &s,
        "pair",
        reactive("sensor.reading", 2, 60.0),
        json!([{"type": "do-nothing"}]),
    )
    .await;
    let first = event(&s, "sensor.reading", "sensor.7");
    feed(&s, vec![first.clone()]).await;
    let s = Arc::try_unwrap(s).expect("nothing else holds the services");
    s.store.close().await.unwrap();

    let s = open(dir.path(), at + chrono::Duration::seconds(5)).await;
    feed(&s, vec![first]).await;
    assert!(
        firings(&s, id).await.is_empty(),
        "a resent event counted twice"
    );
    feed(&s, vec![event(&s, "sensor.reading", "sensor.7")]).await;
    assert_eq!(firings(&s, id).await.len(), 1);
    feed(&s, vec![event(&s, "sensor.reading", "sensor.7")]).await;
    assert_eq!(
        firings(&s, id).await.len(),
        1,
        "the window that fired is closed"
    );
}

#[tokio::test]
async fn compound_and_sequence_triggers_wait_for_their_children() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), t("2026-05-01T12:00:00Z")).await;
    s.evaluate_triggers().await.unwrap();
    let all = json!({"type": "compound", "require": "all", "within": 60,
        "triggers": [reactive("a.done", 1, 0.0), reactive("b.done", 1, 0.0)]});
    let both = automation(&s, "both", all, json!([])).await;
    let seq = json!({"type": "sequence", "within": 60,
        "triggers": [reactive("a.done", 1, 0.0), reactive("b.done", 1, 0.0)]});
    let order = automation(&s, "in order", seq, json!([])).await;

    feed(&s, vec![event(&s, "b.done", "x")]).await;
    assert!(firings(&s, both).await.is_empty());
    advance(&s, 1);
    feed(&s, vec![event(&s, "a.done", "x")]).await;
    assert_eq!(firings(&s, both).await.len(), 1, "all children fired");
    assert!(
        firings(&s, order).await.is_empty(),
        "b before a is not the sequence"
    );
    advance(&s, 1);
    feed(&s, vec![event(&s, "b.done", "x")]).await;
    assert_eq!(firings(&s, order).await.len(), 1, "a then b is");
}

#[tokio::test]
async fn run_deployment_renders_parameters_from_the_event_and_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), t("2026-05-01T12:00:00Z")).await;
    s.ensure_default_pool().await.unwrap();
    s.evaluate_triggers().await.unwrap();
    let (flow, _) = s
        .create_flow("etl".into(), vec![], Doc::new())
        .await
        .unwrap();
    let (d, _) = s
        .upsert_deployment("nightly".into(), flow.id, Default::default())
        .await
        .unwrap();
    let actions = json!([{"type": "run-deployment", "source": "selected", "deployment_id": d.id,
        "parameters": {"sensor": "{{ event.resource.id }}", "n": 3}}]);
    automation(&s, "rerun", reactive("sensor.reading", 1, 0.0), actions).await;
    feed(&s, vec![event(&s, "sensor.reading", "sensor.9")]).await;
    s.run_queued_actions();
    s.run_queued_actions();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let runs = loop {
        let runs = s.flow_runs(all_runs()).await.unwrap();
        if !runs.is_empty() || std::time::Instant::now() > deadline {
            break runs;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = s.flow_runs(all_runs()).await.unwrap();
    assert_eq!(again.len(), 1, "one firing, one run: {again:?}");
    assert_eq!(runs[0].deployment_id, Some(d.id));
    assert_eq!(runs[0].parameters["sensor"], "sensor.9");
    assert_eq!(runs[0].parameters["n"], 3);
}

#[tokio::test]
async fn an_automation_that_watches_every_event_does_not_fire_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path(), t("2026-05-01T12:00:00Z")).await;
    s.evaluate_triggers().await.unwrap();
    let everything = json!({"type": "event", "posture": "Reactive", "threshold": 1, "within": 0});
    let id = automation(
        &s,
        "everything",
        everything,
        json!([{"type": "do-nothing"}]),
    )
    .await;
    feed(&s, vec![event(&s, "sensor.reading", "sensor.1")]).await;
    for _ in 0..3 {
        s.evaluate_triggers().await.unwrap();
    }
    assert_eq!(firings(&s, id).await.len(), 1, "it fired on its own firing");
}
