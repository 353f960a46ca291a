//! `/api/baton/deployments/{id}/catchup` (a Baton extension; Prefect's deployment shape is unchanged):
//! `GET` → `{"catchup": "all"}`, `PUT {"catchup": "all" | "latest" | "none"}` sets it.

use super::error::{ApiError, ApiResult, Id, ObjectBody};
use super::AppState;
use crate::domain::catchup::Catchup;
use crate::wire::dashboard::CatchupPolicy;
use axum::extract::State;
use axum::Json;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/baton/deployments/{id}/catchup",
        axum::routing::get(get).put(put),
    )
}

pub(super) async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<CatchupPolicy>> {
    let p = s.deployment_catchup(id).await?;
    Ok(Json(CatchupPolicy {
        catchup: p.as_str().into(),
    }))
}

pub(super) async fn put(
    State(s): State<AppState>,
    Id(id): Id,
    ObjectBody(b): ObjectBody<CatchupPolicy>,
) -> ApiResult<Json<CatchupPolicy>> {
    let p = Catchup::parse(&b.catchup).ok_or_else(|| {
        ApiError::invalid(format!(
            "catchup: '{}' is not one of all, latest, none",
            b.catchup
        ))
    })?;
    s.set_deployment_catchup(id, p).await?;
    Ok(Json(CatchupPolicy {
        catchup: p.as_str().into(),
    }))
}
