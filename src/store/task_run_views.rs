//! Aggregate reads of task runs: runs per interval and state (`/task_runs/history`) and finished runs per
//! bucket of the dashboard's chart (`/ui/task_runs/dashboard/counts`).

use super::codec;
use super::error::Result;
use super::query;
use super::read_views::{lateness_sql, TERMINAL};
use super::run_views::HistoryCell;
use super::Tx;
use crate::domain::filter::{Cond, Entity};
use crate::domain::Ts;
use crate::store::sql::Value as Sql;

/// Task runs matching `cond` whose expected start lies in `[start, end)`, counted per interval of
/// `interval` seconds from `start` and per current state, with their run times and lateness summed
/// (`now` is when a running run's time and a waiting run's lateness are counted to). Ordered by interval,
/// then state type and name.
pub fn history(
    tx: &Tx,
    cond: &Cond,
    start: Ts,
    end: Ts,
    interval: f64,
    now: Ts,
) -> Result<Vec<HistoryCell>> {
    let mut params = vec![
        Sql::Text(codec::ts(now)),
        Sql::Text(codec::ts(start)),
        Sql::Real(interval),
        Sql::Text(codec::ts(end)),
    ];
    let c = query::condition(Entity::TaskRun, cond, &mut params)?;
    let run_time = "task_runs.total_run_time + CASE WHEN task_runs.state_type = 'RUNNING' \
         AND task_runs.state_timestamp IS NOT NULL \
         THEN max(0, unixepoch(?1, 'subsec') - unixepoch(task_runs.state_timestamp, 'subsec')) ELSE 0 END";
    let sql = format!(
        "SELECT CAST((unixepoch(expected_start_time, 'subsec') - unixepoch(?2, 'subsec')) / ?3 AS INTEGER) AS b, \
         state_type, state_name, count(*), total(max(0, {run_time})), total(max(0, {})) \
         FROM task_runs WHERE expected_start_time >= ?2 AND expected_start_time < ?4 \
         AND state_type IS NOT NULL AND {c} \
         GROUP BY b, state_type, state_name ORDER BY b, state_type, state_name",
        lateness_sql("task_runs", "?1")
    );
    let mut stmt = tx.conn.prepare(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), |r| {
        Ok(HistoryCell {
            bucket: r.get(0)?,
            state_type: r.get(1)?,
            state_name: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            count: r.get(3)?,
            run_time: r.get(4)?,
            lateness: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Finished task runs matching `cond` that started in `[start, start + buckets·width)`, per bucket of
/// `width` seconds: `(bucket, completed, failed)` where failed counts FAILED and CRASHED runs.
pub fn finished_per_bucket(
    tx: &Tx,
    cond: &Cond,
    start: Ts,
    width: f64,
    buckets: i64,
) -> Result<Vec<(i64, u64, u64)>> {
    let mut params = vec![Sql::Text(codec::ts(start)), Sql::Real(width)];
    // Numbered parameters first: the condition's `?`s number on from the highest seen before them.
    let c = query::condition(Entity::TaskRun, cond, &mut params)?;
    let sql = format!(
        "SELECT b, count(*) FILTER (WHERE state_type NOT IN ('FAILED', 'CRASHED')), \
         count(*) FILTER (WHERE state_type IN ('FAILED', 'CRASHED')) \
         FROM (SELECT CAST((unixepoch(start_time, 'subsec') - unixepoch(?1, 'subsec')) / ?2 AS INTEGER) AS b, \
               state_type FROM task_runs \
               WHERE start_time >= ?1 AND state_type IN {TERMINAL} AND {c}) AS buckets \
         WHERE b >= 0 AND b < {buckets} GROUP BY b ORDER BY b"
    );
    let mut stmt = tx.conn.prepare(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)? as u64,
            r.get::<_, i64>(2)? as u64,
        ))
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}
