//! The bodies of `POST /…/filter` and `/count`: which sections (entity filters) each endpoint takes, with
//! its sort and page. `api::filters` reads them through [`FilterRequest`].

use super::filters::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One section of a filter body, as `api::filters` reads it.
pub enum Section<'a> {
    Flows(&'a FlowFilter),
    FlowRuns(&'a FlowRunFilter),
    TaskRuns(&'a TaskRunFilter),
    Deployments(&'a DeploymentFilter),
    Logs(&'a LogFilter),
    Artifacts(&'a ArtifactFilter),
    ArtifactCollections(&'a ArtifactCollectionFilter),
    Variables(&'a VariableFilter),
    /// Runs by their work pool (id or name).
    WorkPools(&'a RunWorkPoolFilter),
    /// Runs by their work queue (id or name).
    WorkQueues(&'a RunWorkQueueFilter),
    /// A section Baton cannot filter by (accepted only as `null`).
    Unsupported,
}

macro_rules! section_of {
    ($($ty:ty => $variant:ident),* $(,)?) => {
        $(impl<'a> From<&'a $ty> for Section<'a> {
            fn from(f: &'a $ty) -> Section<'a> {
                Section::$variant(f)
            }
        })*
    };
}

section_of!(
    FlowFilter => Flows,
    FlowRunFilter => FlowRuns,
    TaskRunFilter => TaskRuns,
    DeploymentFilter => Deployments,
    LogFilter => Logs,
    ArtifactFilter => Artifacts,
    ArtifactCollectionFilter => ArtifactCollections,
    VariableFilter => Variables,
    RunWorkPoolFilter => WorkPools,
    RunWorkQueueFilter => WorkQueues,
);

impl<'a> From<&'a Value> for Section<'a> {
    fn from(_: &'a Value) -> Section<'a> {
        Section::Unsupported
    }
}

/// A filter body: its sections that are given (not `null`), its sort and its page.
pub trait FilterRequest {
    fn sections(&self) -> Vec<(&'static str, Section<'_>)>;
    fn sort(&self) -> Option<&str>;
    /// `limit` and `offset`.
    fn page(&self) -> (Option<u64>, u64);
}

/// Declares the body of an endpoint's `/filter` (sections, `sort`, `limit`, `offset`) and of its `/count`
/// (the sections; a sort or page given there is ignored, as Prefect does, and left out of its schema).
macro_rules! filter_request {
    ($(#[$doc:meta])* $name:ident, $count:ident { $($field:ident : $ty:ty),* $(,)? }) => {
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
            #[serde(default)]
            pub limit: Option<u64>,
            #[serde(default)]
            pub offset: Option<u64>,
        }

        /// The body of the matching `/count`.
        #[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $count {
            $(
                #[serde(default)]
                pub $field: Option<$ty>,
            )*
            #[serde(default)]
            #[schemars(skip)]
            pub sort: Option<Value>,
            #[serde(default)]
            #[schemars(skip)]
            pub limit: Option<Value>,
            #[serde(default)]
            #[schemars(skip)]
            pub offset: Option<Value>,
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
                (self.limit, self.offset.unwrap_or(0))
            }
        }

        impl FilterRequest for $count {
            fn sections(&self) -> Vec<(&'static str, Section<'_>)> {
                let mut all = Vec::new();
                $(if let Some(f) = &self.$field {
                    all.push((stringify!($field), Section::from(f)));
                })*
                all
            }
            fn sort(&self) -> Option<&str> {
                None
            }
            fn page(&self) -> (Option<u64>, u64) {
                (None, 0)
            }
        }
    };
}

filter_request!(
    /// `POST /flows/filter` body.
    FlowFilterRequest, FlowCountRequest {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
        work_pools: Value,
        work_queues: Value,
    }
);

filter_request!(
    /// `POST /flow_runs/filter` body.
    FlowRunFilterRequest, FlowRunCountRequest {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
        work_pools: RunWorkPoolFilter,
        work_pool_queues: RunWorkQueueFilter,
    }
);

filter_request!(
    /// `POST /task_runs/filter` body.
    TaskRunFilterRequest, TaskRunCountRequest {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
    }
);

filter_request!(
    /// `POST /deployments/filter` body.
    DeploymentFilterRequest, DeploymentCountRequest {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
        work_pools: Value,
        work_pool_queues: Value,
    }
);

filter_request!(
    /// `POST /logs/filter` body.
    LogFilterRequest, LogCountRequest {
        logs: LogFilter,
    }
);

filter_request!(
    /// `POST /variables/filter` body.
    VariableFilterRequest, VariableCountRequest {
        variables: VariableFilter,
    }
);

filter_request!(
    /// `POST /artifacts/filter` body.
    ArtifactFilterRequest, ArtifactCountRequest {
        artifacts: ArtifactFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        flows: FlowFilter,
        deployments: DeploymentFilter,
    }
);

filter_request!(
    /// `POST /artifacts/latest/filter` body.
    ArtifactCollectionFilterRequest, ArtifactCollectionCountRequest {
        artifacts: ArtifactCollectionFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        flows: FlowFilter,
        deployments: DeploymentFilter,
    }
);

filter_request!(
    /// The dashboard's run pages (`/baton/flow_runs/page`): the sections of `/flow_runs/filter`, with
    /// `work_pools` by name.
    RunPageFilter, RunPageCount {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
        work_pools: RunWorkPoolFilter,
        work_pool_queues: RunWorkQueueFilter,
    }
);

filter_request!(
    /// The filter sections of `POST /flow_runs/history` (Prefect's; `work_pools` by name).
    HistoryFilter, HistoryCount {
        flows: FlowFilter,
        flow_runs: FlowRunFilter,
        task_runs: TaskRunFilter,
        deployments: DeploymentFilter,
        work_pools: RunWorkPoolFilter,
        work_queues: RunWorkQueueFilter,
    }
);
