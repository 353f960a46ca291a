//! `/api/deployments/*`, and the automation endpoints the client calls around deployments.

use super::convert;
use super::deployment_fields::{create as create_body, new_schedules, patch, schedule_patch};
use super::error::{parse_uuid, ApiError, ApiResult, Body, Id, ObjectBody};
use super::filters::FilterBody;
use super::AppState;
use crate::domain::deployment::Window;
use crate::domain::filter::{Entity, Field, Order};
use crate::domain::time;
use crate::services::deployments::DeploymentRunRequest;
use crate::wire::deployments::{
    Deployment, DeploymentCreate, DeploymentSchedule, DeploymentScheduleCreate,
    DeploymentScheduleUpdate, DeploymentUpdate, ScheduledRunsRequest,
};
use crate::wire::flow_runs::FlowRun;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{Map, Value};

const SECTIONS: &[(&str, Option<Entity>)] = &[
    ("flows", Some(Entity::Flow)),
    ("flow_runs", Some(Entity::FlowRun)),
    ("task_runs", Some(Entity::TaskRun)),
    ("deployments", Some(Entity::Deployment)),
    ("work_pools", None),
    ("work_pool_queues", None),
];

fn object(v: Value) -> ApiResult<Map<String, Value>> {
    match v {
        Value::Object(o) => Ok(o),
        _ => Err(ApiError::invalid(
            "Invalid request body: expected a JSON object",
        )),
    }
}

/// Create, or update in place when the flow already has a deployment of that name (200).
pub async fn create(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<DeploymentCreate>,
) -> ApiResult<(StatusCode, Json<Deployment>)> {
    let (name, flow_id, fields) = create_body(b)?;
    let (d, created) = s.upsert_deployment(name, flow_id, fields).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(convert::deployment(d, s.clock.now()))))
}

pub async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<Deployment>> {
    Ok(Json(convert::deployment(
        s.deployment(id).await?,
        s.clock.now(),
    )))
}

pub async fn by_name(
    State(s): State<AppState>,
    Path((flow, name)): Path<(String, String)>,
) -> ApiResult<Json<Deployment>> {
    Ok(Json(convert::deployment(
        s.deployment_by_name(flow, name).await?,
        s.clock.now(),
    )))
}

pub async fn update(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(b): ObjectBody<DeploymentUpdate>,
) -> ApiResult<StatusCode> {
    s.update_deployment(id, patch(b)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_deployment(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn deployment_sort(s: &str) -> Option<Order> {
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
    Body(b): Body<Value>,
) -> ApiResult<Json<Vec<Deployment>>> {
    let body = FilterBody::new(b)?;
    let q = body.query(
        body.cond(Entity::Deployment, SECTIONS)?,
        deployment_sort,
        "NAME_ASC",
    )?;
    let now = s.clock.now();
    Ok(Json(
        s.deployments(q)
            .await?
            .into_iter()
            .map(|d| convert::deployment(d, now))
            .collect(),
    ))
}

pub async fn count(State(s): State<AppState>, Body(b): Body<Value>) -> ApiResult<Json<u64>> {
    let body = FilterBody::new(b)?;
    Ok(Json(
        s.count_deployments(body.cond(Entity::Deployment, SECTIONS)?)
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
    Body(b): Body<Value>,
) -> ApiResult<(StatusCode, Json<FlowRun>)> {
    let o = object(b)?;
    let req = run_request(&o)?;
    let (run, created) = s.create_deployment_run(id, req).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(convert::flow_run(run, s.clock.now()))))
}

fn run_request(o: &Map<String, Value>) -> ApiResult<DeploymentRunRequest> {
    let doc = |k: &str| -> ApiResult<crate::domain::Doc> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(Default::default()),
            Some(Value::Object(m)) => Ok(m.clone()),
            Some(_) => Err(ApiError::invalid(format!("{k}: expected an object"))),
        }
    };
    let text = |k: &str| -> ApiResult<Option<String>> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid(format!("{k}: expected a string"))),
        }
    };
    let uuid = |k: &str| -> ApiResult<Option<uuid::Uuid>> {
        text(k)?.map(|s| parse_uuid(k, &s)).transpose()
    };
    let state = match o.get("state") {
        None | Some(Value::Null) => None,
        Some(v) => Some(convert::proposed(super::error::parse_json(
            v.to_string().as_bytes(),
        )?)?),
    };
    let tags = match o.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => super::error::parse_json::<Vec<String>>(v.to_string().as_bytes())
            .map_err(|_| ApiError::invalid("tags: expected a list of strings"))?,
    };
    Ok(DeploymentRunRequest {
        state,
        name: text("name")?,
        parameters: doc("parameters")?,
        context: doc("context")?,
        tags,
        labels: doc("labels")?,
        idempotency_key: text("idempotency_key")?,
        parent_task_run_id: uuid("parent_task_run_id")?,
        job_variables: doc("job_variables")?,
        work_queue_name: text("work_queue_name")?,
        enforce_parameter_schema: o.get("enforce_parameter_schema").and_then(Value::as_bool),
        empirical_policy: match o.get("empirical_policy") {
            Some(Value::Object(m)) => Some(m.clone()),
            _ => None,
        },
        infrastructure_document_id: uuid("infrastructure_document_id")?,
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
    Body(b): Body<Value>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let o = match b {
        Value::Null => Map::new(),
        other => object(other)?,
    };
    let now = s.clock.now();
    let when = |k: &str| -> ApiResult<Option<crate::domain::Ts>> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(t)) => time::parse(t)
                .map(Some)
                .ok_or_else(|| ApiError::invalid(format!("{k}: '{t}' is not a valid datetime"))),
            Some(_) => Err(ApiError::invalid(format!(
                "{k}: expected a datetime string"
            ))),
        }
    };
    let count = |k: &str| -> ApiResult<Option<usize>> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(|n| Some(n.min(10_000) as usize))
                .ok_or_else(|| ApiError::invalid(format!("{k}: expected a non-negative integer"))),
        }
    };
    let mut w = Window::ahead(when("start_time")?.unwrap_or(now), None);
    if let Some(end) = when("end_time")? {
        w.end = end;
    }
    if let Some(n) = count("min_runs")? {
        w.min_runs = n;
    }
    if let Some(n) = count("max_runs")? {
        w.max_runs = n;
    }
    match o.get("min_time") {
        None | Some(Value::Null) => {}
        Some(v) => {
            let secs = v
                .as_f64()
                .filter(|x| (0.0..=8.64e9).contains(x))
                .ok_or_else(|| {
                    ApiError::invalid("min_time: expected seconds (a number from 0 to 100 years)")
                })?;
            w.min_time = chrono::Duration::milliseconds((secs * 1000.0) as i64);
        }
    }
    let created = s.schedule_deployment(id, w).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({"created": created})),
    ))
}

/// Deployment triggers live in automations, which Baton does not run: clearing them always succeeds.
pub async fn delete_owned_automations(Path(_resource): Path<String>) -> StatusCode {
    StatusCode::ACCEPTED
}

/// No automations exist in Baton, so none relate to any resource.
pub async fn related_automations(Path(_resource): Path<String>) -> Json<Vec<Value>> {
    Json(Vec::new())
}
