//! The `/api/openapi.json` entries of the read models: flow run graphs, pages, the UI's aggregate reads,
//! lateness, histories, log downloads, observed states and work pool concurrency, in the route tables' order.

use super::graph as gr;
use super::openapi_answers::answer;
use super::openapi_bodies::json;
use super::openapi_table::{q, with, Op};
use super::paginate as pg;
use super::read_ops as ro;
use super::ui_ops as ui;
use crate::wire::paginate as wp;
use crate::wire::{filters as wf, ui as wu};

/// The operations.
pub const OPERATIONS: &[Op] = &[
    q(
        "get",
        "/flow_runs/{id}/graph",
        "A flow run's task runs with their upstream dependencies",
        &[],
    )
    .returns(answer(gr::dependencies)),
    q(
        "get",
        "/flow_runs/{id}/graph-v2",
        "A flow run's graph: nodes, edges, artifacts and states",
        &[("since", false)],
    )
    .returns(answer(gr::graph_v2)),
    with(
        "post",
        "/flows/paginate",
        "A page of flows, with the total count",
        json::<wp::FlowPaginateRequest>,
    )
    .returns(answer(pg::flows)),
    with(
        "post",
        "/flow_runs/paginate",
        "A page of flow runs, with the total count",
        json::<wp::FlowRunPaginateRequest>,
    )
    .returns(answer(pg::flow_runs)),
    with(
        "post",
        "/task_runs/paginate",
        "A page of task runs, with the total count",
        json::<wp::TaskRunPaginateRequest>,
    )
    .returns(answer(pg::task_runs)),
    with(
        "post",
        "/deployments/paginate",
        "A page of deployments, with the total count",
        json::<wp::DeploymentPaginateRequest>,
    )
    .returns(answer(pg::deployments)),
    q(
        "get",
        "/ui/task_runs/{id}",
        "A task run with its flow run's name",
        &[],
    )
    .returns(answer(ui::task_run)),
    with(
        "post",
        "/ui/flow_runs/count-task-runs",
        "Per flow run, its task runs (subflow wrappers left out)",
        json::<wu::FlowRunIds>,
    )
    .returns(answer(ui::count_task_runs)),
    with(
        "post",
        "/ui/flow_runs/history",
        "Runs with their duration and lateness, for the runs page's scatter plot",
        json::<wu::ScatterRequest>,
    )
    .returns(answer(ui::flow_run_history)),
    with(
        "post",
        "/ui/flows/count-deployments",
        "Per flow, its deployments",
        json::<wu::FlowIds>,
    )
    .returns(answer(ui::count_deployments)),
    with(
        "post",
        "/ui/flows/next-runs",
        "Per flow, its scheduled run due first",
        json::<wu::FlowIds>,
    )
    .returns(answer(ui::next_runs)),
    with(
        "post",
        "/ui/schemas/validate",
        "Check values against a JSON schema: the errors as a tree",
        json::<wu::SchemaValidateRequest>,
    )
    .returns(answer(ui::validate_schema)),
    with(
        "post",
        "/ui/task_runs/count",
        "Task runs by state type",
        json::<wf::TaskRunCountRequest>,
    )
    .returns(answer(ui::task_run_counts)),
    with(
        "post",
        "/ui/task_runs/dashboard/counts",
        "Finished task runs in 20 buckets, completed and failed",
        json::<wu::TaskRunDashboardRequest>,
    )
    .returns(answer(ui::dashboard_counts)),
    with(
        "post",
        "/flow_runs/lateness",
        "The average lateness in seconds of the matching flow runs",
        json::<wf::RunPageCount>,
    )
    .returns(answer(ro::lateness)),
    with(
        "post",
        "/task_runs/history",
        "Task runs per interval and state",
        json::<wu::TaskRunHistoryRequest>,
    )
    .returns(answer(ro::task_run_history)),
    q(
        "get",
        "/flow_runs/{id}/logs/download",
        "A flow run's logs as CSV",
        &[],
    )
    .returns(answer(ro::download_logs)),
    q(
        "get",
        "/observed-states",
        "The distinct states runs have been in, with when first and last",
        &[("query", false), ("order_by", false), ("limit", false)],
    )
    .returns(answer(ro::observed_states)),
    with(
        "post",
        "/work_pools/{name}/concurrency_status",
        "A work pool's runs holding slots, per queue",
        json::<wu::ConcurrencyStatusRequest>,
    )
    .returns(answer(ro::concurrency_status)),
    q(
        "get",
        "/deployments/{id}/work_queue_check",
        "The work queues a deployment's runs could go to",
        &[],
    )
    .returns(answer(ro::work_queue_check)),
];
