//! Log lines of flow and task runs.

use super::Ts;
use uuid::Uuid;

/// One log line.
#[derive(Clone, Debug, PartialEq)]
pub struct Log {
    pub id: Uuid,
    pub created: Ts,
    pub name: String,
    pub level: i64,
    pub message: String,
    pub timestamp: Ts,
    pub flow_run_id: Option<Uuid>,
    pub task_run_id: Option<Uuid>,
}
