//! The table behind `/api/openapi.json`: one entry per route of `api::router` (method, path, summary, body
//! shape, query parameters), in the route table's order (the work pool and queue routes are in
//! `openapi_pools.rs`). `openapi_tests.rs` fails when a route is missing.

use super::openapi_answers::{answer, AnswerFn};
use super::openapi_bodies::{self as b, json, BodyFn};
use crate::wire::{deployments, flow_runs, flows, logs, states, task_runs};

/// One documented operation: method, path under `/api`, summary, request body, query parameters.
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub body: Option<BodyFn>,
    /// The handler's answer (`openapi_answers`).
    pub response: Option<AnswerFn>,
    pub query: &'static [(&'static str, bool)],
}

pub(super) const fn op(method: &'static str, path: &'static str, summary: &'static str) -> Op {
    Op {
        method,
        path,
        summary,
        body: None,
        response: None,
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
        response: None,
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
        response: None,
        query,
    }
}

impl Op {
    /// The same operation, answering what `response` describes.
    pub(super) const fn returns(self, response: AnswerFn) -> Op {
        Op {
            response: Some(response),
            ..self
        }
    }
}

/// Every documented operation: this table, then the variable, artifact, concurrency and Baton routes'
/// (`openapi_more.rs`), then the work pool and queue routes' (`openapi_pools.rs`).
pub fn operations() -> impl Iterator<Item = &'static Op> {
    OPERATIONS
        .iter()
        .chain(super::openapi_more::OPERATIONS)
        .chain(super::openapi_pools::OPERATIONS)
        .chain(super::openapi_blocks::OPERATIONS)
        .chain(super::openapi_concurrency::OPERATIONS)
        .chain(super::openapi_automations::OPERATIONS)
        .chain(super::openapi_runs::OPERATIONS)
        .chain(super::openapi_read::OPERATIONS)
}

