//! The event websockets (subprotocol `prefect`). `/api/events/in`: answer the client's auth at once, then
//! ingest each event it streams. `/api/events/out`: answer auth, read the subscriber's filter, replay stored
//! matching events from the filter's `since`, then push every new matching event from the bus.

use super::auth::WsGate;
use super::AppState;
use crate::domain::event::{Event, EventFilter};
use crate::domain::{time, Ts};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashSet;
use tokio::sync::broadcast::error::RecvError;

pub async fn events_in(State(s): State<AppState>, gate: WsGate, ws: WebSocketUpgrade) -> Response {
    ws.protocols(["prefect"])
        .on_upgrade(move |mut socket| async move {
            if gate.admit(&mut socket).await {
                ingest(s, socket).await
            }
        })
}

pub async fn events_out(State(s): State<AppState>, gate: WsGate, ws: WebSocketUpgrade) -> Response {
    ws.protocols(["prefect"])
        .on_upgrade(move |mut socket| async move {
            if gate.admit(&mut socket).await {
                stream(s, socket).await
            }
        })
}

async fn ingest(s: AppState, mut socket: WebSocket) {
    loop {
        let msg = tokio::select! {
            m = socket.recv() => m,
            _ = s.stop.cancelled() => break,
        };
        let Some(Ok(msg)) = msg else { break };
        let text = match msg {
            Message::Text(t) => t.to_string(),
            Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            Message::Close(_) => break,
            _ => continue,
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if v.get("type").and_then(Value::as_str) == Some("auth") {
            if socket
                .send(Message::Text(
                    json!({"type": "auth_success"}).to_string().into(),
                ))
                .await
                .is_err()
            {
                break;
            }
            continue;
        }
        let now = s.clock.now();
        match parse_event(&v, now) {
            Some(e) => {
                if let Err(err) = s.ingest_events(vec![e]).await {
                    tracing::warn!(error = %err, "could not store an event");
                }
            }
            None => tracing::debug!("ignored a malformed event on /api/events/in"),
        }
    }
}

async fn stream(s: AppState, mut socket: WebSocket) {
    let mut filter = None;
    while filter.is_none() {
        let msg = tokio::select! {
            m = socket.recv() => m,
            _ = s.stop.cancelled() => return,
        };
        let Some(Ok(msg)) = msg else { return };
        let Message::Text(text) = msg else {
            if matches!(msg, Message::Close(_)) {
                return;
            }
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match v.get("type").and_then(Value::as_str) {
            Some("auth") if send_auth_success(&mut socket).await.is_err() => return,
            Some("filter") => filter = Some(parse_filter(v.get("filter").unwrap_or(&Value::Null))),
            _ => {}
        }
    }
    let Some(filter) = filter else { return };
    let mut rx = s.bus.subscribe();
    let mut seen = HashSet::new();
    if let Some(since) = filter.since {
        let backfill = s.events_since(since, 1000).await.unwrap_or_default();
        for e in backfill.iter().filter(|e| filter.matches(e)) {
            seen.insert(e.id);
            if send_event(&mut socket, e).await.is_err() {
                return;
            }
        }
    }
    loop {
        tokio::select! {
            got = rx.recv() => match got {
                Ok(e) => {
                    if filter.matches(&e) && !seen.contains(&e.id) && send_event(&mut socket, &e).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(n)) => tracing::warn!(missed = n, "a slow events subscriber missed events"),
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

async fn send_auth_success(socket: &mut WebSocket) -> Result<(), axum::Error> {
    socket
        .send(Message::Text(
            json!({"type": "auth_success"}).to_string().into(),
        ))
        .await
}

async fn send_event(socket: &mut WebSocket, e: &Event) -> Result<(), axum::Error> {
    socket
        .send(Message::Text(
            json!({"type": "event", "event": e.to_json()})
                .to_string()
                .into(),
        ))
        .await
}

/// Reads a client event; `None` when it has no name or resource id. Its `received` is now.
pub fn parse_event(v: &Value, now: Ts) -> Option<Event> {
    Event::from_json(v, now).map(|e| Event { received: now, ..e })
}

/// Reads Prefect's `EventFilter` (the parts Baton interprets; the rest does not restrict).
pub fn parse_filter(v: &Value) -> EventFilter {
    let list = |path: &[&str]| -> Vec<String> {
        let mut cur = v;
        for p in path {
            cur = match cur.get(p) {
                Some(x) => x,
                None => return Vec::new(),
            };
        }
        cur.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let labels = |k: &str| {
        v.get(k)
            .and_then(|o| o.get("labels"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let at = |k: &str| {
        v.get("occurred")
            .and_then(|o| o.get(k))
            .and_then(Value::as_str)
            .and_then(time::parse)
    };
    EventFilter {
        since: at("since"),
        until: at("until"),
        names: list(&["event", "name"]),
        name_prefixes: list(&["event", "prefix"]),
        exclude_names: list(&["event", "exclude_name"]),
        exclude_prefixes: list(&["event", "exclude_prefix"]),
        resource_ids: list(&["resource", "id"]),
        resource_id_prefixes: list(&["resource", "id_prefix"]),
        any_resource_ids: list(&["any_resource", "id"]),
        any_resource_id_prefixes: list(&["any_resource", "id_prefix"]),
        related_ids: list(&["related", "id"]),
        related_roles: list(&["related", "role"]),
        resource_labels: labels("resource"),
        related_labels: labels("related"),
        any_resource_labels: labels("any_resource"),
        ids: list(&["id", "id"]),
    }
}
