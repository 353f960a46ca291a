//! `/api/baton/concurrency_limits`: every limit with who holds its slots (and since when, until when) and
//! who waits for them, for the dashboard and the CLI.

use super::concurrency_v2::global;
use super::error::ApiResult;
use super::AppState;
use crate::domain::concurrency_limit::{DEPLOYMENT_PREFIX, TAG_PREFIX};
use crate::domain::time;
use crate::services::concurrency_limits::LimitUse;
use crate::wire::concurrency_limits as cl;
use axum::extract::State;
use axum::Json;

/// The routes under `/api`.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/baton/concurrency_limits", get(list))
        .route("/baton/concurrency_limits/{id_or_name}/reset", post(reset))
}

/// Frees every slot of a limit (releases its leases, zeroes its count); the limit as it is then.
pub async fn reset(
    State(s): State<AppState>,
    axum::extract::Path(which): axum::extract::Path<String>,
) -> ApiResult<Json<cl::GlobalLimit>> {
    let l = s
        .reset_limit(crate::services::concurrency_limits::LimitRef::parse(&which))
        .await?;
    Ok(Json(global(&l, s.clock.now())))
}

fn detail(u: LimitUse, now: crate::domain::Ts) -> cl::LimitDetail {
    let l = &u.limit;
    let kind = if l.name.starts_with(TAG_PREFIX) {
        "tag"
    } else if l.name.starts_with(DEPLOYMENT_PREFIX) {
        "deployment"
    } else {
        "global"
    };
    cl::LimitDetail {
        limit: global(l, now),
        kind: kind.into(),
        unleased_slots: l.slots_at(now),
        denied_slots: l.denied_slots,
        avg_slot_occupancy_seconds: l.avg_slot_occupancy_seconds,
        holders: u
            .holders
            .into_iter()
            .map(|h| cl::SlotHolder {
                lease_id: h.lease.id,
                slots: h.lease.slots,
                holder_type: h.lease.holder.map(|x| x.kind.as_str().to_string()),
                holder_id: h.lease.holder.map(|x| x.id),
                flow_run_id: h.flow_run_id,
                holder_name: h.holder_name,
                since: time::format(h.lease.created),
                expires: time::format(h.lease.expires),
            })
            .collect(),
        waiters: u
            .waiters
            .into_iter()
            .map(|(slots, since, holder)| cl::SlotWaiter {
                slots,
                since: time::format(since),
                holder_type: holder.map(|x| x.kind.as_str().to_string()),
                holder_id: holder.map(|x| x.id),
            })
            .collect(),
    }
}

/// Every limit, hidden deployment limits included, with holders and waiters.
pub async fn list(State(s): State<AppState>) -> ApiResult<Json<Vec<cl::LimitDetail>>> {
    let uses = s.limit_uses().await?;
    let now = s.clock.now();
    Ok(Json(uses.into_iter().map(|u| detail(u, now)).collect()))
}
