//! The flow-run policy through the API: claim once, WAIT, retries, cancel paths, terminal protection, force,
//! bookkeeping and history.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn states(app: &TestApp, id: &str) -> Vec<String> {
    let (_, h) = app
        .get(&format!("/flow_run_states/?flow_run_id={id}"))
        .await;
    h.as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn full_lifecycle_with_a_retry() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({"state": {"type": "SCHEDULED"}, "empirical_policy": {"retries": 1, "retry_delay": 0}})).await;
    let id = run.id.as_str();
    let (s, r) = app
        .set_state(id, json!({"type": "PENDING", "name": "Pending"}), false)
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::CREATED, Some("ACCEPT"))
    );
    assert!(
        r["state"]["state_details"]["scheduled_time"].is_string(),
        "scheduled time copied onto PENDING"
    );
    let (s, r) = app
        .set_state(id, json!({"type": "PENDING", "name": "Submitting"}), false)
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::CREATED, Some("ACCEPT"))
    );
    let (_, r) = app.set_state(id, json!({"type": "RUNNING"}), false).await;
    assert_eq!(r["status"], "ACCEPT");
    assert_eq!(r["details"]["type"], "accept_details");
    let (s, r) = app
        .set_state(id, json!({"type": "FAILED", "message": "boom"}), false)
        .await;
    assert_eq!(
        (s, r["status"].as_str()),
        (StatusCode::CREATED, Some("REJECT"))
    );
    assert_eq!(r["state"]["name"], "AwaitingRetry");
    assert_eq!(r["state"]["type"], "SCHEDULED");
    let (_, r) = app
        .set_state(id, json!({"type": "RUNNING", "name": "Retrying"}), false)
        .await;
    assert_eq!(r["status"], "ACCEPT");
    let (_, r) = app.set_state(id, json!({"type": "FAILED"}), false).await;
    assert_eq!(
        (r["status"].as_str(), r["state"]["type"].as_str()),
        (Some("ACCEPT"), Some("FAILED"))
    );
    let (_, got) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!(got["run_count"], 2);
    assert!(got["start_time"].is_string() && got["end_time"].is_string());
    assert!(got["total_run_time"].as_f64().unwrap() >= 0.0);
    assert_eq!(
        states(&app, id).await,
        [
            "Scheduled",
            "Pending",
            "Submitting",
            "Running",
            "AwaitingRetry",
            "Retrying",
            "Failed"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_run_is_claimed_once() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let run = app
        .run(&flow, json!({"state": {"type": "SCHEDULED"}}))
        .await;
    let id = run.id.as_str();
    let (a, b) = tokio::join!(
        app.set_state(id, json!({"type": "PENDING"}), false),
        app.set_state(id, json!({"type": "PENDING"}), false)
    );
    let mut statuses = vec![
        a.1["status"].as_str().unwrap().to_string(),
        b.1["status"].as_str().unwrap().to_string(),
    ];
    statuses.sort();
    assert_eq!(statuses, ["ABORT", "ACCEPT"]);
    let aborted = if a.1["status"] == "ABORT" { &a } else { &b };
    assert_eq!(aborted.0, StatusCode::OK);
    assert_eq!(aborted.1["details"]["type"], "abort_details");
    app.stop().await;
}

#[tokio::test]
async fn running_before_the_scheduled_time_waits() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let at = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc3339();
    let run = app
        .run(
            &flow,
            json!({"state": {"type": "SCHEDULED", "state_details": {"scheduled_time": at}}}),
        )
        .await;
    let id = run.id.as_str();
    assert!(run.next_scheduled_start_time.is_some());
    let (s, r) = app.set_state(id, json!({"type": "RUNNING"}), false).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["status"], "WAIT");
    let delay = r["details"]["delay_seconds"].as_i64().unwrap();
    assert!((25..=30).contains(&delay), "{delay}");
    assert_eq!(r["state"], Value::Null);
    let (_, got) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!(got["state_type"], "SCHEDULED");
    app.stop().await;
}

#[tokio::test]
async fn cancel_paths() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let queued = app
        .run(&flow, json!({"state": {"type": "SCHEDULED"}}))
        .await;
    let (_, r) = app
        .set_state(queued.id.as_str(), json!({"type": "CANCELLING"}), false)
        .await;
    assert_eq!(
        r["state"]["type"], "CANCELLED",
        "nothing runs it, so it is cancelled at once"
    );

    let running = app.run(&flow, json!({"state": {"type": "RUNNING"}})).await;
    let id = running.id.as_str();
    app.patch(
        &format!("/flow_runs/{id}"),
        json!({"infrastructure_pid": "77"}),
    )
    .await;
    let (_, r) = app
        .set_state(
            id,
            json!({"type": "CANCELLING", "name": "Cancelling"}),
            false,
        )
        .await;
    assert_eq!(r["state"]["type"], "CANCELLING");
    let (_, r) = app.set_state(id, json!({"type": "COMPLETED"}), false).await;
    assert_eq!(
        (r["status"].as_str(), r["state"]["type"].as_str()),
        (Some("REJECT"), Some("CANCELLING"))
    );
    let (_, r) = app.set_state(id, json!({"type": "CANCELLED"}), true).await;
    assert_eq!(r["state"]["type"], "CANCELLED");
    let (_, got) = app.get(&format!("/flow_runs/{id}")).await;
    assert!(got["end_time"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn terminal_states_are_final_without_force() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({"state": {"type": "RUNNING"}})).await;
    let id = run.id.as_str();
    app.propose(id, json!({"type": "COMPLETED"}), false).await;
    let (s, r) = app.set_state(id, json!({"type": "RUNNING"}), false).await;
    assert_eq!(
        (s, r["status"].as_str(), r["state"]["type"].as_str()),
        (StatusCode::OK, Some("REJECT"), Some("COMPLETED"))
    );
    let (_, r) = app.set_state(id, json!({"type": "CRASHED"}), false).await;
    assert_eq!(r["status"], "ABORT");
    let (_, r) = app.set_state(id, json!({"type": "FAILED"}), true).await;
    assert_eq!(
        (r["status"].as_str(), r["state"]["type"].as_str()),
        (Some("ACCEPT"), Some("FAILED"))
    );
    let (_, r) = app
        .set_state(
            id,
            json!({"type": "SCHEDULED", "name": "AwaitingRetry"}),
            false,
        )
        .await;
    assert_eq!(r["status"], "ACCEPT", "a retry leaves a terminal state");
    let (_, got) = app.get(&format!("/flow_runs/{id}")).await;
    assert_eq!(
        (got["run_count"].as_i64(), got["end_time"].clone()),
        (Some(0), Value::Null)
    );
    app.stop().await;
}

#[tokio::test]
async fn repeated_transition_id_is_rejected() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({"state": {"type": "PENDING"}})).await;
    let id = run.id.as_str();
    let tid = uuid::Uuid::new_v4().to_string();
    let st = json!({"type": "RUNNING", "state_details": {"transition_id": tid}});
    assert_eq!(app.propose(id, st.clone(), false).await.status, "ACCEPT");
    let (_, r) = app
        .set_state(
            id,
            json!({"type": "COMPLETED", "state_details": {"transition_id": tid}}),
            false,
        )
        .await;
    assert_eq!(r["status"], "REJECT");
    assert_eq!(r["state"]["type"], "RUNNING");
    app.stop().await;
}
