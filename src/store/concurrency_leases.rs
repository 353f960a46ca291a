//! The `concurrency_leases` table and the limits each lease holds slots of (`concurrency_lease_limits`).

use super::codec;
use super::error::Result;
use super::Tx;
use crate::domain::lease::{Holder, HolderKind, Lease};
use crate::domain::Ts;
use crate::store::sql::{params, OptionalExtension, Row};
use uuid::Uuid;

const COLS: &str = "l.id, l.created, l.expires, l.slots, l.holder_type, l.holder_id, \
    (SELECT string_agg(ll.limit_id, ',') FROM concurrency_lease_limits ll WHERE ll.lease_id = l.id)";

fn row(r: &Row) -> crate::store::sql::Result<Lease> {
    let kind: Option<String> = r.get(4)?;
    let holder = match (
        kind.as_deref().and_then(HolderKind::parse),
        codec::uuid(r, 5)?,
    ) {
        (Some(kind), Some(id)) => Some(Holder { kind, id }),
        _ => None,
    };
    let limits: Option<String> = r.get(6)?;
    Ok(Lease {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        expires: codec::req_ts(r, 2)?,
        slots: r.get(3)?,
        holder,
        limits: limits
            .unwrap_or_default()
            .split(',')
            .filter_map(|s| s.parse().ok())
            .collect(),
    })
}

/// Inserts a lease and its limits.
pub fn insert(tx: &Tx, l: &Lease) -> Result<()> {
    tx.conn
        .prepare_cached(
            "INSERT INTO concurrency_leases (id, created, expires, slots, holder_type, holder_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            l.id.to_string(),
            codec::ts(l.created),
            codec::ts(l.expires),
            l.slots,
            l.holder.map(|h| h.kind.as_str()),
            l.holder.map(|h| h.id.to_string())
        ])?;
    let mut link = tx.conn.prepare_cached(
        "INSERT OR IGNORE INTO concurrency_lease_limits (limit_id, lease_id) VALUES (?1, ?2)",
    )?;
    for limit in &l.limits {
        link.execute(params![limit.to_string(), l.id.to_string()])?;
    }
    Ok(())
}

/// The lease with this id, live or expired.
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<Lease>> {
    let sql = format!("SELECT {COLS} FROM concurrency_leases l WHERE l.id = ?1");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    Ok(stmt.query_row([id.to_string()], row).optional()?)
}

/// Moves a lease's expiry.
pub fn set_expiry(tx: &Tx, id: Uuid, expires: Ts) -> Result<()> {
    tx.conn
        .prepare_cached("UPDATE concurrency_leases SET expires = ?2 WHERE id = ?1")?
        .execute(params![id.to_string(), codec::ts(expires)])?;
    Ok(())
}

/// Deletes a lease; `false` when it did not exist.
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx
        .conn
        .prepare_cached("DELETE FROM concurrency_leases WHERE id = ?1")?
        .execute([id.to_string()])?
        > 0)
}

