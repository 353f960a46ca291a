//! Aggregate reads of the UI and the run pages: task runs per flow run, deployments per flow, counts by
//! state, the average lateness of runs, and the distinct states runs have been in.

use super::codec;
use super::error::Result;
use super::query;
use super::Tx;
use crate::domain::filter::{Cond, Entity};
use crate::domain::Ts;
use crate::store::sql::OptionalExtension;
use crate::store::sql::Value as Sql;
use std::collections::HashMap;
use uuid::Uuid;

/// The states no run leaves, as an SQL list.
pub(super) const TERMINAL: &str = "('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED')";

fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}

fn id_counts(tx: &Tx, sql: &str, ids: &[Uuid]) -> Result<HashMap<Uuid, u64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut stmt = tx.conn.prepare(sql)?;
    let rows = stmt.query_map(
        crate::store::sql::params_from_iter(ids.iter().map(Uuid::to_string)),
        |r| Ok((codec::req_uuid(r, 0)?, r.get::<_, i64>(1)? as u64)),
    )?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Per flow run of `ids`, its task runs that are not a subflow's wrapper (runs without any are left out).
pub fn task_runs_per_flow_run(tx: &Tx, ids: &[Uuid]) -> Result<HashMap<Uuid, u64>> {
    let sql = format!(
        "SELECT t.flow_run_id, count(*) FROM task_runs t WHERE t.flow_run_id IN ({}) \
         AND NOT EXISTS (SELECT 1 FROM flow_runs c WHERE c.parent_task_run_id = t.id) \
         GROUP BY t.flow_run_id",
        marks(ids.len())
    );
    id_counts(tx, &sql, ids)
}

/// Per flow of `ids`, its deployments (flows without any are left out).
pub fn deployments_per_flow(tx: &Tx, ids: &[Uuid]) -> Result<HashMap<Uuid, u64>> {
    let sql = format!(
        "SELECT flow_id, count(*) FROM deployments WHERE flow_id IN ({}) GROUP BY flow_id",
        marks(ids.len())
    );
    id_counts(tx, &sql, ids)
}

/// The name of a flow run.
pub fn flow_run_name(tx: &Tx, id: Uuid) -> Result<Option<String>> {
    Ok(tx
        .conn
        .query_row(
            "SELECT name FROM flow_runs WHERE id = ?1",
            [id.to_string()],
            |r| r.get(0),
        )
        .optional()?)
}

/// How many runs of `e` (flow or task runs) matching `cond` are in each state type.
pub fn counts_by_state_type(tx: &Tx, e: Entity, cond: &Cond) -> Result<Vec<(String, u64)>> {
    let mut params = Vec::new();
    let c = query::condition(e, cond, &mut params)?;
    let t = query::table(e);
    let sql = format!(
        "SELECT state_type, count(*) FROM {t} WHERE state_type IS NOT NULL AND {c} GROUP BY state_type"
    );
    let mut stmt = tx.conn.prepare(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// SQL for a run's lateness in seconds at `?N` (the time `now` is bound to): how late it started, or, not
/// started and not finished, how late it is now.
pub(super) fn lateness_sql(t: &str, now: &str) -> String {
    format!(
        "CASE WHEN {t}.start_time IS NOT NULL AND {t}.start_time > {t}.expected_start_time \
           THEN unixepoch({t}.start_time, 'subsec') - unixepoch({t}.expected_start_time, 'subsec') \
         WHEN {t}.start_time IS NULL AND coalesce({t}.state_type, '') NOT IN {TERMINAL} \
           AND {t}.expected_start_time < {now} \
           THEN unixepoch({now}, 'subsec') - unixepoch({t}.expected_start_time, 'subsec') \
         ELSE 0 END"
    )
}

/// The average lateness in seconds of the flow runs matching `cond` (`None` when none match).
pub fn average_lateness(tx: &Tx, cond: &Cond, now: Ts) -> Result<Option<f64>> {
    let mut params = vec![Sql::Text(codec::ts(now))];
    let c = query::condition(Entity::FlowRun, cond, &mut params)?;
    let sql = format!(
        "SELECT avg({}) FROM flow_runs WHERE {c}",
        lateness_sql("flow_runs", "?1")
    );
    Ok(tx
        .conn
        .query_row(&sql, crate::store::sql::params_from_iter(params), |r| {
            r.get(0)
        })?)
}

/// A (state type, state name) pair runs have been in, and when first and last.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedState {
    pub state_type: String,
    pub state_name: String,
    pub first_seen: Ts,
    pub last_seen: Ts,
}

/// Every distinct state of the flow and task run histories whose type or name starts with `prefix`
/// (case-insensitive; empty: all), by name or by last seen (newest first), at most `limit`.
pub fn observed_states(
    tx: &Tx,
    prefix: &str,
    by_name: bool,
    limit: u32,
) -> Result<Vec<ObservedState>> {
    let order = if by_name {
        "type, name"
    } else {
        "max(timestamp) DESC, type, name"
    };
    let sql = format!(
        "SELECT type, name, min(timestamp), max(timestamp) FROM \
         (SELECT type, name, timestamp FROM flow_run_states \
          UNION ALL SELECT type, name, timestamp FROM task_run_states) AS states \
         WHERE ?1 = '' OR type LIKE ?1 || '%' ESCAPE '\\' OR name LIKE ?1 || '%' ESCAPE '\\' \
         GROUP BY type, name ORDER BY {order} LIMIT ?2"
    );
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params![escaped, i64::from(limit)], |r| {
        Ok(ObservedState {
            state_type: r.get(0)?,
            state_name: r.get(1)?,
            first_seen: codec::req_ts(r, 2)?,
            last_seen: codec::req_ts(r, 3)?,
        })
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}
