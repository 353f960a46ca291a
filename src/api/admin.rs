//! Health, version, storage and CSRF probes that every Prefect client makes, the default result storage,
//! and the server's settings.

use super::error::{ApiError, ApiResult, Body};
use super::AppState;
use crate::wire::{
    Ready, ServerDefaultResultStorage, ServerDefaultResultStorageUpdate, API_VERSION,
    PREFECT_SERVER_VERSION,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

pub async fn health() -> Json<bool> {
    Json(true)
}

pub async fn ready() -> Json<Ready> {
    Json(Ready {
        message: "OK".into(),
    })
}

/// `GET /hello`: Prefect's greeting, a liveness check some clients make.
pub async fn hello() -> Json<&'static str> {
    Json("👋")
}

pub async fn version() -> Json<&'static str> {
    Json(API_VERSION)
}

pub async fn server_version() -> Json<&'static str> {
    Json(PREFECT_SERVER_VERSION)
}

/// `GET /admin/storage`: the default result storage block, if one is set.
pub async fn storage(State(s): State<AppState>) -> ApiResult<Json<ServerDefaultResultStorage>> {
    let id = s.default_result_storage().await?;
    Ok(Json(ServerDefaultResultStorage {
        default_result_storage_block_id: id.map(|i| i.to_string()),
    }))
}

/// `PUT /admin/storage`: sets it (the block must exist and be able to write).
pub async fn set_storage(
    State(s): State<AppState>,
    Body(b): Body<ServerDefaultResultStorageUpdate>,
) -> ApiResult<Json<ServerDefaultResultStorage>> {
    let id = s
        .set_default_result_storage(b.default_result_storage_block_id)
        .await?;
    Ok(Json(ServerDefaultResultStorage {
        default_result_storage_block_id: Some(id.to_string()),
    }))
}

/// `DELETE /admin/storage`: clears it.
pub async fn clear_storage(State(s): State<AppState>) -> ApiResult<StatusCode> {
    s.clear_default_result_storage().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /admin/settings`: the server's settings, in the shape of Prefect's settings document.
pub async fn settings(State(s): State<AppState>) -> Json<Value> {
    Json(s.settings.get().cloned().unwrap_or_else(|| json!({})))
}

/// CSRF protection is off (Baton binds to loopback by default); clients read this exact message.
pub async fn csrf_token() -> ApiError {
    ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        detail: "CSRF protection is disabled.".into(),
    }
}
