//! The four `POST /…/paginate` bodies (a filter body with `page` in place of `offset`) and their answer
//! (`{results, count, limit, pages, page}`), and the reduced task run of `/task_runs/paginate`.

use super::filter_requests::{FilterRequest, Section};
use super::filters::*;
use super::states::State;
use super::task_runs::TaskRunPolicy;
use super::Object;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A page of results and where it lies.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Paginated<T> {
    pub results: Vec<T>,
    /// How many rows match in all.
    pub count: u64,
    pub limit: u64,
    pub pages: u64,
    pub page: u64,
}

/// What a paginate body asks for besides its filter.
pub trait PageRequest: FilterRequest {
    /// `page` (from 1) and `limit` as given.
    fn page_and_limit(&self) -> (Option<u64>, Option<u64>);
}

macro_rules! paginate_request {
    ($(#[$doc:meta])* $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                #[serde(default)]
                pub $field: Option<$ty>,
            )*
            #[serde(default)]
            pub sort: Option<String>,
            /// From 1 (default 1).
            #[serde(default)]
            #[schemars(range(min = 1))]
            pub page: Option<u64>,
            /// Rows per page, at most 200 (default 200).
            #[serde(default)]
            #[schemars(range(max = 200))]
            pub limit: Option<u64>,
        }

        impl FilterRequest for $name {
            fn sections(&self) -> Vec<(&'static str, Section<'_>)> {
                let mut all = Vec::new();
                $(if let Some(f) = &self.$field {
                    all.push((stringify!($field), Section::from(f)));
                })*
                all
            }
            fn sort(&self) -> Option<&str> {
                self.sort.as_deref()
            }
            fn page(&self) -> (Option<u64>, u64) {
                let limit = self.limit.unwrap_or(200);
                let page = self.page.unwrap_or(1).max(1);
                (Some(limit), (page - 1).saturating_mul(limit))
            }
        }

        impl PageRequest for $name {
            fn page_and_limit(&self) -> (Option<u64>, Option<u64>) {
                (self.page, self.limit)
            }
        }
    };
}

paginate_request!(
    /// `POST /flows/paginate` body.
    FlowPaginateRequest {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
        work_pools: Value,
    }
);

paginate_request!(
    /// `POST /flow_runs/paginate` body.
    FlowRunPaginateRequest {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
        work_pools: RunWorkPoolFilter,
        work_pool_queues: Value,
    }
);

paginate_request!(
    /// `POST /task_runs/paginate` body.
    TaskRunPaginateRequest {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
    }
);

paginate_request!(
    /// `POST /deployments/paginate` body.
    DeploymentPaginateRequest {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
        work_pools: Value,
        work_pool_queues: Value,
    }
);

/// A task run of `/task_runs/paginate` (Prefect's `TaskRunResponse`: fewer keys than `/task_runs/filter`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct TaskRunSummary {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub flow_run_id: Option<String>,
    pub task_key: String,
    pub state_id: Option<String>,
    pub state: Option<State>,
    pub task_version: Option<String>,
    pub task_inputs: Object,
    pub empirical_policy: TaskRunPolicy,
    pub tags: Vec<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub total_run_time: f64,
    pub estimated_run_time: f64,
    pub estimated_start_time_delta: f64,
}
