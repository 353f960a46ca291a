//! Work pool, queue and worker conversions from the domain to the wire.

use crate::domain::work_pool::{pool_status, queue_status, WorkPool, WorkQueue, Worker};
use crate::domain::{time, Ts};
use crate::wire;
use std::collections::HashMap;
use uuid::Uuid;

/// A pool on the wire, with its status from its workers.
pub fn pool_json(p: WorkPool, workers: &[Worker], now: Ts) -> wire::work_pools::WorkPool {
    let status = pool_status(&p, workers, now);
    wire::work_pools::WorkPool {
        id: p.id.to_string(),
        created: Some(time::format(p.created)),
        updated: Some(time::format(p.updated)),
        name: p.name,
        description: p.description,
        kind: p.kind,
        base_job_template: p.base_job_template,
        is_paused: p.is_paused,
        concurrency_limit: p.concurrency_limit,
        status: Some(status.as_str().into()),
        default_queue_id: p.default_queue_id.map(|u| u.to_string()),
        storage_configuration: p.storage_configuration,
        active_slots: None,
    }
}

/// A queue on the wire; `slots` counts the runs holding each queue's slots.
pub fn queue_json(
    q: WorkQueue,
    pool: &WorkPool,
    slots: &HashMap<Uuid, i64>,
    now: Ts,
) -> wire::work_pools::WorkQueue {
    let status = queue_status(&q, pool.is_paused, now);
    let active_slots = q
        .concurrency_limit
        .map(|_| slots.get(&q.id).copied().unwrap_or(0));
    wire::work_pools::WorkQueue {
        id: q.id.to_string(),
        created: Some(time::format(q.created)),
        updated: Some(time::format(q.updated)),
        name: q.name,
        description: Some(q.description),
        is_paused: q.is_paused,
        concurrency_limit: q.concurrency_limit,
        priority: q.priority,
        work_pool_id: Some(q.work_pool_id.to_string()),
        filter: None,
        last_polled: q.last_polled.map(time::format),
        work_pool_name: Some(pool.name.clone()),
        status: Some(status.as_str().into()),
        active_slots,
    }
}

pub(super) fn worker_json(w: Worker, now: Ts) -> wire::work_pools::Worker {
    let online = w.online(now);
    wire::work_pools::Worker {
        id: w.id.to_string(),
        created: Some(time::format(w.created)),
        updated: Some(time::format(w.updated)),
        name: w.name,
        work_pool_id: w.work_pool_id.to_string(),
        last_heartbeat_time: w.last_heartbeat_time.map(time::format),
        heartbeat_interval_seconds: w.heartbeat_interval_seconds,
        status: if online { "ONLINE" } else { "OFFLINE" }.into(),
    }
}
