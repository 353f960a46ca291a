//! The event websockets: auth answered, task-run events become task runs idempotently in any order, and
//! flow-run state events reach subscribers.

use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub(crate) type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn connect(app: &TestApp, path: &str) -> Ws {
    let mut req = format!("ws://{}/api{path}", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "prefect".parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(
        resp.headers().get("sec-websocket-protocol").unwrap(),
        "prefect"
    );
    ws
}

pub(crate) async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message in time")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

pub(crate) async fn auth(ws: &mut Ws) {
    ws.send(Message::Text(
        json!({"type": "auth", "token": null}).to_string().into(),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(ws).await, json!({"type": "auth_success"}));
}

fn task_event(
    task: &str,
    flow_run: &str,
    kind: &str,
    name: &str,
    at: &str,
    run_count: i64,
) -> Value {
    json!({
        "id": uuid::Uuid::new_v4().to_string(), "occurred": at, "event": format!("prefect.task-run.{name}"),
        "resource": {"prefect.resource.id": format!("prefect.task-run.{task}"), "prefect.resource.name": "flaky-0",
                     "prefect.state-type": kind, "prefect.state-name": name, "prefect.state-timestamp": at,
                     "prefect.run-count": run_count.to_string(), "prefect.orchestration": "client"},
        "related": [{"prefect.resource.id": format!("prefect.flow-run.{flow_run}"), "prefect.resource.role": "flow-run"}],
        "payload": {"intended": {"from": null, "to": kind},
                    "validated_state": {"type": kind, "name": name, "message": "", "state_details": {}, "data": null},
                    "task_run": {"name": "flaky-0", "task_key": "flaky-abc", "dynamic_key": "0", "run_count": run_count,
                                 "flow_run_run_count": 1, "expected_start_time": "2026-11-22T11:40:00Z", "tags": [],
                                 "empirical_policy": {"retries": 1}, "task_inputs": {}}},
        "follows": null
    })
}

#[tokio::test]
async fn task_run_events_become_task_runs_in_any_order() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({"state": {"type": "RUNNING"}})).await;
    let fr = run.id.as_str();
    let task = uuid::Uuid::now_v7().to_string();
    let mut ws = connect(&app, "/events/in").await;
    auth(&mut ws).await;
    let done = task_event(
        &task,
        fr,
        "COMPLETED",
        "Completed",
        "2026-11-22T11:40:05Z",
        2,
    );
    let events = [
        done.clone(),
        task_event(&task, fr, "PENDING", "Pending", "2026-11-22T11:40:01Z", 0),
        task_event(&task, fr, "RUNNING", "Running", "2026-11-22T11:40:02Z", 1),
        task_event(
            &task,
            fr,
            "SCHEDULED",
            "AwaitingRetry",
            "2026-11-22T11:40:03Z",
            1,
        ),
        task_event(&task, fr, "RUNNING", "Retrying", "2026-11-22T11:40:04Z", 2),
        done,
    ];
    for e in events {
        ws.send(Message::Text(e.to_string().into())).await.unwrap();
    }
    ws.close(None).await.unwrap();
    poll_until(
        "5 states in the task run's history",
        Duration::from_secs(10),
        || async {
            app.get(&format!("/task_run_states/?task_run_id={task}"))
                .await
                .1
        },
        |h| h.as_array().map(Vec::len) == Some(5),
    )
    .await;
    let (_, t) = app.get(&format!("/task_runs/{task}")).await;
    assert_eq!(t["state_type"], "COMPLETED");
    assert_eq!(t["run_count"], 2);
    assert_eq!(t["flow_run_id"], fr);
    assert_eq!(t["name"], "flaky-0");
    let (_, list) = app
        .post(
            "/task_runs/filter",
            json!({"flow_runs": {"id": {"any_": [fr]}}}),
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn subscribers_receive_matching_flow_run_events() {
    let app = spawn_app().await;
    let flow = app.flow("etl").await;
    let run = app.run(&flow, json!({"state": {"type": "RUNNING"}})).await;
    let id = run.id.as_str();
    app.patch(
        &format!("/flow_runs/{id}"),
        json!({"infrastructure_pid": "99"}),
    )
    .await;
    let mut ws = connect(&app, "/events/out").await;
    auth(&mut ws).await;
    let since = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let filter = json!({"type": "filter", "filter": {"occurred": {"since": since, "until": null},
        "event": {"name": ["prefect.flow-run.Cancelling"]}, "any_resource": null, "order": "DESC"}});
    ws.send(Message::Text(filter.to_string().into()))
        .await
        .unwrap();
    app.propose(
        id,
        json!({"type": "CANCELLING", "name": "Cancelling"}),
        false,
    )
    .await;
    let msg = next_json(&mut ws).await;
    assert_eq!(msg["type"], "event");
    assert_eq!(msg["event"]["event"], "prefect.flow-run.Cancelling");
    assert_eq!(
        msg["event"]["resource"]["prefect.resource.id"],
        format!("prefect.flow-run.{id}")
    );
    assert_eq!(msg["event"]["related"][0]["prefect.resource.role"], "flow");
    app.stop().await;
}

#[tokio::test]
async fn open_websockets_do_not_block_shutdown() {
    let app = spawn_app().await;
    let mut ws = connect(&app, "/events/in").await;
    auth(&mut ws).await;
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("shutdown with an open websocket");
}

/// Runs the scheduler creates store their events in the same commit (issue 13, item 4): a subscriber that
/// connects afterwards with a `since` before the deployment existed receives every scheduled run's event.
#[tokio::test]
async fn scheduled_runs_events_are_stored_for_late_subscribers() {
    let app = spawn_app_without_worker().await;
    let since = (chrono::Utc::now() - chrono::Duration::seconds(5)).to_rfc3339();
    let flow = app.flow("ticker").await;
    let (s, d) = app
        .post(
            "/deployments/",
            json!({"name": "hourly", "flow_id": flow,
                   "schedules": [{"schedule": {"interval": 3600}, "active": true}]}),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::CREATED, "{d}");
    let dep = d["id"].as_str().unwrap().to_string();
    let runs_body = json!({"flow_runs": {"deployment_id": {"any_": [dep]}}, "limit": 200});
    let runs = poll_until(
        "3 scheduled runs",
        Duration::from_secs(10),
        || async { app.post("/flow_runs/filter", runs_body.clone()).await.1 },
        |runs| runs.as_array().is_some_and(|r| r.len() >= 3),
    )
    .await;
    let mut want: std::collections::HashSet<String> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("prefect.flow-run.{}", r["id"].as_str().unwrap()))
        .collect();

    let mut ws = connect(&app, "/events/out").await;
    auth(&mut ws).await;
    let filter = json!({"type": "filter", "filter": {"occurred": {"since": since, "until": null},
        "event": {"name": ["prefect.flow-run.Scheduled"]}, "any_resource": null, "order": "ASC"}});
    ws.send(Message::Text(filter.to_string().into()))
        .await
        .unwrap();
    while !want.is_empty() {
        let msg = next_json(&mut ws).await;
        let resource = msg["event"]["resource"]["prefect.resource.id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            want.remove(&resource) || !resource.starts_with("prefect.flow-run."),
            "unexpected or repeated event {msg}"
        );
    }
    app.stop().await;
}
