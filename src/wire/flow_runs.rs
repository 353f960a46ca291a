//! Flow-run models.

use super::states::{State, StateCreate};
use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /api/flow_runs/` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FlowRunCreate {
    pub flow_id: uuid::Uuid,
    #[serde(default)]
    pub id: Option<uuid::Uuid>,
    #[serde(default)]
    pub state: Option<StateCreate>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub flow_version: Option<String>,
    #[serde(default)]
    pub parameters: Option<Object>,
    #[serde(default)]
    pub context: Option<Object>,
    #[serde(default)]
    pub parent_task_run_id: Option<uuid::Uuid>,
    #[serde(default)]
    pub infrastructure_document_id: Option<uuid::Uuid>,
    #[serde(default)]
    pub empirical_policy: Option<Object>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub labels: Option<Object>,
    #[serde(default)]
    pub idempotency_key: Option<String>,
    #[serde(default)]
    pub work_pool_name: Option<String>,
    #[serde(default)]
    pub work_queue_name: Option<String>,
    #[serde(default)]
    pub job_variables: Option<Object>,
    #[serde(default)]
    pub deployment_id: Option<uuid::Uuid>,
}

/// `PATCH /api/flow_runs/{id}` body: only the given fields change.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FlowRunUpdate {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub flow_version: Option<String>,
    #[serde(default)]
    pub parameters: Option<Object>,
    #[serde(default)]
    pub empirical_policy: Option<Object>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub infrastructure_pid: Option<String>,
    #[serde(default)]
    pub job_variables: Option<Object>,
}

/// A flow run (Prefect's `FlowRunResponse`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct FlowRun {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub flow_id: String,
    pub state_id: Option<String>,
    pub deployment_id: Option<String>,
    pub deployment_version: Option<String>,
    pub work_queue_id: Option<String>,
    pub work_queue_name: Option<String>,
    pub flow_version: Option<String>,
    pub parameters: Object,
    pub idempotency_key: Option<String>,
    pub context: Object,
    pub empirical_policy: FlowRunPolicy,
    pub tags: Vec<String>,
    pub labels: Object,
    pub parent_task_run_id: Option<String>,
    pub state_type: Option<String>,
    pub state_name: Option<String>,
    pub run_count: i64,
    pub expected_start_time: Option<String>,
    pub next_scheduled_start_time: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub total_run_time: f64,
    pub estimated_run_time: f64,
    pub estimated_start_time_delta: f64,
    pub auto_scheduled: bool,
    pub infrastructure_document_id: Option<String>,
    pub infrastructure_pid: Option<String>,
    pub created_by: Option<Value>,
    pub work_pool_id: Option<String>,
    pub work_pool_name: Option<String>,
    pub state: Option<State>,
    pub job_variables: Option<Object>,
}

/// `POST /api/deployments/{id}/create_flow_run` body (Prefect's `DeploymentFlowRunCreate`): every field
/// optional, the deployment's values where absent or null. Unknown fields are refused, as Prefect does.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentFlowRunCreate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<StateCreate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_parameter_schema: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infrastructure_document_id: Option<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empirical_policy: Option<Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_task_run_id: Option<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_queue_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_variables: Option<Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Object>,
}

/// `POST /api/deployments/{id}/schedule` body: the window to create the deployment's runs in, every field
/// optional (Prefect's look-ahead from now where absent). Unknown keys are ignored, as Prefect reads these
/// as separate body fields.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ScheduleWindowRequest {
    #[serde(default)]
    pub start_time: Option<String>,
    #[serde(default)]
    pub end_time: Option<String>,
    /// Seconds after `start_time` that runs are created until, at least.
    #[serde(default)]
    pub min_time: Option<f64>,
    #[serde(default)]
    pub min_runs: Option<u64>,
    #[serde(default)]
    pub max_runs: Option<u64>,
}

/// A flow run's empirical policy as Prefect answers it (`FlowRunPolicy`), every field present. A field
/// missing from an answer reads as Prefect's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct FlowRunPolicy {
    pub max_retries: i64,
    pub retry_delay_seconds: f64,
    pub retries: Option<i64>,
    /// Seconds: an integer when whole, as Prefect's is.
    pub retry_delay: Option<Value>,
    pub pause_keys: Vec<String>,
    pub resuming: bool,
    pub retry_type: Option<String>,
}

/// `POST /api/deployments/{id}/schedule` answer: how many runs the window created.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ScheduledCount {
    pub created: usize,
}
