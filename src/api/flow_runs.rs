//! `/api/flow_runs/*` and `/api/flow_run_states/*`.

use super::convert;
use super::error::ObjectBody;
use super::error::{parse_uuid, ApiError, ApiResult, Body, Id};
use super::filters::{self, flow_run_sort};
use super::AppState;
use crate::domain::filter::Entity;
use crate::domain::flow_run::{FlowRunPatch, NewFlowRun};
use crate::wire::filters::{FlowRunCountRequest, FlowRunFilterRequest};
use crate::wire::flow_runs::{FlowRun, FlowRunCreate, FlowRunUpdate};
use crate::wire::states::{OrchestrationResult, SetState, State as WireState};
use crate::wire::Object;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use std::collections::HashMap;

pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<FlowRunCreate>,
) -> ApiResult<(StatusCode, Json<FlowRun>)> {
    let new = NewFlowRun {
        id: b.id,
        flow_id: b.flow_id,
        name: b.name,
        flow_version: b.flow_version,
        parameters: b.parameters.unwrap_or_default(),
        context: b.context.unwrap_or_default(),
        parent_task_run_id: b.parent_task_run_id,
        infrastructure_document_id: b.infrastructure_document_id,
        empirical_policy: convert::run_policy(b.empirical_policy)?.unwrap_or_default(),
        tags: b.tags.unwrap_or_default(),
        labels: b.labels.unwrap_or_default(),
        idempotency_key: b.idempotency_key,
        work_queue_name: b.work_queue_name,
        job_variables: b.job_variables.unwrap_or_default(),
        deployment_id: b.deployment_id,
        work_pool_name: b.work_pool_name,
        state: b.state.map(convert::proposed).transpose()?,
        ..NewFlowRun::default()
    };
    let (run, created) = s.create_flow_run(new).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(convert::flow_run(run, s.clock.now()))))
}

pub async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<FlowRun>> {
    Ok(Json(convert::flow_run(
        s.flow_run(id).await?,
        s.clock.now(),
    )))
}

pub async fn update(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<FlowRunUpdate>,
) -> ApiResult<StatusCode> {
    let patch = FlowRunPatch {
        name: b.name,
        flow_version: b.flow_version,
        parameters: b.parameters,
        empirical_policy: convert::run_policy(b.empirical_policy)?,
        tags: b.tags,
        infrastructure_pid: b.infrastructure_pid,
        job_variables: b.job_variables,
    };
    s.update_flow_run(id, patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn update_labels(
    State(s): State<AppState>,
    Id(id): Id,
    Body(labels): Body<Object>,
) -> ApiResult<StatusCode> {
    s.update_flow_run_labels(id, labels).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_flow_run(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<FlowRunFilterRequest>,
) -> ApiResult<Json<Vec<FlowRun>>> {
    let q = filters::query(&b, Entity::FlowRun, flow_run_sort, "ID_DESC")?;
    let now = s.clock.now();
    Ok(Json(
        s.flow_runs(q)
            .await?
            .into_iter()
            .map(|r| convert::flow_run(r, now))
            .collect(),
    ))
}

pub async fn count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<FlowRunCountRequest>,
) -> ApiResult<Json<u64>> {
    Ok(Json(
        s.count_flow_runs(filters::cond(&b, Entity::FlowRun)?)
            .await?,
    ))
}

/// 201 when the state was written (ACCEPT, or REJECT with a replacement state), 200 otherwise.
pub async fn set_state(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<SetState>,
) -> ApiResult<(StatusCode, Json<OrchestrationResult>)> {
    let mut proposed = convert::proposed(b.state)?;
    proposed.retry_elsewhere = b.baton_retry.as_deref() == Some("reschedule");
    let out = s.set_flow_run_state(id, proposed, b.force).await?;
    let written = out.decision.written_state().is_some();
    let status = if matches!(out.decision, crate::domain::Decision::Accept(_)) || written {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(convert::orchestration(&out.decision, out.state.as_ref())),
    ))
}

/// `GET /api/flow_run_states/?flow_run_id=…`: a run's state history.
/// `GET /flow_run_states/{id}`: one state of a flow run's history.
pub async fn state(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<WireState>> {
    Ok(Json(convert::state(&s.flow_run_state(id).await?)))
}

pub async fn states(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<WireState>>> {
    let raw = q
        .get("flow_run_id")
        .ok_or_else(|| ApiError::invalid("flow_run_id: query parameter is required"))?;
    let id = parse_uuid("flow_run_id", raw)?;
    Ok(Json(
        s.flow_run_states(id)
            .await?
            .iter()
            .map(convert::state)
            .collect(),
    ))
}

/// `GET /api/baton/flow_runs/{id}/why` (Baton extension): why the run has not started, in plain words.
pub async fn why(
    State(s): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<crate::wire::dashboard::WhyLate>> {
    Ok(Json(crate::wire::dashboard::WhyLate {
        reasons: s.why_late(id).await?,
    }))
}
