//! Deployment models.

use super::Object;
use schemars::JsonSchema;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A deployment schedule (`schedule` is a cron, interval or rrule object).
#[derive(Debug, Serialize, Deserialize, Clone, JsonSchema)]
pub struct DeploymentSchedule {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub deployment_id: Option<String>,
    pub schedule: Value,
    pub active: bool,
    pub max_scheduled_runs: Option<i64>,
    pub parameters: Object,
    pub slug: Option<String>,
}

/// A deployment (Prefect's `DeploymentResponse`).
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Deployment {
    pub id: String,
    pub created: Option<String>,
    pub updated: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub version_info: Option<Value>,
    pub description: Option<String>,
    pub flow_id: String,
    pub paused: bool,
    pub schedules: Vec<DeploymentSchedule>,
    pub concurrency_limit: Option<i64>,
    pub global_concurrency_limit: Option<super::concurrency_limits::GlobalLimit>,
    pub concurrency_options: Option<Value>,
    pub job_variables: Object,
    pub parameters: Object,
    pub tags: Vec<String>,
    pub labels: Object,
    pub work_queue_name: Option<String>,
    pub work_queue_id: Option<String>,
    pub last_polled: Option<String>,
    pub parameter_openapi_schema: Option<Value>,
    pub path: Option<String>,
    pub pull_steps: Option<Value>,
    pub entrypoint: Option<String>,
    pub storage_document_id: Option<String>,
    pub infrastructure_document_id: Option<String>,
    pub created_by: Option<Value>,
    pub updated_by: Option<Value>,
    pub work_pool_name: Option<String>,
    pub status: String,
    pub enforce_parameter_schema: bool,
}

/// `POST /api/deployments/get_scheduled_flow_runs` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ScheduledRunsRequest {
    pub deployment_ids: Vec<uuid::Uuid>,
    #[serde(default)]
    pub scheduled_before: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One entry of a deployment's `schedules` (Prefect's `DeploymentScheduleCreate`), also the items of
/// `POST /api/deployments/{id}/schedules`. `schedule` stays JSON: the API reads it with the field's path in
/// its errors. `null` in an optional field means its default, as Baton has always read it; `replaces` is
/// accepted and not acted on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentScheduleCreate {
    #[schemars(schema_with = "super::schedules::schedule_schema")]
    pub schedule: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default)]
    pub max_scheduled_runs: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Object>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

/// `PATCH /api/deployments/{id}/schedules/{schedule_id}` body (Prefect's `DeploymentScheduleUpdate`):
/// absent = unchanged; `max_scheduled_runs` and `slug` may be cleared with `null`, the others read `null` as
/// absent. Unknown fields are refused; `replaces` is accepted and not acted on.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentScheduleUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::schedules::optional_schedule_schema")]
    pub schedule: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_scheduled_runs: Option<Option<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Object>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub slug: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

/// `POST /api/deployments/` body (Prefect's `DeploymentCreate`). A create of a name the flow already has
/// updates that deployment in place, so the create body keeps the three states of a PATCH: a nullable field
/// is `Option<Option<T>>` read with [`present`](super::present) (absent = unchanged, `null` = cleared, a
/// value = set); a non-nullable one is `Option<T>`, where `null` reads as absent, as Baton has always read
/// it. Serialized, an absent field stays absent. Unknown fields are refused as Prefect refuses them
/// (`extra="forbid"`), except the four pre-3.0 work-pool fields Prefect drops without a word
/// (`remove_old_deployment_fields`), which are accepted, ignored and never sent.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentCreate {
    pub name: String,
    pub flow_id: uuid::Uuid,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub version_info: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedules: Option<Vec<DeploymentScheduleCreate>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub concurrency_limit: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub concurrency_options: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub global_concurrency_limit_id: Option<Option<uuid::Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_parameter_schema: Option<bool>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub parameter_openapi_schema: Option<Option<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Object>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub pull_steps: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub work_queue_name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub work_pool_name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_document_id: Option<Option<uuid::Uuid>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub infrastructure_document_id: Option<Option<uuid::Uuid>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub path: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub entrypoint: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_variables: Option<Object>,
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub worker_pool_queue_id: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub worker_pool_name: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub worker_pool_queue_name: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub work_pool_queue_name: Option<IgnoredAny>,
}

/// `PATCH /api/deployments/{id}` body (Prefect's `DeploymentUpdate`): the fields of [`DeploymentCreate`]
/// but `name`, `flow_id` and `labels`, read the same way.
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentUpdate {
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub version_info: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedules: Option<Vec<DeploymentScheduleCreate>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub concurrency_limit: Option<Option<i64>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub concurrency_options: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub global_concurrency_limit_id: Option<Option<uuid::Uuid>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce_parameter_schema: Option<bool>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub parameter_openapi_schema: Option<Option<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Object>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub pull_steps: Option<Option<Value>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub work_queue_name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub work_pool_name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub storage_document_id: Option<Option<uuid::Uuid>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub infrastructure_document_id: Option<Option<uuid::Uuid>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub path: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "super::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub entrypoint: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_variables: Option<Object>,
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub worker_pool_queue_id: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub worker_pool_name: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub worker_pool_queue_name: Option<IgnoredAny>,
    #[serde(default, skip_serializing)]
    #[schemars(skip)]
    pub work_pool_queue_name: Option<IgnoredAny>,
}

impl DeploymentCreate {
    /// `(name, flow_id, labels, the rest as an update)`: a create is an update of a named deployment.
    pub fn split(self) -> (String, uuid::Uuid, Option<Object>, DeploymentUpdate) {
        let update = DeploymentUpdate {
            version: self.version,
            version_info: self.version_info,
            description: self.description,
            paused: self.paused,
            schedules: self.schedules,
            concurrency_limit: self.concurrency_limit,
            concurrency_options: self.concurrency_options,
            global_concurrency_limit_id: self.global_concurrency_limit_id,
            enforce_parameter_schema: self.enforce_parameter_schema,
            parameter_openapi_schema: self.parameter_openapi_schema,
            parameters: self.parameters,
            tags: self.tags,
            pull_steps: self.pull_steps,
            work_queue_name: self.work_queue_name,
            work_pool_name: self.work_pool_name,
            storage_document_id: self.storage_document_id,
            infrastructure_document_id: self.infrastructure_document_id,
            path: self.path,
            entrypoint: self.entrypoint,
            job_variables: self.job_variables,
            ..Default::default()
        };
        (self.name, self.flow_id, self.labels, update)
    }
}

#[cfg(test)]
#[path = "deployments_tests.rs"]
mod tests;
