//! The `flows` table.

use super::codec;
use super::error::Result;
use super::query;
use super::Tx;
use crate::domain::filter::{Cond, Entity, Query};
use crate::domain::flow::Flow;
use crate::domain::{Doc, Ts};
use crate::store::sql::{params, OptionalExtension, Row};
use uuid::Uuid;

const COLS: &str = "flows.id, flows.created, flows.updated, flows.name, flows.tags, flows.labels";

fn row(r: &Row) -> crate::store::sql::Result<Flow> {
    Ok(Flow {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        tags: codec::parse_tags(r, 4)?,
        labels: codec::parse_doc(r, 5)?,
    })
}

/// Returns the flow named `name`, creating it when absent; `true` when it was created.
pub fn upsert(tx: &Tx, name: &str, tags: &[String], labels: &Doc, now: Ts) -> Result<(Flow, bool)> {
    if let Some(flow) = by_name(tx, name)? {
        return Ok((flow, false));
    }
    let flow = Flow {
        id: Uuid::now_v7(),
        created: now,
        updated: now,
        name: name.to_string(),
        tags: tags.to_vec(),
        labels: labels.clone(),
    };
    tx.conn.execute(
        "INSERT INTO flows (id, created, updated, name, tags, labels) VALUES (?1, ?2, ?2, ?3, ?4, ?5)",
        params![flow.id.to_string(), codec::ts(now), flow.name, codec::tags(&flow.tags), codec::doc(&flow.labels)],
    )?;
    Ok((flow, true))
}

/// The flow with this id.
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<Flow>> {
    let sql = format!("SELECT {COLS} FROM flows WHERE id = ?1");
    Ok(tx
        .conn
        .prepare_cached(&sql)?
        .query_row([id.to_string()], row)
        .optional()?)
}

/// Flow names by id, for the state events of their runs: a flow's name never changes and an id is never
/// used again, so a name once read stays true (bounded: emptied when full).
static NAMES: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<Uuid, String>>> =
    std::sync::LazyLock::new(Default::default);
const NAMES_KEPT: usize = 4096;

/// The name of the flow with this id (from memory after the first read).
pub fn name(tx: &Tx, id: Uuid) -> Result<Option<String>> {
    if let Some(n) = NAMES.lock().ok().and_then(|m| m.get(&id).cloned()) {
        return Ok(Some(n));
    }
    let found: Option<String> = tx
        .conn
        .prepare_cached("SELECT name FROM flows WHERE id = ?1")?
        .query_row([id.to_string()], |r| r.get(0))
        .optional()?;
    if let (Some(n), Ok(mut m)) = (&found, NAMES.lock()) {
        if m.len() >= NAMES_KEPT {
            m.clear();
        }
        m.insert(id, n.clone());
    }
    Ok(found)
}

/// The flow with this name.
pub fn by_name(tx: &Tx, name: &str) -> Result<Option<Flow>> {
    let sql = format!("SELECT {COLS} FROM flows WHERE name = ?1");
    Ok(tx
        .conn
        .prepare_cached(&sql)?
        .query_row([name], row)
        .optional()?)
}

/// Flows matching a query.
pub fn list(tx: &Tx, q: &Query) -> Result<Vec<Flow>> {
    let mut params = Vec::new();
    let tail = query::tail(Entity::Flow, q, &mut params)?;
    let sql = format!("SELECT {COLS} FROM flows {tail}");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// How many flows match.
pub fn count(tx: &Tx, cond: &Cond) -> Result<u64> {
    query::count(tx, Entity::Flow, cond)
}

/// Deletes a flow and (by cascade) its runs; `false` when it did not exist.
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    let id = id.to_string();
    tx.conn.execute(
        "DELETE FROM logs WHERE flow_run_id IN (SELECT id FROM flow_runs WHERE flow_id = ?1)",
        [&id],
    )?;
    tx.conn.execute(
        "DELETE FROM task_runs WHERE flow_run_id IN (SELECT id FROM flow_runs WHERE flow_id = ?1)",
        [&id],
    )?;
    tx.conn.execute(
        "DELETE FROM flow_run_inputs WHERE flow_run_id IN (SELECT id FROM flow_runs WHERE flow_id = ?1)",
        [&id],
    )?;
    Ok(tx.conn.execute("DELETE FROM flows WHERE id = ?1", [&id])? > 0)
}

/// Replaces a flow's tags; `false` when there is no such flow.
pub fn set_tags(tx: &Tx, id: Uuid, tags: &[String], now: Ts) -> Result<bool> {
    Ok(tx.conn.execute(
        "UPDATE flows SET tags = ?2, updated = ?3 WHERE id = ?1",
        params![id.to_string(), codec::tags(tags), codec::ts(now)],
    )? > 0)
}
