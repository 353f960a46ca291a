//! The `concurrency_limits` table: global, tag and deployment limits. A limit is read with the slots its
//! live leases hold at the time of the read (`Limit::leased`), so an expired lease never counts.

use super::codec;
use super::error::{Result, StoreError};
use super::Tx;
use crate::domain::concurrency_limit::Limit;
use crate::domain::Ts;
use crate::store::sql::{params, OptionalExtension, Row};
use uuid::Uuid;

/// The columns of a limit, then the slots its live leases hold at `?1`.
const SELECT: &str = "SELECT c.id, c.created, c.updated, c.name, c.lim, c.active, c.active_slots, \
    c.denied_slots, c.slot_decay_per_second, c.avg_slot_occupancy_seconds, \
    COALESCE((SELECT sum(l.slots) FROM concurrency_lease_limits ll \
      JOIN concurrency_leases l ON l.id = ll.lease_id WHERE ll.limit_id = c.id AND l.expires > ?1), 0) \
    FROM concurrency_limits c";

fn row(r: &Row) -> crate::store::sql::Result<Limit> {
    Ok(Limit {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        limit: r.get(4)?,
        active: r.get(5)?,
        active_slots: r.get(6)?,
        denied_slots: r.get(7)?,
        slot_decay_per_second: r.get(8)?,
        avg_slot_occupancy_seconds: r.get(9)?,
        leased: r.get(10)?,
    })
}

fn conflict(e: crate::store::sql::Error, name: &str) -> StoreError {
    match e {
        f if f.is_constraint() => StoreError::Conflict(format!(
            "A concurrency limit named '{name}' already exists."
        )),
        other => other.into(),
    }
}

/// Inserts a limit; a taken name is a conflict.
pub fn insert(tx: &Tx, l: &Limit) -> Result<()> {
    tx.conn
        .execute(
            "INSERT INTO concurrency_limits (id, created, updated, name, lim, active, active_slots, denied_slots, \
             slot_decay_per_second, avg_slot_occupancy_seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                l.id.to_string(),
                codec::ts(l.created),
                codec::ts(l.updated),
                l.name,
                l.limit,
                l.active,
                l.active_slots,
                l.denied_slots,
                l.slot_decay_per_second,
                l.avg_slot_occupancy_seconds
            ],
        )
        .map_err(|e| conflict(e, &l.name))?;
    Ok(())
}

/// Writes every stored field of an existing limit; a taken name is a conflict.
pub fn update(tx: &Tx, l: &Limit) -> Result<()> {
    tx.conn
        .execute(
            "UPDATE concurrency_limits SET updated = ?2, name = ?3, lim = ?4, active = ?5, active_slots = ?6, \
             denied_slots = ?7, slot_decay_per_second = ?8, avg_slot_occupancy_seconds = ?9 WHERE id = ?1",
            params![
                l.id.to_string(),
                codec::ts(l.updated),
                l.name,
                l.limit,
                l.active,
                l.active_slots,
                l.denied_slots,
                l.slot_decay_per_second,
                l.avg_slot_occupancy_seconds
            ],
        )
        .map_err(|e| conflict(e, &l.name))?;
    Ok(())
}

/// The advisory lock that slot-taking transactions hold ("baton-sl").
const SLOTS_LOCK: i64 = 0x6261_746f_6e2d_736c;

/// On PostgreSQL in a write: waits for, then holds until commit, the lock every transaction that counts and
/// takes slots holds, so two servers cannot both take a limit's last slot (the second counts the first's
/// lease). A no-op on SQLite, whose single writer already serializes. Call it before taking the in-memory
/// waiting line's lock, as every reader of limits below does, so the two locks are always taken in one order.
pub fn serialize(tx: &Tx) -> Result<()> {
    if !tx.lock().is_empty() {
        tx.conn
            .query_row("SELECT pg_advisory_xact_lock(?1)", [SLOTS_LOCK], |_| Ok(()))?;
    }
    Ok(())
}

