//! Prefect's `/api/ui/…` reads: a task run with its flow run's name, counts per flow run and flow, flows'
//! next runs, the runs page's scatter plot, task run counts by state and per dashboard bucket, and
//! checking form values against a JSON schema.

use super::convert;
use super::error::{ApiError, ApiResult, Id, ObjectBody};
use super::filters::{self, flow_run_sort};
use super::AppState;
use crate::domain::filter::{Cond, Entity, Query};
use crate::domain::run_stats::{self, DASHBOARD_BUCKETS};
use crate::domain::{time, StateType};
use crate::wire::filters::TaskRunCountRequest;
use crate::wire::ui::*;
use crate::wire::Object;
use axum::extract::State;
use axum::Json;
use serde_json::Value;
use uuid::Uuid;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/ui/task_runs/{id}", get(task_run))
        .route("/ui/flow_runs/count-task-runs", post(count_task_runs))
        .route("/ui/flow_runs/history", post(flow_run_history))
        .route("/ui/flows/count-deployments", post(count_deployments))
        .route("/ui/flows/next-runs", post(next_runs))
        .route("/ui/schemas/validate", post(validate_schema))
        .route("/ui/task_runs/count", post(task_run_counts))
        .route("/ui/task_runs/dashboard/counts", post(dashboard_counts))
}

/// The most ids one request may name.
const MAX_IDS: usize = 200;

fn at_most_200(ids: &[Uuid], key: &str) -> ApiResult<()> {
    if ids.len() > MAX_IDS {
        return Err(ApiError::invalid(format!(
            "{key}: List should have at most {MAX_IDS} items after validation, not {}",
            ids.len()
        )));
    }
    Ok(())
}

/// One key per requested id, in request order (duplicates once).
fn per_id(ids: &[Uuid], mut value: impl FnMut(&Uuid) -> Value) -> Object {
    ids.iter().map(|id| (id.to_string(), value(id))).collect()
}

