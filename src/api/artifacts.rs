//! `/api/artifacts/*`: create, read, filter and count (every version or the latest of each key), the latest
//! of a key, patch, delete.

use super::error::ObjectBody;
use super::error::{parse_uuid, ApiResult, Body, Id};
use super::filters;
use super::AppState;
use crate::domain::artifact::{Artifact, ArtifactCollection, ArtifactPatch};
use crate::domain::filter::{Entity, Field, Order};
use crate::domain::time;
use crate::services::artifacts::NewArtifact;
use crate::wire::artifacts as wire;
use crate::wire::filters::{
    ArtifactCollectionCountRequest, ArtifactCollectionFilterRequest, ArtifactCountRequest,
    ArtifactFilterRequest,
};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use uuid::Uuid;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get as g, post};
    axum::Router::new()
        .route("/artifacts/", post(create))
        .route("/artifacts/filter", post(filter))
        .route("/artifacts/count", post(count))
        .route("/artifacts/latest/filter", post(latest_filter))
        .route("/artifacts/latest/count", post(latest_count))
        .route("/artifacts/{key}/latest", g(latest))
        .route("/artifacts/{id}", g(get).patch(update).delete(delete))
}

/// Prefect's artifact (and artifact collection) sort orders.
fn sort(s: &str) -> Option<Order> {
    Some(match s {
        "CREATED_DESC" => Order::desc(Field::Created),
        "UPDATED_DESC" => Order::desc(Field::Updated),
        "ID_DESC" => Order::desc(Field::Id),
        "KEY_DESC" => Order::desc(Field::Key),
        "KEY_ASC" => Order::asc(Field::Key),
        _ => return None,
    })
}

fn id_text(u: Option<Uuid>) -> Option<String> {
    u.map(|u| u.to_string())
}

fn to_wire(a: Artifact) -> wire::Artifact {
    wire::Artifact {
        id: a.id.to_string(),
        created: Some(time::format(a.created)),
        updated: Some(time::format(a.updated)),
        key: a.key,
        kind: a.kind,
        description: a.description,
        data: a.data,
        metadata_: a.metadata,
        flow_run_id: id_text(a.flow_run_id),
        task_run_id: id_text(a.task_run_id),
    }
}

fn collection(c: ArtifactCollection) -> wire::ArtifactCollection {
    wire::ArtifactCollection {
        id: c.id.to_string(),
        created: Some(time::format(c.created)),
        updated: Some(time::format(c.updated)),
        key: c.key,
        latest_id: c.latest_id.to_string(),
        kind: c.kind,
        description: c.description,
        data: c.data,
        metadata_: c.metadata,
        flow_run_id: id_text(c.flow_run_id),
        task_run_id: id_text(c.task_run_id),
    }
}

fn opt_uuid(field: &str, v: Option<String>) -> ApiResult<Option<Uuid>> {
    v.map(|s| parse_uuid(field, &s)).transpose()
}

pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<wire::ArtifactCreate>,
) -> ApiResult<(StatusCode, Json<wire::Artifact>)> {
    let n = NewArtifact {
        key: b.key,
        kind: b.kind,
        description: b.description,
        data: b.data,
        metadata: b.metadata_,
        flow_run_id: opt_uuid("flow_run_id", b.flow_run_id)?,
        task_run_id: opt_uuid("task_run_id", b.task_run_id)?,
    };
    Ok((
        StatusCode::CREATED,
        Json(to_wire(s.create_artifact(n).await?)),
    ))
}

pub async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<wire::Artifact>> {
    Ok(Json(to_wire(s.artifact(id).await?)))
}

pub async fn latest(
    State(s): State<AppState>,
    Path(key): Path<String>,
) -> ApiResult<Json<wire::ArtifactCollection>> {
    Ok(Json(collection(s.latest_artifact(key).await?)))
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<ArtifactFilterRequest>,
) -> ApiResult<Json<Vec<wire::Artifact>>> {
    let q = filters::query(&b, Entity::Artifact, sort, "ID_DESC")?;
    Ok(Json(
        s.artifacts(q).await?.into_iter().map(to_wire).collect(),
    ))
}

pub async fn latest_filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<ArtifactCollectionFilterRequest>,
) -> ApiResult<Json<Vec<wire::ArtifactCollection>>> {
    let q = filters::query(&b, Entity::ArtifactCollection, sort, "ID_DESC")?;
    Ok(Json(
        s.latest_artifacts(q)
            .await?
            .into_iter()
            .map(collection)
            .collect(),
    ))
}

pub async fn count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<ArtifactCountRequest>,
) -> ApiResult<Json<u64>> {
    let cond = filters::cond(&b, Entity::Artifact)?;
    Ok(Json(s.count_artifacts(cond, false).await?))
}

pub async fn latest_count(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<ArtifactCollectionCountRequest>,
) -> ApiResult<Json<u64>> {
    let cond = filters::cond(&b, Entity::ArtifactCollection)?;
    Ok(Json(s.count_artifacts(cond, true).await?))
}

pub async fn update(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<wire::ArtifactUpdate>,
) -> ApiResult<StatusCode> {
    let patch = ArtifactPatch {
        data: b.data,
        description: b.description,
        metadata: b.metadata_,
    };
    s.update_artifact(id, patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_artifact(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
