//! Bulk operations: delete up to 50 flow runs, deployments or flows a filter picks, set the state of up to
//! 50 flow runs, and create up to 100 runs of a deployment in one request. Each object goes through the
//! same use case as its single-object endpoint (so events, slots and cascades are the same); one failing
//! object does not fail the others.

use super::convert;
use super::deployments::{deployment_sort, run_request};
use super::error::{ApiError, ApiResult, Body, Id, ObjectBody};
use super::filters::{self, flow_run_sort, flow_sort};
use super::AppState;
use crate::domain::filter::Entity;
use crate::services::ServiceError;
use crate::wire::bulk as w;
use crate::wire::filter_requests::{
    DeploymentFilterRequest, FlowFilterRequest, FlowRunFilterRequest,
};
use crate::wire::flow_runs::DeploymentFlowRunCreate;
use axum::extract::State;
use axum::Json;
use uuid::Uuid;

/// The most runs `create_flow_run/bulk` creates at once (Prefect's limit).
const MAX_CREATE: usize = 100;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route("/flow_runs/bulk_delete", post(delete_flow_runs))
        .route("/flow_runs/bulk_set_state", post(set_flow_run_states))
        .route("/deployments/bulk_delete", post(delete_deployments))
        .route("/flows/bulk_delete", post(delete_flows))
        .route(
            "/deployments/{id}/create_flow_run/bulk",
            post(create_flow_runs),
        )
}

/// Checks a bulk `limit` (1 to 50, Prefect's bounds and wording).
fn check_limit(limit: u64) -> ApiResult<u64> {
    match limit {
        0 => Err(ApiError::invalid(
            "limit: Input should be greater than or equal to 1",
        )),
        l if l > w::MAX_BULK => Err(ApiError::invalid(format!(
            "limit: Input should be less than or equal to {}",
            w::MAX_BULK
        ))),
        l => Ok(l),
    }
}

/// The ids a filter picks, in the order of the filter endpoint's default sort.
fn ids_of<T>(found: Vec<T>, id: fn(&T) -> Uuid) -> Vec<Uuid> {
    found.iter().map(id).collect()
}

/// Deletes each id with `delete`; the ids actually deleted (one already gone is skipped).
async fn delete_each<F, Fut>(ids: Vec<Uuid>, delete: F) -> ApiResult<Json<w::BulkDeleted>>
where
    F: Fn(Uuid) -> Fut,
    Fut: std::future::Future<Output = Result<(), ServiceError>>,
{
    let mut deleted = Vec::with_capacity(ids.len());
    for id in ids {
        match delete(id).await {
            Ok(()) => deleted.push(id),
            Err(ServiceError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Json(w::BulkDeleted { deleted }))
}

pub async fn delete_flow_runs(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<w::FlowRunBulkDelete>,
) -> ApiResult<Json<w::BulkDeleted>> {
    let req = FlowRunFilterRequest {
        flow_runs: b.flow_runs,
        limit: Some(check_limit(b.limit)?),
        ..Default::default()
    };
    let q = filters::query(&req, Entity::FlowRun, flow_run_sort, "ID_DESC")?;
    let ids = ids_of(s.flow_runs(q).await?, |r| r.id);
    delete_each(ids, |id| s.delete_flow_run(id)).await
}

pub async fn delete_deployments(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<w::DeploymentBulkDelete>,
) -> ApiResult<Json<w::BulkDeleted>> {
    let req = DeploymentFilterRequest {
        deployments: b.deployments,
        limit: Some(check_limit(b.limit)?),
        ..Default::default()
    };
    let q = filters::query(&req, Entity::Deployment, deployment_sort, "NAME_ASC")?;
    let ids = ids_of(s.deployments(q).await?, |d| d.id);
    delete_each(ids, |id| s.delete_deployment(id)).await
}

pub async fn delete_flows(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<w::FlowBulkDelete>,
) -> ApiResult<Json<w::BulkDeleted>> {
    let req = FlowFilterRequest {
        flows: b.flows,
        limit: Some(check_limit(b.limit)?),
        ..Default::default()
    };
    let q = filters::query(&req, Entity::Flow, flow_sort, "NAME_ASC")?;
    let ids = ids_of(s.flows(q).await?, |f| f.id);
    delete_each(ids, |id| s.delete_flow(id)).await
}

/// Each picked run gets the orchestration of `POST /flow_runs/{id}/set_state`, in turn, each with a state
/// of its own.
pub async fn set_flow_run_states(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<w::FlowRunBulkSetState>,
) -> ApiResult<Json<w::BulkStateResults>> {
    let req = FlowRunFilterRequest {
        flow_runs: b.flow_runs,
        limit: Some(check_limit(b.limit)?),
        ..Default::default()
    };
    let q = filters::query(&req, Entity::FlowRun, flow_run_sort, "ID_DESC")?;
    let proposed = convert::proposed(b.state)?;
    let mut results = Vec::new();
    for run in s.flow_runs(q).await? {
        let result = match s
            .set_flow_run_state(run.id, proposed.clone(), b.force)
            .await
        {
            Ok(out) => {
                let o = convert::orchestration(&out.decision, out.state.as_ref());
                w::BulkStateResult {
                    flow_run_id: run.id,
                    status: o.status,
                    state: o.state,
                    details: o.details,
                }
            }
            Err(e) => {
                let mut details = crate::wire::Object::new();
                details.insert("type".into(), "abort_details".into());
                details.insert("reason".into(), e.to_string().into());
                w::BulkStateResult {
                    flow_run_id: run.id,
                    status: "ABORT".into(),
                    state: None,
                    details,
                }
            }
        };
        results.push(result);
    }
    Ok(Json(w::BulkStateResults { results }))
}

/// 200 whatever each item's outcome: an item that fails says why and the others are still created.
pub async fn create_flow_runs(
    State(s): State<AppState>,
    Id(id): Id,
    Body(items): Body<Vec<DeploymentFlowRunCreate>>,
) -> ApiResult<Json<w::BulkCreateResults>> {
    if items.len() > MAX_CREATE {
        return Err(ApiError {
            status: axum::http::StatusCode::BAD_REQUEST,
            detail: format!("Cannot create more than {MAX_CREATE} flow runs at once."),
        });
    }
    s.deployment(id).await?;
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let created = match run_request(item) {
            Ok(req) => s
                .create_deployment_run(id, req)
                .await
                .map_err(|e| ApiError::from(e).detail),
            Err(e) => Err(e.detail),
        };
        results.push(match created {
            Ok((run, _)) => w::BulkCreateResult {
                flow_run_id: Some(run.id),
                status: w::CreateStatus::Created,
                error: None,
            },
            Err(error) => w::BulkCreateResult {
                flow_run_id: None,
                status: w::CreateStatus::Failed,
                error: Some(error),
            },
        });
    }
    Ok(Json(w::BulkCreateResults { results }))
}
