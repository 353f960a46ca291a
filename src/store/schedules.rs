//! The `deployment_schedules` table, and the auto-scheduled runs the scheduler keeps for each schedule.

use super::codec;
use super::error::{Result, StoreError};
use super::Tx;
use crate::domain::deployment::DeploymentSchedule;
use crate::domain::schedule::Schedule;
use crate::domain::state::name;
use crate::domain::Ts;
use crate::store::sql::{params, Row};
use uuid::Uuid;

const COLS: &str =
    "id, created, updated, deployment_id, kind, cron, day_or, interval_seconds, anchor_date, \
    rrule, timezone, active, max_scheduled_runs, parameters, slug";

fn row(r: &Row) -> crate::store::sql::Result<DeploymentSchedule> {
    let kind = codec::required(r, 4, "schedule kind", |k| {
        ["cron", "interval", "rrule"]
            .contains(&k)
            .then(|| k.to_string())
    })?;
    let timezone: Option<String> = r.get(10)?;
    let text = |i: usize, what: &'static str| codec::required(r, i, what, |s| Some(s.to_string()));
    let schedule = match kind.as_str() {
        "cron" => Schedule::Cron {
            cron: text(5, "cron expression")?,
            timezone,
            day_or: r.get(6)?,
        },
        "interval" => Schedule::Interval {
            interval: r.get::<_, Option<f64>>(7)?.unwrap_or(0.0),
            anchor_date: codec::parse_ts(r, 8)?.unwrap_or_default(),
            timezone,
        },
        _ => Schedule::RRule {
            rrule: text(9, "rrule")?,
            timezone,
        },
    };
    Ok(DeploymentSchedule {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        deployment_id: codec::req_uuid(r, 3)?,
        schedule,
        active: r.get(11)?,
        max_scheduled_runs: r.get(12)?,
        parameters: codec::parse_doc(r, 13)?,
        slug: r.get(14)?,
    })
}

/// A deployment's schedules, the most recently created or changed first (Prefect's order); schedules
/// written together, newest first.
pub fn schedules(tx: &Tx, deployment_id: Uuid) -> Result<Vec<DeploymentSchedule>> {
    let mut stmt = tx.conn.prepare_cached(&format!(
        "SELECT {COLS} FROM deployment_schedules WHERE deployment_id = ?1 ORDER BY updated DESC, rowid DESC"
    ))?;
    let rows = stmt.query_map([deployment_id.to_string()], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// A schedule as its columns: kind, cron, day_or, interval, anchor, rrule, timezone.
struct Columns<'a> {
    kind: &'static str,
    cron: Option<&'a str>,
    day_or: bool,
    interval: Option<f64>,
    anchor: Option<String>,
    rrule: Option<&'a str>,
    tz: Option<&'a str>,
}

fn columns(s: &Schedule) -> Columns<'_> {
    match s {
        Schedule::Cron {
            cron,
            timezone,
            day_or,
        } => Columns {
            kind: "cron",
            cron: Some(cron),
            day_or: *day_or,
            interval: None,
            anchor: None,
            rrule: None,
            tz: timezone.as_deref(),
        },
        Schedule::Interval {
            interval,
            anchor_date,
            timezone,
        } => Columns {
            kind: "interval",
            cron: None,
            day_or: true,
            interval: Some(*interval),
            anchor: Some(codec::ts(*anchor_date)),
            rrule: None,
            tz: timezone.as_deref(),
        },
        Schedule::RRule { rrule, timezone } => Columns {
            kind: "rrule",
            cron: None,
            day_or: true,
            interval: None,
            anchor: None,
            rrule: Some(rrule),
            tz: timezone.as_deref(),
        },
    }
}

const INSERT: &str =
    "INSERT INTO deployment_schedules (id, created, updated, deployment_id, kind, cron, day_or, \
    interval_seconds, anchor_date, rrule, timezone, active, max_scheduled_runs, parameters, slug) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

const UPDATE: &str = "UPDATE deployment_schedules SET updated = ?3, kind = ?5, cron = ?6, day_or = ?7, \
    interval_seconds = ?8, anchor_date = ?9, rrule = ?10, timezone = ?11, active = ?12, max_scheduled_runs = ?13, \
    parameters = ?14, slug = ?15, next_check_at = NULL WHERE id = ?1";

/// Runs `sql` with every field of `s` bound in column order; returns the rows changed.
fn write(tx: &Tx, sql: &str, s: &DeploymentSchedule) -> Result<usize> {
    let Columns {
        kind,
        cron,
        day_or,
        interval,
        anchor,
        rrule,
        tz,
    } = columns(&s.schedule);
    Ok(tx.conn.prepare_cached(sql)?.execute(params![
        s.id.to_string(),
        codec::ts(s.created),
        codec::ts(s.updated),
        s.deployment_id.to_string(),
        kind,
        cron,
        day_or,
        interval,
        anchor,
        rrule,
        tz,
        s.active,
        s.max_scheduled_runs,
        codec::doc(&s.parameters),
        s.slug
    ])?)
}

/// Inserts a schedule.
pub fn insert_schedule(tx: &Tx, s: &DeploymentSchedule) -> Result<()> {
    write(tx, INSERT, s).map(|_| ())
}

