//! `/api/deployments/*`, and the automation endpoints the client calls around deployments.

use super::convert;
use super::deployment_fields::{create as create_body, new_schedules, patch, schedule_patch};
use super::error::{parse_uuid, ApiError, ApiResult, Body, Id, ObjectBody};
use super::filters;
use super::AppState;
use crate::domain::deployment::Window;
use crate::domain::filter::{Entity, Field, Order};
use crate::domain::time;
use crate::services::deployments::DeploymentRunRequest;
use crate::wire::deployments::{
    Deployment, DeploymentCreate, DeploymentSchedule, DeploymentScheduleCreate,
    DeploymentScheduleUpdate, DeploymentUpdate, ScheduledRunsRequest,
};
use crate::wire::filters::{DeploymentCountRequest, DeploymentFilterRequest};
use crate::wire::flow_runs::{
    DeploymentFlowRunCreate, FlowRun, ScheduleWindowRequest, ScheduledCount,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

/// Create, or update in place when the flow already has a deployment of that name (200).
/// Also takes a Prefect 2 client's body (`prefect2`).
pub async fn create(
    State(s): State<AppState>,
    ObjectBody(raw): ObjectBody<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<(StatusCode, Json<Deployment>)> {
    let b: DeploymentCreate = super::prefect2::deployment_body(raw)?;
    let (name, flow_id, fields) = create_body(b)?;
    let (d, created) = s.upsert_deployment(name, flow_id, fields).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(one(&s, d).await?)))
}

/// Deployments on the wire, each with its own concurrency limit (Prefect's `global_concurrency_limit`).
pub(super) async fn with_limits(
    s: &AppState,
    ds: Vec<crate::domain::deployment::Deployment>,
) -> ApiResult<Vec<Deployment>> {
    let ids = ds
        .iter()
        .filter(|d| d.concurrency_limit.is_some())
        .map(|d| d.id)
        .collect();
    let limits = s.deployment_limits(ids).await?;
    let now = s.clock.now();
    Ok(ds
        .into_iter()
        .map(|d| {
            let limit = limits
                .get(&d.id)
                .map(|l| super::concurrency_v2::global(l, now));
            Deployment {
                global_concurrency_limit: limit,
                ..convert::deployment(d, now)
            }
        })
        .collect())
}

async fn one(s: &AppState, d: crate::domain::deployment::Deployment) -> ApiResult<Deployment> {
    let mut all = with_limits(s, vec![d]).await?;
    Ok(all.remove(0))
}

pub async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<Deployment>> {
    let d = s.deployment(id).await?;
    Ok(Json(one(&s, d).await?))
}

pub async fn by_name(
    State(s): State<AppState>,
    Path((flow, name)): Path<(String, String)>,
) -> ApiResult<Json<Deployment>> {
    let d = s.deployment_by_name(flow, name).await?;
    Ok(Json(one(&s, d).await?))
}

