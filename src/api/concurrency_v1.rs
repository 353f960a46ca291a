//! `/api/concurrency_limits/*`: Prefect's tag limits (its v1 API). A tag limit is the global limit named
//! `tag:<tag>`; its `active_slots` lists the task runs holding its slots.

use super::concurrency_v2::{minimal, Refused};
use super::error::{ApiResult, Body, Id, ObjectBody};
use super::AppState;
use crate::domain::concurrency_limit::Limit;
use crate::domain::time;
use crate::services::concurrency_limits::LimitRef;
use crate::wire::concurrency as wire;
use crate::wire::concurrency_limits as cl;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use uuid::Uuid;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/concurrency_limits/", post(create))
        .route("/concurrency_limits/filter", post(filter))
        .route("/concurrency_limits/increment", post(increment))
        .route("/concurrency_limits/decrement", post(decrement))
        .route(
            "/concurrency_limits/tag/{tag}",
            get(read_by_tag).delete(delete_by_tag),
        )
        .route("/concurrency_limits/tag/{tag}/reset", post(reset))
        .route("/concurrency_limits/{id}", get(read).delete(delete))
}

fn tag_limit(l: &Limit, holders: Vec<Uuid>) -> cl::TagLimit {
    cl::TagLimit {
        id: l.id,
        created: time::format(l.created),
        updated: time::format(l.updated),
        tag: l.tag().unwrap_or(&l.name).to_string(),
        concurrency_limit: l.limit,
        active_slots: holders,
    }
}

/// Creates a tag's limit (201), or sets its size when it exists (200).
pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<cl::TagLimitCreate>,
) -> ApiResult<(StatusCode, Json<cl::TagLimit>)> {
    let (l, created) = s.upsert_tag_limit(b.tag, b.concurrency_limit).await?;
    let (l, holders) = s.tag_limit(LimitRef::Id(l.id)).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(tag_limit(&l, holders))))
}

/// A tag limit by id.
pub async fn read(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<cl::TagLimit>> {
    let (l, holders) = s.tag_limit(LimitRef::Id(id)).await?;
    Ok(Json(tag_limit(&l, holders)))
}

/// A tag limit by tag.
pub async fn read_by_tag(
    State(s): State<AppState>,
    Path(tag): Path<String>,
) -> ApiResult<Json<cl::TagLimit>> {
    let (l, holders) = s.tag_limit(LimitRef::Name(tag)).await?;
    Ok(Json(tag_limit(&l, holders)))
}

/// A page of tag limits by tag.
pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<cl::LimitsPage>,
) -> ApiResult<Json<Vec<cl::TagLimit>>> {
    let page = s.tag_limits(b.offset, b.limit).await?;
    Ok(Json(
        page.into_iter().map(|(l, h)| tag_limit(&l, h)).collect(),
    ))
}

/// Deletes a limit by id.
pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<()>> {
    s.delete_tag_limit(LimitRef::Id(id)).await?;
    Ok(Json(()))
}

/// Deletes a tag limit by tag.
pub async fn delete_by_tag(
    State(s): State<AppState>,
    Path(tag): Path<String>,
) -> ApiResult<Json<()>> {
    s.delete_tag_limit(LimitRef::Name(tag)).await?;
    Ok(Json(()))
}

/// Frees every slot of a tag limit; `slot_override` names task runs that hold one each afterwards.
pub async fn reset(
    State(s): State<AppState>,
    Path(tag): Path<String>,
    Body(b): Body<Option<cl::ResetBody>>,
) -> ApiResult<Json<()>> {
    let b = b.unwrap_or_default();
    s.reset_tag_limit(tag, b.slot_override).await?;
    Ok(Json(()))
}

/// Takes one slot of each tag's limit for a task run (waiting in line); the limits, named by tag.
pub async fn increment(
    State(s): State<AppState>,
    Body(b): Body<cl::TagSlotsBody>,
) -> Result<Json<Vec<wire::MinimalLimit>>, Refused> {
    let taken = s.take_tag_slots(b.names, b.task_run_id).await?;
    let mut out = minimal(&taken);
    for (m, l) in out.iter_mut().zip(&taken) {
        m.name = l.tag().unwrap_or(&l.name).to_string();
    }
    Ok(Json(out))
}

/// Releases a task run's slots of each tag's limit; the limits found.
pub async fn decrement(
    State(s): State<AppState>,
    Body(b): Body<cl::TagSlotsBody>,
) -> ApiResult<Json<Vec<wire::MinimalLimit>>> {
    let found = s.give_back_tag_slots(b.names, b.task_run_id).await?;
    Ok(Json(minimal(&found)))
}
