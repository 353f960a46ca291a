//! Conversions between domain types and Prefect's wire models.

use super::error::{ApiError, ApiResult};
use crate::domain::flow_run::{FlowRun, ProposedState, RunPolicy};
use crate::domain::task_policy::TaskRunPolicy;
use crate::domain::{
    flow::Flow, log::Log, task_run::TaskRun, time, Decision, State, StateDetails, StateType, Ts,
};
use crate::wire;
use serde_json::Value;

fn ts(t: Ts) -> String {
    time::format(t)
}

fn opt(t: Option<Ts>) -> Option<String> {
    t.map(time::format)
}

/// A domain state on the wire.
pub fn state(s: &State) -> wire::states::State {
    wire::states::State {
        id: s.id.to_string(),
        kind: s.kind.as_str().to_string(),
        name: s.name.clone(),
        timestamp: ts(s.timestamp),
        message: s.message.clone(),
        data: s.data.clone(),
        state_details: details_out(&s.details),
    }
}

/// A state's details on the wire: every field of Prefect's model, then the keys it lacks.
fn details_out(d: &StateDetails) -> wire::states::StateDetails {
    wire::states::StateDetails {
        flow_run_id: d.flow_run_id,
        task_run_id: d.task_run_id,
        child_flow_run_id: d.child_flow_run_id,
        scheduled_time: opt(d.scheduled_time),
        cache_key: d.cache_key.clone(),
        cache_expiration: opt(d.cache_expiration),
        deferred: Some(d.deferred.unwrap_or(false)),
        untrackable_result: d.untrackable_result,
        pause_timeout: opt(d.pause_timeout),
        pause_reschedule: d.pause_reschedule,
        pause_key: d.pause_key.clone(),
        run_input_keyset: d.run_input_keyset.clone(),
        refresh_cache: d.refresh_cache,
        retriable: d.retriable,
        transition_id: d.transition_id,
        task_parameters_id: d.task_parameters_id,
        traceparent: d.traceparent.clone(),
        deployment_concurrency_lease_id: d.deployment_concurrency_lease_id,
        other: d
            .unknown_keys()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// A client's state details; 422 naming a time that is not one.
fn details_in(d: wire::states::StateDetails) -> ApiResult<StateDetails> {
    let at = |key: &str, v: Option<String>| -> ApiResult<Option<Ts>> {
        v.map(|v| {
            time::parse(&v).ok_or_else(|| {
                ApiError::invalid(format!(
                    "state.state_details.{key}: '{v}' is not a valid datetime"
                ))
            })
        })
        .transpose()
    };
    Ok(StateDetails {
        flow_run_id: d.flow_run_id,
        task_run_id: d.task_run_id,
        child_flow_run_id: d.child_flow_run_id,
        scheduled_time: at("scheduled_time", d.scheduled_time)?,
        cache_key: d.cache_key,
        cache_expiration: at("cache_expiration", d.cache_expiration)?,
        deferred: d.deferred,
        untrackable_result: d.untrackable_result,
        pause_timeout: at("pause_timeout", d.pause_timeout)?,
        pause_reschedule: d.pause_reschedule,
        pause_key: d.pause_key,
        run_input_keyset: d.run_input_keyset,
        refresh_cache: d.refresh_cache,
        retriable: d.retriable,
        transition_id: d.transition_id,
        task_parameters_id: d.task_parameters_id,
        traceparent: d.traceparent,
        deployment_concurrency_lease_id: d.deployment_concurrency_lease_id,
        other: d.other.into_iter().filter(|(_, v)| !v.is_null()).collect(),
    })
}

/// A flow run's `empirical_policy` as a client sends it (`None`: not given); 422 naming the bad field.
pub fn run_policy(o: Option<wire::Object>) -> ApiResult<Option<RunPolicy>> {
    o.map(|o| {
        RunPolicy::parse(&Value::Object(o))
            .map_err(|e| ApiError::invalid(format!("empirical_policy.{e}")))
    })
    .transpose()
}

/// A task run's `empirical_policy` as a client sends it; 422 naming the bad field.
pub fn task_policy(o: Option<wire::Object>) -> ApiResult<TaskRunPolicy> {
    o.map_or(Ok(TaskRunPolicy::default()), |o| {
        TaskRunPolicy::parse(&o).map_err(|e| ApiError::invalid(format!("empirical_policy.{e}")))
    })
}

/// A task run's empirical policy on the wire: every field of Prefect's model.
fn task_policy_out(p: &TaskRunPolicy) -> wire::task_runs::TaskRunPolicy {
    wire::task_runs::TaskRunPolicy {
        max_retries: p.max_retries,
        retry_delay_seconds: p.retry_delay_seconds,
        retries: p.retries,
        retry_delay: p.retry_delay.as_ref().map(|d| d.to_value()),
        retry_jitter_factor: p.retry_jitter_factor,
    }
}

/// A flow run's empirical policy on the wire.
fn run_policy_out(p: &RunPolicy) -> wire::flow_runs::FlowRunPolicy {
    wire::flow_runs::FlowRunPolicy {
        max_retries: p.max_retries,
        retry_delay_seconds: p.retry_delay_seconds,
        retries: p.retries,
        retry_delay: Some(p.retry_delay_value()).filter(|v| !v.is_null()),
        pause_keys: p.pause_keys.clone(),
        resuming: p.resuming,
        retry_type: p.retry_type.map(|t| t.as_str().to_string()),
    }
}

/// A proposed state from the wire; 422 for an unknown type or a bad time.
pub fn proposed(s: wire::states::StateCreate) -> ApiResult<ProposedState> {
    let kind = StateType::parse(&s.kind).ok_or_else(|| {
        let all: Vec<&str> = StateType::ALL.iter().map(|t| t.as_str()).collect();
        ApiError::invalid(format!(
            "state.type: '{}' is not one of {}",
            s.kind,
            all.join(", ")
        ))
    })?;
    let details = details_in(s.state_details.unwrap_or_default())?;
    Ok(ProposedState {
        kind,
        name: s.name,
        message: s.message,
        data: s.data,
        details,
        retry_elsewhere: false,
    })
}

/// A flow on the wire.
pub fn flow(f: Flow) -> wire::flows::Flow {
    wire::flows::Flow {
        id: f.id.to_string(),
        created: Some(ts(f.created)),
        updated: Some(ts(f.updated)),
        name: f.name,
        tags: f.tags,
        labels: f.labels,
    }
}

/// A flow run on the wire.
pub fn flow_run(r: FlowRun, now: Ts) -> wire::flow_runs::FlowRun {
    let s = r.state.as_ref();
    let delta = match (r.start_time, r.expected_start_time) {
        (Some(start), Some(exp)) => time::seconds_between(exp, start).max(0.0),
        (None, Some(exp)) if s.is_some_and(|s| !s.kind.is_terminal()) => {
            time::seconds_between(exp, now).max(0.0)
        }
        _ => 0.0,
    };
    let running_for = match s {
        Some(st) if st.kind == StateType::Running => {
            time::seconds_between(st.timestamp, now).max(0.0)
        }
        _ => 0.0,
    };
    wire::flow_runs::FlowRun {
        id: r.id.to_string(),
        created: Some(ts(r.created)),
        updated: Some(ts(r.updated)),
        name: r.name,
        flow_id: r.flow_id.to_string(),
        state_id: s.map(|s| s.id.to_string()),
        deployment_id: r.deployment_id.map(|u| u.to_string()),
        deployment_version: r.deployment_version,
        work_queue_id: r.work_queue_id.map(|u| u.to_string()),
        work_queue_name: r.work_queue_name,
        flow_version: r.flow_version,
        parameters: r.parameters,
        idempotency_key: r.idempotency_key,
        context: r.context,
        empirical_policy: run_policy_out(&r.empirical_policy),
        tags: r.tags,
        labels: r.labels,
        parent_task_run_id: r.parent_task_run_id.map(|u| u.to_string()),
        state_type: s.map(|s| s.kind.as_str().to_string()),
        state_name: s.map(|s| s.name.clone()),
        run_count: r.run_count,
        expected_start_time: opt(r.expected_start_time),
        next_scheduled_start_time: opt(r.next_scheduled_start_time),
        start_time: opt(r.start_time),
        end_time: opt(r.end_time),
        total_run_time: r.total_run_time,
        estimated_run_time: r.total_run_time + running_for,
        estimated_start_time_delta: delta,
        auto_scheduled: r.auto_scheduled,
        infrastructure_document_id: r.infrastructure_document_id.map(|u| u.to_string()),
        infrastructure_pid: r.infrastructure_pid,
        created_by: r.created_by,
        work_pool_id: r.work_pool_id.map(|u| u.to_string()),
        work_pool_name: r.work_pool_name,
        state: s.map(state),
        job_variables: Some(r.job_variables),
    }
}

/// A task run on the wire.
pub fn task_run(r: TaskRun) -> wire::task_runs::TaskRun {
    let s = r.state.as_ref();
    wire::task_runs::TaskRun {
        id: r.id.to_string(),
        created: Some(ts(r.created)),
        updated: Some(ts(r.updated)),
        name: r.name,
        flow_run_id: r.flow_run_id.map(|u| u.to_string()),
        task_key: r.task_key,
        dynamic_key: r.dynamic_key,
        cache_key: r.cache_key,
        cache_expiration: opt(r.cache_expiration),
        task_version: r.task_version,
        empirical_policy: task_policy_out(&r.empirical_policy),
        tags: r.tags,
        labels: r.labels,
        state_id: s.map(|s| s.id.to_string()),
        task_inputs: r.task_inputs,
        state_type: s.map(|s| s.kind.as_str().to_string()),
        state_name: s.map(|s| s.name.clone()),
        run_count: r.run_count,
        flow_run_run_count: r.flow_run_run_count,
        expected_start_time: opt(r.expected_start_time),
        next_scheduled_start_time: opt(r.next_scheduled_start_time),
        start_time: opt(r.start_time),
        end_time: opt(r.end_time),
        total_run_time: r.total_run_time,
        estimated_run_time: r.total_run_time,
        estimated_start_time_delta: 0.0,
        state: s.map(state),
    }
}

/// A log line on the wire.
pub fn log(l: Log) -> wire::logs::Log {
    wire::logs::Log {
        id: l.id.to_string(),
        created: Some(ts(l.created)),
        updated: Some(ts(l.created)),
        name: l.name,
        level: l.level,
        message: l.message,
        timestamp: ts(l.timestamp),
        flow_run_id: l.flow_run_id.map(|u| u.to_string()),
        task_run_id: l.task_run_id.map(|u| u.to_string()),
    }
}

/// A policy decision as Prefect's orchestration result.
pub fn orchestration(
    decision: &Decision,
    current: Option<&State>,
) -> wire::states::OrchestrationResult {
    let mut details = wire::Object::new();
    let (status, kind) = match decision {
        Decision::Accept(_) => ("ACCEPT", "accept_details"),
        Decision::Reject { reason, .. } => {
            details.insert("reason".into(), Value::from(reason.clone()));
            ("REJECT", "reject_details")
        }
        Decision::Wait {
            delay_seconds,
            reason,
        } => {
            details.insert("delay_seconds".into(), Value::from(*delay_seconds));
            details.insert("reason".into(), Value::from(reason.clone()));
            ("WAIT", "wait_details")
        }
        Decision::Abort { reason } => {
            details.insert("reason".into(), Value::from(reason.clone()));
            ("ABORT", "abort_details")
        }
    };
    details.insert("type".into(), Value::from(kind));
    wire::states::OrchestrationResult {
        state: current.map(state),
        status: status.into(),
        details,
    }
}

/// A deployment on the wire. Its status is READY while something polled it within the last minute.
pub fn deployment(
    d: crate::domain::deployment::Deployment,
    now: Ts,
) -> wire::deployments::Deployment {
    let ready = d
        .last_polled
        .is_some_and(|t| time::seconds_between(t, now) < 60.0);
    wire::deployments::Deployment {
        id: d.id.to_string(),
        created: Some(ts(d.created)),
        updated: Some(ts(d.updated)),
        name: d.name,
        version: d.version,
        version_info: d.version_info,
        description: d.description,
        flow_id: d.flow_id.to_string(),
        paused: d.paused,
        schedules: d.schedules.into_iter().map(deployment_schedule).collect(),
        concurrency_limit: d.concurrency_limit,
        global_concurrency_limit: None,
        concurrency_options: d.concurrency_options.map(|o| o.to_value()),
        job_variables: d.job_variables,
        parameters: d.parameters,
        tags: d.tags,
        labels: d.labels,
        work_queue_name: d.work_queue_name,
        work_queue_id: d.work_queue_id.map(|u| u.to_string()),
        last_polled: opt(d.last_polled),
        parameter_openapi_schema: d.parameter_openapi_schema,
        path: d.path,
        pull_steps: d.pull_steps,
        entrypoint: d.entrypoint,
        storage_document_id: d.storage_document_id.map(|u| u.to_string()),
        infrastructure_document_id: d.infrastructure_document_id.map(|u| u.to_string()),
        created_by: None,
        updated_by: None,
        work_pool_name: d.work_pool_name,
        status: if ready { "READY" } else { "NOT_READY" }.into(),
        enforce_parameter_schema: d.enforce_parameter_schema,
    }
}

/// A deployment schedule on the wire.
pub fn deployment_schedule(
    s: crate::domain::deployment::DeploymentSchedule,
) -> wire::deployments::DeploymentSchedule {
    wire::deployments::DeploymentSchedule {
        id: s.id.to_string(),
        created: Some(ts(s.created)),
        updated: Some(ts(s.updated)),
        deployment_id: Some(s.deployment_id.to_string()),
        schedule: super::schedules::schedule_json(&s.schedule),
        active: s.active,
        max_scheduled_runs: s.max_scheduled_runs,
        parameters: s.parameters,
        slug: s.slug,
    }
}
