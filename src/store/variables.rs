//! The `variables` table.

use super::codec;
use super::error::{Result, StoreError};
use super::query;
use super::Tx;
use crate::domain::filter::{Cond, Entity, Query};
use crate::domain::variable::Variable;
use crate::store::sql::{params, OptionalExtension, Row};
use serde_json::Value;
use uuid::Uuid;

const COLS: &str = "variables.id, variables.created, variables.updated, variables.name, \
                    variables.value, variables.tags";

fn row(r: &Row) -> crate::store::sql::Result<Variable> {
    Ok(Variable {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        value: codec::parse_json(r, 4)?.unwrap_or(Value::Null),
        tags: codec::parse_tags(r, 5)?,
    })
}

fn conflict(e: crate::store::sql::Error, name: &str) -> StoreError {
    match e {
        f if f.is_constraint() => {
            StoreError::Conflict(format!("A variable with the name '{name}' already exists."))
        }
        other => other.into(),
    }
}

/// Inserts a variable; a taken name is a conflict.
pub fn insert(tx: &Tx, v: &Variable) -> Result<()> {
    tx.conn
        .execute(
            "INSERT INTO variables (id, created, updated, name, value, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                v.id.to_string(),
                codec::ts(v.created),
                codec::ts(v.updated),
                v.name,
                v.value.to_string(),
                codec::tags(&v.tags)
            ],
        )
        .map_err(|e| conflict(e, &v.name))?;
    Ok(())
}

/// Writes every field of an existing variable; a taken name is a conflict.
pub fn update(tx: &Tx, v: &Variable) -> Result<()> {
    tx.conn
        .execute(
            "UPDATE variables SET updated = ?2, name = ?3, value = ?4, tags = ?5 WHERE id = ?1",
            params![
                v.id.to_string(),
                codec::ts(v.updated),
                v.name,
                v.value.to_string(),
                codec::tags(&v.tags)
            ],
        )
        .map_err(|e| conflict(e, &v.name))?;
    Ok(())
}

/// The variable with this id.
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<Variable>> {
    let sql = format!("SELECT {COLS} FROM variables WHERE id = ?1");
    Ok(tx.conn.query_row(&sql, [id.to_string()], row).optional()?)
}

/// The variable with this name.
pub fn by_name(tx: &Tx, name: &str) -> Result<Option<Variable>> {
    let sql = format!("SELECT {COLS} FROM variables WHERE name = ?1");
    Ok(tx.conn.query_row(&sql, [name], row).optional()?)
}

/// Variables matching a query.
pub fn list(tx: &Tx, q: &Query) -> Result<Vec<Variable>> {
    let mut params = Vec::new();
    let tail = query::tail(Entity::Variable, q, &mut params)?;
    let sql = format!("SELECT {COLS} FROM variables {tail}");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// How many variables match.
pub fn count(tx: &Tx, cond: &Cond) -> Result<u64> {
    query::count(tx, Entity::Variable, cond)
}

/// Deletes a variable; `false` when it did not exist.
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx
        .conn
        .execute("DELETE FROM variables WHERE id = ?1", [id.to_string()])?
        > 0)
}
