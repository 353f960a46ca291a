//! Read models of the UI and the run pages: task runs with their flow run's name, counts per flow run and
//! per flow, next runs, counts by state, lateness, task run history, dashboard buckets, observed states, a
//! pool's concurrency, the queues a deployment's runs may use, and a run's logs in pages.

use super::{Result, ServiceError, Services};
use crate::domain::filter::{Cond, Entity, Field, Order, Query, Val};
use crate::domain::flow_run::FlowRun;
use crate::domain::log::Log;
use crate::domain::task_run::TaskRun;
use crate::domain::work_pool::{WorkPool, WorkQueue};
use crate::domain::{StateType, Ts};
use crate::store::pool_status::{self, ActiveRun};
use crate::store::read_views::{self, ObservedState};
use crate::store::run_views::HistoryCell;
use crate::store::{
    deployments, flow_runs, logs, task_run_views, task_runs, work_pools, work_queues,
};
use std::collections::HashMap;
use uuid::Uuid;

/// A queue of a pool with the runs holding its slots.
#[derive(Debug, Clone)]
pub struct QueueStatus {
    pub queue: WorkQueue,
    pub active: u64,
    /// The first runs holding its slots, by id.
    pub runs: Vec<ActiveRun>,
}

/// A pool's concurrency: the runs holding its slots, and a page of its queues.
#[derive(Debug, Clone)]
pub struct PoolStatus {
    pub pool: WorkPool,
    pub active: u64,
    /// How many queues the pool has.
    pub queue_count: u64,
    pub queues: Vec<QueueStatus>,
}

impl Services {
    /// A task run and the name of its flow run.
    pub async fn task_run_with_run_name(&self, id: Uuid) -> Result<(TaskRun, Option<String>)> {
        self.store
            .read(move |tx| {
                let Some(t) = task_runs::get(tx, id)? else {
                    return Ok(None);
                };
                let name = match t.flow_run_id {
                    Some(fr) => read_views::flow_run_name(tx, fr)?,
                    None => None,
                };
                Ok(Some((t, name)))
            })
            .await?
            .ok_or_else(|| ServiceError::NotFound("Task not found".into()))
    }

    /// Per flow run of `ids`, its task runs other than subflow wrappers (0 for unknown runs).
    pub async fn task_runs_per_flow_run(&self, ids: Vec<Uuid>) -> Result<HashMap<Uuid, u64>> {
        Ok(self
            .store
            .read(move |tx| read_views::task_runs_per_flow_run(tx, &ids))
            .await?)
    }

    /// Per flow of `ids`, its deployments.
    pub async fn deployments_per_flow(&self, ids: Vec<Uuid>) -> Result<HashMap<Uuid, u64>> {
        Ok(self
            .store
            .read(move |tx| read_views::deployments_per_flow(tx, &ids))
            .await?)
    }

    /// Per flow of `ids`, its SCHEDULED run due first (late ones included).
    pub async fn next_runs_of_flows(&self, ids: Vec<Uuid>) -> Result<HashMap<Uuid, FlowRun>> {
        self.store
            .read(move |tx| {
                let mut out = HashMap::new();
                for id in ids {
                    let q = Query::new(
                        Cond::All(vec![
                            Cond::In(Field::FlowId, vec![Val::Text(id.to_string())]),
                            Cond::state_types(&[StateType::Scheduled]),
                        ]),
                        Order::asc(Field::NextScheduledStartTime),
                        Some(1),
                        0,
                    );
                    if let Some(run) = flow_runs::list(tx, &q)?.pop() {
                        out.insert(id, run);
                    }
                }
                Ok(out)
            })
            .await
            .map_err(Into::into)
    }

    /// How many task runs matching `cond` are in each state type.
    pub async fn task_run_state_counts(&self, cond: Cond) -> Result<Vec<(String, u64)>> {
        Ok(self
            .store
            .read(move |tx| read_views::counts_by_state_type(tx, Entity::TaskRun, &cond))
            .await?)
    }

