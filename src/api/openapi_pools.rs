//! The `/api/openapi.json` entries of the work pool and work queue routes (`work_pools.rs`, `work_queues.rs`),
//! kept apart from `openapi_table.rs` so that each table stays short.

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
    ),
    with(
        "post",
        "/work_pools/filter",
        "Filter work pools",
        json::<work_pools::WorkPoolFilterRequest>,
    ),
    with(
        "post",
        "/work_pools/count",
        "Count work pools",
        json::<work_pools::WorkPoolCountRequest>,
    ),
    op("get", "/work_pools/{name}", "Read a work pool"),
    with(
        "patch",
        "/work_pools/{name}",
        "Update a work pool",
        json::<work_pools::WorkPoolUpdate>,
    ),
    op("delete", "/work_pools/{name}", "Delete a work pool"),
    with(
        "post",
        "/work_pools/{name}/get_scheduled_flow_runs",
        "Due runs of a pool (workers poll this)",
        json::<work_pools::PoolRunsRequest>,
    ),
    with(
        "post",
        "/work_pools/{name}/queues",
        "Create a queue",
        json::<work_queues::WorkQueueCreate>,
    ),
    with(
        "post",
        "/work_pools/{name}/queues/filter",
        "Filter queues",
        json::<work_queues::WorkQueueFilterRequest>,
    ),
    op("get", "/work_pools/{name}/queues/{queue}", "Read a queue"),
    with(
        "patch",
        "/work_pools/{name}/queues/{queue}",
        "Update a queue",
        json::<work_queues::WorkQueueUpdate>,
    ),
    op(
        "delete",
        "/work_pools/{name}/queues/{queue}",
        "Delete a queue",
    ),
    with(
        "post",
        "/work_pools/{name}/workers/heartbeat",
        "Worker heartbeat",
        json::<work_pools::Heartbeat>,
    ),
    with(
        "post",
        "/work_pools/{name}/workers/filter",
        "Filter workers",
        json::<work_pools::WorkerFilterRequest>,
    ),
    op(
        "get",
        "/work_pools/{name}/workers/connect",
        "Worker websocket (Prefect 3.9)",
    ),
    op(
        "delete",
        "/work_pools/{name}/workers/{worker}",
        "Delete a worker",
    ),
    with(
        "post",
        "/work_queues/",
        "Create a queue in the default pool",
        json::<work_queues::WorkQueueCreate>,
    ),
    with(
        "post",
        "/work_queues/filter",
        "Filter queues of every pool",
        json::<work_queues::WorkQueueFilterRequest>,
    ),
    op(
        "get",
        "/work_queues/name/{name}",
        "Read a queue by name (the default pool's first)",
    ),
    op("get", "/work_queues/{id}", "Read a queue by id"),
    with(
        "patch",
        "/work_queues/{id}",
        "Update a queue by id",
        json::<work_queues::WorkQueueUpdate>,
    ),
    op("delete", "/work_queues/{id}", "Delete a queue by id"),
    with(
        "post",
        "/work_queues/{id}/get_runs",
        "Due runs of a queue (a poll: marks the queue polled)",
        json::<work_queues::QueueRunsRequest>,
    ),
    op("get", "/work_queues/{id}/status", "A queue's health"),
    with(
        "post",
        "/work_queues/{id}/concurrency_status",
        "Runs holding a queue's slots",
        json::<work_queues::ConcurrencyStatusRequest>,
    ),
];
