//! A flow run's graph: `GET /flow_runs/{id}/graph-v2` (Prefect's `Graph`) and `GET /flow_runs/{id}/graph`
//! (a list of Prefect's `DependencyResult`).

use super::states::State;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET /flow_runs/{id}/graph-v2` answer.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Graph {
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub root_node_ids: Vec<String>,
    /// `[id, node]` pairs.
    pub nodes: Vec<(String, GraphNode)>,
    pub artifacts: Vec<GraphArtifact>,
    pub states: Vec<GraphState>,
}

/// A node: a task run, or a subflow run in place of its wrapper task run.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct GraphNode {
    /// `"task-run"` or `"flow-run"`.
    pub kind: String,
    pub id: String,
    pub label: String,
    pub state_type: Option<String>,
    pub start_time: String,
    pub end_time: Option<String>,
    pub parents: Vec<Edge>,
    pub children: Vec<Edge>,
    pub encapsulating: Vec<Edge>,
    pub artifacts: Vec<GraphArtifact>,
}

/// An edge to another node.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Edge {
    pub id: String,
}

/// An artifact of a graph (`data` only for progress artifacts).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct GraphArtifact {
    pub id: String,
    pub created: String,
    pub key: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub is_latest: bool,
    pub data: Option<Value>,
}

/// A state of the graph's flow run.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct GraphState {
    pub id: String,
    pub timestamp: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
}

/// One task run of `GET /flow_runs/{id}/graph`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DependencyResult {
    pub id: String,
    pub name: String,
    /// Every distinct entry of the run's `task_inputs` lists.
    pub upstream_dependencies: Vec<Value>,
    pub state: Option<State>,
    pub expected_start_time: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub total_run_time: f64,
    pub estimated_run_time: f64,
    pub untrackable_result: bool,
}