/// Live leases holding slots of a limit, oldest first.
pub fn of_limit(tx: &Tx, limit_id: Uuid, now: Ts) -> Result<Vec<Lease>> {
    let sql = format!(
        "SELECT {COLS} FROM concurrency_leases l JOIN concurrency_lease_limits x ON x.lease_id = l.id \
         WHERE x.limit_id = ?1 AND l.expires > ?2 ORDER BY l.created"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![limit_id.to_string(), codec::ts(now)], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Leases (live or not) held by `holder_id`.
pub fn of_holder(tx: &Tx, holder_id: Uuid) -> Result<Vec<Lease>> {
    let sql = format!("SELECT {COLS} FROM concurrency_leases l WHERE l.holder_id = ?1");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([holder_id.to_string()], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Leases held by a flow run or by one of its task runs.
pub fn of_flow_run(tx: &Tx, run_id: Uuid) -> Result<Vec<Lease>> {
    let mut out = of_holder(tx, run_id)?;
    let sql = format!(
        "SELECT {COLS} FROM task_runs t JOIN concurrency_leases l ON l.holder_id = t.id WHERE t.flow_run_id = ?1"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([run_id.to_string()], row)?;
    for l in rows {
        out.push(l?);
    }
    Ok(out)
}

/// Up to `max` leases expired at `now`, oldest expiry first.
pub fn expired(tx: &Tx, now: Ts, max: i64) -> Result<Vec<Lease>> {
    let sql = format!(
        "SELECT {COLS} FROM concurrency_leases l WHERE l.expires <= ?1 ORDER BY l.expires LIMIT ?2"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![codec::ts(now), max], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// The soonest expiry of a live lease holding slots of any limit, after `now`.
pub fn next_expiry(tx: &Tx, now: Ts) -> Result<Option<Ts>> {
    let t: Option<String> = tx.conn.query_row(
        "SELECT min(l.expires) FROM concurrency_leases l WHERE l.expires > ?1 \
         AND EXISTS (SELECT 1 FROM concurrency_lease_limits x WHERE x.lease_id = l.id)",
        [codec::ts(now)],
        |r| r.get(0),
    )?;
    Ok(t.and_then(|t| crate::domain::time::parse(&t)))
}

/// The flow run and the name of a lease's holder, when Baton knows them.
pub fn holder_names(tx: &Tx, holder: Option<Holder>) -> Result<(Option<Uuid>, Option<String>)> {
    let Some(h) = holder else {
        return Ok((None, None));
    };
    let sql = match h.kind {
        HolderKind::TaskRun => "SELECT flow_run_id, name FROM task_runs WHERE id = ?1",
        HolderKind::FlowRun => "SELECT id, name FROM flow_runs WHERE id = ?1",
        HolderKind::Deployment => return Ok((None, None)),
    };
    let found: Option<(Option<String>, Option<String>)> = tx
        .conn
        .prepare_cached(sql)?
        .query_row([h.id.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match found {
        Some((run, name)) => (run.and_then(|r| r.parse().ok()), name),
        None => (None, None),
    })
}

/// Deletes a lease in `tx`, recording how long it held its slots on its limits.
pub fn release(tx: &Tx, id: Uuid, now: Ts) -> Result<bool> {
    let Some(l) = get(tx, id)? else {
        return Ok(false);
    };
    delete(tx, id)?;
    let held = l.held_seconds(l.expires.min(now));
    for mut limit in super::concurrency_limits::by_ids(tx, &l.limits, now)? {
        limit.record_occupancy(l.slots, held);
        super::concurrency_limits::update(tx, &limit)?;
    }
    Ok(true)
}

/// Releases every lease held by a flow run or its task runs (the run ended or is gone), in `tx`.
pub fn release_flow_run(tx: &Tx, run_id: Uuid, now: Ts) -> Result<usize> {
    let held = of_flow_run(tx, run_id)?;
    for l in &held {
        release(tx, l.id, now)?;
    }
    Ok(held.len())
}

/// Releases every lease held by a task run (it ended), in `tx`.
pub fn release_task_run(tx: &Tx, task_run_id: Uuid, now: Ts) -> Result<usize> {
    let held = of_holder(tx, task_run_id)?;
    for l in &held {
        release(tx, l.id, now)?;
    }
    Ok(held.len())
}

/// Moves a live lease's expiry later, to `until` (never earlier; an expired lease stays expired).
pub fn extend(tx: &Tx, id: Uuid, until: Ts, now: Ts) -> Result<bool> {
    Ok(tx
        .conn
        .prepare_cached(
            "UPDATE concurrency_leases SET expires = ?2 WHERE id = ?1 AND expires > ?3 AND expires < ?2",
        )?
        .execute(params![id.to_string(), codec::ts(until), codec::ts(now)])?
        > 0)
}
