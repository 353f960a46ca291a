//! Read-only aggregate views of flow runs for the dashboard: runs per interval and state, and the names
//! of the flows and deployments a page of runs refers to.

use super::codec;
use super::error::Result;
use super::query;
use super::Tx;
use crate::domain::filter::{Cond, Entity};
use crate::domain::Ts;
use crate::store::sql::Value as Sql;
use std::collections::HashMap;
use uuid::Uuid;

/// Runs of one state in one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryCell {
    /// Index of the interval from the history's start.
    pub bucket: i64,
    pub state_type: String,
    pub state_name: String,
    pub count: i64,
    /// Seconds of run time of those runs.
    pub run_time: f64,
    /// Seconds their starts were late in all.
    pub lateness: f64,
}

/// Counts of the runs matching `cond` whose expected start lies in `[start, end)`, grouped by interval of
/// `interval` seconds and by state. Each (state, interval) cell is one range read of the covering index
/// `flow_runs_history` (which holds each run's `lateness` column too), found by seeking from one state to the next: no sorting of the runs, so 100,000 runs
/// cost a few milliseconds instead of the hundred a `GROUP BY` over a computed interval takes.
pub fn history(
    tx: &Tx,
    cond: &Cond,
    start: Ts,
    end: Ts,
    interval: i64,
) -> Result<Vec<HistoryCell>> {
    let n = ((end - start).num_seconds() + interval - 1) / interval;
    let bounds: Vec<String> = (0..=n)
        .map(|i| codec::ts((start + chrono::Duration::seconds(i * interval)).min(end)))
        .collect();
    let mut cond_params = Vec::new();
    let c = query::condition(Entity::FlowRun, cond, &mut cond_params)?;
    let sql = format!(
        "SELECT count(*), total(total_run_time), \
         total(lateness) \
         FROM flow_runs WHERE state_type = ?1 AND state_name = ?2 \
         AND expected_start_time >= ?3 AND expected_start_time < ?4 AND {c}"
    );
    let mut cell = tx.conn.prepare_cached(&sql)?;
    let mut out = Vec::new();
    for (state_type, state_name) in super::merge::named_states(tx, None, 1001)? {
        for (i, w) in bounds.windows(2).enumerate() {
            let mut params = vec![
                Sql::Text(state_type.clone()),
                Sql::Text(state_name.clone()),
                Sql::Text(w[0].clone()),
                Sql::Text(w[1].clone()),
            ];
            params.extend(cond_params.iter().cloned());
            let (count, run_time, lateness) = cell
                .query_row(crate::store::sql::params_from_iter(params), |r| {
                    Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?))
                })?;
            if count > 0 {
                out.push(HistoryCell {
                    bucket: i as i64,
                    state_type: state_type.clone(),
                    state_name: state_name.clone(),
                    count,
                    run_time,
                    lateness,
                });
            }
        }
    }
    out.sort_by_key(|a| a.bucket);
    Ok(out)
}

/// Which table a name lookup reads.
#[derive(Debug, Clone, Copy)]
pub enum Named {
    Flows,
    Deployments,
}

/// The names of the given flows or deployments (ids that do not exist are left out).
pub fn names(tx: &Tx, what: Named, ids: &[Uuid]) -> Result<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let table = match what {
        Named::Flows => "flows",
        Named::Deployments => "deployments",
    };
    let marks = vec!["?"; ids.len()].join(", ");
    let sql = format!("SELECT id, name FROM {table} WHERE id IN ({marks})");
    let mut stmt = tx.conn.prepare(&sql)?;
    let rows = stmt.query_map(
        crate::store::sql::params_from_iter(ids.iter().map(Uuid::to_string)),
        |r| Ok((codec::req_uuid(r, 0)?, r.get::<_, String>(1)?)),
    )?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}
