//! The `deployments` and `deployment_schedules` tables.

use super::codec;
use super::error::{Result, StoreError};
use super::query;
use super::Tx;
use crate::domain::concurrency::ConcurrencyOptions;
use crate::domain::deployment::Deployment;
use crate::domain::filter::{Cond, Entity, Query};
use crate::domain::Ts;
use crate::store::sql::{params, OptionalExtension, Row, ToSql};
use uuid::Uuid;

/// Read columns. `last_polled` is the later of the deployment's own mark (a runner asked for its runs) and
/// the last poll of its work queue, read here rather than written to every deployment of a queue on each
/// worker poll (which made `get_scheduled_flow_runs` cost one row write per deployment in the pool); last,
/// `work_queue_id`, the id of that queue, resolved the same way.
const COLS: &str = "deployments.id, deployments.created, deployments.updated, deployments.name, \
    deployments.flow_id, deployments.version, deployments.version_info, deployments.description, \
    deployments.paused, deployments.concurrency_limit, deployments.concurrency_options, \
    deployments.enforce_parameter_schema, deployments.parameter_openapi_schema, deployments.parameters, \
    deployments.tags, deployments.labels, deployments.pull_steps, deployments.work_queue_name, \
    deployments.work_pool_name, deployments.storage_document_id, deployments.infrastructure_document_id, \
    deployments.path, deployments.entrypoint, deployments.job_variables, \
    nullif(max(coalesce(deployments.last_polled, ''), coalesce((SELECT q.last_polled FROM work_pools p \
    JOIN work_queues q ON q.work_pool_id = p.id AND q.name = coalesce(deployments.work_queue_name, 'default') \
    WHERE p.name = deployments.work_pool_name), '')), ''), \
    (SELECT q.id FROM work_pools p JOIN work_queues q ON q.work_pool_id = p.id \
    AND q.name = coalesce(deployments.work_queue_name, 'default') WHERE p.name = deployments.work_pool_name)";

const ALL_COLS: &str = "id, created, updated, name, flow_id, version, version_info, description, paused, \
    concurrency_limit, concurrency_options, enforce_parameter_schema, parameter_openapi_schema, parameters, \
    tags, labels, pull_steps, work_queue_name, work_pool_name, storage_document_id, \
    infrastructure_document_id, path, entrypoint, job_variables, last_polled";

fn row(r: &Row) -> crate::store::sql::Result<Deployment> {
    Ok(Deployment {
        id: codec::req_uuid(r, 0)?,
        created: codec::req_ts(r, 1)?,
        updated: codec::req_ts(r, 2)?,
        name: r.get(3)?,
        flow_id: codec::req_uuid(r, 4)?,
        version: r.get(5)?,
        version_info: codec::parse_json(r, 6)?,
        description: r.get(7)?,
        paused: r.get(8)?,
        concurrency_limit: r.get(9)?,
        concurrency_options: codec::decode(r, 10, "concurrency options", |s| {
            ConcurrencyOptions::parse(&serde_json::from_str(s).ok()?).ok()
        })?,
        enforce_parameter_schema: r.get(11)?,
        parameter_openapi_schema: codec::parse_json(r, 12)?,
        parameters: codec::parse_doc(r, 13)?,
        tags: codec::parse_tags(r, 14)?,
        labels: codec::parse_doc(r, 15)?,
        pull_steps: codec::parse_json(r, 16)?,
        work_queue_name: r.get(17)?,
        work_pool_name: r.get(18)?,
        storage_document_id: codec::uuid(r, 19)?,
        infrastructure_document_id: codec::uuid(r, 20)?,
        path: r.get(21)?,
        entrypoint: r.get(22)?,
        job_variables: codec::parse_doc(r, 23)?,
        last_polled: codec::parse_ts(r, 24)?,
        work_queue_id: codec::uuid(r, 25)?,
        schedules: Vec::new(),
    })
}

fn values(d: &Deployment) -> Vec<Box<dyn ToSql>> {
    vec![
        Box::new(d.id.to_string()),
        Box::new(codec::ts(d.created)),
        Box::new(codec::ts(d.updated)),
        Box::new(d.name.clone()),
        Box::new(d.flow_id.to_string()),
        Box::new(d.version.clone()),
        Box::new(codec::json(&d.version_info)),
        Box::new(d.description.clone()),
        Box::new(d.paused),
        Box::new(d.concurrency_limit),
        Box::new(d.concurrency_options.map(|o| o.to_value().to_string())),
        Box::new(d.enforce_parameter_schema),
        Box::new(codec::json(&d.parameter_openapi_schema)),
        Box::new(codec::doc(&d.parameters)),
        Box::new(codec::tags(&d.tags)),
        Box::new(codec::doc(&d.labels)),
        Box::new(codec::json(&d.pull_steps)),
        Box::new(d.work_queue_name.clone()),
        Box::new(d.work_pool_name.clone()),
        Box::new(d.storage_document_id.map(|u| u.to_string())),
        Box::new(d.infrastructure_document_id.map(|u| u.to_string())),
        Box::new(d.path.clone()),
        Box::new(d.entrypoint.clone()),
        Box::new(codec::doc(&d.job_variables)),
        Box::new(codec::opt_ts(d.last_polled)),
    ]
}

/// Inserts a deployment (without its schedules).
pub fn insert(tx: &Tx, d: &Deployment) -> Result<()> {
    let vals = values(d);
    let marks = (1..=vals.len())
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let refs: Vec<&dyn ToSql> = vals.iter().map(|b| b.as_ref()).collect();
    let sql = format!("INSERT INTO deployments ({ALL_COLS}) VALUES ({marks})");
    match tx.conn.prepare_cached(&sql)?.execute(refs.as_slice()) {
        Err(e) if e.is_constraint() => Err(StoreError::Conflict(format!(
            "a deployment named '{}' already exists for this flow",
            d.name
        ))),
        r => r.map(|_| ()).map_err(Into::into),
    }
}

