//! Concurrency slots and crashes: a deployment's limit holds runs back (or cancels them) and frees on any
//! terminal state; a worker that stops heartbeating has its runs CRASHED, with retries applied.

use crate::helpers::*;
use serde_json::{json, Value};
use std::time::Duration;

async fn deployment(app: &TestApp, body: Value) -> String {
    let flow = app.flow("etl").await;
    let mut b = json!({"name": "d", "flow_id": flow, "work_pool_name": "default"});
    b.as_object_mut()
        .unwrap()
        .extend(body.as_object().unwrap().clone());
    app.deployment(b).await
}

#[tokio::test]
async fn deployment_limits_enqueue_or_cancel_and_free_on_terminal_states() {
    let app = spawn_app_without_worker().await;
    let dep = deployment(
        &app,
        json!({"concurrency_limit": 1, "concurrency_options": {"collision_strategy": "ENQUEUE"}}),
    )
    .await;
    let (a, b) = (
        app.deployment_run(&dep).await,
        app.deployment_run(&dep).await,
    );
    assert_eq!(
        app.propose(&a, json!({"type": "PENDING"}), false)
            .await
            .status,
        "ACCEPT"
    );
    let (_, r) = app.set_state(&b, json!({"type": "PENDING"}), false).await;
    assert_eq!(
        (r["status"].as_str(), r["state"]["name"].as_str()),
        (Some("REJECT"), Some("AwaitingConcurrencySlot"))
    );
    app.propose(&a, json!({"type": "CRASHED"}), false).await;
    assert_eq!(
        app.propose(&b, json!({"type": "PENDING"}), false)
            .await
            .status,
        "ACCEPT",
        "a crash frees the slot"
    );
    app.delete(&format!("/flow_runs/{b}")).await;
    let c = app.deployment_run(&dep).await;
    assert_eq!(
        app.propose(&c, json!({"type": "PENDING"}), false)
            .await
            .status,
        "ACCEPT",
        "a deletion frees the slot"
    );

    let strict = deployment(&app, json!({"name": "strict", "concurrency_limit": 1, "concurrency_options": {"collision_strategy": "CANCEL_NEW"}})).await;
    let (x, y) = (
        app.deployment_run(&strict).await,
        app.deployment_run(&strict).await,
    );
    app.propose(&x, json!({"type": "PENDING"}), false).await;
    let (_, r) = app.set_state(&y, json!({"type": "PENDING"}), false).await;
    assert_eq!(r["state"]["type"], "CANCELLED");
    app.stop().await;
}

#[tokio::test]
async fn runs_of_a_silent_worker_crash_and_retry() {
    let app = spawn_app_without_worker().await;
    let dep = deployment(&app, json!({})).await;
    let (_, r) = app
        .post(
            &format!("/deployments/{dep}/create_flow_run"),
            json!({"empirical_policy": {"retries": 1, "retry_delay": 0}}),
        )
        .await;
    let id = r["id"].as_str().unwrap().to_string();
    app.post(
        "/work_pools/default/workers/heartbeat",
        json!({"name": "ghost", "heartbeat_interval_seconds": 1}),
    )
    .await;
    app.propose(&id, json!({"type": "PENDING"}), false).await;
    app.patch(
        &format!("/flow_runs/{id}/labels"),
        json!({"prefect.worker.name": "ghost"}),
    )
    .await;
    app.propose(&id, json!({"type": "RUNNING"}), false).await;
    poll_until(
        "the run to crash and await its retry",
        Duration::from_secs(15),
        || app.flow_run(&id),
        |run| run.state_name.as_deref() == Some("AwaitingRetry"),
    )
    .await;
    let (_, h) = app
        .get(&format!("/flow_run_states/?flow_run_id={id}"))
        .await;
    let msgs: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["message"].as_str())
        .collect();
    assert!(msgs.iter().any(|m| m.contains("ghost")), "{msgs:?}");
    app.stop().await;
}

#[tokio::test]
async fn concurrency_options_are_checked_where_they_come_in() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("etl").await;
    for (options, field) in [
        (json!({}), "collision_strategy"),
        (
            json!({"collision_strategy": "SOMETIMES"}),
            "collision_strategy",
        ),
        (
            json!({"collision_strategy": "ENQUEUE", "grace_period_seconds": "soon"}),
            "grace_period_seconds",
        ),
    ] {
        let body = json!({"name": "d", "flow_id": flow, "concurrency_limit": 1, "concurrency_options": options});
        let (s, v) = app.post("/deployments/", body).await;
        assert_eq!(s, 422, "{options}: {v}");
        let detail = v["detail"].to_string();
        assert!(
            detail.contains("concurrency_options") && detail.contains(field),
            "{detail}"
        );
    }
    let with_grace = json!({"collision_strategy": "CANCEL_NEW", "grace_period_seconds": 120});
    let dep = deployment(
        &app,
        json!({"concurrency_limit": 1, "concurrency_options": with_grace}),
    )
    .await;
    let (_, d) = app.get(&format!("/deployments/{dep}")).await;
    assert_eq!(d["concurrency_options"], with_grace);
    app.stop().await;
}
