//! The `work_pools` and `workers` tables, and the queries a poll needs (due runs, busy slots per queue).

use super::codec;
use super::error::{Result, StoreError};
use super::Tx;
use crate::domain::work_pool::{Candidate, PoolFilter, WorkPool, Worker};
use crate::domain::Ts;
use crate::store::sql::{params, OptionalExtension, Row};
use uuid::Uuid;

const POOL_COLS: &str =
    "id, created, updated, name, description, type, base_job_template, is_paused, \
    concurrency_limit, default_queue_id, storage_configuration, last_polled";
const WORKER_COLS: &str =
    "id, created, updated, work_pool_id, name, last_heartbeat_time, heartbeat_interval_seconds";

fn pool_row(r: &Row) -> crate::store::sql::Result<WorkPool> {
    Ok(WorkPool {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        kind: r.get(5)?,
        base_job_template: codec::parse_doc(r, 6)?,
        is_paused: r.get(7)?,
        concurrency_limit: r.get(8)?,
        default_queue_id: codec::uuid(r, 9)?,
        storage_configuration: codec::parse_doc(r, 10)?,
        last_polled: codec::parse_ts(r, 11)?,
    })
}

fn worker_row(r: &Row) -> crate::store::sql::Result<Worker> {
    Ok(Worker {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        work_pool_id: codec::req_uuid(r, 3)?,
        name: r.get(4)?,
        last_heartbeat_time: codec::parse_ts(r, 5)?,
        heartbeat_interval_seconds: r.get(6)?,
    })
}

pub(super) fn conflict(e: crate::store::sql::Error, what: String) -> StoreError {
    match e {
        f if f.is_constraint() => StoreError::Conflict(what),
        other => other.into(),
    }
}

/// Inserts a pool.
pub fn insert_pool(tx: &Tx, p: &WorkPool) -> Result<()> {
    tx.conn
        .execute(
            &format!("INSERT INTO work_pools ({POOL_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                p.id.to_string(),
                codec::ts(p.created),
                codec::ts(p.updated),
                p.name,
                p.description,
                p.kind,
                codec::doc(&p.base_job_template),
                p.is_paused,
                p.concurrency_limit,
                p.default_queue_id.map(|u| u.to_string()),
                codec::doc(&p.storage_configuration),
                codec::opt_ts(p.last_polled)
            ],
        )
        .map_err(|e| conflict(e, format!("a work pool named '{}' already exists", p.name)))?;
    Ok(())
}

/// Writes a pool's editable fields.
pub fn update_pool(tx: &Tx, p: &WorkPool) -> Result<()> {
    tx.conn.execute(
        "UPDATE work_pools SET updated = ?2, description = ?3, base_job_template = ?4, is_paused = ?5, \
         concurrency_limit = ?6, default_queue_id = ?7, storage_configuration = ?8, last_polled = ?9 WHERE id = ?1",
        params![
            p.id.to_string(),
            codec::ts(p.updated),
            p.description,
            codec::doc(&p.base_job_template),
            p.is_paused,
            p.concurrency_limit,
            p.default_queue_id.map(|u| u.to_string()),
            codec::doc(&p.storage_configuration),
            codec::opt_ts(p.last_polled)
        ],
    )?;
    Ok(())
}

/// The pool with this name.
pub fn pool_by_name(tx: &Tx, name: &str) -> Result<Option<WorkPool>> {
    let sql = format!("SELECT {POOL_COLS} FROM work_pools WHERE name = ?1");
    Ok(tx
        .conn
        .prepare_cached(&sql)?
        .query_row([name], pool_row)
        .optional()?)
}

/// The pool with this id.
pub fn pool(tx: &Tx, id: Uuid) -> Result<Option<WorkPool>> {
    let sql = format!("SELECT {POOL_COLS} FROM work_pools WHERE id = ?1");
    Ok(tx
        .conn
        .prepare_cached(&sql)?
        .query_row([id.to_string()], pool_row)
        .optional()?)
}

/// Pools by name, optionally only some names / types, paged.
pub fn pools(tx: &Tx, filter: &PoolFilter, limit: u32, offset: u64) -> Result<Vec<WorkPool>> {
    let mut stmt = tx
        .conn
        .prepare_cached(&format!("SELECT {POOL_COLS} FROM work_pools ORDER BY name"))?;
    let all: Vec<WorkPool> = stmt
        .query_map([], pool_row)?
        .collect::<crate::store::sql::Result<_>>()?;
    Ok(all
        .into_iter()
        .filter(|p| filter.matches(p))
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit as usize)
        .collect())
}

/// Deletes a pool with its queues and workers; `false` when it did not exist.
pub fn delete_pool(tx: &Tx, id: Uuid) -> Result<bool> {
    tx.conn.execute(
        "UPDATE flow_runs SET work_pool_id = NULL, work_queue_id = NULL WHERE work_pool_id = ?1 AND state_type = 'SCHEDULED'",
        [id.to_string()],
    )?;
    Ok(tx
        .conn
        .execute("DELETE FROM work_pools WHERE id = ?1", [id.to_string()])?
        > 0)
}

