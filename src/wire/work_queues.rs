//! Work queue request bodies and the answers of `/api/work_queues/{id}/*` (the queue itself is
//! `work_pools::WorkQueue`). Request bodies are read strictly where Prefect forbids extra fields.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /api/work_queues/` and `POST /api/work_pools/{name}/queues` body (Prefect's `WorkQueueCreate`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkQueueCreate {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub is_paused: bool,
    #[serde(default)]
    pub concurrency_limit: Option<u32>,
    #[serde(default)]
    pub priority: Option<u32>,
    /// Deprecated tag-based queues: only `null` is accepted.
    #[serde(default)]
    pub filter: Option<Value>,
}

/// `PATCH /api/work_queues/{id}` (and `/work_pools/{name}/queues/{queue}`) body: an absent field stays as it
/// is. `concurrency_limit` and `last_polled` may be null (cleared); the other fields may not.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkQueueUpdate {
    #[serde(default, deserialize_with = "super::present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "super::present")]
    pub is_paused: Option<bool>,
    #[serde(default, deserialize_with = "super::present")]
    pub concurrency_limit: Option<Option<u32>>,
    #[serde(default, deserialize_with = "super::present")]
    pub priority: Option<u32>,
    #[serde(default, deserialize_with = "super::present")]
    pub last_polled: Option<Option<String>>,
    /// Deprecated tag-based queues: only `null` is accepted.
    #[serde(default)]
    pub filter: Option<Value>,
}

/// `POST /api/work_queues/filter` body. Unknown top-level keys are ignored, as Prefect does.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct WorkQueueFilterRequest {
    #[serde(default)]
    pub work_queues: Option<WorkQueueFilter>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub offset: Option<u64>,
}

/// Prefect's `WorkQueueFilter`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkQueueFilter {
    #[serde(default)]
    pub operator: Option<String>,
    #[serde(default)]
    pub id: Option<IdFilter>,
    #[serde(default)]
    pub name: Option<NameFilter>,
}

/// `{"any_": [ids]}`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdFilter {
    #[serde(default)]
    pub any_: Option<Vec<String>>,
}

/// `{"any_": [names], "startswith_": [prefixes]}`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NameFilter {
    #[serde(default)]
    pub any_: Option<Vec<String>>,
    #[serde(default)]
    pub startswith_: Option<Vec<String>>,
}

/// `POST /api/work_queues/{id}/get_runs` body (every field optional; unknown keys ignored).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct QueueRunsRequest {
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub scheduled_before: Option<String>,
}

/// `POST /api/work_queues/{id}/concurrency_status` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ConcurrencyStatusRequest {
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// `GET /api/work_queues/{id}/status` answer (Prefect's `WorkQueueStatusDetail`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WorkQueueStatusDetail {
    pub healthy: bool,
    pub late_runs_count: u64,
    pub last_polled: Option<String>,
    pub health_check_policy: WorkQueueHealthPolicy,
}

/// The policy a queue's health is judged by.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WorkQueueHealthPolicy {
    pub maximum_late_runs: Option<u64>,
    pub maximum_seconds_since_last_polled: Option<i64>,
}

/// `POST /api/work_queues/{id}/concurrency_status` answer: the runs holding the queue's slots, one page.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WorkQueueConcurrencyStatus {
    pub active_slots: u64,
    pub concurrency_limit: Option<i64>,
    pub flow_runs: Vec<FlowRunSlotSummary>,
    pub count: u64,
    pub limit: u32,
    pub pages: u64,
    pub page: u64,
}

/// A run holding a slot.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct FlowRunSlotSummary {
    pub id: String,
    pub name: String,
    pub state_type: Option<String>,
    pub state_name: Option<String>,
    pub start_time: Option<String>,
    pub state_timestamp: Option<String>,
    /// Seconds.
    pub time_in_current_state: Option<f64>,
}
