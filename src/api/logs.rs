//! `/api/logs/*`.

use super::convert;
use super::error::{ApiError, ApiResult, Body};
use super::filters::{entity_filter, log_sort, FilterBody};
use super::AppState;
use crate::domain::filter::Entity;
use crate::domain::log::Log as DomainLog;
use crate::domain::time;
use crate::wire::logs::{Log, LogCreate};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use uuid::Uuid;

/// Stores a batch of log lines; 201.
pub async fn create(
    State(s): State<AppState>,
    Body(batch): Body<Vec<LogCreate>>,
) -> ApiResult<StatusCode> {
    let now = s.clock.now();
    let logs = batch
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let timestamp = time::parse(&l.timestamp).ok_or_else(|| {
                ApiError::invalid(format!(
                    "[{i}].timestamp: '{}' is not a valid datetime",
                    l.timestamp
                ))
            })?;
            Ok(DomainLog {
                id: Uuid::now_v7(),
                created: now,
                name: l.name,
                level: l.level,
                message: l.message,
                timestamp,
                flow_run_id: l.flow_run_id,
                task_run_id: l.task_run_id,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    s.create_logs(logs).await?;
    Ok(StatusCode::CREATED)
}

/// `{"logs": LogFilter, "sort", "limit", "offset"}` → log lines.
pub async fn filter(State(s): State<AppState>, Body(b): Body<Value>) -> ApiResult<Json<Vec<Log>>> {
    let body = FilterBody::new(b)?;
    for key in body.body.keys() {
        if !["logs", "sort", "limit", "offset"].contains(&key.as_str()) {
            return Err(ApiError::invalid(format!(
                "{key}: unknown field (known: logs, sort, limit, offset)"
            )));
        }
    }
    let cond = entity_filter(
        Entity::Log,
        body.body.get("logs").unwrap_or(&Value::Null),
        "logs",
    )?;
    let q = body.query(cond, log_sort, "TIMESTAMP_ASC")?;
    Ok(Json(
        s.logs(q).await?.into_iter().map(convert::log).collect(),
    ))
}