/// Writes every field of an existing deployment (not its schedules).
pub fn update(tx: &Tx, d: &Deployment) -> Result<()> {
    let vals = values(d);
    let sets = ALL_COLS
        .split(',')
        .map(str::trim)
        .enumerate()
        .skip(1)
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let refs: Vec<&dyn ToSql> = vals.iter().map(|b| b.as_ref()).collect();
    let n = tx
        .conn
        .prepare_cached(&format!("UPDATE deployments SET {sets} WHERE id = ?1"))?
        .execute(refs.as_slice())?;
    if n == 0 {
        return Err(StoreError::NotFound("deployment"));
    }
    Ok(())
}

/// The deployment with this id, with its schedules.
pub fn get(tx: &Tx, id: Uuid) -> Result<Option<Deployment>> {
    let sql = format!("SELECT {COLS} FROM deployments WHERE id = ?1");
    let d = tx
        .conn
        .prepare_cached(&sql)?
        .query_row([id.to_string()], row)
        .optional()?;
    with_schedules(tx, d)
}

/// The deployment `name` of the flow named `flow_name`.
pub fn by_name(tx: &Tx, flow_name: &str, name: &str) -> Result<Option<Deployment>> {
    let sql = format!(
        "SELECT {COLS} FROM deployments JOIN flows ON flows.id = deployments.flow_id \
         WHERE flows.name = ?1 AND deployments.name = ?2"
    );
    let d = tx
        .conn
        .query_row(&sql, params![flow_name, name], row)
        .optional()?;
    with_schedules(tx, d)
}

/// The deployment `name` of flow `flow_id`.
pub fn by_flow_and_name(tx: &Tx, flow_id: Uuid, name: &str) -> Result<Option<Deployment>> {
    let sql = format!("SELECT {COLS} FROM deployments WHERE flow_id = ?1 AND name = ?2");
    let d = tx
        .conn
        .prepare_cached(&sql)?
        .query_row(params![flow_id.to_string(), name], row)
        .optional()?;
    with_schedules(tx, d)
}

/// A deployment as a new run of it needs it, with its flow's name, in one statement: no schedules and no
/// `last_polled` or queue id (read as none), which the run does not take.
pub fn for_run(tx: &Tx, id: Uuid) -> Result<Option<(Deployment, String)>> {
    // Built once: formatting it on every run was 5 % of the writer's time creating runs.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let plain = COLS.split(", nullif(").next().unwrap_or(COLS);
        format!(
            "SELECT {plain}, CAST(NULL AS TEXT), CAST(NULL AS TEXT), flows.name FROM deployments \
             JOIN flows ON flows.id = deployments.flow_id WHERE deployments.id = ?1"
        )
    });
    Ok(tx
        .conn
        .prepare_cached(&SQL)?
        .query_row([id.to_string()], |r| Ok((row(r)?, r.get::<_, String>(26)?)))
        .optional()?)
}

/// A deployment's concurrency limit and options (`None` when the deployment does not exist).
pub fn limit_of(tx: &Tx, id: Uuid) -> Result<Option<(Option<i64>, Option<ConcurrencyOptions>)>> {
    Ok(tx
        .conn
        .prepare_cached(
            "SELECT concurrency_limit, concurrency_options FROM deployments WHERE id = ?1",
        )?
        .query_row([id.to_string()], |r| {
            let options = codec::decode(r, 1, "concurrency options", |s| {
                ConcurrencyOptions::parse(&serde_json::from_str(s).ok()?).ok()
            })?;
            Ok((r.get::<_, Option<i64>>(0)?, options))
        })
        .optional()?)
}

fn with_schedules(tx: &Tx, d: Option<Deployment>) -> Result<Option<Deployment>> {
    let Some(mut d) = d else { return Ok(None) };
    d.schedules = schedules(tx, d.id)?;
    Ok(Some(d))
}

/// Deployments matching a query, with their schedules.
pub fn list(tx: &Tx, q: &Query) -> Result<Vec<Deployment>> {
    let mut params = Vec::new();
    let tail = query::tail(Entity::Deployment, q, &mut params)?;
    let sql = format!("SELECT {COLS} FROM deployments {tail}");
    let mut stmt = tx.conn.prepare_cached(&sql)?;
    let mut rows: Vec<Deployment> = stmt
        .query_map(crate::store::sql::params_from_iter(params), row)?
        .collect::<crate::store::sql::Result<_>>()?;
    for d in &mut rows {
        d.schedules = schedules(tx, d.id)?;
    }
    Ok(rows)
}

/// How many deployments match.
pub fn count(tx: &Tx, cond: &Cond) -> Result<u64> {
    query::count(tx, Entity::Deployment, cond)
}

/// Deletes a deployment and its schedules; `false` when it did not exist.
pub fn delete(tx: &Tx, id: Uuid) -> Result<bool> {
    Ok(tx
        .conn
        .execute("DELETE FROM deployments WHERE id = ?1", [id.to_string()])?
        > 0)
}

/// Marks deployments as polled at `now` (a runner or worker asked for their runs).
pub fn mark_polled(tx: &Tx, ids: &[Uuid], now: Ts) -> Result<()> {
    let mut stmt = tx
        .conn
        .prepare_cached("UPDATE deployments SET last_polled = ?1 WHERE id = ?2")?;
    for id in ids {
        stmt.execute(params![codec::ts(now), id.to_string()])?;
    }
    Ok(())
}

pub use super::schedules::{delete_schedule, insert_schedule, schedules, update_schedule};
