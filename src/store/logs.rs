//! The `logs` table.

use super::codec;
use super::error::Result;
use super::query;
use super::Tx;
use crate::domain::filter::{Entity, Query};
use crate::domain::log::Log;
use rusqlite::{params, Row};

const COLS: &str = "logs.id, logs.created, logs.name, logs.level, logs.message, logs.timestamp, logs.flow_run_id, logs.task_run_id";

fn row(r: &Row) -> rusqlite::Result<Log> {
    Ok(Log {
        id: codec::req_uuid(r.get(0)?),
        created: codec::req_ts(r.get(1)?),
        name: r.get(2)?,
        level: r.get(3)?,
        message: r.get(4)?,
        timestamp: codec::req_ts(r.get(5)?),
        flow_run_id: codec::uuid(r.get(6)?),
        task_run_id: codec::uuid(r.get(7)?),
    })
}

/// Inserts a batch of log lines.
pub fn insert_many(tx: &Tx, logs: &[Log]) -> Result<()> {
    let mut stmt = tx.conn.prepare_cached(
        "INSERT OR IGNORE INTO logs (id, created, name, level, message, timestamp, flow_run_id, task_run_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for l in logs {
        stmt.execute(params![
            l.id.to_string(),
            codec::ts(l.created),
            l.name,
            l.level,
            l.message,
            codec::ts(l.timestamp),
            l.flow_run_id.map(|u| u.to_string()),
            l.task_run_id.map(|u| u.to_string())
        ])?;
    }
    Ok(())
}

/// Log lines matching a query.
pub fn list(tx: &Tx, q: &Query) -> Result<Vec<Log>> {
    let mut params = Vec::new();
    let tail = query::tail(Entity::Log, q, &mut params)?;
    let sql = format!("SELECT {COLS} FROM logs {tail}");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
