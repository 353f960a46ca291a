//! `/api/v2/concurrency_limits/*`: global concurrency and rate limits by id or name, and the slot calls
//! Prefect's client makes (take slots, under a lease or not; renew; release).

use super::error::{ApiError, ApiResult, Body, ObjectBody};
use super::AppState;
use crate::domain::concurrency_limit::{Limit, LimitPatch};
use crate::domain::lease::{self, Holder, HolderKind, SlotMode, SlotRequest};
use crate::domain::time;
use crate::services::concurrency_limits::{LimitRef, NewLimit};
use crate::services::leases::{Hold, SlotError};
use crate::wire::concurrency as wire;
use crate::wire::concurrency_limits as cl;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/v2/concurrency_limits/", post(create))
        .route("/v2/concurrency_limits/filter", post(filter))
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
        .route(
            "/v2/concurrency_limits/{id_or_name}",
            get(read).patch(update).delete(delete),
        )
}

/// A refusal of slots: 423 with Prefect's `Retry-After` (seconds, as a float) when the client may try
/// again, without it when it may not; any other error as usual.
#[derive(Debug)]
pub struct Refused(pub SlotError);

impl From<SlotError> for Refused {
    fn from(e: SlotError) -> Self {
        Refused(e)
    }
}

impl From<ApiError> for Refused {
    fn from(e: ApiError) -> Self {
        Refused(SlotError::Other(crate::services::ServiceError::Invalid(
            e.detail,
        )))
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self.0 {
            SlotError::Locked {
                detail,
                retry_after,
            } => {
                let mut res =
                    (StatusCode::LOCKED, Json(crate::wire::ErrorBody { detail })).into_response();
                if let Some(s) =
                    retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
                {
                    res.headers_mut().insert("retry-after", s);
                }
                res
            }
            SlotError::Other(e) => ApiError::from(e).into_response(),
        }
    }
}

pub(super) fn created(l: &Limit) -> cl::LimitV2 {
    cl::LimitV2 {
        id: l.id,
        created: time::format(l.created),
        updated: time::format(l.updated),
        active: l.active,
        name: l.name.clone(),
        limit: l.limit,
        active_slots: l.in_use(l.updated),
        denied_slots: l.denied_slots,
        slot_decay_per_second: l.slot_decay_per_second,
        avg_slot_occupancy_seconds: l.avg_slot_occupancy_seconds,
    }
}

/// A limit as read at `now` (its slots in use then).
pub(crate) fn global(l: &Limit, now: crate::domain::Ts) -> cl::GlobalLimit {
    cl::GlobalLimit {
        id: l.id,
        created: time::format(l.created),
        updated: time::format(l.updated),
        active: l.active,
        name: l.name.clone(),
        limit: l.limit,
        active_slots: l.in_use(now),
        slot_decay_per_second: l.slot_decay_per_second,
    }
}

pub(super) fn minimal(limits: &[Limit]) -> Vec<wire::MinimalLimit> {
    limits
        .iter()
        .map(|l| wire::MinimalLimit {
            id: l.id,
            name: l.name.clone(),
            limit: l.limit,
        })
        .collect()
}

