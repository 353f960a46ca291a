//! Work pool use cases: pools and queues (a process pool named `default` always exists), worker heartbeats,
//! and the poll that hands due runs to a worker under pause and concurrency limits.

use super::orchestration::store_events;
use super::{Result, ServiceError, Services};
use crate::domain::flow_run::FlowRun;
use crate::domain::work_pool::{
    pick, process_base_job_template, PoolFilter, WorkPool, WorkQueue, Worker,
};
use crate::domain::{resource_events, Doc, Ts};
use crate::store::{flow_runs, work_pools, work_queues, StoreError, Tx};
use uuid::Uuid;

/// The pool that always exists.
pub const DEFAULT_POOL: &str = "default";
/// The pool of queues named without a pool (Prefect 2 agents, `work-queue create` without `--pool`), as
/// Prefect names it. Created when first needed; Baton's own workers never serve it (agents do).
pub const AGENT_POOL: &str = "default-agent-pool";
/// The type of [`AGENT_POOL`].
const AGENT_POOL_TYPE: &str = "prefect-agent";
/// Every pool's first queue.
pub const DEFAULT_QUEUE: &str = "default";

/// A new pool as a client describes it.
#[derive(Clone, Debug, Default)]
pub struct NewPool {
    pub name: String,
    pub kind: String,
    pub description: Option<String>,
    pub base_job_template: Doc,
    pub is_paused: bool,
    pub concurrency_limit: Option<i64>,
    pub storage_configuration: Doc,
}

/// Fields a pool update sets (outer `None` = unchanged).
#[derive(Clone, Debug, Default)]
pub struct PoolPatch {
    pub description: Option<Option<String>>,
    pub is_paused: Option<bool>,
    pub base_job_template: Option<Doc>,
    pub concurrency_limit: Option<Option<i64>>,
    pub storage_configuration: Option<Doc>,
}

/// A run handed to a worker, with where it waited.
#[derive(Clone, Debug)]
pub struct Assigned {
    pub run: FlowRun,
    pub work_pool_id: Uuid,
    pub work_queue_id: Uuid,
}

impl Services {
    /// Creates the `default` process pool when it is missing.
    pub async fn ensure_default_pool(&self) -> Result<()> {
        let now = self.clock.now();
        self.store
            .write(move |tx| {
                if work_pools::pool_by_name(tx, DEFAULT_POOL)?.is_none() {
                    let new = NewPool {
                        name: DEFAULT_POOL.into(),
                        kind: "process".into(),
                        ..Default::default()
                    };
                    insert_pool(tx, new, now)?;
                }
                Ok(())
            })
            .await?;
        Ok(())
    }

    /// Makes sure a process pool named `name` exists (for `baton serve --pool`).
    pub async fn ensure_pool(&self, name: &str) -> Result<()> {
        if self.pool(name.to_string()).await.is_ok() {
            return Ok(());
        }
        self.create_pool(NewPool {
            name: name.to_string(),
            kind: "process".into(),
            ..Default::default()
        })
        .await
        .map(|_| ())
    }

    /// Creates a pool with its `default` queue; 409 when the name is taken.
    pub async fn create_pool(&self, new: NewPool) -> Result<WorkPool> {
        if new.name.trim().is_empty() || new.name.contains('/') || new.name.contains('%') {
            return Err(ServiceError::Invalid(
                "name: a work pool name must be non-empty without '/' or '%'".into(),
            ));
        }
        let now = self.clock.now();
        let (p, e) = self
            .store
            .write(move |tx| {
                let p = insert_pool(tx, new, now)?;
                let e = resource_events::work_pool(&p, "created", now);
                store_events(tx, std::slice::from_ref(&e))?;
                Ok((p, e))
            })
            .await?;
        self.bus.publish([e]);
        Ok(p)
    }

    /// The pool with this name.
    pub async fn pool(&self, name: String) -> Result<WorkPool> {
        let n = name.clone();
        self.store
            .read(move |tx| work_pools::pool_by_name(tx, &n))
            .await?
            .ok_or_else(|| pool_missing(&name))
    }

