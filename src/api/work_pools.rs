//! `/api/work_pools/*`, `/api/work_queues/{id}` and the worker metadata collection view.

use super::convert;
use super::error::{ApiError, ApiResult, Body, Id};
use super::AppState;
use crate::domain::work_pool::{
    pool_status, process_base_job_template, queue_status, WorkPool, WorkQueue, Worker,
};
use crate::domain::{time, Ts};
use crate::services::work_pools::{NewPool, PoolPatch, QueuePatch};
use crate::wire;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

/// A pool on the wire, with its status from its workers.
pub fn pool_json(p: WorkPool, workers: &[Worker], now: Ts) -> wire::work_pools::WorkPool {
    let status = pool_status(&p, workers, now);
    wire::work_pools::WorkPool {
        id: p.id.to_string(),
        created: Some(time::format(p.created)),
        updated: Some(time::format(p.updated)),
        name: p.name,
        description: p.description,
        kind: p.kind,
        base_job_template: p.base_job_template,
        is_paused: p.is_paused,
        concurrency_limit: p.concurrency_limit,
        status: Some(status.as_str().into()),
        default_queue_id: p.default_queue_id.map(|u| u.to_string()),
        storage_configuration: p.storage_configuration,
        active_slots: None,
    }
}

/// A queue on the wire.
pub fn queue_json(q: WorkQueue, pool: &WorkPool, now: Ts) -> wire::work_pools::WorkQueue {
    let status = queue_status(&q, pool.is_paused, now);
    wire::work_pools::WorkQueue {
        id: q.id.to_string(),
        created: Some(time::format(q.created)),
        updated: Some(time::format(q.updated)),
        name: q.name,
        description: Some(q.description),
        is_paused: q.is_paused,
        concurrency_limit: q.concurrency_limit,
        priority: q.priority,
        work_pool_id: Some(q.work_pool_id.to_string()),
        filter: None,
        last_polled: q.last_polled.map(time::format),
        work_pool_name: Some(pool.name.clone()),
        status: Some(status.as_str().into()),
    }
}

fn worker_json(w: Worker, now: Ts) -> wire::work_pools::Worker {
    let online = w.online(now);
    wire::work_pools::Worker {
        id: w.id.to_string(),
        created: Some(time::format(w.created)),
        updated: Some(time::format(w.updated)),
        name: w.name,
        work_pool_id: w.work_pool_id.to_string(),
        last_heartbeat_time: w.last_heartbeat_time.map(time::format),
        heartbeat_interval_seconds: w.heartbeat_interval_seconds,
        status: if online { "ONLINE" } else { "OFFLINE" }.into(),
    }
}

fn object(v: Value) -> ApiResult<Map<String, Value>> {
    match v {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(Map::new()),
        _ => Err(ApiError::invalid(
            "Invalid request body: expected a JSON object",
        )),
    }
}

fn opt_limit(o: &Map<String, Value>) -> ApiResult<Option<Option<i64>>> {
    match o.get("concurrency_limit") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => match v.as_i64() {
            Some(n) if n >= 0 => Ok(Some(Some(n))),
            _ => Err(ApiError::invalid(
                "concurrency_limit: expected a non-negative integer or null",
            )),
        },
    }
}

fn opt_bool(o: &Map<String, Value>, k: &str) -> ApiResult<Option<bool>> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid(format!("{k}: expected true or false"))),
    }
}

fn opt_text(o: &Map<String, Value>, k: &str) -> ApiResult<Option<Option<String>>> {
    match o.get(k) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(ApiError::invalid(format!("{k}: expected a string"))),
    }
}

async fn pool_out(s: &AppState, p: WorkPool) -> ApiResult<wire::work_pools::WorkPool> {
    let workers = s.pool_workers(p.id).await?;
    Ok(pool_json(p, &workers, s.clock.now()))
}

pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<Value>,
) -> ApiResult<(StatusCode, Json<wire::work_pools::WorkPool>)> {
    let o = object(b)?;
    let name = match o.get("name") {
        Some(Value::String(n)) => n.clone(),
        _ => return Err(ApiError::invalid("name: field required (a string)")),
    };
    let template = match o.get("base_job_template") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(ApiError::invalid("base_job_template: expected an object")),
    };
    let new = NewPool {
        name,
        kind: opt_text(&o, "type")?
            .flatten()
            .unwrap_or_else(|| "process".into()),
        description: opt_text(&o, "description")?.flatten(),
        base_job_template: template,
        is_paused: opt_bool(&o, "is_paused")?.unwrap_or(false),
        concurrency_limit: opt_limit(&o)?.flatten(),
    };
    let p = s.create_pool(new).await?;
    Ok((StatusCode::CREATED, Json(pool_out(&s, p).await?)))
}

