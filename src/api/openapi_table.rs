//! The table behind `/api/openapi.json`: one entry per route of `api::router` (method, path, summary, body
//! shape, query parameters), in the route table's order (the work pool and queue routes are in
//! `openapi_pools.rs`). `openapi_tests.rs` fails when a route is missing.

use super::openapi_bodies::{self as b, json, BodyFn};
use crate::wire::{deployments, flow_runs, flows, logs, states, task_runs};

/// One documented operation: method, path under `/api`, summary, request body, query parameters.
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub body: Option<BodyFn>,
    pub query: &'static [(&'static str, bool)],
}

pub(super) const fn op(method: &'static str, path: &'static str, summary: &'static str) -> Op {
    Op {
        method,
        path,
        summary,
        body: None,
        query: &[],
    }
}

pub(super) const fn with(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    body: BodyFn,
) -> Op {
    Op {
        method,
        path,
        summary,
        body: Some(body),
        query: &[],
    }
}

pub(super) const fn q(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    query: &'static [(&'static str, bool)],
) -> Op {
    Op {
        method,
        path,
        summary,
        body: None,
        query,
    }
}

/// Every documented operation: this table, then the variable, artifact, concurrency and Baton routes'
/// (`openapi_more.rs`), then the work pool and queue routes' (`openapi_pools.rs`).
pub fn operations() -> impl Iterator<Item = &'static Op> {
    OPERATIONS
        .iter()
        .chain(super::openapi_more::OPERATIONS)
        .chain(super::openapi_pools::OPERATIONS)
}

/// Every route of `api::router` but the work pool and queue routes, in the route table's order.
const OPERATIONS: &[Op] = &[
    op("get", "/health", "Liveness: always true"),
    op("get", "/ready", "Readiness"),
    op("get", "/version", "API version"),
    op(
        "get",
        "/admin/version",
        "The Prefect server version Baton is compatible with",
    ),
    op("get", "/admin/storage", "Storage statistics"),
    op(
        "get",
        "/csrf-token",
        "CSRF token (422: CSRF protection is disabled)",
    ),
    op("get", "/openapi.json", "This document"),
    with(
        "post",
        "/flows/",
        "Create a flow (200 when it exists)",
        json::<flows::FlowCreate>,
    ),
    with("post", "/flows/filter", "Filter flows", b::flows_filter),
    with("post", "/flows/count", "Count flows", b::flows_count),
    op("get", "/flows/name/{name}", "Read a flow by name"),
    op("get", "/flows/{id}", "Read a flow"),
    op("delete", "/flows/{id}", "Delete a flow"),
    with(
        "post",
        "/flow_runs/",
        "Create a flow run",
        json::<flow_runs::FlowRunCreate>,
    ),
    with(
        "post",
        "/flow_runs/filter",
        "Filter flow runs",
        b::flow_runs_filter,
    ),
    with(
        "post",
        "/flow_runs/count",
        "Count flow runs",
        b::flow_runs_count,
    ),
    with(
        "post",
        "/flow_runs/history",
        "Runs over time by state",
        b::history,
    ),
    op("get", "/flow_runs/{id}", "Read a flow run"),
    with(
        "patch",
        "/flow_runs/{id}",
        "Update a flow run",
        json::<flow_runs::FlowRunUpdate>,
    ),
    op("delete", "/flow_runs/{id}", "Delete a flow run"),
    with(
        "patch",
        "/flow_runs/{id}/labels",
        "Merge labels",
        b::any_object,
    ),
    with(
        "post",
        "/flow_runs/{id}/set_state",
        "Propose a state",
        json::<states::SetState>,
    ),
    q(
        "get",
        "/flow_run_states/",
        "A flow run's states",
        &[("flow_run_id", true)],
    ),
    with(
        "post",
        "/task_runs/",
        "Create a task run",
        json::<task_runs::TaskRunCreate>,
    ),
    with(
        "post",
        "/task_runs/filter",
        "Filter task runs",
        b::task_runs_filter,
    ),
    with(
        "post",
        "/task_runs/count",
        "Count task runs",
        b::task_runs_count,
    ),
    op("get", "/task_runs/{id}", "Read a task run"),
    op("delete", "/task_runs/{id}", "Delete a task run"),
    with(
        "post",
        "/task_runs/{id}/set_state",
        "Propose a task run state",
        json::<states::SetState>,
    ),
    q(
        "get",
        "/task_run_states/",
        "A task run's states",
        &[("task_run_id", true)],
    ),
    with(
        "post",
        "/logs/",
        "Write a batch of logs",
        json::<Vec<logs::LogCreate>>,
    ),
    with("post", "/logs/filter", "Filter logs", b::logs_filter),
    op("get", "/logs/out", "Logs websocket (server to client)"),
    with(
        "post",
        "/deployments/",
        "Create or update a deployment",
        json::<deployments::DeploymentCreate>,
    ),
    with(
        "post",
        "/deployments/filter",
        "Filter deployments",
        b::deployments_filter,
    ),
    with(
        "post",
        "/deployments/count",
        "Count deployments",
        b::deployments_count,
    ),
    with(
        "post",
        "/deployments/get_scheduled_flow_runs",
        "Due runs of deployments",
        json::<deployments::ScheduledRunsRequest>,
    ),
    op(
        "get",
        "/deployments/name/{flow}/{name}",
        "Read a deployment by flow and name",
    ),
    op("get", "/deployments/{id}", "Read a deployment"),
    with(
        "patch",
        "/deployments/{id}",
        "Update a deployment",
        json::<deployments::DeploymentUpdate>,
    ),
    op("delete", "/deployments/{id}", "Delete a deployment"),
    with(
        "post",
        "/deployments/{id}/create_flow_run",
        "Run a deployment",
        json::<flow_runs::DeploymentFlowRunCreate>,
    ),
    op(
        "post",
        "/deployments/{id}/pause_deployment",
        "Pause a deployment",
    ),
    op(
        "post",
        "/deployments/{id}/resume_deployment",
        "Resume a deployment",
    ),
    with(
        "post",
        "/deployments/{id}/schedule",
        "Schedule runs now",
        json::<flow_runs::ScheduleWindowRequest>,
    ),
    op(
        "get",
        "/deployments/{id}/schedules",
        "A deployment's schedules",
    ),
    with(
        "post",
        "/deployments/{id}/schedules",
        "Add schedules",
        json::<Vec<deployments::DeploymentScheduleCreate>>,
    ),
    with(
        "patch",
        "/deployments/{id}/schedules/{schedule_id}",
        "Update a schedule",
        json::<deployments::DeploymentScheduleUpdate>,
    ),
    op(
        "delete",
        "/deployments/{id}/schedules/{schedule_id}",
        "Delete a schedule",
    ),
    op(
        "delete",
        "/automations/owned-by/{resource}",
        "Automations (none): delete",
    ),
    op(
        "get",
        "/automations/related-to/{resource}",
        "Automations (none): list",
    ),
    op(
        "get",
        "/collections/views/aggregate-worker-metadata",
        "Worker types",
    ),
    op("get", "/events/in", "Events websocket (client to server)"),
    op("get", "/events/out", "Events websocket (server to client)"),
];
