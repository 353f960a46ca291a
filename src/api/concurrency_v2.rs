//! `/api/v2/concurrency_limits/*`: the slot calls Prefect's engine makes around every tagged task
//! (take slots under a lease, renew, release) and the plain increment/decrement.

use super::error::{ApiResult, Body};
use super::AppState;
use crate::domain::lease::{Holder, HolderKind, SlotMode, SlotRequest};
use crate::services::leases::LimitRef;
use crate::wire::concurrency as wire;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::post;
    axum::Router::new()
        .route("/v2/concurrency_limits/increment", post(increment))
        .route(
            "/v2/concurrency_limits/increment-with-lease",
            post(increment_with_lease),
        )
        .route("/v2/concurrency_limits/decrement", post(decrement))
        .route(
            "/v2/concurrency_limits/decrement-with-lease",
            post(decrement_with_lease),
        )
        .route(
            "/v2/concurrency_limits/leases/{lease_id}/renew",
            post(renew),
        )
}

fn request(names: Vec<String>, slots: i64, mode: wire::Mode) -> SlotRequest {
    SlotRequest {
        names,
        slots,
        mode: match mode {
            wire::Mode::Concurrency => SlotMode::Concurrency,
            wire::Mode::RateLimit => SlotMode::RateLimit,
        },
    }
}

fn limits(refs: Vec<LimitRef>) -> Vec<wire::MinimalLimit> {
    refs.into_iter()
        .map(|l| wire::MinimalLimit {
            id: l.id,
            name: l.name,
            limit: l.limit,
        })
        .collect()
}

fn holder(h: wire::LeaseHolder) -> Holder {
    Holder {
        kind: match h.kind {
            wire::HolderType::FlowRun => HolderKind::FlowRun,
            wire::HolderType::TaskRun => HolderKind::TaskRun,
            wire::HolderType::Deployment => HolderKind::Deployment,
        },
        id: h.id,
    }
}

/// Takes slots of every named limit; the limits taken from.
pub async fn increment(
    State(s): State<AppState>,
    Body(b): Body<wire::IncrementBody>,
) -> ApiResult<Json<Vec<wire::MinimalLimit>>> {
    let req = request(b.names, b.slots, b.mode);
    Ok(Json(limits(s.acquire_slots(&req)?)))
}

/// Gives slots back; the limits they belonged to.
pub async fn decrement(
    State(s): State<AppState>,
    Body(b): Body<wire::DecrementBody>,
) -> ApiResult<Json<Vec<wire::MinimalLimit>>> {
    if let Some(secs) = b.occupancy_seconds.filter(|s| *s <= 0.0) {
        return Err(super::error::ApiError::invalid(format!(
            "occupancy_seconds: must be greater than 0 (got {secs})"
        )));
    }
    let req = request(b.names, b.slots, wire::Mode::Concurrency);
    Ok(Json(limits(s.release_slots(&req)?)))
}

/// Takes slots under a lease the holder renews; the lease id and the limits it holds slots of.
pub async fn increment_with_lease(
    State(s): State<AppState>,
    Body(b): Body<wire::LeaseSlotsBody>,
) -> ApiResult<Json<wire::LeaseGranted>> {
    let req = request(b.names, b.slots, b.mode);
    let (lease, taken) =
        s.acquire_slots_with_lease(&req, b.lease_duration, b.holder.map(holder))?;
    Ok(Json(wire::LeaseGranted {
        lease_id: lease.id,
        limits: limits(taken),
    }))
}

/// Extends a live lease; 410 when it expired or was released.
pub async fn renew(
    State(s): State<AppState>,
    Path(lease_id): Path<String>,
    Body(body): Body<Option<wire::RenewBody>>,
) -> ApiResult<StatusCode> {
    let id = super::error::parse_uuid("lease_id", &lease_id)?;
    let b = body.unwrap_or_default();
    s.renew_lease(id, b.lease_duration)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Releases a lease and its slots; 204 even when the lease is already gone.
pub async fn decrement_with_lease(
    State(s): State<AppState>,
    Body(b): Body<wire::ReleaseBody>,
) -> ApiResult<StatusCode> {
    s.release_lease(b.lease_id);
    Ok(StatusCode::NO_CONTENT)
}
