//! Deleting old data in small batches: finished flow runs (with their task runs, states, logs and
//! artifacts), logs and events older than a cutoff. Each call deletes at most `batch` rows of its kind, so
//! the caller can keep every write transaction short.

use super::error::Result;
use super::{artifacts, codec, Tx};
use crate::domain::Ts;

/// Deletes up to `batch` finished flow runs that ended before `cutoff`; returns how many.
pub fn delete_runs_ended_before(tx: &Tx, cutoff: Ts, batch: u32, now: Ts) -> Result<u64> {
    let ids: Vec<String> = {
        let mut stmt = tx.conn.prepare_cached(
            "SELECT id FROM flow_runs WHERE end_time IS NOT NULL AND end_time < ?1 \
             AND state_type IN ('COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED') LIMIT ?2",
        )?;
        let rows = stmt.query_map(crate::store::sql::params![codec::ts(cutoff), batch], |r| {
            r.get(0)
        })?;
        rows.collect::<crate::store::sql::Result<_>>()?
    };
    if ids.is_empty() {
        return Ok(0);
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let params = || crate::store::sql::params_from_iter(ids.iter());
    tx.conn.execute(
        &format!("DELETE FROM logs WHERE flow_run_id IN ({marks})"),
        params(),
    )?;
    tx.conn.execute(
        &format!("DELETE FROM task_runs WHERE flow_run_id IN ({marks})"),
        params(),
    )?;
    tx.conn.execute(
        &format!("DELETE FROM flow_run_inputs WHERE flow_run_id IN ({marks})"),
        params(),
    )?;
    artifacts::delete_for_runs(tx, &ids, now)?;
    let n = tx.conn.execute(
        &format!("DELETE FROM flow_runs WHERE id IN ({marks})"),
        params(),
    )?;
    Ok(n as u64)
}

/// Deletes up to `batch` log lines stamped before `cutoff`; returns how many.
pub fn delete_logs_before(tx: &Tx, cutoff: Ts, batch: u32) -> Result<u64> {
    let n = tx.conn.execute(
        "DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE timestamp < ?1 LIMIT ?2)",
        crate::store::sql::params![codec::ts(cutoff), batch],
    )?;
    Ok(n as u64)
}

/// Deletes up to `batch` events that occurred before `cutoff`; returns how many.
pub fn delete_events_before(tx: &Tx, cutoff: Ts, batch: u32) -> Result<u64> {
    let n = tx.conn.execute(
        "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE occurred < ?1 LIMIT ?2)",
        crate::store::sql::params![codec::ts(cutoff), batch],
    )?;
    Ok(n as u64)
}