fn mode(m: wire::Mode) -> SlotMode {
    match m {
        wire::Mode::Concurrency => SlotMode::Concurrency,
        wire::Mode::RateLimit => SlotMode::RateLimit,
    }
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

/// Creates a limit.
pub async fn create(
    State(s): State<AppState>,
    Body(b): Body<cl::LimitCreate>,
) -> ApiResult<(StatusCode, Json<cl::LimitV2>)> {
    let l = s
        .create_limit(NewLimit {
            name: b.name,
            limit: b.limit,
            active: b.active,
            active_slots: b.active_slots,
            denied_slots: b.denied_slots,
            slot_decay_per_second: b.slot_decay_per_second,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(created(&l))))
}

/// One limit by id or name.
pub async fn read(
    State(s): State<AppState>,
    Path(which): Path<String>,
) -> ApiResult<Json<cl::GlobalLimit>> {
    let l = s.limit(LimitRef::parse(&which)).await?;
    Ok(Json(global(&l, s.clock.now())))
}

/// A page of limits by name.
pub async fn filter(
    State(s): State<AppState>,
    ObjectBody(b): ObjectBody<cl::LimitsPage>,
) -> ApiResult<Json<Vec<cl::GlobalLimit>>> {
    let page = s.limits_page(None, b.offset, b.limit).await?;
    let now = s.clock.now();
    Ok(Json(page.iter().map(|l| global(l, now)).collect()))
}

/// Changes the given fields of a limit.
pub async fn update(
    State(s): State<AppState>,
    Path(which): Path<String>,
    ObjectBody(b): ObjectBody<cl::LimitUpdate>,
) -> ApiResult<StatusCode> {
    let patch = LimitPatch {
        name: b.name,
        limit: b.limit,
        active: b.active,
        active_slots: b.active_slots,
        denied_slots: b.denied_slots,
        slot_decay_per_second: b.slot_decay_per_second,
    };
    s.update_limit(LimitRef::parse(&which), patch).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a limit.
pub async fn delete(State(s): State<AppState>, Path(which): Path<String>) -> ApiResult<StatusCode> {
    s.delete_limit(LimitRef::parse(&which)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes slots of every named limit (waiting in line for them); the limits found.
pub async fn increment(
    State(s): State<AppState>,
    Body(b): Body<wire::IncrementBody>,
) -> Result<Json<Vec<wire::MinimalLimit>>, Refused> {
    let req = SlotRequest {
        names: b.names,
        slots: b.slots,
        mode: mode(b.mode),
    };
    let hold = Hold {
        lease: None,
        holder: None,
    };
    let taken = s.take_slots(&req, hold).await?;
    Ok(Json(minimal(&taken.limits)))
}

/// Gives slots back; the limits they belonged to.
pub async fn decrement(
    State(s): State<AppState>,
    Body(b): Body<wire::DecrementBody>,
) -> ApiResult<Json<Vec<wire::MinimalLimit>>> {
    if let Some(secs) = b.occupancy_seconds.filter(|s| *s <= 0.0) {
        return Err(ApiError::invalid(format!(
            "occupancy_seconds: must be greater than 0 (got {secs})"
        )));
    }
    if b.names.is_empty() {
        return Err(ApiError::invalid(
            "names: at least one limit name is required",
        ));
    }
    let found = s
        .give_back_slots(b.names, b.slots, b.occupancy_seconds)
        .await?;
    Ok(Json(minimal(&found)))
}

/// Takes slots under a lease the holder renews; the lease id and the limits found.
pub async fn increment_with_lease(
    State(s): State<AppState>,
    Body(b): Body<wire::LeaseSlotsBody>,
) -> Result<Json<wire::LeaseGranted>, Refused> {
    let length = lease::lease_duration(b.lease_duration)
        .map_err(|e| SlotError::Other(crate::services::ServiceError::Invalid(e)))?;
    let req = SlotRequest {
        names: b.names,
        slots: b.slots,
        mode: mode(b.mode),
    };
    let hold = Hold {
        lease: Some(length),
        holder: b.holder.map(holder),
    };
    let taken = s.take_slots(&req, hold).await?;
    Ok(Json(wire::LeaseGranted {
        lease_id: taken.lease.map(|l| l.id).unwrap_or_default(),
        limits: minimal(&taken.limits),
    }))
}

/// Extends a lease; 410 when it expired and its slots were taken, or was released.
pub async fn renew(
    State(s): State<AppState>,
    Path(lease_id): Path<String>,
    Body(body): Body<Option<wire::RenewBody>>,
) -> ApiResult<StatusCode> {
    let id = super::error::parse_uuid("lease_id", &lease_id)?;
    let b = body.unwrap_or_default();
    s.renew_lease(id, b.lease_duration).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Releases a lease and its slots; 204 even when the lease is already gone.
pub async fn decrement_with_lease(
    State(s): State<AppState>,
    Body(b): Body<wire::ReleaseBody>,
) -> ApiResult<StatusCode> {
    s.release_lease(b.lease_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