/// Records a worker's heartbeat (creating the worker on its first).
pub fn heartbeat(
    tx: &Tx,
    pool_id: Uuid,
    name: &str,
    interval: Option<i64>,
    now: Ts,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    tx.conn.execute(
        "INSERT INTO workers (id, created, updated, work_pool_id, name, last_heartbeat_time, heartbeat_interval_seconds) \
         VALUES (?1, ?2, ?2, ?3, ?4, ?2, ?5) ON CONFLICT(work_pool_id, name) DO UPDATE SET \
         updated = excluded.updated, last_heartbeat_time = excluded.last_heartbeat_time, \
         heartbeat_interval_seconds = coalesce(excluded.heartbeat_interval_seconds, workers.heartbeat_interval_seconds)",
        params![id.to_string(), codec::ts(now), pool_id.to_string(), name, interval],
    )?;
    Ok(tx.conn.query_row(
        "SELECT id FROM workers WHERE work_pool_id = ?1 AND name = ?2",
        params![pool_id.to_string(), name],
        |r| codec::req_uuid(r, 0),
    )?)
}

/// A pool's workers, most recent heartbeat first.
pub fn workers(tx: &Tx, pool_id: Uuid) -> Result<Vec<Worker>> {
    let sql = format!(
        "SELECT {WORKER_COLS} FROM workers WHERE work_pool_id = ?1 ORDER BY last_heartbeat_time DESC, name"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([pool_id.to_string()], worker_row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Deletes a worker; `false` when it did not exist.
pub fn delete_worker(tx: &Tx, pool_id: Uuid, name: &str) -> Result<bool> {
    Ok(tx.conn.execute(
        "DELETE FROM workers WHERE work_pool_id = ?1 AND name = ?2",
        params![pool_id.to_string(), name],
    )? > 0)
}

/// Due SCHEDULED runs in these queues, by queue priority then time, at most `limit`. Each queue is read
/// in index order up to `limit` (one short indexed scan per queue, instead of sorting every due run of the
/// pool on each poll), and the union is ordered as one list: the first `limit` are among those.
pub fn due_runs(tx: &Tx, queue_ids: &[Uuid], before: Ts, limit: u32) -> Result<Vec<Candidate>> {
    // One queue at a time, with no join, so flow_runs_queue_due (0012) gives the order and the limit stops the
    // read (a join made SQLite sort every due run of the queue).
    let mut stmt = tx.conn.prepare_cached(
        "SELECT r.id, r.next_scheduled_start_time FROM flow_runs r \
         WHERE r.work_queue_id = ?1 AND r.state_type = 'SCHEDULED' AND r.next_scheduled_start_time <= ?2 \
         AND coalesce(json_extract(r.empirical_policy, '$.retry_type'), '') <> 'in_process' \
         ORDER BY r.next_scheduled_start_time, r.id LIMIT ?3",
    )?;
    let mut priority = tx
        .conn
        .prepare_cached("SELECT priority FROM work_queues WHERE id = ?1")?;
    let before = codec::ts(before);
    let mut all: Vec<(i64, String, String, Candidate)> = Vec::new();
    for q in queue_ids {
        let queue = q.to_string();
        let Some(p) = priority
            .query_row([&queue], |r| r.get::<_, i64>(0))
            .optional()?
        else {
            continue;
        };
        let rows = stmt.query_map(params![queue, before, i64::from(limit)], |r| {
            let id: String = r.get(0)?;
            Ok((
                p,
                r.get::<_, String>(1)?,
                id.clone(),
                Candidate {
                    run_id: codec::req_uuid(r, 0)?,
                    queue_id: *q,
                },
            ))
        })?;
        for row in rows {
            all.push(row?);
        }
    }
    all.sort_by(|a, b| (a.0, &a.1, &a.2).cmp(&(b.0, &b.1, &b.2)));
    all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(all.into_iter().map(|(_, _, _, c)| c).collect())
}

/// Runs holding a slot (PENDING, RUNNING, CANCELLING) per queue of a pool: (queue id, count).
pub fn active_per_queue(tx: &Tx, pool_id: Uuid) -> Result<Vec<(Uuid, i64)>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT work_queue_id, count(*) FROM flow_runs WHERE work_pool_id = ?1 \
         AND state_type IN ('PENDING', 'RUNNING', 'CANCELLING') GROUP BY work_queue_id",
    )?;
    let rows = stmt.query_map([pool_id.to_string()], |r| {
        Ok((codec::uuid(r, 0)?, r.get::<_, i64>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        if let (Some(q), n) = row? {
            out.push((q, n));
        }
    }
    Ok(out)
}

/// The earliest scheduled time of a SCHEDULED run in an open queue of an open pool.
///
/// Each queue's first run is read in `flow_runs_queue_due` order and the read stops there. As one join with
/// `min()`, SQLite read the policy of every SCHEDULED run of the pool (or, with other statistics, of every
/// pool): with 2,000 minutely deployments in a pool without a worker, the in-process worker's look at its
/// own pool kept both readers busy and deployments took 40 ms each to create.
pub fn next_due(tx: &Tx, pool: &str) -> Result<Option<Ts>> {
    Ok(tx.conn.prepare_cached(
        "SELECT min((SELECT r.next_scheduled_start_time FROM flow_runs r WHERE r.work_queue_id = q.id \
         AND r.state_type = 'SCHEDULED' AND r.next_scheduled_start_time IS NOT NULL \
         AND coalesce(json_extract(r.empirical_policy, '$.retry_type'), '') <> 'in_process' \
         ORDER BY r.next_scheduled_start_time, r.id LIMIT 1)) \
         FROM work_pools p JOIN work_queues q ON q.work_pool_id = p.id \
         WHERE p.name = ?1 AND p.is_paused = 0 AND q.is_paused = 0",
    )?
    .query_row([pool], |r| codec::parse_ts(r, 0))?)
}

/// Every worker of every pool.
pub fn all_workers(tx: &Tx) -> Result<Vec<Worker>> {
    let mut stmt = tx
        .conn
        .prepare_cached(&format!("SELECT {WORKER_COLS} FROM workers"))?;
    let rows = stmt.query_map([], worker_row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}
