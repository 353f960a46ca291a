//! `/api/saved_searches/*`: save a search under a name (PUT, replacing a taken name's filters), read,
//! list by name, delete.

use super::error::{ApiError, ApiResult, Body, Id, ObjectBody};
use super::AppState;
use crate::domain::filter::MAX_LIMIT;
use crate::domain::saved_search::SavedSearch;
use crate::domain::time;
use crate::wire::saved_searches as wire;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post, put};
    axum::Router::new()
        .route("/saved_searches/", put(save))
        .route("/saved_searches/filter", post(filter))
        .route("/saved_searches/{id}", get(read).delete(delete))
}

fn to_wire(s: SavedSearch) -> wire::SavedSearch {
    wire::SavedSearch {
        id: s.id.to_string(),
        created: Some(time::format(s.created)),
        updated: Some(time::format(s.updated)),
        name: s.name,
        filters: s.filters,
    }
}

/// 201 for a new name, 200 when a saved search of that name got the new filters.
pub async fn save(
    State(s): State<AppState>,
    Body(b): Body<wire::SavedSearchCreate>,
) -> ApiResult<(StatusCode, Json<wire::SavedSearch>)> {
    let (saved, new) = s.save_search(b.name, b.filters).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(to_wire(saved))))
}

pub async fn read(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<wire::SavedSearch>> {
    Ok(Json(to_wire(s.saved_search(id).await?)))
}

pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<wire::SavedSearchFilter>,
) -> ApiResult<Json<Vec<wire::SavedSearch>>> {
    let limit = b.limit.unwrap_or(u64::from(MAX_LIMIT));
    if limit > u64::from(MAX_LIMIT) {
        return Err(ApiError::invalid(format!(
            "Invalid limit: must be less than or equal to {MAX_LIMIT}."
        )));
    }
    let found = s
        .saved_searches(limit as u32, b.offset.unwrap_or(0))
        .await?;
    Ok(Json(found.into_iter().map(to_wire).collect()))
}

pub async fn delete(State(s): State<AppState>, Id(id): Id) -> ApiResult<StatusCode> {
    s.delete_saved_search(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