/// `GET /ui/task_runs/{id}`: the task run and its flow run's name.
pub async fn task_run(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<UiTaskRun>> {
    let (t, flow_run_name) = s.task_run_with_run_name(id).await?;
    Ok(Json(UiTaskRun {
        run: convert::task_run(t),
        flow_run_name,
    }))
}

/// Per flow run, its task runs other than subflow wrappers.
pub async fn count_task_runs(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<FlowRunIds>,
) -> ApiResult<Json<Object>> {
    at_most_200(&b.flow_run_ids, "flow_run_ids")?;
    let counts = s.task_runs_per_flow_run(b.flow_run_ids.clone()).await?;
    Ok(Json(per_id(&b.flow_run_ids, |id| {
        Value::from(counts.get(id).copied().unwrap_or(0))
    })))
}

/// Per flow, its deployments.
pub async fn count_deployments(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<FlowIds>,
) -> ApiResult<Json<Object>> {
    at_most_200(&b.flow_ids, "flow_ids")?;
    let counts = s.deployments_per_flow(b.flow_ids.clone()).await?;
    Ok(Json(per_id(&b.flow_ids, |id| {
        Value::from(counts.get(id).copied().unwrap_or(0))
    })))
}

/// Per flow, its SCHEDULED run due first (or null).
pub async fn next_runs(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<FlowIds>,
) -> ApiResult<Json<Object>> {
    at_most_200(&b.flow_ids, "flow_ids")?;
    let mut runs = s.next_runs_of_flows(b.flow_ids.clone()).await?;
    Ok(Json(per_id(&b.flow_ids, |id| match runs.remove(id) {
        None => Value::Null,
        Some(r) => serde_json::to_value(SimpleNextFlowRun {
            id: r.id.to_string(),
            flow_id: r.flow_id.to_string(),
            name: r.name,
            state_name: r.state.as_ref().map(|st| st.name.clone()),
            state_type: r.state.as_ref().map(|st| st.kind.as_str().into()),
            next_scheduled_start_time: r.next_scheduled_start_time.map(time::format),
        })
        .unwrap_or(Value::Null),
    })))
}

/// The most runs one scatter plot shows.
const MAX_SCATTER: u64 = 1000;

/// The runs page's scatter plot: runs (default newest expected start first, at most 1,000) with their
/// duration and lateness.
pub async fn flow_run_history(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<ScatterRequest>,
) -> ApiResult<Json<Vec<SimpleFlowRun>>> {
    let limit = b.limit.unwrap_or(MAX_SCATTER);
    if limit > MAX_SCATTER {
        return Err(ApiError::invalid(
            "limit: Input should be less than or equal to 1000",
        ));
    }
    let sort = b.sort.as_deref().unwrap_or("EXPECTED_START_TIME_DESC");
    let order = flow_run_sort(sort)
        .ok_or_else(|| ApiError::invalid(format!("sort: '{sort}' is not a valid sort order")))?;
    let q = Query {
        cond: filters::cond(&b, Entity::FlowRun)?,
        order,
        limit: limit as u32,
        offset: b.offset.unwrap_or(0),
    };
    let now = s.clock.now();
    let runs = s.flow_runs(q).await?;
    Ok(Json(
        runs.iter()
            .map(|r| SimpleFlowRun {
                id: r.id.to_string(),
                state_type: r.state_type().map(|t| t.as_str().into()),
                timestamp: r.start_time.or(r.expected_start_time).map(time::format),
                duration: run_stats::duration(r, now),
                lateness: run_stats::lateness(r, now),
            })
            .collect(),
    ))
}

/// Task runs by state type: every type present, in Prefect's order.
pub async fn task_run_counts(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<TaskRunCountRequest>,
) -> ApiResult<Json<Object>> {
    let counts = s
        .task_run_state_counts(filters::cond(&b, Entity::TaskRun)?)
        .await?;
    use StateType::*;
    // Prefect's `CountByState` key order.
    const ORDER: [StateType; 9] = [
        Completed, Pending, Running, Failed, Cancelled, Crashed, Paused, Cancelling, Scheduled,
    ];
    Ok(Json(
        ORDER
            .iter()
            .map(|k| {
                let k = k.as_str();
                let n = counts.iter().find(|(t, _)| t == k).map_or(0, |(_, n)| *n);
                (k.to_string(), Value::from(n))
            })
            .collect(),
    ))
}

/// Finished task runs (completed or cancelled, failed or crashed) in 20 buckets from
/// `task_runs.start_time.after_` (to the minute) to the end of the minute of `before_` or now.
pub async fn dashboard_counts(
    State(s): State<AppState>,
    ObjectBody(mut b): ObjectBody<TaskRunDashboardRequest>,
) -> ApiResult<Json<Vec<CompletedFailed>>> {
    let window = b.task_runs.start_time.as_ref();
    let after = window
        .and_then(|w| w.after_.as_deref())
        .ok_or_else(|| ApiError::invalid("task_runs.start_time.after_ is required"))?;
    let after = filters::timestamp(after, "task_runs.start_time.after_")?;
    let before = window
        .and_then(|w| w.before_.as_deref())
        .map(|t| filters::timestamp(t, "task_runs.start_time.before_"))
        .transpose()?;
    // Only finished runs count, whatever state the filter asked for.
    b.task_runs.state = None;
    let cond = Cond::All(vec![
        filters::cond(&b, Entity::TaskRun)?,
        Cond::state_types(&[
            StateType::Completed,
            StateType::Cancelled,
            StateType::Failed,
            StateType::Crashed,
        ]),
    ]);
    let (start, width) = run_stats::dashboard_window(after, before, s.clock.now());
    let mut out = vec![CompletedFailed::default(); DASHBOARD_BUCKETS as usize];
    // A window that ends before it starts (`after_` in the future) has no buckets to fill.
    let found = if width > 0.0 {
        s.finished_task_runs_per_bucket(cond, start, width, DASHBOARD_BUCKETS)
            .await?
    } else {
        Vec::new()
    };
    for (i, completed, failed) in found {
        if let Some(slot) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
            *slot = CompletedFailed { completed, failed };
        }
    }
    Ok(Json(out))
}

/// `POST /ui/schemas/validate`: the values' errors as a tree; 422 only when the schema is unusable.
pub async fn validate_schema(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<SchemaValidateRequest>,
) -> ApiResult<Json<SchemaValidateAnswer>> {
    let errors = s
        .check_against_schema(Value::Object(b.schema), b.values)
        .await?;
    Ok(Json(SchemaValidateAnswer {
        valid: errors.is_empty(),
        errors,
    }))
}
