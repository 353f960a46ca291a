//! Push dispatch to remote workers: a worker asks "is there work for my pool since generation N?" and the
//! answer comes the moment there may be (a run became due or was created due, a slot freed, a pool or queue
//! changed: the same wake the in-process worker gets) or when the pool's next scheduled run falls due,
//! else after the wait it asked for. The worker then claims over REST as before, so a run is still claimed
//! once among many workers. A wake between two asks is never lost: the generation moved, so the next ask
//! answers at once.

use super::{Result, Services};
use std::time::Duration;

/// The longest a worker's ask waits (it must stay under clients' request timeouts).
pub const MAX_WAIT: Duration = Duration::from_secs(25);

impl Services {
    /// Waits until there may be work in `pool` for a worker that last saw generation `seen` (`None`: it
    /// never asked), at most `wait`; returns the generation to ask with next.
    pub async fn wait_for_work(
        &self,
        pool: String,
        seen: Option<u64>,
        wait: Duration,
    ) -> Result<u64> {
        let mut wake = self.worker_wake.subscribe();
        let current = self.wakes.pool_generation(&pool);
        if seen != Some(current) {
            return Ok(current);
        }
        let now = self.clock.now();
        let wait = wait.min(MAX_WAIT);
        // A run already due that the worker's last poll did not take (its slots are full) is no reason to
        // answer now: a freed slot moves the generation.
        let sleep = self
            .next_due_in_pool(pool.clone())
            .await?
            .filter(|t| *t > now)
            .map_or(wait, |t| (t - now).to_std().unwrap_or_default().min(wait));
        let deadline = tokio::time::Instant::now() + sleep;
        self.pool_wake(&mut wake, &pool, current, deadline, &self.stop)
            .await;
        Ok(self.wakes.pool_generation(&pool))
    }
}