/// Writes a schedule's fields and makes the scheduler look at it again.
pub fn update_schedule(tx: &Tx, s: &DeploymentSchedule) -> Result<()> {
    if write(tx, UPDATE, s)? == 0 {
        return Err(StoreError::NotFound("schedule"));
    }
    Ok(())
}

/// Deletes a schedule; `false` when it did not exist.
pub fn delete_schedule(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx.conn.execute(
        "DELETE FROM deployment_schedules WHERE id = ?1",
        [id.to_string()],
    )? > 0)
}

/// Deletes the runs a schedule of `deployment_id` created that have not started and are not Late yet
/// (SCHEDULED "Scheduled", in the future). Returns how many.
pub fn delete_future_runs_of_schedule(
    tx: &Tx,
    deployment_id: Uuid,
    schedule_id: Uuid,
    now: Ts,
) -> Result<usize> {
    tx.conn.execute(
        "UPDATE deployment_schedules SET next_check_at = NULL WHERE id = ?1",
        [schedule_id.to_string()],
    )?;
    Ok(tx.conn.execute(
        &delete_future_runs_sql(true, tx.conn.is_pg()),
        params![
            deployment_id.to_string(),
            schedule_id.to_string(),
            codec::ts(now)
        ],
    )?)
}

/// The same for every schedule of a deployment (pause, delete). Either way the scheduler looks at the
/// schedules again on its next tick.
pub fn delete_future_runs_of_deployment(tx: &Tx, deployment_id: Uuid, now: Ts) -> Result<usize> {
    tx.conn.execute(
        "UPDATE deployment_schedules SET next_check_at = NULL WHERE deployment_id = ?1",
        [deployment_id.to_string()],
    )?;
    Ok(tx.conn.execute(
        &delete_future_runs_sql(false, tx.conn.is_pg()),
        params![deployment_id.to_string(), codec::ts(now)],
    )?)
}

/// The statement deleting the future waiting runs of deployment `?1` (of its schedule `?2` only when
/// `of_schedule`) after the time in the last parameter. Runs have no index by schedule (every run the
/// scheduler creates paid for one, for this statement alone): the deployment's waiting runs are walked through
/// `flow_runs_deployment_state`. SQLite is told so: without statistics it prefers `flow_runs_waiting` for the
/// state and time terms, which walks the waiting runs of every deployment. PostgreSQL plans from its own
/// statistics. Its plan is tested.
pub(super) fn delete_future_runs_sql(of_schedule: bool, pg: bool) -> String {
    let hint = crate::store::sql::dialect::indexed_by(pg, "flow_runs_deployment_state");
    let (schedule, after) = if of_schedule {
        (" AND deployment_schedule_id = ?2", 3)
    } else {
        ("", 2)
    };
    format!(
        "DELETE FROM flow_runs{hint} WHERE deployment_id = ?1{schedule} AND auto_scheduled = 1 \
         AND state_type = 'SCHEDULED' AND state_name = '{}' AND next_scheduled_start_time > ?{after}",
        name::SCHEDULED
    )
}

/// A schedule the scheduler should look at: active, of an unpaused deployment, and due for a top-up.
#[derive(Debug, Clone)]
pub struct DueSchedule {
    pub schedule: DeploymentSchedule,
    pub deployment_id: Uuid,
}

/// Active schedules of unpaused deployments whose look-ahead needs a top-up at `now` (never computed, or
/// their earliest materialised run has come due), at most `limit`.
pub fn due_schedules(tx: &Tx, now: Ts, limit: u32) -> Result<Vec<DueSchedule>> {
    let sql = format!(
        "SELECT {} FROM deployment_schedules s JOIN deployments d ON d.id = s.deployment_id \
         WHERE s.active = 1 AND d.paused = 0 AND (s.next_check_at IS NULL OR s.next_check_at <= ?1) \
         ORDER BY s.next_check_at NULLS FIRST LIMIT ?2",
        COLS.split(", ").map(|c| format!("s.{}", c.trim())).collect::<Vec<_>>().join(", ")
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![codec::ts(now), limit], row)?;
    let mut due = Vec::new();
    for r in rows {
        match r {
            Ok(s) => due.push(DueSchedule {
                deployment_id: s.deployment_id,
                schedule: s,
            }),
            // One damaged schedule must not stop the scheduler for every other deployment.
            Err(e) => tracing::error!(error = %e, "skipping a schedule that cannot be read"),
        }
    }
    Ok(due)
}

/// Records when the scheduler should next look at a schedule.
pub fn set_next_check(tx: &Tx, schedule_id: Uuid, at: Ts) -> Result<()> {
    tx.conn
        .prepare_cached("UPDATE deployment_schedules SET next_check_at = ?2 WHERE id = ?1")?
        .execute(params![schedule_id.to_string(), codec::ts(at)])?;
    Ok(())
}

/// The earliest time the scheduler needs to look at any schedule (for its timer).
pub fn earliest_check(tx: &Tx) -> Result<Option<Ts>> {
    Ok(tx.conn.query_row(
        "SELECT min(s.next_check_at) FROM deployment_schedules s JOIN deployments d ON d.id = s.deployment_id \
         WHERE s.active = 1 AND d.paused = 0",
        [],
        |r| codec::parse_ts(r, 0),
    )?)
}
