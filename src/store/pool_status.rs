//! A work pool's concurrency at a glance: the runs holding its slots (PENDING or RUNNING), in all and per
//! queue, with the first few runs of each queue.

use super::codec;
use super::error::Result;
use super::Tx;
use crate::domain::{StateType, Ts};
use crate::store::sql::params;
use uuid::Uuid;

/// A run holding a slot of a queue.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveRun {
    pub id: Uuid,
    pub name: String,
    pub state_type: Option<StateType>,
    pub state_name: Option<String>,
    pub start_time: Option<Ts>,
    pub state_timestamp: Option<Ts>,
}

const ACTIVE: &str = "flow_runs.state_type IN ('PENDING', 'RUNNING')";

/// How many runs of the pool's queues are PENDING or RUNNING.
pub fn active_in_pool(tx: &Tx, pool_id: Uuid) -> Result<u64> {
    let n: i64 = tx.conn.query_row(
        &format!(
            "SELECT count(*) FROM flow_runs JOIN work_queues q ON q.id = flow_runs.work_queue_id \
             WHERE q.work_pool_id = ?1 AND {ACTIVE}"
        ),
        [pool_id.to_string()],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// How many runs of a queue are PENDING or RUNNING, and the first `limit` of them by id.
pub fn active_in_queue(tx: &Tx, queue_id: Uuid, limit: u32) -> Result<(u64, Vec<ActiveRun>)> {
    let n: i64 = tx.conn.query_row(
        &format!("SELECT count(*) FROM flow_runs WHERE work_queue_id = ?1 AND {ACTIVE}"),
        [queue_id.to_string()],
        |r| r.get(0),
    )?;
    let mut stmt = tx.conn.prepare_cached(&format!(
        "SELECT id, name, state_type, state_name, start_time, state_timestamp FROM flow_runs \
         WHERE work_queue_id = ?1 AND {ACTIVE} ORDER BY id LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![queue_id.to_string(), i64::from(limit)], |r| {
        Ok(ActiveRun {
            id: codec::req_uuid(r, 0)?,
            name: r.get(1)?,
            state_type: codec::decode(r, 2, "state type", StateType::parse)?,
            state_name: r.get(3)?,
            start_time: codec::parse_ts(r, 4)?,
            state_timestamp: codec::parse_ts(r, 5)?,
        })
    })?;
    Ok((n as u64, rows.collect::<crate::store::sql::Result<_>>()?))
}
