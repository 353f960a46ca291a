//! Deployment models.

use super::Object;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A deployment schedule (`schedule` is a cron, interval or rrule object).
#[derive(Debug, Serialize, Deserialize, Clone)]
pub struct DeploymentSchedule {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub deployment_id: Option<String>,
    pub schedule: Value,
    pub active: bool,
    pub max_scheduled_runs: Option<i64>,
    pub parameters: Object,
    pub slug: Option<String>,
}

/// A deployment (Prefect's `DeploymentResponse`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Deployment {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub version_info: Option<Value>,
    pub description: Option<String>,
    pub flow_id: String,
    pub paused: bool,
    pub schedules: Vec<DeploymentSchedule>,
    pub concurrency_limit: Option<i64>,
    pub global_concurrency_limit: Option<Value>,
    pub concurrency_options: Option<Value>,
    pub job_variables: Object,
    pub parameters: Object,
    pub tags: Vec<String>,
    pub labels: Object,
    pub work_queue_name: Option<String>,
    pub work_queue_id: Option<String>,
    pub last_polled: Option<String>,
    pub parameter_openapi_schema: Option<Value>,
    pub path: Option<String>,
    pub pull_steps: Option<Value>,
    pub entrypoint: Option<String>,
    pub storage_document_id: Option<String>,
    pub infrastructure_document_id: Option<String>,
    pub created_by: Option<Value>,
    pub updated_by: Option<Value>,
    pub work_pool_name: Option<String>,
    pub status: String,
    pub enforce_parameter_schema: bool,
}

/// `POST /api/deployments/get_scheduled_flow_runs` body.
#[derive(Debug, Deserialize)]
pub struct ScheduledRunsRequest {
    pub deployment_ids: Vec<uuid::Uuid>,
    #[serde(default)]
    pub scheduled_before: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}