    /// Finished task runs matching `cond` per bucket of `width` seconds from `start`:
    /// `(bucket, completed, failed)`.
    pub async fn finished_task_runs_per_bucket(
        &self,
        cond: Cond,
        start: Ts,
        width: f64,
        buckets: i64,
    ) -> Result<Vec<(i64, u64, u64)>> {
        Ok(self
            .store
            .read(move |tx| task_run_views::finished_per_bucket(tx, &cond, start, width, buckets))
            .await?)
    }

    /// The average lateness in seconds of the flow runs matching `cond`, now.
    pub async fn flow_run_lateness(&self, cond: Cond) -> Result<Option<f64>> {
        let now = self.clock.now();
        Ok(self
            .store
            .read(move |tx| read_views::average_lateness(tx, &cond, now))
            .await?)
    }

    /// Task runs per interval and state, expected in `[start, end)`.
    pub async fn task_run_history(
        &self,
        cond: Cond,
        start: Ts,
        end: Ts,
        interval: f64,
    ) -> Result<Vec<HistoryCell>> {
        let now = self.clock.now();
        Ok(self
            .store
            .read(move |tx| task_run_views::history(tx, &cond, start, end, interval, now))
            .await?)
    }

    /// The distinct states runs have been in (see `store::read_views::observed_states`).
    pub async fn observed_states(
        &self,
        prefix: String,
        by_name: bool,
        limit: u32,
    ) -> Result<Vec<ObservedState>> {
        Ok(self
            .store
            .read(move |tx| read_views::observed_states(tx, &prefix, by_name, limit))
            .await?)
    }

    /// Pool `name`'s concurrency, with page `page` (from 1) of `limit` of its queues by priority, each with
    /// at most `runs_per_queue` of its active runs.
    pub async fn pool_concurrency(
        &self,
        name: String,
        page: u64,
        limit: u64,
        runs_per_queue: u32,
    ) -> Result<PoolStatus> {
        let n = name.clone();
        self.store
            .read(move |tx| {
                let Some(pool) = work_pools::pool_by_name(tx, &n)? else {
                    return Ok(None);
                };
                let all = work_queues::queues(tx, pool.id)?;
                let queue_count = all.len() as u64;
                let skip = usize::try_from(page.saturating_sub(1).saturating_mul(limit))
                    .unwrap_or(usize::MAX);
                let take = usize::try_from(limit).unwrap_or(usize::MAX);
                let mut queues = Vec::new();
                for queue in all.into_iter().skip(skip).take(take) {
                    let (active, runs) =
                        pool_status::active_in_queue(tx, queue.id, runs_per_queue)?;
                    queues.push(QueueStatus {
                        queue,
                        active,
                        runs,
                    });
                }
                Ok(Some(PoolStatus {
                    active: pool_status::active_in_pool(tx, pool.id)?,
                    pool,
                    queue_count,
                    queues,
                }))
            })
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("Work pool '{name}' not found.")))
    }

    /// The work queues a deployment's runs could be sent to: every queue of every pool (no Baton queue has
    /// Prefect's legacy tag or deployment filter), oldest first.
    pub async fn work_queues_for_deployment(&self, id: Uuid) -> Result<Vec<WorkQueue>> {
        self.store
            .read(move |tx| {
                if deployments::get(tx, id)?.is_none() {
                    return Ok(None);
                }
                let mut all = work_queues::all_queues(tx)?;
                all.sort_by_key(|q| (q.created, q.id));
                Ok(Some(all))
            })
            .await?
            .ok_or_else(|| ServiceError::NotFound("Deployment not found".into()))
    }

    /// The name of flow run `id`; 404 "Flow run not found" when there is none.
    pub async fn flow_run_name(&self, id: Uuid) -> Result<String> {
        self.store
            .read(move |tx| read_views::flow_run_name(tx, id))
            .await?
            .ok_or_else(|| ServiceError::NotFound("Flow run not found".into()))
    }

    /// A page of flow run `id`'s log lines after `after` (timestamp, id), oldest first.
    pub async fn flow_run_log_page(
        &self,
        id: Uuid,
        after: Option<(Ts, Uuid)>,
        limit: u32,
    ) -> Result<Vec<Log>> {
        Ok(self
            .store
            .read(move |tx| logs::of_flow_run_after(tx, id, after, limit))
            .await?)
    }
}
