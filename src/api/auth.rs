//! HTTP basic auth for every route (`baton serve --auth user:pass`), as Prefect's server does it with
//! `PREFECT_SERVER_API_AUTH_STRING`: the `Authorization: Basic …` credentials must decode to the auth string
//! (compared in constant time). `GET /api/health` and `GET /api/ready` stay open, as in Prefect, for probes.
//! A websocket whose upgrade carries no `Authorization` header (Prefect's events subscriber sends none) must instead
//! present the auth string as the `token` of its first `{"type": "auth"}` message, or it is closed.
//! Anything else gets 401 `{"detail": "Unauthorized"}` and no data.

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

/// The expected credentials.
#[derive(Clone)]
struct Secret(Arc<str>);

/// Wraps every route of `app` in basic auth when `auth` is set.
pub fn protect(app: Router, auth: Option<String>) -> Router {
    match auth {
        Some(a) => app.layer(axum::middleware::from_fn_with_state(
            Secret(a.into()),
            require,
        )),
        None => app,
    }
}

/// Equality that takes the same time wherever the first difference is.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

fn header_ok(headers: &HeaderMap, secret: &str) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = value.split_whitespace();
    let (Some(scheme), Some(creds), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    match base64::engine::general_purpose::STANDARD.decode(creds) {
        Ok(decoded) => constant_time_eq(&decoded, secret.as_bytes()),
        Err(_) => false,
    }
}

fn is_websocket_route(req: &Request) -> bool {
    let path = req.uri().path();
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    upgrade
        && req.method() == Method::GET
        && (path == "/api/events/in"
            || path == "/api/events/out"
            || path == "/api/logs/out"
            || (path.starts_with("/api/work_pools/") && path.ends_with("/workers/connect")))
}

async fn require(State(secret): State<Secret>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if req.method() == Method::GET && (path == "/api/health" || path == "/api/ready") {
        return next.run(req).await;
    }
    if header_ok(req.headers(), &secret.0) {
        return next.run(req).await;
    }
    if is_websocket_route(&req) && !req.headers().contains_key(header::AUTHORIZATION) {
        req.extensions_mut().insert(WsGate(Some(secret.0.clone())));
        return next.run(req).await;
    }
    unauthorized()
}

/// The 401 answer: no data, a `detail`, and the challenge that makes browsers ask for credentials.
pub fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Basic realm=\"baton\"")],
        axum::Json(json!({"detail": "Unauthorized", "exception_message": "Unauthorized"})),
    )
        .into_response()
}

/// What a websocket must still prove before it is served: nothing (auth is off, or its upgrade carried
/// valid credentials) or the auth string as the token of its first `auth` message.
#[derive(Clone, Default)]
pub struct WsGate(Option<Arc<str>>);

impl<S: Send + Sync> FromRequestParts<S> for WsGate {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<WsGate>()
            .cloned()
            .unwrap_or_default())
    }
}

/// How long an unauthenticated websocket may take to send its `auth` message.
const AUTH_DEADLINE: Duration = Duration::from_secs(10);

impl WsGate {
    /// `true` when the socket may be served; otherwise it has been closed (1008, as Prefect's server).
    /// When a token was needed, its `auth` message has been read and answered with `auth_success`.
    pub async fn admit(&self, socket: &mut WebSocket) -> bool {
        let Some(secret) = &self.0 else {
            return true;
        };
        // Prefect's subscribers ping before they authenticate: pings and pongs are not the first message.
        let first = tokio::time::timeout(AUTH_DEADLINE, async {
            loop {
                match socket.recv().await {
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    other => return other,
                }
            }
        })
        .await;
        let token_ok = match first {
            Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Value>(&t)
                .ok()
                .filter(|v| v.get("type").and_then(Value::as_str) == Some("auth"))
                .and_then(|v| v.get("token").and_then(Value::as_str).map(String::from))
                .is_some_and(|tok| constant_time_eq(tok.as_bytes(), secret.as_bytes())),
            _ => false,
        };
        if token_ok {
            let ok = json!({"type": "auth_success"}).to_string();
            return socket.send(Message::Text(ok.into())).await.is_ok();
        }
        let _ = socket
            .send(Message::Close(Some(CloseFrame {
                code: 1008,
                reason: "Unauthorized".into(),
            })))
            .await;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_whole_strings() {
        assert!(constant_time_eq(b"user:pass", b"user:pass"));
        assert!(!constant_time_eq(b"user:pass", b"user:pas"));
        assert!(!constant_time_eq(b"user:pass", b"user:pasT"));
        assert!(!constant_time_eq(b"", b"x"));
    }

    #[test]
    fn reads_basic_headers() {
        let mut h = HeaderMap::new();
        assert!(!header_ok(&h, "u:p"));
        h.insert(header::AUTHORIZATION, "Basic dTpw".parse().unwrap());
        assert!(header_ok(&h, "u:p"));
        assert!(!header_ok(&h, "u:q"));
        h.insert(header::AUTHORIZATION, "Bearer dTpw".parse().unwrap());
        assert!(!header_ok(&h, "u:p"));
        h.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert!(!header_ok(&h, "u:p"));
    }
}
