//! The dashboard's read models: Prefect's run history (`POST /api/flow_runs/history`) and Baton's own
//! `/api/baton/` extensions (keyset pages of runs, deployment summaries, schedule previews).

use super::filters::{HistoryCount, RunPageCount};
use super::flow_runs::FlowRun;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One interval of `POST /api/flow_runs/history` (Prefect's `HistoryResponse`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct HistoryInterval {
    pub interval_start: String,
    pub interval_end: String,
    pub states: Vec<HistoryStateCount>,
}

/// The runs of one state in an interval (Prefect's `HistoryResponseState`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct HistoryStateCount {
    pub state_type: String,
    pub state_name: String,
    pub count_runs: i64,
    pub sum_estimated_run_time: f64,
    pub sum_estimated_lateness: f64,
}

/// A run of a page, with the names the runs table shows.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct RunRow {
    #[serde(flatten)]
    pub run: FlowRun,
    pub flow_name: Option<String>,
    pub deployment_name: Option<String>,
}

/// `POST /api/baton/flow_runs/page` answer: newest first, and the cursor of the next page.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct RunPage {
    pub results: Vec<RunRow>,
    pub next_cursor: Option<String>,
}

/// `POST /api/baton/deployments/summary` body: at most 200 deployment ids.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentSummaryRequest {
    pub ids: Vec<String>,
}

/// One deployment's summary: its next scheduled run, its latest other run, its schedules in words.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct DeploymentSummary {
    pub deployment_id: String,
    pub next_run: Option<FlowRun>,
    pub last_run: Option<FlowRun>,
    pub schedules: Vec<ScheduleWords>,
}

/// A schedule of a summary, described in words.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ScheduleWords {
    pub id: String,
    pub active: bool,
    pub description: String,
}

/// `POST /api/baton/schedules/preview` body: the next `count` (default 10, at most 1,000) fire times of
/// `schedule` at or after `start` (default now) and not after `end`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchedulePreviewRequest {
    #[schemars(schema_with = "super::schedules::schedule_schema")]
    pub schedule: serde_json::Value,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub end: Option<String>,
    #[serde(default)]
    #[schemars(range(min = 1, max = 1000))]
    pub count: Option<u64>,
}

/// `POST /api/baton/schedules/preview` answer: the next fire times, each in the schedule's zone.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct SchedulePreview {
    pub times: Vec<String>,
}

/// `GET`/`PUT /api/baton/deployments/{id}/catchup` body and answer: what the scheduler does with the runs a
/// deployment missed while Baton was down (`all`, `latest` or `none`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CatchupPolicy {
    pub catchup: String,
}

/// `POST /api/flow_runs/history` body: the window, its interval in seconds (also read from the older
/// `history_interval`), and Prefect's filter sections.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct HistoryRequest {
    pub history_start: String,
    pub history_end: String,
    #[serde(alias = "history_interval")]
    pub history_interval_seconds: f64,
    #[serde(flatten)]
    pub filter: HistoryCount,
}

/// `POST /api/baton/flow_runs/page` body: a run filter (the sections of `/flow_runs/filter`), the page size
/// (1 to 200, default 50) and the previous page's `next_cursor`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct RunPageRequest {
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u64>,
    #[serde(flatten)]
    pub filter: RunPageCount,
}

/// `GET /api/baton/flow_runs/{id}/why`: why the run has not started, in plain words.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WhyLate {
    pub reasons: Vec<String>,
}

/// `POST /api/baton/work_pools/{name}/wait` body: the generation the worker last saw, and how long it may
/// wait (seconds, at most 25).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct WaitForWork {
    #[serde(default)]
    pub seen: Option<u64>,
    #[serde(default)]
    pub wait_seconds: Option<f64>,
}

/// Its answer: the generation to ask with next. There may be work in the pool now.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct WorkMayBeDue {
    pub generation: u64,
}