pub async fn update(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(raw): ObjectBody<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<StatusCode> {
    let b: DeploymentUpdate = super::prefect2::deployment_body(raw)?;
    s.update_deployment(id, patch(b)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_deployment(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn deployment_sort(s: &str) -> Option<Order> {
    Some(match s {
        "CREATED_DESC" => Order::desc(Field::Created),
        "UPDATED_DESC" => Order::desc(Field::Updated),
        "NAME_ASC" => Order::asc(Field::Name),
        "NAME_DESC" => Order::desc(Field::Name),
        _ => return None,
    })
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<DeploymentFilterRequest>,
) -> ApiResult<Json<Vec<Deployment>>> {
    let q = filters::query(&b, Entity::Deployment, deployment_sort, "NAME_ASC")?;
    let ds = s.deployments(q).await?;
    Ok(Json(with_limits(&s, ds).await?))
}

pub async fn count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<DeploymentCountRequest>,
) -> ApiResult<Json<u64>> {
    Ok(Json(
        s.count_deployments(filters::cond(&b, Entity::Deployment)?)
            .await?,
    ))
}

pub async fn pause(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.set_deployment_paused(id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn resume(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.set_deployment_paused(id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /deployments/{id}/create_flow_run`: 201 with the run.
pub async fn create_flow_run(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(b): ObjectBody<DeploymentFlowRunCreate>,
) -> ApiResult<(StatusCode, Json<FlowRun>)> {
    let req = run_request(b)?;
    let (run, created) = s.create_deployment_run(id, req).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(convert::flow_run(run, s.clock.now()))))
}

pub(super) fn run_request(b: DeploymentFlowRunCreate) -> ApiResult<DeploymentRunRequest> {
    Ok(DeploymentRunRequest {
        state: b.state.map(convert::proposed).transpose()?,
        name: b.name,
        parameters: b.parameters.unwrap_or_default(),
        context: b.context.unwrap_or_default(),
        tags: b.tags.unwrap_or_default(),
        labels: b.labels.unwrap_or_default(),
        idempotency_key: b.idempotency_key,
        parent_task_run_id: b.parent_task_run_id,
        job_variables: b.job_variables.unwrap_or_default(),
        work_queue_name: b.work_queue_name,
        enforce_parameter_schema: b.enforce_parameter_schema,
        empirical_policy: convert::run_policy(b.empirical_policy)?,
        infrastructure_document_id: b.infrastructure_document_id,
    })
}

/// `POST /deployments/get_scheduled_flow_runs` (what `flow.serve` runners poll).
pub async fn scheduled_runs(
    State(s): State<AppState>,
    Body(b): Body<ScheduledRunsRequest>,
) -> ApiResult<Json<Vec<FlowRun>>> {
    let now = s.clock.now();
    let before = match b.scheduled_before {
        Some(t) => time::parse(&t).ok_or_else(|| {
            ApiError::invalid(format!("scheduled_before: '{t}' is not a valid datetime"))
        })?,
        None => now,
    };
    if b.deployment_ids.len() > 1000 {
        return Err(ApiError::invalid("deployment_ids: at most 1000 ids"));
    }
    let runs = s
        .scheduled_runs_of_deployments(b.deployment_ids, before, b.limit)
        .await?;
    Ok(Json(
        runs.into_iter()
            .map(|r| convert::flow_run(r, now))
            .collect(),
    ))
}

pub async fn schedules(
    State(s): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<Vec<DeploymentSchedule>>> {
    Ok(Json(
        s.deployment_schedules(id)
            .await?
            .into_iter()
            .map(convert::deployment_schedule)
            .collect(),
    ))
}

/// `POST /deployments/{id}/schedules` with a list: 201 with the created schedules.
pub async fn add_schedules(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<Vec<DeploymentScheduleCreate>>,
) -> ApiResult<(StatusCode, Json<Vec<DeploymentSchedule>>)> {
    let list = new_schedules(b, "body")?;
    let added = s.add_schedules(id, list).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            added
                .into_iter()
                .map(convert::deployment_schedule)
                .collect(),
        ),
    ))
}

fn two_ids(raw: (String, String)) -> ApiResult<(uuid::Uuid, uuid::Uuid)> {
    Ok((
        parse_uuid("id", &raw.0)?,
        parse_uuid("schedule_id", &raw.1)?,
    ))
}

pub async fn update_schedule(
    State(s): State<AppState>,
    Path(raw): Path<(String, String)>,
    ObjectBody(b): ObjectBody<DeploymentScheduleUpdate>,
) -> ApiResult<StatusCode> {
    let (id, sid) = two_ids(raw)?;
    s.update_schedule(id, sid, schedule_patch(b)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_schedule(
    State(s): State<AppState>,
    Path(raw): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (id, sid) = two_ids(raw)?;
    s.delete_schedule(id, sid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /deployments/{id}/schedule` `{start_time?, end_time?, min_time?, min_runs?, max_runs?}`: materialise
/// the deployment's runs in that window (defaults: Prefect's look-ahead from now). 201 with the count.
pub async fn schedule_now(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(b): ObjectBody<ScheduleWindowRequest>,
) -> ApiResult<(StatusCode, Json<ScheduledCount>)> {
    let now = s.clock.now();
    let when = |k: &str, t: Option<String>| -> ApiResult<Option<crate::domain::Ts>> {
        t.map(|t| {
            time::parse(&t)
                .ok_or_else(|| ApiError::invalid(format!("{k}: '{t}' is not a valid datetime")))
        })
        .transpose()
    };
    let mut w = Window::ahead(when("start_time", b.start_time)?.unwrap_or(now), None);
    if let Some(end) = when("end_time", b.end_time)? {
        w.end = end;
    }
    if let Some(n) = b.min_runs {
        w.min_runs = n.min(10_000) as usize;
    }
    if let Some(n) = b.max_runs {
        w.max_runs = n.min(10_000) as usize;
    }
    if let Some(secs) = b.min_time {
        if !(0.0..=8.64e9).contains(&secs) {
            return Err(ApiError::invalid(
                "min_time: expected seconds (a number from 0 to 100 years)",
            ));
        }
        w.min_time = chrono::Duration::milliseconds((secs * 1000.0) as i64);
    }
    let created = s.schedule_deployment(id, w).await?;
    Ok((StatusCode::CREATED, Json(ScheduledCount { created })))
}
