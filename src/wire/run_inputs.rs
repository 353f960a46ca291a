//! Flow run input models and the resume body.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /api/flow_runs/{id}/input` body. The value is text (the SDK sends JSON in a string).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FlowRunInputCreate {
    pub key: String,
    pub value: String,
    #[serde(default)]
    pub sender: Option<String>,
}

fn one() -> usize {
    1
}

/// `POST /api/flow_runs/{id}/input/filter` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct FlowRunInputFilter {
    pub prefix: String,
    #[serde(default = "one")]
    pub limit: usize,
    #[serde(default)]
    pub exclude_keys: Vec<String>,
}

/// One value sent to a flow run.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct FlowRunInput {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub flow_run_id: String,
    pub key: String,
    pub value: String,
    pub sender: Option<String>,
}

/// `POST /api/flow_runs/{id}/resume` body: the answer to a run waiting for input.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ResumeFlowRun {
    #[serde(default)]
    pub run_input: Option<serde_json::Map<String, Value>>,
}
