//! A work queue's runs, read by the queue's id: the scheduled runs a poll of that queue would get (which
//! marks the queue polled, as a worker's poll does), its health (late runs, last poll), and the runs that
//! hold its concurrency slots.

use super::work_queues::{by_id_error, with_pool};
use super::{Result, Services};
use crate::domain::filter::{Cond, Field, Order, Query, Val};
use crate::domain::flow_run::FlowRun;
use crate::domain::state::name;
use crate::domain::work_pool::{pick, HealthPolicy, WorkQueue};
use crate::domain::{time, StateType, Ts};
use crate::store::{flow_runs, work_pools, work_queues, Tx};
use std::collections::HashMap;
use uuid::Uuid;

/// A queue's health as Prefect judges it.
#[derive(Clone, Debug)]
pub struct QueueHealth {
    pub queue: WorkQueue,
    pub late_runs: u64,
    pub policy: HealthPolicy,
    pub healthy: bool,
}

/// One page of the runs holding a queue's slots, with how many hold one in all.
#[derive(Clone, Debug)]
pub struct SlotHolders {
    pub queue: WorkQueue,
    pub total: u64,
    pub runs: Vec<FlowRun>,
}

/// The state types that hold a queue's concurrency slot.
const SLOT_STATES: [StateType; 3] = [
    StateType::Pending,
    StateType::Running,
    StateType::Cancelling,
];

impl Services {
    /// How many runs hold a slot (PENDING, RUNNING, CANCELLING), per queue of these pools.
    pub async fn queue_slots(&self, pool_ids: Vec<Uuid>) -> Result<HashMap<Uuid, i64>> {
        Ok(self
            .store
            .read(move |tx| {
                let mut out = HashMap::new();
                for p in pool_ids {
                    out.extend(work_pools::active_per_queue(tx, p)?);
                }
                Ok(out)
            })
            .await?)
    }

    /// Scheduled runs of queue `id` due by `before` (at any time when `None`), earliest first, at most
    /// `limit` and no more than the queue's free concurrency slots; none while the queue is paused. Unless
    /// `peek` (Prefect's UI looking), this is a poll: the queue is marked polled, which makes it READY and
    /// its deployments ready. Claiming stays separate: a worker proposes PENDING, which succeeds once.
    pub async fn runs_in_queue(
        &self,
        id: Uuid,
        before: Option<Ts>,
        limit: u32,
        peek: bool,
    ) -> Result<Vec<FlowRun>> {
        let before = before.unwrap_or_else(time::latest);
        let result = if peek {
            self.store
                .read(move |tx| due_in_queue(tx, id, before, limit))
                .await
        } else {
            let now = self.clock.now();
            self.store
                .write(move |tx| {
                    let runs = due_in_queue(tx, id, before, limit)?;
                    work_queues::mark_queue_polled(tx, id, now)?;
                    Ok(runs)
                })
                .await
        };
        result.map_err(|e| by_id_error(e, id))
    }

    /// Whether queue `id` is healthy under the default policy: no late runs, polled within the last minute.
    pub async fn queue_health(&self, id: Uuid) -> Result<QueueHealth> {
        let now = self.clock.now();
        self.store
            .read(move |tx| {
                let (_, queue) = with_pool(tx, id)?;
                let late = Cond::All(vec![
                    in_queue(id),
                    Cond::state_types(&[StateType::Scheduled]),
                    Cond::state_names(&[name::LATE]),
                ]);
                let late_runs = flow_runs::count(tx, &late)?;
                let policy = HealthPolicy::DEFAULT;
                let healthy = policy.healthy(late_runs, queue.last_polled, now);
                Ok(QueueHealth {
                    queue,
                    late_runs,
                    policy,
                    healthy,
                })
            })
            .await
            .map_err(|e| by_id_error(e, id))
    }

    /// The runs holding queue `id`'s slots (PENDING, RUNNING, CANCELLING), by id, one page.
    pub async fn queue_slot_holders(
        &self,
        id: Uuid,
        offset: u64,
        limit: u32,
    ) -> Result<SlotHolders> {
        self.store
            .read(move |tx| {
                let (_, queue) = with_pool(tx, id)?;
                let holding = holding_slots(id);
                let total = flow_runs::count(tx, &holding)?;
                let runs = if limit == 0 {
                    Vec::new()
                } else {
                    let page = Query::new(holding, Order::asc(Field::Id), Some(limit), offset);
                    flow_runs::list(tx, &page)?
                };
                Ok(SlotHolders { queue, total, runs })
            })
            .await
            .map_err(|e| by_id_error(e, id))
    }
}

fn in_queue(id: Uuid) -> Cond {
    Cond::In(Field::WorkQueueId, vec![Val::Text(id.to_string())])
}

/// Runs of the queue holding one of its slots.
fn holding_slots(id: Uuid) -> Cond {
    Cond::All(vec![in_queue(id), Cond::state_types(&SLOT_STATES)])
}

/// The due runs a poll of this one queue gets, within its free slots (nothing while it is paused).
fn due_in_queue(tx: &Tx, id: Uuid, before: Ts, limit: u32) -> crate::store::Result<Vec<FlowRun>> {
    let (_, q) = with_pool(tx, id)?;
    if q.is_paused || limit == 0 {
        return Ok(Vec::new());
    }
    let candidates = work_pools::due_runs(tx, &[id], before, limit)?;
    let holding = holding_slots(id);
    let active = i64::try_from(flow_runs::count(tx, &holding)?).unwrap_or(i64::MAX);
    let picked = pick(
        &candidates,
        None,
        0,
        &[(id, q.concurrency_limit, active)],
        limit as usize,
    );
    let mut out = Vec::with_capacity(picked.len());
    for run_id in picked {
        if let Some(run) = flow_runs::get(tx, run_id)? {
            out.push(run);
        }
    }
    Ok(out)
}
