//! Which keys each entity's Prefect filter object understands, and how their values are typed.

use crate::domain::filter::{Entity, Field};

/// How the values of a filter key are typed.
#[derive(Clone, Copy)]
pub enum Kind {
    Id,
    Text,
    Tags,
    Time,
    State,
    Level,
    Exists,
    LogText,
    Bool,
}

/// The keys each entity's filter understands: (json key, field, kind).
pub fn keys(e: Entity) -> &'static [(&'static str, Field, Kind)] {
    use Field::*;
    match e {
        Entity::Flow => &[
            ("id", Id, Kind::Id),
            ("name", Name, Kind::Text),
            ("tags", Tags, Kind::Tags),
        ],
        Entity::FlowRun => &[
            ("id", Id, Kind::Id),
            ("name", Name, Kind::Text),
            ("tags", Tags, Kind::Tags),
            ("deployment_id", DeploymentId, Kind::Id),
            ("work_queue_name", WorkQueueName, Kind::Text),
            ("state", StateType, Kind::State),
            ("flow_version", FlowVersion, Kind::Text),
            ("start_time", StartTime, Kind::Time),
            ("end_time", EndTime, Kind::Time),
            ("expected_start_time", ExpectedStartTime, Kind::Time),
            (
                "next_scheduled_start_time",
                NextScheduledStartTime,
                Kind::Time,
            ),
            ("parent_flow_run_id", ParentFlowRunId, Kind::Id),
            ("parent_task_run_id", ParentTaskRunId, Kind::Id),
            ("idempotency_key", IdempotencyKey, Kind::Text),
        ],
        Entity::TaskRun => &[
            ("id", Id, Kind::Id),
            ("name", Name, Kind::Text),
            ("tags", Tags, Kind::Tags),
            ("state", StateType, Kind::State),
            ("start_time", StartTime, Kind::Time),
            ("end_time", EndTime, Kind::Time),
            ("expected_start_time", ExpectedStartTime, Kind::Time),
            ("subflow_runs", SubflowRun, Kind::Exists),
            ("flow_run_id", FlowRunId, Kind::Id),
        ],
        Entity::Deployment => &[
            ("id", Id, Kind::Id),
            ("name", Name, Kind::Text),
            ("flow_or_deployment_name", FlowOrDeploymentName, Kind::Text),
            ("paused", Paused, Kind::Bool),
            ("tags", Tags, Kind::Tags),
            ("work_queue_name", WorkQueueName, Kind::Text),
            ("concurrency_limit", ConcurrencyLimit, Kind::Level),
        ],
        Entity::Log => &[
            ("level", Level, Kind::Level),
            ("timestamp", Timestamp, Kind::Time),
            ("flow_run_id", FlowRunId, Kind::Id),
            ("task_run_id", TaskRunId, Kind::Id),
            ("text", Message, Kind::LogText),
        ],
        Entity::Artifact => &[
            ("id", Id, Kind::Id),
            ("key", Key, Kind::Text),
            ("flow_run_id", FlowRunId, Kind::Id),
            ("task_run_id", TaskRunId, Kind::Id),
            ("type", ArtifactType, Kind::Text),
        ],
        Entity::ArtifactCollection => &[
            ("latest_id", LatestId, Kind::Id),
            ("key", Key, Kind::Text),
            ("flow_run_id", FlowRunId, Kind::Id),
            ("task_run_id", TaskRunId, Kind::Id),
            ("type", ArtifactType, Kind::Text),
        ],
        Entity::Variable => &[
            ("id", Id, Kind::Id),
            ("name", Name, Kind::Text),
            ("tags", Tags, Kind::Tags),
        ],
    }
}
