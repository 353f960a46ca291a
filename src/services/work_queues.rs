//! Work queue use cases: a pool's queues (priority, pause, concurrency limit), created, changed and deleted.

use super::{Result, ServiceError, Services};
use crate::domain::work_pool::{WorkPool, WorkQueue};
use crate::store::{flow_runs, work_pools, StoreError, Tx};
use uuid::Uuid;

/// Fields a queue create or update sets.
#[derive(Clone, Debug, Default)]
pub struct QueuePatch {
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_paused: Option<bool>,
    pub concurrency_limit: Option<Option<i64>>,
    pub priority: Option<i64>,
}

impl Services {
    /// A pool's queues.
    pub async fn queues(&self, pool: String) -> Result<(WorkPool, Vec<WorkQueue>)> {
        let p = self.pool(pool).await?;
        let id = p.id;
        Ok((
            p,
            self.store
                .read(move |tx| work_pools::queues(tx, id))
                .await?,
        ))
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
            .read(move |tx| {
                let q = work_pools::queue(tx, id)?.ok_or(StoreError::NotFound("work queue"))?;
                let p = work_pools::pool(tx, q.work_pool_id)?
                    .ok_or(StoreError::NotFound("work pool"))?;
                Ok((p, q))
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => {
                    ServiceError::NotFound(format!("Work queue {id} not found"))
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
        let name = patch.name.clone().unwrap_or_default();
        if name.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "name: a work queue needs a non-empty name".into(),
            ));
        }
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
                    last_polled: None,
                };
                work_pools::insert_queue(tx, &q)?;
                flow_runs::place_orphans(tx)?;
                Ok(q)
            })
            .await?;
        Ok((p, q))
    }

    /// Updates a queue.
    pub async fn update_queue(&self, pool: String, name: String, patch: QueuePatch) -> Result<()> {
        let (_, mut q) = self.queue(pool, name).await?;
        if let Some(v) = patch.name {
            q.name = v;
        }
        if let Some(v) = patch.description {
            q.description = v;
        }
        if let Some(v) = patch.is_paused {
            q.is_paused = v;
        }
        if let Some(v) = patch.concurrency_limit {
            q.concurrency_limit = v;
        }
        if let Some(v) = patch.priority {
            q.priority = v;
        }
        q.updated = self.clock.now();
        self.store
            .write(move |tx| work_pools::update_queue(tx, &q))
            .await?;
        self.wake_workers();
        Ok(())
    }

    /// Deletes a queue (not the pool's default queue).
    pub async fn delete_queue(&self, pool: String, name: String) -> Result<()> {
        let (p, q) = self.queue(pool, name).await?;
        if p.default_queue_id == Some(q.id) {
            return Err(ServiceError::Conflict(
                "a pool's default queue cannot be deleted".into(),
            ));
        }
        self.store
            .write(move |tx| work_pools::delete_queue(tx, q.id))
            .await?;
        Ok(())
    }
}

fn next_priority(tx: &Tx, pool_id: Uuid) -> i64 {
    work_pools::queues(tx, pool_id)
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
