//! Read operations of runs and pools: `POST /flow_runs/lateness`, `POST /task_runs/history`,
//! `GET /flow_runs/{id}/logs/download` (CSV), `GET /observed-states`,
//! `POST /work_pools/{name}/concurrency_status` and `GET /deployments/{id}/work_queue_check`.

use super::error::{ApiError, ApiResult, Id, ObjectBody};
use super::filters::{self, timestamp};
use super::AppState;
use crate::domain::filter::Entity;
use crate::domain::{log_csv, run_stats, time};
use crate::wire::dashboard::{HistoryInterval, HistoryStateCount};
use crate::wire::filters::RunPageCount;
use crate::wire::ui::*;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::HashMap;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/flow_runs/lateness", post(lateness))
        .route("/task_runs/history", post(task_run_history))
        .route("/flow_runs/{id}/logs/download", get(download_logs))
        .route("/observed-states", get(observed_states))
        .route(
            "/work_pools/{name}/concurrency_status",
            post(concurrency_status),
        )
        .route("/deployments/{id}/work_queue_check", get(work_queue_check))
}

/// The average lateness in seconds of the matching flow runs; null when none match.
pub async fn lateness(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<RunPageCount>,
) -> ApiResult<Json<Option<f64>>> {
    Ok(Json(
        s.flow_run_lateness(filters::cond(&b, Entity::FlowRun)?)
            .await?,
    ))
}

/// Task runs per interval and state, as `POST /flow_runs/history` gives flow runs.
pub async fn task_run_history(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<TaskRunHistoryRequest>,
) -> ApiResult<Json<Vec<HistoryInterval>>> {
    let start = timestamp(&b.history_start, "history_start")?;
    let end = timestamp(&b.history_end, "history_end")?;
    let interval = b.history_interval_seconds;
    if interval.is_nan() || interval < 1.0 {
        return Err(ApiError::invalid(
            "History interval must not be less than 1 second.",
        ));
    }
    let bounds = run_stats::history_intervals(start, end, interval);
    let mut out: Vec<HistoryInterval> = bounds
        .iter()
        .map(|(a, z)| HistoryInterval {
            interval_start: time::format(*a),
            interval_end: time::format(*z),
            states: Vec::new(),
        })
        .collect();
    let Some(&(_, last)) = bounds.last() else {
        return Ok(Json(out));
    };
    let cond = filters::cond(&b.filter, Entity::TaskRun)?;
    for c in s.task_run_history(cond, start, last, interval).await? {
        if let Some(slot) = usize::try_from(c.bucket).ok().and_then(|i| out.get_mut(i)) {
            slot.states.push(HistoryStateCount {
                state_type: c.state_type,
                state_name: c.state_name,
                count_runs: c.count,
                sum_estimated_run_time: c.run_time,
                sum_estimated_lateness: c.lateness,
            });
        }
    }
    Ok(Json(out))
}

/// Log lines read per page while streaming a download.
const LOG_PAGE: u32 = 1000;

/// The run's own log lines (not its subflows') as CSV, oldest first, streamed page by page.
pub async fn download_logs(State(s): State<AppState>, Id(id): Id) -> ApiResult<Response> {
    let name = s.flow_run_name(id).await?;
    let disposition = format!(
        "attachment; filename=\"flow-run-logs.csv\"; filename*=UTF-8''{}",
        log_csv::url_quote(&format!("{name}-logs.csv"))
    );
    // (cursor, done): the header first, then pages until one comes back short.
    let first = futures_util::stream::once(async {
        Ok::<_, crate::services::ServiceError>(log_csv::HEADER.to_string())
    });
    let pages = futures_util::stream::unfold(Some(None), move |cursor| {
        let s = s.clone();
        async move {
            let after = cursor?;
            match s.flow_run_log_page(id, after, LOG_PAGE).await {
                Err(e) => Some((Err(e), None)),
                Ok(lines) => {
                    let next = match lines.last() {
                        Some(l) if lines.len() == LOG_PAGE as usize => {
                            Some(Some((l.timestamp, l.id)))
                        }
                        _ => None,
                    };
                    let text: String = lines.iter().map(log_csv::row).collect();
                    Some((Ok(text), next))
                }
            }
        }
    });
    use futures_util::StreamExt;
    let body = axum::body::Body::from_stream(first.chain(pages));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// `?query=` (a prefix of the type or name), `order_by` (`LAST_SEEN_DESC` or `NAME_ASC`), `limit` (1–200).
pub async fn observed_states(
    State(s): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<ObservedState>>> {
    let prefix = q.get("query").map(|p| p.trim()).unwrap_or("").to_string();
    if q.get("query").is_some_and(|p| p.chars().count() > 100) {
        return Err(ApiError::invalid(
            "query: String should have at most 100 characters",
        ));
    }
    let by_name = match q.get("order_by").map(String::as_str) {
        None | Some("LAST_SEEN_DESC") => false,
        Some("NAME_ASC") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "order_by: Input should be 'NAME_ASC' or 'LAST_SEEN_DESC'",
            ))
        }
    };
    let limit = match q.get("limit") {
        None => 200,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=200).contains(l))
            .ok_or_else(|| ApiError::invalid("limit: expected an integer from 1 to 200"))?,
    };
    let found = s.observed_states(prefix, by_name, limit).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|o| ObservedState {
                state_type: o.state_type,
                state_name: o.state_name,
                first_seen: time::format(o.first_seen),
                last_seen: time::format(o.last_seen),
            })
            .collect(),
    ))
}

