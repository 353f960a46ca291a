//! Retention: a background loop that deletes finished flow runs older than 90 days, logs older than 30 days
//! and events older than 7 days (each configurable; 0 keeps forever), in small batches so that API writes
//! never wait long behind it. A run counts from its end time; unfinished runs are never deleted here.

use super::{Result, Services};
use crate::domain::retention::{cutoff, RetentionPolicy};
use crate::domain::Ts;
use crate::store::retention;
use std::sync::Arc;

/// Rows deleted per write transaction.
pub const BATCH: u32 = 500;
/// Time between two passes.
const EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// What one pass deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionOutcome {
    pub flow_runs: u64,
    pub logs: u64,
    pub events: u64,
}

impl Services {
    /// Deletes everything past its retention at `now`, batch by batch.
    pub async fn retention_tick(
        &self,
        policy: RetentionPolicy,
        now: Ts,
    ) -> Result<RetentionOutcome> {
        let mut out = RetentionOutcome::default();
        if let Some(c) = cutoff(now, policy.flow_run_days) {
            out.flow_runs = self
                .drain(move |tx| retention::delete_runs_ended_before(tx, c, BATCH, now))
                .await?;
        }
        if let Some(c) = cutoff(now, policy.log_days) {
            out.logs = self
                .drain(move |tx| retention::delete_logs_before(tx, c, BATCH))
                .await?;
        }
        if let Some(c) = cutoff(now, policy.event_days) {
            out.events = self
                .drain(move |tx| retention::delete_events_before(tx, c, BATCH))
                .await?;
        }
        Ok(out)
    }

    /// Runs one batch delete per transaction until a batch comes back short, or the server stops.
    async fn drain<F>(&self, batch: F) -> Result<u64>
    where
        F: Fn(&crate::store::Tx) -> crate::store::Result<u64> + Send + Sync + Clone + 'static,
    {
        let mut total = 0;
        loop {
            let f = batch.clone();
            let n = self.store.write(move |tx| f(tx)).await?;
            total += n;
            if n < u64::from(BATCH) || self.stop.is_cancelled() {
                return Ok(total);
            }
            tokio::task::yield_now().await;
        }
    }
}

/// Runs retention passes (at start, then hourly) until the server stops.
pub async fn run(services: Arc<Services>, policy: RetentionPolicy) {
    if policy
        == (RetentionPolicy {
            flow_run_days: 0,
            log_days: 0,
            event_days: 0,
        })
    {
        return;
    }
    loop {
        let now = services.clock.now();
        match services.retention_tick(policy, now).await {
            Ok(o) if o != RetentionOutcome::default() => tracing::info!(
                flow_runs = o.flow_runs,
                logs = o.logs,
                events = o.events,
                "retention deleted old data"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "retention pass failed"),
        }
        tokio::select! {
            _ = services.stop.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
