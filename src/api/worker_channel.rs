//! The worker channel websocket Prefect ≥ 3.9 workers open at `/api/work_pools/{name}/workers/connect`:
//! auth → auth_success, `worker.hello.v1` → `worker.ready.v1` (with the pool snapshot and resolved queues),
//! then `worker.heartbeat.v1` frames keep the worker ONLINE. Runs are still fetched over REST.

use super::work_pools::pool_json;
use super::AppState;
use crate::domain::time;
use crate::services::work_pools::NewPool;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{json, Value};
use uuid::Uuid;

const CHANNEL_VERSION: &str = "work_pool_worker_channel.v1";
const CAPABILITIES: [&str; 2] = ["worker_heartbeat.v1", "work_pool_snapshot.v1"];

pub async fn connect(
    State(s): State<AppState>,
    Path(pool): Path<String>,
    gate: super::auth::WsGate,
    ws: WebSocketUpgrade,
) -> Response {
    ws.protocols(["prefect"])
        .on_upgrade(move |mut socket| async move {
            if gate.admit(&mut socket).await {
                channel(s, pool, socket).await
            }
        })
}

fn frame(kind: &str, payload: Value) -> Message {
    let f = json!({"type": kind, "id": Uuid::new_v4().to_string(), "sent_at": time::format(chrono::Utc::now()), "payload": payload});
    Message::Text(f.to_string().into())
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.to_string().into(),
        })))
        .await;
}

async fn channel(s: AppState, pool: String, mut socket: WebSocket) {
    let mut worker: Option<(String, i64)> = None;
    loop {
        let msg = tokio::select! {
            m = socket.recv() => m,
            _ = s.stop.cancelled() => return close(&mut socket, 1001, "server shutting down").await,
        };
        let text = match msg {
            Some(Ok(Message::Text(t))) => t.to_string(),
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
            _ => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            return close(&mut socket, 4400, "frames must be JSON").await;
        };
        match v.get("type").and_then(Value::as_str) {
            Some("auth") => {
                if socket
                    .send(Message::Text(
                        json!({"type": "auth_success"}).to_string().into(),
                    ))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Some("worker.hello.v1") => match hello(&s, &pool, &v["payload"]).await {
                Ok((ready, name, interval)) => {
                    worker = Some((name, interval));
                    if socket.send(frame("worker.ready.v1", ready)).await.is_err() {
                        return;
                    }
                }
                Err(reason) => return close(&mut socket, 4404, &reason).await,
            },
            Some("worker.heartbeat.v1") => {
                let p = &v["payload"];
                let name = p["worker_name"]
                    .as_str()
                    .map(String::from)
                    .or_else(|| worker.as_ref().map(|w| w.0.clone()));
                let interval = p["heartbeat_interval_seconds"]
                    .as_i64()
                    .or(worker.as_ref().map(|w| w.1));
                if let Some(name) = name {
                    if let Err(e) = s.worker_heartbeat(pool.clone(), name, interval).await {
                        tracing::warn!(error = %e, "could not record a worker heartbeat");
                    }
                }
            }
            _ => tracing::debug!(frame = %text, "ignored a worker channel frame"),
        }
    }
}

async fn hello(s: &AppState, pool: &str, p: &Value) -> Result<(Value, String, i64), String> {
    let name = p["worker_name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .ok_or("worker.hello.v1 needs worker_name")?
        .to_string();
    let interval = p["heartbeat_interval_seconds"]
        .as_i64()
        .filter(|i| *i > 0)
        .unwrap_or(30);
    let existing = s.pool(pool.to_string()).await;
    let wp = match existing {
        Ok(wp) => wp,
        Err(_) if p["create_pool_if_not_found"].as_bool() == Some(true) => {
            let template = p["default_base_job_template"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let new = NewPool {
                name: pool.to_string(),
                kind: p["worker_type"].as_str().unwrap_or("process").to_string(),
                base_job_template: template,
                ..Default::default()
            };
            s.create_pool(new).await.map_err(|e| e.to_string())?
        }
        Err(e) => return Err(e.to_string()),
    };
    let worker_id = s
        .worker_heartbeat(pool.to_string(), name.clone(), Some(interval))
        .await
        .map_err(|e| e.to_string())?;
    let (wp, queues) = s.queues(wp.name.clone()).await.map_err(|e| e.to_string())?;
    let wanted: Vec<String> = p["work_queue_names"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|q| q.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let resolved: Vec<Value> = queues
        .iter()
        .filter(|q| wanted.is_empty() || wanted.contains(&q.name))
        .map(|q| json!({"id": q.id.to_string(), "name": q.name}))
        .collect();
    let requested: Vec<String> = p["requested_capabilities"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let rejected: Vec<&String> = requested
        .iter()
        .filter(|c| !CAPABILITIES.contains(&c.as_str()))
        .collect();
    let workers = s.pool_workers(wp.id).await.map_err(|e| e.to_string())?;
    let snapshot = pool_json(wp, &workers, s.clock.now());
    let ready = json!({
        "consumer_id": p["consumer_id"],
        "worker_id": worker_id.to_string(),
        "selected_channel_version": CHANNEL_VERSION,
        "effective_heartbeat_interval_seconds": interval,
        "accepted_capabilities": CAPABILITIES,
        "rejected_capabilities": rejected,
        "effective_max_cleanup_concurrency": 0,
        "resolved_work_queues": resolved,
        "initial_snapshot": {"snapshot_sequence": 1, "reason": "initial", "work_pool": snapshot},
    });
    Ok((ready, name, interval))
}
