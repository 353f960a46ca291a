//! `/api/flows/*`.

use super::convert;
use super::error::{ApiResult, Body, Id, ObjectBody};
use super::filters::{flow_sort, FilterBody};
use super::AppState;
use crate::domain::filter::Entity;
use crate::wire::flows::{Flow, FlowCreate, FlowUpdate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;

pub(super) const SECTIONS: &[(&str, Option<Entity>)] = &[
    ("flows", Some(Entity::Flow)),
    ("flow_runs", Some(Entity::FlowRun)),
    ("task_runs", Some(Entity::TaskRun)),
    ("deployments", Some(Entity::Deployment)),
    ("work_pools", None),
    ("work_queues", None),
];

/// Upsert by name: 201 when created, 200 when it existed.
pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<FlowCreate>,
) -> ApiResult<(StatusCode, Json<Flow>)> {
    let (flow, created) = s
        .create_flow(b.name, b.tags, b.labels.unwrap_or_default())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(convert::flow(flow))))
}

pub async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<Flow>> {
    Ok(Json(convert::flow(s.flow(id).await?)))
}

pub async fn by_name(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Flow>> {
    Ok(Json(convert::flow(s.flow_by_name(name).await?)))
}

pub async fn filter(State(s): State<AppState>, Body(b): Body<Value>) -> ApiResult<Json<Vec<Flow>>> {
    let body = FilterBody::new(b)?;
    let q = body.query(body.cond(Entity::Flow, SECTIONS)?, flow_sort, "NAME_ASC")?;
    Ok(Json(
        s.flows(q).await?.into_iter().map(convert::flow).collect(),
    ))
}

pub async fn count(State(s): State<AppState>, Body(b): Body<Value>) -> ApiResult<Json<u64>> {
    let body = FilterBody::new(b)?;
    Ok(Json(
        s.count_flows(body.cond(Entity::Flow, SECTIONS)?).await?,
    ))
}

/// `PATCH /flows/{id}`: replaces the flow's tags; 204.
pub async fn update(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(b): ObjectBody<FlowUpdate>,
) -> ApiResult<StatusCode> {
    match b.tags {
        Some(tags) => s.set_flow_tags(id, tags).await?,
        None => {
            s.flow(id).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_flow(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
