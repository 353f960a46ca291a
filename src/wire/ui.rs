//! The bodies and answers of Prefect's `/ui/…` reads, `/flow_runs/lateness`, `/task_runs/history`,
//! `/observed-states`, `/work_pools/{name}/concurrency_status` and `/deployments/{id}/work_queue_check`.

use super::filter_requests::{FilterRequest, Section, TaskRunCountRequest};
use super::filters::*;
use super::task_runs::TaskRun;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// `GET /ui/task_runs/{id}` answer: the task run and its flow run's name.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct UiTaskRun {
    #[serde(flatten)]
    pub run: TaskRun,
    pub flow_run_name: Option<String>,
}

/// `POST /ui/flow_runs/count-task-runs` body.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowRunIds {
    #[schemars(length(max = 200))]
    pub flow_run_ids: Vec<Uuid>,
}

/// `POST /ui/flows/count-deployments` and `/ui/flows/next-runs` body.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowIds {
    #[schemars(length(max = 200))]
    pub flow_ids: Vec<Uuid>,
}

/// `POST /ui/flow_runs/history` body: the run filter sections (no queues), a sort (default newest
/// expected start first), at most 1,000 runs and an offset.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScatterRequest {
    #[serde(default)]
    pub flows: Option<FlowFilter>,
    #[serde(default)]
    pub flow_runs: Option<FlowRunFilter>,
    #[serde(default)]
    pub task_runs: Option<TaskRunFilter>,
    #[serde(default)]
    pub deployments: Option<DeploymentFilter>,
    #[serde(default)]
    pub work_pools: Option<RunWorkPoolFilter>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    #[schemars(range(max = 1000))]
    pub limit: Option<u64>,
    #[serde(default)]
    pub offset: Option<u64>,
}

impl FilterRequest for ScatterRequest {
    fn sections(&self) -> Vec<(&'static str, Section<'_>)> {
        let mut all = Vec::new();
        if let Some(f) = &self.flows {
            all.push(("flows", Section::from(f)));
        }
        if let Some(f) = &self.flow_runs {
            all.push(("flow_runs", Section::from(f)));
        }
        if let Some(f) = &self.task_runs {
            all.push(("task_runs", Section::from(f)));
        }
        if let Some(f) = &self.deployments {
            all.push(("deployments", Section::from(f)));
        }
        if let Some(f) = &self.work_pools {
            all.push(("work_pools", Section::from(f)));
        }
        all
    }
    fn sort(&self) -> Option<&str> {
        self.sort.as_deref()
    }
    fn page(&self) -> (Option<u64>, u64) {
        (self.limit, self.offset.unwrap_or(0))
    }
}

/// A run of `POST /ui/flow_runs/history` (Prefect's `SimpleFlowRun`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SimpleFlowRun {
    pub id: String,
    pub state_type: Option<String>,
    pub timestamp: Option<String>,
    /// Seconds.
    pub duration: f64,
    /// Seconds.
    pub lateness: f64,
}

/// A flow's next run of `POST /ui/flows/next-runs` (Prefect's `SimpleNextFlowRun`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SimpleNextFlowRun {
    pub id: String,
    pub flow_id: String,
    pub name: String,
    pub state_name: Option<String>,
    pub state_type: Option<String>,
    pub next_scheduled_start_time: Option<String>,
}

/// `POST /ui/task_runs/dashboard/counts` body: `task_runs.start_time.after_` is required.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRunDashboardRequest {
    pub task_runs: TaskRunFilter,
    #[serde(default)]
    pub flows: Option<FlowFilter>,
    #[serde(default)]
    pub flow_runs: Option<FlowRunFilter>,
    #[serde(default)]
    pub deployments: Option<DeploymentFilter>,
    #[serde(default)]
    pub work_pools: Option<RunWorkPoolFilter>,
    #[serde(default)]
    pub work_queues: Option<Value>,
}

impl FilterRequest for TaskRunDashboardRequest {
    fn sections(&self) -> Vec<(&'static str, Section<'_>)> {
        let mut all = vec![("task_runs", Section::from(&self.task_runs))];
        if let Some(f) = &self.flows {
            all.push(("flows", Section::from(f)));
        }
        if let Some(f) = &self.flow_runs {
            all.push(("flow_runs", Section::from(f)));
        }
        if let Some(f) = &self.deployments {
            all.push(("deployments", Section::from(f)));
        }
        if let Some(f) = &self.work_pools {
            all.push(("work_pools", Section::from(f)));
        }
        if let Some(f) = &self.work_queues {
            all.push(("work_queues", Section::from(f)));
        }
        all
    }
    fn sort(&self) -> Option<&str> {
        None
    }
    fn page(&self) -> (Option<u64>, u64) {
        (None, 0)
    }
}

/// A bucket of `POST /ui/task_runs/dashboard/counts`.
#[derive(Debug, Default, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CompletedFailed {
    pub completed: u64,
    pub failed: u64,
}

/// `POST /task_runs/history` body: the window, its interval in seconds, and the task run filter sections.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct TaskRunHistoryRequest {
    pub history_start: String,
    pub history_end: String,
    pub history_interval_seconds: f64,
    #[serde(flatten)]
    pub filter: TaskRunCountRequest,
}

/// A state of `GET /observed-states`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ObservedState {
    pub state_type: String,
    pub state_name: String,
    pub first_seen: String,
    pub last_seen: String,
}

/// `POST /work_pools/{name}/concurrency_status` body.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcurrencyStatusRequest {
    /// From 1 (default 1).
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub page: Option<u64>,
    /// Queues per page, at most 200 (default 200).
    #[serde(default)]
    #[schemars(range(max = 200))]
    pub limit: Option<u64>,
    /// Runs listed per queue, at most 200 (default 10).
    #[serde(default)]
    #[schemars(range(max = 200))]
    pub flow_run_limit: Option<u64>,
}

/// `POST /work_pools/{name}/concurrency_status` answer (Prefect's `WorkPoolConcurrencyStatus`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct PoolConcurrencyStatus {
    pub active_slots: u64,
    pub concurrency_limit: Option<i64>,
    pub queues: Vec<QueueConcurrencyStatus>,
    pub count: u64,
    pub limit: u64,
    pub pages: u64,
    pub page: u64,
}

/// A queue of a pool's concurrency status.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct QueueConcurrencyStatus {
    pub queue_id: String,
    pub queue_name: String,
    pub active_slots: u64,
    pub concurrency_limit: Option<i64>,
    pub flow_runs: Vec<super::work_queues::FlowRunSlotSummary>,
    pub flow_run_count: u64,
}

/// A work queue of `GET /deployments/{id}/work_queue_check` (Prefect's core `WorkQueue`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct CoreWorkQueue {
    pub id: String,
    pub created: String,
    pub updated: String,
    pub name: String,
    pub description: String,
    pub is_paused: bool,
    pub concurrency_limit: Option<i64>,
    pub priority: i64,
    pub work_pool_id: String,
    pub filter: Option<Value>,
    pub last_polled: Option<String>,
}

/// `POST /ui/schemas/validate` body.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaValidateRequest {
    pub schema: serde_json::Map<String, Value>,
    pub values: serde_json::Map<String, Value>,
}

/// `POST /ui/schemas/validate` answer: the errors as a tree by property and index.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SchemaValidateAnswer {
    pub errors: Vec<Value>,
    pub valid: bool,
}