/// The pool's active runs, and a page of its queues (by priority) with theirs.
pub async fn concurrency_status(
    State(s): State<AppState>,
    Path(name): Path<String>,
    ObjectBody(b): ObjectBody<ConcurrencyStatusRequest>,
) -> ApiResult<Json<PoolConcurrencyStatus>> {
    let page = b.page.unwrap_or(1);
    if page < 1 {
        return Err(ApiError::invalid(
            "page: Input should be greater than or equal to 1",
        ));
    }
    let limit = b.limit.unwrap_or(200);
    if limit > 200 {
        return Err(ApiError::invalid(
            "Invalid limit: must be less than or equal to 200.",
        ));
    }
    let per_queue = b.flow_run_limit.unwrap_or(10);
    if per_queue > 200 {
        return Err(ApiError::invalid(
            "flow_run_limit: Input should be less than or equal to 200",
        ));
    }
    let now = s.clock.now();
    let st = s
        .pool_concurrency(name, page, limit, per_queue as u32)
        .await?;
    let queues = st
        .queues
        .into_iter()
        .map(|q| QueueConcurrencyStatus {
            queue_id: q.queue.id.to_string(),
            queue_name: q.queue.name,
            active_slots: q.active,
            concurrency_limit: q.queue.concurrency_limit,
            flow_runs: q
                .runs
                .into_iter()
                .map(|r| crate::wire::work_queues::FlowRunSlotSummary {
                    id: r.id.to_string(),
                    name: r.name,
                    state_type: r.state_type.map(|t| t.as_str().into()),
                    state_name: r.state_name,
                    start_time: r.start_time.map(time::format),
                    state_timestamp: r.state_timestamp.map(time::format),
                    time_in_current_state: r.state_timestamp.map(|t| time::seconds_between(t, now)),
                })
                .collect(),
            flow_run_count: q.active,
        })
        .collect();
    Ok(Json(PoolConcurrencyStatus {
        active_slots: st.active,
        concurrency_limit: st.pool.concurrency_limit,
        queues,
        count: st.queue_count,
        limit,
        pages: super::paginate::pages(st.queue_count, limit),
        page,
    }))
}

/// Every work queue the deployment's runs could go to (Prefect's legacy queue filters: Baton's queues
/// have none, so all of them).
pub async fn work_queue_check(
    State(s): State<AppState>,
    Id(id): Id,
) -> ApiResult<Json<Vec<CoreWorkQueue>>> {
    let queues = s.work_queues_for_deployment(id).await?;
    Ok(Json(
        queues
            .into_iter()
            .map(|q| CoreWorkQueue {
                id: q.id.to_string(),
                created: time::format(q.created),
                updated: time::format(q.updated),
                name: q.name,
                description: q.description,
                is_paused: q.is_paused,
                concurrency_limit: q.concurrency_limit,
                priority: q.priority,
                work_pool_id: q.work_pool_id.to_string(),
                filter: None,
                last_polled: q.last_polled.map(time::format),
            })
            .collect(),
    ))
}
