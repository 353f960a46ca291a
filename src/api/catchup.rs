//! `/api/baton/deployments/{id}/catchup` (a Baton extension; Prefect's deployment shape is unchanged):
//! `GET` → `{"catchup": "all"}`, `PUT {"catchup": "all" | "latest" | "none"}` sets it.

use super::error::{ApiError, ApiResult, Body, Id};
use super::AppState;
use crate::domain::catchup::Catchup;
use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route(
        "/baton/deployments/{id}/catchup",
        axum::routing::get(get).put(put),
    )
}

/// `PUT /api/baton/deployments/{id}/catchup` body.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatchupBody {
    /// `all`, `latest` or `none`.
    catchup: String,
}

async fn get(State(s): State<AppState>, Id(id): Id) -> ApiResult<Json<Value>> {
    let p = s.deployment_catchup(id).await?;
    Ok(Json(json!({"catchup": p.as_str()})))
}

async fn put(
    State(s): State<AppState>,
    Id(id): Id,
    Body(b): Body<CatchupBody>,
) -> ApiResult<Json<Value>> {
    let p = Catchup::parse(&b.catchup).ok_or_else(|| {
        ApiError::invalid(format!(
            "catchup: '{}' is not one of all, latest, none",
            b.catchup
        ))
    })?;
    s.set_deployment_catchup(id, p).await?;
    Ok(Json(json!({"catchup": p.as_str()})))
}
