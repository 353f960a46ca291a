//! Health, version, storage and CSRF probes that every Prefect client makes.

use super::error::ApiError;
use crate::wire::{API_VERSION, PREFECT_SERVER_VERSION};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

pub async fn health() -> Json<bool> {
    Json(true)
}

pub async fn ready() -> Json<Value> {
    Json(json!({"message": "OK"}))
}

pub async fn version() -> Json<&'static str> {
    Json(API_VERSION)
}

pub async fn server_version() -> Json<&'static str> {
    Json(PREFECT_SERVER_VERSION)
}

pub async fn storage() -> Json<Value> {
    Json(json!({"default_result_storage_block_id": null}))
}

/// CSRF protection is off (Baton binds to loopback by default); clients read this exact message.
pub async fn csrf_token() -> ApiError {
    ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        detail: "CSRF protection is disabled.".into(),
    }
}
