//! `/api/logs/out`: the log websocket (subprotocol `prefect`) that `prefect deployment run --watch` and
//! `prefect flow-run watch` follow. Answer the client's auth, read its `LogFilter`, send the stored lines that
//! match from the filter's lower time bound (Prefect's client asks for the last minute; Baton runs start at
//! once, so their first lines are often older than the subscription), then every new matching line.

use super::auth::WsGate;
use super::convert;
use super::error::{ApiError, ApiResult};
use super::filters;
use super::AppState;
use crate::domain::filter::{Cond, Field, Order, Query, MAX_LIMIT};
use crate::domain::Ts;
use crate::wire::filters::LogFilter;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashSet;
use tokio::sync::broadcast::error::RecvError;

/// The most stored lines sent before the live ones (pages of [`MAX_LIMIT`]).
const BACKFILL_PAGES: u64 = 25;

pub async fn logs_out(State(s): State<AppState>, gate: WsGate, ws: WebSocketUpgrade) -> Response {
    ws.protocols(["prefect"])
        .on_upgrade(move |mut socket| async move {
            if gate.admit(&mut socket).await {
                stream(s, socket).await
            }
        })
}

/// Reads messages until the client's filter; `None` when the socket ended or was closed for a bad message.
async fn read_filter(s: &AppState, socket: &mut WebSocket) -> Option<Cond> {
    loop {
        let msg = tokio::select! {
            m = socket.recv() => m,
            _ = s.stop.cancelled() => return None,
        };
        let text = match msg {
            Some(Ok(Message::Text(t))) => t.to_string(),
            Some(Ok(Message::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => continue,
        };
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match v.get("type").and_then(Value::as_str) {
            Some("auth") => {
                let ok = json!({"type": "auth_success"}).to_string();
                socket.send(Message::Text(ok.into())).await.ok()?;
            }
            Some("filter") => {
                let raw = v.get("filter").unwrap_or(&Value::Null);
                return match logs_json(raw, "filter") {
                    Ok(cond) => Some(cond),
                    Err(e) => {
                        close(socket, format!("Invalid filter: {}", e.detail)).await;
                        None
                    }
                };
            }
            _ => {
                close(socket, "Expected a 'filter' message".into()).await;
                return None;
            }
        }
    }
}

/// Closes with 1002 (protocol error), as Prefect's server does for a bad first message.
async fn close(socket: &mut WebSocket, reason: String) {
    let reason: String = reason.chars().take(120).collect();
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code: 1002,
            reason: reason.into(),
        })))
        .await;
}

/// The filter's lower bound on `timestamp`, when it has one that every match must satisfy.
fn lower_bound(cond: &Cond) -> Option<Ts> {
    match cond {
        Cond::After(Field::Timestamp, t) => Some(*t),
        Cond::All(parts) => parts.iter().filter_map(lower_bound).max(),
        _ => None,
    }
}

async fn stream(s: AppState, mut socket: WebSocket) {
    let Some(cond) = read_filter(&s, &mut socket).await else {
        return;
    };
    // Subscribe before reading the backfill, so no line falls between the two.
    let mut rx = s.bus.subscribe_logs();
    let mut seen = HashSet::new();
    if lower_bound(&cond).is_some() {
        for page in 0..BACKFILL_PAGES {
            let q = Query::new(
                cond.clone(),
                Order::asc(Field::Timestamp),
                Some(MAX_LIMIT),
                page * u64::from(MAX_LIMIT),
            );
            let lines = match s.logs(q).await {
                Ok(lines) => lines,
                Err(e) => {
                    tracing::warn!(error = %e, "could not read stored logs for a log subscriber");
                    break;
                }
            };
            let last_page = lines.len() < MAX_LIMIT as usize;
            for l in lines {
                seen.insert(l.id);
                if send(&mut socket, l).await.is_err() {
                    return;
                }
            }
            if last_page {
                break;
            }
        }
    }
    loop {
        tokio::select! {
            got = rx.recv() => match got {
                Ok(batch) => {
                    for l in batch.iter().filter(|l| cond_holds(&cond, l, &seen)) {
                        if send(&mut socket, l.clone()).await.is_err() {
                            return;
                        }
                    }
                }
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "a slow log subscriber missed log batches")
                }
                Err(RecvError::Closed) => return,
            },
            _ = s.stop.cancelled() => return,
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                _ => {}
            },
        }
    }
}

fn cond_holds(cond: &Cond, l: &crate::domain::log::Log, seen: &HashSet<uuid::Uuid>) -> bool {
    !seen.contains(&l.id) && l.matches(cond)
}

async fn send(socket: &mut WebSocket, l: crate::domain::log::Log) -> Result<(), axum::Error> {
    let msg = json!({"type": "log", "log": convert::log(l)}).to_string();
    socket.send(Message::Text(msg.into())).await
}

/// A log filter sent as JSON outside a request body (the logs websocket's `filter` message); `null` is
/// every line.
pub(super) fn logs_json(v: &serde_json::Value, path: &str) -> ApiResult<Cond> {
    if v.is_null() {
        return Ok(Cond::all());
    }
    let f: LogFilter = serde_path_to_error::deserialize(v.clone())
        .map_err(|e| ApiError::invalid(format!("{path}.{}: {}", e.path(), e.inner())))?;
    filters::logs(&f, path)
}
