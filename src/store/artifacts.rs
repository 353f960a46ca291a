//! The `artifacts` table and `artifact_collections` (the latest artifact of each key, read through the
//! `artifact_latest` view).

use super::codec;
use super::error::Result;
use super::query;
use super::Tx;
use crate::domain::artifact::{Artifact, ArtifactCollection};
use crate::domain::filter::{Cond, Entity, Query};
use crate::domain::Ts;
use crate::store::sql::{params, OptionalExtension, Row};
use serde_json::Value;
use uuid::Uuid;

const COLS: &str = "artifacts.id, artifacts.created, artifacts.updated, artifacts.key, artifacts.type, \
    artifacts.description, artifacts.data, artifacts.metadata, artifacts.flow_run_id, artifacts.task_run_id";

const LATEST_COLS: &str = "artifact_latest.id, artifact_latest.created, artifact_latest.updated, \
    artifact_latest.key, artifact_latest.type, artifact_latest.description, artifact_latest.data, \
    artifact_latest.metadata, artifact_latest.flow_run_id, artifact_latest.task_run_id, \
    artifact_latest.latest_id";

fn row(r: &Row) -> crate::store::sql::Result<Artifact> {
    Ok(Artifact {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        key: r.get(3)?,
        kind: r.get(4)?,
        description: r.get(5)?,
        data: codec::parse_json(r, 6)?,
        metadata: codec::opt_doc(r, 7)?,
        flow_run_id: codec::uuid(r, 8)?,
        task_run_id: codec::uuid(r, 9)?,
    })
}

fn latest_row(r: &Row) -> crate::store::sql::Result<ArtifactCollection> {
    let a = row(r)?;
    Ok(ArtifactCollection {
        id: a.id,
        created: a.created,
        updated: a.updated,
        key: a.key.unwrap_or_default(),
        latest_id: codec::req_uuid(r, 10)?,
        kind: a.kind,
        description: a.description,
        data: a.data,
        metadata: a.metadata,
        flow_run_id: a.flow_run_id,
        task_run_id: a.task_run_id,
    })
}

fn data(v: &Option<Value>) -> Option<String> {
    v.as_ref().map(Value::to_string)
}

/// Inserts an artifact; with a key it becomes that key's latest.
pub fn insert(tx: &Tx, a: &Artifact) -> Result<()> {
    tx.conn.execute(
        "INSERT INTO artifacts (id, created, updated, key, type, description, data, metadata, flow_run_id, task_run_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            a.id.to_string(),
            codec::ts(a.created),
            codec::ts(a.updated),
            a.key,
            a.kind,
            a.description,
            data(&a.data),
            a.metadata.as_ref().map(codec::doc),
            a.flow_run_id.map(|u| u.to_string()),
            a.task_run_id.map(|u| u.to_string()),
        ],
    )?;
    if let Some(key) = &a.key {
        tx.conn.execute(
            "INSERT INTO artifact_collections (key, id, created, updated, latest_id) VALUES (?1, ?2, ?3, ?3, ?4) \
             ON CONFLICT(key) DO UPDATE SET latest_id = excluded.latest_id, updated = excluded.updated",
            params![key, Uuid::now_v7().to_string(), codec::ts(a.created), a.id.to_string()],
        )?;
    }
    Ok(())
}

/// Writes the changeable fields of an artifact (data, description, metadata, updated).
pub fn update(tx: &Tx, a: &Artifact) -> Result<()> {
    tx.conn.execute(
        "UPDATE artifacts SET updated = ?2, description = ?3, data = ?4, metadata = ?5 WHERE id = ?1",
        params![
            a.id.to_string(),
            codec::ts(a.updated),
            a.description,
            data(&a.data),
            a.metadata.as_ref().map(codec::doc),
        ],
    )?;
    Ok(())
}

/// The artifact with this id.
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<Artifact>> {
    let sql = format!("SELECT {COLS} FROM artifacts WHERE id = ?1");
    Ok(tx.conn.query_row(&sql, [id.to_string()], row).optional()?)
}

