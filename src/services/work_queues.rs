//! Work queue use cases: a pool's queues (priority, pause, concurrency limit), created, listed, changed and
//! deleted, by pool and name or by id (the Prefect CLI's `work-queue` commands work by id).

use super::work_pools::{AGENT_POOL, DEFAULT_QUEUE};
use super::{Result, ServiceError, Services};
use crate::domain::work_pool::{PoolFilter, QueueFilter, WorkPool, WorkQueue};
use crate::domain::{resource_events, Ts};
use crate::store::{flow_runs, work_pools, work_queues, StoreError, Tx};
use std::collections::HashMap;
use uuid::Uuid;

/// Fields a queue create or update sets (`None` = unchanged; for a create, the default).
#[derive(Clone, Debug, Default)]
pub struct QueuePatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_paused: Option<bool>,
    pub concurrency_limit: Option<Option<i64>>,
    pub priority: Option<i64>,
    pub last_polled: Option<Option<Ts>>,
}

impl QueuePatch {
    fn apply(self, q: &mut WorkQueue) {
        if let Some(v) = self.name {
            q.name = v;
        }
        if let Some(v) = self.description {
            q.description = v;
        }
        if let Some(v) = self.is_paused {
            q.is_paused = v;
        }
        if let Some(v) = self.concurrency_limit {
            q.concurrency_limit = v;
        }
        if let Some(v) = self.priority {
            q.priority = v;
        }
        if let Some(v) = self.last_polled {
            q.last_polled = v;
        }
    }
}

impl Services {
    /// A pool's queues.
    pub async fn queues(&self, pool: String) -> Result<(WorkPool, Vec<WorkQueue>)> {
        let p = self.pool(pool).await?;
        let id = p.id;
        Ok((
            p,
            self.store
                .read(move |tx| work_queues::queues(tx, id))
                .await?,
        ))
    }

