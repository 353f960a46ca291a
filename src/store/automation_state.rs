//! What triggers remember between events: counting windows, child firings, the actions of each firing,
//! and the trigger loop's place in the events table.

use super::codec;
use super::error::Result;
use super::events::EventCursor;
use super::Tx;
use crate::domain::event::Event;
use crate::domain::trigger_eval::{Bucket, ChildFiring};
use crate::domain::Ts;
use crate::store::sql::{params, OptionalExtension, Row};
use serde_json::Value;
use uuid::Uuid;

fn event_col(r: &Row, i: usize) -> crate::store::sql::Result<Option<Event>> {
    let now = chrono::DateTime::UNIX_EPOCH;
    codec::decode(r, i, "event", |s| {
        Event::from_json(&serde_json::from_str::<Value>(s).ok()?, now)
    })
}

fn bucket_row(r: &Row) -> crate::store::sql::Result<Bucket> {
    Ok(Bucket {
        key: codec::required(r, 0, "bucketing key", |s| serde_json::from_str(s).ok())?,
        start: codec::req_ts(r, 1)?,
        end: codec::req_ts(r, 2)?,
        count: r.get(3)?,
        last_event: event_col(r, 4)?,
    })
}

/// The bucket of one trigger for one key.
pub fn bucket(tx: &Tx, automation: Uuid, trigger: Uuid, key: &[String]) -> Result<Option<Bucket>> {
    Ok(tx
        .conn
        .prepare_cached(
            "SELECT bucketing_key, start, \"end\", count, last_event FROM automation_buckets \
             WHERE automation_id = ?1 AND trigger_id = ?2 AND bucketing_key = ?3",
        )?
        .query_row(
            params![
                automation.to_string(),
                trigger.to_string(),
                codec::tags(key)
            ],
            bucket_row,
        )
        .optional()?)
}

/// Every bucket of one trigger.
pub fn buckets(tx: &Tx, automation: Uuid, trigger: Uuid) -> Result<Vec<Bucket>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT bucketing_key, start, \"end\", count, last_event FROM automation_buckets \
         WHERE automation_id = ?1 AND trigger_id = ?2",
    )?;
    let rows = stmt.query_map(
        params![automation.to_string(), trigger.to_string()],
        bucket_row,
    )?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Stores a bucket (`Some`) or deletes the one for `key` (`None`).
pub fn set_bucket(
    tx: &Tx,
    automation: Uuid,
    trigger: Uuid,
    key: &[String],
    b: Option<&Bucket>,
) -> Result<()> {
    let (a, t, k) = (
        automation.to_string(),
        trigger.to_string(),
        codec::tags(key),
    );
    match b {
        None => {
            tx.conn.prepare_cached(
                "DELETE FROM automation_buckets WHERE automation_id = ?1 AND trigger_id = ?2 AND bucketing_key = ?3",
            )?
            .execute(params![a, t, k])?;
        }
        Some(b) => {
            tx.conn
                .prepare_cached(
                    "INSERT INTO automation_buckets \
                 (automation_id, trigger_id, bucketing_key, start, \"end\", count, last_event) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (automation_id, trigger_id, bucketing_key) DO UPDATE SET start = excluded.start, \
                 \"end\" = excluded.\"end\", count = excluded.count, last_event = excluded.last_event",
                )?
                .execute(params![
                    a,
                    t,
                    k,
                    codec::ts(b.start),
                    codec::ts(b.end),
                    b.count,
                    b.last_event.as_ref().map(|e| e.to_json().to_string())
                ])?;
        }
    }
    Ok(())
}

/// Forgets windows that closed before `before` (a later event opens a new one).
pub fn sweep_buckets(tx: &Tx, before: Ts) -> Result<usize> {
    Ok(tx
        .conn
        .prepare_cached("DELETE FROM automation_buckets WHERE \"end\" < ?1")?
        .execute([codec::ts(before)])?)
}

