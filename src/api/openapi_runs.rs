//! The `/api/openapi.json` entries of resuming runs and their inputs, the bulk operations and saved
//! searches, in their route tables' order.

use super::bulk as bk;
use super::openapi_answers::answer;
use super::openapi_bodies::json;
use super::openapi_table::{op, with, Op};
use super::run_inputs as ri;
use super::saved_searches as ss;
use super::task_workers as tw;
use crate::wire::bulk as wb;
use crate::wire::flow_runs::DeploymentFlowRunCreate;
use crate::wire::run_inputs as w;
use crate::wire::saved_searches as wss;
use crate::wire::task_workers as wtw;

/// The operations.
pub const OPERATIONS: &[Op] = &[
    with(
        "post",
        "/flow_runs/{id}/resume",
        "Resume a paused flow run",
        json::<w::ResumeFlowRun>,
    )
    .returns(answer(ri::resume)),
    with(
        "post",
        "/flow_runs/{id}/input",
        "Send a keyed value to a flow run",
        json::<w::FlowRunInputCreate>,
    )
    .returns(answer(ri::create)),
    with(
        "post",
        "/flow_runs/{id}/input/filter",
        "Values sent to a flow run, by key prefix",
        json::<w::FlowRunInputFilter>,
    )
    .returns(answer(ri::filter)),
    op(
        "get",
        "/flow_runs/{id}/input/{key}",
        "A value sent to a flow run (plain text)",
    )
    .returns(answer(ri::read)),
    op(
        "delete",
        "/flow_runs/{id}/input/{key}",
        "Delete a value sent to a flow run",
    )
    .returns(answer(ri::delete)),
    with(
        "post",
        "/flow_runs/bulk_delete",
        "Delete up to 50 flow runs a filter picks",
        json::<wb::FlowRunBulkDelete>,
    )
    .returns(answer(bk::delete_flow_runs)),
    with(
        "post",
        "/flow_runs/bulk_set_state",
        "Set the state of up to 50 flow runs a filter picks",
        json::<wb::FlowRunBulkSetState>,
    )
    .returns(answer(bk::set_flow_run_states)),
    with(
        "post",
        "/deployments/bulk_delete",
        "Delete up to 50 deployments a filter picks",
        json::<wb::DeploymentBulkDelete>,
    )
    .returns(answer(bk::delete_deployments)),
    with(
        "post",
        "/flows/bulk_delete",
        "Delete up to 50 flows a filter picks",
        json::<wb::FlowBulkDelete>,
    )
    .returns(answer(bk::delete_flows)),
    with(
        "post",
        "/deployments/{id}/create_flow_run/bulk",
        "Create up to 100 runs of a deployment",
        json::<Vec<DeploymentFlowRunCreate>>,
    )
    .returns(answer(bk::create_flow_runs)),
    with(
        "put",
        "/saved_searches/",
        "Save a search under a name",
        json::<wss::SavedSearchCreate>,
    )
    .returns(answer(ss::save)),
    with(
        "post",
        "/saved_searches/filter",
        "Saved searches by name",
        json::<wss::SavedSearchFilter>,
    )
    .returns(answer(ss::filter)),
    op("get", "/saved_searches/{id}", "Read a saved search").returns(answer(ss::read)),
    op("delete", "/saved_searches/{id}", "Delete a saved search").returns(answer(ss::delete)),
    op(
        "get",
        "/task_runs/subscriptions/scheduled",
        "Task workers websocket: background task runs, one worker each",
    )
    .returns(answer(tw::subscribe)),
    with(
        "post",
        "/task_workers/filter",
        "The task workers connected now",
        json::<wtw::TaskWorkerFilterRequest>,
    )
    .returns(answer(tw::filter)),
];
