//! `GET /metrics` (Prometheus / OpenMetrics text) and the middleware that times every API request by its
//! matched route pattern (so `/api/flows/{id}` is one series, whatever the id).

use super::error::ApiResult;
use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::time::Instant;

/// The content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Adds `GET /metrics` to `app` and times every matched route.
pub fn instrument(app: Router, services: AppState) -> Router {
    app.route(
        "/metrics",
        axum::routing::get(render).with_state(services.clone()),
    )
    .route_layer(axum::middleware::from_fn_with_state(services, track))
}

async fn render(State(s): State<AppState>) -> ApiResult<Response> {
    let text = s.metrics_text().await?;
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response())
}

async fn track(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    if let Some(route) = route.filter(|r| r != "/metrics") {
        s.metrics.observe_request(
            &method,
            &route,
            resp.status().as_u16(),
            start.elapsed().as_secs_f64(),
        );
    }
    resp
}
