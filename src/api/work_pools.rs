//! `/api/work_pools/*` (with a pool's queues by name) and the worker metadata collection view.

use super::convert;
use super::error::{ApiError, ApiResult, Body, ObjectBody};
pub use super::work_pool_fields::pool_json;
use super::work_pool_fields::worker_json;
use super::work_queues::{create_patch, queue_filter, queue_out, queues_out, update_patch};
use super::AppState;
use crate::domain::filter::MAX_LIMIT;
use crate::domain::time;
use crate::domain::work_pool::{process_base_job_template, PoolFilter, WorkPool};
use crate::services::work_pools::{NewPool, PoolPatch};
use crate::wire;
use crate::wire::work_pools as wp;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

async fn pool_out(s: &AppState, p: WorkPool) -> ApiResult<wire::work_pools::WorkPool> {
    let workers = s.pool_workers(p.id).await?;
    Ok(pool_json(p, &workers, s.clock.now()))
}

/// A storage configuration as stored: every field, null where unset (Prefect's shape).
fn storage(c: wire::work_pools::WorkPoolStorageConfiguration) -> Map<String, Value> {
    match serde_json::to_value(c) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    }
}

pub async fn create(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::work_pools::WorkPoolCreate>,
) -> ApiResult<(StatusCode, Json<wire::work_pools::WorkPool>)> {
    let new = NewPool {
        name: b.name,
        kind: b.kind.unwrap_or_else(|| "process".into()),
        description: b.description,
        base_job_template: b.base_job_template.unwrap_or_default(),
        is_paused: b.is_paused.unwrap_or(false),
        concurrency_limit: b.concurrency_limit.map(i64::from),
        storage_configuration: b.storage_configuration.map(storage).unwrap_or_default(),
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
    ObjectBody(b): ObjectBody<wire::work_pools::WorkPoolUpdate>,
) -> ApiResult<StatusCode> {
    let patch = PoolPatch {
        description: b.description,
        is_paused: b.is_paused,
        base_job_template: b.base_job_template,
        concurrency_limit: b.concurrency_limit.map(|l| l.map(i64::from)),
        storage_configuration: b.storage_configuration.map(storage),
    };
    s.update_pool(name, patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    s.delete_pool(name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A work pool filter as the domain applies it.
fn pool_filter(f: Option<wp::WorkPoolFilter>) -> PoolFilter {
    let f = f.unwrap_or_default();
    PoolFilter {
        ids: f.id.and_then(|a| a.any_),
        names: f.name.and_then(|a| a.any_),
        types: f.kind.and_then(|a| a.any_),
        any: f.operator == Some(wp::Operator::Or),
    }
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wp::WorkPoolFilterRequest>,
) -> ApiResult<Json<Vec<wp::WorkPool>>> {
    let limit = b.limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT);
    let pools = s
        .pools(pool_filter(b.work_pools), limit, b.offset.unwrap_or(0))
        .await?;
    let mut out = Vec::new();
    for p in pools {
        out.push(pool_out(&s, p).await?);
    }
    Ok(Json(out))
}

pub async fn count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wp::WorkPoolCountRequest>,
) -> ApiResult<Json<usize>> {
    let pools = s.pools(pool_filter(b.work_pools), u32::MAX, 0).await?;
    Ok(Json(pools.len()))
}

pub async fn create_queue(
    State(s): State<AppState>,
    Path(pool): Path<String>,
    ObjectBody(b): ObjectBody<wire::work_queues::WorkQueueCreate>,
) -> ApiResult<(StatusCode, Json<wire::work_pools::WorkQueue>)> {
    let (p, q) = s.create_queue(pool, create_patch(b)?).await?;
    Ok((StatusCode::CREATED, Json(queue_out(&s, p, q).await?)))
}

pub async fn get_queue(
    State(s): State<AppState>,
    Path((pool, name)): Path<(String, String)>,
) -> ApiResult<Json<wire::work_pools::WorkQueue>> {
    let (p, q) = s.queue(pool, name).await?;
    Ok(Json(queue_out(&s, p, q).await?))
}

pub async fn update_queue(
    State(s): State<AppState>,
    Path((pool, name)): Path<(String, String)>,
    ObjectBody(b): ObjectBody<wire::work_queues::WorkQueueUpdate>,
) -> ApiResult<StatusCode> {
    s.update_queue(pool, name, update_patch(b)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_queue(
    State(s): State<AppState>,
    Path((pool, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.delete_queue(pool, name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /work_pools/{name}/queues/filter`: the pool's queues by priority, filtered and paged.
pub async fn filter_queues(
    State(s): State<AppState>,
    Path(pool): Path<String>,
    ObjectBody(b): ObjectBody<wire::work_queues::WorkQueueFilterRequest>,
) -> ApiResult<Json<Vec<wire::work_pools::WorkQueue>>> {
    let filter = queue_filter(b.work_queues)?;
    let (p, qs) = s.queues(pool).await?;
    let page: Vec<_> = qs
        .into_iter()
        .filter(|q| filter.matches(q))
        .skip(usize::try_from(b.offset.unwrap_or(0)).unwrap_or(usize::MAX))
        .take(b.limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT) as usize)
        .map(|q| (p.clone(), q))
        .collect();
    Ok(Json(queues_out(&s, page).await?))
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
    ObjectBody(b): ObjectBody<wp::WorkerFilterRequest>,
) -> ApiResult<Json<Vec<wp::Worker>>> {
    let statuses = b.workers.and_then(|w| w.status).and_then(|a| a.any_);
    let p = s.pool(pool).await?;
    let now = s.clock.now();
    let workers = s.pool_workers(p.id).await?;
    Ok(Json(
        workers
            .into_iter()
            .map(|w| worker_json(w, now))
            .filter(|w| statuses.as_ref().is_none_or(|st| st.contains(&w.status)))
            .skip(usize::try_from(b.offset.unwrap_or(0)).unwrap_or(usize::MAX))
            .take(b.limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT) as usize)
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

/// `POST /baton/work_pools/{name}/wait` (Baton extension): answers when there may be work in the pool for
/// a remote worker (push dispatch; see `services::dispatch`).
pub async fn wait_for_work(
    State(s): State<AppState>,
    Path(name): Path<String>,
    ObjectBody(b): ObjectBody<wire::dashboard::WaitForWork>,
) -> ApiResult<Json<wire::dashboard::WorkMayBeDue>> {
    s.pool(name.clone()).await?;
    let wait = b
        .wait_seconds
        .filter(|w| w.is_finite() && *w >= 0.0)
        .map_or(crate::services::dispatch::MAX_WAIT, |w| {
            std::time::Duration::from_secs_f64(w.min(25.0))
        });
    let generation = s.wait_for_work(name, b.seen, wait).await?;
    Ok(Json(wire::dashboard::WorkMayBeDue { generation }))
}

/// `POST /work_pools/{name}/get_scheduled_flow_runs`: due runs for a worker, queue priority first.
pub async fn scheduled_runs(
    State(s): State<AppState>,
    Path(pool): Path<String>,
    ObjectBody(req): ObjectBody<wire::work_pools::PoolRunsRequest>,
) -> ApiResult<Json<Vec<wire::work_pools::WorkerFlowRun>>> {
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

/// The worker types Baton knows (process, docker, kubernetes), as Prefect's collection registry view
/// `aggregate-worker-metadata` lists them: pool forms and `prefect work-pool create --type` read each
/// type's default base job template from it. Process is Baton's own template.
const WORKER_METADATA: &str = include_str!("../../assets/worker-metadata.json");

/// The views of Prefect's collection registry.
const VIEWS: &[&str] = &[
    "aggregate-worker-metadata",
    "aggregate-block-metadata",
    "aggregate-flow-metadata",
    "demo-flows",
];

/// `GET /collections/views/{view}`: the worker types; the registry's other views are empty here (Baton
/// serves offline; Prefect fetches them from the internet).
pub async fn collection_view(Path(view): Path<String>) -> ApiResult<Json<Value>> {
    if !VIEWS.contains(&view.as_str()) {
        return Err(ApiError::not_found(format!(
            "View {view} not found in registry"
        )));
    }
    if view != "aggregate-worker-metadata" {
        return Ok(Json(json!({})));
    }
    let mut doc: Value = serde_json::from_str(WORKER_METADATA).map_err(|e| ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        detail: format!("the worker metadata asset is broken: {e}"),
    })?;
    doc["prefect"]["process"]["default_base_job_configuration"] =
        Value::Object(process_base_job_template());
    Ok(Json(doc))
}

#[cfg(test)]
mod tests {
    /// The embedded worker types parse and name each type's job template.
    #[test]
    fn the_worker_metadata_asset_lists_process_docker_and_kubernetes() {
        let doc: serde_json::Value = serde_json::from_str(super::WORKER_METADATA).unwrap();
        for (collection, kind) in [
            ("prefect", "process"),
            ("prefect-docker", "docker"),
            ("prefect-kubernetes", "kubernetes"),
        ] {
            let t = &doc[collection][kind];
            assert_eq!(t["type"], kind);
            assert!(t["default_base_job_configuration"]["job_configuration"].is_object());
            assert!(t["default_base_job_configuration"]["variables"]["properties"].is_object());
        }
    }
}