    /// Pools, optionally only some names or types.
    pub async fn pools(
        &self,
        filter: PoolFilter,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<WorkPool>> {
        Ok(self
            .store
            .read(move |tx| work_pools::pools(tx, &filter, limit, offset))
            .await?)
    }

    /// A pool's workers.
    pub async fn pool_workers(&self, pool_id: Uuid) -> Result<Vec<Worker>> {
        Ok(self
            .store
            .read(move |tx| work_pools::workers(tx, pool_id))
            .await?)
    }

    /// Updates a pool.
    pub async fn update_pool(&self, name: String, patch: PoolPatch) -> Result<()> {
        let now = self.clock.now();
        let evs = self
            .store
            .write(move |tx| {
                let mut p = work_pools::pool_by_name(tx, &name)?
                    .ok_or(StoreError::NotFound("work pool"))?;
                if let Some(v) = patch.description {
                    p.description = v;
                }
                let was_paused = p.is_paused;
                if let Some(v) = patch.is_paused {
                    p.is_paused = v;
                }
                if let Some(v) = patch.base_job_template {
                    p.base_job_template = v;
                }
                if let Some(v) = patch.concurrency_limit {
                    p.concurrency_limit = v;
                }
                if let Some(v) = patch.storage_configuration {
                    p.storage_configuration = v;
                }
                p.updated = now;
                work_pools::update_pool(tx, &p)?;
                let mut evs = vec![resource_events::work_pool(&p, "updated", now)];
                if let Some(change) = resource_events::pause_change(was_paused, p.is_paused) {
                    evs.push(resource_events::work_pool(&p, change, now));
                }
                store_events(tx, &evs)?;
                Ok(evs)
            })
            .await?;
        self.bus.publish(evs);
        self.wake_workers();
        Ok(())
    }

    /// Deletes a pool (not `default`).
    pub async fn delete_pool(&self, name: String) -> Result<()> {
        if name == DEFAULT_POOL {
            return Err(ServiceError::Conflict(
                "the default work pool cannot be deleted".into(),
            ));
        }
        let n = name.clone();
        let now = self.clock.now();
        let deleted = self
            .store
            .write(move |tx| match work_pools::pool_by_name(tx, &n)? {
                Some(p) if work_pools::delete_pool(tx, p.id)? => {
                    let e = resource_events::work_pool(&p, "deleted", now);
                    store_events(tx, std::slice::from_ref(&e))?;
                    Ok(Some(e))
                }
                _ => Ok(None),
            })
            .await?;
        if let Some(e) = deleted {
            self.bus.publish([e]);
            Ok(())
        } else {
            Err(pool_missing(&name))
        }
    }

    /// Records a worker heartbeat; returns the worker's id.
    pub async fn worker_heartbeat(
        &self,
        pool: String,
        name: String,
        interval: Option<i64>,
    ) -> Result<Uuid> {
        // Heartbeat intervals from one second to a day; anything else is brought into that range.
        let interval = interval.map(|i| i.clamp(1, 86_400));
        let p = self.pool(pool).await?;
        let now = self.clock.now();
        self.metrics.observe_heartbeat(&p.name);
        Ok(self
            .store
            .write(move |tx| {
                let id = work_pools::heartbeat(tx, p.id, &name, interval, now)?;
                keep_slots(tx, p.id, &name, now)?;
                Ok(id)
            })
            .await?)
    }

    /// Removes a worker record.
    pub async fn delete_worker(&self, pool: String, name: String) -> Result<()> {
        let p = self.pool(pool).await?;
        let n = name.clone();
        if self
            .store
            .write(move |tx| work_pools::delete_worker(tx, p.id, &n))
            .await?
        {
            Ok(())
        } else {
            Err(ServiceError::NotFound(format!("Worker '{name}' not found")))
        }
    }

    /// Due runs for a worker of `pool` (only `queue_names` when given), in queue priority order, within the
    /// pool's and queues' pause and concurrency limits. Marks the queues polled. Claiming is separate: the
    /// worker proposes PENDING, which succeeds once.
    pub async fn runs_for_pool(
        &self,
        pool: String,
        queue_names: Vec<String>,
        before: Ts,
        limit: Option<u32>,
    ) -> Result<Vec<Assigned>> {
        let now = self.clock.now();
        let name = pool.clone();
        self.store
            .write(move |tx| {
                let p = work_pools::pool_by_name(tx, &name)?
                    .ok_or(StoreError::NotFound("work pool"))?;
                let queues: Vec<WorkQueue> = work_queues::queues(tx, p.id)?
                    .into_iter()
                    .filter(|q| queue_names.is_empty() || queue_names.contains(&q.name))
                    .collect();
                work_queues::mark_polled_when_stale(tx, &p, &queues, now)?;
                if p.is_paused {
                    return Ok(Vec::new());
                }
                let open: Vec<&WorkQueue> = queues.iter().filter(|q| !q.is_paused).collect();
                let open_ids: Vec<Uuid> = open.iter().map(|q| q.id).collect();
                let max = limit.unwrap_or(200).min(200);
                let candidates =
                    work_pools::due_runs(tx, &open_ids, before, max.saturating_mul(4).max(max))?;
                let active = work_pools::active_per_queue(tx, p.id)?;
                let active_in_pool: i64 = active.iter().map(|(_, n)| n).sum();
                let limits: Vec<(Uuid, Option<i64>, i64)> = open
                    .iter()
                    .map(|q| {
                        (
                            q.id,
                            q.concurrency_limit,
                            active.iter().find(|(id, _)| *id == q.id).map_or(0, |a| a.1),
                        )
                    })
                    .collect();
                let picked = pick(
                    &candidates,
                    p.concurrency_limit,
                    active_in_pool,
                    &limits,
                    max as usize,
                );
                let mut out = Vec::new();
                // Read, not locked: a worker claims a run by proposing PENDING, which locks it then.
                for run in flow_runs::many(tx, &picked)? {
                    let queue = run.work_queue_id.unwrap_or_default();
                    out.push(Assigned {
                        run,
                        work_pool_id: p.id,
                        work_queue_id: queue,
                    });
                }
                Ok(out)
            })
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => pool_missing(&pool),
                other => other.into(),
            })
    }
}