/// The limit with this id, as of `now`.
pub fn get(tx: &Tx, id: Uuid, now: Ts) -> Result<Option<Limit>> {
    serialize(tx)?;
    let sql = format!("{SELECT} WHERE c.id = ?2");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_row(params![codec::ts(now), id.to_string()], row)
        .optional()?)
}

/// The limit with this name, as of `now`.
pub fn by_name(tx: &Tx, name: &str, now: Ts) -> Result<Option<Limit>> {
    serialize(tx)?;
    let sql = format!("{SELECT} WHERE c.name = ?2");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_row(params![codec::ts(now), name], row)
        .optional()?)
}

/// The limits with these names (names without a limit are left out), by name.
pub fn by_names(tx: &Tx, names: &[String], now: Ts) -> Result<Vec<Limit>> {
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        if let Some(l) = by_name(tx, n, now)? {
            if !out.iter().any(|o: &Limit| o.id == l.id) {
                out.push(l);
            }
        }
    }
    Ok(out)
}

/// The limits with these ids that still exist.
pub fn by_ids(tx: &Tx, ids: &[Uuid], now: Ts) -> Result<Vec<Limit>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(l) = get(tx, *id, now)? {
            out.push(l);
        }
    }
    Ok(out)
}

/// A page of limits ordered by name; with `prefix`, only the names that start with it.
pub fn page(tx: &Tx, prefix: Option<&str>, offset: i64, limit: i64, now: Ts) -> Result<Vec<Limit>> {
    let sql = format!(
        "{SELECT} WHERE (CAST(?2 AS TEXT) IS NULL OR substr(c.name, 1, length(?2)) = ?2) ORDER BY c.name LIMIT ?3 OFFSET ?4"
    );
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![codec::ts(now), prefix, limit, offset], row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Deletes a limit (its leases keep their other limits); `false` when it did not exist.
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx.conn.execute(
        "DELETE FROM concurrency_limits WHERE id = ?1",
        [id.to_string()],
    )? > 0)
}

/// The name of a deployment's own limit.
pub fn deployment_limit_name(deployment_id: Uuid) -> String {
    format!(
        "{}{deployment_id}",
        crate::domain::concurrency_limit::DEPLOYMENT_PREFIX
    )
}

/// Makes a deployment's own limit match its `concurrency_limit`: created (its active runs then hold
/// their slots), resized, or deleted when `None`.
pub fn sync_deployment(tx: &Tx, deployment_id: Uuid, limit: Option<i64>, now: Ts) -> Result<()> {
    let name = deployment_limit_name(deployment_id);
    match (by_name(tx, &name, now)?, limit) {
        (Some(l), None) => {
            delete(tx, l.id)?;
        }
        (Some(mut l), Some(n)) => {
            if l.limit != n {
                l.limit = n;
                l.updated = now;
                update(tx, &l)?;
            }
        }
        (None, Some(n)) => {
            deployment_gate(tx, deployment_id, n, now)?;
        }
        (None, None) => {}
    }
    Ok(())
}

/// A deployment's own limit, created with `limit` slots when missing; the runs of the deployment that are
/// already active take their slots then (they hold them until they end).
pub fn deployment_gate(tx: &Tx, deployment_id: Uuid, limit: i64, now: Ts) -> Result<Limit> {
    let name = deployment_limit_name(deployment_id);
    if let Some(l) = by_name(tx, &name, now)? {
        return Ok(l);
    }
    let l = Limit::new(name, limit, now);
    insert(tx, &l)?;
    for run in super::flow_runs::active_ids_in_deployment(tx, deployment_id)? {
        super::concurrency_leases::insert(
            tx,
            &crate::domain::lease::Lease {
                id: Uuid::now_v7(),
                limits: vec![l.id],
                slots: 1,
                holder: Some(crate::domain::lease::Holder {
                    kind: crate::domain::lease::HolderKind::FlowRun,
                    id: run,
                }),
                created: now,
                expires: now + chrono::Duration::days(1),
            },
        )?;
    }
    by_name(tx, &l.name, now).map(|l| l.expect("just inserted"))
}
