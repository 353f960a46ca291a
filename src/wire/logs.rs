//! Log models.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One line of `POST /api/logs/`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct LogCreate {
    pub name: String,
    pub level: i64,
    pub message: String,
    pub timestamp: String,
    #[serde(default)]
    pub flow_run_id: Option<uuid::Uuid>,
    #[serde(default)]
    pub task_run_id: Option<uuid::Uuid>,
}

/// A stored log line.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Log {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub level: i64,
    pub message: String,
    pub timestamp: String,
    pub flow_run_id: Option<String>,
    pub task_run_id: Option<String>,
}