impl Services {
    /// When the next run of `pool` becomes due, if any is waiting.
    pub async fn next_due_in_pool(&self, pool: String) -> Result<Option<Ts>> {
        Ok(self
            .store
            .read(move |tx| work_pools::next_due(tx, &pool))
            .await?)
    }
}

/// The default agent pool, created when missing.
pub(super) fn ensure_agent_pool(tx: &Tx, now: Ts) -> crate::store::Result<WorkPool> {
    if let Some(p) = work_pools::pool_by_name(tx, AGENT_POOL)? {
        return Ok(p);
    }
    let new = NewPool {
        name: AGENT_POOL.into(),
        kind: AGENT_POOL_TYPE.into(),
        ..Default::default()
    };
    insert_pool(tx, new, now)
}

fn insert_pool(tx: &Tx, new: NewPool, now: Ts) -> crate::store::Result<WorkPool> {
    let template = if new.base_job_template.is_empty() && new.kind == "process" {
        process_base_job_template()
    } else {
        new.base_job_template
    };
    let mut pool = WorkPool {
        id: Uuid::now_v7(),
        created: now,
        updated: now,
        name: new.name,
        description: new.description,
        kind: new.kind,
        base_job_template: template,
        is_paused: new.is_paused,
        concurrency_limit: new.concurrency_limit,
        default_queue_id: None,
        storage_configuration: new.storage_configuration,
        last_polled: None,
    };
    work_pools::insert_pool(tx, &pool)?;
    let queue = WorkQueue {
        id: Uuid::now_v7(),
        created: now,
        updated: now,
        work_pool_id: pool.id,
        name: DEFAULT_QUEUE.into(),
        description: "The pool's default queue.".into(),
        is_paused: false,
        concurrency_limit: None,
        priority: 1,
        last_polled: None,
    };
    work_queues::insert_queue(tx, &queue)?;
    pool.default_queue_id = Some(queue.id);
    work_pools::update_pool(tx, &pool)?;
    flow_runs::place_orphans(tx)?;
    Ok(pool)
}

pub(super) fn pool_missing(name: &str) -> ServiceError {
    ServiceError::NotFound(format!("Work pool '{name}' not found"))
}

/// How long a live worker's heartbeat keeps the deployment slots of its runs: a run whose worker is alive
/// keeps its slot even when nothing else renews the lease (a plain command run by a Baton worker).
const SLOT_KEPT_BY_HEARTBEAT: chrono::Duration = chrono::Duration::seconds(300);

/// Extends the deployment-slot leases of the active runs a worker claimed.
fn keep_slots(tx: &Tx, pool: Uuid, worker: &str, now: Ts) -> crate::store::Result<()> {
    for run in crate::store::flow_runs::claimed_by_worker(tx, pool, worker)? {
        let lease = run
            .state
            .as_ref()
            .and_then(|s| s.details.deployment_concurrency_lease_id);
        if let Some(id) = lease {
            crate::store::concurrency_leases::extend(tx, id, now + SLOT_KEPT_BY_HEARTBEAT, now)?;
        }
    }
    Ok(())
}
