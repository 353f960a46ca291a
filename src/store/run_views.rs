//! Read-only aggregate views of flow runs for the dashboard: runs per interval and state, and the names
//! of the flows and deployments a page of runs refers to.

use super::codec;
use super::error::Result;
use super::query;
use super::Tx;
use crate::domain::filter::{Cond, Entity};
use crate::domain::Ts;
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
/// `interval` seconds and by state.
pub fn history(
    tx: &Tx,
    cond: &Cond,
    start: Ts,
    end: Ts,
    interval: i64,
) -> Result<Vec<HistoryCell>> {
    let mut params = vec![
        rusqlite::types::Value::Integer(start.timestamp()),
        rusqlite::types::Value::Integer(interval),
        rusqlite::types::Value::Text(codec::ts(start)),
        rusqlite::types::Value::Text(codec::ts(end)),
    ];
    let c = query::condition(Entity::FlowRun, cond, &mut params)?;
    let sql = format!(
        "SELECT (unixepoch(expected_start_time) - ?1) / ?2 AS bucket, state_type, state_name, count(*), \
         total(total_run_time), \
         total(max(0, unixepoch(start_time) - unixepoch(expected_start_time))) \
         FROM flow_runs \
         WHERE expected_start_time >= ?3 AND expected_start_time < ?4 AND state_type IS NOT NULL AND {c} \
         GROUP BY bucket, state_type, state_name ORDER BY bucket"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
        Ok(HistoryCell {
            bucket: r.get(0)?,
            state_type: r.get(1)?,
            state_name: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            count: r.get(3)?,
            run_time: r.get(4)?,
            lateness: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
        rusqlite::params_from_iter(ids.iter().map(Uuid::to_string)),
        |r| Ok((codec::req_uuid(r.get(0)?), r.get::<_, String>(1)?)),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
