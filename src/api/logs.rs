//! `/api/logs/*`.

use super::convert;
use super::error::ObjectBody;
use super::error::{ApiError, ApiResult, Body};
use super::filters::{self, log_sort};
use super::AppState;
use crate::domain::filter::Entity;
use crate::domain::log::Log as DomainLog;
use crate::domain::time;
use crate::wire::filters::LogFilterRequest;
use crate::wire::logs::{Log, LogCreate};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
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
pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<LogFilterRequest>,
) -> ApiResult<Json<Vec<Log>>> {
    let q = filters::query(&b, Entity::Log, log_sort, "TIMESTAMP_ASC")?;
    Ok(Json(
        s.logs(q).await?.into_iter().map(convert::log).collect(),
    ))
}
