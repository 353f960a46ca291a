//! `/api/logs/out` (issue 13, item 6): the log websocket `prefect deployment run --watch` follows. After auth
//! and a `LogFilter`, the stored lines that match from the filter's lower time bound arrive first, then each
//! new matching line once; a bad filter closes the socket with 1002.

use crate::events_ws::{auth, connect, next_json, Ws};
use crate::helpers::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

fn line(
    run: &str,
    level: i64,
    message: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> serde_json::Value {
    json!({"name": "prefect.flow_runs", "level": level, "message": message,
           "timestamp": at.to_rfc3339(), "flow_run_id": run, "task_run_id": null})
}

async fn send_filter(ws: &mut Ws, filter: serde_json::Value) {
    ws.send(Message::Text(
        json!({"type": "filter", "filter": filter})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn backfill_then_live_lines_that_match() {
    let app = spawn_app_without_worker().await;
    let flow = app.flow("logged").await;
    let a = app.run(&flow, json!({})).await.id;
    let b = app.run(&flow, json!({})).await.id;
    let now = chrono::Utc::now();
    let early = vec![
        line(&a, 20, "A recent", now - chrono::Duration::seconds(10)),
        line(&a, 20, "A too old", now - chrono::Duration::minutes(5)),
        line(&b, 20, "B recent", now - chrono::Duration::seconds(5)),
    ];
    assert_eq!(
        app.post("/logs/", json!(early)).await.0,
        StatusCode::CREATED
    );

    let mut ws = connect(&app, "/logs/out").await;
    auth(&mut ws).await;
    // The shape Prefect's client sends: every key present, unused ones null.
    send_filter(
        &mut ws,
        json!({"level": {"ge_": 20, "le_": null},
               "timestamp": {"before_": (now + chrono::Duration::days(365)).to_rfc3339(),
                             "after_": (now - chrono::Duration::minutes(1)).to_rfc3339()},
               "flow_run_id": {"any_": [a]}, "task_run_id": null}),
    )
    .await;
    let first = next_json(&mut ws).await;
    assert_eq!(first["type"], "log");
    assert_eq!(first["log"]["message"], "A recent");
    assert_eq!(first["log"]["flow_run_id"], a.as_str());

    let live = vec![
        line(&a, 10, "A debug", now),
        line(&b, 40, "B error", now),
        line(&a, 40, "A error", now),
    ];
    assert_eq!(app.post("/logs/", json!(live)).await.0, StatusCode::CREATED);
    let next = next_json(&mut ws).await;
    assert_eq!(next["log"]["message"], "A error", "{next}");
    // Nothing else matches: no further message arrives.
    let more = tokio::time::timeout(Duration::from_millis(300), ws.next()).await;
    assert!(more.is_err(), "unexpected message {more:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_filter_closes_with_a_protocol_error() {
    let app = spawn_app_without_worker().await;
    let mut ws = connect(&app, "/logs/out").await;
    auth(&mut ws).await;
    send_filter(&mut ws, json!({"flow_run_id": {"any_": ["not-a-uuid"]}})).await;
    let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .expect("an answer in time");
    match msg {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1002);
            assert!(frame.reason.contains("Invalid filter"), "{}", frame.reason);
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
    app.stop().await;
}
