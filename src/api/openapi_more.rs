//! The `/api/openapi.json` entries of the variable, artifact, global concurrency and Baton routes, kept
//! apart from `openapi_table.rs` so that each table stays short.

use super::openapi_bodies::{self as b, json};
use super::openapi_table::{op, q, with, Op};
use crate::wire::{artifacts, concurrency, dashboard, variables};

/// The variable, artifact, concurrency and `/baton/` operations, in the route table's order.
pub const OPERATIONS: &[Op] = &[
    with(
        "post",
        "/variables/",
        "Create a variable",
        json::<variables::VariableCreate>,
    ),
    with(
        "post",
        "/variables/filter",
        "Filter variables",
        b::variables_filter,
    ),
    with(
        "post",
        "/variables/count",
        "Count variables",
        b::variables_count,
    ),
    op("get", "/variables/name/{name}", "Read a variable by name"),
    with(
        "patch",
        "/variables/name/{name}",
        "Update a variable by name",
        json::<variables::VariableUpdate>,
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
        json::<variables::VariableUpdate>,
    ),
    op("delete", "/variables/{id}", "Delete a variable"),
    with(
        "post",
        "/artifacts/",
        "Create an artifact",
        json::<artifacts::ArtifactCreate>,
    ),
    with(
        "post",
        "/artifacts/filter",
        "Filter artifacts",
        b::artifacts_filter,
    ),
    with(
        "post",
        "/artifacts/count",
        "Count artifacts",
        b::artifacts_count,
    ),
    with(
        "post",
        "/artifacts/latest/filter",
        "Filter latest artifacts",
        b::latest_artifacts_filter,
    ),
    with(
        "post",
        "/artifacts/latest/count",
        "Count latest artifacts",
        b::latest_artifacts_count,
    ),
    op("get", "/artifacts/{key}/latest", "Latest artifact by key"),
    op("get", "/artifacts/{id}", "Read an artifact"),
    with(
        "patch",
        "/artifacts/{id}",
        "Update an artifact",
        json::<artifacts::ArtifactUpdate>,
    ),
    op("delete", "/artifacts/{id}", "Delete an artifact"),
    with(
        "post",
        "/v2/concurrency_limits/increment",
        "Take slots of global concurrency limits",
        json::<concurrency::IncrementBody>,
    ),
    with(
        "post",
        "/v2/concurrency_limits/increment-with-lease",
        "Take slots of global concurrency limits under a lease",
        json::<concurrency::LeaseSlotsBody>,
    ),
    with(
        "post",
        "/v2/concurrency_limits/decrement",
        "Give back slots of global concurrency limits",
        json::<concurrency::DecrementBody>,
    ),
    with(
        "post",
        "/v2/concurrency_limits/decrement-with-lease",
        "Release a lease and its slots",
        json::<concurrency::ReleaseBody>,
    ),
    with(
        "post",
        "/v2/concurrency_limits/leases/{lease_id}/renew",
        "Renew a lease",
        json::<concurrency::RenewBody>,
    ),
    with(
        "post",
        "/baton/schedules/preview",
        "Preview a schedule's next times",
        json::<dashboard::SchedulePreviewRequest>,
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
        b::run_page,
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
        json::<dashboard::CatchupPolicy>,
    ),
    with(
        "post",
        "/baton/deployments/summary",
        "Deployment summaries",
        json::<dashboard::DeploymentSummaryRequest>,
    ),
    q(
        "get",
        "/baton/live",
        "Live server-sent events",
        &[("flow_run_id", false)],
    ),
];
