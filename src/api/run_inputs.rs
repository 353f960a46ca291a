//! `/api/flow_runs/{id}/resume` and `/api/flow_runs/{id}/input…`: resuming a paused run, and the keyed
//! values sent to a run.

use super::convert;
use super::error::{parse_uuid, ApiResult, Body, Id, ObjectBody};
use super::AppState;
use crate::domain::run_input::RunInput;
use crate::domain::time;
use crate::wire::run_inputs as wire;
use crate::wire::states::OrchestrationResult;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/flow_runs/{id}/resume", post(resume))
        .route("/flow_runs/{id}/input", post(create))
        .route("/flow_runs/{id}/input/filter", post(filter))
        .route("/flow_runs/{id}/input/{key}", get(read).delete(delete))
}

fn to_wire(i: RunInput) -> wire::FlowRunInput {
    wire::FlowRunInput {
        id: i.id.to_string(),
        created: Some(time::format(i.created)),
        updated: Some(time::format(i.updated)),
        flow_run_id: i.flow_run_id.to_string(),
        key: i.key,
        value: i.value,
        sender: i.sender,
    }
}

/// 201 when a new state was written, 200 otherwise (not paused, or the answer was refused).
pub async fn resume(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(b): ObjectBody<wire::ResumeFlowRun>,
) -> ApiResult<(StatusCode, Json<OrchestrationResult>)> {
    let answer = b.run_input.map(Value::Object);
    let out = s.resume_flow_run(id, answer).await?;
    let status = if out.decision.written_state().is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(convert::orchestration(&out.decision, out.state.as_ref())),
    ))
}

pub async fn create(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<wire::FlowRunInputCreate>,
) -> ApiResult<StatusCode> {
    s.create_run_input(id, b.key, b.value, b.sender).await?;
    Ok(StatusCode::CREATED)
}

pub async fn filter(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<wire::FlowRunInputFilter>,
) -> ApiResult<Json<Vec<wire::FlowRunInput>>> {
    let found = s.run_inputs(id, b.prefix, b.exclude_keys, b.limit).await?;
    Ok(Json(found.into_iter().map(to_wire).collect()))
}

/// The value as plain text, as Prefect answers it.
pub async fn read(
    State(s): State<AppState>,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<Response> {
    let input = s.run_input(parse_uuid("id", &id)?, key).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        input.value,
    )
        .into_response())
}

pub async fn delete(
    State(s): State<AppState>,
    Path((id, key)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.delete_run_input(parse_uuid("id", &id)?, key).await?;
    Ok(StatusCode::NO_CONTENT)
}
