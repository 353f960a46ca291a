//! Deployment bodies, parsed as `wire` structs (a wrong type is a 422 naming the field), turned into the
//! domain's `DeploymentPatch` with the checks serde cannot make (positive limits, entrypoints, concurrency
//! options, schedules), and the schedule PATCH body into the service's `SchedulePatch`.

use super::error::{ApiError, ApiResult};
use super::schedules::parse_schedule;
use crate::domain::concurrency::ConcurrencyOptions;
use crate::domain::deployment::{DeploymentPatch, NewSchedule};
use crate::services::deployment_schedules::SchedulePatch;
use crate::wire::deployments::{
    DeploymentCreate, DeploymentScheduleCreate, DeploymentScheduleUpdate, DeploymentUpdate,
};
use serde_json::Value;
use uuid::Uuid;

fn bad(key: &str, what: &str) -> ApiError {
    ApiError::invalid(format!("{key}: expected {what}"))
}

/// A schedule entry as the domain reads it; `path` (`schedules[0]`) names the entry in errors.
pub fn new_schedule(s: DeploymentScheduleCreate, path: &str) -> ApiResult<NewSchedule> {
    Ok(NewSchedule {
        schedule: parse_schedule(&s.schedule, &format!("{path}.schedule"))?,
        active: s.active.unwrap_or(true),
        max_scheduled_runs: s.max_scheduled_runs,
        parameters: s.parameters.unwrap_or_default(),
        slug: s.slug,
    })
}

/// A list of schedule entries (`path` names the list).
pub fn new_schedules(
    list: Vec<DeploymentScheduleCreate>,
    path: &str,
) -> ApiResult<Vec<NewSchedule>> {
    list.into_iter()
        .enumerate()
        .map(|(i, s)| new_schedule(s, &format!("{path}[{i}]")))
        .collect()
}

/// A create body: the deployment's name, its flow, and the fields it sets (labels only come with a create).
pub fn create(body: DeploymentCreate) -> ApiResult<(String, Uuid, DeploymentPatch)> {
    let (name, flow_id, labels, rest) = body.split();
    let mut p = patch(rest)?;
    p.labels = labels;
    Ok((name, flow_id, p))
}

/// An update body as the domain's patch, with the checks serde cannot express; each error names its field.
pub fn patch(u: DeploymentUpdate) -> ApiResult<DeploymentPatch> {
    if let Some(Some(n)) = u.concurrency_limit {
        if n < 1 {
            return Err(bad("concurrency_limit", "a positive integer or null"));
        }
    }
    if let Some(Some(id)) = u.global_concurrency_limit_id {
        return Err(ApiError::invalid(format!(
            "global_concurrency_limit_id: '{id}': Baton has no global concurrency limits for deployments; use concurrency_limit"
        )));
    }
    if let Some(Some(e)) = &u.entrypoint {
        crate::domain::deployment::check_entrypoint(e).map_err(ApiError::invalid)?;
    }
    let concurrency_options = match u.concurrency_options {
        Some(Some(v)) => {
            Some(Some(ConcurrencyOptions::parse(&v).map_err(|e| {
                ApiError::invalid(format!("concurrency_options: {e}"))
            })?))
        }
        Some(None) => Some(None),
        None => None,
    };
    Ok(DeploymentPatch {
        version: u.version,
        version_info: u.version_info,
        description: u.description,
        paused: u.paused,
        concurrency_limit: u.concurrency_limit,
        concurrency_options,
        enforce_parameter_schema: u.enforce_parameter_schema,
        parameter_openapi_schema: u.parameter_openapi_schema,
        parameters: u.parameters,
        tags: u.tags,
        labels: None,
        pull_steps: u.pull_steps,
        work_queue_name: u.work_queue_name,
        work_pool_name: u.work_pool_name,
        storage_document_id: u.storage_document_id,
        infrastructure_document_id: u.infrastructure_document_id,
        path: u.path,
        entrypoint: u.entrypoint,
        job_variables: u.job_variables,
        schedules: u
            .schedules
            .map(|l| new_schedules(l, "schedules"))
            .transpose()?,
    })
}

/// A schedule PATCH as the service's patch.
pub fn schedule_patch(u: DeploymentScheduleUpdate) -> ApiResult<SchedulePatch> {
    Ok(SchedulePatch {
        schedule: match u.schedule {
            None | Some(Value::Null) => None,
            Some(v) => Some(parse_schedule(&v, "schedule")?),
        },
        active: u.active,
        max_scheduled_runs: u.max_scheduled_runs,
        parameters: u.parameters,
        slug: u.slug,
    })
}
