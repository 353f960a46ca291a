//! The `task_runs` table and its state history (`task_run_states`).

use super::codec;
use super::error::Result;
use super::query;
use super::Tx;
use crate::domain::filter::{Cond, Entity, Query};
use crate::domain::task_policy::TaskRunPolicy;
use crate::domain::task_run::TaskRun;
use crate::domain::{State, Ts};
use crate::store::sql::{params, OptionalExtension, Row, ToSql};
use uuid::Uuid;

const COLS: &str = "task_runs.id, task_runs.created, task_runs.updated, task_runs.name, task_runs.flow_run_id, \
    task_runs.task_key, task_runs.dynamic_key, task_runs.cache_key, task_runs.cache_expiration, \
    task_runs.task_version, task_runs.empirical_policy, task_runs.tags, task_runs.labels, task_runs.task_inputs, \
    task_runs.state, task_runs.run_count, task_runs.flow_run_run_count, task_runs.expected_start_time, \
    task_runs.next_scheduled_start_time, task_runs.start_time, task_runs.end_time, task_runs.total_run_time";

const ALL_COLS: &str = "id, created, updated, name, flow_run_id, task_key, dynamic_key, cache_key, \
    cache_expiration, task_version, empirical_policy, tags, labels, task_inputs, state, run_count, \
    flow_run_run_count, expected_start_time, next_scheduled_start_time, start_time, end_time, total_run_time, \
    state_id, state_type, state_name, state_timestamp";

fn row(r: &Row) -> crate::store::sql::Result<TaskRun> {
    Ok(TaskRun {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        flow_run_id: codec::uuid(r, 4)?,
        task_key: r.get(5)?,
        dynamic_key: r.get(6)?,
        cache_key: r.get(7)?,
        cache_expiration: codec::parse_ts(r, 8)?,
        task_version: r.get(9)?,
        empirical_policy: TaskRunPolicy::read_stored(&codec::parse_doc(r, 10)?),
        tags: codec::parse_tags(r, 11)?,
        labels: codec::parse_doc(r, 12)?,
        task_inputs: codec::parse_doc(r, 13)?,
        state: codec::parse_state(r, 14)?,
        run_count: r.get(15)?,
        flow_run_run_count: r.get(16)?,
        expected_start_time: codec::parse_ts(r, 17)?,
        next_scheduled_start_time: codec::parse_ts(r, 18)?,
        start_time: codec::parse_ts(r, 19)?,
        end_time: codec::parse_ts(r, 20)?,
        total_run_time: r.get(21)?,
    })
}

