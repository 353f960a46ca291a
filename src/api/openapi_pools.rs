//! The `/api/openapi.json` entries of the work pool and work queue routes (`work_pools.rs`, `work_queues.rs`),
//! kept apart from `openapi_table.rs` so that each table stays short.

use super::openapi_answers::answer;
use super::openapi_bodies::json;
use super::openapi_table::{op, with, Op};
use crate::wire::{work_pools, work_queues};

/// The work pool and work queue operations, in the route table's order.
pub const OPERATIONS: &[Op] = &[
    with(
        "post",
        "/work_pools/",
        "Create a work pool",
        json::<work_pools::WorkPoolCreate>,
    )
    .returns(answer(super::work_pools::create)),
    with(
        "post",
        "/work_pools/filter",
        "Filter work pools",
        json::<work_pools::WorkPoolFilterRequest>,
    )
    .returns(answer(super::work_pools::filter)),
    with(
        "post",
        "/work_pools/count",
        "Count work pools",
        json::<work_pools::WorkPoolCountRequest>,
    )
    .returns(answer(super::work_pools::count)),
    op("get", "/work_pools/{name}", "Read a work pool").returns(answer(super::work_pools::get)),
    with(
        "patch",
        "/work_pools/{name}",
        "Update a work pool",
        json::<work_pools::WorkPoolUpdate>,
    )
    .returns(answer(super::work_pools::update)),
    op("delete", "/work_pools/{name}", "Delete a work pool")
        .returns(answer(super::work_pools::delete)),
    with(
        "post",
        "/work_pools/{name}/get_scheduled_flow_runs",
        "Due runs of a pool (workers poll this)",
        json::<work_pools::PoolRunsRequest>,
    )
    .returns(answer(super::work_pools::scheduled_runs)),
    with(
        "post",
        "/work_pools/{name}/queues",
        "Create a queue",
        json::<work_queues::WorkQueueCreate>,
    )
    .returns(answer(super::work_pools::create_queue)),
    with(
        "post",
        "/work_pools/{name}/queues/filter",
        "Filter queues",
        json::<work_queues::WorkQueueFilterRequest>,
    )
    .returns(answer(super::work_pools::filter_queues)),
    op("get", "/work_pools/{name}/queues/{queue}", "Read a queue")
        .returns(answer(super::work_pools::get_queue)),
    with(
        "patch",
        "/work_pools/{name}/queues/{queue}",
        "Update a queue",
        json::<work_queues::WorkQueueUpdate>,
    )
    .returns(answer(super::work_pools::update_queue)),
    op(
        "delete",
        "/work_pools/{name}/queues/{queue}",
        "Delete a queue",
    )
    .returns(answer(super::work_pools::delete_queue)),
    with(
        "post",
        "/work_pools/{name}/workers/heartbeat",
        "Worker heartbeat",
        json::<work_pools::Heartbeat>,
    )
    .returns(answer(super::work_pools::heartbeat)),
    with(
        "post",
        "/work_pools/{name}/workers/filter",
        "Filter workers",
        json::<work_pools::WorkerFilterRequest>,
    )
    .returns(answer(super::work_pools::filter_workers)),
    op(
        "get",
        "/work_pools/{name}/workers/connect",
        "Worker websocket (Prefect 3.9)",
    )
    .returns(answer(super::worker_channel::connect)),
    op(
        "delete",
        "/work_pools/{name}/workers/{worker}",
        "Delete a worker",
    )
    .returns(answer(super::work_pools::delete_worker)),
    with(
        "post",
        "/work_queues/",
        "Create a queue in the default pool",
        json::<work_queues::WorkQueueCreate>,
    )
    .returns(answer(super::work_queues::create)),
    with(
        "post",
        "/work_queues/filter",
        "Filter queues of every pool",
        json::<work_queues::WorkQueueFilterRequest>,
    )
    .returns(answer(super::work_queues::filter)),
    op(
        "get",
        "/work_queues/name/{name}",
        "Read a queue by name (the default pool's first)",
    )
    .returns(answer(super::work_queues::by_name)),
    op("get", "/work_queues/{id}", "Read a queue by id").returns(answer(super::work_queues::get)),
    with(
        "patch",
        "/work_queues/{id}",
        "Update a queue by id",
        json::<work_queues::WorkQueueUpdate>,
    )
    .returns(answer(super::work_queues::update)),
    op("delete", "/work_queues/{id}", "Delete a queue by id")
        .returns(answer(super::work_queues::delete)),
    with(
        "post",
        "/work_queues/{id}/get_runs",
        "Due runs of a queue (a poll: marks the queue polled)",
        json::<work_queues::QueueRunsRequest>,
    )
    .returns(answer(super::work_queues::runs)),
    op("get", "/work_queues/{id}/status", "A queue's health")
        .returns(answer(super::work_queues::status)),
    with(
        "post",
        "/work_queues/{id}/concurrency_status",
        "Runs holding a queue's slots",
        json::<work_queues::ConcurrencyStatusRequest>,
    )
    .returns(answer(super::work_queues::concurrency_status)),
];
