//! Health, version, storage and CSRF probes that every Prefect client makes.

use super::error::ApiError;
use crate::wire::{Ready, ServerDefaultResultStorage, API_VERSION, PREFECT_SERVER_VERSION};
use axum::http::StatusCode;
use axum::Json;

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

pub async fn storage() -> Json<ServerDefaultResultStorage> {
    Json(ServerDefaultResultStorage {
        default_result_storage_block_id: None,
    })
}

/// CSRF protection is off (Baton binds to loopback by default); clients read this exact message.
pub async fn csrf_token() -> ApiError {
    ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        detail: "CSRF protection is disabled.".into(),
    }
}
