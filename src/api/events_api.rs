//! `/api/events/filter`, `/api/events/filter/next` and `/api/events/count-by/{countable}`: stored events
//! through Prefect's `EventFilter`, a page at a time, and counted by day, time span, name or resource.

use super::error::{ApiError, ApiResult, Body, ObjectBody};
use super::events::parse_filter;
use super::AppState;
use crate::domain::event::{Event, EventFilter};
use crate::domain::{time, Ts};
use crate::wire::automations as wire;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use base64::Engine;
use chrono::{Duration, DurationRound};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The most events one page holds (Prefect's limit).
const MAX_PAGE: u32 = 50;
/// The most buckets a count by time gives.
const MAX_BUCKETS: i64 = 1000;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/events", post(create))
        .route("/events/filter", post(filter))
        .route("/events/filter/next", get(next))
        .route("/events/count-by/{countable}", post(count_by))
}

/// Stores events a client sends over HTTP (the websocket's alternative); 204.
pub async fn create(
    State(s): State<AppState>,
    Body(items): Body<Vec<wire::EventIn>>,
) -> ApiResult<axum::http::StatusCode> {
    let now = s.clock.now();
    let mut batch = Vec::with_capacity(items.len());
    for (i, v) in items.iter().enumerate() {
        let v = serde_json::to_value(v).unwrap_or_default();
        let e = super::events::parse_event(&v, now).ok_or_else(|| {
            ApiError::invalid(format!(
                "Invalid request body: [{i}]: an event needs `event` and `resource` with `prefect.resource.id`"
            ))
        })?;
        batch.push(e);
    }
    s.ingest_events(batch).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The filter with Prefect's defaults: the last 180 days up to now.
fn with_defaults(v: &Value, now: Ts) -> (EventFilter, bool) {
    let mut f = parse_filter(v);
    f.since = Some(f.since.unwrap_or(now - Duration::days(180)));
    f.until = Some(f.until.unwrap_or(now));
    let desc = v.get("order").and_then(Value::as_str) != Some("ASC");
    (f, desc)
}

fn check_filter(v: &Value) -> ApiResult<()> {
    if !(v.is_object() || v.is_null()) {
        return Err(ApiError::invalid(
            "Invalid request body: filter: expected an object",
        ));
    }
    if let Some(o) = v.get("order") {
        if !matches!(o.as_str(), Some("ASC") | Some("DESC")) {
            return Err(ApiError::invalid(
                "Invalid request body: filter.order: expected 'ASC' or 'DESC'",
            ));
        }
    }
    Ok(())
}

async fn page(
    s: &AppState,
    headers: &HeaderMap,
    filter: Value,
    offset: u64,
    limit: u32,
) -> ApiResult<wire::EventPage> {
    let now = s.clock.now();
    let (f, desc) = with_defaults(&filter, now);
    let (events, total) = s.filter_events(f, desc, offset, limit).await?;
    let shown = offset + events.len() as u64;
    let next_page = (shown < total).then(|| {
        let token = json!({"filter": filter, "offset": shown, "limit": limit}).to_string();
        let token = base64::engine::general_purpose::URL_SAFE.encode(token);
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("127.0.0.1");
        format!("http://{host}/api/events/filter/next?page-token={token}")
    });
    Ok(wire::EventPage {
        events: events.iter().map(Event::to_json).collect(),
        total,
        next_page,
    })
}

pub async fn filter(
    State(s): State<AppState>,
    headers: HeaderMap,
    ObjectBody(b): ObjectBody<wire::EventFilterRequest>,
) -> ApiResult<Json<wire::EventPage>> {
    let filter = b.filter.unwrap_or(Value::Null);
    check_filter(&filter)?;
    let limit = b.limit.unwrap_or(MAX_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::invalid(format!(
            "Invalid request body: limit: expected 1 to {MAX_PAGE}"
        )));
    }
    Ok(Json(page(&s, &headers, filter, 0, limit).await?))
}