/// The latest artifact of a key.
pub fn latest(tx: &Tx, key: &str) -> Result<Option<ArtifactCollection>> {
    let sql = format!("SELECT {LATEST_COLS} FROM artifact_latest WHERE key = ?1");
    Ok(tx.conn.query_row(&sql, [key], latest_row).optional()?)
}

/// Deletes an artifact; when it was its key's latest, the next newest takes its place (or the key goes).
pub fn delete(tx: &Tx, id: Uuid, now: Ts) -> Result<bool> {
    let Some(a) = get(tx, id)? else {
        return Ok(false);
    };
    tx.conn
        .execute("DELETE FROM artifacts WHERE id = ?1", [id.to_string()])?;
    if let Some(key) = &a.key {
        relink(tx, key, now)?;
    }
    Ok(true)
}

/// Points a key's collection at its newest artifact, or removes it when none is left.
fn relink(tx: &Tx, key: &str, now: Ts) -> Result<()> {
    let next: Option<String> = tx
        .conn
        .query_row(
            "SELECT id FROM artifacts WHERE key = ?1 ORDER BY created DESC, id DESC LIMIT 1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    match next {
        Some(next) => tx.conn.execute(
            "UPDATE artifact_collections SET latest_id = ?2, updated = ?3 WHERE key = ?1 AND latest_id <> ?2",
            params![key, next, codec::ts(now)],
        )?,
        None => tx
            .conn
            .execute("DELETE FROM artifact_collections WHERE key = ?1", [key])?,
    };
    Ok(())
}

/// Deletes the artifacts of these flow runs (runs being removed), keeping collections right.
pub fn delete_for_runs(tx: &Tx, run_ids: &[String], now: Ts) -> Result<u64> {
    let mut n = 0;
    for chunk in run_ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let keys: Vec<String> = {
            let mut stmt = tx.conn.prepare(&format!(
                "SELECT DISTINCT key FROM artifacts WHERE key IS NOT NULL AND flow_run_id IN ({marks})"
            ))?;
            let rows = stmt.query_map(crate::store::sql::params_from_iter(chunk), |r| r.get(0))?;
            rows.collect::<crate::store::sql::Result<_>>()?
        };
        n += tx.conn.execute(
            &format!("DELETE FROM artifacts WHERE flow_run_id IN ({marks})"),
            crate::store::sql::params_from_iter(chunk),
        )? as u64;
        for k in keys {
            relink(tx, &k, now)?;
        }
    }
    Ok(n)
}

/// Artifacts matching a query.
pub fn list(tx: &Tx, q: &Query) -> Result<Vec<Artifact>> {
    let mut params = Vec::new();
    let tail = query::tail(Entity::Artifact, q, &mut params)?;
    let sql = format!("SELECT {COLS} FROM artifacts {tail}");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// Latest artifacts (one per key) matching a query.
pub fn list_latest(tx: &Tx, q: &Query) -> Result<Vec<ArtifactCollection>> {
    let mut params = Vec::new();
    let tail = query::tail(Entity::ArtifactCollection, q, &mut params)?;
    let sql = format!("SELECT {LATEST_COLS} FROM artifact_latest {tail}");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(crate::store::sql::params_from_iter(params), latest_row)?;
    Ok(rows.collect::<crate::store::sql::Result<_>>()?)
}

/// How many artifacts (or latest artifacts, for [`Entity::ArtifactCollection`]) match.
pub fn count(tx: &Tx, e: Entity, cond: &Cond) -> Result<u64> {
    let mut params = Vec::new();
    let c = query::condition(e, cond, &mut params)?;
    let n: i64 = tx.conn.query_row(
        &format!("SELECT count(*) FROM {} WHERE {c}", query::table(e)),
        crate::store::sql::params_from_iter(params),
        |r| r.get(0),
    )?;
    Ok(n as u64)
}
