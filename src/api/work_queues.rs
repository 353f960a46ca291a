//! `/api/work_queues/*`: work queues by id (read, patch, delete, their due runs, health and slot holders),
//! by name, listed across pools, and created without a pool; plus the body conversions the pool-scoped
//! queue routes of `work_pools.rs` share.

use super::convert;
use super::error::{parse_uuid, ApiError, ApiResult, Id, ObjectBody};
use super::work_pool_fields::queue_json;
use super::AppState;
use crate::domain::filter::MAX_LIMIT;
use crate::domain::time;
use crate::domain::work_pool::{QueueFilter, WorkPool, WorkQueue};
use crate::services::work_queues::QueuePatch;
use crate::wire::{self, work_queues as wq};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde_json::Value;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get as g, post};
    axum::Router::new()
        .route("/work_queues/", post(create))
        .route("/work_queues/filter", post(filter))
        .route("/work_queues/name/{name}", g(by_name))
        .route("/work_queues/{id}", g(get).patch(update).delete(delete))
        .route("/work_queues/{id}/get_runs", post(runs))
        .route("/work_queues/{id}/status", g(status))
        .route(
            "/work_queues/{id}/concurrency_status",
            post(concurrency_status),
        )
}

/// Queues on the wire, with the runs holding each one's slots.
pub(super) async fn queues_out(
    s: &AppState,
    queues: Vec<(WorkPool, WorkQueue)>,
) -> ApiResult<Vec<wire::work_pools::WorkQueue>> {
    let mut pools: Vec<_> = queues.iter().map(|(p, _)| p.id).collect();
    pools.dedup();
    let slots = s.queue_slots(pools).await?;
    let now = s.clock.now();
    Ok(queues
        .into_iter()
        .map(|(p, q)| queue_json(q, &p, &slots, now))
        .collect())
}

/// One queue on the wire.
pub(super) async fn queue_out(
    s: &AppState,
    p: WorkPool,
    q: WorkQueue,
) -> ApiResult<wire::work_pools::WorkQueue> {
    Ok(queues_out(s, vec![(p, q)]).await?.remove(0))
}

/// A create body as a patch (422 naming the field for a value out of range).
pub(super) fn create_patch(b: wq::WorkQueueCreate) -> ApiResult<QueuePatch> {
    no_filter(b.filter.as_ref())?;
    Ok(QueuePatch {
        name: Some(b.name),
        description: b.description,
        is_paused: Some(b.is_paused),
        concurrency_limit: Some(b.concurrency_limit.map(i64::from)),
        priority: b.priority.map(priority).transpose()?,
        last_polled: None,
    })
}

/// An update body as a patch.
pub(super) fn update_patch(b: wq::WorkQueueUpdate) -> ApiResult<QueuePatch> {
    no_filter(b.filter.as_ref())?;
    let last_polled = match b.last_polled {
        Some(Some(t)) => Some(Some(time::parse(&t).ok_or_else(|| {
            ApiError::invalid(format!("last_polled: '{t}' is not a valid datetime"))
        })?)),
        Some(None) => Some(None),
        None => None,
    };
    Ok(QueuePatch {
        name: b.name,
        description: b.description,
        is_paused: b.is_paused,
        concurrency_limit: b.concurrency_limit.map(|l| l.map(i64::from)),
        priority: b.priority.map(priority).transpose()?,
        last_polled,
    })
}

fn priority(p: u32) -> ApiResult<i64> {
    if (1..=1_000_000).contains(&p) {
        Ok(i64::from(p))
    } else {
        Err(ApiError::invalid(
            "priority: expected an integer from 1 to 1000000",
        ))
    }
}

fn no_filter(f: Option<&Value>) -> ApiResult<()> {
    match f {
        None | Some(Value::Null) => Ok(()),
        Some(_) => Err(ApiError::invalid(
            "filter: tag-based work queue filters (deprecated in Prefect) are not supported",
        )),
    }
}

/// A `work_queues` filter object as a domain filter.
pub(super) fn queue_filter(f: Option<wq::WorkQueueFilter>) -> ApiResult<QueueFilter> {
    let Some(f) = f else {
        return Ok(QueueFilter::default());
    };
    let any = match f.operator.as_deref() {
        None | Some("and_") => false,
        Some("or_") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "work_queues.operator: must be 'and_' or 'or_', not '{other}'"
            )))
        }
    };
    let ids = match f.id.and_then(|i| i.any_) {
        Some(ids) => Some(
            ids.iter()
                .map(|i| parse_uuid("work_queues.id.any_", i))
                .collect::<ApiResult<Vec<_>>>()?,
        ),
        None => None,
    };
    let (names, prefixes) = f.name.map_or((None, None), |n| (n.any_, n.startswith_));
    Ok(QueueFilter {
        ids,
        names,
        prefixes,
        any,
    })
}

