//! Task worker models: `/task_workers/filter` and the subscribe message of the scheduled task-run
//! websocket.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `POST /api/task_workers/filter` body.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct TaskWorkerFilterRequest {
    #[serde(default)]
    pub task_worker_filter: Option<TaskWorkerFilter>,
}

/// Workers serving any of these task keys (all workers when empty).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct TaskWorkerFilter {
    pub task_keys: Vec<String>,
}

/// A connected task worker.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct TaskWorker {
    pub identifier: String,
    pub task_keys: Vec<String>,
    pub timestamp: String,
}

/// The first message a task worker sends (after any auth).
#[derive(Debug, Deserialize)]
pub struct Subscribe {
    #[serde(rename = "type")]
    pub kind: String,
    pub keys: Option<Vec<String>>,
    pub client_id: Option<String>,
}
