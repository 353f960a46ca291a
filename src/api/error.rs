//! API errors and extractors: every failure becomes `{"detail": "..."}` with Prefect's status code (404 for a
//! missing object, 409 for a conflict, 422 for invalid input), and bodies and path ids are parsed here so
//! that a malformed request names the field at fault.

use crate::services::ServiceError;
use crate::wire::ErrorBody;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
}

impl ApiError {
    /// 422 with a message.
    pub fn invalid(detail: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: detail.into(),
        }
    }
    /// 404 with a message.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            detail: detail.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                detail: self.detail,
            }),
        )
            .into_response()
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(m) => ApiError::not_found(m),
            ServiceError::Conflict(m) => ApiError {
                status: StatusCode::CONFLICT,
                detail: m,
            },
            ServiceError::Invalid(m) => ApiError::invalid(m),
            ServiceError::Gone(m) => ApiError {
                status: StatusCode::GONE,
                detail: m,
            },
            ServiceError::Forbidden(m) => ApiError {
                status: StatusCode::FORBIDDEN,
                detail: m,
            },
            ServiceError::BadRequest(m) => ApiError {
                status: StatusCode::BAD_REQUEST,
                detail: m,
            },
            ServiceError::Store(err) if err.is_temporary() => {
                tracing::warn!(error = %err, "temporary storage failure");
                ApiError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    detail: format!(
                        "Baton could not complete the request for now, try again: {err}"
                    ),
                }
            }
            ServiceError::Store(err) => {
                tracing::error!(error = %err, "storage failure");
                ApiError {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    detail: format!(
                        "Baton failed to complete the request (an internal error, logged by the server): {err}"
                    ),
                }
            }
        }
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON body parsed strictly: a wrong type or missing field gives 422 naming the field's path.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                let status = e.status();
                ApiError {
                    status,
                    detail: format!("Could not read the request body: {}", e.body_text()),
                }
            })?;
        parse_json(&bytes).map(Body)
    }
}

/// Parses JSON bytes into `T`, naming the failing field on error (empty body = `{}`/`null` per type).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let text = if bytes.iter().all(u8::is_ascii_whitespace) {
        &b"null"[..]
    } else {
        bytes
    };
    if std::str::from_utf8(text).is_err() {
        return Err(ApiError::invalid(
            "Invalid request body: the body is not valid UTF-8 JSON",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(text);
    serde_path_to_error::deserialize(de).map_err(path_error)
}

pub fn path_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if path == "." || path.is_empty() {
        ApiError::invalid(format!("Invalid request body: {inner}"))
    } else {
        ApiError::invalid(format!("Invalid request body: {path}: {inner}"))
    }
}

/// A body that must be a JSON object, parsed strictly into `T` (an empty body or `null` reads as `{}`).
/// Anything else is a 422: serde alone would also read a struct from a JSON array.
pub struct ObjectBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ObjectBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Body(v) = Body::<serde_json::Value>::from_request(req, state).await?;
        let v = match v {
            serde_json::Value::Null => serde_json::Value::Object(Default::default()),
            o @ serde_json::Value::Object(_) => o,
            _ => {
                return Err(ApiError::invalid(
                    "Invalid request body: expected a JSON object",
                ))
            }
        };
        serde_path_to_error::deserialize(v)
            .map(ObjectBody)
            .map_err(path_error)
    }
}

/// A UUID taken from the single `{id}` path parameter; 422 when it is not a UUID.
pub struct Id(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::invalid(e.body_text()))?;
        parse_uuid("id", &raw).map(Id)
    }
}

/// Parses a UUID or explains which value was wrong.
pub fn parse_uuid(field: &str, raw: &str) -> ApiResult<Uuid> {
    raw.parse()
        .map_err(|_| ApiError::invalid(format!("{field}: '{raw}' is not a valid UUID")))
}

/// The JSON 404 for routes that do not exist.
pub async fn no_route() -> ApiError {
    ApiError::not_found("Not Found: no such API route")
}

/// The largest plain-text error body `json_errors` rewraps.
const MAX_ERROR_TEXT: usize = 16 * 1024;

/// Makes every 4xx/5xx answer under `/api` JSON `{"detail": ...}`: axum's own rejections (a path that is
/// not valid percent-encoding, a websocket route called without an upgrade, a wrong method) answer in
/// plain text or with an empty body. Headers such as `Allow` are kept.
pub async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_ERROR_TEXT)
        .await
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).trim().to_string();
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    let mut out = ApiError { status, detail }.into_response();
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// The answer when a handler panics (a bug): a JSON 500 instead of a dropped connection.
pub fn panicked(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = what, "a request handler panicked");
    ApiError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        detail: format!("Internal error (a bug in Baton): {what}"),
    }
    .into_response()
}
