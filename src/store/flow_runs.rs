//! The `flow_runs` table and its state history (`flow_run_states`).

use super::codec;
use super::error::{Result, StoreError};
pub use super::flow_run_columns::update_changed;
use super::flow_run_columns::{values, INSERT};
use super::query;
use super::Tx;
use crate::domain::filter::{Cond, Entity, Query};
use crate::domain::flow_run::{FlowRun, RunPolicy};
use crate::domain::State;
use crate::store::sql::{params, OptionalExtension, Row, ToSql};
use uuid::Uuid;

const COLS: &str = "flow_runs.id, flow_runs.created, flow_runs.updated, flow_runs.name, flow_runs.flow_id, \
    flow_runs.deployment_id, flow_runs.deployment_version, flow_runs.work_queue_name, flow_runs.work_queue_id, \
    flow_runs.work_pool_id, flow_runs.work_pool_name, flow_runs.flow_version, flow_runs.parameters, \
    flow_runs.idempotency_key, flow_runs.context, flow_runs.empirical_policy, flow_runs.tags, flow_runs.labels, \
    flow_runs.parent_task_run_id, flow_runs.state, flow_runs.run_count, flow_runs.expected_start_time, \
    flow_runs.next_scheduled_start_time, flow_runs.start_time, flow_runs.end_time, flow_runs.total_run_time, \
    flow_runs.auto_scheduled, flow_runs.infrastructure_document_id, flow_runs.infrastructure_pid, \
    flow_runs.created_by, flow_runs.job_variables, flow_runs.deployment_schedule_id";

fn row(r: &Row) -> crate::store::sql::Result<FlowRun> {
    Ok(FlowRun {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        flow_id: codec::req_uuid(r, 4)?,
        deployment_id: codec::uuid(r, 5)?,
        deployment_version: r.get(6)?,
        work_queue_name: r.get(7)?,
        work_queue_id: codec::uuid(r, 8)?,
        work_pool_id: codec::uuid(r, 9)?,
        work_pool_name: r.get(10)?,
        flow_version: r.get(11)?,
        parameters: codec::parse_doc(r, 12)?,
        idempotency_key: r.get(13)?,
        context: codec::parse_doc(r, 14)?,
        empirical_policy: RunPolicy::read_stored(&codec::parse_doc(r, 15)?),
        tags: codec::parse_tags(r, 16)?,
        labels: codec::parse_doc(r, 17)?,
        parent_task_run_id: codec::uuid(r, 18)?,
        state: codec::parse_state(r, 19)?,
        run_count: r.get(20)?,
        expected_start_time: codec::parse_ts(r, 21)?,
        next_scheduled_start_time: codec::parse_ts(r, 22)?,
        start_time: codec::parse_ts(r, 23)?,
        end_time: codec::parse_ts(r, 24)?,
        total_run_time: r.get(25)?,
        auto_scheduled: r.get(26)?,
        infrastructure_document_id: codec::uuid(r, 27)?,
        infrastructure_pid: r.get(28)?,
        created_by: codec::parse_json(r, 29)?,
        job_variables: codec::parse_doc(r, 30)?,
        deployment_schedule_id: codec::uuid(r, 31)?,
    })
}

/// Inserts a new run (with its current state, if any, also written to the history).
pub fn insert(tx: &Tx, run: &FlowRun) -> Result<()> {
    let vals = values(run);
    let refs: Vec<&dyn ToSql> = vals.iter().map(|b| b.as_ref()).collect();
    match tx.conn.prepare_cached(&INSERT)?.execute(refs.as_slice()) {
        Err(e) if e.is_constraint() => {
            return Err(StoreError::Conflict(
                "a flow run with this id or idempotency key already exists".into(),
            ))
        }
        r => r?,
    };
    if let Some(s) = &run.state {
        insert_state(tx, run.id, s)?;
    }
    Ok(())
}

/// Appends a state to a run's history.
pub fn insert_state(tx: &Tx, run_id: Uuid, s: &State) -> Result<()> {
    super::history::insert(tx, super::history::Of::FlowRun, run_id, s)
}

/// A run's state history, oldest first.
pub fn states(tx: &Tx, run_id: Uuid) -> Result<Vec<State>> {
    super::history::list(tx, super::history::Of::FlowRun, run_id)
}

/// One state of any flow run's history, by its id.
pub fn state(tx: &Tx, id: Uuid) -> Result<Option<State>> {
    super::history::get(tx, super::history::Of::FlowRun, id)
}

