//! The `events` table: every event Baton received or emitted, kept for subscribers' backfill and the UI.

use super::codec;
use super::error::Result;
use super::Tx;
use crate::domain::event::{Event, EventFilter};
use crate::domain::run_state_event::StoredEvent;
use crate::domain::Ts;
use crate::store::sql::{params, OptionalExtension, Row};
use serde_json::Value;

fn row(r: &Row) -> crate::store::sql::Result<Event> {
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
    insert_stored(tx, &StoredEvent::of(e))
}

/// Stores an event given as its columns (a flow run's state event writes its JSON straight from its
/// facts); `false` when an event with that id was already stored.
pub fn insert_stored(tx: &Tx, e: &StoredEvent) -> Result<bool> {
    let id = e.id.to_string();
    let notice = tx.event_notice(&id);
    // On PostgreSQL the announcement to the other servers goes in the same statement (sent on commit, only
    // when the row was new): one round trip instead of two.
    let sql = if notice.is_some() {
        "WITH e AS (INSERT INTO events (id, occurred, event, resource_id, resource, related, payload, follows, \
         received) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING RETURNING id) \
         SELECT pg_notify(?11, ?10) FROM e"
    } else {
        "INSERT OR IGNORE INTO events (id, occurred, event, resource_id, resource, related, payload, follows, received) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    };
    let mut stmt = tx.conn.prepare_cached(sql)?;
    let values = params![
        id,
        codec::ts(e.occurred),
        e.event,
        e.resource_id,
        e.resource,
        e.related,
        e.payload,
        e.follows.map(|u| u.to_string()),
        codec::ts(e.received)
    ];
    let n = match notice {
        Some(payload) => {
            let mut all: Vec<&dyn crate::store::sql::Param> = values.to_vec();
            all.push(&payload);
            all.push(&super::pg::CHANNEL);
            stmt.execute(all.as_slice())?
        }
        None => stmt.execute(values)?,
    };
    Ok(n > 0)
}

/// Events that occurred at or after `since`, oldest first, at most `limit`.
pub fn since(tx: &Tx, since: Ts, limit: u32) -> Result<Vec<Event>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT id, occurred, event, resource, related, payload, follows, received FROM events \
         WHERE occurred >= ?1 ORDER BY occurred, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![codec::ts(since), limit], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// A place in the events table's feed. On SQLite the rowid gives the order events committed in (one
/// writer). On PostgreSQL rowids are handed out before commit, so a later rowid may commit first: the feed
/// is ordered by the inserting transaction's id, then the rowid, and stops below the oldest transaction
/// still running, so an event that commits late is never passed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCursor {
    /// The inserting transaction (PostgreSQL; 0 on SQLite).
    pub xid: i64,
    pub rowid: i64,
}

/// Stored events after `c` in the feed's order (the trigger loop's feed), at most `limit`.
pub fn after_rowid(tx: &Tx, c: EventCursor, limit: u32) -> Result<Vec<(EventCursor, Event)>> {
    let cols = "id, occurred, event, resource, related, payload, follows, received, rowid";
    let sql = if tx.conn.is_pg() {
        format!(
            "SELECT {cols}, CAST(CAST(xid AS TEXT) AS BIGINT) FROM events \
             WHERE (xid, rowid) > (CAST(CAST(?1 AS TEXT) AS xid8), ?2) \
             AND xid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY xid, rowid LIMIT ?3"
        )
    } else {
        format!("SELECT {cols}, 0 FROM events WHERE rowid > ?2 ORDER BY rowid LIMIT ?3")
    };
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![c.xid.to_string(), c.rowid, limit], |r| {
        let at = EventCursor {
            xid: r.get(9)?,
            rowid: r.get(8)?,
        };
        Ok((at, row(r)?))
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Whether events after `c` are stored but not yet in the feed (PostgreSQL: a transaction older than theirs,
/// on any database of the server, is still running); always `false` on SQLite. The feed must be read
/// again shortly then: no new event may come to prompt it.
pub fn beyond_horizon(tx: &Tx, c: EventCursor) -> Result<bool> {
    if !tx.conn.is_pg() {
        return Ok(false);
    }
    Ok(tx.conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM events WHERE (xid, rowid) > (CAST(CAST(?1 AS TEXT) AS xid8), ?2))",
        params![c.xid.to_string(), c.rowid],
        |r| r.get(0),
    )?)
}

/// The feed's end now: the events stored so far are before it.
pub fn last_rowid(tx: &Tx) -> Result<EventCursor> {
    if tx.conn.is_pg() {
        // Every transaction below the oldest running one has ended; later ones are "from now on".
        let xmin: i64 = tx.conn.query_row(
            "SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS TEXT) AS BIGINT)",
            [],
            |r| r.get(0),
        )?;
        return Ok(EventCursor {
            xid: xmin - 1,
            rowid: i64::MAX,
        });
    }
    let rowid = tx
        .conn
        .query_row("SELECT COALESCE(MAX(rowid), 0) FROM events", [], |r| {
            r.get(0)
        })?;
    Ok(EventCursor { xid: 0, rowid })
}

/// Calls `visit` with every stored event that passes `f`, newest first when `desc`. SQL narrows by time,
/// name and resource id; the filter decides the rest. `visit` returns `false` to stop.
pub fn scan(
    tx: &Tx,
    f: &EventFilter,
    desc: bool,
    mut visit: impl FnMut(Event) -> bool,
) -> Result<()> {
    let mut sql = String::from(
        "SELECT id, occurred, event, resource, related, payload, follows, received FROM events WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    let mut arg = |sql: &mut String, clause: &str, v: String| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(s) = f.since {
        arg(&mut sql, " AND occurred >= ?", codec::ts(s));
    }
    if let Some(u) = f.until {
        arg(&mut sql, " AND occurred <= ?", codec::ts(u));
    }
    if f.names.len() == 1 && f.name_prefixes.is_empty() {
        arg(&mut sql, " AND event = ?", f.names[0].clone());
    }
    if f.resource_ids.len() == 1 && f.resource_id_prefixes.is_empty() {
        arg(&mut sql, " AND resource_id = ?", f.resource_ids[0].clone());
    }
    if f.resource_id_prefixes.len() == 1 && f.resource_ids.is_empty() {
        let p = &f.resource_id_prefixes[0];
        arg(&mut sql, " AND resource_id >= ?", p.clone());
        arg(&mut sql, " AND resource_id < ?", format!("{p}\u{10FFFF}"));
    }
    let dir = if desc { "DESC" } else { "ASC" };
    sql.push_str(&format!(" ORDER BY occurred {dir}, id {dir}"));
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(crate::store::sql::params_from_iter(args.iter()))?;
    while let Some(r) = rows.next()? {
        let e = row(&r)?;
        if f.matches(&e) && !visit(e) {
            break;
        }
    }
    Ok(())
}

/// The stored event with this id.
pub fn get(tx: &Tx, id: &str) -> Result<Option<Event>> {
    Ok(tx
        .conn
        .prepare_cached(
            "SELECT id, occurred, event, resource, related, payload, follows, received FROM events WHERE id = ?1",
        )?
        .query_row([id], row)
        .optional()?)
}