/// Child firings waiting under a compound or sequence trigger.
pub fn child_firings(tx: &Tx, parent: Uuid) -> Result<Vec<ChildFiring>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT child_trigger_id, fired, triggering_event FROM automation_child_firings \
         WHERE parent_trigger_id = ?1",
    )?;
    let rows = stmt.query_map([parent.to_string()], |r| {
        Ok(ChildFiring {
            child: codec::req_uuid(r, 0)?,
            at: codec::req_ts(r, 1)?,
            triggering_event: event_col(r, 2)?,
        })
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Replaces the child firings waiting under `parent`.
pub fn set_child_firings(
    tx: &Tx,
    automation: Uuid,
    parent: Uuid,
    firings: &[ChildFiring],
) -> Result<()> {
    tx.conn.execute(
        "DELETE FROM automation_child_firings WHERE parent_trigger_id = ?1",
        [parent.to_string()],
    )?;
    for f in firings {
        tx.conn.execute(
            "INSERT INTO automation_child_firings \
             (automation_id, parent_trigger_id, child_trigger_id, fired, triggering_event) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                automation.to_string(),
                parent.to_string(),
                f.child.to_string(),
                codec::ts(f.at),
                f.triggering_event.as_ref().map(|e| e.to_json().to_string())
            ],
        )?;
    }
    Ok(())
}

/// An action of a firing, waiting to run.
#[derive(Clone, Debug)]
pub struct QueuedAction {
    pub id: Uuid,
    pub automation_id: Uuid,
    pub action_index: i64,
    pub action: Value,
    pub firing: Value,
    pub status: String,
}

/// Queues an action of a firing (in the firing's transaction).
pub fn queue_action(tx: &Tx, a: &QueuedAction, now: Ts) -> Result<()> {
    tx.conn.execute(
        "INSERT INTO automation_actions (id, automation_id, action_index, action, firing, status, created) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)",
        params![
            a.id.to_string(),
            a.automation_id.to_string(),
            a.action_index,
            a.action.to_string(),
            a.firing.to_string(),
            codec::ts(now)
        ],
    )?;
    Ok(())
}

/// Queued actions (pending and running), oldest first.
pub fn queued_actions(tx: &Tx) -> Result<Vec<QueuedAction>> {
    let mut stmt = tx.conn.prepare_cached(
        "SELECT id, automation_id, action_index, action, firing, status FROM automation_actions \
         ORDER BY created, action_index",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(QueuedAction {
            id: codec::req_uuid(r, 0)?,
            automation_id: codec::req_uuid(r, 1)?,
            action_index: r.get(2)?,
            action: codec::parse_json(r, 3)?.unwrap_or(Value::Null),
            firing: codec::parse_json(r, 4)?.unwrap_or(Value::Null),
            status: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Marks a pending action running; `false` when it was not pending (someone else took it).
pub fn start_action(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx.conn.execute(
        "UPDATE automation_actions SET status = 'running' WHERE id = ?1 AND status = 'pending'",
        [id.to_string()],
    )? > 0)
}

/// Forgets an action that ran (its outcome is an event).
pub fn finish_action(tx: &Tx, id: Uuid) -> Result<()> {
    tx.conn.execute(
        "DELETE FROM automation_actions WHERE id = ?1",
        [id.to_string()],
    )?;
    Ok(())
}

/// How far the trigger loop has read the events table; `None` before its first look.
pub fn cursor(tx: &Tx) -> Result<Option<EventCursor>> {
    let sql = if tx.conn.is_pg() {
        "SELECT last_rowid, CAST(CAST(last_xid AS TEXT) AS BIGINT) FROM automation_cursor WHERE id = 1"
    } else {
        "SELECT last_rowid, 0 FROM automation_cursor WHERE id = 1"
    };
    Ok(tx
        .conn
        .query_row(sql, [], |r| {
            Ok(EventCursor {
                rowid: r.get(0)?,
                xid: r.get(1)?,
            })
        })
        .optional()?)
}

pub fn set_cursor(tx: &Tx, c: EventCursor) -> Result<()> {
    if tx.conn.is_pg() {
        tx.conn.execute(
            "INSERT INTO automation_cursor (id, last_rowid, last_xid) \
             VALUES (1, ?1, CAST(CAST(?2 AS TEXT) AS xid8)) \
             ON CONFLICT(id) DO UPDATE SET last_rowid = excluded.last_rowid, last_xid = excluded.last_xid",
            params![c.rowid, c.xid.to_string()],
        )?;
        return Ok(());
    }
    tx.conn.execute(
        "INSERT INTO automation_cursor (id, last_rowid) VALUES (1, ?1) \
         ON CONFLICT(id) DO UPDATE SET last_rowid = excluded.last_rowid",
        [c.rowid],
    )?;
    Ok(())
}