/// The run with this id.
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<FlowRun>> {
    // Built once for each ending: a run is read before each of its state changes.
    use crate::store::sql::dialect::FOR_UPDATE;
    static PLAIN: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("SELECT {COLS} FROM flow_runs WHERE id = ?1"));
    static LOCKED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {COLS} FROM flow_runs WHERE id = ?1{FOR_UPDATE}")
    });
    let sql: &str = if tx.lock().is_empty() {
        &PLAIN
    } else {
        &LOCKED
    };
    Ok(tx
        .conn
        .prepare_cached(sql)?
        .query_row([id.to_string()], row)
        .optional()?)
}

/// The runs with these ids, in the order given (missing ones left out), in one statement and without
/// locking them: for answers, not for changes.
pub fn many(tx: &Tx, ids: &[Uuid]) -> Result<Vec<FlowRun>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (1..=ids.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {COLS} FROM flow_runs WHERE id IN ({marks})");
    let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let mut found: std::collections::HashMap<Uuid, FlowRun> = stmt
        .query_map(crate::store::sql::params_from_iter(keys), row)?
        .map(|r| r.map(|run| (run.id, run)))
        .collect::<crate::store::sql::Result<_>>()?;
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// The run of `flow_id` created with this idempotency key.
pub fn by_idempotency_key(tx: &Tx, flow_id: Uuid, key: &str) -> Result<Option<FlowRun>> {
    let sql = format!("SELECT {COLS} FROM flow_runs WHERE flow_id = ?1 AND idempotency_key = ?2");
    Ok(tx
        .conn
        .prepare_cached(&sql)?
        .query_row(params![flow_id.to_string(), key], row)
        .optional()?)
}

/// Whether a run of `flow_id` was created with this idempotency key. Answered from the key's index alone:
/// the scheduler asks it for every time ahead of every schedule it renews (60 a minute for a minutely
/// schedule), where decoding each existing run in full cost more than creating the one new run.
pub fn idempotency_key_taken(tx: &Tx, flow_id: Uuid, key: &str) -> Result<bool> {
    Ok(tx
        .conn
        .prepare_cached("SELECT 1 FROM flow_runs WHERE flow_id = ?1 AND idempotency_key = ?2")?
        .query_row(params![flow_id.to_string(), key], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Runs matching a query.
pub fn list(tx: &Tx, q: &Query) -> Result<Vec<FlowRun>> {
    let mut params = Vec::new();
    // The per-state merge is SQLite's way to walk its index in order; PostgreSQL walks an index for
    // `state_type IN (…)` itself, and scans and sorts every match for the union (~30 times slower).
    let sql = if tx.conn.is_pg() {
        let tail = super::query::tail(Entity::FlowRun, q, &mut params)?;
        format!("SELECT {COLS} FROM flow_runs {tail}")
    } else {
        super::merge::select(tx, Entity::FlowRun, COLS, q, &mut params)?
    };
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// How many runs match.
pub fn count(tx: &Tx, cond: &Cond) -> Result<u64> {
    // Per state name on SQLite, as `list` merges (see store/merge.rs); PostgreSQL plans the range itself.
    if tx.conn.is_pg() {
        query::count(tx, Entity::FlowRun, cond)
    } else {
        super::merge::count(tx, cond)
    }
}

/// Deletes a run with its history, task runs and logs; `false` when it did not exist.
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    let id = id.to_string();
    tx.conn
        .execute("DELETE FROM logs WHERE flow_run_id = ?1", [&id])?;
    tx.conn
        .execute("DELETE FROM task_runs WHERE flow_run_id = ?1", [&id])?;
    tx.conn
        .execute("DELETE FROM flow_run_inputs WHERE flow_run_id = ?1", [&id])?;
    Ok(tx
        .conn
        .execute("DELETE FROM flow_runs WHERE id = ?1", [&id])?
        > 0)
}

const PLACE: &str = "UPDATE flow_runs SET \
    work_pool_id = (SELECT p.id FROM work_pools p WHERE p.name = flow_runs.work_pool_name), \
    work_queue_id = (SELECT q.id FROM work_queues q JOIN work_pools p ON p.id = q.work_pool_id \
        WHERE p.name = flow_runs.work_pool_name \
        AND (q.name = flow_runs.work_queue_name OR (flow_runs.work_queue_name IS NULL AND q.id = p.default_queue_id))), \
    work_queue_name = coalesce(flow_runs.work_queue_name, (SELECT q.name FROM work_queues q JOIN work_pools p \
        ON p.id = q.work_pool_id WHERE p.name = flow_runs.work_pool_name AND q.id = p.default_queue_id))";

/// Points a new run at its pool's queue before it is inserted: the pool's id, the queue named by the run (the
/// pool's default queue when it names none), and that queue's name. A run whose pool does not exist yet
/// stays unplaced until the pool is created ([`place_orphans`]).
pub fn place(tx: &Tx, run: &mut FlowRun) -> Result<()> {
    let Some(pool) = &run.work_pool_name else {
        return Ok(());
    };
    let found = tx
        .conn
        .prepare_cached(
            "SELECT p.id, q.id, q.name FROM work_pools p LEFT JOIN work_queues q ON q.work_pool_id = p.id \
             AND (q.name = ?2 OR (?2 IS NULL AND q.id = p.default_queue_id)) WHERE p.name = ?1 LIMIT 1",
        )?
        .query_row(params![pool, run.work_queue_name], |r| {
            Ok((
                codec::uuid(r, 0)?,
                codec::uuid(r, 1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .optional()?;
    if let Some((pool_id, queue_id, queue_name)) = found {
        run.work_pool_id = pool_id;
        run.work_queue_id = queue_id;
        if run.work_queue_name.is_none() {
            run.work_queue_name = queue_name;
        }
    }
    Ok(())
}

/// Places every unplaced run that names a pool (after a pool or queue is created).
pub fn place_orphans(tx: &Tx) -> Result<()> {
    tx.conn.execute(
        &format!("{PLACE} WHERE work_pool_name IS NOT NULL AND work_queue_id IS NULL AND state_type = 'SCHEDULED'"),
        [],
    )?;
    Ok(())
}

/// The runs of a deployment in an active state (PENDING, RUNNING, CANCELLING).
pub fn active_ids_in_deployment(tx: &Tx, deployment_id: Uuid) -> Result<Vec<Uuid>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT id FROM flow_runs WHERE deployment_id = ?1 AND state_type IN ('PENDING', 'RUNNING', 'CANCELLING')",
    )?;
    let rows = stmt.query_map([deployment_id.to_string()], |r| codec::req_uuid(r, 0))?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// The statement of [`longest_waiting_for_slot`]. It runs each time a run of a deployment with a limit frees
/// a slot, mostly when no run waits. SQLite without statistics walked an index of every SCHEDULED run of
/// every deployment in time order (since dropped), to find none; it is told to read the runs waiting under
/// that name (`flow_runs_history` leads with the state type and name, then the expected start time), which
/// are few. PostgreSQL plans from its own statistics. Its plan is tested.
pub(super) fn longest_waiting_for_slot_sql(pg: bool) -> String {
    let hint = crate::store::sql::dialect::indexed_by(pg, "flow_runs_history");
    format!(
        "SELECT {COLS} FROM flow_runs{hint} WHERE deployment_id = ?1 AND state_type = ?2 \
         AND state_name = ?3 AND id != ?4 ORDER BY expected_start_time, id LIMIT 1"
    )
}

/// The run of a deployment that has waited longest for one of its concurrency slots (SCHEDULED, named
/// `waiting_name`), other than `except`.
pub fn longest_waiting_for_slot(
    tx: &Tx,
    deployment_id: Uuid,
    waiting_name: &str,
    except: Uuid,
) -> Result<Option<FlowRun>> {
    let mut stmt = tx
        .conn
        .prepare_cached(&longest_waiting_for_slot_sql(tx.conn.is_pg()))?;
    Ok(stmt
        .query_row(
            params![
                deployment_id.to_string(),
                crate::domain::StateType::Scheduled.as_str(),
                waiting_name,
                except.to_string()
            ],
            row,
        )
        .optional()?)
}

/// PENDING, RUNNING or CANCELLING runs of pool `pool_id` claimed by the worker named `worker` (by its label).
pub fn claimed_by_worker(tx: &Tx, pool_id: Uuid, worker: &str) -> Result<Vec<FlowRun>> {
    let sql = format!(
        "SELECT {COLS} FROM flow_runs WHERE work_pool_id = ?1 AND state_type IN ('PENDING', 'RUNNING', 'CANCELLING') \
         AND json_extract(labels, '$.\"prefect.worker.name\"') = ?2"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![pool_id.to_string(), worker], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}
