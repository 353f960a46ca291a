//! State history rows, shared by flow runs (`flow_run_states`) and task runs (`task_run_states`).

use super::codec;
use super::error::Result;
use super::Tx;
use crate::domain::{State, StateDetails, StateType};
use crate::store::sql::{params, OptionalExtension, Row};
use uuid::Uuid;

/// Which history table: flow runs or task runs.
#[derive(Clone, Copy, Debug)]
pub enum Of {
    FlowRun,
    TaskRun,
}

impl Of {
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Of::FlowRun => ("flow_run_states", "flow_run_id"),
            Of::TaskRun => ("task_run_states", "task_run_id"),
        }
    }
}

fn row(r: &Row) -> crate::store::sql::Result<State> {
    Ok(State {
        id: codec::req_uuid(r, 0)?,
        kind: codec::required(r, 1, "state type", StateType::parse)?,
        name: r.get(2)?,
        timestamp: codec::req_ts(r, 3)?,
        message: r.get(4)?,
        data: codec::parse_json(r, 5)?,
        details: StateDetails::read_stored(&codec::parse_doc(r, 6)?),
    })
}

/// Appends a state to a run's history (ignored when that state id is already there).
pub fn insert(tx: &Tx, of: Of, run_id: Uuid, s: &State) -> Result<()> {
    // Static text: one state per run created or changed, on the writer's hot path.
    let sql = match of {
        Of::FlowRun => {
            "INSERT OR IGNORE INTO flow_run_states (id, flow_run_id, type, name, timestamp, message, data, \
             state_details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        }
        Of::TaskRun => {
            "INSERT OR IGNORE INTO task_run_states (id, task_run_id, type, name, timestamp, message, data, \
             state_details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        }
    };
    tx.conn.prepare_cached(sql)?.execute(params![
        s.id.to_string(),
        run_id.to_string(),
        s.kind.as_str(),
        s.name,
        codec::ts(s.timestamp),
        s.message,
        codec::json(&s.data),
        codec::doc(&s.details.to_doc())
    ])?;
    Ok(())
}

/// A run's state history, oldest first.
pub fn list(tx: &Tx, of: Of, run_id: Uuid) -> Result<Vec<State>> {
    let (table, fk) = of.table();
    let mut stmt = tx.conn.prepare_cached(&format!(
        "SELECT id, type, name, timestamp, message, data, state_details FROM {table} \
         WHERE {fk} = ?1 ORDER BY timestamp, rowid"
    ))?;
    let rows = stmt.query_map([run_id.to_string()], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// One state of a run's history by its id.
pub fn get(tx: &Tx, of: Of, id: Uuid) -> Result<Option<State>> {
    let (table, _) = of.table();
    let mut stmt = tx.conn.prepare_cached(&format!(
        "SELECT id, type, name, timestamp, message, data, state_details FROM {table} WHERE id = ?1"
    ))?;
    Ok(stmt.query_row([id.to_string()], row).optional()?)
}
