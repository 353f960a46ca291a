//! `/api/task_runs/*` and `/api/task_run_states/*`.

use super::convert;
use super::error::{parse_uuid, ApiError, ApiResult, Body, Id, ObjectBody};
use super::filters::{self, task_run_sort};
use super::AppState;
use crate::domain::filter::Entity;
use crate::domain::task_run::TaskRun as DomainTaskRun;
use crate::domain::{time, Decision};
use crate::wire::filters::{TaskRunCountRequest, TaskRunFilterRequest};
use crate::wire::states::{OrchestrationResult, SetState, State as WireState};
use crate::wire::task_runs::{TaskRun, TaskRunCreate, TaskRunUpdate};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use std::collections::HashMap;
use uuid::Uuid;

pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<TaskRunCreate>,
) -> ApiResult<(StatusCode, Json<TaskRun>)> {
    let now = s.clock.now();
    let mut run = DomainTaskRun::new(b.id.unwrap_or_else(Uuid::now_v7), now);
    run.name = b.name.unwrap_or_else(|| b.task_key.clone());
    run.flow_run_id = b.flow_run_id;
    run.task_key = b.task_key;
    run.dynamic_key = b.dynamic_key;
    run.cache_key = b.cache_key;
    run.cache_expiration = match b.cache_expiration {
        Some(t) => Some(time::parse(&t).ok_or_else(|| {
            ApiError::invalid(format!("cache_expiration: '{t}' is not a valid datetime"))
        })?),
        None => None,
    };
    run.task_version = b.task_version;
    run.empirical_policy = convert::task_policy(b.empirical_policy)?;
    run.tags = b.tags.unwrap_or_default();
    run.labels = b.labels.unwrap_or_default();
    run.task_inputs = b.task_inputs.unwrap_or_default();
    let state = b.state.map(convert::proposed).transpose()?;
    let (run, created) = s.create_task_run(run, state).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(convert::task_run(run))))
}

/// `PATCH /task_runs/{id}`: renames the run; 204.
pub async fn update(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(b): ObjectBody<TaskRunUpdate>,
) -> ApiResult<StatusCode> {
    match b.name {
        Some(name) => s.rename_task_run(id, name).await?,
        None => {
            s.task_run(id).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /task_run_states/{id}`: one state of a task run's history.
pub async fn state(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<WireState>> {
    Ok(Json(convert::state(&s.task_run_state(id).await?)))
}

pub async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<TaskRun>> {
    Ok(Json(convert::task_run(s.task_run(id).await?)))
}

pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_task_run(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<TaskRunFilterRequest>,
) -> ApiResult<Json<Vec<TaskRun>>> {
    let q = filters::query(
        &b,
        Entity::TaskRun,
        task_run_sort,
        "EXPECTED_START_TIME_ASC",
    )?;
    Ok(Json(
        s.task_runs(q)
            .await?
            .into_iter()
            .map(convert::task_run)
            .collect(),
    ))
}

pub async fn count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<TaskRunCountRequest>,
) -> ApiResult<Json<u64>> {
    Ok(Json(
        s.count_task_runs(filters::cond(&b, Entity::TaskRun)?)
            .await?,
    ))
}

pub async fn set_state(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<SetState>,
) -> ApiResult<(StatusCode, Json<OrchestrationResult>)> {
    let proposed = convert::proposed(b.state)?;
    let (state, decision) = s.set_task_run_state(id, proposed, b.force).await?;
    let status = match decision {
        Decision::Accept(_) => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    Ok((
        status,
        Json(convert::orchestration(&decision, Some(&state))),
    ))
}

/// `GET /api/task_run_states/?task_run_id=…`.
pub async fn states(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<WireState>>> {
    let raw = q
        .get("task_run_id")
        .ok_or_else(|| ApiError::invalid("task_run_id: query parameter is required"))?;
    let id = parse_uuid("task_run_id", raw)?;
    Ok(Json(
        s.task_run_states(id)
            .await?
            .iter()
            .map(convert::state)
            .collect(),
    ))
}
