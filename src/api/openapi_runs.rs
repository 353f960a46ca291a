//! The `/api/openapi.json` entries of the routes issue 18 added: resuming runs and their inputs, in the
//! route tables' order.

use super::openapi_answers::answer;
use super::openapi_bodies::json;
use super::openapi_table::{op, with, Op};
use super::run_inputs as ri;
use crate::wire::run_inputs as w;

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
];