pub async fn get(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<wire::work_pools::WorkPool>> {
    let p = s.pool(name).await?;
    Ok(Json(pool_out(&s, p).await?))
}

pub async fn update(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Body(b): Body<Value>,
) -> ApiResult<StatusCode> {
    let o = object(b)?;
    let patch = PoolPatch {
        description: opt_text(&o, "description")?,
        is_paused: opt_bool(&o, "is_paused")?,
        base_job_template: match o.get("base_job_template") {
            Some(Value::Object(m)) => Some(m.clone()),
            None | Some(Value::Null) => None,
            Some(_) => return Err(ApiError::invalid("base_job_template: expected an object")),
        },
        concurrency_limit: opt_limit(&o)?,
    };
    s.update_pool(name, patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    s.delete_pool(name).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn page(o: &Map<String, Value>) -> ApiResult<(u32, u64)> {
    let limit = match o.get("limit") {
        None | Some(Value::Null) => 200,
        Some(v) => v
            .as_u64()
            .ok_or_else(|| ApiError::invalid("limit: expected a non-negative integer"))?
            .min(200) as u32,
    };
    let offset = match o.get("offset") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_u64()
            .ok_or_else(|| ApiError::invalid("offset: expected a non-negative integer"))?,
    };
    Ok((limit, offset))
}

fn any_of(o: &Map<String, Value>, section: &str, field: &str) -> ApiResult<Option<Vec<String>>> {
    let Some(v) = o
        .get(section)
        .and_then(|s| s.get(field))
        .and_then(|f| f.get("any_"))
    else {
        return Ok(None);
    };
    if v.is_null() {
        return Ok(None);
    }
    serde_json::from_value(v.clone()).map(Some).map_err(|_| {
        ApiError::invalid(format!(
            "{section}.{field}.any_: expected a list of strings"
        ))
    })
}

pub async fn filter(
    State(s): State<AppState>,
    Body(b): Body<Value>,
) -> ApiResult<Json<Vec<wire::work_pools::WorkPool>>> {
    let o = object(b)?;
    let (limit, offset) = page(&o)?;
    let pools = s
        .pools(
            any_of(&o, "work_pools", "name")?,
            any_of(&o, "work_pools", "type")?,
            limit,
            offset,
        )
        .await?;
    let mut out = Vec::new();
    for p in pools {
        out.push(pool_out(&s, p).await?);
    }
    Ok(Json(out))
}

pub async fn count(State(s): State<AppState>, Body(b): Body<Value>) -> ApiResult<Json<usize>> {
    let o = object(b)?;
    let pools = s
        .pools(
            any_of(&o, "work_pools", "name")?,
            any_of(&o, "work_pools", "type")?,
            u32::MAX,
            0,
        )
        .await?;
    Ok(Json(pools.len()))
}

fn queue_patch(o: &Map<String, Value>) -> ApiResult<QueuePatch> {
    Ok(QueuePatch {
        name: opt_text(o, "name")?.flatten(),
        description: opt_text(o, "description")?.flatten(),
        is_paused: opt_bool(o, "is_paused")?,
        concurrency_limit: opt_limit(o)?,
        priority: match o.get("priority") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_i64()
                    .filter(|p| *p >= 1)
                    .ok_or_else(|| ApiError::invalid("priority: expected an integer ≥ 1"))?,
            ),
        },
    })
}

pub async fn create_queue(
    State(s): State<AppState>,
    Path(pool): Path<String>,
    Body(b): Body<Value>,
) -> ApiResult<(StatusCode, Json<wire::work_pools::WorkQueue>)> {
    let patch = queue_patch(&object(b)?)?;
    let (p, q) = s.create_queue(pool, patch).await?;
    Ok((StatusCode::CREATED, Json(queue_json(q, &p, s.clock.now()))))
}

