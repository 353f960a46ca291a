//! Background task workers: the websocket `/api/task_runs/subscriptions/scheduled` that hands each waiting
//! task run to one subscribed worker (Prefect's protocol: optional `auth`, then `subscribe` with `keys` and
//! `client_id`; the server sends a task run, the worker answers `ack` and gets the next), and
//! `/api/task_workers/filter`, the workers connected now.

use super::auth::WsGate;
use super::convert;
use super::error::{ApiResult, ObjectBody};
use super::AppState;
use crate::domain::time;
use crate::wire::task_workers as w;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use axum::Json;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::time::Duration;

/// How long a worker has to acknowledge a task run before it goes to another worker.
const ACK_DEADLINE: Duration = Duration::from_secs(30);

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/task_runs/subscriptions/scheduled", get(subscribe))
        .route("/task_workers/filter", post(filter))
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<w::TaskWorkerFilterRequest>,
) -> ApiResult<Json<Vec<w::TaskWorker>>> {
    let keys = b
        .task_worker_filter
        .map(|f| f.task_keys)
        .unwrap_or_default();
    Ok(Json(
        s.task_queue
            .workers(&keys)
            .into_iter()
            .map(|seen| w::TaskWorker {
                identifier: seen.identifier,
                task_keys: seen.task_keys.into_iter().collect(),
                timestamp: time::format(seen.timestamp),
            })
            .collect(),
    ))
}

pub async fn subscribe(State(s): State<AppState>, gate: WsGate, ws: WebSocketUpgrade) -> Response {
    ws.protocols(["prefect"])
        .on_upgrade(move |mut socket| async move {
            if gate.admit(&mut socket).await {
                serve(s, socket).await
            }
        })
}

fn text(m: Message) -> Option<String> {
    match m {
        Message::Text(t) => Some(t.to_string()),
        Message::Binary(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        _ => None,
    }
}

async fn violation(socket: &mut WebSocket, what: &str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 4001,
            reason: format!("Protocol violation: {what}").into(),
        })))
        .await;
}

/// Reads the worker's `subscribe` (answering an `auth` first, when the gate did not need one): its keys and
/// client id, or `None` when it broke the protocol (the socket is closed).
async fn subscription(s: &AppState, socket: &mut WebSocket) -> Option<(Vec<String>, String)> {
    loop {
        let msg = tokio::select! {
            m = socket.recv() => m?.ok()?,
            _ = s.stop.cancelled() => return None,
        };
        let Some(t) = text(msg) else { continue };
        let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
        if v.get("type").and_then(Value::as_str) == Some("auth") {
            let ok = json!({"type": "auth_success"}).to_string();
            socket.send(Message::Text(ok.into())).await.ok()?;
            continue;
        }
        let Ok(sub) = serde_json::from_value::<w::Subscribe>(v) else {
            violation(socket, "expected 'subscribe' message").await;
            return None;
        };
        if sub.kind != "subscribe" {
            violation(socket, "expected 'subscribe' message").await;
            return None;
        }
        let Some(keys) = sub.keys else {
            violation(socket, "expected 'keys' in subscribe message").await;
            return None;
        };
        let Some(client) = sub.client_id else {
            violation(socket, "expected 'client_id' in subscribe message").await;
            return None;
        };
        return Some((keys, client));
    }
}

async fn serve(s: AppState, mut socket: WebSocket) {
    let Some((keys, client)) = subscription(&s, &mut socket).await else {
        return;
    };
    s.task_queue.observe(&client, &keys, s.clock.now(), true);
    let (mut sink, mut stream) = socket.split();
    // The worker's messages (acks), or the end of the connection.
    let (tx, mut replies) = tokio::sync::mpsc::channel::<String>(16);
    let reader = tokio::spawn(async move {
        while let Some(Ok(m)) = stream.next().await {
            if matches!(m, Message::Close(_)) {
                break;
            }
            if let Some(t) = text(m) {
                if tx.send(t).await.is_err() {
                    break;
                }
            }
        }
    });
    loop {
        tokio::select! {
            _ = s.wait_for_task_run(&keys) => {}
            _ = s.stop.cancelled() => break,
            _ = replies.recv() => break, // a message before any task run, or the connection closed
        };
        s.task_queue.observe(&client, &keys, s.clock.now(), false);
        let run = match s.take_task_run(&keys).await {
            Ok(Some(run)) => run,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a waiting task run");
                continue;
            }
        };
        let body = serde_json::to_string(&convert::task_run(run.clone())).unwrap_or_default();
        let sent = sink.send(Message::Text(body.into())).await.is_ok();
        let reply = if sent {
            tokio::time::timeout(ACK_DEADLINE, replies.recv())
                .await
                .ok()
                .flatten()
        } else {
            None
        };
        let kind = reply
            .as_deref()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .and_then(|v| v.get("type").and_then(Value::as_str).map(String::from));
        match kind.as_deref() {
            Some("ack") => continue,
            Some("quit") => break,
            _ => {
                // Not acknowledged: another worker gets it.
                s.task_queue.push(&run.task_key, run.id, true);
                break;
            }
        }
    }
    reader.abort();
    s.task_queue.forget(&client);
    let _ = sink.close().await;
}
