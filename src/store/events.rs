//! The `events` table: every event Baton received or emitted, kept for subscribers' backfill and the UI.

use super::codec;
use super::error::Result;
use super::Tx;
use crate::domain::event::Event;
use crate::domain::Ts;
use rusqlite::{params, Row};
use serde_json::Value;

fn row(r: &Row) -> rusqlite::Result<Event> {
    let related = codec::decode(r, 4, "list of related resources", |s| {
        serde_json::from_str::<Vec<Value>>(s)
            .ok()?
            .into_iter()
            .map(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
    })?
    .unwrap_or_default();
    Ok(Event {
        id: codec::req_uuid(r, 0)?,
        occurred: codec::req_ts(r, 1)?,
        event: r.get(2)?,
        resource: codec::parse_doc(r, 3)?,
        related,
        payload: codec::parse_doc(r, 5)?,
        follows: codec::uuid(r, 6)?,
        received: codec::req_ts(r, 7)?,
    })
}

/// Stores an event; `false` when an event with that id was already stored (a client resend).
pub fn insert(tx: &Tx, e: &Event) -> Result<bool> {
    let related = Value::Array(e.related.iter().cloned().map(Value::Object).collect()).to_string();
    let n = tx
        .conn
        .prepare_cached(
            "INSERT OR IGNORE INTO events (id, occurred, event, resource_id, resource, related, payload, follows, received) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            e.id.to_string(),
            codec::ts(e.occurred),
            e.event,
            e.resource_id(),
            codec::doc(&e.resource),
            related,
            codec::doc(&e.payload),
            e.follows.map(|u| u.to_string()),
            codec::ts(e.received)
        ])?;
    Ok(n > 0)
}

/// Events that occurred at or after `since`, oldest first, at most `limit`.
pub fn since(tx: &Tx, since: Ts, limit: u32) -> Result<Vec<Event>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT id, occurred, event, resource, related, payload, follows, received FROM events \
         WHERE occurred >= ?1 ORDER BY occurred, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![codec::ts(since), limit], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
