//! Concurrency limit models: global limits (`/api/v2/concurrency_limits/`), tag limits
//! (`/api/concurrency_limits/`, Prefect's v1 API, which reads and writes the global limit named `tag:<tag>`)
//! and Baton's own view of who holds and who waits for slots.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

fn yes() -> bool {
    true
}

/// `POST /v2/concurrency_limits/` body.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitCreate {
    pub name: String,
    pub limit: i64,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub active_slots: i64,
    #[serde(default)]
    pub denied_slots: i64,
    #[serde(default)]
    pub slot_decay_per_second: f64,
}

/// Refuses an explicit `null` for a field that may only be left out.
fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)?
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("may be left out but not null"))
}

/// `PATCH /v2/concurrency_limits/{id_or_name}` body: fields left out stay as they are.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitUpdate {
    #[serde(default, deserialize_with = "not_null")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    pub limit: Option<i64>,
    #[serde(default, deserialize_with = "not_null")]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    pub active_slots: Option<i64>,
    #[serde(default, deserialize_with = "not_null")]
    pub denied_slots: Option<i64>,
    #[serde(default, deserialize_with = "not_null")]
    pub slot_decay_per_second: Option<f64>,
}

/// A global limit as created (Prefect's `ConcurrencyLimitV2`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct LimitV2 {
    pub id: Uuid,
    pub created: String,
    pub updated: String,
    pub active: bool,
    pub name: String,
    pub limit: i64,
    pub active_slots: i64,
    pub denied_slots: i64,
    pub slot_decay_per_second: f64,
    pub avg_slot_occupancy_seconds: f64,
}

/// A global limit as read (Prefect's `GlobalConcurrencyLimitResponse`).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct GlobalLimit {
    pub id: Uuid,
    pub created: String,
    pub updated: String,
    pub active: bool,
    pub name: String,
    pub limit: i64,
    pub active_slots: i64,
    pub slot_decay_per_second: f64,
}

fn page_limit() -> i64 {
    200
}

/// The body of both `/filter` routes: a page of limits by name.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsPage {
    #[serde(default)]
    pub offset: i64,
    #[serde(default = "page_limit")]
    pub limit: i64,
}

impl Default for LimitsPage {
    fn default() -> Self {
        LimitsPage {
            offset: 0,
            limit: page_limit(),
        }
    }
}

/// `POST /concurrency_limits/` body: a tag limit, created or resized.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagLimitCreate {
    pub tag: String,
    pub concurrency_limit: i64,
}

/// A tag limit (Prefect's v1 `ConcurrencyLimit`): `active_slots` lists the task runs holding its slots.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct TagLimit {
    pub id: Uuid,
    pub created: String,
    pub updated: String,
    pub tag: String,
    pub concurrency_limit: i64,
    pub active_slots: Vec<Uuid>,
}

/// `POST /concurrency_limits/increment|decrement` body: one slot of each tag's limit for a task run.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TagSlotsBody {
    pub names: Vec<String>,
    pub task_run_id: Uuid,
}

/// `POST /concurrency_limits/tag/{tag}/reset` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ResetBody {
    #[serde(default)]
    pub slot_override: Option<Vec<Uuid>>,
}

/// One lease holding slots of a limit (Baton's view).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SlotHolder {
    pub lease_id: Uuid,
    pub slots: i64,
    /// `flow_run`, `task_run` or `deployment`; `null` for a lease taken without naming its holder.
    pub holder_type: Option<String>,
    pub holder_id: Option<Uuid>,
    /// The flow run the holder belongs to (the run itself, or a task run's run), when known.
    pub flow_run_id: Option<Uuid>,
    /// The task run's or flow run's name, when known.
    pub holder_name: Option<String>,
    pub since: String,
    pub expires: String,
}

/// One client waiting for slots (Baton's view).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SlotWaiter {
    pub slots: i64,
    pub since: String,
    pub holder_type: Option<String>,
    pub holder_id: Option<Uuid>,
}

/// A limit with its holders and waiters (`GET /api/baton/concurrency_limits`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct LimitDetail {
    #[serde(flatten)]
    pub limit: GlobalLimit,
    /// `tag`, `deployment` or `global`.
    pub kind: String,
    /// Slots counted on the limit itself (taken without a lease; a rate limit's drain away).
    pub unleased_slots: i64,
    pub denied_slots: i64,
    pub avg_slot_occupancy_seconds: f64,
    pub holders: Vec<SlotHolder>,
    pub waiters: Vec<SlotWaiter>,
}