    /// Queues of every pool that pass `filter`, by name, one page, each with its pool.
    pub async fn all_queues(
        &self,
        filter: QueueFilter,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<(WorkPool, WorkQueue)>> {
        Ok(self
            .store
            .read(move |tx| {
                let pools: HashMap<Uuid, WorkPool> =
                    work_pools::pools(tx, &PoolFilter::default(), u32::MAX, 0)?
                        .into_iter()
                        .map(|p| (p.id, p))
                        .collect();
                Ok(work_queues::all_queues(tx)?
                    .into_iter()
                    .filter(|q| filter.matches(q))
                    .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                    .take(limit as usize)
                    .filter_map(|q| Some((pools.get(&q.work_pool_id)?.clone(), q)))
                    .collect())
            })
            .await?)
    }

    /// One queue of a pool by name.
    pub async fn queue(&self, pool: String, name: String) -> Result<(WorkPool, WorkQueue)> {
        let (p, qs) = self.queues(pool).await?;
        let q = qs
            .into_iter()
            .find(|q| q.name == name)
            .ok_or_else(|| queue_missing(&p.name, &name))?;
        Ok((p, q))
    }

    /// A queue by id, with its pool.
    pub async fn queue_by_id(&self, id: Uuid) -> Result<(WorkPool, WorkQueue)> {
        self.store
            .read(move |tx| with_pool(tx, id))
            .await
            .map_err(|e| by_id_error(e, id))
    }

    /// A queue by name alone (Prefect's `/work_queues/name/{name}`, for clients that name no pool): the
    /// default agent pool's queue of that name once that pool exists, as Prefect looks it up; before, the
    /// oldest queue of that name in any pool.
    pub async fn queue_named(&self, name: String) -> Result<(WorkPool, WorkQueue)> {
        let n = name.clone();
        self.store
            .read(move |tx| {
                let agents = work_pools::pool_by_name(tx, AGENT_POOL)?.map(|p| p.id);
                let named = work_queues::queues_named(tx, &n)?;
                let q = match agents {
                    Some(pool) => named.iter().find(|q| q.work_pool_id == pool),
                    None => named.first(),
                }
                .ok_or(StoreError::NotFound("work queue"))?;
                with_pool(tx, q.id)
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => {
                    ServiceError::NotFound(format!("Work queue '{name}' not found"))
                }
                other => other.into(),
            })
    }

    /// Creates a queue in a pool.
    pub async fn create_queue(
        &self,
        pool: String,
        patch: QueuePatch,
    ) -> Result<(WorkPool, WorkQueue)> {
        let name = checked_name(patch.name.clone().unwrap_or_default())?;
        let p = self.pool(pool).await?;
        let now = self.clock.now();
        let pool_id = p.id;
        let q = self
            .store
            .write(move |tx| {
                let q = WorkQueue {
                    id: Uuid::now_v7(),
                    created: now,
                    updated: now,
                    work_pool_id: pool_id,
                    name,
                    description: patch.description.unwrap_or_default(),
                    is_paused: patch.is_paused.unwrap_or(false),
                    concurrency_limit: patch.concurrency_limit.flatten(),
                    priority: patch.priority.unwrap_or_else(|| next_priority(tx, pool_id)),
                    last_polled: patch.last_polled.flatten(),
                };
                work_queues::insert_queue(tx, &q)?;
                flow_runs::place_orphans(tx)?;
                Ok(q)
            })
            .await?;
        self.record_queue_events(&q, &p, &["created"]).await;
        Ok((p, q))
    }

    /// Creates a queue for a client that names no pool: in the default agent pool (created when missing),
    /// as Prefect does. The pool's own `default` queue is returned as it is.
    pub async fn create_unpooled_queue(&self, patch: QueuePatch) -> Result<(WorkPool, WorkQueue)> {
        let now = self.clock.now();
        self.store
            .write(move |tx| super::work_pools::ensure_agent_pool(tx, now).map(|_| ()))
            .await?;
        if patch.name.as_deref() == Some(DEFAULT_QUEUE) {
            if let Ok(found) = self.queue(AGENT_POOL.into(), DEFAULT_QUEUE.into()).await {
                return Ok(found);
            }
        }
        self.create_queue(AGENT_POOL.into(), patch).await
    }

    /// Updates a queue of a pool by name.
    pub async fn update_queue(&self, pool: String, name: String, patch: QueuePatch) -> Result<()> {
        let (_, q) = self.queue(pool, name).await?;
        self.update_queue_by_id(q.id, patch).await
    }

    /// Updates a queue by id; 409 when a rename takes a name its pool already has.
    pub async fn update_queue_by_id(&self, id: Uuid, patch: QueuePatch) -> Result<()> {
        if let Some(name) = &patch.name {
            checked_name(name.clone())?;
        }
        let now = self.clock.now();
        let evs = self
            .store
            .write(move |tx| {
                let mut q =
                    work_queues::queue(tx, id)?.ok_or(StoreError::NotFound("work queue"))?;
                let old_name = q.name.clone();
                let was_paused = q.is_paused;
                patch.apply(&mut q);
                q.updated = now;
                work_queues::update_queue(tx, &q)?;
                if q.name != old_name {
                    work_queues::rename_references(tx, &q, &old_name)?;
                }
                let pool = work_pools::pool(tx, q.work_pool_id)?;
                let mut evs = vec![resource_events::work_queue(
                    &q,
                    pool.as_ref(),
                    "updated",
                    now,
                )];
                if let Some(change) = resource_events::pause_change(was_paused, q.is_paused) {
                    evs.push(resource_events::work_queue(&q, pool.as_ref(), change, now));
                }
                super::orchestration::store_events(tx, &evs)?;
                Ok(evs)
            })
            .await
            .map_err(|e| by_id_error(e, id))?;
        self.bus.publish(evs);
        self.wake_workers();
        Ok(())
    }

    /// Deletes a queue of a pool by name.
    pub async fn delete_queue(&self, pool: String, name: String) -> Result<()> {
        let (_, q) = self.queue(pool, name).await?;
        self.delete_queue_by_id(q.id).await
    }

    /// Deletes a queue by id (not its pool's default queue: 409). Its scheduled runs wait unplaced.
    pub async fn delete_queue_by_id(&self, id: Uuid) -> Result<()> {
        let now = self.clock.now();
        let e = self
            .store
            .write(move |tx| {
                let (p, q) = with_pool(tx, id)?;
                if p.default_queue_id == Some(q.id) {
                    return Err(StoreError::Conflict(
                        "a pool's default queue cannot be deleted".into(),
                    ));
                }
                work_queues::delete_queue(tx, q.id)?;
                let e = resource_events::work_queue(&q, Some(&p), "deleted", now);
                super::orchestration::store_events(tx, std::slice::from_ref(&e))?;
                Ok(e)
            })
            .await
            .map_err(|e| by_id_error(e, id))?;
        self.bus.publish([e]);
        Ok(())
    }
}

/// The queue with this id and its pool (`NotFound` when either is missing).
pub(super) fn with_pool(tx: &Tx, id: Uuid) -> crate::store::Result<(WorkPool, WorkQueue)> {
    let q = work_queues::queue(tx, id)?.ok_or(StoreError::NotFound("work queue"))?;
    let p = work_pools::pool(tx, q.work_pool_id)?.ok_or(StoreError::NotFound("work pool"))?;
    Ok((p, q))
}

/// A store error of a by-id operation, with the queue's id in the 404.
pub(super) fn by_id_error(e: StoreError, id: Uuid) -> ServiceError {
    match e {
        StoreError::NotFound(_) => ServiceError::NotFound(format!("Work queue {id} not found")),
        other => other.into(),
    }
}

fn checked_name(name: String) -> Result<String> {
    if name.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "name: a work queue needs a non-empty name".into(),
        ));
    }
    Ok(name)
}