pub async fn get_queue(
    State(s): State<AppState>,
    Path((pool, name)): Path<(String, String)>,
) -> ApiResult<Json<wire::work_pools::WorkQueue>> {
    let (p, q) = s.queue(pool, name).await?;
    Ok(Json(queue_json(q, &p, s.clock.now())))
}

pub async fn update_queue(
    State(s): State<AppState>,
    Path((pool, name)): Path<(String, String)>,
    Body(b): Body<Value>,
) -> ApiResult<StatusCode> {
    s.update_queue(pool, name, queue_patch(&object(b)?)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_queue(
    State(s): State<AppState>,
    Path((pool, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.delete_queue(pool, name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn filter_queues(
    State(s): State<AppState>,
    Path(pool): Path<String>,
    Body(b): Body<Value>,
) -> ApiResult<Json<Vec<wire::work_pools::WorkQueue>>> {
    let o = object(b)?;
    let names = any_of(&o, "work_queues", "name")?;
    let (p, qs) = s.queues(pool).await?;
    let now = s.clock.now();
    Ok(Json(
        qs.into_iter()
            .filter(|q| names.as_ref().is_none_or(|n| n.contains(&q.name)))
            .map(|q| queue_json(q, &p, now))
            .collect(),
    ))
}

pub async fn queue_by_id(
    State(s): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<wire::work_pools::WorkQueue>> {
    let (p, q) = s.queue_by_id(id).await?;
    Ok(Json(queue_json(q, &p, s.clock.now())))
}

pub async fn heartbeat(
    State(s): State<AppState>,
    Path(pool): Path<String>,
    Body(b): Body<wire::work_pools::Heartbeat>,
) -> ApiResult<Response> {
    let id = s
        .worker_heartbeat(pool, b.name, b.heartbeat_interval_seconds)
        .await?;
    Ok(if b.return_id {
        (StatusCode::OK, Json(id.to_string())).into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    })
}

pub async fn filter_workers(
    State(s): State<AppState>,
    Path(pool): Path<String>,
    Body(b): Body<Value>,
) -> ApiResult<Json<Vec<wire::work_pools::Worker>>> {
    let o = object(b)?;
    let statuses = any_of(&o, "workers", "status")?;
    let p = s.pool(pool).await?;
    let now = s.clock.now();
    let workers = s.pool_workers(p.id).await?;
    Ok(Json(
        workers
            .into_iter()
            .map(|w| worker_json(w, now))
            .filter(|w| statuses.as_ref().is_none_or(|st| st.contains(&w.status)))
            .collect(),
    ))
}

pub async fn delete_worker(
    State(s): State<AppState>,
    Path((pool, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.delete_worker(pool, name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /work_pools/{name}/get_scheduled_flow_runs`: due runs for a worker, queue priority first.
pub async fn scheduled_runs(
    State(s): State<AppState>,
    Path(pool): Path<String>,
    Body(b): Body<Value>,
) -> ApiResult<Json<Vec<wire::work_pools::WorkerFlowRun>>> {
    let req: wire::work_pools::PoolRunsRequest =
        super::error::parse_json(b.to_string().as_bytes())?;
    let now = s.clock.now();
    let before = match req.scheduled_before {
        Some(t) => time::parse(&t).ok_or_else(|| {
            ApiError::invalid(format!("scheduled_before: '{t}' is not a valid datetime"))
        })?,
        None => now,
    };
    let assigned = s
        .runs_for_pool(
            pool,
            req.work_queue_names.unwrap_or_default(),
            before,
            req.limit,
        )
        .await?;
    Ok(Json(
        assigned
            .into_iter()
            .map(|a| wire::work_pools::WorkerFlowRun {
                work_pool_id: a.work_pool_id.to_string(),
                work_queue_id: a.work_queue_id.to_string(),
                flow_run: convert::flow_run(a.run, now),
            })
            .collect(),
    ))
}

/// The default base job template per worker type, as Prefect's collection registry view returns it.
pub async fn worker_metadata() -> Json<Value> {
    Json(json!({
        "prefect": {
            "process": {
                "type": "process",
                "description": "Runs each flow run as a subprocess on the worker's machine.",
                "display_name": "Process",
                "documentation_url": "",
                "install_command": "",
                "is_beta": false,
                "default_base_job_configuration": process_base_job_template(),
            }
        }
    }))
}
