//! Bodies and answers of the bulk operations: delete or set the state of up to 50 objects a filter picks,
//! and create up to 100 runs of a deployment at once.

use super::filters::{DeploymentFilter, FlowFilter, FlowRunFilter};
use super::states::{State, StateCreate};
use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most objects one bulk delete or state change touches (Prefect's limit).
pub const MAX_BULK: u64 = 50;

fn fifty() -> u64 {
    MAX_BULK
}

/// `POST /api/flow_runs/bulk_delete` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct FlowRunBulkDelete {
    #[serde(default)]
    pub flow_runs: Option<FlowRunFilter>,
    #[serde(default = "fifty")]
    pub limit: u64,
}

/// `POST /api/deployments/bulk_delete` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct DeploymentBulkDelete {
    #[serde(default)]
    pub deployments: Option<DeploymentFilter>,
    #[serde(default = "fifty")]
    pub limit: u64,
}

/// `POST /api/flows/bulk_delete` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct FlowBulkDelete {
    #[serde(default)]
    pub flows: Option<FlowFilter>,
    #[serde(default = "fifty")]
    pub limit: u64,
}

/// The ids a bulk delete deleted.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct BulkDeleted {
    pub deleted: Vec<Uuid>,
}

/// `POST /api/flow_runs/bulk_set_state` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FlowRunBulkSetState {
    pub state: StateCreate,
    #[serde(default)]
    pub flow_runs: Option<FlowRunFilter>,
    #[serde(default)]
    pub force: bool,
    #[serde(default = "fifty")]
    pub limit: u64,
}

/// One run's answer to a bulk state change: Prefect's orchestration result with the run's id.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct BulkStateResult {
    pub flow_run_id: Uuid,
    pub status: String,
    pub state: Option<State>,
    pub details: Object,
}

/// The answers of a bulk state change, in the order the runs were picked.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct BulkStateResults {
    pub results: Vec<BulkStateResult>,
}

/// One item's answer to `create_flow_run/bulk`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct BulkCreateResult {
    pub flow_run_id: Option<Uuid>,
    pub status: CreateStatus,
    pub error: Option<String>,
}

/// Whether an item of `create_flow_run/bulk` made a run.
#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum CreateStatus {
    Created,
    Failed,
}

/// The answers of `create_flow_run/bulk`, one per item, in order.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct BulkCreateResults {
    pub results: Vec<BulkCreateResult>,
}
