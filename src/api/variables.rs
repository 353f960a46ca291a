//! `/api/variables/*`: create, filter, count, and read, patch or delete by id or by name.

use super::error::ObjectBody;
use super::error::{parse_uuid, ApiResult, Body};
use super::filters;
use super::AppState;
use crate::domain::filter::{Entity, Field, Order};
use crate::domain::time;
use crate::domain::variable::{Variable, VariablePatch};
use crate::services::variables::VariableRef;
use crate::wire::filters::{VariableCountRequest, VariableFilterRequest};
use crate::wire::variables as wire;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get as g, post};
    axum::Router::new()
        .route("/variables/", post(create))
        .route("/variables/filter", post(filter))
        .route("/variables/count", post(count))
        .route(
            "/variables/name/{name}",
            g(get_by_name).patch(update_by_name).delete(delete_by_name),
        )
        .route("/variables/{id}", g(get).patch(update).delete(delete))
}

fn to_wire(v: Variable) -> wire::Variable {
    wire::Variable {
        id: v.id.to_string(),
        created: Some(time::format(v.created)),
        updated: Some(time::format(v.updated)),
        name: v.name,
        value: v.value,
        tags: v.tags,
    }
}

/// Prefect's variable sort orders.
fn sort(s: &str) -> Option<Order> {
    Some(match s {
        "CREATED_DESC" => Order::desc(Field::Created),
        "UPDATED_DESC" => Order::desc(Field::Updated),
        "NAME_ASC" => Order::asc(Field::Name),
        "NAME_DESC" => Order::desc(Field::Name),
        _ => return None,
    })
}

pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<wire::VariableCreate>,
) -> ApiResult<(StatusCode, Json<wire::Variable>)> {
    let v = s.create_variable(b.name, b.value, b.tags).await?;
    Ok((StatusCode::CREATED, Json(to_wire(v))))
}

fn by_id(raw: &str) -> ApiResult<VariableRef> {
    parse_uuid("id", raw).map(VariableRef::Id)
}

pub async fn get(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<wire::Variable>> {
    Ok(Json(to_wire(s.variable(by_id(&id)?).await?)))
}

pub async fn get_by_name(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<wire::Variable>> {
    Ok(Json(to_wire(s.variable(VariableRef::Name(name)).await?)))
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<VariableFilterRequest>,
) -> ApiResult<Json<Vec<wire::Variable>>> {
    let q = filters::query(&b, Entity::Variable, sort, "NAME_ASC")?;
    Ok(Json(
        s.variables(q).await?.into_iter().map(to_wire).collect(),
    ))
}

pub async fn count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<VariableCountRequest>,
) -> ApiResult<Json<u64>> {
    Ok(Json(
        s.count_variables(filters::cond(&b, Entity::Variable)?)
            .await?,
    ))
}

fn patch(b: wire::VariableUpdate) -> VariablePatch {
    VariablePatch {
        name: b.name,
        value: b.value,
        tags: b.tags,
    }
}

pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Body(b): Body<wire::VariableUpdate>,
) -> ApiResult<StatusCode> {
    s.update_variable(by_id(&id)?, patch(b)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn update_by_name(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Body(b): Body<wire::VariableUpdate>,
) -> ApiResult<StatusCode> {
    s.update_variable(VariableRef::Name(name), patch(b)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.delete_variable(by_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_by_name(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    s.delete_variable(VariableRef::Name(name)).await?;
    Ok(StatusCode::NO_CONTENT)
}
