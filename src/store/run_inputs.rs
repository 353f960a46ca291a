//! The `flow_run_inputs` table: keyed values sent to a flow run.

use super::codec;
use super::error::{Result, StoreError};
use super::Tx;
use crate::domain::run_input::RunInput;
use crate::store::sql::{params, OptionalExtension, Row};
use uuid::Uuid;

const COLS: &str = "id, created, updated, flow_run_id, key, value, sender";

fn row(r: &Row) -> crate::store::sql::Result<RunInput> {
    Ok(RunInput {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        flow_run_id: codec::req_uuid(r, 3)?,
        key: r.get(4)?,
        value: r.get(5)?,
        sender: r.get(6)?,
    })
}

/// Stores an input; a key the run already has is a conflict (Prefect's wording).
pub fn insert(tx: &Tx, i: &RunInput) -> Result<()> {
    tx.conn
        .execute(
            "INSERT INTO flow_run_inputs (id, created, updated, flow_run_id, key, value, sender) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                i.id.to_string(),
                codec::ts(i.created),
                codec::ts(i.updated),
                i.flow_run_id.to_string(),
                i.key,
                i.value,
                i.sender
            ],
        )
        .map_err(|e| match e {
            f if f.is_constraint() => {
                StoreError::Conflict("A flow run input with this key already exists.".into())
            }
            other => other.into(),
        })?;
    Ok(())
}

/// The input of a run under `key`.
pub fn get(tx: &Tx, run: Uuid, key: &str) -> Result<Option<RunInput>> {
    Ok(tx
        .conn
        .query_row(
            &format!("SELECT {COLS} FROM flow_run_inputs WHERE flow_run_id = ?1 AND key = ?2"),
            params![run.to_string(), key],
            row,
        )
        .optional()?)
}

/// Up to `limit` inputs of a run whose key starts with `prefix`, but not in `exclude`, oldest first.
pub fn filter(
    tx: &Tx,
    run: Uuid,
    prefix: &str,
    exclude: &[String],
    limit: usize,
) -> Result<Vec<RunInput>> {
    let mut stmt = tx.conn.prepare_cached(&format!(
        "SELECT {COLS} FROM flow_run_inputs WHERE flow_run_id = ?1 AND substr(key, 1, length(?2)) = ?2 \
         ORDER BY created, rowid"
    ))?;
    let rows = stmt.query_map(params![run.to_string(), prefix], row)?;
    let mut out = Vec::new();
    for r in rows {
        let i = r?;
        if exclude.contains(&i.key) {
            continue;
        }
        out.push(i);
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

/// Deletes the input of a run under `key`; whether there was one.
pub fn delete(tx: &Tx, run: Uuid, key: &str) -> Result<bool> {
    Ok(tx.conn.execute(
        "DELETE FROM flow_run_inputs WHERE flow_run_id = ?1 AND key = ?2",
        params![run.to_string(), key],
    )? > 0)
}
