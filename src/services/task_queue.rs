//! Background tasks (`task.delay()` / `apply_async()` in Prefect): a task run created SCHEDULED with
//! `deferred` waits here, by task key, until a task worker subscribed to its key takes it. Each run is handed
//! to one worker; a run whose hand-over fails goes back in front of its key's queue. The queue lives in
//! memory and is rebuilt from the store at start, so runs submitted before a restart are still served
//! (Prefect's is lost on restart). Task workers are remembered while connected, for `/task_workers/filter`.

use super::{Result, Services};
use crate::domain::task_run::TaskRun;
use crate::domain::{StateType, Ts};
use crate::store::task_runs;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;
use uuid::Uuid;

/// How long a subscriber waits for a run before it checks its connection again.
pub const TAKE_WAIT: Duration = Duration::from_secs(1);

/// The waiting runs by task key, and the connected task workers.
#[derive(Debug, Default)]
pub struct TaskQueue {
    inner: Mutex<Queues>,
    /// Rung when a run is queued.
    pub arrived: tokio::sync::Notify,
}

#[derive(Debug, Default)]
struct Queues {
    /// Runs to hand out again (their hand-over failed), served first.
    retry: HashMap<String, VecDeque<Uuid>>,
    fresh: HashMap<String, VecDeque<Uuid>>,
    queued: HashSet<Uuid>,
    workers: HashMap<String, Seen>,
}

/// A connected task worker.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub identifier: String,
    pub task_keys: BTreeSet<String>,
    pub timestamp: Ts,
    connections: usize,
}

/// Whether a task run waits for a task worker: SCHEDULED and deferred.
pub fn is_deferred(run: &TaskRun) -> bool {
    run.state
        .as_ref()
        .is_some_and(|s| s.kind == StateType::Scheduled && s.details.deferred == Some(true))
}

impl TaskQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a run under its key (at the front, for a retry); a run already queued stays where it is.
    pub fn push(&self, key: &str, id: Uuid, retry: bool) {
        let mut q = self.lock();
        if !q.queued.insert(id) {
            return;
        }
        let lane = if retry { &mut q.retry } else { &mut q.fresh };
        lane.entry(key.to_string()).or_default().push_back(id);
        drop(q);
        self.arrived.notify_waiters();
    }

    /// The next run for any of `keys`: retries first, then in the order they came.
    pub fn take(&self, keys: &[String]) -> Option<Uuid> {
        let mut q = self.lock();
        let q = &mut *q;
        for lane in [&mut q.retry, &mut q.fresh] {
            for k in keys {
                if let Some(id) = lane.get_mut(k).and_then(VecDeque::pop_front) {
                    q.queued.remove(&id);
                    return Some(id);
                }
            }
        }
        None
    }

    /// Whether a run for any of `keys` is queued.
    pub fn has(&self, keys: &[String]) -> bool {
        let q = self.lock();
        [&q.retry, &q.fresh].iter().any(|lane| {
            keys.iter()
                .any(|k| lane.get(k).is_some_and(|l| !l.is_empty()))
        })
    }

    /// Notes that a worker is connected with `keys` at `now`.
    pub fn observe(&self, identifier: &str, keys: &[String], now: Ts, connected: bool) {
        let mut q = self.lock();
        let w = q
            .workers
            .entry(identifier.to_string())
            .or_insert_with(|| Seen {
                identifier: identifier.to_string(),
                task_keys: BTreeSet::new(),
                timestamp: now,
                connections: 0,
            });
        w.task_keys.extend(keys.iter().cloned());
        w.timestamp = now;
        if connected {
            w.connections += 1;
        }
    }

    /// Notes that one connection of a worker closed; it is forgotten with its last one.
    pub fn forget(&self, identifier: &str) {
        let mut q = self.lock();
        if let Some(w) = q.workers.get_mut(identifier) {
            w.connections = w.connections.saturating_sub(1);
            if w.connections == 0 {
                q.workers.remove(identifier);
            }
        }
    }

    /// The connected workers serving any of `keys` (all of them when `keys` is empty).
    pub fn workers(&self, keys: &[String]) -> Vec<Seen> {
        let q = self.lock();
        let mut out: Vec<Seen> = q
            .workers
            .values()
            .filter(|w| keys.is_empty() || keys.iter().any(|k| w.task_keys.contains(k)))
            .cloned()
            .collect();
        out.sort_by(|a, b| a.identifier.cmp(&b.identifier));
        out
    }
}

impl Services {
    /// Queues a task run that waits for a task worker (created or rescheduled SCHEDULED and deferred).
    pub fn offer_task_run(&self, run: &TaskRun) {
        if is_deferred(run) {
            let retry = run
                .state
                .as_ref()
                .is_some_and(|s| s.name == crate::domain::state::name::AWAITING_RETRY);
            self.task_queue.push(&run.task_key, run.id, retry);
        }
    }

    /// Queues every stored task run that still waits for a task worker (at start).
    pub async fn restore_task_queue(&self) -> Result<usize> {
        let runs = self.store.read(task_runs::waiting_for_workers).await?;
        let n = runs.len();
        for r in &runs {
            self.offer_task_run(r);
        }
        Ok(n)
    }

    /// Waits until a run for `keys` is queued, at most [`TAKE_WAIT`]. Takes nothing, so it may be
    /// cancelled at any point.
    pub async fn wait_for_task_run(&self, keys: &[String]) {
        let arrived = self.task_queue.arrived.notified();
        if self.task_queue.has(keys) {
            return;
        }
        let _ = tokio::time::timeout(TAKE_WAIT, arrived).await;
    }

    /// The next queued run for a worker serving `keys` that still waits (a run cancelled or deleted
    /// meanwhile is dropped). Run it to the end: a run taken here is handed out or queued again.
    pub async fn take_task_run(&self, keys: &[String]) -> Result<Option<TaskRun>> {
        while let Some(id) = self.task_queue.take(keys) {
            let run = self.store.read(move |tx| task_runs::get(tx, id)).await?;
            if let Some(run) = run.filter(is_deferred) {
                return Ok(Some(run));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_come_first_and_each_run_once() {
        let q = TaskQueue::default();
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        q.push("k", a, false);
        q.push("k", b, false);
        q.push("k", a, false);
        q.push("other", c, true);
        let keys = vec!["k".to_string(), "other".to_string()];
        assert_eq!(q.take(&keys), Some(c));
        assert_eq!(q.take(&keys), Some(a));
        assert_eq!(q.take(&keys), Some(b));
        assert_eq!(q.take(&keys), None);
        assert_eq!(q.take(&["nope".to_string()]), None);
    }

    #[test]
    fn a_worker_is_listed_while_connected() {
        let q = TaskQueue::default();
        let now = chrono::Utc::now();
        q.observe("host-1", &["a".into(), "b".into()], now, true);
        q.observe("host-1", &["a".into()], now, false);
        assert_eq!(q.workers(&[]).len(), 1);
        assert_eq!(q.workers(&["b".into()]).len(), 1);
        assert!(q.workers(&["c".into()]).is_empty());
        q.forget("host-1");
        assert!(q.workers(&[]).is_empty());
    }
}
