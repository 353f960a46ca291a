//! The table behind `/api/openapi.json`: one entry per route of `api::router` (method, path, summary, body
//! shape, query parameters), in the route table's order (the work pool and queue routes are in
//! `openapi_pools.rs`). `openapi_tests.rs` fails when a route is missing.

use super::openapi_schemas::Body;

/// One documented operation: method, path under `/api`, summary, request body, query parameters.
pub struct Op {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub body: Option<Body>,
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
    body: Body,
) -> Op {
    Op {
        method,
        path,
        summary,
        body: Some(body),
        query: &[],
    }
}

const fn q(
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

use Body::*;

/// Every documented operation: this table, then the work pool and queue routes' (`openapi_pools.rs`).
pub fn operations() -> impl Iterator<Item = &'static Op> {
    OPERATIONS.iter().chain(super::openapi_pools::OPERATIONS)
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
        FlowCreate,
    ),
    with("post", "/flows/filter", "Filter flows", Filter),
    with("post", "/flows/count", "Count flows", Filter),
    op("get", "/flows/name/{name}", "Read a flow by name"),
    op("get", "/flows/{id}", "Read a flow"),
    op("delete", "/flows/{id}", "Delete a flow"),
    with("post", "/flow_runs/", "Create a flow run", FlowRunCreate),
    with("post", "/flow_runs/filter", "Filter flow runs", Filter),
    with("post", "/flow_runs/count", "Count flow runs", Filter),
    with(
        "post",
        "/flow_runs/history",
        "Runs over time by state",
        History,
    ),
    op("get", "/flow_runs/{id}", "Read a flow run"),
    with(
        "patch",
        "/flow_runs/{id}",
        "Update a flow run",
        FlowRunUpdate,
    ),
    op("delete", "/flow_runs/{id}", "Delete a flow run"),
    with("patch", "/flow_runs/{id}/labels", "Merge labels", AnyObject),
    with(
        "post",
        "/flow_runs/{id}/set_state",
        "Propose a state",
        SetState,
    ),
    q(
        "get",
        "/flow_run_states/",
        "A flow run's states",
        &[("flow_run_id", true)],
    ),
    with("post", "/task_runs/", "Create a task run", TaskRunCreate),
    with("post", "/task_runs/filter", "Filter task runs", Filter),
    with("post", "/task_runs/count", "Count task runs", Filter),
    op("get", "/task_runs/{id}", "Read a task run"),
    op("delete", "/task_runs/{id}", "Delete a task run"),
    with(
        "post",
        "/task_runs/{id}/set_state",
        "Propose a task run state",
        SetState,
    ),
    q(
        "get",
        "/task_run_states/",
        "A task run's states",
        &[("task_run_id", true)],
    ),
    with("post", "/logs/", "Write a batch of logs", Logs),
    with("post", "/logs/filter", "Filter logs", Filter),
    op("get", "/logs/out", "Logs websocket (server to client)"),
    with(
        "post",
        "/deployments/",
        "Create or update a deployment",
        DeploymentCreate,
    ),
    with("post", "/deployments/filter", "Filter deployments", Filter),
    with("post", "/deployments/count", "Count deployments", Filter),
    with(
        "post",
        "/deployments/get_scheduled_flow_runs",
        "Due runs of deployments",
        DeploymentRuns,
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
        DeploymentUpdate,
    ),
    op("delete", "/deployments/{id}", "Delete a deployment"),
    with(
        "post",
        "/deployments/{id}/create_flow_run",
        "Run a deployment",
        DeploymentRun,
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
        AnyObject,
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
        Schedules,
    ),
    with(
        "patch",
        "/deployments/{id}/schedules/{schedule_id}",
        "Update a schedule",
        ScheduleUpdate,
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
    with("post", "/variables/", "Create a variable", VariableCreate),
    with("post", "/variables/filter", "Filter variables", Filter),
    with("post", "/variables/count", "Count variables", Filter),
    op("get", "/variables/name/{name}", "Read a variable by name"),
    with(
        "patch",
        "/variables/name/{name}",
        "Update a variable by name",
        VariableUpdate,
    ),
    op(
        "delete",
        "/variables/name/{name}",
        "Delete a variable by name",
    ),
    op("get", "/variables/{id}", "Read a variable"),
    with(
        "patch",
        "/variables/{id}",
        "Update a variable",
        VariableUpdate,
    ),
    op("delete", "/variables/{id}", "Delete a variable"),
    with("post", "/artifacts/", "Create an artifact", ArtifactCreate),
    with("post", "/artifacts/filter", "Filter artifacts", Filter),
    with("post", "/artifacts/count", "Count artifacts", Filter),
    with(
        "post",
        "/artifacts/latest/filter",
        "Filter latest artifacts",
        Filter,
    ),
    with(
        "post",
        "/artifacts/latest/count",
        "Count latest artifacts",
        Filter,
    ),
    op("get", "/artifacts/{key}/latest", "Latest artifact by key"),
    op("get", "/artifacts/{id}", "Read an artifact"),
    with(
        "patch",
        "/artifacts/{id}",
        "Update an artifact",
        ArtifactUpdate,
    ),
    op("delete", "/artifacts/{id}", "Delete an artifact"),
    with(
        "post",
        "/v2/concurrency_limits/increment",
        "Take slots of global concurrency limits",
        Slots,
    ),
    with(
        "post",
        "/v2/concurrency_limits/increment-with-lease",
        "Take slots of global concurrency limits under a lease",
        LeaseSlots,
    ),
    with(
        "post",
        "/v2/concurrency_limits/decrement",
        "Give back slots of global concurrency limits",
        Slots,
    ),
    with(
        "post",
        "/v2/concurrency_limits/decrement-with-lease",
        "Release a lease and its slots",
        LeaseRelease,
    ),
    with(
        "post",
        "/v2/concurrency_limits/leases/{lease_id}/renew",
        "Renew a lease",
        LeaseRenew,
    ),
    with(
        "post",
        "/baton/schedules/preview",
        "Preview a schedule's next times",
        Preview,
    ),
    op(
        "get",
        "/baton/flow_runs/{id}/why",
        "Why a run has not started",
    ),
    with(
        "post",
        "/baton/flow_runs/page",
        "A keyset page of runs",
        AnyObject,
    ),
    op(
        "get",
        "/baton/deployments/{id}/catchup",
        "A deployment's catch-up policy",
    ),
    with(
        "put",
        "/baton/deployments/{id}/catchup",
        "Set a deployment's catch-up policy",
        Catchup,
    ),
    with(
        "post",
        "/baton/deployments/summary",
        "Deployment summaries",
        AnyObject,
    ),
    q(
        "get",
        "/baton/live",
        "Live server-sent events",
        &[("flow_run_id", false)],
    ),
];
