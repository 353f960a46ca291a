//! `GET /api/baton/live`: a server-sent event stream the dashboard subscribes to instead of polling.
//! `flow_run` messages announce every flow-run state change; with `?flow_run_id=…` the stream also carries
//! that run's task-run changes (`task_run`) and its new log lines (`logs`). `resync` tells a client that
//! it fell behind and should refetch.

use super::convert;
use super::error::{parse_uuid, ApiResult};
use super::AppState;
use crate::domain::event::Event;
use axum::extract::{Query, State};
use axum::response::sse::{Event as Sse, KeepAlive};
use axum::response::Sse as SseResponse;
use futures_util::Stream;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

/// The stream; it ends when the server stops.
pub async fn stream(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<SseResponse<impl Stream<Item = Result<Sse, Infallible>>>> {
    let run = q
        .get("flow_run_id")
        .map(|id| parse_uuid("flow_run_id", id))
        .transpose()?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Sse>(256);
    let mut events = s.bus.subscribe();
    let mut logs = s.bus.subscribe_logs();
    let stop = s.stop.clone();
    tokio::spawn(async move {
        loop {
            let msg = tokio::select! {
                _ = stop.cancelled() => break,
                _ = tx.closed() => break,
                e = events.recv() => match e {
                    Ok(e) => event_message(&e, run),
                    Err(RecvError::Lagged(_)) => Some(Sse::default().event("resync").data("{}")),
                    Err(RecvError::Closed) => break,
                },
                l = logs.recv(), if run.is_some() => match l {
                    Ok(batch) => {
                        let mine: Vec<_> = batch
                            .iter()
                            .filter(|l| l.flow_run_id == run)
                            .map(|l| convert::log(l.clone()))
                            .collect();
                        (!mine.is_empty()).then(|| message("logs", json!(mine)))
                    }
                    Err(RecvError::Lagged(_)) => Some(Sse::default().event("resync").data("{}")),
                    Err(RecvError::Closed) => break,
                },
            };
            if let Some(m) = msg {
                if tx.send(m).await.is_err() {
                    break;
                }
            }
        }
    });
    let out =
        futures_util::stream::unfold(
            rx,
            |mut rx| async move { rx.recv().await.map(|m| (Ok(m), rx)) },
        );
    Ok(SseResponse::new(out).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn message(kind: &str, data: Value) -> Sse {
    Sse::default().event(kind).data(data.to_string())
}

/// The message for a bus event, if the subscriber cares.
fn event_message(e: &Event, run: Option<Uuid>) -> Option<Sse> {
    let rid = e.resource_id();
    let label = |k: &str| e.resource.get(k).cloned().unwrap_or(Value::Null);
    if let Some(id) = rid.strip_prefix("prefect.flow-run.") {
        return Some(message(
            "flow_run",
            json!({
                "id": id, "event": e.event,
                "state_type": label("prefect.state-type"), "state_name": label("prefect.state-name"),
            }),
        ));
    }
    let task = rid.strip_prefix("prefect.task-run.")?;
    let parent = e
        .related_id("flow-run")?
        .strip_prefix("prefect.flow-run.")?;
    (run.map(|r| r.to_string()).as_deref() == Some(parent)).then(|| {
        message(
            "task_run",
            json!({"id": task, "flow_run_id": parent, "event": e.event}),
        )
    })
}
