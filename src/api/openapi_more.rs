//! The `/api/openapi.json` entries of the variable, artifact and Baton routes, kept
//! apart from `openapi_table.rs` so that each table stays short.

use super::openapi_answers::answer;
use super::openapi_bodies::{self as b, json};
use super::openapi_table::{op, q, with, Op};
use crate::wire::{artifacts, dashboard, variables};

/// The variable, artifact and `/baton/` operations, in the route table's order.
pub const OPERATIONS: &[Op] = &[
    with(
        "post",
        "/variables/",
        "Create a variable",
        json::<variables::VariableCreate>,
    )
    .returns(answer(super::variables::create)),
    with(
        "post",
        "/variables/filter",
        "Filter variables",
        b::variables_filter,
    )
    .returns(answer(super::variables::filter)),
    with(
        "post",
        "/variables/count",
        "Count variables",
        b::variables_count,
    )
    .returns(answer(super::variables::count)),
    op("get", "/variables/name/{name}", "Read a variable by name")
        .returns(answer(super::variables::get_by_name)),
    with(
        "patch",
        "/variables/name/{name}",
        "Update a variable by name",
        json::<variables::VariableUpdate>,
    )
    .returns(answer(super::variables::update_by_name)),
    op(
        "delete",
        "/variables/name/{name}",
        "Delete a variable by name",
    )
    .returns(answer(super::variables::delete_by_name)),
    op("get", "/variables/{id}", "Read a variable").returns(answer(super::variables::get)),
    with(
        "patch",
        "/variables/{id}",
        "Update a variable",
        json::<variables::VariableUpdate>,
    )
    .returns(answer(super::variables::update)),
    op("delete", "/variables/{id}", "Delete a variable").returns(answer(super::variables::delete)),
    with(
        "post",
        "/artifacts/",
        "Create an artifact",
        json::<artifacts::ArtifactCreate>,
    )
    .returns(answer(super::artifacts::create)),
    with(
        "post",
        "/artifacts/filter",
        "Filter artifacts",
        b::artifacts_filter,
    )
    .returns(answer(super::artifacts::filter)),
    with(
        "post",
        "/artifacts/count",
        "Count artifacts",
        b::artifacts_count,
    )
    .returns(answer(super::artifacts::count)),
    with(
        "post",
        "/artifacts/latest/filter",
        "Filter latest artifacts",
        b::latest_artifacts_filter,
    )
    .returns(answer(super::artifacts::latest_filter)),
    with(
        "post",
        "/artifacts/latest/count",
        "Count latest artifacts",
        b::latest_artifacts_count,
    )
    .returns(answer(super::artifacts::latest_count)),
    op("get", "/artifacts/{key}/latest", "Latest artifact by key")
        .returns(answer(super::artifacts::latest)),
    op("get", "/artifacts/{id}", "Read an artifact").returns(answer(super::artifacts::get)),
    with(
        "patch",
        "/artifacts/{id}",
        "Update an artifact",
        json::<artifacts::ArtifactUpdate>,
    )
    .returns(answer(super::artifacts::update)),
    op("delete", "/artifacts/{id}", "Delete an artifact").returns(answer(super::artifacts::delete)),
    with(
        "post",
        "/baton/schedules/preview",
        "Preview a schedule's next times",
        json::<dashboard::SchedulePreviewRequest>,
    )
    .returns(answer(super::schedules::preview)),
    op(
        "get",
        "/baton/flow_runs/{id}/why",
        "Why a run has not started",
    )
    .returns(answer(super::flow_runs::why)),
    with(
        "post",
        "/baton/flow_runs/page",
        "A keyset page of runs",
        b::run_page,
    )
    .returns(answer(super::dashboard::page)),
    op(
        "get",
        "/baton/deployments/{id}/catchup",
        "A deployment's catch-up policy",
    )
    .returns(answer(super::catchup::get)),
    with(
        "put",
        "/baton/deployments/{id}/catchup",
        "Set a deployment's catch-up policy",
        json::<dashboard::CatchupPolicy>,
    )
    .returns(answer(super::catchup::put)),
    with(
        "post",
        "/baton/deployments/summary",
        "Deployment summaries",
        json::<dashboard::DeploymentSummaryRequest>,
    )
    .returns(answer(super::dashboard::deployment_summary)),
    q(
        "get",
        "/baton/live",
        "Live server-sent events",
        &[("flow_run_id", false)],
    ),
    with(
        "post",
        "/baton/work_pools/{name}/wait",
        "Wait until there may be work in a pool (remote workers' push dispatch)",
        json::<dashboard::WaitForWork>,
    )
    .returns(answer(super::work_pools::wait_for_work)),
];
