//! `POST /api/{flows,flow_runs,task_runs,deployments}/paginate`: the matching `/filter` page `page` of
//! `limit` rows, with the total count and the number of pages.

use super::convert;
use super::deployments::{deployment_sort, with_limits};
use super::error::{ApiError, ApiResult, ObjectBody};
use super::filters::{self, flow_run_sort, flow_sort, task_run_sort};
use super::AppState;
use crate::domain::filter::{Entity, Order, Query};
use crate::domain::task_run::TaskRun;
use crate::wire::deployments::Deployment;
use crate::wire::flow_runs::FlowRun;
use crate::wire::flows::Flow;
use crate::wire::paginate::*;
use axum::extract::State;
use axum::Json;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route("/flows/paginate", post(flows))
        .route("/flow_runs/paginate", post(flow_runs))
        .route("/task_runs/paginate", post(task_runs))
        .route("/deployments/paginate", post(deployments))
}

/// The largest `limit`.
const MAX_LIMIT: u64 = 200;

/// The page's query and its `(limit, page)`; 422 for a page below 1 or a limit above 200.
fn page_query(
    b: &impl PageRequest,
    target: Entity,
    sort_of: fn(&str) -> Option<Order>,
    default: &str,
) -> ApiResult<(Query, u64, u64)> {
    let (page, limit) = b.page_and_limit();
    let (page, limit) = (page.unwrap_or(1), limit.unwrap_or(MAX_LIMIT));
    if page < 1 {
        return Err(ApiError::invalid(
            "page: Input should be greater than or equal to 1",
        ));
    }
    if limit > MAX_LIMIT {
        return Err(ApiError::invalid(
            "Invalid limit: must be less than or equal to 200.",
        ));
    }
    Ok((filters::query(b, target, sort_of, default)?, limit, page))
}

/// `pages = ceil(count / limit)`, 0 for a limit of 0.
pub fn pages(count: u64, limit: u64) -> u64 {
    count
        .checked_div(limit)
        .map_or(0, |whole| whole + u64::from(!count.is_multiple_of(limit)))
}

fn answer<T>(results: Vec<T>, count: u64, limit: u64, page: u64) -> Json<Paginated<T>> {
    Json(Paginated {
        results,
        count,
        limit,
        pages: pages(count, limit),
        page,
    })
}

pub async fn flows(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<FlowPaginateRequest>,
) -> ApiResult<Json<Paginated<Flow>>> {
    let (q, limit, page) = page_query(&b, Entity::Flow, flow_sort, "NAME_ASC")?;
    let count = s.count_flows(q.cond.clone()).await?;
    let rows = s.flows(q).await?.into_iter().map(convert::flow).collect();
    Ok(answer(rows, count, limit, page))
}

pub async fn flow_runs(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<FlowRunPaginateRequest>,
) -> ApiResult<Json<Paginated<FlowRun>>> {
    let (q, limit, page) = page_query(&b, Entity::FlowRun, flow_run_sort, "ID_DESC")?;
    let count = s.count_flow_runs(q.cond.clone()).await?;
    let now = s.clock.now();
    let rows = s
        .flow_runs(q)
        .await?
        .into_iter()
        .map(|r| convert::flow_run(r, now))
        .collect();
    Ok(answer(rows, count, limit, page))
}

pub async fn task_runs(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<TaskRunPaginateRequest>,
) -> ApiResult<Json<Paginated<TaskRunSummary>>> {
    let (q, limit, page) = page_query(&b, Entity::TaskRun, task_run_sort, "ID_DESC")?;
    let count = s.count_task_runs(q.cond.clone()).await?;
    let rows = s.task_runs(q).await?.into_iter().map(summary).collect();
    Ok(answer(rows, count, limit, page))
}

pub async fn deployments(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<DeploymentPaginateRequest>,
) -> ApiResult<Json<Paginated<Deployment>>> {
    let (q, limit, page) = page_query(&b, Entity::Deployment, deployment_sort, "NAME_ASC")?;
    let count = s.count_deployments(q.cond.clone()).await?;
    let ds = s.deployments(q).await?;
    Ok(answer(with_limits(&s, ds).await?, count, limit, page))
}

/// A task run in `/task_runs/paginate`'s reduced shape.
fn summary(t: TaskRun) -> TaskRunSummary {
    let full = convert::task_run(t);
    TaskRunSummary {
        id: full.id,
        created: full.created,
        updated: full.updated,
        name: full.name,
        flow_run_id: full.flow_run_id,
        task_key: full.task_key,
        state_id: full.state_id,
        state: full.state,
        task_version: full.task_version,
        task_inputs: full.task_inputs,
        empirical_policy: full.empirical_policy,
        tags: full.tags,
        start_time: full.start_time,
        end_time: full.end_time,
        total_run_time: full.total_run_time,
        estimated_run_time: full.estimated_run_time,
        estimated_start_time_delta: full.estimated_start_time_delta,
    }
}

#[cfg(test)]
mod tests {
    use super::pages;

    #[test]
    fn pages_round_up_and_a_zero_limit_has_none() {
        assert_eq!(pages(0, 200), 0);
        assert_eq!(pages(1, 200), 1);
        assert_eq!(pages(4, 1), 4);
        assert_eq!(pages(401, 200), 3);
        assert_eq!(pages(5, 0), 0);
    }
}
