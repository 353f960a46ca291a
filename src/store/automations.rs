//! The `automations` table. Triggers and actions are stored as the JSON the API answers.

use super::codec;
use super::error::Result;
use super::Tx;
use crate::domain::automation::{Action, Automation, Trigger};
use crate::store::sql::{params, OptionalExtension, Row};
use uuid::Uuid;

const COLS: &str = "id, created, updated, name, description, enabled, tags, trigger, actions, \
                    actions_on_trigger, actions_on_resolve, owner_resource";

fn actions(r: &Row, i: usize) -> crate::store::sql::Result<Vec<Action>> {
    Ok(
        codec::decode(r, i, "list of actions", |s| serde_json::from_str(s).ok())?
            .unwrap_or_default(),
    )
}

fn row(r: &Row) -> crate::store::sql::Result<Automation> {
    Ok(Automation {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        enabled: r.get(5)?,
        tags: codec::parse_tags(r, 6)?,
        trigger: codec::required(r, 7, "trigger", |s| serde_json::from_str::<Trigger>(s).ok())?,
        actions: actions(r, 8)?,
        actions_on_trigger: actions(r, 9)?,
        actions_on_resolve: actions(r, 10)?,
        owner_resource: r.get(11)?,
    })
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Inserts or replaces every field of an automation.
pub fn put(tx: &Tx, a: &Automation) -> Result<()> {
    tx.conn.execute(
        &format!(
            "INSERT INTO automations ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
             ON CONFLICT(id) DO UPDATE SET updated = excluded.updated, name = excluded.name, \
             description = excluded.description, enabled = excluded.enabled, tags = excluded.tags, \
             trigger = excluded.trigger, actions = excluded.actions, \
             actions_on_trigger = excluded.actions_on_trigger, \
             actions_on_resolve = excluded.actions_on_resolve, owner_resource = excluded.owner_resource"
        ),
        params![
            a.id.to_string(),
            codec::ts(a.created),
            codec::ts(a.updated),
            a.name,
            a.description,
            a.enabled,
            codec::tags(&a.tags),
            json(&a.trigger),
            json(&a.actions),
            json(&a.actions_on_trigger),
            json(&a.actions_on_resolve),
            a.owner_resource
        ],
    )?;
    Ok(())
}

/// One automation.
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<Automation>> {
    let sql = format!("SELECT {COLS} FROM automations WHERE id = ?1");
    Ok(tx.conn.query_row(&sql, [id.to_string()], row).optional()?)
}

/// Every automation, by name (then id).
pub fn all(tx: &Tx) -> Result<Vec<Automation>> {
    let sql = format!("SELECT {COLS} FROM automations ORDER BY name, id");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Automations owned by a resource (a deployment's triggers).
pub fn owned_by(tx: &Tx, resource: &str) -> Result<Vec<Automation>> {
    let sql = format!("SELECT {COLS} FROM automations WHERE owner_resource = ?1 ORDER BY name");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([resource], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Deletes one automation with its trigger state and pending actions; `false` when there was none.
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    let id = id.to_string();
    tx.conn.execute(
        "DELETE FROM automation_actions WHERE automation_id = ?1",
        [&id],
    )?;
    Ok(tx
        .conn
        .execute("DELETE FROM automations WHERE id = ?1", [&id])?
        > 0)
}

/// Forgets the counting state of an automation (its trigger changed or it was paused).
pub fn reset_state(tx: &Tx, id: Uuid) -> Result<()> {
    let id = id.to_string();
    tx.conn.execute(
        "DELETE FROM automation_buckets WHERE automation_id = ?1",
        [&id],
    )?;
    tx.conn.execute(
        "DELETE FROM automation_child_firings WHERE automation_id = ?1",
        [&id],
    )?;
    Ok(())
}

/// Whether any automation other than `except` is enabled.
pub fn others_enabled(tx: &Tx, except: Uuid) -> Result<bool> {
    Ok(tx.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM automations WHERE enabled = 1 AND id <> ?1)",
        [except.to_string()],
        |r| r.get(0),
    )?)
}

/// Whether any automation is enabled.
pub fn any_enabled(tx: &Tx) -> Result<bool> {
    others_enabled(tx, Uuid::nil())
}