pub async fn next(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<wire::EventPage>> {
    let bad = || ApiError {
        status: axum::http::StatusCode::FORBIDDEN,
        detail: "Invalid page token".into(),
    };
    let token = q.get("page-token").ok_or_else(bad)?;
    let raw = base64::engine::general_purpose::URL_SAFE
        .decode(token)
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    let offset = v.get("offset").and_then(Value::as_u64).ok_or_else(bad)?;
    let limit = v
        .get("limit")
        .and_then(Value::as_u64)
        .filter(|l| (1..=MAX_PAGE as u64).contains(l))
        .ok_or_else(bad)? as u32;
    let filter = v.get("filter").cloned().unwrap_or(Value::Null);
    Ok(Json(page(&s, &headers, filter, offset, limit).await?))
}

fn unit(name: &str) -> Option<Duration> {
    Some(match name {
        "week" => Duration::weeks(1),
        "day" => Duration::days(1),
        "hour" => Duration::hours(1),
        "minute" => Duration::minutes(1),
        "second" => Duration::seconds(1),
        _ => return None,
    })
}

fn row(value: String, label: String, count: u64, start: Ts, end: Ts) -> wire::EventCount {
    wire::EventCount {
        value,
        label,
        count,
        start_time: time::format(start),
        end_time: time::format(end),
    }
}

pub async fn count_by(
    State(s): State<AppState>,
    Path(countable): Path<String>,
    ObjectBody(b): ObjectBody<wire::CountByRequest>,
) -> ApiResult<Json<Vec<wire::EventCount>>> {
    check_filter(&b.filter)?;
    let now = s.clock.now();
    let (f, _) = with_defaults(&b.filter, now);
    let (since, until) = (f.since.unwrap_or(now), f.until.unwrap_or(now));
    let span = match countable.as_str() {
        "day" => Some(Duration::days(1)),
        "time" => {
            let u = b.time_unit.as_deref().unwrap_or("day");
            let u = unit(u).ok_or_else(|| {
                ApiError::invalid(format!(
                    "Invalid request body: time_unit: '{u}' is not one of week, day, hour, minute, second"
                ))
            })?;
            let n = b.time_interval.unwrap_or(1.0);
            if !(n >= 0.01 && n.is_finite()) {
                return Err(ApiError::invalid(
                    "Invalid request body: time_interval: expected a number of at least 0.01",
                ));
            }
            Some(Duration::milliseconds(
                (u.num_milliseconds() as f64 * n) as i64,
            ))
        }
        "event" | "resource" => None,
        other => {
            return Err(ApiError::invalid(format!(
                "Invalid path: countable: '{other}' is not one of day, time, event, resource"
            )))
        }
    };
    let events = s.all_filtered_events(f).await?;
    if let Some(span) = span {
        let start = since
            .duration_trunc(if countable == "day" {
                Duration::days(1)
            } else {
                span.min(Duration::days(1))
            })
            .unwrap_or(since);
        let n = ((until - start).num_milliseconds() / span.num_milliseconds().max(1)) + 1;
        if n > MAX_BUCKETS {
            return Err(ApiError::invalid(format!(
                "The given interval would create {n} buckets, which is too many. Please increase the interval \
                 or reduce the time range to produce {MAX_BUCKETS} buckets or fewer."
            )));
        }
        let mut counts = vec![0u64; n as usize];
        for e in &events {
            let i = (e.occurred - start).num_milliseconds() / span.num_milliseconds().max(1);
            if (0..n).contains(&i) {
                counts[i as usize] += 1;
            }
        }
        let rows = counts
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let b0 = start + span * i as i32;
                let label = b0.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
                row(
                    i.to_string(),
                    label,
                    c,
                    b0,
                    b0 + span - Duration::microseconds(1),
                )
            })
            .collect();
        return Ok(Json(rows));
    }
    let mut groups: Vec<(String, String, u64, Ts, Ts)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for e in &events {
        let (key, label) = if countable == "event" {
            (e.event.clone(), e.event.clone())
        } else {
            let id = e.resource_id().to_string();
            let name = e
                .resource
                .get("prefect.resource.name")
                .and_then(Value::as_str)
                .map(String::from)
                .unwrap_or_else(|| id.clone());
            (id, name)
        };
        match at.get(&key) {
            Some(&i) => {
                let g = &mut groups[i];
                g.2 += 1;
                g.3 = g.3.min(e.occurred);
                g.4 = g.4.max(e.occurred);
            }
            None => {
                at.insert(key.clone(), groups.len());
                groups.push((key, label, 1, e.occurred, e.occurred));
            }
        }
    }
    groups.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    Ok(Json(
        groups
            .into_iter()
            .map(|(v, l, c, s0, s1)| row(v, l, c, s0, s1))
            .collect(),
    ))
}
