//! Wake-ups aimed where there may be work, so a busy server does not wake every loop on every write:
//! workers are woken for their own pool's runs (every pool when a change may concern all), and the late-runs
//! loop only for a run that turns Late before the loop already means to look.

use super::Services;
use crate::domain::orchestration::LATE_AFTER;
use crate::domain::Ts;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

/// When the late-runs loop means to look next is unknown (it is planning, or not running): wake it.
const UNPLANNED: i64 = i64::MAX;

/// Wake counters per pool, and the late-runs loop's plan.
#[derive(Debug)]
pub struct Wakes {
    /// Wake-ups of every pool's workers.
    all: AtomicU64,
    /// Wake-ups of one pool's workers, by pool name (one entry per pool ever woken).
    pools: Mutex<HashMap<String, u64>>,
    /// When the late-runs loop next looks (Unix milliseconds), or [`UNPLANNED`].
    late_planned: AtomicI64,
}

impl Default for Wakes {
    fn default() -> Wakes {
        Wakes {
            all: AtomicU64::new(0),
            pools: Mutex::default(),
            late_planned: AtomicI64::new(UNPLANNED),
        }
    }
}

impl Wakes {
    /// A number that moves whenever `pool`'s workers are woken: a worker that saw it before its last look
    /// for work and sees it unchanged has no new reason to look again.
    pub fn pool_generation(&self, pool: &str) -> u64 {
        let own = self
            .pools
            .lock()
            .map_or(0, |m| m.get(pool).copied().unwrap_or(0));
        self.all.load(Ordering::SeqCst).wrapping_add(own)
    }

    /// The late-runs loop is about to read when it next looks: until it says, every new run wakes it.
    pub fn late_planning(&self) {
        self.late_planned.store(UNPLANNED, Ordering::SeqCst);
    }

    /// The late-runs loop sleeps until `until`.
    pub fn late_planned(&self, until: Ts) {
        self.late_planned
            .store(until.timestamp_millis(), Ordering::SeqCst);
    }
}

impl Services {
    /// Wakes every in-process worker and every remote worker's wait, whatever their pool.
    pub fn wake_workers(&self) {
        self.wakes.all.fetch_add(1, Ordering::SeqCst);
        self.worker_wake.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Wakes the workers of `pool` (nothing for a run in no pool: no worker takes it).
    pub fn wake_pool(&self, pool: Option<&str>) {
        let Some(pool) = pool else { return };
        if let Ok(mut m) = self.wakes.pools.lock() {
            let n = m.entry(pool.to_string()).or_default();
            *n = n.wrapping_add(1);
        }
        self.worker_wake.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Waits until `pool`'s workers are woken (its generation moves from `seen`), `deadline` passes or `stop`
    /// is cancelled; wakes of other pools' workers pass by.
    pub async fn pool_wake(
        &self,
        wake: &mut tokio::sync::watch::Receiver<u64>,
        pool: &str,
        seen: u64,
        deadline: tokio::time::Instant,
        stop: &tokio_util::sync::CancellationToken,
    ) {
        loop {
            tokio::select! {
                changed = wake.changed() => {
                    if changed.is_err() || self.wakes.pool_generation(pool) != seen {
                        return;
                    }
                }
                _ = tokio::time::sleep_until(deadline) => return,
                _ = stop.cancelled() => return,
            }
        }
    }

    /// A run now waits for `scheduled` (`None`: unknown): wakes the late-runs loop when that run turns
    /// Late before the loop means to look.
    pub fn wake_late_loop(&self, scheduled: Option<Ts>) {
        let planned = self.wakes.late_planned.load(Ordering::SeqCst);
        let late_at = scheduled
            .and_then(|t| t.checked_add_signed(LATE_AFTER))
            .map_or(i64::MIN, |t| t.timestamp_millis());
        if planned == UNPLANNED || late_at < planned {
            self.late_wake.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::clock::Clock;
    use crate::store::Store;

    async fn services() -> (Services, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).await.unwrap();
        (Services::new(store, Clock::System), dir)
    }

    #[tokio::test]
    async fn a_pool_wake_moves_that_pools_generation_only() {
        let (s, _d) = services().await;
        let (a, b) = (s.wakes.pool_generation("a"), s.wakes.pool_generation("b"));
        s.wake_pool(Some("a"));
        assert_ne!(s.wakes.pool_generation("a"), a);
        assert_eq!(s.wakes.pool_generation("b"), b);
        s.wake_pool(None);
        assert_eq!(s.wakes.pool_generation("b"), b);
        s.wake_workers();
        assert_ne!(s.wakes.pool_generation("b"), b);
    }

    #[tokio::test]
    async fn the_late_loop_is_woken_only_for_a_run_late_before_its_plan() {
        let (s, _d) = services().await;
        let now = s.clock.now();
        s.wakes.late_planned(now + chrono::Duration::seconds(60));
        // Late 15 s after `now + 10 s`: before the plan, so a wake is stored.
        s.wake_late_loop(Some(now + chrono::Duration::seconds(10)));
        let woken =
            tokio::time::timeout(std::time::Duration::from_millis(50), s.late_wake.notified());
        assert!(woken.await.is_ok());
        // Late after the plan: no wake.
        s.wake_late_loop(Some(now + chrono::Duration::seconds(50)));
        let woken =
            tokio::time::timeout(std::time::Duration::from_millis(50), s.late_wake.notified());
        assert!(woken.await.is_err());
        // While the loop plans, every run wakes it.
        s.wakes.late_planning();
        s.wake_late_loop(Some(now + chrono::Duration::seconds(50)));
        let woken =
            tokio::time::timeout(std::time::Duration::from_millis(50), s.late_wake.notified());
        assert!(woken.await.is_ok());
    }
}
