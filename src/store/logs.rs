//! The `logs` table.

use super::codec;
use super::error::Result;
use super::query;
use super::Tx;
use crate::domain::filter::{Entity, Query};
use crate::domain::log::Log;
use crate::store::sql::{Row, ToSql};

const COLS: &str = "logs.id, logs.created, logs.name, logs.level, logs.message, logs.timestamp, logs.flow_run_id, logs.task_run_id";

fn row(r: &Row) -> crate::store::sql::Result<Log> {
    Ok(Log {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        name: r.get(2)?,
        level: r.get(3)?,
        message: r.get(4)?,
        timestamp: codec::req_ts(r, 5)?,
        flow_run_id: codec::uuid(r, 6)?,
        task_run_id: codec::uuid(r, 7)?,
    })
}

/// Lines per `INSERT` statement: one statement per line cost more in starting and finishing statements
/// than in writing the rows.
const ROWS_PER_INSERT: usize = 32;

/// Inserts a batch of log lines (a line whose id is already stored is ignored).
pub fn insert_many(tx: &Tx, logs: &[Log]) -> Result<()> {
    // The statement for a whole chunk is built once; a shorter last chunk builds its own.
    static FULL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| insert_sql(ROWS_PER_INSERT));
    for chunk in logs.chunks(ROWS_PER_INSERT) {
        let mut stmt = if chunk.len() == ROWS_PER_INSERT {
            tx.conn.prepare_cached(&FULL)?
        } else {
            tx.conn.prepare_cached(&insert_sql(chunk.len()))?
        };
        let mut i = 0;
        for l in chunk {
            let values: [&dyn ToSql; 8] = [
                &l.id.to_string(),
                &codec::ts(l.created),
                &l.name,
                &l.level,
                &l.message,
                &codec::ts(l.timestamp),
                &l.flow_run_id.map(|u| u.to_string()),
                &l.task_run_id.map(|u| u.to_string()),
            ];
            for v in values {
                i += 1;
                stmt.raw_bind_parameter(i, v)?;
            }
        }
        stmt.raw_execute()?;
    }
    tx.announce_logs(|| logs.iter().map(|l| l.id.to_string()).collect())
}

fn insert_sql(rows: usize) -> String {
    let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?)"; rows].join(", ");
    format!(
        "INSERT OR IGNORE INTO logs (id, created, name, level, message, timestamp, flow_run_id, \
         task_run_id) VALUES {rows}"
    )
}

/// The log lines with these ids (those that exist), oldest first.
pub fn by_ids(tx: &Tx, ids: &[String]) -> Result<Vec<Log>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let sql = format!("SELECT {COLS} FROM logs WHERE id IN ({marks}) ORDER BY timestamp, id");
    let mut stmt = tx.conn.prepare(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(ids.iter()), row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Log lines matching a query.
pub fn list(tx: &Tx, q: &Query) -> Result<Vec<Log>> {
    let mut params = Vec::new();
    let tail = query::tail(Entity::Log, q, &mut params)?;
    let sql = format!("SELECT {COLS} FROM logs {tail}");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// The lines of one flow run (not of its subflows) after the keyset `after` (timestamp, id), oldest
/// first, at most `limit`.
pub fn of_flow_run_after(
    tx: &Tx,
    flow_run_id: uuid::Uuid,
    after: Option<(crate::domain::Ts, uuid::Uuid)>,
    limit: u32,
) -> Result<Vec<Log>> {
    let (t, id) = after.map_or((String::new(), String::new()), |(t, id)| {
        (codec::ts(t), id.to_string())
    });
    let sql = format!(
        "SELECT {COLS} FROM logs WHERE flow_run_id = ?1 AND (timestamp, id) > (?2, ?3) \
         ORDER BY timestamp, id LIMIT ?4"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        crate::store::sql::params![flow_run_id.to_string(), t, id, i64::from(limit)],
        row,
    )?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}
