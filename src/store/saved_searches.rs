//! The `saved_searches` table, and `server_configuration` (settings kept as JSON by key).

use super::codec;
use super::error::Result;
use super::Tx;
use crate::domain::saved_search::SavedSearch;
use crate::store::sql::{params, OptionalExtension, Row};
use serde_json::Value;
use uuid::Uuid;

const COLS: &str = "id, created, updated, name, filters";

fn row(r: &Row) -> crate::store::sql::Result<SavedSearch> {
    let filters = match codec::parse_json(r, 4)? {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    Ok(SavedSearch {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        filters,
    })
}

/// Saves a search under its name: a new row, or the filters of the one with that name replaced. Returns
/// the stored search and whether it is new.
pub fn upsert(tx: &Tx, s: &SavedSearch) -> Result<(SavedSearch, bool)> {
    let filters = Value::Array(s.filters.clone()).to_string();
    if let Some(mut old) = by_name(tx, &s.name)? {
        tx.conn.execute(
            "UPDATE saved_searches SET filters = ?2 WHERE id = ?1",
            params![old.id.to_string(), filters],
        )?;
        old.filters = s.filters.clone();
        return Ok((old, false));
    }
    tx.conn.execute(
        "INSERT INTO saved_searches (id, created, updated, name, filters) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            s.id.to_string(),
            codec::ts(s.created),
            codec::ts(s.updated),
            s.name,
            filters
        ],
    )?;
    Ok((s.clone(), true))
}

fn by_name(tx: &Tx, name: &str) -> Result<Option<SavedSearch>> {
    Ok(tx
        .conn
        .query_row(
            &format!("SELECT {COLS} FROM saved_searches WHERE name = ?1"),
            [name],
            row,
        )
        .optional()?)
}

/// One saved search.
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<SavedSearch>> {
    Ok(tx
        .conn
        .query_row(
            &format!("SELECT {COLS} FROM saved_searches WHERE id = ?1"),
            [id.to_string()],
            row,
        )
        .optional()?)
}

/// A page of saved searches by name.
pub fn list(tx: &Tx, limit: u32, offset: u64) -> Result<Vec<SavedSearch>> {
    let mut stmt = tx.conn.prepare_cached(&format!(
        "SELECT {COLS} FROM saved_searches ORDER BY name LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(params![limit, offset as i64], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Deletes a saved search; whether there was one.
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx
        .conn
        .execute("DELETE FROM saved_searches WHERE id = ?1", [id.to_string()])?
        > 0)
}

/// A server setting.
pub fn setting(tx: &Tx, key: &str) -> Result<Option<Value>> {
    let text: Option<String> = tx
        .conn
        .query_row(
            "SELECT value FROM server_configuration WHERE key = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Sets a server setting (`None` removes it).
pub fn set_setting(tx: &Tx, key: &str, value: Option<&Value>) -> Result<()> {
    match value {
        Some(v) => tx.conn.execute(
            "INSERT INTO server_configuration (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, v.to_string()],
        )?,
        None => tx
            .conn
            .execute("DELETE FROM server_configuration WHERE key = ?1", [key])?,
    };
    Ok(())
}
