//! The `deployment_catchup` table, and the scheduled runs that catch-up may skip.

use super::error::Result;
use super::{codec, Tx};
use crate::domain::catchup::Catchup;
use crate::domain::state::name;
use crate::domain::Ts;
use crate::store::sql::{params, OptionalExtension};
use uuid::Uuid;

/// A deployment's policy (`All` when none is set).
pub fn get(tx: &Tx, deployment: Uuid) -> Result<Catchup> {
    let p: Option<String> = tx
        .conn
        .query_row(
            "SELECT policy FROM deployment_catchup WHERE deployment_id = ?1",
            [deployment.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(p.as_deref().and_then(Catchup::parse).unwrap_or_default())
}

/// Sets a deployment's policy (the deployment must exist).
pub fn set(tx: &Tx, deployment: Uuid, policy: Catchup) -> Result<()> {
    tx.conn.execute(
        "INSERT INTO deployment_catchup (deployment_id, policy) VALUES (?1, ?2) \
         ON CONFLICT(deployment_id) DO UPDATE SET policy = excluded.policy",
        params![deployment.to_string(), policy.as_str()],
    )?;
    Ok(())
}

/// The statement of [`newer_due`]: the deployment's own waiting runs, through `flow_runs_deployment_state`.
/// SQLite without statistics chose `flow_runs_waiting`, every deployment's waiting runs in the time window;
/// it is told. PostgreSQL plans from its own statistics. Its plan is tested.
pub(super) fn newer_due_sql(pg: bool) -> String {
    let hint = crate::store::sql::dialect::indexed_by(pg, "flow_runs_deployment_state");
    format!(
        "SELECT 1 FROM flow_runs{hint} WHERE deployment_id = ?1 AND state_type = 'SCHEDULED' \
         AND state_name IN ('{}', '{}') AND auto_scheduled = 1 \
         AND next_scheduled_start_time > ?2 AND next_scheduled_start_time <= ?3 LIMIT 1",
        name::SCHEDULED,
        name::LATE
    )
}

/// Whether the deployment has an auto-scheduled run still waiting whose time is after `after` and not
/// after `now` (a newer run that is due too).
pub fn newer_due(tx: &Tx, deployment: Uuid, after: Ts, now: Ts) -> Result<bool> {
    let found = tx
        .conn
        .query_row(
            &newer_due_sql(tx.conn.is_pg()),
            params![deployment.to_string(), codec::ts(after), codec::ts(now)],
            |_| Ok(()),
        )
        .optional()?;
    Ok(found.is_some())
}

/// Up to `limit` Late auto-scheduled runs of deployments whose policy is not `all`, oldest first, after
/// the run time `after` (for paging): (run id, scheduled time, policy).
pub fn late_candidates(tx: &Tx, after: Option<Ts>, limit: u32) -> Result<Vec<(Uuid, Ts, Catchup)>> {
    // The query below walks every Late run (SQLite starts from the runs' index whatever the join order):
    // 14 % of the writer's time with 50,000 Late runs and no policy set. Most servers set none.
    let any_policy = tx
        .conn
        .query_row(
            "SELECT 1 FROM deployment_catchup WHERE policy <> 'all' LIMIT 1",
            [],
            |_| Ok(()),
        )
        .optional()?;
    if any_policy.is_none() {
        return Ok(Vec::new());
    }
    let mut stmt = tx.conn.prepare_cached(&format!(
        "SELECT r.id, r.next_scheduled_start_time, c.policy FROM flow_runs r \
         JOIN deployment_catchup c ON c.deployment_id = r.deployment_id \
         WHERE c.policy <> 'all' AND r.state_type = 'SCHEDULED' AND r.state_name = '{}' \
         AND r.auto_scheduled = 1 AND r.next_scheduled_start_time IS NOT NULL \
         AND r.next_scheduled_start_time > ?1 ORDER BY r.next_scheduled_start_time, r.id LIMIT ?2",
        name::LATE
    ))?;
    let after = after.map(codec::ts).unwrap_or_default();
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok((
            codec::req_uuid(r, 0)?,
            codec::req_ts(r, 1)?,
            codec::required(r, 2, "catch-up policy", Catchup::parse)?,
        ))
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}
