//! The `work_queues` table: a pool's queues, read by pool, by id or by name, and their poll marks.

use super::codec;
use super::error::Result;
use super::work_pools::conflict;
use super::Tx;
use crate::domain::work_pool::{WorkPool, WorkQueue};
use crate::domain::Ts;
use crate::store::sql::{params, OptionalExtension, Row};
use uuid::Uuid;

const QUEUE_COLS: &str =
    "id, created, updated, work_pool_id, name, description, is_paused, concurrency_limit, priority, last_polled";

fn queue_row(r: &Row) -> crate::store::sql::Result<WorkQueue> {
    Ok(WorkQueue {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        work_pool_id: codec::req_uuid(r, 3)?,
        name: r.get(4)?,
        description: r.get(5)?,
        is_paused: r.get(6)?,
        concurrency_limit: r.get(7)?,
        priority: r.get(8)?,
        last_polled: codec::parse_ts(r, 9)?,
    })
}

/// Inserts a queue.
pub fn insert_queue(tx: &Tx, q: &WorkQueue) -> Result<()> {
    tx.conn
        .execute(
            &format!("INSERT INTO work_queues ({QUEUE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
            params![
                q.id.to_string(),
                codec::ts(q.created),
                codec::ts(q.updated),
                q.work_pool_id.to_string(),
                q.name,
                q.description,
                q.is_paused,
                q.concurrency_limit,
                q.priority,
                codec::opt_ts(q.last_polled)
            ],
        )
        .map_err(|e| conflict(e, format!("a work queue named '{}' already exists in this pool", q.name)))?;
    Ok(())
}

/// Writes a queue's editable fields.
pub fn update_queue(tx: &Tx, q: &WorkQueue) -> Result<()> {
    tx.conn
        .execute(
            "UPDATE work_queues SET updated = ?2, name = ?3, description = ?4, is_paused = ?5, concurrency_limit = ?6, \
             priority = ?7, last_polled = ?8 WHERE id = ?1",
            params![
                q.id.to_string(),
                codec::ts(q.updated),
                q.name,
                q.description,
                q.is_paused,
                q.concurrency_limit,
                q.priority,
                codec::opt_ts(q.last_polled)
            ],
        )
        .map_err(|e| conflict(e, format!("a work queue named '{}' already exists in this pool", q.name)))?;
    Ok(())
}

/// After a rename, points what names the queue at its new name (Prefect links them by id, so they follow):
/// the deployments of its pool that named it, and its runs. New runs of those deployments land in it again.
pub fn rename_references(tx: &Tx, q: &WorkQueue, old_name: &str) -> Result<()> {
    tx.conn.execute(
        "UPDATE deployments SET work_queue_name = ?1 WHERE work_queue_name = ?2 \
         AND work_pool_name = (SELECT name FROM work_pools WHERE id = ?3)",
        params![q.name, old_name, q.work_pool_id.to_string()],
    )?;
    tx.conn.execute(
        "UPDATE flow_runs SET work_queue_name = ?1 WHERE work_queue_id = ?2",
        params![q.name, q.id.to_string()],
    )?;
    Ok(())
}

/// A pool's queues, by priority then name.
pub fn queues(tx: &Tx, pool_id: Uuid) -> Result<Vec<WorkQueue>> {
    let sql = format!(
        "SELECT {QUEUE_COLS} FROM work_queues WHERE work_pool_id = ?1 ORDER BY priority, name"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([pool_id.to_string()], queue_row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// The queue with this id.
pub fn queue(tx: &Tx, id: Uuid) -> Result<Option<WorkQueue>> {
    let sql = format!("SELECT {QUEUE_COLS} FROM work_queues WHERE id = ?1");
    Ok(tx
        .conn
        .prepare_cached(&sql)?
        .query_row([id.to_string()], queue_row)
        .optional()?)
}

/// Deletes a queue; `false` when it did not exist.
pub fn delete_queue(tx: &Tx, id: Uuid) -> Result<bool> {
    tx.conn.execute(
        "UPDATE flow_runs SET work_pool_id = NULL, work_queue_id = NULL WHERE work_queue_id = ?1 AND state_type = 'SCHEDULED'",
        [id.to_string()],
    )?;
    Ok(tx
        .conn
        .execute("DELETE FROM work_queues WHERE id = ?1", [id.to_string()])?
        > 0)
}

/// Marks a pool and its queues polled at `now`, except a mark under a second old, which stands: workers
/// polling together would otherwise queue on the same rows' locks to write the same time again.
pub fn mark_polled_when_stale(
    tx: &Tx,
    pool: &WorkPool,
    queues: &[WorkQueue],
    now: Ts,
) -> Result<()> {
    let stale = |t: Option<Ts>| t.is_none_or(|t| now - t >= chrono::Duration::seconds(1));
    let ids: Vec<Uuid> = queues
        .iter()
        .filter(|q| stale(q.last_polled))
        .map(|q| q.id)
        .collect();
    let pool_id = stale(pool.last_polled).then_some(pool.id);
    mark_queues_polled(tx, pool_id, &ids, now)
}

/// Marks queues (and their pool, when given) as polled; a deployment reads its queue's mark (see
/// `deployments::COLS`).
fn mark_queues_polled(tx: &Tx, pool_id: Option<Uuid>, queue_ids: &[Uuid], now: Ts) -> Result<()> {
    let mut stmt = tx
        .conn
        .prepare_cached("UPDATE work_queues SET last_polled = ?1 WHERE id = ?2")?;
    for q in queue_ids {
        stmt.execute(params![codec::ts(now), q.to_string()])?;
    }
    if let Some(pool_id) = pool_id {
        tx.conn.execute(
            "UPDATE work_pools SET last_polled = ?1 WHERE id = ?2",
            params![codec::ts(now), pool_id.to_string()],
        )?;
    }
    Ok(())
}

/// Every queue of every pool, by name (then id).
pub fn all_queues(tx: &Tx) -> Result<Vec<WorkQueue>> {
    let sql = format!("SELECT {QUEUE_COLS} FROM work_queues ORDER BY name, id");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], queue_row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// The queues named `name`, one per pool at most, oldest first.
pub fn queues_named(tx: &Tx, name: &str) -> Result<Vec<WorkQueue>> {
    let sql = format!("SELECT {QUEUE_COLS} FROM work_queues WHERE name = ?1 ORDER BY created, id");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([name], queue_row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Marks one queue (not its pool) as polled: someone read its runs by the queue's id.
pub fn mark_queue_polled(tx: &Tx, id: Uuid, now: Ts) -> Result<()> {
    tx.conn
        .prepare_cached("UPDATE work_queues SET last_polled = ?1 WHERE id = ?2")?
        .execute(params![codec::ts(now), id.to_string()])?;
    Ok(())
}
