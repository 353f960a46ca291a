//! Prefect's filter objects (`{"flow_runs": {"state": {"type": {"any_": [...]}}}, "sort": ..., "limit": ...}`)
//! as structs. Strict: an unknown criterion or operation is refused (Prefect would ignore it and match
//! everything), and a value of the wrong type is a 422 naming its path. `api::filters` turns them into
//! domain queries.

use super::work_pools::Operator;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most values one filter list may hold (SQLite binds each as a variable).
pub const MAX_VALUES: usize = 1000;

/// A list of at most [`MAX_VALUES`] values.
pub type Values<T> = Option<Vec<T>>;

/// Criteria on an id.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdFilter {
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub any_: Values<Uuid>,
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub not_any_: Values<Uuid>,
    #[serde(default)]
    pub is_null_: Option<bool>,
}

/// Criteria on a text field.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextFilter {
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub any_: Values<String>,
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub not_any_: Values<String>,
    /// Contains this text (case-insensitive).
    #[serde(default)]
    pub like_: Option<String>,
    #[serde(default)]
    pub startswith_: Option<String>,
    #[serde(default)]
    pub is_null_: Option<bool>,
    #[serde(default)]
    pub exists_: Option<bool>,
}

/// Criteria on tags.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TagsFilter {
    /// Has every one of these tags.
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub all_: Values<String>,
    /// Has at least one of these tags.
    #[serde(default)]
    #[schemars(length(max = 1000))]
    pub any_: Values<String>,
    /// Has no tags (`true`) or some (`false`).
    #[serde(default)]
    pub is_null_: Option<bool>,
}

/// Criteria on a time (ISO 8601).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeFilter {
    /// At or before.
    #[serde(default)]
    pub before_: Option<String>,
    /// At or after.
    #[serde(default)]
    pub after_: Option<String>,
    #[serde(default)]
    pub is_null_: Option<bool>,
}

/// Criteria on a number (a log level, a concurrency limit).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberFilter {
    #[serde(default)]
    pub ge_: Option<f64>,
    #[serde(default)]
    pub le_: Option<f64>,
    #[serde(default)]
    pub is_null_: Option<bool>,
}

/// Whether something exists.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExistsFilter {
    #[serde(default)]
    pub exists_: Option<bool>,
}

/// Equal to a flag.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagFilter {
    #[serde(default)]
    pub eq_: Option<bool>,
}

/// A run's state: its type and its name.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StateFilter {
    #[serde(default)]
    pub operator: Option<Operator>,
    #[serde(rename = "type", default)]
    pub kind: Option<TextFilter>,
    #[serde(default)]
    pub name: Option<TextFilter>,
}

/// A log line's text: words that must appear, `-word` for words that must not (at most 20).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogTextFilter {
    #[serde(default)]
    pub query: Option<String>,
}

/// Declares an entity's filter struct: `operator` and one optional criterion per field.
macro_rules! entity_filter {
    ($(#[$doc:meta])* $name:ident { $($field:ident $(as $json:literal)? : $ty:ty),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            #[serde(default)]
            pub operator: Option<Operator>,
            $(
                #[serde(default $(, rename = $json)?)]
                pub $field: Option<$ty>,
            )*
        }
    };
}

entity_filter!(
    /// Prefect's `FlowFilter`.
    FlowFilter { id: IdFilter, name: TextFilter, tags: TagsFilter }
);

entity_filter!(
    /// Prefect's `FlowRunFilter`.
    FlowRunFilter {
        id: IdFilter,
        name: TextFilter,
        tags: TagsFilter,
        deployment_id: IdFilter,
        work_queue_name: TextFilter,
        state: StateFilter,
        flow_version: TextFilter,
        start_time: TimeFilter,
        end_time: TimeFilter,
        expected_start_time: TimeFilter,
        next_scheduled_start_time: TimeFilter,
        parent_flow_run_id: IdFilter,
        parent_task_run_id: IdFilter,
        idempotency_key: TextFilter,
    }
);

entity_filter!(
    /// Prefect's `TaskRunFilter`.
    TaskRunFilter {
        id: IdFilter,
        name: TextFilter,
        tags: TagsFilter,
        state: StateFilter,
        start_time: TimeFilter,
        end_time: TimeFilter,
        expected_start_time: TimeFilter,
        subflow_runs: ExistsFilter,
        flow_run_id: IdFilter,
    }
);

entity_filter!(
    /// Prefect's `DeploymentFilter`.
    DeploymentFilter {
        id: IdFilter,
        name: TextFilter,
        flow_or_deployment_name: TextFilter,
        paused: FlagFilter,
        tags: TagsFilter,
        work_queue_name: TextFilter,
        concurrency_limit: NumberFilter,
    }
);

entity_filter!(
    /// Prefect's `LogFilter`.
    LogFilter {
        level: NumberFilter,
        timestamp: TimeFilter,
        flow_run_id: IdFilter,
        task_run_id: IdFilter,
        text: LogTextFilter,
    }
);

entity_filter!(
    /// Prefect's `ArtifactFilter`.
    ArtifactFilter {
        id: IdFilter,
        key: TextFilter,
        flow_run_id: IdFilter,
        task_run_id: IdFilter,
        kind as "type": TextFilter,
    }
);

entity_filter!(
    /// Prefect's `ArtifactCollectionFilter` (the latest artifact of each key).
    ArtifactCollectionFilter {
        latest_id: IdFilter,
        key: TextFilter,
        flow_run_id: IdFilter,
        task_run_id: IdFilter,
        kind as "type": TextFilter,
    }
);

entity_filter!(
    /// Prefect's `VariableFilter`.
    VariableFilter { id: IdFilter, name: TextFilter, tags: TagsFilter }
);

/// Prefect's `WorkPoolFilter` in a run filter: by id or name (a pool's `type` is not a run's; only `null`
/// is taken there).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunWorkPoolFilter {
    #[serde(default)]
    pub operator: Option<Operator>,
    #[serde(default)]
    pub id: Option<IdFilter>,
    #[serde(default)]
    pub name: Option<TextFilter>,
    #[serde(default, rename = "type")]
    pub kind: Option<serde_json::Value>,
}

/// Prefect's `WorkQueueFilter` in a run filter (`work_pool_queues`, or `work_queues` in history): by id
/// or name.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunWorkQueueFilter {
    #[serde(default)]
    pub operator: Option<Operator>,
    #[serde(default)]
    pub id: Option<IdFilter>,
    #[serde(default)]
    pub name: Option<TextFilter>,
}

pub use super::filter_requests::*;