pub async fn create(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wq::WorkQueueCreate>,
) -> ApiResult<(StatusCode, Json<wire::work_pools::WorkQueue>)> {
    let (p, q) = s.create_unpooled_queue(create_patch(b)?).await?;
    Ok((StatusCode::CREATED, Json(queue_out(&s, p, q).await?)))
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wq::WorkQueueFilterRequest>,
) -> ApiResult<Json<Vec<wire::work_pools::WorkQueue>>> {
    let filter = queue_filter(b.work_queues)?;
    let limit = b.limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT);
    let queues = s.all_queues(filter, limit, b.offset.unwrap_or(0)).await?;
    Ok(Json(queues_out(&s, queues).await?))
}

pub async fn by_name(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<wire::work_pools::WorkQueue>> {
    let (p, q) = s.queue_named(name).await?;
    Ok(Json(queue_out(&s, p, q).await?))
}

pub async fn get(
    State(s): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<wire::work_pools::WorkQueue>> {
    let (p, q) = s.queue_by_id(id).await?;
    Ok(Json(queue_out(&s, p, q).await?))
}

pub async fn update(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(b): ObjectBody<wq::WorkQueueUpdate>,
) -> ApiResult<StatusCode> {
    s.update_queue_by_id(id, update_patch(b)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_queue_by_id(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /work_queues/{id}/get_runs`: the queue's due runs. A poll (the queue becomes READY) unless the
/// `x-prefect-ui` header says Prefect's UI is only looking.
pub async fn runs(
    State(s): State<AppState>,
    Id(id): Id,
    headers: HeaderMap,
    ObjectBody(b): ObjectBody<wq::QueueRunsRequest>,
) -> ApiResult<Json<Vec<wire::flow_runs::FlowRun>>> {
    let before = match b.scheduled_before {
        Some(t) => Some(time::parse(&t).ok_or_else(|| {
            ApiError::invalid(format!("scheduled_before: '{t}' is not a valid datetime"))
        })?),
        None => None,
    };
    let peek = headers
        .get("x-prefect-ui")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"));
    let limit = b.limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT);
    let runs = s.runs_in_queue(id, before, limit, peek).await?;
    let now = s.clock.now();
    Ok(Json(
        runs.into_iter()
            .map(|r| convert::flow_run(r, now))
            .collect(),
    ))
}

/// `GET /work_queues/{id}/status`: healthy when polled within the last minute with no late runs.
pub async fn status(
    State(s): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<wq::WorkQueueStatusDetail>> {
    let h = s.queue_health(id).await?;
    Ok(Json(wq::WorkQueueStatusDetail {
        healthy: h.healthy,
        late_runs_count: h.late_runs,
        last_polled: h.queue.last_polled.map(time::format),
        health_check_policy: wq::WorkQueueHealthPolicy {
            maximum_late_runs: Some(h.policy.maximum_late_runs),
            maximum_seconds_since_last_polled: Some(h.policy.maximum_seconds_since_last_polled),
        },
    }))
}

/// `POST /work_queues/{id}/concurrency_status`: the runs holding the queue's slots, a page at a time.
pub async fn concurrency_status(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(b): ObjectBody<wq::ConcurrencyStatusRequest>,
) -> ApiResult<Json<wq::WorkQueueConcurrencyStatus>> {
    let page = b.page.unwrap_or(1);
    if page == 0 {
        return Err(ApiError::invalid("page: must be 1 or more"));
    }
    let limit = b.limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT);
    let offset = (page - 1).saturating_mul(u64::from(limit));
    let held = s.queue_slot_holders(id, offset, limit).await?;
    let now = s.clock.now();
    let flow_runs = held
        .runs
        .into_iter()
        .map(|r| wq::FlowRunSlotSummary {
            id: r.id.to_string(),
            name: r.name,
            state_type: r.state.as_ref().map(|st| st.kind.as_str().into()),
            state_name: r.state.as_ref().map(|st| st.name.clone()),
            start_time: r.start_time.map(time::format),
            state_timestamp: r.state.as_ref().map(|st| time::format(st.timestamp)),
            time_in_current_state: r
                .state
                .as_ref()
                .map(|st| time::seconds_between(st.timestamp, now)),
        })
        .collect();
    Ok(Json(wq::WorkQueueConcurrencyStatus {
        active_slots: held.total,
        concurrency_limit: held.queue.concurrency_limit,
        flow_runs,
        count: held.total,
        limit,
        pages: if limit == 0 {
            0
        } else {
            held.total.div_ceil(u64::from(limit))
        },
        page,
    }))
}
