//! Task-run models.

use super::states::{State, StateCreate};
use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /api/task_runs/` body (older clients; Prefect 3 reports task runs as events).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TaskRunCreate {
    #[serde(default)]
    pub id: Option<uuid::Uuid>,
    #[serde(default)]
    pub state: Option<StateCreate>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub flow_run_id: Option<uuid::Uuid>,
    pub task_key: String,
    pub dynamic_key: String,
    #[serde(default)]
    pub cache_key: Option<String>,
    #[serde(default)]
    pub cache_expiration: Option<String>,
    #[serde(default)]
    pub task_version: Option<String>,
    #[serde(default)]
    pub empirical_policy: Option<Object>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub labels: Option<Object>,
    #[serde(default)]
    pub task_inputs: Option<Object>,
}

/// A task run.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct TaskRun {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub flow_run_id: Option<String>,
    pub task_key: String,
    pub dynamic_key: String,
    pub cache_key: Option<String>,
    pub cache_expiration: Option<String>,
    pub task_version: Option<String>,
    pub empirical_policy: TaskRunPolicy,
    pub tags: Vec<String>,
    pub labels: Object,
    pub state_id: Option<String>,
    pub task_inputs: Object,
    pub state_type: Option<String>,
    pub state_name: Option<String>,
    pub run_count: i64,
    pub flow_run_run_count: i64,
    pub expected_start_time: Option<String>,
    pub next_scheduled_start_time: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub total_run_time: f64,
    pub estimated_run_time: f64,
    pub estimated_start_time_delta: f64,
    pub state: Option<State>,
}

/// A task run's retry policy (Prefect's `TaskRunPolicy`).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct TaskRunPolicy {
    /// Deprecated by Prefect.
    #[serde(default)]
    pub max_retries: i64,
    /// Deprecated by Prefect.
    #[serde(default)]
    pub retry_delay_seconds: f64,
    #[serde(default)]
    pub retries: Option<i64>,
    /// Seconds, or a list of seconds (one per retry).
    #[serde(default)]
    pub retry_delay: Option<Value>,
    #[serde(default)]
    pub retry_jitter_factor: Option<f64>,
}

/// `PATCH /api/task_runs/{id}` body (Prefect's `TaskRunUpdate`): the run's name, changed when given.
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRunUpdate {
    #[serde(default)]
    pub name: Option<String>,
}