/// Every route of `api::router` but the work pool and queue routes, in the route table's order.
const OPERATIONS: &[Op] = &[
    op("get", "/health", "Liveness: always true").returns(answer(super::admin::health)),
    op("get", "/hello", "Prefect's greeting").returns(answer(super::admin::hello)),
    op("get", "/ready", "Readiness").returns(answer(super::admin::ready)),
    op("get", "/version", "API version").returns(answer(super::admin::version)),
    op(
        "get",
        "/admin/version",
        "The Prefect server version Baton is compatible with",
    )
    .returns(answer(super::admin::server_version)),
    op("get", "/admin/storage", "The default result storage block")
        .returns(answer(super::admin::storage)),
    with(
        "put",
        "/admin/storage",
        "Set the default result storage block",
        json::<crate::wire::ServerDefaultResultStorageUpdate>,
    )
    .returns(answer(super::admin::set_storage)),
    op(
        "delete",
        "/admin/storage",
        "Clear the default result storage block",
    )
    .returns(answer(super::admin::clear_storage)),
    op("get", "/admin/settings", "The server's settings").returns(answer(super::admin::settings)),
    op(
        "get",
        "/csrf-token",
        "CSRF token (422: CSRF protection is disabled)",
    )
    .returns(answer(super::admin::csrf_token)),
    op("get", "/openapi.json", "This document").returns(answer(super::openapi::serve)),
    with(
        "post",
        "/flows/",
        "Create a flow (200 when it exists)",
        json::<flows::FlowCreate>,
    )
    .returns(answer(super::flows::create)),
    with("post", "/flows/filter", "Filter flows", b::flows_filter)
        .returns(answer(super::flows::filter)),
    with("post", "/flows/count", "Count flows", b::flows_count)
        .returns(answer(super::flows::count)),
    op("get", "/flows/name/{name}", "Read a flow by name").returns(answer(super::flows::by_name)),
    op("get", "/flows/{id}", "Read a flow").returns(answer(super::flows::get)),
    with(
        "patch",
        "/flows/{id}",
        "Replace a flow's tags",
        json::<flows::FlowUpdate>,
    )
    .returns(answer(super::flows::update)),
    op("delete", "/flows/{id}", "Delete a flow").returns(answer(super::flows::delete)),
    with(
        "post",
        "/flow_runs/",
        "Create a flow run",
        json::<flow_runs::FlowRunCreate>,
    )
    .returns(answer(super::flow_runs::create)),
    with(
        "post",
        "/flow_runs/filter",
        "Filter flow runs",
        b::flow_runs_filter,
    )
    .returns(answer(super::flow_runs::filter)),
    with(
        "post",
        "/flow_runs/count",
        "Count flow runs",
        b::flow_runs_count,
    )
    .returns(answer(super::flow_runs::count)),
    with(
        "post",
        "/flow_runs/history",
        "Runs over time by state",
        b::history,
    )
    .returns(answer(super::dashboard::history)),
    op("get", "/flow_runs/{id}", "Read a flow run").returns(answer(super::flow_runs::get)),
    with(
        "patch",
        "/flow_runs/{id}",
        "Update a flow run",
        json::<flow_runs::FlowRunUpdate>,
    )
    .returns(answer(super::flow_runs::update)),
    op("delete", "/flow_runs/{id}", "Delete a flow run").returns(answer(super::flow_runs::delete)),
    with(
        "patch",
        "/flow_runs/{id}/labels",
        "Merge labels",
        b::any_object,
    )
    .returns(answer(super::flow_runs::update_labels)),
    with(
        "post",
        "/flow_runs/{id}/set_state",
        "Propose a state",
        json::<states::SetState>,
    )
    .returns(answer(super::flow_runs::set_state)),
    q(
        "get",
        "/flow_run_states/",
        "A flow run's states",
        &[("flow_run_id", true)],
    )
    .returns(answer(super::flow_runs::states)),
    op("get", "/flow_run_states/{id}", "A flow run state").returns(answer(super::flow_runs::state)),
    with(
        "post",
        "/task_runs/",
        "Create a task run",
        json::<task_runs::TaskRunCreate>,
    )
    .returns(answer(super::task_runs::create)),
    with(
        "post",
        "/task_runs/filter",
        "Filter task runs",
        b::task_runs_filter,
    )
    .returns(answer(super::task_runs::filter)),
    with(
        "post",
        "/task_runs/count",
        "Count task runs",
        b::task_runs_count,
    )
    .returns(answer(super::task_runs::count)),
    op("get", "/task_runs/{id}", "Read a task run").returns(answer(super::task_runs::get)),
    with(
        "patch",
        "/task_runs/{id}",
        "Rename a task run",
        json::<task_runs::TaskRunUpdate>,
    )
    .returns(answer(super::task_runs::update)),
    op("delete", "/task_runs/{id}", "Delete a task run").returns(answer(super::task_runs::delete)),
    with(
        "post",
        "/task_runs/{id}/set_state",
        "Propose a task run state",
        json::<states::SetState>,
    )
    .returns(answer(super::task_runs::set_state)),
    q(
        "get",
        "/task_run_states/",
        "A task run's states",
        &[("task_run_id", true)],
    )
    .returns(answer(super::task_runs::states)),
    op("get", "/task_run_states/{id}", "A task run state").returns(answer(super::task_runs::state)),
    with(
        "post",
        "/logs/",
        "Write a batch of logs",
        json::<Vec<logs::LogCreate>>,
    )
    .returns(answer(super::logs::create)),
    with("post", "/logs/filter", "Filter logs", b::logs_filter)
        .returns(answer(super::logs::filter)),
    op("get", "/logs/out", "Logs websocket (server to client)")
        .returns(answer(super::logs_ws::logs_out)),
    with(
        "post",
        "/deployments/",
        "Create or update a deployment",
        json::<deployments::DeploymentCreate>,
    )
    .returns(answer(super::deployments::create)),
    with(
        "post",
        "/deployments/filter",
        "Filter deployments",
        b::deployments_filter,
    )
    .returns(answer(super::deployments::filter)),
    with(
        "post",
        "/deployments/count",
        "Count deployments",
        b::deployments_count,
    )
    .returns(answer(super::deployments::count)),
    with(
        "post",
        "/deployments/get_scheduled_flow_runs",
        "Due runs of deployments",
        json::<deployments::ScheduledRunsRequest>,
    )
    .returns(answer(super::deployments::scheduled_runs)),
    op(
        "get",
        "/deployments/name/{flow}/{name}",
        "Read a deployment by flow and name",
    )
    .returns(answer(super::deployments::by_name)),
    op("get", "/deployments/{id}", "Read a deployment").returns(answer(super::deployments::get)),
    with(
        "patch",
        "/deployments/{id}",
        "Update a deployment",
        json::<deployments::DeploymentUpdate>,
    )
    .returns(answer(super::deployments::update)),
    op("delete", "/deployments/{id}", "Delete a deployment")
        .returns(answer(super::deployments::delete)),
    with(
        "post",
        "/deployments/{id}/create_flow_run",
        "Run a deployment",
        json::<flow_runs::DeploymentFlowRunCreate>,
    )
    .returns(answer(super::deployments::create_flow_run)),
    op(
        "post",
        "/deployments/{id}/pause_deployment",
        "Pause a deployment",
    )
    .returns(answer(super::deployments::pause)),
    op(
        "post",
        "/deployments/{id}/resume_deployment",
        "Resume a deployment",
    )
    .returns(answer(super::deployments::resume)),
    with(
        "post",
        "/deployments/{id}/schedule",
        "Schedule runs now",
        json::<flow_runs::ScheduleWindowRequest>,
    )
    .returns(answer(super::deployments::schedule_now)),
    op(
        "get",
        "/deployments/{id}/schedules",
        "A deployment's schedules",
    )
    .returns(answer(super::deployments::schedules)),
    with(
        "post",
        "/deployments/{id}/schedules",
        "Add schedules",
        json::<Vec<deployments::DeploymentScheduleCreate>>,
    )
    .returns(answer(super::deployments::add_schedules)),
    with(
        "patch",
        "/deployments/{id}/schedules/{schedule_id}",
        "Update a schedule",
        json::<deployments::DeploymentScheduleUpdate>,
    )
    .returns(answer(super::deployments::update_schedule)),
    op(
        "delete",
        "/deployments/{id}/schedules/{schedule_id}",
        "Delete a schedule",
    )
    .returns(answer(super::deployments::delete_schedule)),
    op(
        "get",
        "/collections/views/{view}",
        "A view of the collection registry (the worker types)",
    )
    .returns(answer(super::work_pools::collection_view)),
    op("get", "/events/in", "Events websocket (client to server)")
        .returns(answer(super::events::events_in)),
    op("get", "/events/out", "Events websocket (server to client)")
        .returns(answer(super::events::events_out)),
];