fn next_priority(tx: &Tx, pool_id: Uuid) -> i64 {
    work_queues::queues(tx, pool_id)
        .map(|qs| {
            qs.iter()
                .map(|q| q.priority)
                .max()
                .unwrap_or(0)
                .saturating_add(1)
        })
        .unwrap_or(1)
}

fn queue_missing(pool: &str, name: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "Work queue '{name}' not found in work pool '{pool}'"
    ))
}

/// The queue a deployment names in an existing pool, created when missing (as Prefect creates it), so that
/// the deployment has a queue id and its runs a queue. Nothing happens when the pool does not exist yet:
/// its runs wait, unplaced, until it does.
pub(super) fn ensure_deployment_queue(
    tx: &Tx,
    pool: &str,
    name: &str,
    now: Ts,
) -> crate::store::Result<()> {
    if name.trim().is_empty() {
        return Ok(());
    }
    let Some(p) = work_pools::pool_by_name(tx, pool)? else {
        return Ok(());
    };
    if work_queues::queues(tx, p.id)?
        .iter()
        .any(|q| q.name == name)
    {
        return Ok(());
    }
    let q = WorkQueue {
        id: Uuid::now_v7(),
        created: now,
        updated: now,
        work_pool_id: p.id,
        name: name.to_string(),
        description: String::new(),
        is_paused: false,
        concurrency_limit: None,
        priority: next_priority(tx, p.id),
        last_polled: None,
    };
    work_queues::insert_queue(tx, &q)?;
    flow_runs::place_orphans(tx)?;
    Ok(())
}

impl Services {
    /// Stores and publishes `prefect.work-queue.<change>` events of a queue (outside another write).
    async fn record_queue_events(&self, q: &WorkQueue, p: &WorkPool, changes: &[&str]) {
        let now = self.clock.now();
        let evs: Vec<_> = changes
            .iter()
            .map(|c| resource_events::work_queue(q, Some(p), c, now))
            .collect();
        let stored = evs.clone();
        match self
            .store
            .write(move |tx| super::orchestration::store_events(tx, &stored))
            .await
        {
            Ok(()) => self.bus.publish(evs),
            Err(e) => tracing::warn!(error = %e, "could not store a work queue event"),
        }
    }
}
