//! The reads behind a flow run's graph: its task runs joined with the subflow runs they wrap, and its
//! artifacts with whether each is its key's latest.

use super::codec;
use super::error::Result;
use super::Tx;
use crate::domain::graph::{GraphArtifact, GraphRow, SubflowPart};
use crate::domain::StateType;
use crate::store::sql::{params, Row};
use uuid::Uuid;

fn state_type(r: &Row, i: usize) -> crate::store::sql::Result<Option<StateType>> {
    codec::decode(r, i, "state type", StateType::parse)
}

fn graph_row(r: &Row) -> crate::store::sql::Result<GraphRow> {
    let subflow = match codec::uuid(r, 7)? {
        Some(id) => Some(SubflowPart {
            id,
            label: format!(
                "{} / {}",
                r.get::<_, Option<String>>(8)?.unwrap_or_default(),
                r.get::<_, String>(9)?
            ),
            state_type: state_type(r, 10)?,
            start_time: codec::parse_ts(r, 11)?,
            expected_start_time: codec::parse_ts(r, 12)?,
            end_time: codec::parse_ts(r, 13)?,
        }),
        None => None,
    };
    Ok(GraphRow {
        task_run_id: codec::req_uuid(r, 0)?,
        name: r.get(1)?,
        state_type: state_type(r, 2)?,
        start_time: codec::parse_ts(r, 3)?,
        expected_start_time: codec::parse_ts(r, 4)?,
        end_time: codec::parse_ts(r, 5)?,
        task_inputs: codec::parse_doc(r, 6)?,
        subflow,
    })
}

/// The task runs of a flow run (at most `limit`), each with the subflow run it wraps.
pub fn rows(tx: &Tx, flow_run_id: Uuid, limit: usize) -> Result<Vec<GraphRow>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT t.id, t.name, t.state_type, t.start_time, t.expected_start_time, t.end_time, t.task_inputs, \
         f.id, fl.name, f.name, f.state_type, f.start_time, f.expected_start_time, f.end_time \
         FROM task_runs t LEFT JOIN flow_runs f ON f.parent_task_run_id = t.id \
         LEFT JOIN flows fl ON fl.id = f.flow_id \
         WHERE t.flow_run_id = ?1 LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![flow_run_id.to_string(), limit as i64], graph_row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// A flow run's artifacts other than results, oldest first, at most `limit`.
pub fn artifacts(tx: &Tx, flow_run_id: Uuid, limit: usize) -> Result<Vec<GraphArtifact>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT a.id, a.created, a.key, a.type, \
         a.key IS NULL OR EXISTS (SELECT 1 FROM artifact_collections c WHERE c.key = a.key AND c.latest_id = a.id), \
         CASE WHEN a.type = 'progress' THEN a.data END, a.task_run_id \
         FROM artifacts a WHERE a.flow_run_id = ?1 AND coalesce(a.type, '') <> 'result' \
         ORDER BY a.created, a.id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![flow_run_id.to_string(), limit as i64], |r| {
        Ok(GraphArtifact {
            id: codec::req_uuid(r, 0)?,
            created: codec::req_ts(r, 1)?,
            key: r.get(2)?,
            kind: r.get(3)?,
            is_latest: r.get(4)?,
            data: codec::parse_json(r, 5)?,
            task_run_id: codec::uuid(r, 6)?,
        })
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}
