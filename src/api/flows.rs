//! `/api/flows/*`.

use super::convert;
use super::error::{ApiResult, Body, Id, ObjectBody};
use super::filters::{self, flow_sort};
use super::AppState;
use crate::domain::filter::Entity;
use crate::wire::filters::{FlowCountRequest, FlowFilterRequest};
use crate::wire::flows::{Flow, FlowCreate, FlowUpdate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

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

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<FlowFilterRequest>,
) -> ApiResult<Json<Vec<Flow>>> {
    let q = filters::query(&b, Entity::Flow, flow_sort, "NAME_ASC")?;
    Ok(Json(
        s.flows(q).await?.into_iter().map(convert::flow).collect(),
    ))
}

pub async fn count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<FlowCountRequest>,
) -> ApiResult<Json<u64>> {
    Ok(Json(s.count_flows(filters::cond(&b, Entity::Flow)?).await?))
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
