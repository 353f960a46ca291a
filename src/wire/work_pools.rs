//! Work pool, queue and worker models.

use super::flow_runs::FlowRun;
use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A work pool (Prefect's `WorkPoolResponse`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WorkPool {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub base_job_template: Object,
    pub is_paused: bool,
    pub concurrency_limit: Option<i64>,
    pub status: Option<String>,
    pub default_queue_id: Option<String>,
    pub storage_configuration: Object,
    pub active_slots: Option<i64>,
}

/// A work queue (Prefect's `WorkQueueResponse`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WorkQueue {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub is_paused: bool,
    pub concurrency_limit: Option<i64>,
    pub priority: i64,
    pub work_pool_id: Option<String>,
    pub filter: Option<serde_json::Value>,
    pub last_polled: Option<String>,
    pub work_pool_name: Option<String>,
    pub status: Option<String>,
    /// Runs holding the queue's slots; null when the queue has no concurrency limit.
    #[serde(default)]
    pub active_slots: Option<i64>,
}

/// A worker.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Worker {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub work_pool_id: String,
    pub last_heartbeat_time: Option<String>,
    pub heartbeat_interval_seconds: Option<i64>,
    pub status: String,
}

/// One run handed to a worker.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WorkerFlowRun {
    pub work_pool_id: String,
    pub work_queue_id: String,
    pub flow_run: FlowRun,
}

/// `POST /api/work_pools/{name}/get_scheduled_flow_runs` body.
#[derive(Debug, Deserialize, Serialize, Default, JsonSchema)]
pub struct PoolRunsRequest {
    #[serde(default)]
    pub work_queue_names: Option<Vec<String>>,
    #[serde(default)]
    pub scheduled_before: Option<String>,
    #[serde(default)]
    pub scheduled_after: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// `POST /api/work_pools/{name}/workers/heartbeat` body.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
pub struct Heartbeat {
    pub name: String,
    #[serde(default)]
    pub heartbeat_interval_seconds: Option<i64>,
    #[serde(default)]
    pub return_id: bool,
}

/// A pool's storage configuration (Prefect's `WorkPoolStorageConfiguration`): where flows' bundles go and
/// the default result storage. Stored as given; unknown fields are refused, as Prefect does.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkPoolStorageConfiguration {
    #[serde(default)]
    pub bundle_upload_step: Option<Object>,
    #[serde(default)]
    pub bundle_execution_step: Option<Object>,
    #[serde(default)]
    pub default_result_storage_block_id: Option<uuid::Uuid>,
}

/// `POST /api/work_pools/` body (Prefect's `WorkPoolCreate`; unknown fields refused, as Prefect does).
/// `type` defaults to `process`, the type of Baton's own worker.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkPoolCreate {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub base_job_template: Option<Object>,
    #[serde(default)]
    pub is_paused: Option<bool>,
    #[serde(default)]
    pub concurrency_limit: Option<u32>,
    #[serde(default)]
    pub storage_configuration: Option<WorkPoolStorageConfiguration>,
}

/// `PATCH /api/work_pools/{name}` body (Prefect's `WorkPoolUpdate`): an absent field stays as it is;
/// `description` and `concurrency_limit` are cleared by `null`, the others read `null` as absent. The name
/// and type of a pool cannot change; unknown fields are refused, as Prefect does.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkPoolUpdate {
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_paused: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_job_template: Option<Object>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub concurrency_limit: Option<Option<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_configuration: Option<WorkPoolStorageConfiguration>,
}

/// How a filter's criteria combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Operator {
    #[default]
    #[serde(rename = "and_")]
    And,
    #[serde(rename = "or_")]
    Or,
}

/// `{"any_": [...]}`: one of these values.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnyOf<T> {
    #[serde(default)]
    pub any_: Option<Vec<T>>,
}

/// Prefect's `WorkPoolFilter` (unknown criteria refused, not ignored).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkPoolFilter {
    #[serde(default)]
    pub operator: Option<Operator>,
    #[serde(default)]
    pub id: Option<AnyOf<uuid::Uuid>>,
    #[serde(default)]
    pub name: Option<AnyOf<String>>,
    #[serde(rename = "type", default)]
    pub kind: Option<AnyOf<String>>,
}

/// `POST /api/work_pools/filter` and `/count` body (`limit` and `offset` only on `/filter`); unknown
/// top-level keys are ignored, as Prefect reads these as separate body fields.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct WorkPoolFilterRequest {
    #[serde(default)]
    pub work_pools: Option<WorkPoolFilter>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub offset: Option<u64>,
}

/// `POST /api/work_pools/count` body.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct WorkPoolCountRequest {
    #[serde(default)]
    pub work_pools: Option<WorkPoolFilter>,
}

/// Prefect's `WorkerFilter`: by status (`ONLINE`, `OFFLINE`).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerFilter {
    #[serde(default)]
    pub operator: Option<Operator>,
    #[serde(default)]
    pub status: Option<AnyOf<String>>,
}

/// `POST /api/work_pools/{name}/workers/filter` body; unknown top-level keys are ignored.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct WorkerFilterRequest {
    #[serde(default)]
    pub workers: Option<WorkerFilter>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub offset: Option<u64>,
}