/// Inserts a task run or updates every field of the stored one (its history stays).
pub fn upsert(tx: &Tx, t: &TaskRun) -> Result<()> {
    let s = t.state.as_ref();
    let vals: Vec<Box<dyn ToSql>> = vec![
        Box::new(t.id.to_string()),
        Box::new(codec::ts(t.created)),
        Box::new(codec::ts(t.updated)),
        Box::new(t.name.clone()),
        Box::new(t.flow_run_id.map(|u| u.to_string())),
        Box::new(t.task_key.clone()),
        Box::new(t.dynamic_key.clone()),
        Box::new(t.cache_key.clone()),
        Box::new(codec::opt_ts(t.cache_expiration)),
        Box::new(t.task_version.clone()),
        Box::new(codec::doc(&t.empirical_policy.to_stored_doc())),
        Box::new(codec::tags(&t.tags)),
        Box::new(codec::doc(&t.labels)),
        Box::new(codec::doc(&t.task_inputs)),
        Box::new(s.map(codec::state)),
        Box::new(t.run_count),
        Box::new(t.flow_run_run_count),
        Box::new(codec::opt_ts(t.expected_start_time)),
        Box::new(codec::opt_ts(t.next_scheduled_start_time)),
        Box::new(codec::opt_ts(t.start_time)),
        Box::new(codec::opt_ts(t.end_time)),
        Box::new(t.total_run_time),
        Box::new(s.map(|s| s.id.to_string())),
        Box::new(s.map(|s| s.kind.as_str())),
        Box::new(s.map(|s| s.name.clone())),
        Box::new(s.map(|s| codec::ts(s.timestamp))),
    ];
    let marks = (1..=vals.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let updates = ALL_COLS
        .split(',')
        .map(str::trim)
        .skip(1)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO task_runs ({ALL_COLS}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}");
    let refs: Vec<&dyn ToSql> = vals.iter().map(|b| b.as_ref()).collect();
    tx.conn.prepare_cached(&sql)?.execute(refs.as_slice())?;
    Ok(())
}

/// Appends a state to a run's history.
pub fn insert_state(tx: &Tx, run_id: Uuid, s: &State) -> Result<()> {
    super::history::insert(tx, super::history::Of::TaskRun, run_id, s)
}

/// The task run with this id.
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<TaskRun>> {
    // Built once for each ending: a run is read before each of its state changes.
    use crate::store::sql::dialect::FOR_UPDATE;
    static PLAIN: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("SELECT {COLS} FROM task_runs WHERE id = ?1"));
    static LOCKED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {COLS} FROM task_runs WHERE id = ?1{FOR_UPDATE}")
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

/// The task run of `flow_run_id` with this task key and dynamic key (how clients identify a task call).
pub fn by_key(
    tx: &Tx,
    flow_run_id: Uuid,
    task_key: &str,
    dynamic_key: &str,
) -> Result<Option<TaskRun>> {
    let sql = format!(
        "SELECT {COLS} FROM task_runs WHERE flow_run_id = ?1 AND task_key = ?2 AND dynamic_key = ?3"
    );
    Ok(tx
        .conn
        .query_row(
            &sql,
            params![flow_run_id.to_string(), task_key, dynamic_key],
            row,
        )
        .optional()?)
}

/// A run's state history, oldest first.
pub fn states(tx: &Tx, run_id: Uuid) -> Result<Vec<State>> {
    super::history::list(tx, super::history::Of::TaskRun, run_id)
}

/// One state of any task run's history, by its id.
pub fn state(tx: &Tx, id: Uuid) -> Result<Option<State>> {
    super::history::get(tx, super::history::Of::TaskRun, id)
}

/// Renames a task run; `false` when there is no such run.
pub fn rename(tx: &Tx, id: Uuid, name: &str, now: Ts) -> Result<bool> {
    Ok(tx.conn.execute(
        "UPDATE task_runs SET name = ?2, updated = ?3 WHERE id = ?1",
        params![id.to_string(), name, codec::ts(now)],
    )? > 0)
}

/// Task runs matching a query.
pub fn list(tx: &Tx, q: &Query) -> Result<Vec<TaskRun>> {
    let mut params = Vec::new();
    let tail = query::tail(Entity::TaskRun, q, &mut params)?;
    let sql = format!("SELECT {COLS} FROM task_runs {tail}");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// How many task runs match.
pub fn count(tx: &Tx, cond: &Cond) -> Result<u64> {
    query::count(tx, Entity::TaskRun, cond)
}

/// Deletes a task run; `false` when it did not exist.
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx
        .conn
        .execute("DELETE FROM task_runs WHERE id = ?1", [id.to_string()])?
        > 0)
}

/// Task runs that wait for a task worker: without a flow run, SCHEDULED and deferred, oldest first.
pub fn waiting_for_workers(tx: &Tx) -> Result<Vec<TaskRun>> {
    let mut stmt = tx.conn.prepare(&format!(
        "SELECT {COLS} FROM task_runs WHERE flow_run_id IS NULL AND state_type = ?1 ORDER BY created"
    ))?;
    let rows = stmt.query_map([crate::domain::StateType::Scheduled.as_str()], row)?;
    let runs: Vec<TaskRun> = rows.collect::<crate::store::sql::Result<_>>()?;
    Ok(runs
        .into_iter()
        .filter(|r| {
            r.state
                .as_ref()
                .is_some_and(|s| s.details.deferred == Some(true))
        })
        .collect())
}

/// Every task run of a flow run (not of its subflows), newest id first, at most `limit`.
pub fn of_flow_run(tx: &Tx, flow_run_id: Uuid, limit: usize) -> Result<Vec<TaskRun>> {
    let sql = format!(
        "SELECT {COLS} FROM task_runs WHERE flow_run_id = ?1 ORDER BY task_runs.id DESC LIMIT ?2"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![flow_run_id.to_string(), limit as i64], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}
